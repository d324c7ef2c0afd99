//! Credentials never reach the log, even at trace level where bodies are logged: a password
//! login (the password in the request, the session token in the answer and then in every
//! request's `Authorization`), and a protected shared link (its key in every query, its
//! password, the token cookie), and an API-key call that sets a license (the license and
//! activation keys in the request and the answer). At trace level the core also masks the
//! request line's `key=` and the credential headers, which the test checks are logged as `***`.
//! The one exception is ureq's own trace level, which logs the raw traffic (see `may_show`); at
//! debug level nothing shows. Loopback only: a raw responder plays
//! the server.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Mutex;
use std::thread;

use immich_blocking::proto::models::LicenseKey;
use immich_blocking::proto::server::SetServerLicense;
use immich_blocking::Client;

const PASSWORD: &str = "pa55-w0rd-4711";
const TOKEN: &str = "s3ss10n-t0ken-4711";
const LINK_KEY: &str = "l1nk-k3y-4711";
const LINK_PASSWORD: &str = "l1nk-pa55-4711";
const LINK_COOKIE: &str = "c00k1e%2Bt0ken%3D";
const API_KEY: &str = "ap1-k3y-4711";
const LICENSE_KEY: &str = "IMSV-L1C3-NSE0-4711-AAAA-BBBB-CCCC-DDDD-EEEE";
const ACTIVATION_KEY: &str = "act1vat10n-k3y-4711";

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

/// The answer to one request, by method and path: `(status, extra headers, body)`.
fn answer(method: &str, target: &str) -> (u16, Vec<String>, String) {
    let link = format!(
        r#"{{"id":"5a1e0000-0000-4000-8000-000000000005","type":"ALBUM","key":"{LINK_KEY}","password":"{LINK_PASSWORD}","userId":"05e70000-0000-4000-8000-000000000001","createdAt":"2025-08-03T09:00:00.000Z","assets":[]}}"#
    );
    let path = target.split('?').next().unwrap_or(target);
    match (method, path) {
        ("POST", "/api/auth/login") => (
            201,
            Vec::new(),
            format!(
                r#"{{"accessToken":"{TOKEN}","userId":"05e70000-0000-4000-8000-000000000001","userEmail":"ann@example.com","name":"Ann","isAdmin":false}}"#
            ),
        ),
        ("POST", "/api/auth/validateToken") => (200, Vec::new(), r#"{"authStatus":true}"#.into()),
        ("POST", "/api/shared-links/login") => (
            201,
            vec![format!(
                "set-cookie: immich_shared_link_token={LINK_COOKIE}; Max-Age=86400; Path=/; HttpOnly"
            )],
            link,
        ),
        ("GET", "/api/shared-links/me") => (200, Vec::new(), link),
        ("PUT", "/api/server/license") => (
            200,
            Vec::new(),
            format!(
                r#"{{"activatedAt":"2025-08-03T09:00:00.000Z","activationKey":"{ACTIVATION_KEY}","licenseKey":"{LICENSE_KEY}"}}"#
            ),
        ),
        _ => (404, Vec::new(), r#"{"message":"not here"}"#.into()),
    }
}

/// Every request head the responder saw, lower-cased.
static HEADS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Serves one connection: requests in a row (keep-alive) until the client closes it.
fn serve(stream: TcpStream) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    loop {
        let mut head = String::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            head.push_str(&line);
            if line == "\r\n" {
                break;
            }
        }
        let length = head
            .lines()
            .find_map(|l| {
                l.to_lowercase()
                    .strip_prefix("content-length:")
                    .map(|v| v.trim().to_owned())
            })
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(0);
        let mut body = vec![0u8; length];
        reader.read_exact(&mut body).unwrap();
        let mut words = head.split_whitespace();
        let (method, target) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
        let (status, headers, reply) = answer(method, target);
        // Recorded before answering, so the client cannot be ahead of the record.
        HEADS
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(head.to_lowercase());
        let mut text = format!(
            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
            reply.len()
        );
        for header in headers {
            text.push_str(&header);
            text.push_str("\r\n");
        }
        text.push_str("\r\n");
        text.push_str(&reply);
        if writer.write_all(text.as_bytes()).is_err() {
            return;
        }
    }
}

