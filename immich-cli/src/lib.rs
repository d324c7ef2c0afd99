//! # immich-cli: the `immich` command-line tool
//!
//! A tool for people who manage an Immich library from scripts: upload folders (skipping
//! duplicates by SHA-1, in parallel), download originals (resumable, verified), albums, search,
//! people and tags. Built on [`immich_blocking`]; `--json` prints machine-readable output.
//!
//! The binary is a thin `main` around [`run`], which takes the arguments, the environment and
//! the two output streams, and returns the exit status: the end-to-end tests call it directly.
//!
//! ```no_run
//! let env = immich_cli::Env::from_process();
//! let status = immich_cli::run(
//!     ["server"],
//!     &env,
//!     &mut std::io::stdout(),
//!     &mut std::io::stderr(),
//! );
//! std::process::exit(status);
//! ```

#![warn(missing_docs)]

mod args;
mod backup;
mod claim;
mod commands;
mod help;
mod output;
mod upload;
mod upload_args;
mod upload_exif;
#[cfg(test)]
mod upload_hostile_tests;
mod upload_jobs;
mod upload_pairs;
mod upload_select;
mod upload_takeout;
mod upload_zip;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;

use immich_blocking::{Client, ErrorKind};

use args::{Command, Global};

/// Exit status: everything worked.
pub const EXIT_OK: i32 = 0;
/// Exit status: the command failed (or, for `upload`, some file did).
pub const EXIT_FAILED: i32 = 1;
/// Exit status: the command line was wrong.
pub const EXIT_USAGE: i32 = 2;

/// The environment variable for the server URL.
pub const URL_VAR: &str = "IMMICH_URL";
/// The environment variable for the API key.
pub const API_KEY_VAR: &str = "IMMICH_API_KEY";
/// The environment variable for the email `backup` logs in with (instead of an API key).
pub const EMAIL_VAR: &str = "IMMICH_EMAIL";
/// The environment variable for the password that goes with [`EMAIL_VAR`].
pub const PASSWORD_VAR: &str = "IMMICH_PASSWORD";

/// What [`run`] reads from its surroundings: the settings variables, whether stderr is a
/// terminal (progress lines are drawn only then), and the folder relative paths start from.
#[derive(Clone, Default)]
pub struct Env {
    vars: BTreeMap<String, String>,
    stderr_is_terminal: bool,
    current_dir: Option<PathBuf>,
}

impl std::fmt::Debug for Env {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Names only: a value may be the API key.
        f.debug_struct("Env")
            .field("vars", &self.vars.keys().collect::<Vec<_>>())
            .field("stderr_is_terminal", &self.stderr_is_terminal)
            .field("current_dir", &self.current_dir)
            .finish()
    }
}

impl Env {
    /// No variables, stderr not a terminal (for tests).
    pub fn new() -> Self {
        Env::default()
    }

    /// This process's `IMMICH_URL`, `IMMICH_API_KEY`, `IMMICH_EMAIL` and `IMMICH_PASSWORD`,
    /// and whether its stderr is a terminal.
    pub fn from_process() -> Self {
        let mut env = Env::new().terminal(io::stderr().is_terminal());
        for name in [URL_VAR, API_KEY_VAR, EMAIL_VAR, PASSWORD_VAR] {
            if let Ok(value) = std::env::var(name) {
                env = env.var(name, value);
            }
        }
        env
    }

    /// Sets a variable.
    pub fn var(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.vars.insert(name.into(), value.into());
        self
    }

    /// Says whether stderr is a terminal.
    pub fn terminal(mut self, stderr_is_terminal: bool) -> Self {
        self.stderr_is_terminal = stderr_is_terminal;
        self
    }

    /// Resolves relative paths (file arguments, `-o`, `--ca-cert`, and the file `download`
    /// names after the asset) against `dir` instead of this process's current directory: a
    /// caller that runs several commands at once (tests, a host program) gives each its own
    /// folder without changing the process-wide one.
    pub fn current_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.current_dir = Some(dir.into());
        self
    }

    /// `path` as the command means it: relative to [`Env::current_dir`] when one is set.
    fn resolve(&self, path: PathBuf) -> PathBuf {
        match &self.current_dir {
            Some(dir) if path.is_relative() => dir.join(path),
            _ => path,
        }
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }
}

