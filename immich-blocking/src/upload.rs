//! Upload from a path: the core writes the multipart body around placeholders, this module
//! streams the file into them with bounded memory and checks the file did not change size.

use std::collections::hash_map::RandomState;
use std::fs::File;
use std::hash::BuildHasher;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::{Buf, Bytes};
use http::Request;
use immich_proto::assets::{AssetVisibility, UploadAsset, UploadResult};
use immich_proto::checksum::Sha1Checksum;
use immich_proto::multipart::{Boundary, FileRole, Segment};
use immich_proto::{AssetId, DateTime};

use crate::client::{log_exchange, read_body};
use crate::transport::{peer_stopped_reading, reset_peer_stopped_reading};
use crate::{Client, Error};

/// Options for [`Client::upload_path`]; start from [`UploadOptions::new`].
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct UploadOptions {
    /// Hash the file first (SHA-1) and send `x-immich-checksum`, so the server can answer
    /// "duplicate" without receiving the file. Costs one extra read of the file.
    pub checksum: bool,
    /// Mark the asset as a favorite.
    pub is_favorite: bool,
    /// The file name to send (default: the path's last component).
    pub filename: Option<String>,
    /// An XMP sidecar file to upload with the asset.
    pub sidecar: Option<PathBuf>,
    /// Where the asset shows up (timeline, archive, hidden, locked).
    pub visibility: Option<AssetVisibility>,
    /// A video's play time.
    pub duration: Option<Duration>,
    /// For the photo of a live photo: the already uploaded video.
    pub live_photo_video_id: Option<AssetId>,
    /// The `deviceAssetId` for servers before v3 (default: the core's `{filename}-{size}`).
    pub device_asset_id: Option<String>,
}

impl UploadOptions {
    /// No checksum, not a favorite, the path's file name, no sidecar.
    pub fn new() -> Self {
        Self::default()
    }

    /// See [`UploadOptions::checksum`](#structfield.checksum).
    pub fn checksum(mut self, checksum: bool) -> Self {
        self.checksum = checksum;
        self
    }

    /// See [`UploadOptions::is_favorite`](#structfield.is_favorite).
    pub fn is_favorite(mut self, is_favorite: bool) -> Self {
        self.is_favorite = is_favorite;
        self
    }

    /// See [`UploadOptions::filename`](#structfield.filename).
    pub fn filename(mut self, filename: impl Into<String>) -> Self {
        self.filename = Some(filename.into());
        self
    }

    /// See [`UploadOptions::sidecar`](#structfield.sidecar).
    pub fn sidecar(mut self, path: impl Into<PathBuf>) -> Self {
        self.sidecar = Some(path.into());
        self
    }

    /// See [`UploadOptions::visibility`](#structfield.visibility).
    pub fn visibility(mut self, visibility: AssetVisibility) -> Self {
        self.visibility = Some(visibility);
        self
    }

    /// See [`UploadOptions::duration`](#structfield.duration).
    pub fn duration(mut self, duration: Duration) -> Self {
        self.duration = Some(duration);
        self
    }

    /// See [`UploadOptions::live_photo_video_id`](#structfield.live_photo_video_id).
    pub fn live_photo_video_id(mut self, id: AssetId) -> Self {
        self.live_photo_video_id = Some(id);
        self
    }

    /// See [`UploadOptions::device_asset_id`](#structfield.device_asset_id).
    pub fn device_asset_id(mut self, id: impl Into<String>) -> Self {
        self.device_asset_id = Some(id.into());
        self
    }
}

impl Client {
    /// Uploads a file (`POST /assets`), streaming it with an exact `Content-Length`.
    ///
    /// The file's size and times come from the file system: created is the birth time where
    /// the system has one, else the modification time; both are sent in UTC. A file that turns
    /// out shorter or longer than its size when the upload started fails with
    /// [`immich_proto::Error::FileSizeChanged`]; the server never gets a short or long body.
    /// Needs the server version ([`setup`](Self::setup)).
    pub fn upload_path(
        &self,
        path: impl AsRef<Path>,
        options: UploadOptions,
    ) -> Result<UploadResult, Error> {
        let path = path.as_ref();
        let mut asset = File::open(path).map_err(Error::Io)?;
        let meta = asset.metadata().map_err(Error::Io)?;
        if !meta.is_file() {
            return Err(immich_proto::Error::InvalidInput {
                what: "upload path",
                reason: format!("{} is not a regular file", path.display()),
            }
            .into());
        }
        let modified = meta.modified().map_err(Error::Io)?;
        let created = meta.created().unwrap_or(modified);
        let filename = match options.filename {
            Some(name) => name,
            None => path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        };
        let seed = RandomState::new().hash_one(path);
        let mut upload = UploadAsset::new(filename, meta.len(), utc(created), utc(modified))
            .is_favorite(options.is_favorite)
            .boundary(Boundary::from_seed(seed));
        if let Some(visibility) = options.visibility {
            upload = upload.visibility(visibility);
        }
        if let Some(duration) = options.duration {
            upload = upload.duration(duration);
        }
        if let Some(id) = options.live_photo_video_id {
            upload = upload.live_photo_video_id(id);
        }
        if let Some(id) = options.device_asset_id {
            upload = upload.device_asset_id(id);
        }
        let sidecar = match &options.sidecar {
            Some(sidecar_path) => {
                let file = File::open(sidecar_path).map_err(Error::Io)?;
                let len = file.metadata().map_err(Error::Io)?.len();
                upload = upload.sidecar(len);
                Some(file)
            }
            None => None,
        };
        if options.checksum {
            upload = upload.checksum(sha1_hex(&mut asset, meta.len())?);
        }

        let (parts, body) = upload.request(self.server())?.into_parts();
        let (method, uri_path) = (parts.method.clone(), parts.uri.path().to_owned());
        log::debug!("uploading {} bytes to {uri_path}", body.content_length());
        let reader = SegmentReader {
            segments: body.into_segments().into_iter(),
            current: Current::Between,
            files: Files { asset, sidecar },
        };
        let request = Request::from_parts(parts, ureq::SendBody::from_owned_reader(reader));
        let started = Instant::now();
        reset_peer_stopped_reading();
        let response = self.call(request);
        reset_peer_stopped_reading();
        let response = read_body(response?, UploadAsset::OPERATION_ID)?;
        log_exchange(&method, &uri_path, response.status(), started);
        Ok(upload.parse_response(response)?)
    }
}

