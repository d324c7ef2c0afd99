//! immich-blocking specific behaviour: lazy paging, streaming uploads and downloads, the early
//! duplicate answer, timeouts and error kinds. Loopback only: the shared in-process
//! [`TestServer`] where it has the fault, and tiny `std::net` responders here where a test
//! needs byte-level control over how the "server" reads.
#![cfg(unix)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::FromRawFd;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use immich_blocking::assets::{
    AssetMediaSize, AssetMediaStatus, PlayAssetVideo, UploadResult, ViewAsset,
};
use immich_blocking::search::{MetadataSearch, SearchAssets};
use immich_blocking::{ureq, Server, ServerVersion};
use immich_blocking::{
    AssetId, Client, ClientBuilder, Error, ErrorKind, Pager, TimeoutPhase, UploadOptions,
};
use immich_tests::server::fixtures;
use immich_tests::{Fault, Options, TestServer};

fn client_for(server: &TestServer) -> ClientBuilder {
    Client::builder(&server.url()).api_key(server.api_key())
}

fn ready_client(server: &TestServer) -> Client {
    let client = client_for(server).build().unwrap();
    client.setup().unwrap();
    client
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
            std::env::temp_dir().join(format!("immich-blocking-{}-{name}-{n}", std::process::id()));
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

#[test]
fn pages_iterator_fetches_a_page_only_when_needed() {
    let server = TestServer::start(Options::default().extra_assets(9).page_cap(2));
    let client = ready_client(&server);
    server.clear_requests();
    let search = "/api/search/metadata";

    let mut pages = client.pages(Pager::new(SearchAssets::new(MetadataSearch::all())));
    assert_eq!(
        count(&server, search),
        0,
        "creating the iterator sends nothing"
    );
    pages.next().unwrap().unwrap();
    assert_eq!(count(&server, search), 1);
    pages.next().unwrap().unwrap();
    assert_eq!(
        count(&server, search),
        1,
        "the second item comes from the first page"
    );
    pages.next().unwrap().unwrap();
    assert_eq!(count(&server, search), 2);

    let rest = pages.map(Result::unwrap).count();
    let assets = server.asset_ids().len();
    assert_eq!(3 + rest, assets, "every asset, no silent cap");
    assert_eq!(count(&server, search), assets.div_ceil(2));

    // A limit stops the requests too.
    server.clear_requests();
    let limited = Pager::new(SearchAssets::new(MetadataSearch::all())).with_limit(3);
    let got = client.pages(limited).map(Result::unwrap).count();
    assert_eq!((got, count(&server, search)), (3, 2));
}

#[test]
fn pages_iterator_ends_after_an_error() {
    let server = TestServer::start(Options::default().extra_assets(5).page_cap(2));
    let client = ready_client(&server);
    let mut pages = client.pages(Pager::new(SearchAssets::new(MetadataSearch::all())));
    pages.next().unwrap().unwrap();
    pages.next().unwrap().unwrap();
    server.fault(None, "/search/metadata", Fault::Status(500, "boom".into()));
    let error = pages.next().unwrap().unwrap_err();
    assert_eq!(
        error.status(),
        Some(http::StatusCode::INTERNAL_SERVER_ERROR)
    );
    assert!(pages.next().is_none(), "no retry loop after an error");
}

#[test]
fn upload_streams_the_exact_bytes_and_reads_back() {
    let server = TestServer::start(Options::default());
    let client = ready_client(&server);
    let scratch = Scratch::new("upload");
    // Bigger than ureq's buffers and not a multiple of them.
    let len = 3 * 256 * 1024 + 17;
    let path = scratch.file("clip.mp4", len);
    let sidecar = scratch.file("clip.mp4.xmp", 99);

    let options = UploadOptions::new().sidecar(&sidecar).is_favorite(true);
    let created = client.upload_path(&path, options).unwrap();
    assert_eq!(created.status, AssetMediaStatus::Created);
    let stored = server.asset_bytes(created.id.as_str()).unwrap();
    assert_eq!(stored.as_ref(), std::fs::read(&path).unwrap());

    let logged = server
        .requests()
        .into_iter()
        .find(|r| r.path == "/api/assets")
        .unwrap();
    assert!(logged.header("transfer-encoding").is_none(), "not chunked");
    let announced: u64 = logged.header("content-length").unwrap().parse().unwrap();
    assert!(announced > len as u64 + 99);
    let record = logged.upload.unwrap();
    let files: Vec<(String, u64)> = record.files.iter().map(|f| (f.0.clone(), f.3)).collect();
    assert_eq!(
        files,
        [
            ("assetData".to_owned(), len as u64),
            ("sidecarData".to_owned(), 99)
        ]
    );
    let field = |name: &str| {
        record
            .fields
            .iter()
            .find(|f| f.0 == name)
            .map(|f| f.1.clone())
    };
    assert_eq!(field("isFavorite").as_deref(), Some("true"));
    assert!(field("fileModifiedAt").unwrap().ends_with('Z'));

    // The same bytes again, with the checksum: a duplicate of the first.
    let again = client
        .upload_path(&path, UploadOptions::new().checksum(true))
        .unwrap();
    assert!(again.is_duplicate());
    assert_eq!(again.id, created.id);
    let logged = server
        .requests()
        .into_iter()
        .rfind(|r| r.path == "/api/assets")
        .unwrap();
    assert_eq!(logged.header("x-immich-checksum").map(str::len), Some(40));

    // Downloads of what was stored: in memory, streamed with a range, and saved to a file.
    let thumb = client
        .thumbnail(created.id.clone(), AssetMediaSize::Thumbnail)
        .unwrap();
    assert!(!thumb.body.is_empty());
    let range = immich_blocking::ByteRange::inclusive(10, 109).unwrap();
    let mut video = client
        .video_playback(created.id.clone(), Some(range))
        .unwrap();
    assert_eq!(video.head.status, http::StatusCode::PARTIAL_CONTENT);
    let mut ranged = Vec::new();
    video.body.read_to_end(&mut ranged).unwrap();
    assert_eq!(ranged, stored[10..110]);

    let target = scratch.0.join("saved.bin");
    let head = client
        .save_media(&PlayAssetVideo::new(created.id.clone()), &target)
        .unwrap();
    assert_eq!(head.content_length, Some(stored.len() as u64));
    assert_eq!(std::fs::read(&target).unwrap(), stored.as_ref());
    assert_eq!(
        scratch.names(),
        ["clip.mp4", "clip.mp4.xmp", "saved.bin"],
        "no temporary file left"
    );
}

#[test]
fn early_duplicate_answer_with_closed_connection_is_a_duplicate() {
    let server = TestServer::start(Options::default());
    let client = ready_client(&server);
    let scratch = Scratch::new("early");
    // Far bigger than the socket buffers, so the server hangs up with most of the body unsent.
    let path = scratch.file("big.mov", 24 * 1024 * 1024);
    let first = client.upload_path(&path, UploadOptions::new()).unwrap();
    server.fault(
        Some(http::Method::POST),
        "/assets",
        Fault::EarlyCloseDuplicate,
    );
    for _ in 0..3 {
        let started = Instant::now();
        let again = client.upload_path(&path, UploadOptions::new().checksum(true));
        let again = again.unwrap_or_else(|e| panic!("early duplicate answer lost: {e:?}"));
        assert!(again.is_duplicate());
        assert_eq!(again.id, first.id);
        assert!(started.elapsed() < Duration::from_secs(10));
    }
    // The pool recovers: the next request uses a fresh connection.
    client.about().unwrap();
}

#[test]
fn save_media_leaves_nothing_on_a_dropped_connection() {
    let server = TestServer::start(Options::default());
    let client = client_for(&server)
        .read_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let scratch = Scratch::new("save");
    let target = scratch.0.join("preview.webp");
    let preview = ViewAsset::new(AssetId::new_unchecked(fixtures::asset_beach()))
        .size(AssetMediaSize::Preview);

    server.fault(None, "/assets/*", Fault::DropMidBody);
    let error = client.save_media(&preview, &target).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Io, "{error:?}");
    assert!(
        scratch.names().is_empty(),
        "left behind: {:?}",
        scratch.names()
    );

    // A stalled body: the read timeout ends it, and again nothing is left.
    server.clear_faults();
    server.fault(None, "/assets/*", Fault::StallMidBody);
    let error = client.save_media(&preview, &target).unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    assert!(
        scratch.names().is_empty(),
        "left behind: {:?}",
        scratch.names()
    );

    // An error status never creates a file.
    server.clear_faults();
    let missing = ViewAsset::new(AssetId::new_unchecked(fixtures::asset_missing()));
    let error = client.save_media(&missing, &target).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Status, "{error:?}");
    assert!(scratch.names().is_empty());

    let head = client.save_media(&preview, &target).unwrap();
    assert_eq!(scratch.names(), ["preview.webp"]);
    let saved = std::fs::metadata(&target).unwrap().len();
    assert_eq!(Some(saved), head.content_length);
}

