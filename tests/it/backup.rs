//! `immich backup DIR` end to end against the in-process test server (walk source): the
//! layout, a second run that transfers nothing, changed, trashed and deleted assets, a
//! damaged checksum, an interrupted download, `--dry-run`, hostile names, `--json`, a login
//! session.
#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use immich_blocking::{AssetId, Client};
use immich_cli::{Env, EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use immich_tests::server::fixtures;
use immich_tests::{Fault, FaultRule, Options, TestServer};
use serde_json::Value;

pub(crate) struct Run {
    pub(crate) status: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Run {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{self:?}"))
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

/// `immich --json backup DIR ARGS...`
pub(crate) fn backup(server: &TestServer, dir: &Path, args: &[&str]) -> Run {
    let mut all = vec!["--json", "backup", dir.to_str().unwrap()];
    all.extend_from_slice(args);
    run_with(&env_for(server), &all)
}

/// A scratch folder, removed on drop.
pub(crate) struct Scratch(pub(crate) PathBuf);

impl Scratch {
    pub(crate) fn new(name: &str) -> Self {
        static N: AtomicU64 = AtomicU64::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("immich-backup-{}-{name}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    pub(crate) fn path(&self, relative: &str) -> PathBuf {
        self.0.join(relative)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The state file, parsed.
pub(crate) fn state(dir: &Path) -> Value {
    let bytes = std::fs::read(dir.join(".immich-backup/state.json")).unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// The path (relative to DIR) the state gives asset `id`.
pub(crate) fn path_of(dir: &Path, id: &str) -> String {
    state(dir)["assets"][id]["path"]
        .as_str()
        .unwrap_or_else(|| panic!("{id} is not in the state"))
        .to_owned()
}

/// How many original downloads the server answered or refused.
pub(crate) fn original_requests(server: &TestServer) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/original"))
        .count()
}

/// Every file below `dir` (relative, sorted), not following links.
pub(crate) fn files_below(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for item in std::fs::read_dir(dir).unwrap() {
            let item = item.unwrap();
            let kind = item.file_type().unwrap();
            if kind.is_dir() {
                walk(root, &item.path(), out);
            } else {
                let rel = item.path().strip_prefix(root).unwrap().to_owned();
                out.push(rel.to_string_lossy().into_owned());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn my_assets() -> Vec<String> {
    vec![fixtures::asset_beach(), fixtures::asset_family()]
}

#[test]
fn a_first_run_lays_out_the_library_and_a_second_transfers_nothing() {
    let server = TestServer::start(Options::v3());
    let scratch = Scratch::new("layout");
    let dir = scratch.path("photos");

    let run = backup(&server, &dir, &[]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    let report = run.json();
    assert_eq!(report["source"], "walk", "{run:?}");
    assert_eq!(report["dryRun"], false);
    let summary = &report["summary"];
    assert_eq!(summary["new"], 2, "{run:?}");
    for key in ["updated", "trashed", "unchanged", "failed"] {
        assert_eq!(summary[key], 0, "{key}: {run:?}");
    }
    let expected_bytes: usize = my_assets()
        .iter()
        .map(|id| server.asset_bytes(id).unwrap().len())
        .sum();
    assert_eq!(summary["bytes"], expected_bytes as u64);

    // Originals under their capture month, byte for byte, each with its JSON beside it.
    for id in my_assets() {
        let rel = path_of(&dir, &id);
        assert!(rel.starts_with("2024/05/"), "{rel}");
        let bytes = std::fs::read(dir.join(&rel)).unwrap();
        assert_eq!(bytes, server.asset_bytes(&id).unwrap().to_vec(), "{rel}");
        let meta: Value =
            serde_json::from_slice(&std::fs::read(dir.join(format!("{rel}.json"))).unwrap())
                .unwrap();
        assert_eq!(meta["id"], id.as_str());
        assert!(meta["checksum"].is_string());
    }
    // Someone else's asset is not part of the user's library.
    assert!(state(&dir)["assets"][fixtures::asset_bob()].is_null());

    // The albums manifest: ids, names, the assets and where they are.
    let albums: Value =
        serde_json::from_slice(&std::fs::read(dir.join("albums.json")).unwrap()).unwrap();
    let holidays = albums["albums"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == fixtures::album_holidays().as_str())
        .unwrap_or_else(|| panic!("{albums}"));
    assert!(holidays["name"].is_string());
    let members = holidays["assets"].as_array().unwrap();
    assert!(!members.is_empty(), "{holidays}");
    for member in members {
        let id = member["id"].as_str().unwrap();
        if my_assets().iter().any(|m| m == id) {
            assert_eq!(member["path"].as_str().unwrap(), path_of(&dir, id));
        }
    }

    // Nothing changed: nothing is downloaded or asked about asset by asset.
    let before = state(&dir)["assets"].clone();
    server.clear_requests();
    let run = backup(&server, &dir, &[]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    let summary = &run.json()["summary"];
    assert_eq!(summary["new"], 0, "{run:?}");
    assert_eq!(summary["unchanged"], 2, "{run:?}");
    assert_eq!(summary["bytes"], 0);
    assert_eq!(
        original_requests(&server),
        0,
        "{:?}",
        server.request_lines()
    );
    let per_asset = server
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path.starts_with("/api/assets/"))
        .count();
    assert_eq!(per_asset, 0, "{:?}", server.request_lines());
    assert_eq!(state(&dir)["assets"], before);
    // The second search asks only for what changed after the checkpoint.
    let searches: Vec<Value> = server
        .requests()
        .iter()
        .filter(|r| r.path == "/api/search/metadata")
        .map(|r| r.json())
        .collect();
    assert!(
        searches
            .iter()
            .any(|s| s["updatedAfter"].is_string() && s["withDeleted"] == true),
        "{searches:?}"
    );
}

#[test]
fn a_changed_original_is_fetched_again_and_the_old_one_kept_in_the_trash() {
    let server = TestServer::start(Options::v3());
    let scratch = Scratch::new("changed");
    let dir = scratch.path("b");
    assert_eq!(backup(&server, &dir, &[]).status, EXIT_OK);
    let beach = fixtures::asset_beach();
    let rel = path_of(&dir, &beach);
    let old = std::fs::read(dir.join(&rel)).unwrap();

    let new = Bytes::from_static(b"\xFF\xD8\xFF\xE0 a retouched beach \xFF\xD9");
    server.replace_asset_bytes(&beach, new.clone());
    // And a file removed locally comes back.
    let family_rel = path_of(&dir, &fixtures::asset_family());
    std::fs::remove_file(dir.join(&family_rel)).unwrap();

    let run = backup(&server, &dir, &[]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    let report = run.json();
    assert_eq!(report["summary"]["updated"], 1, "{run:?}");
    assert_eq!(report["summary"]["restored"], 1, "{run:?}");
    assert_eq!(path_of(&dir, &beach), rel, "the name stays");
    assert_eq!(std::fs::read(dir.join(&rel)).unwrap(), new.to_vec());
    assert_eq!(
        std::fs::read(dir.join(".trash").join(&rel)).unwrap(),
        old,
        "{:?}",
        files_below(&dir)
    );
    assert!(dir.join(".trash").join(format!("{rel}.json")).exists());
    assert!(dir.join(&family_rel).exists());
}

#[test]
fn trashed_and_deleted_assets_move_to_the_trash_and_are_never_deleted() {
    let server = TestServer::start(Options::v3());
    let scratch = Scratch::new("deleted");
    let dir = scratch.path("b");
    assert_eq!(backup(&server, &dir, &[]).status, EXIT_OK);
    let (beach, family) = (fixtures::asset_beach(), fixtures::asset_family());
    let (beach_rel, family_rel) = (path_of(&dir, &beach), path_of(&dir, &family));
    let beach_bytes = std::fs::read(dir.join(&beach_rel)).unwrap();

    // One into the server's trash (seen by the search), one gone for good (seen by the
    // listing, confirmed asset by asset).
    let client = Client::new(&server.url(), server.api_key()).unwrap();
    client.setup().unwrap();
    client
        .delete_assets(vec![AssetId::parse(beach.as_str()).unwrap()], false)
        .unwrap();
    server.purge_asset(&family);

    let run = backup(&server, &dir, &[]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    let report = run.json();
    assert_eq!(report["summary"]["trashed"], 2, "{run:?}");
    assert!(!dir.join(&beach_rel).exists());
    assert!(!dir.join(&family_rel).exists());
    assert_eq!(
        std::fs::read(dir.join(".trash").join(&beach_rel)).unwrap(),
        beach_bytes
    );
    assert!(dir.join(".trash").join(&family_rel).exists());
    assert!(state(&dir)["assets"][&beach].is_null());

    // A third run has nothing to do; --prune-trash empties the trash.
    let run = backup(&server, &dir, &["--prune-trash"]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    assert_eq!(run.json()["summary"]["trashed"], 0, "{run:?}");
    assert!(!dir.join(".trash").exists());
}

#[test]
fn a_wrong_checksum_never_gets_a_final_name() {
    let server = TestServer::start(Options::v3());
    let scratch = Scratch::new("checksum");
    let dir = scratch.path("b");
    let beach = fixtures::asset_beach();
    server.announce_wrong_checksum(&beach);

    let run = backup(&server, &dir, &[]);
    assert_eq!(run.status, EXIT_FAILED, "{run:?}");
    let report = run.json();
    assert_eq!(report["summary"]["failed"], 1, "{run:?}");
    assert_eq!(report["summary"]["new"], 1, "{run:?}");
    let failed = &report["failed"][0];
    assert_eq!(failed["id"], beach.as_str());
    assert!(
        failed["error"].as_str().unwrap().contains("checksum")
            || failed["error"].as_str().unwrap().contains("SHA-1"),
        "{failed}"
    );
    assert!(run.stderr.contains(&beach), "{run:?}");
    assert!(!dir.join(failed["path"].as_str().unwrap()).exists());
    assert!(state(&dir)["assets"][&beach].is_null());
    // Only the good asset and the bookkeeping: no stray bytes anywhere.
    let files = files_below(&dir);
    let originals: Vec<&String> = files
        .iter()
        .filter(|f| !f.starts_with(".immich-backup") && !f.ends_with(".json"))
        .collect();
    assert_eq!(originals.len(), 1, "{files:?}");
    assert!(
        files
            .iter()
            .all(|f| !f.starts_with(".immich-backup/partial/")),
        "{files:?}"
    );
}

#[test]
fn an_interrupted_download_resumes_with_range() {
    let server = TestServer::start(Options::v3());
    let scratch = Scratch::new("resume");
    let dir = scratch.path("b");
    let beach = fixtures::asset_beach();
    server.add_fault(FaultRule {
        method: None,
        path: format!("/assets/{beach}/original"),
        fault: Fault::DropMidBody,
        times: Some(1),
    });

    let run = backup(&server, &dir, &[]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    let report = run.json();
    let done = report["assets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == beach.as_str())
        .unwrap()
        .clone();
    assert!(done["resumedFrom"].as_u64().unwrap() > 0, "{done}");
    let ranges: Vec<String> = server
        .requests()
        .iter()
        .filter(|r| r.path.ends_with(&format!("{beach}/original")))
        .filter_map(|r| r.header("range").map(str::to_owned))
        .collect();
    assert_eq!(ranges.len(), 1, "{:?}", server.request_lines());
    let rel = path_of(&dir, &beach);
    assert_eq!(
        std::fs::read(dir.join(rel)).unwrap(),
        server.asset_bytes(&beach).unwrap().to_vec()
    );
}

#[test]
fn a_run_cut_off_by_a_broken_connection_resumes_on_the_next_run() {
    let server = TestServer::start(Options::v3());
    let scratch = Scratch::new("crash");
    let dir = scratch.path("b");
    let beach = fixtures::asset_beach();
    // Every attempt of this run breaks.
    server.add_fault(FaultRule {
        method: None,
        path: format!("/assets/{beach}/original"),
        fault: Fault::DropMidBody,
        times: Some(2),
    });
    let run = backup(&server, &dir, &[]);
    assert_eq!(run.status, EXIT_FAILED, "{run:?}");
    assert!(run.stderr.contains("resumed next time"), "{run:?}");
    assert!(state(&dir)["assets"][&beach].is_null());
    assert!(state(&dir)["assets"][fixtures::asset_family()].is_object());

    server.clear_requests();
    let run = backup(&server, &dir, &[]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    let summary = &run.json()["summary"];
    assert_eq!(summary["new"], 1, "{run:?}");
    assert_eq!(summary["unchanged"], 1, "{run:?}");
    assert_eq!(
        original_requests(&server),
        1,
        "{:?}",
        server.request_lines()
    );
    assert!(server
        .requests()
        .iter()
        .any(|r| r.path.ends_with("/original") && r.header("range").is_some()));
    let rel = path_of(&dir, &beach);
    assert_eq!(
        std::fs::read(dir.join(rel)).unwrap(),
        server.asset_bytes(&beach).unwrap().to_vec()
    );
}

#[test]
fn a_dry_run_changes_nothing() {
    let server = TestServer::start(Options::v3());
    let scratch = Scratch::new("dry");
    let dir = scratch.path("b");

    let run = backup(&server, &dir, &["--dry-run"]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    let report = run.json();
    assert_eq!(report["dryRun"], true);
    assert_eq!(report["summary"]["new"], 2, "{run:?}");
    assert!(!dir.exists(), "a dry run made the folder");
    assert_eq!(original_requests(&server), 0);

    // In text: what would happen, per asset.
    let text = run_with(
        &env_for(&server),
        &["backup", dir.to_str().unwrap(), "--dry-run"],
    );
    assert_eq!(text.status, EXIT_OK, "{text:?}");
    assert!(text.stdout.contains("would download"), "{text:?}");
    assert!(text.stdout.contains("dry run"), "{text:?}");

    assert_eq!(backup(&server, &dir, &[]).status, EXIT_OK);
    let files = files_below(&dir);
    let state_before = std::fs::read(dir.join(".immich-backup/state.json")).unwrap();
    let beach = fixtures::asset_beach();
    server.replace_asset_bytes(&beach, Bytes::from_static(b"\xFF\xD8 changed \xFF\xD9"));
    let client = Client::new(&server.url(), server.api_key()).unwrap();
    client.setup().unwrap();
    client
        .delete_assets(
            vec![AssetId::parse(fixtures::asset_family().as_str()).unwrap()],
            false,
        )
        .unwrap();
    server.clear_requests();
    let run = backup(&server, &dir, &["--dry-run"]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    let summary = &run.json()["summary"];
    assert_eq!(summary["updated"], 1, "{run:?}");
    assert_eq!(summary["trashed"], 1, "{run:?}");
    assert_eq!(original_requests(&server), 0);
    assert_eq!(files_below(&dir), files);
    assert_eq!(
        std::fs::read(dir.join(".immich-backup/state.json")).unwrap(),
        state_before
    );
    let writes = server
        .requests()
        .iter()
        .filter(|r| r.method != "GET" && r.path != "/api/search/metadata")
        .count();
    assert_eq!(writes, 0, "{:?}", server.request_lines());
}

#[test]
fn a_second_backup_on_the_same_folder_is_refused_while_the_first_runs() {
    let server = TestServer::start(Options::v3());
    let scratch = Scratch::new("lock");
    let dir = scratch.path("b");
    assert_eq!(backup(&server, &dir, &[]).status, EXIT_OK);

    // Another run holds the folder (the lock is an flock: a second open file conflicts even
    // in this process).
    let held = std::fs::File::open(dir.join(".immich-backup/lock")).unwrap();
    held.lock().unwrap();
    let state_before = std::fs::read(dir.join(".immich-backup/state.json")).unwrap();
    server.clear_requests();
    let run = backup(&server, &dir, &[]);
    assert_eq!(run.status, EXIT_FAILED, "{run:?}");
    assert!(
        run.stderr.contains("another `immich backup` is running on"),
        "{run:?}"
    );
    assert_eq!(original_requests(&server), 0);
    assert_eq!(
        std::fs::read(dir.join(".immich-backup/state.json")).unwrap(),
        state_before
    );
    // A dry run only reads: it goes ahead.
    assert_eq!(backup(&server, &dir, &["--dry-run"]).status, EXIT_OK);

    // Let go (as when the other process ends, however it ends): the next run goes ahead.
    drop(held);
    let run = backup(&server, &dir, &[]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
}

#[test]
fn hostile_names_stay_inside_the_folder_and_taken_names_are_numbered_once() {
    let server = TestServer::start(Options::v3());
    let scratch = Scratch::new("hostile");
    let dir = scratch.path("b");
    let (beach, family) = (fixtures::asset_beach(), fixtures::asset_family());
    server.set_asset_file_name(&beach, "../../escape.jpg");
    server.set_asset_file_name(&family, "..\\..\\escape.jpg");

    let run = backup(&server, &dir, &[]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    // Both made safe to the same name: the later one (by date, then id) is numbered.
    let mut names = vec![path_of(&dir, &beach), path_of(&dir, &family)];
    names.sort();
    assert_eq!(names, ["2024/05/escape (2).jpg", "2024/05/escape.jpg"]);
    // Nothing beside DIR in the scratch folder.
    let outside: Vec<String> = std::fs::read_dir(&scratch.0)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(outside, ["b"]);

    // Names stay as chosen, even when the server's names change again.
    let before = (path_of(&dir, &beach), path_of(&dir, &family));
    server.set_asset_file_name(&beach, "\u{1b}]0;title\u{7}\nevil.jpg");
    let run = run_with(&env_for(&server), &["backup", dir.to_str().unwrap()]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    assert_eq!((path_of(&dir, &beach), path_of(&dir, &family)), before);
    assert!(!run.stdout.contains('\u{1b}'), "{run:?}");

    // A new asset with a control-character name gets a clean one.
    let purge = family.clone();
    server.purge_asset(&purge);
    std::fs::remove_dir_all(&dir).unwrap();
    let run = backup(&server, &dir, &[]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    let rel = path_of(&dir, &beach);
    assert!(rel.starts_with("2024/05/"), "{rel}");
    assert!(!rel.chars().any(char::is_control), "{rel:?}");
    for file in files_below(&dir) {
        assert!(!file.chars().any(char::is_control), "{file:?}");
    }
}

#[test]
fn json_output_has_the_documented_shape() {
    let server = TestServer::start(Options::v3());
    let scratch = Scratch::new("json");
    let dir = scratch.path("b");
    let run = backup(&server, &dir, &[]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    let report = run.json();
    for key in [
        "source",
        "directory",
        "dryRun",
        "assets",
        "failed",
        "summary",
    ] {
        assert!(report.get(key).is_some(), "{key}: {report}");
    }
    for key in [
        "new",
        "updated",
        "restored",
        "metadata",
        "trashed",
        "unchanged",
        "failed",
        "bytes",
        "albums",
    ] {
        assert!(report["summary"][key].is_u64(), "{key}: {report}");
    }
    let first = &report["assets"][0];
    assert_eq!(first["action"], "new");
    assert!(first["id"].is_string() && first["path"].is_string() && first["bytes"].is_u64());

    // In text: one line per change and the summary with the source.
    let text = run_with(&env_for(&server), &["backup", dir.to_str().unwrap()]);
    assert_eq!(text.status, EXIT_OK, "{text:?}");
    assert!(
        text.stdout.contains("source: walk") && text.stdout.contains("unchanged 2"),
        "{text:?}"
    );
}

#[test]
fn a_login_session_backs_up_and_logs_out() {
    let server = TestServer::start(Options::v3());
    let scratch = Scratch::new("login");
    let dir = scratch.path("b");
    let env = Env::new()
        .var("IMMICH_URL", server.url())
        .var("IMMICH_PASSWORD", fixtures::PASSWORD);
    let run = run_with(
        &env,
        &[
            "--json",
            "backup",
            dir.to_str().unwrap(),
            "--email",
            fixtures::EMAIL,
            "--source",
            "walk",
        ],
    );
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    assert_eq!(run.json()["summary"]["new"], 2, "{run:?}");
    let lines = server.request_lines();
    assert!(
        lines.iter().any(|l| l == "POST /api/auth/login"),
        "{lines:?}"
    );
    assert!(
        lines.last().is_some_and(|l| l == "POST /api/auth/logout"),
        "{lines:?}"
    );
    assert!(server
        .requests()
        .iter()
        .all(|r| r.header("x-api-key").is_none()));

    // No password: a usage error before anything is sent; never one on the command line.
    let env = Env::new().var("IMMICH_URL", server.url());
    let run = run_with(
        &env,
        &["backup", dir.to_str().unwrap(), "--email", fixtures::EMAIL],
    );
    assert_eq!(run.status, EXIT_USAGE, "{run:?}");
    assert!(run.stderr.contains("IMMICH_PASSWORD"), "{run:?}");
    let run = run_with(&env, &["backup", dir.to_str().unwrap(), "--password", "x"]);
    assert_eq!(run.status, EXIT_USAGE, "{run:?}");
    // An API key cannot read the sync stream: asked for, it is a usage error.
    let run = backup(&server, &dir, &["--source", "sync"]);
    assert_eq!(run.status, EXIT_USAGE, "{run:?}");
}

#[test]
fn older_servers_are_walked_with_what_they_have() {
    for version in [
        immich_tests::server::Version::V1_118,
        immich_tests::server::Version::V2,
    ] {
        let server = TestServer::start(Options::old(version));
        let scratch = Scratch::new("old");
        let dir = scratch.path("b");
        let run = backup(&server, &dir, &[]);
        assert_eq!(run.status, EXIT_OK, "{version:?}: {run:?}");
        assert_eq!(run.json()["summary"]["new"], 2, "{version:?}: {run:?}");
        // Before v1.133 a search leaves archived assets out unless asked; later releases have
        // no such field (the gate would refuse it).
        let search = server
            .requests()
            .into_iter()
            .find(|r| r.path == "/api/search/metadata")
            .unwrap()
            .json();
        let wanted = (!version.at_least(1, 133)).then_some(true);
        assert_eq!(
            search["withArchived"].as_bool(),
            wanted,
            "{version:?}: {search}"
        );
        server.purge_asset(&fixtures::asset_family());
        server.clear_requests();
        let run = backup(&server, &dir, &[]);
        assert_eq!(run.status, EXIT_OK, "{version:?}: {run:?}");
        assert_eq!(run.json()["summary"]["trashed"], 1, "{version:?}: {run:?}");
        assert_eq!(original_requests(&server), 0, "{version:?}");
    }
}

/// `immich --json backup DIR --email ... ARGS...` with the password in the environment.
pub(crate) fn backup_logged_in(server: &TestServer, dir: &Path, args: &[&str]) -> Run {
    let env = Env::new()
        .var("IMMICH_URL", server.url())
        .var("IMMICH_PASSWORD", fixtures::PASSWORD);
    let mut all = vec![
        "--json",
        "backup",
        dir.to_str().unwrap(),
        "--email",
        fixtures::EMAIL,
    ];
    all.extend_from_slice(args);
    run_with(&env, &all)
}

#[test]
fn the_sync_source_follows_the_stream_and_acknowledges_after_the_state_is_written() {
    let server = TestServer::start(Options::v3());
    let scratch = Scratch::new("sync");
    let dir = scratch.path("b");

    let run = backup_logged_in(&server, &dir, &[]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    let report = run.json();
    assert_eq!(report["source"], "sync", "{run:?}");
    assert_eq!(report["summary"]["new"], 2, "{run:?}");
    for id in my_assets() {
        let rel = path_of(&dir, &id);
        assert_eq!(
            std::fs::read(dir.join(&rel)).unwrap(),
            server.asset_bytes(&id).unwrap().to_vec()
        );
    }
    let acks = state(&dir)["checkpoint"]["syncAcks"].clone();
    assert!(
        acks.as_array().is_some_and(|a| !a.is_empty()),
        "{}",
        state(&dir)
    );
    let lines = server.request_lines();
    let stream = lines.iter().position(|l| l == "POST /api/sync/stream");
    let ack = lines.iter().rposition(|l| l == "POST /api/sync/ack");
    let last_download = lines.iter().rposition(|l| l.ends_with("/original"));
    assert!(
        stream.is_some() && ack > last_download && ack > stream,
        "{lines:?}"
    );
    assert_eq!(
        lines.last().map(String::as_str),
        Some("POST /api/auth/logout")
    );

    // Nothing changed: the stored acks go to the new session first, and nothing is fetched.
    server.clear_requests();
    let run = backup_logged_in(&server, &dir, &[]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    assert_eq!(run.json()["summary"]["unchanged"], 2, "{run:?}");
    let lines = server.request_lines();
    assert_eq!(original_requests(&server), 0, "{lines:?}");
    let first_ack = lines.iter().position(|l| l == "POST /api/sync/ack");
    let stream = lines.iter().position(|l| l == "POST /api/sync/stream");
    assert!(first_ack < stream, "{lines:?}");
    assert!(
        !lines.iter().any(|l| l.starts_with("GET /api/assets/")),
        "{lines:?}"
    );

    // A changed original and a deleted asset arrive as events.
    let (beach, family) = (fixtures::asset_beach(), fixtures::asset_family());
    let new = Bytes::from_static(b"\xFF\xD8\xFF\xE0 synced beach \xFF\xD9");
    server.replace_asset_bytes(&beach, new.clone());
    server.purge_asset(&family);
    let family_rel = path_of(&dir, &family);
    let run = backup_logged_in(&server, &dir, &[]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    let summary = &run.json()["summary"];
    assert_eq!(summary["updated"], 1, "{run:?}");
    assert_eq!(summary["trashed"], 1, "{run:?}");
    assert_eq!(
        std::fs::read(dir.join(path_of(&dir, &beach))).unwrap(),
        new.to_vec()
    );
    assert!(dir.join(".trash").join(family_rel).exists());
}

/// A library of `extra` small images besides the fixtures, five of them named `same.jpg`
/// (numbered names), whose originals each take `delay` to start.
fn slow_library(extra: usize, delay: std::time::Duration) -> TestServer {
    let server = TestServer::start(Options::v3().extra_assets(extra).original_delay(delay));
    for id in server.asset_ids().iter().rev().take(5) {
        server.set_asset_file_name(id, "same.jpg");
    }
    server
}

/// The originals below `dir` (no metadata, no bookkeeping).
fn originals_below(dir: &Path) -> Vec<String> {
    files_below(dir)
        .into_iter()
        .filter(|f| !f.starts_with(".immich-backup") && !f.ends_with(".json"))
        .collect()
}

#[test]
fn parallel_downloads_overlap_and_give_the_same_names_and_output_as_one_at_a_time() {
    let delay = std::time::Duration::from_millis(60);
    let mut outcomes = Vec::new();
    for jobs in ["1", "4"] {
        let server = slow_library(12, delay);
        let scratch = Scratch::new("jobs");
        let dir = scratch.path("b");
        let run = backup(&server, &dir, &["--jobs", jobs]);
        assert_eq!(run.status, EXIT_OK, "{run:?}");
        let report = run.json();
        assert_eq!(report["summary"]["new"], 14, "{run:?}");
        let in_flight = server.max_originals_in_flight();
        if jobs == "1" {
            assert_eq!(in_flight, 1, "--jobs 1 downloads one at a time");
        } else {
            assert!(
                (2..=4).contains(&in_flight),
                "--jobs 4: {in_flight} at once"
            );
        }
        // Every original byte for byte under its name, with its metadata beside it.
        for id in server.asset_ids() {
            let Some(rel) = state(&dir)["assets"][&id]["path"]
                .as_str()
                .map(str::to_owned)
            else {
                continue;
            };
            assert_eq!(
                std::fs::read(dir.join(&rel)).unwrap(),
                server.asset_bytes(&id).unwrap().to_vec(),
                "{rel}"
            );
            assert!(dir.join(format!("{rel}.json")).is_file(), "{rel}");
        }
        let files = files_below(&dir);
        assert!(
            files.iter().any(|f| f.ends_with("same (5).jpg")),
            "{files:?}"
        );
        assert!(
            !files
                .iter()
                .any(|f| f.starts_with(".immich-backup/partial/")),
            "{files:?}"
        );
        let names: Vec<(String, String)> = state(&dir)["assets"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(id, e)| (id.clone(), e["path"].as_str().unwrap().to_owned()))
            .collect();
        outcomes.push((files, names, report["assets"].clone(), run.stderr));
    }
    assert_eq!(outcomes[0], outcomes[1], "--jobs 1 and --jobs 4 differ");
}

#[test]
fn jobs_outside_one_to_sixteen_is_a_usage_error_that_changes_nothing() {
    let server = TestServer::start(Options::v3());
    let scratch = Scratch::new("jobs-usage");
    let dir = scratch.path("b");
    for bad in ["0", "17", "many"] {
        let run = backup(&server, &dir, &["--jobs", bad]);
        assert_eq!(run.status, EXIT_USAGE, "{run:?}");
        assert!(
            run.stderr.contains("--jobs takes a number from 1 to 16"),
            "{run:?}"
        );
    }
    assert!(!dir.exists());
    assert!(server.requests().is_empty(), "{:?}", server.request_lines());
}

#[test]
fn a_fault_during_parallel_downloads_leaves_the_same_safe_state_as_one_at_a_time() {
    let mut outcomes = Vec::new();
    for jobs in ["1", "4"] {
        let server = slow_library(8, std::time::Duration::from_millis(20));
        let scratch = Scratch::new("jobs-fault");
        let dir = scratch.path("b");
        let beach = fixtures::asset_beach();
        let family = fixtures::asset_family();
        let ids = server.asset_ids();
        let recovers = ids.iter().rev().nth(6).unwrap().clone();
        // A damaged checksum, a connection that breaks on both attempts, and one that breaks
        // once (resumed within the run).
        server.announce_wrong_checksum(&beach);
        server.add_fault(FaultRule {
            method: None,
            path: format!("/assets/{family}/original"),
            fault: Fault::DropMidBody,
            times: Some(2),
        });
        server.add_fault(FaultRule {
            method: None,
            path: format!("/assets/{recovers}/original"),
            fault: Fault::DropMidBody,
            times: Some(1),
        });
        let run = backup(&server, &dir, &["--jobs", jobs]);
        assert_eq!(run.status, EXIT_FAILED, "{run:?}");
        let report = run.json();
        assert_eq!(report["summary"]["failed"], 2, "{run:?}");
        assert_eq!(report["summary"]["new"], 8, "{run:?}");
        // Nothing wrong or partial under a final name; what was verified is recorded.
        for failed in [&beach, &family] {
            assert!(state(&dir)["assets"][failed].is_null(), "{failed}");
        }
        let originals = originals_below(&dir);
        assert_eq!(originals.len(), 8, "{originals:?}");
        for rel in &originals {
            let id = state(&dir)["assets"]
                .as_object()
                .unwrap()
                .iter()
                .find(|(_, e)| e["path"] == rel.as_str())
                .map(|(id, _)| id.clone())
                .unwrap_or_else(|| panic!("{rel} is not in the state"));
            assert_eq!(
                std::fs::read(dir.join(rel)).unwrap(),
                server.asset_bytes(&id).unwrap().to_vec(),
                "{rel}"
            );
        }
        // The broken download is kept to resume; the damaged one is gone.
        let partial: Vec<String> = files_below(&dir)
            .into_iter()
            .filter(|f| f.starts_with(".immich-backup/partial/"))
            .collect();
        assert!(partial.iter().any(|f| f.contains(&family)), "{partial:?}");
        assert!(!partial.iter().any(|f| f.contains(&beach)), "{partial:?}");
        let names: Vec<(String, String)> = state(&dir)["assets"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(id, e)| (id.clone(), e["path"].as_str().unwrap().to_owned()))
            .collect();
        outcomes.push((
            originals,
            partial,
            names,
            report["assets"].clone(),
            report["failed"].clone(),
        ));

        // The next run finishes the broken download with Range.
        server.clear_faults();
        server.clear_requests();
        let run = backup(&server, &dir, &["--jobs", jobs]);
        assert_eq!(run.status, EXIT_FAILED, "{run:?}");
        assert!(state(&dir)["assets"][&family].is_object(), "{run:?}");
        assert!(server.requests().iter().any(
            |r| r.path.ends_with(&format!("{family}/original")) && r.header("range").is_some()
        ));
    }
    assert_eq!(outcomes[0], outcomes[1], "--jobs 1 and --jobs 4 differ");
}

#[test]
fn a_walk_over_many_pages_writes_each_assets_own_json_and_leaves_no_scratch_file() {
    let server = TestServer::start(Options::v3().extra_assets(7).page_cap(3));
    let scratch = Scratch::new("pages");
    let dir = scratch.path("b");
    let run = backup(&server, &dir, &[]);
    assert_eq!(run.status, EXIT_OK, "{run:?}");
    assert_eq!(run.json()["summary"]["new"], 9, "{run:?}");
    let searches = server
        .requests()
        .iter()
        .filter(|r| r.path == "/api/search/metadata")
        .count();
    assert!(searches >= 3, "{:?}", server.request_lines());
    let assets = state(&dir)["assets"].as_object().unwrap().clone();
    assert_eq!(assets.len(), 9);
    for (id, entry) in &assets {
        let rel = entry["path"].as_str().unwrap();
        let text = std::fs::read_to_string(dir.join(format!("{rel}.json"))).unwrap();
        let meta: Value = serde_json::from_str(&text).unwrap();
        // The asset's own JSON, as the server sent it, pretty-printed.
        assert_eq!(meta["id"], id.as_str(), "{rel}");
        assert_eq!(
            meta["originalFileName"].as_str().map(|n| rel.ends_with(n)),
            Some(true)
        );
        assert_eq!(text, serde_json::to_string_pretty(&meta).unwrap());
    }
    let bookkeeping: Vec<String> = files_below(&dir)
        .into_iter()
        .filter(|f| f.starts_with(".immich-backup/"))
        .collect();
    assert_eq!(
        bookkeeping,
        [".immich-backup/lock", ".immich-backup/state.json"],
        "{bookkeeping:?}"
    );
}
