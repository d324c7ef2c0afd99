//! `GET /shared-links/me`: `getMySharedLink`. No permission (shared-link access).
//!
//! History: added in v1 (beta), stable since v2. The link is the one the request opens with its
//! `key=` or `slug=` query (added by the [`Server`]'s shared-link access; `slug` since v1.137.0).
//! Up to v2.7.5 the route also took `password=` and `token=` query parameters; v3 removed them,
//! and neither is sent here: a password-protected link answers `401 Password required` until
//! [`SharedLinkLogin`](super::SharedLinkLogin)'s token cookie comes with the request.

use bytes::Bytes;
use http::{response, Method, Request};

use super::model::require_shared_link_access;
use super::SharedLink;
use crate::endpoint::{decode_secret_json, empty_request};
use crate::{Endpoint, Error, Server};

/// Reads the shared link the client opens (set with a key or slug on the [`Server`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GetMySharedLink;

impl GetMySharedLink {
    /// The operation (it takes no arguments).
    pub const fn new() -> Self {
        GetMySharedLink
    }
}

impl Endpoint for GetMySharedLink {
    type Output = SharedLink;
    const OPERATION_ID: &'static str = "getMySharedLink";
    const PERMISSION: Option<&'static str> = None;

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        require_shared_link_access(server, Self::OPERATION_ID)?;
        empty_request(server, Method::GET, "/shared-links/me", None)
    }

    fn parse(&self, _head: &response::Parts, body: Bytes) -> Result<SharedLink, Error> {
        decode_secret_json(Self::OPERATION_ID, &body)
    }
}
