//! The `immich` command-line tool end to end against the in-process test server, through
//! `immich_cli::run` (the binary is a thin `main` around it): uploads with duplicate checks,
//! albums, downloads, search, `--json`, and the one-line errors.
//!
//! The unreadable file is a dangling symbolic link named like a photo: tests run as root, and
//! root reads a `chmod 000` file anyway.
#![cfg(unix)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use immich_blocking::albums::{Album, CreateAlbum};
use immich_blocking::assets::resumable_partial_path;
use immich_blocking::assets::Asset;
use immich_blocking::people::Person;
use immich_blocking::{AssetId, Client};
use immich_cli::{Env, EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use immich_tests::server::fixtures;
use immich_tests::{Fault, FaultRule, Options, TestServer};
use serde_json::Value;

struct Run {
    status: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}--- stderr\n{}",
            self.status, self.stdout, self.stderr
        )
    }
}

fn env_for(server: &TestServer) -> Env {
    Env::new()
        .var("IMMICH_URL", server.url())
        .var("IMMICH_API_KEY", server.api_key())
}

fn run_with(env: &Env, args: &[&str]) -> Run {
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let status = immich_cli::run(args.iter().copied(), env, &mut stdout, &mut stderr);
    Run {
        status,
        stdout: String::from_utf8(stdout).unwrap(),
        stderr: String::from_utf8(stderr).unwrap(),
    }
}

fn immich(server: &TestServer, args: &[&str]) -> Run {
    run_with(&env_for(server), args)
}

fn client(server: &TestServer) -> Client {
    let client = Client::new(&server.url(), server.api_key()).unwrap();
    client.setup().unwrap();
    client
}

/// A scratch folder, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        static N: AtomicU64 = AtomicU64::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("immich-cli-{}-{name}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn write(&self, relative: &str, bytes: &[u8]) -> PathBuf {
        let path = self.0.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
        path
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.0.join(relative)
    }

    fn arg(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Distinct bytes per `seed`, starting like a JPEG (the test server does not decode them).
fn photo(seed: u8, len: usize) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0, seed];
    bytes.extend((0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)));
    bytes
}

/// A folder with three photos and a video (one photo twice, under another name in a
/// subfolder), a text file and an XMP sidecar.
fn library() -> Scratch {
    let dir = Scratch::new("library");
    dir.write("a.jpg", &photo(1, 3000));
    dir.write("b.PNG", &photo(2, 5000));
    dir.write("trip/c.jpeg", &photo(3, 4000));
    dir.write("trip/copy-of-a.jpg", &photo(1, 3000));
    dir.write("trip/clip.mp4", &photo(4, 20_000));
    dir.write("notes.txt", b"not a photo");
    dir.write("a.jpg.xmp", b"<x:xmpmeta/>");
    dir
}

fn count_uploads(server: &TestServer) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path == "/api/assets")
        .count()
}

fn paths_of(report: &Value, key: &str) -> Vec<String> {
    let mut paths: Vec<String> = report[key]
        .as_array()
        .unwrap_or_else(|| panic!("no {key} list in {report}"))
        .iter()
        .map(|entry| entry["path"].as_str().unwrap().to_owned())
        .collect();
    paths.sort();
    paths
}

#[test]
fn uploading_a_folder_twice_sends_it_once() {
    let server = TestServer::start(Options::v3());
    let dir = library();
    let before = server.asset_ids().len();

    let first = immich(&server, &["upload", dir.arg(), "--concurrency", "3"]);
    assert_eq!(first.status, EXIT_OK, "{first:?}");
    assert!(
        first
            .stdout
            .starts_with("uploaded 4, duplicates 1, skipped 1, failed 0 ("),
        "{first:?}"
    );
    assert!(
        first.stderr.is_empty(),
        "no progress when stderr is not a terminal"
    );
    assert_eq!(server.asset_ids().len(), before + 4);
    assert_eq!(count_uploads(&server), 4, "the copy is not sent");
    // Every stored file is byte-identical to its source.
    for name in ["a.jpg", "b.PNG", "trip/c.jpeg", "trip/clip.mp4"] {
        let bytes = std::fs::read(dir.path(name)).unwrap();
        let stored = server
            .asset_ids()
            .iter()
            .filter_map(|id| server.asset_bytes(id))
            .any(|stored| stored == bytes);
        assert!(stored, "{name} not stored");
    }

    server.clear_requests();
    let second = immich(&server, &["--json", "upload", dir.arg()]);
    assert_eq!(second.status, EXIT_OK, "{second:?}");
    let report = second.json();
    assert_eq!(
        report["summary"],
        serde_json::json!({
            "uploaded": 0, "duplicates": 5, "skipped": 1, "failed": 0, "bytesUploaded": 0,
        })
    );
    assert_eq!(
        count_uploads(&server),
        0,
        "duplicates are found before sending"
    );
    let duplicates = &report["duplicates"];
    assert!(duplicates
        .as_array()
        .unwrap()
        .iter()
        .all(|d| server.asset_bytes(d["id"].as_str().unwrap()).is_some()));
    let skipped = paths_of(&report, "skipped");
    // The sidecar went with a.jpg (tests/it/upload_sources.rs).
    assert!(skipped.len() == 1 && skipped[0].ends_with("notes.txt"));
    // The check went through the bulk endpoint, by SHA-1.
    let checks: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.path == "/api/assets/bulk-upload-check")
        .collect();
    assert_eq!(checks.len(), 1);
    assert_eq!(checks[0].json()["assets"].as_array().unwrap().len(), 4);
}

