//! The vocabulary both transports share: the shape of a media answer, the classes of failure,
//! and which I/O errors mean "the server hung up". Plain data; no I/O happens here.

use crate::MediaHead;

/// A media answer: what the head says, and the body (a transport's streaming body, or `Bytes`).
#[derive(Debug)]
pub struct Media<B> {
    /// Status, content type, length, ETag, range.
    pub head: MediaHead,
    /// The body.
    pub body: B,
}

/// Which wait ran out of time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeoutPhase {
    /// Resolving the name or opening the connection took longer than the connect timeout.
    Connect,
    /// A request was in flight, but no bytes moved in either direction for the read timeout.
    Read,
}

/// The broad class of a transport's error, the same in every transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The server answered with an error status.
    Status,
    /// The core refused an input or could not read a successful answer.
    Protocol,
    /// A connect or read timeout.
    Timeout,
    /// The connection could not be opened (refused, unreachable, name not resolved).
    Connect,
    /// TLS failed.
    Tls,
    /// Local or connection I/O failed (a file, or a connection broken mid-answer).
    Io,
    /// Another HTTP failure.
    Http,
}

impl ErrorKind {
    /// The class of a core error: `Status` for an error answer, `Protocol` for anything else.
    pub fn of(error: &crate::Error) -> Self {
        match error {
            crate::Error::Api(_) => ErrorKind::Status,
            _ => ErrorKind::Protocol,
        }
    }
}

/// Whether a failed write means the server closed the connection while we were still sending.
/// The server may have answered first (a duplicate upload, a 413 from a proxy): a transport then
/// stops sending and reads that answer instead of reporting the write error.
pub fn server_hung_up(kind: std::io::ErrorKind) -> bool {
    matches!(
        kind,
        std::io::ErrorKind::BrokenPipe
            | std::io::ErrorKind::ConnectionReset
            | std::io::ErrorKind::ConnectionAborted
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hang_ups_are_told_from_other_write_errors() {
        assert!(server_hung_up(std::io::ErrorKind::BrokenPipe));
        assert!(server_hung_up(std::io::ErrorKind::ConnectionReset));
        assert!(!server_hung_up(std::io::ErrorKind::PermissionDenied));
        assert!(!server_hung_up(std::io::ErrorKind::TimedOut));
    }

    #[test]
    fn core_errors_are_status_or_protocol() {
        let api = crate::error_from_response(
            &http::Response::builder()
                .status(404)
                .body(())
                .unwrap()
                .into_parts()
                .0,
            b"{}",
        );
        assert_eq!(ErrorKind::of(&api), ErrorKind::Status);
        assert_eq!(
            ErrorKind::of(&crate::Error::InvalidApiKey),
            ErrorKind::Protocol
        );
    }
}
