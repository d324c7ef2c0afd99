//! What every transport shares, defined once: the shape of a media answer, the builder's
//! options ([`ClientOptions`]), the error type ([`Error`]) and which I/O errors mean "the
//! server hung up". Plain data and pure functions; no I/O happens here.
//!
//! A transport keeps only what is its own: how it opens connections (TLS, sockets), how it
//! sends, and how it sorts its HTTP library's errors into [`Error`]'s variants.

use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::time::Duration;

use http::StatusCode;

use crate::{
    ApiError, Auth, EtagCache, MediaHead, SaveCheck, Server, Session, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_READ_TIMEOUT,
};

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
    /// The whole request (connect, sending, the answer's head and all of its body) took longer
    /// than the request deadline ([`ClientOptions::request_deadline`]), however steadily bytes
    /// moved.
    Deadline,
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

/// An error from a transport's HTTP library (hyper, ureq, rustls, ...), kept as the cause of an
/// [`Error`]; `downcast_ref` reaches the library's own type.
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// Everything a transport's client call can fail with, the same type in every transport: the
/// core's errors plus what moving bytes can add. Each transport only sorts its HTTP library's
/// errors into these variants.
///
/// Tell the cases apart with [`kind`](Self::kind) or the `is_*` helpers. No variant ever holds
/// a credential: it travels only in a request header or query, which is never part of an error.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The protocol core refused an input or read an answer: an error status from the server
    /// ([`crate::Error::Api`]), a body that does not decode, a body too large, a file that
    /// changed size during its upload, ...
    Proto(crate::Error),
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

    /// TLS failed.
    pub fn is_tls(&self) -> bool {
        matches!(self, Error::Tls(_))
    }

    /// The HTTP status, when the server answered with an error status.
    pub fn status(&self) -> Option<StatusCode> {
        self.proto().and_then(crate::Error::status)
    }

    /// The core's error, if this is one.
    pub fn proto(&self) -> Option<&crate::Error> {
        match self {
            Error::Proto(e) => Some(e),
            _ => None,
        }
    }

    /// The server's error answer (status, message, correlation id), if this is one.
    pub fn api(&self) -> Option<&ApiError> {
        self.proto().and_then(crate::Error::api)
    }

    /// The permission the API key lacks, when the server refused it for that (`403` with
    /// "Missing required permission: asset.upload").
    pub fn missing_permission(&self) -> Option<&str> {
        self.api().and_then(ApiError::missing_permission)
    }

    /// This error as an `io::Error`, for bodies read through `io::Read` or `AsyncRead`;
    /// `Error::from` turns it back into this error, variant and cause intact. An `Io` error is
    /// returned as it is, and a timeout has the kind `TimedOut`.
    pub fn into_io(self) -> io::Error {
        match self {
            Error::Io(error) => error,
            Error::Timeout(_) => io::Error::new(io::ErrorKind::TimedOut, self),
            other => io::Error::other(other),
        }
    }
}

impl From<crate::Error> for Error {
    fn from(error: crate::Error) -> Self {
        Error::Proto(error)
    }
}

/// Any I/O error: a local file's, or one that carries an error of ours through an `io::Read`
/// or `AsyncRead` boundary (a media body's, from [`Error::into_io`]; an upload body's core
/// error), which comes back out as what it was.
impl From<io::Error> for Error {
    fn from(error: io::Error) -> Self {
        let carries_ours = error
            .get_ref()
            .is_some_and(|inner| inner.is::<Self>() || inner.is::<crate::Error>());
        if !carries_ours {
            return Error::Io(error);
        }
        let kind = error.kind();
        let Some(inner) = error.into_inner() else {
            return Error::Io(kind.into());
        };
        match inner.downcast::<Self>() {
            Ok(ours) => *ours,
            Err(inner) => match inner.downcast::<crate::Error>() {
                Ok(core) => Error::Proto(*core),
                Err(other) => Error::Io(io::Error::new(kind, other)),
            },
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
            Error::Timeout(TimeoutPhase::Deadline) => {
                f.write_str("timed out: the request took longer than its deadline")
            }
            Error::Connect(e) => write!(f, "cannot connect to the server: {}", chain(&**e)),
            Error::Tls(e) => write!(f, "TLS failed: {}", chain(&**e)),
            Error::Io(e) => write!(f, "I/O failed: {}", chain(e)),
            Error::Http(e) => write!(f, "HTTP failed: {}", chain(&**e)),
        }
    }
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

/// An error and the errors behind it, outermost first, looking inside `io::Error`s too: their
/// `source()` skips the error they wrap, which is where TLS libraries keep theirs. For sorting
/// an HTTP library's error ("is there a `rustls::Error` in there?").
pub fn error_causes<'a>(
    error: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    let mut next = Some(error);
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
    // Error chains are short; the bound only guards against a cycle.
    .take(32)
}

