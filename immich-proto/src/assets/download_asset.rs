//! `GET /assets/{id}/original`: `downloadAsset`. Permission `asset.download`.
//!
//! Added in v1 (beta), stable since v2. Streams the original file; honours `Range`. `edited`
//! (return the edited version if there is one) is sent only when set: servers before v2.5 do
//! not know it.
//!
//! # Resuming and verifying a download (what a transport does)
//!
//! The core decides; the transport moves bytes and hashes them:
//!
//! 1. Write to a temporary file. If one is left from an interrupted attempt with `n` bytes,
//!    ask for the rest: [`DownloadAsset::resume_from`]`(n)` (the `Range: bytes=n-` header,
//!    see [`resume_range`]), and feed those `n` bytes to a
//!    [`Sha1Checksum`] first when verifying.
//! 2. Read the head with [`media_head`](crate::media_head), then ask [`resume_action`]:
//!    - `206 Partial Content` whose `Content-Range` starts at `n`: [`ResumeAction::Append`];
//!    - `200 OK` (the server ignored the range): [`ResumeAction::StartOver`]: truncate the
//!      file and the hash, and write the body from byte 0;
//!    - a `206` starting anywhere else is an error: appending it would corrupt the file.
//!
//!    (Asking for `n` = the whole size gets `416 Range Not Satisfiable`: the earlier attempt
//!    was complete; verify it as it is.)
//! 3. At the end, [`verify_checksum`] with the asset's `checksum` (base64 SHA-1, from
//!    [`GetAssetInfo`](crate::assets::GetAssetInfo)). On [`Error::ChecksumMismatch`] delete the
//!    temporary file; on success rename it to its final name.
//!
//! [`ResumableDownload`] holds all of that in one value, so a transport's `download_original`
//! is a loop that moves bytes: the partial file's name ([`resumable_partial_path`], the same on
//! every attempt so a later call finds what an interrupted one left), the request, the decision
//! on the answer's head, the hash of the old and new bytes, and the final check.
//!
//! # What makes resuming safe
//!
//! - **Only the file we made.** The partial file has a predictable name, so someone else may
//!   have put something there first: a symbolic link that would send our writes elsewhere, a
//!   hard link to another file, a file of their own. The transport opens it without following
//!   links and hands what it found ([`PartialFacts`], from the opened file) to
//!   [`ResumableDownload::from_partial`], which refuses anything but a regular file with a
//!   single link, and resumes only a file whose identity (device and inode) matches the
//!   [`ResumeRecord`] written beside it ([`resume_record_path`]) when the file was made.
//!   Anything else is replaced, never written through.
//! - **Only the same original.** The record also holds the validator of the answer whose bytes
//!   the partial file holds (a strong `ETag`, else `Last-Modified`), and the resumed request
//!   carries it as `If-Range`: a server whose original changed since then answers `200` with
//!   the whole new file ([`ResumeAction::StartOver`]) instead of splicing its new bytes onto
//!   the old prefix. Without a validator there is no resuming: the download starts over.

use std::path::{Path, PathBuf};

use bytes::Bytes;
use http::header::{HeaderValue, IF_RANGE};
use http::{Request, StatusCode};

use crate::assets::view_asset::media_get;
use crate::checksum::{Sha1Checksum, Sha1Digest};
use crate::endpoint::query_string;
use crate::media::partial_path;
use crate::{AssetId, ByteRange, Error, MediaEndpoint, MediaHead, Server};

/// Downloads the original file of an asset, whole or from an offset.
///
/// ```
/// # use immich_proto::{assets::DownloadAsset, AssetId, MediaEndpoint, Server};
/// let server = Server::new("http://localhost:2283")?;
/// let id = AssetId::parse("7f3c0a52-1b2d-4c3e-9f00-0123456789ab")?;
/// let request = DownloadAsset::new(id).resume_from(4096).request(&server)?;
/// assert_eq!(
///     request.uri(),
///     "http://localhost:2283/api/assets/7f3c0a52-1b2d-4c3e-9f00-0123456789ab/original"
/// );
/// assert_eq!(request.headers()["range"], "bytes=4096-");
/// # Ok::<(), immich_proto::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DownloadAsset {
    /// The asset.
    pub id: AssetId,
    /// Return the edited version if there is one (v2.5+); the server's default is `false`.
    pub edited: Option<bool>,
    /// The bytes to ask for; `None` for the whole file.
    pub range: Option<ByteRange>,
    /// Sent as `If-Range` with a `range`: the `ETag` (or `Last-Modified`) of the answer the
    /// bytes before the range came from, so a changed original comes whole (`200`) instead of
    /// as a piece of something else.
    pub if_range: Option<String>,
}

