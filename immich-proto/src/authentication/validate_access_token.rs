//! `POST /auth/validateToken`: `validateAccessToken`. No permission.
//!
//! History: added in v1 (beta), stable since v2; unchanged in v3. Checks the credential the
//! request carries (a session token, an API key): `{"authStatus": true}`, or `401` when the
//! server does not accept it (a session that was logged out, for example).

use bytes::Bytes;
use http::{response, Method, Request};

use super::model::ValidateAccessTokenResponse;
use crate::endpoint::{decode_json, empty_request};
use crate::{Endpoint, Error, Server};

/// Asks whether the server still accepts the credential.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ValidateAccessToken;

impl ValidateAccessToken {
    /// The operation (it takes no arguments).
    pub const fn new() -> Self {
        ValidateAccessToken
    }
}

impl Endpoint for ValidateAccessToken {
    type Output = ValidateAccessTokenResponse;
    const OPERATION_ID: &'static str = "validateAccessToken";
    const PERMISSION: Option<&'static str> = None;

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        empty_request(server, Method::POST, "/auth/validateToken", None)
    }

    fn parse(
        &self,
        _head: &response::Parts,
        body: Bytes,
    ) -> Result<ValidateAccessTokenResponse, Error> {
        decode_json(Self::OPERATION_ID, &body)
    }
}
