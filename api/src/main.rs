//! `tenantry`: the service and its operator's commands (`tenantry --help`).

use std::process::ExitCode;

use clap::Parser;
use tenantry_api::commands::{self, Cli};

#[actix_web::main]
async fn main() -> ExitCode {
    commands::run(Cli::parse()).await
}