impl DownloadAsset {
    /// The whole original of asset `id`.
    pub fn new(id: AssetId) -> Self {
        DownloadAsset {
            id,
            edited: None,
            range: None,
            if_range: None,
        }
    }

    /// Asks for the edited (`true`) or unedited (`false`) version.
    pub fn edited(mut self, edited: bool) -> Self {
        self.edited = Some(edited);
        self
    }

    /// Asks for part of the file.
    pub fn range(mut self, range: ByteRange) -> Self {
        self.range = Some(range);
        self
    }

    /// Asks for everything after the first `bytes_already_written` bytes (no `Range` for 0).
    pub fn resume_from(mut self, bytes_already_written: u64) -> Self {
        self.range = resume_range(bytes_already_written);
        self
    }

    /// Sends `validator` (an `ETag` or an HTTP date) as `If-Range` along with the range.
    pub fn if_range(mut self, validator: impl Into<String>) -> Self {
        self.if_range = Some(validator.into());
        self
    }
}

impl MediaEndpoint for DownloadAsset {
    const OPERATION_ID: &'static str = "downloadAsset";
    const PERMISSION: Option<&'static str> = Some("asset.download");

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        let path = self.id.path(server, "/assets", "/original")?;
        let query = query_string([("edited", self.edited.map(|e| e.to_string()))]);
        let mut request = media_get(server, &path, Some(&query))?;
        ByteRange::apply(self.range.as_ref(), &mut request);
        // `If-Range` means nothing without a `Range` (RFC 9110 13.1.5).
        if let (Some(_), Some(validator)) = (&self.range, &self.if_range) {
            let value = HeaderValue::from_str(validator)
                .map_err(|_| Error::invalid_input("If-Range validator", "not a header value"))?;
            request.headers_mut().insert(IF_RANGE, value);
        }
        Ok(request)
    }
}

/// The range that resumes a download after `bytes_already_written` bytes: `bytes=n-`, or
/// `None` (ask for the whole file) when nothing was written yet.
pub fn resume_range(bytes_already_written: u64) -> Option<ByteRange> {
    (bytes_already_written > 0).then(|| ByteRange::from(bytes_already_written))
}

/// What to do with the body of an answer to a resumed download.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResumeAction {
    /// Keep the bytes already written and append the body.
    Append,
    /// The body is the whole file: discard what was written (and its hash) and start over.
    StartOver,
}

/// Decides how to use a download answer when `bytes_already_written` bytes are on disk (see
/// the [module documentation](self)). `head` is what [`media_head`](crate::media_head) read.
pub fn resume_action(bytes_already_written: u64, head: &MediaHead) -> Result<ResumeAction, Error> {
    if head.status != StatusCode::PARTIAL_CONTENT {
        return Ok(ResumeAction::StartOver);
    }
    match head.content_range {
        Some(range) if range.start == bytes_already_written => Ok(ResumeAction::Append),
        Some(range) => Err(Error::invalid_input(
            "206 answer from the server",
            format!(
                "it starts at byte {} but the download resumes at byte {bytes_already_written}",
                range.start
            ),
        )),
        None => Err(Error::invalid_input(
            "206 answer from the server",
            "it has no Content-Range",
        )),
    }
}

/// Checks a finished download against the asset's `checksum` (the base64 SHA-1 in the asset
/// model; 40 hex digits are accepted too). A mismatch is [`Error::ChecksumMismatch`]: the file
/// must not be kept under its final name.
///
/// ```
/// # use immich_proto::{assets::verify_checksum, checksum::Sha1Checksum, Error};
/// let digest = Sha1Checksum::digest(b"abc");
/// assert!(verify_checksum("qZk+NkcGgWq6PiVxeFDCbJzQ2J0=", digest).is_ok());
/// assert!(matches!(
///     verify_checksum("2jmj7l5rSw0yVb/vlWAYkK/YBwk=", digest),
///     Err(Error::ChecksumMismatch { .. })
/// ));
/// ```
pub fn verify_checksum(expected_base64: &str, digest: Sha1Digest) -> Result<(), Error> {
    let expected = Sha1Digest::parse(expected_base64).ok_or_else(|| {
        Error::invalid_input(
            "expected checksum",
            format!(
                "{:?} is not a SHA-1 in base64 or hex",
                expected_base64.chars().take(64).collect::<String>()
            ),
        )
    })?;
    if expected == digest {
        Ok(())
    } else {
        Err(Error::ChecksumMismatch {
            expected: expected.to_base64(),
            actual: digest.to_base64(),
        })
    }
}

