//! The benchmark of issue 6: upload, download, request overhead and decoding, each measured
//! against curl on the same local sink server in the same run.
//!
//! Issue 14 added hashing then sending (against `openssl sha1` + curl), SHA-1 speed, a grid of
//! thumbnails fetched 16 at a time, folders of many files uploaded with the check, and a walk
//! of a whole library from lazily generated search pages.
//!
//! Issue 12 added the sync stream (a million generated asset events) and a second run of
//! `immich backup` over an unchanged library (`backup.rs`: the full test server, not the sink).
//!
//! Issue 16 added `immich upload` of a zip archive against the same files in a folder
//! (`zip_upload.rs`: 2 GiB with `--large`, 256 MiB by default).
//!
//! Run it with `cargo run --release -p immich-tests --bin bench` (add `--large` for the 1 GiB
//! file and video and the million-asset library, `--smoke` for the quick mode the test suite
//! runs). It prints a table and writes it to `target/bench/results.md`.
//!
//! **Setup.** The sink server ([`Options::sink`]: no state, no log, precomputed answers) runs
//! on `127.0.0.1` in this process, on its own thread and single-threaded tokio runtime. Every
//! client (our two transports and curl) runs in its own child process, started the same way
//! through a small wrapper that times it from start to exit and reads its peak memory (see
//! `process.rs`). The machine has two cores: the sink takes one, the client the other.
//!
//! **Statistics.** Each case runs [`Config::runs`] times, the clients interleaved run by run,
//! and the table shows medians. Rates for the 2,000-request cases are differential:
//! `(N - 1) / (T(N) - T(1))` with `T` the whole process's wall time, which takes process start,
//! client setup and connecting out of the figure for every client alike.

mod backup;
mod child;
mod curl;
mod decode;
mod process;
mod sync_stream;
mod zip_upload;

use std::fmt::{self, Write as _};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::{HeaderMap, Request};
use immich_proto::assets::{AssetMediaSize, PlayAssetVideo, ViewAsset};
use immich_proto::server::GetAboutInfo;
use immich_proto::{AssetId, DateTime, Endpoint, MediaEndpoint, Server, ServerVersion};

use crate::server::{Options, TestServer};

pub use child::child_main;
use process::{measure, Measured};

/// Why the benchmark could not run or a client misbehaved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure(pub String);

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Failure {}

/// The largest peak RSS a client may reach in the 1 GiB cases.
pub const RSS_GOAL_KIB: u64 = 32 * 1024;

/// The decode rate the library walk must reach, assets per second.
const WALK_GOAL: f64 = 150_000.0;

/// The asset id the video and thumbnail cases ask for (any v4 UUID: the sink ignores it).
const ASSET_ID: &str = "3f1c7e0a-5b2d-4c8e-9a6f-1d2e3f4a5b6c";

/// What to run, and how big.
#[derive(Debug, Clone)]
pub struct Config {
    /// The quick mode: small sizes, one run per case.
    pub smoke: bool,
    /// Runs per case (the table shows the median).
    pub runs: usize,
    /// This benchmark's binary, re-run for the child processes (`--child ...`).
    pub exe: PathBuf,
    /// curl.
    pub curl: PathBuf,
    /// The uploaded file's size (a sparse file).
    pub file_len: u64,
    /// The streamed video's size.
    pub video_len: u64,
    /// Requests per run in the `/server/about` and thumbnail cases.
    pub requests: usize,
    /// Each thumbnail's size.
    pub thumbnail_len: usize,
    /// Search pages, and assets per page.
    pub pages: usize,
    /// Assets per search page.
    pub page_size: usize,
    /// Decodes per run in the decode case.
    pub decode_iterations: usize,
    /// A client process still running after this long is killed and the benchmark fails.
    pub child_timeout: Duration,
    /// The large mode (`--large`): the 1 GiB file and video, the million-asset library.
    pub large: bool,
    /// openssl, the baseline of SHA-1 (`openssl sha1`, `openssl speed`).
    pub openssl: PathBuf,
    /// Bytes hashed in memory for the SHA-1 speed case.
    pub sha1_bytes: usize,
    /// The folder of many small files: how many, and each one's size.
    pub small_files: (usize, u64),
    /// The folder of large files: how many, and each one's size.
    pub large_files: (usize, u64),
    /// Uploads in flight at once in the folder cases (the CLI's default `--concurrency`).
    pub folder_parallel: usize,
    /// Thumbnails in flight at once in the grid case.
    pub grid_parallel: usize,
    /// The library walk: pages, and assets per page.
    pub walk: (usize, usize),
    /// The zip case (issue 16): the total size of the files uploaded from a folder and from a
    /// zip archive of them.
    pub zip_bytes: u64,
}

impl Config {
    /// The default run, about a minute: the file and the video at 256 MiB, a 100,000-asset
    /// library; everything else at the sizes of the issues.
    pub fn full(exe: impl Into<PathBuf>) -> Self {
        Config {
            smoke: false,
            runs: 5,
            exe: exe.into(),
            curl: PathBuf::from("/usr/bin/curl"),
            file_len: 256 << 20,
            video_len: 256 << 20,
            requests: 2000,
            thumbnail_len: 64 * 1024,
            pages: 5,
            page_size: 1000,
            decode_iterations: 20,
            child_timeout: Duration::from_secs(300),
            large: false,
            openssl: PathBuf::from("/usr/bin/openssl"),
            sha1_bytes: 64 << 20,
            small_files: (2000, 200 * 1024),
            large_files: (20, 50 << 20),
            folder_parallel: 4,
            grid_parallel: 16,
            walk: (100, 1000),
            zip_bytes: 256 << 20,
        }
    }

    /// The large mode (`--large`): the 1 GiB file and video and the million-asset library of
    /// issue 14, several minutes.
    pub fn large(exe: impl Into<PathBuf>) -> Self {
        Config {
            large: true,
            file_len: 1 << 30,
            video_len: 1 << 30,
            walk: (1000, 1000),
            zip_bytes: 2 << 30,
            ..Config::full(exe)
        }
    }

