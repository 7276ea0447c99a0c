//! Where the outbox's messages go: an SMTP server (lettre), or, with no SMTP configured, `.eml`
//! files in `<data dir>/mail/` that any mail client opens, so `cargo run` needs nothing.
//!
//! A transport says how an attempt ended: accepted, worth another try (a 4xx, no connection, a
//! timeout), or refused for good (a 5xx). It never decides when to try again.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{SmtpTransport, Transport};
use tenantry_domain::delivery::Attempt;
use tenantry_persistence::outbox::OutboxMessageRow;
use tenantry_persistence::time;

use crate::runtime::config::{SmtpSecurity, SmtpSettings};

/// Who mail is from, as readers and servers see it.
#[derive(Debug, Clone)]
pub struct Sender {
    /// The `From:` mailbox (`TENANTRY_MAIL_FROM`).
    pub from: String,
    /// The envelope sender, where bounces go (`TENANTRY_MAIL_BOUNCE_ADDRESS`); the `From:`
    /// address when unset.
    pub bounce_to: Option<String>,
    /// The domain message ids are made under: the platform's.
    pub message_domain: String,
}

impl Sender {
    fn message_id(&self, message: &OutboxMessageRow) -> String {
        format!("<{}@{}>", message.id, self.message_domain)
    }
}

pub enum MailTransport {
    Smtp { transport: SmtpTransport, host: String },
    Drop { dir: PathBuf },
}

impl MailTransport {
    /// The SMTP server when one is configured, the `.eml` folder otherwise.
    pub fn new(smtp: Option<&SmtpSettings>, mail_dir: PathBuf, from: &str) -> Result<Self, String> {
        // A sender no server would take would fail every message: refuse to start instead.
        from.parse::<Mailbox>().map_err(|e| format!("TENANTRY_MAIL_FROM `{from}` is not an address: {e}"))?;
        let Some(settings) = smtp else { return Ok(MailTransport::Drop { dir: mail_dir }) };
        let builder = match settings.security {
            SmtpSecurity::StartTls => SmtpTransport::starttls_relay(&settings.host),
            SmtpSecurity::Tls => SmtpTransport::relay(&settings.host),
            SmtpSecurity::None => Ok(SmtpTransport::builder_dangerous(&settings.host)),
        }
        .map_err(|e| format!("SMTP server {}: {e}", settings.host))?;
        let mut builder = builder.port(settings.port).timeout(Some(Duration::from_secs(settings.timeout_seconds)));
        if let (Some(username), Some(password)) = (&settings.username, &settings.password) {
            builder = builder.credentials(Credentials::new(username.clone(), password.clone()));
        }
        Ok(MailTransport::Smtp { transport: builder.build(), host: settings.host.clone() })
    }

    /// One delivery attempt of `message`, sent by `sender`.
    pub fn deliver(&self, sender: &Sender, message: &OutboxMessageRow) -> Attempt {
        match self {
            MailTransport::Drop { dir } => match write_eml(dir, sender, message) {
                Ok(()) => Attempt::Accepted,
                Err(error) => Attempt::Transient(format!("cannot write to {}: {error}", dir.display())),
            },
            MailTransport::Smtp { transport, host } => {
                let email = match compose(sender, message) {
                    Ok(email) => email,
                    // An address or header no server would take: trying again changes nothing.
                    Err(problem) => return Attempt::Permanent(problem),
                };
                match transport.send(&email) {
                    Ok(_) => Attempt::Accepted,
                    Err(error) if error.is_permanent() => Attempt::Permanent(format!("{host} refused it: {error}")),
                    Err(error) => Attempt::Transient(format!("{host}: {error}")),
                }
            }
        }
    }
}

/// `Content-Language` (RFC 3282), which lettre does not name: the language the message is in.
#[derive(Clone)]
struct ContentLanguage(String);

impl Header for ContentLanguage {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Content-Language")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self(s.to_owned()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// `Auto-Submitted: auto-generated` (RFC 3834): written by a machine, so that an out-of-office
/// reply or a mailing list's robot does not answer it.
#[derive(Clone)]
struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".to_owned())
    }
}

/// The message as mail: a plain-text part and, when there is one, an HTML alternative.
fn compose(sender: &Sender, message: &OutboxMessageRow) -> Result<lettre::Message, String> {
    let from: Mailbox = sender.from.parse().map_err(|e| format!("sender `{}`: {e}", sender.from))?;
    let to: Mailbox = message.recipient.parse().map_err(|e| format!("recipient `{}`: {e}", message.recipient))?;
    let mut builder = lettre::Message::builder()
        .from(from)
        .to(to.clone())
        .subject(message.subject.clone())
        .message_id(Some(sender.message_id(message)))
        .header(AutoSubmitted)
        .header(ContentLanguage(message.language.clone()));
    if let Some(bounce_to) = &sender.bounce_to {
        let bounce: lettre::Address = bounce_to.parse().map_err(|e| format!("bounce address `{bounce_to}`: {e}"))?;
        let envelope = lettre::address::Envelope::new(Some(bounce), vec![to.email])
            .map_err(|e| format!("cannot address the message: {e}"))?;
        builder = builder.envelope(envelope);
    }
    let text = SinglePart::builder().header(ContentType::TEXT_PLAIN).body(message.body.clone());
    let built = match &message.html_body {
        Some(html) => builder.multipart(
            MultiPart::alternative()
                .singlepart(text)
                .singlepart(SinglePart::builder().header(ContentType::TEXT_HTML).body(html.clone())),
        ),
        None => builder.singlepart(text),
    };
    built.map_err(|e| format!("cannot build the message: {e}"))
}

/// Writes the message to a temporary file and renames it into place, so that a reader of the
/// folder never sees half a message. The file is named by the message id, so a message
/// delivered twice (a crash between writing and marking) is one file.
fn write_eml(dir: &Path, sender: &Sender, message: &OutboxMessageRow) -> std::io::Result<()> {
    fs::create_dir_all(dir)?;
    let created = time::from_db(message.created_at);
    let boundary = format!("tenantry-{}", message.id);
    let text = message.body.replace('\n', "\r\n");
    let (content_type, body) = match &message.html_body {
        Some(html) => (
            format!("multipart/alternative; boundary=\"{boundary}\""),
            format!(
                "--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{text}\r\n\
                 --{boundary}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{html}\r\n\
                 --{boundary}--\r\n",
                html = html.replace('\n', "\r\n"),
            ),
        ),
        None => ("text/plain; charset=utf-8".to_owned(), text),
    };
    // Where bounces go, as the receiving server records the envelope sender.
    let return_path =
        sender.bounce_to.as_deref().map(|bounce| format!("Return-Path: <{bounce}>\r\n")).unwrap_or_default();
    let content = format!(
        "{return_path}From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: {date}\r\nMessage-ID: {id}\r\n\
         Auto-Submitted: auto-generated\r\nContent-Language: {language}\r\nMIME-Version: 1.0\r\n\
         Content-Type: {content_type}\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{body}",
        from = sender.from,
        to = message.recipient,
        subject = message.subject,
        date = created.to_rfc2822(),
        id = sender.message_id(message),
        language = message.language,
    );
    let name = format!("{}-{}.eml", created.format("%Y%m%dT%H%M%S"), message.id);
    let partial = dir.join(format!(".{name}.partial"));
    let mut file = fs::File::create(&partial)?;
    file.write_all(content.as_bytes())?;
    file.sync_all()?;
    fs::rename(&partial, dir.join(name))
}
