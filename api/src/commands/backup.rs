//! `tenantry backup PATH`: a consistent copy of the SQLite database while the service runs.

use std::path::Path;
use std::process::ExitCode;

use tenantry_persistence::backup::BackupError;
use tenantry_persistence::Database;

use super::{config_or_exit, printable};

pub fn run(target: &Path) -> ExitCode {
    let config = match config_or_exit() {
        Ok(config) => config,
        Err(code) => return code,
    };
    let outcome = Database::from_url(&config.database_url)
        .map_err(BackupError::from)
        .and_then(|database| database.back_up_to(target));
    match outcome {
        Ok(backup) => {
            println!(
                "backed up the database to {} ({} bytes, integrity check ok); to restore, stop the service, \
                 remove the database's -wal and -shm files and put this file in its place",
                backup.path.display(),
                backup.bytes
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("tenantry: no backup taken: {}", printable(&config, &error));
            ExitCode::FAILURE
        }
    }
}
