//! `GET /server/version`: `getServerVersion`. No permission (public).
//!
//! History: added in v1 (beta), stable since v2; unchanged in v3. The answer is
//! `{"major", "minor", "patch"}`; extra fields are ignored. Transports call this once in `setup`
//! and record the result with [`Server::set_version`], which version-dependent operations need.

use bytes::Bytes;
use http::{response, Method, Request};

use crate::endpoint::{decode_json, empty_request};
use crate::{Endpoint, Error, Server, ServerVersion};

/// Reads the server's version.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GetServerVersion;

impl GetServerVersion {
    /// The operation (it takes no arguments).
    pub const fn new() -> Self {
        GetServerVersion
    }
}

impl Endpoint for GetServerVersion {
    type Output = ServerVersion;
    const OPERATION_ID: &'static str = "getServerVersion";
    const PERMISSION: Option<&'static str> = None;

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        empty_request(server, Method::GET, "/server/version", None)
    }

    fn parse(&self, _head: &response::Parts, body: Bytes) -> Result<ServerVersion, Error> {
        decode_json(Self::OPERATION_ID, &body)
    }
}
