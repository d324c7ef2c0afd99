//! `DELETE /albums/{id}/assets`: `removeAssetFromAlbum`. Permission `albumAsset.delete`.
//!
//! History: added in v1 (beta), stable since v2; same body (`{"ids": [...]}`, a DELETE with a
//! JSON body) and answer on v3, which adds the error reason `validation` and an `errorMessage`.

use bytes::Bytes;
use http::{response, Method, Request};

use crate::common::{BulkIdResult, BulkIds};
use crate::endpoint::{decode_json, json_request};
use crate::{AlbumId, AssetId, Endpoint, Error, Server};

/// Takes assets out of an album (they stay in the library). The answer has one
/// [`BulkIdResult`] per asset id; an asset that was not in the album comes back with
/// `success: false` and the error `not_found`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoveAssetFromAlbum {
    album: AlbumId,
    assets: Vec<AssetId>,
}

impl RemoveAssetFromAlbum {
    /// Removes `assets` from `album`. Every id is checked when the request is built; an empty
    /// list is refused there too.
    pub fn new(album: AlbumId, assets: Vec<AssetId>) -> Self {
        RemoveAssetFromAlbum { album, assets }
    }
}

impl Endpoint for RemoveAssetFromAlbum {
    type Output = Vec<BulkIdResult>;
    const OPERATION_ID: &'static str = "removeAssetFromAlbum";
    const PERMISSION: Option<&'static str> = Some("albumAsset.delete");

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        if self.assets.is_empty() {
            return Err(Error::InvalidInput {
                what: "asset ids",
                reason: "no asset ids to remove from the album".to_owned(),
            });
        }
        let path = self.album.path(server, "/albums", "/assets")?;
        let ids = self
            .assets
            .iter()
            .map(|id| id.checked(server))
            .collect::<Result<Vec<_>, _>>()?;
        json_request(server, Method::DELETE, &path, None, &BulkIds { ids })
    }

    fn parse(&self, _head: &response::Parts, body: Bytes) -> Result<Vec<BulkIdResult>, Error> {
        decode_json(Self::OPERATION_ID, &body)
    }
}
