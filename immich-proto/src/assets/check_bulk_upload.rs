//! `POST /assets/bulk-upload-check`: `checkBulkUpload`. Permission `asset.upload`.
//!
//! Added in v1 (beta), stable since v2; same body and answer from v1.118 to v3 (`isTrashed` in
//! the answer is newer and optional). An uploader hashes its files (SHA-1), asks which ones the
//! server already has, and uploads only the rest.

use std::collections::HashSet;

use bytes::Bytes;
use http::{response, Method, Request, Response};
use serde::{Deserialize, Serialize};

use crate::checksum::Sha1Digest;
use crate::endpoint::{decode_json, json_request, parse_response, Flow, Step};
use crate::{AssetId, Endpoint, Error, Server};

/// The most files one check may carry. The server sets no documented limit; this keeps each
/// request (about 90 bytes per file) well under proxies' body limits and each answer small.
pub const MAX_BULK_CHECK_BATCH: usize = 5000;

/// One file to check: an id the caller chooses (a path, an index: anything unique within the
/// request, echoed back in the answer) and the file's SHA-1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkUploadCheckItem {
    /// The caller's id for this file.
    pub id: String,
    /// The file's SHA-1.
    pub checksum: Sha1Digest,
}

impl BulkUploadCheckItem {
    /// A file `id` with the digest `checksum`.
    pub fn new(id: impl Into<String>, checksum: Sha1Digest) -> Self {
        BulkUploadCheckItem {
            id: id.into(),
            checksum,
        }
    }

    /// A file `id` with a checksum written as 40 hex digits or base64.
    pub fn parse(id: impl Into<String>, checksum: &str) -> Result<Self, Error> {
        let checksum = Sha1Digest::parse(checksum).ok_or_else(|| {
            Error::invalid_input("checksum", "expected a SHA-1 as 40 hex digits or base64")
        })?;
        Ok(Self::new(id, checksum))
    }
}

/// Asks which files the server already has (`AssetBulkUploadCheckDto`).
///
/// Checksums travel as lowercase hex, as the Immich CLI sends them. Build one request per batch
/// with [`batches`](Self::batches) when there are many files.
///
/// ```
/// # use immich_proto::assets::{BulkUploadCheckItem, CheckBulkUpload};
/// # use immich_proto::{checksum::Sha1Checksum, Endpoint, Server};
/// let server = Server::new("http://localhost:2283")?;
/// let item = BulkUploadCheckItem::new("IMG_1.jpg", Sha1Checksum::digest(b"abc"));
/// let request = CheckBulkUpload::new(vec![item]).request(&server)?;
/// assert_eq!(
///     request.body().as_ref(),
///     br#"{"assets":[{"id":"IMG_1.jpg","checksum":"a9993e364706816aba3e25717850c26c9cd0d89d"}]}"#
/// );
/// # Ok::<(), immich_proto::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckBulkUpload {
    items: Vec<BulkUploadCheckItem>,
}

impl CheckBulkUpload {
    /// Checks `items` in one request (1 to [`MAX_BULK_CHECK_BATCH`] files with distinct ids;
    /// checked when the request is built).
    pub fn new(items: Vec<BulkUploadCheckItem>) -> Self {
        CheckBulkUpload { items }
    }

    /// Splits `items` into requests of at most `batch_size` files each, in order. No items give
    /// no requests; a `batch_size` of 0 or above [`MAX_BULK_CHECK_BATCH`] is refused.
    pub fn batches(
        items: Vec<BulkUploadCheckItem>,
        batch_size: usize,
    ) -> Result<Vec<CheckBulkUpload>, Error> {
        if batch_size == 0 || batch_size > MAX_BULK_CHECK_BATCH {
            return Err(Error::invalid_input(
                "batch size",
                format!("must be 1 to {MAX_BULK_CHECK_BATCH}, got {batch_size}"),
            ));
        }
        let mut batches = Vec::with_capacity(items.len().div_ceil(batch_size));
        let mut items = items.into_iter().peekable();
        while items.peek().is_some() {
            batches.push(CheckBulkUpload::new(
                items.by_ref().take(batch_size).collect(),
            ));
        }
        Ok(batches)
    }

