//! `immich upload --takeout` over a generated Google Photos Takeout, end to end against the
//! test server: every JSON naming quirk, album folders named by their metadata (one in another
//! zip part, one localized), a photo in two albums and its year folder, trashed, favourite,
//! archived, GPS and description, a file without JSON; as an extracted folder and as a Takeout
//! split over two zips. Each asset is checked on the server; then a re-run repairs what was
//! undone on the server without uploading again, and a dry run changes nothing.
#![cfg(unix)]

use std::collections::BTreeSet;
use std::fs;
use std::io::Write;
use std::path::Path;

use immich_blocking::albums::RemoveAssetFromAlbum;
use immich_blocking::assets::{Asset, AssetChanges, GetAssetInfo, UpdateAsset};
use immich_blocking::proto::DateTime;
use immich_blocking::{AlbumId, AssetId, Client};
use immich_cli::{EXIT_FAILED, EXIT_OK};
use immich_tests::server::AssetView;
use immich_tests::{Options, TestServer, Version};
use serde_json::{json, Value};

// The CLI runner, scratch folders, fixture bytes and report readers of the folder uploads.
use crate::upload_sources::{
    assert_a_dry_run_changed_nothing, bytes, immich, report_lines, view, Run, Scratch,
};

const DAY: i64 = 86_400;
/// 2019-07-01T00:00:00Z.
const BASE: i64 = 1_561_939_200;

/// A media JSON: taken `BASE + day` days, with `extra` fields.
fn sidecar(title: &str, day: i64, extra: Value) -> Vec<u8> {
    let mut value = json!({
        "title": title,
        "description": "",
        "imageViews": "3",
        "creationTime": {"timestamp": "1700000000", "formatted": "14 Nov 2023"},
        "photoTakenTime": {"timestamp": (BASE + day * DAY).to_string(), "formatted": "..."},
        "geoData": {"latitude": 0.0, "longitude": 0.0, "altitude": 0.0},
        "url": "https://photos.google.com/photo/x",
        "googlePhotosOrigin": {"mobileUpload": {"deviceType": "ANDROID_PHONE"}},
    });
    if let (Some(map), Value::Object(extra)) = (value.as_object_mut(), extra) {
        map.extend(extra);
    }
    serde_json::to_vec_pretty(&value).unwrap()
}

const YEAR: &str = "Takeout/Google Photos/Photos from 2019";
const TRIP: &str = "Takeout/Google Photos/Trip";
const FAMILY: &str = "Takeout/Google Photos/Familie";
/// 60 characters.
const LONG: &str = "a_very_long_file_name_from_a_phone_camera_app_2019_12_31.jpg";

