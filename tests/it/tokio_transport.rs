//! immich-tokio specific behaviour: lazy paging, streaming uploads and downloads, timeouts and
//! error kinds. Loopback only: the shared in-process [`TestServer`] where it has the fault, and
//! tiny raw TCP responders here where a test needs byte-level control (slow or stalling reads).
#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_core::Stream;
use immich_proto::search::{MetadataSearch, SearchAssets};
use immich_proto::{Pager, Server, ServerVersion};
use immich_tests::server::fixtures;
use immich_tests::{Fault, Options, TestServer};
use immich_tokio::assets::AssetMediaSize;
use immich_tokio::{AssetId, Client, ClientBuilder, ErrorKind, TimeoutPhase, UploadOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};

fn client_for(server: &TestServer) -> ClientBuilder {
    Client::builder(&server.url()).api_key(server.api_key())
}

async fn ready_client(server: &TestServer) -> Client {
    let client = client_for(server).build().unwrap();
    client.setup().await.unwrap();
    client
}

async fn next<S: Stream + Unpin>(stream: &mut S) -> Option<S::Item> {
    std::future::poll_fn(|cx| Pin::new(&mut *stream).poll_next(cx)).await
}

fn count(server: &TestServer, path: &str) -> usize {
    server.requests().iter().filter(|r| r.path == path).count()
}

/// A scratch directory, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        static N: AtomicU64 = AtomicU64::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("immich-tokio-{}-{name}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn file(&self, name: &str, len: usize) -> PathBuf {
        let path = self.0.join(name);
        let bytes: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
        std::fs::write(&path, bytes).unwrap();
        path
    }

    fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test]
async fn pages_stream_fetches_a_page_only_when_needed() {
    let server = TestServer::start(Options::default().extra_assets(9).page_cap(2));
    let client = ready_client(&server).await;
    server.clear_requests();
    let search = "/api/search/metadata";

    let mut stream = client.pages(Pager::new(SearchAssets::new(MetadataSearch::all())));
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(
        count(&server, search),
        0,
        "creating the stream sends nothing"
    );

    next(&mut stream).await.unwrap().unwrap();
    assert_eq!(count(&server, search), 1);
    next(&mut stream).await.unwrap().unwrap();
    assert_eq!(
        count(&server, search),
        1,
        "the second item comes from the first page"
    );
    next(&mut stream).await.unwrap().unwrap();
    assert_eq!(count(&server, search), 2);

    let mut total = 3;
    while let Some(item) = next(&mut stream).await {
        item.unwrap();
        total += 1;
    }
    let assets = server.asset_ids().len();
    assert_eq!(total, assets, "every asset, no silent cap");
    assert_eq!(count(&server, search), assets.div_ceil(2));

    // A limit stops the requests too.
    server.clear_requests();
    let limited = client.pages(Pager::new(SearchAssets::new(MetadataSearch::all())).with_limit(3));
    let mut limited = limited;
    let mut got = 0;
    while let Some(item) = next(&mut limited).await {
        item.unwrap();
        got += 1;
    }
    assert_eq!((got, count(&server, search)), (3, 2));
}

#[tokio::test]
async fn pages_stream_ends_after_an_error() {
    let server = TestServer::start(Options::default().extra_assets(5).page_cap(2));
    let client = ready_client(&server).await;
    let mut stream = client.pages(Pager::new(SearchAssets::new(MetadataSearch::all())));
    next(&mut stream).await.unwrap().unwrap();
    next(&mut stream).await.unwrap().unwrap();
    server.fault(None, "/search/metadata", Fault::Status(500, "boom".into()));
    let error = next(&mut stream).await.unwrap().unwrap_err();
    assert_eq!(
        error.status(),
        Some(http::StatusCode::INTERNAL_SERVER_ERROR)
    );
    assert!(
        next(&mut stream).await.is_none(),
        "no retry loop after an error"
    );
}

