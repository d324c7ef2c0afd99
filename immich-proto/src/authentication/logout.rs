//! `POST /auth/logout`: `logout`. No permission.
//!
//! History: added in v1 (beta), stable since v2; unchanged in v3. Ends the session whose token
//! the request carries; the token is refused (`401`) afterwards. With an API key there is no
//! session to end: the server answers `successful: true` and the key keeps working.

use bytes::Bytes;
use http::{response, Method, Request};

use super::model::LogoutResponse;
use crate::endpoint::{decode_json, empty_request};
use crate::{Endpoint, Error, Server};

/// Logs the session out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Logout;

impl Logout {
    /// The operation (it takes no arguments).
    pub const fn new() -> Self {
        Logout
    }
}

impl Endpoint for Logout {
    type Output = LogoutResponse;
    const OPERATION_ID: &'static str = "logout";
    const PERMISSION: Option<&'static str> = None;

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        empty_request(server, Method::POST, "/auth/logout", None)
    }

    fn parse(&self, _head: &response::Parts, body: Bytes) -> Result<LogoutResponse, Error> {
        decode_json(Self::OPERATION_ID, &body)
    }
}
