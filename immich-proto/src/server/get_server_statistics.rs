//! `GET /server/statistics`: `getServerStatistics`. Permission `server.statistics`.
//!
//! History: added in v1 (beta), stable since v2; unchanged in v3.

use bytes::Bytes;
use http::{response, Method, Request};

use super::ServerStatistics;
use crate::endpoint::{decode_json, empty_request};
use crate::{Endpoint, Error, Server};

/// Reads photo and video counts and bytes used, in total and per user (admin only).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GetServerStatistics;

impl GetServerStatistics {
    /// The operation (it takes no arguments).
    pub const fn new() -> Self {
        GetServerStatistics
    }
}

impl Endpoint for GetServerStatistics {
    type Output = ServerStatistics;
    const OPERATION_ID: &'static str = "getServerStatistics";
    const PERMISSION: Option<&'static str> = Some("server.statistics");

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        empty_request(server, Method::GET, "/server/statistics", None)
    }

    fn parse(&self, _head: &response::Parts, body: Bytes) -> Result<ServerStatistics, Error> {
        decode_json(Self::OPERATION_ID, &body)
    }
}
