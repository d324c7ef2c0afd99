//! The release matrix (issue 15): every request the client builds for a release uses only the
//! operations, query parameters, body fields and enum values that release has, or is refused
//! before sending with a typed error naming the operation, the item, the release that added it
//! (or the last that had it) and the server's version. The gate is the core's
//! ([`immich_proto::catalogue::gate`], run by `Session::prepare`), so both transports refuse
//! the same requests, and the in-process test server, acting as an old release, never sees them.

use std::collections::BTreeMap;

use bytes::Bytes;
use http::Request;
use immich_proto::assets::{AssetMediaSize, AssetVisibility, ViewAsset};
use immich_proto::catalogue;
use immich_proto::search::{MetadataSearch, RandomSearch, SearchAssets, SearchRandom};
use immich_proto::{
    AlbumId, AssetId, Endpoint, Error, MediaEndpoint, Server, ServerVersion, Session, TagId,
};
use immich_tests::samples::{visit_all, Visit};
use immich_tests::server::{fixtures, Options, TestServer, Version};

/// The releases of the matrix (issue 15).
const RELEASES: &[(u64, u64, u64)] = &[
    (1, 118, 0),
    (1, 122, 0),
    (1, 126, 0),
    (1, 131, 0),
    (1, 133, 0),
    (1, 135, 0),
    (1, 139, 0),
    (2, 0, 0),
    (2, 5, 0),
    (3, 0, 0),
    (3, 1, 0),
];

fn server(version: ServerVersion) -> Server {
    Server::new("http://immich.test:2283")
        .and_then(|s| s.with_api_key("golden-key"))
        .expect("a valid test server")
        .with_version(version)
}

const ID: &str = "0000a55e-0000-4000-8000-0000000000aa";

fn metadata(change: impl FnOnce(&mut MetadataSearch)) -> SearchAssets {
    let mut search = MetadataSearch::all();
    change(&mut search);
    SearchAssets::new(search)
}

/// Builds `request` for `version` and runs it through the session, as a transport does.
fn prepared(
    version: ServerVersion,
    request: impl Fn(&Server) -> Result<Request<Bytes>, Error>,
    id: &'static str,
) -> Result<(), Error> {
    let session = Session::new(server(version));
    let request = request(session.server())?;
    session.prepare(id, request).map(drop)
}

fn endpoint<E: Endpoint>(e: E) -> impl Fn(&Server) -> Result<Request<Bytes>, Error> {
    move |server| e.request(server)
}

fn media<M: MediaEndpoint>(m: M) -> impl Fn(&Server) -> Result<Request<Bytes>, Error> {
    move |server| m.request(server)
}

/// Refused on the release before `minimum` (naming `item`, `minimum` and the server), sent
/// from `minimum` on.
fn refused_before(
    request: impl Fn(&Server) -> Result<Request<Bytes>, Error>,
    id: &'static str,
    item: &str,
    before: ServerVersion,
    minimum: ServerVersion,
) {
    match prepared(before.clone(), &request, id) {
        Err(error @ Error::UnsupportedParameter(_)) => {
            let Error::UnsupportedParameter(refused) = &error else {
                unreachable!()
            };
            assert_eq!((refused.operation, refused.parameter), (id, item));
            assert_eq!(refused.release, minimum);
            assert_eq!(refused.found, before);
            let message = error.to_string();
            assert!(
                message.contains(&format!("v{minimum}")) && message.contains(&format!("v{before}")),
                "{message}"
            );
        }
        other => panic!("{id} {item} on v{before}: {other:?}"),
    }
    assert_eq!(
        prepared(minimum.clone(), &request, id),
        Ok(()),
        "{id} {item} on v{minimum}"
    );
    assert_eq!(
        prepared(ServerVersion::new(3, 0, 0), &request, id),
        Ok(()),
        "{id} {item} on v3.0.0"
    );
}

