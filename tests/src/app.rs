//! The real application on a random port, in a thread of its own, over a real database.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::Arc;
use std::thread::JoinHandle;

use actix_web::dev::ServerHandle;
use tenantry_api::runtime::config::Config;
use tenantry_api::Application;

use crate::backend::{Backend, TestDatabase};
use crate::client::Client;
use crate::dns::DnsServer;

pub const OPERATOR_EMAIL: &str = "operator@tenantry.test";
pub const OPERATOR_PASSWORD: &str = "platform staff passphrase for tests";

/// Where one test's data lives: a temporary data folder and a database. Outlives a server, so a
/// test can stop the server and start another on the same data.
pub struct Storage {
    pub backend: Backend,
    pub data_dir: tempfile::TempDir,
    pub database_url: String,
    _postgres: Option<TestDatabase>,
}

impl Storage {
    pub fn new(backend: Backend) -> Arc<Self> {
        Self::with(backend, TestDatabase::create)
    }

    /// Storage whose database has no table yet (SQLite: no file yet; the first start makes it).
    pub fn empty(backend: Backend) -> Arc<Self> {
        Self::with(backend, TestDatabase::create_empty)
    }

    fn with(backend: Backend, postgres_database: fn() -> TestDatabase) -> Arc<Self> {
        let data_dir = tempfile::tempdir().expect("a temporary folder");
        let (database_url, postgres) = match backend {
            Backend::Sqlite => (format!("sqlite://{}", data_dir.path().join("tenantry.db").display()), None),
            Backend::Postgres => {
                let database = postgres_database();
                (database.url.clone(), Some(database))
            }
        };
        Arc::new(Self { backend, data_dir, database_url, _postgres: postgres })
    }

    pub fn mail_dir(&self) -> PathBuf {
        self.data_dir.path().join("mail")
    }
}

pub struct TestApp {
    pub storage: Arc<Storage>,
    pub base_url: String,
    pub client: Client,
    /// Whether this start created the first operator.
    pub created_operator: bool,
    /// The DNS server the application looks domains up in, on loopback: no test asks the
    /// machine's resolver.
    pub dns: DnsServer,
    handle: ServerHandle,
    thread: Option<JoinHandle<()>>,
}

impl TestApp {
    /// A fresh application over fresh storage.
    pub fn spawn(backend: Backend) -> Self {
        Self::spawn_on(Storage::new(backend), &[])
    }

    /// An application over existing storage, with extra settings.
    pub fn spawn_on(storage: Arc<Storage>, settings: &[(&str, &str)]) -> Self {
        Self::spawn_with_dns(storage, settings, DnsServer::start())
    }

    /// An application that looks DNS up in `dns` (over UDP, then TCP for truncated answers,
    /// unless `settings` set `TENANTRY_DNS_SERVERS` otherwise).
    pub fn spawn_with_dns(storage: Arc<Storage>, settings: &[(&str, &str)], dns: DnsServer) -> Self {
        let mut values: Vec<(String, String)> = vec![
            ("TENANTRY_DNS_SERVERS".into(), dns.address()),
            ("TENANTRY_LISTEN".into(), "127.0.0.1:0".into()),
            ("DATABASE_URL".into(), storage.database_url.clone()),
            ("TENANTRY_DATA_DIR".into(), storage.data_dir.path().display().to_string()),
            ("TENANTRY_BOOTSTRAP_EMAIL".into(), OPERATOR_EMAIL.into()),
            ("TENANTRY_BOOTSTRAP_PASSWORD".into(), OPERATOR_PASSWORD.into()),
            ("TENANTRY_OUTBOX_POLL_MS".into(), "50".into()),
            ("TENANTRY_PROVISIONING_DELAY_MS".into(), "0".into()),
            ("TENANTRY_JOB_POLL_MS".into(), "20".into()),
            ("TENANTRY_DB_POOL_SIZE".into(), "8".into()),
            // Tests sign many people up from loopback; the per-caller limit has tests of its own.
            ("TENANTRY_SIGNUPS_PER_SOURCE_PER_HOUR".into(), "1000".into()),
            // Test receivers listen on loopback; the SSRF test turns this off.
            ("TENANTRY_WEBHOOKS_ALLOW_PRIVATE".into(), "true".into()),
        ];
        for (key, value) in settings {
            values.retain(|(k, _)| k != key);
            values.push(((*key).to_owned(), (*value).to_owned()));
        }
        let config = Config::from_lookup(|name| values.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
            .expect("the test configuration is valid");
        let (started, outcome) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            let system = actix_web::rt::System::new();
            system.block_on(async move {
                match Application::build(config, 2) {
                    Ok(app) => {
                        let _ = started.send(Ok((app.port(), app.handle(), app.first_operator.is_some())));
                        let _ = app.run_until_stopped().await;
                    }
                    Err(error) => {
                        let _ = started.send(Err(error.to_string()));
                    }
                }
            });
        });
        let (port, handle, created_operator) = outcome
            .recv()
            .expect("the server thread reports its start")
            .unwrap_or_else(|error| panic!("the application did not start: {error}"));
        let base_url = format!("http://127.0.0.1:{port}");
        Self { storage, client: Client::new(&base_url), base_url, created_operator, dns, handle, thread: Some(thread) }
    }

    /// Stops the server (as abruptly as a killed process would stop serving) and hands back the
    /// storage for a restart.
    pub fn stop(mut self) -> Arc<Storage> {
        self.shutdown();
        self.storage.clone()
    }

    fn shutdown(&mut self) {
        drop(self.handle.stop(false));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }

    pub fn backend(&self) -> Backend {
        self.storage.backend
    }

    pub fn data_dir(&self) -> &Path {
        self.storage.data_dir.path()
    }

    pub fn operator_token(&self) -> String {
        self.client.token(OPERATOR_EMAIL, OPERATOR_PASSWORD)
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown();
    }
}
