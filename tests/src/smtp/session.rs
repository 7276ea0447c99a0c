//! One client's SMTP dialogue: commands, AUTH, the envelope, DATA, and the reply the mode gives.

use std::borrow::Cow;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::Ordering;
use std::time::Duration;

use base64::Engine as _;

use super::{lock, Mode, Received, Shared, BASE64, POLL};

/// A client that stops reading must not keep `Drop` waiting on a full socket buffer forever.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

/// What EHLO advertises as SIZE; larger messages are still taken (nothing here enforces it).
const MAX_SIZE: usize = 10_485_760;

/// A line longer than this (no line break in sight) means a confused client: hang up on it.
const MAX_LINE: usize = 4 * MAX_SIZE;

/// One client connection: a socket with a line buffer, that gives up when the sink stops.
struct Connection<'a> {
    stream: TcpStream,
    buffer: Vec<u8>,
    shared: &'a Shared,
}

impl Connection<'_> {
    /// The next line without its line break (CRLF, or a bare LF from a sloppy client);
    /// `None` on end of stream, error, an absurdly long line, or stop.
    fn read_line(&mut self) -> Option<Vec<u8>> {
        let mut searched = 0;
        loop {
            if let Some(at) = self.buffer[searched..].iter().position(|&b| b == b'\n') {
                let end = searched + at;
                let mut line: Vec<u8> = self.buffer.drain(..=end).collect();
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return Some(line);
            }
            searched = self.buffer.len();
            if searched > MAX_LINE || self.shared.stopped() {
                return None;
            }
            let mut chunk = [0; 8192];
            match self.stream.read(&mut chunk) {
                Ok(0) => return None,
                Ok(read) => self.buffer.extend_from_slice(&chunk[..read]),
                Err(e) if is_timeout(e.kind()) => {}
                Err(_) => return None,
            }
        }
    }

    /// A command line as text (commands are ASCII; anything else is replaced).
    fn read_text_line(&mut self) -> Option<String> {
        self.read_line().map(|line| String::from_utf8_lossy(&line).into_owned())
    }

    /// Sends one reply (single or multi-line, without the final CRLF). False if the client is gone.
    fn reply(&mut self, reply: &str) -> bool {
        self.stream.write_all(format!("{reply}\r\n").as_bytes()).and_then(|()| self.stream.flush()).is_ok()
    }

    /// Reads DATA up to the line holding a single `.`, undoing dot-stuffing; CRLF kept.
    fn read_data(&mut self) -> Option<Vec<u8>> {
        let mut data = Vec::new();
        loop {
            let line = self.read_line()?;
            if line == b"." {
                return Some(data);
            }
            let unstuffed = line.strip_prefix(b".").unwrap_or(&line);
            data.extend_from_slice(unstuffed);
            data.extend_from_slice(b"\r\n");
        }
    }
}

fn is_timeout(kind: ErrorKind) -> bool {
    matches!(kind, ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted)
}

/// The envelope of the transaction under way.
#[derive(Default)]
struct Transaction {
    mail_from: Option<String>,
    rcpt_to: Vec<String>,
}

pub(super) fn serve_connection(stream: TcpStream, shared: &Shared) {
    // An accepted socket may inherit the listener's non-blocking mode on some platforms.
    let configured = stream.set_nonblocking(false).is_ok()
        && stream.set_read_timeout(Some(POLL)).is_ok()
        && stream.set_write_timeout(Some(WRITE_TIMEOUT)).is_ok();
    if !configured {
        return;
    }
    let _ = stream.set_nodelay(true);
    let mut connection = Connection { stream, buffer: Vec::new(), shared };
    if !connection.reply("220 loopback ESMTP test sink") {
        return;
    }
    let mut transaction = Transaction::default();
    while let Some(line) = connection.read_text_line() {
        let (verb, argument) = match line.split_once(' ') {
            Some((verb, argument)) => (verb.to_ascii_uppercase(), argument.trim()),
            None => (line.trim().to_ascii_uppercase(), ""),
        };
        let reply: Cow<'static, str> = match verb.as_str() {
            "EHLO" => {
                transaction = Transaction::default();
                let client = if argument.is_empty() { "client" } else { argument };
                format!(
                    "250-loopback greets {client}\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n\
                     250-AUTH PLAIN LOGIN\r\n250 SIZE {MAX_SIZE}"
                )
                .into()
            }
            "HELO" => {
                transaction = Transaction::default();
                "250 loopback".into()
            }
            "AUTH" => match authenticate(&mut connection, argument) {
                Some(reply) => reply.into(),
                None => return,
            },
            "MAIL" => match path_argument(argument, "FROM:") {
                _ if transaction.mail_from.is_some() => "503 5.5.1 Nested MAIL command".into(),
                Some(from) => {
                    transaction.mail_from = Some(from);
                    "250 2.1.0 OK".into()
                }
                None => "501 5.5.4 Syntax: MAIL FROM:<address>".into(),
            },
            "RCPT" => match path_argument(argument, "TO:") {
                _ if transaction.mail_from.is_none() => "503 5.5.1 Need MAIL before RCPT".into(),
                Some(to) if !to.is_empty() => {
                    transaction.rcpt_to.push(to);
                    "250 2.1.5 OK".into()
                }
                _ => "501 5.5.4 Syntax: RCPT TO:<address>".into(),
            },
            "DATA" => {
                if transaction.mail_from.is_none() || transaction.rcpt_to.is_empty() {
                    "503 5.5.1 Need MAIL and RCPT before DATA".into()
                } else {
                    if !connection.reply("354 End data with <CR><LF>.<CR><LF>") {
                        return;
                    }
                    let Some(data) = connection.read_data() else { return };
                    let envelope = std::mem::take(&mut transaction);
                    conclude(shared, envelope, &data).into()
                }
            }
            "RSET" => {
                transaction = Transaction::default();
                "250 2.0.0 OK".into()
            }
            "NOOP" => "250 2.0.0 OK".into(),
            "QUIT" => {
                connection.reply("221 2.0.0 Bye");
                return;
            }
            "STARTTLS" => "454 4.7.0 TLS not available".into(),
            _ => "502 5.5.2 Command not recognized".into(),
        };
        if !connection.reply(&reply) {
            return;
        }
    }
}

