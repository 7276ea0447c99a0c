//! Configuration: typed, read once at start-up from the environment, defaults for everything.
//! A bad value stops start-up with a message naming the variable.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use tenantry_domain::delivery::RetryPolicy;
use tenantry_domain::DomainName;
use tenantry_persistence::Database;

use crate::dns::Nameserver;

#[derive(Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub database_url: String,
    pub data_dir: PathBuf,
    pub bootstrap_email: Option<String>,
    pub bootstrap_password: Option<String>,
    pub public_url: String,
    pub platform_domain: DomainName,
    pub cors_origins: Vec<String>,
    pub token_issuer: String,
    pub token_audience: String,
    pub token_ttl_seconds: i64,
    pub db_pool_size: u32,
    pub max_body_bytes: usize,
    pub outbox_poll_millis: u64,
    pub mail_from: String,
    /// How long the suite takes to set up an order (simulated), before the subscription is active.
    pub provisioning_delay_millis: i64,
    pub job_poll_millis: u64,
    /// Password hashes computed at once, each with 19 MiB of memory: this bounds the memory
    /// that sign-ins can take. One per core by default.
    pub hashing_threads: usize,
    /// Where domain verification and the DNS check look records up; the system's resolver
    /// configuration when empty.
    pub dns_servers: Vec<Nameserver>,
    /// Where the outbox delivers: an SMTP server when `TENANTRY_SMTP_HOST` is set, `.eml` files
    /// in `<data dir>/mail/` otherwise.
    pub smtp: Option<SmtpSettings>,
    /// The outbox's retry schedule for transient failures.
    pub mail_retry: RetryPolicy,
    /// Webhook deliveries' retry schedule.
    pub webhook_retry: RetryPolicy,
    /// Webhook endpoints on loopback or private addresses, and plain http, are allowed: for
    /// tests and private deployments only (server-side request forgery otherwise).
    pub webhooks_allow_private: bool,
    /// Start-up applies pending migrations; when false, a database that is behind stops the
    /// start and `tenantry migrate` must be run first (deploy pipelines).
    pub auto_migrate: bool,
    /// After SIGTERM, how long `/readyz` says 503 while requests are still served, so that load
    /// balancers stop sending before the listener closes.
    pub shutdown_drain: Duration,
    /// After the drain, how long requests in progress and the workers' item in hand may take.
    pub shutdown_timeout: Duration,
    pub log_format: LogFormat,
}

/// Without the database URL's password or the bootstrap password: a configuration may be
/// printed while debugging.
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("database_url", &tenantry_persistence::database_url::redacted(&self.database_url))
            .field("data_dir", &self.data_dir)
            .field("bootstrap_email", &self.bootstrap_email)
            .field("bootstrap_password", &self.bootstrap_password.as_ref().map(|_| "[set]"))
            .field("public_url", &self.public_url)
            .field("smtp", &self.smtp)
            .field("auto_migrate", &self.auto_migrate)
            .field("log_format", &self.log_format)
            .finish_non_exhaustive()
    }
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS, which must succeed (port 587).
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No TLS at all: a relay on the same host or a test server only.
    None,
}

/// The SMTP server the outbox delivers to.
#[derive(Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: Option<String>,
    pub password: Option<String>,
    pub timeout_seconds: u64,
}

/// The password never appears in a log or a panic message.
impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "[set]"))
            .finish()
    }
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("configuration variable {variable}: {problem}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub problem: String,
}

/// Every problem found in the configuration, one per variable.
#[derive(Debug, Clone)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl std::fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let lines: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&lines.join("; "))
    }
}

impl std::error::Error for ConfigErrors {}

impl ConfigErrors {
    /// Whether `variable` is among the problems (tests and `check-config` ask).
    pub fn names(&self, variable: &str) -> bool {
        self.0.iter().any(|p| p.variable == variable)
    }
}

