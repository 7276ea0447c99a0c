//! An online copy of the embedded (SQLite) database, taken while the service writes to it.
//!
//! `VACUUM INTO` reads one snapshot inside a read transaction: under WAL it never blocks the
//! service's writers, and the copy holds exactly the transactions committed before it began.
//! The copy is written beside the target into a file readable by its owner only (it holds
//! signing keys and webhook secrets), checked (`PRAGMA integrity_check`), flushed to disk and
//! only then linked under the target's name (never replacing a file), so a target that exists is
//! always a whole, sound copy.
//! PostgreSQL has its own tools for this (`pg_dump`, base backups).

use std::path::{Path, PathBuf};

use diesel::connection::SimpleConnection;
use diesel::sql_types::Text;
use diesel::{Connection, RunQueryDsl, SqliteConnection};

use crate::connection::{Database, DbConnection};
use crate::error::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("the database is PostgreSQL: back it up with pg_dump (for example `pg_dump --format=custom --file=tenantry.dump \"$DATABASE_URL\"`) or the server's base backups")]
    Postgres,
    #[error("there is no database at {0}")]
    NoDatabase(PathBuf),
    #[error("{0} already exists; choose a new file (a backup never overwrites one)")]
    TargetExists(PathBuf),
    #[error("cannot write the copy at {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("the copy {path} failed its integrity check: {verdict}")]
    Integrity { path: PathBuf, verdict: String },
    #[error("{0} is not a UTF-8 file name; choose another")]
    NotUtf8(PathBuf),
    #[error("another backup is writing {0}; wait for it")]
    InProgress(PathBuf),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a finished backup holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backup {
    pub path: PathBuf,
    pub bytes: u64,
}

impl Database {
    /// Copies the SQLite database to `target` (a new file) while other processes keep writing.
    pub fn back_up_to(&self, target: &Path) -> Result<Backup, BackupError> {
        let Database::Sqlite(source) = self else { return Err(BackupError::Postgres) };
        if !source.is_file() {
            return Err(BackupError::NoDatabase(source.clone()));
        }
        // SQLite takes the name as text: a name that is not UTF-8 would land elsewhere.
        let Some(target_text) = target.to_str() else { return Err(BackupError::NotUtf8(target.to_owned())) };
        if target.exists() {
            return Err(BackupError::TargetExists(target.to_owned()));
        }
        if let Some(folder) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(folder).map_err(write_error(folder))?;
        }
        let partial = PathBuf::from(format!("{target_text}.partial"));
        let guard = claim_partial(&partial)?;
        let DbConnection::Sqlite(mut conn) = self.connect()? else { return Err(BackupError::Postgres) };
        // Into the empty file made above (SQLite accepts one), so the copy is never readable by
        // others, not even while it is written.
        let copied = diesel::sql_query("VACUUM INTO ?")
            .bind::<Text, _>(partial.to_string_lossy())
            .execute(&mut conn)
            .map_err(StoreError::from);
        drop(conn);
        let placed = copied.map_err(BackupError::from).and_then(|_| place(&partial, target));
        // Whatever happened, the partial copy goes: a failed one is no backup, and a placed one
        // is under the target's name already.
        let _ = std::fs::remove_file(&partial);
        drop(guard);
        placed
    }
}

fn write_error(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError {
    let path = path.to_owned();
    move |source| BackupError::Write { path, source }
}

/// Makes the partial copy's file, empty and readable by its owner only, and holds a lock on it:
/// a second backup to the same target is refused while this one runs, and the file an
/// interrupted backup left is emptied and used again.
fn claim_partial(partial: &Path) -> Result<std::fs::File, BackupError> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options.open(partial).map_err(write_error(partial))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => return Err(BackupError::InProgress(partial.to_owned())),
        Err(std::fs::TryLockError::Error(error)) => return Err(write_error(partial)(error)),
    }
    file.set_len(0).map_err(write_error(partial))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(partial, std::fs::Permissions::from_mode(0o600)).map_err(write_error(partial))?;
    }
    Ok(file)
}

/// Checks the copy, flushes it, and gives it the target's name without replacing a file of
/// that name.
fn place(partial: &Path, target: &Path) -> Result<Backup, BackupError> {
    check_integrity(partial)?;
    let file = std::fs::File::open(partial).map_err(write_error(partial))?;
    file.sync_all().map_err(write_error(partial))?;
    let bytes = file.metadata().map_err(write_error(partial))?.len();
    // A hard link fails if the name is taken, where a rename would replace the file. Where
    // hard links are refused (vfat, exFAT, some network shares), the name is taken with an
    // exclusive create first, and the copy renamed over that empty file of ours.
    match std::fs::hard_link(partial, target) {
        Ok(()) => {}
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(BackupError::TargetExists(target.to_owned()))
        }
        Err(_) => {
            std::fs::File::create_new(target).map_err(|source| {
                if source.kind() == std::io::ErrorKind::AlreadyExists {
                    BackupError::TargetExists(target.to_owned())
                } else {
                    BackupError::Write { path: target.to_owned(), source }
                }
            })?;
            std::fs::rename(partial, target).map_err(write_error(target))?;
        }
    }
    // The new name is durable once the folder is flushed.
    if let Some(folder) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::File::open(folder).and_then(|f| f.sync_all()).map_err(write_error(folder))?;
    }
    Ok(Backup { path: target.to_owned(), bytes })
}

fn check_integrity(copy: &Path) -> Result<(), BackupError> {
    #[derive(diesel::QueryableByName)]
    struct Check {
        #[diesel(sql_type = Text)]
        integrity_check: String,
    }
    let mut conn = SqliteConnection::establish(&copy.to_string_lossy()).map_err(StoreError::from)?;
    conn.batch_execute("PRAGMA query_only = ON").map_err(StoreError::from)?;
    let lines: Vec<Check> = diesel::sql_query("PRAGMA integrity_check").load(&mut conn).map_err(StoreError::from)?;
    let verdict: Vec<String> = lines.into_iter().map(|c| c.integrity_check).collect();
    if verdict == ["ok"] {
        Ok(())
    } else {
        Err(BackupError::Integrity { path: copy.to_owned(), verdict: verdict.join("; ") })
    }
}