/// Where a resumable download of `asset` into `target` keeps its bytes until they are complete
/// (and verified): [`partial_path`] with a tag derived from the asset id, so every attempt for
/// the same asset and target uses the same file, and different assets never share one.
///
/// ```
/// # use immich_proto::{assets::resumable_partial_path, AssetId};
/// # use std::path::Path;
/// let id = AssetId::parse("7f3c0a52-1b2d-4c3e-9f00-0123456789ab")?;
/// let partial = resumable_partial_path(Path::new("/photos/IMG_1.jpg"), &id)?;
/// assert_eq!(partial, resumable_partial_path(Path::new("/photos/IMG_1.jpg"), &id)?);
/// assert!(partial.starts_with("/photos") && partial.extension().unwrap() == "part");
/// # Ok::<(), immich_proto::Error>(())
/// ```
pub fn resumable_partial_path(target: &Path, asset: &AssetId) -> Result<PathBuf, Error> {
    // FNV-1a: stable across runs and platforms (std's hashers are not), and enough to keep
    // the partial files of different assets apart.
    let tag = asset
        .as_str()
        .to_ascii_lowercase()
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
        });
    partial_path(target, tag)
}

/// Where the [`ResumeRecord`] of a resumable download's partial file lives: beside it, with
/// the same name ending in `.resume` instead of `.part`.
pub fn resume_record_path(target: &Path, asset: &AssetId) -> Result<PathBuf, Error> {
    Ok(resumable_partial_path(target, asset)?.with_extension("resume"))
}

/// Which file a path named when it was looked at: device and inode on unix. Two different
/// files never share one while both exist, so a partial file with the identity recorded when
/// we made it is that file, not one put in its place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileIdentity {
    /// The device (`st_dev`).
    pub device: u64,
    /// The inode on that device (`st_ino`).
    pub inode: u64,
}

/// What a transport found at the partial path, from the metadata of the file it opened without
/// following links (or, when that open failed, from `symlink_metadata`): never from a lookup
/// that follows links.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PartialFacts {
    /// A regular file (not a link, directory, device or pipe).
    pub is_file: bool,
    /// A symbolic link.
    pub is_symlink: bool,
    /// Its hard-link count (1 where the platform does not say).
    pub links: u64,
    /// Its size in bytes.
    pub len: u64,
    /// Its identity, where the platform has one (unix).
    pub identity: Option<FileIdentity>,
}

impl PartialFacts {
    /// The facts in `meta`: the metadata of the file opened without following links
    /// (`File::metadata`), or `symlink_metadata` of the path; never `fs::metadata`, which
    /// would describe a link's target.
    pub fn from_metadata(meta: &std::fs::Metadata) -> Self {
        #[cfg(unix)]
        let (links, identity) = {
            use std::os::unix::fs::MetadataExt;
            let identity = FileIdentity {
                device: meta.dev(),
                inode: meta.ino(),
            };
            (meta.nlink(), Some(identity))
        };
        // Elsewhere there is no portable link count or identity: a single file is assumed,
        // and records carry no identity (`None` matches `None`).
        #[cfg(not(unix))]
        let (links, identity) = (1, None);
        let kind = meta.file_type();
        PartialFacts::new(
            kind.is_file(),
            kind.is_symlink(),
            links,
            meta.len(),
            identity,
        )
    }

    /// The facts of a file (or link) with this type, link count, size and identity.
    pub fn new(
        is_file: bool,
        is_symlink: bool,
        links: u64,
        len: u64,
        identity: Option<FileIdentity>,
    ) -> Self {
        PartialFacts {
            is_file,
            is_symlink,
            links,
            len,
            identity,
        }
    }
}

