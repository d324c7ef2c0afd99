//! The client: one exchange loop through the core, plus thin per-operation methods.

use std::fs;
use std::hash::BuildHasher;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Method, Request, Response};
use immich_proto::server::GetServerVersion;
use immich_proto::{media_error, media_head, MediaOutcome, MAX_ERROR_BODY, MAX_JSON_BODY};
use immich_proto::{Endpoint, EtagCache, Flow, MediaEndpoint, MediaHead, Paged, Pager};
use immich_proto::{Server, ServerVersion, Session, Step};
use ureq::{Agent, AsSendBody};

use crate::error::from_body_io;
use crate::transport::{build_agent, AgentSettings};
use crate::Error;

/// Default connect timeout (name lookup, TCP and TLS handshake).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default read timeout: the longest the connection may sit without moving a byte. Generous,
/// because a proxy that buffers a whole upload answers only after passing it on.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(300);
/// The size limit [`Client::thumbnail`] and [`Client::person_thumbnail`] put on a body.
pub const MAX_THUMBNAIL_BODY: u64 = 64 * 1024 * 1024;

/// A blocking Immich client. Cheap to clone; clones share the connection pool, the learned
/// server version and the ETag cache.
#[derive(Clone)]
pub struct Client {
    pub(crate) session: Arc<Session>,
    pub(crate) agent: Agent,
    /// The agent came from the caller: force our per-request settings onto each request.
    foreign_agent: bool,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("server", self.session.server())
            .finish_non_exhaustive()
    }
}

/// Builds a [`Client`]: `Client::builder(url).api_key(key).build()?`.
///
/// Settings errors (a bad URL or key) are reported by [`build`](Self::build).
#[derive(Debug)]
pub struct ClientBuilder {
    server: Result<Server, immich_proto::Error>,
    connect_timeout: Option<Duration>,
    read_timeout: Option<Duration>,
    root_pems: Vec<Vec<u8>>,
    accept_invalid_certs: bool,
    etag_cache: Option<(usize, usize)>,
    agent: Option<Agent>,
}

impl ClientBuilder {
    /// Starts from the server's base URL (`https://photos.example.com`, with an optional path
    /// prefix; see [`Server::new`]).
    pub fn new(base_url: &str) -> Self {
        Self::start(Server::new(base_url))
    }

    /// Starts from settings built with the core's [`Server`].
    pub fn from_server(server: Server) -> Self {
        Self::start(Ok(server))
    }

    fn start(server: Result<Server, immich_proto::Error>) -> Self {
        ClientBuilder {
            server,
            connect_timeout: None,
            read_timeout: None,
            root_pems: Vec::new(),
            accept_invalid_certs: false,
            etag_cache: None,
            agent: None,
        }
    }

    /// The API key, sent as `x-api-key` (never logged or shown in errors).
    pub fn api_key(mut self, key: &str) -> Self {
        self.server = self.server.and_then(|s| s.with_api_key(key));
        self
    }

    /// The device id servers before v3 want with uploads (default `immich-rs`).
    pub fn device_id(mut self, device_id: impl Into<String>) -> Self {
        self.server = self.server.map(|s| s.with_device_id(device_id));
        self
    }

