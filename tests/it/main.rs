//! One integration binary for the cross-crate tests (see each module).

mod conformance;
mod table;