#[tokio::test]
async fn upload_streams_the_exact_bytes_and_reads_back() {
    let server = TestServer::start(Options::default());
    let client = ready_client(&server).await;
    let scratch = Scratch::new("upload");
    // Bigger than one chunk and not a multiple of it.
    let path = scratch.file("clip.mp4", 3 * 256 * 1024 + 17);
    let sidecar = scratch.file("clip.mp4.xmp", 99);

    let created = client
        .upload_path(
            &path,
            UploadOptions::default().sidecar(&sidecar).is_favorite(true),
        )
        .await
        .unwrap();
    assert!(!created.is_duplicate());
    let stored = server.asset_bytes(created.id.as_str()).unwrap();
    assert_eq!(stored.as_ref(), std::fs::read(&path).unwrap());

    let logged = server
        .requests()
        .into_iter()
        .find(|r| r.path == "/api/assets")
        .unwrap();
    let record = logged.upload.unwrap();
    let files: Vec<(String, u64)> = record.files.iter().map(|f| (f.0.clone(), f.3)).collect();
    assert_eq!(
        files,
        [
            ("assetData".to_owned(), 3 * 256 * 1024 + 17),
            ("sidecarData".to_owned(), 99)
        ]
    );

    // The same bytes again, with the checksum: a duplicate of the first.
    let again = client
        .upload_path(&path, UploadOptions::default().checksum(true))
        .await
        .unwrap();
    assert!(again.is_duplicate());
    assert_eq!(again.id, created.id);
    let logged = server
        .requests()
        .into_iter()
        .rfind(|r| r.path == "/api/assets")
        .unwrap();
    assert_eq!(logged.header("x-immich-checksum").map(str::len), Some(40));

    // Downloads of what was stored: in memory, streamed, ranged, and saved to a file.
    let thumb = client
        .thumbnail(created.id.clone(), AssetMediaSize::Thumbnail)
        .await
        .unwrap();
    assert!(!thumb.body.is_empty());
    let range = immich_tokio::ByteRange::inclusive(10, 109).unwrap();
    let mut video = client
        .video_playback(created.id.clone(), Some(range))
        .await
        .unwrap();
    assert_eq!(video.head.status, http::StatusCode::PARTIAL_CONTENT);
    let mut ranged = Vec::new();
    video.body.read_to_end(&mut ranged).await.unwrap();
    assert_eq!(ranged, stored[10..110]);

    let target = scratch.0.join("saved.bin");
    let head = client
        .save_media(
            &immich_proto::assets::PlayAssetVideo::new(created.id.clone()),
            &target,
        )
        .await
        .unwrap();
    assert_eq!(head.content_length, Some(stored.len() as u64));
    assert_eq!(std::fs::read(&target).unwrap(), stored.as_ref());
    assert_eq!(
        scratch.names(),
        ["clip.mp4", "clip.mp4.xmp", "saved.bin"],
        "no temporary file left"
    );
}

#[tokio::test]
async fn early_duplicate_answer_with_closed_connection_is_a_duplicate() {
    let server = TestServer::start(Options::default());
    let client = ready_client(&server).await;
    let scratch = Scratch::new("early");
    // Far bigger than the socket buffers, so the server hangs up with most of the body unsent.
    let path = scratch.file("big.mov", 24 * 1024 * 1024);
    let first = client
        .upload_path(&path, UploadOptions::default())
        .await
        .unwrap();
    server.fault(
        Some(http::Method::POST),
        "/assets",
        Fault::EarlyCloseDuplicate,
    );
    for _ in 0..3 {
        let again = client
            .upload_path(&path, UploadOptions::default().checksum(true))
            .await;
        let again = again.unwrap_or_else(|e| panic!("early duplicate answer lost: {e:?}"));
        assert!(again.is_duplicate());
        assert_eq!(again.id, first.id);
    }
    // The pool recovers: the next request uses a fresh connection.
    client.about().await.unwrap();
}

