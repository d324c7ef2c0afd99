//! Shared links: list, create, delete, open by key or slug, log in (OpenAPI tag `Shared links`).

mod create_shared_link;
mod get_all_shared_links;
mod get_my_shared_link;
mod model;
mod shared_link_login;

pub use create_shared_link::{CreateSharedLink, SHARED_LINK_SLUG_SINCE};
pub use get_all_shared_links::{GetAllSharedLinks, SHARED_LINK_ID_FILTER_SINCE};
pub use get_my_shared_link::GetMySharedLink;
pub use model::{SharedLink, SharedLinkType};
pub use shared_link_login::{SharedLinkLogin, SharedLinkLoginResponse, SHARED_LINK_LOGIN_SINCE};

// The generated operations of this area (`cargo xtask gen`).
include!("operations.rs");