/// What a resumable download keeps beside its partial file ([`resume_record_path`]): the
/// validator of the answer whose bytes the file holds (sent back as `If-Range`) and the file's
/// identity when it was made. Written by the transport as [`to_bytes`](Self::to_bytes) says,
/// read back with [`parse`](Self::parse); the core decides both.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResumeRecord {
    /// The strong `ETag`, or else the `Last-Modified` date, of the answer.
    pub validator: String,
    /// The partial file's identity (`None` on platforms without one).
    pub file: Option<FileIdentity>,
}

impl ResumeRecord {
    /// The most bytes a record has: a transport reads no more than this.
    pub const MAX_LEN: u64 = 4096;
    const MAGIC: &'static str = "immich-rs resume 1";

    /// A record of `validator` for the file with identity `file`.
    pub fn new(validator: impl Into<String>, file: Option<FileIdentity>) -> Self {
        ResumeRecord {
            validator: validator.into(),
            file,
        }
    }

    /// The record as the transport writes it: three lines of text.
    pub fn to_bytes(&self) -> Vec<u8> {
        let file = match self.file {
            Some(id) => format!("{} {}", id.device, id.inode),
            None => "-".to_owned(),
        };
        format!(
            "{}\nvalidator {}\nfile {file}\n",
            Self::MAGIC,
            self.validator
        )
        .into_bytes()
    }

    /// Reads a record back; `None` for anything that is not one (a foreign or damaged file
    /// means the partial file cannot be trusted, never an error).
    pub fn parse(bytes: &[u8]) -> Option<Self> {
        if bytes.len() as u64 > Self::MAX_LEN {
            return None;
        }
        let text = std::str::from_utf8(bytes).ok()?;
        let mut lines = text.strip_suffix('\n')?.split('\n');
        if lines.next()? != Self::MAGIC {
            return None;
        }
        let validator = lines.next()?.strip_prefix("validator ")?;
        // Only what a header value can hold, and never empty.
        if validator.is_empty() || HeaderValue::from_str(validator).is_err() {
            return None;
        }
        let file = match lines.next()?.strip_prefix("file ")? {
            "-" => None,
            pair => {
                let (device, inode) = pair.split_once(' ')?;
                Some(FileIdentity {
                    device: device.parse().ok()?,
                    inode: inode.parse().ok()?,
                })
            }
        };
        if lines.next().is_some() {
            return None;
        }
        Some(ResumeRecord::new(validator, file))
    }
}

/// The validator that lets a later attempt resume after the bytes of this answer: a strong
/// `ETag` (`If-Range` needs a strong comparison, RFC 9110 13.1.5, so a weak one cannot serve),
/// else `Last-Modified`.
fn validator_of(head: &MediaHead) -> Option<String> {
    head.etag
        .as_deref()
        .filter(|etag| !etag.starts_with("W/") && etag.starts_with('"'))
        .or(head.last_modified.as_deref())
        .map(str::to_owned)
}

/// What a finished [`ResumableDownload`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct DownloadReport {
    /// The size of the finished file.
    pub bytes: u64,
    /// How many bytes an earlier, interrupted attempt had left and this one kept (0 when it
    /// started from the beginning, also when the server ignored the `Range`).
    pub resumed_from: u64,
    /// Whether the file was checked against the asset's SHA-1 (and matched: a mismatch is an
    /// error, never a report).
    pub verified: bool,
}

/// What the transport should do when [`ResumableDownload::on_error`] has looked at a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResumeFailure {
    /// The server says there is nothing after the bytes on disk (`416`): the earlier attempt
    /// got everything; call [`ResumableDownload::finish`].
    AlreadyComplete,
    /// A real failure: return it, and keep the partial file for the next attempt.
    Keep,
}

