//! Test support (TODO)
