//! `tenantry create-operator`: adds a platform operator without the first-run path (a second
//! operator, or a replacement for one who left).

use std::io::BufRead;
use std::process::ExitCode;

use tenantry_domain::user::DisplayName;
use tenantry_domain::EmailAddress;
use tenantry_persistence::Database;

use crate::app::bootstrap::{self, OnlyIfNone};
use crate::app::unit_of_work::{Actor, Context};

use super::{config_or_exit, printable};

pub fn run(email: &str, display_name: &str, password_stdin: bool) -> ExitCode {
    let config = match config_or_exit() {
        Ok(config) => config,
        Err(code) => return code,
    };
    let sign_in = match EmailAddress::parse(email) {
        Ok(sign_in) => sign_in,
        Err(error) => {
            eprintln!("tenantry: --email is not a valid email address: {error}");
            return ExitCode::from(2);
        }
    };
    let Ok(display_name) = DisplayName::parse(display_name) else {
        eprintln!("tenantry: --name must be 1 to 200 characters, without control characters");
        return ExitCode::from(2);
    };
    let password = if password_stdin {
        let mut line = String::new();
        if let Err(error) = std::io::stdin().lock().read_line(&mut line) {
            eprintln!("tenantry: cannot read the password from standard input: {error}");
            return ExitCode::from(2);
        }
        Some(line.trim_end_matches(['\r', '\n']).to_owned())
    } else {
        None
    };
    let outcome = Database::from_url(&config.database_url)
        .and_then(|database| {
            let status = database.migration_status()?;
            Ok((database, status))
        })
        .map_err(|e| e.to_string())
        .and_then(|(database, status)| {
            if !status.is_current() {
                return Err("the database is behind this release: run `tenantry migrate` first".to_owned());
            }
            let mut conn = database.connect().map_err(|e| e.to_string())?;
            let context = Context::read(&mut conn, &config).map_err(|e| e.to_string())?;
            let actor = Actor::job("Command line", "cli:create-operator".to_owned());
            bootstrap::create_operator(
                &mut conn,
                &actor,
                &context,
                &sign_in,
                password.as_deref(),
                &display_name,
                OnlyIfNone::No,
            )
            .map_err(|e| e.to_string())
        });
    match outcome {
        Ok(Some(operator)) => {
            println!("created the platform operator {}", operator.sign_in);
            if let Some(password) = operator.generated_password {
                println!("temporary password (shown only now; it must be changed at the first sign-in): {password}");
            }
            ExitCode::SUCCESS
        }
        Ok(None) => {
            eprintln!("tenantry: the operator was not created");
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("tenantry: cannot create the operator: {}", printable(&config, &error));
            ExitCode::FAILURE
        }
    }
}