    /// Connect timeout: name lookup, TCP connect and TLS handshake, each limited by this
    /// (default [`DEFAULT_CONNECT_TIMEOUT`]).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Idle timeout: fail when no byte is received (or, while sending, accepted by the server)
    /// for this long (default [`DEFAULT_READ_TIMEOUT`]). There is no limit on a whole exchange,
    /// so a long upload or download that keeps moving is never cut off.
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = Some(timeout);
        self
    }

    /// Trusts the certificates in a PEM bundle as root CAs, in addition to the bundled
    /// (webpki) roots: for a home server with its own CA or a self-signed certificate.
    pub fn add_root_certificate_pem(mut self, pem: &[u8]) -> Self {
        self.root_pems.push(pem.to_vec());
        self
    }

    /// **Dangerous:** with `true`, any certificate is accepted, so anyone on the network path
    /// can read and change the traffic, API key included. Prefer
    /// [`add_root_certificate_pem`](Self::add_root_certificate_pem).
    pub fn danger_accept_invalid_certs(mut self, accept: bool) -> Self {
        self.accept_invalid_certs = accept;
        self
    }

    /// Turns on the ETag cache: repeated reads of unchanged JSON answers cost a `304`.
    /// Bounded by entry count and total body bytes.
    pub fn etag_cache(mut self, max_entries: usize, max_bytes: usize) -> Self {
        self.etag_cache = Some((max_entries, max_bytes));
        self
    }

    /// Uses an agent the application built, to share its connection pool.
    ///
    /// The agent's own timeouts, TLS and proxy settings apply, so combining this with
    /// [`connect_timeout`](Self::connect_timeout), [`read_timeout`](Self::read_timeout) or the
    /// certificate options is an error. Each request is sent with `http_status_as_error(false)`
    /// and `max_redirects(0)` (a redirect would carry the API key elsewhere), whatever the
    /// agent says. Give the agent idle limits (`timeout_per_read`, `timeout_per_write`) rather
    /// than total ones (`timeout_global`, `timeout_send_body`), which would cut long uploads.
    /// An early answer to an upload (a duplicate announced before the body was read) is only
    /// recovered on agents this crate builds.
    pub fn agent(mut self, agent: Agent) -> Self {
        self.agent = Some(agent);
        self
    }

    /// Builds the client. No request is sent; call [`Client::setup`] to learn the version.
    pub fn build(self) -> Result<Client, Error> {
        let server = self.server?;
        let mut session = Session::new(server);
        if let Some((entries, bytes)) = self.etag_cache {
            session = session.with_etag_cache(EtagCache::new(entries, bytes));
        }
        let agent_options_set = self.connect_timeout.is_some()
            || self.read_timeout.is_some()
            || !self.root_pems.is_empty()
            || self.accept_invalid_certs;
        let (agent, foreign_agent) = match self.agent {
            Some(_) if agent_options_set => {
                return Err(immich_proto::Error::InvalidInput {
                    what: "client builder",
                    reason: "timeouts and certificate options configure the agent the builder \
                             creates; set them on your own agent instead"
                        .to_owned(),
                }
                .into())
            }
            Some(agent) => (agent, true),
            None => {
                let mut extra_roots = Vec::new();
                for pem in &self.root_pems {
                    let before = extra_roots.len();
                    for item in ureq::tls::parse_pem(pem) {
                        if let ureq::tls::PemItem::Certificate(cert) = item? {
                            extra_roots.push(cert);
                        }
                    }
                    if extra_roots.len() == before {
                        return Err(Error::Tls(ureq::Error::Tls("no certificate in a root PEM")));
                    }
                }
                let settings = AgentSettings {
                    connect_timeout: self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT),
                    read_timeout: self.read_timeout.unwrap_or(DEFAULT_READ_TIMEOUT),
                    extra_roots,
                    accept_invalid_certs: self.accept_invalid_certs,
                };
                (build_agent(settings), false)
            }
        };
        Ok(Client {
            session: Arc::new(session),
            agent,
            foreign_agent,
        })
    }
}

impl Client {
    /// A builder for `base_url`.
    pub fn builder(base_url: &str) -> ClientBuilder {
        ClientBuilder::new(base_url)
    }

    /// A client with an API key and default settings.
    pub fn new(base_url: &str, api_key: &str) -> Result<Client, Error> {
        ClientBuilder::new(base_url).api_key(api_key).build()
    }

    /// The core's session: server settings, learned version, ETag cache.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The server settings.
    pub fn server(&self) -> &Server {
        self.session.server()
    }

    /// The ureq agent in use.
    pub fn agent(&self) -> &Agent {
        &self.agent
    }

    /// Reads `GET /server/version` and records it, so version-dependent operations know which
    /// wire form to use. Call once after building.
    pub fn setup(&self) -> Result<ServerVersion, Error> {
        let version = self.send(&GetServerVersion)?;
        self.server().set_version(version.clone());
        Ok(version)
    }

    /// Sends one operation and parses its answer.
    pub fn send<E: Endpoint>(&self, endpoint: &E) -> Result<E::Output, Error> {
        let request = endpoint.request(self.server())?;
        let response = self.exchange(E::OPERATION_ID, request)?;
        Ok(immich_proto::parse_response(endpoint, response)?)
    }

    /// Runs a multi-request operation to its end.
    pub fn run<F: Flow>(&self, mut flow: F) -> Result<F::Output, Error> {
        let operation = std::any::type_name::<F>();
        let mut last = None;
        loop {
            match flow.step(self.server(), last.take())? {
                Step::Send(request) => last = Some(self.exchange(operation, request)?),
                Step::Done(output) => return Ok(output),
            }
        }
    }

    /// A lazy iterator over every item of a paged listing: a page is fetched only when the
    /// items before it have been consumed. It ends after the first error.
    pub fn pages<P: Paged>(&self, pager: Pager<P>) -> Pages<P> {
        Pages {
            client: self.clone(),
            pager,
            buffered: Vec::new().into_iter(),
            finished: false,
        }
    }