#[test]
fn progress_is_drawn_on_a_terminal() {
    let server = TestServer::start(Options::v3());
    let dir = library();
    let env = env_for(&server).terminal(true);
    let run = run_with(&env, &["upload", dir.arg()]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    // Redrawn in place, and cleared before the summary.
    assert!(run.stderr.starts_with("\rhashing "), "{run:?}");
    assert!(
        run.stderr
            .contains("\ruploading 4/4 files, 31.3 KiB/31.3 KiB, "),
        "{run:?}"
    );
    assert!(run.stderr.ends_with("\r\x1b[K"), "{run:?}");
    assert!(!run.stdout.contains('\r'), "{run:?}");
}

#[test]
fn one_unreadable_file_fails_the_run_but_not_the_others() {
    let server = TestServer::start(Options::v3());
    let dir = Scratch::new("unreadable");
    let good = dir.write("good.jpg", &photo(9, 2000));
    // Root reads `chmod 000` files, so the unreadable file is a link to nowhere.
    std::os::unix::fs::symlink(dir.path("gone.jpg"), dir.path("broken.jpg")).unwrap();

    let run = immich(&server, &["upload", dir.arg()]);
    assert_eq!(run.status, EXIT_FAILED, "{run:?}");
    assert!(
        run.stdout
            .starts_with("uploaded 1, duplicates 0, skipped 0, failed 1"),
        "{run:?}"
    );
    let broken = dir.path("broken.jpg");
    let line = format!("failed: {}: cannot read it: ", broken.display());
    assert!(run.stderr.starts_with(&line), "{run:?}");
    let good_bytes = std::fs::read(good).unwrap();
    assert!(server
        .asset_ids()
        .iter()
        .any(|id| server.asset_bytes(id).as_deref() == Some(good_bytes.as_slice())));

    // A path that does not exist at all is a failure too, and the JSON says why.
    let missing = dir.path("nope");
    let run = immich(&server, &["--json", "upload", missing.to_str().unwrap()]);
    assert_eq!(run.status, EXIT_FAILED, "{run:?}");
    let failed = &run.json()["failed"][0];
    assert_eq!(failed["path"], missing.to_str().unwrap());
    assert!(failed["error"].as_str().unwrap().contains("No such file"));
}

#[test]
fn album_option_creates_the_album_once_and_fills_it() {
    let server = TestServer::start(Options::v3());
    let dir = library();
    let run = immich(
        &server,
        &["--json", "upload", "--album", "Trip 2025", dir.arg()],
    );
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    let report = run.json();
    let album = &report["album"];
    assert_eq!(album["name"], "Trip 2025");
    assert_eq!(album["created"], true);
    assert_eq!(album["added"], 4);
    let id = album["id"].as_str().unwrap();
    let mut uploaded: Vec<String> = report["uploaded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_owned())
        .collect();
    let mut in_album = server.album_asset_ids(id).unwrap();
    uploaded.sort();
    in_album.sort();
    assert_eq!(in_album, uploaded);

    // Again, plus a file the server already had: the same album, the new file added to it.
    let more = Scratch::new("more");
    more.write("d.jpg", &photo(5, 1000));
    std::fs::write(
        more.path("beach.jpg"),
        server.asset_bytes(&fixtures::asset_beach()).unwrap(),
    )
    .unwrap();
    let run = immich(
        &server,
        &["upload", "--album", "Trip 2025", dir.arg(), more.arg()],
    );
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    assert!(
        run.stdout.contains(&format!(
            "album \"Trip 2025\" ({id}): 2 added, 4 already there"
        )),
        "{run:?}"
    );
    let albums = client(&server).albums().unwrap();
    assert_eq!(
        albums
            .iter()
            .filter(|a| a.album_name == "Trip 2025")
            .count(),
        1
    );
    let in_album = server.album_asset_ids(id).unwrap();
    assert_eq!(in_album.len(), 6);
    assert!(in_album.contains(&fixtures::asset_beach()));
}

#[test]
fn upload_album_refuses_a_shared_name_and_takes_an_id() {
    let server = TestServer::start(Options::v3());
    let client = client(&server);
    let first = client.create_album(CreateAlbum::new("Twins")).unwrap();
    client.create_album(CreateAlbum::new("Twins")).unwrap();
    let dir = Scratch::new("twins");
    dir.write("a.jpg", &photo(7, 1000));

    // As `search --album` does: refused, and before anything is sent.
    let run = immich(&server, &["upload", "--album", "Twins", dir.arg()]);
    assert_eq!(run.status, EXIT_FAILED, "{run:?}");
    assert_eq!(
        run.stderr,
        "error: 2 albums are named \"Twins\": pass the id instead\n"
    );
    assert_eq!(count_uploads(&server), 0);

    // An id names the album, as in `search --album`: no new album named after the id.
    let id = first.id.to_string();
    let run = immich(&server, &["--json", "upload", "--album", &id, dir.arg()]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    let album = &run.json()["album"];
    assert_eq!(
        (album["id"].as_str(), album["name"].as_str()),
        (Some(id.as_str()), Some("Twins"))
    );
    assert_eq!(
        (album["created"].as_bool(), album["added"].as_u64()),
        (Some(false), Some(1))
    );
    assert_eq!(server.album_asset_ids(&id).unwrap().len(), 1);
    let named =
        |albums: Vec<Album>, name: &str| albums.iter().filter(|a| a.album_name == name).count();
    assert_eq!(named(client.albums().unwrap(), "Twins"), 2);
    assert_eq!(
        named(client.albums().unwrap(), &id),
        0,
        "no album named after the id"
    );
    let search = immich(&server, &["search", "--album", &id]);
    assert_eq!(search.status, EXIT_OK, "{search:?}");
}

#[test]
fn downloads_come_back_byte_for_byte() {
    let server = TestServer::start(Options::v3());
    let dir = Scratch::new("download");
    let original = photo(7, 100_000);
    dir.write("in/holiday.jpg", &original);
    let run = immich(
        &server,
        &["--json", "upload", dir.path("in").to_str().unwrap()],
    );
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    let id = run.json()["uploaded"][0]["id"].as_str().unwrap().to_owned();

    let target = dir.path("out.jpg");
    let run = immich(&server, &["download", &id, "-o", target.to_str().unwrap()]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    assert!(run.stdout.contains("SHA-1 verified"), "{run:?}");
    assert_eq!(std::fs::read(&target).unwrap(), original);

    // Into a folder: under the asset's own name.
    let folder = dir.path("folder");
    std::fs::create_dir_all(&folder).unwrap();
    let run = immich(&server, &["download", &id, "-o", folder.to_str().unwrap()]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    assert_eq!(std::fs::read(folder.join("holiday.jpg")).unwrap(), original);
    // Nothing else was left in the folder (no temporary file).
    assert_eq!(std::fs::read_dir(&folder).unwrap().count(), 1);
    // A folder that does not exist yet, named with a trailing slash, is created.
    let new_folder = format!("{}/", dir.path("new").display());
    let run = immich(&server, &["download", &id, "-o", &new_folder]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    assert_eq!(
        std::fs::read(dir.path("new/holiday.jpg")).unwrap(),
        original
    );

    let missing = fixtures::asset_missing();
    let run = immich(
        &server,
        &["download", &missing, "-o", target.to_str().unwrap()],
    );
    assert_eq!(run.status, EXIT_FAILED, "{run:?}");
    assert_eq!(run.stderr.lines().count(), 1, "{run:?}");
}

#[test]
fn an_interrupted_download_says_that_running_it_again_resumes() {
    let server = TestServer::start(Options::v3());
    let dir = Scratch::new("cut");
    let original = photo(9, 200_000);
    dir.write("in/big.jpg", &original);
    let run = immich(
        &server,
        &["--json", "upload", dir.path("in").to_str().unwrap()],
    );
    let id = run.json()["uploaded"][0]["id"].as_str().unwrap().to_owned();
    let target = dir.path("out.jpg");

    // The connection breaks in the middle of the original.
    server.add_fault(FaultRule {
        method: None,
        path: format!("/assets/{id}/original"),
        fault: Fault::DropMidBody,
        times: Some(1),
    });
    let run = immich(&server, &["download", &id, "-o", target.to_str().unwrap()]);
    assert_eq!(run.status, EXIT_FAILED, "{run:?}");
    assert!(
        run.stderr
            .ends_with("; the part received is kept: run the same command again to resume\n"),
        "{run:?}"
    );
    assert_eq!(run.stderr.lines().count(), 1, "{run:?}");
    assert!(!target.exists());

    // As it says: the second run resumes and completes.
    let run = immich(&server, &["download", &id, "-o", target.to_str().unwrap()]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    assert!(run.stdout.contains("resumed after"), "{run:?}");
    assert_eq!(std::fs::read(&target).unwrap(), original);
}

#[test]
fn an_interrupted_download_resumes_and_a_damaged_one_is_not_kept() {
    let server = TestServer::start(Options::v3());
    let dir = Scratch::new("resume");
    let original = photo(8, 50_000);
    dir.write("in/video-frame.jpg", &original);
    let run = immich(
        &server,
        &["--json", "upload", dir.path("in").to_str().unwrap()],
    );
    let id = run.json()["uploaded"][0]["id"].as_str().unwrap().to_owned();
    let asset = AssetId::parse(id.as_str()).unwrap();
    let target = dir.path("out.jpg");
    let partial = resumable_partial_path(&target, &asset).unwrap();

    // What an interrupted run left: the first 20 000 bytes, and the record that says they are
    // of this original (the test server's ETag) and in this very file.
    plant_partial(&target, &asset, &original[..20_000], &original);
    server.clear_requests();
    let run = immich(&server, &["download", &id, "-o", target.to_str().unwrap()]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    assert!(
        run.stdout
            .contains("resumed after 19.5 KiB, SHA-1 verified"),
        "{run:?}"
    );
    assert_eq!(std::fs::read(&target).unwrap(), original);
    assert!(!partial.exists());
    let ranged = server
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("/original"))
        .unwrap();
    assert_eq!(ranged.header("range"), Some("bytes=20000-"));

    // A leftover that does not match the original: the result fails the SHA-1 check, and
    // nothing is kept under the final name.
    std::fs::remove_file(&target).unwrap();
    plant_partial(&target, &asset, &[0u8; 20_000], &original);
    let run = immich(&server, &["download", &id, "-o", target.to_str().unwrap()]);
    assert_eq!(run.status, EXIT_FAILED, "{run:?}");
    assert!(run.stderr.contains("SHA-1"), "{run:?}");
    assert_eq!(run.stderr.lines().count(), 1, "{run:?}");
    assert!(!target.exists() && !partial.exists());
    // The next run starts over and succeeds.
    let run = immich(
        &server,
        &["--json", "download", &id, "-o", target.to_str().unwrap()],
    );
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    assert_eq!(run.json()["resumedFrom"], 0);
    assert_eq!(run.json()["verified"], true);
    assert_eq!(std::fs::read(&target).unwrap(), original);
}

/// Leaves what an interrupted download of `original` into `target` would have: `bytes` in the
/// partial file, and beside it the resume record naming that file and the test server's ETag
/// (without it, the download rightly starts over).
fn plant_partial(target: &std::path::Path, asset: &AssetId, bytes: &[u8], original: &[u8]) {
    use immich_blocking::assets::{resume_record_path, PartialFacts, ResumeRecord};
    let partial = resumable_partial_path(target, asset).unwrap();
    std::fs::write(&partial, bytes).unwrap();
    let digest = immich_blocking::proto::checksum::Sha1Checksum::digest(original);
    let hex: String = digest.0.iter().map(|b| format!("{b:02x}")).collect();
    let identity =
        PartialFacts::from_metadata(&std::fs::symlink_metadata(&partial).unwrap()).identity;
    let record = ResumeRecord::new(format!("\"{hex}\""), identity);
    std::fs::write(
        resume_record_path(target, asset).unwrap(),
        record.to_bytes(),
    )
    .unwrap();
}

#[test]
fn thumbnails_are_saved() {
    let server = TestServer::start(Options::v3());
    let dir = Scratch::new("thumbnail");
    let target = dir.path("beach-thumb.jpg");
    let beach = fixtures::asset_beach();
    let run = immich(
        &server,
        &[
            "thumbnail",
            &beach,
            "--size",
            "preview",
            "-o",
            target.to_str().unwrap(),
        ],
    );
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    assert!(run.stdout.contains("(preview, image/jpeg"), "{run:?}");
    // The test server renders an image's thumbnail as the image itself.
    assert_eq!(
        std::fs::read(&target).unwrap(),
        server.asset_bytes(&beach).unwrap()
    );
    let line = server.request_lines().pop().unwrap();
    assert_eq!(
        line,
        format!("GET /api/assets/{beach}/thumbnail?size=preview")
    );
}

#[test]
fn albums_commands() {
    let server = TestServer::start(Options::v3());
    let run = immich(&server, &["albums"]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    let holidays = fixtures::album_holidays();
    assert!(
        run.stdout
            .contains(&format!("{holidays}       1  Holidays\n")),
        "{run:?}"
    );
    assert!(run.stdout.contains("From Bob  (shared)"), "{run:?}");

    let run = immich(
        &server,
        &[
            "--json",
            "albums",
            "create",
            "Best of",
            "--description",
            "top",
        ],
    );
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    let created = run.json();
    assert_eq!(created["albumName"], "Best of");
    let id = created["id"].as_str().unwrap().to_owned();

    let beach = fixtures::asset_beach();
    let missing = fixtures::asset_missing();
    let run = immich(&server, &["albums", "add", &id, &beach]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    assert_eq!(run.stdout, format!("{beach}  added\n"));
    // Already there is fine; an unknown asset fails the command.
    let run = immich(&server, &["albums", "add", &id, &beach, &missing]);
    assert_eq!(run.status, EXIT_FAILED, "{run:?}");
    assert_eq!(
        run.stdout,
        format!("{beach}  already in the album\n{missing}  not added: not_found\n")
    );

    let run = immich(&server, &["albums", "show", &id]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    assert!(run.stdout.starts_with("Best of\ntop\n"), "{run:?}");
    assert!(run
        .stdout
        .contains(&format!("{beach}  2024-05-01 10:00  IMAGE  beach.jpg")));

    // A malformed id is a usage error, found before anything is sent.
    let sent = server.requests().len();
    let run = immich(&server, &["albums", "show", "not-an-id"]);
    assert_eq!(run.status, EXIT_USAGE, "{run:?}");
    assert!(run.stderr.starts_with("error: invalid album id"), "{run:?}");
    for command in [
        &["download", "not-a-uuid"][..],
        &["albums", "add", &id, "x"],
    ] {
        assert_eq!(immich(&server, command).status, EXIT_USAGE, "{command:?}");
    }
    assert_eq!(
        server.requests().len(),
        sent + 3,
        "only the version requests"
    );
}

#[test]
fn search_filters_reach_the_server() {
    let server = TestServer::start(Options::v3());
    let beach = fixtures::asset_beach();
    let family = fixtures::asset_family();

    let run = immich(&server, &["search", "--favorite"]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    assert_eq!(run.stdout.lines().count(), 1, "{run:?}");
    assert!(run.stdout.starts_with(&beach), "{run:?}");

    // Names resolve to ids: album by name, tag by its path, person by name.
    server.clear_requests();
    let run = immich(
        &server,
        &["search", "--album", "holidays", "--tag", "Places/Beach"],
    );
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    assert!(run.stdout.starts_with(&beach), "{run:?}");
    let search = server
        .requests()
        .into_iter()
        .find(|r| r.path == "/api/search/metadata")
        .unwrap();
    let body = search.json();
    assert_eq!(body["albumIds"][0], fixtures::album_holidays());
    assert_eq!(body["tagIds"][0], fixtures::tag(2));

    let run = immich(&server, &["search", "--person", "Person 01"]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    assert!(run.stdout.starts_with(&family), "{run:?}");

    server.clear_requests();
    let run = immich(
        &server,
        &[
            "search",
            "--taken-after",
            "2024-01-01",
            "--taken-before",
            "2024-12-31T23:00:00+01:00",
            "--type",
            "image",
            "--limit",
            "2",
        ],
    );
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    assert_eq!(run.stdout.lines().count(), 2, "{run:?}");
    let body = server.requests()[1].json();
    assert_eq!(body["takenAfter"], "2024-01-01T00:00:00.000Z");
    assert_eq!(body["takenBefore"], "2024-12-31T22:00:00.000Z");
    assert_eq!(body["type"], "IMAGE");
    assert_eq!(body["size"], 2);

    let run = immich(&server, &["--json", "search", "--smart", "BEACH"]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    let assets: Vec<Asset> = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(assets.len(), 1);
    assert_eq!(assets[0].id.as_str(), beach);

    let run = immich(&server, &["search", "--album", "Nowhere"]);
    assert_eq!(run.status, EXIT_FAILED, "{run:?}");
    assert_eq!(run.stderr, "error: no album named \"Nowhere\"\n");
}

#[test]
fn json_output_parses_and_round_trips() {
    let server = TestServer::start(Options::v3());
    let client = client(&server);

    let run = immich(&server, &["--json", "server"]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    let value = run.json();
    assert_eq!(value["version"]["major"], 3);
    assert_eq!(value["features"]["smartSearch"], true);
    assert!(value["storage"]["diskSizeRaw"].is_i64());

    let run = immich(&server, &["--json", "me"]);
    let me = run.json();
    assert_eq!(me["id"], fixtures::me());
    assert!(me.get("license").is_none());

    // What the tool prints reads back into the same models the library decodes.
    let run = immich(&server, &["--json", "albums"]);
    let albums: Vec<Album> = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(albums, client.albums().unwrap());

    let run = immich(&server, &["--json", "people", "--all"]);
    let people: Vec<Person> = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(people, client.people(true).unwrap());
    assert!(people.iter().any(|p| !p.is_named()));

    let run = immich(&server, &["--json", "search"]);
    let assets: Vec<Asset> = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(assets, client.all_assets().unwrap());

    let run = immich(&server, &["--json", "tags"]);
    assert_eq!(run.json()[1]["value"], "Places/Beach");
}

#[test]
fn json_says_what_the_server_said() {
    let server = TestServer::start(Options::v3());
    // A v3 album list carries no assets, owner or contributor counts: printing the typed model
    // again would add `"assets": []` and nulls a script reads as the server's word.
    let run = immich(&server, &["--json", "albums"]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    let albums = run.json();
    let albums = albums.as_array().unwrap();
    assert_eq!(albums.len(), 3, "{run:?}");
    for album in albums {
        for absent in ["assets", "ownerId", "owner", "contributorCounts"] {
            assert!(album.get(absent).is_none(), "{absent} in {album}");
        }
        assert!(album["assetCount"].is_u64(), "{album}");
    }

    let holidays = fixtures::album_holidays();
    let run = immich(&server, &["--json", "albums", "show", &holidays]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    let shown = run.json();
    assert!(shown["album"].get("assets").is_none(), "{shown}");
    assert_eq!(shown["assets"][0]["id"], fixtures::asset_beach());

    let run = immich(&server, &["--json", "search", "--favorite"]);
    let found = run.json();
    assert_eq!(found.as_array().map(Vec::len), Some(1), "{run:?}");
    assert_eq!(found[0]["id"], fixtures::asset_beach());
}

#[test]
fn empty_lists_say_so() {
    let server = TestServer::start(Options::v3().people(0));
    let run = immich(&server, &["people"]);
    assert_eq!(
        (run.status, run.stdout.as_str()),
        (EXIT_OK, "no people (--all lists the unnamed too)\n")
    );
    let run = immich(&server, &["people", "--all"]);
    assert_eq!(run.stdout, "no people\n");
    let run = immich(&server, &["--json", "people"]);
    assert_eq!(run.json(), serde_json::json!([]));

    let empty = client(&server)
        .create_album(CreateAlbum::new("Empty"))
        .unwrap();
    let run = immich(&server, &["search", "--album", empty.id.as_str()]);
    assert_eq!(
        (run.status, run.stdout.as_str()),
        (EXIT_OK, "no assets match\n")
    );
    let run = immich(&server, &["--json", "search", "--album", empty.id.as_str()]);
    assert_eq!(run.json(), serde_json::json!([]));
}

#[test]
fn asset_durations_round_trip_through_json() {
    let asset = |duration: &str| -> Asset {
        serde_json::from_value(serde_json::json!({
            "id": fixtures::asset_beach(), "type": "VIDEO", "ownerId": fixtures::me(),
            "originalFileName": "v.mp4", "checksum": "AAAA",
            "fileCreatedAt": "2024-05-01T10:00:00.000Z", "fileModifiedAt": "2024-05-01T10:00:00.000Z",
            "localDateTime": "2024-05-01T10:00:00.000Z", "updatedAt": "2024-05-01T10:00:00.000Z",
            "isFavorite": false, "duration": serde_json::from_str::<Value>(duration).unwrap(),
        }))
        .unwrap()
    };
    for (wire, written) in [
        ("5500", "5500"),
        ("null", "null"),
        ("\"0:01:02.50000\"", "62500"),
        ("\"0:00:01.000123\"", "\"0:00:01.000123000\""),
    ] {
        let original = asset(wire);
        let json = serde_json::to_value(&original).unwrap();
        assert_eq!(json["duration"].to_string(), written, "{wire}");
        let back: Asset = serde_json::from_value(json).unwrap();
        assert_eq!(back, original, "{wire}");
    }
}

#[test]
fn server_and_me_in_text() {
    let server = TestServer::start(Options::v3());
    let run = immich(&server, &["server"]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    let head = format!("Server    {}\nVersion   v3.0.0", server.url());
    assert!(run.stdout.starts_with(&head), "{run:?}");
    assert!(
        run.stdout
            .contains("Features  smart search, facial recognition"),
        "{run:?}"
    );
    assert!(run.stdout.contains("\nStorage   "), "{run:?}");
    let run = immich(&server, &["me"]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    assert!(
        run.stdout
            .contains(&format!("id        {}", fixtures::me())),
        "{run:?}"
    );
    let run = immich(&server, &["people"]);
    assert!(
        run.stdout.contains("Person 01  (born 1990-04-01)"),
        "{run:?}"
    );
    assert!(!run.stdout.contains("(unnamed)"), "{run:?}");
    let run = immich(&server, &["tags"]);
    assert!(run
        .stdout
        .contains(&format!("{}  Places/Beach\n", fixtures::tag(2))));
}

#[test]
fn errors_are_one_clear_line() {
    let server = TestServer::start(Options::v3());

    let env = env_for(&server).var("IMMICH_API_KEY", "wrong-key");
    let run = run_with(&env, &["albums"]);
    assert_eq!(run.status, EXIT_FAILED, "{run:?}");
    assert_eq!(
        run.stderr,
        "error: the server refused the API key (401 Unauthorized): check --api-key or IMMICH_API_KEY\n"
    );
    // The flag wins over the environment, and the key is never printed.
    let run = run_with(&env, &["--api-key", server.api_key(), "albums"]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    let run = run_with(&env, &["--api-key", "another-secret", "me"]);
    assert!(!run.stderr.contains("another-secret"), "{run:?}");

    let denied = TestServer::start(Options::v3().deny_permission("asset.upload"));
    let dir = library();
    let run = immich(&denied, &["upload", dir.arg()]);
    assert_eq!(run.status, EXIT_FAILED, "{run:?}");
    assert_eq!(
        run.stderr,
        "error: the API key lacks the permission `asset.upload` (403 Forbidden): grant it to \
         the key in the web UI, or use a key that has it\n"
    );

    // Nothing listens on port 1 of the loopback address.
    let env = Env::new()
        .var("IMMICH_URL", "http://127.0.0.1:1")
        .var("IMMICH_API_KEY", "k");
    let run = run_with(&env, &["server"]);
    assert_eq!(run.status, EXIT_FAILED, "{run:?}");
    assert!(
        run.stderr
            .starts_with("error: the server is not reachable at http://127.0.0.1:1: "),
        "{run:?}"
    );
    assert_eq!(run.stderr.lines().count(), 1);

    let run = run_with(&Env::new().var("IMMICH_API_KEY", "k"), &["server"]);
    assert_eq!(run.status, EXIT_USAGE, "{run:?}");
    assert!(run
        .stderr
        .starts_with("error: no server given: pass --url URL or set IMMICH_URL\n"));
    let run = run_with(&Env::new(), &["--url", "http://127.0.0.1:1", "me"]);
    assert_eq!(run.status, EXIT_USAGE, "{run:?}");
    assert!(run.stderr.starts_with("error: no API key given"), "{run:?}");
}

#[test]
fn tls_failure_suggests_the_ca_option() {
    let (server, ca_pem) = https_server();
    let env = env_for(&server);
    let run = run_with(&env, &["server"]);
    assert_eq!(run.status, EXIT_FAILED, "{run:?}");
    assert!(run
        .stderr
        .starts_with(&format!("error: TLS failed with {}: ", server.url())));
    assert!(
        run.stderr.contains("pass --ca-cert FILE (or --insecure"),
        "{run:?}"
    );
    assert_eq!(run.stderr.lines().count(), 1);

    let dir = Scratch::new("tls");
    let ca = dir.write("ca.pem", ca_pem.as_bytes());
    let run = run_with(&env, &["--ca-cert", ca.to_str().unwrap(), "server"]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    let run = run_with(&env, &["--insecure", "me"]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    let run = run_with(
        &env,
        &["--ca-cert", dir.path("none.pem").to_str().unwrap(), "me"],
    );
    assert_eq!(run.status, EXIT_FAILED, "{run:?}");
    assert!(
        run.stderr.starts_with("error: cannot read --ca-cert "),
        "{run:?}"
    );
}

#[test]
fn help_and_usage() {
    let env = Env::new();
    let run = run_with(&env, &["--help"]);
    assert_eq!(run.status, EXIT_OK);
    for command in [
        "server",
        "me",
        "albums",
        "upload",
        "download",
        "thumbnail",
        "search",
    ] {
        assert!(run.stdout.contains(&format!("\n  {command}")), "{command}");
    }
    let run = run_with(&env, &["upload", "--help"]);
    assert_eq!(run.status, EXIT_OK);
    assert!(run.stdout.starts_with("Usage: immich upload"));
    assert_eq!(run_with(&env, &["help", "search"]).status, EXIT_OK);
    let run = run_with(&env, &["frobnicate"]);
    assert_eq!(run.status, EXIT_USAGE);
    assert_eq!(
        run.stderr,
        "error: unknown command `frobnicate`\nRun `immich --help` for usage.\n"
    );
    let run = run_with(&env, &["people", "--limit", "3"]);
    assert_eq!(run.status, EXIT_USAGE);
    assert!(run
        .stderr
        .starts_with("error: `--limit` is not an option of `immich people`"));
}

/// An HTTPS test server with a certificate from a CA made here; returns the CA's PEM.
#[test]
fn https_to_a_plain_http_server_suggests_http() {
    let server = TestServer::start(Options::v3());
    let plain = server.url();
    let https = plain.replacen("http://", "https://", 1);
    let env = env_for(&server).var("IMMICH_URL", &https);
    let run = run_with(&env, &["server"]);
    assert_eq!(run.status, EXIT_FAILED, "{run:?}");
    assert_eq!(
        run.stderr,
        format!(
            "error: TLS failed with {https}: the server answered in plain HTTP, not TLS; use \
             {plain} instead (certificate options cannot help here)\n"
        )
    );
}

fn https_server() -> (TestServer, String) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "immich-cli test CA");
    let ca_key = KeyPair::generate().unwrap();
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&leaf_key, &Issuer::from_params(&ca_params, &ca_key))
        .unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf.der().clone(), ca_cert.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
        )
        .unwrap();
    let server = TestServer::start(Options::v3().tls(Arc::new(config)));
    (server, ca_cert.pem())
}

#[test]
fn uploads_run_in_parallel_up_to_the_concurrency() {
    let dir = Scratch::new("parallel");
    for seed in 0..6u8 {
        dir.write(&format!("p{seed}.jpg"), &photo(100 + seed, 2000));
    }
    // Each upload takes a while on the server, so parallel ones overlap observably.
    let delay = std::time::Duration::from_millis(150);

    let server = TestServer::start(Options::v3().upload_delay(delay));
    let run = immich(&server, &["upload", dir.arg(), "--concurrency", "3"]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    assert_eq!(count_uploads(&server), 6);
    let most = server.max_uploads_in_flight();
    assert!(
        (2..=3).contains(&most),
        "--concurrency 3: at most {most} uploads at once"
    );

    let server = TestServer::start(Options::v3().upload_delay(delay));
    let run = immich(&server, &["upload", dir.arg(), "--concurrency", "1"]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    assert_eq!(count_uploads(&server), 6);
    assert_eq!(server.max_uploads_in_flight(), 1, "--concurrency 1");
}

#[test]
fn download_without_output_writes_into_the_current_folder() {
    let server = TestServer::start(Options::v3());
    let dir = Scratch::new("cwd");
    let original = photo(11, 30_000);
    dir.write("in/sunset.jpg", &original);
    let run = immich(
        &server,
        &["--json", "upload", dir.path("in").to_str().unwrap()],
    );
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    let id = run.json()["uploaded"][0]["id"].as_str().unwrap().to_owned();

    let cwd = Scratch::new("cwd-here");
    let env = env_for(&server).current_dir(&cwd.0);
    let run = run_with(&env, &["download", &id]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    let saved = cwd.path("sunset.jpg");
    assert_eq!(std::fs::read(&saved).unwrap(), original);
    assert!(
        run.stdout
            .starts_with(&format!("saved {} (", saved.display())),
        "{run:?}"
    );
    // Only the file, no leftover partial file.
    assert_eq!(std::fs::read_dir(&cwd.0).unwrap().count(), 1);
    // Relative paths start there too: `-o` and the files to upload.
    let run = run_with(&env, &["download", &id, "-o", "copies/"]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    assert_eq!(
        std::fs::read(cwd.path("copies/sunset.jpg")).unwrap(),
        original
    );
    std::fs::write(cwd.path("new.jpg"), photo(12, 500)).unwrap();
    let run = run_with(&env, &["--json", "upload", "new.jpg"]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    assert_eq!(
        run.json()["uploaded"][0]["path"],
        cwd.path("new.jpg").to_str().unwrap()
    );
}

#[test]
fn a_fullsize_thumbnail_is_saved() {
    let server = TestServer::start(Options::v3());
    let dir = Scratch::new("fullsize");
    let beach = fixtures::asset_beach();
    let env = env_for(&server).current_dir(&dir.0);
    let run = run_with(
        &env,
        &["thumbnail", &beach, "--size", "fullsize", "-o", "big.jpg"],
    );
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    assert!(run.stdout.contains("(fullsize, image/jpeg"), "{run:?}");
    assert_eq!(
        std::fs::read(dir.path("big.jpg")).unwrap(),
        server.asset_bytes(&beach).unwrap()
    );
    // v3 keeps no full-size rendition by default and redirects to the original, as v3.1 does.
    let lines = server.request_lines();
    assert_eq!(
        lines[lines.len() - 2..],
        [
            format!("GET /api/assets/{beach}/thumbnail?size=fullsize"),
            format!("GET /api/assets/{beach}/original?"),
        ]
    );
}

/// Uploads `bytes` under the file name `name` (any string: the server keeps what it is given)
/// and returns the asset id.
fn upload_named(server: &TestServer, dir: &Scratch, name: &str, bytes: &[u8]) -> String {
    use immich_blocking::assets::UploadOptions;
    let path = dir.write("upload-source.bin", bytes);
    let result = client(server)
        .upload_path(&path, UploadOptions::new().filename(name))
        .unwrap();
    result.id.to_string()
}

#[test]
fn downloads_never_replace_a_file_without_overwrite() {
    let server = TestServer::start(Options::v3());
    let dir = Scratch::new("no-replace");
    let original = photo(21, 20_000);
    let id = upload_named(&server, &dir, "holiday.jpg", &original);
    let folder = dir.path("out");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("holiday.jpg"), b"mine").unwrap();

    // The name is taken: the download gets a numbered name, the file there stays.
    let run = immich(&server, &["download", &id, "-o", folder.to_str().unwrap()]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    assert_eq!(std::fs::read(folder.join("holiday.jpg")).unwrap(), b"mine");
    assert_eq!(
        std::fs::read(folder.join("holiday (1).jpg")).unwrap(),
        original
    );
    let run = immich(&server, &["download", &id, "-o", folder.to_str().unwrap()]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    assert_eq!(
        std::fs::read(folder.join("holiday (2).jpg")).unwrap(),
        original
    );

    // A file named with -o is refused, and left alone, unless --overwrite.
    let mine = folder.join("holiday.jpg");
    let run = immich(&server, &["download", &id, "-o", mine.to_str().unwrap()]);
    assert_eq!(run.status, EXIT_FAILED, "{run:?}");
    assert!(run.stderr.contains("pass --overwrite"), "{run:?}");
    assert_eq!(std::fs::read(&mine).unwrap(), b"mine");
    let run = immich(
        &server,
        &["download", &id, "-o", mine.to_str().unwrap(), "--overwrite"],
    );
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    assert_eq!(std::fs::read(&mine).unwrap(), original);
    // With --overwrite into a folder, the original name itself is replaced.
    std::fs::write(&mine, b"mine again").unwrap();
    let run = immich(
        &server,
        &[
            "download",
            &id,
            "-o",
            folder.to_str().unwrap(),
            "--overwrite",
        ],
    );
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    assert_eq!(std::fs::read(&mine).unwrap(), original);
    assert_eq!(std::fs::read_dir(&folder).unwrap().count(), 3);

    // Thumbnails too.
    let beach = fixtures::asset_beach();
    let thumb = folder.join("thumb.jpg");
    std::fs::write(&thumb, b"mine").unwrap();
    let run = immich(
        &server,
        &["thumbnail", &beach, "-o", thumb.to_str().unwrap()],
    );
    assert_eq!(run.status, EXIT_FAILED, "{run:?}");
    assert!(run.stderr.contains("pass --overwrite"), "{run:?}");
    assert_eq!(std::fs::read(&thumb).unwrap(), b"mine");
    let run = immich(
        &server,
        &[
            "thumbnail",
            &beach,
            "-o",
            thumb.to_str().unwrap(),
            "--overwrite",
        ],
    );
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    assert_eq!(
        std::fs::read(&thumb).unwrap(),
        server.asset_bytes(&beach).unwrap()
    );
}

#[test]
fn a_hostile_original_name_is_made_safe() {
    let server = TestServer::start(Options::v3());
    let dir = Scratch::new("hostile-name");
    let folder = dir.path("out");
    std::fs::create_dir_all(&folder).unwrap();
    for (seed, hostile, safe) in [
        (31, ".bashrc", "bashrc"),
        (32, "../../escape.jpg", "escape.jpg"),
        (33, "con.jpg", "_con.jpg"),
        // (No `;`: the test server's multipart reader splits parameters on it.)
        (34, "a\u{1b}[2Jb\u{7}.jpg. ", "a_[2Jb_.jpg"),
        (35, "C:stream:x.jpg", "C_stream_x.jpg"),
    ] {
        let original = photo(seed, 5_000);
        let id = upload_named(&server, &dir, hostile, &original);
        let run = immich(&server, &["download", &id, "-o", folder.to_str().unwrap()]);
        assert_eq!(run.status, EXIT_OK, "{hostile:?}: {run:?}");
        assert_eq!(
            std::fs::read(folder.join(safe)).unwrap(),
            original,
            "{hostile:?}"
        );
    }
    // Nothing was written outside the folder.
    assert!(!dir.path("escape.jpg").exists());
    assert_eq!(std::fs::read_dir(&folder).unwrap().count(), 5);
}

#[test]
fn a_copy_of_a_file_that_failed_to_upload_is_uploaded() {
    let server = TestServer::start(Options::v3());
    let dir = Scratch::new("copy-of-failed");
    let bytes = photo(41, 8_000);
    dir.write("a.jpg", &bytes);
    dir.write("later/a-copy.jpg", &bytes);
    // The first upload of the run fails.
    server.add_fault(FaultRule {
        method: Some(http::Method::POST),
        path: "/assets".into(),
        fault: Fault::Status(500, "disk trouble".into()),
        times: Some(1),
    });
    let run = immich(&server, &["--json", "upload", dir.arg()]);
    assert_eq!(run.status, EXIT_FAILED, "{run:?}");
    let report = run.json();
    assert_eq!(report["summary"]["failed"], 1, "{run:?}");
    assert_eq!(report["summary"]["uploaded"], 1, "{run:?}");
    assert_eq!(report["summary"]["duplicates"], 0, "{run:?}");
    let uploaded = report["uploaded"][0]["path"].as_str().unwrap();
    assert!(uploaded.ends_with("later/a-copy.jpg"), "{run:?}");
    let id = report["uploaded"][0]["id"].as_str().unwrap();
    assert_eq!(server.asset_bytes(id).unwrap(), bytes);
}

/// What a hostile server may put in a name: a window title, a screen clear, a faked line and
/// the one-byte CSI (C1), around ordinary Unicode.
const HOSTILE_NAME: &str = "\u{1b}]0;pwned\u{7}Été\u{1b}[2J\nerror: fake line\u{9b}31m\u{7f}";

/// No control character in human output except the newline that ends each line.
fn assert_no_controls(text: &str) {
    for line in text.lines() {
        assert!(
            !line.chars().any(char::is_control),
            "control character in {line:?}"
        );
    }
}

#[test]
fn server_strings_are_escaped_for_the_terminal_but_exact_in_json() {
    let server = TestServer::start(Options::v3());
    let run = immich(&server, &["albums", "create", HOSTILE_NAME]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    assert_no_controls(&run.stdout);
    let escaped = "\\u{1b}]0;pwned\\u{7}Été\\u{1b}[2J\\nerror: fake line\\u{9b}31m\\u{7f}";
    assert!(run.stdout.contains(escaped), "{run:?}");

    let run = immich(&server, &["albums"]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    assert_no_controls(&run.stdout);
    assert!(run.stdout.contains(escaped), "{run:?}");
    let line = run.stdout.lines().find(|l| l.contains("pwned")).unwrap();
    let id = line.split_whitespace().next().unwrap().to_owned();

    let run = immich(&server, &["albums", "show", &id]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    assert_no_controls(&run.stdout);
    assert!(run.stdout.starts_with(escaped), "{run:?}");

    // --json keeps the name exactly as the server sent it.
    let run = immich(&server, &["--json", "albums"]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    let names: Vec<String> = run
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["albumName"].as_str().unwrap().to_owned())
        .collect();
    assert!(names.iter().any(|n| n == HOSTILE_NAME), "{run:?}");

    // A server's error message too, on stderr.
    server.fault(None, "/albums", Fault::Status(400, HOSTILE_NAME.into()));
    let run = immich(&server, &["albums"]);
    assert_eq!(run.status, EXIT_FAILED, "{run:?}");
    assert_no_controls(&run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{run:?}");
    assert!(run.stderr.contains("fake line"), "{run:?}");
}

#[test]
fn server_shows_what_it_can_and_names_what_is_unavailable() {
    let server = TestServer::start(
        Options::v3()
            .deny_permission("server.about")
            .deny_permission("server.storage")
            .deny_permission("server.statistics"),
    );
    server.fault(
        None,
        "/server/features",
        Fault::Status(500, "features are broken".into()),
    );
    let run = immich(&server, &["server"]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    assert!(run.stdout.contains("Version   v3."), "{run:?}");
    for (label, reason) in [
        ("About     unavailable: ", "`server.about`"),
        ("Features  unavailable: ", "features are broken"),
        ("Storage   unavailable: ", "`server.storage`"),
        ("Library   unavailable: ", "`server.statistics`"),
    ] {
        let line = run.stdout.lines().find(|l| l.starts_with(label));
        assert!(
            line.is_some_and(|l| l.contains(reason)),
            "{label}{reason}: {run:?}"
        );
    }
    assert!(run.stderr.is_empty(), "{run:?}");

    let run = immich(&server, &["--json", "server"]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    let shown = run.json();
    assert_eq!(shown["version"]["major"], 3, "{run:?}");
    for part in ["about", "features", "storage", "statistics"] {
        assert!(shown[part].is_null(), "{part}: {run:?}");
        assert!(shown["unavailable"][part].is_string(), "{part}: {run:?}");
    }

    // With every permission, every part is there and nothing is unavailable.
    let server = TestServer::start(Options::v3());
    let run = immich(&server, &["--json", "server"]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    let shown = run.json();
    assert_eq!(shown["unavailable"], serde_json::json!({}), "{run:?}");
    assert!(shown["statistics"]["photos"].is_number(), "{run:?}");
    let run = immich(&server, &["server"]);
    assert!(!run.stdout.contains("unavailable"), "{run:?}");
    assert!(run.stdout.contains("Library   "), "{run:?}");
}

#[test]
fn plain_http_to_another_host_and_insecure_warn_on_stderr() {
    // Plain http:// with a key to an address that is not loopback (0.0.0.0 reaches nothing
    // here: refused at once), warned before anything is sent, without the key.
    let env = Env::new().var("IMMICH_API_KEY", "very-secret-key-4711");
    let run = run_with(&env, &["--url", "http://0.0.0.0:1", "server"]);
    assert_eq!(run.status, EXIT_FAILED, "{run:?}");
    let first = run.stderr.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("warning: the credential is sent over plain http://"),
        "{run:?}"
    );
    assert!(!run.stderr.contains("very-secret-key-4711"), "{run:?}");
    assert_eq!(run.stderr.matches("warning:").count(), 1, "{run:?}");

    // Loopback, as the test server is: no warning.
    let server = TestServer::start(Options::default());
    let run = immich(&server, &["server"]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    assert!(!run.stderr.contains("warning:"), "{run:?}");

    // --insecure warns too, and the command still runs.
    let (server, _) = https_server();
    let run = run_with(&env_for(&server), &["--insecure", "me"]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    assert!(
        run.stderr
            .starts_with("warning: TLS certificates are not checked"),
        "{run:?}"
    );
}

/// Issue 15: `search --album` is exact on a release that ignores `albumIds` (before v1.135.0):
/// the album's own assets, never the whole library; where the release cannot answer exactly
/// (a tag filter before v1.126.0), one line says why and which release is needed.
#[test]
fn search_by_album_is_exact_on_old_releases_or_says_which_release_is_needed() {
    use immich_tests::server::Version;
    let server = TestServer::start(Options::old(Version::new(1, 132, 3)));
    let mut expected = server.album_asset_ids(&fixtures::album_holidays()).unwrap();
    expected.sort();
    let run = immich(&server, &["search", "--album", "holidays"]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    let mut listed: Vec<String> = run
        .stdout
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect();
    listed.sort();
    assert_eq!(listed, expected, "{run:?}");
    for request in server.requests() {
        if request.path == "/api/search/metadata" {
            assert!(request.json().get("albumIds").is_none(), "{run:?}");
        }
    }

    let server = TestServer::start(Options::old(Version::new(1, 125, 0)));
    let run = immich(
        &server,
        &["search", "--album", "holidays", "--tag", "Places/Beach"],
    );
    assert_eq!(run.status, EXIT_FAILED, "{run:?}");
    assert_eq!(run.stderr.trim().lines().count(), 1, "{run:?}");
    assert!(
        run.stderr.contains("tagIds") && run.stderr.contains("v1.126.0"),
        "{run:?}"
    );
    assert!(server
        .requests()
        .iter()
        .all(|r| r.path != "/api/search/metadata"));
}

/// Each `immich search` filter on a release that lacks it (issue 15): exact where the core can
/// get the answer another way (the album filter, in a metadata or a smart search), else one
/// line naming what is missing and the release that added it, exit status 1, nothing searched.
#[test]
fn search_filters_on_releases_that_lack_them_are_exact_or_refused() {
    use immich_tests::server::Version;
    let ids = |run: &Run| {
        let mut ids: Vec<String> = run
            .stdout
            .lines()
            .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
            .collect();
        ids.sort();
        ids
    };
    // The answers of a server that has every filter.
    let v3 = TestServer::start(Options::v3());
    let smart_in_album = ["search", "--smart", "beach", "--album", "holidays"];
    let expected_smart = ids(&immich(&v3, &smart_in_album));
    assert!(!expected_smart.is_empty());
    let tagged = ["search", "--tag", "Places/Beach"];
    let expected_tagged = ids(&immich(&v3, &tagged));
    assert!(!expected_tagged.is_empty());

    // A smart search in an album before v1.135.0: exact, without `albumIds`.
    let old = TestServer::start(Options::old(Version::new(1, 132, 3)));
    let run = immich(&old, &smart_in_album);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    assert_eq!(ids(&run), expected_smart, "{run:?}");
    for request in old.requests() {
        if request.path == "/api/search/smart" {
            assert!(request.json().get("albumIds").is_none(), "{run:?}");
        }
    }

    // Tags before v1.126.0: refused, naming the field and the release; from v1.126.0 exact.
    let older = TestServer::start(Options::old(Version::new(1, 125, 0)));
    for args in [
        &tagged[..],
        &["search", "--smart", "beach", "--tag", "Places/Beach"],
    ] {
        let run = immich(&older, args);
        assert_eq!(run.status, EXIT_FAILED, "{run:?}");
        assert_eq!(run.stderr.trim().lines().count(), 1, "{run:?}");
        assert!(
            run.stderr.contains("tagIds")
                && run.stderr.contains("v1.126.0")
                && run.stderr.contains("v1.125.0"),
            "{run:?}"
        );
    }
    assert!(older
        .requests()
        .iter()
        .all(|r| !r.path.starts_with("/api/search/metadata") && r.path != "/api/search/smart"));
    let newer = TestServer::start(Options::old(Version::new(1, 126, 0)));
    let run = immich(&newer, &tagged);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    assert_eq!(ids(&run), expected_tagged, "{run:?}");

    // The filters every release has answer alike on the oldest one.
    let oldest = TestServer::start(Options::old(Version::new(1, 118, 0)));
    for args in [
        &["search", "--favorite"][..],
        &["search", "--type", "image", "--taken-after", "2024-01-01"],
        &["search", "--person", "Person 01"],
        &["search", "--album", "holidays", "--favorite"],
    ] {
        let (run, reference) = (immich(&oldest, args), immich(&v3, args));
        assert_eq!(run.status, EXIT_OK, "{run:?}");
        assert_eq!(ids(&run), ids(&reference), "{args:?}: {run:?}");
    }
}
