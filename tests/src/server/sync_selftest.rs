//! The sync endpoints checked on their own, with a raw HTTP/1.1 client on a `std` socket (the
//! client's tests trust them).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::{json, Value};

use super::*;

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    /// The body, de-chunked when it was chunked.
    body: Vec<u8>,
    /// The sizes of the chunks of a chunked body.
    chunks: Vec<usize>,
    /// Whether a chunked body ended with its final (empty) chunk.
    complete: bool,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// The lines of a JSON-lines body, parsed (`Null` for a line that is not JSON).
    fn lines(&self) -> Vec<Value> {
        self.body
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_slice(l).unwrap_or(Value::Null))
            .collect()
    }

    /// The `type` of each line.
    fn types(&self) -> Vec<String> {
        self.lines()
            .iter()
            .map(|l| l["type"].as_str().unwrap_or("?").to_owned())
            .collect()
    }
}

/// Sends one request on a fresh connection and reads the whole answer (to EOF).
fn send(
    server: &TestServer,
    method: &str,
    path: &str,
    auth: &Auth,
    body: Option<&Value>,
) -> Answer {
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let text = body.map(|b| b.to_string()).unwrap_or_default();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    match auth {
        Auth::Key => head.push_str(&format!("x-api-key: {}\r\n", server.api_key())),
        Auth::Session(token) => head.push_str(&format!("Authorization: Bearer {token}\r\n")),
        Auth::None => {}
    }
    if body.is_some() {
        head.push_str("Content-Type: application/json\r\n");
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", text.len()));
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(text.as_bytes()).unwrap();
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    parse(&raw)
}

fn parse(raw: &[u8]) -> Answer {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("no head");
    let head = std::str::from_utf8(&raw[..split]).unwrap();
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap()[9..12].parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .map(|l| {
            let (k, v) = l.split_once(':').unwrap();
            (k.trim().to_owned(), v.trim().to_owned())
        })
        .collect();
    let rest = &raw[split + 4..];
    let chunked = headers.iter().any(|(k, v)| {
        k.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked")
    });
    let mut answer = Answer {
        status,
        headers,
        body: Vec::new(),
        chunks: Vec::new(),
        complete: !chunked,
    };
    if !chunked {
        answer.body = rest.to_vec();
        return answer;
    }
    let mut at = 0;
    while let Some(eol) = rest[at..].windows(2).position(|w| w == b"\r\n") {
        let size_text = std::str::from_utf8(&rest[at..at + eol]).unwrap();
        let size = usize::from_str_radix(size_text.trim(), 16).unwrap();
        at += eol + 2;
        if size == 0 {
            answer.complete = true;
            break;
        }
        if at + size > rest.len() {
            // A chunk cut short by a dropped connection.
            answer.body.extend_from_slice(&rest[at..]);
            break;
        }
        answer.body.extend_from_slice(&rest[at..at + size]);
        answer.chunks.push(size);
        at += size + 2;
    }
    answer
}

enum Auth {
    Key,
    Session(String),
    None,
}

fn login(server: &TestServer) -> Auth {
    let answer = send(
        server,
        "POST",
        "/api/auth/login",
        &Auth::None,
        Some(&json!({ "email": fixtures::EMAIL, "password": fixtures::PASSWORD })),
    );
    assert_eq!(answer.status, 201);
    Auth::Session(answer.json()["accessToken"].as_str().unwrap().to_owned())
}

fn stream(server: &TestServer, auth: &Auth, body: Value) -> Answer {
    send(server, "POST", "/api/sync/stream", auth, Some(&body))
}

/// Acks the last ack of each type of a stream.
fn ack_all(server: &TestServer, auth: &Auth, answer: &Answer) {
    let acks: Vec<Value> = answer.lines().iter().map(|l| l["ack"].clone()).collect();
    let sent = send(
        server,
        "POST",
        "/api/sync/ack",
        auth,
        Some(&json!({ "acks": acks })),
    );
    assert_eq!(sent.status, 204, "{}", String::from_utf8_lossy(&sent.body));
}

const ALL_V3: &[&str] = &[
    "AuthUsersV1",
    "UsersV1",
    "PartnersV1",
    "AssetsV2",
    "StacksV1",
    "PartnerAssetsV2",
    "AlbumAssetsV2",
    "AlbumsV2",
    "AlbumUsersV1",
    "AlbumToAssetsV1",
    "AssetExifsV1",
    "PeopleV1",
    "AssetFacesV2",
    "MemoriesV1",
    "MemoryToAssetsV1",
];

#[test]
fn sync_needs_a_session() {
    let server = TestServer::start(Options::v3());
    let body = json!({ "types": ["AssetsV2"] });
    for (method, path, body) in [
        ("POST", "/api/sync/stream", Some(&body)),
        ("GET", "/api/sync/ack", None),
        ("POST", "/api/sync/ack", Some(&json!({ "acks": [] }))),
        ("DELETE", "/api/sync/ack", None),
    ] {
        let answer = send(&server, method, path, &Auth::Key, body);
        assert_eq!(answer.status, 403, "{method} {path}");
        assert_eq!(answer.json()["message"], API_KEY_REFUSED);
        assert_eq!(
            send(&server, method, path, &Auth::None, body).status,
            401,
            "{method} {path}"
        );
    }
    let session = login(&server);
    assert_eq!(stream(&server, &session, body.clone()).status, 200);
    let made = Auth::Session(server.new_session());
    assert_eq!(stream(&server, &made, body).status, 200);
}

#[test]
fn sync_types_per_release() {
    let v3 = TestServer::start(Options::v3());
    let session = login(&v3);
    let ok = stream(&v3, &session, json!({ "types": ["AssetsV1"] }));
    assert_eq!(ok.status, 200);
    assert!(ok
        .types()
        .iter()
        .all(|t| t == "AssetV1" || t == "SyncCompleteV1"));
    // v3.0 still sends the old duration text.
    let video_free = ok.lines();
    assert!(video_free[0]["data"]["duration"].is_null());
    for bad in [
        json!({ "types": ["NotAType"] }),
        json!({ "types": "AssetsV2" }),
        json!({}),
    ] {
        let answer = stream(&v3, &session, bad.clone());
        assert_eq!(answer.status, 400, "{bad}");
    }
    assert_eq!(
        stream(
            &v3,
            &session,
            json!({ "types": ["AssetsV2"], "reset": "yes" })
        )
        .status,
        400
    );

    let v31 = TestServer::start(Options::old(Version::new(3, 1, 0)));
    let session = login(&v31);
    let refused = stream(&v31, &session, json!({ "types": ["UsersV1", "AssetsV1"] }));
    assert_eq!(refused.status, 400);
    assert_eq!(
        refused.json()["message"],
        "SyncRequestType.AssetsV1 is deprecated, use SyncRequestType.AssetsV2 instead"
    );
    assert_eq!(
        stream(
            &v31,
            &session,
            json!({ "types": ["AssetsV2", "AssetOcrV1"] })
        )
        .status,
        200
    );

    // v1.135 has AlbumsV1 but not AlbumsV2 (v3.0) nor AssetFacesV1 (v1.136).
    let old = TestServer::start(Options::old(Version::new(1, 135, 0)));
    let session = login(&old);
    assert_eq!(
        stream(&old, &session, json!({ "types": ["AlbumsV1"] })).status,
        200
    );
    assert_eq!(
        stream(&old, &session, json!({ "types": ["AlbumsV2"] })).status,
        400
    );
    assert_eq!(
        stream(&old, &session, json!({ "types": ["AssetFacesV1"] })).status,
        400
    );
    // v1.118 has no sync stream at all.
    let oldest = TestServer::start(Options::old(Version::V1_118));
    let session = login(&oldest);
    assert_eq!(
        stream(&oldest, &session, json!({ "types": ["AssetsV1"] })).status,
        404
    );
}

#[test]
fn sync_sends_what_changed_after_the_acks() {
    let server = TestServer::start(Options::v3());
    let session = login(&server);
    let first = stream(&server, &session, json!({ "types": ALL_V3 }));
    assert_eq!(first.status, 200);
    assert!(first
        .header("content-type")
        .unwrap()
        .starts_with("application/jsonlines+json"));
    assert_eq!(first.header("transfer-encoding"), Some("chunked"));
    assert!(first.complete);
    let types = first.types();
    // The real order: users, partners, assets, stacks, partner assets, album assets, albums,
    // album users, album-to-asset, EXIF, memories, people, faces; SyncCompleteV1 last.
    let position = |t: &str| {
        types
            .iter()
            .position(|x| x == t)
            .unwrap_or_else(|| panic!("{t} in {types:?}"))
    };
    let order = [
        "AuthUserV1",
        "UserV1",
        "PartnerV1",
        "AssetV2",
        "StackV1",
        "PartnerAssetV2",
        "AlbumAssetCreateV2",
        "AlbumV2",
        "AlbumUserV1",
        "AlbumToAssetV1",
        "AssetExifV1",
        "MemoryV1",
        "MemoryToAssetV1",
        "PersonV1",
        "AssetFaceV2",
    ];
    for pair in order.windows(2) {
        assert!(
            position(pair[0]) < position(pair[1]),
            "{pair:?} in {types:?}"
        );
    }
    assert_eq!(types.last().map(String::as_str), Some("SyncCompleteV1"));
    let lines = first.lines();
    for line in &lines {
        let ack = line["ack"].as_str().unwrap();
        assert!(
            ack.starts_with(&format!("{}|", line["type"].as_str().unwrap())),
            "{ack}"
        );
    }
    // Mine, not Bob's: his come as partner assets (he shares with me) and album assets.
    let assets: Vec<&Value> = lines.iter().filter(|l| l["type"] == "AssetV2").collect();
    assert!(assets
        .iter()
        .all(|a| a["data"]["ownerId"] == fixtures::me()));
    let beach = assets
        .iter()
        .find(|a| a["data"]["id"] == fixtures::asset_beach())
        .unwrap();
    assert_eq!(beach["data"]["isFavorite"], true);
    assert_eq!(beach["data"]["stackId"], fixtures::stack());
    assert!(lines
        .iter()
        .any(|l| l["type"] == "PartnerAssetV2" && l["data"]["id"] == fixtures::asset_bob()));
    // The update ids grow within a type.
    let ids: Vec<&str> = assets
        .iter()
        .map(|a| a["ack"].as_str().unwrap().split('|').nth(1).unwrap())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");

    ack_all(&server, &session, &first);
    let again = stream(&server, &session, json!({ "types": ALL_V3 }));
    assert_eq!(again.types(), ["SyncCompleteV1"]);

    // A change through the API, one through the handle, and a deletion.
    let token = match &session {
        Auth::Session(t) => t.clone(),
        _ => unreachable!(),
    };
    let changed = send(
        &server,
        "PUT",
        &format!("/api/assets/{}", fixtures::asset_family()),
        &Auth::Session(token.clone()),
        Some(&json!({ "description": "new words" })),
    );
    assert_eq!(changed.status, 200);
    server.set_asset_favorite(&fixtures::asset_family(), true);
    let gone = send(
        &server,
        "DELETE",
        "/api/assets",
        &Auth::Key,
        Some(&json!({ "ids": [fixtures::asset_beach()], "force": true })),
    );
    assert_eq!(gone.status, 204);
    let third = stream(&server, &session, json!({ "types": ALL_V3 }));
    let lines = third.lines();
    let of = |t: &str| -> Vec<&Value> { lines.iter().filter(|l| l["type"] == t).collect() };
    assert_eq!(of("AssetDeleteV1").len(), 1);
    assert_eq!(
        of("AssetDeleteV1")[0]["data"],
        json!({ "assetId": fixtures::asset_beach() })
    );
    assert_eq!(of("AssetV2").len(), 1);
    assert_eq!(of("AssetV2")[0]["data"]["id"], fixtures::asset_family());
    assert_eq!(of("AssetV2")[0]["data"]["isFavorite"], true);
    assert_eq!(of("AssetExifV1")[0]["data"]["description"], "new words");
    assert_eq!(
        of("AlbumToAssetDeleteV1")[0]["data"],
        json!({ "albumId": fixtures::album_holidays(), "assetId": fixtures::asset_beach() })
    );
    assert_eq!(of("MemoryDeleteV1").len(), 1);
    // Deletes come before upserts within a type.
    let types = third.types();
    let first_delete = types.iter().position(|t| t == "AssetDeleteV1").unwrap();
    let first_upsert = types.iter().position(|t| t == "AssetV2").unwrap();
    assert!(first_delete < first_upsert);

    // Partners: ending Bob's sharing sends the partner delete and his assets' deletes.
    ack_all(&server, &session, &third);
    server.remove_partner(&fixtures::bob());
    let fourth = stream(
        &server,
        &session,
        json!({ "types": ["PartnersV1", "PartnerAssetsV2"] }),
    );
    assert_eq!(
        fourth.types(),
        ["PartnerDeleteV1", "PartnerAssetDeleteV1", "SyncCompleteV1"]
    );
}

#[test]
fn sync_resets() {
    let server = TestServer::start(Options::v3());
    let session = login(&server);
    let Auth::Session(token) = &session else {
        unreachable!()
    };
    let body = json!({ "types": ["AssetsV2"] });
    let first = stream(&server, &session, body.clone());
    ack_all(&server, &session, &first);
    assert_eq!(
        stream(&server, &session, body.clone()).types(),
        ["SyncCompleteV1"]
    );
    // `reset: true` starts from nothing.
    let reset = stream(
        &server,
        &session,
        json!({ "types": ["AssetsV2"], "reset": true }),
    );
    assert_eq!(reset.types(), first.types());
    assert!(server.sync_acks(token).is_empty());

    // A pending reset: SyncResetV1 alone (no SyncCompleteV1), until it is acked.
    ack_all(&server, &session, &reset);
    server.require_sync_reset();
    let told = stream(&server, &session, body.clone());
    assert_eq!(told.types(), ["SyncResetV1"]);
    assert_eq!(told.lines()[0]["ack"], "SyncResetV1|reset");
    assert_eq!(
        stream(&server, &session, body.clone()).types(),
        ["SyncResetV1"]
    );
    ack_all(&server, &session, &told);
    assert!(server.sync_acks(token).is_empty());
    let after = stream(&server, &session, body.clone());
    assert_eq!(after.types(), first.types());

    // A SyncCompleteV1 checkpoint older than 30 days.
    ack_all(&server, &session, &after);
    server.advance_sync_clock(29);
    assert_eq!(
        stream(&server, &session, body.clone()).types(),
        ["SyncCompleteV1"]
    );
    server.advance_sync_clock(2);
    assert_eq!(stream(&server, &session, body).types(), ["SyncResetV1"]);
}

#[test]
fn sync_acks_round_trip() {
    let server = TestServer::start(Options::v3());
    let session = login(&server);
    let first = stream(
        &server,
        &session,
        json!({ "types": ["AssetsV2", "AlbumsV2"] }),
    );
    let lines = first.lines();
    let last_asset = lines.iter().rfind(|l| l["type"] == "AssetV2").unwrap()["ack"].clone();
    let complete = lines.last().unwrap()["ack"].clone();
    let post = |acks: Value| {
        send(
            &server,
            "POST",
            "/api/sync/ack",
            &session,
            Some(&json!({ "acks": acks })),
        )
    };
    assert_eq!(post(json!([last_asset, complete])).status, 204);
    let listed = send(&server, "GET", "/api/sync/ack", &session, None);
    assert_eq!(listed.status, 200);
    assert_eq!(
        listed.json(),
        json!([
            { "type": "AssetV2", "ack": last_asset },
            { "type": "SyncCompleteV1", "ack": complete },
        ])
    );
    // Only what came after the ack: the albums.
    let next = stream(
        &server,
        &session,
        json!({ "types": ["AssetsV2", "AlbumsV2"] }),
    );
    assert!(next
        .types()
        .iter()
        .all(|t| t == "AlbumV2" || t == "SyncCompleteV1"));
    assert!(next.types().contains(&"AlbumV2".to_owned()));

    let bad = post(json!(["NotAType|0190a5d0-0000-7000-8000-000000000001"]));
    assert_eq!(bad.status, 400);
    assert_eq!(bad.json()["message"], "Invalid ack type: NotAType");
    assert_eq!(post(json!(["garbage"])).status, 400);
    assert_eq!(post(json!(["AssetV2|not-a-uuid"])).status, 400);
    assert_eq!(post(json!([1])).status, 400);
    assert_eq!(post(json!("AssetV2")).status, 400);
    let too_many: Vec<Value> = (0..1001).map(|_| last_asset.clone()).collect();
    assert_eq!(post(Value::Array(too_many)).status, 400);

    let deleted = send(
        &server,
        "DELETE",
        "/api/sync/ack",
        &session,
        Some(&json!({ "types": ["AssetV2"] })),
    );
    assert_eq!(deleted.status, 204);
    let listed = send(&server, "GET", "/api/sync/ack", &session, None).json();
    assert_eq!(
        listed,
        json!([{ "type": "SyncCompleteV1", "ack": complete }])
    );
    assert_eq!(
        send(
            &server,
            "DELETE",
            "/api/sync/ack",
            &session,
            Some(&json!({ "types": ["Nope"] }))
        )
        .status,
        400
    );
    assert_eq!(
        send(&server, "DELETE", "/api/sync/ack", &session, None).status,
        204
    );
    assert_eq!(
        send(&server, "GET", "/api/sync/ack", &session, None).json(),
        json!([])
    );
    // Each session has its own checkpoints.
    assert_eq!(post(json!([last_asset])).status, 204);
    let other = login(&server);
    assert_eq!(
        send(&server, "GET", "/api/sync/ack", &other, None).json(),
        json!([])
    );
}

#[test]
fn sync_faults() {
    let server = TestServer::start(Options::v3());
    let session = login(&server);
    let body = json!({ "types": ["AssetsV2"] });
    let clean = stream(&server, &session, body.clone());
    let n = clean.lines().len();
    assert!(n >= 3);

    server.sync_fault(SyncFault::DropAfter(2));
    let dropped = stream(&server, &session, body.clone());
    assert_eq!(dropped.status, 200);
    assert!(!dropped.complete, "the final chunk must be missing");
    assert_eq!(dropped.lines(), clean.lines()[..2]);

    server.sync_fault(SyncFault::MalformedLine(1));
    let malformed = stream(&server, &session, body.clone());
    let lines = malformed.lines();
    assert_eq!(lines.len(), n + 1);
    assert!(lines[1].is_null(), "{:?}", lines[1]);
    assert_eq!(lines[0], clean.lines()[0]);
    assert_eq!(lines[2], clean.lines()[1]);
    assert!(malformed.complete);

    server.sync_fault(SyncFault::UnknownType(0));
    let unknown = stream(&server, &session, body.clone());
    let lines = unknown.lines();
    assert_eq!(lines[0]["type"], "FutureThingV9");
    assert_eq!(lines[0]["data"], json!({}));
    assert!(lines[0]["ack"]
        .as_str()
        .unwrap()
        .starts_with("FutureThingV9|"));
    // The same events (SyncCompleteV1 has a new id each time).
    assert_eq!(lines[1..n], clean.lines()[..n - 1]);

    // One-shot by default; `add_sync_fault` for more.
    let again = stream(&server, &session, body.clone()).lines();
    assert_eq!(again[..n - 1], clean.lines()[..n - 1]);
    server.add_sync_fault(SyncFault::DropAfter(0), None);
    for _ in 0..2 {
        let none = stream(&server, &session, body.clone());
        assert!(none.body.is_empty() && !none.complete);
    }
    server.clear_sync_faults();
    assert!(stream(&server, &session, body).complete);
}

#[test]
fn sync_bench_source_is_chunked_and_correct() {
    let n = 3000u64;
    let server = TestServer::start(Options::sink().sink_sync_assets(n));
    let by_key = stream(&server, &Auth::Key, json!({ "types": ["AssetsV2"] }));
    assert_eq!(by_key.status, 403);
    let session = login(&server);
    assert!(matches!(&session, Auth::Session(t) if t == SINK_SESSION));
    for (request, entity) in [("AssetsV2", "AssetV2"), ("AssetsV1", "AssetV1")] {
        let answer = stream(&server, &session, json!({ "types": [request] }));
        assert_eq!(answer.status, 200);
        assert!(answer.complete);
        let lines = answer.lines();
        assert_eq!(lines.len() as u64, n + 1);
        let mut ids = std::collections::HashSet::new();
        for (i, line) in lines[..n as usize].iter().enumerate() {
            assert_eq!(line["type"], entity, "line {i}");
            let data = &line["data"];
            assert!(ids.insert(data["id"].as_str().unwrap().to_owned()));
            assert_eq!(data["ownerId"], fixtures::me());
            assert!(data["checksum"].as_str().unwrap().len() == 28);
            let video = data["type"] == "VIDEO";
            match (video, request) {
                (false, _) => assert!(data["duration"].is_null()),
                (true, "AssetsV2") => assert!(data["duration"].is_u64()),
                (true, _) => assert!(data["duration"].is_string()),
            }
        }
        assert_eq!(lines[n as usize]["type"], "SyncCompleteV1");
        // Made a chunk at a time: many chunks, none much over 64 KiB.
        assert!(answer.chunks.len() > 10, "{} chunks", answer.chunks.len());
        assert!(answer.chunks.iter().all(|c| *c <= 66 * 1024));
    }
    assert_eq!(
        send(
            &server,
            "POST",
            "/api/sync/ack",
            &session,
            Some(&json!({ "acks": ["AssetV2|x"] }))
        )
        .status,
        204
    );
    server.sync_fault(SyncFault::DropAfter(5));
    let dropped = stream(&server, &session, json!({ "types": ["AssetsV2"] }));
    assert_eq!(dropped.lines().len(), 5);
    assert!(!dropped.complete);
}
