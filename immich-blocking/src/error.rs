//! One error type for the blocking client: the core's errors plus what the network can do.

use std::{fmt, io};

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
    /// A timeout expired: connecting, or no bytes moved for the read timeout.
    Timeout(ureq::Timeout),
    /// The server could not be reached: name not found, connection refused, no route.
    Connect(ureq::Error),
    /// TLS failed: handshake, untrusted or invalid certificate, bad PEM.
    Tls(ureq::Error),
    /// I/O failed: a local file, or the connection broke in the middle of an exchange.
    Io(io::Error),
    /// Any other HTTP-level failure reported by ureq (malformed answer, bad header, ...).
    Http(ureq::Error),
}

/// The broad class of an [`Error`], for deciding what to do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The server answered with an error status; see [`Error::status`].
    Status,
    /// Any other refusal by the core (bad input, undecodable answer, body too large, ...).
    Protocol,
    /// A timeout.
    Timeout,
    /// The server could not be reached.
    Connect,
    /// TLS failed.
    Tls,
    /// Local or connection I/O failed.
    Io,
    /// Another HTTP-level failure.
    Http,
}

impl Error {
    /// The class of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Proto(immich_proto::Error::Api(_)) => ErrorKind::Status,
            Error::Proto(_) => ErrorKind::Protocol,
            Error::Timeout(_) => ErrorKind::Timeout,
            Error::Connect(_) => ErrorKind::Connect,
            Error::Tls(_) => ErrorKind::Tls,
            Error::Io(_) => ErrorKind::Io,
            Error::Http(_) => ErrorKind::Http,
        }
    }

    /// Whether a timeout expired (connect timeouts included).
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout(_))
    }

    /// Whether the server could not be reached (a connect timeout counts too).
    pub fn is_connect(&self) -> bool {
        matches!(
            self,
            Error::Connect(_) | Error::Timeout(ureq::Timeout::Connect | ureq::Timeout::Resolve)
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
            Error::Timeout(t) => write!(f, "timed out ({t})"),
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
            U::Timeout(t) => Error::Timeout(t),
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

/// Lifts an I/O error met while reading a response body: ureq wraps its own errors (timeouts,
/// early disconnects) in `io::Error`, and `ureq::Error::from` unwraps them again.
pub(crate) fn from_body_io(e: io::Error) -> Error {
    Error::from(ureq::Error::from(e))
}
