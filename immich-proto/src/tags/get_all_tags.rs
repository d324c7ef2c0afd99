//! `GET /tags`: `getAllTags`. Permission `tag.read`.
//!
//! History: added in v1 (beta), stable since v2; unchanged in v3. One unpaged list.

use bytes::Bytes;
use http::{response, Method, Request};

use super::Tag;
use crate::endpoint::{decode_json, empty_request};
use crate::{Endpoint, Error, Server};

/// Lists every tag of the caller.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GetAllTags;

impl GetAllTags {
    /// The operation (it takes no arguments).
    pub const fn new() -> Self {
        GetAllTags
    }
}

impl Endpoint for GetAllTags {
    type Output = Vec<Tag>;
    const OPERATION_ID: &'static str = "getAllTags";
    const PERMISSION: Option<&'static str> = Some("tag.read");

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        empty_request(server, Method::GET, "/tags", None)
    }

    fn parse(&self, _head: &response::Parts, body: Bytes) -> Result<Vec<Tag>, Error> {
        decode_json(Self::OPERATION_ID, &body)
    }
}