/// How log records are written: a line of text for people, or a JSON object per line for tools.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl LogFormat {
    /// Reads `TENANTRY_LOG_FORMAT` (unset means text).
    pub fn parse(value: Option<&str>) -> Result<Self, ConfigError> {
        match value.map(str::trim).filter(|v| !v.is_empty()) {
            None | Some("text") => Ok(LogFormat::Text),
            Some("json") => Ok(LogFormat::Json),
            Some(other) => Err(ConfigError {
                variable: "TENANTRY_LOG_FORMAT",
                problem: format!("`{other}` is not one of text, json"),
            }),
        }
    }
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigErrors> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests can configure without touching the process
    /// environment. Every bad value is reported, not only the first.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigErrors> {
        let get = |name: &str| lookup(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let mut problems = Vec::new();
        let data_dir = PathBuf::from(get("TENANTRY_DATA_DIR").unwrap_or_else(|| "./data".to_owned()));
        let default_database = format!("sqlite://{}", data_dir.join("tenantry.db").display());
        let listen: Option<SocketAddr> =
            keep(&mut problems, parse("TENANTRY_LISTEN", get("TENANTRY_LISTEN"), "127.0.0.1:8080"));
        let public_url = get("TENANTRY_PUBLIC_URL").unwrap_or_else(|| {
            format!("http://{}", listen.map_or_else(|| "127.0.0.1:8080".to_owned(), |l| l.to_string()))
        });
        let platform_domain_raw = get("TENANTRY_PLATFORM_DOMAIN").unwrap_or_else(|| "tenantry.test".to_owned());
        let platform_domain = keep(
            &mut problems,
            DomainName::parse(&platform_domain_raw)
                .map_err(|e| ConfigError { variable: "TENANTRY_PLATFORM_DOMAIN", problem: e.to_string() }),
        );
        let database_url = get("DATABASE_URL").unwrap_or(default_database);
        keep(
            &mut problems,
            Database::from_url(&database_url)
                .map(|_| ())
                .map_err(|e| ConfigError { variable: "DATABASE_URL", problem: e.to_string() }),
        );
        let number = |variable: &'static str, default, range| parse_in(variable, get(variable), default, range);
        let millis = |variable: &'static str, default, range| parse_in::<u64>(variable, get(variable), default, range);
        let token_ttl_seconds = keep(&mut problems, number("TENANTRY_TOKEN_TTL_SECONDS", 3600, 60..=86_400));
        let db_pool_size =
            keep(&mut problems, parse_in("TENANTRY_DB_POOL_SIZE", get("TENANTRY_DB_POOL_SIZE"), 10u32, 1..=200));
        let max_body_bytes = keep(
            &mut problems,
            parse_in("TENANTRY_MAX_BODY_BYTES", get("TENANTRY_MAX_BODY_BYTES"), 65_536usize, 1024..=10_485_760),
        );
        let outbox_poll_millis = keep(&mut problems, millis("TENANTRY_OUTBOX_POLL_MS", 1000, 10..=60_000));
        let provisioning_delay_millis =
            keep(&mut problems, number("TENANTRY_PROVISIONING_DELAY_MS", 2000, 0..=86_400_000));
        let job_poll_millis = keep(&mut problems, millis("TENANTRY_JOB_POLL_MS", 500, 10..=60_000));
        let hashing_threads = keep(
            &mut problems,
            parse_in(
                "TENANTRY_HASHING_THREADS",
                get("TENANTRY_HASHING_THREADS"),
                std::thread::available_parallelism().map_or(1, usize::from),
                1..=1024,
            ),
        );
        let dns_servers = keep(
            &mut problems,
            get("TENANTRY_DNS_SERVERS")
                .map(|v| {
                    v.split(',').filter(|s| !s.trim().is_empty()).map(Nameserver::parse).collect::<Result<Vec<_>, _>>()
                })
                .transpose()
                .map_err(|problem| ConfigError { variable: "TENANTRY_DNS_SERVERS", problem }),
        );
        let smtp = keep(&mut problems, smtp_settings(&get, &lookup));
        let mail_retry_first = keep(&mut problems, number("TENANTRY_MAIL_RETRY_FIRST_MS", 10_000, 10..=3_600_000));
        let mail_max_attempts = keep(
            &mut problems,
            parse_in("TENANTRY_MAIL_MAX_ATTEMPTS", get("TENANTRY_MAIL_MAX_ATTEMPTS"), 12i32, 1..=100),
        );
        let webhook_retry_first =
            keep(&mut problems, number("TENANTRY_WEBHOOK_RETRY_FIRST_MS", 10_000, 10..=3_600_000));
        let webhook_max_attempts = keep(
            &mut problems,
            parse_in("TENANTRY_WEBHOOK_MAX_ATTEMPTS", get("TENANTRY_WEBHOOK_MAX_ATTEMPTS"), 12i32, 1..=100),
        );
        let webhooks_allow_private = keep(
            &mut problems,
            boolean("TENANTRY_WEBHOOKS_ALLOW_PRIVATE", get("TENANTRY_WEBHOOKS_ALLOW_PRIVATE"), false),
        );
        let auto_migrate = keep(&mut problems, boolean("TENANTRY_AUTO_MIGRATE", get("TENANTRY_AUTO_MIGRATE"), true));
        let shutdown_drain_seconds = keep(
            &mut problems,
            parse_in("TENANTRY_SHUTDOWN_DRAIN_SECONDS", get("TENANTRY_SHUTDOWN_DRAIN_SECONDS"), 5u64, 0..=300),
        );
        let shutdown_timeout_seconds = keep(
            &mut problems,
            parse_in("TENANTRY_SHUTDOWN_TIMEOUT_SECONDS", get("TENANTRY_SHUTDOWN_TIMEOUT_SECONDS"), 20u64, 1..=600),
        );
        let log_format = keep(&mut problems, LogFormat::parse(get("TENANTRY_LOG_FORMAT").as_deref()));
        let (
            Some(listen),
            Some(platform_domain),
            Some(token_ttl_seconds),
            Some(db_pool_size),
            Some(max_body_bytes),
            Some(outbox_poll_millis),
            Some(provisioning_delay_millis),
            Some(job_poll_millis),
            Some(hashing_threads),
            Some(dns_servers),
            Some(smtp),
            Some(mail_retry_first),
            Some(mail_max_attempts),
            Some(webhook_retry_first),
            Some(webhook_max_attempts),
            Some(webhooks_allow_private),
            Some(auto_migrate),
            Some(shutdown_drain_seconds),
            Some(shutdown_timeout_seconds),
            Some(log_format),
        ) = (
            listen,
            platform_domain,
            token_ttl_seconds,
            db_pool_size,
            max_body_bytes,
            outbox_poll_millis,
            provisioning_delay_millis,
            job_poll_millis,
            hashing_threads,
            dns_servers,
            smtp,
            mail_retry_first,
            mail_max_attempts,
            webhook_retry_first,
            webhook_max_attempts,
            webhooks_allow_private,
            auto_migrate,
            shutdown_drain_seconds,
            shutdown_timeout_seconds,
            log_format,
        )
        else {
            return Err(ConfigErrors(problems));
        };
        if !problems.is_empty() {
            return Err(ConfigErrors(problems));
        }
        Ok(Self {
            listen,
            database_url,
            data_dir,
            bootstrap_email: get("TENANTRY_BOOTSTRAP_EMAIL"),
            bootstrap_password: lookup("TENANTRY_BOOTSTRAP_PASSWORD").filter(|v| !v.is_empty()),
            platform_domain,
            cors_origins: get("TENANTRY_CORS_ORIGINS")
                .map(|v| v.split(',').map(|o| o.trim().to_owned()).filter(|o| !o.is_empty()).collect())
                .unwrap_or_default(),
            token_issuer: get("TENANTRY_TOKEN_ISSUER").unwrap_or_else(|| public_url.clone()),
            token_audience: get("TENANTRY_TOKEN_AUDIENCE").unwrap_or_else(|| "tenantry-api".to_owned()),
            token_ttl_seconds,
            db_pool_size,
            max_body_bytes,
            outbox_poll_millis,
            provisioning_delay_millis,
            job_poll_millis,
            hashing_threads,
            dns_servers: dns_servers.unwrap_or_default(),
            smtp,
            mail_retry: RetryPolicy {
                first_pause: chrono::Duration::milliseconds(mail_retry_first),
                longest_pause: RetryPolicy::standard().longest_pause,
                max_attempts: mail_max_attempts,
            },
            webhook_retry: RetryPolicy {
                first_pause: chrono::Duration::milliseconds(webhook_retry_first),
                longest_pause: RetryPolicy::standard().longest_pause,
                max_attempts: webhook_max_attempts,
            },
            webhooks_allow_private,
            auto_migrate,
            shutdown_drain: Duration::from_secs(shutdown_drain_seconds),
            shutdown_timeout: Duration::from_secs(shutdown_timeout_seconds),
            log_format,
            mail_from: get("TENANTRY_MAIL_FROM")
                .unwrap_or_else(|| format!("Tenantry <no-reply@{platform_domain_raw}>")),
            public_url,
        })
    }

    pub fn mail_dir(&self) -> PathBuf {
        self.data_dir.join("mail")
    }

    pub fn keys_dir(&self) -> PathBuf {
        self.data_dir.join("keys")
    }
}

