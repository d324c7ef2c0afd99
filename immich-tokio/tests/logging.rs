//! What the client logs: method, path, status and duration at debug; bodies only at trace and
//! cut short; never the API key. Loopback only.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Mutex;
use std::thread;

use immich_tokio::Client;

struct Capture(Mutex<Vec<(log::Level, String)>>);

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        let line = format!("{} {}", record.target(), record.args());
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((record.level(), line));
    }
    fn flush(&self) {}
}

static CAPTURE: Capture = Capture(Mutex::new(Vec::new()));

#[tokio::test]
async fn logs_the_exchange_and_never_the_key() {
    log::set_logger(&CAPTURE).unwrap();
    log::set_max_level(log::LevelFilter::Trace);

    // A raw responder on its own thread: one request, one JSON answer larger than an excerpt.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let padding = "p".repeat(5000);
    let body = format!(r#"{{"major":3,"minor":1,"patch":2,"padding":"{padding}"}}"#);
    let body_len = body.len();
    let server = thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            assert_eq!(stream.read(&mut byte).unwrap(), 1);
            head.push(byte[0]);
        }
        let reply = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(reply.as_bytes()).unwrap();
        String::from_utf8_lossy(&head).to_lowercase()
    });

    let key = "very-secret-key-4711";
    let client = Client::new(&format!("http://{addr}"), key).unwrap();
    let version = client.version().await.unwrap();
    assert_eq!((version.major, version.minor, version.patch), (3, 1, 2));
    let head = server.join().unwrap();
    assert!(head.contains(key), "the key is sent: {head}");

    let records = CAPTURE.0.lock().unwrap().clone();
    assert!(
        records
            .iter()
            .any(|(level, line)| *level == log::Level::Debug
                && line.contains("GET /api/server/version -> 200 in")
                && line.ends_with(" ms")),
        "{records:#?}"
    );
    let body_line = records
        .iter()
        .find(|(level, line)| *level == log::Level::Trace && line.contains("response body"))
        .expect("a trace record of the body");
    // Cut by the core's `log_excerpt`, which names the full size.
    let cut = format!("… ({body_len} bytes)");
    assert!(
        body_line.1.len() < 1300 && body_line.1.ends_with(&cut),
        "{body_line:?}"
    );
    for (_, line) in &records {
        assert!(
            !line.contains(key),
            "the key leaked into a log record: {line}"
        );
    }
}
