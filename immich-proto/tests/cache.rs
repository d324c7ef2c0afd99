//! The ETag cache: the 200 / 304 / 200 (new) / 304 transcript, keys, eviction, and a Session.

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use immich_proto::{EtagCache, Server, Session};

fn get(uri: &str) -> Request<Bytes> {
    request(Method::GET, uri, "")
}

fn request(method: Method, uri: &str, body: &str) -> Request<Bytes> {
    Request::builder()
        .method(method)
        .uri(uri)
        .header("accept", "application/json")
        .body(Bytes::from(body.to_owned()))
        .unwrap()
}

fn ok(etag: Option<&str>, body: &str) -> Response<Bytes> {
    let mut builder = Response::builder()
        .status(200)
        .header("content-type", "application/json; charset=utf-8");
    if let Some(etag) = etag {
        builder = builder.header("etag", etag);
    }
    builder.body(Bytes::from(body.to_owned())).unwrap()
}

fn status(code: u16) -> Response<Bytes> {
    Response::builder()
        .status(code)
        .header("x-correlation-id", "cid-1")
        .body(Bytes::new())
        .unwrap()
}

/// Sends `req` through the cache and answers it with `answer`; returns what was sent and got.
fn exchange(
    cache: &EtagCache,
    mut req: Request<Bytes>,
    answer: Response<Bytes>,
) -> (Option<String>, Response<Bytes>) {
    let ticket = cache.prepare(&mut req);
    let sent = req
        .headers()
        .get("if-none-match")
        .map(|v| v.to_str().unwrap().to_owned());
    (sent, cache.finish(ticket, answer))
}

const ALBUMS: &str = "http://h/api/albums";

#[test]
fn transcript_200_304_200_new_304_returns_the_newest() {
    let cache = EtagCache::new(16, 1 << 20);

    let (sent, got) = exchange(&cache, get(ALBUMS), ok(Some("W/\"A\""), "[1]"));
    assert_eq!(sent, None);
    assert_eq!(got.body(), "[1]");

    let (sent, got) = exchange(&cache, get(ALBUMS), status(304));
    assert_eq!(sent.as_deref(), Some("W/\"A\""));
    assert_eq!(got.status(), StatusCode::OK);
    assert_eq!(got.body(), "[1]");
    assert_eq!(
        got.headers()["content-type"],
        "application/json; charset=utf-8"
    );
    assert_eq!(got.headers()["content-length"], "3");
    assert_eq!(
        got.headers()["x-correlation-id"],
        "cid-1",
        "fresh headers kept"
    );

    // The resource changed: the server sends a new body and ETag, which must replace the entry.
    let (sent, got) = exchange(&cache, get(ALBUMS), ok(Some("W/\"B\""), "[1,2]"));
    assert_eq!(sent.as_deref(), Some("W/\"A\""));
    assert_eq!(got.body(), "[1,2]");

    let (sent, got) = exchange(&cache, get(ALBUMS), status(304));
    assert_eq!(sent.as_deref(), Some("W/\"B\""), "the newest ETag is sent");
    assert_eq!(got.status(), StatusCode::OK);
    assert_eq!(got.body(), "[1,2]", "the newest body is returned");
    assert_eq!(cache.len(), 1);
    assert_eq!(cache.total_bytes(), 5);
}

#[test]
fn a_304_answers_with_the_body_whose_etag_was_sent() {
    let cache = EtagCache::new(16, 1 << 20);
    exchange(&cache, get(ALBUMS), ok(Some("\"A\""), "old"));
    let mut slow = get(ALBUMS);
    let slow_ticket = cache.prepare(&mut slow);
    // Meanwhile another request refreshes the entry.
    exchange(&cache, get(ALBUMS), ok(Some("\"B\""), "new"));
    let got = cache.finish(slow_ticket, status(304));
    assert_eq!(got.body(), "old", "the 304 validated ETag A, not B");
}

