//! An in-process Immich server for tests, examples and benchmarks.
//!
//! [`TestServer::start`] binds `127.0.0.1` on an ephemeral port and serves HTTP/1.1 (or HTTPS
//! with [`Options::tls`]) from its own tokio runtime on a background thread, so async and
//! blocking tests use it alike. It stops when dropped.
//!
//! It emulates, with state, the endpoints the client uses, in the shape of a v3 server or an
//! older one ([`Options::version`]): an upload is stored, its thumbnail, video and original
//! answer the same bytes (with `ETag`, `If-None-Match` and `Range`), a second upload of the
//! same bytes or checksum is a duplicate, albums follow each generation's rules. It validates
//! requests the way the real server does where that is cheap (v4 UUIDs in v3 paths, UTC
//! date-times in v3 uploads, the device fields before v3): a lenient server would hide client
//! bugs. Faults ([`Fault`]) are switched on per path; every request is logged
//! ([`TestServer::requests`]) without its API key.
//!
//! The sync stream (`POST /sync/stream`, `/sync/ack`) keeps a change log of the store and
//! per-session checkpoints; [`SyncFault`]s break its answers line by line (see `sync.rs`).
//!
//! [`Options::sink`] turns all bookkeeping off for benchmarks: uploads are counted and
//! discarded, the video is a repeated buffer, `/server/about` is precomputed.

mod auth;
mod body;
mod manage;
mod multipart;
mod release;
mod routes;
#[cfg(test)]
mod selftest;
mod sink;
mod store;
mod sync;
#[cfg(test)]
mod sync_selftest;
mod uploads;
mod util;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::thread::JoinHandle;

use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode};
use hyper_util::rt::TokioIo;

pub use body::ReplyBody;
pub use store::fixtures;
pub use sync::{LineMaker, SyncFault, API_KEY_REFUSED, SINK_SESSION};
pub use uploads::AssetView;
pub use util::uuid;

/// The API key the server accepts unless [`Options::api_key`] says otherwise.
pub const DEFAULT_API_KEY: &str = "test-api-key-0123456789";

/// The Immich version the server pretends to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version {
    /// Major.
    pub major: u64,
    /// Minor.
    pub minor: u64,
    /// Patch.
    pub patch: u64,
}

impl Version {
    /// v3.0.0, the generation of the OpenAPI document.
    pub const V3: Version = Version::new(3, 0, 0);
    /// v2.3.1, the last generation before v3.
    pub const V2: Version = Version::new(2, 3, 1);
    /// v1.118.2, the oldest version the client supports.
    pub const V1_118: Version = Version::new(1, 118, 2);

    /// A version from its parts.
    pub const fn new(major: u64, minor: u64, patch: u64) -> Self {
        Version {
            major,
            minor,
            patch,
        }
    }

    /// v3 or newer: the new wire forms and error shape.
    pub fn is_v3(self) -> bool {
        self.major >= 3
    }

    /// At least `major.minor`.
    pub fn at_least(self, major: u64, minor: u64) -> bool {
        (self.major, self.minor) >= (major, minor)
    }

