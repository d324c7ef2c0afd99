//! Test support for immich-rs: the in-process Immich test server ([`server`]), used by the
//! integration tests in `tests/it`, and by examples and benchmarks that need a server; and the
//! Prism harness for the conformance suite.

#![warn(missing_docs)]

#[cfg(unix)]
pub mod prism;
pub mod server;

pub use server::{Fault, FaultRule, LoggedRequest, Options, TestServer, Version};
