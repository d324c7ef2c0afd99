//! The zip case (issue 16): `immich upload ARCHIVE.zip` against `immich upload FOLDER` holding
//! the same files. The goal: the stored zip within 10% of the folder's time, the CLI's peak
//! RSS at most 64 MiB. A deflated archive of the same files is reported beside it (no goal:
//! inflating costs what it costs; camera and phone exports are mostly stored).
//!
//! The files are JPEG-named and about as compressible as photos (a pseudo-random stream per
//! file, see [`Noise`], so every file has its own SHA-1 and none is skipped as a copy of
//! another): mostly 50 MiB ones, the rest of the size in 2 MiB ones. They are written under
//! the benchmark's scratch folder, synced to disk before the first run (so write-back never
//! runs during one) and removed at the end.
//!
//! Each run uploads through the tool's library entry point (`immich_cli::run`) in a child
//! process of its own (`--child cli-upload ...`), timed by the same wrapper as every client,
//! against a fresh sink server each (the sink answers the tool's media-type and bulk-check
//! requests too, accepting every file).

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use super::process::{measure, peak_rss_kib};
use super::{median, median_kib, size_label, Bench, Better, Failure, Row};
use crate::server::{Options, TestServer};

/// The peak RSS the issue allows the zip upload, KiB.
const ZIP_RSS_GOAL_KIB: u64 = 64 * 1024;
/// How much slower than the folder the stored zip may be.
const ZIP_TIME_GOAL: f64 = 1.10;
/// The deflated archive's level: 6, the default of zip tools. (Level 1, zlib-rs's quick
/// strategy with fixed Huffman codes only, makes photo-like bytes 5% larger; from level 2 on,
/// blocks get codes of their own and come out about 2% smaller.)
const DEFLATE_LEVEL: i64 = 6;

/// The files of the fixture: the large ones' size and count, the small ones' size and count.
fn fixture_sizes(total: u64, smoke: bool) -> ((u64, u64), (u64, u64)) {
    let (large, small) = if smoke {
        (1 << 20, 64 << 10)
    } else {
        (50 << 20, 2 << 20)
    };
    let large_count = total / large;
    let small_count = (total % large) / small;
    ((large, large_count), (small, small_count))
}

/// Bytes about as compressible as a JPEG's: a SplitMix64 stream seeded per file, with one byte
/// in 16 set to zero (entropy about 7.8 bits a byte, so deflate saves about 2%, as it does on
/// photos, and must decode real Huffman codes when inflating).
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let (bytes, zeros) = (self.next().to_le_bytes(), self.next().to_le_bytes());
            for ((out, byte), zero) in chunk.iter_mut().zip(bytes).zip(zeros) {
                *out = if zero & 0x0f == 0 { 0 } else { byte };
            }
        }
    }
}

/// The generated files: a folder, a stored zip and a deflated zip of the same files.
struct Fixture {
    folder: PathBuf,
    stored: PathBuf,
    deflated: PathBuf,
    files: usize,
    bytes: u64,
    /// The deflated archive's size over the stored one's.
    deflated_share: f64,
    /// How the files are made up, for the case's name: `40 x 50 MiB + 24 x 2 MiB`.
    makeup: String,
}

fn io_failure<'a>(what: &'a str, path: &'a Path) -> impl Fn(std::io::Error) -> Failure + 'a {
    move |e| Failure(format!("{what} {}: {e}", path.display()))
}

fn zip_failure(path: &Path) -> impl Fn(zip::result::ZipError) -> Failure + '_ {
    move |e| Failure(format!("cannot write the archive {}: {e}", path.display()))
}

impl Fixture {
    fn create(dir: &Path, total: u64, smoke: bool) -> Result<Self, Failure> {
        let ((large, large_count), (small, small_count)) = fixture_sizes(total, smoke);
        let folder = dir.join("zip-case-folder");
        std::fs::create_dir_all(&folder).map_err(io_failure("cannot create", &folder))?;
        let mut files = Vec::new();
        let sizes = std::iter::repeat_n(large, large_count as usize)
            .chain(std::iter::repeat_n(small, small_count as usize));
        let mut buffer = vec![0u8; 1 << 20];
        for (i, len) in sizes.enumerate() {
            let name = format!("IMG_{i:04}.jpg");
            let path = folder.join(&name);
            let file = File::create(&path).map_err(io_failure("cannot create", &path))?;
            let mut out = BufWriter::with_capacity(1 << 20, file);
            let mut noise = Noise(0x5eed_0000 + i as u64);
            let mut left = len;
            while left > 0 {
                let n = left.min(buffer.len() as u64) as usize;
                noise.fill(&mut buffer[..n]);
                out.write_all(&buffer[..n])
                    .map_err(io_failure("cannot write", &path))?;
                left -= n as u64;
            }
            let file = out
                .into_inner()
                .map_err(|e| Failure(format!("cannot write {}: {e}", path.display())))?;
            file.sync_all().map_err(io_failure("cannot sync", &path))?;
            files.push((name, path));
        }
        let stored = dir.join("zip-case-stored.zip");
        let deflated = dir.join("zip-case-deflated.zip");
        write_zip(&stored, &files, zip::CompressionMethod::Stored)?;
        write_zip(&deflated, &files, zip::CompressionMethod::Deflated)?;
        let mut makeup = format!("{large_count} x {}", size_label(large));
        if small_count > 0 {
            makeup.push_str(&format!(" + {small_count} x {}", size_label(small)));
        }
        let len = |path: &Path| std::fs::metadata(path).map(|m| m.len() as f64);
        let deflated_share = len(&deflated).map_err(io_failure("cannot read", &deflated))?
            / len(&stored).map_err(io_failure("cannot read", &stored))?;
        Ok(Fixture {
            folder,
            stored,
            deflated,
            deflated_share,
            files: files.len(),
            bytes: large * large_count + small * small_count,
            makeup,
        })
    }
}