#[test]
fn media_bytes_enforces_its_limit() {
    let server = TestServer::start(Options::default());
    let client = client_for(&server).build().unwrap();
    let view = ViewAsset::new(AssetId::new_unchecked(fixtures::asset_beach()));
    let whole = client.media_bytes(&view, 1 << 20).unwrap();
    assert!(whole.body.len() > 16);
    let error = client.media_bytes(&view, 16).unwrap_err();
    assert!(
        matches!(
            error.proto(),
            Some(immich_blocking::proto::Error::BodyTooLarge { limit: 16, .. })
        ),
        "{error:?}"
    );
}

#[test]
fn errors_tell_timeout_connect_tls_and_status_apart() {
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
    let status = client.about().unwrap_err();
    assert_eq!(
        (status.kind(), status.status()),
        (
            ErrorKind::Status,
            Some(http::StatusCode::SERVICE_UNAVAILABLE)
        )
    );
    assert!(!status.is_timeout() && !status.is_connect() && !status.is_tls());

    // Read timeout: the server accepts and never answers.
    server.clear_faults();
    server.fault(None, "/server/about", Fault::StallBeforeHead);
    let started = Instant::now();
    let timeout = client.about().unwrap_err();
    assert!(
        matches!(timeout, Error::Timeout(TimeoutPhase::Read)),
        "{timeout:?}"
    );
    assert!(timeout.is_timeout() && !timeout.is_connect() && timeout.status().is_none());
    assert!(started.elapsed() < Duration::from_secs(5));

    // Connection refused: a port nobody listens on any more.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let refused = Client::new(&format!("http://127.0.0.1:{port}"), &key).unwrap();
    let connect = refused.about().unwrap_err();
    assert_eq!(connect.kind(), ErrorKind::Connect, "{connect:?}");
    assert!(connect.is_connect() && !connect.is_timeout());

    // TLS: https to a plain-HTTP server.
    let tls = Client::new(&server.url().replace("http://", "https://"), &key).unwrap();
    let tls = tls.about().unwrap_err();
    assert!(tls.is_tls(), "{tls:?}");
    assert_eq!(tls.kind(), ErrorKind::Tls);

    for error in [&status, &timeout, &connect, &tls] {
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains(&key), "the key leaked: {shown}");
    }
}

