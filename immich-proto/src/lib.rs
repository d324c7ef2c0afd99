//! # immich-proto: the Immich API without I/O
//!
//! This crate builds [`http::Request`]s for the [Immich](https://immich.app) photo server and
//! parses [`http::Response`]s into typed results. It opens no sockets, reads no files, has no
//! clock, no environment, no random numbers and no async runtime: a transport
//! (`immich-tokio`, `immich-blocking`, or your own HTTP client) moves the bytes.
//!
//! **In scope:** every request's method, URI, headers and body; models that accept what old
//! (v1.118+) and new (v3) servers send; typed errors from any error body; decisions that depend
//! on the server version; pagination; the ETag cache; the multipart upload body, as bytes plus
//! placeholders for file contents.
//!
//! **Out of scope:** sockets, TLS, timeouts, reading files, streaming bodies.
//!
//! ## How to drive it
//!
//! 1. Describe the server once: [`Server::new`]`(url)?.with_api_key(key)?`.
//! 2. For each operation, build its request: `endpoint.request(&server)?` ([`Endpoint`]).
//! 3. Send it with any HTTP client and hand the whole response to [`parse_response`].
//!
//! Operations with several round trips (listing albums on an old server, collecting pages)
//! are [`Flow`]s: call `step` with each answer until it says `Done`.

#![warn(missing_docs)]

pub use bytes;
pub use http;

pub mod cache;
pub mod checksum;
pub mod common;
pub mod endpoint;
mod enums;
pub mod error;
pub mod id;
pub mod media;
pub mod multipart;
pub mod paging;
pub mod permissions;
pub mod session;
pub mod settings;
pub mod time;
pub mod version;

pub mod albums;
pub mod api_keys;
pub mod assets;
pub mod map;
pub mod memories;
pub mod people;
pub mod search;
pub mod server;
pub mod shared_links;
pub mod stacks;
pub mod tags;
pub mod timeline;
pub mod trash;
pub mod users;

pub use cache::{CacheTicket, EtagCache};
pub use checksum::{Sha1Checksum, Sha1Digest};
pub use endpoint::check_status;
pub use endpoint::{
    decode_json, error_from_response, parse_response, Endpoint, Flow, Single, Step, MAX_ERROR_BODY,
    MAX_JSON_BODY,
};
pub use error::{ApiError, DecodeError, Error, ValidationDetail};
pub use id::{
    AlbumId, ApiKeyId, AssetId, LibraryId, MemoryId, PersonId, SharedLinkId, StackId, TagId, UserId,
};
pub use media::{
    media_error, media_head, ByteRange, ContentRange, MediaEndpoint, MediaHead, MediaOutcome,
};
pub use multipart::{Boundary, FilePart, FileRole, MultipartBuilder, Segment, UploadBody};
pub use paging::{Paged, Pager, MAX_PAGE_SIZE};
pub use permissions::{Capabilities, Permission};
pub use session::Session;
pub use settings::{ApiKey, Server, API_KEY_HEADER};
pub use time::{Date, DateTime};
pub use version::ServerVersion;

#[doc(hidden)]
pub mod __private {
    pub use serde;
}
