//! Shared links: list, create (for an album or for assets) and delete (OpenAPI tag
//! `Shared links`).

mod create_shared_link;
mod get_all_shared_links;
mod model;
mod remove_shared_link;

pub use create_shared_link::{CreateSharedLink, SHARED_LINK_SLUG_SINCE};
pub use get_all_shared_links::{GetAllSharedLinks, SHARED_LINK_ID_FILTER_SINCE};
pub use model::{SharedLink, SharedLinkType};
pub use remove_shared_link::RemoveSharedLink;