#[test]
fn connect_timeout_is_a_connect_and_a_timeout() {
    // A listener with a backlog of 1 that never accepts: once its queue is full, Linux drops
    // further SYNs, so a connect hangs. Loopback only.
    let listener = small_listener(None, 1);
    let addr = listener.local_addr().unwrap();
    let mut fillers = Vec::new();
    for _ in 0..8 {
        if let Ok(stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
            fillers.push(stream);
        }
    }
    let client = Client::builder(&format!("http://{addr}"))
        .connect_timeout(Duration::from_millis(300))
        .read_timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let started = Instant::now();
    let error = client.about().unwrap_err();
    assert!(error.is_timeout() && error.is_connect(), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(10));
    drop((fillers, listener));
}

#[test]
fn a_shared_agent_gets_status_answers_and_the_builder_refuses_conflicts() {
    let server = TestServer::start(Options::default());
    // An agent left with ureq's default `http_status_as_error(true)`.
    let agent = ureq::Agent::new_with_defaults();
    let client = client_for(&server)
        .http_client(agent.clone())
        .build()
        .unwrap();
    client.setup().unwrap();
    server.fault(
        None,
        "/users/me",
        Fault::Status(403, "Missing required permission: user.read".into()),
    );
    let error = client.me().unwrap_err();
    assert_eq!(
        error.status(),
        Some(http::StatusCode::FORBIDDEN),
        "{error:?}"
    );
    assert_eq!(
        error
            .proto()
            .and_then(|e| e.api())
            .and_then(|a| a.missing_permission()),
        Some("user.read")
    );

    // The read timeout applies to a shared agent too (ureq's default agent has none).
    let impatient = client_for(&server)
        .http_client(agent.clone())
        .read_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    server.fault(None, "/server/about", Fault::StallMidBody);
    let started = Instant::now();
    let error = impatient.about().unwrap_err();
    assert!(
        matches!(error, Error::Timeout(TimeoutPhase::Read)),
        "{error:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));

    let conflict = client_for(&server)
        .http_client(agent)
        .connect_timeout(Duration::from_secs(1))
        .build()
        .unwrap_err();
    assert_eq!(conflict.kind(), ErrorKind::Protocol);
}

#[test]
fn https_with_a_custom_root_and_only_with_it() {
    let certified =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .unwrap();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(certified.signing_key.serialize_der().into());
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![certified.cert.der().clone()], key)
        .unwrap();
    let server = TestServer::start(Options::default().tls(std::sync::Arc::new(config)));
    assert!(server.url().starts_with("https://"));

    // The bundled roots do not know this certificate.
    let error = client_for(&server).build().unwrap().about().unwrap_err();
    assert!(error.is_tls(), "{error:?}");

    // Trusted as an extra root, on top of the bundled ones.
    let pem = certified.cert.pem();
    let trusting = client_for(&server)
        .add_root_certificate_pem(pem.as_bytes())
        .build()
        .unwrap();
    assert_eq!(trusting.setup().unwrap().major, 3);
    trusting.me().unwrap();

    // The plainly named escape hatch works without the root.
    let reckless = client_for(&server)
        .danger_accept_invalid_certs(true)
        .build()
        .unwrap();
    reckless.about().unwrap();

    // A PEM with no certificate is refused when building, not at the first request.
    let bad = client_for(&server)
        .add_root_certificate_pem(b"not a pem")
        .build()
        .unwrap_err();
    assert!(bad.is_tls(), "{bad:?}");
}