/// `outer: inner: innermost`, each message once, so a one-line message still says why.
fn chain(error: &(dyn StdError + 'static)) -> String {
    let mut text = String::new();
    for cause in error_causes(error) {
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

/// Whether a failed write means the server closed the connection while we were still sending.
/// The server may have answered first (a duplicate upload, a 413 from a proxy): a transport then
/// stops sending and reads that answer instead of reporting the write error.
pub fn server_hung_up(kind: io::ErrorKind) -> bool {
    matches!(
        kind,
        io::ErrorKind::BrokenPipe
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
    )
}

/// Copies a media body into a file through the core's [`SaveCheck`]: each chunk is counted
/// before it is written (one byte more than announced, or past the cap, and nothing more is
/// written), `seen` gets every chunk written, and the end is checked against the announced
/// length. A read error comes back as the error it carries, a write error (a full disk) as
/// `Io`. For a transport whose bodies are `io::Read`; an async transport runs the same checks
/// chunk by chunk.
pub fn copy_checked(
    check: &mut SaveCheck,
    body: &mut impl io::Read,
    file: &mut impl io::Write,
    mut seen: impl FnMut(&[u8]),
) -> Result<(), Error> {
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let n = match body.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::from(e)),
        };
        let chunk = buffer.get(..n).unwrap_or_default();
        check.on_chunk(chunk.len())?;
        file.write_all(chunk).map_err(Error::Io)?;
        seen(chunk);
    }
    file.flush().map_err(Error::Io)?;
    Ok(check.finish()?)
}

/// Whether a failed resumable download's partial file should go rather than stay for the next
/// attempt: when the body broke the core's rules (longer or shorter than announced, past the
/// cap) or the disk refused the bytes (full, over quota, file too large). A transfer that
/// merely broke (timeout, reset, early end of the connection) keeps it, to resume after.
pub fn discard_partial_after(error: &Error) -> bool {
    match error {
        Error::Proto(
            crate::Error::BodyLengthMismatch { .. } | crate::Error::BodyTooLarge { .. },
        ) => true,
        Error::Io(e) => matches!(
            e.kind(),
            io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded | io::ErrorKind::FileTooLarge
        ),
        _ => false,
    }
}

/// A setting that exposes the credential or the traffic, decided once here: each transport
/// logs these with `log::warn!` once per client (at `build`, and for a client a login gives),
/// and the CLI prints them on stderr. The text (`Display`) names no credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SecurityWarning {
    /// A credential (API key, session token, shared-link key) goes over plain `http://` to a
    /// host that is not this machine: anyone on the path can read and reuse it.
    PlainHttpCredential,
    /// Server certificates are not checked (`danger_accept_invalid_certs`, `--insecure`):
    /// anyone on the path can read and change the traffic, the credential included.
    CertificatesNotChecked,
}

impl fmt::Display for SecurityWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SecurityWarning::PlainHttpCredential => {
                "the credential is sent over plain http:// to a host that is not this machine; \
                 anyone on the network path can read and reuse it (use https://)"
            }
            SecurityWarning::CertificatesNotChecked => {
                "TLS certificates are not checked: anyone on the network path can read and \
                 change the traffic, the credential included (prefer trusting the server's CA)"
            }
        })
    }
}

