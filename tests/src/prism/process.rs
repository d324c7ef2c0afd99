//! One Prism mock server process: started on a free loopback port, ready when it accepts
//! connections, killed with its whole process group on drop (also while a test panics), and
//! told by the kernel to die if this test process dies first.

use std::fmt;
use std::fs::File;
use std::io::Read;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::Setup;

/// How long Prism may take to start (it usually needs 2 to 5 seconds).
const START_TIMEOUT: Duration = Duration::from_secs(90);

/// Static examples, or answers generated from the schemas with a seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `prism mock`: the documents' examples, or a value built from each schema.
    Static,
    /// `prism mock -d --seed N`: random answers from the schemas, reproducible by seed.
    Dynamic {
        /// The `--seed`.
        seed: u32,
    },
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mode::Static => f.write_str("static"),
            Mode::Dynamic { seed } => write!(f, "dynamic(seed {seed})"),
        }
    }
}

/// A running Prism; dropping it kills it.
#[derive(Debug)]
pub struct Prism {
    child: Child,
    addr: SocketAddr,
    mode: Mode,
    log: PathBuf,
}

impl Prism {
    /// Starts Prism on a free port of 127.0.0.1 and waits until it accepts connections.
    pub fn start(setup: &Setup, mode: Mode) -> Result<Prism, String> {
        let mut last_error = String::new();
        // A port found free can be taken before Prism binds it: try a few.
        for _ in 0..3 {
            match Prism::start_once(setup, mode) {
                Ok(prism) => return Ok(prism),
                Err(e) => last_error = e,
            }
        }
        Err(last_error)
    }

    fn start_once(setup: &Setup, mode: Mode) -> Result<Prism, String> {
        let port = free_port()?;
        let log = setup.cache_dir.join(format!("prism-{port}.log"));
        let out =
            File::create(&log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
        let err = out
            .try_clone()
            .map_err(|e| format!("cannot share {}: {e}", log.display()))?;
        let mut command = Command::new(&setup.prism);
        command
            .args(["mock", "-h", "127.0.0.1", "-p", &port.to_string()])
            .args(["--cors", "false", "-v", "warn"]);
        if let Mode::Dynamic { seed } = mode {
            command.args(["-d", "--seed", &seed.to_string()]);
        }
        command
            .arg(&setup.spec)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            // Its own process group, so drop kills node and anything node started.
            .process_group(0);
        // SAFETY: the closure runs between fork and exec and only calls prctl(2), which is
        // async-signal-safe. It makes the kernel kill Prism if the spawning thread dies.
        unsafe {
            command.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = command
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", setup.prism.display()))?;
        let mut prism = Prism {
            child,
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
            mode,
            log,
        };
        prism.wait_until_ready()?;
        Ok(prism)
    }

    fn wait_until_ready(&mut self) -> Result<(), String> {
        let started = Instant::now();
        while started.elapsed() < START_TIMEOUT {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!(
                    "Prism ({}) exited with {status} before answering:\n{}",
                    self.mode,
                    self.log_tail()
                ));
            }
            if TcpStream::connect_timeout(&self.addr, Duration::from_millis(200)).is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err(format!(
            "Prism ({}) did not answer on {} within {START_TIMEOUT:?}:\n{}",
            self.mode,
            self.addr,
            self.log_tail()
        ))
    }

    /// Where Prism listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The mode it was started in.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The process id (also its process group id).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The last lines Prism wrote (for failure messages).
    pub fn log_tail(&self) -> String {
        let mut text = String::new();
        let _ = File::open(&self.log).and_then(|mut f| f.read_to_string(&mut text));
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }
}

impl Drop for Prism {
    fn drop(&mut self) {
        if let Ok(pgid) = libc::pid_t::try_from(self.child.id()) {
            // SAFETY: kill(2) on our own child's process group; no memory is involved.
            unsafe {
                libc::kill(-pgid, libc::SIGKILL);
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

fn free_port() -> Result<u16, String> {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free loopback port: {e}"))
}
