//! Stacks: groups of assets shown as one (bursts, RAW + JPEG) (OpenAPI tag `Stacks`).

mod search_stacks;

pub use search_stacks::{SearchStacks, Stack};

// The generated operations of this area (`cargo xtask gen`).
include!("operations.rs");
