//! The shared case table run through both transports against the local test server (TODO).
