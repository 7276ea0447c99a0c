//! The SMTP server the outbox delivers to, when one is configured.

use super::environment::{ConfigError, Environment};

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

/// The SMTP server, when `TENANTRY_SMTP_HOST` names one; `None` otherwise, or with its
/// problems noted.
pub(super) fn read(env: &mut Environment<impl Fn(&str) -> Option<String>>) -> Option<SmtpSettings> {
    let host = env.get("TENANTRY_SMTP_HOST")?;
    let security = match env.get("TENANTRY_SMTP_SECURITY").as_deref().unwrap_or("starttls") {
        "starttls" => SmtpSecurity::StartTls,
        "tls" => SmtpSecurity::Tls,
        "none" => SmtpSecurity::None,
        other => {
            let problem = format!("`{other}` is not one of starttls, tls, none");
            env.keep::<()>(Err(ConfigError { variable: "TENANTRY_SMTP_SECURITY", problem }));
            return None;
        }
    };
    let default_port = match security {
        SmtpSecurity::StartTls => 587,
        SmtpSecurity::Tls => 465,
        SmtpSecurity::None => 25,
    };
    Some(SmtpSettings {
        host,
        port: env.number("TENANTRY_SMTP_PORT", default_port, 1..=65535),
        security,
        username: env.get("TENANTRY_SMTP_USERNAME"),
        password: env.secret("TENANTRY_SMTP_PASSWORD"),
        timeout_seconds: env.number("TENANTRY_SMTP_TIMEOUT_SECONDS", 10, 1..=300),
    })
}
