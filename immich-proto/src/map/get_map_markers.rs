//! `GET /map/markers`: `getMapMarkers`. Permission `map.read`.
//!
//! Added in v1 (beta), stable since v2; the same filters and answer from v1.118 to v3
//! (`isArchived` is still the archive filter here). Dates are sent in UTC (`...Z`).

use bytes::Bytes;
use http::{response, Method, Request};
use serde::Deserialize;

use crate::endpoint::{decode_json, empty_request, query_string};
use crate::{AssetId, DateTime, Endpoint, Error, Server};

/// Lists a marker per asset with a location.
///
/// ```
/// # use immich_proto::{map::GetMapMarkers, Endpoint, Server};
/// let server = Server::new("http://localhost:2283")?;
/// let request = GetMapMarkers::new().favorites(true).request(&server)?;
/// assert_eq!(request.uri(), "http://localhost:2283/api/map/markers?isFavorite=true");
/// # Ok::<(), immich_proto::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct GetMapMarkers {
    /// Only archived assets (`true`) or only the others.
    pub is_archived: Option<bool>,
    /// Only favourites (`true`) or only the others.
    pub is_favorite: Option<bool>,
    /// Only files created after this instant.
    pub file_created_after: Option<DateTime>,
    /// Only files created before this instant.
    pub file_created_before: Option<DateTime>,
    /// Include assets partners share.
    pub with_partners: Option<bool>,
    /// Include assets of albums shared with the caller.
    pub with_shared_albums: Option<bool>,
}

impl GetMapMarkers {
    /// Markers for all of the caller's located assets.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only favourites, or only the others.
    pub fn favorites(mut self, is_favorite: bool) -> Self {
        self.is_favorite = Some(is_favorite);
        self
    }

    /// Only files created in `[after, before]` (either bound optional).
    pub fn created_between(mut self, after: Option<DateTime>, before: Option<DateTime>) -> Self {
        self.file_created_after = after;
        self.file_created_before = before;
        self
    }
}

/// One located asset (`MapMarkerResponseDto`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct MapMarker {
    /// The asset.
    pub id: AssetId,
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
    /// City, from reverse geocoding.
    #[serde(default)]
    pub city: Option<String>,
    /// State or province.
    #[serde(default)]
    pub state: Option<String>,
    /// Country.
    #[serde(default)]
    pub country: Option<String>,
}

impl Endpoint for GetMapMarkers {
    type Output = Vec<MapMarker>;
    const OPERATION_ID: &'static str = "getMapMarkers";
    const PERMISSION: Option<&'static str> = Some("map.read");

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        let flag = |b: Option<bool>| b.map(|b| b.to_string());
        let time = |t: Option<DateTime>| t.map(|t| t.to_utc_string());
        let query = query_string([
            ("fileCreatedAfter", time(self.file_created_after)),
            ("fileCreatedBefore", time(self.file_created_before)),
            ("isArchived", flag(self.is_archived)),
            ("isFavorite", flag(self.is_favorite)),
            ("withPartners", flag(self.with_partners)),
            ("withSharedAlbums", flag(self.with_shared_albums)),
        ]);
        empty_request(server, Method::GET, "/map/markers", Some(&query))
    }

    fn parse(&self, _head: &response::Parts, body: Bytes) -> Result<Vec<MapMarker>, Error> {
        decode_json(Self::OPERATION_ID, &body)
    }
}
