//! The client: builder, the one request loop, and the generic calls every operation goes through.

use std::fs;
use std::hash::BuildHasher;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Request, Response};
use immich_proto::assets::{
    resumable_partial_path, resume_record_path, DownloadAsset, DownloadReport, PartialFacts,
    ResumableDownload, ResumeAction, ResumeFailure, ResumeRecord,
};
use immich_proto::proxy::ProxyEnv;
use immich_proto::transport::{
    copy_checked, discard_partial_after, new_security_warnings, ClientOptions, Media,
};
use immich_proto::SaveCheck;
use immich_proto::{
    log_excerpt, log_headers, log_target, media_error, media_head, parse_response, partial_path,
    BodyLimit,
};
use immich_proto::{AssetId, Pager, Server, Session, Step, MAX_ERROR_BODY, POOL_IDLE_TIMEOUT};
use immich_proto::{Endpoint, Flow, MediaEndpoint, MediaHead, MediaOutcome, Paged, Redirects};
use ureq::{Agent, AsSendBody};

use crate::error::{from_ureq, from_ureq_io};
use crate::transport::{build_agent, AgentSettings};
use crate::Error;

/// The ureq agent a [`Client`] sends through; build one yourself to share it.
pub type HttpClient = Agent;

/// A blocking Immich client. Cheap to clone; clones share the connection pool, the learned
/// server version and the ETag cache.
#[derive(Clone)]
pub struct Client {
    session: Arc<Session>,
    agent: Agent,
    read_timeout: Duration,
    request_deadline: Option<Duration>,
    max_file_bytes: Option<u64>,
    /// The proxies the core's rules pick from; `None` with a shared agent (its own settings).
    proxies: Option<Arc<ProxyEnv>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("server", self.session.server())
            .field("read_timeout", &self.read_timeout)
            .finish_non_exhaustive()
    }
}

/// Configures a [`Client`]: `Client::builder(url).api_key(key).build()?`. The options both
/// transports take are the core's [`ClientOptions`]; only [`http_client`](Self::http_client) is
/// this crate's own.
#[derive(Debug)]
pub struct ClientBuilder {
    options: ClientOptions,
    agent: Option<Agent>,
}

impl ClientBuilder {
    immich_proto::client_builder_options!();

    /// Starts from options set up with the core's [`ClientOptions`].
    pub fn from_options(options: ClientOptions) -> Self {
        ClientBuilder {
            options,
            agent: None,
        }
    }

    /// Sends through this agent instead of building one, to share its pool: for example
    /// `other.http_client().clone()`. Its connect timeout, TLS and proxy settings are its own,
    /// so combining this with [`connect_timeout`](Self::connect_timeout) or the certificate
    /// options is an error. Each request still gets this client's read timeout,
    /// [`POOL_IDLE_TIMEOUT`], no redirects by the agent (the core decides which to follow, so
    /// the API key never goes elsewhere) and every
    /// status as an answer. An early answer to an upload (a duplicate announced before the body
    /// was read) is only recovered on agents this crate builds.
    pub fn http_client(mut self, agent: Agent) -> Self {
        self.agent = Some(agent);
        self
    }

    /// Builds the client. No request is sent; call [`Client::setup`] to learn the version.
    /// Fails on an invalid URL or credential, unreadable PEM data, or conflicting options.
    pub fn build(self) -> Result<Client, Error> {
        let settings = self.options.build(self.agent.is_some())?;
        // Once per client: a credential in clear, certificates not checked (the core decides).
        for warning in &settings.warnings {
            log::warn!("{warning}");
        }
        let mut proxies = None;
        let agent = match self.agent {
            Some(agent) => agent,
            None => {
                let connection = settings.connection;
                // The transport reads the environment; the core decides what it means.
                let env = match connection.proxies {
                    Some(env) => env,
                    None => ProxyEnv::from_vars(|name| std::env::var(name).ok())?,
                };
                proxies = Some(Arc::new(env));
                let mut extra_roots = Vec::new();
                for pem in &connection.root_certificates_pem {
                    let before = extra_roots.len();
                    for item in ureq::tls::parse_pem(pem) {
                        if let ureq::tls::PemItem::Certificate(cert) = item.map_err(from_ureq)? {
                            extra_roots.push(cert);
                        }
                    }
                    if extra_roots.len() == before {
                        return Err(Error::Tls("the PEM data holds no certificate".into()));
                    }
                }
                build_agent(AgentSettings {
                    connect_timeout: connection.connect_timeout,
                    extra_roots,
                    accept_invalid_certs: connection.accept_invalid_certs,
                })
            }
        };
        Ok(Client {
            session: Arc::new(settings.session),
            agent,
            read_timeout: settings.read_timeout,
            request_deadline: settings.request_deadline,
            max_file_bytes: settings.max_file_bytes,
            proxies,
        })
    }
}