#[tokio::test]
async fn save_media_leaves_nothing_on_a_dropped_connection() {
    let server = TestServer::start(Options::default());
    let client = client_for(&server)
        .read_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let scratch = Scratch::new("save");
    let target = scratch.0.join("preview.jpg");
    let preview = |id: String| {
        immich_proto::assets::ViewAsset::new(AssetId::new_unchecked(id))
            .size(AssetMediaSize::Preview)
    };
    let image = preview(fixtures::asset_beach());

    server.fault(None, "/assets/*", Fault::DropMidBody);
    let error = client.save_media(&image, &target).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Io, "{error}");
    assert!(
        scratch.names().is_empty(),
        "left behind: {:?}",
        scratch.names()
    );

    // A stalled body: the read timeout ends it, and again nothing is left.
    server.clear_faults();
    server.fault(None, "/assets/*", Fault::StallMidBody);
    let error = client.save_media(&image, &target).await.unwrap_err();
    assert!(error.is_timeout(), "{error}");
    assert!(
        scratch.names().is_empty(),
        "left behind: {:?}",
        scratch.names()
    );

    // A download whose future is dropped half-way (a caller's own timeout) cleans up too.
    let patient = client_for(&server).build().unwrap();
    let dropped = tokio::time::timeout(
        Duration::from_millis(300),
        patient.save_media(&image, &target),
    )
    .await;
    assert!(
        dropped.is_err(),
        "the stalled download should still be running"
    );
    assert!(
        scratch.names().is_empty(),
        "left behind: {:?}",
        scratch.names()
    );

    // An error status never creates a file.
    server.clear_faults();
    let missing = preview(fixtures::asset_missing());
    let error = client.save_media(&missing, &target).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Status, "{error}");
    assert!(scratch.names().is_empty());

    client.save_media(&image, &target).await.unwrap();
    assert_eq!(scratch.names(), ["preview.jpg"]);
}

#[tokio::test]
async fn media_bytes_enforces_its_limit() {
    let server = TestServer::start(Options::default());
    let client = client_for(&server).build().unwrap();
    let view =
        immich_proto::assets::ViewAsset::new(AssetId::new_unchecked(fixtures::asset_beach()));
    let whole = client.media_bytes(&view, 1 << 20).await.unwrap();
    assert!(whole.body.len() > 16);
    let error = client.media_bytes(&view, 16).await.unwrap_err();
    assert!(
        matches!(
            error.proto(),
            Some(immich_proto::Error::BodyTooLarge { limit: 16, .. })
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn errors_tell_timeout_connect_tls_and_status_apart() {
    let server = TestServer::start(Options::default());
    let key = server.api_key().to_owned();

    // Status.
    server.fault(
        None,
        "/server/about",
        Fault::Status(503, "maintenance".into()),
    );
    let client = client_for(&server)
        .read_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let status = client.about().await.unwrap_err();
    assert_eq!(
        (status.kind(), status.status()),
        (
            ErrorKind::Status,
            Some(http::StatusCode::SERVICE_UNAVAILABLE)
        )
    );
    assert!(!status.is_timeout() && !status.is_connect());

    // Read timeout: the server accepts and never answers.
    server.clear_faults();
    server.fault(None, "/server/about", Fault::StallBeforeHead);
    let started = Instant::now();
    let timeout = client.about().await.unwrap_err();
    assert!(
        matches!(timeout, immich_tokio::Error::Timeout(TimeoutPhase::Read)),
        "{timeout:?}"
    );
    assert!(timeout.is_timeout() && !timeout.is_connect() && timeout.status().is_none());
    assert!(started.elapsed() < Duration::from_secs(5));

    // Connection refused: a port nobody listens on any more.
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        listener.local_addr().unwrap().port()
    };
    let refused = Client::builder(&format!("http://127.0.0.1:{port}"))
        .api_key(&key)
        .build()
        .unwrap();
    let connect = refused.about().await.unwrap_err();
    assert_eq!(connect.kind(), ErrorKind::Connect, "{connect:?}");
    assert!(connect.is_connect() && !connect.is_timeout());

    // TLS: https to a plain-HTTP server.
    let tls = Client::builder(&server.url().replace("http://", "https://"))
        .api_key(&key)
        .build()
        .unwrap();
    let tls = tls.about().await.unwrap_err();
    assert!(tls.is_tls(), "{tls:?}");

    for error in [&status, &timeout, &connect, &tls] {
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains(&key), "the key leaked: {shown}");
    }
}

#[tokio::test]
async fn connect_timeout_is_a_connect_and_a_timeout() {
    // A listener whose accept queue is full and never drained: Linux drops further SYNs, so a
    // connect hangs. Loopback only.
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(1).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut fillers = Vec::new();
    for _ in 0..8 {
        if let Ok(Ok(stream)) =
            tokio::time::timeout(Duration::from_millis(200), TcpStream::connect(addr)).await
        {
            fillers.push(stream);
        }
    }
    let client = Client::builder(&format!("http://{addr}"))
        .connect_timeout(Duration::from_millis(300))
        .read_timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let started = Instant::now();
    let error = client.about().await.unwrap_err();
    assert!(
        matches!(error, immich_tokio::Error::Timeout(TimeoutPhase::Connect)),
        "{error:?}"
    );
    assert!(error.is_timeout() && error.is_connect());
    assert!(started.elapsed() < Duration::from_secs(10));
    drop((fillers, listener));
}

// ---- raw responders: byte-level control over how the "server" reads an upload ----

/// Listens with a small receive buffer, so the client's sending pace follows the server's reads.
fn small_buffer_listener() -> TcpListener {
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(64 * 1024).unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    socket.listen(8).unwrap()
}

/// Reads a request head; returns it and the body bytes that came with it.
async fn read_head(stream: &mut TcpStream) -> (String, Vec<u8>) {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).await.unwrap();
        assert!(n > 0, "connection closed before the head");
        buffer.extend_from_slice(&chunk[..n]);
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buffer[..end]).to_lowercase();
            return (head, buffer[end + 4..].to_vec());
        }
    }
}

