//! The client: builder, the one request loop, and the generic calls every operation goes through.

use std::fmt;
use std::hash::BuildHasher;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use futures_core::Stream;
use http::{Request, Response, StatusCode};
use hyper::body::Incoming;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use immich_proto::assets::{AssetVisibility, UploadAsset, UploadResult};
use immich_proto::checksum::Sha1Checksum;
use immich_proto::server::GetServerVersion;
use immich_proto::{
    media_error, media_head, parse_response, AssetId, Boundary, DateTime, Endpoint, EtagCache,
    Flow, MediaEndpoint, MediaHead, MediaOutcome, Paged, Pager, Server, ServerVersion, Session,
    Step, MAX_ERROR_BODY, MAX_JSON_BODY,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::body::{
    collect, upload_body, with_read_timeout, Activity, MediaBody, RequestBody, UploadControl,
    UploadFiles, CHUNK,
};
use crate::connect::TcpConnector;
use crate::error::Error;
use crate::tls;

/// The connector the built-in HTTP client uses: TCP with a connect timeout (kept readable after
/// the server hangs up, see [`KeepReading`](crate::KeepReading)), and rustls for https.
pub type Connector = hyper_rustls::HttpsConnector<TcpConnector>;

/// The pooled hyper client an [`Client`] sends through; build one yourself to share it.
pub type HttpClient = hyper_util::client::legacy::Client<Connector, RequestBody>;

/// The default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// The default read timeout: how long a request may move no bytes in either direction.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(120);
/// How long an idle connection stays in the pool. The Immich server is a Node.js app, which
/// closes idle connections after 5 s (`keepAliveTimeout`); reusing one just as it closes fails
/// the request, so the pool lets them go a second earlier.
pub const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(4);
/// The largest thumbnail [`Client::thumbnail`] and [`Client::person_thumbnail`] read into memory.
pub const MAX_THUMBNAIL_BODY: u64 = 64 * 1024 * 1024;

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
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("server", self.inner.session.server())
            .field("read_timeout", &self.inner.read_timeout)
            .finish_non_exhaustive()
    }
}

/// A media answer: what the head says, and the body (a [`MediaBody`] stream, or `Bytes`).
#[derive(Debug)]
#[non_exhaustive]
pub struct Media<B> {
    /// Status, content type, length, ETag, range.
    pub head: MediaHead,
    /// The body.
    pub body: B,
}

/// Configures a [`Client`]. Start with [`Client::builder`].
#[derive(Debug)]
pub struct ClientBuilder {
    server: Result<Server, immich_proto::Error>,
    connect_timeout: Duration,
    read_timeout: Duration,
    extra_roots: Vec<Vec<u8>>,
    accept_invalid_certs: bool,
    etag_cache: Option<(usize, usize)>,
    http: Option<HttpClient>,
}

impl ClientBuilder {
    /// Starts from settings built with the core's [`Server`].
    pub fn from_server(server: Server) -> Self {
        Self::start(Ok(server))
    }

    fn start(server: Result<Server, immich_proto::Error>) -> Self {
        ClientBuilder {
            server,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            read_timeout: DEFAULT_READ_TIMEOUT,
            extra_roots: Vec::new(),
            accept_invalid_certs: false,
            etag_cache: None,
            http: None,
        }
    }

    /// The API key, sent as `x-api-key` (never logged or shown in errors).
    pub fn api_key(mut self, key: &str) -> Self {
        self.server = self.server.and_then(|s| s.with_api_key(key));
        self
    }

    /// The device id servers before v3 require on uploads (default `immich-rs`).
    pub fn device_id(mut self, device_id: impl Into<String>) -> Self {
        self.server = self.server.map(|s| s.with_device_id(device_id));
        self
    }

    /// How long opening a TCP connection may take (default 30 s). Applies to the HTTP client this
    /// builder creates, not to one given with [`http_client`](Self::http_client).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long a request may move no bytes at all, in either direction (default 120 s). Every
    /// chunk sent or received starts the wait again, so a long upload over a slow link that keeps
    /// moving is never cut off.
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// Also trusts the certificate authorities in this PEM data (a home server's own CA, or its
    /// self-signed certificate). May be called several times.
    pub fn add_root_certificate_pem(mut self, pem: &[u8]) -> Self {
        self.extra_roots.push(pem.to_vec());
        self
    }

    /// Accepts any server certificate: expired, self-signed, for another name. Anyone on the
    /// path can then read and change the traffic, API key included. Prefer
    /// [`add_root_certificate_pem`](Self::add_root_certificate_pem).
    pub fn danger_accept_invalid_certs(mut self, accept: bool) -> Self {
        self.accept_invalid_certs = accept;
        self
    }