#[test]
fn filters_and_sizes_are_refused_before_the_release_that_added_them() {
    let v = ServerVersion::new;
    let albums = metadata(|s| s.album_ids = vec![AlbumId::new_unchecked(ID)]);
    refused_before(
        endpoint(albums),
        "searchAssets",
        "field:albumIds",
        v(1, 134, 1),
        v(1, 135, 0),
    );
    let tags = metadata(|s| s.tag_ids = vec![TagId::new_unchecked(ID)]);
    refused_before(
        endpoint(tags),
        "searchAssets",
        "field:tagIds",
        v(1, 125, 2),
        v(1, 126, 0),
    );
    let description = metadata(|s| s.description = Some("sea".into()));
    refused_before(
        endpoint(description),
        "searchAssets",
        "field:description",
        v(1, 125, 0),
        v(1, 126, 0),
    );
    let rating = metadata(|s| s.rating = Some(4));
    refused_before(
        endpoint(rating),
        "searchAssets",
        "field:rating",
        v(1, 126, 1),
        v(1, 127, 0),
    );
    let visibility = metadata(|s| s.visibility = Some(AssetVisibility::Archive));
    refused_before(
        endpoint(visibility),
        "searchAssets",
        "field:visibility",
        v(1, 132, 3),
        v(1, 133, 0),
    );
    let mut random = RandomSearch::new(5);
    random.ocr = Some("receipt".into());
    refused_before(
        endpoint(SearchRandom::new(random)),
        "searchRandom",
        "field:ocr",
        v(2, 1, 0),
        v(2, 2, 0),
    );
    let asset = || AssetId::new_unchecked(ID);
    let fullsize = ViewAsset::new(asset()).size(AssetMediaSize::Fullsize);
    refused_before(
        media(fullsize),
        "viewAsset",
        "enum:size=fullsize",
        v(1, 130, 1),
        v(1, 131, 0),
    );
    let original = ViewAsset::new(asset()).size(AssetMediaSize::Original);
    refused_before(
        media(original),
        "viewAsset",
        "enum:size=original",
        v(2, 4, 0),
        v(2, 5, 0),
    );
    // Without the filter the same search goes to every release.
    for &(a, b, c) in RELEASES {
        assert_eq!(
            prepared(v(a, b, c), endpoint(metadata(|_| ())), "searchAssets"),
            Ok(())
        );
    }
    // An unknown version passes: the version is learned by setup.
    let unknown = Session::new(Server::new("http://immich.test:2283").expect("a valid URL"));
    let request =
        metadata(|s| s.album_ids = vec![AlbumId::new_unchecked(ID)]).request(unknown.server());
    assert!(unknown
        .prepare("searchAssets", request.expect("a request"))
        .is_ok());
}

/// Every sample of every generated operation, for one release: built, then through the
/// session's gate. What passes uses only what the release has (checked here against the
/// catalogue on its own); what is refused is refused with the typed errors.
struct Matrix {
    version: ServerVersion,
    sent: usize,
    refused: BTreeMap<&'static str, String>,
}

impl Matrix {
    fn check(&mut self, id: &'static str, built: Result<Request<Bytes>, Error>) {
        let session = Session::new(server(self.version.clone()));
        let outcome = built.and_then(|request| session.prepare(id, request).map(|(r, _)| r));
        match outcome {
            Ok(request) => {
                self.sent += 1;
                for item in items_of(&request) {
                    let op = catalogue::find(id).expect("a catalogued operation");
                    if let Some(span) = op.span(&item) {
                        assert!(
                            span.since <= self.version
                                && span.until.as_ref().is_none_or(|u| self.version <= *u),
                            "{id} sends {item} to v{}",
                            self.version
                        );
                    }
                }
            }
            Err(
                error @ (Error::Unsupported { .. }
                | Error::Removed { .. }
                | Error::UnsupportedParameter(_)
                | Error::RemovedParameter(_)),
            ) => {
                let message = error.to_string();
                assert!(message.contains(&format!("v{}", self.version)), "{message}");
                self.refused.insert(id, message);
            }
            // Other typed errors the sample earns on any release (e.g. a version needed).
            Err(_) => {}
        }
    }
}

/// The query parameters, top-level body fields and their string values a request carries, as
/// catalogue items.
fn items_of(request: &Request<Bytes>) -> Vec<String> {
    let mut items = Vec::new();
    for pair in request
        .uri()
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
    {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        items.push(format!("query:{name}"));
        items.push(format!("enum:{name}={value}"));
    }
    if let Ok(serde_json::Value::Object(fields)) = serde_json::from_slice(request.body()) {
        for (name, value) in fields {
            items.push(format!("field:{name}"));
            let values = match value {
                serde_json::Value::Array(values) => values,
                one => vec![one],
            };
            for value in values.iter().filter_map(|v| v.as_str()) {
                items.push(format!("enum:{name}={value}"));
            }
        }
    }
    items
}

