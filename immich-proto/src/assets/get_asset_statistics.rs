//! `GET /assets/statistics`: `getAssetStatistics`. Permission `asset.statistics`.
//!
//! Added in v1 (beta), stable since v2. Counts the caller's own assets. The filters
//! `isFavorite` and `isTrashed` are the same everywhere; `visibility` is v1.133+, and older
//! servers get `isArchived` instead (archive and timeline only), so a visibility filter needs
//! the server version.

use bytes::Bytes;
use http::{response, Method, Request};
use serde::Deserialize;

use crate::assets::update_asset::archived_before_v1_133;
use crate::assets::AssetVisibility;
use crate::endpoint::{decode_json, empty_request, query_string};
use crate::{Endpoint, Error, Server};

/// Counts the caller's images and videos, optionally filtered.
///
/// ```
/// # use immich_proto::{assets::GetAssetStatistics, Endpoint, Server};
/// let server = Server::new("http://localhost:2283")?;
/// let request = GetAssetStatistics::new().favorites(true).request(&server)?;
/// assert_eq!(request.uri(), "http://localhost:2283/api/assets/statistics?isFavorite=true");
/// # Ok::<(), immich_proto::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct GetAssetStatistics {
    /// Only favourites (`true`) or only the others (`false`).
    pub is_favorite: Option<bool>,
    /// Only trashed assets (`true`) or only the others (`false`).
    pub is_trashed: Option<bool>,
    /// Only assets with this visibility.
    pub visibility: Option<AssetVisibility>,
}

impl GetAssetStatistics {
    /// Counts everything the server counts by default.
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts only favourites, or only the others.
    pub fn favorites(mut self, is_favorite: bool) -> Self {
        self.is_favorite = Some(is_favorite);
        self
    }

    /// Counts only trashed assets, or only the others.
    pub fn trashed(mut self, is_trashed: bool) -> Self {
        self.is_trashed = Some(is_trashed);
        self
    }

    /// Counts only assets with this visibility (needs the server version).
    pub fn visibility(mut self, visibility: AssetVisibility) -> Self {
        self.visibility = Some(visibility);
        self
    }
}

/// How many assets the caller owns (`AssetStatsResponseDto`). Signed, as the document's
/// counts are (they allow negative values; a real server never sends one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct AssetStatistics {
    /// Images.
    pub images: i64,
    /// Videos.
    pub videos: i64,
    /// All assets.
    pub total: i64,
}

impl Endpoint for GetAssetStatistics {
    type Output = AssetStatistics;
    const OPERATION_ID: &'static str = "getAssetStatistics";
    const PERMISSION: Option<&'static str> = Some("asset.statistics");

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        let (mut visibility, mut is_archived) = (None, None);
        if let Some(wanted) = &self.visibility {
            let version = server.require_version(Self::OPERATION_ID)?;
            if version.at_least(1, 133, 0) {
                visibility = Some(wanted.as_str().to_owned());
            } else {
                is_archived = Some(archived_before_v1_133(wanted, &version)?.to_string());
            }
        }
        let query = query_string([
            ("isArchived", is_archived),
            ("isFavorite", self.is_favorite.map(|b| b.to_string())),
            ("isTrashed", self.is_trashed.map(|b| b.to_string())),
            ("visibility", visibility),
        ]);
        let query = (!query.is_empty()).then_some(query);
        empty_request(server, Method::GET, "/assets/statistics", query.as_deref())
    }

    fn parse(&self, _head: &response::Parts, body: Bytes) -> Result<AssetStatistics, Error> {
        decode_json(Self::OPERATION_ID, &body)
    }
}
