//! Stacks: groups of assets shown as one (bursts, RAW + JPEG) (OpenAPI tag `Stacks`).

mod search_stacks;

pub use search_stacks::{SearchStacks, Stack};