/// Whether requests to `server` carry a credential over plain HTTP to a host other than this
/// machine (a loopback address or `localhost`): the one place that decides it.
pub fn sends_credential_in_clear(server: &Server) -> bool {
    let credential = match server.auth() {
        Auth::None => false,
        Auth::ApiKey(_) | Auth::Session(_) => true,
        // A slug is public; a key, or a password-protected link's token, is not.
        Auth::SharedLink { key, token } => !key.is_slug() || token.is_some(),
    };
    credential && !server.is_https() && !is_loopback_host(server.host())
}

/// A host that names this machine: `localhost` (and `*.localhost`, RFC 6761), or a loopback
/// address (`127.0.0.0/8`, `::1`, `::ffff:127.x.y.z`), with or without IPv6 brackets.
pub fn is_loopback_host(host: &str) -> bool {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let name = bare.strip_suffix('.').unwrap_or(bare).to_ascii_lowercase();
    if name == "localhost" || name.ends_with(".localhost") {
        return true;
    }
    match bare.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(v4)) => v4.is_loopback(),
        Ok(std::net::IpAddr::V6(v6)) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
        Err(_) => false,
    }
}

/// What a client with these settings should warn about (see [`SecurityWarning`]).
pub fn security_warnings(server: &Server, accept_invalid_certs: bool) -> Vec<SecurityWarning> {
    let mut warnings = Vec::new();
    if sends_credential_in_clear(server) {
        warnings.push(SecurityWarning::PlainHttpCredential);
    }
    if accept_invalid_certs {
        warnings.push(SecurityWarning::CertificatesNotChecked);
    }
    warnings
}

/// The warnings for a client made from another for `new` settings (after a login, which
/// brings a session token): only what the old client did not already warn about.
pub fn new_security_warnings(old: &Server, new: &Server) -> Vec<SecurityWarning> {
    if sends_credential_in_clear(new) && !sends_credential_in_clear(old) {
        vec![SecurityWarning::PlainHttpCredential]
    } else {
        Vec::new()
    }
}

/// The options every transport's client builder takes, defined once: where the server is and
/// who asks ([`Server`]: URL, credential, device id), the timeouts, the extra root certificates,
/// the certificate check and the ETag cache. A transport's builder holds one and offers the
/// same setters ([`client_builder_options!`](crate::client_builder_options)); what only one
/// transport has (bring your own hyper client or ureq agent) stays in its builder.
///
/// A settings error (a bad URL or key) is kept until [`build`](Self::build), so the setters
/// chain without `?`.
#[derive(Debug)]
pub struct ClientOptions {
    server: Result<Server, crate::Error>,
    connect_timeout: Option<Duration>,
    read_timeout: Duration,
    request_deadline: Option<Duration>,
    max_file_bytes: Option<u64>,
    proxies: Option<crate::proxy::ProxyEnv>,
    root_certificates_pem: Vec<Vec<u8>>,
    accept_invalid_certs: bool,
    etag_cache: Option<(usize, usize)>,
}

/// What a transport builds its client from: the [`ClientOptions`], checked, with the defaults
/// filled in.
#[derive(Debug)]
#[non_exhaustive]
pub struct ClientSettings {
    /// The server settings, with the ETag cache when one was asked for.
    pub session: Session,
    /// How long a request may move no bytes at all, in either direction.
    pub read_timeout: Duration,
    /// The longest one request may take in all (connect, sending, head and whole body, a
    /// streamed media body included); `None`: no limit beyond the other timeouts.
    pub request_deadline: Option<Duration>,
    /// The most bytes a media file saved to disk may hold (`save_media`, `download_original`);
    /// `None`: no cap. Checked with the core's [`SaveCheck`].
    pub max_file_bytes: Option<u64>,
    /// What to warn about once for this client (log it with `log::warn!`).
    pub warnings: Vec<SecurityWarning>,
    /// How to open connections, for a transport that builds its own HTTP client.
    pub connection: ConnectionSettings,
}

