//! # immich-blocking: a blocking Immich client on ureq 3
//!
//! A thin transport for [`immich_proto`]: the core builds every request and reads every
//! answer; this crate moves the bytes with a pooled [`ureq::Agent`], over HTTPS (rustls, bundled
//! roots, optional extra root CA) or plain HTTP. For scripts and command-line tools; async
//! applications use `immich-tokio`, which has the same method names.
//!
//! ```no_run
//! use immich_blocking::{Client, UploadOptions};
//!
//! # fn main() -> Result<(), immich_blocking::Error> {
//! let client = Client::builder("https://photos.example.com")
//!     .api_key("secret-key")
//!     .build()?;
//! let version = client.setup()?; // reads the server version once
//! println!("Immich {version}");
//!
//! for album in client.albums_named("summer")? {
//!     println!("{} ({} assets)", album.album_name, album.asset_count);
//! }
//!
//! // Streams the file with an exact Content-Length; memory stays small whatever its size.
//! let result = client.upload_path("IMG_0001.jpg", UploadOptions::new().checksum(true))?;
//! println!("{:?} {}", result.status, result.id);
//!
//! // Pages are fetched lazily, one request per page as the iterator advances.
//! let pager = immich_blocking::Pager::new(immich_blocking::search::SearchAssets::new(
//!     immich_blocking::search::MetadataSearch::favorites(),
//! ));
//! for asset in client.pages(pager).take(10) {
//!     println!("{}", asset?.original_file_name);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! **Timeouts.** A connect timeout, and a read timeout that means "no bytes moved for that
//! long": a long upload or download that keeps moving is never cut off. The defaults are the
//! core's, the same as immich-tokio's.
//!
//! **Errors** are one [`Error`]: [`Error::kind`] tells a status from the server, a timeout, a
//! refused connection, a TLS failure and an I/O failure (a file, or a connection broken
//! mid-answer) apart.
//!
//! **Shared with immich-tokio**, defined once in the core: the builder's options
//! ([`ClientOptions`]), the error type, and the convenience methods, each one call of the
//! generic `send`, `run`, `pages` or `media`. Any operation without a convenience method is
//! `client.send(&endpoint)`.
//!
//! **Logging** goes through the `log` facade: method, path, status and duration at `debug`;
//! JSON bodies, cut by the core's [`log_excerpt`](immich_proto::log_excerpt), at `trace`.
//! Headers, and so the API key, are never logged. `log` rather than `tracing` because ureq and
//! rustls already log through it, it is a much lighter dependency, and `tracing` users collect
//! its records with `tracing-log`'s `LogTracer`.

#![warn(missing_docs)]

mod auth;
mod client;
mod error;
mod sync_stream;
mod transport;
mod upload;

pub use client::{Client, ClientBuilder, HttpClient, MediaBody, Pages};
pub use sync_stream::SyncEvents;
pub use upload::UploadSource;
/// The HTTP stack, to build an agent for [`ClientBuilder::http_client`].
pub use ureq;

/// The protocol core, for everything not re-exported at the top.
pub use immich_proto as proto;
// The same list in both transports, kept once in the core.
pub use immich_proto::transport::reexports::*;
