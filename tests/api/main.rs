//! End-to-end tests over HTTP against the real server and a real database.
//!
//! Every case runs on SQLite and on PostgreSQL, each in a database of its own (a case about what
//! only a database server has is listed for PostgreSQL alone). Without a
//! reachable PostgreSQL the PostgreSQL variants are reported as ignored, with a banner saying
//! so; with `TENANTRY_TEST_REQUIRE_POSTGRES=1` (as in CI) an unreachable PostgreSQL fails the run.

/// Lists a module's tests as [`Case`]s named after the module and the function. A module split
/// into a folder lists its submodules' tests as `submodule::test`, still named after the folder's
/// module and the function: splitting a module keeps its tests' names.
macro_rules! cases {
    ($($test:ident),* $(,)?) => {
        vec![$($crate::Case { name: concat!(module_path!(), "::", stringify!($test)), run: $test, backends: &$crate::BOTH }),*]
    };
    ($($submodule:ident :: $test:ident),* $(,)?) => {
        vec![$($crate::Case { name: concat!(module_path!(), "::", stringify!($test)), run: $submodule::$test, backends: &$crate::BOTH }),*]
    };
}

mod access;
mod bad_input;
mod concurrency;
mod contract;
mod delivery;
mod domains;
mod durability;
mod logs;
mod operator_commands;
mod partners;
mod plan_change;
mod pools;
mod processes;
mod registrations;
mod security;
mod service_health;
mod service_requests;
mod shutdown;
mod sign_in;
mod signups;
mod tokens;
mod users_flow;
mod webhooks;

use libtest_mimic::{Arguments, Trial};
use tenantry_tests::backend::{self, Backend};

/// One test, run once per backend it is about.
pub struct Case {
    pub name: &'static str,
    pub run: fn(Backend),
    /// Both, but for what only one backend has (a server whose connections can die under a
    /// statement): such a case is listed for that backend only, never reported for the other.
    pub backends: &'static [Backend],
}

pub const BOTH: [Backend; 2] = [Backend::Sqlite, Backend::Postgres];
pub const POSTGRES_ONLY: [Backend; 1] = [Backend::Postgres];

fn cases() -> Vec<Case> {
    [
        users_flow::cases(),
        access::cases(),
        tokens::cases(),
        sign_in::cases(),
        bad_input::cases(),
        durability::cases(),
        pools::cases(),
        concurrency::cases(),
        plan_change::cases(),
        contract::cases(),
        partners::cases(),
        service_health::cases(),
        service_requests::cases(),
        domains::cases(),
        registrations::cases(),
        signups::cases(),
        delivery::cases(),
        webhooks::cases(),
        processes::cases(),
        shutdown::cases(),
        operator_commands::cases(),
        logs::cases(),
        security::cases(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

fn main() {
    let mut args = Arguments::from_args();
    // The tests wait on HTTP and the database more than on the CPU.
    if args.test_threads.is_none() {
        args.test_threads = Some(4);
    }
    let postgres = backend::postgres_reachable();
    let required = std::env::var("TENANTRY_TEST_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
    let skip_postgres = match &postgres {
        Ok(()) => false,
        Err(error) if required => {
            eprintln!(
                "PostgreSQL is required (TENANTRY_TEST_REQUIRE_POSTGRES=1) but not reachable at {}: {error}",
                backend::postgres_admin_url()
            );
            std::process::exit(1);
        }
        Err(error) => {
            eprintln!("\n*** PostgreSQL is not reachable at {}: {error}", backend::postgres_admin_url());
            eprintln!("*** The PostgreSQL half of the tests is SKIPPED and reported as ignored.");
            eprintln!("*** Set TENANTRY_TEST_POSTGRES_URL to run it.\n");
            true
        }
    };
    let trials = cases()
        .into_iter()
        .flat_map(|case| {
            case.backends.iter().map(move |&backend| {
                let run = case.run;
                Trial::test(format!("{}::{}", backend.name(), case.name), move || {
                    run(backend);
                    Ok(())
                })
                .with_ignored_flag(backend == Backend::Postgres && skip_postgres)
            })
        })
        .collect();
    let conclusion = libtest_mimic::run(&args, trials);
    backend::drop_template();
    if skip_postgres {
        eprintln!("\n*** Reminder: the PostgreSQL tests were SKIPPED (ignored): PostgreSQL was not reachable.\n");
    }
    conclusion.exit();
}