impl Client {
    /// A builder for the server at `base_url`; see [`ClientBuilder::new`].
    pub fn builder(base_url: &str) -> ClientBuilder {
        ClientBuilder::new(base_url)
    }

    /// A client with an API key and default settings.
    pub fn new(base_url: &str, api_key: &str) -> Result<Client, Error> {
        ClientBuilder::new(base_url).api_key(api_key).build()
    }

    /// A client for the same server and connection pool with other settings (another
    /// credential, after a login); the core's [`Session::for_server`] decides what carries over.
    pub(crate) fn with_server(&self, server: Server) -> Client {
        for warning in new_security_warnings(self.session.server(), &server) {
            log::warn!("{warning}");
        }
        Client {
            session: Arc::new(self.session.for_server(server)),
            agent: self.agent.clone(),
            read_timeout: self.read_timeout,
            request_deadline: self.request_deadline,
            max_file_bytes: self.max_file_bytes,
            proxies: self.proxies.clone(),
        }
    }

    /// The session: server settings, learned version, ETag cache.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The server settings.
    pub fn server(&self) -> &Server {
        self.session.server()
    }

    /// The ureq agent, to share with another [`Client`].
    pub fn http_client(&self) -> &Agent {
        &self.agent
    }

    /// Runs one operation.
    pub fn send<E: Endpoint>(&self, endpoint: &E) -> Result<E::Output, Error> {
        let request = endpoint.request(self.server())?;
        let response = self.exchange(request, E::OPERATION_ID)?;
        Ok(parse_response(endpoint, response)?)
    }

    /// Runs a multi-request operation (listing albums on an old server, collecting pages, ...):
    /// the core decides each request, this only loops.
    pub fn run<F: Flow>(&self, mut flow: F) -> Result<F::Output, Error> {
        let mut last = None;
        loop {
            match flow.step(self.server(), last.take())? {
                Step::Send(request) => last = Some(self.exchange(request, F::OPERATION_ID)?),
                Step::Done(output) => return Ok(output),
            }
        }
    }

    /// A paged listing as a lazy iterator of items: the next page is fetched only when the
    /// items before it have been consumed. It ends after the first error.
    pub fn pages<P: Paged>(&self, pager: Pager<P>) -> Pages<P> {
        Pages {
            client: self.clone(),
            pager,
            buffered: Vec::new().into_iter(),
            finished: false,
        }
    }

    /// Starts a media download (thumbnail, video): the parsed head and the body as a reader.
    /// An error status is read (at most [`MAX_ERROR_BODY`] bytes) into a typed error.
    ///
    /// A redirect to the same origin (Immich v3.1 sends a full-size thumbnail's request on to
    /// the original) is followed as the core's [`Redirects`] decides; one elsewhere is an error.
    pub fn media<M: MediaEndpoint>(&self, endpoint: &M) -> Result<Media<MediaBody>, Error> {
        let mut request = endpoint.request(self.server())?;
        self.session.admit(M::OPERATION_ID, &request)?;
        let mut redirects = Redirects::new(M::OPERATION_ID, &request);
        let (head, body) = loop {
            let (head, body) = self.call_bytes(request, M::OPERATION_ID)?.into_parts();
            match self.session.follow_redirect(&mut redirects, &head)? {
                // The redirect's own body (a line of text) is dropped unread.
                Some(next) => request = next,
                None => break (head, body),
            }
        };
        match media_head(M::OPERATION_ID, &head)? {
            MediaOutcome::Stream(head) => Ok(Media {
                head,
                body: MediaBody(body.into_reader()),
            }),
            MediaOutcome::ReadError => {
                let error_body = read_at_most(MediaBody(body.into_reader()), MAX_ERROR_BODY)?;
                Err(media_error(&head, &error_body).into())
            }
        }
    }

