//! One error type for everything the core can refuse or fail to read.
//!
//! Building a request (`InvalidUrl`, `InvalidId`, `InvalidInput`, `VersionRequired`) and
//! reading a response (`Api`, `Decode`, `BodyTooLarge`, `UnexpectedNotModified`) share one
//! enum so a transport lifts it with a single `From`. No variant ever holds the API key or
//! another credential.

use std::fmt;

use http::StatusCode;

use crate::ServerVersion;

/// Everything the protocol core can report.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The base URL given to [`Server::new`](crate::Server::new) is not usable.
    InvalidUrl {
        /// The URL as given (URLs hold no secrets here: the key travels in a header).
        url: String,
        /// Why it was refused.
        reason: &'static str,
    },
    /// An id is not a UUID (or not a version-4 UUID where the server requires one).
    InvalidId {
        /// What the id names, e.g. `"asset"`.
        kind: &'static str,
        /// The offending value, shortened to 64 characters.
        value: String,
        /// Why it was refused.
        reason: &'static str,
    },
    /// Some other argument cannot be sent as given.
    InvalidInput {
        /// Which argument.
        what: &'static str,
        /// Why it was refused.
        reason: String,
    },
    /// The API key contains bytes that cannot go into an HTTP header. The key itself is not shown.
    InvalidApiKey,
    /// Another credential (a session token, a shared link's key, slug or token) is empty or
    /// cannot be sent. The credential itself is not shown.
    InvalidCredential {
        /// Which credential, e.g. `"session token"`.
        what: &'static str,
    },
    /// The operation's wire form depends on the server version, which is not known yet.
    /// Call the transport's `setup` (or [`Server::set_version`](crate::Server::set_version)) first.
    VersionRequired {
        /// The operation that needs it.
        operation: &'static str,
    },
    /// The server is too old for the operation (or one of its options).
    Unsupported {
        /// The operation, or the operation and option, e.g. `getMyApiKey`.
        operation: &'static str,
        /// The first server version that supports it.
        minimum: ServerVersion,
        /// The server's version.
        found: ServerVersion,
    },
    /// The server is too new for the operation: a release after `last` removed it.
    Removed {
        /// The operation.
        operation: &'static str,
        /// The last server version that has it.
        last: ServerVersion,
        /// The server's version.
        found: ServerVersion,
    },
    /// The server is too old for a query parameter, request field or enum value that the
    /// request carries: a release before the one that added it would not know it (and servers
    /// ignore an unknown body field, answering as if the filter were not there). Nothing was
    /// sent.
    UnsupportedParameter(Box<ParameterRefused>),
    /// The server is too new for a query parameter, request field or enum value that the
    /// request carries: a release after the last one that had it removed it. Nothing was sent.
    RemovedParameter(Box<ParameterRefused>),
    /// The server answered with a non-success status.
    Api(Box<ApiError>),
    /// A success body did not decode into the expected model.
    Decode(DecodeError),
    /// A response body is larger than the limit the caller or the core set.
    BodyTooLarge {
        /// The operation whose answer was too big.
        operation: &'static str,
        /// The limit in bytes.
        limit: u64,
    },
    /// A media body saved to a file was longer or shorter than its `Content-Length`: nothing
    /// is kept under the final name.
    BodyLengthMismatch {
        /// The operation.
        operation: &'static str,
        /// The length the answer announced.
        expected: u64,
        /// The bytes received (when longer: as soon as one byte too many arrived).
        actual: u64,
    },
    /// The server answered `304 Not Modified` but nothing is cached for that request.
    UnexpectedNotModified {
        /// The operation.
        operation: &'static str,
    },
    /// A file to upload changed size between planning the body and sending it.
    FileSizeChanged {
        /// The length announced in `Content-Length`.
        expected: u64,
        /// The length actually found.
        actual: u64,
    },
    /// A downloaded file's SHA-1 is not the one the server recorded for the asset: the file is
    /// damaged or incomplete and must not be kept under its final name.
    ChecksumMismatch {
        /// The checksum the asset model names (base64).
        expected: String,
        /// The checksum of the bytes received (base64).
        actual: String,
    },
    /// The server redirected to another origin (scheme, host or port). The request is not
    /// followed there: it carries the credential (API key, session token, cookie or shared-link
    /// key), which must never reach anyone but the server it was given for.
    CrossOriginRedirect {
        /// The operation.
        operation: &'static str,
        /// Where the redirect pointed: scheme, host and port only (the rest may hold a key).
        target_origin: String,
    },
    /// The server kept redirecting: more than `limit` hops for one call.
    TooManyRedirects {
        /// The operation.
        operation: &'static str,
        /// How many redirects were followed before giving up.
        limit: u8,
    },
    /// A paged listing went wrong on the server's side (e.g. it repeated a page token forever).
    Paging {
        /// The operation.
        operation: &'static str,
        /// What happened.
        reason: String,
    },
    /// The server refuses the sync endpoints (`/sync/stream`, `/sync/ack`) to an API key: they
    /// need a login session. Raised before sending when the client holds only an API key, and
    /// from the server's `403` "Sync endpoints cannot be used with API keys".
    SessionRequired,
    /// The sync stream could not be read: a line over the limit, a line that is not an event,
    /// or a stream that ended inside a line.
    SyncStream(crate::sync::SyncStreamError),
}