impl Visit for Matrix {
    fn endpoint<E>(&mut self, endpoint: E)
    where
        E: Endpoint + std::fmt::Debug + Clone + Send + Sync + 'static,
        E::Output: std::fmt::Debug + Send,
    {
        let built = endpoint.request(&server(self.version.clone()));
        self.check(E::OPERATION_ID, built);
    }
    fn media<M>(&mut self, media: M)
    where
        M: MediaEndpoint + std::fmt::Debug + Clone + Send + Sync + 'static,
    {
        let built = media.request(&server(self.version.clone()));
        self.check(M::OPERATION_ID, built);
    }
}

#[test]
fn every_sample_uses_only_what_each_release_has() {
    let mut refused_counts = Vec::new();
    for &(a, b, c) in RELEASES {
        let mut matrix = Matrix {
            version: ServerVersion::new(a, b, c),
            sent: 0,
            refused: BTreeMap::new(),
        };
        visit_all(&mut matrix);
        assert!(matrix.sent > 100, "v{a}.{b}.{c}: only {} sent", matrix.sent);
        refused_counts.push(matrix.refused.len());
    }
    // Older releases lack more: the refusals shrink release by release (v3.0.0 refuses only
    // what a later v3 release removed or added).
    assert!(
        refused_counts.windows(2).all(|w| w[0] >= w[1]),
        "{refused_counts:?}"
    );
    assert!(refused_counts[0] > refused_counts[refused_counts.len() - 1]);
}

