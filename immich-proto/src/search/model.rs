//! Search bodies (`MetadataSearchDto`, `SmartSearchDto`) and the answer (`SearchResponseDto`).
//!
//! Only fields the v3 document allows are sent, and only when set. Servers before v3 ignore
//! fields they do not know (their validation strips them), e.g. `visibility` before v1.133.

use serde::{Deserialize, Serialize};

use crate::albums::Album;
use crate::assets::{Asset, AssetOrder, AssetType, AssetVisibility};
use crate::people::check_page_size;
use crate::{AlbumId, AssetId, DateTime, Error, LibraryId, PersonId, Server, TagId, MAX_PAGE_SIZE};

/// Filters for `POST /search/metadata` (`MetadataSearchDto`). Every field is optional; set the
/// ones you need on a value from a constructor:
///
/// ```
/// # use immich_proto::{search::MetadataSearch, DateTime};
/// let mut search = MetadataSearch::favorites();
/// search.city = Some("Paris".into());
/// search.taken_after = Some(DateTime::from_unix(1_700_000_000, 0));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MetadataSearch {
    /// Assets in all of these albums (the server matches every one; for assets in any of several albums, see `albums::AlbumAssets`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub album_ids: Vec<AlbumId>,
    /// Assets showing all of these people.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub person_ids: Vec<PersonId>,
    /// Assets with all of these tags (the server matches every one).
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
    /// Star rating, 1 to 5.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rating: Option<i8>,
    /// Text in the description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The original file name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original_file_name: Option<String>,
    /// The base64 SHA-1 checksum of the file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
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
    /// Include archived assets: servers before v1.133 leave them out of a search unless this
    /// is `true` (v1.133 replaced it with `visibility`, and includes them by default; the
    /// catalogue's gate refuses it there).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub with_archived: Option<bool>,
    /// Sort order (the server's default is newest first).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<AssetOrder>,
    /// The page to read, from 1 (paging sets it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    /// Assets per page, 1 to [`MAX_PAGE_SIZE`] (the constructors ask for the maximum).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u32>,
}

impl MetadataSearch {
    /// Every asset, [`MAX_PAGE_SIZE`] per page.
    pub fn all() -> Self {
        MetadataSearch {
            size: Some(MAX_PAGE_SIZE),
            ..MetadataSearch::default()
        }
    }

    /// Favourite assets.
    pub fn favorites() -> Self {
        MetadataSearch {
            is_favorite: Some(true),
            ..MetadataSearch::all()
        }
    }

    /// Assets with all of these tags (the server matches every one).
    pub fn by_tags(ids: Vec<TagId>) -> Self {
        MetadataSearch {
            tag_ids: ids,
            ..MetadataSearch::all()
        }
    }

    /// Assets showing all of these people.
    pub fn by_people(ids: Vec<PersonId>) -> Self {
        MetadataSearch {
            person_ids: ids,
            ..MetadataSearch::all()
        }
    }

    /// Assets in all of these albums (the server matches every one; for assets in any of several albums, see `albums::AlbumAssets`).
    pub fn by_albums(ids: Vec<AlbumId>) -> Self {
        MetadataSearch {
            album_ids: ids,
            ..MetadataSearch::all()
        }
    }

    /// Checks what the server would refuse: ids, page and size.
    pub(crate) fn check(&self, server: &Server) -> Result<(), Error> {
        check_ids(server, &self.album_ids, &self.person_ids, &self.tag_ids)?;
        check_paging(self.page, self.size)?;
        if let Some(id) = &self.library_id {
            id.checked(server)?;
        }
        Ok(())
    }
}

