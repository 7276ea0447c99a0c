//! The schema's migrations: embedded in the binary, one folder per backend, applied by
//! `tenantry migrate` or at start-up (`TENANTRY_AUTO_MIGRATE`), and compared with what a
//! database has applied.

use diesel::connection::SimpleConnection;
use diesel::migration::MigrationSource;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::connection::{Database, DbConnection};
use crate::error::{StoreError, StoreResult};

const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");
const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// Keeps replicas that start together (or a `migrate` step and a replica) from migrating twice.
const MIGRATION_LOCK: i64 = 7_418_529;

/// Where a database stands against the migrations this binary carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationStatus {
    /// Versions applied to the database that this binary also knows.
    pub applied: Vec<String>,
    /// Versions this binary carries that the database has not applied, oldest first.
    pub pending: Vec<String>,
    /// Versions the database has applied that this binary does not know: a newer release
    /// migrated it (this one may still run, if that release's migrations kept compatibility).
    pub unknown: Vec<String>,
}

impl MigrationStatus {
    pub fn is_current(&self) -> bool {
        self.pending.is_empty()
    }
}

fn migration_error(error: Box<dyn std::error::Error + Send + Sync>) -> StoreError {
    StoreError::Migration(error.to_string())
}

impl Database {
    /// Applies pending migrations on a plain connection, before any pool exists, and says which
    /// versions it applied. On PostgreSQL an advisory lock keeps processes that migrate at the
    /// same time from applying a migration twice.
    pub fn migrate(&self) -> StoreResult<Vec<String>> {
        let versions = |applied: Vec<diesel::migration::MigrationVersion<'_>>| {
            applied.iter().map(ToString::to_string).collect::<Vec<_>>()
        };
        match self.connect()? {
            DbConnection::Postgresql(mut conn) => {
                conn.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))?;
                let result = conn.run_pending_migrations(POSTGRES_MIGRATIONS).map(versions).map_err(migration_error);
                // The migration's own failure is the one to report; the lock goes with the
                // connection anyway.
                let unlocked = conn.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"));
                let applied = result?;
                unlocked?;
                Ok(applied)
            }
            DbConnection::Sqlite(mut conn) => {
                conn.run_pending_migrations(SQLITE_MIGRATIONS).map(versions).map_err(migration_error)
            }
        }
    }

    /// Compares the database's applied migrations with this binary's, changing nothing: SQLite
    /// is opened read-only, and a missing file or an empty database has every migration pending.
    pub fn migration_status(&self) -> StoreResult<MigrationStatus> {
        let known = match self {
            Database::Postgres(_) => known_versions::<diesel::pg::Pg>(&POSTGRES_MIGRATIONS)?,
            Database::Sqlite(_) => known_versions::<diesel::sqlite::Sqlite>(&SQLITE_MIGRATIONS)?,
        };
        let applied = match self {
            Database::Sqlite(path) if !path.exists() => Vec::new(),
            _ => applied_versions(&mut self.connect_read_only()?)?,
        };
        Ok(MigrationStatus {
            pending: known.iter().filter(|v| !applied.contains(v)).cloned().collect(),
            unknown: applied.iter().filter(|v| !known.contains(v)).cloned().collect(),
            applied: applied.into_iter().filter(|v| known.contains(v)).collect(),
        })
    }
}

fn known_versions<DB: diesel::backend::Backend>(source: &EmbeddedMigrations) -> StoreResult<Vec<String>>
where
    EmbeddedMigrations: MigrationSource<DB>,
{
    Ok(MigrationSource::<DB>::migrations(source)
        .map_err(migration_error)?
        .iter()
        .map(|migration| migration.name().version().to_string())
        .collect())
}

/// The versions recorded in diesel's bookkeeping table; none when it does not exist yet. Read
/// with plain queries: diesel's own reader creates the table when it is missing.
fn applied_versions(conn: &mut DbConnection) -> StoreResult<Vec<String>> {
    use diesel::sql_types::{BigInt, Text};
    use diesel::RunQueryDsl;

    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    #[derive(diesel::QueryableByName)]
    struct Version {
        #[diesel(sql_type = Text)]
        version: String,
    }
    let exists = if conn.is_postgres() {
        "SELECT count(*) AS n FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_name = '__diesel_schema_migrations'"
    } else {
        "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = '__diesel_schema_migrations'"
    };
    let counts: Vec<Count> = diesel::sql_query(exists).load(conn)?;
    let table_exists = counts.first().is_some_and(|c| c.n > 0);
    if !table_exists {
        return Ok(Vec::new());
    }
    let versions: Vec<Version> =
        diesel::sql_query("SELECT version FROM __diesel_schema_migrations ORDER BY version").load(conn)?;
    Ok(versions.into_iter().map(|v| v.version).collect())
}
