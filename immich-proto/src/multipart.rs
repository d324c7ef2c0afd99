//! Multipart upload body without I/O: TODO(helper).
