//! Choosing the backend and pooling connections.

use std::ops::{Deref, DerefMut};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::connection::{
    AnsiTransactionManager, Instrumentation, InstrumentationEvent, SimpleConnection, TransactionManager,
};
use diesel::r2d2::{ManageConnection, Pool, PooledConnection};
use diesel::{Connection, PgConnection, RunQueryDsl, SqliteConnection};

use crate::error::{StoreError, StoreResult};

/// Statements sent to the database by this process, on every connection.
static STATEMENTS_SENT: AtomicU64 = AtomicU64::new(0);

/// How many statements this process has sent to the database (each one round trip), for the
/// metrics and the benchmark's count of round trips per request.
pub fn statements_sent() -> u64 {
    STATEMENTS_SENT.load(Ordering::Relaxed)
}

/// Counts every statement a connection starts, `BEGIN` and `COMMIT` included, and notes when
/// the server is gone from under the connection.
struct Watch {
    health: Arc<Health>,
}

/// What a connection's statements have shown of it.
#[derive(Default)]
struct Health {
    /// The server is gone: never reuse it.
    lost: AtomicBool,
    /// Its last statement failed: ping it before trusting it again.
    last_failed: AtomicBool,
    /// Connections of the same pool found lost so far, shared by all of them.
    pool_losses: Arc<AtomicU64>,
}

impl Health {
    fn in_pool(pool_losses: Arc<AtomicU64>) -> Self {
        Health { pool_losses, ..Health::default() }
    }
}

impl Instrumentation for Watch {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::StartQuery { .. } => {
                STATEMENTS_SENT.fetch_add(1, Ordering::Relaxed);
            }
            InstrumentationEvent::FinishQuery { error: None, .. } => {
                self.health.last_failed.store(false, Ordering::Relaxed);
            }
            InstrumentationEvent::FinishQuery { error: Some(error), .. } => {
                use diesel::result::{DatabaseErrorKind, Error};
                self.health.last_failed.store(true, Ordering::Relaxed);
                if matches!(
                    error,
                    Error::DatabaseError(
                        DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                        _
                    )
                ) && !self.health.lost.swap(true, Ordering::Relaxed)
                {
                    self.health.pool_losses.fetch_add(1, Ordering::Relaxed);
                }
            }
            _ => {}
        }
    }
}

/// A connection given back to the pool less than this long ago is handed out again without a
/// ping: under load that saves a round trip per checkout (two per request), and a connection
/// idle for longer, which may have outlived a database restart, is still checked. So is every
/// connection once another of its pool was found lost: a database restart or a failover takes
/// them all at once, and each would otherwise fail a request of its own.
const TRUSTED_AFTER_USE: Duration = Duration::from_secs(1);

/// A connection in the pool, with what the pool must know of it: whether its server went away
/// (seen in the error of a statement), when it was last given back, and how many of its pool's
/// connections had been found lost when it was last known good.
pub struct PoolConnection {
    conn: DbConnection,
    health: Arc<Health>,
    given_back_at: Option<Instant>,
    pool_losses_seen: u64,
}

impl Deref for PoolConnection {
    type Target = DbConnection;
    fn deref(&self) -> &DbConnection {
        &self.conn
    }
}

impl DerefMut for PoolConnection {
    fn deref_mut(&mut self) -> &mut DbConnection {
        &mut self.conn
    }
}

/// One connection to either backend; queries are written once against it.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

pub type DbPool = Pool<ConnectionManager>;
pub type PooledDb = PooledConnection<ConnectionManager>;

/// Where the data lives, parsed from `DATABASE_URL`.
#[derive(Clone, PartialEq, Eq)]
pub enum Database {
    Postgres(String),
    Sqlite(PathBuf),
}

/// Without the password: a pool or an error may be printed.
impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Database::Postgres(url) => f.debug_tuple("Postgres").field(&crate::database_url::redacted(url)).finish(),
            Database::Sqlite(path) => f.debug_tuple("Sqlite").field(path).finish(),
        }
    }
}