    /// A media answer read into memory; `BodyTooLarge` past `limit` bytes.
    pub fn media_bytes<M: MediaEndpoint>(
        &self,
        endpoint: &M,
        limit: u64,
    ) -> Result<Media<Bytes>, Error> {
        let Media { head, body } = self.media(endpoint)?;
        head.check_len(M::OPERATION_ID, limit)?;
        let bytes = read_at_most(body, limit.saturating_add(1))?;
        if bytes.len() as u64 > limit {
            let operation = M::OPERATION_ID;
            return Err(immich_proto::Error::BodyTooLarge { operation, limit }.into());
        }
        Ok(Media {
            head,
            body: Bytes::from(bytes),
        })
    }

    /// Downloads a media answer to `path`: into a temporary file next to it, renamed at the end.
    /// Nothing half-written ever has the final name; the temporary file is removed on any error.
    pub fn save_media<M: MediaEndpoint>(
        &self,
        endpoint: &M,
        path: impl AsRef<Path>,
    ) -> Result<MediaHead, Error> {
        let target = path.as_ref();
        let Media { head, mut body } = self.media(endpoint)?;
        // Exactly the announced length, within the cap; on any error (a full disk included)
        // the temporary file goes with `temp`.
        let mut check = SaveCheck::new(M::OPERATION_ID, &head, self.max_file_bytes, 0)?;
        let mut temp = TempFile::create(target)?;
        copy_checked(&mut check, &mut body, &mut temp.file, |_| {})?;
        temp.file.sync_all()?;
        fs::rename(&temp.path, target)?;
        temp.keep = true;
        Ok(head)
    }

