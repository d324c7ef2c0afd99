//! Assets: photos and videos. (Owned by the assets helper; `upload` by the upload helper.)

pub mod upload;

pub use upload::*;
