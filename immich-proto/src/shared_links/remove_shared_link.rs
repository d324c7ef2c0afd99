//! `DELETE /shared-links/{id}`: `removeSharedLink`. Permission `sharedLink.delete`.
//!
//! History: added in v1 (beta), stable since v2; unchanged in v3. Answers `204` with no body.

use bytes::Bytes;
use http::{response, Method, Request};

use crate::endpoint::empty_request;
use crate::{Endpoint, Error, Server, SharedLinkId};

/// Deletes a shared link: its URL stops working (the album or assets stay).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoveSharedLink {
    id: SharedLinkId,
}

impl RemoveSharedLink {
    /// Deletes the link `id` (checked when the request is built).
    pub fn new(id: SharedLinkId) -> Self {
        RemoveSharedLink { id }
    }
}

impl Endpoint for RemoveSharedLink {
    type Output = ();
    const OPERATION_ID: &'static str = "removeSharedLink";
    const PERMISSION: Option<&'static str> = Some("sharedLink.delete");

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        let path = self.id.path(server, "/shared-links", "")?;
        empty_request(server, Method::DELETE, &path, None)
    }

    fn parse(&self, _head: &response::Parts, _body: Bytes) -> Result<(), Error> {
        Ok(())
    }
}
