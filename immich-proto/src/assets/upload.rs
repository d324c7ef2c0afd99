//! `POST /assets`: `uploadAsset`. Permission `asset.upload`.
//!
//! Added in v1 (beta), stable since v2. The form fields depend on the server version, so the
//! version must be known ([`Error::VersionRequired`] otherwise):
//!
//! | field | before v3 | v3 |
//! |---|---|---|
//! | `deviceAssetId`, `deviceId` | required | removed |
//! | `fileCreatedAt`, `fileModifiedAt` | UTC `...Z` | UTC `...Z` (the pattern rejects offsets) |
//! | `duration` | string `H:MM:SS.ffffff` | integer milliseconds |
//! | `visibility` | v1.133+; older servers get `isArchived` / `isVisible` | yes |
//! | `isFavorite`, `filename`, `livePhotoVideoId`, `sidecarData` | yes | yes |
//!
//! The body is a [`UploadBody`]: the core writes the fields and part headers, the transport
//! streams the file into the placeholder.

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue, CONTENT_LENGTH, CONTENT_TYPE};
use http::{Method, Request, Response};
use md5::{Digest, Md5};

use crate::assets::AssetVisibility;
use crate::checksum::Sha1Digest;
use crate::endpoint::{check_status, decode_json};
use crate::multipart::{Boundary, FileRole, MultipartBuilder, UploadBody};
use crate::{AssetId, DateTime, Error, Server, ServerVersion};

/// The header carrying the SHA-1 of the file, so the server can spot a duplicate early.
pub const CHECKSUM_HEADER: HeaderName = HeaderName::from_static("x-immich-checksum");

/// The content type of file parts: the server decides the type from the file name.
const FILE_CONTENT_TYPE: &str = "application/octet-stream";

/// Uploads one file (and optionally its XMP sidecar) as a new asset.
///
/// Required inputs go in [`new`](Self::new); the rest are setters. The file times are inputs:
/// a transport reads them from the file system, the core never reads a clock.
///
/// ```
/// # use immich_proto::{assets::UploadAsset, multipart::Boundary, DateTime, Server, ServerVersion};
/// let server = Server::new("http://localhost:2283")?
///     .with_api_key("key")?
///     .with_version(ServerVersion::new(3, 0, 0));
/// let taken = DateTime::parse("2024-05-01T12:00:00+02:00").unwrap();
/// let upload = UploadAsset::new("IMG_1.jpg", 5, taken, taken)
///     .is_favorite(true)
///     .boundary(Boundary::from_seed(1));
/// let request = upload.request(&server)?;
/// let assembled = request.body().assemble(b"hello", None)?;
/// assert_eq!(assembled.len() as u64, request.body().content_length());
/// assert!(String::from_utf8_lossy(&assembled).contains("2024-05-01T10:00:00.000Z"));
/// # Ok::<(), immich_proto::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadAsset {
    filename: String,
    file_len: u64,
    file_created_at: DateTime,
    file_modified_at: DateTime,
    is_favorite: bool,
    duration: Option<std::time::Duration>,
    visibility: Option<AssetVisibility>,
    live_photo_video_id: Option<AssetId>,
    sidecar_len: Option<u64>,
    checksum: Option<String>,
    device_asset_id: Option<String>,
    boundary: Option<Boundary>,
}

impl UploadAsset {
    /// The server's operationId.
    pub const OPERATION_ID: &'static str = "uploadAsset";
    /// The API-key permission the upload needs.
    pub const PERMISSION: Option<&'static str> = Some("asset.upload");

    /// An upload of `file_len` bytes named `filename`, with the file's times.
    pub fn new(
        filename: impl Into<String>,
        file_len: u64,
        file_created_at: DateTime,
        file_modified_at: DateTime,
    ) -> Self {
        UploadAsset {
            filename: filename.into(),
            file_len,
            file_created_at,
            file_modified_at,
            is_favorite: false,
            duration: None,
            visibility: None,
            live_photo_video_id: None,
            sidecar_len: None,
            checksum: None,
            device_asset_id: None,
            boundary: None,
        }
    }

    /// Marks the asset as a favorite (default `false`).
    pub fn is_favorite(mut self, is_favorite: bool) -> Self {
        self.is_favorite = is_favorite;
        self
    }

    /// The play time of a video.
    pub fn duration(mut self, duration: std::time::Duration) -> Self {
        self.duration = Some(duration);
        self
    }