    /// The files this request checks.
    pub fn items(&self) -> &[BulkUploadCheckItem] {
        &self.items
    }

    fn check(&self) -> Result<(), Error> {
        if self.items.is_empty() {
            return Err(Error::invalid_input(
                "bulk upload check",
                "no files to check",
            ));
        }
        if self.items.len() > MAX_BULK_CHECK_BATCH {
            return Err(Error::invalid_input(
                "bulk upload check",
                format!(
                    "{} files in one request; split them with CheckBulkUpload::batches (at most {MAX_BULK_CHECK_BATCH})",
                    self.items.len()
                ),
            ));
        }
        let mut seen = HashSet::with_capacity(self.items.len());
        for item in &self.items {
            if item.id.is_empty() {
                return Err(Error::invalid_input(
                    "bulk upload check",
                    "a file id is empty",
                ));
            }
            // The answer is matched to files by id: a repeated id would make it ambiguous.
            if !seen.insert(item.id.as_str()) {
                let id: String = item.id.chars().take(64).collect();
                return Err(Error::invalid_input(
                    "bulk upload check",
                    format!("the file id {id:?} appears twice"),
                ));
            }
        }
        Ok(())
    }
}

#[derive(Serialize)]
struct WireItem<'a> {
    id: &'a str,
    checksum: String,
}

#[derive(Serialize)]
struct WireBody<'a> {
    assets: Vec<WireItem<'a>>,
}

impl Endpoint for CheckBulkUpload {
    type Output = Vec<BulkUploadCheckResult>;
    const OPERATION_ID: &'static str = "checkBulkUpload";
    const PERMISSION: Option<&'static str> = Some("asset.upload");

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        self.check()?;
        let body = WireBody {
            assets: self
                .items
                .iter()
                .map(|item| WireItem {
                    id: &item.id,
                    checksum: item.checksum.to_hex(),
                })
                .collect(),
        };
        json_request(
            server,
            Method::POST,
            "/assets/bulk-upload-check",
            None,
            &body,
        )
    }

    fn parse(
        &self,
        _head: &response::Parts,
        body: Bytes,
    ) -> Result<Vec<BulkUploadCheckResult>, Error> {
        #[derive(Deserialize)]
        struct Wire {
            results: Vec<BulkUploadCheckResult>,
        }
        decode_json::<Wire>(Self::OPERATION_ID, &body).map(|w| w.results)
    }
}

/// Checks any number of files: one [`CheckBulkUpload`] request per batch of at most
/// `batch_size` files (default [`MAX_BULK_CHECK_BATCH`]), in order, the answers concatenated.
/// No files send no request. A transport runs it like any [`Flow`].
///
/// ```
/// # use immich_proto::assets::{BulkUploadCheckItem, CheckBulkUploadBatches};
/// # use immich_proto::{checksum::Sha1Checksum, Flow, Server, Step};
/// let server = Server::new("http://localhost:2283")?;
/// let items = (0..3)
///     .map(|i| BulkUploadCheckItem::new(format!("IMG_{i}.jpg"), Sha1Checksum::digest(&[i])))
///     .collect();
/// let mut flow = CheckBulkUploadBatches::new(items).batch_size(2)?;
/// let Step::Send(first) = flow.step(&server, None)? else { unreachable!() };
/// assert!(first.body().starts_with(br#"{"assets":[{"id":"IMG_0.jpg""#));
/// # Ok::<(), immich_proto::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct CheckBulkUploadBatches {
    items: Vec<BulkUploadCheckItem>,
    batch_size: usize,
    /// Built on the first step; the batch whose answer is awaited is the first one left.
    pending: Option<std::collections::VecDeque<CheckBulkUpload>>,
    results: Vec<BulkUploadCheckResult>,
}

