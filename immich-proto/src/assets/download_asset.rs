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

use std::path::{Path, PathBuf};

use bytes::Bytes;
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
}

impl DownloadAsset {
    /// The whole original of asset `id`.
    pub fn new(id: AssetId) -> Self {
        DownloadAsset {
            id,
            edited: None,
            range: None,
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
}

impl MediaEndpoint for DownloadAsset {
    const OPERATION_ID: &'static str = "downloadAsset";
    const PERMISSION: Option<&'static str> = Some("asset.download");

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        let path = self.id.path(server, "/assets", "/original")?;
        let query = query_string([("edited", self.edited.map(|e| e.to_string()))]);
        let mut request = media_get(server, &path, Some(&query))?;
        ByteRange::apply(self.range.as_ref(), &mut request);
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
            resumed_from: 0,
            written: bytes_on_disk,
            expected: None,
            hasher: Sha1Checksum::new(),
        }
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

    /// The request: the whole original, or a `Range` from the bytes on disk.
    pub fn endpoint(&self) -> DownloadAsset {
        DownloadAsset::new(self.id.clone()).resume_from(self.on_disk)
    }

    /// Decides, from the answer's head, whether to append the body to the bytes on disk or to
    /// truncate the file and start over (see [`resume_action`]). A server that ignored the
    /// range sends everything again: the old bytes and their hash are dropped.
    pub fn on_head(&mut self, head: &MediaHead) -> Result<ResumeAction, Error> {
        let action = resume_action(self.on_disk, head)?;
        match action {
            ResumeAction::Append => self.resumed_from = self.on_disk,
            ResumeAction::StartOver => {
                self.resumed_from = 0;
                self.written = 0;
                self.hasher = Sha1Checksum::new();
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