    /// Downloads an asset's original (`GET /assets/{id}/original`, `downloadAsset`) to `path`,
    /// continuing what an interrupted call left: the core's [`ResumableDownload`] decides, this
    /// moves the bytes. They collect in the core's [`resumable_partial_path`] (kept when the
    /// transfer breaks, so the next call resumes with `Range`), and get the name `path` only
    /// when complete and, with `verify`, checked against the asset's SHA-1 (one more request,
    /// `GET /assets/{id}`). A mismatch removes the partial file and fails with the core's
    /// `ChecksumMismatch`.
    pub fn download_original(
        &self,
        id: AssetId,
        path: impl AsRef<Path>,
        verify: bool,
    ) -> Result<DownloadReport, Error> {
        let target = path.as_ref();
        let checksum = if verify {
            Some(self.asset_info(id.clone())?.checksum)
        } else {
            None
        };
        let partial = resumable_partial_path(target, &id)?;
        let record_path = resume_record_path(target, &id)?;
        let (existing, found) = open_partial(&partial)?;
        let record = read_record(&record_path)?;
        // The core refuses a link or a foreign file, and resumes only the file we made.
        let mut download = ResumableDownload::from_partial(id, found.as_ref(), record.as_deref())?;
        let ours = download.resumes();
        if let Some(checksum) = checksum {
            download = download.verify_against(&checksum)?;
        }
        let mut existing = existing.filter(|_| ours);
        if download.needs_existing_bytes() {
            if let Some(file) = existing.as_mut() {
                let mut buffer = vec![0u8; COPY_CHUNK];
                loop {
                    match file.read(&mut buffer)? {
                        0 => break,
                        n => download.absorb_existing(&buffer[..n]),
                    }
                }
            }
        }
        let Media { head, mut body } = match self.media(&download.endpoint()) {
            Ok(media) => media,
            Err(error) => {
                let complete = error
                    .proto()
                    .is_some_and(|e| download.on_error(e) == ResumeFailure::AlreadyComplete);
                if !complete {
                    return Err(error);
                }
                drop(existing);
                return finish_download(download, &partial, &record_path, target);
            }
        };
        let action = download.on_head(&head)?;
        let mut file = match existing {
            Some(mut file) => {
                match action {
                    ResumeAction::Append => file.seek(SeekFrom::End(0))?,
                    ResumeAction::StartOver => {
                        file.set_len(0)?;
                        file.seek(SeekFrom::Start(0))?
                    }
                };
                file
            }
            // Nothing of ours there: whatever has the name goes (unlinked, never written to),
            // and a new file is made that cannot be anything else.
            None => {
                if found.is_some() {
                    fs::remove_file(&partial)?;
                }
                create_partial(&partial)?
            }
        };
        // The record first: bytes written without it could never be resumed.
        let metadata = file.metadata()?;
        let identity = PartialFacts::from_metadata(&metadata).identity;
        write_record(&record_path, download.record(identity))?;
        // Every chunk is written as it arrives: when the transfer breaks, what came so far is
        // on disk for the next attempt to resume after. The core's checks: the announced
        // length exactly, the whole file within the cap.
        let on_disk = file.stream_position()?;
        let copied = SaveCheck::new(
            DownloadAsset::OPERATION_ID,
            &head,
            self.max_file_bytes,
            on_disk,
        )
        .map_err(Error::from)
        .and_then(|mut check| {
            copy_checked(&mut check, &mut body, &mut file, |chunk| {
                download.on_chunk(chunk)
            })
        });
        if let Err(error) = copied {
            // A body that broke the rules or a full disk: nothing is kept to resume from.
            if discard_partial_after(&error) {
                drop(file);
                let _ = fs::remove_file(&partial);
                let _ = fs::remove_file(&record_path);
            }
            return Err(error);
        }
        file.sync_all()?;
        drop(file);
        finish_download(download, &partial, &record_path, target)
    }

    /// The one JSON round trip: through the session (ETag cache), bounded body read.
    fn exchange(
        &self,
        request: Request<Bytes>,
        operation: &'static str,
    ) -> Result<Response<Bytes>, Error> {
        let (request, ticket) = self.session.prepare(operation, request)?;
        if log::log_enabled!(log::Level::Trace) && !request.body().is_empty() {
            log::trace!("{operation} request body: {}", log_excerpt(request.body()));
        }
        let response = read_body(self.call_bytes(request, operation)?, operation)?;
        if log::log_enabled!(log::Level::Trace) {
            log::trace!(
                "{operation} response body: {}",
                log_excerpt(response.body())
            );
        }
        Ok(self.session.finish(ticket, response))
    }

    /// Sends a request built by the core. An empty body is sent as no body at all, so a GET
    /// carries no `Content-Length: 0`.
    fn call_bytes(
        &self,
        request: Request<Bytes>,
        operation: &'static str,
    ) -> Result<Response<ureq::Body>, Error> {
        let (parts, body) = request.into_parts();
        if body.is_empty() {
            self.call(Request::from_parts(parts, ()), operation)
        } else {
            self.call(Request::from_parts(parts, Vec::from(body)), operation)
        }
    }