/// How a transport's own HTTP client opens connections.
#[derive(Debug)]
#[non_exhaustive]
pub struct ConnectionSettings {
    /// The longest a connection may take to open (name lookup, TCP, TLS handshake).
    pub connect_timeout: Duration,
    /// PEM data whose certificates are trusted besides the usual roots.
    pub root_certificates_pem: Vec<Vec<u8>>,
    /// Accept any server certificate (see `danger_accept_invalid_certs`).
    pub accept_invalid_certs: bool,
    /// The proxy settings given to the builder; `None`: the transport reads them from the
    /// environment with [`ProxyEnv::from_vars`](crate::proxy::ProxyEnv::from_vars).
    pub proxies: Option<crate::proxy::ProxyEnv>,
}

impl ClientOptions {
    /// Starts from the server's base URL (`https://photos.example.com`, with an optional path
    /// prefix; see [`Server::new`]). A bad URL is reported by [`build`](Self::build).
    pub fn new(base_url: &str) -> Self {
        Self::from_result(Server::new(base_url))
    }

    /// Starts from server settings built with [`Server`].
    pub fn from_server(server: Server) -> Self {
        Self::from_result(Ok(server))
    }

    fn from_result(server: Result<Server, crate::Error>) -> Self {
        ClientOptions {
            server,
            connect_timeout: None,
            read_timeout: DEFAULT_READ_TIMEOUT,
            request_deadline: None,
            max_file_bytes: None,
            proxies: None,
            root_certificates_pem: Vec::new(),
            accept_invalid_certs: false,
            etag_cache: None,
        }
    }

    crate::__client_option_setters!(options);

    /// Checks the options and fills in the defaults. `shared_http_client` says the transport was
    /// handed an HTTP client to send through: its connect timeout and TLS settings are its own,
    /// so setting them here too is refused rather than silently ignored.
    pub fn build(self, shared_http_client: bool) -> Result<ClientSettings, crate::Error> {
        let server = self.server?;
        let connection_options_set = self.connect_timeout.is_some()
            || !self.root_certificates_pem.is_empty()
            || self.accept_invalid_certs
            || self.proxies.is_some();
        if shared_http_client && connection_options_set {
            return Err(crate::Error::InvalidInput {
                what: "client builder",
                reason: "the connect timeout, certificate and proxy options configure the HTTP \
                         client the builder creates; set them on your own client instead"
                    .to_owned(),
            });
        }
        let warnings = security_warnings(&server, self.accept_invalid_certs);
        let mut session = Session::new(server);
        if let Some((max_entries, max_bytes)) = self.etag_cache {
            session = session.with_etag_cache(EtagCache::new(max_entries, max_bytes));
        }
        Ok(ClientSettings {
            session,
            read_timeout: self.read_timeout,
            request_deadline: self.request_deadline,
            max_file_bytes: self.max_file_bytes,
            warnings,
            connection: ConnectionSettings {
                connect_timeout: self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT),
                root_certificates_pem: self.root_certificates_pem,
                accept_invalid_certs: self.accept_invalid_certs,
                proxies: self.proxies,
            },
        })
    }
}

