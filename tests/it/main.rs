//! One integration binary for the cross-crate tests (see each module).

mod async_example;
mod auth;
mod backup;
mod backup_hostile;
mod bench_smoke;
mod blocking_transport;
mod catalogue;
mod cli;
mod conformance;
mod fuzz;
mod memory;
mod redirects;
mod sync;
mod table;
mod tls;
mod tokio_transport;
mod tour;
mod upload_sources;
mod upload_takeout;
mod version_matrix;
