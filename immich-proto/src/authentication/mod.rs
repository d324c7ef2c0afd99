//! Authentication: password login, logout, token check (OpenAPI tag `Authentication`).

mod login;
mod logout;
mod model;
mod validate_access_token;

pub use login::Login;
pub use logout::Logout;
pub use model::{LoginResponse, LogoutResponse, ValidateAccessTokenResponse};
pub use validate_access_token::ValidateAccessToken;

// The generated operations of this area (`cargo xtask gen`).
include!("operations.rs");
