//! Models of the server area.

use serde::{Deserialize, Serialize};

use crate::{DateTime, ServerVersion, UserId};

/// What the server says about itself (`ServerAboutResponseDto`).
///
/// Only `version`, `versionUrl` and `licensed` are always sent; the rest depends on the build.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ServerAbout {
    /// The version as text, e.g. `v1.118.2`.
    pub version: String,
    /// Where the release notes of this version are.
    #[serde(default)]
    pub version_url: String,
    /// Whether the server has a license.
    #[serde(default)]
    pub licensed: bool,
    /// Build identifier.
    #[serde(default)]
    pub build: Option<String>,
    /// Build URL.
    #[serde(default)]
    pub build_url: Option<String>,
    /// Container image the server runs from.
    #[serde(default)]
    pub build_image: Option<String>,
    /// URL of that image.
    #[serde(default)]
    pub build_image_url: Option<String>,
    /// Repository name.
    #[serde(default)]
    pub repository: Option<String>,
    /// Repository URL.
    #[serde(default)]
    pub repository_url: Option<String>,
    /// Source branch or tag.
    #[serde(default)]
    pub source_ref: Option<String>,
    /// Source commit hash.
    #[serde(default)]
    pub source_commit: Option<String>,
    /// Source URL.
    #[serde(default)]
    pub source_url: Option<String>,
    /// Node.js version.
    #[serde(default)]
    pub nodejs: Option<String>,
    /// FFmpeg version.
    #[serde(default)]
    pub ffmpeg: Option<String>,
    /// ImageMagick version.
    #[serde(default)]
    pub imagemagick: Option<String>,
    /// libvips version.
    #[serde(default)]
    pub libvips: Option<String>,
    /// ExifTool version.
    #[serde(default)]
    pub exiftool: Option<String>,
}

impl ServerAbout {
    /// The version as a [`ServerVersion`], when it parses.
    pub fn server_version(&self) -> Option<ServerVersion> {
        ServerVersion::parse(&self.version)
    }
}

/// Disk space where the server keeps its library (`ServerStorageResponseDto`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ServerStorage {
    /// Total disk size, human-readable (`"1.8 TiB"`).
    pub disk_size: String,
    /// Used space, human-readable.
    pub disk_use: String,
    /// Free space, human-readable.
    pub disk_available: String,
    /// Total disk size in bytes.
    pub disk_size_raw: i64,
    /// Used space in bytes.
    pub disk_use_raw: i64,
    /// Free space in bytes.
    pub disk_available_raw: i64,
    /// Used share of the disk, 0 to 100.
    pub disk_usage_percentage: f64,
}

/// Library totals, with usage per user (`ServerStatsResponseDto`). Needs an admin key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ServerStatistics {
    /// Number of photos.
    pub photos: i64,
    /// Number of videos.
    pub videos: i64,
    /// Bytes used in total.
    pub usage: i64,
    /// Bytes used by photos (0 when an older server does not say).
    #[serde(default)]
    pub usage_photos: i64,
    /// Bytes used by videos (0 when an older server does not say).
    #[serde(default)]
    pub usage_videos: i64,
    /// The same figures per user.
    #[serde(default)]
    pub usage_by_user: Vec<UsageByUser>,
}

/// One user's share of the library (`UsageByUserDto`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UsageByUser {
    /// The user.
    pub user_id: UserId,
    /// The user's name.
    #[serde(default)]
    pub user_name: String,
    /// Number of photos.
    pub photos: i64,
    /// Number of videos.
    pub videos: i64,
    /// Bytes used in total.
    pub usage: i64,
    /// Bytes used by photos (0 when an older server does not say).
    #[serde(default)]
    pub usage_photos: i64,
    /// Bytes used by videos (0 when an older server does not say).
    #[serde(default)]
    pub usage_videos: i64,
    /// The user's quota in bytes; `None` for unlimited.
    #[serde(default)]
    pub quota_size_in_bytes: Option<i64>,
}

/// The result of the server's last check for a new release (`VersionCheckStateResponseDto`).
///
/// Both fields are `null` until the server has checked once (or when checking is off).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct VersionCheck {
    /// When the server last checked, as sent (the document gives no format).
    #[serde(default)]
    pub checked_at: Option<String>,
    /// The newest release it found, as sent (e.g. `v1.119.0`).
    #[serde(default)]
    pub release_version: Option<String>,
}

impl VersionCheck {
    /// [`checked_at`](Self::checked_at) as a date-time, when it is one.
    pub fn checked_at_time(&self) -> Option<DateTime> {
        self.checked_at.as_deref().and_then(DateTime::parse)
    }

    /// [`release_version`](Self::release_version) as a version, when it is one.
    pub fn release(&self) -> Option<ServerVersion> {
        self.release_version
            .as_deref()
            .and_then(ServerVersion::parse)
    }
}
