//! The server checked on its own, with a raw HTTP/1.1 client on a `std` socket: the shared
//! table trusts it, so it must be right without the client under test.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::Value;

use super::*;

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
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
}

/// Sends one request on a fresh connection (`Connection: close`) and reads the whole answer.
fn send(
    server: &TestServer,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Answer {
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    stream.write_all(head.as_bytes()).unwrap();
    // A server that answers early and hangs up makes this write fail: the answer is still read.
    let _ = stream.write_all(body);
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    parse_answer(&raw)
}

fn parse_answer(raw: &[u8]) -> Answer {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("no head");
    let head = std::str::from_utf8(&raw[..split]).unwrap();
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap()[9..12].parse().unwrap();
    let headers = lines
        .map(|l| {
            let (k, v) = l.split_once(':').unwrap();
            (k.trim().to_owned(), v.trim().to_owned())
        })
        .collect();
    Answer {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    }
}

fn get(server: &TestServer, path: &str) -> Answer {
    send(server, "GET", path, &[("x-api-key", server.api_key())], b"")
}

fn post_json(server: &TestServer, path: &str, body: &Value) -> Answer {
    send(
        server,
        "POST",
        path,
        &[
            ("x-api-key", server.api_key()),
            ("content-type", "application/json"),
        ],
        body.to_string().as_bytes(),
    )
}

fn multipart(fields: &[(&str, &str)], file: &[u8], file_name: &str) -> (String, Vec<u8>) {
    let boundary = "XbOuNdArY";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .bytes(),
        );
    }
    body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"assetData\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").bytes());
    body.extend_from_slice(file);
    body.extend(format!("\r\n--{boundary}--\r\n").bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

const V3_FIELDS: &[(&str, &str)] = &[
    ("fileCreatedAt", "2024-01-01T00:00:00.000Z"),
    ("fileModifiedAt", "2024-01-01T00:00:00.000Z"),
    ("isFavorite", "false"),
];

fn upload(
    server: &TestServer,
    fields: &[(&str, &str)],
    file: &[u8],
    name: &str,
    extra: &[(&str, &str)],
) -> Answer {
    let (content_type, body) = multipart(fields, file, name);
    let mut headers = vec![
        ("x-api-key", server.api_key()),
        ("content-type", content_type.as_str()),
    ];
    headers.extend_from_slice(extra);
    send(server, "POST", "/api/assets", &headers, &body)
}

#[test]
fn auth_version_and_errors_in_both_shapes() {
    let v3 = TestServer::start(Options::v3());
    let version = send(&v3, "GET", "/api/server/version", &[], b"");
    assert_eq!(version.status, 200);
    assert_eq!(version.json()["major"], 3);
    let missing = send(&v3, "GET", "/api/server/about", &[], b"");
    assert_eq!(missing.status, 401);
    assert_eq!(missing.json()["message"], "Authentication required");
    assert!(missing.json().get("statusCode").is_none());
    assert!(missing.header("x-immich-cid").is_some());
    let wrong = send(&v3, "GET", "/api/users/me", &[("x-api-key", "nope")], b"");
    assert_eq!(wrong.status, 401);
    let log = v3.requests();
    assert_eq!(log[2].api_key, KeyCheck::Wrong);
    assert!(log.iter().all(|r| r.headers.get("x-api-key").is_none()));
    assert_eq!(log[2].status, Some(StatusCode::UNAUTHORIZED));

    let bad_id = get(&v3, "/api/albums/01890a5d-ac96-774b-bcce-b302099a8057");
    assert_eq!(bad_id.status, 400);
    assert_eq!(
        bad_id.json()["errors"][0]["path"],
        serde_json::json!(["params", "id"])
    );

    let old = TestServer::start(Options::old(Version::V1_118));
    let missing = get(&old, &format!("/api/albums/{}", fixtures::album_missing()));
    assert_eq!(missing.status, 400);
    let body = missing.json();
    assert_eq!(body["statusCode"], 400);
    assert_eq!(body["error"], "Bad Request");
    assert_eq!(
        body["correlationId"],
        missing.header("x-immich-cid").unwrap()
    );
    // Old servers accept any UUID version.
    assert_eq!(
        get(&old, "/api/albums/01890a5d-ac96-774b-bcce-b302099a8057").status,
        400
    );

    let denied = TestServer::start(Options::v3().deny_permission("asset.upload"));
    let answer = upload(&denied, V3_FIELDS, b"x", "a.jpg", &[]);
    assert_eq!(answer.status, 403);
    assert_eq!(
        answer.json()["message"],
        "Missing required permission: asset.upload"
    );
}

#[test]
fn albums_per_generation() {
    let names = |answer: Answer| -> Vec<String> {
        let mut names: Vec<String> = answer
            .json()
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["albumName"].as_str().unwrap().to_owned())
            .collect();
        names.sort();
        names
    };
    let v3 = TestServer::start(Options::v3());
    assert_eq!(
        names(get(&v3, "/api/albums")),
        ["Family", "From Bob", "Holidays"]
    );
    assert_eq!(get(&v3, "/api/albums?shared=true").status, 400);
    let info = get(&v3, &format!("/api/albums/{}", fixtures::album_holidays())).json();
    assert_eq!(info["assetCount"], 1);
    assert!(info.get("assets").is_none());

    let old = TestServer::start(Options::old(Version::V2));
    assert_eq!(names(get(&old, "/api/albums")), ["Family", "Holidays"]);
    assert_eq!(
        names(get(&old, "/api/albums?shared=true")),
        ["Family", "From Bob"]
    );
    assert_eq!(names(get(&old, "/api/albums?shared=false")), ["Holidays"]);
    let info = get(&old, &format!("/api/albums/{}", fixtures::album_from_bob())).json();
    assert_eq!(info["assets"][0]["id"], fixtures::asset_bob());
    assert_eq!(info["assets"][0]["duration"], "0:00:00.00000");
    let info = get(
        &old,
        &format!(
            "/api/albums/{}?withoutAssets=true",
            fixtures::album_from_bob()
        ),
    )
    .json();
    assert_eq!(info["assets"], serde_json::json!([]));

    let add = send(
        &v3,
        "PUT",
        &format!("/api/albums/{}/assets", fixtures::album_holidays()),
        &[("x-api-key", v3.api_key()), ("content-type", "application/json")],
        serde_json::json!({ "ids": [fixtures::asset_beach(), fixtures::asset_family(), fixtures::asset_missing()] }).to_string().as_bytes(),
    );
    assert_eq!(add.status, 200);
    let results = add.json();
    assert_eq!(results[0]["error"], "duplicate");
    assert_eq!(results[1]["success"], true);
    assert_eq!(results[2]["error"], "not_found");
    assert_eq!(
        v3.album_asset_ids(&fixtures::album_holidays())
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn upload_store_serve_and_duplicates() {
    let server = TestServer::start(Options::v3());
    let file: Vec<u8> = (0..10_000u32).map(|i| (i * 7) as u8).collect();
    let created = upload(&server, V3_FIELDS, &file, "clip.mp4", &[]);
    assert_eq!(
        created.status,
        201,
        "{}",
        String::from_utf8_lossy(&created.body)
    );
    let id = created.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(created.json()["status"], "created");
    let record = server.requests().last().unwrap().upload.clone().unwrap();
    assert_eq!(record.files[0].3, 10_000);

    let thumb = get(
        &server,
        &format!("/api/assets/{id}/thumbnail?size=thumbnail"),
    );
    assert_eq!(thumb.status, 200);
    let video = get(&server, &format!("/api/assets/{id}/video/playback"));
    assert_eq!(video.body, file);
    let etag = video.header("etag").unwrap().to_owned();
    let path = format!("/api/assets/{id}/video/playback");
    let key = server.api_key().to_owned();
    let cached = send(
        &server,
        "GET",
        &path,
        &[("x-api-key", &key), ("if-none-match", &etag)],
        b"",
    );
    assert_eq!(cached.status, 304);
    assert!(cached.body.is_empty());
    let ranged = send(
        &server,
        "GET",
        &path,
        &[("x-api-key", &key), ("range", "bytes=100-199")],
        b"",
    );
    assert_eq!(ranged.status, 206);
    assert_eq!(ranged.header("content-range"), Some("bytes 100-199/10000"));
    assert_eq!(ranged.body, &file[100..200]);
    let beyond = send(
        &server,
        "GET",
        &path,
        &[("x-api-key", &key), ("range", "bytes=10000-")],
        b"",
    );
    assert_eq!(beyond.status, 416);
    assert_eq!(beyond.header("content-range"), Some("bytes */10000"));

    let duplicate = upload(&server, V3_FIELDS, &file, "again.mp4", &[]);
    assert_eq!(duplicate.status, 200);
    assert_eq!(duplicate.json()["id"], id.as_str());
    assert_eq!(duplicate.json()["status"], "duplicate");

    // Strict validation: offsets on v3, device fields on v3, a wrong checksum.
    let offset = [
        ("fileCreatedAt", "2024-01-01T00:00:00+02:00"),
        ("fileModifiedAt", "2024-01-01T00:00:00.000Z"),
    ];
    assert_eq!(upload(&server, &offset, b"other", "o.jpg", &[]).status, 400);
    let mut device = V3_FIELDS.to_vec();
    device.push(("deviceAssetId", "x"));
    assert_eq!(upload(&server, &device, b"other", "o.jpg", &[]).status, 400);
    let wrong_sum = upload(
        &server,
        V3_FIELDS,
        b"other",
        "o.jpg",
        &[("x-immich-checksum", &"0".repeat(40))],
    );
    assert_eq!(wrong_sum.status, 400);
    let (content_type, body) = multipart(V3_FIELDS, b"lf", "lf.jpg");
    let broken = String::from_utf8(body).unwrap().replace("\r\n", "\n");
    let answer = send(
        &server,
        "POST",
        "/api/assets",
        &[("x-api-key", &key), ("content-type", &content_type)],
        broken.as_bytes(),
    );
    assert_eq!(answer.status, 400);

    let old = TestServer::start(Options::old(Version::V1_118));
    assert_eq!(upload(&old, V3_FIELDS, b"old", "o.jpg", &[]).status, 400);
    let mut fields = V3_FIELDS.to_vec();
    fields.extend([("deviceAssetId", "o.jpg-3"), ("deviceId", "test")]);
    fields[0].1 = "2024-01-01T00:00:00+02:00";
    assert_eq!(upload(&old, &fields, b"old", "o.jpg", &[]).status, 201);
}

#[test]
fn faults() {
    let server = TestServer::start(Options::v3());
    let file = vec![42u8; 4 * 1024 * 1024];
    let sum = util::hex(&util::sha1(&file));
    assert_eq!(
        upload(&server, V3_FIELDS, &file, "big.jpg", &[]).status,
        201
    );
    server.fault(Some(Method::POST), "/assets", Fault::EarlyCloseDuplicate);
    let early = upload(
        &server,
        V3_FIELDS,
        &file,
        "big.jpg",
        &[("x-immich-checksum", &sum)],
    );
    assert_eq!(early.status, 200);
    assert_eq!(early.json()["status"], "duplicate");
    assert_eq!(early.header("connection"), Some("close"));
    assert!(
        server.requests().last().unwrap().upload.is_none(),
        "the body was not read"
    );
    server.clear_faults();

    server.fault(None, "/server/about", Fault::DropMidBody);
    let dropped = get(&server, "/api/server/about");
    let announced: usize = dropped.header("content-length").unwrap().parse().unwrap();
    assert!(
        dropped.body.len() < announced,
        "{} of {announced}",
        dropped.body.len()
    );
    server.clear_faults();

    server.fault(None, "/server/*", Fault::BadGatewayHtml);
    let page = get(&server, "/api/server/storage");
    assert_eq!(page.status, 502);
    assert!(String::from_utf8_lossy(&page.body).contains("502 Bad Gateway"));
    server.clear_faults();
    server.add_fault(FaultRule {
        method: None,
        path: "/users/me".into(),
        fault: Fault::Status(500, "boom".into()),
        times: Some(1),
    });
    assert_eq!(get(&server, "/api/users/me").status, 500);
    assert_eq!(get(&server, "/api/users/me").status, 200);

    server.fault(None, "/tags", Fault::StallBeforeHead);
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    write!(
        stream,
        "GET /api/tags HTTP/1.1\r\nHost: x\r\nx-api-key: {}\r\n\r\n",
        server.api_key()
    )
    .unwrap();
    let mut buf = [0u8; 16];
    let err = stream.read(&mut buf).unwrap_err();
    assert!(matches!(
        err.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    ));
    // Dropping the server must not hang on the stalled connection.
}

#[test]
fn paging_search_and_people() {
    let server = TestServer::start(Options::v3().extra_assets(7).people(12).page_cap(4));
    let page = |n: u64| get(&server, &format!("/api/people?page={n}&size=1000")).json();
    let first = page(1);
    assert_eq!(first["people"].as_array().unwrap().len(), 4);
    assert_eq!(first["hasNextPage"], true);
    assert_eq!(first["total"], 11); // person 7 is hidden
    assert_eq!(page(3)["hasNextPage"], false);
    assert_eq!(get(&server, "/api/people?size=0").status, 400);

    let all = post_json(
        &server,
        "/api/search/metadata",
        &serde_json::json!({ "size": 1000 }),
    )
    .json();
    assert_eq!(all["assets"]["total"], 10);
    assert_eq!(all["assets"]["nextPage"], "2");
    let last = post_json(
        &server,
        "/api/search/metadata",
        &serde_json::json!({ "page": 3 }),
    )
    .json();
    assert_eq!(last["assets"]["nextPage"], Value::Null);
    let favorites = post_json(
        &server,
        "/api/search/metadata",
        &serde_json::json!({ "isFavorite": true }),
    )
    .json();
    assert_eq!(favorites["assets"]["total"], 4); // beach + extra 0, 3, 6
    let album = post_json(
        &server,
        "/api/search/metadata",
        &serde_json::json!({ "albumIds": [fixtures::album_family()] }),
    )
    .json();
    assert_eq!(album["assets"]["items"][0]["id"], fixtures::asset_family());
    let bad = post_json(
        &server,
        "/api/search/metadata",
        &serde_json::json!({ "albumIds": ["nope"] }),
    );
    assert_eq!(bad.status, 400);
    let smart = post_json(
        &server,
        "/api/search/smart",
        &serde_json::json!({ "query": "BEACH" }),
    )
    .json();
    assert_eq!(smart["assets"]["total"], 1);
    let people = get(&server, "/api/search/person?name=person%200").json();
    assert_eq!(people.as_array().unwrap().len(), 7); // 01..09 minus 05 (unnamed) and 07 (hidden)

    let about = get(&server, "/api/server/about");
    let etag = about.header("etag").unwrap().to_owned();
    let key = server.api_key().to_owned();
    let again = send(
        &server,
        "GET",
        "/api/server/about",
        &[("x-api-key", &key), ("if-none-match", &etag)],
        b"",
    );
    assert_eq!(again.status, 304);
    assert_eq!(
        server.requests().last().unwrap().header("if-none-match"),
        Some(etag.as_str())
    );
}

#[test]
fn sink_search_pages_are_generated_for_a_large_library() {
    // 200,000 pages of 5: far more than the server could precompute, each page built on request.
    let mut options = Options::sink();
    options.sink_search = (200_000, 5);
    let server = TestServer::start(options);
    let page = |n: u64| {
        post_json(
            &server,
            "/api/search/metadata",
            &serde_json::json!({ "page": n }),
        )
        .json()
    };
    let first = page(1);
    let last = page(200_000);
    assert_eq!(first["assets"]["total"], 1_000_000);
    assert_eq!(first["assets"]["nextPage"], "2");
    assert_eq!(last["assets"]["nextPage"], Value::Null);
    let ids = |page: &Value| -> Vec<String> {
        page["assets"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let (a, b) = (ids(&first), ids(&last));
    assert_eq!(a.len(), 5);
    let all: std::collections::HashSet<_> = a.iter().chain(&b).collect();
    assert_eq!(
        all.len(),
        10,
        "every asset of the library has its own id: {a:?} {b:?}"
    );
    for id in a.iter().chain(&b) {
        assert!(immich_proto::AssetId::parse(id).is_ok(), "{id}");
    }
    assert!(!serde_json::to_string(&last).unwrap().contains("~PG~"));
    let past = send(
        &server,
        "POST",
        "/api/search/metadata",
        &[
            ("x-api-key", server.api_key()),
            ("content-type", "application/json"),
        ],
        br#"{"page":200001}"#,
    );
    assert_eq!(past.status, 400);
}

#[test]
fn sink_mode_counts_and_streams() {
    let server = TestServer::start(Options::sink().sink_video_len(3 * 1024 * 1024 + 5));
    let (content_type, body) = multipart(V3_FIELDS, &vec![1u8; 100_000], "a.jpg");
    let answer = send(
        &server,
        "POST",
        "/api/assets",
        &[
            ("x-api-key", server.api_key()),
            ("content-type", &content_type),
        ],
        &body,
    );
    assert_eq!(answer.status, 201);
    assert_eq!(
        server.sink_stats(),
        SinkStats {
            uploads: 1,
            upload_bytes: body.len() as u64
        }
    );
    let video = get(
        &server,
        &format!("/api/assets/{}/video/playback", uuid(1, 1)),
    );
    assert_eq!(video.body.len(), 3 * 1024 * 1024 + 5);
    assert_eq!(video.body[1024 * 1024 + 3], 3);
    let key = server.api_key().to_owned();
    let tail = send(
        &server,
        "GET",
        &format!("/api/assets/{}/video/playback", uuid(1, 1)),
        &[("x-api-key", &key), ("range", "bytes=-5")],
        b"",
    );
    assert_eq!(tail.status, 206);
    assert_eq!(tail.body.len(), 5);
    let page = post_json(
        &server,
        "/api/search/metadata",
        &serde_json::json!({ "page": 5 }),
    )
    .json();
    assert_eq!(page["assets"]["items"].as_array().unwrap().len(), 1000);
    assert_eq!(page["assets"]["nextPage"], Value::Null);
    assert!(server.requests().is_empty());
}

/// A concrete path for an operation's template (`/albums/{id}` with a UUID), under `/api`.
fn concrete(template: &str) -> String {
    let segments: Vec<&str> = template
        .split('/')
        .map(|s| {
            if s.starts_with('{') {
                "0000a55e-0000-4000-8000-0000000000aa"
            } else {
                s
            }
        })
        .collect();
    format!("/api{}", segments.join("/"))
}

#[test]
fn authentication_and_permissions_follow_the_catalogue() {
    use immich_proto::catalogue::{find_route, OPERATIONS};
    // A key with no permission at all: every guarded operation is refused, naming its own.
    let mut options = Options::v3();
    for op in OPERATIONS {
        if let Some(permission) = op.permission {
            options = options.deny_permission(permission);
        }
    }
    let server = TestServer::start(options);
    for op in OPERATIONS {
        let path = concrete(op.path);
        let routed = find_route(op.method, &path["/api".len()..]).map(|o| o.id);
        assert_eq!(routed, Some(op.id), "{} {path}", op.method);
        // Without a credential: 401 unless the document gives the operation no `security`.
        let anonymous = send(&server, op.method, &path, &[], b"");
        if op.public {
            assert_ne!(anonymous.status, 401, "{} {} is public", op.id, op.method);
        } else {
            assert_eq!(anonymous.status, 401, "{}: {} {path}", op.id, op.method);
            assert_eq!(anonymous.json()["message"], "Authentication required");
        }
        // With the key: refused exactly when the operation names a permission.
        let keyed = send(
            &server,
            op.method,
            &path,
            &[("x-api-key", server.api_key())],
            b"",
        );
        match op.permission {
            Some(permission) => {
                assert_eq!(keyed.status, 403, "{}: {} {path}", op.id, op.method);
                assert_eq!(
                    keyed.json()["message"],
                    format!("Missing required permission: {permission}"),
                    "{}",
                    op.id
                );
            }
            // (`getMySharedLink` still refuses a key: it is for shared links only.)
            None => assert!(
                !keyed.json()["message"]
                    .as_str()
                    .is_some_and(|m| m.starts_with("Missing required permission")),
                "{}: {} {path}",
                op.id,
                op.method
            ),
        }
    }
    // A route the catalogue does not know needs a credential, and no permission: `404`.
    let unknown = send(&server, "GET", "/api/no/such/route", &[], b"");
    assert_eq!(unknown.status, 401);
    assert_eq!(get(&server, "/api/no/such/route").status, 404);
}

#[test]
fn literal_routes_take_their_own_permission() {
    // `/albums/statistics` is not `/albums/{id}`: each has its own permission.
    let server = TestServer::start(Options::v3().deny_permission("album.statistics"));
    assert_eq!(get(&server, "/api/albums/statistics").status, 403);
    assert_eq!(
        get(
            &server,
            &format!("/api/albums/{}", fixtures::album_holidays())
        )
        .status,
        200
    );
    let server = TestServer::start(Options::v3().deny_permission("album.read"));
    assert_eq!(get(&server, "/api/albums/statistics").status, 200);
    let denied = get(
        &server,
        &format!("/api/albums/{}", fixtures::album_holidays()),
    );
    assert_eq!(denied.status, 403);
    assert_eq!(
        denied.json()["message"],
        "Missing required permission: album.read"
    );
}