/// Each file of the Takeout: its path, its bytes, and whether it goes in the second zip part.
fn takeout_files() -> Vec<(String, Vec<u8>, bool)> {
    let mut files: Vec<(String, Vec<u8>, bool)> = Vec::new();
    let mut add = |dir: &str, name: &str, data: Vec<u8>, second: bool| {
        files.push((format!("{dir}/{name}"), data, second));
    };
    let media = |n: u64| bytes(n);
    // Year folder: one file per naming quirk.
    add(YEAR, "IMG_1.jpg", media(1), false);
    let gps = json!({"description": "At the beach",
        "geoDataExif": {"latitude": 48.8584, "longitude": 2.2945, "altitude": 30.0}});
    add(YEAR, "IMG_1.jpg.json", sidecar("IMG_1.jpg", 1, gps), true);
    add(YEAR, "IMG_2.jpg", media(2), false);
    let favourite = json!({"favorited": true});
    add(
        YEAR,
        "IMG_2.jpg.supplemental-metadata.json",
        sidecar("IMG_2.jpg", 2, favourite),
        true,
    );
    add(YEAR, "IMG_3.jpg", media(3), false);
    let archived = json!({"archived": true});
    add(
        YEAR,
        "IMG_3.jpg.suppl.json",
        sidecar("IMG_3.jpg", 3, archived),
        false,
    );
    add(YEAR, LONG, media(4), false);
    add(
        YEAR,
        &format!("{}.json", &LONG[..46]),
        sidecar(LONG, 4, json!({})),
        true,
    );
    add(YEAR, "IMG_5.jpg", media(5), false);
    add(
        YEAR,
        "IMG_5.jpg.json",
        sidecar("IMG_5.jpg", 5, json!({})),
        false,
    );
    add(YEAR, "IMG_5(1).jpg", media(6), false);
    add(
        YEAR,
        "IMG_5.jpg(1).json",
        sidecar("IMG_5.jpg", 6, json!({})),
        true,
    );
    add(YEAR, "IMG_7.jpg", media(7), false);
    add(
        YEAR,
        "IMG_7.jpg.json",
        sidecar("IMG_7.jpg", 7, json!({})),
        false,
    );
    add(YEAR, "IMG_7-edited.jpg", media(8), false);
    add(YEAR, "IMG_9.jpg", media(9), false);
    add(
        YEAR,
        "IMG_9.json",
        sidecar("IMG_9.jpg", 9, json!({})),
        false,
    );
    add(YEAR, "IMG_10.jpg", media(10), false);
    let trashed = json!({"trashed": true});
    add(
        YEAR,
        "IMG_10.jpg.json",
        sidecar("IMG_10.jpg", 10, trashed),
        true,
    );
    add(YEAR, "IMG_11.jpg", media(11), false);
    // The photo of both albums, in its year folder too.
    add(YEAR, "IMG_20.jpg", media(20), false);
    add(
        YEAR,
        "IMG_20.jpg.json",
        sidecar("IMG_20.jpg", 20, json!({})),
        false,
    );
    // An album, its metadata in the other part.
    let trip = json!({"title": "Trip to Rome", "description": "", "access": "protected",
        "date": {"timestamp": "1561939200", "formatted": "1 Jul 2019"}});
    add(
        TRIP,
        "metadata.json",
        serde_json::to_vec(&trip).unwrap(),
        true,
    );
    add(TRIP, "IMG_20.jpg", media(20), false);
    add(
        TRIP,
        "IMG_20.jpg.json",
        sidecar("IMG_20.jpg", 20, json!({})),
        false,
    );
    add(TRIP, "IMG_21.jpg", media(21), true);
    add(
        TRIP,
        "IMG_21.jpg.json",
        sidecar("IMG_21.jpg", 21, json!({})),
        false,
    );
    // A folder of the Takeout's own without album metadata (the archived photo again): no
    // album.
    add("Takeout/Google Photos/Archive", "IMG_3.jpg", media(3), true);
    add(
        "Takeout/Google Photos/Archive",
        "IMG_3.jpg.json",
        sidecar("IMG_3.jpg", 3, json!({"archived": true})),
        false,
    );
    // An album with a localized metadata name.
    let family = json!({"title": "Family reunion", "description": ""});
    add(
        FAMILY,
        "métadonnées.json",
        serde_json::to_vec(&family).unwrap(),
        false,
    );
    add(FAMILY, "IMG_20.jpg", media(20), true);
    add(
        FAMILY,
        "IMG_20.jpg.json",
        sidecar("IMG_20.jpg", 20, json!({})),
        true,
    );
    add(
        "Takeout",
        "archive_browser.html",
        b"<html></html>".to_vec(),
        false,
    );
    files
}

/// The Takeout as an extracted folder.
fn takeout_folder() -> Scratch {
    let dir = Scratch::new("folder");
    for (rel, data, _) in takeout_files() {
        let path = dir.0.join(&rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, data).unwrap();
    }
    dir
}

/// The Takeout as two zip parts.
fn takeout_zips() -> Scratch {
    use zip::write::SimpleFileOptions;
    let dir = Scratch::new("zips");
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (part, second) in [
        ("takeout-20240101T000000Z-001.zip", false),
        ("takeout-20240101T000000Z-002.zip", true),
    ] {
        let mut writer = zip::ZipWriter::new(fs::File::create(dir.0.join(part)).unwrap());
        for (rel, data, in_second) in takeout_files() {
            if in_second == second {
                writer.start_file(rel, options).unwrap();
                writer.write_all(&data).unwrap();
            }
        }
        writer.finish().unwrap();
    }
    dir
}

fn client(server: &TestServer) -> Client {
    let client = Client::new(&server.url(), server.api_key()).unwrap();
    client.setup().unwrap();
    client
}

