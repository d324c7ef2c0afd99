//! Peak memory of a large upload: a sparse file over 1 GiB goes through each transport to the
//! test server in sink mode, and the process's peak RSS must barely move.
//!
//! The measurement runs in a child process (this test binary again, running only the ignored
//! `child_*` test), so the other tests running in parallel here do not pollute the figure. The
//! child resets the kernel's peak-RSS mark (`/proc/self/clear_refs`) once the server and the
//! client are up, uploads, and prints one `MEMORY ...` line that the parent reads, checks and
//! prints.

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use immich_tests::server::{Options, TestServer};

/// 1.25 GiB: over the 1 GiB mark, with an odd tail.
const FILE_LEN: u64 = (5 << 28) + 12_345;
/// The most the peak RSS may grow during the upload (the benchmark goal is 32 MiB overall).
const MAX_GROWTH_KIB: u64 = 32 * 1024;
const CHILD_ENV: &str = "IMMICH_MEMORY_CHILD";

fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

/// A sparse file of `FILE_LEN` bytes, removed on drop.
struct SparseFile(PathBuf);

impl SparseFile {
    fn create(transport: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "immich-memory-{}-{transport}.mp4",
            std::process::id()
        ));
        let file = std::fs::File::create(&path).expect("create sparse file");
        file.set_len(FILE_LEN).expect("set_len");
        SparseFile(path)
    }
}

impl Drop for SparseFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Runs in the child: one upload, one `MEMORY` line.
fn measure(transport: &str) {
    let server = TestServer::start(Options::sink());
    let file = SparseFile::create(transport);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let tokio_client = immich_tokio::Client::builder(&server.url())
        .api_key(server.api_key())
        .build()
        .unwrap();
    let blocking_client = immich_blocking::Client::builder(&server.url())
        .api_key(server.api_key())
        .build()
        .unwrap();
    match transport {
        "tokio" => {
            runtime.block_on(tokio_client.setup()).unwrap();
        }
        _ => {
            blocking_client.setup().unwrap();
        }
    }
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let rss_before = status_kib("VmRSS:").unwrap_or(0);
    let hwm_before = status_kib("VmHWM:").unwrap_or(0);
    let started = Instant::now();
    let result = match transport {
        "tokio" => runtime
            .block_on(tokio_client.upload_path(&file.0, immich_tokio::UploadOptions::default()))
            .map(|r| r.status.to_string())
            .map_err(|e| e.to_string()),
        _ => blocking_client
            .upload_path(&file.0, immich_blocking::UploadOptions::new())
            .map(|r| r.status.to_string())
            .map_err(|e| e.to_string()),
    };
    let seconds = started.elapsed().as_secs_f64();
    let hwm_after = status_kib("VmHWM:").unwrap_or(0);
    let stats = server.sink_stats();
    assert_eq!(result.as_deref(), Ok("created"), "{transport} upload");
    assert_eq!(stats.uploads, 1);
    assert!(
        stats.upload_bytes > FILE_LEN,
        "the body holds the whole file"
    );
    let baseline = if reset { rss_before } else { hwm_before };
    println!(
        "\nMEMORY transport={transport} bytes={} seconds={seconds:.3} mb_per_s={:.0} \
         rss_before_kib={rss_before} peak_kib={hwm_after} growth_kib={} hwm_reset={reset}",
        stats.upload_bytes,
        stats.upload_bytes as f64 / 1e6 / seconds,
        hwm_after.saturating_sub(baseline),
    );
}

#[test]
#[ignore = "run by upload_over_1gib_keeps_peak_rss_small in a child process"]
fn child_upload_tokio() {
    if std::env::var_os(CHILD_ENV).is_some() {
        measure("tokio");
    }
}

#[test]
#[ignore = "run by upload_over_1gib_keeps_peak_rss_small in a child process"]
fn child_upload_blocking() {
    if std::env::var_os(CHILD_ENV).is_some() {
        measure("blocking");
    }
}

#[test]
fn upload_over_1gib_keeps_peak_rss_small() {
    if status_kib("VmHWM:").is_none() {
        eprintln!("memory: /proc/self/status has no VmHWM here; nothing to measure");
        return;
    }
    let exe = std::env::current_exe().expect("test binary");
    for transport in ["tokio", "blocking"] {
        let output = Command::new(&exe)
            .args([
                "--ignored",
                "--exact",
                &format!("memory::child_upload_{transport}"),
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, "1")
            .output()
            .expect("run the child");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success(),
            "{transport} child failed:\n{stdout}\n{stderr}"
        );
        let line = stdout
            .lines()
            .find_map(|l| l.find("MEMORY ").map(|at| &l[at..]))
            .unwrap_or_else(|| panic!("{transport}: no MEMORY line in\n{stdout}\n{stderr}"));
        immich_tests::report(line);
        let growth: u64 = line
            .split_whitespace()
            .find_map(|kv| kv.strip_prefix("growth_kib="))
            .and_then(|v| v.parse().ok())
            .expect("growth figure");
        assert!(
            growth <= MAX_GROWTH_KIB,
            "{transport}: peak RSS grew by {growth} KiB during a {FILE_LEN}-byte upload"
        );
    }
}
