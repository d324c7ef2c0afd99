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
//! | `filename` | v1.135+ (older ones take the file part's name, the same) | yes |
//! | `isFavorite`, `livePhotoVideoId`, `sidecarData` | yes | yes |
//!
//! The request is built for the server's release and then checked against the catalogue
//! ([`gate_upload`](crate::catalogue::gate_upload)): a field or value the release lacks (the
//! locked folder before v1.133) fails before anything is sent.
//!
//! The body is a [`UploadBody`]: the core writes the fields and part headers, the transport
//! streams the file into the placeholder.
//!
//! A transport's `upload_path(path, UploadOptions)` reads the file's size and times into
//! [`FileFacts`] and calls [`UploadAsset::from_file`]: every decision (file name, creation time,
//! which options become which fields) is made here, once for both transports.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue, CONTENT_LENGTH, CONTENT_TYPE};
use http::{Method, Request, Response};
use md5::{Digest, Md5};

use crate::assets::AssetVisibility;
use crate::checksum::{Sha1Checksum, Sha1Digest};
use crate::endpoint::{check_status, decode_json};
use crate::multipart::{Boundary, FileRole, MultipartBuilder, UploadBody};
use crate::{AssetId, DateTime, Error, Server, ServerVersion};

/// The header carrying the SHA-1 of the file, so the server can spot a duplicate early.
pub const CHECKSUM_HEADER: HeaderName = HeaderName::from_static("x-immich-checksum");

/// The content type of file parts: the server decides the type from the file name.
const FILE_CONTENT_TYPE: &str = "application/octet-stream";

/// Options for a transport's `upload_path`: start from [`UploadOptions::new`] and chain setters.
///
/// Plain data; the core never opens the [`sidecar`](Self::sidecar) path (the transport does).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct UploadOptions {
    /// Hash the file first (SHA-1, streaming) and send `x-immich-checksum`, so the server can
    /// answer "duplicate" without receiving the file. Costs one extra read of the file.
    pub checksum: bool,
    /// An XMP sidecar file to upload with the asset.
    pub sidecar: Option<PathBuf>,
    /// Mark the asset as a favorite.
    pub is_favorite: bool,
    /// Where the asset shows up (timeline, archive, hidden, locked).
    pub visibility: Option<AssetVisibility>,
    /// A video's play time.
    pub duration: Option<std::time::Duration>,
    /// The file name to send (default: the path's last component, which must then be UTF-8).
    pub filename: Option<String>,
    /// For the photo of a live photo: the already uploaded video.
    pub live_photo_video_id: Option<AssetId>,
    /// The `deviceAssetId` for servers before v3 (default `{filename}-{size}`).
    pub device_asset_id: Option<String>,
}

impl UploadOptions {
    /// No checksum, no sidecar, not a favorite, the path's file name.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`checksum`](Self::checksum).
    pub fn checksum(mut self, checksum: bool) -> Self {
        self.checksum = checksum;
        self
    }

    /// Sets [`sidecar`](Self::sidecar).
    pub fn sidecar(mut self, path: impl Into<PathBuf>) -> Self {
        self.sidecar = Some(path.into());
        self
    }

    /// Sets [`is_favorite`](Self::is_favorite).
    pub fn is_favorite(mut self, is_favorite: bool) -> Self {
        self.is_favorite = is_favorite;
        self
    }

    /// Sets [`visibility`](Self::visibility).
    pub fn visibility(mut self, visibility: AssetVisibility) -> Self {
        self.visibility = Some(visibility);
        self
    }

    /// Sets [`duration`](Self::duration).
    pub fn duration(mut self, duration: std::time::Duration) -> Self {
        self.duration = Some(duration);
        self
    }

    /// Sets [`filename`](Self::filename).
    pub fn filename(mut self, filename: impl Into<String>) -> Self {
        self.filename = Some(filename.into());
        self
    }

    /// Sets [`live_photo_video_id`](Self::live_photo_video_id).
    pub fn live_photo_video_id(mut self, id: AssetId) -> Self {
        self.live_photo_video_id = Some(id);
        self
    }

    /// Sets [`device_asset_id`](Self::device_asset_id).
    pub fn device_asset_id(mut self, id: impl Into<String>) -> Self {
        self.device_asset_id = Some(id.into());
        self
    }
}

/// What a transport read from the file system for an upload: the values of the file's
/// metadata (and the sidecar's length). Reading them is I/O; using them is the core's job.
/// The times are values the file system returned, not a clock the core reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileFacts {
    /// The path of the file (its last component is the default file name).
    pub path: PathBuf,
    /// Whether it is a regular file (`Metadata::is_file`).
    pub is_file: bool,
    /// Its size in bytes.
    pub len: u64,
    /// Its birth time, where the file system keeps one (`Metadata::created().ok()`).
    pub created: Option<SystemTime>,
    /// Its last modification time.
    pub modified: SystemTime,
    /// The size of the [`UploadOptions::sidecar`] file, when there is one.
    pub sidecar_len: Option<u64>,
}