    /// Where the asset shows up. Servers before v1.133 get `isArchived=true` for
    /// [`Archive`](AssetVisibility::Archive) and `isVisible=false` for
    /// [`Hidden`](AssetVisibility::Hidden); they have no locked folder.
    pub fn visibility(mut self, visibility: AssetVisibility) -> Self {
        self.visibility = Some(visibility);
        self
    }

    /// Links this photo to the already uploaded video of a live photo.
    pub fn live_photo_video_id(mut self, id: AssetId) -> Self {
        self.live_photo_video_id = Some(id);
        self
    }

    /// Adds an XMP sidecar of `len` bytes (a second placeholder the transport fills).
    pub fn sidecar(mut self, len: u64) -> Self {
        self.sidecar_len = Some(len);
        self
    }

    /// The SHA-1 of the file, hex (as the Immich CLI sends it) or base64, sent as
    /// `x-immich-checksum` so the server can answer "duplicate" early.
    /// See [`Sha1Checksum`](crate::checksum::Sha1Checksum).
    pub fn checksum(mut self, checksum: impl Into<String>) -> Self {
        self.checksum = Some(checksum.into());
        self
    }

    /// Overrides the `deviceAssetId` sent to servers before v3 (default `{filename}-{file_len}`).
    pub fn device_asset_id(mut self, device_asset_id: impl Into<String>) -> Self {
        self.device_asset_id = Some(device_asset_id.into());
        self
    }

    /// The multipart boundary. Transports set a random one
    /// (`Boundary::from_seed(RandomState::new().hash_one(..))`); tests set a fixed one.
    /// Without it the boundary is derived from the upload's inputs: deterministic, so a file
    /// crafted to contain it could break its own upload.
    pub fn boundary(mut self, boundary: Boundary) -> Self {
        self.boundary = Some(boundary);
        self
    }

    /// The file name.
    pub fn filename(&self) -> &str {
        &self.filename
    }

    /// The announced length of the file.
    pub fn file_len(&self) -> u64 {
        self.file_len
    }

    /// The announced length of the sidecar, if any.
    pub fn sidecar_len(&self) -> Option<u64> {
        self.sidecar_len
    }

    /// Builds the request: `POST {api}/assets` with a multipart body whose file contents are
    /// placeholders, an exact `content-length`, and `x-immich-checksum` when set.
    pub fn request(&self, server: &Server) -> Result<Request<UploadBody>, Error> {
        let version = server.require_version(Self::OPERATION_ID)?;
        let body = self.body(server, &version)?;
        let content_type = HeaderValue::from_str(&body.content_type())
            .map_err(|e| Error::invalid_input("content type", e.to_string()))?;
        let mut builder = server
            .request_builder(Method::POST, "/assets", None)?
            .header(CONTENT_TYPE, content_type)
            .header(CONTENT_LENGTH, HeaderValue::from(body.content_length()));
        if let Some(checksum) = &self.checksum {
            let digest = Sha1Digest::parse(checksum).ok_or_else(|| {
                Error::invalid_input(
                    "checksum",
                    "expected the file's SHA-1 as 40 hex digits or base64",
                )
            })?;
            builder = builder.header(CHECKSUM_HEADER, digest.to_hex());
        }
        builder
            .body(body)
            .map_err(|e| Error::invalid_input("request", e.to_string()))
    }

    /// Reads the answer: `201` created, `200` duplicate (with the existing asset's id), or a
    /// typed error through the same status check as every other operation.
    pub fn parse_response(&self, response: Response<Bytes>) -> Result<UploadResult, Error> {
        #[derive(serde::Deserialize)]
        struct Wire {
            id: AssetId,
            #[serde(default)]
            status: Option<AssetMediaStatus>,
        }
        let (head, body) = response.into_parts();
        check_status(Self::OPERATION_ID, &head, &body)?;
        let wire: Wire = decode_json(Self::OPERATION_ID, &body)?;
        // The status field is required; if a server ever leaves it out, the HTTP status says
        // the same thing (200 duplicate, 201 created).
        let status = wire.status.unwrap_or_else(|| match head.status.as_u16() {
            200 => AssetMediaStatus::Duplicate,
            201 => AssetMediaStatus::Created,
            other => AssetMediaStatus::Unknown(other.to_string()),
        });
        Ok(UploadResult {
            id: wire.id,
            status,
        })
    }

