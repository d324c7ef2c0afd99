//! Search: assets by metadata or by meaning (smart search), and people by name.
//!
//! Asset searches are paged by the answer's `assets.nextPage`; run them with a
//! [`Pager`](crate::Pager) to get every match.

mod in_albums;
mod model;
pub(crate) mod search_assets;
mod search_person;
mod search_smart;

pub use in_albums::{AlbumFiltered, InAlbums, SearchInAlbums, SmartInAlbums, ALBUM_IDS_SINCE};
pub use model::{MetadataSearch, SearchAlbumsPage, SearchAssetsPage, SearchPage, SmartSearch};
pub use search_assets::SearchAssets;
pub use search_person::SearchPerson;
pub use search_smart::SearchSmart;

mod search_random;

pub use search_random::{RandomSearch, SearchRandom};

// The generated operations of this area (`cargo xtask gen`).
include!("operations.rs");
