//! `immich backup DIR` against a hostile server (ids that are not UUIDs, ids repeated in
//! another case, a sync stream cut short or with endless ack types) and a hostile local folder
//! (a state file pointing outside DIR, a link inside the trash): nothing is written outside
//! DIR, nothing is downloaded twice, and nothing of it passes as a success.
#![cfg(unix)]

use std::path::Path;

use bytes::Bytes;

use immich_cli::{EXIT_FAILED, EXIT_OK};
use immich_tests::server::{fixtures, LineMaker, SyncFault};
use immich_tests::{Fault, FaultRule, JsonEdit, Options, TestServer};
use serde_json::Value;

// The CLI runner, scratch folders and state readers of the other backup tests.
use crate::backup::{files_below, original_requests, path_of, state, Run, Scratch};

/// `immich --json backup DIR` with the API key (walk source).
fn backup(server: &TestServer, dir: &Path) -> Run {
    crate::backup::backup(server, dir, &[])
}

/// `immich --json backup DIR --email ...` (sync source).
fn backup_logged_in(server: &TestServer, dir: &Path) -> Run {
    crate::backup::backup_logged_in(server, dir, &[])
}

// Only these tests list the scratch folder itself.
impl Scratch {
    /// The names directly in the scratch folder.
    fn entries(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

/// Every metadata search answered with `edit` applied.
fn edit_search(server: &TestServer, edit: fn(&mut Value)) {
    server.add_fault(FaultRule {
        method: None,
        path: "/search/metadata".into(),
        fault: Fault::EditJson(JsonEdit(edit)),
        times: None,
    });
}

/// Ids no Immich server makes: each a copy of the first asset of the page under that id.
const HOSTILE_IDS: [&str; 6] = [
    "../../escape",
    "a/b",
    "",
    "a\u{0}b",
    "\u{1b}]0;pwned\u{7}",
    "0000a55e-0000-4000-8000-00000000010Z",
];

fn add_hostile_ids(page: &mut Value) {
    let Some(items) = page
        .pointer_mut("/assets/items")
        .and_then(Value::as_array_mut)
    else {
        return;
    };
    let Some(first) = items.first().cloned() else {
        return;
    };
    let long = "x".repeat(10_000);
    for id in HOSTILE_IDS.iter().copied().chain([long.as_str()]) {
        let mut copy = first.clone();
        copy["id"] = Value::from(id);
        items.push(copy);
    }
    let len = items_len(page);
    if let Some(count) = page.pointer_mut("/assets/count") {
        *count = Value::from(len);
    }
}

fn items_len(page: &Value) -> usize {
    page.pointer("/assets/items")
        .and_then(Value::as_array)
        .map_or(0, Vec::len)
}

#[test]
fn asset_ids_that_are_not_uuids_fail_the_run_and_touch_nothing() {
    let server = TestServer::start(Options::v3());
    let scratch = Scratch::new("ids");
    let dir = scratch.path("b");
    edit_search(&server, add_hostile_ids);

    let run = backup(&server, &dir);
    assert_eq!(run.status, EXIT_FAILED, "{run:?}");
    let report = run.json();
    // The real assets are backed up; each hostile id is a failure of its own.
    assert_eq!(report["summary"]["new"], 2, "{run:?}");
    assert_eq!(report["summary"]["failed"], 7, "{run:?}");
    for failed in report["failed"].as_array().unwrap() {
        assert!(
            failed["error"].as_str().unwrap().contains("not a UUID"),
            "{failed}"
        );
    }
    // No request ever carried one, nothing outside DIR, no bytes for them anywhere.
    assert_eq!(
        original_requests(&server),
        2,
        "{:?}",
        server.request_lines()
    );
    assert_eq!(scratch.entries(), ["b"]);
    let originals: Vec<String> = files_below(&dir)
        .into_iter()
        .filter(|f| !f.starts_with(".immich-backup") && !f.ends_with(".json"))
        .collect();
    assert_eq!(originals.len(), 2, "{originals:?}");
    assert!(!run.stderr.contains('\u{1b}'), "{run:?}");
    assert!(!run.stderr.contains('\u{0}'), "{run:?}");
    // The walk does not move past what failed.
    assert!(state(&dir)["checkpoint"]["walkUpdatedAfter"].is_null());
}

fn upper_case_ids(page: &mut Value) {
    let Some(items) = page
        .pointer_mut("/assets/items")
        .and_then(Value::as_array_mut)
    else {
        return;
    };
    for item in items {
        if let Some(id) = item["id"].as_str().map(str::to_ascii_uppercase) {
            item["id"] = Value::from(id);
        }
    }
}

fn repeat_first_in_upper_case_with_another_checksum(page: &mut Value) {
    let Some(items) = page
        .pointer_mut("/assets/items")
        .and_then(Value::as_array_mut)
    else {
        return;
    };
    let Some(mut copy) = items.first().cloned() else {
        return;
    };
    if let Some(id) = copy["id"].as_str().map(str::to_ascii_uppercase) {
        copy["id"] = Value::from(id);
    }
    copy["checksum"] = Value::from("AAAAAAAAAAAAAAAAAAAAAAAAAAA=");
    items.push(copy);
}

#[test]
fn an_id_repeated_in_another_case_is_one_asset_and_is_never_downloaded_twice() {
    let server = TestServer::start(Options::v3());
    let scratch = Scratch::new("case");
    let dir = scratch.path("b");
    // The same asset twice in one listing, the second time in upper case with another
    // checksum: the first report counts.
    edit_search(&server, repeat_first_in_upper_case_with_another_checksum);
    let run = backup(&server, &dir);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    assert_eq!(run.json()["summary"]["new"], 2, "{run:?}");
    assert_eq!(original_requests(&server), 2);

    // Next time every id comes in upper case: still the same assets, nothing to fetch.
    server.clear_faults();
    server.clear_requests();
    edit_search(&server, upper_case_ids);
    let run = backup(&server, &dir);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    let summary = &run.json()["summary"];
    assert_eq!(summary["new"], 0, "{run:?}");
    assert_eq!(summary["unchanged"], 2, "{run:?}");
    assert_eq!(
        original_requests(&server),
        0,
        "{:?}",
        server.request_lines()
    );
    assert_eq!(state(&dir)["assets"].as_object().unwrap().len(), 2);
}

#[test]
fn hostile_file_names_stay_in_their_month_folder_and_never_collide() {
    let names = [
        ".",
        "..",
        "....",
        "",
        "CON.jpg",
        "con.JPG",
        "LPT1",
        ".immich-backup",
        ".trash",
        "albums.json",
        "a.jpg",
        "A.JPG",
        "a.jpg.json",
        "../albums.json",
        "../../.immich-backup/state.json",
    ];
    let server = TestServer::start(Options::v3().extra_assets(names.len() + 1));
    let long = format!("{}.jpg", "é".repeat(150));
    let ids = server.asset_ids();
    let mine: Vec<String> = ids
        .iter()
        .filter(|id| **id != fixtures::asset_bob())
        .cloned()
        .collect();
    for (id, name) in mine
        .iter()
        .zip(names.iter().copied().chain([long.as_str()]))
    {
        server.set_asset_file_name(id, name);
    }
    let scratch = Scratch::new("names");
    let dir = scratch.path("b");
    let run = backup(&server, &dir);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    assert_eq!(scratch.entries(), ["b"]);

    let state = state(&dir);
    let paths: Vec<String> = state["assets"]
        .as_object()
        .unwrap()
        .values()
        .map(|e| e["path"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(paths.len(), mine.len(), "{paths:?}");
    let mut lower: Vec<String> = paths.iter().map(|p| p.to_lowercase()).collect();
    lower.sort();
    lower.dedup();
    assert_eq!(lower.len(), paths.len(), "{paths:?}");
    for path in &paths {
        let parts: Vec<&str> = path.split('/').collect();
        assert_eq!(parts.len(), 3, "{path}");
        let name = parts[2];
        assert!(name.len() <= 255, "{path}");
        assert!(!name.starts_with('.'), "{path}");
        assert!(!name.to_uppercase().starts_with("CON."), "{path}");
        assert!(name != "LPT1", "{path}");
        // No original is another's metadata file.
        assert!(
            !lower.contains(&format!("{}.json", path.to_lowercase()))
                || !paths.contains(&format!("{path}.json")),
            "{paths:?}"
        );
    }
    // The manifest and the state are the tool's own.
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(dir.join("albums.json")).unwrap()).unwrap();
    assert!(manifest["albums"].is_array(), "{manifest}");
    assert!(!dir.join(".trash").exists());
}

#[test]
fn a_state_file_pointing_outside_the_folder_is_refused_and_nothing_leaves_it() {
    let server = TestServer::start(Options::v3());
    let scratch = Scratch::new("state");
    let dir = scratch.path("b");
    let run = backup(&server, &dir);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    let (beach, family) = (fixtures::asset_beach(), fixtures::asset_family());
    let beach_rel = path_of(&dir, &beach);
    let family_rel = path_of(&dir, &family);

    // A local attacker edits the state: a restore to outside DIR, a trash from outside DIR.
    let outside = scratch.path("victim.txt");
    std::fs::write(&outside, b"keep me").unwrap();
    let mut edited = state(&dir);
    edited["assets"][&beach]["path"] = Value::from("../escape.jpg");
    edited["assets"][&family]["path"] = Value::from("../victim.txt");
    std::fs::write(
        dir.join(".immich-backup/state.json"),
        serde_json::to_vec(&edited).unwrap(),
    )
    .unwrap();
    server.purge_asset(&family);

    let run = backup(&server, &dir);
    assert_eq!(run.status, EXIT_FAILED, "{run:?}");
    assert!(run.stderr.contains("not one this tool makes"), "{run:?}");
    assert_eq!(scratch.entries(), ["b", "victim.txt"]);
    assert_eq!(std::fs::read(&outside).unwrap(), b"keep me");
    // The files the tool made are where they were.
    assert!(dir.join(&beach_rel).is_file());
    assert!(dir.join(&family_rel).is_file());
}

#[test]
fn a_link_inside_the_trash_never_takes_a_file_out_of_the_folder() {
    let server = TestServer::start(Options::v3());
    let scratch = Scratch::new("trashlink");
    let dir = scratch.path("b");
    let run = backup(&server, &dir);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    let family = fixtures::asset_family();
    let rel = path_of(&dir, &family);
    let year = rel.split('/').next().unwrap().to_owned();

    // `.trash/YYYY` is a link to a folder outside DIR.
    let elsewhere = scratch.path("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::create_dir_all(dir.join(".trash")).unwrap();
    std::os::unix::fs::symlink(&elsewhere, dir.join(".trash").join(&year)).unwrap();
    server.purge_asset(&family);

    let run = backup(&server, &dir);
    assert_eq!(run.status, EXIT_FAILED, "{run:?}");
    assert!(
        files_below(&elsewhere).is_empty(),
        "{:?}",
        files_below(&elsewhere)
    );
    assert!(dir.join(&rel).is_file(), "{run:?}");
}

#[test]
fn a_sync_stream_that_ends_before_it_is_complete_is_not_a_success() {
    let server = TestServer::start(Options::v3());
    let scratch = Scratch::new("cut");
    let dir = scratch.path("b");
    // The stream ends cleanly after one line: no `SyncCompleteV1`.
    server.add_sync_fault(SyncFault::EndAfter(1), Some(1));
    let run = backup_logged_in(&server, &dir);
    assert_eq!(run.status, EXIT_FAILED, "{run:?}");
    assert!(run.stderr.contains("SyncCompleteV1"), "{run:?}");
    assert!(!server
        .request_lines()
        .iter()
        .any(|l| l == "POST /api/sync/ack"));

    // The next, complete stream backs everything up.
    let run = backup_logged_in(&server, &dir);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    assert_eq!(run.json()["summary"]["new"], 2, "{run:?}");
}

/// Deletes of one unknown asset, each acknowledged under an entity type of its own.
fn ack_type_flood(n: u64) -> String {
    format!(
        r#"{{"type":"AssetDeleteV1","data":{{"assetId":"0000a55e-0000-4000-8000-00000000ffff"}},"ack":"Kind{n}V1|0"}}"#
    )
}

/// One delete whose ack is a megabyte long.
fn huge_ack(_: u64) -> String {
    format!(
        r#"{{"type":"AssetDeleteV1","data":{{"assetId":"0000a55e-0000-4000-8000-00000000ffff"}},"ack":"AssetDeleteV1|{}"}}"#,
        "x".repeat(1 << 20)
    )
}

#[test]
fn acks_of_endless_types_or_of_a_megabyte_are_refused_before_anything_is_acknowledged() {
    let server = TestServer::start(Options::v3());
    let scratch = Scratch::new("acks");
    for (name, line, count) in [
        ("types", LineMaker(ack_type_flood), 300),
        ("huge", LineMaker(huge_ack), 1),
    ] {
        let dir = scratch.path(name);
        server.clear_requests();
        server.add_sync_fault(SyncFault::Inject { at: 0, count, line }, Some(1));
        let run = backup_logged_in(&server, &dir);
        assert_eq!(run.status, EXIT_FAILED, "{name}: {run:?}");
        assert!(run.stderr.contains("ack"), "{name}: {run:?}");
        assert!(
            !server
                .request_lines()
                .iter()
                .any(|l| l == "POST /api/sync/ack"),
            "{name}: {:?}",
            server.request_lines()
        );
        assert_eq!(original_requests(&server), 0, "{name}");
    }
}

/// A delete of the beach asset, its id in upper case, repeated: the server says so once
/// more with each line.
fn delete_beach_in_upper_case(_: u64) -> String {
    let id = fixtures::asset_beach().to_ascii_uppercase();
    format!(
        r#"{{"type":"AssetDeleteV1","data":{{"assetId":"{id}"}},"ack":"AssetDeleteV1|00000000-0000-7000-8000-000000000000"}}"#
    )
}

/// An asset of another user, in a stream of mine.
fn bobs_asset(_: u64) -> String {
    let id = fixtures::asset_bob();
    let owner = fixtures::bob();
    format!(
        r#"{{"type":"AssetV1","data":{{"id":"{id}","ownerId":"{owner}","originalFileName":"bob.jpg","thumbhash":null,"checksum":"qZk+NkcGgWq6PiVxeFDCbJzQ2J0=","fileCreatedAt":"2024-05-01T10:00:00.000Z","fileModifiedAt":"2024-05-01T10:00:00.000Z","localDateTime":"2024-05-01T10:00:00.000Z","duration":null,"type":"IMAGE","deletedAt":null,"isFavorite":false,"visibility":"timeline","livePhotoVideoId":null,"stackId":null,"libraryId":null,"width":640,"height":480,"isEdited":false}},"ack":"AssetV1|00000000-0000-7000-8000-000000000000"}}"#
    )
}

#[test]
fn a_delete_in_another_case_trashes_the_backed_up_asset_once_and_others_assets_are_ignored() {
    let server = TestServer::start(Options::v3());
    let scratch = Scratch::new("syncdel");
    let dir = scratch.path("b");
    // Someone else's asset in the stream is not mine to back up.
    server.add_sync_fault(
        SyncFault::Inject {
            at: 0,
            count: 1,
            line: LineMaker(bobs_asset),
        },
        Some(1),
    );
    let run = backup_logged_in(&server, &dir);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    assert_eq!(run.json()["summary"]["new"], 2, "{run:?}");
    let bob = fixtures::asset_bob();
    assert!(
        !server.request_lines().iter().any(|l| l.contains(&bob)),
        "{:?}",
        server.request_lines()
    );

    // The beach asset deleted, its id in upper case, said many times over.
    let beach = fixtures::asset_beach();
    let rel = path_of(&dir, &beach);
    server.add_sync_fault(
        SyncFault::Inject {
            at: 0,
            count: 50,
            line: LineMaker(delete_beach_in_upper_case),
        },
        Some(1),
    );
    let run = backup_logged_in(&server, &dir);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    assert_eq!(run.json()["summary"]["trashed"], 1, "{run:?}");
    assert!(dir.join(".trash").join(&rel).is_file(), "{run:?}");
    assert!(state(&dir)["assets"][&beach].is_null());
}

fn first_dated_far_ahead(page: &mut Value) {
    if let Some(first) = page.pointer_mut("/assets/items/0") {
        first["updatedAt"] = Value::from("9999-12-31T00:00:00.000Z");
    }
}

#[test]
fn an_asset_dated_in_the_future_never_moves_the_walk_past_later_changes() {
    let server = TestServer::start(Options::v3());
    let scratch = Scratch::new("future");
    let dir = scratch.path("b");
    edit_search(&server, first_dated_far_ahead);
    let run = backup(&server, &dir);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    let checkpoint = state(&dir)["checkpoint"]["walkUpdatedAfter"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(!checkpoint.starts_with("9999"), "{checkpoint}");

    // A checkpoint in the future already written (by an older version, or by hand) is not
    // trusted either: a change made since is found.
    let path = dir.join(".immich-backup/state.json");
    let mut written = state(&dir);
    written["checkpoint"]["walkUpdatedAfter"] = Value::from("9999-12-31T00:00:00.000Z");
    std::fs::write(&path, serde_json::to_vec(&written).unwrap()).unwrap();
    let beach = fixtures::asset_beach();
    let new = Bytes::from_static(b"\xFF\xD8\xFF\xE0 changed after the future \xFF\xD9");
    server.replace_asset_bytes(&beach, new.clone());
    let run = backup(&server, &dir);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    assert_eq!(run.json()["summary"]["updated"], 1, "{run:?}");
    assert_eq!(
        std::fs::read(dir.join(path_of(&dir, &beach))).unwrap(),
        new.to_vec()
    );
}
