//! API keys: the key in use and its permissions (OpenAPI tag `API keys`).

mod get_my_api_key;

pub use get_my_api_key::{ApiKeyInfo, GetMyApiKey, GET_MY_API_KEY_SINCE};

// The generated operations of this area (`cargo xtask gen`).
include!("operations.rs");