/// Writes `files` into a new archive at `path`, in a `DCIM/` folder as a phone's export has
/// them, synced to disk.
fn write_zip(
    path: &Path,
    files: &[(String, PathBuf)],
    method: zip::CompressionMethod,
) -> Result<(), Failure> {
    let out = File::create(path).map_err(io_failure("cannot create", path))?;
    let mut writer = zip::ZipWriter::new(BufWriter::with_capacity(1 << 20, out));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(method)
        .compression_level((method == zip::CompressionMethod::Deflated).then_some(DEFLATE_LEVEL));
    for (name, source) in files {
        writer
            .start_file(format!("DCIM/{name}"), options)
            .map_err(zip_failure(path))?;
        let mut input = File::open(source).map_err(io_failure("cannot read", source))?;
        std::io::copy(&mut input, &mut writer).map_err(io_failure("cannot write", path))?;
    }
    let out = writer.finish().map_err(zip_failure(path))?;
    let file = out
        .into_inner()
        .map_err(|e| Failure(format!("cannot write {}: {e}", path.display())))?;
    file.sync_all().map_err(io_failure("cannot sync", path))
}

/// The child's side: `--child cli-upload url=... key=... path=...`. Runs `immich --json upload
/// PATH` and prints a `RESULT` line: the time inside the process, the files uploaded and their
/// bytes, the files that failed, and the peak RSS.
pub(crate) fn upload_main(args: &HashMap<String, String>) -> Result<(), Failure> {
    let get = |key: &str| args.get(key).cloned().unwrap_or_default();
    let env = immich_cli::Env::new()
        .var("IMMICH_URL", get("url"))
        .var("IMMICH_API_KEY", get("key"));
    let path = get("path");
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let started = Instant::now();
    let status = immich_cli::run(
        ["--json", "upload", path.as_str()],
        &env,
        &mut stdout,
        &mut stderr,
    );
    let seconds = started.elapsed().as_secs_f64();
    if status != immich_cli::EXIT_OK {
        return Err(Failure(format!(
            "immich upload exited with {status}: {}",
            String::from_utf8_lossy(&stderr)
        )));
    }
    let report: serde_json::Value = serde_json::from_slice(&stdout)
        .map_err(|e| Failure(format!("immich upload printed no JSON report: {e}")))?;
    let summary = &report["summary"];
    let number = |key: &str| summary[key].as_u64().unwrap_or(0);
    println!(
        "RESULT op_seconds={seconds:.6} items={} bytes={} failed={} hwm_kib={}",
        number("uploaded"),
        number("bytesUploaded"),
        number("failed"),
        peak_rss_kib().unwrap_or(0)
    );
    Ok(())
}

/// What one way of uploading the fixture measured over the runs.
#[derive(Default)]
struct Series {
    seconds: Vec<f64>,
    rss_kib: Vec<u64>,
}