    /// `v3.0.0`.
    pub fn tag(self) -> String {
        format!("v{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// How to start a [`TestServer`]. Start from [`Options::default`] (a v3 server) or
/// [`Options::sink`], then use the builder methods.
#[derive(Debug, Clone)]
pub struct Options {
    /// The version to emulate.
    pub version: Version,
    /// The accepted `x-api-key`.
    pub api_key: String,
    /// Benchmark mode: no state, no log, uploads discarded (see the module doc).
    pub sink: bool,
    /// Permissions the key lacks: their endpoints answer 403 naming the permission.
    pub denied_permissions: Vec<String>,
    /// How many people to seed (every fifth unnamed, every seventh hidden).
    pub people: usize,
    /// How many extra small images to seed (for paging).
    pub extra_assets: usize,
    /// The most items a page holds whatever size the client asks for (forces several pages).
    pub page_cap: Option<usize>,
    /// The largest upload body kept in memory (bigger ones answer 413 in the Immich shape).
    pub max_upload: usize,
    /// Sink mode: the length of the video every `/assets/{id}/video/playback` answers.
    pub sink_video_len: u64,
    /// Sink mode: the length of every thumbnail.
    pub sink_thumbnail_len: usize,
    /// Sink mode: how many pages `POST /search/metadata` has, and how many assets each.
    pub sink_search: (usize, usize),
    /// Sink mode: how many `AssetV2` (or `AssetV1`) events `POST /sync/stream` generates for
    /// `AssetsV2` (`AssetsV1`), one chunk at a time (log in with `POST /auth/login` for the
    /// session token, [`SINK_SESSION`]).
    pub sink_sync_assets: u64,
    /// Serve HTTPS with this configuration instead of plain HTTP.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// How long each `POST /assets` waits before it is handled (none by default), so that
    /// uploads a client runs in parallel overlap observably ([`TestServer::max_uploads_in_flight`]).
    pub upload_delay: Option<std::time::Duration>,
    /// How long each `GET /assets/{id}/original` waits before it is answered (none by
    /// default), so that downloads a client runs in parallel overlap observably
    /// ([`TestServer::max_originals_in_flight`]).
    pub original_delay: Option<std::time::Duration>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            version: Version::V3,
            api_key: DEFAULT_API_KEY.to_owned(),
            sink: false,
            denied_permissions: Vec::new(),
            people: 12,
            extra_assets: 0,
            page_cap: None,
            max_upload: 256 * 1024 * 1024,
            sink_video_len: 1 << 30,
            sink_thumbnail_len: 64 * 1024,
            sink_search: (5, 1000),
            sink_sync_assets: 1000,
            tls: None,
            upload_delay: None,
            original_delay: None,
        }
    }
}

impl Options {
    /// A v3.0.0 server.
    pub fn v3() -> Self {
        Self::default()
    }

    /// A server of an older generation (`Version::V1_118`, `Version::V2`, ...).
    pub fn old(version: Version) -> Self {
        Self::default().version(version)
    }

    /// Benchmark mode (see the module doc).
    pub fn sink() -> Self {
        Options {
            sink: true,
            ..Self::default()
        }
    }

    /// Emulates `version`.
    pub fn version(mut self, version: Version) -> Self {
        self.version = version;
        self
    }

    /// Accepts `key` instead of [`DEFAULT_API_KEY`].
    pub fn api_key(mut self, key: &str) -> Self {
        key.clone_into(&mut self.api_key);
        self
    }

    /// The key lacks `permission` (e.g. `asset.upload`).
    pub fn deny_permission(mut self, permission: &str) -> Self {
        self.denied_permissions.push(permission.to_owned());
        self
    }

    /// Seeds `n` people.
    pub fn people(mut self, n: usize) -> Self {
        self.people = n;
        self
    }

    /// Seeds `n` extra images.
    pub fn extra_assets(mut self, n: usize) -> Self {
        self.extra_assets = n;
        self
    }

    /// Pages hold at most `n` items.
    pub fn page_cap(mut self, n: usize) -> Self {
        self.page_cap = Some(n.max(1));
        self
    }

    /// Sink mode: the video's length.
    pub fn sink_video_len(mut self, len: u64) -> Self {
        self.sink_video_len = len;
        self
    }

    /// Sink mode: `POST /sync/stream` generates `n` asset events.
    pub fn sink_sync_assets(mut self, n: u64) -> Self {
        self.sink_sync_assets = n;
        self
    }

    /// Serves HTTPS.
    pub fn tls(mut self, config: Arc<rustls::ServerConfig>) -> Self {
        self.tls = Some(config);
        self
    }

    /// Each upload waits `delay` (an async sleep) before it is handled.
    pub fn upload_delay(mut self, delay: std::time::Duration) -> Self {
        self.upload_delay = Some(delay);
        self
    }

