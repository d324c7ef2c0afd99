//! Albums: list, read, add assets, filter, and the assets of albums (OpenAPI tag `Albums`).

mod add_assets_to_album;
mod add_users_to_album;
mod album_assets;
mod create_album;
mod get_album_info;
mod get_album_statistics;
mod get_all_albums;
mod model;
mod remove_asset_from_album;
mod remove_user_from_album;
mod update_album_info;
mod update_album_user;

pub use add_assets_to_album::AddAssetsToAlbum;
pub use add_users_to_album::{AddUsersToAlbum, NewAlbumUser};
pub use album_assets::AlbumAssets;
pub use create_album::CreateAlbum;
pub use get_album_info::GetAlbumInfo;
pub use get_album_statistics::{AlbumStatistics, GetAlbumStatistics};
pub use get_all_albums::GetAllAlbums;
pub use model::{Album, AlbumUser, AlbumUserRole, ContributorCount};
pub use remove_asset_from_album::RemoveAssetFromAlbum;
pub use remove_user_from_album::RemoveUserFromAlbum;
pub use update_album_info::UpdateAlbumInfo;
pub use update_album_user::UpdateAlbumUser;

pub use crate::common::{BulkIdError, BulkIdResult};

use crate::Error;

/// The albums whose name contains `needle`, ignoring case (`"summer"` finds `"Summer 2024"`).
pub fn filter_albums_by_name<'a>(albums: &'a [Album], needle: &str) -> Vec<&'a Album> {
    let needle = needle.to_lowercase();
    albums
        .iter()
        .filter(|album| album.album_name.to_lowercase().contains(&needle))
        .collect()
}

/// A flow was stepped in the wrong order (a transport bug, not a server answer).
fn out_of_order(operation: &'static str, got_response: bool) -> Error {
    let reason = if got_response {
        format!("{operation}: a response arrived when no request was pending")
    } else {
        format!("{operation}: the response to the last request is missing, or the flow is done")
    };
    Error::InvalidInput {
        what: "flow step",
        reason,
    }
}

// The generated operations of this area (`cargo xtask gen`).
include!("operations.rs");
