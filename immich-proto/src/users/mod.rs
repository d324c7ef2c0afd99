//! Users: the caller's own account (OpenAPI tag `Users`).

mod model;

pub use model::{User, UserAvatarColor, UserLicense, UserStatus, UserSummary};

// The generated operations of this area (`cargo xtask gen`).
include!("operations.rs");