    /// Each original download waits `delay` (an async sleep) before it is answered.
    pub fn original_delay(mut self, delay: std::time::Duration) -> Self {
        self.original_delay = Some(delay);
        self
    }
}

/// A fault the server injects into the answers to matching requests.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Sends the head (with the full `Content-Length`) and half the body, then drops the
    /// connection.
    DropMidBody,
    /// Accepts the request and never answers.
    StallBeforeHead,
    /// Sends the head and half the body, then nothing more.
    StallMidBody,
    /// Sends the head, then the body one byte at a time with this pause before each byte: a
    /// server that is never idle for long but never finishes either.
    Trickle(std::time::Duration),
    /// `POST /assets` whose `x-immich-checksum` names a stored asset: answers
    /// `200 {"status":"duplicate"}` after reading only the headers, then closes the connection.
    EarlyCloseDuplicate,
    /// A reverse proxy's HTML `502 Bad Gateway` page.
    BadGatewayHtml,
    /// A proxy's `413` with an HTML page; the request body is not read and the connection closes.
    PayloadTooLargeHtml,
    /// A proxy's `413` with an empty body; the request body is not read and the connection closes.
    PayloadTooLargeEmpty,
    /// An Immich error with this status and message, in the emulated version's shape.
    Status(u16, String),
    /// `302 Found` to this `Location`, as a reverse proxy or an object store in front of the
    /// server may send (e.g. to another origin).
    Redirect(String),
    /// The JSON answer, edited by this function before it is sent: a hostile or broken server
    /// (ids that are not UUIDs, odd dates, duplicates) built from a real answer.
    EditJson(JsonEdit),
}

/// The edit of a [`Fault::EditJson`]; equal only to the same function.
#[derive(Clone, Copy)]
pub struct JsonEdit(pub fn(&mut serde_json::Value));

impl std::fmt::Debug for JsonEdit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JsonEdit")
    }
}

impl PartialEq for JsonEdit {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::fn_addr_eq(self.0, other.0)
    }
}

impl Eq for JsonEdit {}

/// Which requests a [`Fault`] applies to.
#[derive(Debug, Clone)]
pub struct FaultRule {
    /// Only this method (any when `None`).
    pub method: Option<Method>,
    /// The path after `/api`: exact, or a prefix when it ends in `*`.
    pub path: String,
    /// The fault.
    pub fault: Fault,
    /// How many more requests it applies to (forever when `None`).
    pub times: Option<u32>,
}

impl FaultRule {
    fn matches(&self, method: &Method, api_path: &str) -> bool {
        if self.times == Some(0) || self.method.as_ref().is_some_and(|m| m != method) {
            return false;
        }
        match self.path.strip_suffix('*') {
            Some(prefix) => api_path.starts_with(prefix),
            None => api_path == self.path,
        }
    }
}

/// Whether a request carried the right API key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyCheck {
    /// No `x-api-key` header.
    Missing,
    /// The configured key.
    Valid,
    /// Another key.
    Wrong,
}

/// What an upload carried, as the server parsed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadRecord {
    /// The text fields, in order.
    pub fields: Vec<(String, String)>,
    /// Each file part: field name, file name, content type and length.
    pub files: Vec<(String, Option<String>, Option<String>, u64)>,
}

/// One request as the server saw it, without the API key.
#[derive(Debug, Clone)]
pub struct LoggedRequest {
    /// The method.
    pub method: Method,
    /// The full path, with the `/api` prefix.
    pub path: String,
    /// The raw query string.
    pub query: Option<String>,
    /// The headers, minus `x-api-key`.
    pub headers: HeaderMap,
    /// Whether the API key was there and right.
    pub api_key: KeyCheck,
    /// The body of JSON requests (empty for uploads and bodiless requests).
    pub body: Bytes,
    /// What an upload carried, when the server parsed one.
    pub upload: Option<UploadRecord>,
    /// The status answered (`None` if the server never answered).
    pub status: Option<StatusCode>,
    /// The correlation id of this request's answer.
    pub correlation_id: String,
}

