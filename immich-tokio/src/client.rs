//! The client: builder, the one request loop, and the generic calls every operation goes through.

use std::collections::VecDeque;
use std::fmt;
use std::hash::BuildHasher;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_core::Stream;
use http::{Request, Response};
use hyper::body::Incoming;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use immich_proto::assets::{
    resumable_partial_path, resume_record_path, DownloadAsset, DownloadReport, FileFacts,
    PartialFacts, ResumableDownload, ResumeAction, ResumeFailure, ResumeRecord, UploadAsset,
    UploadOptions, UploadResult,
};
use immich_proto::checksum::Sha1Checksum;
use immich_proto::proxy::ProxyEnv;
use immich_proto::transport::{discard_partial_after, new_security_warnings, ClientOptions, Media};
use immich_proto::{
    log_excerpt, log_headers, log_target, media_error, media_head, parse_response, partial_path,
    AssetId, BodyLimit, Boundary, Endpoint, Flow, MediaEndpoint, MediaHead, MediaOutcome, Paged,
    Pager, Redirects, SaveCheck, Server, Session, Step, MAX_ERROR_BODY, POOL_IDLE_TIMEOUT,
};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

use crate::body::{
    aligned_zeroed, collect, upload_body, with_read_timeout, within_deadline, Activity, MediaBody,
    RequestBody, UploadControl, CHUNK,
};
use crate::connect::{Connector, TcpConnector};
use crate::tls;
use crate::Error;

/// The pooled hyper client a [`Client`] sends through; build one yourself to share it.
pub type HttpClient = hyper_util::client::legacy::Client<Connector, RequestBody>;

/// An Immich client. Cheap to clone (the state is shared); clones share the connection pool,
/// the learned server version and the ETag cache.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    session: Session,
    http: HttpClient,
    read_timeout: Duration,
    request_deadline: Option<Duration>,
    max_file_bytes: Option<u64>,
    /// The proxies the connector picks from (`None` with a shared client): an `http://` request
    /// through one carries its `Proxy-Authorization`.
    proxies: Option<Arc<ProxyEnv>>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("server", self.inner.session.server())
            .field("read_timeout", &self.inner.read_timeout)
            .finish_non_exhaustive()
    }
}

/// Configures a [`Client`]: `Client::builder(url).api_key(key).build()?`. The options both
/// transports take are the core's [`ClientOptions`]; only [`http_client`](Self::http_client) is
/// this crate's own.
#[derive(Debug)]
pub struct ClientBuilder {
    options: ClientOptions,
    http: Option<HttpClient>,
}

impl ClientBuilder {
    immich_proto::client_builder_options!();

    /// Starts from options set up with the core's [`ClientOptions`].
    pub fn from_options(options: ClientOptions) -> Self {
        ClientBuilder {
            options,
            http: None,
        }
    }

