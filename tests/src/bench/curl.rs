//! curl, the baseline: one invocation per run, driven by a config file (so the API key is not
//! on a command line), every URL of a run in one invocation so curl reuses one connection.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use http::HeaderMap;

use super::Failure;

/// One curl run: its config file.
pub(crate) struct CurlJob {
    config: PathBuf,
}

impl CurlJob {
    /// The arguments: read everything from the config file.
    pub fn args(&self) -> Vec<String> {
        vec!["--config".to_owned(), self.config.display().to_string()]
    }
}

fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The settings every run shares: quiet, fail on an error status, the request's headers, and
/// one `code size` line per transfer so the parent can check every transfer happened.
fn preamble(headers: &HeaderMap) -> String {
    let mut config = String::from(
        "silent\nshow-error\nfail\nwrite-out = \"%{http_code} %{size_download}\\n\"\n",
    );
    for (name, value) in headers {
        if let Ok(value) = value.to_str() {
            let _ = writeln!(config, "header = {}", quote(&format!("{name}: {value}")));
        }
    }
    config
}

/// GET `url` `count` times on one connection (curl keeps it open between the URLs of one
/// invocation), each body to `/dev/null`.
pub(crate) fn gets(
    dir: &Path,
    name: &str,
    headers: &HeaderMap,
    url: &str,
    count: usize,
) -> Result<CurlJob, Failure> {
    let mut config = preamble(headers);
    for _ in 0..count {
        let _ = writeln!(config, "url = {}\noutput = \"/dev/null\"", quote(url));
    }
    write(dir, name, &config)
}

/// GET `url` `count` times, `parallel` at a time (`--parallel --parallel-max N`: curl opens up
/// to N connections and reuses them), each body to `/dev/null`.
pub(crate) fn gets_parallel(
    dir: &Path,
    name: &str,
    headers: &HeaderMap,
    url: &str,
    count: usize,
    parallel: usize,
) -> Result<CurlJob, Failure> {
    let mut config = format!("parallel\nparallel-max = {parallel}\n");
    config.push_str(&preamble(headers));
    for _ in 0..count {
        let _ = writeln!(config, "url = {}\noutput = \"/dev/null\"", quote(url));
    }
    write(dir, name, &config)
}

/// One file to upload: its path, the name the server gets, its modification time (UTC).
pub(crate) struct UploadFile<'a> {
    pub path: &'a Path,
    pub name: &'a str,
    pub time: &'a str,
}

/// One `POST /assets` with `-F`: the same fields, in the same order, as our v3 upload.
/// `Expect: 100-continue` is turned off, since our clients do not wait for it either.
fn upload_transfer(headers: &HeaderMap, url: &str, file: &UploadFile<'_>) -> String {
    let mut config = preamble(headers);
    config.push_str("header = \"Expect:\"\n");
    for (field, value) in [
        ("fileCreatedAt", file.time),
        ("fileModifiedAt", file.time),
        ("isFavorite", "false"),
        ("filename", file.name),
    ] {
        let _ = writeln!(
            config,
            "form-string = {}",
            quote(&format!("{field}={value}"))
        );
    }
    let _ = writeln!(
        config,
        "form = {}",
        quote(&format!(
            "assetData=@{};filename={};type=application/octet-stream",
            file.path.display(),
            file.name
        ))
    );
    let _ = writeln!(config, "url = {}\noutput = \"/dev/null\"", quote(url));
    config
}

/// `POST /assets` with `-F` for one file (see `uploads`).
pub(crate) fn upload(
    dir: &Path,
    name: &str,
    headers: &HeaderMap,
    url: &str,
    file: &UploadFile<'_>,
) -> Result<CurlJob, Failure> {
    write(dir, name, &upload_transfer(headers, url, file))
}

/// `POST /assets` of every file, `parallel` at a time: one operation per file (`next`
/// separates them, each with its own form), run with `--parallel --parallel-max N`.
pub(crate) fn uploads(
    dir: &Path,
    name: &str,
    headers: &HeaderMap,
    url: &str,
    files: &[UploadFile<'_>],
    parallel: usize,
) -> Result<CurlJob, Failure> {
    let mut config = format!("parallel\nparallel-max = {parallel}\n");
    for (i, file) in files.iter().enumerate() {
        if i > 0 {
            config.push_str("next\n");
        }
        config.push_str(&upload_transfer(headers, url, file));
    }
    write(dir, name, &config)
}

fn write(dir: &Path, name: &str, config: &str) -> Result<CurlJob, Failure> {
    let path = dir.join(format!("{name}.curlrc"));
    std::fs::write(&path, config)
        .map_err(|e| Failure(format!("cannot write {}: {e}", path.display())))?;
    Ok(CurlJob { config: path })
}

/// The transfers curl reported (`code size` lines): how many answered 2xx, and their bytes.
pub(crate) fn transfers(lines: &[String]) -> (u64, u64) {
    let mut ok = 0;
    let mut bytes = 0;
    for line in lines {
        let mut parts = line.split_whitespace();
        let code: u16 = parts.next().and_then(|c| c.parse().ok()).unwrap_or(0);
        let size: u64 = parts.next().and_then(|s| s.parse().ok()).unwrap_or(0);
        if (200..300).contains(&code) {
            ok += 1;
            bytes += size;
        }
    }
    (ok, bytes)
}
