//! `GET /timeline/buckets`: `getTimeBuckets`. Permission `asset.read`.
//!
//! Added in v1; marked *internal* (the web app's API, not promised stable) in the v3 document.
//! Needs the server version: servers before v1.133 require `size=MONTH` and `isArchived`
//! instead of `visibility`; their bucket keys are midnight UTC date-times, read as dates.

use bytes::Bytes;
use http::{response, Method, Request};

use crate::endpoint::{decode_json, empty_request, query_string};
use crate::timeline::{TimeBucket, TimelineFilters};
use crate::{Endpoint, Error, Server};

/// Lists the months of the timeline with their asset counts, newest first by default.
///
/// ```
/// # use immich_proto::{timeline::GetTimeBuckets, Endpoint, Server, ServerVersion};
/// let server = Server::new("http://localhost:2283")?.with_version(ServerVersion::new(3, 0, 0));
/// let mut buckets = GetTimeBuckets::new();
/// buckets.filters.is_favorite = Some(true);
/// let request = buckets.request(&server)?;
/// assert_eq!(request.uri(), "http://localhost:2283/api/timeline/buckets?isFavorite=true");
/// # Ok::<(), immich_proto::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct GetTimeBuckets {
    /// Which assets count.
    pub filters: TimelineFilters,
}

impl GetTimeBuckets {
    /// Every month of the caller's timeline.
    pub fn new() -> Self {
        Self::default()
    }

    /// With these filters.
    pub fn with_filters(filters: TimelineFilters) -> Self {
        GetTimeBuckets { filters }
    }
}

impl Endpoint for GetTimeBuckets {
    type Output = Vec<TimeBucket>;
    const OPERATION_ID: &'static str = "getTimeBuckets";
    const PERMISSION: Option<&'static str> = Some("asset.read");

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        let query = query_string(self.filters.query_pairs(server, Self::OPERATION_ID)?);
        empty_request(server, Method::GET, "/timeline/buckets", Some(&query))
    }

    fn parse(&self, _head: &response::Parts, body: Bytes) -> Result<Vec<TimeBucket>, Error> {
        decode_json(Self::OPERATION_ID, &body)
    }
}
