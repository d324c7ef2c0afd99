//! Trash: empty it (OpenAPI tag `Trash`). Trashing is [`DeleteAssets`](crate::assets::DeleteAssets).

mod empty_trash;

pub use empty_trash::EmptyTrash;

// The generated operations of this area (`cargo xtask gen`).
include!("operations.rs");