impl LoggedRequest {
    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body as JSON (`Null` when it is not).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// `METHOD /path?query`, for assertions and messages.
    pub fn line(&self) -> String {
        match &self.query {
            Some(q) => format!("{} {}?{}", self.method, self.path, q),
            None => format!("{} {}", self.method, self.path),
        }
    }
}

/// Uploads and bytes a sink-mode server received.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SinkStats {
    /// Complete uploads.
    pub uploads: u64,
    /// Body bytes received by `POST /assets`.
    pub upload_bytes: u64,
}

pub(crate) struct Shared {
    pub options: Options,
    pub store: Mutex<store::Store>,
    pub log: Mutex<Vec<LoggedRequest>>,
    pub faults: Mutex<Vec<FaultRule>>,
    pub next_cid: AtomicU64,
    pub sink_uploads: AtomicU64,
    pub sink_bytes: AtomicU64,
    pub sink_cache: OnceLock<sink::Cache>,
    /// TCP connections accepted so far (see [`TestServer::connections`]).
    pub connections: std::sync::atomic::AtomicUsize,
    /// `POST /assets` requests being handled right now, and the most at any one time.
    pub uploads_in_flight: AtomicUsize,
    pub max_uploads_in_flight: AtomicUsize,
    /// `GET /assets/{id}/original` requests being answered right now, and the most at once.
    pub originals_in_flight: AtomicUsize,
    pub max_originals_in_flight: AtomicUsize,
}

/// Locks a mutex, ignoring poisoning (a panicking test must not wedge the server).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Shared {
    fn take_fault(&self, method: &Method, api_path: &str) -> Option<Fault> {
        let mut faults = lock(&self.faults);
        let rule = faults.iter_mut().find(|r| r.matches(method, api_path))?;
        if let Some(times) = &mut rule.times {
            *times -= 1;
        }
        Some(rule.fault.clone())
    }
}

/// A running test server; stops when dropped.
pub struct TestServer {
    addr: SocketAddr,
    https: bool,
    shared: Arc<Shared>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for TestServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestServer")
            .field("url", &self.url())
            .field("version", &self.shared.options.version)
            .field("sink", &self.shared.options.sink)
            .finish_non_exhaustive()
    }
}

impl TestServer {
    /// Starts a server; panics if no loopback port can be bound (test support).
    pub fn start(options: Options) -> TestServer {
        match Self::try_start(options) {
            Ok(server) => server,
            Err(e) => panic!("cannot start the test server: {e}"),
        }
    }

