//! The error type is the core's, shared with immich-tokio ([`immich_proto::transport::Error`]):
//! all this file adds is how ureq's errors sort into its variants.

use std::io;

use immich_proto::transport::{error_causes, Error, TimeoutPhase};

/// Sorts an error from ureq: timeouts by phase, failed connects, TLS, and I/O. The ureq error
/// is kept as the cause (`downcast_ref::<ureq::Error>()` reaches it).
pub(crate) fn from_ureq(error: ureq::Error) -> Error {
    use ureq::Error as U;
    match error {
        U::Timeout(ureq::Timeout::Resolve | ureq::Timeout::Connect) => {
            Error::Timeout(TimeoutPhase::Connect)
        }
        U::Timeout(ureq::Timeout::Global) => Error::Timeout(TimeoutPhase::Deadline),
        U::Timeout(_) => Error::Timeout(TimeoutPhase::Read),
        U::HostNotFound | U::ConnectionFailed | U::ConnectProxyFailed(_) => {
            Error::Connect(error.into())
        }
        U::Tls(_) | U::Pem(_) | U::Rustls(_) | U::TlsRequired => Error::Tls(error.into()),
        U::Io(io) => from_ureq_io(io),
        other => Error::Http(other.into()),
    }
}

/// Sorts an I/O error met inside ureq (sending, or reading an answer's body): ureq's own error
/// wrapped in it (a timeout, an early disconnect), a rustls failure (handshakes report through
/// `io::Error`), a failed connect, or I/O (which may carry our upload body's core error, which
/// `Error::from` unwraps).
pub(crate) fn from_ureq_io(error: io::Error) -> Error {
    let error = match ureq::Error::from(error) {
        ureq::Error::Io(error) => error,
        wrapped => return from_ureq(wrapped),
    };
    if error_causes(&error).any(|cause| cause.is::<rustls::Error>()) {
        return Error::Tls(ureq::Error::Io(error).into());
    }
    match error.kind() {
        io::ErrorKind::ConnectionRefused
        | io::ErrorKind::HostUnreachable
        | io::ErrorKind::NetworkUnreachable
        | io::ErrorKind::NetworkDown
        | io::ErrorKind::AddrNotAvailable => Error::Connect(ureq::Error::Io(error).into()),
        _ => Error::from(error),
    }
}
