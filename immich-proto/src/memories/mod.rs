//! Memories: "on this day" collections the server generates (OpenAPI tag `Memories`).

mod model;
mod search_memories;

pub use model::{Memory, MemoryData, MemorySearchOrder, MemoryType};
pub use search_memories::SearchMemories;

// The generated operations of this area (`cargo xtask gen`).
include!("operations.rs");
