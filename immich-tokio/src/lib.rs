//! # immich-tokio: an async Immich client on hyper and tokio
//!
//! A thin transport over [`immich_proto`], the sans-IO core: the core builds every request and
//! reads every answer; this crate moves the bytes. It adds a pooled HTTP client (hyper-util),
//! HTTPS on rustls (ring, with bundled and system roots), a connect timeout and a read timeout,
//! streamed uploads from a path, streamed downloads, and paged listings as lazy streams.
//! The core is re-exported, so an app depends on this one crate.
//!
//! ```no_run
//! use futures_util::StreamExt;
//! use immich_tokio::{assets::AssetMediaSize, search::{MetadataSearch, SearchAssets}, Client, Pager, UploadOptions};
//!
//! # async fn demo() -> Result<(), immich_tokio::Error> {
//! let client = Client::builder("https://photos.example.com")
//!     .api_key("secret")
//!     .build()?;
//! client.setup().await?; // reads the server version once
//!
//! for album in client.albums_named("summer").await? {
//!     println!("{} ({} assets)", album.album_name, album.asset_count);
//! }
//!
//! // Every favorite, one page at a time as the stream is read.
//! let mut favorites = client.pages(Pager::new(SearchAssets::new(MetadataSearch::favorites())));
//! while let Some(asset) = favorites.next().await {
//!     let asset = asset?;
//!     let thumb = client.thumbnail(asset.id.clone(), AssetMediaSize::Thumbnail).await?;
//!     println!("{}: {} bytes", asset.original_file_name, thumb.body.len());
//! }
//!
//! let uploaded = client.upload_path("IMG_0001.jpg", UploadOptions::new().checksum(true)).await?;
//! println!("{} duplicate={}", uploaded.id, uploaded.is_duplicate());
//! # Ok(())
//! # }
//! ```
//!
//! **Timeouts.** A connect timeout, and a read timeout that means "no bytes moved for that
//! long": a long upload or download that keeps moving is never cut off. The defaults are the
//! core's, the same as immich-blocking's.
//!
//! **Errors** are one [`Error`]: [`Error::kind`] tells a status from the server, a timeout, a
//! refused connection, a TLS failure and an I/O failure (a file, or a connection broken
//! mid-answer) apart.
//!
//! **Shared with immich-blocking**, defined once in the core: the builder's options
//! ([`ClientOptions`]), the error type, and the convenience methods, each one call of the
//! generic `send`, `run`, `pages` or `media`. Any operation without a convenience method is
//! `client.send(&endpoint)`.
//!
//! **Logging** goes through the `log` facade: method, path, status and duration at `debug`;
//! JSON bodies, cut by the core's [`log_excerpt`](immich_proto::log_excerpt), at `trace`.
//! Headers, and so the API key, are never logged. `log` rather than `tracing` because rustls
//! (and ureq, under immich-blocking) already log through it, it is a much lighter dependency,
//! and `tracing` users collect its records with `tracing-log`'s `LogTracer`.

#![warn(missing_docs)]

mod auth;
mod body;
mod client;
mod connect;
mod error;
mod sync_stream;
mod tls;

pub use body::{MediaBody, RequestBody};
pub use client::{Client, ClientBuilder, HttpClient, Pages};
pub use connect::{Connector, KeepReading, TcpConnector};
/// The TLS connector of [`Connector`], to build an [`HttpClient`] by hand for
/// [`ClientBuilder::http_client`] with the very version this crate uses.
pub use hyper_rustls;
/// The pooled client [`HttpClient`] is, to build one by hand for [`ClientBuilder::http_client`].
pub use hyper_util;
/// The TLS library, for the `ClientConfig` of an [`HttpClient`] built by hand.
pub use rustls;
pub use sync_stream::SyncEvents;

/// The protocol core, for everything not re-exported at the top.
pub use immich_proto as proto;
// The same list in both transports, kept once in the core.
pub use immich_proto::transport::reexports::*;
