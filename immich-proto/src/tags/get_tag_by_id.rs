//! `GET /tags/{id}`: `getTagById`. Permission `tag.read`.
//!
//! History: added in v1 (beta), stable since v2; unchanged in v3 (which requires a v4 UUID).

use bytes::Bytes;
use http::{response, Method, Request};

use super::Tag;
use crate::endpoint::{decode_json, empty_request};
use crate::{Endpoint, Error, Server, TagId};

/// Reads one tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetTagById {
    id: TagId,
}

impl GetTagById {
    /// The tag `id` (checked when the request is built).
    pub fn new(id: TagId) -> Self {
        GetTagById { id }
    }
}

impl Endpoint for GetTagById {
    type Output = Tag;
    const OPERATION_ID: &'static str = "getTagById";
    const PERMISSION: Option<&'static str> = Some("tag.read");

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        let path = self.id.path(server, "/tags", "")?;
        empty_request(server, Method::GET, &path, None)
    }

    fn parse(&self, _head: &response::Parts, body: Bytes) -> Result<Tag, Error> {
        decode_json(Self::OPERATION_ID, &body)
    }
}
