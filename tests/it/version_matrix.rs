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

/// The releases of the matrix.
const RELEASES: &[(u64, u64, u64)] = &[
    (1, 118, 0),
    (1, 126, 0),
    (1, 133, 0),
    (1, 135, 0),
    (2, 5, 0),
    (3, 0, 0),
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
