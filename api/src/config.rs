//! Configuration: typed, read once at start-up from the environment, defaults for everything.
//! A bad value stops start-up with a message naming the variable.

use std::net::SocketAddr;
use std::path::PathBuf;

use tenantry_domain::delivery::RetryPolicy;
use tenantry_domain::DomainName;

use crate::dns::Nameserver;

#[derive(Debug, Clone)]
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

#[derive(Debug, thiserror::Error)]
#[error("configuration variable {variable}: {problem}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub problem: String,
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests can configure without touching the process
    /// environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let data_dir = PathBuf::from(get("TENANTRY_DATA_DIR").unwrap_or_else(|| "./data".to_owned()));
        let default_database = format!("sqlite://{}", data_dir.join("tenantry.db").display());
        let listen: SocketAddr = parse("TENANTRY_LISTEN", get("TENANTRY_LISTEN"), "127.0.0.1:8080")?;
        let public_url = get("TENANTRY_PUBLIC_URL").unwrap_or_else(|| format!("http://{listen}"));
        let platform_domain_raw = get("TENANTRY_PLATFORM_DOMAIN").unwrap_or_else(|| "tenantry.test".to_owned());
        Ok(Self {
            listen,
            database_url: get("DATABASE_URL").unwrap_or(default_database),
            data_dir,
            bootstrap_email: get("TENANTRY_BOOTSTRAP_EMAIL"),
            bootstrap_password: lookup("TENANTRY_BOOTSTRAP_PASSWORD").filter(|v| !v.is_empty()),
            platform_domain: DomainName::parse(&platform_domain_raw)
                .map_err(|e| ConfigError { variable: "TENANTRY_PLATFORM_DOMAIN", problem: e.to_string() })?,
            cors_origins: get("TENANTRY_CORS_ORIGINS")
                .map(|v| v.split(',').map(|o| o.trim().to_owned()).filter(|o| !o.is_empty()).collect())
                .unwrap_or_default(),
            token_issuer: get("TENANTRY_TOKEN_ISSUER").unwrap_or_else(|| public_url.clone()),
            token_audience: get("TENANTRY_TOKEN_AUDIENCE").unwrap_or_else(|| "tenantry-api".to_owned()),
            token_ttl_seconds: parse_in(
                "TENANTRY_TOKEN_TTL_SECONDS",
                get("TENANTRY_TOKEN_TTL_SECONDS"),
                3600,
                60..=86_400,
            )?,
            db_pool_size: parse_in("TENANTRY_DB_POOL_SIZE", get("TENANTRY_DB_POOL_SIZE"), 10, 1..=200)?,
            max_body_bytes: parse_in(
                "TENANTRY_MAX_BODY_BYTES",
                get("TENANTRY_MAX_BODY_BYTES"),
                65_536,
                1024..=10_485_760,
            )?,
            outbox_poll_millis: parse_in("TENANTRY_OUTBOX_POLL_MS", get("TENANTRY_OUTBOX_POLL_MS"), 1000, 10..=60_000)?,
            provisioning_delay_millis: parse_in(
                "TENANTRY_PROVISIONING_DELAY_MS",
                get("TENANTRY_PROVISIONING_DELAY_MS"),
                2000,
                0..=86_400_000,
            )?,
            job_poll_millis: parse_in("TENANTRY_JOB_POLL_MS", get("TENANTRY_JOB_POLL_MS"), 500, 10..=60_000)?,
            hashing_threads: parse_in(
                "TENANTRY_HASHING_THREADS",
                get("TENANTRY_HASHING_THREADS"),
                std::thread::available_parallelism().map_or(1, usize::from),
                1..=1024,
            )?,
            dns_servers: get("TENANTRY_DNS_SERVERS")
                .map(|v| {
                    v.split(',').filter(|s| !s.trim().is_empty()).map(Nameserver::parse).collect::<Result<Vec<_>, _>>()
                })
                .transpose()
                .map_err(|problem| ConfigError { variable: "TENANTRY_DNS_SERVERS", problem })?
                .unwrap_or_default(),
            smtp: smtp_settings(&get, &lookup)?,
            mail_retry: RetryPolicy {
                first_pause: chrono::Duration::milliseconds(parse_in(
                    "TENANTRY_MAIL_RETRY_FIRST_MS",
                    get("TENANTRY_MAIL_RETRY_FIRST_MS"),
                    10_000,
                    10..=3_600_000,
                )?),
                longest_pause: RetryPolicy::standard().longest_pause,
                max_attempts: parse_in("TENANTRY_MAIL_MAX_ATTEMPTS", get("TENANTRY_MAIL_MAX_ATTEMPTS"), 12, 1..=100)?,
            },
            webhook_retry: RetryPolicy {
                first_pause: chrono::Duration::milliseconds(parse_in(
                    "TENANTRY_WEBHOOK_RETRY_FIRST_MS",
                    get("TENANTRY_WEBHOOK_RETRY_FIRST_MS"),
                    10_000,
                    10..=3_600_000,
                )?),
                longest_pause: RetryPolicy::standard().longest_pause,
                max_attempts: parse_in(
                    "TENANTRY_WEBHOOK_MAX_ATTEMPTS",
                    get("TENANTRY_WEBHOOK_MAX_ATTEMPTS"),
                    12,
                    1..=100,
                )?,
            },
            webhooks_allow_private: match get("TENANTRY_WEBHOOKS_ALLOW_PRIVATE").as_deref() {
                None | Some("false") | Some("0") => false,
                Some("true") | Some("1") => true,
                Some(other) => {
                    return Err(ConfigError {
                        variable: "TENANTRY_WEBHOOKS_ALLOW_PRIVATE",
                        problem: format!("`{other}` is not true or false"),
                    })
                }
            },
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
