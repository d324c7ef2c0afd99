//! The error type is the core's, shared with immich-blocking ([`immich_proto::transport::Error`]):
//! all this file adds is how hyper's errors sort into its variants.

use std::error::Error as StdError;
use std::io;

use immich_proto::transport::{error_causes, Error, TimeoutPhase};

/// Sorts an error from hyper-util's client into connect, TLS, timeout or other HTTP errors.
pub(crate) fn from_client(error: hyper_util::client::legacy::Error) -> Error {
    let tls = error_causes(&error).any(|e| e.is::<rustls::Error>());
    let timed_out = error_causes(&error).any(|e| {
        e.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::TimedOut)
    });
    if tls {
        Error::Tls(Box::new(error))
    } else if error.is_connect() && timed_out {
        Error::Timeout(TimeoutPhase::Connect)
    } else if error.is_connect() {
        Error::Connect(Box::new(error))
    } else if let Some(kind) = broken_connection(&error) {
        Error::Io(io::Error::new(kind, error))
    } else {
        Error::Http(Box::new(error))
    }
}

/// An error while reading a response body: the connection broke in the middle, or the body was
/// malformed (`Http`).
pub(crate) fn from_body(error: hyper::Error) -> Error {
    match broken_connection(&error) {
        Some(kind) => Error::Io(io::Error::new(kind, error)),
        None => Error::Http(Box::new(error)),
    }
}

/// The I/O error kind when `error` means the connection broke (an I/O error inside, or hyper's
/// "connection closed before message completed"): `Io`, as immich-blocking reports it.
fn broken_connection(error: &(dyn StdError + 'static)) -> Option<io::ErrorKind> {
    error_causes(error).find_map(|cause| match cause.downcast_ref::<io::Error>() {
        Some(io) => Some(io.kind()),
        None => cause
            .downcast_ref::<hyper::Error>()
            .filter(|e| e.is_incomplete_message())
            .map(|_| io::ErrorKind::UnexpectedEof),
    })
}