    /// The smoke mode: every case once, on small sizes.
    pub fn smoke(exe: impl Into<PathBuf>) -> Self {
        Config {
            smoke: true,
            runs: 1,
            file_len: 8 << 20,
            video_len: 8 << 20,
            requests: 20,
            pages: 2,
            page_size: 100,
            decode_iterations: 2,
            child_timeout: Duration::from_secs(60),
            sha1_bytes: 1 << 20,
            small_files: (20, 16 * 1024),
            large_files: (3, 1 << 20),
            walk: (3, 100),
            zip_bytes: (4 << 20) + (256 << 10),
            ..Config::full(exe)
        }
    }
}

/// Whether higher or lower figures are better.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    /// Throughput: MB/s, requests/s, assets/s.
    Higher,
    /// Time.
    Lower,
}

/// One line of the table: one client in one case.
#[derive(Debug, Clone)]
pub struct Row {
    /// The case, e.g. `upload a 1 GiB file`.
    pub case: String,
    /// `tokio`, `blocking`, `curl`, ...
    pub client: String,
    /// The median.
    pub value: f64,
    /// Every run's figure.
    pub samples: Vec<f64>,
    /// `MB/s`, `req/s`, `ms/page`, ...
    pub unit: &'static str,
    /// Which way is better.
    pub better: Better,
    /// The client's peak RSS (median over runs), where measured.
    pub peak_rss_kib: Option<u64>,
    /// This row's value over its baseline's, and what the baseline is.
    pub ratio: Option<(f64, String)>,
    /// The goal, as the issue states it.
    pub goal: String,
    /// Whether the goal is met (`None`: nothing to meet, e.g. the baseline itself).
    pub met: Option<bool>,
}

/// Everything one run of the benchmark measured.
#[derive(Debug, Clone)]
pub struct Report {
    /// The table.
    pub rows: Vec<Row>,
    /// How it was run: machine, sizes, method.
    pub notes: Vec<String>,
}

impl Report {
    /// The rows of one case.
    pub fn case(&self, prefix: &str) -> Vec<&Row> {
        self.rows
            .iter()
            .filter(|r| r.case.starts_with(prefix))
            .collect()
    }

    /// The table as Markdown, followed by the notes.
    pub fn markdown(&self) -> String {
        let mut out = String::from(
            "| case | client | median | peak RSS | vs baseline | goal | met |\n\
             |---|---|---:|---:|---:|---|---|\n",
        );
        for row in &self.rows {
            let rss = row
                .peak_rss_kib
                .map_or_else(String::new, |kib| format!("{:.1} MiB", kib as f64 / 1024.0));
            let ratio = row
                .ratio
                .as_ref()
                .map_or_else(String::new, |(r, base)| format!("{r:.2}x {base}"));
            let met = match row.met {
                Some(true) => "yes",
                Some(false) => "**no**",
                None => "",
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} {} | {rss} | {ratio} | {} | {met} |",
                row.case,
                row.client,
                format_value(row.value),
                row.unit,
                row.goal
            );
        }
        out.push('\n');
        for note in &self.notes {
            let _ = writeln!(out, "- {note}");
        }
        out
    }
}

fn format_value(value: f64) -> String {
    if value >= 100.0 {
        format!("{value:.0}")
    } else if value >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}

