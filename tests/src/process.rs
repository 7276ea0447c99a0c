//! The service binary in a process of its own, as an operator runs replicas: its own data
//! folder, a shared database, a random port.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::app::{Storage, OPERATOR_EMAIL, OPERATOR_PASSWORD};
use crate::client::Client;

pub struct ServiceProcess {
    child: Child,
    pub base_url: String,
    pub client: Client,
    /// Its own data folder: nothing but the database is shared between processes.
    pub data_dir: tempfile::TempDir,
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

impl ServiceProcess {
    /// Starts the binary on `storage`'s database with its own data folder and `settings`, and
    /// waits until it listens.
    pub fn start(storage: &Storage, settings: &[(&str, String)]) -> Self {
        let data_dir = tempfile::tempdir().expect("a temporary folder");
        let mut command = Command::new(service_binary());
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", &storage.database_url)
            .env("TENANTRY_DATA_DIR", data_dir.path())
            .env("TENANTRY_LISTEN", "127.0.0.1:0")
            .env("TENANTRY_BOOTSTRAP_EMAIL", OPERATOR_EMAIL)
            .env("TENANTRY_BOOTSTRAP_PASSWORD", OPERATOR_PASSWORD)
            .env("TENANTRY_OUTBOX_POLL_MS", "50")
            .env("TENANTRY_JOB_POLL_MS", "20")
            .env("TENANTRY_PROVISIONING_DELAY_MS", "0")
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (name, value) in settings {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("the service binary starts");
        let address = listening_address(&mut child).recv_timeout(Duration::from_secs(60));
        let base_url = address.unwrap_or_else(|_| {
            let _ = child.kill();
            panic!("the service process did not say where it listens")
        });
        Self { child, client: Client::new(&base_url), base_url, data_dir }
    }

    pub fn operator_token(&self) -> String {
        self.client.token(OPERATOR_EMAIL, OPERATOR_PASSWORD)
    }
}

/// Reads the child's stderr to the end (so it never blocks on a full pipe) and sends the
/// address it says it listens on.
fn listening_address(child: &mut Child) -> mpsc::Receiver<String> {
    let stderr = child.stderr.take().expect("stderr is piped");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(address) = line.split("listening on ").nth(1).and_then(|rest| rest.split_whitespace().next()) {
                let _ = tx.send(address.to_owned());
            }
        }
    });
    rx
}