    /// Requests a media answer and returns its head and the live body. On an error status,
    /// the (bounded) error body is read and returned as the core's typed error.
    pub fn media<M: MediaEndpoint>(&self, endpoint: &M) -> Result<Media<MediaBody>, Error> {
        let request = endpoint.request(self.server())?;
        let (method, path, started) = (request.method().clone(), path_of(&request), Instant::now());
        let response = self.call_bytes(request)?;
        log_exchange(&method, &path, response.status(), started);
        let (head, body) = response.into_parts();
        match media_head(M::OPERATION_ID, &head)? {
            MediaOutcome::Stream(head) => Ok(Media {
                head,
                body: MediaBody(body.into_reader()),
            }),
            MediaOutcome::ReadError => {
                let error_body = read_at_most(body.into_reader(), MAX_ERROR_BODY)?;
                Err(media_error(&head, &error_body).into())
            }
        }
    }

    /// A media answer read into memory, refused with `BodyTooLarge` beyond `limit` bytes.
    pub fn media_bytes<M: MediaEndpoint>(
        &self,
        endpoint: &M,
        limit: u64,
    ) -> Result<Media<Bytes>, Error> {
        let too_large = || immich_proto::Error::BodyTooLarge {
            operation: M::OPERATION_ID,
            limit,
        };
        let Media { head, body } = self.media(endpoint)?;
        if head.content_length.is_some_and(|len| len > limit) {
            return Err(too_large().into());
        }
        let bytes = read_at_most(body, limit.saturating_add(1))?;
        if bytes.len() as u64 > limit {
            return Err(too_large().into());
        }
        Ok(Media {
            head,
            body: Bytes::from(bytes),
        })
    }

    /// Streams a media answer into `path` through a temporary file in the same directory,
    /// renamed at the end: nothing half-written ever appears under `path`.
    pub fn save_media<M: MediaEndpoint>(
        &self,
        endpoint: &M,
        path: impl AsRef<Path>,
    ) -> Result<MediaHead, Error> {
        let target = path.as_ref();
        let Media { head, mut body } = self.media(endpoint)?;
        let mut temp = TempFile::create_next_to(target)?;
        let mut buffer = vec![0u8; 64 * 1024];
        loop {
            let n = match body.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(from_body_io(e)),
            };
            temp.file.write_all(&buffer[..n]).map_err(Error::Io)?;
        }
        temp.persist(target)?;
        Ok(head)
    }

    /// The one exchange loop: cache hook, send, bounded body read, cache hook.
    pub(crate) fn exchange(
        &self,
        operation: &'static str,
        request: Request<Bytes>,
    ) -> Result<Response<Bytes>, Error> {
        let (request, ticket) = self.session.prepare(request);
        let (method, path, started) = (request.method().clone(), path_of(&request), Instant::now());
        log_body("request", &path, request.body());
        let response = self.call_bytes(request)?;
        let response = read_body(response, operation)?;
        log_exchange(&method, &path, response.status(), started);
        log_body("response", &path, response.body());
        Ok(self.session.finish(ticket, response))
    }

    /// Sends a request built by the core. An empty body is sent as no body at all, so a GET
    /// carries no `Content-Length: 0`.
    fn call_bytes(&self, request: Request<Bytes>) -> Result<Response<ureq::Body>, Error> {
        let (parts, body) = request.into_parts();
        if body.is_empty() {
            self.call(Request::from_parts(parts, ()))
        } else {
            self.call(Request::from_parts(parts, Vec::from(body)))
        }
    }

    /// Sends through the agent, forcing our settings onto a caller's agent.
    pub(crate) fn call(
        &self,
        request: Request<impl AsSendBody>,
    ) -> Result<Response<ureq::Body>, Error> {
        let request = if self.foreign_agent {
            self.agent
                .configure_request(request)
                .http_status_as_error(false)
                .max_redirects(0)
                .build()
        } else {
            request
        };
        Ok(self.agent.run(request)?)
    }
}

/// Reads a whole answer: up to [`MAX_JSON_BODY`] on success, or the first [`MAX_ERROR_BODY`]
/// bytes of an error page (all the core reads of it).
pub(crate) fn read_body(
    response: Response<ureq::Body>,
    operation: &'static str,
) -> Result<Response<Bytes>, Error> {
    let (head, body) = response.into_parts();
    let bytes = if head.status.is_success() {
        match body.into_with_config().limit(MAX_JSON_BODY).read_to_vec() {
            Ok(bytes) => bytes,
            Err(ureq::Error::BodyExceedsLimit(_)) => {
                return Err(immich_proto::Error::BodyTooLarge {
                    operation,
                    limit: MAX_JSON_BODY,
                }
                .into())
            }
            Err(e) => return Err(e.into()),
        }
    } else {
        read_at_most(body.into_reader(), MAX_ERROR_BODY)?
    };
    Ok(Response::from_parts(head, Bytes::from(bytes)))
}