/// The album search on an old release, through both transports against the test server acting
/// as v1.132.3: refused before sending (the release ignores `albumIds` and would answer with the
/// whole library); on v1.135.0 it is sent.
#[test]
fn both_transports_refuse_an_album_search_the_release_would_ignore() {
    let album = AlbumId::new_unchecked(fixtures::album_holidays());
    let search = || metadata(|s| s.album_ids = vec![album.clone()]);
    for (version, sent) in [
        (Version::new(1, 132, 3), false),
        (Version::new(1, 135, 0), true),
    ] {
        let server = TestServer::start(Options::old(version));
        let searches = |s: &TestServer| {
            s.requests()
                .iter()
                .filter(|r| r.path == "/api/search/metadata")
                .count()
        };
        let blocking = immich_blocking::Client::builder(&server.url())
            .api_key(server.api_key())
            .build()
            .expect("a client");
        blocking.setup().expect("setup");
        let answer = blocking.send(&search());
        match answer {
            Err(error) if !sent => assert!(
                matches!(
                    error.proto(),
                    Some(Error::UnsupportedParameter(refused))
                        if refused.parameter == "field:albumIds"
                ),
                "{error}"
            ),
            Ok(_) if sent => {}
            other => panic!("blocking on {version:?}: {other:?}"),
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let answer = runtime.block_on(async {
            let client = immich_tokio::Client::builder(&server.url())
                .api_key(server.api_key())
                .build()
                .expect("a client");
            client.setup().await.expect("setup");
            client.send(&search()).await
        });
        match answer {
            Err(error) if !sent => assert!(
                matches!(
                    error.proto(),
                    Some(Error::UnsupportedParameter(refused))
                        if refused.parameter == "field:albumIds"
                ),
                "{error}"
            ),
            Ok(_) if sent => {}
            other => panic!("tokio on {version:?}: {other:?}"),
        }
        assert_eq!(searches(&server), if sent { 2 } else { 0 }, "{version:?}");

        // The flow is exact on both: the album's own assets, through either transport.
        let mut expected = server
            .album_asset_ids(&fixtures::album_holidays())
            .expect("the album");
        expected.sort();
        assert!(!expected.is_empty());
        let ids = |assets: Vec<immich_proto::assets::Asset>| {
            let mut ids: Vec<String> = assets
                .into_iter()
                .map(|a| a.id.as_str().to_owned())
                .collect();
            ids.sort();
            ids
        };
        let by_albums = blocking
            .assets_by_albums(vec![album.clone()])
            .expect("blocking flow");
        assert_eq!(ids(by_albums), expected, "blocking on {version:?}");
        let by_albums = runtime.block_on(async {
            let client = immich_tokio::Client::builder(&server.url())
                .api_key(server.api_key())
                .build()
                .expect("a client");
            client.setup().await.expect("setup");
            client.assets_by_albums(vec![album.clone()]).await
        });
        assert_eq!(
            ids(by_albums.expect("tokio flow")),
            expected,
            "tokio on {version:?}"
        );
        // With another filter too: the intersection, still exact.
        let mut favorites = MetadataSearch::by_albums(vec![album.clone()]);
        favorites.is_favorite = Some(true);
        let all_favorites = ids(blocking.favorites().expect("favourites"));
        let found = ids(blocking.search_assets(favorites).expect("blocking flow"));
        let both: Vec<String> = expected
            .iter()
            .filter(|id| all_favorites.contains(id))
            .cloned()
            .collect();
        assert_eq!(found, both, "{version:?}");
    }
}

/// What a flow gave on one release, through one transport: its answer (asset ids, sorted, or
/// a count), or the refusal's typed error.
type Outcome = Result<Vec<String>, Option<Error>>;

fn sorted_ids(assets: Vec<immich_proto::assets::Asset>) -> Vec<String> {
    let mut ids: Vec<String> = assets
        .into_iter()
        .map(|a| a.id.as_str().to_owned())
        .collect();
    ids.sort();
    ids
}

/// Runs one call through both transports (the same method name on each) and gives both
/// outcomes.
macro_rules! both {
    ($clients:expr, |$c:ident| $call:expr, $map:expr) => {{
        let (blocking, tokio_client, runtime) = $clients;
        let map = $map;
        let one: Outcome = {
            let $c = blocking;
            ($call).map(map).map_err(|e| e.proto().cloned())
        };
        let two: Outcome = runtime.block_on(async {
            let $c = tokio_client;
            ($call).await.map(map).map_err(|e| e.proto().cloned())
        });
        [one, two]
    }};
}

/// Every request the test server logged uses only operations, query parameters, body and form
/// fields and enum values that `release` has (by the catalogue's spans).
fn assert_sent_only_what_the_release_has(server: &TestServer, release: &ServerVersion) {
    for request in server.requests() {
        let Some(path) = request.path.strip_prefix("/api") else {
            continue;
        };
        let Some(op) = catalogue::find_route(request.method.as_str(), path) else {
            continue;
        };
        assert!(
            op.since <= *release && op.until.as_ref().is_none_or(|u| release <= u),
            "{} sent to v{release}",
            op.id
        );
        let mut items = Vec::new();
        for pair in request.query.as_deref().unwrap_or_default().split('&') {
            if pair.is_empty() {
                continue;
            }
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            items.push(format!("query:{name}"));
            items.push(format!("enum:{name}={value}"));
        }
        if let serde_json::Value::Object(fields) = request.json() {
            for (name, value) in fields {
                items.push(format!("field:{name}"));
                let values = match value {
                    serde_json::Value::Array(values) => values,
                    one => vec![one],
                };
                for value in values.iter().filter_map(|v| v.as_str()) {
                    items.push(format!("enum:{name}={value}"));
                }
            }
        }
        if let Some(upload) = &request.upload {
            for (name, value) in &upload.fields {
                items.push(format!("field:{name}"));
                items.push(format!("enum:{name}={value}"));
            }
            for (name, ..) in &upload.files {
                items.push(format!("field:{name}"));
            }
        }
        for item in items {
            assert!(
                catalogue::has_item(op.id, &item, release),
                "{} sent {item} to v{release}",
                op.id
            );
        }
    }
}

/// A refusal: the typed error naming the release, the server's version and the item.
fn assert_refused(outcome: &Outcome, item: &str, minimum: &ServerVersion, release: &ServerVersion) {
    match outcome {
        Err(Some(Error::UnsupportedParameter(refused))) => {
            assert_eq!(refused.parameter, item);
            assert_eq!(&refused.release, minimum);
            assert_eq!(&refused.found, release);
        }
        other => panic!("{item} on v{release}: {other:?}"),
    }
}

/// The test server acting as each release of the matrix, through both transports: the flows
/// give the answers a v3 server gives (the album search returns exactly the album's assets on
/// every release), or are refused before sending when the release cannot answer exactly; and
/// the server saw only what the release has. The server drops fields a v1/v2 release lacks and
/// refuses them as v3 does, so a filter sent to a release without it would show here as a
/// wrong answer.
#[test]
fn every_release_answers_the_flows_exactly_or_they_are_refused() {
    use immich_proto::assets::UploadOptions;
    use immich_proto::search::SmartSearch;
    let v = ServerVersion::new;
    let album = || AlbumId::new_unchecked(fixtures::album_holidays());
    let tag = || TagId::new_unchecked(fixtures::tag(2));
    let beach = || AssetId::new_unchecked(fixtures::asset_beach());
    let scratch = std::env::temp_dir().join(format!("immich-matrix-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).expect("a scratch folder");
    let photo = scratch.join("photo.jpg");
    std::fs::write(&photo, fixtures::seeded_bytes(90)).expect("a scratch photo");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");

    // Answers that take no version into account: a v3.0.0 server's.
    let mut reference: Option<BTreeMap<&str, Vec<String>>> = None;
    for &(a, b, c) in [(3u64, 0u64, 0u64)].iter().chain(RELEASES) {
        let release = v(a, b, c);
        // Small pages: every search is paged.
        let server = TestServer::start(Options::old(Version::new(a, b, c)).page_cap(2));
        let blocking = immich_blocking::Client::builder(&server.url())
            .api_key(server.api_key())
            .build()
            .expect("a client");
        blocking.setup().expect("setup");
        let tokio_client = runtime.block_on(async {
            let client = immich_tokio::Client::builder(&server.url())
                .api_key(server.api_key())
                .build()
                .expect("a client");
            client.setup().await.expect("setup");
            client
        });
        let clients = (&blocking, &tokio_client, &runtime);
        let mut answers: BTreeMap<&str, [Outcome; 2]> = BTreeMap::new();
        answers.insert(
            "album search",
            both!(clients, |c| c.assets_by_albums(vec![album()]), sorted_ids),
        );
        let mut favorites = MetadataSearch::by_albums(vec![album()]);
        favorites.is_favorite = Some(true);
        answers.insert(
            "favourites in the album",
            both!(clients, |c| c.search_assets(favorites.clone()), sorted_ids),
        );
        answers.insert(
            "every asset, paged",
            both!(clients, |c| c.all_assets(), sorted_ids),
        );
        answers.insert(
            "tags",
            both!(clients, |c| c.assets_by_tags(vec![tag()]), sorted_ids),
        );
        let mut rating = MetadataSearch::all();
        rating.rating = Some(4);
        answers.insert(
            "rating",
            both!(clients, |c| c.search_assets(rating.clone()), sorted_ids),
        );
        let mut archived = MetadataSearch::all();
        archived.visibility = Some(AssetVisibility::Archive);
        answers.insert(
            "archived",
            both!(clients, |c| c.search_assets(archived.clone()), sorted_ids),
        );
        let mut smart = SmartSearch::new("beach");
        smart.album_ids = vec![album()];
        answers.insert(
            "smart search in the album",
            both!(clients, |c| c.smart_search(smart.clone()), sorted_ids),
        );
        answers.insert(
            "albums",
            both!(clients, |c| c.albums(), |albums: Vec<
                immich_proto::albums::Album,
            >| {
                let mut ids: Vec<String> = albums
                    .into_iter()
                    .map(|a| a.id.as_str().to_owned())
                    .collect();
                ids.sort();
                ids
            }),
        );
        for (name, size) in [
            ("fullsize", AssetMediaSize::Fullsize),
            ("original size", AssetMediaSize::Original),
            ("preview", AssetMediaSize::Preview),
        ] {
            let view = ViewAsset::new(beach()).size(size);
            answers.insert(
                name,
                both!(
                    clients,
                    |c| c.media_bytes(&view, 1 << 20),
                    |m: immich_proto::transport::Media<Bytes>| { vec![m.body.len().to_string()] }
                ),
            );
        }
        // A download (resumable, verified against the asset's SHA-1), to a new file each time.
        let downloads = std::sync::atomic::AtomicUsize::new(0);
        let target = || {
            let n = downloads.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            scratch.join(format!("v{release}-{n}.jpg"))
        };
        answers.insert(
            "download",
            both!(
                clients,
                |c| c.download_original(beach(), target(), true),
                |r: immich_proto::assets::DownloadReport| {
                    vec![r.bytes.to_string(), r.verified.to_string()]
                }
            ),
        );
        for (name, visibility) in [
            ("upload archived", AssetVisibility::Archive),
            ("upload locked", AssetVisibility::Locked),
        ] {
            let options = UploadOptions::new().visibility(visibility);
            answers.insert(
                name,
                both!(
                    clients,
                    |c| c.upload_path(&photo, options.clone()),
                    |r: immich_proto::assets::UploadResult| {
                        // The second transport's upload is a duplicate of the first's.
                        vec![r.id.as_str().to_owned()]
                    }
                ),
            );
        }

        // The album search is exact everywhere.
        let mut expected = server
            .album_asset_ids(&fixtures::album_holidays())
            .expect("the album");
        expected.sort();
        for outcome in &answers["album search"] {
            assert_eq!(outcome.as_ref().ok(), Some(&expected), "v{release}");
        }
        // Refused exactly where the release lacks the filter or size.
        let refusals = [
            ("tags", "field:tagIds", v(1, 126, 0)),
            ("rating", "field:rating", v(1, 127, 0)),
            ("archived", "field:visibility", v(1, 133, 0)),
            ("fullsize", "enum:size=fullsize", v(1, 131, 0)),
            ("original size", "enum:size=original", v(2, 5, 0)),
            ("upload locked", "field:visibility", v(1, 133, 0)),
        ];
        for (name, item, minimum) in refusals {
            for outcome in &answers[name] {
                if release < minimum {
                    assert_refused(outcome, item, &minimum, &release);
                } else {
                    assert!(outcome.is_ok(), "{name} on v{release}: {outcome:?}");
                }
            }
        }
        // The rest is answered on every release, as on v3.
        let answered: BTreeMap<&str, Vec<String>> = answers
            .iter()
            .filter_map(|(name, [one, two])| {
                assert_eq!(one, two, "{name} on v{release}: the transports differ");
                Some((*name, one.clone().ok()?))
            })
            .collect();
        match &reference {
            None => {
                for name in [
                    "album search",
                    "smart search in the album",
                    "tags",
                    "albums",
                ] {
                    assert!(answered.get(name).is_some_and(|a| !a.is_empty()), "{name}");
                }
                reference = Some(answered);
            }
            Some(reference) => {
                for (name, answer) in &answered {
                    if name.starts_with("upload") {
                        continue;
                    }
                    assert_eq!(Some(answer), reference.get(name), "{name} on v{release}");
                }
            }
        }
        assert_sent_only_what_the_release_has(&server, &release);
    }
    let _ = std::fs::remove_dir_all(&scratch);
}

/// The test server acts as the releases do with what they lack: v1.132.3 drops `albumIds` and
/// answers with the whole library (the fault of issue 15, seen with the gate off: a client that
/// never learned the version), v3 refuses an unknown field with `400`, and an operation a
/// release does not have is a `404`.
#[test]
fn the_test_server_ignores_or_refuses_what_the_release_lacks() {
    use std::io::{Read, Write};
    let raw = |server: &TestServer, method: &str, path: &str, body: &str| {
        let mut stream = std::net::TcpStream::connect(server.addr()).expect("connect");
        let request = format!(
            "{method} {path} HTTP/1.1\r\nhost: 127.0.0.1\r\nx-api-key: {}\r\n\
             content-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            server.api_key(),
            body.len()
        );
        stream.write_all(request.as_bytes()).expect("write");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("read");
        answer
    };
    let old = TestServer::start(Options::old(Version::new(1, 132, 3)));
    let body = format!(r#"{{"albumIds":["{}"]}}"#, fixtures::album_holidays());
    let answer = raw(&old, "POST", "/api/search/metadata", &body);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let album = old
        .album_asset_ids(&fixtures::album_holidays())
        .expect("the album");
    let found = answer.matches(r#""originalFileName""#).count();
    assert!(
        found > album.len(),
        "the whole library, not the album: {answer}"
    );
    let answer = raw(&old, "GET", "/api/server/version-check", "");
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");

    let v3 = TestServer::start(Options::v3());
    let answer = raw(
        &v3,
        "POST",
        "/api/search/metadata",
        r#"{"isArchived":true}"#,
    );
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("isArchived"), "{answer}");
    let answer = raw(&v3, "POST", "/api/search/metadata", &body);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // An enum value the release lacks is refused by every release.
    let older = TestServer::start(Options::old(Version::new(1, 130, 0)));
    let path = format!(
        "/api/assets/{}/thumbnail?size=fullsize",
        fixtures::asset_beach()
    );
    let answer = raw(&older, "GET", &path, "");
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
}