fn content_length(head: &str) -> u64 {
    head.lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap()
}

const CREATED: &str = r#"{"id":"7f3c0a52-1b2d-4c3e-9f00-0123456789ab","status":"created"}"#;

async fn answer_created(stream: &mut TcpStream) {
    let reply = format!(
        "HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{CREATED}",
        CREATED.len()
    );
    stream.write_all(reply.as_bytes()).await.unwrap();
}

fn raw_client(addr: std::net::SocketAddr, read_timeout: Duration) -> Client {
    let server = Server::new(&format!("http://{addr}"))
        .unwrap()
        .with_api_key("raw-key")
        .unwrap()
        .with_version(ServerVersion::new(3, 0, 0));
    ClientBuilder::from_server(server)
        .read_timeout(read_timeout)
        .build()
        .unwrap()
}

/// Reads an upload at a steady pace: `chunk` bytes, then a pause. Returns the head and the
/// number of body bytes received before the client finished or hung up.
fn spawn_reader(
    listener: TcpListener,
    chunk: usize,
    pause: Duration,
    answer: bool,
) -> tokio::task::JoinHandle<(String, u64)> {
    tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let (head, early) = read_head(&mut stream).await;
        let expected = content_length(&head);
        let mut received = early.len() as u64;
        let mut buffer = vec![0u8; chunk];
        while received < expected {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received += n as u64,
            }
            tokio::time::sleep(pause).await;
        }
        if answer && received == expected {
            answer_created(&mut stream).await;
        }
        (head, received)
    })
}

#[tokio::test]
async fn slow_steady_upload_outlives_the_read_timeout() {
    let scratch = Scratch::new("slow");
    let path = scratch.file("slow.mov", 12 * 1024 * 1024);
    let listener = small_buffer_listener();
    let addr = listener.local_addr().unwrap();
    // About 4 MB/s: the upload takes about three seconds, three read timeouts long.
    let reader = spawn_reader(listener, 64 * 1024, Duration::from_millis(15), true);
    let read_timeout = Duration::from_secs(1);
    let client = raw_client(addr, read_timeout);
    let started = Instant::now();
    let result = client
        .upload_path(&path, UploadOptions::default())
        .await
        .unwrap();
    let elapsed = started.elapsed();
    assert_eq!(
        result.status,
        immich_proto::assets::AssetMediaStatus::Created
    );
    let (head, received) = reader.await.unwrap();
    assert_eq!(
        received,
        content_length(&head),
        "the body is exactly the announced length"
    );
    assert!(received > 12 * 1024 * 1024);
    assert!(
        elapsed > read_timeout * 2,
        "the upload was not slow enough to prove anything: {elapsed:?}"
    );
}

