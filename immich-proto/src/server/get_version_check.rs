//! `GET /server/version-check`: `getVersionCheck`. Permission `server.versionCheck`.
//!
//! History: added in v1 (beta), stable since v2; unchanged in v3.

use bytes::Bytes;
use http::{response, Method, Request};

use super::VersionCheck;
use crate::endpoint::{decode_json, empty_request};
use crate::{Endpoint, Error, Server};

/// Reads the result of the server's last check for a newer release.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GetVersionCheck;

impl GetVersionCheck {
    /// The operation (it takes no arguments).
    pub const fn new() -> Self {
        GetVersionCheck
    }
}

impl Endpoint for GetVersionCheck {
    type Output = VersionCheck;
    const OPERATION_ID: &'static str = "getVersionCheck";
    const PERMISSION: Option<&'static str> = Some("server.versionCheck");

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        empty_request(server, Method::GET, "/server/version-check", None)
    }

    fn parse(&self, _head: &response::Parts, body: Bytes) -> Result<VersionCheck, Error> {
        decode_json(Self::OPERATION_ID, &body)
    }
}