impl Error {
    /// The HTTP status, when the server answered with an error.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(api) => Some(api.status),
            _ => None,
        }
    }

    /// The API error, when the server answered with an error.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(api) => Some(api.as_ref()),
            _ => None,
        }
    }

    pub(crate) fn invalid_input(what: &'static str, reason: impl Into<String>) -> Self {
        Error::InvalidInput {
            what,
            reason: reason.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidUrl { url, reason } => write!(f, "invalid server URL {url:?}: {reason}"),
            Error::InvalidId {
                kind,
                value,
                reason,
            } => write!(f, "invalid {kind} id {value:?}: {reason}"),
            Error::InvalidInput { what, reason } => write!(f, "invalid {what}: {reason}"),
            Error::InvalidApiKey => {
                f.write_str("the API key contains characters that cannot be sent in a header")
            }
            Error::InvalidCredential { what } => {
                write!(f, "the {what} is empty or contains characters that cannot be sent")
            }
            Error::VersionRequired { operation } => write!(
                f,
                "{operation} depends on the server version, which is not known yet: call setup first"
            ),
            Error::Unsupported {
                operation,
                minimum,
                found,
            } => write!(
                f,
                "{operation} needs Immich v{minimum} or newer; this server is v{found}"
            ),
            Error::Removed {
                operation,
                last,
                found,
            } => write!(
                f,
                "{operation} was removed after Immich v{last}; this server is v{found}"
            ),
            Error::UnsupportedParameter(refused) => write!(
                f,
                "{}: {} needs Immich v{} or newer; this server is v{}, which does not know it \
                 (nothing was sent)",
                refused.operation,
                describe_parameter(refused.parameter),
                refused.release,
                refused.found
            ),
            Error::RemovedParameter(refused) => write!(
                f,
                "{}: {} was removed after Immich v{}; this server is v{} (nothing was sent)",
                refused.operation,
                describe_parameter(refused.parameter),
                refused.release,
                refused.found
            ),
            Error::Api(api) => api.fmt(f),
            Error::Decode(decode) => decode.fmt(f),
            Error::BodyTooLarge { operation, limit } => {
                write!(f, "{operation}: response body is larger than {limit} bytes")
            }
            Error::BodyLengthMismatch {
                operation,
                expected,
                actual,
            } => write!(
                f,
                "{operation}: the server announced {expected} bytes but sent {}{actual}",
                if actual > expected { "at least " } else { "" }
            ),
            Error::UnexpectedNotModified { operation } => write!(
                f,
                "{operation}: server answered 304 Not Modified but nothing is cached"
            ),
            Error::FileSizeChanged { expected, actual } => write!(
                f,
                "the file changed during the upload: expected {expected} bytes, found {actual}"
            ),
            Error::ChecksumMismatch { expected, actual } => write!(
                f,
                "the downloaded file's SHA-1 is {actual}, expected {expected}: the file is damaged or incomplete"
            ),
            Error::Paging { operation, reason } => write!(f, "{operation}: paging failed: {reason}"),
            Error::CrossOriginRedirect {
                operation,
                target_origin,
            } => write!(
                f,
                "{operation}: the server redirected to another origin ({target_origin}); not \
                 followed, so the credential is not sent there"
            ),
            Error::TooManyRedirects { operation, limit } => write!(
                f,
                "{operation}: the server redirected more than {limit} times; gave up"
            ),
            Error::SessionRequired => f.write_str(
                "sync needs a login session, and the server refuses API keys for it: log in \
                 with `Client::login(email, password)` (in the CLI: `immich backup --email \
                 EMAIL`, the password from IMMICH_PASSWORD or --password-stdin)",
            ),
            Error::SyncStream(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for Error {}

/// A non-success answer from the server, in any of the shapes Immich has used.
///
/// v1/v2 send `{"message": "..." | ["..."], "error": "Bad Request", "statusCode": 400,
/// "correlationId": "..."}`; v3 sends `{"message": "...", "errors": [{"message", "path"}]}`.
/// Anything else (an HTML page from a proxy, an empty body) keeps the status and a short excerpt.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The message, all messages joined by `"; "` when the server sent several.
    pub message: String,
    /// Each message as sent (v2 may send an array).
    pub messages: Vec<String>,
    /// The v2 `error` field (the status's reason phrase).
    pub error: Option<String>,
    /// The v2 `statusCode` field.
    pub status_code: Option<u16>,
    /// The correlation id from the body, `X-Correlation-ID` or `x-immich-cid`.
    pub correlation_id: Option<String>,
    /// v3 validation details.
    pub details: Vec<ValidationDetail>,
    /// The start of a body that was not an Immich error JSON (at most 200 characters).
    pub excerpt: Option<String>,
}

/// One v3 validation failure: what is wrong and where in the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationDetail {
    /// What is wrong.
    pub message: String,
    /// Where, as path segments (e.g. `["body", "ids", "0"]`).
    pub path: Vec<String>,
}

impl ApiError {
    /// The permission named by a `403` "Missing required permission: X" answer.
    pub fn missing_permission(&self) -> Option<&str> {
        const PREFIX: &str = "Missing required permission: ";
        self.messages
            .iter()
            .chain(std::iter::once(&self.message))
            .find_map(|m| m.trim().strip_prefix(PREFIX))
            .map(|p| p.trim().trim_end_matches('.'))
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "server answered {}", self.status)?;
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        } else if let Some(excerpt) = &self.excerpt {
            write!(f, ": {excerpt:?}")?;
        }
        for detail in &self.details {
            write!(f, "; {} at {}", detail.message, detail.path.join("."))?;
        }
        if let Some(permission) = self.missing_permission() {
            write!(f, " (grant the API key the permission `{permission}`)")?;
        }
        if let Some(cid) = &self.correlation_id {
            write!(f, " [correlation id {cid}]")?;
        }
        Ok(())
    }
}

