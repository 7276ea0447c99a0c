//! `tenantry-bench`: a load harness, not a test.
//!
//! It starts the service in this process on a random port over a fresh database (SQLite in a
//! temporary folder, or a PostgreSQL database it creates and drops), seeds a realistic data set
//! straight into the database, then drives three scenarios over HTTP at fixed concurrency for a
//! fixed time each, and prints requests per second and p50/p99 latency. With PostgreSQL it also
//! runs `pgbench -S` against the same server with the same number of clients: the ceiling the
//! database itself sets.
//!
//! ```sh
//! cargo run --release -p tenantry-bench -- --backend sqlite
//! cargo run --release -p tenantry-bench -- --backend postgres --postgres-url postgres://postgres@127.0.0.1:5432/postgres
//! ```

mod load;
mod seed;

use std::process::ExitCode;

use tenantry_api::config::Config;
use tenantry_api::Application;

/// What to run, from the command line.
#[derive(Debug, Clone)]
pub struct Settings {
    pub backend: String,
    pub postgres_url: String,
    pub tenants: usize,
    pub users_per_tenant: usize,
    pub concurrency: usize,
    pub seconds: u64,
}

fn parse_args() -> Result<Settings, String> {
    let mut settings = Settings {
        backend: "sqlite".to_owned(),
        postgres_url: "postgres://postgres@127.0.0.1:5432/postgres".to_owned(),
        tenants: 1000,
        users_per_tenant: 100,
        concurrency: 16,
        seconds: 15,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = || value.parse::<usize>().map_err(|e| format!("{flag} {value}: {e}"));
        match flag.as_str() {
            "--backend" => settings.backend = value.clone(),
            "--postgres-url" => settings.postgres_url = value.clone(),
            "--tenants" => settings.tenants = number()?,
            "--users-per-tenant" => settings.users_per_tenant = number()?,
            "--concurrency" => settings.concurrency = number()?,
            "--seconds" => settings.seconds = number()? as u64,
            other => return Err(format!("unknown flag {other}")),
        }
    }
    if settings.backend != "sqlite" && settings.backend != "postgres" {
        return Err("--backend is sqlite or postgres".to_owned());
    }
    if settings.users_per_tenant < 4 {
        return Err("--users-per-tenant is at least 4".to_owned());
    }
    Ok(settings)
}

fn main() -> ExitCode {
    let settings = match parse_args() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("tenantry-bench: {error}");
            return ExitCode::from(2);
        }
    };
    match run(&settings) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("tenantry-bench: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(settings: &Settings) -> Result<(), String> {
    let data_dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let database = seed::Database::create(settings, data_dir.path())?;
    let values = [
        ("TENANTRY_LISTEN".to_owned(), "127.0.0.1:0".to_owned()),
        ("DATABASE_URL".to_owned(), database.url.clone()),
        ("TENANTRY_DATA_DIR".to_owned(), data_dir.path().display().to_string()),
        ("TENANTRY_BOOTSTRAP_EMAIL".to_owned(), "operator@tenantry.test".to_owned()),
        ("TENANTRY_BOOTSTRAP_PASSWORD".to_owned(), "bench platform passphrase".to_owned()),
        ("TENANTRY_DB_POOL_SIZE".to_owned(), settings.concurrency.max(8).to_string()),
    ];
    let config = Config::from_lookup(|name| values.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
        .map_err(|e| e.to_string())?;

    let (started, outcome) = std::sync::mpsc::channel();
    let server_config = config.clone();
    let server = std::thread::spawn(move || {
        let system = actix_web::rt::System::new();
        system.block_on(async move {
            match Application::build(server_config, 2) {
                Ok(app) => {
                    let _ = started.send(Ok((app.port(), app.handle())));
                    let _ = app.run_until_stopped().await;
                }
                Err(error) => {
                    let _ = started.send(Err(error.to_string()));
                }
            }
        });
    });
    let (port, handle) = outcome.recv().map_err(|e| e.to_string())??;
    let base_url = format!("http://127.0.0.1:{port}");

    eprintln!("seeding {} tenants x {} users on {} ...", settings.tenants, settings.users_per_tenant, settings.backend);
    let started_seeding = std::time::Instant::now();
    let data = seed::seed(settings, &database, &config)?;
    eprintln!("seeded in {:.1} s", started_seeding.elapsed().as_secs_f64());

    let results = load::run_all(settings, &base_url, &data);
    println!();
    println!("backend   scenario  concurrency  requests  non-2xx    req/s   p50 ms   p99 ms");
    for result in &results {
        println!(
            "{:<9} {:<9} {:>11} {:>9} {:>8} {:>8.0} {:>8.2} {:>8.2}",
            settings.backend,
            result.name,
            settings.concurrency,
            result.requests,
            result.failures,
            result.per_second,
            result.p50_ms,
            result.p99_ms
        );
    }
    if settings.backend == "postgres" {
        match seed::pgbench(settings) {
            Ok(line) => println!("postgres  pgbench -S  clients={}  {line}", settings.concurrency),
            Err(error) => println!("postgres  pgbench -S  could not run: {error}"),
        }
    }

    drop(handle.stop(false));
    let _ = server.join();
    database.drop_database();
    Ok(())
}