    /// Sends through this pooled client instead of building one, to share its pool: for example
    /// `other.http_client().clone()`. Its connect timeout, TLS and pool settings are its own, so
    /// combining this with [`connect_timeout`](Self::connect_timeout) or the certificate options
    /// is an error. Build it with [`POOL_IDLE_TIMEOUT`] as its `pool_idle_timeout`.
    ///
    /// Only an [`HttpClient`] fits: a hyper-util client over this crate's [`Connector`]
    /// (hyper-rustls's `HttpsConnector` over [`TcpConnector`], under a connect timeout) sending this crate's
    /// [`RequestBody`]. A client an application already has with another body type (`Full`,
    /// `BoxBody`, ...) or another connector (a bare `HttpConnector`, hyper-rustls over
    /// `HttpConnector`) is a different type and cannot be shared; build one like this instead,
    /// with the crates re-exported here so the versions match:
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::time::Duration;
    ///
    /// use immich_tokio::hyper_util::client::legacy::connect::HttpConnector;
    /// use immich_tokio::hyper_util::client::legacy::Client as PooledClient;
    /// use immich_tokio::hyper_util::rt::TokioExecutor;
    /// use immich_tokio::{hyper_rustls, rustls};
    /// use immich_tokio::{Client, Connector, HttpClient, TcpConnector, POOL_IDLE_TIMEOUT};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// // Your TLS settings: here Mozilla's roots (the `webpki-roots` crate) on ring.
    /// let mut roots = rustls::RootCertStore::empty();
    /// roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    /// let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
    ///     rustls::crypto::ring::default_provider(),
    /// ))
    /// .with_safe_default_protocol_versions()?
    /// .with_root_certificates(roots)
    /// .with_no_client_auth();
    ///
    /// let mut tcp = HttpConnector::new();
    /// tcp.enforce_http(false); // https URLs pass through to the TLS layer
    /// tcp.set_nodelay(true);
    /// tcp.set_connect_timeout(Some(Duration::from_secs(5)));
    /// let connector = hyper_rustls::HttpsConnectorBuilder::new()
    ///     .with_tls_config(tls)
    ///     .https_or_http()
    ///     .enable_http1()
    ///     .wrap_connector(TcpConnector::new(tcp));
    /// // The timeout covers the TLS handshake too.
    /// let connector = Connector::new(connector, Some(Duration::from_secs(5)));
    /// let http: HttpClient = PooledClient::builder(TokioExecutor::new())
    ///     .pool_idle_timeout(POOL_IDLE_TIMEOUT)
    ///     .build(connector);
    ///
    /// // Every client built from it (or a clone of it) shares its pool.
    /// let photos = Client::builder("https://photos.example.com")
    ///     .api_key("secret")
    ///     .http_client(http.clone())
    ///     .build()?;
    /// let other = Client::builder("https://other.example.com")
    ///     .api_key("secret")
    ///     .http_client(http)
    ///     .build()?;
    /// # drop((photos, other));
    /// # Ok(())
    /// # }
    /// ```
    pub fn http_client(mut self, http: HttpClient) -> Self {
        self.http = Some(http);
        self
    }