#[test]
fn a_redirect_is_reported_not_followed() {
    // Following it would send the API key wherever the `Location` points.
    let elsewhere = TcpListener::bind("127.0.0.1:0").unwrap();
    elsewhere.set_nonblocking(true).unwrap();
    let target = elsewhere.local_addr().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let _ = read_head(&mut stream);
        let reply = format!(
            "HTTP/1.1 302 Found\r\nlocation: http://{target}/api/server/about\r\ncontent-length: 0\r\n\r\n"
        );
        stream.write_all(reply.as_bytes()).unwrap();
    });
    let error = raw_client(addr, Duration::from_secs(5))
        .about()
        .unwrap_err();
    server.join().unwrap();
    assert_eq!(error.status(), Some(http::StatusCode::FOUND), "{error:?}");
    assert!(elsewhere.accept().is_err(), "the redirect was followed");
}

/// Compile-time check: a client can be shared across threads.
#[allow(dead_code)]
fn client_is_send_and_sync(client: Client) {
    fn assert_send_sync<T: Send + Sync + 'static>(_: T) {}
    assert_send_sync(client.clone());
    assert_send_sync(client.pages(Pager::new(SearchAssets::new(MetadataSearch::all()))));
    assert_send_sync(client.about().unwrap_err());
}

// ---- raw responders: byte-level control over how the "server" reads an upload ----