/// Runs the tool with `args` (without the program name), printing results to `stdout` and
/// messages, progress and errors to `stderr`. Returns the exit status: [`EXIT_OK`],
/// [`EXIT_FAILED`] or [`EXIT_USAGE`]. Never panics on bad input or a bad answer.
pub fn run<I, S>(args: I, env: &Env, stdout: &mut dyn Write, stderr: &mut dyn Write) -> i32
where
    I: IntoIterator<Item = S>,
    S: Into<OsString>,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let (mut global, command) = match args::parse(args) {
        Ok(parsed) => parsed,
        Err(message) => {
            let _ = writeln!(stderr, "error: {}", output::shown(&message));
            let _ = writeln!(stderr, "Run `immich --help` for usage.");
            return EXIT_USAGE;
        }
    };
    match command {
        Command::Help(topic) => return print_help(topic.as_deref(), stdout, stderr),
        Command::Version => {
            let _ = writeln!(stdout, "immich {}", env!("CARGO_PKG_VERSION"));
            return EXIT_OK;
        }
        _ => {}
    }
    global.ca_cert = global.ca_cert.map(|path| env.resolve(path));
    let command = resolve_paths(command, env);
    let url = global
        .url
        .clone()
        .or_else(|| env.get(URL_VAR).map(str::to_owned));
    let login = match login_of(&global, &command, env) {
        Ok(login) => login,
        Err(failure) => return finish(Err(failure), url.as_deref().unwrap_or(""), stderr),
    };
    let client = match connect(&global, env, url.as_deref(), login.as_ref(), stderr) {
        Ok(client) => client,
        Err(failure) => return finish(Err(failure), url.as_deref().unwrap_or(""), stderr),
    };
    let mut ctx = Ctx {
        client,
        url: url.unwrap_or_default(),
        json: global.json,
        progress: env.stderr_is_terminal,
        current_dir: env.current_dir.clone(),
        logged_in: login.is_some(),
        out: stdout,
        err: stderr,
    };
    let result = commands::dispatch(&mut ctx, command);
    if ctx.logged_in {
        // The session ends with the command, whatever happened.
        if let Err(e) = ctx.client.logout() {
            let _ = writeln!(
                ctx.err,
                "warning: logging out failed: {}",
                output::shown(&describe(&e, &ctx.url))
            );
        }
    }
    finish(result, &ctx.url, ctx.err)
}

/// An email and password to log in with (`backup --email`, or `IMMICH_EMAIL` when no API key
/// is given), instead of the API key.
struct Login {
    email: String,
    password: String,
}

/// The login a command asks for, with its password (from `IMMICH_PASSWORD`, or the first
/// line of stdin with `--password-stdin`); `None`: use the API key.
fn login_of(global: &Global, command: &Command, env: &Env) -> Result<Option<Login>, Failure> {
    let Command::Backup(args) = command else {
        return Ok(None);
    };
    let has_key = global.api_key.is_some() || env.get(API_KEY_VAR).is_some();
    let email = match (&args.email, env.get(EMAIL_VAR)) {
        (Some(email), _) => email.clone(),
        (None, Some(email)) if !has_key => email.to_owned(),
        _ => return Ok(None),
    };
    let password = if args.password_stdin {
        let mut line = String::new();
        io::stdin()
            .read_line(&mut line)
            .map_err(|e| Failure::Message(format!("cannot read the password from stdin: {e}")))?;
        line.trim_end_matches(['\n', '\r']).to_owned()
    } else {
        match env.vars.get(PASSWORD_VAR) {
            Some(password) if !password.is_empty() => password.clone(),
            _ => {
                return Err(Failure::Usage(format!(
                    "logging in as {email} needs the password: set {PASSWORD_VAR} or pass \
                     --password-stdin"
                )))
            }
        }
    };
    Ok(Some(Login { email, password }))
}

