//! `GET /users/me`: `getMyUser`. Permission `user.read`.
//!
//! History: added in v1 (beta), stable since v2; unchanged in v3 (`UserAdminResponseDto`).

use bytes::Bytes;
use http::{response, Method, Request};

use super::User;
use crate::endpoint::{decode_json, empty_request};
use crate::{Endpoint, Error, Server};

/// Reads the account the API key belongs to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GetMyUser;

impl GetMyUser {
    /// The operation (it takes no arguments).
    pub const fn new() -> Self {
        GetMyUser
    }
}

impl Endpoint for GetMyUser {
    type Output = User;
    const OPERATION_ID: &'static str = "getMyUser";
    const PERMISSION: Option<&'static str> = Some("user.read");

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        empty_request(server, Method::GET, "/users/me", None)
    }

    fn parse(&self, _head: &response::Parts, body: Bytes) -> Result<User, Error> {
        decode_json(Self::OPERATION_ID, &body)
    }
}