    /// Turns on the ETag cache, holding at most `max_entries` answers and `max_bytes` of bodies.
    pub fn etag_cache(mut self, max_entries: usize, max_bytes: usize) -> Self {
        self.etag_cache = Some((max_entries, max_bytes));
        self
    }

    /// Sends through this pooled client instead of building one (TLS and connect options are then
    /// the client's own). Share one between several [`Client`]s with
    /// `other.http_client().clone()`.
    pub fn http_client(mut self, http: HttpClient) -> Self {
        self.http = Some(http);
        self
    }

    /// Builds the client. Fails on an invalid URL or API key, or unreadable PEM data.
    pub fn build(self) -> Result<Client, Error> {
        let server = self.server?;
        let http = match self.http {
            Some(http) => http,
            None => {
                let config = tls::client_config(&self.extra_roots, self.accept_invalid_certs)?;
                let mut tcp = HttpConnector::new();
                tcp.enforce_http(false);
                tcp.set_nodelay(true);
                tcp.set_connect_timeout(Some(self.connect_timeout));
                let connector = hyper_rustls::HttpsConnectorBuilder::new()
                    .with_tls_config(config)
                    .https_or_http()
                    .enable_http1()
                    .wrap_connector(TcpConnector::new(tcp));
                hyper_util::client::legacy::Client::builder(TokioExecutor::new())
                    .pool_idle_timeout(POOL_IDLE_TIMEOUT)
                    .build(connector)
            }
        };
        let mut session = Session::new(server);
        if let Some((entries, bytes)) = self.etag_cache {
            session = session.with_etag_cache(EtagCache::new(entries, bytes));
        }
        Ok(Client {
            inner: Arc::new(Inner {
                session,
                http,
                read_timeout: self.read_timeout,
            }),
        })
    }
}

/// Options for [`Client::upload_path`]. Start from `UploadOptions::default()` and chain setters.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct UploadOptions {
    /// Hash the file (SHA-1, streaming) first and send `x-immich-checksum`, so the server can
    /// answer "duplicate" before reading the whole file.
    pub checksum: bool,
    /// An XMP sidecar to send along.
    pub sidecar: Option<PathBuf>,
    /// The already uploaded video of a live photo.
    pub live_photo_video_id: Option<AssetId>,
    /// Mark the asset as a favorite.
    pub is_favorite: bool,
    /// Where the asset shows up (timeline, archive, ...).
    pub visibility: Option<AssetVisibility>,
    /// The play time of a video.
    pub duration: Option<Duration>,
    /// The file name to send (default: the path's last component).
    pub filename: Option<String>,
    /// The `deviceAssetId` for servers before v3 (default: the core's `{filename}-{size}`).
    pub device_asset_id: Option<String>,
}

impl UploadOptions {
    /// Sets [`checksum`](Self::checksum).
    pub fn checksum(mut self, checksum: bool) -> Self {
        self.checksum = checksum;
        self
    }
    /// Sets [`sidecar`](Self::sidecar).
    pub fn sidecar(mut self, path: impl Into<PathBuf>) -> Self {
        self.sidecar = Some(path.into());
        self
    }
    /// Sets [`live_photo_video_id`](Self::live_photo_video_id).
    pub fn live_photo_video_id(mut self, id: AssetId) -> Self {
        self.live_photo_video_id = Some(id);
        self
    }
    /// Sets [`is_favorite`](Self::is_favorite).
    pub fn is_favorite(mut self, is_favorite: bool) -> Self {
        self.is_favorite = is_favorite;
        self
    }
    /// Sets [`visibility`](Self::visibility).
    pub fn visibility(mut self, visibility: AssetVisibility) -> Self {
        self.visibility = Some(visibility);
        self
    }
    /// Sets [`duration`](Self::duration).
    pub fn duration(mut self, duration: Duration) -> Self {
        self.duration = Some(duration);
        self
    }
    /// Sets [`filename`](Self::filename).
    pub fn filename(mut self, filename: impl Into<String>) -> Self {
        self.filename = Some(filename.into());
        self
    }
    /// Sets [`device_asset_id`](Self::device_asset_id).
    pub fn device_asset_id(mut self, id: impl Into<String>) -> Self {
        self.device_asset_id = Some(id.into());
        self
    }
}

