//! Blocking transport (TODO)
