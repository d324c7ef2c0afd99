//! `GET /albums/statistics`: `getAlbumStatistics`. Permission `album.statistics`.
//!
//! History: added in v1 (beta), stable since v2; unchanged in v3.

use bytes::Bytes;
use http::{response, Method, Request};
use serde::{Deserialize, Serialize};

use crate::endpoint::{decode_json, empty_request};
use crate::{Endpoint, Error, Server};

/// Counts the caller's albums: owned, shared, not shared.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GetAlbumStatistics;

impl GetAlbumStatistics {
    /// The operation (it takes no arguments).
    pub const fn new() -> Self {
        GetAlbumStatistics
    }
}

impl Endpoint for GetAlbumStatistics {
    type Output = AlbumStatistics;
    const OPERATION_ID: &'static str = "getAlbumStatistics";
    const PERMISSION: Option<&'static str> = Some("album.statistics");

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        empty_request(server, Method::GET, "/albums/statistics", None)
    }

    fn parse(&self, _head: &response::Parts, body: Bytes) -> Result<AlbumStatistics, Error> {
        decode_json(Self::OPERATION_ID, &body)
    }
}

/// How many albums the caller has (`AlbumStatisticsResponseDto`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AlbumStatistics {
    /// Albums the caller owns.
    pub owned: u64,
    /// Albums shared (owned and shared with others, or shared with the caller).
    pub shared: u64,
    /// Owned albums not shared with anyone.
    pub not_shared: u64,
}