impl Database {
    pub fn from_url(url: &str) -> StoreResult<Self> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            crate::database_url::check_user_part(url).map_err(StoreError::MalformedUrl)?;
            Ok(Database::Postgres(url.to_owned()))
        } else if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(StoreError::UnsupportedUrl("sqlite:// without a path".to_owned()));
            }
            Ok(Database::Sqlite(PathBuf::from(path)))
        } else {
            let described = match url.split_once("://") {
                Some((scheme, _)) => format!("scheme `{scheme}`"),
                None => "no scheme".to_owned(),
            };
            Err(StoreError::UnsupportedUrl(described))
        }
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            Database::Postgres(_) => "postgres",
            Database::Sqlite(_) => "sqlite",
        }
    }

    /// Opens one connection. SQLite gets its per-connection settings here: WAL so readers never
    /// block the writer, a busy timeout so writers queue instead of failing, foreign keys on, and
    /// full sync so an acknowledged write survives a power cut.
    pub fn connect(&self) -> StoreResult<DbConnection> {
        self.establish(Arc::default())
    }

    fn establish(&self, health: Arc<Health>) -> StoreResult<DbConnection> {
        match self {
            Database::Postgres(url) => {
                let mut conn = PgConnection::establish(url)?;
                conn.set_instrumentation(Watch { health: health.clone() });
                Ok(DbConnection::Postgresql(conn))
            }
            Database::Sqlite(path) => {
                if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    std::fs::create_dir_all(parent).map_err(|e| {
                        StoreError::Migration(format!("cannot create the folder {}: {e}", parent.display()))
                    })?;
                }
                let mut conn = SqliteConnection::establish(&path.to_string_lossy())?;
                conn.set_instrumentation(Watch { health: health.clone() });
                conn.batch_execute(
                    // The busy timeout first: switching to WAL may itself wait for a lock.
                    "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
                     PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;",
                )?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }

    /// Opens a connection that only reads. SQLite's file is opened read-only (`mode=ro`): its
    /// journal mode is left as it is, and closing it does not checkpoint the write-ahead log
    /// into the database, as closing the last read-write connection would. The caller makes sure
    /// the file exists. PostgreSQL's is a plain connection.
    pub fn connect_read_only(&self) -> StoreResult<DbConnection> {
        match self {
            Database::Postgres(_) => self.connect(),
            Database::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(&read_only_uri(path))?;
                conn.batch_execute("PRAGMA busy_timeout = 10000; PRAGMA query_only = ON;")?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }

    /// Builds the pool; the schema must be current (see [`Database::migrate`]). SQLite
    /// serialises writers anyway, so a small pool is enough there; readers still run in parallel
    /// thanks to WAL.
    pub fn open_pool(&self, max_size: u32) -> StoreResult<DbPool> {
        Ok(Pool::builder()
            .max_size(max_size)
            .connection_timeout(Duration::from_secs(10))
            .build(ConnectionManager { database: self.clone(), losses: Arc::default() })?)
    }
}

/// `path` as an SQLite URI opening it read-only. The characters a URI gives a meaning to are
/// escaped (`%`, `?`, `#`), and an absolute path gets an empty authority, so that any folder
/// name, and a path that starts with `//`, reach the file as written.
fn read_only_uri(path: &std::path::Path) -> String {
    let text = path.to_string_lossy();
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => escaped.push_str("%25"),
            '?' => escaped.push_str("%3F"),
            '#' => escaped.push_str("%23"),
            other => escaped.push(other),
        }
    }
    if escaped.starts_with('/') {
        format!("file://{escaped}?mode=ro")
    } else {
        format!("file:{escaped}?mode=ro")
    }
}

/// Hands out connections to the configured backend, without falling back from one to the other.
#[derive(Debug)]
pub struct ConnectionManager {
    database: Database,
    /// Connections of this pool found lost since it was built.
    losses: Arc<AtomicU64>,
}

impl ManageConnection for ConnectionManager {
    type Connection = PoolConnection;
    type Error = StoreError;

    fn connect(&self) -> StoreResult<PoolConnection> {
        let pool_losses_seen = self.losses.load(Ordering::Relaxed);
        let health = Arc::new(Health::in_pool(self.losses.clone()));
        let conn = self.database.establish(health.clone())?;
        Ok(PoolConnection { conn, health, given_back_at: None, pool_losses_seen })
    }