/// A download of an asset's original that continues what an interrupted attempt left and can
/// check the result against the asset's SHA-1: the whole decision, without I/O.
///
/// A transport:
/// 1. looks up [`resumable_partial_path`] and how many bytes it holds (0 if none), and makes
///    `ResumableDownload::new(id, bytes_on_disk)`; to verify, adds the asset's `checksum` with
///    [`verify_against`](Self::verify_against) and feeds the bytes already on disk to
///    [`absorb_existing`](Self::absorb_existing);
/// 2. sends [`endpoint`](Self::endpoint) (a `Range` from the bytes on disk), hands the answer's
///    head to [`on_head`](Self::on_head) and appends to the file, or truncates it first, as
///    it says; a failed request goes to [`on_error`](Self::on_error);
/// 3. writes each chunk of the body and passes it to [`on_chunk`](Self::on_chunk);
/// 4. calls [`finish`](Self::finish): on [`Error::ChecksumMismatch`] it deletes the partial
///    file (it is damaged), on success it renames it to the target.
///
/// ```
/// # use immich_proto::assets::{ResumableDownload, ResumeAction};
/// # use immich_proto::{checksum::Sha1Checksum, media_head, AssetId, MediaOutcome};
/// let id = AssetId::parse("7f3c0a52-1b2d-4c3e-9f00-0123456789ab")?;
/// let checksum = Sha1Checksum::digest(b"hello world").to_base64();
/// // An earlier attempt wrote "hello"; the server answers the rest with 206.
/// let mut download = ResumableDownload::new(id, 5).verify_against(&checksum)?;
/// download.absorb_existing(b"hello");
/// assert_eq!(download.endpoint().range.map(|r| r.start), Some(5));
/// let head = http::Response::builder()
///     .status(206)
///     .header("content-range", "bytes 5-10/11")
///     .body(())
///     .unwrap()
///     .into_parts()
///     .0;
/// let MediaOutcome::Stream(head) = media_head("downloadAsset", &head)? else { unreachable!() };
/// assert_eq!(download.on_head(&head)?, ResumeAction::Append);
/// download.on_chunk(b" world");
/// let report = download.finish()?;
/// assert_eq!((report.bytes, report.resumed_from, report.verified), (11, 5, true));
/// # Ok::<(), immich_proto::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ResumableDownload {
    id: AssetId,
    on_disk: u64,
    /// The validator the bytes on disk came with, sent as `If-Range`.
    if_range: Option<String>,
    /// The validator of the bytes being written now (the answer's, or the kept one).
    validator: Option<String>,
    resumed_from: u64,
    written: u64,
    expected: Option<Sha1Digest>,
    hasher: Sha1Checksum,
}

impl ResumableDownload {
    /// Downloads asset `id`; `bytes_on_disk` is what an earlier attempt left in the partial
    /// file (0 when there is none).
    pub fn new(id: AssetId, bytes_on_disk: u64) -> Self {
        ResumableDownload {
            id,
            on_disk: bytes_on_disk,
            if_range: None,
            validator: None,
            resumed_from: 0,
            written: bytes_on_disk,
            expected: None,
            hasher: Sha1Checksum::new(),
        }
    }

    /// Downloads asset `id` into the partial file described by `found` (`None`: there is none),
    /// with the [`ResumeRecord`] bytes read from [`resume_record_path`] (`None`: none there).
    ///
    /// - Anything but a regular file with one link (a symbolic link, a hard link to some other
    ///   file, a directory, a pipe) is refused with [`Error::InvalidInput`]: writing through it
    ///   would change a file that is not ours. The transport touches nothing.
    /// - A regular file whose identity matches the record, which names a validator, is resumed
    ///   with `Range` and `If-Range` ([`resumes`](Self::resumes) is `true`).
    /// - Any other file is not provably the one we made, or cannot be resumed safely: the
    ///   transport removes the name (never writing to that file) and starts a new one.
    pub fn from_partial(
        id: AssetId,
        found: Option<&PartialFacts>,
        record: Option<&[u8]>,
    ) -> Result<Self, Error> {
        let Some(found) = found else {
            return Ok(ResumableDownload::new(id, 0));
        };
        let refuse = |reason: &str| {
            Err(Error::invalid_input(
                "partial download file",
                format!("{reason}: refusing to write through it (remove it to download again)"),
            ))
        };
        if found.is_symlink {
            return refuse("it is a symbolic link, not a file this client made");
        }
        if !found.is_file {
            return refuse("it is not a regular file");
        }
        if found.links != 1 {
            return refuse("it has other hard links, so it is not a file this client made");
        }
        let record = record.and_then(ResumeRecord::parse);
        match record {
            Some(record) if record.file == found.identity && found.len > 0 => {
                let mut download = ResumableDownload::new(id, found.len);
                download.if_range = Some(record.validator.clone());
                download.validator = Some(record.validator);
                Ok(download)
            }
            _ => Ok(ResumableDownload::new(id, 0)),
        }
    }