#[tokio::test]
async fn stalled_upload_hits_the_read_timeout() {
    let scratch = Scratch::new("stall");
    let path = scratch.file("stall.mov", 16 * 1024 * 1024);
    let listener = small_buffer_listener();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let _ = read_head(&mut stream).await;
        tokio::time::sleep(Duration::from_secs(20)).await; // reads nothing more
        drop(stream);
    });
    let client = raw_client(addr, Duration::from_millis(400));
    let started = Instant::now();
    let error = client
        .upload_path(&path, UploadOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(error, immich_tokio::Error::Timeout(TimeoutPhase::Read)),
        "{error:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    server.abort();
}

/// Starts an upload against a server that pauses after the first bytes, lets `change` modify
/// the file during the pause, and returns the client's result and the body bytes the server got.
async fn upload_while_changing(
    len: usize,
    change: impl FnOnce(&Path) + Send + 'static,
) -> (
    Result<immich_proto::assets::UploadResult, immich_tokio::Error>,
    u64,
    u64,
) {
    let scratch = Scratch::new("change");
    let path = scratch.file("changing.mov", len);
    let listener = small_buffer_listener();
    let addr = listener.local_addr().unwrap();
    let (paused_tx, paused_rx) = tokio::sync::oneshot::channel::<()>();
    let (resume_tx, resume_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let (head, early) = read_head(&mut stream).await;
        let expected = content_length(&head);
        let mut received = early.len() as u64;
        let mut buffer = vec![0u8; 64 * 1024];
        received += stream.read(&mut buffer).await.unwrap() as u64;
        paused_tx.send(()).unwrap();
        resume_rx.await.unwrap();
        while received < expected {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received += n as u64,
            }
        }
        if received == expected {
            answer_created(&mut stream).await;
        }
        (expected, received)
    });
    let changer_path = path.clone();
    let changer = tokio::spawn(async move {
        paused_rx.await.unwrap();
        change(&changer_path);
        resume_tx.send(()).unwrap();
    });
    let client = raw_client(addr, Duration::from_secs(30));
    let result = client.upload_path(&path, UploadOptions::default()).await;
    changer.await.unwrap();
    let (expected, received) = server.await.unwrap();
    (result, expected, received)
}

fn assert_size_changed(
    result: Result<immich_proto::assets::UploadResult, immich_tokio::Error>,
    expected_len: u64,
    check_actual: impl Fn(u64) -> bool,
) {
    match result {
        Err(immich_tokio::Error::Proto(immich_proto::Error::FileSizeChanged {
            expected,
            actual,
        })) => {
            assert_eq!(expected, expected_len);
            assert!(check_actual(actual), "actual {actual}");
        }
        other => panic!("expected FileSizeChanged, got {other:?}"),
    }
}

#[tokio::test]
async fn a_file_that_shrinks_during_the_upload_fails_without_a_complete_body() {
    let len = 16 * 1024 * 1024;
    let (result, expected, received) = upload_while_changing(len, |path| {
        let file = std::fs::OpenOptions::new().write(true).open(path).unwrap();
        file.set_len(8 * 1024 * 1024).unwrap();
    })
    .await;
    assert_size_changed(result, len as u64, |actual| actual == 8 * 1024 * 1024);
    assert!(
        received < expected,
        "the server got a complete body: {received} of {expected}"
    );
}

