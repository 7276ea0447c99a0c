//! The two backends, and PostgreSQL databases made per test from a migrated template.

use std::sync::{Mutex, OnceLock};

use diesel::{Connection, PgConnection, RunQueryDsl};
use tenantry_persistence::Database;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// The server that PostgreSQL tests create their databases on.
pub fn postgres_admin_url() -> String {
    std::env::var("TENANTRY_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// Whether PostgreSQL answers at [`postgres_admin_url`]; the error when it does not.
pub fn postgres_reachable() -> Result<(), String> {
    PgConnection::establish(&postgres_admin_url()).map(|_| ()).map_err(|e| e.to_string())
}

fn url_for(database: &str) -> String {
    let admin = postgres_admin_url();
    match admin.rsplit_once('/') {
        Some((server, _)) => format!("{server}/{database}"),
        None => format!("{admin}/{database}"),
    }
}

static TEMPLATE: OnceLock<Result<String, String>> = OnceLock::new();
/// Cloning from a template fails if another clone of it is being made at the same instant.
static CLONING: Mutex<()> = Mutex::new(());

/// A migrated template database, made once per test process.
fn template() -> Result<String, String> {
    TEMPLATE
        .get_or_init(|| {
            let name = format!("tenantry_template_{}", std::process::id());
            let mut admin = PgConnection::establish(&postgres_admin_url()).map_err(|e| e.to_string())?;
            diesel::sql_query(format!("DROP DATABASE IF EXISTS {name}"))
                .execute(&mut admin)
                .map_err(|e| e.to_string())?;
            diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin).map_err(|e| e.to_string())?;
            Database::Postgres(url_for(&name)).migrate().map_err(|e| e.to_string())?;
            Ok(name)
        })
        .clone()
}

/// Drops the template at the end of the run.
pub fn drop_template() {
    if let Some(Ok(name)) = TEMPLATE.get() {
        if let Ok(mut admin) = PgConnection::establish(&postgres_admin_url()) {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin);
        }
    }
}

/// A PostgreSQL database that exists for one test and is dropped with this value.
pub struct TestDatabase {
    pub name: String,
    pub url: String,
}

impl TestDatabase {
    pub fn create() -> Self {
        let template = template().expect("the PostgreSQL template database could not be made");
        let name = format!("tenantry_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::establish(&postgres_admin_url()).expect("PostgreSQL is reachable");
        {
            let _guard = CLONING.lock().unwrap_or_else(|e| e.into_inner());
            diesel::sql_query(format!("CREATE DATABASE {name} TEMPLATE {template}"))
                .execute(&mut admin)
                .expect("a test database can be cloned from the template");
        }
        Self { url: url_for(&name), name }
    }

    /// A database without any table, as a new deployment starts with.
    pub fn create_empty() -> Self {
        let name = format!("tenantry_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::establish(&postgres_admin_url()).expect("PostgreSQL is reachable");
        diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin).expect("a test database can be made");
        Self { url: url_for(&name), name }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Ok(mut admin) = PgConnection::establish(&postgres_admin_url()) {
            let _ =
                diesel::sql_query(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)).execute(&mut admin);
        }
    }
}
