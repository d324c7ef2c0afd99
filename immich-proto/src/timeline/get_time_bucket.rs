//! `GET /timeline/bucket`: `getTimeBucket`. Permission `asset.read`.
//!
//! Added in v1; marked *internal* in the v3 document. Needs the server version:
//!
//! | server | `timeBucket=` | answer |
//! |---|---|---|
//! | before v1.133 | `YYYY-MM-01T00:00:00.000Z`, plus `size=MONTH` | an array of full assets |
//! | v1.133+ | `YYYY-MM-DD` | one object of parallel arrays (columns) |
//!
//! Both answers read into [`TimeBucketAssets`]. Columns are not required to line up (the
//! document cannot say they do): a row reads a missing cell as `None`, and
//! [`TimeBucketAssets::ragged_column`] names the first column that is longer or shorter than `id`.

use bytes::Bytes;
use http::{response, Method, Request};

use crate::endpoint::{decode_json, empty_request, query_string};
use crate::timeline::{TimeBucketAssets, TimelineFilters};
use crate::{Date, Endpoint, Error, Server};

/// Reads the assets of one month of the timeline.
///
/// ```
/// # use immich_proto::{timeline::GetTimeBucket, Date, Endpoint, Server, ServerVersion};
/// let server = Server::new("http://localhost:2283")?.with_version(ServerVersion::new(3, 0, 0));
/// let request = GetTimeBucket::new(Date::new(2024, 3, 1).unwrap()).request(&server)?;
/// assert_eq!(request.uri(), "http://localhost:2283/api/timeline/bucket?timeBucket=2024-03-01");
/// # Ok::<(), immich_proto::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct GetTimeBucket {
    /// The bucket: the first day of the month, as [`TimeBucket::time_bucket`](crate::timeline::TimeBucket) gives it.
    pub time_bucket: Date,
    /// Which assets to include.
    pub filters: TimelineFilters,
}

impl GetTimeBucket {
    /// The assets of the bucket starting on `time_bucket`.
    pub fn new(time_bucket: Date) -> Self {
        GetTimeBucket {
            time_bucket,
            filters: TimelineFilters::default(),
        }
    }

    /// With these filters.
    pub fn with_filters(mut self, filters: TimelineFilters) -> Self {
        self.filters = filters;
        self
    }
}

impl Endpoint for GetTimeBucket {
    type Output = TimeBucketAssets;
    const OPERATION_ID: &'static str = "getTimeBucket";
    const PERMISSION: Option<&'static str> = Some("asset.read");

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        let mut pairs = self.filters.query_pairs(server, Self::OPERATION_ID)?;
        let new_timeline = server
            .require_version(Self::OPERATION_ID)?
            .at_least(1, 133, 0);
        let bucket = if new_timeline {
            self.time_bucket.to_string()
        } else {
            format!("{}T00:00:00.000Z", self.time_bucket)
        };
        pairs.push(("timeBucket", Some(bucket)));
        pairs.sort_by_key(|(name, _)| *name);
        empty_request(
            server,
            Method::GET,
            "/timeline/bucket",
            Some(&query_string(pairs)),
        )
    }

    fn parse(&self, _head: &response::Parts, body: Bytes) -> Result<TimeBucketAssets, Error> {
        // Columns of different lengths decode: the document cannot say they line up, so
        // rows read a missing cell as `None`, and `ragged_column` names the first that does not.
        decode_json(Self::OPERATION_ID, &body)
    }
}