    /// Sends through the agent with this client's per-request settings and waits for the
    /// answer's head; logs method, path, status and the time to the head.
    pub(crate) fn call(
        &self,
        request: Request<impl AsSendBody>,
        operation: &'static str,
    ) -> Result<Response<ureq::Body>, Error> {
        let (method, path) = (request.method().clone(), request.uri().path().to_owned());
        if log::log_enabled!(log::Level::Trace) {
            // The core masks secret query values and header values (one rule for both transports).
            log::trace!(
                "{operation} request: {method} {} [{}]",
                log_target(request.uri()),
                log_headers(request.headers())
            );
        }
        let started = Instant::now();
        let proxy = match self.proxies.as_deref() {
            Some(env) => match env.proxy_for(request.uri()) {
                Some(proxy) => Some(
                    ureq::Proxy::new(&proxy.url_with_credentials())
                        .map_err(|e| Error::Connect(e.into()))?,
                ),
                None => None,
            },
            // A shared agent keeps its own proxy settings.
            None => self.agent.config().proxy().cloned(),
        };
        let request = self
            .agent
            .configure_request(request)
            .proxy(proxy)
            // Every answer goes to the core, which is the only place that reads a status.
            .http_status_as_error(false)
            // A redirect would carry `x-api-key` to wherever it points; the core decides.
            .max_redirects(0)
            // Idle limits only, restarted by every read and write: a 10 GB upload over a slow
            // link may take hours, which a total budget (`timeout_global`) would kill.
            .timeout_per_read(Some(self.read_timeout))
            .timeout_per_write(Some(self.read_timeout))
            // The optional total budget: connect, send, head and the whole body (ureq checks it
            // on every read of the body too, a media body's included).
            .timeout_global(self.request_deadline)
            .max_idle_age(POOL_IDLE_TIMEOUT)
            .build();
        let response = self.agent.run(request).map_err(from_ureq);
        let ms = started.elapsed().as_millis();
        // No query and no headers: the key is a header, and queries may hold search terms.
        match &response {
            Ok(r) => {
                log::debug!(
                    "{operation}: {method} {path} -> {} in {ms} ms",
                    r.status().as_u16()
                );
                if log::log_enabled!(log::Level::Trace) {
                    log::trace!(
                        "{operation} response headers: [{}]",
                        log_headers(r.headers())
                    );
                }
            }
            Err(e) => log::debug!("{operation}: {method} {path} failed after {ms} ms: {e}"),
        }
        response
    }
}

/// Reads an answer into memory within the core's [`BodyLimit`].
pub(crate) fn read_body(
    response: Response<ureq::Body>,
    operation: &'static str,
) -> Result<Response<Bytes>, Error> {
    let (head, body) = response.into_parts();
    let bytes = match BodyLimit::for_status(head.status) {
        BodyLimit::Whole(limit) => match body.into_with_config().limit(limit).read_to_vec() {
            Err(ureq::Error::BodyExceedsLimit(_)) => {
                return Err(immich_proto::Error::BodyTooLarge { operation, limit }.into())
            }
            read => read.map_err(from_ureq)?,
        },
        BodyLimit::Prefix(limit) => read_at_most(MediaBody(body.into_reader()), limit)?,
    };
    Ok(Response::from_parts(head, Bytes::from(bytes)))
}

/// The buffer for copying a download to its file.
const COPY_CHUNK: usize = 64 * 1024;

/// Verifies a complete download (the core decides) and renames it to `target`; a checksum
/// mismatch removes the damaged partial file.
fn finish_download(
    download: ResumableDownload,
    partial: &Path,
    record: &Path,
    target: &Path,
) -> Result<DownloadReport, Error> {
    match download.finish() {
        Ok(report) => {
            fs::rename(partial, target)?;
            let _ = fs::remove_file(record);
            Ok(report)
        }
        Err(mismatch) => {
            let _ = fs::remove_file(partial);
            let _ = fs::remove_file(record);
            Err(mismatch.into())
        }
    }
}