fn asset(client: &Client, views: &[AssetView], name: &str) -> Asset {
    let id = AssetId::parse(&view(views, name).id).unwrap();
    client.send(&GetAssetInfo::new(id)).unwrap()
}

fn taken(asset: &Asset) -> i64 {
    asset
        .exif_info
        .as_ref()
        .and_then(|e| e.date_time_original)
        .unwrap()
        .unix_seconds()
}

fn line_of<'a>(lines: &'a [Value], suffix: &str) -> &'a Value {
    lines
        .iter()
        .find(|l| {
            l["path"].as_str().is_some_and(|p| p.ends_with(suffix)) && l["outcome"] != "sidecar"
        })
        .unwrap_or_else(|| panic!("no report line for {suffix}: {lines:#?}"))
}

/// The media uploaded from the fixture.
const UPLOADED: [&str; 12] = [
    "IMG_1.jpg",
    "IMG_2.jpg",
    "IMG_3.jpg",
    LONG,
    "IMG_5.jpg",
    "IMG_5(1).jpg",
    "IMG_7.jpg",
    "IMG_7-edited.jpg",
    "IMG_9.jpg",
    "IMG_11.jpg",
    "IMG_20.jpg",
    "IMG_21.jpg",
];

/// Checks every asset of the fixture on the server.
fn check_assets(server: &TestServer, before: usize) {
    let client = client(server);
    let views: Vec<AssetView> = server.asset_views().into_iter().skip(before).collect();
    let names: BTreeSet<&str> = views.iter().map(|v| v.file_name.as_str()).collect();
    assert_eq!(names, UPLOADED.into_iter().collect(), "{views:#?}");
    // The date taken of each, from its JSON by the quirk of its name (the file's own date
    // for the one without JSON); also its file creation date.
    for (name, day) in [
        ("IMG_1.jpg", 1),
        ("IMG_2.jpg", 2),
        ("IMG_3.jpg", 3),
        (LONG, 4),
        ("IMG_5.jpg", 5),
        ("IMG_5(1).jpg", 6),
        ("IMG_7.jpg", 7),
        ("IMG_7-edited.jpg", 7),
        ("IMG_9.jpg", 9),
        ("IMG_20.jpg", 20),
        ("IMG_21.jpg", 21),
    ] {
        let a = asset(&client, &views, name);
        assert_eq!(taken(&a), BASE + day * DAY, "{name}: {a:?}");
        assert_eq!(a.file_created_at.unix_seconds(), BASE + day * DAY, "{name}");
    }
    // The file without JSON keeps its file's date (now for a folder, 1980 in these zips).
    let unmatched = asset(&client, &views, "IMG_11.jpg");
    let own = taken(&unmatched);
    assert!(!(BASE..BASE + 30 * DAY).contains(&own), "{unmatched:?}");

    let one = asset(&client, &views, "IMG_1.jpg");
    let exif = one.exif_info.as_ref().unwrap();
    assert_eq!(
        (exif.latitude, exif.longitude),
        (Some(48.8584), Some(2.2945))
    );
    assert_eq!(exif.description.as_deref(), Some("At the beach"));
    assert!(!one.is_favorite);
    let two = asset(&client, &views, "IMG_2.jpg");
    assert!(two.is_favorite);
    assert_eq!(
        two.exif_info.as_ref().unwrap().latitude,
        None,
        "0,0 is no GPS"
    );
    assert_eq!(view(&views, "IMG_3.jpg").visibility, "archive");
    assert_eq!(view(&views, "IMG_2.jpg").visibility, "timeline");

    // Albums: by metadata title (one in the other part, one localized); the year folder is
    // none; the photo of two albums is in both, uploaded once.
    let mut both = view(&views, "IMG_20.jpg").albums.clone();
    both.sort();
    assert_eq!(both, ["Family reunion", "Trip to Rome"]);
    assert_eq!(view(&views, "IMG_21.jpg").albums, ["Trip to Rome"]);
    assert!(view(&views, "IMG_1.jpg").albums.is_empty());
    assert!(
        view(&views, "IMG_3.jpg").albums.is_empty(),
        "a folder without album metadata made an album"
    );
    assert_eq!(
        views.iter().filter(|v| v.file_name == "IMG_20.jpg").count(),
        1
    );
}