impl Bench<'_> {
    /// The folder, the stored zip and the deflated zip, interleaved run by run.
    pub(super) fn zip_upload(&mut self) -> Result<(), Failure> {
        let config = self.config;
        let started = Instant::now();
        let fixture = Fixture::create(&self.dir.0, config.zip_bytes, config.smoke);
        let fixture = match fixture {
            Ok(fixture) => fixture,
            Err(failure) => {
                remove_fixture(&self.dir.0);
                return Err(failure);
            }
        };
        eprintln!(
            "bench: zip case: {} files, {} bytes, the deflated archive {:.1}% of the stored one; \
             generated in {:.1} s",
            fixture.files,
            fixture.bytes,
            fixture.deflated_share * 100.0,
            started.elapsed().as_secs_f64()
        );
        let result = self.zip_runs(&fixture);
        remove_fixture(&self.dir.0);
        result
    }

    fn zip_runs(&mut self, fixture: &Fixture) -> Result<(), Failure> {
        let config = self.config;
        let paths = [&fixture.folder, &fixture.stored, &fixture.deflated];
        let mut series: Vec<Series> = (0..paths.len()).map(|_| Series::default()).collect();
        for _ in 0..config.runs {
            for (path, series) in paths.iter().zip(series.iter_mut()) {
                let server = TestServer::try_start(Options::sink())
                    .map_err(|e| Failure(format!("cannot start the sink server: {e}")))?;
                let args = [
                    "--child".to_owned(),
                    "cli-upload".to_owned(),
                    format!("url={}", server.url()),
                    format!("key={}", server.api_key()),
                    format!("path={}", path.display()),
                ];
                let m = measure(&config.exe, config.child_timeout, &config.exe, &args)?;
                let stats = server.sink_stats();
                let (items, bytes) = (m.field("items")? as usize, m.field("bytes")? as u64);
                if m.field("failed")? != 0.0
                    || items != fixture.files
                    || bytes != fixture.bytes
                    || stats.uploads != fixture.files as u64
                    || stats.upload_bytes < fixture.bytes
                {
                    return Err(Failure(format!(
                        "immich upload {} did not send every file: {:?}, sink {stats:?}",
                        path.display(),
                        m.result
                    )));
                }
                series.seconds.push(m.seconds);
                series.rss_kib.push(m.field("hwm_kib")? as u64);
            }
        }
        let case = format!(
            "immich upload a {} zip ({} files: {}) vs the same files from a folder",
            size_label(fixture.bytes),
            fixture.files,
            fixture.makeup
        );
        let folder = median(&series[0].seconds);
        let stored = median(&series[1].seconds);
        let deflated = median(&series[2].seconds);
        let stored_rss = median_kib(&series[1].rss_kib);
        self.rows.push(Row {
            case: case.clone(),
            client: "immich upload FOLDER".to_owned(),
            value: folder,
            samples: series[0].seconds.clone(),
            unit: "s",
            better: Better::Lower,
            peak_rss_kib: median_kib(&series[0].rss_kib),
            ratio: None,
            goal: "baseline".to_owned(),
            met: None,
        });
        let ratio = stored / folder;
        self.rows.push(Row {
            case: case.clone(),
            client: "immich upload ARCHIVE.zip (stored)".to_owned(),
            value: stored,
            samples: series[1].seconds.clone(),
            unit: "s",
            better: Better::Lower,
            peak_rss_kib: stored_rss,
            ratio: Some((ratio, "the folder".to_owned())),
            goal: "<= 1.10x the folder; peak RSS <= 64 MiB".to_owned(),
            met: Some(
                ratio <= ZIP_TIME_GOAL && stored_rss.is_some_and(|kib| kib <= ZIP_RSS_GOAL_KIB),
            ),
        });
        self.rows.push(Row {
            case,
            client: format!(
                "immich upload ARCHIVE.zip (deflated, level {DEFLATE_LEVEL}, {:.1}% of the size: \
                 {:.2}x the folder)",
                fixture.deflated_share * 100.0,
                deflated / folder
            ),
            value: deflated,
            samples: series[2].seconds.clone(),
            unit: "s",
            better: Better::Lower,
            peak_rss_kib: median_kib(&series[2].rss_kib),
            ratio: None,
            goal: "report".to_owned(),
            met: None,
        });
        Ok(())
    }
}

/// Removes the fixture's files (the scratch folder itself goes at the end of the benchmark).
fn remove_fixture(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir.join("zip-case-folder"));
    let _ = std::fs::remove_file(dir.join("zip-case-stored.zip"));
    let _ = std::fs::remove_file(dir.join("zip-case-deflated.zip"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fixture_adds_up_to_the_asked_size() {
        assert_eq!(
            fixture_sizes(2 << 30, false),
            ((50 << 20, 40), (2 << 20, 24))
        );
        assert_eq!(
            fixture_sizes(256 << 20, false),
            ((50 << 20, 5), (2 << 20, 3))
        );
    }

    #[test]
    fn noise_is_nearly_uniform_and_differs_per_seed() {
        let (mut a, mut b) = (vec![0u8; 1 << 16], vec![0u8; 1 << 16]);
        Noise(1).fill(&mut a);
        Noise(2).fill(&mut b);
        assert_ne!(a, b);
        let mut seen = [0u32; 256];
        for &byte in &a {
            seen[usize::from(byte)] += 1;
        }
        // Zero in about one byte of 16 (4,096 + 240 expected), every other value about
        // equally often (240 expected each).
        assert!((3800..4700).contains(&seen[0]), "{}", seen[0]);
        assert!(
            seen[1..].iter().all(|&n| (140..360).contains(&n)),
            "{seen:?}"
        );
    }
}