    /// Starts a server.
    pub fn try_start(options: Options) -> std::io::Result<TestServer> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let https = options.tls.is_some();
        let tls = options.tls.clone().map(tokio_rustls::TlsAcceptor::from);
        let store = store::Store::seeded(options.people, options.extra_assets);
        let shared = Arc::new(Shared {
            options,
            store: Mutex::new(store),
            log: Mutex::new(Vec::new()),
            faults: Mutex::new(Vec::new()),
            next_cid: AtomicU64::new(1),
            sink_uploads: AtomicU64::new(0),
            sink_bytes: AtomicU64::new(0),
            sink_cache: OnceLock::new(),
            connections: std::sync::atomic::AtomicUsize::new(0),
            uploads_in_flight: AtomicUsize::new(0),
            max_uploads_in_flight: AtomicUsize::new(0),
            originals_in_flight: AtomicUsize::new(0),
            max_originals_in_flight: AtomicUsize::new(0),
        });
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (shutdown, stop) = tokio::sync::oneshot::channel();
        let thread_shared = shared.clone();
        let thread = std::thread::Builder::new()
            .name(format!("immich-test-server-{}", addr.port()))
            .spawn(move || {
                runtime.block_on(async move {
                    let listener = match tokio::net::TcpListener::from_std(listener) {
                        Ok(l) => l,
                        Err(_) => return,
                    };
                    accept_loop(listener, thread_shared, tls, stop).await;
                });
                // Dropping the runtime cancels every connection, stalled ones included.
                drop(runtime);
            })?;
        Ok(TestServer {
            addr,
            https,
            shared,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
    }

    /// The base URL, `http://127.0.0.1:PORT` (the API lives under `/api`).
    pub fn url(&self) -> String {
        let scheme = if self.https { "https" } else { "http" };
        format!("{scheme}://127.0.0.1:{}", self.addr.port())
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The API key the server accepts.
    pub fn api_key(&self) -> &str {
        &self.shared.options.api_key
    }

    /// The emulated version.
    pub fn version(&self) -> Version {
        self.shared.options.version
    }

    /// Every request so far (empty in sink mode).
    pub fn requests(&self) -> Vec<LoggedRequest> {
        lock(&self.shared.log).clone()
    }

    /// `METHOD /path?query` of every request so far.
    pub fn request_lines(&self) -> Vec<String> {
        lock(&self.shared.log).iter().map(|r| r.line()).collect()
    }

    /// Forgets the logged requests.
    pub fn clear_requests(&self) {
        lock(&self.shared.log).clear();
    }

    /// Injects `fault` into every answer to `method` (any if `None`) on `path` (after `/api`;
    /// a trailing `*` makes it a prefix).
    pub fn fault(&self, method: Option<Method>, path: &str, fault: Fault) {
        self.add_fault(FaultRule {
            method,
            path: path.to_owned(),
            fault,
            times: None,
        });
    }

    /// Adds a fault rule (first matching rule wins).
    pub fn add_fault(&self, rule: FaultRule) {
        lock(&self.shared.faults).push(rule);
    }

    /// Removes every fault.
    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// The ids of the stored assets, oldest first.
    pub fn asset_ids(&self) -> Vec<String> {
        lock(&self.shared.store)
            .assets
            .iter()
            .map(|a| a.id.clone())
            .collect()
    }

    /// The stored bytes of an asset.
    pub fn asset_bytes(&self, id: &str) -> Option<Bytes> {
        lock(&self.shared.store).asset(id).map(|a| a.bytes.clone())
    }

    /// Replaces the stored bytes of asset `id` (and so its checksum and ETag): the original
    /// changed on the server, e.g. between two attempts of a download.
    pub fn replace_asset_bytes(&self, id: &str, bytes: Bytes) {
        let mut store = lock(&self.shared.store);
        if let Some(asset) = store
            .assets
            .iter_mut()
            .find(|a| a.id.eq_ignore_ascii_case(id))
        {
            asset.checksum = util::sha1(&bytes);
            asset.bytes = bytes;
            store.touch(id);
        }
    }

    /// Renames asset `id` on the server (its `originalFileName`, which may be any text, a
    /// hostile one included) and marks it changed.
    pub fn set_asset_file_name(&self, id: &str, name: &str) {
        let mut store = lock(&self.shared.store);
        if let Some(asset) = store
            .assets
            .iter_mut()
            .find(|a| a.id.eq_ignore_ascii_case(id))
        {
            name.clone_into(&mut asset.file_name);
            store.touch(id);
        }
    }

    /// Marks asset `id` changed now: its `updatedAt` moves past every earlier one.
    pub fn touch_asset(&self, id: &str) {
        lock(&self.shared.store).touch(id);
    }

    /// Removes asset `id` for good (as emptying the trash does), from its albums too.
    pub fn purge_asset(&self, id: &str) {
        let mut store = lock(&self.shared.store);
        store.assets.retain(|a| !a.id.eq_ignore_ascii_case(id));
        for album in &mut store.albums {
            album.assets.retain(|a| !a.eq_ignore_ascii_case(id));
        }
    }

    /// Makes the asset JSON of `id` announce a checksum that its bytes do not have (a damaged
    /// library), so a verified download must fail.
    pub fn announce_wrong_checksum(&self, id: &str) {
        lock(&self.shared.store).edits_mut(id).wrong_checksum = true;
    }

    /// Whether the asset `id` is in the trash (`None` when the server does not have it).
    pub fn asset_trashed(&self, id: &str) -> Option<bool> {
        let store = lock(&self.shared.store);
        store.asset(id).map(|_| store.is_trashed(id))
    }

    /// The members added to an album through the API: `(user id, role)`.
    pub fn album_members(&self, id: &str) -> Option<Vec<(String, String)>> {
        lock(&self.shared.store)
            .album(id)
            .map(|a| a.members.clone())
    }

    /// The ids of the shared links.
    pub fn shared_link_ids(&self) -> Vec<String> {
        lock(&self.shared.store)
            .shared_links
            .iter()
            .map(|l| l.id.clone())
            .collect()
    }

    /// Every stored asset as an uploader sees it: visibility, tags, live photo link, sidecar,
    /// stack, albums.
    pub fn asset_views(&self) -> Vec<AssetView> {
        uploads::views(&lock(&self.shared.store))
    }

    /// The job queues paused now.
    pub fn paused_queues(&self) -> Vec<String> {
        let store = lock(&self.shared.store);
        store.upload_extras.paused.iter().cloned().collect()
    }

    /// Every queue pause (`true`) and resume (`false`) so far, in order.
    pub fn queue_events(&self) -> Vec<(String, bool)> {
        lock(&self.shared.store).upload_extras.queue_events.clone()
    }

    /// The asset ids an album holds.
    pub fn album_asset_ids(&self, id: &str) -> Option<Vec<String>> {
        lock(&self.shared.store).album(id).map(|a| a.assets.clone())
    }

    /// How many TCP connections the server has accepted since it started (a client that
    /// reuses its connections opens one for many sequential calls).
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::Relaxed)
    }

