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
//!    [`Sha1Checksum`](crate::checksum::Sha1Checksum) first when verifying.
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

use bytes::Bytes;
use http::{Request, StatusCode};

use crate::assets::view_asset::media_get;
use crate::checksum::Sha1Digest;
use crate::endpoint::query_string;
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
