//! The schema's migrations: embedded in the binary, one folder per backend, applied by
//! `tenantry migrate` or at start-up (`TENANTRY_AUTO_MIGRATE`), and compared with what a
//! database has applied.

use diesel::connection::SimpleConnection;
use diesel::migration::MigrationSource;
use diesel::Connection;
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
                conn.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))?;
                result
            }
            DbConnection::Sqlite(mut conn) => {
                conn.run_pending_migrations(SQLITE_MIGRATIONS).map(versions).map_err(migration_error)
            }
        }
    }

    /// Compares the database's applied migrations with this binary's, changing nothing. A
    /// database without any table has every migration pending.
    pub fn migration_status(&self) -> StoreResult<MigrationStatus> {
        let mut conn = self.connect()?;
        // diesel creates its bookkeeping table when asked what was applied; asking must change
        // nothing, so an empty database is recognised first.
        let bookkept = has_bookkeeping_table(&mut conn)?;
        match conn {
            DbConnection::Postgresql(mut conn) => status(&mut conn, POSTGRES_MIGRATIONS, bookkept),
            DbConnection::Sqlite(mut conn) => status(&mut conn, SQLITE_MIGRATIONS, bookkept),
        }
    }
}

fn status<C>(conn: &mut C, source: EmbeddedMigrations, bookkept: bool) -> StoreResult<MigrationStatus>
where
    C: Connection + MigrationHarness<C::Backend>,
    EmbeddedMigrations: MigrationSource<C::Backend>,
{
    let known: Vec<String> = MigrationSource::<C::Backend>::migrations(&source)
        .map_err(migration_error)?
        .iter()
        .map(|migration| migration.name().version().to_string())
        .collect();
    let applied: Vec<String> = if bookkept {
        conn.applied_migrations().map_err(migration_error)?.iter().map(ToString::to_string).collect()
    } else {
        Vec::new()
    };
    Ok(MigrationStatus {
        pending: known.iter().filter(|v| !applied.contains(v)).cloned().collect(),
        unknown: applied.iter().filter(|v| !known.contains(v)).cloned().collect(),
        applied: applied.into_iter().filter(|v| known.contains(v)).collect(),
    })
}

fn has_bookkeeping_table(conn: &mut DbConnection) -> StoreResult<bool> {
    use diesel::sql_types::BigInt;
    use diesel::RunQueryDsl;

    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let query = if conn.is_postgres() {
        "SELECT count(*) AS n FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_name = '__diesel_schema_migrations'"
    } else {
        "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = '__diesel_schema_migrations'"
    };
    let counts: Vec<Count> = diesel::sql_query(query).load(conn)?;
    Ok(counts.first().is_some_and(|c| c.n > 0))
}
