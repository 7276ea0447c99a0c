//! `tenantry check-config`: every configuration problem at once, then what the configuration
//! points at (the listen address, the data folder, the database and its schema), changing
//! nothing (the database is only read; a probe file shows a folder is writable and is removed
//! at once). Exits 1 when anything would stop the service from starting.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use tenantry_persistence::{database_url, Database};

use crate::runtime::config::Config;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Ok,
    Note,
    Problem,
}

/// One thing checked, and what was found.
#[derive(Debug, Clone)]
pub struct Finding {
    pub verdict: Verdict,
    pub variable: &'static str,
    pub text: String,
}

pub fn run() -> ExitCode {
    let findings = check(|name| std::env::var(name).ok());
    for finding in &findings {
        let verdict = match finding.verdict {
            Verdict::Ok => "ok",
            Verdict::Note => "note",
            Verdict::Problem => "PROBLEM",
        };
        // Database drivers' messages span lines: one finding stays one line.
        let text = finding.text.split_whitespace().collect::<Vec<_>>().join(" ");
        println!("{verdict:<8} {:<34} {text}", finding.variable);
    }
    let problems = findings.iter().filter(|f| f.verdict == Verdict::Problem).count();
    if problems == 0 {
        println!("the configuration is sound");
        ExitCode::SUCCESS
    } else {
        println!("{problems} problem(s): the service would not start");
        ExitCode::FAILURE
    }
}

/// Checks the configuration read through `lookup`.
pub fn check(lookup: impl Fn(&str) -> Option<String>) -> Vec<Finding> {
    let get = |name: &str| lookup(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let mut findings = Vec::new();
    let problem = |variable, text| Finding { verdict: Verdict::Problem, variable, text };
    let config_errors = Config::from_lookup(&lookup).err();
    if let Some(errors) = &config_errors {
        findings.extend(errors.0.iter().map(|e| problem(e.variable, e.problem.clone())));
    }
    let named = |variable: &str| config_errors.as_ref().is_some_and(|errors| errors.names(variable));

    if !named("TENANTRY_LISTEN") {
        let raw = get("TENANTRY_LISTEN").unwrap_or_else(|| "127.0.0.1:8080".to_owned());
        if let Ok(address) = raw.parse::<SocketAddr>() {
            findings.push(check_listen(address));
        }
    }
    let data_dir = PathBuf::from(get("TENANTRY_DATA_DIR").unwrap_or_else(|| "./data".to_owned()));
    findings.push(check_data_dir(&data_dir));
    if !named("DATABASE_URL") {
        let url = get("DATABASE_URL").unwrap_or_else(|| format!("sqlite://{}", data_dir.join("tenantry.db").display()));
        let auto_migrate = !matches!(get("TENANTRY_AUTO_MIGRATE").as_deref(), Some("false") | Some("0"));
        findings.extend(check_database(&url, auto_migrate));
    }
    findings
}

fn check_listen(address: SocketAddr) -> Finding {
    match TcpListener::bind(address) {
        Ok(_) => Finding { verdict: Verdict::Ok, variable: "TENANTRY_LISTEN", text: format!("{address} can be bound") },
        Err(error) => Finding {
            verdict: Verdict::Problem,
            variable: "TENANTRY_LISTEN",
            text: match error.kind() {
                std::io::ErrorKind::AddrInUse if answers_health(address) => {
                    return Finding {
                        verdict: Verdict::Note,
                        variable: "TENANTRY_LISTEN",
                        text: format!("{address} is in use by a running Tenantry (it answers /healthz)"),
                    };
                }
                std::io::ErrorKind::AddrInUse => format!("{address} is in use by another program"),
                std::io::ErrorKind::AddrNotAvailable => format!("{address} is not an address of this machine"),
                _ => format!("cannot listen on {address}: {error}"),
            },
        },
    }
}

/// Whether a Tenantry answers `/healthz` at `address` (checking a configuration from inside a
/// running container is not a problem).
fn answers_health(address: SocketAddr) -> bool {
    use std::io::{Read, Write};
    let target = match address.ip() {
        ip if ip.is_unspecified() && ip.is_ipv4() => SocketAddr::from(([127, 0, 0, 1], address.port())),
        ip if ip.is_unspecified() => SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, address.port())),
        _ => address,
    };
    let timeout = std::time::Duration::from_secs(2);
    let Ok(mut stream) = std::net::TcpStream::connect_timeout(&target, timeout) else { return false };
    let _ = stream.set_read_timeout(Some(timeout));
    let request = format!("GET /healthz HTTP/1.1\r\nHost: {target}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut answer = String::new();
    let _ = stream.take(4096).read_to_string(&mut answer);
    answer.starts_with("HTTP/1.1 200") && answer.contains("\"status\":\"ok\"")
}

