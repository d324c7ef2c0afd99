//! One error type for the blocking client: the core's errors plus what the network can do.

use std::{fmt, io};

pub use immich_proto::transport::{ErrorKind, TimeoutPhase};

/// Everything a [`Client`](crate::Client) call can fail with.
///
/// Tell the cases apart with [`kind`](Self::kind) or the `is_*` helpers. No variant holds the
/// API key: the key travels only in a header, and neither ureq nor this crate logs it.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The core refused the input or the answer: an error status from the server
    /// ([`immich_proto::Error::Api`]), a body that does not decode, a body too large, a file
    /// that changed size during an upload, ...
    Proto(immich_proto::Error),
    /// No bytes moved for longer than the configured timeout.
    Timeout(TimeoutPhase),
    /// The server could not be reached: name not found, connection refused, no route.
    Connect(ureq::Error),
    /// TLS failed: the handshake (an untrusted or invalid certificate, ...) or unreadable PEM
    /// data.
    Tls(ureq::Error),
    /// I/O failed: a local file, or the connection broke before or in the middle of an answer.
    Io(io::Error),
    /// Any other HTTP failure reported by ureq (malformed answer, bad header, ...).
    Http(ureq::Error),
}

impl Error {
    /// The class of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Proto(e) => ErrorKind::of(e),
            Error::Timeout(_) => ErrorKind::Timeout,
            Error::Connect(_) => ErrorKind::Connect,
            Error::Tls(_) => ErrorKind::Tls,
            Error::Io(_) => ErrorKind::Io,
            Error::Http(_) => ErrorKind::Http,
        }
    }

    /// A connect or read timeout.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout(_))
    }

    /// The connection could not be opened (including a connect timeout).
    pub fn is_connect(&self) -> bool {
        matches!(
            self,
            Error::Connect(_) | Error::Timeout(TimeoutPhase::Connect)
        )
    }

    /// Whether TLS failed.
    pub fn is_tls(&self) -> bool {
        matches!(self, Error::Tls(_))
    }

    /// The HTTP status, when the server answered with an error.
    pub fn status(&self) -> Option<http::StatusCode> {
        match self {
            Error::Proto(e) => e.status(),
            _ => None,
        }
    }

    /// The core's error, when the core reported it.
    pub fn proto(&self) -> Option<&immich_proto::Error> {
        match self {
            Error::Proto(e) => Some(e),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Proto(e) => e.fmt(f),
            Error::Timeout(TimeoutPhase::Connect) => {
                f.write_str("timed out connecting to the server")
            }
            Error::Timeout(TimeoutPhase::Read) => {
                f.write_str("timed out: no data moved to or from the server for too long")
            }
            Error::Connect(e) => write!(f, "cannot connect to the server: {e}"),
            Error::Tls(e) => write!(f, "TLS failed: {e}"),
            Error::Io(e) => write!(f, "I/O failed: {e}"),
            Error::Http(e) => write!(f, "HTTP failed: {e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Proto(e) => Some(e),
            Error::Timeout(_) => None,
            Error::Connect(e) | Error::Tls(e) | Error::Http(e) => Some(e),
            Error::Io(e) => Some(e),
        }
    }
}

impl From<immich_proto::Error> for Error {
    fn from(e: immich_proto::Error) -> Self {
        Error::Proto(e)
    }
}

impl From<ureq::Error> for Error {
    fn from(e: ureq::Error) -> Self {
        use ureq::Error as U;
        match e {
            U::Timeout(ureq::Timeout::Resolve | ureq::Timeout::Connect) => {
                Error::Timeout(TimeoutPhase::Connect)
            }
            U::Timeout(_) => Error::Timeout(TimeoutPhase::Read),
            U::HostNotFound | U::ConnectionFailed | U::ConnectProxyFailed(_) => Error::Connect(e),
            U::Tls(_) | U::Pem(_) | U::Rustls(_) | U::TlsRequired => Error::Tls(e),
            U::Io(io) => from_io(io),
            other => Error::Http(other),
        }
    }
}

/// Sorts an I/O error from inside ureq: our own upload reader's core error, a rustls failure
/// (handshakes report through `io::Error`), a failed connect, or plain I/O.
fn from_io(e: io::Error) -> Error {
    if e.get_ref()
        .is_some_and(|inner| inner.is::<immich_proto::Error>())
    {
        if let Some(Ok(proto)) = e.into_inner().map(|b| b.downcast::<immich_proto::Error>()) {
            return Error::Proto(*proto);
        }
        return Error::Io(io::Error::other("upload body failed"));
    }
    if is_rustls(&e) {
        return Error::Tls(ureq::Error::Io(e));
    }
    match e.kind() {
        io::ErrorKind::ConnectionRefused
        | io::ErrorKind::HostUnreachable
        | io::ErrorKind::NetworkUnreachable
        | io::ErrorKind::NetworkDown
        | io::ErrorKind::AddrNotAvailable => Error::Connect(ureq::Error::Io(e)),
        _ => Error::Io(e),
    }
}

fn is_rustls(e: &io::Error) -> bool {
    let mut next: Option<&(dyn std::error::Error + 'static)> = e
        .get_ref()
        .map(|inner| inner as &(dyn std::error::Error + 'static));
    // Error chains are short; the bound only guards against a cycle.
    for _ in 0..8 {
        match next {
            Some(err) if err.is::<rustls::Error>() => return true,
            Some(err) => next = err.source(),
            None => return false,
        }
    }
    false
}

/// Any I/O error: a local file's, or one met inside ureq (reading a response body), where
/// ureq wraps its own errors (timeouts, early disconnects) and `ureq::Error::from` unwraps them.
impl From<io::Error> for Error {
    fn from(e: io::Error) -> Self {
        Error::from(ureq::Error::from(e))
    }
}