/// The setters of [`ClientOptions`], each written once and expanded twice: on `ClientOptions`
/// itself (`options`), and on a transport's builder (`builder`, through
/// [`client_builder_options!`](crate::client_builder_options)), where each forwards to the
/// builder's `options` field.
#[doc(hidden)]
#[macro_export]
macro_rules! __client_option_setters {
    ($mode:ident) => {
        $crate::__client_option_setter! { $mode
            /// The API key, sent as `x-api-key` (never logged or shown in errors). Replaces any
            /// other credential.
            fn api_key(self, key: &str) {
                self.server = self.server.and_then(|server| server.with_api_key(key));
            }
        }
        $crate::__client_option_setter! { $mode
            /// A login session's token (from a login, stored with
            /// [`SessionToken::expose_secret`](crate::SessionToken::expose_secret)), sent as
            /// `Authorization: Bearer` instead of an API key. Never logged or shown in errors.
            fn session_token(self, token: &str) {
                self.server = self.server.and_then(|server| server.with_session_token(token));
            }
        }
        $crate::__client_option_setter! { $mode
            /// Opens a shared link by its key (the secret part of `/share/{key}`): every request
            /// carries `key=<key>` in its query and sees only what the link shows. Replaces an
            /// API key.
            fn shared_link_key(self, key: &str) {
                self.server = self.server.and_then(|server| server.with_shared_link_key(key));
            }
        }
        $crate::__client_option_setter! { $mode
            /// Opens a shared link by its custom slug (`/s/{slug}`, Immich v1.137+): every
            /// request carries `slug=<slug>` in its query. Replaces an API key.
            fn shared_link_slug(self, slug: &str) {
                self.server = self.server.and_then(|server| server.with_shared_link_slug(slug));
            }
        }
        $crate::__client_option_setter! { $mode
            /// The device id servers before v3 require on uploads (default `immich-rs`).
            fn device_id(self, device_id: impl Into<String>) {
                self.server = self.server.map(|server| server.with_device_id(device_id));
            }
        }
        $crate::__client_option_setter! { $mode
            /// How long opening a connection may take: name lookup, TCP connect and TLS
            /// handshake (default [`DEFAULT_CONNECT_TIMEOUT`](crate::DEFAULT_CONNECT_TIMEOUT)).
            fn connect_timeout(self, timeout: std::time::Duration) {
                self.connect_timeout = Some(timeout);
            }
        }
        $crate::__client_option_setter! { $mode
            /// How long a request may move no bytes at all, in either direction (default
            /// [`DEFAULT_READ_TIMEOUT`](crate::DEFAULT_READ_TIMEOUT)). Every chunk sent or
            /// received starts the wait again, so a long upload over a slow link that keeps
            /// moving is never cut off. Applies to a shared HTTP client too.
            fn read_timeout(self, timeout: std::time::Duration) {
                self.read_timeout = timeout;
            }
        }
        $crate::__client_option_setter! { $mode
            /// The longest one request may take in all: connect, sending the request, the
            /// answer's head and its whole body, a streamed media body included (timed from the
            /// call until the body's last byte). Past it the request fails with
            /// `Error::Timeout(TimeoutPhase::Deadline)`, however steadily bytes trickle in.
            /// No deadline by default (a long upload over a slow link may take hours); applies
            /// to a shared HTTP client too.
            fn request_deadline(self, deadline: std::time::Duration) {
                self.request_deadline = Some(deadline);
            }
        }
        $crate::__client_option_setter! { $mode
            /// The most bytes a media file saved to disk (`save_media`, `download_original`)
            /// may hold; a larger answer fails with `BodyTooLarge` and leaves nothing under the
            /// final name (refused before the first byte when its `Content-Length` says so).
            /// No cap by default: originals may be videos of many gigabytes.
            fn max_file_bytes(self, limit: u64) {
                self.max_file_bytes = Some(limit);
            }
        }
        $crate::__client_option_setter! { $mode
            /// Uses these proxy settings instead of the environment's (`https_proxy`,
            /// `http_proxy`, `no_proxy`, read as curl reads them; see
            /// [`proxy`](crate::proxy)). [`ProxyEnv::none`](crate::proxy::ProxyEnv::none)
            /// connects directly whatever the environment says.
            fn proxies(self, proxies: $crate::proxy::ProxyEnv) {
                self.proxies = Some(proxies);
            }
        }
        $crate::__client_option_setter! { $mode
            /// Also trusts the certificate authorities in this PEM data (a home server's own
            /// CA, or its self-signed certificate), besides the usual roots. May be called
            /// several times; PEM data that holds no certificate is a TLS error at `build`.
            fn add_root_certificate_pem(self, pem: &[u8]) {
                self.root_certificates_pem.push(pem.to_vec());
            }
        }
        $crate::__client_option_setter! { $mode
            /// Accepts any server certificate: expired, self-signed, for another name. Anyone
            /// on the path can then read and change the traffic, API key included. Prefer
            /// `add_root_certificate_pem`.
            fn danger_accept_invalid_certs(self, accept: bool) {
                self.accept_invalid_certs = accept;
            }
        }
        $crate::__client_option_setter! { $mode
            /// Turns on the ETag cache, holding at most `max_entries` answers and `max_bytes`
            /// of bodies.
            fn etag_cache(self, max_entries: usize, max_bytes: usize) {
                self.etag_cache = Some((max_entries, max_bytes));
            }
        }
    };
}