/// The command with its relative paths resolved against the environment's folder.
fn resolve_paths(command: Command, env: &Env) -> Command {
    match command {
        Command::Upload(mut upload) => {
            upload.paths = upload.paths.into_iter().map(|p| env.resolve(p)).collect();
            Command::Upload(upload)
        }
        Command::Download {
            id,
            output,
            overwrite,
        } => Command::Download {
            id,
            output: output.map(|p| env.resolve(p)),
            overwrite,
        },
        Command::Thumbnail {
            id,
            size,
            output,
            overwrite,
        } => Command::Thumbnail {
            id,
            size,
            output: env.resolve(output),
            overwrite,
        },
        Command::Backup(mut backup) => {
            backup.dir = env.resolve(backup.dir);
            Command::Backup(backup)
        }
        other => other,
    }
}

fn print_help(topic: Option<&str>, stdout: &mut dyn Write, stderr: &mut dyn Write) -> i32 {
    match topic {
        None => {
            let _ = stdout.write_all(help::MAIN.as_bytes());
            EXIT_OK
        }
        Some(name) => match help::command(name) {
            Some(text) => {
                let _ = stdout.write_all(text.as_bytes());
                EXIT_OK
            }
            None => {
                let _ = writeln!(stderr, "error: unknown command `{}`", output::shown(name));
                let _ = writeln!(stderr, "Run `immich --help` for usage.");
                EXIT_USAGE
            }
        },
    }
}

/// Everything a command needs.
pub(crate) struct Ctx<'a> {
    pub client: Client,
    pub url: String,
    pub json: bool,
    /// Draw progress lines on stderr.
    pub progress: bool,
    /// Where relative paths start (`None`: this process's current directory).
    pub current_dir: Option<PathBuf>,
    /// The client is a login session (logged out when the command ends).
    pub logged_in: bool,
    pub out: &'a mut dyn Write,
    pub err: &'a mut dyn Write,
}

/// Why a command did not succeed.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The command line or the settings are wrong.
    Usage(String),
    /// The client failed.
    Client(immich_blocking::Error),
    /// Something else, already in words.
    Message(String),
    /// Failed, and already said why (an upload with failed files).
    Reported,
    /// Writing the output failed (a closed pipe): nothing more to say.
    Output,
}

impl From<immich_blocking::Error> for Failure {
    fn from(e: immich_blocking::Error) -> Self {
        Failure::Client(e)
    }
}

impl From<immich_blocking::proto::Error> for Failure {
    fn from(e: immich_blocking::proto::Error) -> Self {
        match e {
            // Ids reach the core only from the command line: a malformed one is a usage error,
            // found before anything is sent.
            immich_blocking::proto::Error::InvalidId { .. } => Failure::Usage(e.to_string()),
            other => Failure::Client(other.into()),
        }
    }
}

fn finish(result: Result<(), Failure>, url: &str, stderr: &mut dyn Write) -> i32 {
    match result {
        Ok(()) => EXIT_OK,
        Err(Failure::Usage(message)) => {
            let _ = writeln!(stderr, "error: {}", output::shown(&message));
            let _ = writeln!(stderr, "Run `immich --help` for usage.");
            EXIT_USAGE
        }
        Err(Failure::Client(e)) => {
            let _ = writeln!(stderr, "error: {}", output::shown(&describe(&e, url)));
            EXIT_FAILED
        }
        Err(Failure::Message(message)) => {
            let _ = writeln!(stderr, "error: {}", output::shown(&message));
            EXIT_FAILED
        }
        Err(Failure::Reported | Failure::Output) => EXIT_FAILED,
    }
}

