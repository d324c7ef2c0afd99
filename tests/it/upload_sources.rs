//! `immich upload` over a generated folder tree, end to end against the test server: selection
//! (hidden files, system folders, `.immichignore`, `--exclude`, `--ext`, `--date-range`),
//! folder albums and nested tags, XMP sidecars of both namings, a live photo, RAW+JPEG and
//! HEIC+JPEG pairs and a burst stacked with their covers, `--date-range` by EXIF capture date
//! and a burst by capture time, `--dry-run`, `--pause-jobs`,
//! `--on-error` and the `--report` lines. Each asset's outcome is checked on the server.
#![cfg(unix)]

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use immich_blocking::Client;
use immich_cli::{Env, EXIT_FAILED, EXIT_OK};
use immich_tests::server::AssetView;
use immich_tests::{Fault, Options, TestServer};
use serde_json::Value;

pub(crate) struct Run {
    pub(crate) status: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
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

pub(crate) fn immich(server: &TestServer, args: &[&str]) -> Run {
    let env = Env::new()
        .var("IMMICH_URL", server.url())
        .var("IMMICH_API_KEY", server.api_key());
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let status = immich_cli::run(args.iter().copied(), &env, &mut stdout, &mut stderr);
    Run {
        status,
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// A scratch folder, removed on drop.
pub(crate) struct Scratch(pub(crate) PathBuf);

impl Scratch {
    pub(crate) fn new(name: &str) -> Self {
        static N: AtomicU64 = AtomicU64::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!(
            "immich-upload-sources-{}-{name}-{n}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    pub(crate) fn path(&self, rel: &str) -> String {
        self.0.join(rel).display().to_string()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Distinct bytes per seed, shaped like a JPEG.
pub(crate) fn bytes(seed: u64) -> Vec<u8> {
    let mut data = vec![0xFF, 0xD8, 0xFF, 0xE0];
    data.extend((0..1500u64).map(|i| (i.wrapping_mul(131) ^ seed.wrapping_mul(7919)) as u8));
    data.extend(seed.to_le_bytes());
    data.extend([0xFF, 0xD9]);
    data
}

fn put(root: &Path, rel: &str, seed: u64) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, bytes(seed)).unwrap();
}

const SIDECAR: &str = "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"/>\n";

/// The fixture: what is uploaded, and what is not.
fn library() -> Scratch {
    let dir = Scratch::new("library");
    let root = dir.0.join("Library");
    let uploaded = [
        "Trip/IMG_1.jpg",
        "Trip/IMG_2.jpg",
        "Trip/IMG_10.HEIC",
        "Trip/IMG_10.MOV",
        "Raw/IMG_20.jpg",
        "Raw/IMG_20.dng",
        "Raw/IMG_30.heic",
        "Raw/IMG_30.jpg",
        "Burst/IMG_40_BURST001.jpg",
        "Burst/IMG_40_BURST002_COVER.jpg",
        "Burst/IMG_40_BURST003.jpg",
    ];
    let left_out = [
        ".hidden.jpg",
        "Trip/.secret/inside.jpg",
        "@eaDir/SYNOPHOTO_THUMB_XL.jpg",
        "Trip/._IMG_1.jpg",
        "$RECYCLE.BIN/old.jpg",
        ".Trash-1000/files/gone.jpg",
        "drafts/draft.jpg",
        "Trip/IMG_5.tmp.jpg",
        "Old/scan.jpg",
        "Trip/notes.txt",
    ];
    for (n, rel) in uploaded.iter().chain(&left_out).enumerate() {
        put(&root, rel, n as u64 + 1);
    }
    fs::write(root.join("Trip/IMG_1.jpg.xmp"), SIDECAR).unwrap();
    fs::write(root.join("Trip/IMG_2.xmp"), SIDECAR.repeat(2)).unwrap();
    fs::write(root.join("Trip/orphan.xmp"), SIDECAR).unwrap();
    fs::write(root.join(".DS_Store"), b"\0\0\0\x01Bud1").unwrap();
    fs::write(
        root.join(".immichignore"),
        "# drafts are not ready\ndrafts/\n*.tmp.jpg\n",
    )
    .unwrap();
    // Outside --date-range: modified in 2001.
    let old = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    fs::File::options()
        .write(true)
        .open(root.join("Old/scan.jpg"))
        .unwrap()
        .set_modified(old)
        .unwrap();
    dir
}

pub(crate) fn view<'a>(views: &'a [AssetView], name: &str) -> &'a AssetView {
    views
        .iter()
        .find(|v| v.file_name == name)
        .unwrap_or_else(|| panic!("{name} is not on the server: {views:#?}"))
}

fn new_assets(server: &TestServer, before: usize) -> Vec<AssetView> {
    server.asset_views().into_iter().skip(before).collect()
}

/// A dry run sent nothing but reads and the duplicate check, and the server's assets are
/// still `before`.
pub(crate) fn assert_a_dry_run_changed_nothing(server: &TestServer, before: &[AssetView]) {
    let changes: Vec<String> = server
        .request_lines()
        .into_iter()
        .filter(|l| !l.starts_with("GET ") && !l.contains("/assets/bulk-upload-check"))
        .collect();
    assert!(changes.is_empty(), "a dry run sent {changes:?}");
    assert_eq!(server.asset_views(), before);
}

pub(crate) fn report_lines(path: &Path) -> Vec<Value> {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn line_of<'a>(lines: &'a [Value], suffix: &str) -> &'a Value {
    lines
        .iter()
        .find(|l| l["path"].as_str().is_some_and(|p| p.ends_with(suffix)))
        .unwrap_or_else(|| panic!("no report line for {suffix}: {lines:#?}"))
}

#[test]
fn a_folder_tree_lands_asset_by_asset() {
    let server = TestServer::start(Options::v3());
    let dir = library();
    let before = server.asset_views().len();
    let report = dir.0.join("report.jsonl");
    let args = [
        "upload",
        &dir.path("Library"),
        "--folder-as-album",
        "name",
        "--tag",
        "Trips/2025",
        "--tag",
        "Family",
        "--date-range",
        "2010-01-01..",
        "--report",
        &report.display().to_string(),
    ];
    let run = immich(&server, &args);
    assert_eq!(run.status, EXIT_OK, "{run:?}");

    let views = new_assets(&server, before);
    let names: BTreeSet<&str> = views.iter().map(|v| v.file_name.as_str()).collect();
    let expected: BTreeSet<&str> = [
        "IMG_1.jpg",
        "IMG_2.jpg",
        "IMG_10.HEIC",
        "IMG_10.MOV",
        "IMG_20.jpg",
        "IMG_20.dng",
        "IMG_30.heic",
        "IMG_30.jpg",
        "IMG_40_BURST001.jpg",
        "IMG_40_BURST002_COVER.jpg",
        "IMG_40_BURST003.jpg",
    ]
    .into();
    assert_eq!(names, expected, "{run:?}");

    // Sidecars of both namings, sent with their image only.
    // (The part's file name is the library's choice; the server keeps the bytes.)
    let sidecar_len = |name: &str| view(&views, name).sidecar.as_ref().map(|s| s.1);
    assert_eq!(sidecar_len("IMG_1.jpg"), Some(SIDECAR.len() as u64));
    assert_eq!(sidecar_len("IMG_2.jpg"), Some(2 * SIDECAR.len() as u64));
    assert_eq!(view(&views, "IMG_20.jpg").sidecar, None);

    // The live photo: the video went first, hidden, and the photo points at it.
    let video = view(&views, "IMG_10.MOV");
    let photo = view(&views, "IMG_10.HEIC");
    assert_eq!(photo.live_photo_video_id.as_ref(), Some(&video.id));
    assert_eq!(video.visibility, "hidden");
    assert_eq!(photo.visibility, "timeline");
    assert!(
        video.albums.is_empty() && video.tags.is_empty(),
        "{video:?}"
    );

    // Stacks and their covers (JPEG by default; the burst's _COVER frame).
    let stack_of = |name: &str| view(&views, name).stack.clone().expect(name);
    let (raw_stack, jpeg_on_top) = stack_of("IMG_20.jpg");
    assert!(jpeg_on_top);
    assert_eq!(stack_of("IMG_20.dng"), (raw_stack.clone(), false));
    let (heic_stack, jpeg_on_top) = stack_of("IMG_30.jpg");
    assert!(jpeg_on_top);
    assert_eq!(stack_of("IMG_30.heic"), (heic_stack.clone(), false));
    let (burst, cover_on_top) = stack_of("IMG_40_BURST002_COVER.jpg");
    assert!(cover_on_top);
    assert_eq!(stack_of("IMG_40_BURST001.jpg"), (burst.clone(), false));
    assert_eq!(stack_of("IMG_40_BURST003.jpg"), (burst.clone(), false));
    assert_ne!(raw_stack, burst);
    assert_eq!(view(&views, "IMG_1.jpg").stack, None);
    assert_eq!(view(&views, "IMG_10.HEIC").stack, None);

    // Albums by folder name; nested tags created and put on every visible asset.
    assert_eq!(view(&views, "IMG_1.jpg").albums, ["Trip"]);
    assert_eq!(view(&views, "IMG_10.HEIC").albums, ["Trip"]);
    assert_eq!(view(&views, "IMG_20.dng").albums, ["Raw"]);
    assert_eq!(view(&views, "IMG_40_BURST003.jpg").albums, ["Burst"]);
    for v in views.iter().filter(|v| v.visibility != "hidden") {
        let tags: BTreeSet<&str> = v.tags.iter().map(String::as_str).collect();
        assert_eq!(tags, ["Family", "Trips/2025"].into(), "{v:?}");
    }

    // One report line per file, with its outcome.
    let lines = report_lines(&report);
    assert_eq!(line_of(&lines, "Trip/IMG_1.jpg")["outcome"], "uploaded");
    assert_eq!(
        line_of(&lines, "Trip/IMG_1.jpg")["sidecar"],
        dir.path("Library/Trip/IMG_1.jpg.xmp").as_str()
    );
    assert_eq!(line_of(&lines, "Trip/IMG_1.jpg.xmp")["outcome"], "sidecar");
    assert_eq!(
        line_of(&lines, "Trip/IMG_10.HEIC")["livePhotoVideo"],
        dir.path("Library/Trip/IMG_10.MOV").as_str()
    );
    for (left_out, why) in [
        (".hidden.jpg", "hidden"),
        ("Trip/.secret", "hidden"),
        ("@eaDir", "system"),
        ("Trip/._IMG_1.jpg", "system"),
        ("$RECYCLE.BIN", "system"),
        (".Trash-1000", "system"),
        (".DS_Store", "system"),
        ("drafts", ".immichignore"),
        ("Trip/IMG_5.tmp.jpg", ".immichignore"),
        ("Old/scan.jpg", "--date-range"),
        ("Trip/notes.txt", "not a photo or video"),
        ("Trip/orphan.xmp", "sidecar without"),
    ] {
        let line = line_of(&lines, left_out);
        assert_eq!(line["outcome"], "skipped", "{line}");
        let reason = line["reason"].as_str().unwrap_or_default();
        assert!(reason.contains(why), "{left_out}: {reason}");
    }
    let first_run_lines = lines.len();

    // Again: nothing is sent twice, no stack is made again, the report grows.
    let stacks_before: BTreeSet<_> = views.iter().filter_map(|v| v.stack.clone()).collect();
    let again = immich(&server, &args);
    assert_eq!(again.status, EXIT_OK, "{again:?}");
    assert!(
        again.stdout.contains("uploaded 0, duplicates 11"),
        "{again:?}"
    );
    let views = new_assets(&server, before);
    assert_eq!(views.len(), 11);
    let stacks_after: BTreeSet<_> = views.iter().filter_map(|v| v.stack.clone()).collect();
    assert_eq!(stacks_before, stacks_after);
    let lines = report_lines(&report);
    assert_eq!(
        lines.len(),
        2 * first_run_lines,
        "the report is appended to"
    );
    assert_eq!(
        lines.last().map(|l| l["outcome"].clone()),
        Some("sidecar".into())
    );
}

#[test]
fn selection_options_and_the_raw_cover() {
    let server = TestServer::start(Options::v3());
    let dir = library();
    let before = server.asset_views().len();
    let run = immich(
        &server,
        &[
            "upload",
            &dir.path("Library"),
            "--include-hidden",
            "--exclude",
            "Burst/**",
            "--ext",
            "jpg,dng",
            "--stack-cover",
            "raw",
            "--folder-as-album",
            "path",
        ],
    );
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    let views = new_assets(&server, before);
    let names: BTreeSet<&str> = views.iter().map(|v| v.file_name.as_str()).collect();
    // Hidden files come with --include-hidden; system folders and ignored files never do.
    let expected: BTreeSet<&str> = [
        "IMG_1.jpg",
        "IMG_2.jpg",
        "IMG_20.jpg",
        "IMG_20.dng",
        "IMG_30.jpg",
        ".hidden.jpg",
        "inside.jpg",
        "scan.jpg",
    ]
    .into();
    assert_eq!(names, expected, "{run:?}");
    assert_eq!(
        view(&views, "IMG_20.dng").stack.as_ref().map(|s| s.1),
        Some(true)
    );
    assert_eq!(
        view(&views, "IMG_20.jpg").stack.as_ref().map(|s| s.1),
        Some(false)
    );
    assert_eq!(view(&views, "IMG_1.jpg").albums, ["Library/Trip"]);
    assert_eq!(view(&views, "inside.jpg").albums, ["Library/Trip/.secret"]);
    assert_eq!(view(&views, ".hidden.jpg").albums, ["Library"]);

    // --no-stack: pairs are uploaded, not stacked.
    let server = TestServer::start(Options::v3());
    let before = server.asset_views().len();
    let run = immich(&server, &["upload", &dir.path("Library/Raw"), "--no-stack"]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    let views = new_assets(&server, before);
    assert_eq!(views.len(), 4);
    assert!(views.iter().all(|v| v.stack.is_none()), "{views:#?}");
}

#[test]
fn a_dry_run_changes_nothing() {
    let server = TestServer::start(Options::v3());
    let dir = library();
    let before = server.asset_views();
    server.clear_requests();
    let report = dir.0.join("dry.jsonl");
    let run = immich(
        &server,
        &[
            "upload",
            &dir.path("Library"),
            "--dry-run",
            "--folder-as-album",
            "name",
            "--album",
            "New album",
            "--tag",
            "Trips/2025",
            "--pause-jobs",
            "--report",
            &report.display().to_string(),
        ],
    );
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    assert!(run.stdout.contains("would upload 12"), "{run:?}");
    assert!(
        run.stdout
            .contains("IMG_10.HEIC: would upload, as a live photo with IMG_10.MOV"),
        "{run:?}"
    );
    assert!(run.stdout.contains("into album \"Trip\""), "{run:?}");
    assert_a_dry_run_changed_nothing(&server, &before);
    assert!(server.queue_events().is_empty());
    let lines = report_lines(&report);
    assert_eq!(line_of(&lines, "Trip/IMG_1.jpg")["outcome"], "would-upload");
}

fn three_photos() -> Scratch {
    let dir = Scratch::new("three");
    for n in 1..=3 {
        put(&dir.0, &format!("p{n}.jpg"), 100 + n);
    }
    dir
}

fn upload_posts(server: &TestServer) -> usize {
    server
        .request_lines()
        .iter()
        .filter(|l| *l == "POST /api/assets")
        .count()
}

#[test]
fn pause_jobs_resumes_after_a_failure_and_on_error_stop_stops() {
    let server = TestServer::start(Options::v3());
    // An admin paused smart search before: it stays paused.
    let client = Client::new(&server.url(), server.api_key()).unwrap();
    client.setup().unwrap();
    let mut body = immich_blocking::proto::models::QueueUpdate::new();
    body.is_paused = Some(true);
    client
        .send(&immich_blocking::proto::queues::UpdateQueue::new(
            immich_blocking::proto::models::QueueName::SmartSearch,
            body,
        ))
        .unwrap();
    let dir = three_photos();
    server.fault(
        Some(http::Method::POST),
        "/assets",
        Fault::Status(500, "disk full".into()),
    );
    server.clear_requests();
    let reports = Scratch::new("reports");
    let report = reports.0.join("stop.jsonl");
    let run = immich(
        &server,
        &[
            "upload",
            &dir.path(""),
            "-j",
            "1",
            "--pause-jobs",
            "--on-error",
            "stop",
            "--report",
            &report.display().to_string(),
        ],
    );
    assert_eq!(run.status, EXIT_FAILED, "{run:?}");
    assert_eq!(
        upload_posts(&server),
        1,
        "stopped after the first failure: {run:?}"
    );
    // After the test's own pause of smart search.
    let events = server.queue_events()[1..].to_vec();
    let paused: Vec<&str> = events
        .iter()
        .filter(|e| e.1)
        .map(|e| e.0.as_str())
        .collect();
    let resumed: Vec<&str> = events
        .iter()
        .filter(|e| !e.1)
        .map(|e| e.0.as_str())
        .collect();
    assert!(paused.contains(&"thumbnailGeneration") && paused.contains(&"metadataExtraction"));
    assert!(!paused.contains(&"smartSearch") && !paused.contains(&"backupDatabase"));
    assert_eq!(
        resumed.iter().filter(|q| **q != "smartSearch").count(),
        paused.len()
    );
    assert_eq!(server.paused_queues(), ["smartSearch"], "{events:?}");
    let lines = report_lines(&report);
    let outcomes: Vec<&str> = lines.iter().filter_map(|l| l["outcome"].as_str()).collect();
    assert_eq!(
        outcomes.iter().filter(|o| **o == "failed").count(),
        1,
        "{lines:#?}"
    );
    assert_eq!(
        outcomes.iter().filter(|o| **o == "skipped").count(),
        2,
        "{lines:#?}"
    );
    assert!(lines.iter().any(|l| l["reason"]
        .as_str()
        .is_some_and(|r| r.contains("--on-error stop"))));

    // --on-error continue (the default) tries every file.
    server.clear_requests();
    let run = immich(&server, &["upload", &dir.path(""), "-j", "1"]);
    assert_eq!(run.status, EXIT_FAILED, "{run:?}");
    assert_eq!(upload_posts(&server), 3, "{run:?}");
    assert!(run.stdout.contains("failed 3"), "{run:?}");
}

/// Hashing overlaps sending: with 250 files (three hashing batches of at most 100), the first
/// upload reaches the server before the last batch is checked, so the files of a batch go up
/// while the next one is hashed. A live photo whose still and video would fall on either side
/// of a batch's end in walking order is hashed in one batch and linked; a copy of an earlier
/// batch's file is a duplicate of it.
#[test]
fn hashing_of_the_next_files_overlaps_sending_of_the_current_ones() {
    let server = TestServer::start(Options::v3());
    let dir = Scratch::new("overlap");
    for n in 0..99u64 {
        put(&dir.0, &format!("p{n:03}.jpg"), 5000 + n);
    }
    // The 100th and 101st files in walking order.
    put(&dir.0, "p099.heic", 5099);
    put(&dir.0, "p099.mov", 6099);
    for n in 100..249u64 {
        put(&dir.0, &format!("p{n:03}.jpg"), 5000 + n);
    }
    // The same bytes as p005.jpg, two batches later.
    put(&dir.0, "p249.jpg", 5005);
    server.clear_requests();
    let run = immich(&server, &["--json", "upload", &dir.path(""), "-j", "2"]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["summary"]["uploaded"], 250, "{run:?}");
    assert_eq!(report["summary"]["duplicates"], 1, "{run:?}");
    assert_eq!(report["livePhotos"], 1, "{run:?}");

    let lines = server.request_lines();
    let checks: Vec<usize> = (0..lines.len())
        .filter(|i| lines[*i] == "POST /api/assets/bulk-upload-check")
        .collect();
    assert!(checks.len() >= 3, "{lines:#?}");
    let first_upload = lines.iter().position(|l| l == "POST /api/assets");
    let last_check = checks.last().copied();
    assert!(
        first_upload.is_some() && first_upload < last_check,
        "an upload must precede the last check: {lines:#?}"
    );

    let views = server.asset_views();
    let (photo, video) = (view(&views, "p099.heic"), view(&views, "p099.mov"));
    assert_eq!(photo.live_photo_video_id.as_ref(), Some(&video.id));
}

/// When a later batch's check fails, the files of the batches before it are on the server and
/// reported (and the album holds them); the rest are not sent, and the run fails with the error.
#[test]
fn a_failed_check_of_a_later_batch_keeps_what_was_sent() {
    let server = TestServer::start(Options::v3());
    let dir = Scratch::new("later-check");
    for n in 0..250u64 {
        put(&dir.0, &format!("p{n:03}.jpg"), 7000 + n);
    }
    server.clear_requests();
    let run = std::thread::scope(|scope| {
        // Once the first batch is being sent, every later check fails (the next check
        // comes only after that batch's uploads, so it is one of the later batches').
        scope.spawn(|| {
            for _ in 0..20_000 {
                if upload_posts(&server) > 0 {
                    break;
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            server.fault(
                Some(http::Method::POST),
                "/assets/bulk-upload-check",
                Fault::Status(500, "database trouble".into()),
            );
        });
        immich(
            &server,
            &[
                "--json",
                "upload",
                &dir.path(""),
                "-j",
                "1",
                "--album",
                "Later",
            ],
        )
    });
    assert_eq!(run.status, EXIT_FAILED, "{run:?}");
    assert!(run.stderr.contains("database trouble"), "{run:?}");
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let uploaded = report["summary"]["uploaded"].as_u64().unwrap();
    assert!((100..250).contains(&uploaded), "{run:?}");
    assert_eq!(report["summary"]["skipped"], 250 - uploaded, "{run:?}");
    assert!(report["skipped"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("duplicate check failed"));
    assert_eq!(report["album"]["added"], uploaded, "{run:?}");
    assert_eq!(upload_posts(&server) as u64, uploaded);
}

/// Zips the files below `root` (names relative to it, `/`-separated, deflated, with folder
/// entries) into `zip_path`, with the real `zip` writer.
fn zip_folder(root: &Path, zip_path: &Path) {
    use std::io::Write;
    use zip::write::SimpleFileOptions;
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut children: Vec<PathBuf> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        children.sort();
        for child in children {
            out.push(child.clone());
            if child.is_dir() {
                walk(&child, out);
            }
        }
    }
    let mut paths = Vec::new();
    walk(root, &mut paths);
    let mut writer = zip::ZipWriter::new(fs::File::create(zip_path).unwrap());
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for path in paths {
        let rel = path
            .strip_prefix(root)
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        if path.is_dir() {
            writer.add_directory(rel, options).unwrap();
        } else {
            writer.start_file(rel, options).unwrap();
            writer.write_all(&fs::read(&path).unwrap()).unwrap();
        }
    }
    writer.finish().unwrap();
}

/// The assets of a run, comparable across servers: by file name, with what points at other
/// assets named instead of by id.
fn comparable(views: &[AssetView]) -> Vec<String> {
    let name_of = |id: &str| {
        views
            .iter()
            .find(|v| v.id == id)
            .map(|v| v.file_name.clone())
            .unwrap_or_default()
    };
    let mut out: Vec<String> = views
        .iter()
        .map(|v| {
            let stack = v.stack.as_ref().map(|(id, primary)| {
                let mut members: Vec<String> = views
                    .iter()
                    .filter(|o| o.stack.as_ref().is_some_and(|s| &s.0 == id))
                    .map(|o| o.file_name.clone())
                    .collect();
                members.sort();
                (members, *primary)
            });
            format!(
                "{} visibility={} tags={:?} live={:?} sidecar={:?} stack={:?} albums={:?}",
                v.file_name,
                v.visibility,
                v.tags,
                v.live_photo_video_id.as_deref().map(name_of),
                v.sidecar.as_ref().map(|s| s.1),
                stack,
                v.albums
            )
        })
        .collect();
    out.sort();
    out
}

/// A zip of the fixture uploads asset by asset as the folder does: the same assets, sidecars,
/// live photo, stacks, albums (the archive's name stands for the folder's) and tags, and what
/// the folder walk leaves out (hidden, system, `.immichignore`) stays out. Again, or after the
/// folder, it sends nothing.
#[test]
fn a_zip_archive_uploads_as_its_folder_does() {
    let dir = library();
    let zip_path = dir.0.join("Library.zip");
    zip_folder(&dir.0.join("Library"), &zip_path);
    let zip_arg = zip_path.display().to_string();
    let args = |source: &str| -> Vec<String> {
        [
            "upload",
            source,
            "--folder-as-album",
            "path",
            "--tag",
            "Trips/2025",
            "--exclude",
            "Old/**",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let run_with = |server: &TestServer, source: &str| {
        let args = args(source);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        immich(server, &args)
    };

    let folder_server = TestServer::start(Options::v3());
    let before = folder_server.asset_views().len();
    let run = run_with(&folder_server, &dir.path("Library"));
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    let from_folder = comparable(&new_assets(&folder_server, before));
    assert_eq!(from_folder.len(), 11, "{from_folder:#?}");

    let zip_server = TestServer::start(Options::v3());
    let before = zip_server.asset_views().len();
    let report = dir.0.join("zip.jsonl");
    let mut zip_args = args(&zip_arg);
    zip_args.extend(["--report".to_owned(), report.display().to_string()]);
    let zip_args: Vec<&str> = zip_args.iter().map(String::as_str).collect();
    let run = immich(&zip_server, &zip_args);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    let views = new_assets(&zip_server, before);
    assert_eq!(comparable(&views), from_folder, "{run:?}");
    assert_eq!(view(&views, "IMG_1.jpg").albums, ["Library/Trip"]);
    let lines = report_lines(&report);
    let line = line_of(&lines, "Library.zip:Trip/IMG_1.jpg");
    assert_eq!(line["outcome"], "uploaded", "{line}");
    for (left_out, why) in [
        ("Library.zip:.hidden.jpg", "hidden"),
        ("Library.zip:@eaDir/SYNOPHOTO_THUMB_XL.jpg", "system"),
        ("Library.zip:drafts/draft.jpg", ".immichignore"),
        ("Library.zip:Trip/IMG_5.tmp.jpg", ".immichignore"),
    ] {
        let line = line_of(&lines, left_out);
        assert_eq!(line["outcome"], "skipped", "{line}");
        let reason = line["reason"].as_str().unwrap_or_default();
        assert!(reason.contains(why), "{left_out}: {reason}");
    }

    // Again, and the zip after the same folder: found by checksum, nothing sent.
    for server in [&zip_server, &folder_server] {
        server.clear_requests();
        let run = run_with(server, &zip_arg);
        assert_eq!(run.status, EXIT_OK, "{run:?}");
        assert!(run.stdout.contains("uploaded 0, duplicates 11"), "{run:?}");
        assert_eq!(upload_posts(server), 0, "{run:?}");
    }
}

/// One entry of a hand-written zip.
struct RawEntry {
    name: &'static [u8],
    data: Vec<u8>,
    /// The uncompressed size declared (the truth unless a test lies).
    declared: u64,
    deflate: bool,
    flags: u16,
    /// The Unix mode, in the external attributes.
    mode: u32,
}

impl RawEntry {
    fn file(name: &'static [u8], data: Vec<u8>) -> Self {
        RawEntry {
            name,
            declared: data.len() as u64,
            data,
            deflate: false,
            flags: 0,
            mode: 0o100644,
        }
    }
}

/// A zip written byte by byte, so it can hold what a writer refuses: hostile names,
/// duplicates, sizes that lie.
fn hand_zip(entries: &[RawEntry]) -> Vec<u8> {
    use std::io::Write;
    let mut out = Vec::new();
    let mut central = Vec::new();
    for e in entries {
        let stored = if e.deflate {
            let mut enc =
                flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
            enc.write_all(&e.data).unwrap();
            enc.finish().unwrap()
        } else {
            e.data.clone()
        };
        let crc = crc32fast::hash(&e.data);
        let method: u16 = if e.deflate { 8 } else { 0 };
        let offset = out.len() as u32;
        let fixed = |sig: u32, out: &mut Vec<u8>| {
            out.extend(sig.to_le_bytes());
        };
        fixed(0x0403_4b50, &mut out);
        out.extend(20u16.to_le_bytes());
        out.extend(e.flags.to_le_bytes());
        out.extend(method.to_le_bytes());
        out.extend([0u8, 0, 0x21, 0x58]); // time, date (2024-01-01)
        out.extend(crc.to_le_bytes());
        out.extend((stored.len() as u32).to_le_bytes());
        out.extend((e.declared as u32).to_le_bytes());
        out.extend((e.name.len() as u16).to_le_bytes());
        out.extend(0u16.to_le_bytes());
        out.extend(e.name);
        out.extend(&stored);

        fixed(0x0201_4b50, &mut central);
        central.extend((0x0300u16 | 20).to_le_bytes()); // made by Unix
        central.extend(20u16.to_le_bytes());
        central.extend(e.flags.to_le_bytes());
        central.extend(method.to_le_bytes());
        central.extend([0u8, 0, 0x21, 0x58]);
        central.extend(crc.to_le_bytes());
        central.extend((stored.len() as u32).to_le_bytes());
        central.extend((e.declared as u32).to_le_bytes());
        central.extend((e.name.len() as u16).to_le_bytes());
        central.extend([0u8; 8]); // extra, comment, disk, internal attributes
        central.extend((e.mode << 16).to_le_bytes());
        central.extend(offset.to_le_bytes());
        central.extend(e.name);
    }
    let central_start = out.len() as u32;
    out.extend(&central);
    out.extend(0x0605_4b50u32.to_le_bytes());
    out.extend([0u8; 4]);
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend((central.len() as u32).to_le_bytes());
    out.extend(central_start.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

/// A hostile archive: every bad entry is refused or skipped on its own line, with the reason;
/// the good ones around them are uploaded; nothing panics, nothing is written outside.
#[test]
fn a_hostile_zip_is_refused_entry_by_entry() {
    let server = TestServer::start(Options::v3());
    let dir = Scratch::new("hostile");
    let mut bomb = RawEntry::file(b"bomb.jpg", vec![0u8; 4 << 20]);
    bomb.deflate = true;
    bomb.declared = 1000;
    let mut stored_lie = RawEntry::file(b"lie.jpg", bytes(903));
    stored_lie.declared = 100;
    let mut short = RawEntry::file(b"short.jpg", bytes(904));
    short.declared = 5000;
    let mut encrypted = RawEntry::file(b"secret.jpg", bytes(905));
    encrypted.flags = 1;
    let mut link = RawEntry::file(b"link.jpg", b"/etc/passwd".to_vec());
    link.mode = 0o120777;
    let mut folder = RawEntry::file(b"folder/", Vec::new());
    folder.mode = 0o040755;
    let mut good_deflated = RawEntry::file(b"folder/good2.jpg", bytes(902));
    good_deflated.deflate = true;
    let entries = [
        RawEntry::file(b"good.jpg", bytes(901)),
        RawEntry::file(b"dup.jpg", bytes(916)),
        RawEntry::file(b"../up.jpg", bytes(910)),
        RawEntry::file(b"a/../../up2.jpg", bytes(911)),
        RawEntry::file(b"/abs.jpg", bytes(912)),
        RawEntry::file(b"dir\\back.jpg", bytes(913)),
        RawEntry::file(b"bell\x07\x1b[2J.jpg", bytes(914)),
        RawEntry::file(b"dup.jpg", bytes(915)),
        bomb,
        stored_lie,
        short,
        encrypted,
        link,
        folder,
        good_deflated,
    ];
    let zip_path = dir.0.join("hostile.zip");
    fs::write(&zip_path, hand_zip(&entries)).unwrap();
    let report = dir.0.join("report.jsonl");
    let before = server.asset_views().len();
    let run = immich(
        &server,
        &[
            "upload",
            &zip_path.display().to_string(),
            "--report",
            &report.display().to_string(),
        ],
    );
    assert_eq!(run.status, EXIT_FAILED, "{run:?}");
    let views = new_assets(&server, before);
    let names: BTreeSet<&str> = views.iter().map(|v| v.file_name.as_str()).collect();
    assert_eq!(names, ["good.jpg", "good2.jpg"].into(), "{run:?}");
    let lines = report_lines(&report);
    let outcome = |suffix: &str| {
        let line = line_of(&lines, suffix);
        (
            line["outcome"].as_str().unwrap_or_default().to_owned(),
            format!(
                "{}{}",
                line["reason"].as_str().unwrap_or_default(),
                line["error"].as_str().unwrap_or_default()
            ),
        )
    };
    for (suffix, want, why) in [
        (":../up.jpg", "failed", "\"..\""),
        (":a/../../up2.jpg", "failed", "\"..\""),
        (":/abs.jpg", "failed", "absolute"),
        (":dir\\back.jpg", "failed", "backslash"),
        (":bell\u{7}\u{1b}[2J.jpg", "failed", "control character"),
        (":bomb.jpg", "failed", "zip bomb"),
        (":lie.jpg", "failed", "more than the 100 bytes"),
        (":short.jpg", "failed", "damaged"),
        (":secret.jpg", "skipped", "encrypted"),
        (":link.jpg", "skipped", "symbolic link"),
        (":dup.jpg", "failed", "several entries of this name"),
    ] {
        let (outcome, reason) = outcome(suffix);
        assert_eq!(outcome, want, "{suffix}: {reason}");
        assert!(reason.contains(why), "{suffix}: {reason}");
    }
    assert_eq!(outcome(":good.jpg").0, "uploaded");
    // Nothing was extracted next to the archive or above it.
    assert!(!dir.0.join("up.jpg").exists() && !dir.0.parent().unwrap().join("up.jpg").exists());
    // The control characters are escaped on the terminal.
    assert!(!run.stderr.contains('\u{1b}'), "{run:?}");
}

/// A missing archive and one that is not a zip fail clearly, without touching the server.
#[test]
fn a_missing_or_corrupt_zip_fails_clearly() {
    let server = TestServer::start(Options::v3());
    let dir = Scratch::new("corrupt");
    let broken = dir.0.join("broken.zip");
    fs::write(&broken, b"PK\x03\x04 this is not really a zip archive").unwrap();
    let missing = dir.0.join("missing.zip");
    server.clear_requests();
    let run = immich(
        &server,
        &[
            "upload",
            &broken.display().to_string(),
            &missing.display().to_string(),
        ],
    );
    assert_eq!(run.status, EXIT_FAILED, "{run:?}");
    assert!(
        run.stderr
            .contains("broken.zip: not a readable zip archive"),
        "{run:?}"
    );
    assert!(
        run.stderr.contains("missing.zip: cannot read it"),
        "{run:?}"
    );
    assert_eq!(upload_posts(&server), 0, "{run:?}");
}

/// The library's streamed upload from readers (what the zip upload uses): exact readers with a
/// sidecar land; a reader shorter or longer than announced fails with `FileSizeChanged` and
/// leaves no asset; options a read-once reader cannot honour are refused.
#[test]
fn upload_reader_streams_exactly_the_announced_bytes() {
    use immich_blocking::assets::UploadOptions;
    use immich_blocking::proto::assets::FileFacts;
    use immich_blocking::UploadSource;
    let server = TestServer::start(Options::v3());
    let client = Client::new(&server.url(), server.api_key()).unwrap();
    client.setup().unwrap();
    let facts = |name: &str, len: u64| FileFacts {
        path: PathBuf::from(name),
        is_file: true,
        len,
        created: None,
        modified: SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000),
        sidecar_len: None,
    };
    let photo = bytes(42);
    let len = photo.len() as u64;
    let before = server.asset_views().len();
    let result = client
        .upload_reader(
            &facts("streamed.jpg", len),
            UploadSource::new(std::io::Cursor::new(photo.clone()), len),
            Some(UploadSource::new(SIDECAR.as_bytes(), SIDECAR.len() as u64)),
            UploadOptions::new(),
        )
        .unwrap();
    assert!(!result.is_duplicate());
    let views = new_assets(&server, before);
    assert_eq!(views.len(), 1);
    assert_eq!(views[0].file_name, "streamed.jpg");
    assert_eq!(
        views[0].sidecar.as_ref().map(|s| s.1),
        Some(SIDECAR.len() as u64)
    );

    for (given, announced) in [(&photo[..100], len), (&photo[..], len - 1)] {
        let given = given.to_vec();
        let result = client.upload_reader(
            &facts("wrong.jpg", announced),
            UploadSource::new(std::io::Cursor::new(given), announced),
            None,
            UploadOptions::new(),
        );
        match result {
            Err(immich_blocking::Error::Proto(
                immich_blocking::proto::Error::FileSizeChanged { expected, .. },
            )) => assert_eq!(expected, announced),
            other => panic!("expected FileSizeChanged, got {other:?}"),
        }
    }
    assert_eq!(new_assets(&server, before).len(), 1);

    let refused = client.upload_reader(
        &facts("x.jpg", 3),
        UploadSource::new(&b"abc"[..], 3),
        None,
        UploadOptions::new().checksum(true),
    );
    assert!(refused.is_err());
}

/// A JPEG whose EXIF block says it was taken at `taken` (`YYYY:MM:DD HH:MM:SS`, with
/// sub-seconds when given), distinct bytes per `seed`. The TIFF is written by hand: IFD0
/// points at an EXIF IFD holding DateTimeOriginal (0x9003) and SubSecTimeOriginal (0x9291).
fn jpeg_taken(taken: &str, subsec: Option<&str>, seed: u64) -> Vec<u8> {
    let mut fields = vec![(0x9003u16, taken)];
    fields.extend(subsec.map(|s| (0x9291u16, s)));
    let mut tiff: Vec<u8> = b"II\x2a\x00\x08\x00\x00\x00".to_vec();
    let exif_ifd: u32 = 8 + 2 + 12 + 4;
    tiff.extend(1u16.to_le_bytes());
    tiff.extend(0x8769u16.to_le_bytes());
    tiff.extend(4u16.to_le_bytes());
    tiff.extend(1u32.to_le_bytes());
    tiff.extend(exif_ifd.to_le_bytes());
    tiff.extend(0u32.to_le_bytes());
    let mut data_at = exif_ifd as usize + 2 + 12 * fields.len() + 4;
    let mut data = Vec::new();
    tiff.extend((fields.len() as u16).to_le_bytes());
    for (tag, text) in fields {
        let mut value = text.as_bytes().to_vec();
        value.push(0);
        tiff.extend(tag.to_le_bytes());
        tiff.extend(2u16.to_le_bytes());
        tiff.extend((value.len() as u32).to_le_bytes());
        if value.len() <= 4 {
            value.resize(4, 0);
            tiff.extend(value);
        } else {
            tiff.extend((data_at as u32).to_le_bytes());
            data_at += value.len();
            data.extend(value);
        }
    }
    tiff.extend(0u32.to_le_bytes());
    tiff.extend(data);
    let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE1];
    jpeg.extend(((2 + 6 + tiff.len()) as u16).to_be_bytes());
    jpeg.extend(b"Exif\0\0");
    jpeg.extend(tiff);
    // The rest: the fixture's distinct bytes after its SOI marker.
    jpeg.extend(&bytes(seed)[2..]);
    jpeg
}

/// A QuickTime movie whose header (`moov`/`mvhd`, after the `mdat`) says it was made at
/// `unix_seconds`.
fn movie_made(unix_seconds: u64) -> Vec<u8> {
    fn iso_box(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut b = ((8 + body.len()) as u32).to_be_bytes().to_vec();
        b.extend(kind);
        b.extend(body);
        b
    }
    let mut mvhd = vec![0u8; 4];
    mvhd.extend(((unix_seconds + 2_082_844_800) as u32).to_be_bytes());
    mvhd.extend([0u8; 92]);
    let mut movie = iso_box(b"ftyp", b"qt  \0\0\0\0qt  ");
    movie.extend(iso_box(b"mdat", &[9u8; 100_000]));
    movie.extend(iso_box(b"moov", &iso_box(b"mvhd", &mvhd)));
    movie
}

fn set_modified(path: &Path, unix_seconds: u64) {
    fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(unix_seconds))
        .unwrap();
}

/// `--date-range` compares the EXIF capture date, whatever the file's modification time
/// says; a file without one is judged by its modification time. The same from a zip archive.
#[test]
fn date_range_selects_by_exif_capture_date() {
    let dir = Scratch::new("exif-dates");
    let root = dir.0.join("Dates");
    fs::create_dir_all(&root).unwrap();
    let year_2001 = 1_000_000_000;
    let june_2024 = 1_718_445_600; // 2024-06-15T10:00:00Z
                                   // Taken in June 2024, modified in 2001: in.
    fs::write(
        root.join("taken_in.jpg"),
        jpeg_taken("2024:06:15 10:00:00", None, 1),
    )
    .unwrap();
    set_modified(&root.join("taken_in.jpg"), year_2001);
    // Taken in 2001, modified in June 2024: out.
    fs::write(
        root.join("taken_out.jpg"),
        jpeg_taken("2001:09:09 01:46:40", None, 2),
    )
    .unwrap();
    set_modified(&root.join("taken_out.jpg"), june_2024);
    // A QuickTime video made in June 2024 (its movie header after the media data), modified
    // in 2001: in.
    fs::write(root.join("clip.mov"), movie_made(june_2024)).unwrap();
    set_modified(&root.join("clip.mov"), year_2001);
    // No EXIF: the modification time decides.
    put(&root, "plain_in.jpg", 3);
    set_modified(&root.join("plain_in.jpg"), june_2024);
    put(&root, "plain_out.jpg", 4);
    set_modified(&root.join("plain_out.jpg"), year_2001);

    let server = TestServer::start(Options::v3());
    let before = server.asset_views().len();
    let report = dir.0.join("report.jsonl");
    let run = immich(
        &server,
        &[
            "upload",
            &dir.path("Dates"),
            "--date-range",
            "2024-06-01..2024-06-30",
            "--report",
            &report.display().to_string(),
        ],
    );
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    let views = new_assets(&server, before);
    let names: BTreeSet<&str> = views.iter().map(|v| v.file_name.as_str()).collect();
    assert_eq!(
        names,
        ["clip.mov", "plain_in.jpg", "taken_in.jpg"].into(),
        "{run:?}"
    );
    let lines = report_lines(&report);
    assert_eq!(
        line_of(&lines, "taken_out.jpg")["reason"],
        "its date (capture date) is outside --date-range"
    );
    assert_eq!(
        line_of(&lines, "plain_out.jpg")["reason"],
        "its date (file modification time: no EXIF date) is outside --date-range"
    );

    // From a zip archive: its entries' EXIF is read through the same bounded prefix.
    let zip_path = dir.0.join("Dates.zip");
    zip_folder(&root, &zip_path);
    let server = TestServer::start(Options::v3());
    let before = server.asset_views().len();
    let zip_arg = zip_path.display().to_string();
    let run = immich(
        &server,
        &["upload", &zip_arg, "--date-range", "2024-06-01..2024-06-30"],
    );
    let views = new_assets(&server, before);
    let names: BTreeSet<&str> = views.iter().map(|v| v.file_name.as_str()).collect();
    assert!(names.contains("taken_in.jpg"), "{run:?}");
    assert!(!names.contains("taken_out.jpg"), "{run:?}");
}

/// Consecutively numbered frames taken within a second of each other become one stack, the
/// first on top; a frame two seconds later, or one whose number does not follow, stays apart;
/// `--no-stack` stacks nothing.
#[test]
fn a_burst_by_capture_time_becomes_one_stack() {
    let dir = Scratch::new("exif-burst");
    let root = dir.0.join("Shots");
    fs::create_dir_all(&root).unwrap();
    let frames = [
        ("IMG_0001.JPG", "2024:06:15 10:00:00", Some("10")),
        ("IMG_0002.JPG", "2024:06:15 10:00:00", Some("60")),
        ("IMG_0003.JPG", "2024:06:15 10:00:01", Some("30")),
        // Two seconds after the previous frame.
        ("IMG_0004.JPG", "2024:06:15 10:00:03", Some("40")),
        // Within a second of 0004, but 0005 is missing.
        ("IMG_0006.JPG", "2024:06:15 10:00:03", Some("50")),
    ];
    for (seed, (name, taken, subsec)) in frames.iter().enumerate() {
        fs::write(
            root.join(name),
            jpeg_taken(taken, *subsec, 100 + seed as u64),
        )
        .unwrap();
    }

    let server = TestServer::start(Options::v3());
    let before = server.asset_views().len();
    let run = immich(&server, &["upload", &dir.path("Shots")]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    let views = new_assets(&server, before);
    assert_eq!(views.len(), 5, "{run:?}");
    let stack_of = |name: &str| view(&views, name).stack.clone();
    let (burst, first_on_top) = stack_of("IMG_0001.JPG").expect("IMG_0001.JPG is stacked");
    assert!(first_on_top);
    assert_eq!(stack_of("IMG_0002.JPG"), Some((burst.clone(), false)));
    assert_eq!(stack_of("IMG_0003.JPG"), Some((burst, false)));
    assert_eq!(stack_of("IMG_0004.JPG"), None);
    assert_eq!(stack_of("IMG_0006.JPG"), None);
    assert!(run.stdout.contains("stacks created 1"), "{run:?}");

    let server = TestServer::start(Options::v3());
    let before = server.asset_views().len();
    let run = immich(&server, &["upload", &dir.path("Shots"), "--no-stack"]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    let views = new_assets(&server, before);
    assert_eq!(views.len(), 5);
    assert!(views.iter().all(|v| v.stack.is_none()), "{views:#?}");
}
