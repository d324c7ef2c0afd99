//! The backup case: `immich backup DIR` run a second time over an unchanged library (issue 12).
//! A first run fills the folder (reported apart, for reference, with `--jobs 1` and with
//! `--jobs 4`); the second run must find nothing to do: no original downloaded, in under 2 s,
//! in little memory. The server is the full test server (not the sink: the backup needs a
//! real library, its change times and its originals), seeded with small images; the CLI runs
//! through its library entry point in a child process of its own (`--child backup ...`), as
//! the other clients do.

use std::collections::HashMap;
use std::time::Instant;

use super::process::{measure, peak_rss_kib, Measured};
use super::{count_label, median, median_kib, Bench, Better, Failure, Row, TempDir};
use crate::server::{Options, TestServer};

/// The second runs' `--jobs` (the default; nothing downloads there anyway).
const DEFAULT_JOBS: usize = 4;

/// The second run's goal, seconds.
const GOAL_SECONDS: f64 = 2.0;
/// The second run's goal, peak RSS in KiB. The process alone is about 8 MiB; 2 KiB an asset
/// of the 10,000 would bring it to 28 MiB, and the rest is room for the spread between runs
/// (a real library has 100,000 to 500,000 assets: the cost per asset is what matters).
const GOAL_RSS_KIB: u64 = 40 * 1024;

/// How many assets of the user's own the library holds.
fn library(smoke: bool) -> usize {
    if smoke {
        200
    } else {
        10_000
    }
}

/// The child's side: `--child backup url=... key=... dir=... [jobs=N]`. Runs
/// `immich --json backup DIR [--jobs N]` and prints a `RESULT` line: the time inside the
/// process, the bytes the backup reports it downloaded, the assets it wrote (new, updated,
/// restored) and those it left unchanged.
pub(crate) fn backup_main(args: &HashMap<String, String>) -> Result<(), Failure> {
    let get = |key: &str| args.get(key).cloned().unwrap_or_default();
    let env = immich_cli::Env::new()
        .var("IMMICH_URL", get("url"))
        .var("IMMICH_API_KEY", get("key"));
    let dir = get("dir");
    let jobs = get("jobs");
    let mut argv = vec!["--json", "backup", dir.as_str()];
    if !jobs.is_empty() {
        argv.extend(["--jobs", jobs.as_str()]);
    }
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let started = Instant::now();
    let status = immich_cli::run(argv, &env, &mut stdout, &mut stderr);
    let seconds = started.elapsed().as_secs_f64();
    if status != immich_cli::EXIT_OK {
        return Err(Failure(format!(
            "immich backup exited with {status}: {}",
            String::from_utf8_lossy(&stderr)
        )));
    }
    let report: serde_json::Value = serde_json::from_slice(&stdout)
        .map_err(|e| Failure(format!("immich backup printed no JSON report: {e}")))?;
    let summary = &report["summary"];
    let number = |key: &str| summary[key].as_u64().unwrap_or(0);
    println!(
        "RESULT op_seconds={seconds:.6} bytes={} items={} unchanged={} failed={} hwm_kib={}",
        number("bytes"),
        number("new") + number("updated") + number("restored"),
        number("unchanged"),
        number("failed"),
        peak_rss_kib().unwrap_or(0)
    );
    Ok(())
}

/// A scratch folder in memory (`/dev/shm`) where there is one, else in the temp dir. The
/// backup makes every file it writes durable (fsync of file and folder): on this machine's
/// disk that is about 20 ms a file, which would make the unmeasured first run of 10,000 assets
/// take minutes; the second run writes only the state file.
fn memory_dir() -> Result<TempDir, Failure> {
    let shm = std::path::Path::new("/dev/shm");
    if !shm.is_dir() {
        return TempDir::create();
    }
    let path = shm.join(format!("immich-bench-backup-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&path);
    std::fs::create_dir(&path)
        .map_err(|e| Failure(format!("cannot create {}: {e}", path.display())))?;
    Ok(TempDir(path))
}

/// How many original downloads the server answered.
fn originals(server: &TestServer) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/original"))
        .count()
}

impl Bench<'_> {
    /// A first backup of the library with `--jobs 1` and one with `--jobs 4` into another
    /// folder (for reference), then the measured second runs over the first folder.
    pub(super) fn backup(&mut self) -> Result<(), Failure> {
        let config = self.config;
        let n = library(config.smoke);
        // Beach and family are the user's; bob's asset is not.
        let server = TestServer::try_start(Options::v3().extra_assets(n - 2))
            .map_err(|e| Failure(format!("cannot start the test server: {e}")))?;
        let scratch = memory_dir()?;
        let run_in = |folder: &str, jobs: usize| -> Result<Measured, Failure> {
            let args = [
                "--child".to_owned(),
                "backup".to_owned(),
                format!("url={}", server.url()),
                format!("key={}", server.api_key()),
                format!("dir={}", scratch.0.join(folder).display()),
                format!("jobs={jobs}"),
            ];
            let m = measure(&config.exe, config.child_timeout, &config.exe, &args)?;
            if m.field("failed")? != 0.0 {
                return Err(Failure(format!("the backup failed assets: {:?}", m.result)));
            }
            Ok(m)
        };
        let mut firsts = Vec::new();
        for (folder, jobs) in [("backup", 1), ("backup-jobs-4", 4)] {
            server.clear_requests();
            let first = run_in(folder, jobs)?;
            let written = first.field("items")? as usize;
            if written != n || originals(&server) != n {
                return Err(Failure(format!(
                    "the first backup (--jobs {jobs}) wrote {written} and downloaded {} of {n} \
                     assets",
                    originals(&server)
                )));
            }
            firsts.push((jobs, first));
        }
        server.clear_requests();
        let run = || run_in("backup", DEFAULT_JOBS);
        let mut seconds = Vec::new();
        let mut rss = Vec::new();
        for _ in 0..config.runs {
            let m = run()?;
            let (items, unchanged) = (m.field("items")?, m.field("unchanged")? as usize);
            if items != 0.0 || m.field("bytes")? != 0.0 || unchanged != n {
                return Err(Failure(format!(
                    "the second backup of an unchanged library did something: {:?}",
                    m.result
                )));
            }
            seconds.push(m.seconds);
            rss.push(m.field("hwm_kib")? as u64);
        }
        let fetched = originals(&server);
        let case = format!(
            "a second backup run of an unchanged {}-asset library",
            count_label(n)
        );
        let value = median(&seconds);
        let peak = median_kib(&rss);
        self.rows.push(Row {
            case: case.clone(),
            client: format!("immich backup, {fetched} originals downloaded"),
            value,
            samples: seconds,
            unit: "s",
            better: Better::Lower,
            peak_rss_kib: peak,
            ratio: Some((value / GOAL_SECONDS, "2 s".to_owned())),
            goal: "no original read or downloaded; < 2 s; peak RSS <= 40 MiB".to_owned(),
            met: Some(
                fetched == 0 && value < GOAL_SECONDS && peak.is_some_and(|k| k <= GOAL_RSS_KIB),
            ),
        });
        for (jobs, first) in firsts {
            self.rows.push(Row {
                case: case.clone(),
                client: format!(
                    "the first run, --jobs {jobs} ({} originals downloaded)",
                    count_label(n)
                ),
                value: first.seconds,
                samples: vec![first.seconds],
                unit: "s",
                better: Better::Lower,
                peak_rss_kib: first.field("hwm_kib").ok().map(|k| k as u64),
                ratio: None,
                goal: "report".to_owned(),
                met: None,
            });
        }
        Ok(())
    }
}
