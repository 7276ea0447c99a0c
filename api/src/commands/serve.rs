//! `tenantry serve` (and `tenantry` alone): runs the service until SIGTERM or SIGINT.

use std::process::ExitCode;

use crate::app::bootstrap::NewOperator;
use crate::auth::keys::KeysOrigin;
use crate::runtime::config::{Config, LogFormat};
use crate::runtime::shutdown::Signals;
use crate::{Application, StartError};

use super::{config_or_exit, printable};

pub async fn run() -> ExitCode {
    let config = match config_or_exit() {
        Ok(config) => config,
        Err(code) => return code,
    };
    let workers = std::thread::available_parallelism().map_or(2, usize::from);
    let app = match Application::build(config.clone(), workers) {
        Ok(app) => app,
        Err(error @ StartError::SchemaBehind(_)) => {
            eprintln!("tenantry: cannot start: {error}");
            return ExitCode::from(3);
        }
        Err(error) => {
            eprintln!("tenantry: cannot start: {}", printable(&config, &error));
            return ExitCode::FAILURE;
        }
    };
    if !app.migrations_applied.is_empty() {
        log::info!("applied {} migration(s): {}", app.migrations_applied.len(), app.migrations_applied.join(", "));
    }
    match app.keys_origin {
        KeysOrigin::Stored => {}
        KeysOrigin::Created => log::info!("created a first signing key in the database"),
        KeysOrigin::Imported(count) => log::info!(
            "imported {count} signing key(s) from {} into the database; the files are no longer read",
            config.keys_dir().display()
        ),
    }
    if let Some(operator) = &app.first_operator {
        match config.log_format {
            LogFormat::Text => print_first_run(&config, operator),
            LogFormat::Json => log_first_run(&config, operator),
        }
    }
    // Caught from here on, before the service says it listens: a signal while it starts (waiting
    // for the database, say) still stops it at once, and one sent as soon as it listens drains.
    let signals = match Signals::listen() {
        Ok(signals) => signals,
        Err(error) => {
            eprintln!("tenantry: cannot listen for SIGTERM and SIGINT: {error}");
            return ExitCode::FAILURE;
        }
    };
    let address = std::net::SocketAddr::new(config.listen.ip(), app.port());
    log::info!("listening on http://{address} ({} workers); Swagger UI at http://{address}/swagger-ui/", app.workers());
    let outcome = app.run_until_signalled(signals).await;
    let status = match outcome {
        Ok(()) => {
            log::info!("stopped");
            0
        }
        Err(error) => {
            eprintln!("tenantry: server failed: {}", printable(&config, &error));
            1
        }
    };
    // Returning would have the runtime wait for every blocking task, a worker's item stuck on a
    // silent SMTP server included, with no bound: the shutdown's bound is kept by leaving here.
    let _ = std::io::Write::flush(&mut std::io::stdout());
    std::process::exit(status)
}

/// With JSON logs (a log pipeline, no person at a terminal), the first run is a record like any
/// other, and a generated password goes to a file only the service's user can read, never into
/// the log.
fn log_first_run(config: &Config, operator: &NewOperator) {
    let Some(password) = &operator.generated_password else {
        log::info!(
            sign_in = operator.sign_in.as_str();
            "first run: a platform operator was created with TENANTRY_BOOTSTRAP_PASSWORD"
        );
        return;
    };
    let file = config.data_dir.join("first-operator-password");
    match write_private(&file, password) {
        Ok(()) => log::warn!(
            sign_in = operator.sign_in.as_str(), password_file = file.display().to_string().as_str();
            "first run: a platform operator was created; its temporary password is in the password file \
             (readable by this user only): sign in, change it, then delete the file"
        ),
        Err(error) => log::error!(
            sign_in = operator.sign_in.as_str();
            "first run: a platform operator was created, but its temporary password could not be written to {}: {error}; \
             add another operator with `tenantry create-operator`",
            file.display()
        ),
    }
}

fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(folder) = path.parent() {
        std::fs::create_dir_all(folder)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    writeln!(file, "{text}")?;
    file.sync_all()
}

/// Said once, on the start that created the first operator.
fn print_first_run(config: &Config, operator: &NewOperator) {
    let url = &config.public_url;
    let password = operator.generated_password.as_deref().unwrap_or("(the TENANTRY_BOOTSTRAP_PASSWORD you set)");
    println!();
    println!("================================================================================");
    println!(" Tenantry first run: a platform operator account was created.");
    println!();
    println!("   sign-in address: {}", operator.sign_in);
    println!("   password:        {password}");
    if operator.generated_password.is_some() {
        println!("   This password is shown only now. You will be asked to change it:");
        println!("   POST /v1/me/password after signing in.");
    }
    println!();
    println!(" Sign in:");
    println!("   curl -s {url}/v1/auth/token -d grant_type=password \\");
    println!("        --data-urlencode username={} --data-urlencode 'password=...'", operator.sign_in);
    println!(" Or open {url}/swagger-ui/ and use Authorize.");
    println!("================================================================================");
    println!();
}
