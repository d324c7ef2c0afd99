//! Running one measured client in a child process, the same way for our transports and curl.
//!
//! The parent (which also runs the sink server) starts a small *wrapper*: this benchmark binary
//! again, as `--child spawn`. The wrapper starts the client, waits for it with `wait4`, and
//! prints one `SPAWN` line: the client's wall time from start to exit, and its `ru_maxrss`.
//!
//! Why a wrapper: Linux reports a child's `ru_maxrss` as the larger of its own peak and the
//! peak of the process it was spawned from (`posix_spawn` shares the parent's memory until
//! `exec`, and `exec` records that memory's high-water mark). The parent holds the sink's
//! precomputed pages, so it would inflate curl's figure; the wrapper is a few MiB, less than
//! any client here, so the figure it reports is the client's own. Our own clients also read
//! their `VmHWM` from `/proc/self/status`, which is exact; the report uses that.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::Failure;

/// What the wrapper and the client reported for one run.
#[derive(Debug, Clone, Default)]
pub(crate) struct Measured {
    /// Wall time of the client process, start to exit.
    pub seconds: f64,
    /// `ru_maxrss` of the client process, KiB.
    pub maxrss_kib: u64,
    /// The `RESULT` line of our own clients (`key=value` pairs).
    pub result: HashMap<String, String>,
    /// Every other line the client printed (curl's `--write-out`).
    pub lines: Vec<String>,
}

impl Measured {
    /// A number from the client's `RESULT` line.
    pub fn field(&self, key: &str) -> Result<f64, Failure> {
        self.result
            .get(key)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| Failure(format!("the client reported no `{key}`: {:?}", self.result)))
    }
}

/// Runs `program args` under the wrapper (`exe --child spawn`), killing it after `timeout`.
pub(crate) fn measure(
    exe: &Path,
    timeout: Duration,
    program: &Path,
    args: &[String],
) -> Result<Measured, Failure> {
    let output = Command::new(exe)
        .arg("--child")
        .arg("spawn")
        .arg(format!("timeout_ms={}", timeout.as_millis()))
        .arg("--")
        .arg(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Failure(format!("cannot start {}: {e}", exe.display())))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let mut measured = Measured::default();
    let mut spawn_line = None;
    for line in stdout.lines() {
        if let Some(rest) = line.strip_prefix("SPAWN ") {
            spawn_line = Some(pairs(rest));
        } else if let Some(rest) = line.strip_prefix("RESULT ") {
            measured.result = pairs(rest);
        } else if !line.trim().is_empty() {
            measured.lines.push(line.to_owned());
        }
    }
    let name = program.file_name().map_or_else(
        || program.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let Some(spawn) = spawn_line else {
        return Err(Failure(format!(
            "the wrapper around {name} reported nothing (status {}): {stderr}",
            output.status
        )));
    };
    let exit = spawn.get("exit").map_or("?", String::as_str);
    if exit != "0" {
        return Err(Failure(format!(
            "{name} {} failed (exit {exit}): {}",
            args.join(" "),
            stderr.trim()
        )));
    }
    measured.seconds = spawn
        .get("seconds")
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| Failure("the wrapper reported no time".to_owned()))?;
    measured.maxrss_kib = spawn
        .get("maxrss_kib")
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Ok(measured)
}

/// `a=1 b=2` into a map.
pub(crate) fn pairs(text: &str) -> HashMap<String, String> {
    text.split_whitespace()
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// The wrapper: `--child spawn timeout_ms=N -- program args...`. Starts the program with the
/// wrapper's stdout and stderr, waits for it with `wait4`, prints the `SPAWN` line. A program
/// still running after the timeout is killed (and reported as failed).
pub(crate) fn spawn_main(args: &[String]) -> Result<(), Failure> {
    let split = args
        .iter()
        .position(|a| a == "--")
        .ok_or_else(|| Failure("spawn: expected `-- program args`".to_owned()))?;
    let options = pairs(&args[..split].join(" "));
    let timeout = Duration::from_millis(
        options
            .get("timeout_ms")
            .and_then(|t| t.parse().ok())
            .unwrap_or(600_000),
    );
    let (program, program_args) = args[split + 1..]
        .split_first()
        .ok_or_else(|| Failure("spawn: no program".to_owned()))?;
    let program = PathBuf::from(program);
    let started = Instant::now();
    let child = Command::new(&program)
        .args(program_args)
        .stdin(Stdio::null())
        .spawn()
        .map_err(|e| Failure(format!("cannot start {}: {e}", program.display())))?;
    let pid = libc::pid_t::try_from(child.id())
        .map_err(|_| Failure("the child's pid does not fit a pid_t".to_owned()))?;
    // The watchdog: a hung client must not hang the benchmark. It only signals while `done` is
    // false, i.e. before the pid has been reaped (so it can never hit a reused pid in practice).
    let done = Arc::new(AtomicBool::new(false));
    let watchdog_done = done.clone();
    std::thread::spawn(move || {
        std::thread::sleep(timeout);
        if !watchdog_done.load(Ordering::SeqCst) {
            // SAFETY: kill(2) with a pid we spawned and have not reaped yet.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
    });
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to overwrite.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // Bounded: wait4 only returns early on EINTR, and the watchdog ends the child.
    for _ in 0..1_000_000 {
        // SAFETY: valid pointers to a status and a rusage owned by this frame.
        let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if reaped == pid {
            break;
        }
        let error = std::io::Error::last_os_error();
        if error.kind() != std::io::ErrorKind::Interrupted {
            return Err(Failure(format!("wait4: {error}")));
        }
    }
    done.store(true, Ordering::SeqCst);
    let seconds = started.elapsed().as_secs_f64();
    drop(child); // already reaped; dropping a Child neither waits nor kills
    let exit = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status).to_string()
    } else {
        format!("signal{}", libc::WTERMSIG(status))
    };
    // ru_maxrss is in KiB on Linux.
    println!(
        "SPAWN seconds={seconds:.6} maxrss_kib={} exit={exit}",
        usage.ru_maxrss
    );
    Ok(())
}

/// `VmHWM` (the peak resident set) of this process, in KiB.
pub(crate) fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}
