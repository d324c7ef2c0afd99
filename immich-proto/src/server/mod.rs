//! Server: about, storage, statistics, version and version check (OpenAPI tag `Server`).

mod get_server_features;
mod get_server_version;
mod get_supported_media_types;
mod get_version_check;
mod model;
mod ping_server;

pub use get_server_features::{GetServerFeatures, ServerFeatures};
pub use get_server_version::GetServerVersion;
pub use get_supported_media_types::{GetSupportedMediaTypes, MediaKind, SupportedMediaTypes};
pub use get_version_check::GetVersionCheck;
pub use model::{ServerAbout, ServerStatistics, ServerStorage, UsageByUser, VersionCheck};
pub use ping_server::{PingServer, ServerPing};

// The generated operations of this area (`cargo xtask gen`).
include!("operations.rs");
