//! The asset model (`AssetResponseDto`) and the enums around it.
//!
//! Decodes what servers from v1.118 to v3 send: fields a v1.118 server lacked are optional,
//! `duration` is read in both of its forms, unknown fields are ignored and unknown enum values
//! kept.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::people::Person;
use crate::tags::Tag;
use crate::users::UserSummary;
use crate::{AssetId, DateTime, LibraryId, StackId, UserId};

crate::string_enum! {
    /// What kind of file an asset is (`AssetTypeEnum`).
    pub enum AssetType {
        /// A photo.
        Image => "IMAGE",
        /// A video.
        Video => "VIDEO",
        /// An audio file.
        Audio => "AUDIO",
        /// Anything else.
        Other => "OTHER",
    }
}

crate::string_enum! {
    /// Where an asset is shown (`AssetVisibility`, v1.133+; older servers use `isArchived`).
    pub enum AssetVisibility {
        /// Archived: hidden from the timeline.
        Archive => "archive",
        /// On the timeline.
        Timeline => "timeline",
        /// Hidden (e.g. the video half of a live photo).
        Hidden => "hidden",
        /// In the locked folder.
        Locked => "locked",
    }
}

crate::string_enum! {
    /// Which rendition of an asset to fetch (`AssetMediaSize`).
    pub enum AssetMediaSize {
        /// The original file (v3 documents it for `viewAsset`).
        Original => "original",
        /// A full-size JPEG/WebP rendition (newer servers).
        Fullsize => "fullsize",
        /// A large preview.
        Preview => "preview",
        /// A small thumbnail (the server's default).
        Thumbnail => "thumbnail",
    }
}

crate::string_enum! {
    /// Sort order of assets (`AssetOrder`).
    pub enum AssetOrder {
        /// Oldest first.
        Asc => "asc",
        /// Newest first.
        Desc => "desc",
    }
}

/// One photo, video or other file (`AssetResponseDto`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Asset {
    /// The asset's id.
    pub id: AssetId,
    /// What kind of file it is.
    #[serde(rename = "type")]
    pub asset_type: AssetType,
    /// The id of the user who owns it.
    pub owner_id: UserId,
    /// The file name it was uploaded with.
    pub original_file_name: String,
    /// The path of the original on the server.
    #[serde(default)]
    pub original_path: Option<String>,
    /// The MIME type of the original.
    #[serde(default)]
    pub original_mime_type: Option<String>,
    /// Base64 SHA-1 of the original file.
    pub checksum: String,
    /// Base64 thumbhash (null while the thumbnail is not generated yet).
    #[serde(default)]
    pub thumbhash: Option<String>,
    /// When the file was created or captured.
    pub file_created_at: DateTime,
    /// When the file was last modified on disk.
    pub file_modified_at: DateTime,
    /// The local wall-clock time it was taken, written as if UTC.
    pub local_date_time: DateTime,
    /// When the server's record last changed.
    pub updated_at: DateTime,
    /// When it was uploaded (newer servers).
    #[serde(default)]
    pub created_at: Option<DateTime>,
    /// Whether it is a favourite.
    pub is_favorite: bool,
    /// Whether it is archived.
    #[serde(default)]
    pub is_archived: bool,
    /// Whether it is in the trash.
    #[serde(default)]
    pub is_trashed: bool,
    /// Whether its file is missing from an external library.
    #[serde(default)]
    pub is_offline: bool,
    /// Whether it has been edited on the server (v2.5+).
    #[serde(default)]
    pub is_edited: Option<bool>,
    /// Whether metadata extraction has run.
    #[serde(default)]
    pub has_metadata: Option<bool>,
    /// Where it is shown (v1.133+).
    #[serde(default)]
    pub visibility: Option<AssetVisibility>,
    /// Play time of a video or animation; `None` for still images. Old servers send
    /// `"0:00:05.12000"`, v3 sends milliseconds: both decode here.
    #[serde(
        default,
        deserialize_with = "super::wire::duration",
        serialize_with = "super::wire::duration_millis"
    )]
    pub duration: Option<Duration>,
    /// Width in pixels (newer servers; null when unknown).
    #[serde(default, deserialize_with = "super::wire::lenient_i64")]
    pub width: Option<i64>,
    /// Height in pixels (newer servers; null when unknown).
    #[serde(default, deserialize_with = "super::wire::lenient_i64")]
    pub height: Option<i64>,
    /// EXIF metadata, when the server included it.
    #[serde(default)]
    pub exif_info: Option<ExifInfo>,
    /// The video half of a live photo.
    #[serde(default)]
    pub live_photo_video_id: Option<AssetId>,
    /// The external library it belongs to (deprecated by the server).
    #[serde(default)]
    pub library_id: Option<LibraryId>,
    /// The group of likely duplicates it belongs to.
    #[serde(default)]
    pub duplicate_id: Option<String>,
    /// The stack it heads, when stacked.
    #[serde(default)]
    pub stack: Option<AssetStack>,
    /// People recognised in it, when the server included them.
    #[serde(default)]
    pub people: Option<Vec<Person>>,
    /// Its tags, when the server included them.
    #[serde(default)]
    pub tags: Option<Vec<Tag>>,
    /// The owner, when the server included it.
    #[serde(default)]
    pub owner: Option<UserSummary>,
}