/// One setter of [`__client_option_setters!`]: the body itself on `ClientOptions`, a
/// forwarding call on a builder.
#[doc(hidden)]
#[macro_export]
macro_rules! __client_option_setter {
    (
        options
        $(#[$doc:meta])*
        fn $name:ident($this:ident $(, $arg:ident: $type:ty)*) $body:block
    ) => {
        $(#[$doc])*
        pub fn $name(mut $this $(, $arg: $type)*) -> Self {
            $body
            $this
        }
    };
    (
        builder
        $(#[$doc:meta])*
        fn $name:ident($this:ident $(, $arg:ident: $type:ty)*) $body:block
    ) => {
        $(#[$doc])*
        pub fn $name(mut $this $(, $arg: $type)*) -> Self {
            $this.options = $this.options.$name($($arg),*);
            $this
        }
    };
}

/// The constructors and setters of [`ClientOptions`] on a transport's client builder, expanded
/// once inside its `impl ClientBuilder { .. }`. The builder must have a field
/// `options: ClientOptions` and an associated function `from_options(ClientOptions) -> Self`.
#[macro_export]
macro_rules! client_builder_options {
    () => {
        /// Starts from the server's base URL (`https://photos.example.com`, with an optional
        /// path prefix; see [`Server::new`](crate::Server::new)). Settings errors are reported
        /// by [`build`](Self::build).
        pub fn new(base_url: &str) -> Self {
            Self::from_options($crate::transport::ClientOptions::new(base_url))
        }

        /// Starts from settings built with the core's [`Server`](crate::Server).
        pub fn from_server(server: $crate::Server) -> Self {
            Self::from_options($crate::transport::ClientOptions::from_server(server))
        }

        $crate::__client_option_setters!(builder);
    };
}

/// What each transport re-exports at its root (`pub use immich_proto::transport::reexports::*;`),
/// the same list in every transport, so an application depends on one crate and switching
/// transports changes no import.
pub mod reexports {
    pub use super::{
        BoxError, ClientOptions, Error, ErrorKind, Media, SecurityWarning, TimeoutPhase,
    };
    pub use crate::all_areas::*;
    pub use crate::assets::UploadOptions;
    pub use crate::{
        catalogue, models, ActivityId, AlbumId, ApiError, ApiKeyId, AssetId, Auth, ByteRange,
        Capabilities, ContentRange, Date, DateTime, Endpoint, FaceId, Flow, LibraryId,
        MediaEndpoint, MediaHead, MemoryId, NotificationId, Paged, Pager, Patch, Permission,
        PersonId, Secret, Server, ServerVersion, Session, SessionId, SessionToken, SharedLinkId,
        SharedLinkKey, SharedLinkToken, StackId, TagId, UserId, Uuid, DEFAULT_CONNECT_TIMEOUT,
        DEFAULT_READ_TIMEOUT, MAX_MEDIA_BYTES, POOL_IDLE_TIMEOUT,
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hang_ups_are_told_from_other_write_errors() {
        assert!(server_hung_up(io::ErrorKind::BrokenPipe));
        assert!(server_hung_up(io::ErrorKind::ConnectionReset));
        assert!(!server_hung_up(io::ErrorKind::PermissionDenied));
        assert!(!server_hung_up(io::ErrorKind::TimedOut));
    }

    fn not_found() -> crate::Error {
        crate::error_from_response(
            &http::Response::builder()
                .status(404)
                .body(())
                .unwrap()
                .into_parts()
                .0,
            b"{}",
        )
    }

    #[test]
    fn core_errors_are_status_or_protocol() {
        assert_eq!(ErrorKind::of(&not_found()), ErrorKind::Status);
        assert_eq!(
            ErrorKind::of(&crate::Error::InvalidApiKey),
            ErrorKind::Protocol
        );
        let status = Error::from(not_found());
        assert_eq!(status.kind(), ErrorKind::Status);
        assert_eq!(status.status(), Some(StatusCode::NOT_FOUND));
        assert!(!status.is_timeout() && !status.is_connect() && !status.is_tls());
    }

    #[test]
    fn errors_cross_io_boundaries_intact() {
        let timeout = Error::Timeout(TimeoutPhase::Read).into_io();
        assert_eq!(timeout.kind(), io::ErrorKind::TimedOut);
        assert!(matches!(
            Error::from(timeout),
            Error::Timeout(TimeoutPhase::Read)
        ));
        let refused = io::Error::from(io::ErrorKind::ConnectionRefused);
        let refused = Error::Connect(refused.into()).into_io();
        assert!(Error::from(refused).is_connect());
        let core = io::Error::other(crate::Error::FileSizeChanged {
            expected: 2,
            actual: 1,
        });
        assert!(matches!(
            Error::from(core),
            Error::Proto(crate::Error::FileSizeChanged { .. })
        ));
        let plain = io::Error::new(io::ErrorKind::NotFound, "no such file");
        let plain = Error::from(plain).into_io();
        assert_eq!(plain.kind(), io::ErrorKind::NotFound);
        assert!(matches!(Error::from(plain), Error::Io(_)));
    }

    #[test]
    fn messages_name_every_cause_once() {
        let inner = io::Error::new(io::ErrorKind::ConnectionRefused, "connection refused");
        let outer = io::Error::other(inner);
        assert_eq!(
            Error::Connect(outer.into()).to_string(),
            "cannot connect to the server: connection refused"
        );
        let wrapped = io::Error::other(format!("handshake: {}", "bad certificate"));
        assert_eq!(
            Error::Tls(io::Error::other(wrapped).into()).to_string(),
            "TLS failed: handshake: bad certificate"
        );
    }

    fn sized(len: Option<u64>) -> MediaHead {
        MediaHead {
            status: StatusCode::OK,
            content_type: None,
            content_length: len,
            etag: None,
            last_modified: None,
            content_range: None,
        }
    }

    /// A writer that takes `room` bytes and then fails as a full disk does.
    struct FullDisk {
        room: usize,
        written: Vec<u8>,
    }

    impl io::Write for FullDisk {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.room == 0 {
                return Err(io::ErrorKind::StorageFull.into());
            }
            let n = buf.len().min(self.room);
            self.room -= n;
            self.written.extend_from_slice(&buf[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn copy_checked_stops_at_a_full_disk_and_a_wrong_length() {
        let body = vec![7u8; 200_000];
        // A disk that fills up part-way: an `Io` error, and the partial file is to go.
        let mut check = SaveCheck::new("op", &sized(Some(200_000)), None, 0).unwrap();
        let mut disk = FullDisk {
            room: 70_000,
            written: Vec::new(),
        };
        let error = copy_checked(&mut check, &mut &body[..], &mut disk, |_| {}).unwrap_err();
        assert!(matches!(&error, Error::Io(e) if e.kind() == io::ErrorKind::StorageFull));
        assert!(discard_partial_after(&error));
        assert_eq!(disk.written.len(), 70_000);
        // The real thing where there is one: /dev/full answers every write with ENOSPC.
        #[cfg(target_os = "linux")]
        if let Ok(mut full) = std::fs::OpenOptions::new().write(true).open("/dev/full") {
            let mut check = SaveCheck::new("op", &sized(Some(200_000)), None, 0).unwrap();
            let error = copy_checked(&mut check, &mut &body[..], &mut full, |_| {}).unwrap_err();
            assert!(discard_partial_after(&error), "{error:?}");
        }
        // Longer than announced: the extra chunk is never written.
        let mut check = SaveCheck::new("op", &sized(Some(100)), None, 0).unwrap();
        let mut file = Vec::new();
        let mut seen = 0;
        let error =
            copy_checked(&mut check, &mut &body[..], &mut file, |c| seen += c.len()).unwrap_err();
        assert!(matches!(
            error,
            Error::Proto(crate::Error::BodyLengthMismatch { expected: 100, .. })
        ));
        assert!(file.is_empty() && seen == 0);
        // Shorter than announced.
        let mut check = SaveCheck::new("op", &sized(Some(300_000)), None, 0).unwrap();
        let error = copy_checked(&mut check, &mut &body[..], &mut Vec::new(), |_| {}).unwrap_err();
        assert!(discard_partial_after(&error), "{error:?}");
        // Exactly right.
        let mut check = SaveCheck::new("op", &sized(Some(200_000)), None, 0).unwrap();
        let mut file = Vec::new();
        copy_checked(&mut check, &mut &body[..], &mut file, |_| {}).unwrap();
        assert_eq!(file, body);
        // A broken transfer keeps its partial file, to resume after.
        assert!(!discard_partial_after(&Error::Timeout(TimeoutPhase::Read)));
        assert!(!discard_partial_after(&Error::Io(
            io::ErrorKind::UnexpectedEof.into()
        )));
    }

    #[test]
    fn plain_http_with_a_credential_to_another_host_is_told_apart() {
        let warned = |url: &str, key: bool, insecure: bool| {
            let mut options = ClientOptions::new(url).danger_accept_invalid_certs(insecure);
            if key {
                options = options.api_key("secret");
            }
            options.build(false).unwrap().warnings
        };
        let plain = [SecurityWarning::PlainHttpCredential];
        assert_eq!(warned("http://photos.example.com", true, false), plain);
        assert_eq!(warned("http://192.168.1.20:2283", true, false), plain);
        assert_eq!(warned("http://[fe80::1]:2283", true, false), plain);
        assert_eq!(warned("http://127.0.0.2.example.com", true, false), plain);
        for quiet in [
            "https://photos.example.com",
            "http://localhost:2283",
            "http://LOCALHOST.:2283",
            "http://immich.localhost",
            "http://127.0.0.1:2283",
            "http://127.1.2.3",
            "http://[::1]:2283",
            "http://[::ffff:127.0.0.1]",
        ] {
            assert!(warned(quiet, true, false).is_empty(), "{quiet}");
        }
        // No credential, nothing to leak.
        assert!(warned("http://photos.example.com", false, false).is_empty());
        assert_eq!(
            warned("https://photos.example.com", true, true),
            [SecurityWarning::CertificatesNotChecked]
        );
        let server = Server::new("http://photos.example.com").unwrap();
        let slug = server.clone().with_shared_link_slug("summer").unwrap();
        assert!(!sends_credential_in_clear(&slug));
        let key = server.clone().with_shared_link_key("k3y").unwrap();
        assert!(sends_credential_in_clear(&key));
        let session = server.clone().with_session_token("t0ken").unwrap();
        assert_eq!(
            new_security_warnings(&server, &session),
            [SecurityWarning::PlainHttpCredential]
        );
        assert!(new_security_warnings(&key, &session).is_empty());
        for warning in warned("http://photos.example.com", true, true) {
            assert!(!warning.to_string().contains("secret"));
        }
    }

    #[test]
    fn options_fill_in_the_defaults() {
        let settings = ClientOptions::new("http://photos.local:2283")
            .api_key("secret")
            .etag_cache(10, 1000)
            .build(false)
            .unwrap();
        assert_eq!(settings.read_timeout, DEFAULT_READ_TIMEOUT);
        assert_eq!(settings.connection.connect_timeout, DEFAULT_CONNECT_TIMEOUT);
        assert!(settings.session.cache().is_some());
        assert!(settings.session.server().api_key().is_some());
    }

    #[test]
    fn options_report_settings_errors_at_build() {
        let bad_url = ClientOptions::new("photos.local").api_key("secret");
        assert!(matches!(
            bad_url.build(false),
            Err(crate::Error::InvalidUrl { .. })
        ));
        let bad_key = ClientOptions::new("http://photos.local").api_key("bad\nkey");
        assert_eq!(
            bad_key.build(false).unwrap_err(),
            crate::Error::InvalidApiKey
        );
    }

    #[test]
    fn a_shared_http_client_takes_no_connection_options() {
        let plain = ClientOptions::new("https://photos.local").read_timeout(Duration::from_secs(1));
        assert!(plain.build(true).is_ok());
        for options in [
            ClientOptions::new("https://photos.local").connect_timeout(Duration::from_secs(1)),
            ClientOptions::new("https://photos.local").add_root_certificate_pem(b"pem"),
            ClientOptions::new("https://photos.local").danger_accept_invalid_certs(true),
        ] {
            assert!(matches!(
                options.build(true),
                Err(crate::Error::InvalidInput { .. })
            ));
        }
    }
}