/// The body of `POST /search/smart` (`SmartSearchDto`): a free-text query understood by the
/// server's CLIP model, plus the same filters as [`MetadataSearch`].
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SmartSearch {
    /// What to look for, in natural language (`"dog on a beach"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// Find assets similar to this one instead of a text query.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query_asset_id: Option<AssetId>,
    /// The query's language code (`"de"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Assets in all of these albums (the server matches every one; for assets in any of several albums, see `albums::AlbumAssets`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub album_ids: Vec<AlbumId>,
    /// Assets showing all of these people.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub person_ids: Vec<PersonId>,
    /// Assets with all of these tags (the server matches every one).
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
    /// Include trashed assets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub with_deleted: Option<bool>,
    /// The page to read, from 1 (paging sets it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    /// Assets per page, 1 to [`MAX_PAGE_SIZE`] (`new` asks for 100: ranked results matter most
    /// at the top).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u32>,
}

impl SmartSearch {
    /// Searches for `query`.
    pub fn new(query: impl Into<String>) -> Self {
        SmartSearch {
            query: Some(query.into()),
            size: Some(100),
            ..SmartSearch::default()
        }
    }

    /// Only assets in no album (or, with `false`, only assets in some album).
    pub fn not_in_album(mut self, not_in_album: bool) -> Self {
        self.is_not_in_album = Some(not_in_album);
        self
    }

    /// Sets the page size (1 to [`MAX_PAGE_SIZE`]).
    pub fn size(mut self, size: u32) -> Result<Self, Error> {
        check_page_size(size)?;
        self.size = Some(size);
        Ok(self)
    }

    /// Checks what the server would refuse: the query, ids, page and size.
    pub(crate) fn check(&self, server: &Server) -> Result<(), Error> {
        let has_query = self.query.as_deref().is_some_and(|q| !q.trim().is_empty());
        if !has_query && self.query_asset_id.is_none() {
            return Err(Error::InvalidInput {
                what: "smart search",
                reason: "needs a non-empty query or a query asset".to_owned(),
            });
        }
        if let Some(id) = &self.query_asset_id {
            id.checked(server)?;
        }
        if let Some(id) = &self.library_id {
            id.checked(server)?;
        }
        check_ids(server, &self.album_ids, &self.person_ids, &self.tag_ids)?;
        check_paging(self.page, self.size)
    }
}

fn check_ids(
    server: &Server,
    albums: &[AlbumId],
    people: &[PersonId],
    tags: &[TagId],
) -> Result<(), Error> {
    albums
        .iter()
        .try_for_each(|id| id.checked(server).map(drop))?;
    people
        .iter()
        .try_for_each(|id| id.checked(server).map(drop))?;
    tags.iter().try_for_each(|id| id.checked(server).map(drop))
}

fn check_paging(page: Option<u32>, size: Option<u32>) -> Result<(), Error> {
    if page == Some(0) {
        return Err(Error::InvalidInput {
            what: "page",
            reason: "pages are numbered from 1".to_owned(),
        });
    }
    size.map_or(Ok(()), check_page_size)
}

/// The answer to a search (`SearchResponseDto`): one page of assets, and matching albums.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct SearchPage {
    /// The page of assets.
    pub assets: SearchAssetsPage,
    /// Matching albums (asset searches return none).
    #[serde(default)]
    pub albums: Option<SearchAlbumsPage>,
}

/// One page of assets in a search answer (`SearchAssetResponseDto`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SearchAssetsPage {
    /// How many assets match in all (on some servers: on this page).
    #[serde(default)]
    pub total: u64,
    /// How many assets are on this page.
    #[serde(default)]
    pub count: u64,
    /// The assets on this page.
    pub items: Vec<Asset>,
    /// The next page's number as text (the v3 document calls it a token), or `None` on the
    /// last page.
    #[serde(default)]
    pub next_page: Option<String>,
}

impl SearchAssetsPage {
    /// The next page's number, when there is one and it is a number. (Paging treats a token
    /// that is not a number as "the page after this one".)
    pub fn next_page_number(&self) -> Option<u32> {
        self.next_page.as_deref()?.trim().parse().ok()
    }
}

/// The album part of a search answer (`SearchAlbumResponseDto`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SearchAlbumsPage {
    /// How many albums match.
    #[serde(default)]
    pub total: u64,
    /// How many are in this answer.
    #[serde(default)]
    pub count: u64,
    /// The matching albums (empty for asset searches).
    #[serde(default)]
    pub items: Vec<Album>,
}
