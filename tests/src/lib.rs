//! Test support for immich-rs: the in-process Immich test server ([`server`]), used by the
//! integration tests in `tests/it`, and by examples and benchmarks that need a server; and the
//! Prism harness for the conformance suite.

#![warn(missing_docs)]

#[cfg(unix)]
pub mod bench;
#[cfg(unix)]
pub mod prism;
pub mod proxy;
pub mod samples;
pub mod server;

pub use server::{Fault, FaultRule, JsonEdit, LoggedRequest, Options, TestServer, Version};

/// Prints a line that stays visible in `cargo test` output even when the test passes: the
/// test harness captures `println!`/`eprintln!`, not direct writes to the stderr handle. Used
/// for the figures CI must show (the conformance summary, peak RSS, the benchmark smoke table).
pub fn report(text: &str) {
    use std::io::Write;
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "{text}");
}

/// The README's code blocks, compiled (and run where they don't need a server) by `cargo test`.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