/// What a run reports of the fixture.
fn check_run(run: &Run, report: &Path) {
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    assert!(run.stdout.contains("uploaded 12, duplicates 3"), "{run:?}");
    assert!(
        run.stdout
            .contains("takeout: no JSON sidecar matched for 1 file(s)"),
        "{run:?}"
    );
    assert!(run.stdout.contains("IMG_11.jpg"), "{run:?}");
    assert!(
        run.stdout.contains("metadata set on 11 uploaded asset(s)"),
        "{run:?}"
    );
    let lines = report_lines(report);
    assert_eq!(
        line_of(&lines, "IMG_11.jpg")["takeout"],
        "no JSON sidecar matched"
    );
    assert!(line_of(&lines, "IMG_11.jpg")["outcome"] == "uploaded");
    assert!(line_of(&lines, "/IMG_1.jpg")["takeoutJson"]
        .as_str()
        .is_some_and(|j| j.ends_with("IMG_1.jpg.json")));
    assert!(line_of(&lines, "IMG_7-edited.jpg")["takeoutJson"]
        .as_str()
        .is_some_and(|j| j.ends_with("IMG_7.jpg.json")));
    let trashed = line_of(&lines, "IMG_10.jpg");
    assert_eq!(trashed["outcome"], "skipped");
    assert!(trashed["reason"]
        .as_str()
        .unwrap()
        .contains("trashed in Google Photos"));
    for json in ["IMG_1.jpg.json", "metadata.json", "métadonnées.json"] {
        assert!(
            !lines
                .iter()
                .any(|l| l["path"].as_str().is_some_and(|p| p.ends_with(json))
                    && l["outcome"] == "uploaded"),
            "{json} uploaded"
        );
    }
}

#[test]
fn an_extracted_takeout_lands_asset_by_asset_and_a_rerun_repairs_it() {
    let server = TestServer::start(Options::v3());
    let before = server.asset_views().len();
    let dir = takeout_folder();
    let report = dir.0.join("report.jsonl");
    let report_arg = report.display().to_string();
    let root = dir.path("Takeout");
    let args = ["upload", "--takeout", &root, "--report", &report_arg];
    let run = immich(&server, &args);
    check_run(&run, &report);
    check_assets(&server, before);

    // Undo some of it on the server: an album membership, a favourite, a date.
    let client = client(&server);
    let views = server.asset_views();
    let id = |name: &str| AssetId::parse(&view(&views, name).id).unwrap();
    let trip = client
        .albums()
        .unwrap()
        .into_iter()
        .find(|a| a.album_name == "Trip to Rome")
        .unwrap();
    let trip_id: AlbumId = trip.id.clone();
    client
        .send(&RemoveAssetFromAlbum::new(trip_id, vec![id("IMG_20.jpg")]))
        .unwrap();
    client
        .send(&UpdateAsset::new(
            id("IMG_2.jpg"),
            AssetChanges::new().favorite(false),
        ))
        .unwrap();
    let wrong = DateTime::parse("2024-02-02T00:00:00Z").unwrap();
    client
        .send(&UpdateAsset::new(
            id("IMG_5.jpg"),
            AssetChanges::new().date_time_original(wrong),
        ))
        .unwrap();
    assert_eq!(
        view(&server.asset_views(), "IMG_20.jpg").albums,
        ["Family reunion"]
    );

    // Again: nothing is uploaded, what was undone is set back.
    server.clear_requests();
    let again = immich(&server, &args);
    assert_eq!(again.status, EXIT_OK, "{again:?}");
    assert!(
        again.stdout.contains("uploaded 0, duplicates 15"),
        "{again:?}"
    );
    assert!(
        again
            .stdout
            .contains("2 asset(s) already on the server fixed"),
        "{again:?}"
    );
    assert!(
        again.stdout.contains("album \"Trip to Rome\"") && again.stdout.contains("1 added"),
        "{again:?}"
    );
    let requests = server.request_lines();
    assert!(
        !requests.iter().any(|l| l.starts_with("POST /api/assets ")),
        "uploaded again: {requests:?}"
    );
    check_assets(&server, before);
    let lines = report_lines(&report);
    let fixed: Vec<&Value> = lines.iter().filter(|l| l["fixed"].is_array()).collect();
    let fixed_of = |name: &str| -> Vec<String> {
        fixed
            .iter()
            .find(|l| l["path"].as_str().unwrap().ends_with(name))
            .map(|l| serde_json::from_value(l["fixed"].clone()).unwrap())
            .unwrap_or_default()
    };
    assert_eq!(fixed_of("/IMG_2.jpg"), ["favorite"]);
    assert_eq!(fixed_of("/IMG_5.jpg"), ["date"]);
}

