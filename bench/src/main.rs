//! `tenantry-bench seed`: the benchmark's data set, written straight into a fresh database.
//!
//! The load itself comes from outside the service's process (`bench/outside.py` drives the
//! release binary with wrk), so that client and server are measured apart. This seeder only
//! creates the database, migrates it, seeds it and describes what it made in `DIR/seed.json`. It
//! issues no tokens: the script signs the seeded admins in over HTTP, as any client would.
//!
//! ```sh
//! tenantry-bench seed --backend sqlite --out /tmp/bench
//! tenantry-bench seed --backend postgres --out /tmp/bench --postgres-url postgres://postgres@127.0.0.1:5432/postgres
//! # options: --tenants N --users-per-tenant N --big-tenant N (repeatable)
//! ```

mod seed;

use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::json;

/// What to seed, from the command line.
#[derive(Debug, Clone)]
pub struct Settings {
    pub backend: String,
    pub out: PathBuf,
    pub postgres_url: String,
    pub tenants: usize,
    pub users_per_tenant: usize,
    /// Extra tenants of this many people each, for the page-at-scale comparison.
    pub big_tenants: Vec<usize>,
}

const USAGE: &str = "usage: tenantry-bench seed --backend sqlite|postgres --out DIR [--postgres-url URL] \
                     [--tenants N] [--users-per-tenant N] [--big-tenant N]...";

fn parse_args() -> Result<Settings, String> {
    let mut args = std::env::args().skip(1);
    if args.next().as_deref() != Some("seed") {
        return Err(USAGE.to_owned());
    }
    let mut settings = Settings {
        backend: String::new(),
        out: PathBuf::new(),
        postgres_url: "postgres://postgres@127.0.0.1:5432/postgres".to_owned(),
        tenants: 1000,
        users_per_tenant: 100,
        big_tenants: Vec::new(),
    };
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = || value.parse::<usize>().map_err(|e| format!("{flag} {value}: {e}"));
        match flag.as_str() {
            "--backend" => settings.backend = value.clone(),
            "--out" => settings.out = PathBuf::from(&value),
            "--postgres-url" => settings.postgres_url = value.clone(),
            "--tenants" => settings.tenants = number()?,
            "--users-per-tenant" => settings.users_per_tenant = number()?,
            "--big-tenant" => settings.big_tenants.push(number()?),
            other => return Err(format!("unknown flag {other}\n{USAGE}")),
        }
    }
    if settings.backend != "sqlite" && settings.backend != "postgres" {
        return Err(format!("--backend is sqlite or postgres\n{USAGE}"));
    }
    if settings.out.as_os_str().is_empty() {
        return Err(format!("--out is required\n{USAGE}"));
    }
    if settings.tenants == 0 {
        return Err("--tenants is at least 1".to_owned());
    }
    // An admin, a licensed member and an unlicensed one, at the least.
    if settings.users_per_tenant < 4 || settings.big_tenants.iter().any(|&n| n < 4) {
        return Err("--users-per-tenant and --big-tenant are at least 4".to_owned());
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

/// How many tenants `seed.json` describes for the spread writes: one per client at most.
const SPREAD_TENANTS: usize = 64;

fn describe(tenant: &seed::Seeded) -> serde_json::Value {
    json!({
        "tenant_id": tenant.id,
        "people": tenant.people,
        "subscription_id": tenant.subscription_id,
        "admin_sign_in": tenant.admin_sign_in,
        "admin_id": tenant.admin_id,
        "password": seed::PASSWORD,
        "unlicensed_user_ids": tenant.unlicensed,
        "user_id": tenant.member_id,
    })
}

fn run(settings: &Settings) -> Result<(), String> {
    std::fs::create_dir_all(&settings.out).map_err(|e| format!("{}: {e}", settings.out.display()))?;
    let target = seed::create_database(settings)?;
    eprintln!(
        "seeding {} tenants x {} people on {} ...",
        settings.tenants, settings.users_per_tenant, settings.backend
    );
    let started = std::time::Instant::now();
    let (regular, big) = seed::seed(settings, &target)?;
    let seconds = started.elapsed().as_secs_f64();
    eprintln!("seeded in {seconds:.1} s");
    let first = regular.first().ok_or("no tenant was seeded")?;
    let description = json!({
        "backend": settings.backend,
        "database_url": target.url,
        "database_name": target.postgres_name,
        "tenants": settings.tenants,
        "users_per_tenant": settings.users_per_tenant,
        "seed_seconds": seconds,
        "tenant": describe(first),
        // Tenants with a pool each, for writes spread as TPC-B spreads them over branches.
        "spread": regular.iter().take(SPREAD_TENANTS).map(describe).collect::<Vec<_>>(),
        "big_tenants": big.iter().map(describe).collect::<Vec<_>>(),
    });
    let text = serde_json::to_string_pretty(&description).map_err(|e| e.to_string())?;
    let path = settings.out.join("seed.json");
    std::fs::write(&path, text + "\n").map_err(|e| format!("{}: {e}", path.display()))?;
    println!("{}", path.display());
    Ok(())
}