    fn is_valid(&self, conn: &mut PoolConnection) -> StoreResult<()> {
        let losses = self.losses.load(Ordering::Relaxed);
        let recently_fine = conn.given_back_at.is_some_and(|at| at.elapsed() < TRUSTED_AFTER_USE)
            && !conn.health.last_failed.load(Ordering::Relaxed)
            && conn.pool_losses_seen == losses;
        if recently_fine {
            return Ok(());
        }
        diesel::sql_query("SELECT 1").execute(&mut conn.conn)?;
        conn.pool_losses_seen = losses;
        Ok(())
    }

    /// A connection whose server went away is dropped. So is one given back inside a
    /// transaction (its user panicked midway): the next user's work would run in that
    /// transaction and never commit.
    fn has_broken(&self, conn: &mut PoolConnection) -> bool {
        conn.given_back_at = Some(Instant::now());
        let status = <DbConnection as Connection>::TransactionManager::transaction_manager_status_mut(&mut conn.conn);
        std::thread::panicking()
            || conn.health.lost.load(Ordering::Relaxed)
            || !matches!(status.transaction_depth(), Ok(None))
    }
}

impl DbConnection {
    /// Runs `work` in one write transaction. On SQLite the transaction starts `IMMEDIATE`, taking
    /// the write lock up front: a deferred transaction that reads and then writes can fail with
    /// "database is locked" when another writer got there first, whatever the busy timeout.
    pub fn write<T, E>(&mut self, work: impl FnOnce(&mut DbConnection) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        if matches!(self, DbConnection::Postgresql(_)) {
            return self.transaction(|conn| work(conn).map_err(Rollback::Work)).map_err(Rollback::into_error);
        }
        if let DbConnection::Sqlite(inner) = self {
            AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE").map_err(StoreError::from)?;
        }
        let outcome = work(self);
        let DbConnection::Sqlite(inner) = self else {
            return outcome;
        };
        match outcome {
            Ok(value) => {
                AnsiTransactionManager::commit_transaction(inner).map_err(StoreError::from)?;
                Ok(value)
            }
            Err(error) => {
                AnsiTransactionManager::rollback_transaction(inner).map_err(StoreError::from)?;
                Err(error)
            }
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, DbConnection::Postgresql(_))
    }

    /// Asks the database a trivial question; answers the backend's name when it replies.
    pub fn ping(&mut self) -> StoreResult<&'static str> {
        diesel::sql_query("SELECT 1").execute(self)?;
        Ok(if self.is_postgres() { "postgres" } else { "sqlite" })
    }
}

/// Why diesel's `transaction` ended: the work's own error, or one from beginning or committing.
enum Rollback<E> {
    Work(E),
    Database(diesel::result::Error),
}

impl<E> From<diesel::result::Error> for Rollback<E> {
    fn from(error: diesel::result::Error) -> Self {
        Rollback::Database(error)
    }
}

impl<E: From<StoreError>> Rollback<E> {
    fn into_error(self) -> E {
        match self {
            Rollback::Work(error) => error,
            Rollback::Database(error) => E::from(StoreError::from(error)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_only_uris_keep_every_folder_name() {
        use std::path::Path;
        assert_eq!(read_only_uri(Path::new("/tmp/a#b/t.db")), "file:///tmp/a%23b/t.db?mode=ro");
        assert_eq!(read_only_uri(Path::new("//tmp/x/t.db")), "file:////tmp/x/t.db?mode=ro");
        assert_eq!(read_only_uri(Path::new("./data/100%?.db")), "file:./data/100%25%3F.db?mode=ro");
    }

    #[test]
    fn urls_choose_the_backend_without_guessing() {
        assert_eq!(Database::from_url("sqlite://./data/t.db").unwrap(), Database::Sqlite("./data/t.db".into()));
        assert!(matches!(Database::from_url("postgres://u@h/db").unwrap(), Database::Postgres(_)));
        assert!(matches!(Database::from_url("postgresql://u@h/db").unwrap(), Database::Postgres(_)));
        assert!(Database::from_url("mysql://x").is_err());
        assert!(Database::from_url("./data/t.db").is_err());
        assert!(Database::from_url("sqlite://").is_err());
    }

    #[test]
    fn both_backends_have_the_same_migration_versions() {
        let versions = |dir: &str| {
            let mut names: Vec<String> = std::fs::read_dir(dir)
                .unwrap()
                .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            names
        };
        let root = env!("CARGO_MANIFEST_DIR");
        assert_eq!(versions(&format!("{root}/migrations/postgres")), versions(&format!("{root}/migrations/sqlite")));
    }
}