#[test]
fn a_takeout_in_two_zips_is_one_takeout() {
    let server = TestServer::start(Options::v3());
    let before = server.asset_views().len();
    let dir = takeout_zips();
    let report = dir.0.join("report.jsonl");
    let report_arg = report.display().to_string();
    let run = immich(
        &server,
        &[
            "upload",
            "--takeout",
            &dir.path("takeout-20240101T000000Z-001.zip"),
            &dir.path("takeout-20240101T000000Z-002.zip"),
            "--report",
            &report_arg,
        ],
    );
    check_run(&run, &report);
    check_assets(&server, before);
}

#[test]
fn a_takeout_dry_run_changes_nothing() {
    let server = TestServer::start(Options::v3());
    let dir = takeout_folder();
    let before = server.asset_views();
    server.clear_requests();
    let run = immich(
        &server,
        &["upload", "--takeout", &dir.path("Takeout"), "--dry-run"],
    );
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    assert!(run.stdout.contains("would upload 12"), "{run:?}");
    assert!(
        run.stdout
            .contains("IMG_11.jpg: would upload, no JSON sidecar matched"),
        "{run:?}"
    );
    assert!(
        run.stdout.contains("IMG_2.jpg: would upload, with its Takeout JSON: taken 2019-07-03T00:00:00.000Z, favourite"),
        "{run:?}"
    );
    assert!(
        run.stdout.contains("into album \"Trip to Rome\""),
        "{run:?}"
    );
    assert!(
        run.stdout
            .contains("would fill the album \"Family reunion\""),
        "{run:?}"
    );
    assert!(run.stdout.contains("trashed in Google Photos"), "{run:?}");
    assert_a_dry_run_changed_nothing(&server, &before);
}

#[test]
fn date_range_takes_the_date_taken_from_the_takeout() {
    let server = TestServer::start(Options::v3());
    let dir = takeout_folder();
    let report = dir.0.join("report.jsonl");
    let report_arg = report.display().to_string();
    let before = server.asset_views().len();
    // The files' own dates are today's; their JSONs say July 2019.
    let run = immich(
        &server,
        &[
            "upload",
            "--takeout",
            &dir.path("Takeout"),
            "--date-range",
            "2019-07-02..2019-07-04",
            "--report",
            &report_arg,
        ],
    );
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    let views: Vec<AssetView> = server.asset_views().into_iter().skip(before).collect();
    let names: BTreeSet<&str> = views.iter().map(|v| v.file_name.as_str()).collect();
    assert_eq!(
        names,
        ["IMG_1.jpg", "IMG_2.jpg", "IMG_3.jpg"]
            .into_iter()
            .collect(),
        "{run:?}"
    );
    let lines = report_lines(&report);
    let reason = |name: &str| {
        line_of(&lines, name)["reason"]
            .as_str()
            .unwrap_or("")
            .to_owned()
    };
    assert_eq!(
        reason("/IMG_7.jpg"),
        "its date (date taken in Google Photos) is outside --date-range"
    );
    // The file without a JSON is judged by its own date (today's): outside.
    assert!(
        reason("IMG_11.jpg").contains("modification time"),
        "{}",
        reason("IMG_11.jpg")
    );
}

