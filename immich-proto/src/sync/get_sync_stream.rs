//! `POST /sync/stream`: `getSyncStream`. Permission `sync.stream`.
//!
//! Added in v1.127 (beta), stable since v2. Answers JSON lines of typed events
//! (`application/jsonlines+json`), which the document does not declare: a byte stream that a
//! transport feeds to a [`SyncDecoder`](super::SyncDecoder) as it arrives. A login session is
//! needed; the server refuses API keys.

use bytes::Bytes;
use http::header::ACCEPT;
use http::{HeaderValue, Method, Request};

use crate::models::{SyncRequestType, SyncStream};
use crate::{Error, MediaEndpoint, Server};

/// Streams the changes since the session's acks, for the request types asked.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GetSyncStream {
    /// What to follow; see [`request_types`](super::request_types) for a server's version.
    pub types: Vec<SyncRequestType>,
    /// Start over: the server forgets the session's acks first (after a `SyncResetV1`).
    pub reset: bool,
    /// The longest line the decoder takes (see [`SyncDecoder::with_max_line`](super::SyncDecoder::with_max_line)).
    pub max_line: usize,
}

impl GetSyncStream {
    /// A stream of `types`, without reset.
    pub fn new(types: Vec<SyncRequestType>) -> Self {
        GetSyncStream {
            types,
            reset: false,
            max_line: super::DEFAULT_MAX_LINE,
        }
    }

    /// A stream of every request type the server's release offers, the newest generation of
    /// each family ([`request_types`](super::request_types)); [`Error::VersionRequired`] when
    /// the version is not known yet.
    pub fn for_server(server: &Server) -> Result<Self, Error> {
        let version = server.require_version(Self::OPERATION_ID)?;
        Ok(Self::new(super::request_types(&version)))
    }

    /// Sets `reset` (start over).
    pub fn reset(mut self, reset: bool) -> Self {
        self.reset = reset;
        self
    }

    /// Sets the longest line the decoder takes.
    pub fn max_line(mut self, max_line: usize) -> Self {
        self.max_line = max_line;
        self
    }

    /// The decoder for this stream's body.
    pub fn decoder(&self) -> super::SyncDecoder {
        super::SyncDecoder::with_max_line(self.max_line)
    }
}

impl MediaEndpoint for GetSyncStream {
    const OPERATION_ID: &'static str = "getSyncStream";
    const PERMISSION: Option<&'static str> = Some("sync.stream");

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        super::require_session(server)?;
        crate::catalogue::require_available(server, Self::OPERATION_ID)?;
        if self.types.is_empty() {
            return Err(Error::invalid_input(
                "sync request types",
                "at least one is needed (see sync::request_types)",
            ));
        }
        let mut body = SyncStream::new(self.types.clone());
        // Only sent when set: `reset` is v1.136+, and `false` is what the server assumes.
        body.reset = self.reset.then_some(true);
        let mut request =
            crate::endpoint::json_request(server, Method::POST, "/sync/stream", None, &body)?;
        request.headers_mut().insert(
            ACCEPT,
            HeaderValue::from_static("application/jsonlines+json, application/json;q=0.9"),
        );
        Ok(request)
    }
}