    fn body(&self, server: &Server, version: &ServerVersion) -> Result<UploadBody, Error> {
        if self.filename.is_empty() {
            return Err(Error::invalid_input("filename", "must not be empty"));
        }
        let boundary = self
            .boundary
            .clone()
            .unwrap_or_else(|| self.derived_boundary());
        let mut form = MultipartBuilder::new(boundary);
        let v3 = version.is_v3_or_newer();
        if !v3 {
            let device_asset_id = match &self.device_asset_id {
                Some(id) => id.clone(),
                None => format!("{}-{}", self.filename, self.file_len),
            };
            form.text("deviceAssetId", &device_asset_id)?;
            form.text("deviceId", server.device_id())?;
        }
        form.text("fileCreatedAt", &self.file_created_at.to_utc_string())?;
        form.text("fileModifiedAt", &self.file_modified_at.to_utc_string())?;
        form.text(
            "isFavorite",
            if self.is_favorite { "true" } else { "false" },
        )?;
        form.text("filename", &self.filename)?;
        if let Some(duration) = self.duration {
            if v3 {
                form.text("duration", &duration.as_millis().to_string())?;
            } else {
                form.text("duration", &old_duration(duration))?;
            }
        }
        if let Some(visibility) = &self.visibility {
            if version.at_least(1, 133, 0) {
                form.text("visibility", visibility.as_str())?;
            } else {
                match visibility {
                    AssetVisibility::Timeline => {}
                    AssetVisibility::Archive => {
                        form.text("isArchived", "true")?;
                    }
                    AssetVisibility::Hidden => {
                        form.text("isVisible", "false")?;
                    }
                    other => {
                        return Err(Error::invalid_input(
                            "visibility",
                            format!(
                                "`{other}` needs server v1.133 or newer (this one is {version})"
                            ),
                        ))
                    }
                }
            }
        }
        if let Some(id) = &self.live_photo_video_id {
            form.text("livePhotoVideoId", id.checked(server)?)?;
        }
        form.file(
            FileRole::Asset,
            &self.filename,
            FILE_CONTENT_TYPE,
            self.file_len,
        )?;
        if let Some(len) = self.sidecar_len {
            // The server recognises a sidecar by its `.xmp` extension.
            let sidecar_name = format!("{}.xmp", self.filename);
            form.file(FileRole::Sidecar, &sidecar_name, FILE_CONTENT_TYPE, len)?;
        }
        form.finish()
    }

    /// A boundary from the upload's inputs, for callers that set none.
    fn derived_boundary(&self) -> Boundary {
        let mut md5 = Md5::new();
        md5.update(self.filename.as_bytes());
        md5.update(self.file_len.to_le_bytes());
        md5.update(self.file_created_at.unix_seconds().to_le_bytes());
        md5.update(self.file_modified_at.unix_seconds().to_le_bytes());
        md5.update(self.file_modified_at.nanos().to_le_bytes());
        let digest = md5.finalize();
        let mut seed = [0u8; 8];
        seed.copy_from_slice(&digest[..8]);
        Boundary::from_seed(u64::from_le_bytes(seed))
    }
}

/// `H:MM:SS.ffffff`, the duration string servers before v3 store and send.
fn old_duration(duration: std::time::Duration) -> String {
    let secs = duration.as_secs();
    format!(
        "{}:{:02}:{:02}.{:06}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60,
        duration.subsec_micros()
    )
}

crate::string_enum! {
    /// What the server did with an upload (`AssetMediaStatus`).
    pub enum AssetMediaStatus {
        /// A new asset was created (HTTP 201).
        Created => "created",
        /// An existing asset's file was replaced.
        Replaced => "replaced",
        /// The server already has this file; `id` is the existing asset (HTTP 200).
        Duplicate => "duplicate",
    }
}

/// The answer to an upload (`AssetMediaResponseDto`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UploadResult {
    /// The new asset, or the existing one for a duplicate.
    pub id: AssetId,
    /// What happened.
    pub status: AssetMediaStatus,
}

impl UploadResult {
    /// Whether the server already had this file.
    pub fn is_duplicate(&self) -> bool {
        self.status == AssetMediaStatus::Duplicate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_duration_format() {
        use std::time::Duration;
        assert_eq!(old_duration(Duration::ZERO), "0:00:00.000000");
        assert_eq!(old_duration(Duration::from_millis(5_500)), "0:00:05.500000");
        assert_eq!(
            old_duration(Duration::new(3 * 3600 + 62, 1_234_567)),
            "3:01:02.001234"
        );
    }

    #[test]
    fn derived_boundary_is_stable_and_input_dependent() {
        let t = DateTime::from_unix(1_700_000_000, 0);
        let a = UploadAsset::new("a.jpg", 5, t, t);
        assert_eq!(a.derived_boundary(), a.clone().derived_boundary());
        assert_ne!(
            a.derived_boundary(),
            UploadAsset::new("b.jpg", 5, t, t).derived_boundary()
        );
    }
}