    /// Whether the partial file found by [`from_partial`](Self::from_partial) is kept and
    /// appended to; when `false`, a file found there must be removed (unlinked, not written)
    /// and a new one created in its place.
    pub fn resumes(&self) -> bool {
        self.on_disk > 0
    }

    /// The record to write beside the partial file before its first new byte, for the file
    /// with identity `file`: `None` when the answer had no usable validator, and then any old
    /// record must be removed (the next attempt starts over).
    pub fn record(&self, file: Option<FileIdentity>) -> Option<ResumeRecord> {
        self.validator
            .as_ref()
            .map(|validator| ResumeRecord::new(validator.clone(), file))
    }

    /// Checks the finished file against `checksum`, the asset's base64 SHA-1 (hex accepted).
    pub fn verify_against(mut self, checksum: &str) -> Result<Self, Error> {
        let expected = Sha1Digest::parse(checksum.trim()).ok_or_else(|| {
            Error::invalid_input(
                "asset checksum",
                format!(
                    "{:?} is not a SHA-1 in base64 or hex",
                    checksum.chars().take(64).collect::<String>()
                ),
            )
        })?;
        self.expected = Some(expected);
        Ok(self)
    }

    /// Whether the bytes already on disk must be fed to
    /// [`absorb_existing`](Self::absorb_existing) (only when verifying, and there are some).
    pub fn needs_existing_bytes(&self) -> bool {
        self.expected.is_some() && self.on_disk > 0
    }

    /// Feeds the next chunk of the bytes already on disk, in order, to the hash.
    pub fn absorb_existing(&mut self, chunk: &[u8]) {
        if self.expected.is_some() {
            self.hasher.update(chunk);
        }
    }

    /// The request: the whole original, or a `Range` from the bytes on disk (with `If-Range`
    /// when their validator is known).
    pub fn endpoint(&self) -> DownloadAsset {
        let endpoint = DownloadAsset::new(self.id.clone()).resume_from(self.on_disk);
        match &self.if_range {
            Some(validator) => endpoint.if_range(validator.clone()),
            None => endpoint,
        }
    }

    /// Decides, from the answer's head, whether to append the body to the bytes on disk or to
    /// truncate the file and start over (see [`resume_action`]). A server that ignored the
    /// range sends everything again: the old bytes and their hash are dropped.
    pub fn on_head(&mut self, head: &MediaHead) -> Result<ResumeAction, Error> {
        let action = resume_action(self.on_disk, head)?;
        match action {
            ResumeAction::Append => {
                // A server that ignored `If-Range` but honoured `Range` would splice; its
                // answer's own ETag, if any, gives it away.
                let sent_etag = self.if_range.as_deref().filter(|v| v.starts_with('"'));
                if let (Some(sent), Some(got)) = (sent_etag, head.etag.as_deref()) {
                    if sent != got {
                        return Err(Error::invalid_input(
                            "206 answer from the server",
                            "the original changed since the first attempt (another ETag), yet the \
                             server sent only the rest",
                        ));
                    }
                }
                self.resumed_from = self.on_disk;
            }
            ResumeAction::StartOver => {
                self.resumed_from = 0;
                self.written = 0;
                self.hasher = Sha1Checksum::new();
                self.validator = validator_of(head);
            }
        }
        Ok(action)
    }

    /// What a failed request means for the download: a `416 Range Not Satisfiable` after a
    /// partial attempt says the bytes on disk are already the whole file.
    pub fn on_error(&mut self, error: &Error) -> ResumeFailure {
        let unsatisfiable = error
            .api()
            .is_some_and(|api| api.status == StatusCode::RANGE_NOT_SATISFIABLE);
        if unsatisfiable && self.on_disk > 0 {
            self.resumed_from = self.on_disk;
            ResumeFailure::AlreadyComplete
        } else {
            ResumeFailure::Keep
        }
    }

    /// Counts (and hashes, when verifying) the next chunk of the body just written.
    pub fn on_chunk(&mut self, chunk: &[u8]) {
        self.written += chunk.len() as u64;
        if self.expected.is_some() {
            self.hasher.update(chunk);
        }
    }