    /// The most `POST /assets` requests the server handled at the same time (not counted in
    /// sink mode). With [`Options::upload_delay`], parallel uploads show here.
    pub fn max_uploads_in_flight(&self) -> usize {
        self.shared.max_uploads_in_flight.load(Ordering::SeqCst)
    }

    /// The most `GET /assets/{id}/original` requests the server was answering at the same
    /// time (counted until the head is sent). With [`Options::original_delay`], parallel
    /// downloads show here.
    pub fn max_originals_in_flight(&self) -> usize {
        self.shared.max_originals_in_flight.load(Ordering::SeqCst)
    }

    /// What a sink-mode server received.
    pub fn sink_stats(&self) -> SinkStats {
        SinkStats {
            uploads: self.shared.sink_uploads.load(Ordering::Relaxed),
            upload_bytes: self.shared.sink_bytes.load(Ordering::Relaxed),
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn accept_loop(
    listener: tokio::net::TcpListener,
    shared: Arc<Shared>,
    tls: Option<tokio_rustls::TlsAcceptor>,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) {
    loop {
        let accepted = tokio::select! {
            _ = &mut stop => return,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(_) => {
                // e.g. out of file descriptors: back off instead of spinning.
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                continue;
            }
        };
        shared.connections.fetch_add(1, Ordering::Relaxed);
        let _ = stream.set_nodelay(true);
        let shared = shared.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            match tls {
                Some(tls) => {
                    // A client that refuses our certificate ends the handshake: nothing to do.
                    if let Ok(stream) = tls.accept(stream).await {
                        serve_connection(TokioIo::new(stream), shared).await;
                    }
                }
                None => serve_connection(TokioIo::new(stream), shared).await,
            }
        });
    }
}

async fn serve_connection<I>(io: I, shared: Arc<Shared>)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |request| {
        let shared = shared.clone();
        async move { Ok::<_, std::convert::Infallible>(routes::handle(shared, request).await) }
    });
    let _ = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .serve_connection(io, service)
        .await;
}

/// The test server's multipart reader on one `Content-Type` value and body, for the fuzz test
/// (tests/it/fuzz.rs): the number of parts, or why the body was refused.
#[doc(hidden)]
pub fn fuzz_multipart(content_type: &str, body: &bytes::Bytes) -> Result<usize, String> {
    let boundary = multipart::boundary(content_type)?;
    multipart::parse(body, &boundary).map(|parts| parts.len())
}