/// Whether a record may show `secret`. At trace level ureq logs the raw traffic itself: each
/// URL with its query (`ureq::run`) and a hex dump of the bytes sent (`ureq_proto::util`), so a
/// shared link's key, and any header or body cut across its dump lines, can show there. Its
/// debug level shows none of it (checked first), and this crate's own records never do.
fn may_show(line: &str, _secret: &str) -> bool {
    log::max_level() == log::LevelFilter::Trace
        && (line.starts_with("ureq::") || line.starts_with("ureq_proto::"))
}

/// A password login, a token check, and a protected shared link's login and page.
fn sign_in_everywhere(url: &str) {
    let guest = Client::builder(url).build().unwrap();
    let (me, login) = guest.login("ann@example.com", PASSWORD).unwrap();
    assert_eq!(login.access_token.expose_secret(), TOKEN);
    assert!(me.validate_access_token().unwrap());

    let visitor = Client::builder(url)
        .shared_link_key(LINK_KEY)
        .build()
        .unwrap();
    let (visitor, link) = visitor.shared_link_login(LINK_PASSWORD).unwrap();
    assert_eq!(link.key, LINK_KEY);
    assert_eq!(visitor.my_shared_link().unwrap().key, LINK_KEY);

    let admin = Client::builder(url).api_key(API_KEY).build().unwrap();
    let license = LicenseKey::new(ACTIVATION_KEY.into(), LICENSE_KEY.into());
    let answer = admin.send(&SetServerLicense::new(license)).unwrap();
    assert_eq!(answer.license_key.expose_secret(), LICENSE_KEY);
}

/// The records captured so far, emptied.
fn take_records() -> Vec<(log::Level, String)> {
    std::mem::take(&mut *CAPTURE.0.lock().unwrap_or_else(|e| e.into_inner()))
}

fn assert_no_secret(records: &[(log::Level, String)]) {
    for (_, line) in records {
        for secret in [
            PASSWORD,
            TOKEN,
            LINK_KEY,
            LINK_PASSWORD,
            LINK_COOKIE,
            API_KEY,
            LICENSE_KEY,
            ACTIVATION_KEY,
        ] {
            assert!(
                may_show(line, secret) || !line.contains(secret),
                "{secret} leaked into a log record: {line}"
            );
        }
    }
}

#[test]
fn logins_and_shared_links_keep_their_secrets_out_of_the_log() {
    log::set_logger(&CAPTURE).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    // Detached: it serves every connection the clients open until the test process ends.
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            thread::spawn(move || serve(stream));
        }
    });
    let url = format!("http://{addr}");

    // Debug: requests and statuses, no secret anywhere.
    log::set_max_level(log::LevelFilter::Debug);
    sign_in_everywhere(&url);
    let records = take_records();
    assert!(
        records
            .iter()
            .any(|(_, line)| line.contains("POST /api/shared-links/login -> 201")),
        "{records:#?}"
    );
    log::set_max_level(log::LevelFilter::Off);
    assert_no_secret(&records);

    // Everything was sent: the bearer token, the key in the query, the cookie.
    let all = HEADS.lock().unwrap_or_else(|e| e.into_inner()).join("");
    assert!(all.contains(&format!("authorization: bearer {}", TOKEN.to_lowercase())));
    assert!(all.contains(&format!("?key={}", LINK_KEY.to_lowercase())));
    assert!(all.contains(&format!(
        "cookie: immich_shared_link_token={}",
        LINK_COOKIE.to_lowercase()
    )));

    // Trace: the bodies too, with their secret fields masked.
    log::set_max_level(log::LevelFilter::Trace);
    sign_in_everywhere(&url);
    let records = take_records();
    for masked in [
        r#""password":"***""#,
        r#""accessToken":"***""#,
        r#""key":"***""#,
        r#""licenseKey":"***""#,
        r#""activationKey":"***""#,
        "request: GET /api/shared-links/me?key=***",
        "x-api-key: ***",
        "authorization: ***",
        "cookie: ***",
        "set-cookie: ***",
    ] {
        assert!(
            records
                .iter()
                .any(|(level, line)| *level == log::Level::Trace && line.contains(masked)),
            "{masked} in {records:#?}"
        );
    }
    assert_no_secret(&records);
    log::set_max_level(log::LevelFilter::Off);
}
