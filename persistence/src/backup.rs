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
    #[error("{0} is in the way and is not a copy a backup left (a link or a folder): remove it")]
    NotAPartialCopy(PathBuf),
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
        let outcome = copy_and_place(self, &partial, target);
        // Whatever happened, the partial copy goes: a failed one is no backup, and a placed one
        // is under the target's name already.
        let _ = std::fs::remove_file(&partial);
        drop(guard);
        outcome
    }
}

/// Copies the database into the (empty, private) partial file, then puts it in place.
fn copy_and_place(database: &Database, partial: &Path, target: &Path) -> Result<Backup, BackupError> {
    let DbConnection::Sqlite(mut conn) = database.connect()? else { return Err(BackupError::Postgres) };
    // Into the empty file made by `claim_partial` (SQLite accepts one), so the copy is never
    // readable by others, not even while it is written.
    diesel::sql_query("VACUUM INTO ?")
        .bind::<Text, _>(partial.to_string_lossy())
        .execute(&mut conn)
        .map_err(StoreError::from)?;
    drop(conn);
    place(partial, target)
}

fn write_error(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError {
    let path = path.to_owned();
    move |source| BackupError::Write { path, source }
}

/// Makes the partial copy's file, new, empty and readable by its owner only, and holds a lock
/// on it, so that a second backup to the same target is refused while this one runs. A file of
/// that name is one an interrupted backup left (it is removed, under its lock, and made anew:
/// never written through, whoever owns it) or one a running backup holds (refused); anything
/// else there (a link, a folder) is refused.
fn claim_partial(partial: &Path) -> Result<std::fs::File, BackupError> {
    let create = || {
        let mut options = std::fs::OpenOptions::new();
        // `create_new` refuses an existing name, a symbolic link included.
        options.read(true).write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        options.open(partial)
    };
    let file = match create() {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            remove_stale(partial)?;
            create().map_err(|error| match error.kind() {
                std::io::ErrorKind::AlreadyExists => BackupError::InProgress(partial.to_owned()),
                _ => BackupError::Write { path: partial.to_owned(), source: error },
            })?
        }
        Err(error) => return Err(write_error(partial)(error)),
    };
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => return Err(BackupError::InProgress(partial.to_owned())),
        Err(std::fs::TryLockError::Error(error)) => return Err(write_error(partial)(error)),
    }
    // A journal beside a brand-new file is an interrupted copy's: SQLite would take it for a hot
    // journal and play it into the new copy.
    let journal = PathBuf::from(format!("{}-journal", partial.to_string_lossy()));
    if std::fs::symlink_metadata(&journal).is_ok_and(|m| m.file_type().is_file()) {
        std::fs::remove_file(&journal).map_err(write_error(&journal))?;
    }
    Ok(file)
}

/// Removes the partial file an interrupted backup left, unless a running backup holds it.
fn remove_stale(partial: &Path) -> Result<(), BackupError> {
    let metadata = std::fs::symlink_metadata(partial).map_err(write_error(partial))?;
    if !metadata.file_type().is_file() {
        return Err(BackupError::NotAPartialCopy(partial.to_owned()));
    }
    let stale = std::fs::File::open(partial).map_err(write_error(partial))?;
    match stale.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => return Err(BackupError::InProgress(partial.to_owned())),
        Err(std::fs::TryLockError::Error(error)) => return Err(write_error(partial)(error)),
    }
    // Locked, but by the time the lock came the name may hold a newer backup's file: only the
    // very file that was locked is removed.
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let locked = stale.metadata().map_err(write_error(partial))?;
        let named = std::fs::symlink_metadata(partial).map_err(write_error(partial))?;
        if (locked.dev(), locked.ino()) != (named.dev(), named.ino()) {
            return Err(BackupError::InProgress(partial.to_owned()));
        }
    }
    std::fs::remove_file(partial).map_err(write_error(partial))
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
            if let Err(error) = std::fs::rename(partial, target) {
                // The empty file taken for the name is ours: it must not pass for a backup.
                let _ = std::fs::remove_file(target);
                return Err(write_error(target)(error));
            }
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
