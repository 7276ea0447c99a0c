//! `tenantry`: runs the service, or prints its OpenAPI document (`tenantry openapi`).

use std::process::ExitCode;

use tenantry_api::auth::keys::KeysOrigin;
use tenantry_api::config::Config;
use tenantry_api::Application;

#[actix_web::main]
async fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    if std::env::args().nth(1).as_deref() == Some("openapi") {
        return match tenantry_api::openapi::document().to_yaml() {
            Ok(yaml) => {
                print!("{yaml}");
                ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("cannot render the OpenAPI document: {error}");
                ExitCode::FAILURE
            }
        };
    }
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("tenantry: {error}");
            return ExitCode::from(2);
        }
    };
    let workers = std::thread::available_parallelism().map_or(2, usize::from);
    let app = match Application::build(config.clone(), workers) {
        Ok(app) => app,
        Err(error) => {
            eprintln!("tenantry: cannot start: {error}");
            return ExitCode::FAILURE;
        }
    };
    match app.keys_origin {
        KeysOrigin::Stored => {}
        KeysOrigin::Created => log::info!("created a first signing key in the database"),
        KeysOrigin::Imported(count) => log::info!(
            "imported {count} signing key(s) from {} into the database; the files are no longer read",
            config.keys_dir().display()
        ),
    }
    if let Some(operator) = &app.first_operator {
        print_first_run(&config, operator);
    }
    let address = std::net::SocketAddr::new(config.listen.ip(), app.port());
    log::info!("listening on http://{address} ({} workers); Swagger UI at http://{address}/swagger-ui/", app.workers());
    match app.run_until_stopped().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("tenantry: server failed: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Said once, on the start that created the first operator.
fn print_first_run(config: &Config, operator: &tenantry_api::bootstrap::FirstOperator) {
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