#[tokio::test]
async fn a_file_that_grows_during_the_upload_fails_without_a_complete_body() {
    let len = 16 * 1024 * 1024;
    let (result, expected, received) = upload_while_changing(len, |path| {
        let mut file = std::fs::OpenOptions::new().append(true).open(path).unwrap();
        std::io::Write::write_all(&mut file, &[1u8; 1000]).unwrap();
    })
    .await;
    assert_size_changed(result, len as u64, |actual| actual == len as u64 + 1000);
    assert!(
        received < expected,
        "the server got a complete body: {received} of {expected}"
    );
}

#[tokio::test]
async fn clients_can_share_one_pool() {
    let server = TestServer::start(Options::default());
    let first = client_for(&server).build().unwrap();
    let second = client_for(&server)
        .http_client(first.http_client().clone())
        .build()
        .unwrap();
    let (a, b) = tokio::join!(first.about(), second.me());
    a.unwrap();
    b.unwrap();
    assert_eq!(second.clone().server().host(), "127.0.0.1");

    // Connection options belong to the shared client: combining them is refused, as in
    // immich-blocking.
    let conflict = client_for(&server)
        .http_client(first.http_client().clone())
        .connect_timeout(Duration::from_secs(1))
        .build()
        .unwrap_err();
    assert_eq!(conflict.kind(), ErrorKind::Protocol, "{conflict}");
}

#[tokio::test]
async fn a_client_built_by_hand_is_accepted_and_used() {
    use immich_tokio::hyper_util::client::legacy::connect::HttpConnector;
    use immich_tokio::hyper_util::client::legacy::Client as PooledClient;
    use immich_tokio::hyper_util::rt::TokioExecutor;
    use immich_tokio::{hyper_rustls, rustls, HttpClient, TcpConnector, POOL_IDLE_TIMEOUT};

    // As the `ClientBuilder::http_client` doc shows (no roots needed: the server is plain HTTP).
    let tls = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(rustls::RootCertStore::empty())
    .with_no_client_auth();
    let mut tcp = HttpConnector::new();
    tcp.enforce_http(false);
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1()
        .wrap_connector(TcpConnector::new(tcp));
    let connector = immich_tokio::Connector::new(connector, None);
    let http: HttpClient = PooledClient::builder(TokioExecutor::new())
        .pool_idle_timeout(POOL_IDLE_TIMEOUT)
        .build(connector);

    let server = TestServer::start(Options::default());
    let first = client_for(&server)
        .http_client(http.clone())
        .build()
        .unwrap();
    let second = client_for(&server).http_client(http).build().unwrap();
    first.setup().await.unwrap();
    assert_eq!(second.me().await.unwrap().email, "test@example.com");
    assert_eq!(first.about().await.unwrap().version, "v3.0.0");
    assert_eq!(
        server.request_lines(),
        [
            "GET /api/server/version",
            "GET /api/users/me",
            "GET /api/server/about"
        ]
    );
    // Both clients sent through the one pool given to them: a builder that made its own client
    // would have opened a second connection.
    assert_eq!(server.connections(), 1);
}

/// Compile-time check: the futures can be spawned on a multi-threaded runtime.
#[allow(dead_code)]
fn futures_are_send(client: &Client, path: PathBuf) {
    fn assert_send<T: Send>(_: &T) {}
    assert_send(&client.upload_path(path, UploadOptions::default()));
    assert_send(&client.albums());
    assert_send(&client.pages(Pager::new(SearchAssets::new(MetadataSearch::all()))));
}

#[tokio::test]
async fn early_answer_then_hang_up_is_read_every_time() {
    // A raw server that answers "duplicate" after the head, then closes with the body unread
    // (the kernel resets the connection). Without `KeepReading`, hyper loses this race now
    // and then and reports "broken pipe" or "connection reset" instead of the answer.
    let scratch = Scratch::new("early-raw");
    let path = scratch.file("big.mov", 24 * 1024 * 1024);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        loop {
            let (mut stream, _) = listener.accept().await.unwrap();
            let _ = read_head(&mut stream).await;
            let body = r#"{"id":"7f3c0a52-1b2d-4c3e-9f00-0123456789ab","status":"duplicate"}"#;
            let reply = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
                body.len()
            );
            stream.write_all(reply.as_bytes()).await.unwrap();
        }
    });
    let client = raw_client(addr, Duration::from_secs(10));
    for attempt in 0..20 {
        let result = client.upload_path(&path, UploadOptions::default()).await;
        let result = result.unwrap_or_else(|e| panic!("attempt {attempt}: {e:?}"));
        assert!(result.is_duplicate());
    }
    server.abort();
}