/// A loopback listener whose accepted sockets have a small receive buffer (when `recv_buffer`
/// is set), so the client's sending pace follows the server's reads.
fn small_listener(recv_buffer: Option<libc::c_int>, backlog: libc::c_int) -> TcpListener {
    // SAFETY: plain socket calls on a descriptor we own; it is handed to `TcpListener` at once.
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0);
        assert!(fd >= 0);
        let listener = TcpListener::from_raw_fd(fd);
        if let Some(size) = recv_buffer {
            let rc = libc::setsockopt(
                fd,
                libc::SOL_SOCKET,
                libc::SO_RCVBUF,
                (&size as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            );
            assert_eq!(rc, 0);
        }
        let addr = libc::sockaddr_in {
            sin_family: libc::AF_INET as libc::sa_family_t,
            sin_port: 0,
            sin_addr: libc::in_addr {
                s_addr: u32::from_ne_bytes([127, 0, 0, 1]),
            },
            sin_zero: [0; 8],
        };
        let rc = libc::bind(
            fd,
            (&addr as *const libc::sockaddr_in).cast(),
            std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
        );
        assert_eq!(rc, 0);
        assert_eq!(libc::listen(fd, backlog), 0);
        listener
    }
}

/// Reads a request head; returns it (lowercase) and the body bytes that came with it.
fn read_head(stream: &mut TcpStream) -> (String, Vec<u8>) {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).unwrap();
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

fn answer_created(stream: &mut TcpStream) {
    let reply = format!(
        "HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{CREATED}",
        CREATED.len()
    );
    stream.write_all(reply.as_bytes()).unwrap();
}

fn raw_client(addr: SocketAddr, read_timeout: Duration) -> Client {
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

#[test]
fn slow_steady_upload_outlives_the_read_timeout() {
    let scratch = Scratch::new("slow");
    let path = scratch.file("slow.mov", 16 * 1024 * 1024);
    let listener = small_listener(Some(64 * 1024), 8);
    let addr = listener.local_addr().unwrap();
    // About 6 MB/s in 64 KiB steps: the upload takes well over two read timeouts, while no
    // single wait comes near one.
    let reader = thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let (head, early) = read_head(&mut stream);
        let expected = content_length(&head);
        let mut received = early.len() as u64;
        let mut buffer = vec![0u8; 64 * 1024];
        while received < expected {
            match stream.read(&mut buffer) {
                Ok(0) | Err(_) => break,
                Ok(n) => received += n as u64,
            }
            thread::sleep(Duration::from_millis(10));
        }
        if received == expected {
            answer_created(&mut stream);
        }
        (head, received)
    });
    let read_timeout = Duration::from_millis(1000);
    let client = raw_client(addr, read_timeout);
    let started = Instant::now();
    let result = client.upload_path(&path, UploadOptions::new()).unwrap();
    let elapsed = started.elapsed();
    assert_eq!(result.status, AssetMediaStatus::Created);
    let (head, received) = reader.join().unwrap();
    assert_eq!(
        received,
        content_length(&head),
        "the body is exactly the announced length"
    );
    assert!(!head.contains("transfer-encoding"));
    assert!(received > 16 * 1024 * 1024);
    assert!(
        elapsed > read_timeout * 2,
        "the upload was not slow enough to prove anything: {elapsed:?}"
    );
}

