//! One error type for the async transport: the core's errors plus what moving bytes can add.

use std::error::Error as StdError;
use std::fmt;
use std::io;

use http::StatusCode;

pub use immich_proto::transport::{ErrorKind, TimeoutPhase};

/// A boxed error from the HTTP stack, kept as the source of [`Error`].
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// Everything an [`immich_tokio::Client`](crate::Client) call can fail with.
///
/// Tell the cases apart with [`kind`](Self::kind) or the `is_*` helpers. No variant ever holds
/// the API key: it travels only in a request header, which is never part of an error.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The protocol core refused an input or read an answer: an error status from the server
    /// ([`immich_proto::Error::Api`]), a body that does not decode, a body too large, a file
    /// that changed size during its upload, ...
    Proto(immich_proto::Error),
    /// No bytes moved for longer than the configured timeout.
    Timeout(TimeoutPhase),
    /// The connection could not be opened (refused, unreachable, name not resolved).
    Connect(BoxError),
    /// TLS failed: the handshake (an unknown certificate authority, a name mismatch, ...) or
    /// unreadable PEM data.
    Tls(BoxError),
    /// I/O failed: a local file, or the connection broke before or in the middle of an answer.
    Io(io::Error),
    /// Any other HTTP failure: a malformed answer, ...
    Http(BoxError),
}

impl Error {
    /// The broad class of this error.
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

    /// The TLS handshake failed.
    pub fn is_tls(&self) -> bool {
        matches!(self, Error::Tls(_))
    }

    /// The HTTP status, when the server answered with an error status.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Proto(e) => e.status(),
            _ => None,
        }
    }

    /// The core's error, if this is one.
    pub fn proto(&self) -> Option<&immich_proto::Error> {
        match self {
            Error::Proto(e) => Some(e),
            _ => None,
        }
    }

    /// Sorts an error from hyper-util's client into connect, TLS, timeout or other HTTP errors.
    pub(crate) fn from_client(error: hyper_util::client::legacy::Error) -> Self {
        let tls = causes(&error).any(|e| e.is::<rustls::Error>());
        let timed_out = causes(&error).any(|e| {
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

    /// An error while reading a response body: the connection broke in the middle, or the
    /// body was malformed (`Http`).
    pub(crate) fn from_body(error: hyper::Error) -> Self {
        match broken_connection(&error) {
            Some(kind) => Error::Io(io::Error::new(kind, error)),
            None => Error::Http(Box::new(error)),
        }
    }
}

/// The I/O error kind when `error` means the connection broke (an I/O error inside, or hyper's
/// "connection closed before message completed"): `Io`, as immich-blocking reports it.
fn broken_connection(error: &(dyn StdError + 'static)) -> Option<io::ErrorKind> {
    causes(error).find_map(|cause| match cause.downcast_ref::<io::Error>() {
        Some(io) => Some(io.kind()),
        None => cause
            .downcast_ref::<hyper::Error>()
            .filter(|e| e.is_incomplete_message())
            .map(|_| io::ErrorKind::UnexpectedEof),
    })
}

/// Walks an error's sources, looking inside `io::Error`s too (their `source()` skips the error
/// they wrap, which is where tokio-rustls keeps the `rustls::Error`).
fn causes<'a>(
    error: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    let mut next = Some(error);
    // Error chains are short; the bound only guards against a cycle.
    std::iter::from_fn(move || {
        let current = next?;
        next = match current
            .downcast_ref::<io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner as &(dyn StdError + 'static)),
            None => current.source(),
        };
        Some(current)
    })
    .take(32)
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
            Error::Connect(e) => write!(f, "cannot connect to the server: {}", chain(&**e)),
            Error::Tls(e) => write!(f, "TLS failed: {}", chain(&**e)),
            Error::Io(e) => write!(f, "I/O failed: {}", chain(e)),
            Error::Http(e) => write!(f, "HTTP failed: {}", chain(&**e)),
        }
    }
}

/// `outer: inner: innermost`, so a one-line message still says why.
fn chain(error: &(dyn StdError + 'static)) -> String {
    let mut text = String::new();
    for cause in causes(error) {
        let message = cause.to_string();
        if !message.is_empty() && !text.contains(&message) {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&message);
        }
    }
    text
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Error::Proto(e) => Some(e),
            Error::Timeout(_) => None,
            Error::Connect(e) | Error::Tls(e) | Error::Http(e) => Some(&**e),
            Error::Io(e) => Some(e),
        }
    }
}

impl From<immich_proto::Error> for Error {
    fn from(error: immich_proto::Error) -> Self {
        Error::Proto(error)
    }
}

impl From<io::Error> for Error {
    fn from(error: io::Error) -> Self {
        Error::Io(error)
    }
}