/// Builds the client from flags and environment, and reads the server version once.
fn connect(
    global: &Global,
    env: &Env,
    url: Option<&str>,
    login: Option<&Login>,
    stderr: &mut dyn Write,
) -> Result<Client, Failure> {
    let Some(url) = url else {
        return Err(Failure::Usage(format!(
            "no server given: pass --url URL or set {URL_VAR}"
        )));
    };
    let key = global.api_key.as_deref().or_else(|| env.get(API_KEY_VAR));
    let mut builder = Client::builder(url);
    match (login, key) {
        (Some(_), _) => {}
        (None, Some(key)) => builder = builder.api_key(key),
        (None, None) => {
            return Err(Failure::Usage(format!(
                "no API key given: pass --api-key KEY or set {API_KEY_VAR} \
                 (create one in the web UI under Account Settings > API Keys)"
            )))
        }
    }
    if let Some(path) = &global.ca_cert {
        let pem = std::fs::read(path).map_err(|e| {
            Failure::Message(format!("cannot read --ca-cert {}: {e}", path.display()))
        })?;
        builder = builder.add_root_certificate_pem(&pem);
    }
    if global.insecure {
        builder = builder.danger_accept_invalid_certs(true);
    }
    let client = builder.build()?;
    // Before anything is sent: a key over plain http:// to another machine, or --insecure
    // (the core decides; the library logs the same through `log`).
    let warnings =
        immich_blocking::proto::transport::security_warnings(client.server(), global.insecure);
    for warning in warnings {
        let _ = writeln!(stderr, "warning: {warning}");
    }
    client.setup()?;
    match login {
        Some(login) => {
            let (session, _) = client.login(&login.email, &login.password).map_err(|e| {
                match (e.kind(), e.status().map(|s| s.as_u16())) {
                    (ErrorKind::Status, Some(400 | 401)) => Failure::Message(format!(
                        "the server refused the login of {}: check the email and password",
                        login.email
                    )),
                    _ => Failure::Client(e),
                }
            })?;
            Ok(session)
        }
        None => Ok(client),
    }
}

/// One line that says what went wrong and what to do about it.
pub(crate) fn describe(error: &immich_blocking::Error, url: &str) -> String {
    use immich_blocking::Error as E;
    let api = error.proto().and_then(|p| p.api());
    match (error.kind(), error.status().map(|s| s.as_u16())) {
        (ErrorKind::Status, Some(401)) => format!(
            "the server refused the API key (401 Unauthorized): check --api-key or {API_KEY_VAR}"
        ),
        (ErrorKind::Status, Some(403)) => match api.and_then(|a| a.missing_permission()) {
            Some(permission) => format!(
                "the API key lacks the permission `{permission}` (403 Forbidden): \
                     grant it to the key in the web UI, or use a key that has it"
            ),
            None => format!("the server refused the request: {error}"),
        },
        (ErrorKind::Tls, _) if answers_in_plain_http(error) => format!(
            "TLS failed with {url}: the server answered in plain HTTP, not TLS; use {} \
             instead (certificate options cannot help here)",
            plain_http_url(url)
        ),
        (ErrorKind::Tls, _) => {
            let detail = match error {
                E::Tls(inner) => inner.to_string(),
                other => other.to_string(),
            };
            format!(
                "TLS failed with {url}: {detail}; if the server uses its own certificate \
                 authority or a self-signed certificate, pass --ca-cert FILE (or --insecure \
                 to skip the check)"
            )
        }
        (ErrorKind::Connect, _) => {
            let detail = match error {
                E::Connect(inner) => inner.to_string(),
                other => other.to_string(),
            };
            format!("the server is not reachable at {url}: {detail}")
        }
        (ErrorKind::Timeout, _) => format!("no answer from {url} in time: {error}"),
        _ => error.to_string(),
    }
}

/// Whether a TLS failure is a plain-HTTP server's answer read as TLS: its first byte (`H` of
/// `HTTP/1.1 400`) is no TLS record type, which rustls reports as `InvalidContentType`.
fn answers_in_plain_http(error: &immich_blocking::Error) -> bool {
    use immich_blocking::proto::transport::error_causes;
    let is_content_type_error = |cause: &(dyn std::error::Error + 'static)| {
        matches!(
            cause.downcast_ref::<rustls::Error>(),
            Some(rustls::Error::InvalidMessage(
                rustls::InvalidMessage::InvalidContentType
            ))
        )
    };
    error_causes(error).any(
        |cause| match cause.downcast_ref::<immich_blocking::ureq::Error>() {
            // ureq's I/O variant names no source: look inside it.
            Some(immich_blocking::ureq::Error::Io(io)) => {
                error_causes(io).any(is_content_type_error)
            }
            _ => is_content_type_error(cause),
        },
    )
}

/// `url` with `http://` instead of `https://`.
fn plain_http_url(url: &str) -> String {
    match url.get(..8) {
        Some(scheme) if scheme.eq_ignore_ascii_case("https://") => format!("http://{}", &url[8..]),
        _ => url.to_owned(),
    }
}