#[test]
fn stalled_upload_hits_the_read_timeout() {
    let scratch = Scratch::new("stall");
    let path = scratch.file("stall.mov", 16 * 1024 * 1024);
    let listener = small_listener(Some(64 * 1024), 8);
    let addr = listener.local_addr().unwrap();
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let server = thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let _ = read_head(&mut stream);
        // Reads nothing more until the client gave up (bounded wait).
        let _ = done_rx.recv_timeout(Duration::from_secs(20));
    });
    let client = raw_client(addr, Duration::from_millis(400));
    let started = Instant::now();
    let error = client.upload_path(&path, UploadOptions::new()).unwrap_err();
    assert!(error.is_timeout() && !error.is_connect(), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
    done_tx.send(()).unwrap();
    server.join().unwrap();
}

/// Starts an upload against a server that pauses after the first bytes, lets `change` modify
/// the file during the pause, and returns the client's result, the announced body length and
/// the body bytes the server got.
fn upload_while_changing(
    len: usize,
    change: impl FnOnce(&Path) + Send + 'static,
) -> (Result<UploadResult, Error>, u64, u64) {
    let scratch = Scratch::new("change");
    let path = scratch.file("changing.mov", len);
    let listener = small_listener(Some(64 * 1024), 8);
    let addr = listener.local_addr().unwrap();
    let (paused_tx, paused_rx) = mpsc::channel::<()>();
    let (resume_tx, resume_rx) = mpsc::channel::<()>();
    let server = thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let (head, early) = read_head(&mut stream);
        let expected = content_length(&head);
        let mut received = early.len() as u64;
        let mut buffer = vec![0u8; 64 * 1024];
        received += stream.read(&mut buffer).unwrap() as u64;
        paused_tx.send(()).unwrap();
        resume_rx.recv_timeout(Duration::from_secs(20)).unwrap();
        while received < expected {
            match stream.read(&mut buffer) {
                Ok(0) | Err(_) => break,
                Ok(n) => received += n as u64,
            }
        }
        if received == expected {
            answer_created(&mut stream);
        }
        (expected, received)
    });
    let changer_path = path.clone();
    let changer = thread::spawn(move || {
        paused_rx.recv_timeout(Duration::from_secs(20)).unwrap();
        change(&changer_path);
        resume_tx.send(()).unwrap();
    });
    let client = raw_client(addr, Duration::from_secs(30));
    let result = client.upload_path(&path, UploadOptions::new());
    changer.join().unwrap();
    let (expected, received) = server.join().unwrap();
    (result, expected, received)
}

fn assert_size_changed(
    result: Result<UploadResult, Error>,
    expected_len: u64,
    check_actual: impl Fn(u64) -> bool,
) {
    match result {
        Err(Error::Proto(immich_blocking::proto::Error::FileSizeChanged { expected, actual })) => {
            assert_eq!(expected, expected_len);
            assert!(check_actual(actual), "actual {actual}");
        }
        other => panic!("expected FileSizeChanged, got {other:?}"),
    }
}

#[test]
fn a_file_that_shrinks_during_the_upload_fails_without_a_complete_body() {
    let len = 16 * 1024 * 1024;
    let (result, expected, received) = upload_while_changing(len, |path| {
        let file = std::fs::OpenOptions::new().write(true).open(path).unwrap();
        file.set_len(8 * 1024 * 1024).unwrap();
    });
    assert_size_changed(result, len as u64, |actual| actual == 8 * 1024 * 1024);
    assert!(
        received < expected,
        "the server got a complete body: {received} of {expected}"
    );
}

#[test]
fn a_file_that_grows_during_the_upload_fails_without_a_complete_body() {
    let len = 16 * 1024 * 1024;
    let (result, expected, received) = upload_while_changing(len, |path| {
        let mut file = std::fs::OpenOptions::new().append(true).open(path).unwrap();
        file.write_all(&[1u8; 1000]).unwrap();
    });
    assert_size_changed(result, len as u64, |actual| actual == len as u64 + 1000);
    assert!(
        received < expected,
        "the server got a complete body: {received} of {expected}"
    );
}