fn utc(time: SystemTime) -> DateTime {
    DateTime::from_system_time(time.duration_since(UNIX_EPOCH).map_err(|e| e.duration()))
}

/// SHA-1 of the whole file, hex, leaving the file at its start again.
fn sha1_hex(file: &mut File, expected: u64) -> Result<String, Error> {
    let mut hasher = Sha1Checksum::new();
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        match file.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => hasher.update(&buffer[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::Io(e)),
        }
    }
    if hasher.bytes_hashed() != expected {
        return Err(immich_proto::Error::FileSizeChanged {
            expected,
            actual: hasher.bytes_hashed(),
        }
        .into());
    }
    file.seek(SeekFrom::Start(0)).map_err(Error::Io)?;
    Ok(hasher.finish().to_hex())
}

/// The body as one reader: the core's bytes, then exactly `len` bytes of each file.
struct SegmentReader {
    segments: std::vec::IntoIter<Segment>,
    current: Current,
    files: Files,
}

struct Files {
    asset: File,
    sidecar: Option<File>,
}

enum Current {
    Between,
    Bytes(Bytes),
    File {
        role: FileRole,
        len: u64,
        remaining: u64,
    },
}

impl Files {
    fn get(&mut self, role: FileRole) -> io::Result<&mut File> {
        match role {
            FileRole::Asset => Ok(&mut self.asset),
            FileRole::Sidecar => self
                .sidecar
                .as_mut()
                .ok_or_else(|| io::Error::other("the body has a sidecar part but no sidecar file")),
        }
    }
}

/// The core's error inside an `io::Error`; `Error::from` unwraps it again.
fn size_changed(expected: u64, actual: u64) -> io::Error {
    io::Error::other(immich_proto::Error::FileSizeChanged { expected, actual })
}

impl Read for SegmentReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            match &mut self.current {
                Current::Between => match self.segments.next() {
                    None => return Ok(0),
                    Some(Segment::Bytes(bytes)) => self.current = Current::Bytes(bytes),
                    Some(Segment::File(part)) => {
                        self.current = Current::File {
                            role: part.role,
                            len: part.len,
                            remaining: part.len,
                        }
                    }
                },
                Current::Bytes(bytes) if bytes.is_empty() => self.current = Current::Between,
                Current::Bytes(bytes) => {
                    let n = bytes.len().min(buf.len());
                    buf[..n].copy_from_slice(&bytes[..n]);
                    bytes.advance(n);
                    return Ok(n);
                }
                Current::File {
                    role,
                    len,
                    remaining,
                } => {
                    let (file, len) = (self.files.get(*role)?, *len);
                    if *remaining == 0 {
                        // The placeholder is full: the file must have nothing more (unless
                        // the rest was never read because the server stopped listening).
                        if !peer_stopped_reading() && read_retrying(file, &mut [0u8; 1])? > 0 {
                            let actual = file.metadata().map_or(len + 1, |m| m.len().max(len + 1));
                            return Err(size_changed(len, actual));
                        }
                        self.current = Current::Between;
                        continue;
                    }
                    let want = buf
                        .len()
                        .min(usize::try_from(*remaining).unwrap_or(usize::MAX));
                    let n = if peer_stopped_reading() {
                        // The server answered and closed: these bytes are dropped unsent, so
                        // don't read the rest of a possibly huge file for them.
                        want
                    } else {
                        match read_retrying(file, &mut buf[..want])? {
                            0 => return Err(size_changed(len, len - *remaining)),
                            n => n,
                        }
                    };
                    *remaining -= n as u64;
                    return Ok(n);
                }
            }
        }
    }
}

fn read_retrying(file: &mut File, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match file.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}