/// Records or refuses a finished transaction according to the mode at this moment.
fn conclude(shared: &Shared, envelope: Transaction, data: &[u8]) -> &'static str {
    match *lock(&shared.mode) {
        Mode::Accept => {
            let received = Received {
                mail_from: envelope.mail_from.unwrap_or_default(),
                rcpt_to: envelope.rcpt_to,
                data: String::from_utf8_lossy(data).into_owned(),
            };
            lock(&shared.messages).push(received);
            shared.arrived.notify_all();
            "250 2.0.0 OK: queued"
        }
        Mode::RefusePermanently => {
            shared.refused.fetch_add(1, Ordering::SeqCst);
            "550 5.7.1 Message refused by the test sink"
        }
        Mode::FailTemporarily => {
            shared.refused.fetch_add(1, Ordering::SeqCst);
            "451 4.3.0 Temporary failure in the test sink"
        }
    }
}

/// Runs an AUTH exchange; any credentials pass. The final reply, or `None` if the client is gone.
fn authenticate(connection: &mut Connection<'_>, argument: &str) -> Option<&'static str> {
    let mut words = argument.split_whitespace();
    let mechanism = words.next().unwrap_or_default().to_ascii_uppercase();
    let initial = words.next().map(str::to_owned);
    let mut respond = |prompt: &str| -> Option<String> {
        if !connection.reply(prompt) {
            return None;
        }
        connection.read_text_line().map(|line| line.trim().to_owned())
    };
    let responses = match mechanism.as_str() {
        "PLAIN" => vec![match initial {
            Some(response) => response,
            None => respond("334 ")?,
        }],
        "LOGIN" => {
            let user = match initial {
                Some(response) => response,
                // "Username:" and "Password:", as lettre and most clients expect them.
                None => respond("334 VXNlcm5hbWU6")?,
            };
            if user == "*" {
                vec![user]
            } else {
                vec![user, respond("334 UGFzc3dvcmQ6")?]
            }
        }
        "" => return Some("501 5.5.4 Syntax: AUTH mechanism"),
        _ => return Some("504 5.5.4 Unrecognized authentication type"),
    };
    if responses.iter().any(|response| response == "*") {
        return Some("501 5.7.0 Authentication cancelled");
    }
    // "=" is an empty initial response (RFC 4954); everything else must at least be base64.
    if responses.iter().any(|response| response != "=" && BASE64.decode(response).is_err()) {
        return Some("501 5.5.2 Cannot decode response");
    }
    Some("235 2.7.0 Authentication successful")
}

/// The address of `MAIL FROM:<a>` / `RCPT TO:<a>` (after `prefix`, any case), without `<` `>`;
/// parameters after the path (`BODY=8BITMIME`, `SMTPUTF8`, `SIZE=...`) are ignored.
fn path_argument(argument: &str, prefix: &str) -> Option<String> {
    let head = argument.get(..prefix.len())?;
    if !head.eq_ignore_ascii_case(prefix) {
        return None;
    }
    let rest = argument[prefix.len()..].trim_start();
    let path = if let Some(bracketed) = rest.strip_prefix('<') {
        &bracketed[..bracketed.find('>')?]
    } else {
        // Lenient: a bare address up to the first space.
        rest.split_whitespace().next().unwrap_or_default()
    };
    // A source route (`@relay1,@relay2:user@example.com`) is obsolete; keep the mailbox.
    let mailbox = match path.strip_prefix('@') {
        Some(routed) => routed.split_once(':').map_or(path, |(_, mailbox)| mailbox),
        None => path,
    };
    Some(mailbox.to_owned())
}