/// The median (the mean of the middle two for an even count); 0 for none.
pub fn median(values: &[f64]) -> f64 {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => 0.0,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

fn median_kib(values: &[u64]) -> Option<u64> {
    let as_f64: Vec<f64> = values.iter().map(|&v| v as f64).collect();
    (!values.is_empty()).then(|| median(&as_f64) as u64)
}

/// A human size: `1 GiB`, `8 MiB`, `64 KiB`.
fn size_label(bytes: u64) -> String {
    if bytes >= 1 << 30 && bytes.is_multiple_of(1 << 30) {
        format!("{} GiB", bytes >> 30)
    } else if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else if bytes.is_multiple_of(1024) {
        format!("{} KiB", bytes >> 10)
    } else {
        format!("{bytes} B")
    }
}

/// A count with a thousands separator: `2,000`.
fn count_label(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A directory under the system's temp dir, removed with everything in it on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn create() -> Result<Self, Failure> {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let path =
            std::env::temp_dir().join(format!("immich-bench-{}-{nanos:09}", std::process::id()));
        std::fs::create_dir(&path)
            .map_err(|e| Failure(format!("cannot create {}: {e}", path.display())))?;
        Ok(TempDir(path))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What every case needs.
struct Bench<'a> {
    config: &'a Config,
    server: TestServer,
    /// The same server settings the clients use, to build curl's requests with the core.
    core: Server,
    dir: TempDir,
    file: PathBuf,
    rows: Vec<Row>,
}

const TRANSPORTS: [&str; 2] = ["tokio", "blocking"];

/// Runs every case and returns the report. Fails with a clear message if curl is missing, a
/// client fails, or a client's figures do not add up (wrong byte or request counts).
pub fn run(config: &Config) -> Result<Report, Failure> {
    if !config.curl.is_file() {
        return Err(Failure(format!(
            "curl is not at {}: the benchmark compares every case against curl on the same \
             server, so it cannot run without it (install curl, e.g. `apt-get install curl`)",
            config.curl.display()
        )));
    }
    if !config.openssl.is_file() {
        return Err(Failure(format!(
            "openssl is not at {}: it is the baseline of the SHA-1 cases (install it, e.g. \
             `apt-get install openssl`)",
            config.openssl.display()
        )));
    }
    if !config.exe.is_file() {
        return Err(Failure(format!(
            "the benchmark binary is not at {} (it runs the clients in child processes)",
            config.exe.display()
        )));
    }
    let mut options = Options::sink();
    options.sink_video_len = config.video_len;
    options.sink_thumbnail_len = config.thumbnail_len;
    options.sink_search = (config.pages, config.page_size);
    let server = TestServer::try_start(options)
        .map_err(|e| Failure(format!("cannot start the sink server: {e}")))?;
    let core = Server::new(&server.url())
        .and_then(|s| s.with_api_key(server.api_key()))
        .map(|s| s.with_version(ServerVersion::new(3, 0, 0)))
        .map_err(|e| Failure(format!("server settings: {e}")))?;
    let dir = TempDir::create()?;
    let file = dir.0.join("IMG_bench.mp4");
    // Sparse: no disk space, and reads come from the page cache, the same for every client.
    std::fs::File::create(&file)
        .and_then(|f| f.set_len(config.file_len))
        .map_err(|e| Failure(format!("cannot create the upload file: {e}")))?;
    let load_before = load_average();
    let mut bench = Bench {
        config,
        server,
        core,
        dir,
        file,
        rows: Vec::new(),
    };
    bench.upload()?;
    bench.sha1_speed()?;
    bench.video()?;
    bench.requests("about")?;
    bench.requests("thumbnail")?;
    bench.grid()?;
    bench.folder(false)?;
    bench.folder(true)?;
    bench.decode()?;
    bench.paging()?;
    bench.walk()?;
    bench.sync_stream()?;
    bench.backup()?;
    bench.zip_upload()?;
    let mut notes = bench.notes();
    notes.push(format!(
        "Load average (1 min) of the machine, which other work shares: {load_before} at the \
         start, {} at the end.",
        load_average()
    ));
    Ok(Report {
        rows: bench.rows,
        notes,
    })
}

impl Bench<'_> {
    fn url(&self) -> String {
        self.server.url()
    }

    /// Runs one of our clients (through the wrapper).
    fn client(&self, transport: &str, op: &str, extra: &[String]) -> Result<Measured, Failure> {
        let mut args = vec![
            "--child".to_owned(),
            "client".to_owned(),
            format!("transport={transport}"),
            format!("op={op}"),
            format!("url={}", self.url()),
            format!("key={}", self.server.api_key()),
        ];
        args.extend_from_slice(extra);
        measure(
            &self.config.exe,
            self.config.child_timeout,
            &self.config.exe,
            &args,
        )
    }

    /// Runs curl with a config file (through the wrapper).
    fn curl(&self, job: &curl::CurlJob) -> Result<Measured, Failure> {
        measure(
            &self.config.exe,
            self.config.child_timeout,
            &self.config.curl,
            &job.args(),
        )
    }

    /// The URL and headers (`x-api-key`, `accept`) of a request our core builds, for curl to
    /// send the same.
    fn url_and_headers(
        request: Result<Request<Bytes>, immich_proto::Error>,
    ) -> Result<(String, HeaderMap), Failure> {
        let request = request.map_err(|e| Failure(format!("request: {e}")))?;
        Ok((request.uri().to_string(), request.headers().clone()))
    }

    fn asset_id() -> Result<AssetId, Failure> {
        AssetId::parse(ASSET_ID).map_err(|e| Failure(e.to_string()))
    }

    /// Upload, plain and with checksum, each transport, and curl `-F`.
    fn upload(&mut self) -> Result<(), Failure> {
        let config = self.config;
        let case = format!("upload a {} file", size_label(config.file_len));
        let checksum_case = format!(
            "upload a {} file with checksum (SHA-1 pass, then upload)",
            size_label(config.file_len)
        );
        let (_, headers) = Self::url_and_headers(GetAboutInfo::new().request(&self.core))?;
        let upload_url = format!("{}/api/assets", self.url());
        let modified = std::fs::metadata(&self.file)
            .and_then(|m| m.modified())
            .map_err(|e| Failure(e.to_string()))?;
        let file_time = DateTime::from_system_time(
            modified
                .duration_since(UNIX_EPOCH)
                .map_err(|e| e.duration()),
        )
        .to_utc_string();
        let job = curl::upload(
            &self.dir.0,
            "upload",
            &headers,
            &upload_url,
            &curl::UploadFile {
                path: &self.file,
                name: "IMG_bench.mp4",
                time: &file_time,
            },
        )?;
        let file_arg = format!("file={}", self.file.display());
        let mb = config.file_len as f64 / 1e6;
        // client -> (MB/s samples, seconds samples, rss samples)
        let names = [
            "tokio",
            "blocking",
            "tokio+checksum",
            "blocking+checksum",
            "curl",
            "openssl",
        ];
        let mut rates: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
        let mut seconds: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
        let mut rss: Vec<Vec<u64>> = vec![Vec::new(); names.len()];
        for _ in 0..config.runs {
            for (i, name) in names.iter().enumerate() {
                let before = self.server.sink_stats();
                if *name == "openssl" {
                    let m = self.openssl_sha1(std::slice::from_ref(&self.file))?;
                    rates[i].push(mb / m.seconds);
                    seconds[i].push(m.seconds);
                    continue;
                }
                let measured = match *name {
                    "curl" => {
                        let m = self.curl(&job)?;
                        let (ok, _) = curl::transfers(&m.lines);
                        if ok != 1 {
                            return Err(Failure(format!("curl upload: {:?}", m.lines)));
                        }
                        rss[i].push(m.maxrss_kib);
                        m
                    }
                    _ => {
                        let (transport, checksum) = match name.split_once('+') {
                            Some((t, _)) => (t, "1"),
                            None => (*name, "0"),
                        };
                        let m = self.client(
                            transport,
                            "upload",
                            &[file_arg.clone(), format!("checksum={checksum}")],
                        )?;
                        rss[i].push(m.field("hwm_kib")? as u64);
                        m
                    }
                };
                let after = self.server.sink_stats();
                if after.uploads != before.uploads + 1
                    || after.upload_bytes - before.upload_bytes < config.file_len
                {
                    return Err(Failure(format!(
                        "{name}: the sink did not receive the whole file ({before:?} -> {after:?})"
                    )));
                }
                rates[i].push(mb / measured.seconds);
                seconds[i].push(measured.seconds);
            }
        }
        let curl_rate = median(&rates[4]);
        for (i, name) in names.iter().enumerate().take(2) {
            let value = median(&rates[i]);
            let peak = median_kib(&rss[i]);
            let ratio = value / curl_rate;
            self.rows.push(Row {
                case: case.clone(),
                client: (*name).to_owned(),
                value,
                samples: rates[i].clone(),
                unit: "MB/s",
                better: Better::Higher,
                peak_rss_kib: peak,
                ratio: Some((ratio, "curl".to_owned())),
                goal: ">= 0.9x curl; peak RSS <= 32 MiB".to_owned(),
                met: Some(ratio >= 0.9 && peak.is_some_and(|p| p <= RSS_GOAL_KIB)),
            });
        }
        self.rows.push(Row {
            case: case.clone(),
            client: "curl -F".to_owned(),
            value: curl_rate,
            samples: rates[4].clone(),
            unit: "MB/s",
            better: Better::Higher,
            peak_rss_kib: median_kib(&rss[4]),
            ratio: None,
            goal: "baseline".to_owned(),
            met: None,
        });
        for (i, plain) in [(2, 0), (3, 1)] {
            let value = median(&seconds[i]);
            let ratio = value / median(&seconds[plain]);
            self.rows.push(Row {
                case: checksum_case.clone(),
                client: TRANSPORTS[plain].to_owned(),
                value,
                samples: seconds[i].clone(),
                unit: "s",
                better: Better::Lower,
                peak_rss_kib: median_kib(&rss[i]),
                ratio: Some((ratio, "plain upload".to_owned())),
                goal: "total time <= 1.5x the plain upload".to_owned(),
                met: Some(ratio <= 1.5),
            });
        }
        // Issue 14: the same uploads against `openssl sha1 FILE` followed by curl's upload.
        let pair: Vec<f64> = seconds[5]
            .iter()
            .zip(&seconds[4])
            .map(|(hash, send)| hash + send)
            .collect();
        let pair_value = median(&pair);
        let hash_case = format!("hash, then send a {} file", size_label(config.file_len));
        for (i, client) in [
            (2, "tokio"),
            (3, "blocking"),
            (0, "tokio, no pre-check (one read)"),
            (1, "blocking, no pre-check (one read)"),
        ] {
            let value = median(&seconds[i]);
            let ratio = value / pair_value;
            self.rows.push(Row {
                case: hash_case.clone(),
                client: client.to_owned(),
                value,
                samples: seconds[i].clone(),
                unit: "s",
                better: Better::Lower,
                peak_rss_kib: median_kib(&rss[i]),
                ratio: Some((ratio, "the pair".to_owned())),
                goal: "<= 1.1x openssl sha1 + curl -F".to_owned(),
                met: Some(ratio <= 1.1),
            });
        }
        self.rows.push(Row {
            case: hash_case,
            client: "openssl sha1 FILE, then curl -F".to_owned(),
            value: pair_value,
            samples: pair,
            unit: "s",
            better: Better::Lower,
            peak_rss_kib: None,
            ratio: None,
            goal: format!("baseline (openssl alone {:.2} s)", median(&seconds[5])),
            met: None,
        });
        Ok(())
    }

    /// `openssl sha1 FILES...` (through the wrapper).
    fn openssl_sha1(&self, files: &[PathBuf]) -> Result<Measured, Failure> {
        let mut args = vec!["sha1".to_owned()];
        args.extend(files.iter().map(|f| f.display().to_string()));
        let m = measure(
            &self.config.exe,
            self.config.child_timeout,
            &self.config.openssl,
            &args,
        )?;
        if m.lines.len() != files.len() {
            return Err(Failure(format!(
                "openssl sha1 printed {} lines for {} files",
                m.lines.len(),
                files.len()
            )));
        }
        Ok(m)
    }

    /// The SHA-1 the uploads use (the core's `Sha1Checksum`), in memory, against
    /// `openssl speed -evp sha1` in the same run.
    fn sha1_speed(&mut self) -> Result<(), Failure> {
        let config = self.config;
        let data: Vec<u8> = (0..config.sha1_bytes).map(|i| (i % 253) as u8).collect();
        let mut ours = Vec::new();
        let mut theirs = Vec::new();
        for _ in 0..config.runs {
            let started = std::time::Instant::now();
            let mut hasher = immich_proto::checksum::Sha1Checksum::new();
            for piece in data.chunks(64 * 1024) {
                hasher.update(piece);
            }
            std::hint::black_box(hasher.finish());
            ours.push(data.len() as f64 / 1e6 / started.elapsed().as_secs_f64());
            theirs.push(self.openssl_speed()?);
        }
        let case = format!(
            "SHA-1 of {} in memory",
            size_label(config.sha1_bytes as u64)
        );
        let ratio = median(&ours) / median(&theirs);
        self.rows.push(Row {
            case: case.clone(),
            client: "immich-proto (sha1 crate)".to_owned(),
            value: median(&ours),
            samples: ours,
            unit: "MB/s",
            better: Better::Higher,
            peak_rss_kib: None,
            ratio: Some((ratio, "openssl".to_owned())),
            goal: ">= 1.0x openssl (SHA extensions used)".to_owned(),
            met: Some(ratio >= 0.95),
        });
        self.rows.push(Row {
            case,
            client: "openssl speed -evp sha1 (64 KiB blocks)".to_owned(),
            value: median(&theirs),
            samples: theirs,
            unit: "MB/s",
            better: Better::Higher,
            peak_rss_kib: None,
            ratio: None,
            goal: "baseline".to_owned(),
            met: None,
        });
        Ok(())
    }

    /// `openssl speed -evp sha1` on 64 KiB blocks for a moment: MB/s.
    fn openssl_speed(&self) -> Result<f64, Failure> {
        let output = std::process::Command::new(&self.config.openssl)
            .args(["speed", "-evp", "sha1", "-bytes", "65536", "-seconds", "1"])
            .stderr(std::process::Stdio::null())
            .output()
            .map_err(|e| Failure(format!("openssl speed: {e}")))?;
        let text = String::from_utf8_lossy(&output.stdout);
        text.lines()
            .filter(|l| l.starts_with("sha1"))
            .find_map(|l| l.split_whitespace().last())
            .and_then(|v| v.trim_end_matches('k').parse::<f64>().ok())
            .map(|kb| kb / 1e3)
            .ok_or_else(|| Failure(format!("openssl speed printed no sha1 figure: {text}")))
    }

    /// The video to nowhere, each transport, and curl `-o /dev/null`.
    fn video(&mut self) -> Result<(), Failure> {
        let config = self.config;
        let case = format!("stream a {} video to nowhere", size_label(config.video_len));
        let (url, headers) = Self::url_and_headers(MediaEndpoint::request(
            &PlayAssetVideo::new(Self::asset_id()?),
            &self.core,
        ))?;
        let job = curl::gets(&self.dir.0, "video", &headers, &url, 1)?;
        let id_arg = format!("id={ASSET_ID}");
        let mb = config.video_len as f64 / 1e6;
        let names = ["tokio", "blocking", "curl"];
        let mut rates: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
        let mut rss: Vec<Vec<u64>> = vec![Vec::new(); names.len()];
        for _ in 0..config.runs {
            for (i, name) in names.iter().enumerate() {
                let (measured, bytes) = if *name == "curl" {
                    let m = self.curl(&job)?;
                    let (_, bytes) = curl::transfers(&m.lines);
                    rss[i].push(m.maxrss_kib);
                    (m, bytes)
                } else {
                    let m = self.client(name, "video", std::slice::from_ref(&id_arg))?;
                    rss[i].push(m.field("hwm_kib")? as u64);
                    let bytes = m.field("bytes")? as u64;
                    (m, bytes)
                };
                if bytes != config.video_len {
                    return Err(Failure(format!(
                        "{name} received {bytes} of {} video bytes",
                        config.video_len
                    )));
                }
                rates[i].push(mb / measured.seconds);
            }
        }
        let curl_rate = median(&rates[2]);
        for (i, name) in names.iter().enumerate() {
            let value = median(&rates[i]);
            let peak = median_kib(&rss[i]);
            let is_curl = *name == "curl";
            let ratio = value / curl_rate;
            self.rows.push(Row {
                case: case.clone(),
                client: if is_curl { "curl -o /dev/null" } else { name }.to_owned(),
                value,
                samples: rates[i].clone(),
                unit: "MB/s",
                better: Better::Higher,
                peak_rss_kib: peak,
                ratio: (!is_curl).then(|| (ratio, "curl".to_owned())),
                goal: if is_curl {
                    "baseline".to_owned()
                } else {
                    ">= 0.9x curl; peak RSS <= 32 MiB".to_owned()
                },
                met: (!is_curl).then(|| ratio >= 0.9 && peak.is_some_and(|p| p <= RSS_GOAL_KIB)),
            });
        }
        Ok(())
    }

    /// `GET /server/about` or a thumbnail, N times on one connection; differential rate.
    fn requests(&mut self, op: &str) -> Result<(), Failure> {
        let config = self.config;
        let n = config.requests.max(2);
        let (case, (url, headers), expected_bytes) = if op == "about" {
            (
                format!("{} GET /server/about on one connection", count_label(n)),
                Self::url_and_headers(GetAboutInfo::new().request(&self.core))?,
                None,
            )
        } else {
            let view = ViewAsset::new(Self::asset_id()?).size(AssetMediaSize::Thumbnail);
            (
                format!(
                    "{} thumbnails of {}",
                    count_label(n),
                    size_label(config.thumbnail_len as u64)
                ),
                Self::url_and_headers(MediaEndpoint::request(&view, &self.core))?,
                Some(config.thumbnail_len as u64),
            )
        };
        let one = curl::gets(&self.dir.0, &format!("{op}-1"), &headers, &url, 1)?;
        let many = curl::gets(&self.dir.0, &format!("{op}-n"), &headers, &url, n)?;
        let names = ["tokio", "blocking", "curl"];
        let mut rates: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
        for _ in 0..config.runs {
            for (i, name) in names.iter().enumerate() {
                let mut times = [0.0; 2];
                for (slot, count) in [(0, 1), (1, n)] {
                    let connections = self.server.connections();
                    let measured = if *name == "curl" {
                        let m = self.curl(if count == 1 { &one } else { &many })?;
                        let (ok, bytes) = curl::transfers(&m.lines);
                        check_count(name, ok, count, bytes, expected_bytes)?;
                        m
                    } else {
                        let m = self.client(
                            name,
                            op,
                            &[format!("count={count}"), format!("id={ASSET_ID}")],
                        )?;
                        let (ok, bytes) = (m.field("items")? as u64, m.field("bytes")? as u64);
                        check_count(name, ok, count, bytes, expected_bytes)?;
                        m
                    };
                    times[slot] = measured.seconds;
                    let opened = self.server.connections() - connections;
                    if opened != 1 {
                        return Err(Failure(format!(
                            "{name} opened {opened} connections for {count} requests, not one"
                        )));
                    }
                }
                let extra = times[1] - times[0];
                // A negative difference is noise swamping a tiny run (smoke mode): fall back to
                // the plain rate, which still counts every request.
                let rate = if extra > 0.0 {
                    (n - 1) as f64 / extra
                } else {
                    n as f64 / times[1]
                };
                rates[i].push(rate);
            }
        }
        let curl_rate = median(&rates[2]);
        for (i, name) in names.iter().enumerate() {
            let value = median(&rates[i]);
            let is_curl = *name == "curl";
            let ratio = value / curl_rate;
            self.rows.push(Row {
                case: case.clone(),
                client: if is_curl {
                    "curl, one invocation".to_owned()
                } else {
                    (*name).to_owned()
                },
                value,
                samples: rates[i].clone(),
                unit: "req/s",
                better: Better::Higher,
                peak_rss_kib: None,
                ratio: (!is_curl).then(|| (ratio, "curl".to_owned())),
                goal: if is_curl {
                    "baseline".to_owned()
                } else {
                    ">= 1.0x curl".to_owned()
                },
                met: (!is_curl).then_some(ratio >= 1.0),
            });
        }
        Ok(())
    }

    /// Thumbnails `grid_parallel` at a time over a pool: 16 tasks on one tokio client, 16
    /// threads sharing one blocking client, `curl --parallel --parallel-max 16`.
    fn grid(&mut self) -> Result<(), Failure> {
        let config = self.config;
        let n = config.requests.max(2);
        let parallel = config.grid_parallel;
        let case = format!(
            "{} thumbnails of {}, {parallel} at a time",
            count_label(n),
            size_label(config.thumbnail_len as u64)
        );
        let view = ViewAsset::new(Self::asset_id()?).size(AssetMediaSize::Thumbnail);
        let (url, headers) = Self::url_and_headers(MediaEndpoint::request(&view, &self.core))?;
        let each = Some(config.thumbnail_len as u64);
        let one = curl::gets_parallel(&self.dir.0, "grid-1", &headers, &url, 1, parallel)?;
        let many = curl::gets_parallel(&self.dir.0, "grid-n", &headers, &url, n, parallel)?;
        let names = ["tokio", "blocking", "curl"];
        let mut rates: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
        let mut connections_seen = [0usize; 3];
        for _ in 0..config.runs {
            for (i, name) in names.iter().enumerate() {
                let mut times = [0.0; 2];
                for (slot, count) in [(0, 1), (1, n)] {
                    let connections = self.server.connections();
                    let measured = if *name == "curl" {
                        let m = self.curl(if count == 1 { &one } else { &many })?;
                        let (ok, bytes) = curl::transfers(&m.lines);
                        check_count(name, ok, count, bytes, each)?;
                        m
                    } else {
                        let m = self.client(
                            name,
                            "grid",
                            &[
                                format!("count={count}"),
                                format!("id={ASSET_ID}"),
                                format!("parallel={parallel}"),
                            ],
                        )?;
                        let (ok, bytes) = (m.field("items")? as u64, m.field("bytes")? as u64);
                        check_count(name, ok, count, bytes, each)?;
                        m
                    };
                    times[slot] = measured.seconds;
                    let opened = self.server.connections() - connections;
                    // hyper may open a connection for a waiting request just before another
                    // one comes back to the pool, so a few more than `parallel` can happen;
                    // one per request would mean no pooling at all.
                    if opened == 0 || (count > 2 * parallel && opened >= count / 2) {
                        return Err(Failure(format!(
                            "{name} opened {opened} connections for {count} requests {parallel} \
                             at a time"
                        )));
                    }
                    if count == n {
                        connections_seen[i] = connections_seen[i].max(opened);
                    }
                }
                let extra = times[1] - times[0];
                let rate = if extra > 0.0 {
                    (n - 1) as f64 / extra
                } else {
                    n as f64 / times[1]
                };
                rates[i].push(rate);
            }
        }
        let curl_rate = median(&rates[2]);
        for (i, name) in names.iter().enumerate() {
            let value = median(&rates[i]);
            let is_curl = *name == "curl";
            let ratio = value / curl_rate;
            self.rows.push(Row {
                case: case.clone(),
                client: format!(
                    "{} ({} connections)",
                    if is_curl {
                        format!("curl --parallel --parallel-max {parallel}")
                    } else if *name == "tokio" {
                        format!("tokio, {parallel} tasks on one client")
                    } else {
                        format!("blocking, {parallel} threads on one client")
                    },
                    connections_seen[i]
                ),
                value,
                samples: rates[i].clone(),
                unit: "req/s",
                better: Better::Higher,
                peak_rss_kib: None,
                ratio: (!is_curl).then(|| (ratio, "curl".to_owned())),
                goal: if is_curl {
                    "baseline".to_owned()
                } else {
                    ">= 1.0x curl".to_owned()
                },
                met: (!is_curl).then_some(ratio >= 1.0),
            });
        }
        Ok(())
    }

    /// A folder of many files uploaded `folder_parallel` at a time, ours with the SHA-1 check
    /// before each upload, against curl sending the same files with the same concurrency and
    /// `openssl sha1` of them all: the goal is close to the larger of hashing and sending.
    fn folder(&mut self, large: bool) -> Result<(), Failure> {
        let config = self.config;
        let (count, len) = if large {
            config.large_files
        } else {
            config.small_files
        };
        let parallel = config.folder_parallel;
        let dir = self.dir.0.join(if large { "large" } else { "small" });
        std::fs::create_dir_all(&dir).map_err(|e| Failure(format!("folder: {e}")))?;
        let mut paths = Vec::with_capacity(count);
        for i in 0..count {
            let path = dir.join(format!("IMG_{i:05}.jpg"));
            std::fs::File::create(&path)
                .and_then(|f| f.set_len(len))
                .map_err(|e| Failure(format!("cannot create {}: {e}", path.display())))?;
            paths.push(path);
        }
        let case = format!(
            "upload a folder of {} files of {} with the check, {parallel} at a time",
            count_label(count),
            size_label(len)
        );
        let (_, headers) = Self::url_and_headers(GetAboutInfo::new().request(&self.core))?;
        let upload_url = format!("{}/api/assets", self.url());
        let mut facts = Vec::with_capacity(count);
        for path in &paths {
            let modified = std::fs::metadata(path)
                .and_then(|m| m.modified())
                .map_err(|e| Failure(e.to_string()))?;
            let time = DateTime::from_system_time(
                modified
                    .duration_since(UNIX_EPOCH)
                    .map_err(|e| e.duration()),
            )
            .to_utc_string();
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            facts.push((name, time));
        }
        let files: Vec<curl::UploadFile<'_>> = paths
            .iter()
            .zip(&facts)
            .map(|(path, (name, time))| curl::UploadFile { path, name, time })
            .collect();
        let job = curl::uploads(
            &self.dir.0,
            if large {
                "folder-large"
            } else {
                "folder-small"
            },
            &headers,
            &upload_url,
            &files,
            parallel,
        )?;
        let folder_arg = format!("file={}", dir.display());
        let names = ["tokio", "blocking", "curl", "openssl"];
        let mut seconds: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
        let mut rss: Vec<Vec<u64>> = vec![Vec::new(); names.len()];
        for _ in 0..config.runs {
            for (i, name) in names.iter().enumerate() {
                let before = self.server.sink_stats();
                let m = match *name {
                    "openssl" => {
                        let m = self.openssl_sha1(&paths)?;
                        seconds[i].push(m.seconds);
                        continue;
                    }
                    "curl" => {
                        let m = self.curl(&job)?;
                        let (ok, _) = curl::transfers(&m.lines);
                        if ok != count as u64 {
                            return Err(Failure(format!(
                                "curl uploaded {ok} of {count} files: {:?}",
                                m.lines.first()
                            )));
                        }
                        rss[i].push(m.maxrss_kib);
                        m
                    }
                    transport => {
                        let m = self.client(
                            transport,
                            "folder",
                            &[
                                folder_arg.clone(),
                                "checksum=1".to_owned(),
                                format!("parallel={parallel}"),
                            ],
                        )?;
                        if m.field("items")? as usize != count {
                            return Err(Failure(format!("{name} did not upload every file")));
                        }
                        rss[i].push(m.field("hwm_kib")? as u64);
                        m
                    }
                };
                let after = self.server.sink_stats();
                if after.uploads != before.uploads + count as u64
                    || after.upload_bytes - before.upload_bytes < count as u64 * len
                {
                    return Err(Failure(format!(
                        "{name}: the sink did not receive every file ({before:?} -> {after:?})"
                    )));
                }
                seconds[i].push(m.seconds);
            }
        }
        let send = median(&seconds[2]);
        let hash = median(&seconds[3]);
        let bound = send.max(hash);
        for (i, name) in names.iter().enumerate() {
            let value = median(&seconds[i]);
            let ours = i < 2;
            let ratio = value / bound;
            self.rows.push(Row {
                case: case.clone(),
                client: match *name {
                    "curl" => format!("curl -F --parallel --parallel-max {parallel} (no check)"),
                    "openssl" => "openssl sha1 of every file (hashing alone)".to_owned(),
                    other => other.to_owned(),
                },
                value,
                samples: seconds[i].clone(),
                unit: "s",
                better: Better::Lower,
                peak_rss_kib: median_kib(&rss[i]),
                ratio: ours.then(|| (ratio, "max(hash, send)".to_owned())),
                goal: if ours {
                    "<= 1.1x the larger of hashing and sending".to_owned()
                } else {
                    "baseline".to_owned()
                },
                met: ours.then_some(ratio <= 1.1),
            });
        }
        let _ = std::fs::remove_dir_all(&dir);
        Ok(())
    }

    /// A whole library, page after page, from a sink of its own (`walk` pages): the pages are
    /// generated as asked for, so neither side ever holds more than a page.
    fn walk(&mut self) -> Result<(), Failure> {
        let config = self.config;
        let (pages, per_page) = config.walk;
        let total = pages * per_page;
        let mut options = Options::sink();
        options.sink_search = (pages, per_page);
        let server = TestServer::try_start(options)
            .map_err(|e| Failure(format!("cannot start the sink server: {e}")))?;
        let case = format!(
            "walk a {}-asset library (search pages of {})",
            count_label(total),
            count_label(per_page)
        );
        let mut rates: Vec<Vec<f64>> = vec![Vec::new(); TRANSPORTS.len()];
        let mut rss: Vec<Vec<u64>> = vec![Vec::new(); TRANSPORTS.len()];
        for _ in 0..config.runs {
            for (i, name) in TRANSPORTS.iter().enumerate() {
                let args = [
                    "--child".to_owned(),
                    "client".to_owned(),
                    format!("transport={name}"),
                    "op=pages".to_owned(),
                    format!("url={}", server.url()),
                    format!("key={}", server.api_key()),
                ];
                let m = measure(&config.exe, config.child_timeout, &config.exe, &args)?;
                let items = m.field("items")? as usize;
                if items != total {
                    return Err(Failure(format!("{name} walked {items} of {total} assets")));
                }
                rates[i].push(items as f64 / m.field("op_seconds")?);
                rss[i].push(m.field("hwm_kib")? as u64);
            }
        }
        for (i, name) in TRANSPORTS.iter().enumerate() {
            let value = median(&rates[i]);
            let peak = median_kib(&rss[i]);
            self.rows.push(Row {
                case: case.clone(),
                client: (*name).to_owned(),
                value,
                samples: rates[i].clone(),
                unit: "assets/s",
                better: Better::Higher,
                peak_rss_kib: peak,
                ratio: Some((value / WALK_GOAL, "150,000/s".to_owned())),
                goal: ">= 150,000 assets/s; peak RSS <= 32 MiB".to_owned(),
                met: Some(value >= WALK_GOAL && peak.is_some_and(|p| p <= RSS_GOAL_KIB)),
            });
        }
        Ok(())
    }

    /// The core's decode of one search page against `serde_json::Value`.
    fn decode(&mut self) -> Result<(), Failure> {
        let config = self.config;
        let page = decode::fetch_page(&self.url(), self.server.api_key())?;
        let (core, value, assets) =
            decode::time_decoders(&page, config.runs, config.decode_iterations)?;
        if assets != config.page_size {
            return Err(Failure(format!(
                "the search page holds {assets} assets, expected {}",
                config.page_size
            )));
        }
        let case = format!(
            "decode a {}-asset search page ({:.1} MB)",
            count_label(assets),
            page.len() as f64 / 1e6
        );
        let to_ms = |v: &[f64]| v.iter().map(|s| s * 1e3).collect::<Vec<_>>();
        let (core_ms, value_ms) = (to_ms(&core), to_ms(&value));
        let ratio = median(&core_ms) / median(&value_ms);
        self.rows.push(Row {
            case: case.clone(),
            client: "immich-proto (SearchAssets)".to_owned(),
            value: median(&core_ms),
            samples: core_ms,
            unit: "ms/page",
            better: Better::Lower,
            peak_rss_kib: None,
            ratio: Some((ratio, "Value".to_owned())),
            goal: "no slower than serde_json::Value".to_owned(),
            met: Some(ratio <= 1.0),
        });
        self.rows.push(Row {
            case,
            client: "serde_json::from_slice::<Value>".to_owned(),
            value: median(&value_ms),
            samples: value_ms,
            unit: "ms/page",
            better: Better::Lower,
            peak_rss_kib: None,
            ratio: None,
            goal: "baseline".to_owned(),
            met: None,
        });
        Ok(())
    }

    /// Every page of a search through each transport's lazy paging.
    fn paging(&mut self) -> Result<(), Failure> {
        let config = self.config;
        let total = config.pages * config.page_size;
        let case = format!(
            "{} pages x {} assets, core paging",
            config.pages,
            count_label(config.page_size)
        );
        let mut rates: Vec<Vec<f64>> = vec![Vec::new(); TRANSPORTS.len()];
        let mut rss: Vec<Vec<u64>> = vec![Vec::new(); TRANSPORTS.len()];
        for _ in 0..config.runs {
            for (i, name) in TRANSPORTS.iter().enumerate() {
                let m = self.client(name, "pages", &[])?;
                let items = m.field("items")? as usize;
                if items != total {
                    return Err(Failure(format!("{name} paged {items} of {total} assets")));
                }
                rates[i].push(items as f64 / m.field("op_seconds")?);
                rss[i].push(m.field("hwm_kib")? as u64);
            }
        }
        for (i, name) in TRANSPORTS.iter().enumerate() {
            self.rows.push(Row {
                case: case.clone(),
                client: (*name).to_owned(),
                value: median(&rates[i]),
                samples: rates[i].clone(),
                unit: "assets/s",
                better: Better::Higher,
                peak_rss_kib: median_kib(&rss[i]),
                ratio: None,
                goal: "report".to_owned(),
                met: None,
            });
        }
        Ok(())
    }

    fn notes(&self) -> Vec<String> {
        let config = self.config;
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|info| {
                info.lines()
                    .find_map(|l| l.strip_prefix("model name"))
                    .map(|l| l.trim_start_matches([' ', '\t', ':']).to_owned())
            })
            .unwrap_or_else(|| "unknown CPU".to_owned());
        let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
        let curl_version = std::process::Command::new(&config.curl)
            .arg("--version")
            .output()
            .ok()
            .and_then(|o| {
                String::from_utf8_lossy(&o.stdout)
                    .lines()
                    .next()
                    .map(str::to_owned)
            })
            .unwrap_or_default();
        let profile = if cfg!(debug_assertions) {
            "debug build (figures not meaningful)"
        } else {
            "release build"
        };
        vec![
            format!(
                "{} run(s) per case, median shown{}; {profile}; {cores} cores ({cpu}); {curl_version}.",
                config.runs,
                if config.smoke { " (smoke mode: small sizes)" } else { "" }
            ),
            "Sink: the test server in sink mode on 127.0.0.1, in the benchmark process on one \
             thread; each client in its own process, started and timed the same way (wall time \
             from start to exit, so process start is included for everyone)."
                .to_owned(),
            "MB/s = 10^6 bytes of file or video per second. Request rates are \
             (N - 1) / (T(N) - T(1)): process start, setup and connecting cancel out."
                .to_owned(),
            "Peak RSS: VmHWM of our client processes; curl's ru_maxrss from wait4 in a small \
             wrapper process. Our tokio client runs a current-thread runtime."
                .to_owned(),
            "curl: one invocation per run with every URL in a config file (one connection, \
             reused), the same headers as our requests; uploads with -F and the same form \
             fields, `Expect: 100-continue` off."
                .to_owned(),
        ]
    }
}

/// The 1-minute load average, as text (`?` where unknown).
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned())
}

fn check_count(
    name: &str,
    ok: u64,
    count: usize,
    bytes: u64,
    per_request: Option<u64>,
) -> Result<(), Failure> {
    if ok != count as u64 {
        return Err(Failure(format!(
            "{name}: {ok} of {count} requests succeeded"
        )));
    }
    if let Some(each) = per_request {
        if bytes != each * count as u64 {
            return Err(Failure(format!(
                "{name}: {bytes} bytes for {count} answers of {each}"
            )));
        }
    }
    Ok(())
}

/// Writes the report to `path` (creating its directory), with a title.
pub fn write_report(report: &Report, path: &Path) -> Result<(), Failure> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| Failure(format!("cannot create {}: {e}", dir.display())))?;
    }
    let text = format!(
        "# immich-rs benchmark\n\n`cargo run --release -p immich-tests --bin bench`\n\n{}",
        report.markdown()
    );
    std::fs::write(path, text).map_err(|e| Failure(format!("cannot write {}: {e}", path.display())))
}
