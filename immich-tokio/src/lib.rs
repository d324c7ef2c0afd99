//! Async transport (TODO)
