//! Configuration: typed, read once at start-up from the environment, defaults for everything.
//! Bad values stop start-up with a message naming each variable, all of them at once.

mod environment;
mod nameserver;
mod smtp;
#[cfg(test)]
mod tests;
mod trusted_proxies;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use tenantry_domain::delivery::RetryPolicy;
use tenantry_domain::DomainName;
use tenantry_persistence::Database;

use tenantry_domain::signup::SignupLimits;

pub use environment::{ConfigError, ConfigErrors};
pub use nameserver::{Nameserver, Transport};
pub use smtp::{SmtpSecurity, SmtpSettings};
pub use trusted_proxies::{counted_as, TrustedProxies};

use environment::Environment;

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
    /// Proxies whose `X-Forwarded-For` names the client the throttles count (none by default).
    pub trusted_proxies: TrustedProxies,
    /// Sign-ups admitted per hour, per address, email domain, caller and platform.
    pub signup_limits: SignupLimits,
    /// Mail domains the operator adds to the vendored list of consumer mail providers, whose
    /// addresses cannot sign up (`TENANTRY_CONSUMER_MAIL_DOMAINS`, comma-separated).
    pub consumer_mail_domains: Vec<String>,
    /// The envelope sender of mail, where bounces go (`TENANTRY_MAIL_BOUNCE_ADDRESS`); the
    /// `From:` address when unset.
    pub mail_bounce_address: Option<String>,
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
        let mut env = Environment::new(lookup);
        let data_dir = PathBuf::from(env.get("TENANTRY_DATA_DIR").unwrap_or_else(|| "./data".to_owned()));
        let listen = env.parsed::<SocketAddr>("TENANTRY_LISTEN", "127.0.0.1:8080");
        let public_url = env.get("TENANTRY_PUBLIC_URL").unwrap_or_else(|| {
            format!("http://{}", listen.map_or_else(|| "127.0.0.1:8080".to_owned(), |l| l.to_string()))
        });
        let platform_domain_raw = env.get("TENANTRY_PLATFORM_DOMAIN").unwrap_or_else(|| "tenantry.test".to_owned());
        let platform_domain = env.keep(
            DomainName::parse(&platform_domain_raw)
                .map_err(|e| ConfigError { variable: "TENANTRY_PLATFORM_DOMAIN", problem: e.to_string() }),
        );
        let database_url =
            env.get("DATABASE_URL").unwrap_or_else(|| format!("sqlite://{}", data_dir.join("tenantry.db").display()));
        env.keep(
            Database::from_url(&database_url)
                .map_err(|e| ConfigError { variable: "DATABASE_URL", problem: e.to_string() }),
        );
        let dns_servers = env
            .get("TENANTRY_DNS_SERVERS")
            .map(|v| {
                v.split(',').filter(|s| !s.trim().is_empty()).map(Nameserver::parse).collect::<Result<Vec<_>, _>>()
            })
            .transpose()
            .map_err(|problem| ConfigError { variable: "TENANTRY_DNS_SERVERS", problem });
        let dns_servers = env.keep(dns_servers).flatten().unwrap_or_default();
        let log_format = env.keep(LogFormat::parse(env.get("TENANTRY_LOG_FORMAT").as_deref()));
        let trusted_proxies = TrustedProxies::parse(&env.get("TENANTRY_TRUSTED_PROXIES").unwrap_or_default())
            .map_err(|problem| ConfigError { variable: "TENANTRY_TRUSTED_PROXIES", problem });
        let trusted_proxies = env.keep(trusted_proxies).unwrap_or_default();
        let defaults = SignupLimits::default();
        let signup_limits = SignupLimits {
            per_source: env.number("TENANTRY_SIGNUPS_PER_SOURCE_PER_HOUR", defaults.per_source, 1..=100_000),
            platform: env.number("TENANTRY_SIGNUPS_PER_HOUR", defaults.platform, 1..=1_000_000),
            ..defaults
        };
        let consumer_mail_domains = consumer_mail_domains(&mut env);
        let mail_bounce_address = env.get("TENANTRY_MAIL_BOUNCE_ADDRESS").and_then(|raw| {
            let parsed = tenantry_domain::EmailAddress::parse(&raw).map(|address| address.to_string()).map_err(|e| {
                ConfigError { variable: "TENANTRY_MAIL_BOUNCE_ADDRESS", problem: format!("`{raw}`: {e}") }
            });
            env.keep(parsed)
        });
        // A bad value is noted and its default stands in, so that every other variable is still
        // read and its problems said too; the configuration is refused as a whole at the end.
        let listen = listen.unwrap_or(SocketAddr::from(([127, 0, 0, 1], 8080)));
        let Some(platform_domain) = platform_domain.or_else(|| DomainName::parse("tenantry.test").ok()) else {
            return Err(env.into_errors());
        };
        let config = Self {
            listen,
            database_url,
            data_dir,
            bootstrap_email: env.get("TENANTRY_BOOTSTRAP_EMAIL"),
            bootstrap_password: env.secret("TENANTRY_BOOTSTRAP_PASSWORD"),
            platform_domain,
            cors_origins: env
                .get("TENANTRY_CORS_ORIGINS")
                .map(|v| v.split(',').map(|o| o.trim().to_owned()).filter(|o| !o.is_empty()).collect())
                .unwrap_or_default(),
            token_issuer: env.get("TENANTRY_TOKEN_ISSUER").unwrap_or_else(|| public_url.clone()),
            token_audience: env.get("TENANTRY_TOKEN_AUDIENCE").unwrap_or_else(|| "tenantry-api".to_owned()),
            token_ttl_seconds: env.number("TENANTRY_TOKEN_TTL_SECONDS", 3600, 60..=86_400),
            db_pool_size: env.number("TENANTRY_DB_POOL_SIZE", 10, 1..=200),
            max_body_bytes: env.number("TENANTRY_MAX_BODY_BYTES", 65_536, 1024..=10_485_760),
            outbox_poll_millis: env.number("TENANTRY_OUTBOX_POLL_MS", 1000, 10..=60_000),
            provisioning_delay_millis: env.number("TENANTRY_PROVISIONING_DELAY_MS", 2000, 0..=86_400_000),
            job_poll_millis: env.number("TENANTRY_JOB_POLL_MS", 500, 10..=60_000),
            hashing_threads: env.number(
                "TENANTRY_HASHING_THREADS",
                std::thread::available_parallelism().map_or(1, usize::from),
                1..=1024,
            ),
            dns_servers,
            smtp: smtp::read(&mut env),
            mail_retry: retry_policy(&mut env, "TENANTRY_MAIL_RETRY_FIRST_MS", "TENANTRY_MAIL_MAX_ATTEMPTS"),
            webhook_retry: retry_policy(&mut env, "TENANTRY_WEBHOOK_RETRY_FIRST_MS", "TENANTRY_WEBHOOK_MAX_ATTEMPTS"),
            webhooks_allow_private: env.flag("TENANTRY_WEBHOOKS_ALLOW_PRIVATE", false),
            auto_migrate: env.flag("TENANTRY_AUTO_MIGRATE", true),
            shutdown_drain: Duration::from_secs(env.number("TENANTRY_SHUTDOWN_DRAIN_SECONDS", 5, 0..=300)),
            shutdown_timeout: Duration::from_secs(env.number("TENANTRY_SHUTDOWN_TIMEOUT_SECONDS", 20, 1..=600)),
            log_format: log_format.unwrap_or(LogFormat::Text),
            trusted_proxies,
            signup_limits,
            consumer_mail_domains,
            mail_bounce_address,
            mail_from: env
                .get("TENANTRY_MAIL_FROM")
                .unwrap_or_else(|| format!("Tenantry <no-reply@{platform_domain_raw}>")),
            public_url,
        };
        env.finish()?;
        Ok(config)
    }

    pub fn mail_dir(&self) -> PathBuf {
        self.data_dir.join("mail")
    }

    pub fn keys_dir(&self) -> PathBuf {
        self.data_dir.join("keys")
    }
}

