//! Map: the position of every asset with GPS data (OpenAPI tag `Map`).

mod get_map_markers;

pub use get_map_markers::{GetMapMarkers, MapMarker};

// The generated operations of this area (`cargo xtask gen`).
include!("operations.rs");