/// The SMTP server, when `TENANTRY_SMTP_HOST` names one.
fn smtp_settings(
    get: &impl Fn(&str) -> Option<String>,
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<Option<SmtpSettings>, ConfigError> {
    let Some(host) = get("TENANTRY_SMTP_HOST") else { return Ok(None) };
    let security = match get("TENANTRY_SMTP_SECURITY").as_deref().unwrap_or("starttls") {
        "starttls" => SmtpSecurity::StartTls,
        "tls" => SmtpSecurity::Tls,
        "none" => SmtpSecurity::None,
        other => {
            return Err(ConfigError {
                variable: "TENANTRY_SMTP_SECURITY",
                problem: format!("`{other}` is not one of starttls, tls, none"),
            })
        }
    };
    let default_port = match security {
        SmtpSecurity::StartTls => 587,
        SmtpSecurity::Tls => 465,
        SmtpSecurity::None => 25,
    };
    Ok(Some(SmtpSettings {
        host,
        port: parse_in("TENANTRY_SMTP_PORT", get("TENANTRY_SMTP_PORT"), default_port, 1..=65535)?,
        security,
        username: get("TENANTRY_SMTP_USERNAME"),
        password: lookup("TENANTRY_SMTP_PASSWORD").filter(|v| !v.is_empty()),
        timeout_seconds: parse_in("TENANTRY_SMTP_TIMEOUT_SECONDS", get("TENANTRY_SMTP_TIMEOUT_SECONDS"), 10, 1..=300)?,
    }))
}

/// The value, or `None` with its problem noted.
fn keep<T>(problems: &mut Vec<ConfigError>, result: Result<T, ConfigError>) -> Option<T> {
    match result {
        Ok(value) => Some(value),
        Err(problem) => {
            problems.push(problem);
            None
        }
    }
}

fn boolean(variable: &'static str, value: Option<String>, default: bool) -> Result<bool, ConfigError> {
    match value.as_deref() {
        None => Ok(default),
        Some("true") | Some("1") => Ok(true),
        Some("false") | Some("0") => Ok(false),
        Some(other) => Err(ConfigError { variable, problem: format!("`{other}` is not true or false") }),
    }
}

fn parse<T: std::str::FromStr>(variable: &'static str, value: Option<String>, default: &str) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    let raw = value.unwrap_or_else(|| default.to_owned());
    raw.parse().map_err(|e: T::Err| ConfigError { variable, problem: format!("`{raw}` is not valid: {e}") })
}

fn parse_in<T>(
    variable: &'static str,
    value: Option<String>,
    default: T,
    range: std::ops::RangeInclusive<T>,
) -> Result<T, ConfigError>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy,
    T::Err: std::fmt::Display,
{
    let Some(raw) = value else { return Ok(default) };
    let parsed: T =
        raw.parse().map_err(|e: T::Err| ConfigError { variable, problem: format!("`{raw}` is not a number: {e}") })?;
    if !range.contains(&parsed) {
        return Err(ConfigError {
            variable,
            problem: format!("{parsed} is outside {}..={}", range.start(), range.end()),
        });
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        all_problems(pairs).map_err(|errors| errors.0[0].clone())
    }

    fn all_problems(pairs: &[(&str, &str)]) -> Result<Config, ConfigErrors> {
        let pairs: Vec<(String, String)> = pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        Config::from_lookup(move |name| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
    }

    #[test]
    fn nothing_set_gives_the_embedded_default() {
        let config = config(&[]).unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(config.database_url, "sqlite://./data/tenantry.db");
        assert_eq!(config.platform_domain.as_str(), "tenantry.test");
        assert!(config.cors_origins.is_empty());
    }

    #[test]
    fn a_bad_value_names_its_variable() {
        let error = config(&[("TENANTRY_LISTEN", "nowhere")]).unwrap_err();
        assert_eq!(error.variable, "TENANTRY_LISTEN");
        let error = config(&[("TENANTRY_TOKEN_TTL_SECONDS", "5")]).unwrap_err();
        assert_eq!(error.variable, "TENANTRY_TOKEN_TTL_SECONDS");
        let error = config(&[("TENANTRY_PLATFORM_DOMAIN", "localhost")]).unwrap_err();
        assert_eq!(error.variable, "TENANTRY_PLATFORM_DOMAIN");
    }

    #[test]
    fn every_bad_value_is_named_at_once_and_database_passwords_are_not_repeated() {
        let errors = all_problems(&[
            ("TENANTRY_LISTEN", "nowhere"),
            ("DATABASE_URL", "mysql://app:s3cret@db/tenantry"),
            ("TENANTRY_LOG_FORMAT", "xml"),
            ("TENANTRY_SHUTDOWN_DRAIN_SECONDS", "-1"),
        ])
        .unwrap_err();
        for variable in ["TENANTRY_LISTEN", "DATABASE_URL", "TENANTRY_LOG_FORMAT", "TENANTRY_SHUTDOWN_DRAIN_SECONDS"] {
            assert!(errors.names(variable), "{variable} is named in {errors}");
        }
        assert_eq!(errors.0.len(), 4);
        assert!(!errors.to_string().contains("s3cret"));
    }

    #[test]
    fn operations_settings_have_production_defaults() {
        let defaults = config(&[]).unwrap();
        assert!(defaults.auto_migrate);
        assert_eq!(defaults.shutdown_drain.as_secs(), 5);
        assert_eq!(defaults.log_format, LogFormat::Text);
        let set = config(&[("TENANTRY_AUTO_MIGRATE", "false"), ("TENANTRY_LOG_FORMAT", "json")]).unwrap();
        assert!(!set.auto_migrate);
        assert_eq!(set.log_format, LogFormat::Json);
    }

    #[test]
    fn hashing_threads_default_to_the_cores_and_can_be_set() {
        assert!(config(&[]).unwrap().hashing_threads >= 1);
        assert_eq!(config(&[("TENANTRY_HASHING_THREADS", "3")]).unwrap().hashing_threads, 3);
        assert_eq!(config(&[("TENANTRY_HASHING_THREADS", "0")]).unwrap_err().variable, "TENANTRY_HASHING_THREADS");
    }

    #[test]
    fn smtp_is_off_by_default_and_read_with_its_security() {
        assert!(config(&[]).unwrap().smtp.is_none(), "the .eml drop by default");
        let smtp =
            config(&[("TENANTRY_SMTP_HOST", "smtp.example"), ("TENANTRY_SMTP_SECURITY", "tls")]).unwrap().smtp.unwrap();
        assert_eq!((smtp.port, smtp.security), (465, SmtpSecurity::Tls));
        let plain = config(&[
            ("TENANTRY_SMTP_HOST", "127.0.0.1"),
            ("TENANTRY_SMTP_SECURITY", "none"),
            ("TENANTRY_SMTP_PORT", "2525"),
            ("TENANTRY_SMTP_PASSWORD", "hunter2-hunter2"),
        ])
        .unwrap()
        .smtp
        .unwrap();
        assert_eq!(plain.port, 2525);
        assert!(!format!("{plain:?}").contains("hunter2"), "the password stays out of Debug");
        assert_eq!(
            config(&[("TENANTRY_SMTP_HOST", "x"), ("TENANTRY_SMTP_SECURITY", "ssl")]).unwrap_err().variable,
            "TENANTRY_SMTP_SECURITY"
        );
    }

    #[test]
    fn dns_servers_are_a_comma_separated_list() {
        assert!(config(&[]).unwrap().dns_servers.is_empty(), "the system's resolver by default");
        let config_with = config(&[("TENANTRY_DNS_SERVERS", "127.0.0.1:5353, tcp://127.0.0.1:5354")]).unwrap();
        assert_eq!(config_with.dns_servers.len(), 2);
        assert_eq!(config(&[("TENANTRY_DNS_SERVERS", "nowhere")]).unwrap_err().variable, "TENANTRY_DNS_SERVERS");
    }

    #[test]
    fn cors_origins_are_a_comma_separated_list() {
        let config = config(&[("TENANTRY_CORS_ORIGINS", "https://a.example, https://b.example,")]).unwrap();
        assert_eq!(config.cors_origins, vec!["https://a.example", "https://b.example"]);
    }
}