impl Client {
    /// A builder for the server at `base_url` (`https://photos.example.com`, optionally with a
    /// path prefix; see [`Server::new`]).
    pub fn builder(base_url: &str) -> ClientBuilder {
        ClientBuilder::start(Server::new(base_url))
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

    /// Reads the server version once (`GET /server/version`) and records it, so
    /// version-dependent operations can run. Returns the version.
    pub async fn setup(&self) -> Result<ServerVersion, Error> {
        let version = self.send(&GetServerVersion).await?;
        self.server().set_version(version.clone());
        Ok(version)
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
        let operation = std::any::type_name::<F>();
        let mut last = None;
        loop {
            match flow.step(self.server(), last.take())? {
                Step::Send(request) => last = Some(self.exchange(request, operation).await?),
                Step::Done(output) => return Ok(output),
            }
        }
    }

    /// A paged listing as a lazy stream of items: the next page is fetched only when the stream
    /// is polled past the items already read. The stream ends after the first error.
    pub fn pages<P>(
        &self,
        pager: Pager<P>,
    ) -> impl Stream<Item = Result<P::Item, Error>> + Send + Unpin + 'static
    where
        P: Paged + Send + 'static,
        P::Item: Send + 'static,
    {
        let state = (self.clone(), pager, std::collections::VecDeque::new());
        Box::pin(futures_util::stream::try_unfold(
            state,
            |(client, mut pager, mut items)| async move {
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
            },
        ))
    }

    /// Starts a media download (thumbnail, video): the parsed head and the body as a stream.
    /// An error status is read (at most [`MAX_ERROR_BODY`] bytes) into a typed error.
    pub async fn media<M: MediaEndpoint>(&self, endpoint: &M) -> Result<Media<MediaBody>, Error> {
        let request = endpoint.request(self.server())?.map(RequestBody::from);
        let activity = Activity::new();
        let response = self
            .send_head(request, M::OPERATION_ID, &activity, None)
            .await;
        let (head, body) = response?.into_parts();
        match media_head(M::OPERATION_ID, &head)? {
            MediaOutcome::Stream(media) => Ok(Media {
                head: media,
                body: MediaBody::new(body, M::OPERATION_ID, self.inner.read_timeout),
            }),
            MediaOutcome::ReadError => {
                let read = collect(body, MAX_ERROR_BODY, M::OPERATION_ID, &activity, true);
                let bytes = with_read_timeout(&activity, self.inner.read_timeout, read).await?;
                Err(media_error(&head, &bytes).into())
            }
        }
    }

    /// A media answer read into memory; `BodyTooLarge` past `limit` bytes.
    pub async fn media_bytes<M: MediaEndpoint>(
        &self,
        endpoint: &M,
        limit: u64,
    ) -> Result<Media<Bytes>, Error> {
        let Media { head, body } = self.media(endpoint).await?;
        Ok(Media {
            head,
            body: body.bytes(limit).await?,
        })
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
        let mut temp = TempFile::create(target).await?;
        while let Some(chunk) =
            std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_next(cx)).await
        {
            temp.file.write_all(&chunk?).await?;
        }
        temp.file.flush().await?;
        temp.file.sync_all().await?;
        tokio::fs::rename(&temp.path, target).await?;
        temp.keep();
        Ok(head)
    }

