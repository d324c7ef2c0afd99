//! Assets: photos and videos, their model, thumbnails and video playback.
//!
//! The upload lives in [`upload`].

mod model;
mod play_asset_video;
pub(crate) mod view_asset;
pub(crate) mod wire;

pub mod upload;

pub use model::{
    Asset, AssetMediaSize, AssetOrder, AssetStack, AssetType, AssetVisibility, ExifInfo,
};
pub use play_asset_video::PlayAssetVideo;
pub use upload::*;
pub use view_asset::ViewAsset;
