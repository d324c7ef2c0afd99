//! `GET /albums/{id}`: `getAlbumInfo`. Permission `album.read`.
//!
//! History: added in v1 (beta), stable since v2. Servers before v3 include the album's `assets`
//! (unless asked `withoutAssets=true`); v3 never does and requires a v4 UUID. For the assets of
//! albums on any version, use [`AlbumAssets`](super::AlbumAssets).

use bytes::Bytes;
use http::{response, Method, Request};

use super::Album;
use crate::endpoint::{decode_json, empty_request, query_string};
use crate::{AlbumId, Endpoint, Error, Server};

/// Reads one album.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetAlbumInfo {
    id: AlbumId,
    without_assets: bool,
}

impl GetAlbumInfo {
    /// The album `id` (checked when the request is built).
    pub fn new(id: AlbumId) -> Self {
        GetAlbumInfo {
            id,
            without_assets: false,
        }
    }

    /// Asks a server before v3 to leave out the album's assets (a large album's list is big).
    /// v3 never sends them, and the flag is not sent to it (or when the version is unknown).
    pub fn without_assets(mut self, without_assets: bool) -> Self {
        self.without_assets = without_assets;
        self
    }

    /// The album asked for.
    pub fn id(&self) -> &AlbumId {
        &self.id
    }
}

impl Endpoint for GetAlbumInfo {
    type Output = Album;
    const OPERATION_ID: &'static str = "getAlbumInfo";
    const PERMISSION: Option<&'static str> = Some("album.read");

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        let path = self.id.path(server, "/albums", "")?;
        let old_server = server.version().is_some_and(|v| !v.is_v3_or_newer());
        let query = (self.without_assets && old_server)
            .then(|| query_string([("withoutAssets", Some("true".to_owned()))]));
        empty_request(server, Method::GET, &path, query.as_deref())
    }

    fn parse(&self, _head: &response::Parts, body: Bytes) -> Result<Album, Error> {
        decode_json(Self::OPERATION_ID, &body)
    }
}