/// Reads at most `limit` bytes of a response body; the rest stays unread.
fn read_at_most(body: impl Read, limit: u64) -> Result<Vec<u8>, Error> {
    let mut bytes = Vec::new();
    body.take(limit)
        .read_to_end(&mut bytes)
        .map_err(from_body_io)?;
    Ok(bytes)
}

fn path_of<B>(request: &Request<B>) -> String {
    request.uri().path().to_owned()
}

pub(crate) fn log_exchange(method: &Method, path: &str, status: http::StatusCode, since: Instant) {
    let ms = since.elapsed().as_millis();
    log::debug!("{method} {path} -> {} in {ms} ms", status.as_u16());
}

/// Bodies only at trace level, cut to 1 KiB. Request bodies are JSON arguments, never the key.
fn log_body(what: &str, path: &str, body: &[u8]) {
    if log::log_enabled!(log::Level::Trace) && !body.is_empty() {
        let shown = String::from_utf8_lossy(&body[..body.len().min(1024)]);
        let more = if body.len() > 1024 { "…" } else { "" };
        log::trace!(
            "{what} body of {path} ({} bytes): {shown}{more}",
            body.len()
        );
    }
}

/// A media answer: what the head says, and the body ([`MediaBody`] to stream, or `Bytes`).
#[derive(Debug)]
#[non_exhaustive]
pub struct Media<B> {
    /// Status, content type, length, ETag, range.
    pub head: MediaHead,
    /// The body.
    pub body: B,
}

/// The body of a media answer, read as it arrives. Errors read from it convert into
/// [`Error`] with `Error::from(ureq::Error::from(io_error))`.
pub struct MediaBody(ureq::BodyReader<'static>);

impl std::fmt::Debug for MediaBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MediaBody")
    }
}

impl Read for MediaBody {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}

/// A lazy iterator over the items of a paged listing; see [`Client::pages`].
pub struct Pages<P: Paged> {
    client: Client,
    pager: Pager<P>,
    buffered: std::vec::IntoIter<P::Item>,
    finished: bool,
}

impl<P: Paged> Pages<P> {
    fn next_page(&mut self) -> Result<Option<Vec<P::Item>>, Error> {
        let Some(request) = self.pager.next_request(self.client.server())? else {
            return Ok(None);
        };
        let response = self.client.exchange(P::OPERATION_ID, request)?;
        Ok(Some(self.pager.handle_response(response)?))
    }
}

impl<P: Paged> Iterator for Pages<P> {
    type Item = Result<P::Item, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.buffered.next() {
                return Some(Ok(item));
            }
            if self.finished {
                return None;
            }
            // An empty page that promises more is the pager's error, so this loop ends.
            match self.next_page() {
                Ok(Some(items)) => self.buffered = items.into_iter(),
                Ok(None) => self.finished = true,
                Err(e) => {
                    self.finished = true;
                    return Some(Err(e));
                }
            }
        }
    }
}

/// A temporary file next to its target, removed on drop unless persisted.
struct TempFile {
    path: PathBuf,
    file: fs::File,
    persisted: bool,
}

impl TempFile {
    fn create_next_to(target: &Path) -> Result<TempFile, Error> {
        let name = target
            .file_name()
            .ok_or_else(|| immich_proto::Error::InvalidInput {
                what: "save path",
                reason: format!("{} names no file", target.display()),
            })?;
        let dir = target.parent().filter(|d| !d.as_os_str().is_empty());
        for attempt in 0u32..16 {
            let tag = std::collections::hash_map::RandomState::new().hash_one(attempt);
            let mut temp_name = std::ffi::OsString::from(".");
            temp_name.push(name);
            temp_name.push(format!(".{tag:016x}.part"));
            let path = dir.map_or_else(|| PathBuf::from(&temp_name), |d| d.join(&temp_name));
            match fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(file) => {
                    return Ok(TempFile {
                        path,
                        file,
                        persisted: false,
                    })
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(Error::Io(e)),
            }
        }
        Err(Error::Io(std::io::Error::other(
            "cannot create a temporary file",
        )))
    }

    fn persist(mut self, target: &Path) -> Result<(), Error> {
        self.file.sync_all().map_err(Error::Io)?;
        fs::rename(&self.path, target).map_err(Error::Io)?;
        self.persisted = true;
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.persisted {
            let _ = fs::remove_file(&self.path);
        }
    }
}
