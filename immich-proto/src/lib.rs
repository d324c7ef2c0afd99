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
//! **Out of scope:** sockets, TLS, timeouts, reading files, streaming bodies. What the
//! transports share is still decided here: their limits and default timeouts
//! ([`MAX_JSON_BODY`], [`BodyLimit`], [`MAX_MEDIA_BYTES`], [`DEFAULT_READ_TIMEOUT`],
//! [`POOL_IDLE_TIMEOUT`], ...), how a file's facts become an upload
//! ([`assets::UploadAsset::from_file`]), and their builder options, error type and convenience
//! methods ([`transport::ClientOptions`], [`transport::Error`], [`client_shortcuts!`]).
//!
//! ## How to drive it
//!
//! 1. Describe the server once: [`Server::new`]`(url)?.with_api_key(key)?` (or a session token
//!    from [`authentication::Login`], or a shared link's key or slug: see [`Auth`]).
//! 2. For each operation, build its request: `endpoint.request(&server)?` ([`Endpoint`]).
//! 3. Send it with any HTTP client and hand the whole response to [`parse_response`].
//!
//! Operations with several round trips (listing albums on an old server, collecting pages)
//! are [`Flow`]s: call `step` with each answer until it says `Done`. Any single endpoint is a
//! flow too, through [`Single`].
//!
//! ## Bring your own HTTP stack
//!
//! `immich-tokio` (hyper) and `immich-blocking` (ureq) are two transports; an embedder writes a
//! third in a few lines. All a transport needs is a function from `http::Request<Bytes>` to
//! `http::Response<Bytes>`: reqwest, isahc, curl, a browser's `fetch`, or, as here, a test
//! double that answers like an Immich v3 server.
//!
//! ```
//! use bytes::Bytes;
//! use immich_proto::albums::GetAllAlbums;
//! use immich_proto::server::GetServerVersion;
//! use immich_proto::{Flow, Server, Session, Single, Step};
//!
//! /// Your HTTP client. Only this function does I/O.
//! fn send(request: http::Request<Bytes>) -> std::io::Result<http::Response<Bytes>> {
//!     assert!(request.headers().contains_key("x-api-key"));
//!     let body = match request.uri().path() {
//!         "/immich/api/server/version" => r#"{"major":3,"minor":0,"patch":0}"#,
//!         "/immich/api/albums" => "[]",
//!         other => return Err(std::io::Error::other(format!("unexpected {other}"))),
//!     };
//!     http::Response::builder()
//!         .status(200)
//!         .header("content-type", "application/json")
//!         .body(Bytes::from_static(body.as_bytes()))
//!         .map_err(std::io::Error::other)
//! }
//!
//! /// The whole transport: loop the core's flow through `send`, with the release gate and the
//! /// ETag cache hooks (`prepare` refuses what the server's release does not have).
//! fn run<F: Flow>(session: &Session, mut flow: F) -> Result<F::Output, Box<dyn std::error::Error>> {
//!     let mut last = None;
//!     loop {
//!         match flow.step(session.server(), last.take())? {
//!             Step::Send(request) => {
//!                 let (request, ticket) = session.prepare(F::OPERATION_ID, request)?;
//!                 last = Some(session.finish(ticket, send(request)?));
//!             }
//!             Step::Done(output) => return Ok(output),
//!         }
//!     }
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let server = Server::new("https://photos.example.com/immich")?.with_api_key("secret")?;
//! let session = Session::new(server);
//!
//! // Version-dependent operations need the version first ("setup").
//! let version = run(&session, Single(GetServerVersion::new()))?;
//! session.server().set_version(version);
//!
//! // On v3 this is one request; on older servers the core asks twice and merges.
//! let albums = run(&session, GetAllAlbums::new())?;
//! assert!(albums.is_empty());
//! # Ok(())
//! # }
//! ```
//!
//! Media answers (thumbnails, video, originals) are not buffered by the core: a transport calls
//! [`media_head`] on the response head and streams the body itself; uploads come as an
//! [`multipart::UploadBody`] of bytes and file placeholders that the transport streams in order.

#![warn(missing_docs)]

pub use bytes;
pub use http;

pub mod cache;
pub mod catalogue;
pub mod checksum;
pub mod common;
pub mod endpoint;
mod enums;
pub mod error;
pub mod id;
pub mod media;
pub mod models;
pub mod multipart;
pub mod names;
pub mod paging;
mod patch;
pub mod permissions;
pub mod proxy;
pub mod received;
pub mod redirect;
mod secret;
pub mod session;
pub mod settings;
mod shortcuts;
pub mod time;
pub mod transport;
pub mod version;

pub mod albums;
pub mod api_keys;
pub mod assets;
pub mod authentication;
pub mod map;
pub mod memories;
pub mod people;
pub mod search;
pub mod server;
pub mod shared_links;
pub mod stacks;
pub mod sync;
pub mod tags;
pub mod timeline;
pub mod trash;
pub mod users;
// The areas with no hand-written code (generated).
include!("areas.rs");

pub use cache::{CacheTicket, EtagCache};
pub use checksum::{Sha1Checksum, Sha1Digest};
pub use endpoint::check_status;
pub use endpoint::{
    decode_json, error_from_response, is_secret_name, log_excerpt, log_headers, log_target,
    parse_response, BodyLimit, Endpoint, Flow, Single, Step, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_READ_TIMEOUT, MAX_ERROR_BODY, MAX_JSON_BODY, MAX_LOGGED_BODY, POOL_IDLE_TIMEOUT,
};
pub use error::{ApiError, DecodeError, Error, ParameterRefused, ValidationDetail};
pub use id::{
    ActivityId, AlbumId, ApiKeyId, AssetId, FaceId, LibraryId, MemoryId, NotificationId, PersonId,
    SessionId, SharedLinkId, StackId, TagId, UserId, Uuid,
};
pub use media::{
    media_error, media_head, partial_path, ByteRange, ContentRange, MediaEndpoint, MediaHead,
    MediaOutcome, SaveCheck, MAX_MEDIA_BYTES,
};
pub use multipart::{Boundary, FilePart, FileRole, MultipartBuilder, Segment, UploadBody};
pub use paging::{Paged, Pager, DEFAULT_MAX_PAGES, MAX_PAGE_SIZE};
pub use patch::Patch;
pub use permissions::{Capabilities, Permission};
pub use received::{AsReceived, Received};
pub use redirect::{Redirects, MAX_REDIRECTS};
pub use secret::Secret;
pub use session::Session;
pub use settings::{
    ApiKey, Auth, Server, SessionToken, SharedLinkKey, SharedLinkToken, API_KEY_HEADER,
    SHARED_LINK_TOKEN_COOKIE,
};
pub use time::{Date, DateTime};
pub use version::ServerVersion;

#[doc(hidden)]
pub mod __private {
    pub use serde;
}