/// The data folder holds the SQLite database by default, the mail drop and legacy key files:
/// it must be a folder this process can read and write, or one it can create.
fn check_data_dir(path: &Path) -> Finding {
    let variable = "TENANTRY_DATA_DIR";
    let problem = |text: String| Finding { verdict: Verdict::Problem, variable, text };
    match std::fs::metadata(path) {
        Ok(metadata) if !metadata.is_dir() => problem(format!("{} is not a folder", path.display())),
        Ok(_) => {
            if let Err(error) = std::fs::read_dir(path) {
                return problem(format!("{} cannot be read: {error}", path.display()));
            }
            match writable(path) {
                Ok(()) => Finding {
                    verdict: Verdict::Ok,
                    variable,
                    text: format!("{} can be read and written", path.display()),
                },
                Err(error) => problem(format!("{} cannot be written: {error}", path.display())),
            }
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => match creatable(path) {
            Ok(()) => Finding {
                verdict: Verdict::Note,
                variable,
                text: format!("{} does not exist yet: the first start creates it", path.display()),
            },
            Err(why) => problem(why),
        },
        Err(error) => problem(format!("{} cannot be read: {error}", path.display())),
    }
}

/// Whether `folder` exists as a folder, or could be created: the nearest thing above it that
/// exists must be a folder.
fn creatable(folder: &Path) -> Result<(), String> {
    let existing = folder.ancestors().find(|p| p.as_os_str().is_empty() || p.exists());
    match existing {
        Some(found) if found.as_os_str().is_empty() || found.is_dir() => {
            let found = if found.as_os_str().is_empty() { Path::new(".") } else { found };
            writable(found).map_err(|e| {
                format!("{} cannot be created: {} is not writable ({e})", folder.display(), found.display())
            })
        }
        Some(found) => Err(format!("{} is not a folder, so {} cannot be created", found.display(), folder.display())),
        None => Err(format!("{} cannot be created", folder.display())),
    }
}

/// Whether a file can be made in `folder`: one is made and removed at once (nothing is left).
/// A new file under an unguessable name: an existing file, or a link planted under a name
/// known in advance, is never written through.
fn writable(folder: &Path) -> std::io::Result<()> {
    let probe = folder.join(format!(".tenantry-check-{}", uuid::Uuid::new_v4().simple()));
    std::fs::File::create_new(&probe)?;
    std::fs::remove_file(&probe)
}

fn check_database(url: &str, auto_migrate: bool) -> Vec<Finding> {
    let variable = "DATABASE_URL";
    let shown = database_url::redacted(url);
    let problem = |text: String| Finding { verdict: Verdict::Problem, variable, text };
    let database = match Database::from_url(url) {
        Ok(database) => database,
        Err(error) => return vec![problem(error.to_string())],
    };
    if let Database::Sqlite(path) = &database {
        if !path.exists() {
            let folder = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
            return vec![match creatable(folder) {
                Ok(()) => Finding {
                    verdict: Verdict::Note,
                    variable,
                    text: format!("{shown}: no database yet; the first start (or `tenantry migrate`) creates it"),
                },
                Err(why) => problem(format!("{shown}: the database cannot be created: {why}")),
            }];
        }
    }
    let status = match database.migration_status() {
        Ok(status) => status,
        Err(error) => return vec![problem(format!("{shown}: {}", database_url::scrub(url, &error.to_string())))],
    };
    let mut findings = vec![Finding {
        verdict: Verdict::Ok,
        variable,
        text: format!("{shown}: the {} database answers", database.backend_name()),
    }];
    let schema = "TENANTRY_AUTO_MIGRATE (schema)";
    if status.is_current() {
        findings.push(Finding {
            verdict: Verdict::Ok,
            variable: schema,
            text: format!("current: {} migrations applied", status.applied.len()),
        });
    } else {
        let pending = format!("{} migration(s) pending ({})", status.pending.len(), status.pending.join(", "));
        findings.push(if auto_migrate {
            Finding {
                verdict: Verdict::Note,
                variable: schema,
                text: format!("{pending}: the next start applies them"),
            }
        } else {
            Finding {
                verdict: Verdict::Problem,
                variable: schema,
                text: format!("{pending} and auto-migration is off: run `tenantry migrate` before `tenantry serve`"),
            }
        });
    }
    if !status.unknown.is_empty() {
        findings.push(Finding {
            verdict: Verdict::Note,
            variable: schema,
            text: format!("applied migrations this release does not know: {}", status.unknown.join(", ")),
        });
    }
    findings
}