#[tokio::test]
async fn a_connection_closed_before_the_answer_is_io_in_both_transports() {
    // A raw server that reads the request and hangs up without a word. Loopback only.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        for _ in 0..2 {
            let (mut stream, _) = listener.accept().unwrap();
            let _ = std::io::Read::read(&mut stream, &mut [0u8; 4096]);
        }
    });
    let url = format!("http://{addr}");
    let error = Client::new(&url, "key").unwrap().about().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Io, "{error}");
    let blocking = immich_blocking::Client::new(&url, "key").unwrap();
    let error = tokio::task::spawn_blocking(move || blocking.about().unwrap_err())
        .await
        .unwrap();
    assert_eq!(error.kind(), immich_blocking::ErrorKind::Io, "{error}");
    server.join().unwrap();
}

/// A server that trickles one byte every 150 ms is never idle for the read timeout, but the
/// request deadline ends it: a JSON answer, a media body being streamed (and saved), and a
/// shared HTTP client alike.
#[tokio::test]
async fn request_deadline_cuts_off_a_trickling_server() {
    let server = TestServer::start(Options::default());
    let client = client_for(&server)
        .read_timeout(Duration::from_secs(5))
        .request_deadline(Duration::from_millis(700))
        .build()
        .unwrap();
    server.fault(
        None,
        "/server/about",
        Fault::Trickle(Duration::from_millis(150)),
    );
    let started = Instant::now();
    let error = client.about().await.unwrap_err();
    assert!(
        matches!(error, immich_tokio::Error::Timeout(TimeoutPhase::Deadline)),
        "{error:?}"
    );
    assert!(error.is_timeout() && !error.is_connect());
    assert!(error.to_string().contains("deadline"), "{error}");
    assert!(started.elapsed() < Duration::from_secs(3));

    // A media body streamed after its head: the deadline still covers the whole body.
    server.clear_faults();
    server.fault(
        None,
        "/assets/*",
        Fault::Trickle(Duration::from_millis(150)),
    );
    let view =
        immich_proto::assets::ViewAsset::new(AssetId::new_unchecked(fixtures::asset_beach()));
    let started = Instant::now();
    let mut media = client.media(&view).await.unwrap();
    let mut sink = Vec::new();
    let error = media.body.read_to_end(&mut sink).await.unwrap_err();
    let error = immich_tokio::Error::from(error);
    assert!(
        matches!(error, immich_tokio::Error::Timeout(TimeoutPhase::Deadline)),
        "{error:?}"
    );
    assert!(!sink.is_empty() && started.elapsed() < Duration::from_secs(3));

    let scratch = Scratch::new("deadline");
    let target = scratch.0.join("slow.jpg");
    let error = client.save_media(&view, &target).await.unwrap_err();
    assert!(
        matches!(error, immich_tokio::Error::Timeout(TimeoutPhase::Deadline)),
        "{error:?}"
    );
    assert!(scratch.names().is_empty(), "{:?}", scratch.names());

    // Without a deadline the same server is slow but fine (a small answer finishes).
    server.clear_faults();
    server.fault(
        None,
        "/server/ping",
        Fault::Trickle(Duration::from_millis(20)),
    );
    let patient = client_for(&server).build().unwrap();
    patient.ping().await.unwrap();
}

/// The connect timeout covers the TLS handshake: a server that accepts the TCP connection and
/// then says nothing is a connect timeout, long before the read timeout.
#[tokio::test]
async fn connect_timeout_covers_the_tls_handshake() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let silent = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream); // never answers the ClientHello
        }
    });
    let client = Client::builder(&format!("https://{addr}"))
        .connect_timeout(Duration::from_millis(300))
        .read_timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let started = Instant::now();
    let error = client.about().await.unwrap_err();
    assert!(
        matches!(error, immich_tokio::Error::Timeout(TimeoutPhase::Connect)),
        "{error:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    silent.abort();
}

