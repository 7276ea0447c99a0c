//! The operator's command line: `tenantry [serve]`, `migrate`, `openapi`, `check-config`,
//! `backup PATH` and `create-operator`. Each reads the same environment as the service.

mod backup;
mod check_config;
mod create_operator;
mod migrate;
mod serve;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::runtime::config::{Config, LogFormat};

/// Tenantry: the API of a cloud-services reseller and partner portal.
///
/// Configured by environment variables (DATABASE_URL, TENANTRY_LISTEN, TENANTRY_DATA_DIR, ...;
/// see the README). Without a command, serves.
#[derive(Debug, Parser)]
#[command(name = "tenantry", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (the default). Applies pending migrations first unless
    /// TENANTRY_AUTO_MIGRATE=false, which refuses a database that is behind. SIGTERM drains
    /// (TENANTRY_SHUTDOWN_DRAIN_SECONDS) then stops; a second signal stops at once.
    Serve,
    /// Apply pending database migrations and exit (for deploy pipelines, before `serve`).
    Migrate,
    /// Print the OpenAPI document (YAML) this build serves.
    Openapi,
    /// Check the environment, the listen address, the data folder and the database, and say
    /// what is wrong. Exits 1 when something is.
    CheckConfig,
    /// Copy the embedded SQLite database to PATH, consistently, while the service runs
    /// (PostgreSQL: use pg_dump).
    Backup {
        /// The new file to write; an existing file is never overwritten.
        path: PathBuf,
    },
    /// Add a platform operator. Without --password-stdin, a temporary password is generated,
    /// printed once, and must be changed at the first sign-in.
    CreateOperator {
        /// The operator's sign-in address.
        #[arg(long)]
        email: String,
        /// The name shown for the operator.
        #[arg(long, default_value = "Platform operator")]
        name: String,
        /// Read the password from the first line of standard input (never from the command
        /// line, which other users of the machine can see).
        #[arg(long)]
        password_stdin: bool,
    },
}

/// Runs the command; the exit status says how it went.
pub async fn run(cli: Cli) -> ExitCode {
    // The log's format is needed before the rest of the configuration is read; a bad value is
    // reported with the other configuration problems.
    let log_format = LogFormat::parse(std::env::var("TENANTRY_LOG_FORMAT").ok().as_deref()).unwrap_or(LogFormat::Text);
    crate::runtime::logging::init(log_format);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve::run().await,
        Command::Migrate => migrate::run(),
        Command::Openapi => print_openapi(),
        Command::CheckConfig => check_config::run(),
        Command::Backup { path } => backup::run(&path),
        Command::CreateOperator { email, name, password_stdin } => create_operator::run(&email, &name, password_stdin),
    }
}

fn print_openapi() -> ExitCode {
    match crate::routes::openapi::document().to_yaml() {
        Ok(yaml) => {
            use std::io::Write;
            match std::io::stdout().lock().write_all(yaml.as_bytes()) {
                // A reader that stopped early (`tenantry openapi | head`) wanted no more: done.
                Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
                    eprintln!("tenantry: cannot write the OpenAPI document: {error}");
                    ExitCode::FAILURE
                }
                _ => ExitCode::SUCCESS,
            }
        }
        Err(error) => {
            eprintln!("tenantry: cannot render the OpenAPI document: {error}");
            ExitCode::FAILURE
        }
    }
}

/// An error as it may be printed: without the database URL's password, which drivers may quote
/// (libpq repeats a malformed URL's parts).
fn printable(config: &Config, error: &impl std::fmt::Display) -> String {
    tenantry_persistence::database_url::scrub(&config.database_url, &error.to_string())
}

/// The configuration, or every problem in it said on stderr (exit status 2).
fn config_or_exit() -> Result<Config, ExitCode> {
    Config::from_env().map_err(|errors| {
        for problem in &errors.0 {
            eprintln!("tenantry: {problem}");
        }
        eprintln!("tenantry: `tenantry check-config` checks the whole configuration");
        ExitCode::from(2)
    })
}