#[test]
fn trashed_items_on_request_archived_before_v1_133_and_bad_json() {
    let server = TestServer::start(Options::old(Version::V1_118));
    let dir = Scratch::new("old");
    let put = |rel: &str, data: &[u8]| {
        let path = dir.0.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, data).unwrap();
    };
    put(&format!("{YEAR}/A.jpg"), &bytes(1));
    put(
        &format!("{YEAR}/A.jpg.json"),
        &sidecar("A.jpg", 1, json!({"archived": true})),
    );
    put(&format!("{YEAR}/B.jpg"), &bytes(2));
    put(
        &format!("{YEAR}/B.jpg.json"),
        &sidecar("B.jpg", 2, json!({"trashed": true})),
    );
    put(&format!("{YEAR}/C.jpg"), &bytes(3));
    put(
        &format!("{YEAR}/C.jpg.json"),
        b"{\"photoTakenTime\": {\"timestamp\": \"soon\"}}",
    );
    put(&format!("{YEAR}/D.jpg"), &bytes(4));
    put(&format!("{YEAR}/D.jpg.json"), b"{not json");
    // Hostile: a JSON too big to be a sidecar is not read.
    put(&format!("{YEAR}/E.jpg"), &bytes(5));
    put(&format!("{YEAR}/E.jpg.json"), &vec![b' '; (4 << 20) + 1]);
    let run = immich(
        &server,
        &[
            "upload",
            "--takeout",
            &dir.path("Takeout"),
            "--include-trashed",
        ],
    );
    // The malformed JSONs are failures; their media are uploaded without metadata.
    assert_eq!(run.status, EXIT_FAILED, "{run:?}");
    assert!(
        run.stderr.contains("C.jpg.json") && run.stderr.contains("malformed Takeout JSON"),
        "{run:?}"
    );
    assert!(run.stderr.contains("D.jpg.json"), "{run:?}");
    assert!(
        run.stderr.contains("E.jpg.json") && run.stderr.contains("refused"),
        "{run:?}"
    );
    assert!(
        run.stdout.contains("no JSON sidecar matched for 3 file(s)"),
        "{run:?}"
    );
    let views = server.asset_views();
    let names: BTreeSet<&str> = views.iter().map(|v| v.file_name.as_str()).collect();
    assert!(
        ["A.jpg", "B.jpg", "C.jpg", "D.jpg"]
            .iter()
            .all(|n| names.contains(n)),
        "{views:#?}"
    );
    assert_eq!(view(&views, "A.jpg").visibility, "archive");
    // (The v1.118 server refuses `visibility`: `isArchived` was sent.)
    // --include-trashed only with --takeout.
    let refused = immich(
        &server,
        &["upload", &dir.path("Takeout"), "--include-trashed"],
    );
    assert_ne!(refused.status, EXIT_OK, "{refused:?}");
}

#[test]
fn a_hostile_takeout_is_shown_escaped_and_a_missing_part_fails_clearly() {
    let server = TestServer::start(Options::v3());
    let dir = Scratch::new("hostile");
    let album = dir.0.join("Takeout/Google Photos/Trip\u{1b}[2J");
    fs::create_dir_all(&album).unwrap();
    let title = json!({"title": "Evil \u{1b}]0;pwned\u{7} album"});
    fs::write(
        album.join("metadata.json"),
        serde_json::to_vec(&title).unwrap(),
    )
    .unwrap();
    fs::write(album.join("IMG_\u{202e}gpj.exe.jpg"), bytes(90)).unwrap();
    fs::write(album.join("IMG_2.jpg"), bytes(91)).unwrap();
    fs::write(album.join("IMG_2.jpg.json"), b"{\"photoTakenTime\": \x1b").unwrap();
    let missing = dir.path("takeout-missing-002.zip");
    let run = immich(
        &server,
        &["upload", "--takeout", &dir.path("Takeout"), &missing],
    );
    assert_eq!(run.status, EXIT_FAILED, "{run:?}");
    // The missing part is named; what is there is still uploaded.
    assert!(run.stderr.contains("takeout-missing-002.zip"), "{run:?}");
    assert!(run.stdout.contains("uploaded 2"), "{run:?}");
    // Nothing from the files or the server reaches the terminal raw.
    for out in [&run.stdout, &run.stderr] {
        assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'), "{run:?}");
        assert!(!out.contains('\u{202e}'), "{run:?}");
    }
    assert!(
        run.stdout.contains("Evil \\u{1b}]0;pwned\\u{7} album"),
        "{run:?}"
    );
    // The album keeps its exact name on the server.
    let albums = client(&server).albums().unwrap();
    assert!(albums
        .iter()
        .any(|a| a.album_name == "Evil \u{1b}]0;pwned\u{7} album"));
}