/// A server that trickles one byte every 150 ms is never idle for the read timeout, but the
/// request deadline ends it: a JSON answer, and a media body read after its head.
#[test]
fn request_deadline_cuts_off_a_trickling_server() {
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
    let error = client.about().unwrap_err();
    assert!(
        matches!(error, Error::Timeout(TimeoutPhase::Deadline)),
        "{error:?}"
    );
    assert!(error.is_timeout() && !error.is_connect());
    assert!(started.elapsed() < Duration::from_secs(3));

    server.clear_faults();
    server.fault(
        None,
        "/assets/*",
        Fault::Trickle(Duration::from_millis(150)),
    );
    let view = ViewAsset::new(AssetId::new_unchecked(fixtures::asset_beach()));
    let started = Instant::now();
    let mut media = client.media(&view).unwrap();
    let mut sink = Vec::new();
    let error = Error::from(media.body.read_to_end(&mut sink).unwrap_err());
    assert!(
        matches!(error, Error::Timeout(TimeoutPhase::Deadline)),
        "{error:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(3));

    let scratch = Scratch::new("deadline");
    let target = scratch.0.join("slow.jpg");
    let error = client.save_media(&view, &target).unwrap_err();
    assert!(
        matches!(error, Error::Timeout(TimeoutPhase::Deadline)),
        "{error:?}"
    );
    assert!(std::fs::read_dir(&scratch.0).unwrap().next().is_none());
}

/// Media saved to a file stays within the configured cap: refused before a byte is written
/// when the answer announces more, and nothing under the final name or beside it.
#[test]
fn saved_media_is_held_to_the_file_cap() {
    let server = TestServer::start(Options::default());
    let beach = AssetId::new_unchecked(fixtures::asset_beach());
    let preview = ViewAsset::new(beach.clone()).size(AssetMediaSize::Preview);
    let scratch = Scratch::new("cap");
    let target = scratch.0.join("preview.jpg");
    let capped = client_for(&server).max_file_bytes(10).build().unwrap();
    capped.setup().unwrap();
    let error = capped.save_media(&preview, &target).unwrap_err();
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
        .unwrap_err();
    assert!(
        matches!(
            error.proto(),
            Some(immich_proto::Error::BodyTooLarge { limit: 10, .. })
        ),
        "{error:?}"
    );
    assert!(std::fs::read_dir(&scratch.0).unwrap().next().is_none());

    // Within the cap both work.
    let roomy = client_for(&server).max_file_bytes(1 << 30).build().unwrap();
    roomy.setup().unwrap();
    roomy.save_media(&preview, &target).unwrap();
    roomy.download_original(beach, &original, false).unwrap();
    assert!(target.exists() && original.exists());
}

/// The proxy rules are the core's, as in immich-tokio: `https://` through a CONNECT tunnel,
/// `http://` through the proxy too (ureq tunnels it), the proxy's credentials sent to it, and
/// a `no_proxy` host reached directly.
#[test]
fn proxies_from_the_environment_rules_are_honoured() {
    use immich_blocking::proto::proxy::ProxyEnv;
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

    // http:// to a name nobody resolves: only the proxy can answer.
    let client = Client::builder("http://photos.example.invalid:2283")
        .api_key("key")
        .proxies(env())
        .build()
        .unwrap();
    assert_eq!(client.ping().unwrap().res, "pong");
    let seen = proxy.seen();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].line, "CONNECT photos.example.invalid:2283 HTTP/1.1");
    assert_eq!(seen[0].authorization, auth);

    // https://: a CONNECT tunnel to the server's name and port.
    let client = Client::builder("https://photos.example.invalid")
        .api_key("key")
        .proxies(env())
        .build()
        .unwrap();
    assert!(client.ping().is_err());
    let seen = proxy.seen();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(seen[1].line, "CONNECT photos.example.invalid:443 HTTP/1.1");
    assert_eq!(seen[1].authorization, auth);

    // A no_proxy host goes direct.
    let server = TestServer::start(Options::default());
    let direct = client_for(&server).proxies(env()).build().unwrap();
    direct.ping().unwrap();
    assert_eq!(proxy.seen().len(), 2);
}
