//! `tenantry migrate`: applies pending migrations and exits, for deploy pipelines that run it
//! once before starting (or updating) replicas with `TENANTRY_AUTO_MIGRATE=false`.

use std::process::ExitCode;

use tenantry_persistence::Database;

use super::{config_or_exit, printable};

pub fn run() -> ExitCode {
    let config = match config_or_exit() {
        Ok(config) => config,
        Err(code) => return code,
    };
    let outcome = Database::from_url(&config.database_url).and_then(|database| {
        let applied = database.migrate()?;
        Ok((applied, database.migration_status()?))
    });
    match outcome {
        Ok((applied, status)) => {
            if applied.is_empty() {
                println!("the database is current: {} migrations applied, none pending", status.applied.len());
            } else {
                println!("applied {} migration(s): {}", applied.len(), applied.join(", "));
            }
            if !status.unknown.is_empty() {
                println!(
                    "note: the database also has migrations this release does not know ({}): a newer release migrated it",
                    status.unknown.join(", ")
                );
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("tenantry: migration failed: {}", printable(&config, &error));
            ExitCode::FAILURE
        }
    }
}