/// Media saved to a file stays within the configured cap: refused before a byte is written
/// when the answer announces more, and nothing under the final name or beside it.
#[tokio::test]
async fn saved_media_is_held_to_the_file_cap() {
    let server = TestServer::start(Options::default());
    let beach = AssetId::new_unchecked(fixtures::asset_beach());
    let preview = immich_proto::assets::ViewAsset::new(beach.clone()).size(AssetMediaSize::Preview);
    let scratch = Scratch::new("cap");
    let target = scratch.0.join("preview.jpg");
    let capped = client_for(&server).max_file_bytes(10).build().unwrap();
    capped.setup().await.unwrap();
    let error = capped.save_media(&preview, &target).await.unwrap_err();
    assert!(
        matches!(
            error.proto(),
            Some(immich_proto::Error::BodyTooLarge { limit: 10, .. })
        ),
        "{error:?}"
    );
    let original = scratch.0.join("beach.jpg");
    let error = capped
        .download_original(beach.clone(), &original, false)
        .await
        .unwrap_err();
    assert!(
        matches!(
            error.proto(),
            Some(immich_proto::Error::BodyTooLarge { limit: 10, .. })
        ),
        "{error:?}"
    );
    assert!(scratch.names().is_empty(), "{:?}", scratch.names());

    let roomy = client_for(&server).max_file_bytes(1 << 30).build().unwrap();
    roomy.setup().await.unwrap();
    roomy.save_media(&preview, &target).await.unwrap();
    roomy
        .download_original(beach, &original, false)
        .await
        .unwrap();
    assert_eq!(scratch.names(), ["beach.jpg", "preview.jpg"]);
}

/// The proxy rules are the core's, as in immich-blocking: `https://` through a CONNECT tunnel,
/// `http://` in absolute form to the proxy, the proxy's credentials sent to it, and a
/// `no_proxy` host reached directly.
#[tokio::test]
async fn proxies_from_the_environment_rules_are_honoured() {
    use immich_proto::proxy::ProxyEnv;
    use immich_tests::proxy::TinyProxy;

    let proxy = TinyProxy::start();
    let with_credentials = proxy.url().replace("http://", "http://me:s3cret@");
    let vars = [
        ("https_proxy", with_credentials.clone()),
        ("http_proxy", with_credentials),
        ("NO_PROXY", "127.0.0.1,localhost".to_owned()),
    ];
    let env = || {
        ProxyEnv::from_vars(|name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.clone())
        })
        .unwrap()
    };
    let auth = Some("Basic bWU6czNjcmV0".to_owned()); // me:s3cret

    // http:// to a name nobody resolves: only the proxy can answer, in absolute form.
    let client = Client::builder("http://photos.example.invalid:2283")
        .api_key("key")
        .proxies(env())
        .build()
        .unwrap();
    assert_eq!(client.ping().await.unwrap().res, "pong");
    let seen = proxy.seen();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(
        seen[0].line,
        "GET http://photos.example.invalid:2283/api/server/ping HTTP/1.1"
    );
    assert_eq!(seen[0].authorization, auth);

    // https://: a CONNECT tunnel to the server's name and port.
    let client = Client::builder("https://photos.example.invalid")
        .api_key("key")
        .proxies(env())
        .build()
        .unwrap();
    assert!(client.ping().await.is_err());
    let seen = proxy.seen();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(seen[1].line, "CONNECT photos.example.invalid:443 HTTP/1.1");
    assert_eq!(seen[1].authorization, auth);

    // A no_proxy host goes direct.
    let server = TestServer::start(Options::default());
    let direct = client_for(&server).proxies(env()).build().unwrap();
    direct.ping().await.unwrap();
    assert_eq!(proxy.seen().len(), 2);
}