    /// The download is complete: checks the hash when verifying. [`Error::ChecksumMismatch`]
    /// (also when the bytes on disk were not all fed to the hash) means the partial file must
    /// be deleted and nothing kept under the final name.
    pub fn finish(self) -> Result<DownloadReport, Error> {
        let verified = match self.expected {
            Some(expected) => {
                let hashed = self.hasher.bytes_hashed();
                let digest = self.hasher.finish();
                if hashed != self.written || digest != expected {
                    return Err(Error::ChecksumMismatch {
                        expected: expected.to_base64(),
                        actual: digest.to_base64(),
                    });
                }
                true
            }
            None => false,
        };
        Ok(DownloadReport {
            bytes: self.written,
            resumed_from: self.resumed_from,
            verified,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{media_head, MediaOutcome};

    fn id() -> AssetId {
        AssetId::parse("7f3c0a52-1b2d-4c3e-9f00-0123456789ab").expect("a valid id")
    }

    const HERE: FileIdentity = FileIdentity {
        device: 7,
        inode: 42,
    };

    fn file(len: u64, links: u64) -> PartialFacts {
        PartialFacts::new(true, false, links, len, Some(HERE))
    }

    fn head(status: u16, headers: &[(&str, &str)]) -> MediaHead {
        let mut builder = http::Response::builder().status(status);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let parts = builder.body(()).expect("a valid head").into_parts().0;
        match media_head("downloadAsset", &parts) {
            Ok(MediaOutcome::Stream(head)) => head,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn links_and_foreign_files_are_never_written_through() {
        let link = PartialFacts::new(false, true, 1, 8, Some(HERE));
        let dir = PartialFacts::new(false, false, 1, 0, Some(HERE));
        for refused in [link, dir, file(8, 2)] {
            let result = ResumableDownload::from_partial(id(), Some(&refused), None);
            assert!(
                matches!(result, Err(Error::InvalidInput { .. })),
                "{refused:?}"
            );
        }
        // A file without a record, or with another file's record, is not ours: start over.
        let other = ResumeRecord::new("\"e\"", Some(FileIdentity { inode: 43, ..HERE }));
        for record in [None, Some(other.to_bytes()), Some(b"junk".to_vec())] {
            let download =
                ResumableDownload::from_partial(id(), Some(&file(8, 1)), record.as_deref())
                    .expect("replaced, not refused");
            assert!(!download.resumes());
            assert_eq!(download.endpoint().range, None);
        }
    }

    #[test]
    fn our_file_resumes_with_if_range_and_a_changed_original_starts_over() {
        let record = ResumeRecord::new("\"old\"", Some(HERE));
        assert_eq!(
            ResumeRecord::parse(&record.to_bytes()),
            Some(record.clone())
        );
        let mut download =
            ResumableDownload::from_partial(id(), Some(&file(5, 1)), Some(&record.to_bytes()))
                .expect("ours");
        assert!(download.resumes());
        let server = Server::new("http://h").expect("a valid URL");
        let request = download.endpoint().request(&server).expect("a request");
        assert_eq!(request.headers()["range"], "bytes=5-");
        assert_eq!(request.headers()["if-range"], "\"old\"");
        // The original changed: the server sends it whole, with its new ETag, to remember.
        let whole = head(200, &[("etag", "\"new\"")]);
        assert_eq!(
            download.on_head(&whole).expect("a decision"),
            ResumeAction::StartOver
        );
        assert_eq!(
            download.record(Some(HERE)),
            Some(ResumeRecord::new("\"new\"", Some(HERE)))
        );
        // A server that ignores If-Range yet sends the rest of another ETag is caught.
        let mut download =
            ResumableDownload::from_partial(id(), Some(&file(5, 1)), Some(&record.to_bytes()))
                .expect("ours");
        let spliced = head(
            206,
            &[("etag", "\"new\""), ("content-range", "bytes 5-9/10")],
        );
        assert!(download.on_head(&spliced).is_err());
    }

    #[test]
    fn a_weak_etag_cannot_validate_a_range_but_last_modified_can() {
        let date = "Wed, 21 Oct 2015 07:28:00 GMT";
        let mut download = ResumableDownload::new(id(), 0);
        let answer = head(200, &[("etag", "W/\"weak\""), ("last-modified", date)]);
        download.on_head(&answer).expect("a decision");
        assert_eq!(
            download.record(None).map(|r| r.validator),
            Some(date.to_owned())
        );
        let mut download = ResumableDownload::new(id(), 0);
        download.on_head(&head(200, &[])).expect("a decision");
        assert_eq!(download.record(None), None, "nothing to resume safely with");
    }
}