/// A success body that did not decode: which operation, where in the JSON, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DecodeError {
    /// The operationId whose answer failed.
    pub operation: &'static str,
    /// The JSON path that failed, e.g. `assets.items[3].exifInfo.fNumber`.
    pub path: String,
    /// serde's message.
    pub message: String,
    /// The start of the body (at most 200 characters).
    pub excerpt: String,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: cannot decode the answer at `{}`: {}",
            self.operation, self.path, self.message
        )
    }
}

/// The first `max` characters of a body, lossily decoded, for messages.
pub(crate) fn excerpt(body: &[u8], max: usize) -> String {
    let head = &body[..body.len().min(max * 4)];
    let text = String::from_utf8_lossy(head);
    let mut out: String = text.chars().take(max).collect();
    if text.chars().count() > max || body.len() > head.len() {
        out.push('…');
    }
    out
}

/// A catalogue item in words: `field:albumIds` is "the field albumIds", `query:size` "the
/// parameter size", `enum:size=fullsize` "the value size=fullsize".
fn describe_parameter(item: &str) -> String {
    match item.split_once(':') {
        Some(("field", name)) => format!("the field {name}"),
        Some(("query", name)) | Some(("path", name)) => format!("the parameter {name}"),
        Some(("enum", value)) => format!("the value {value}"),
        _ => item.to_owned(),
    }
}

/// What [`Error::UnsupportedParameter`] and [`Error::RemovedParameter`] name.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParameterRefused {
    /// The operation, e.g. `searchAssets`.
    pub operation: &'static str,
    /// The item as the catalogue names it: `query:NAME`, `field:NAME` or `enum:NAME=VALUE`,
    /// e.g. `field:albumIds`.
    pub parameter: &'static str,
    /// The first release that has it ([`Error::UnsupportedParameter`]), or the last one that
    /// had it ([`Error::RemovedParameter`]).
    pub release: ServerVersion,
    /// The server's version.
    pub found: ServerVersion,
}
