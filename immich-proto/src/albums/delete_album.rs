//! `DELETE /albums/{id}`: `deleteAlbum`. Permission `album.delete`.
//!
//! History: added in v1 (beta), stable since v2; unchanged in v3. Answers `204` with no body.
//! The album goes; its assets stay in the library.

use bytes::Bytes;
use http::{response, Method, Request};

use crate::endpoint::empty_request;
use crate::{AlbumId, Endpoint, Error, Server};

/// Deletes an album (not its assets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteAlbum {
    album: AlbumId,
}

impl DeleteAlbum {
    /// Deletes `album` (the id is checked when the request is built).
    pub fn new(album: AlbumId) -> Self {
        DeleteAlbum { album }
    }
}

impl Endpoint for DeleteAlbum {
    type Output = ();
    const OPERATION_ID: &'static str = "deleteAlbum";
    const PERMISSION: Option<&'static str> = Some("album.delete");

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        let path = self.album.path(server, "/albums", "")?;
        empty_request(server, Method::DELETE, &path, None)
    }

    fn parse(&self, _head: &response::Parts, _body: Bytes) -> Result<(), Error> {
        Ok(())
    }
}