impl FileFacts {
    /// The facts of the file at `path` from the metadata a transport read for it (no I/O here:
    /// the values are in `metadata` already). A missing birth time is `None`; a missing
    /// modification time, which only platforms without one lack, is the error.
    pub fn from_metadata(
        path: &Path,
        metadata: &std::fs::Metadata,
        sidecar_len: Option<u64>,
    ) -> std::io::Result<Self> {
        Ok(FileFacts {
            path: path.to_owned(),
            is_file: metadata.is_file(),
            len: metadata.len(),
            created: metadata.created().ok(),
            modified: metadata.modified()?,
            sidecar_len,
        })
    }
}

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

    /// The upload of a file a transport looked at, with its options: the file name is the
    /// path's last component unless [`UploadOptions::filename`] overrides it (a name that is not
    /// UTF-8 is an error: set the override); created is the earlier of the birth time and the
    /// modification time (a copied file's birth time is the day of the copy, later than the
    /// photo); both go out in UTC. The checksum and boundary are left to the transport
    /// ([`checksum_from`](Self::checksum_from), [`boundary`](Self::boundary)).
    pub fn from_file(file: &FileFacts, options: &UploadOptions) -> Result<Self, Error> {
        if !file.is_file {
            return Err(Error::invalid_input(
                "upload path",
                format!("{} is not a regular file", file.path.display()),
            ));
        }
        let filename = match &options.filename {
            Some(name) => name.clone(),
            None => file_name_of(&file.path)?,
        };
        let modified = utc(file.modified);
        let created = file
            .created
            .map_or(modified, |born| utc(born).min(modified));
        let sidecar_len = match (&options.sidecar, file.sidecar_len) {
            (None, _) => None,
            (Some(_), Some(len)) => Some(len),
            (Some(path), None) => {
                return Err(Error::invalid_input(
                    "sidecar",
                    format!("the length of {} was not given", path.display()),
                ))
            }
        };
        Ok(UploadAsset {
            is_favorite: options.is_favorite,
            duration: options.duration,
            visibility: options.visibility.clone(),
            live_photo_video_id: options.live_photo_video_id.clone(),
            sidecar_len,
            device_asset_id: options.device_asset_id.clone(),
            ..UploadAsset::new(filename, file.len, created, modified)
        })
    }

    /// Sets the checksum from a hasher the transport fed the whole file. A file that hashed to
    /// another length than announced changed in between: [`Error::FileSizeChanged`].
    pub fn checksum_from(self, hasher: Sha1Checksum) -> Result<Self, Error> {
        let (expected, actual) = (self.file_len, hasher.bytes_hashed());
        if actual != expected {
            return Err(Error::FileSizeChanged { expected, actual });
        }
        Ok(self.checksum(hasher.finish().to_hex()))
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
    /// See [`Sha1Checksum`] and [`checksum_from`](Self::checksum_from).
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
        let request = builder
            .body(body)
            .map_err(|e| Error::invalid_input("request", e.to_string()))?;
        // Every form field and value must be one the release has (a streamed upload does not
        // pass through the session's gate, which reads in-memory bodies).
        crate::catalogue::gate_upload(server, Self::OPERATION_ID, &request)?;
        Ok(request)
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
        // Releases before v1.135.0 take the name from the file part (the same name) and would
        // ignore the field; v3 would refuse an unknown one.
        if crate::catalogue::has_item(Self::OPERATION_ID, "field:filename", version) {
            form.text("filename", &self.filename)?;
        }
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
                    // No older form says it (the locked folder is v1.133's): the field as
                    // v1.133 has it, which the release gate refuses with the release needed.
                    other => {
                        form.text("visibility", other.as_str())?;
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

/// The file name to send for `path`: its last component, which must be UTF-8.
fn file_name_of(path: &Path) -> Result<String, Error> {
    let name = path.file_name().ok_or_else(|| {
        Error::invalid_input("upload path", format!("{} names no file", path.display()))
    })?;
    name.to_str().map(str::to_owned).ok_or_else(|| {
        Error::invalid_input(
            "filename",
            format!(
                "{:?} is not valid UTF-8; set UploadOptions::filename",
                name.to_string_lossy()
            ),
        )
    })
}

/// A file-system time in UTC (times before 1970 are kept, as negative Unix times).
fn utc(time: SystemTime) -> DateTime {
    DateTime::from_system_time(time.duration_since(UNIX_EPOCH).map_err(|e| e.duration()))
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

    fn at(unix_seconds: u64) -> SystemTime {
        UNIX_EPOCH + std::time::Duration::from_secs(unix_seconds)
    }

    fn facts(path: &str, created: Option<u64>, modified: u64) -> FileFacts {
        FileFacts {
            path: PathBuf::from(path),
            is_file: true,
            len: 5,
            created: created.map(at),
            modified: at(modified),
            sidecar_len: None,
        }
    }

    #[test]
    fn created_is_the_earlier_of_birth_and_modification() {
        let options = UploadOptions::new();
        let upload = |f: &FileFacts| UploadAsset::from_file(f, &options).unwrap();
        // A copy: born today, modified when the photo was taken.
        let copy = upload(&facts("/p/IMG_1.jpg", Some(2_000), 1_000));
        assert_eq!(copy.file_created_at, DateTime::from_unix(1_000, 0));
        assert_eq!(copy.file_modified_at, DateTime::from_unix(1_000, 0));
        let original = upload(&facts("/p/IMG_1.jpg", Some(500), 1_000));
        assert_eq!(original.file_created_at, DateTime::from_unix(500, 0));
        let no_birth_time = upload(&facts("/p/IMG_1.jpg", None, 1_000));
        assert_eq!(no_birth_time.file_created_at, DateTime::from_unix(1_000, 0));
    }

    #[test]
    fn the_file_name_comes_from_the_path_unless_overridden() {
        let file = facts("/photos/2024/IMG_1.jpg", None, 1_000);
        let plain = UploadAsset::from_file(&file, &UploadOptions::new()).unwrap();
        assert_eq!(plain.filename(), "IMG_1.jpg");
        let renamed = UploadOptions::new().filename("beach.jpg");
        let renamed = UploadAsset::from_file(&file, &renamed).unwrap();
        assert_eq!(renamed.filename(), "beach.jpg");
        let no_name = UploadAsset::from_file(&facts("/", None, 1), &UploadOptions::new());
        assert!(matches!(
            no_name,
            Err(Error::InvalidInput {
                what: "upload path",
                ..
            })
        ));
    }

    #[cfg(unix)]
    #[test]
    fn a_non_utf8_file_name_is_a_clear_error_unless_overridden() {
        use std::os::unix::ffi::OsStrExt;
        let mut file = facts("/p/x", None, 1);
        file.path = Path::new("/p").join(std::ffi::OsStr::from_bytes(b"IMG_\xff.jpg"));
        match UploadAsset::from_file(&file, &UploadOptions::new()) {
            Err(Error::InvalidInput { what, reason }) => {
                assert_eq!(what, "filename");
                assert!(reason.contains("UploadOptions::filename"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
        let named = UploadOptions::new().filename("IMG_1.jpg");
        assert!(UploadAsset::from_file(&file, &named).is_ok());
    }

    #[test]
    fn directories_and_missing_sidecar_lengths_are_refused() {
        let mut dir = facts("/p/album", None, 1);
        dir.is_file = false;
        let error = UploadAsset::from_file(&dir, &UploadOptions::new()).unwrap_err();
        assert!(error.to_string().contains("not a regular file"), "{error}");
        let with_sidecar = UploadOptions::new().sidecar("/p/IMG_1.jpg.xmp");
        let file = facts("/p/IMG_1.jpg", None, 1);
        assert!(matches!(
            UploadAsset::from_file(&file, &with_sidecar),
            Err(Error::InvalidInput {
                what: "sidecar",
                ..
            })
        ));
    }

    #[test]
    fn options_become_fields() {
        let server = Server::new("http://localhost:2283")
            .unwrap()
            .with_version(ServerVersion::new(3, 0, 0));
        let live = AssetId::new_unchecked("0b4dbe1c-1f66-4b8e-9d50-6a1f0c1b2a3d");
        let options = UploadOptions::new()
            .is_favorite(true)
            .visibility(AssetVisibility::Archive)
            .duration(std::time::Duration::from_millis(1_500))
            .live_photo_video_id(live)
            .sidecar("/p/IMG_1.jpg.xmp");
        let mut file = facts("/p/IMG_1.jpg", None, 1_000);
        file.sidecar_len = Some(3);
        let upload = UploadAsset::from_file(&file, &options)
            .unwrap()
            .boundary(Boundary::from_seed(7));
        assert_eq!(upload.sidecar_len(), Some(3));
        let request = upload.request(&server).unwrap();
        let body = request.body().assemble(b"hello", Some(b"xmp")).unwrap();
        let body = String::from_utf8_lossy(&body);
        for field in [
            "name=\"isFavorite\"\r\n\r\ntrue\r\n",
            "name=\"visibility\"\r\n\r\narchive\r\n",
            "name=\"duration\"\r\n\r\n1500\r\n",
            "name=\"livePhotoVideoId\"\r\n\r\n0b4dbe1c-1f66-4b8e-9d50-6a1f0c1b2a3d\r\n",
            "name=\"fileCreatedAt\"\r\n\r\n1970-01-01T00:16:40.000Z\r\n",
            "filename=\"IMG_1.jpg.xmp\"",
        ] {
            assert!(body.contains(field), "{field:?} missing from {body}");
        }
    }

    #[test]
    fn checksum_from_a_hasher_checks_the_length() {
        let t = DateTime::from_unix(1_700_000_000, 0);
        let mut hasher = Sha1Checksum::new();
        hasher.update(b"hello");
        let upload = UploadAsset::new("a.jpg", 5, t, t)
            .checksum_from(hasher)
            .unwrap();
        assert_eq!(
            upload.checksum.as_deref(),
            Some("aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d")
        );
        let mut short = Sha1Checksum::new();
        short.update(b"hell");
        assert_eq!(
            UploadAsset::new("a.jpg", 5, t, t).checksum_from(short),
            Err(Error::FileSizeChanged {
                expected: 5,
                actual: 4
            })
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