/// The stack an asset belongs to (`AssetStackResponseDto`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AssetStack {
    /// The stack's id.
    pub id: StackId,
    /// The asset shown for the stack.
    pub primary_asset_id: AssetId,
    /// How many assets are in it.
    #[serde(default)]
    pub asset_count: u64,
}

/// EXIF metadata of an asset (`ExifResponseDto`). Every field may be missing or null.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ExifInfo {
    /// Camera make.
    #[serde(default)]
    pub make: Option<String>,
    /// Camera model.
    #[serde(default)]
    pub model: Option<String>,
    /// Lens model.
    #[serde(default)]
    pub lens_model: Option<String>,
    /// Image width in pixels.
    #[serde(default, deserialize_with = "super::wire::lenient_i64")]
    pub exif_image_width: Option<i64>,
    /// Image height in pixels.
    #[serde(default, deserialize_with = "super::wire::lenient_i64")]
    pub exif_image_height: Option<i64>,
    /// File size in bytes.
    #[serde(default, deserialize_with = "super::wire::lenient_i64")]
    pub file_size_in_byte: Option<i64>,
    /// Orientation, as the EXIF tag's value (`"1"`, `"6"`, ...).
    #[serde(default, deserialize_with = "super::wire::lenient_string")]
    pub orientation: Option<String>,
    /// When the picture was taken.
    #[serde(default)]
    pub date_time_original: Option<DateTime>,
    /// The file's modification date in its metadata.
    #[serde(default)]
    pub modify_date: Option<DateTime>,
    /// IANA time zone name or offset.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// GPS latitude.
    #[serde(default)]
    pub latitude: Option<f64>,
    /// GPS longitude.
    #[serde(default)]
    pub longitude: Option<f64>,
    /// City name.
    #[serde(default)]
    pub city: Option<String>,
    /// State or province.
    #[serde(default)]
    pub state: Option<String>,
    /// Country name.
    #[serde(default)]
    pub country: Option<String>,
    /// Description or caption.
    #[serde(default)]
    pub description: Option<String>,
    /// Projection type (panoramas).
    #[serde(default)]
    pub projection_type: Option<String>,
    /// Star rating.
    #[serde(default, deserialize_with = "super::wire::lenient_i64")]
    pub rating: Option<i64>,
    /// Aperture (f-number).
    #[serde(default, rename = "fNumber")]
    pub f_number: Option<f64>,
    /// Focal length in mm.
    #[serde(default)]
    pub focal_length: Option<f64>,
    /// ISO sensitivity.
    #[serde(default, deserialize_with = "super::wire::lenient_i64")]
    pub iso: Option<i64>,
    /// Exposure time, e.g. `"1/125"`.
    #[serde(default, deserialize_with = "super::wire::lenient_string")]
    pub exposure_time: Option<String>,
}
