//! `GET /server/storage`: `getStorage`. Permission `server.storage`.
//!
//! History: added in v1 (beta), stable since v2; unchanged in v3.

use bytes::Bytes;
use http::{response, Method, Request};

use super::ServerStorage;
use crate::endpoint::{decode_json, empty_request};
use crate::{Endpoint, Error, Server};

/// Reads the disk size and free space of the server's library.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GetStorage;

impl GetStorage {
    /// The operation (it takes no arguments).
    pub const fn new() -> Self {
        GetStorage
    }
}

impl Endpoint for GetStorage {
    type Output = ServerStorage;
    const OPERATION_ID: &'static str = "getStorage";
    const PERMISSION: Option<&'static str> = Some("server.storage");

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        empty_request(server, Method::GET, "/server/storage", None)
    }

    fn parse(&self, _head: &response::Parts, body: Bytes) -> Result<ServerStorage, Error> {
        decode_json(Self::OPERATION_ID, &body)
    }
}
