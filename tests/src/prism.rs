//! The Prism conformance harness (unix only): [`setup`] obtains the official Immich v3.0.0
//! OpenAPI document and Prism, [`Prism`] runs one mock server, [`Recorder`] is the proxy in
//! front of it that sees every exchange. The suite itself is `tests/it/conformance.rs`.
//!
//! Start and drop a [`Prism`] on the same thread: it is told to die with the thread that
//! started it (`PR_SET_PDEATHSIG`), so even a killed test run leaves no process behind.

mod process;
mod recorder;
mod setup;

pub use process::{Mode, Prism};
pub use recorder::{
    Exchange, Intervention, Recorder, SESSION_STAND_IN_TOKEN, SHARED_LINK_STAND_IN_COOKIE,
    SHARED_LINK_STAND_IN_KEY,
};
pub use setup::{
    rewrite_paths_under_api, setup, setup_uncached, sha256_hex, tests_dir, Setup, SPEC_MEMBER,
    SPEC_PACKAGE, SPEC_SHA256,
};