    /// Uploads the file at `path` as a new asset, streaming it in bounded chunks with the exact
    /// `Content-Length`. The file times go to the server in UTC: created is the birth time where
    /// the file system keeps one and it is earlier than the modification time, else the latter. A file that changes size during
    /// the upload fails with the core's `FileSizeChanged`; the server never gets a wrong body.
    pub async fn upload_path(
        &self,
        path: impl AsRef<Path>,
        options: UploadOptions,
    ) -> Result<UploadResult, Error> {
        let path = path.as_ref();
        let meta = tokio::fs::metadata(path).await?;
        if !meta.is_file() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("{} is not a file", path.display()),
            )
            .into());
        }
        let modified = meta.modified()?;
        // A copy's birth time is the day of the copy: the earlier of the two is closer to the
        // day the photo was taken.
        let created = meta.created().map_or(modified, |born| born.min(modified));
        let filename = match options.filename {
            Some(name) => name,
            None => path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        };
        let mut upload = UploadAsset::new(filename, meta.len(), utc(created), utc(modified))
            .is_favorite(options.is_favorite)
            .boundary(Boundary::from_seed(
                std::collections::hash_map::RandomState::new().hash_one(path),
            ));
        if let Some(visibility) = options.visibility {
            upload = upload.visibility(visibility);
        }
        if let Some(duration) = options.duration {
            upload = upload.duration(duration);
        }
        if let Some(id) = options.live_photo_video_id {
            upload = upload.live_photo_video_id(id);
        }
        if let Some(id) = options.device_asset_id {
            upload = upload.device_asset_id(id);
        }
        if let Some(sidecar) = &options.sidecar {
            upload = upload.sidecar(tokio::fs::metadata(sidecar).await?.len());
        }
        if options.checksum {
            upload = upload.checksum(sha1_file(path, meta.len()).await?);
        }
        let (parts, body) = upload.request(self.server())?.into_parts();
        let activity = Activity::new();
        let control = Arc::new(UploadControl::default());
        let files = UploadFiles {
            asset: path.to_owned(),
            sidecar: options.sidecar,
        };
        let content_length = body.content_length();
        let body = upload_body(
            body.into_segments(),
            content_length,
            files,
            activity.clone(),
            control.clone(),
        );
        let request = Request::from_parts(parts, body);
        let response = self
            .round_trip(
                request,
                UploadAsset::OPERATION_ID,
                &activity,
                Some(&control),
            )
            .await?;
        Ok(upload.parse_response(response)?)
    }

    /// The one JSON round trip: through the session (ETag cache), bounded body, read timeout.
    async fn exchange(
        &self,
        request: Request<Bytes>,
        operation: &'static str,
    ) -> Result<Response<Bytes>, Error> {
        let (request, ticket) = self.inner.session.prepare(request);
        if log::log_enabled!(log::Level::Trace) && !request.body().is_empty() {
            log::trace!("{operation} request body: {}", excerpt(request.body()));
        }
        let activity = Activity::new();
        let response = self
            .round_trip(request.map(RequestBody::from), operation, &activity, None)
            .await?;
        if log::log_enabled!(log::Level::Trace) {
            log::trace!("{operation} response body: {}", excerpt(response.body()));
        }
        Ok(self.inner.session.finish(ticket, response))
    }

    /// Sends, reads the answer into memory (at most [`MAX_JSON_BODY`]; error bodies are cut at
    /// [`MAX_ERROR_BODY`]).
    async fn round_trip(
        &self,
        request: Request<RequestBody>,
        operation: &'static str,
        activity: &Activity,
        upload: Option<&UploadControl>,
    ) -> Result<Response<Bytes>, Error> {
        let (head, body) = self
            .send_head(request, operation, activity, upload)
            .await?
            .into_parts();
        let ok = head.status.is_success() || head.status == StatusCode::NOT_MODIFIED;
        let limit = if ok { MAX_JSON_BODY } else { MAX_ERROR_BODY };
        let read = collect(body, limit, operation, activity, !ok);
        let bytes = with_read_timeout(activity, self.inner.read_timeout, read).await;
        if let Some(control) = upload {
            control.answered.store(true, Ordering::Release);
        }
        Ok(Response::from_parts(head, bytes?))
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
        let (method, path) = (request.method().clone(), request.uri().path().to_owned());
        let started = std::time::Instant::now();
        let sending = async {
            self.inner.http.request(request).await.map_err(|error| {
                // hyper only says "body error"; the upload body left the real reason.
                let reason = upload.and_then(|control| control.failure.lock().ok()?.take());
                reason.unwrap_or_else(|| Error::from_client(error))
            })
        };
        let response = with_read_timeout(activity, self.inner.read_timeout, sending).await;
        activity.touch();
        let ms = started.elapsed().as_millis();
        // No query and no headers: the key is a header, and queries may hold search terms.
        match &response {
            Ok(r) => log::debug!(
                "{operation}: {method} {path} -> {} in {ms} ms",
                r.status().as_u16()
            ),
            Err(e) => log::debug!("{operation}: {method} {path} failed after {ms} ms: {e}"),
        }
        response
    }
}

/// At most 512 bytes of a body for trace logs.
fn excerpt(body: &[u8]) -> String {
    const MAX: usize = 512;
    let text = String::from_utf8_lossy(&body[..body.len().min(MAX)]);
    if body.len() > MAX {
        format!("{text}… ({} bytes)", body.len())
    } else {
        text.into_owned()
    }
}

fn utc(time: SystemTime) -> DateTime {
    DateTime::from_system_time(
        time.duration_since(SystemTime::UNIX_EPOCH)
            .map_err(|e| e.duration()),
    )
}

/// The hex SHA-1 of a file, read in chunks; the file must still have `expected` bytes.
async fn sha1_file(path: &Path, expected: u64) -> Result<String, Error> {
    let mut file = tokio::fs::File::open(path).await?;
    let mut hasher = Sha1Checksum::new();
    let mut buffer = vec![0u8; CHUNK];
    loop {
        let n = file.read(&mut buffer).await?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    if hasher.bytes_hashed() != expected {
        let actual = hasher.bytes_hashed();
        return Err(immich_proto::Error::FileSizeChanged { expected, actual }.into());
    }
    Ok(hasher.finish().to_hex())
}

/// A temporary file next to the target, removed on drop unless kept.
struct TempFile {
    path: PathBuf,
    file: tokio::fs::File,
    keep: bool,
}

impl TempFile {
    async fn create(target: &Path) -> Result<Self, Error> {
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tag = std::collections::hash_map::RandomState::new().hash_one(target);
        let path = target.with_file_name(format!(".{name}.{tag:016x}.part"));
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

    fn keep(mut self) {
        self.keep = true;
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
