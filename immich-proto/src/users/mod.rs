//! Users: the caller's own account (OpenAPI tag `Users`).

mod get_my_user;
mod model;

pub use get_my_user::GetMyUser;
pub use model::{User, UserAvatarColor, UserLicense, UserStatus, UserSummary};

// The generated operations of this area (`cargo xtask gen`).
include!("operations.rs");