#[test]
fn a_200_without_etag_drops_the_entry_and_errors_leave_it() {
    let cache = EtagCache::new(16, 1 << 20);
    exchange(&cache, get(ALBUMS), ok(Some("\"A\""), "x"));

    let (sent, got) = exchange(&cache, get(ALBUMS), status(500));
    assert_eq!(sent.as_deref(), Some("\"A\""));
    assert_eq!(got.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(cache.len(), 1, "an error leaves the entry");

    exchange(&cache, get(ALBUMS), ok(None, "y"));
    assert!(cache.is_empty(), "a 200 without ETag drops the entry");
    let (sent, _) = exchange(&cache, get(ALBUMS), ok(None, "y"));
    assert_eq!(sent, None);
}

#[test]
fn an_unexpected_304_passes_through() {
    let cache = EtagCache::new(16, 1 << 20);
    let (sent, got) = exchange(&cache, get(ALBUMS), status(304));
    assert_eq!(sent, None);
    assert_eq!(got.status(), StatusCode::NOT_MODIFIED);
    assert!(got.body().is_empty());
}

#[test]
fn keys_differ_by_method_query_and_body() {
    let cache = EtagCache::new(16, 1 << 20);
    exchange(
        &cache,
        get("http://h/api/albums?shared=true"),
        ok(Some("\"S\""), "s"),
    );
    let (sent, _) = exchange(
        &cache,
        get("http://h/api/albums?shared=false"),
        ok(Some("\"N\""), "n"),
    );
    assert_eq!(sent, None, "a different query is a different entry");
    let (sent, _) = exchange(&cache, get("http://h/api/albums?shared=true"), status(304));
    assert_eq!(sent.as_deref(), Some("\"S\""));

    let search = "http://h/api/search/metadata";
    exchange(
        &cache,
        request(Method::POST, search, r#"{"isFavorite":true}"#),
        ok(Some("\"F\""), "fav"),
    );
    let (sent, _) = exchange(
        &cache,
        request(Method::POST, search, r#"{"isFavorite":false}"#),
        ok(Some("\"G\""), "all"),
    );
    assert_eq!(sent, None, "a different body is a different entry");
    let (sent, got) = exchange(
        &cache,
        request(Method::POST, search, r#"{"isFavorite":true}"#),
        status(304),
    );
    assert_eq!(sent.as_deref(), Some("\"F\""));
    assert_eq!(got.body(), "fav");

    let (sent, _) = exchange(&cache, request(Method::HEAD, ALBUMS, ""), status(404));
    assert_eq!(sent, None, "a different method is a different entry");
}

#[test]
fn range_requests_and_state_changing_methods_are_never_cached() {
    let cache = EtagCache::new(16, 1 << 20);
    let mut ranged = get("http://h/api/assets/x/video/playback");
    ranged
        .headers_mut()
        .insert("range", "bytes=0-99".parse().unwrap());
    exchange(&cache, ranged, ok(Some("\"V\""), "partial"));
    assert!(cache.is_empty());

    exchange(
        &cache,
        request(Method::PUT, "http://h/api/albums/x/assets", r#"{"ids":[]}"#),
        ok(Some("\"P\""), "[]"),
    );
    assert!(cache.is_empty());

    // A caller's own If-None-Match is left alone, and its 304 is theirs to handle.
    exchange(&cache, get(ALBUMS), ok(Some("\"A\""), "x"));
    let mut own = get(ALBUMS);
    own.headers_mut()
        .insert("if-none-match", "\"mine\"".parse().unwrap());
    let (sent, got) = exchange(&cache, own, status(304));
    assert_eq!(sent.as_deref(), Some("\"mine\""));
    assert_eq!(got.status(), StatusCode::NOT_MODIFIED);
}

#[test]
fn eviction_by_count_is_least_recently_used() {
    let cache = EtagCache::new(2, 1 << 20);
    exchange(&cache, get("http://h/api/a"), ok(Some("\"a\""), "a"));
    exchange(&cache, get("http://h/api/b"), ok(Some("\"b\""), "b"));
    // Use `a` again, so `b` is the least recently used.
    let (sent, _) = exchange(&cache, get("http://h/api/a"), status(304));
    assert!(sent.is_some());
    exchange(&cache, get("http://h/api/c"), ok(Some("\"c\""), "c"));
    assert_eq!(cache.len(), 2);
    let (sent_b, _) = exchange(&cache, get("http://h/api/b"), status(500));
    assert_eq!(sent_b, None, "b was evicted");
    let (sent_a, _) = exchange(&cache, get("http://h/api/a"), status(500));
    let (sent_c, _) = exchange(&cache, get("http://h/api/c"), status(500));
    assert_eq!(
        (sent_a.as_deref(), sent_c.as_deref()),
        (Some("\"a\""), Some("\"c\""))
    );
}

#[test]
fn eviction_by_bytes() {
    let cache = EtagCache::new(100, 10);
    exchange(&cache, get("http://h/api/a"), ok(Some("\"a\""), "aaaaaa"));
    exchange(&cache, get("http://h/api/b"), ok(Some("\"b\""), "bbbbbb"));
    assert_eq!(cache.len(), 1);
    assert_eq!(cache.total_bytes(), 6);
    let (sent, _) = exchange(&cache, get("http://h/api/a"), status(500));
    assert_eq!(sent, None, "a was evicted to make room");

    // An answer bigger than the whole cache is not kept, and the old entry is stale.
    exchange(
        &cache,
        get("http://h/api/b"),
        ok(Some("\"b2\""), "bbbbbbbbbbbb"),
    );
    assert!(cache.is_empty());
    assert_eq!(cache.total_bytes(), 0);

    cache.clear();
    exchange(&cache, get("http://h/api/a"), ok(Some("\"a\""), "aaaaaa"));
    cache.clear();
    assert!(cache.is_empty());
}

#[test]
fn session_with_the_cache_on() {
    let server = Server::new("http://127.0.0.1:2283")
        .unwrap()
        .with_api_key("k")
        .unwrap();
    let session = Session::new(server.clone()).with_etag_cache(EtagCache::new(8, 1 << 16));
    let albums = || {
        server
            .request_builder(Method::GET, "/albums", None)
            .unwrap()
            .body(Bytes::new())
            .unwrap()
    };

    let (req, ticket) = session.prepare("getAllAlbums", albums()).unwrap();
    assert!(ticket.is_some());
    assert!(req.headers().get("if-none-match").is_none());
    let got = session.finish(ticket, ok(Some("\"1\""), "[]"));
    assert_eq!(got.body(), "[]");

    let (req, ticket) = session.prepare("getAllAlbums", albums()).unwrap();
    assert_eq!(req.headers()["if-none-match"], "\"1\"");
    assert_eq!(
        req.headers()["x-api-key"],
        "k",
        "the request is otherwise intact"
    );
    let got = session.finish(ticket, status(304));
    assert_eq!(got.status(), StatusCode::OK);
    assert_eq!(got.body(), "[]");
    assert_eq!(session.cache().map(EtagCache::len), Some(1));

    // Without a cache, a session changes nothing.
    let plain = Session::new(server.clone());
    let (req, ticket) = plain.prepare("getAllAlbums", albums()).unwrap();
    assert!(ticket.is_none() && req.headers().get("if-none-match").is_none());
    assert_eq!(plain.finish(ticket, status(304)).status(), 304);
}

#[test]
fn one_cache_serves_many_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<EtagCache>();

    let cache = std::sync::Arc::new(EtagCache::new(1000, 1 << 20));
    let workers: Vec<_> = (0..4)
        .map(|t| {
            let cache = cache.clone();
            std::thread::spawn(move || {
                for i in 0..50 {
                    let uri = format!("http://h/api/t{t}/{i}");
                    exchange(&cache, get(&uri), ok(Some("\"e\""), "body"));
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    assert_eq!(cache.len(), 200);
    assert_eq!(cache.total_bytes(), 800);
}

#[test]
fn an_answer_cached_for_one_credential_never_answers_another() {
    use immich_proto::{Auth, SharedLinkToken};

    let cache = EtagCache::new(64, 1 << 20);
    let base = Server::new("http://h").unwrap();
    let servers = [
        base.clone().with_api_key("key-one").unwrap(),
        base.clone().with_api_key("key-two").unwrap(),
        base.clone().with_session_token("token-one").unwrap(),
        base.clone().with_session_token("token-two").unwrap(),
        base.clone().with_shared_link_key("link-one").unwrap(),
        base.clone().with_shared_link_key("link-two").unwrap(),
        base.clone()
            .with_shared_link_key("link-one")
            .unwrap()
            .with_shared_link_token(SharedLinkToken::new("cookie-one").unwrap())
            .unwrap(),
        base.clone().with_auth(Auth::None),
    ];
    let albums = |server: &Server| {
        server
            .request_builder(Method::GET, "/albums", None)
            .unwrap()
            .body(Bytes::new())
            .unwrap()
    };
    // Each credential gets its own answer cached...
    for (i, server) in servers.iter().enumerate() {
        let etag = format!("\"{i}\"");
        let (sent, _) = exchange(&cache, albums(server), ok(Some(&etag), &format!("[{i}]")));
        assert_eq!(
            sent, None,
            "credential {i} must not revalidate another's answer"
        );
    }
    assert_eq!(cache.len(), servers.len());
    // ...and revalidates only that one: the ETag sent and the body revived are its own.
    for (i, server) in servers.iter().enumerate() {
        let (sent, got) = exchange(&cache, albums(server), status(304));
        assert_eq!(sent, Some(format!("\"{i}\"")), "credential {i}");
        assert_eq!(got.body(), &format!("[{i}]"), "credential {i}");
    }
    // A 304 to a credential never seen is not turned into someone else's body.
    let stranger = base.with_api_key("key-three").unwrap();
    let (sent, got) = exchange(&cache, albums(&stranger), status(304));
    assert_eq!((sent, got.status()), (None, StatusCode::NOT_MODIFIED));
    // The cache's own description holds no credential.
    let shown = format!("{cache:?}");
    for secret in ["key-one", "token-one", "link-one", "cookie-one"] {
        assert!(!shown.contains(secret), "{shown}");
    }
}