/// The operator's consumer mail domains, each a domain name in its ASCII form.
fn consumer_mail_domains(env: &mut Environment<impl Fn(&str) -> Option<String>>) -> Vec<String> {
    let variable = "TENANTRY_CONSUMER_MAIL_DOMAINS";
    let raw = env.get(variable).unwrap_or_default();
    let parsed: Result<Vec<String>, ConfigError> = raw
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(|name| {
            DomainName::parse(name)
                .map(|domain| domain.as_str().to_owned())
                .map_err(|e| ConfigError { variable, problem: format!("`{name}`: {e}") })
        })
        .collect();
    env.keep(parsed).unwrap_or_default()
}

/// A retry schedule: its first pause from `first_pause_variable`, its attempts from
/// `attempts_variable`, the longest pause the standard one.
fn retry_policy(
    env: &mut Environment<impl Fn(&str) -> Option<String>>,
    first_pause_variable: &'static str,
    attempts_variable: &'static str,
) -> RetryPolicy {
    RetryPolicy {
        first_pause: chrono::Duration::milliseconds(env.number(first_pause_variable, 10_000, 10..=3_600_000)),
        longest_pause: RetryPolicy::standard().longest_pause,
        max_attempts: env.number(attempts_variable, 12, 1..=100),
    }
}