    /// Builds the client. No request is sent; call [`Client::setup`] to learn the version.
    /// Fails on an invalid URL or credential, unreadable PEM data, or conflicting options.
    pub fn build(self) -> Result<Client, Error> {
        let settings = self.options.build(self.http.is_some())?;
        // Once per client: a credential in clear, certificates not checked (the core decides).
        for warning in &settings.warnings {
            log::warn!("{warning}");
        }
        let mut proxies = None;
        let http = match self.http {
            Some(http) => http,
            None => {
                let connection = settings.connection;
                let config = tls::client_config(
                    &connection.root_certificates_pem,
                    connection.accept_invalid_certs,
                )?;
                let mut tcp = HttpConnector::new();
                tcp.enforce_http(false);
                tcp.set_nodelay(true);
                tcp.set_connect_timeout(Some(connection.connect_timeout));
                // The transport reads the environment; the core decides what it means.
                let env = match connection.proxies {
                    Some(env) => env,
                    None => ProxyEnv::from_vars(|name| std::env::var(name).ok())?,
                };
                let env = Arc::new(env);
                proxies = Some(env.clone());
                let connector = Connector::with_proxies(
                    TcpConnector::new(tcp),
                    config,
                    connection.connect_timeout,
                    env,
                );
                hyper_util::client::legacy::Client::builder(TokioExecutor::new())
                    .pool_idle_timeout(POOL_IDLE_TIMEOUT)
                    .http1_max_buf_size(READ_BUFFER_MAX)
                    .build(connector)
            }
        };
        Ok(Client {
            inner: Arc::new(Inner {
                session: settings.session,
                http,
                read_timeout: settings.read_timeout,
                request_deadline: settings.request_deadline,
                max_file_bytes: settings.max_file_bytes,
                proxies,
            }),
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
        for warning in new_security_warnings(self.inner.session.server(), &server) {
            log::warn!("{warning}");
        }
        Client {
            inner: Arc::new(Inner {
                session: self.inner.session.for_server(server),
                http: self.inner.http.clone(),
                read_timeout: self.inner.read_timeout,
                request_deadline: self.inner.request_deadline,
                max_file_bytes: self.inner.max_file_bytes,
                proxies: self.inner.proxies.clone(),
            }),
        }
    }

    /// The session: server settings, learned version, ETag cache.
    pub fn session(&self) -> &Session {
        &self.inner.session
    }

    /// The server settings.
    pub fn server(&self) -> &Server {
        self.inner.session.server()
    }

    /// The pooled HTTP client, to share with another [`Client`].
    pub fn http_client(&self) -> &HttpClient {
        &self.inner.http
    }

    /// Runs one operation.
    pub async fn send<E: Endpoint>(&self, endpoint: &E) -> Result<E::Output, Error> {
        let request = endpoint.request(self.server())?;
        let response = self.exchange(request, E::OPERATION_ID).await?;
        Ok(parse_response(endpoint, response)?)
    }

    /// Runs a multi-request operation (listing albums on an old server, collecting pages, ...):
    /// the core decides each request, this only loops.
    pub async fn run<F: Flow>(&self, mut flow: F) -> Result<F::Output, Error> {
        let mut last = None;
        loop {
            match flow.step(self.server(), last.take())? {
                Step::Send(request) => last = Some(self.exchange(request, F::OPERATION_ID).await?),
                Step::Done(output) => return Ok(output),
            }
        }
    }

    /// A paged listing as a lazy stream of items: the next page is fetched only when the stream
    /// is polled past the items already read. The stream ends after the first error.
    pub fn pages<P>(&self, pager: Pager<P>) -> Pages<P>
    where
        P: Paged + Send + 'static,
        P::Item: Send + 'static,
    {
        let state = (self.clone(), pager, VecDeque::new());
        let items =
            futures_util::stream::try_unfold(state, |(client, mut pager, mut items)| async move {
                loop {
                    if let Some(item) = items.pop_front() {
                        return Ok(Some((item, (client, pager, items))));
                    }
                    let Some(request) = pager.next_request(client.server())? else {
                        return Ok(None);
                    };
                    let response = client.exchange(request, P::OPERATION_ID).await?;
                    items.extend(pager.handle_response(response)?);
                }
            });
        Pages(Box::pin(items))
    }

    /// Starts a media download (thumbnail, video): the parsed head and the body as a stream.
    /// An error status is read (at most [`MAX_ERROR_BODY`] bytes) into a typed error.
    ///
    /// A redirect to the same origin (Immich v3.1 sends a full-size thumbnail's request on to
    /// the original) is followed as the core's [`Redirects`] decides; one elsewhere is an error.
    pub async fn media<M: MediaEndpoint>(&self, endpoint: &M) -> Result<Media<MediaBody>, Error> {
        let mut request = endpoint.request(self.server())?;
        self.inner.session.admit(M::OPERATION_ID, &request)?;
        let mut redirects = Redirects::new(M::OPERATION_ID, &request);
        let activity = Activity::new();
        let deadline = self.deadline();
        let answer = async {
            loop {
                let response = self
                    .send_head(
                        request.map(RequestBody::from),
                        M::OPERATION_ID,
                        &activity,
                        None,
                    )
                    .await;
                let (head, body) = response?.into_parts();
                match self.inner.session.follow_redirect(&mut redirects, &head)? {
                    // The redirect's own body (a line of text) is dropped unread.
                    Some(next) => request = next,
                    None => break Ok::<_, Error>((head, body)),
                }
            }
        };
        let (head, body) = within_deadline(deadline, answer).await?;
        match media_head(M::OPERATION_ID, &head)? {
            MediaOutcome::Stream(media) => Ok(Media {
                head: media,
                body: MediaBody::new(body, M::OPERATION_ID, self.inner.read_timeout, deadline),
            }),
            MediaOutcome::ReadError => {
                let limit = BodyLimit::Prefix(MAX_ERROR_BODY);
                let read = collect(body, limit, M::OPERATION_ID, &activity);
                let read = with_read_timeout(&activity, self.inner.read_timeout, read);
                let bytes = within_deadline(deadline, read).await?;
                Err(media_error(&head, &bytes).into())
            }
        }
    }

    /// When a request starting now must be done by (see `request_deadline`).
    fn deadline(&self) -> Option<tokio::time::Instant> {
        let limit = self.inner.request_deadline?;
        tokio::time::Instant::now().checked_add(limit)
    }

    /// A media answer read into memory; `BodyTooLarge` past `limit` bytes.
    pub async fn media_bytes<M: MediaEndpoint>(
        &self,
        endpoint: &M,
        limit: u64,
    ) -> Result<Media<Bytes>, Error> {
        let Media { head, body } = self.media(endpoint).await?;
        head.check_len(M::OPERATION_ID, limit)?;
        let body = body.bytes(limit).await?;
        Ok(Media { head, body })
    }

    /// Downloads a media answer to `path`: into a temporary file next to it, renamed at the end.
    /// Nothing half-written ever has the final name; the temporary file is removed on any error,
    /// and when the returned future is dropped.
    pub async fn save_media<M: MediaEndpoint>(
        &self,
        endpoint: &M,
        path: impl AsRef<Path>,
    ) -> Result<MediaHead, Error> {
        let target = path.as_ref();
        let Media { head, mut body } = self.media(endpoint).await?;
        // Exactly the announced length, within the cap; on any error (a full disk included)
        // the temporary file goes with `temp`.
        let mut check = SaveCheck::new(M::OPERATION_ID, &head, self.inner.max_file_bytes, 0)?;
        let mut temp = TempFile::create(target).await?;
        while let Some(chunk) = std::future::poll_fn(|cx| Pin::new(&mut body).poll_next(cx)).await {
            let chunk = chunk?;
            check.on_chunk(chunk.len())?;
            temp.file.write_all(&chunk).await?;
        }
        check.finish()?;
        temp.file.flush().await?;
        temp.file.sync_all().await?;
        tokio::fs::rename(&temp.path, target).await?;
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
    pub async fn download_original(
        &self,
        id: AssetId,
        path: impl AsRef<Path>,
        verify: bool,
    ) -> Result<DownloadReport, Error> {
        let target = path.as_ref();
        let checksum = if verify {
            Some(self.asset_info(id.clone()).await?.checksum)
        } else {
            None
        };
        let partial = resumable_partial_path(target, &id)?;
        let record_path = resume_record_path(target, &id)?;
        let (existing, found) = open_partial(&partial).await?;
        let record = read_record(&record_path).await?;
        // The core refuses a link or a foreign file, and resumes only the file we made.
        let mut download = ResumableDownload::from_partial(id, found.as_ref(), record.as_deref())?;
        let ours = download.resumes();
        if let Some(checksum) = checksum {
            download = download.verify_against(&checksum)?;
        }
        let mut existing = existing.filter(|_| ours);
        if download.needs_existing_bytes() {
            if let Some(file) = existing.as_mut() {
                let mut buffer = vec![0u8; CHUNK];
                loop {
                    match file.read(&mut buffer).await? {
                        0 => break,
                        n => download.absorb_existing(&buffer[..n]),
                    }
                }
            }
        }
        let Media { head, mut body } = match self.media(&download.endpoint()).await {
            Ok(media) => media,
            Err(error) => {
                let complete = error
                    .proto()
                    .is_some_and(|e| download.on_error(e) == ResumeFailure::AlreadyComplete);
                if !complete {
                    return Err(error);
                }
                drop(existing);
                return finish_download(download, &partial, &record_path, target).await;
            }
        };
        let action = download.on_head(&head)?;
        let mut file = match existing {
            Some(mut file) => {
                match action {
                    ResumeAction::Append => file.seek(std::io::SeekFrom::End(0)).await?,
                    ResumeAction::StartOver => {
                        file.set_len(0).await?;
                        file.seek(std::io::SeekFrom::Start(0)).await?
                    }
                };
                file
            }
            // Nothing of ours there: whatever has the name goes (unlinked, never written to),
            // and a new file is made that cannot be anything else.
            None => {
                if found.is_some() {
                    tokio::fs::remove_file(&partial).await?;
                }
                create_partial(&partial).await?
            }
        };
        // The record first: bytes written without it could never be resumed.
        let identity = PartialFacts::from_metadata(&file.metadata().await?).identity;
        write_record(&record_path, download.record(identity)).await?;
        // The core's checks: the announced length exactly, the whole file within the cap.
        let on_disk = file.stream_position().await?;
        let copied = async {
            let operation = DownloadAsset::OPERATION_ID;
            let mut check = SaveCheck::new(operation, &head, self.inner.max_file_bytes, on_disk)?;
            while let Some(chunk) =
                std::future::poll_fn(|cx| Pin::new(&mut body).poll_next(cx)).await
            {
                let chunk = chunk?;
                check.on_chunk(chunk.len())?;
                file.write_all(&chunk).await?;
                download.on_chunk(&chunk);
            }
            Ok::<(), Error>(check.finish()?)
        }
        .await;
        // Everything received so far reaches the disk, also when the transfer broke: the next
        // attempt resumes after it.
        let flushed = file.flush().await.map_err(Error::Io);
        if let Err(error) = copied.and(flushed) {
            // A body that broke the rules or a full disk: nothing is kept to resume from.
            if discard_partial_after(&error) {
                drop(file);
                let _ = tokio::fs::remove_file(&partial).await;
                let _ = tokio::fs::remove_file(&record_path).await;
            }
            return Err(error);
        }
        file.sync_all().await?;
        drop(file);
        finish_download(download, &partial, &record_path, target).await
    }

    /// Uploads the file at `path` as a new asset (`POST /assets`), streaming it in bounded
    /// chunks with the exact `Content-Length`. The core decides the fields from the file's
    /// facts ([`UploadAsset::from_file`]). A file that changes size during the upload fails with
    /// the core's `FileSizeChanged`; the server never gets a wrong body. Needs
    /// [`setup`](Self::setup).
    pub async fn upload_path(
        &self,
        path: impl AsRef<Path>,
        options: UploadOptions,
    ) -> Result<UploadResult, Error> {
        let path = path.as_ref();
        let meta = tokio::fs::metadata(path).await?;
        let sidecar_len = match &options.sidecar {
            Some(sidecar) => Some(tokio::fs::metadata(sidecar).await?.len()),
            None => None,
        };
        let facts = FileFacts::from_metadata(path, &meta, sidecar_len)?;
        let seed = std::collections::hash_map::RandomState::new().hash_one(path);
        let mut upload =
            UploadAsset::from_file(&facts, &options)?.boundary(Boundary::from_seed(seed));
        if options.checksum {
            upload = upload.checksum_from(sha1_file(path).await?)?;
        }
        let (parts, body) = upload.request(self.server())?.into_parts();
        let activity = Activity::new();
        let control = Arc::new(UploadControl::default());
        let files = (facts.path, options.sidecar);
        let body = upload_body(body, files, activity.clone(), control.clone());
        let request = Request::from_parts(parts, body);
        let operation = UploadAsset::OPERATION_ID;
        let response = self
            .round_trip(request, operation, &activity, Some(&control))
            .await?;
        Ok(upload.parse_response(response)?)
    }

    /// The one JSON round trip: through the session (ETag cache), bounded body, read timeout.
    async fn exchange(
        &self,
        request: Request<Bytes>,
        operation: &'static str,
    ) -> Result<Response<Bytes>, Error> {
        let (request, ticket) = self.inner.session.prepare(operation, request)?;
        if log::log_enabled!(log::Level::Trace) && !request.body().is_empty() {
            log::trace!("{operation} request body: {}", log_excerpt(request.body()));
        }
        let activity = Activity::new();
        let response = self
            .round_trip(request.map(RequestBody::from), operation, &activity, None)
            .await?;
        if log::log_enabled!(log::Level::Trace) {
            log::trace!(
                "{operation} response body: {}",
                log_excerpt(response.body())
            );
        }
        Ok(self.inner.session.finish(ticket, response))
    }

    /// Sends, and reads the answer into memory within the core's [`BodyLimit`].
    async fn round_trip(
        &self,
        request: Request<RequestBody>,
        operation: &'static str,
        activity: &Activity,
        upload: Option<&UploadControl>,
    ) -> Result<Response<Bytes>, Error> {
        let whole = async {
            let (head, body) = self
                .send_head(request, operation, activity, upload)
                .await?
                .into_parts();
            let read = collect(
                body,
                BodyLimit::for_status(head.status),
                operation,
                activity,
            );
            let bytes = with_read_timeout(activity, self.inner.read_timeout, read).await;
            if let Some(control) = upload {
                control.answered.store(true, Ordering::Release);
            }
            Ok(Response::from_parts(head, bytes?))
        };
        within_deadline(self.deadline(), whole).await
    }

    /// Sends and waits for the answer's head, under the read timeout; logs method, path, status
    /// and the time to the head.
    async fn send_head(
        &self,
        request: Request<RequestBody>,
        operation: &'static str,
        activity: &Activity,
        upload: Option<&UploadControl>,
    ) -> Result<Response<Incoming>, Error> {
        let mut request = request;
        // An `http://` request to a proxy is the proxy's to authenticate (an `https://` one
        // authenticates in the tunnel's CONNECT); the connector chose the same proxy.
        if request.uri().scheme() == Some(&http::uri::Scheme::HTTP) {
            let env = self.inner.proxies.as_deref();
            let auth = env.and_then(|env| env.proxy_for(request.uri())?.authorization());
            if let Some(value) = auth.and_then(|a| http::HeaderValue::from_str(&a).ok()) {
                request
                    .headers_mut()
                    .insert(http::header::PROXY_AUTHORIZATION, value);
            }
        }
        let (method, path) = (request.method().clone(), request.uri().path().to_owned());
        if log::log_enabled!(log::Level::Trace) {
            // The core masks secret query values and header values (one rule for both transports).
            log::trace!(
                "{operation} request: {method} {} [{}]",
                log_target(request.uri()),
                log_headers(request.headers())
            );
        }
        let started = std::time::Instant::now();
        let sending = async {
            self.inner.http.request(request).await.map_err(|error| {
                // hyper only says "body error"; the upload body left the real reason.
                let reason = upload.and_then(|control| control.failure.lock().ok()?.take());
                reason.unwrap_or_else(|| crate::error::from_client(error))
            })
        };
        let response = with_read_timeout(activity, self.inner.read_timeout, sending).await;
        activity.touch();
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

/// The convenience methods, the same in immich-blocking: each one call of `send`, `run`,
/// `media` or `media_bytes` (see [`immich_proto::client_shortcuts!`]).
impl Client {
    immich_proto::client_shortcuts!(async);
}

/// The items of a paged listing, fetched page by page as the stream is polled; see
/// [`Client::pages`].
pub struct Pages<P: Paged>(Pin<Box<dyn Stream<Item = Result<P::Item, Error>> + Send>>);

impl<P: Paged> Stream for Pages<P> {
    type Item = Result<P::Item, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.0.as_mut().poll_next(cx)
    }
}

impl<P: Paged> fmt::Debug for Pages<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pages")
    }
}

/// Verifies a complete download (the core decides) and renames it to `target`; a checksum
/// mismatch removes the damaged partial file.
async fn finish_download(
    download: ResumableDownload,
    partial: &Path,
    record: &Path,
    target: &Path,
) -> Result<DownloadReport, Error> {
    match download.finish() {
        Ok(report) => {
            tokio::fs::rename(partial, target).await?;
            let _ = tokio::fs::remove_file(record).await;
            Ok(report)
        }
        Err(mismatch) => {
            let _ = tokio::fs::remove_file(partial).await;
            let _ = tokio::fs::remove_file(record).await;
            Err(mismatch.into())
        }
    }
}

/// Opens a resumable download's partial file for reading and writing without following a
/// link, and says what is there: the opened file's own metadata, or (when the open failed
/// because the name is a link or something unopenable) `symlink_metadata`, for the core to
/// refuse. `(None, None)` when nothing is there.
async fn open_partial(
    path: &Path,
) -> Result<(Option<tokio::fs::File>, Option<PartialFacts>), Error> {
    let mut options = tokio::fs::OpenOptions::new();
    options.read(true).write(true);
    no_follow(&mut options);
    match options.open(path).await {
        Ok(file) => {
            let facts = PartialFacts::from_metadata(&file.metadata().await?);
            Ok((Some(file), Some(facts)))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok((None, None)),
        Err(e) => match tokio::fs::symlink_metadata(path).await {
            Ok(meta) if !meta.file_type().is_file() => {
                Ok((None, Some(PartialFacts::from_metadata(&meta))))
            }
            _ => Err(e.into()),
        },
    }
}

/// Creates a new partial file; fails if anything, a link included, has the name meanwhile.
async fn create_partial(path: &Path) -> Result<tokio::fs::File, Error> {
    let mut options = tokio::fs::OpenOptions::new();
    options.read(true).write(true).create_new(true);
    no_follow(&mut options);
    Ok(options.open(path).await?)
}

/// The resume record beside the partial file, read without following a link and at most
/// [`ResumeRecord::MAX_LEN`] bytes; `None` when there is none (or it cannot be read: the
/// download then starts over, which is always safe).
async fn read_record(path: &Path) -> Result<Option<Vec<u8>>, Error> {
    let mut options = tokio::fs::OpenOptions::new();
    options.read(true);
    no_follow(&mut options);
    let Ok(file) = options.open(path).await else {
        return Ok(None);
    };
    let mut bytes = Vec::new();
    file.take(ResumeRecord::MAX_LEN + 1)
        .read_to_end(&mut bytes)
        .await?;
    Ok(Some(bytes))
}

/// Replaces the resume record: the old name is unlinked (never written through: it may be a
/// link someone planted) and a new file made; `None` leaves no record, so a later attempt
/// starts over.
async fn write_record(path: &Path, record: Option<ResumeRecord>) -> Result<(), Error> {
    match tokio::fs::remove_file(path).await {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
        _ => {}
    }
    if let Some(record) = record {
        let mut options = tokio::fs::OpenOptions::new();
        options.write(true).create_new(true);
        no_follow(&mut options);
        let mut file = options.open(path).await?;
        file.write_all(&record.to_bytes()).await?;
        file.flush().await?;
    }
    Ok(())
}

/// Opens the last path component itself, never what a symbolic link there points to.
fn no_follow(options: &mut tokio::fs::OpenOptions) {
    #[cfg(unix)]
    options.custom_flags(libc::O_NOFOLLOW);
    // Elsewhere `create_new` (used for every file we make) does not follow links either, and
    // the core refuses what `symlink_metadata` calls a link.
    #[cfg(not(unix))]
    let _ = options;
}

/// A hasher fed the whole file (the core checks the length it saw). One task on the blocking
/// pool reads and hashes it all: `tokio::fs` would hand every chunk between threads and copy
/// it once more, which made this pass 1.7 times slower.
async fn sha1_file(path: &Path) -> Result<Sha1Checksum, Error> {
    let path = path.to_owned();
    let hashing = tokio::task::spawn_blocking(move || -> Result<Sha1Checksum, Error> {
        use std::io::Read;
        let mut file = std::fs::File::open(path)?;
        let mut hasher = Sha1Checksum::new();
        // Aligned, so the kernel's copy runs at full speed (see `aligned_zeroed`).
        let mut buffer = aligned_zeroed(HASH_CHUNK);
        loop {
            match file.read(&mut buffer) {
                Ok(0) => return Ok(hasher),
                Ok(n) => hasher.update(&buffer[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e.into()),
            }
        }
    });
    hashing
        .await
        .map_err(|e| Error::Io(std::io::Error::other(e)))?
}

/// How much of the file the checksum pass reads at once.
const HASH_CHUNK: usize = 64 * 1024;

/// The most hyper reads from a connection at once (its default grows to about 400 KiB).
/// Smaller reads stream a large download faster: on the benchmark machine a 1 GiB video took
/// 0.75 s with the default and 0.51 s with 64 KiB (the kernel then copies into smaller,
/// cache-resident buffers that come from the heap, not from `mmap`).
/// It also bounds a response head, far above what any server sends.
const READ_BUFFER_MAX: usize = 64 * 1024;

/// A temporary file next to the target (named by the core), removed on drop unless kept.
struct TempFile {
    path: PathBuf,
    file: tokio::fs::File,
    keep: bool,
}

impl TempFile {
    async fn create(target: &Path) -> Result<Self, Error> {
        let tag = std::collections::hash_map::RandomState::new().hash_one(target);
        let path = partial_path(target, tag)?;
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .await?;
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
            // Synchronous on purpose: this also runs when the future is dropped mid-download.
            let _ = std::fs::remove_file(&self.path);
        }
    }
}