impl CheckBulkUploadBatches {
    /// Checks `items` (ids must be distinct within each batch; checked per request).
    pub fn new(items: Vec<BulkUploadCheckItem>) -> Self {
        CheckBulkUploadBatches {
            items,
            batch_size: MAX_BULK_CHECK_BATCH,
            pending: None,
            results: Vec::new(),
        }
    }

    /// At most `batch_size` files per request (1 to [`MAX_BULK_CHECK_BATCH`]).
    pub fn batch_size(mut self, batch_size: usize) -> Result<Self, Error> {
        // Validates the size the same way the batching does.
        CheckBulkUpload::batches(Vec::new(), batch_size)?;
        self.batch_size = batch_size;
        Ok(self)
    }
}

impl Flow for CheckBulkUploadBatches {
    type Output = Vec<BulkUploadCheckResult>;
    const OPERATION_ID: &'static str = "checkBulkUpload";

    fn step(
        &mut self,
        server: &Server,
        response: Option<Response<Bytes>>,
    ) -> Result<Step<Self::Output>, Error> {
        let pending = match (&mut self.pending, response) {
            (None, None) => {
                let items = std::mem::take(&mut self.items);
                self.pending
                    .insert(CheckBulkUpload::batches(items, self.batch_size)?.into())
            }
            (Some(pending), Some(response)) => {
                let Some(answered) = pending.pop_front() else {
                    return Err(out_of_order(true));
                };
                self.results.extend(parse_response(&answered, response)?);
                pending
            }
            (None, Some(_)) => return Err(out_of_order(true)),
            (Some(_), None) => return Err(out_of_order(false)),
        };
        match pending.front() {
            Some(next) => Ok(Step::Send(next.request(server)?)),
            None => Ok(Step::Done(std::mem::take(&mut self.results))),
        }
    }
}

/// The flow was stepped in the wrong order (a transport bug, not a server answer).
fn out_of_order(got_response: bool) -> Error {
    let reason = if got_response {
        "checkBulkUpload: a response arrived when no request was pending"
    } else {
        "checkBulkUpload: the response to the last request is missing"
    };
    Error::invalid_input("flow step", reason)
}

crate::string_enum! {
    /// What the server says to do with a file (`AssetUploadAction`).
    pub enum UploadAction {
        /// Upload it: the server does not have it.
        Accept => "accept",
        /// Skip it (see the reason).
        Reject => "reject",
    }
}

crate::string_enum! {
    /// Why a file was rejected (`AssetRejectReason`).
    pub enum RejectReason {
        /// The server already has a file with this checksum (see `asset_id`).
        Duplicate => "duplicate",
        /// The server does not take this kind of file.
        UnsupportedFormat => "unsupported-format",
    }
}

/// The verdict for one file (`AssetBulkUploadCheckResult`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BulkUploadCheckResult {
    /// The caller's id for the file, as sent.
    pub id: String,
    /// Upload it or not.
    pub action: UploadAction,
    /// Why not, when rejected.
    #[serde(default)]
    pub reason: Option<RejectReason>,
    /// The existing asset, for a duplicate.
    #[serde(default)]
    pub asset_id: Option<AssetId>,
    /// Whether that existing asset is in the trash (newer servers).
    #[serde(default)]
    pub is_trashed: Option<bool>,
}

impl BulkUploadCheckResult {
    /// Whether the file should be uploaded.
    pub fn is_accepted(&self) -> bool {
        self.action == UploadAction::Accept
    }

    /// The asset the server already has for this file, when it is a duplicate.
    pub fn duplicate_of(&self) -> Option<&AssetId> {
        match (&self.action, &self.reason) {
            (UploadAction::Reject, Some(RejectReason::Duplicate)) => self.asset_id.as_ref(),
            _ => None,
        }
    }
}
