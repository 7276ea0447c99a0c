//! The service binary in a process of its own, as an operator runs it: its own data folder, a
//! shared database, a random port; signals, its whole output, and its one-shot commands.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use crate::app::{Storage, OPERATOR_EMAIL, OPERATOR_PASSWORD};
use crate::client::Client;

pub struct ServiceProcess {
    child: Child,
    pub base_url: String,
    /// `host:port`, for raw connections.
    pub address: String,
    pub client: Client,
    /// Its own data folder: nothing but the database is shared between processes.
    pub data_dir: tempfile::TempDir,
    /// Every line it wrote, on stdout and stderr, in the order read.
    output: Arc<Mutex<Vec<String>>>,
}

impl Drop for ServiceProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `tenantry` binary of this build: `cargo test --workspace` builds it with the API's own
/// tests, next to this test binary's `deps` folder. (`cargo test -p tenantry-tests` alone does
/// not rebuild it: then these tests run the binary of the last workspace build.)
pub fn service_binary() -> PathBuf {
    let test_binary = std::env::current_exe().expect("the test binary's path");
    let profile_dir = test_binary.parent().and_then(|deps| deps.parent()).expect("target/<profile>/deps");
    let binary = profile_dir.join(format!("tenantry{}", std::env::consts::EXE_SUFFIX));
    // Only its presence can be checked: the API library is built in several variants (with and
    // without the tests' features), so no file tells reliably whether the binary is current.
    // `cargo test --workspace` always builds it with everything else.
    assert!(
        binary.exists(),
        "{} is missing: run the tests with `cargo test --workspace` (or `cargo build -p tenantry-api` first)",
        binary.display()
    );
    binary
}

/// The environment every process of a test gets: `storage`'s database, quick workers, the
/// tests' operator; `settings` are added last and win.
fn command(storage: &Storage, data_dir: &std::path::Path, settings: &[(&str, String)]) -> Command {
    let mut command = Command::new(service_binary());
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &storage.database_url)
        .env("TENANTRY_DATA_DIR", data_dir)
        .env("TENANTRY_LISTEN", "127.0.0.1:0")
        .env("TENANTRY_BOOTSTRAP_EMAIL", OPERATOR_EMAIL)
        .env("TENANTRY_BOOTSTRAP_PASSWORD", OPERATOR_PASSWORD)
        .env("TENANTRY_OUTBOX_POLL_MS", "50")
        .env("TENANTRY_JOB_POLL_MS", "20")
        .env("TENANTRY_PROVISIONING_DELAY_MS", "0")
        .env("RUST_LOG", "info");
    for (name, value) in settings {
        command.env(name, value);
    }
    command
}

/// Why a process did not start serving, with all it said.
#[derive(Debug)]
pub struct DidNotStart {
    pub status: Option<ExitStatus>,
    pub output: String,
}

impl ServiceProcess {
    /// Starts the binary on `storage`'s database with its own data folder and `settings`, and
    /// waits until it listens.
    pub fn start(storage: &Storage, settings: &[(&str, String)]) -> Self {
        Self::try_start(storage, settings).unwrap_or_else(|e| panic!("the service process did not start: {e:?}"))
    }

    /// As [`ServiceProcess::start`], or what the process said when it exited instead.
    pub fn try_start(storage: &Storage, settings: &[(&str, String)]) -> Result<Self, DidNotStart> {
        let data_dir = tempfile::tempdir().expect("a temporary folder");
        let mut child = command(storage, data_dir.path(), settings)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the service binary starts");
        let output = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::channel();
        collect(child.stdout.take().expect("stdout is piped"), output.clone(), tx.clone());
        collect(child.stderr.take().expect("stderr is piped"), output.clone(), tx);
        let deadline = Instant::now() + Duration::from_secs(60);
        let address = loop {
            match rx.recv_timeout(Duration::from_millis(100)) {
                Ok(address) => break address,
                Err(mpsc::RecvTimeoutError::Timeout) if Instant::now() < deadline => {
                    if let Ok(Some(status)) = child.try_wait() {
                        // Let the readers take the last lines.
                        std::thread::sleep(Duration::from_millis(200));
                        let output = output.lock().unwrap_or_else(|e| e.into_inner()).join("\n");
                        return Err(DidNotStart { status: Some(status), output });
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    // Both pipes closed: the process has ended or is ending.
                    let status = child.wait().ok();
                    let output = output.lock().unwrap_or_else(|e| e.into_inner()).join("\n");
                    return Err(DidNotStart { status, output });
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    let _ = child.kill();
                    let output = output.lock().unwrap_or_else(|e| e.into_inner()).join("\n");
                    return Err(DidNotStart { status: None, output });
                }
            }
        };
        let base_url = format!("http://{address}");
        Ok(Self { child, client: Client::new(&base_url), base_url, address, data_dir, output })
    }

    pub fn operator_token(&self) -> String {
        self.client.token(OPERATOR_EMAIL, OPERATOR_PASSWORD)
    }

    /// Sends SIGTERM (or SIGINT), as an orchestrator stopping it.
    pub fn signal(&self, name: &str) {
        let status =
            Command::new("kill").args([&format!("-{name}"), &self.child.id().to_string()]).status().expect("kill runs");
        assert!(status.success(), "kill -{name} failed");
    }

    /// Waits for the process to exit, for at most `limit`.
    pub fn wait(&mut self, limit: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + limit;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// All it wrote so far, stdout and stderr, one entry per line.
    pub fn output(&self) -> Vec<String> {
        self.output.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// Reads a pipe to its end (so the child never blocks on a full pipe), keeping every line and
/// sending the address the service says it listens on.
fn collect(pipe: impl Read + Send + 'static, lines: Arc<Mutex<Vec<String>>>, address: mpsc::Sender<String>) {
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            if let Some(found) = line
                .split("listening on http://")
                .nth(1)
                .and_then(|rest| rest.split(|c: char| c.is_whitespace() || c == '"').next())
            {
                let _ = address.send(found.to_owned());
            }
            lines.lock().unwrap_or_else(|e| e.into_inner()).push(line);
        }
    });
}

/// What a one-shot command printed, and how it ended.
#[derive(Debug)]
pub struct CommandOutput {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl CommandOutput {
    pub fn assert_success(&self) -> &Self {
        assert!(self.status.success(), "the command failed ({}): {}\n{}", self.status, self.stdout, self.stderr);
        self
    }

    pub fn assert_failure(&self) -> &Self {
        assert!(!self.status.success(), "the command succeeded: {}\n{}", self.stdout, self.stderr);
        self
    }

    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// Runs `tenantry <args>` on `storage`'s database with `data_dir`, `settings` and, when given,
/// `stdin`, and waits for it (two minutes at most).
pub fn run_command(
    storage: &Storage,
    data_dir: &std::path::Path,
    args: &[&str],
    settings: &[(&str, String)],
    stdin: Option<&str>,
) -> CommandOutput {
    let mut child = command(storage, data_dir, settings)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the service binary starts");
    let mut input = child.stdin.take().expect("stdin is piped");
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).expect("stdin takes the text");
    }
    drop(input);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let output = rx
        .recv_timeout(Duration::from_secs(120))
        .unwrap_or_else(|_| panic!("`tenantry {}` did not finish within two minutes", args.join(" ")))
        .expect("the command's output");
    CommandOutput {
        status: output.status,
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}
