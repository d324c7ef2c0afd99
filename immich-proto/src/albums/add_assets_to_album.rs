//! `PUT /albums/{id}/assets`: `addAssetsToAlbum`. Permission `albumAsset.create`.
//!
//! History: added in v1 (beta), stable since v2; same body (`{"ids": [...]}`) and answer on
//! v3, which adds the error reason `validation` and an `errorMessage`.

use bytes::Bytes;
use http::{response, Method, Request};

use crate::common::{BulkIdResult, BulkIds};
use crate::endpoint::{decode_json, json_request};
use crate::{AlbumId, AssetId, Endpoint, Error, Server};

/// Adds assets to an album. The answer has one [`BulkIdResult`] per asset id; an asset that is
/// already in the album comes back with `success: false` and the error `duplicate`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddAssetsToAlbum {
    album: AlbumId,
    assets: Vec<AssetId>,
}

impl AddAssetsToAlbum {
    /// Adds `assets` to `album`. Every id is checked when the request is built; an empty list
    /// is refused there too, since it would be a request that does nothing.
    pub fn new(album: AlbumId, assets: Vec<AssetId>) -> Self {
        AddAssetsToAlbum { album, assets }
    }
}

impl Endpoint for AddAssetsToAlbum {
    type Output = Vec<BulkIdResult>;
    const OPERATION_ID: &'static str = "addAssetsToAlbum";
    const PERMISSION: Option<&'static str> = Some("albumAsset.create");

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        if self.assets.is_empty() {
            return Err(Error::InvalidInput {
                what: "asset ids",
                reason: "no asset ids to add to the album".to_owned(),
            });
        }
        let path = self.album.path(server, "/albums", "/assets")?;
        let ids = self
            .assets
            .iter()
            .map(|id| id.checked(server))
            .collect::<Result<Vec<_>, _>>()?;
        json_request(server, Method::PUT, &path, None, &BulkIds { ids })
    }

    fn parse(&self, _head: &response::Parts, body: Bytes) -> Result<Vec<BulkIdResult>, Error> {
        decode_json(Self::OPERATION_ID, &body)
    }
}
