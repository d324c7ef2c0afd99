//! Timeline: months with asset counts, and the assets of one month (OpenAPI tag `Timeline`).
//!
//! Both operations need the server version: v1.133 dropped the `size` parameter, changed the
//! bucket key from a date-time to `YYYY-MM-DD`, and changed the bucket contents from full assets
//! to columns. [`TimeBucketAssets`] reads either answer.

mod get_time_bucket;
mod get_time_buckets;
mod model;

pub use get_time_bucket::GetTimeBucket;
pub use get_time_buckets::GetTimeBuckets;
pub use model::{
    AssetOrderBy, BoundingBox, StackSummary, TimeBucket, TimeBucketAsset, TimeBucketAssets,
    TimelineFilters,
};

// The generated operations of this area (`cargo xtask gen`).
include!("operations.rs");
