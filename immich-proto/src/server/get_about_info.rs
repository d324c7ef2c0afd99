//! `GET /server/about`: `getAboutInfo`. Permission `server.about`.
//!
//! History: added in v1 (beta), stable since v2; unchanged in v3.

use bytes::Bytes;
use http::{response, Method, Request};

use super::ServerAbout;
use crate::endpoint::{decode_json, empty_request};
use crate::{Endpoint, Error, Server};

/// Reads what the server says about itself: version, build, tool versions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GetAboutInfo;

impl GetAboutInfo {
    /// The operation (it takes no arguments).
    pub const fn new() -> Self {
        GetAboutInfo
    }
}

impl Endpoint for GetAboutInfo {
    type Output = ServerAbout;
    const OPERATION_ID: &'static str = "getAboutInfo";
    const PERMISSION: Option<&'static str> = Some("server.about");

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        empty_request(server, Method::GET, "/server/about", None)
    }

    fn parse(&self, _head: &response::Parts, body: Bytes) -> Result<ServerAbout, Error> {
        decode_json(Self::OPERATION_ID, &body)
    }
}
