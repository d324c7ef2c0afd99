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

mod check_bulk_upload;
mod delete_assets;
pub mod download_asset;
mod get_asset_info;
mod get_asset_statistics;
pub(crate) mod update_asset;
pub(crate) mod update_assets;

pub use check_bulk_upload::{
    BulkUploadCheckItem, BulkUploadCheckResult, CheckBulkUpload, CheckBulkUploadBatches,
    RejectReason, UploadAction, MAX_BULK_CHECK_BATCH,
};
pub use delete_assets::DeleteAssets;
pub use download_asset::{
    resumable_partial_path, resume_action, resume_range, resume_record_path, verify_checksum,
    DownloadAsset, DownloadReport, FileIdentity, PartialFacts, ResumableDownload, ResumeAction,
    ResumeFailure, ResumeRecord,
};
pub use get_asset_info::GetAssetInfo;
pub use get_asset_statistics::{AssetStatistics, GetAssetStatistics};
pub use update_asset::{AssetChanges, UpdateAsset};
pub use update_assets::UpdateAssets;

// The generated operations of this area (`cargo xtask gen`).
include!("operations.rs");