/// Opens a resumable download's partial file for reading and writing without following a
/// link, and says what is there: the opened file's own metadata, or (when the open failed
/// because the name is a link or something unopenable) `symlink_metadata`, for the core to
/// refuse. `(None, None)` when nothing is there.
fn open_partial(path: &Path) -> Result<(Option<fs::File>, Option<PartialFacts>), Error> {
    let mut options = fs::OpenOptions::new();
    options.read(true).write(true);
    no_follow(&mut options);
    match options.open(path) {
        Ok(file) => {
            let facts = PartialFacts::from_metadata(&file.metadata()?);
            Ok((Some(file), Some(facts)))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok((None, None)),
        Err(e) => match fs::symlink_metadata(path) {
            Ok(meta) if !meta.file_type().is_file() => {
                Ok((None, Some(PartialFacts::from_metadata(&meta))))
            }
            _ => Err(e.into()),
        },
    }
}

/// Creates a new partial file; fails if anything, a link included, has the name meanwhile.
fn create_partial(path: &Path) -> Result<fs::File, Error> {
    let mut options = fs::OpenOptions::new();
    options.read(true).write(true).create_new(true);
    no_follow(&mut options);
    Ok(options.open(path)?)
}

/// The resume record beside the partial file, read without following a link and at most
/// [`ResumeRecord::MAX_LEN`] bytes; `None` when there is none (or it cannot be read: the
/// download then starts over, which is always safe).
fn read_record(path: &Path) -> Result<Option<Vec<u8>>, Error> {
    let mut options = fs::OpenOptions::new();
    options.read(true);
    no_follow(&mut options);
    let Ok(file) = options.open(path) else {
        return Ok(None);
    };
    let mut bytes = Vec::new();
    file.take(ResumeRecord::MAX_LEN + 1)
        .read_to_end(&mut bytes)?;
    Ok(Some(bytes))
}

/// Replaces the resume record: the old name is unlinked (never written through: it may be a
/// link someone planted) and a new file made; `None` leaves no record, so a later attempt
/// starts over.
fn write_record(path: &Path, record: Option<ResumeRecord>) -> Result<(), Error> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
        _ => {}
    }
    if let Some(record) = record {
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        no_follow(&mut options);
        let mut file = options.open(path)?;
        file.write_all(&record.to_bytes())?;
    }
    Ok(())
}

/// Opens the last path component itself, never what a symbolic link there points to.
fn no_follow(options: &mut fs::OpenOptions) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW);
    }
    // Elsewhere `create_new` (used for every file we make) does not follow links either, and
    // the core refuses what `symlink_metadata` calls a link.
    #[cfg(not(unix))]
    let _ = options;
}

/// Reads at most `limit` bytes of a response body; the rest stays unread.
fn read_at_most(body: MediaBody, limit: u64) -> Result<Vec<u8>, Error> {
    let mut bytes = Vec::new();
    body.take(limit).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// The body of a media answer (thumbnail, video), read as it arrives.
///
/// The read timeout applies to each read. A connection dropped before the announced end is
/// an error, never a silent short read. Its I/O errors (a timeout of kind `TimedOut`) carry
/// the [`Error`] they are, which `Error::from` gives back.
pub struct MediaBody(ureq::BodyReader<'static>);

impl std::fmt::Debug for MediaBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MediaBody")
    }
}

impl Read for MediaBody {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        // Sorted here, where ureq's errors are known, so `Error::from` needs no ureq.
        self.0.read(buf).map_err(|e| from_ureq_io(e).into_io())
    }
}

/// The convenience methods, the same in immich-tokio: each one call of `send`, `run`, `media`
/// or `media_bytes` (see [`immich_proto::client_shortcuts!`]).
impl Client {
    immich_proto::client_shortcuts!(blocking);
}

/// The items of a paged listing, fetched page by page as the iterator advances; see
/// [`Client::pages`].
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
        let response = self.client.exchange(request, P::OPERATION_ID)?;
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

impl<P: Paged> std::fmt::Debug for Pages<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pages")
    }
}

/// A temporary file next to the target (named by the core), removed on drop unless kept.
struct TempFile {
    path: PathBuf,
    file: fs::File,
    keep: bool,
}

impl TempFile {
    fn create(target: &Path) -> Result<Self, Error> {
        let tag = std::collections::hash_map::RandomState::new().hash_one(target);
        let path = partial_path(target, tag)?;
        let file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)?;
        Ok(TempFile {
            path,
            file,
            keep: false,
        })
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.keep {
            let _ = fs::remove_file(&self.path);
        }
    }
}
