//! `POST /search/random`: `searchRandom`. Permission `asset.read`.
//!
//! Added in v1 (beta), stable since v2. The endpoint exists since v1.116, so on every supported
//! server (the older `GET /assets/random` was removed in v3). Only fields the v3 document allows
//! are sent, and only when set; `visibility` needs v1.133+ (older servers ignore it), `ocr` and
//! `isEncoded` are newer filters older servers ignore too.

use bytes::Bytes;
use http::{response, Method, Request};
use serde::Serialize;

use crate::assets::{Asset, AssetType, AssetVisibility};
use crate::endpoint::{decode_json, json_request};
use crate::{
    AlbumId, DateTime, Endpoint, Error, LibraryId, PersonId, Server, TagId, MAX_PAGE_SIZE,
};

/// Filters for a random pick (`RandomSearchDto`). Start from [`RandomSearch::new`] and set the
/// public fields you need.
///
/// ```
/// # use immich_proto::{assets::AssetType, search::RandomSearch};
/// let mut pick = RandomSearch::new(10);
/// pick.asset_type = Some(AssetType::Image);
/// pick.is_favorite = Some(true);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RandomSearch {
    /// Assets in any of these albums.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub album_ids: Vec<AlbumId>,
    /// Assets showing all of these people.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub person_ids: Vec<PersonId>,
    /// Assets with any of these tags.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tag_ids: Vec<TagId>,
    /// Only favourites (`true`) or only non-favourites (`false`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_favorite: Option<bool>,
    /// Only motion (live) photos, or none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_motion: Option<bool>,
    /// Only assets in no album.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_not_in_album: Option<bool>,
    /// Only offline assets, or none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_offline: Option<bool>,
    /// Only videos whose transcoding is done (or not).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_encoded: Option<bool>,
    /// Only assets with this visibility (v1.133+).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visibility: Option<AssetVisibility>,
    /// Only images, only videos, ...
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub asset_type: Option<AssetType>,
    /// City name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// State or province.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Country name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Camera make.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub make: Option<String>,
    /// Camera model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Lens model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lens_model: Option<String>,
    /// Text recognised in the picture (newer servers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ocr: Option<String>,
    /// Star rating, 1 to 5.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rating: Option<i8>,
    /// Only assets of this external library.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub library_id: Option<LibraryId>,
    /// Taken at or after (sent as UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub taken_after: Option<DateTime>,
    /// Taken at or before (sent as UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub taken_before: Option<DateTime>,
    /// Uploaded at or after.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_after: Option<DateTime>,
    /// Uploaded at or before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_before: Option<DateTime>,
    /// Changed at or after.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_after: Option<DateTime>,
    /// Changed at or before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_before: Option<DateTime>,
    /// Trashed at or after.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trashed_after: Option<DateTime>,
    /// Trashed at or before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trashed_before: Option<DateTime>,
    /// Include each asset's EXIF data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub with_exif: Option<bool>,
    /// Include each asset's people.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub with_people: Option<bool>,
    /// Include assets inside stacks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub with_stacked: Option<bool>,
    /// Include trashed assets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub with_deleted: Option<bool>,
    /// How many assets to pick, 1 to [`MAX_PAGE_SIZE`] (`None`: the server's default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u32>,
}

impl RandomSearch {
    /// `size` random assets (1 to [`MAX_PAGE_SIZE`]; checked when the request is built).
    pub fn new(size: u32) -> Self {
        RandomSearch {
            size: Some(size),
            ..RandomSearch::default()
        }
    }

    fn check(&self, server: &Server) -> Result<(), Error> {
        if let Some(size) = self.size {
            if !(1..=MAX_PAGE_SIZE).contains(&size) {
                return Err(Error::invalid_input(
                    "size",
                    format!("must be 1 to {MAX_PAGE_SIZE}, got {size}"),
                ));
            }
        }
        if let Some(rating) = self.rating {
            if !(-1..=5).contains(&rating) {
                return Err(Error::invalid_input(
                    "rating",
                    format!("must be 1 to 5 (or -1 on servers before v3), got {rating}"),
                ));
            }
        }
        for id in &self.album_ids {
            id.checked(server)?;
        }
        for id in &self.person_ids {
            id.checked(server)?;
        }
        for id in &self.tag_ids {
            id.checked(server)?;
        }
        if let Some(id) = &self.library_id {
            id.checked(server)?;
        }
        Ok(())
    }
}

/// Picks random assets, for a photo frame or a "surprise me" button.
///
/// ```
/// # use immich_proto::{search::{RandomSearch, SearchRandom}, Endpoint, Server};
/// let server = Server::new("http://localhost:2283")?;
/// let request = SearchRandom::new(RandomSearch::new(5)).request(&server)?;
/// assert_eq!(request.uri(), "http://localhost:2283/api/search/random");
/// assert_eq!(request.body().as_ref(), br#"{"size":5}"#);
/// # Ok::<(), immich_proto::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SearchRandom {
    /// The filters and how many to pick.
    pub search: RandomSearch,
}

impl SearchRandom {
    /// Picks with `search`.
    pub fn new(search: RandomSearch) -> Self {
        SearchRandom { search }
    }
}

impl Endpoint for SearchRandom {
    type Output = Vec<Asset>;
    const OPERATION_ID: &'static str = "searchRandom";
    const PERMISSION: Option<&'static str> = Some("asset.read");

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        self.search.check(server)?;
        json_request(server, Method::POST, "/search/random", None, &self.search)
    }

    fn parse(&self, _head: &response::Parts, body: Bytes) -> Result<Vec<Asset>, Error> {
        decode_json(Self::OPERATION_ID, &body)
    }
}
