//! Models of the albums area.

use serde::{Deserialize, Serialize};

use crate::assets::{Asset, AssetOrder};
use crate::users::UserSummary;
use crate::{AlbumId, AssetId, DateTime, UserId};

crate::string_enum! {
    /// What a member may do in an album (`AlbumUserRole`).
    pub enum AlbumUserRole {
        /// Owns the album.
        Owner => "owner",
        /// May add and remove assets.
        Editor => "editor",
        /// May only look.
        Viewer => "viewer",
    }
}

/// An album (`AlbumResponseDto`), as old (v1.118+) and v3 servers send it.
///
/// Servers before v3 include the album's `assets` in `GET /albums/{id}` and name the owner in
/// `owner`/`ownerId`; v3 sends no assets (use [`AlbumAssets`](super::AlbumAssets)) and lists the
/// owner first in `albumUsers`. [`Album::owner`] reads either.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Album {
    /// The album's id.
    pub id: AlbumId,
    /// The album's name.
    pub album_name: String,
    /// The album's description (empty when none).
    #[serde(default)]
    pub description: String,
    /// The asset shown as the album's cover.
    #[serde(default)]
    pub album_thumbnail_asset_id: Option<AssetId>,
    /// How many assets the album holds.
    #[serde(default)]
    pub asset_count: u64,
    /// The assets, on servers before v3 when asked for one album; always empty on v3.
    #[serde(default)]
    pub assets: Vec<Asset>,
    /// Whether the album is shared with other users.
    #[serde(default)]
    pub shared: bool,
    /// Whether a shared link exists for it.
    #[serde(default)]
    pub has_shared_link: bool,
    /// Whether comments and likes are on.
    #[serde(default)]
    pub is_activity_enabled: bool,
    /// Members with their roles; on v3 the owner comes first.
    #[serde(default)]
    pub album_users: Vec<AlbumUser>,
    /// The owner's id (servers before v3).
    #[serde(default)]
    pub owner_id: Option<UserId>,
    /// The owner (servers before v3).
    #[serde(default)]
    pub owner: Option<UserSummary>,
    /// Assets added per member (v3, when the server includes it).
    #[serde(default)]
    pub contributor_counts: Vec<ContributorCount>,
    /// The sort order chosen for the album.
    #[serde(default)]
    pub order: Option<AssetOrder>,
    /// When the earliest asset was taken.
    #[serde(default)]
    pub start_date: Option<DateTime>,
    /// When the latest asset was taken.
    #[serde(default)]
    pub end_date: Option<DateTime>,
    /// When an asset in it last changed.
    #[serde(default)]
    pub last_modified_asset_timestamp: Option<DateTime>,
    /// When the album was created.
    pub created_at: DateTime,
    /// When the album last changed.
    pub updated_at: DateTime,
}

impl Album {
    /// The owner: `owner` on servers before v3, else the member with the `owner` role.
    pub fn owner(&self) -> Option<&UserSummary> {
        self.owner.as_ref().or_else(|| {
            self.album_users
                .iter()
                .find(|member| member.role == AlbumUserRole::Owner)
                .map(|member| &member.user)
        })
    }
}

/// A member of an album (`AlbumUserResponseDto`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AlbumUser {
    /// What the member may do.
    pub role: AlbumUserRole,
    /// Who it is.
    pub user: UserSummary,
}

/// How many assets one member added to an album (`ContributorCountResponseDto`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ContributorCount {
    /// The member.
    pub user_id: UserId,
    /// How many assets they added.
    pub asset_count: u64,
}
