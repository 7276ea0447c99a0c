//! A minimal SMTP server on loopback, inside the test process.
//!
//! The service delivers mail over SMTP; pointing it here lets a test read what was sent (envelope,
//! headers, decoded text and HTML) and make the server refuse or fail on purpose, over the same
//! plain-TCP dialogue a real relay would see, without any network or shared state between tests.
//!
//! It speaks just enough ESMTP for a client such as lettre's `SmtpTransport` without TLS: EHLO
//! and HELO, AUTH PLAIN and AUTH LOGIN (any credentials pass), MAIL, RCPT, DATA, RSET, NOOP and
//! QUIT, several transactions per connection, one thread per connection. STARTTLS is declined.

use std::borrow::Cow;
use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;

/// How long a thread blocks on a socket before looking at the stop flag: keeps `Drop` prompt.
const POLL: Duration = Duration::from_millis(20);

/// A client that stops reading must not keep `Drop` waiting on a full socket buffer forever.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

/// What EHLO advertises as SIZE; larger messages are still taken (nothing here enforces it).
const MAX_SIZE: usize = 10_485_760;

/// A line longer than this (no line break in sight) means a confused client: hang up on it.
const MAX_LINE: usize = 4 * MAX_SIZE;

/// Base64 as mail writes it: padding is sometimes left off, so accept it either way.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// How the server answers a message, switchable while it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `250` at the end of DATA; the message is recorded.
    Accept,
    /// `550 5.7.1` at the end of DATA; nothing is recorded, the refusal is counted.
    RefusePermanently,
    /// `451 4.3.0` at the end of DATA; nothing is recorded, the refusal is counted.
    FailTemporarily,
}

/// One accepted message: its envelope and its content.
#[derive(Debug, Clone)]
pub struct Received {
    /// The reverse-path, without `<` `>` (empty for the null sender `<>`).
    pub mail_from: String,
    /// The forward-paths in the order given, without `<` `>`.
    pub rcpt_to: Vec<String>,
    /// The DATA as received, dot-unstuffed, with its CRLF line endings kept exactly as sent
    /// (ending with the CRLF before the terminating `.`). Invalid UTF-8 is replaced (lossy).
    pub data: String,
}

/// The loopback SMTP server; its threads stop and its connections close when it is dropped.
/// A loopback port bound but not listening: connections to it are refused, as to a server that
/// is down, and nobody else can take it meanwhile (another test's listener, or an outgoing
/// connection's source port connecting to itself).
pub struct ReservedPort(socket2::Socket);

impl ReservedPort {
    pub fn new() -> Self {
        let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).expect("a TCP socket");
        socket.bind(&std::net::SocketAddr::from((Ipv4Addr::LOCALHOST, 0)).into()).expect("bind a loopback port");
        ReservedPort(socket)
    }

    pub fn port(&self) -> u16 {
        let address = self.0.local_addr().expect("a bound socket has an address");
        address.as_socket().expect("an IP address").port()
    }
}

impl Default for ReservedPort {
    fn default() -> Self {
        Self::new()
    }
}

pub struct SmtpSink {
    port: u16,
    shared: Arc<Shared>,
    listener: Option<JoinHandle<()>>,
}

/// State the serving threads write and the test reads; a test may switch the mode mid-run.
struct Shared {
    mode: Mutex<Mode>,
    messages: Mutex<Vec<Received>>,
    /// Signalled whenever a message joins `messages`, for `wait_for`.
    arrived: Condvar,
    refused: AtomicUsize,
    stop: AtomicBool,
}

impl Shared {
    fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }
}

/// A test that panics while holding a lock must not take every later assertion down with it.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl SmtpSink {
    /// Listens on 127.0.0.1 on a free port.
    pub fn start() -> SmtpSink {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind the SMTP sink on loopback");
        SmtpSink::serve(listener)
    }

    /// Listens on this port (for "the server was down and comes back": a test reserves a port
    /// with [`SmtpSink::free_port`] first). Retries for a moment if the port is still held.
    pub fn start_on(port: u16) -> SmtpSink {
        let deadline = Instant::now() + Duration::from_secs(2);
        loop {
            match TcpListener::bind((Ipv4Addr::LOCALHOST, port)) {
                Ok(listener) => return SmtpSink::serve(listener),
                Err(e) if e.kind() == ErrorKind::AddrInUse && Instant::now() < deadline => thread::sleep(POLL),
                Err(e) => panic!("the SMTP sink cannot listen on 127.0.0.1:{port}: {e}"),
            }
        }
    }

    /// Starts listening on a port held until now: the server comes back where it was.
    pub fn start_on_reserved(reserved: ReservedPort) -> SmtpSink {
        reserved.0.listen(128).expect("listen on the reserved port");
        SmtpSink::serve(reserved.0.into())
    }

    /// A free loopback port nobody listens on yet (bind to 0, read the port, drop the listener).
    pub fn free_port() -> u16 {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind a loopback port");
        listener.local_addr().expect("a bound listener has an address").port()
    }

    fn serve(listener: TcpListener) -> SmtpSink {
        let port = listener.local_addr().expect("SMTP listener has an address").port();
        // std has no accept timeout: polling a non-blocking listener is what lets it stop.
        listener.set_nonblocking(true).expect("SMTP listener non-blocking");
        let shared = Arc::new(Shared {
            mode: Mutex::new(Mode::Accept),
            messages: Mutex::new(Vec::new()),
            arrived: Condvar::new(),
            refused: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
        });
        let thread = {
            let shared = Arc::clone(&shared);
            thread::Builder::new()
                .name(format!("smtp-{port}"))
                .spawn(move || accept_loop(&listener, &shared))
                .expect("spawn the SMTP listener thread")
        };
        SmtpSink { port, shared, listener: Some(thread) }
    }

    /// The port the sink listens on (host is always `127.0.0.1`).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// How the next messages are answered; a message is judged when its DATA ends.
    pub fn set_mode(&self, mode: Mode) {
        *lock(&self.shared.mode) = mode;
    }

    /// Every message accepted so far, in order.
    pub fn messages(&self) -> Vec<Received> {
        lock(&self.shared.messages).clone()
    }

    /// Waits up to `timeout` until at least `count` messages were accepted; returns them all.
    ///
    /// Panics on timeout, saying how many arrived, how many were refused, and to whom.
    pub fn wait_for(&self, count: usize, timeout: Duration) -> Vec<Received> {
        let deadline = Instant::now() + timeout;
        let mut messages = lock(&self.shared.messages);
        loop {
            if messages.len() >= count {
                return messages.clone();
            }
            let now = Instant::now();
            if now >= deadline {
                let envelopes: Vec<String> =
                    messages.iter().map(|m| format!("{} -> {}", m.mail_from, m.rcpt_to.join(", "))).collect();
                panic!(
                    "the SMTP sink on port {} accepted {} of the {count} expected messages within {timeout:?} \
                     ({} transactions refused); accepted: {envelopes:?}",
                    self.port,
                    messages.len(),
                    self.refused(),
                );
            }
            messages =
                self.shared.arrived.wait_timeout(messages, deadline - now).unwrap_or_else(PoisonError::into_inner).0;
        }
    }

    /// Every transaction refused so far (mode was not `Accept`), for counting attempts.
    pub fn refused(&self) -> usize {
        self.shared.refused.load(Ordering::SeqCst)
    }
}

impl Drop for SmtpSink {
    /// Stops the listener and every connection thread promptly: their sockets time out every few
    /// milliseconds to look at the stop flag. Open connections are closed without a reply.
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.listener.take() {
            // A serving thread that panicked has nothing left to clean up; don't panic in drop.
            let _ = thread.join();
        }
    }
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    let mut connections: Vec<JoinHandle<()>> = Vec::new();
    while !shared.stopped() {
        match listener.accept() {
            Ok((stream, _)) => {
                let shared = Arc::clone(shared);
                if let Ok(connection) = thread::Builder::new()
                    .name("smtp-connection".to_owned())
                    .spawn(move || serve_connection(stream, &shared))
                {
                    connections.push(connection);
                }
            }
            Err(_) => thread::sleep(POLL),
        }
        connections.retain(|connection| !connection.is_finished());
    }
    // Connections watch the same flag, so the server is only gone once they are too.
    for connection in connections {
        let _ = connection.join();
    }
}

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

fn serve_connection(stream: TcpStream, shared: &Shared) {
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

impl Received {
    /// A header's value from the top-level headers (case-insensitive name; the first one if it
    /// occurs several times), unfolded and trimmed, with RFC 2047 encoded-words
    /// (`=?utf-8?b?...?=`, `=?utf-8?q?...?=`, any case; UTF-8, US-ASCII or ISO-8859-1) decoded.
    pub fn header(&self, name: &str) -> Option<String> {
        let normalised = normalise_newlines(&self.data);
        let (headers, _) = split_entity(&normalised);
        find_header(&headers, name).map(decode_encoded_words)
    }

    /// The decoded `Subject`.
    pub fn subject(&self) -> Option<String> {
        self.header("Subject")
    }

    /// The decoded body of the first MIME part whose Content-Type starts with `text/plain` (or
    /// the whole body of a message that is not multipart and is text/plain, the default when it
    /// has no Content-Type), looking into nested multiparts (multipart/alternative inside
    /// multipart/mixed, ...) depth first and skipping parts marked `Content-Disposition:
    /// attachment`. Content-Transfer-Encoding 7bit, 8bit, binary, quoted-printable and base64
    /// are undone and the charset applied (UTF-8, US-ASCII, ISO-8859-1). Line endings are
    /// normalised to `\n` and trailing line breaks removed, so lettre's `"Hello"` reads `"Hello"`.
    pub fn text(&self) -> Option<String> {
        self.body_of("text/plain")
    }

    /// The same as [`Received::text`] for `text/html`.
    pub fn html(&self) -> Option<String> {
        self.body_of("text/html")
    }

    fn body_of(&self, media_type: &str) -> Option<String> {
        let normalised = normalise_newlines(&self.data);
        find_part(&normalised, media_type, 0)
    }
}

fn normalise_newlines(text: &str) -> String {
    text.replace("\r\n", "\n")
}

/// Splits an entity (`\n` line endings) into its unfolded headers and its body.
fn split_entity(entity: &str) -> (Vec<(&str, String)>, &str) {
    let (head, body) = if let Some(body) = entity.strip_prefix('\n') {
        ("", body)
    } else {
        match entity.find("\n\n") {
            Some(at) => (&entity[..at], &entity[at + 2..]),
            None => (entity.trim_end_matches('\n'), ""),
        }
    };
    let mut headers: Vec<(&str, String)> = Vec::new();
    for line in head.split('\n') {
        if line.starts_with([' ', '\t']) {
            // Unfolding removes the line break only; the whitespace stays.
            if let Some((_, value)) = headers.last_mut() {
                value.push_str(line);
            }
        } else if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim(), value.to_owned()));
        }
    }
    for (_, value) in &mut headers {
        *value = value.trim().to_owned();
    }
    (headers, body)
}

fn find_header<'h>(headers: &'h [(&str, String)], name: &str) -> Option<&'h str> {
    headers.iter().find(|(candidate, _)| candidate.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
}

/// Nested multiparts deeper than this are a malformed (or hostile) message, not a real one.
const MAX_DEPTH: usize = 16;

/// Depth first: the decoded content of the first non-attachment part of `media_type`.
fn find_part(entity: &str, media_type: &str, depth: usize) -> Option<String> {
    if depth > MAX_DEPTH {
        return None;
    }
    let (headers, body) = split_entity(entity);
    let content_type = find_header(&headers, "Content-Type").unwrap_or("text/plain");
    let (kind, parameters) = parse_content_type(content_type);
    if kind.starts_with("multipart/") {
        let boundary = parameter(&parameters, "boundary")?;
        return split_multipart(body, boundary).into_iter().find_map(|part| find_part(part, media_type, depth + 1));
    }
    let attachment = find_header(&headers, "Content-Disposition").is_some_and(|disposition| {
        disposition.split(';').next().is_some_and(|kind| kind.trim().eq_ignore_ascii_case("attachment"))
    });
    if !kind.starts_with(media_type) || attachment {
        return None;
    }
    let encoding = find_header(&headers, "Content-Transfer-Encoding").unwrap_or("7bit").to_ascii_lowercase();
    let text = match encoding.as_str() {
        "base64" => {
            let compact: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
            let bytes = BASE64.decode(compact).ok()?;
            decode_charset(&bytes, parameter(&parameters, "charset"))
        }
        "quoted-printable" => decode_charset(&decode_quoted_printable(body), parameter(&parameters, "charset")),
        // 7bit, 8bit, binary: the text as it came (the DATA is already text).
        _ => body.to_owned(),
    };
    Some(normalise_newlines(&text).trim_end_matches('\n').to_owned())
}

/// The lower-case media type (`text/plain`) and the parameters (lower-case name, unquoted value).
fn parse_content_type(value: &str) -> (String, Vec<(String, String)>) {
    let mut pieces = split_parameters(value).into_iter();
    let kind = pieces.next().unwrap_or_default().trim().to_ascii_lowercase();
    let parameters = pieces
        .filter_map(|piece| {
            let (name, value) = piece.split_once('=')?;
            Some((name.trim().to_ascii_lowercase(), unquote(value.trim())))
        })
        .collect();
    (kind, parameters)
}

/// Splits at `;` outside quoted strings.
fn split_parameters(value: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (at, c) in value.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ';' if !quoted => {
                pieces.push(&value[start..at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    pieces.push(&value[start..]);
    pieces
}

fn unquote(value: &str) -> String {
    let Some(inner) = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) else {
        return value.to_owned();
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            out.extend(chars.next());
        } else {
            out.push(c);
        }
    }
    out
}

fn parameter<'p>(parameters: &'p [(String, String)], name: &str) -> Option<&'p str> {
    parameters.iter().find(|(candidate, _)| candidate == name).map(|(_, value)| value.as_str())
}

/// The body parts between `--boundary` lines, up to `--boundary--` (RFC 2046: the line break
/// before a delimiter belongs to the delimiter, not to the part).
fn split_multipart<'b>(body: &'b str, boundary: &str) -> Vec<&'b str> {
    let delimiter = format!("--{boundary}");
    let closing = format!("--{boundary}--");
    let mut parts = Vec::new();
    let mut start: Option<usize> = None;
    let mut offset = 0;
    for line in body.split('\n') {
        let line_start = offset;
        offset += line.len() + 1;
        let line = line.trim_end();
        let is_closing = line == closing;
        if line != delimiter && !is_closing {
            continue;
        }
        if let Some(start) = start {
            let end = line_start.saturating_sub(1).max(start);
            parts.push(&body[start..end]);
        }
        if is_closing {
            return parts;
        }
        start = Some(offset.min(body.len()));
    }
    // No closing delimiter: the last part runs to the end.
    if let Some(start) = start {
        parts.push(&body[start..]);
    }
    parts
}

/// Quoted-printable (RFC 2045 6.7) on `\n`-separated lines: soft line breaks joined, `=XX`
/// decoded, trailing whitespace (added in transport) dropped, anything malformed kept as is.
fn decode_quoted_printable(body: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut lines = body.split('\n').peekable();
    while let Some(line) = lines.next() {
        let line = line.trim_end_matches([' ', '\t']);
        let (line, soft_break) = match line.strip_suffix('=') {
            Some(line) => (line, true),
            None => (line, false),
        };
        let bytes = line.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let byte = bytes[i];
            if byte == b'=' {
                let hex = bytes.get(i + 1..i + 3).and_then(|pair| std::str::from_utf8(pair).ok());
                if let Some(value) = hex.and_then(|pair| u8::from_str_radix(pair, 16).ok()) {
                    out.push(value);
                    i += 3;
                    continue;
                }
            }
            out.push(byte);
            i += 1;
        }
        if !soft_break && lines.peek().is_some() {
            out.push(b'\n');
        }
    }
    out
}

/// Bytes in a charset to text: ISO-8859-1 (and its aliases) map byte for byte, everything else
/// is read as UTF-8 (which covers US-ASCII), replacing what is not.
fn decode_charset(bytes: &[u8], charset: Option<&str>) -> String {
    // RFC 2231 allows a language after the charset: `utf-8*en`.
    let charset = charset.unwrap_or("utf-8").split('*').next().unwrap_or_default().trim().to_ascii_lowercase();
    match charset.as_str() {
        "iso-8859-1" | "iso8859-1" | "latin1" | "latin-1" => bytes.iter().map(|&b| char::from(b)).collect(),
        _ => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// One parsed encoded-word: where it sits in the text, its charset and its decoded bytes.
struct EncodedWord<'t> {
    start: usize,
    end: usize,
    charset: &'t str,
    bytes: Vec<u8>,
}

/// The first well-formed encoded-word (`=?charset?B|Q?text?=`) in `text`, if any.
fn next_encoded_word(text: &str) -> Option<EncodedWord<'_>> {
    let mut from = 0;
    while let Some(at) = text[from..].find("=?") {
        let start = from + at;
        if let Some(word) = parse_encoded_word(text, start) {
            return Some(word);
        }
        from = start + 2;
    }
    None
}

fn parse_encoded_word(text: &str, start: usize) -> Option<EncodedWord<'_>> {
    let rest = &text[start + 2..];
    let (charset, rest) = rest.split_once('?')?;
    let (encoding, rest) = rest.split_once('?')?;
    let end_in_rest = rest.find("?=")?;
    let payload = &rest[..end_in_rest];
    let token = |s: &str| !s.is_empty() && !s.contains(|c: char| c.is_ascii_whitespace() || c == '=');
    if !token(charset) || payload.contains(|c: char| c.is_ascii_whitespace()) {
        return None;
    }
    let bytes = match encoding {
        "B" | "b" => BASE64.decode(payload).ok()?,
        "Q" | "q" => decode_q(payload),
        _ => return None,
    };
    let end = text.len() - rest.len() + end_in_rest + 2;
    Some(EncodedWord { start, end, charset, bytes })
}

/// The "Q" encoding: quoted-printable where `_` stands for a space.
fn decode_q(payload: &str) -> Vec<u8> {
    let bytes = payload.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'_' => out.push(b' '),
            b'=' => {
                let hex = bytes.get(i + 1..i + 3).and_then(|pair| std::str::from_utf8(pair).ok());
                if let Some(value) = hex.and_then(|pair| u8::from_str_radix(pair, 16).ok()) {
                    out.push(value);
                    i += 3;
                    continue;
                }
                out.push(b'=');
            }
            byte => out.push(byte),
        }
        i += 1;
    }
    out
}

/// Decodes RFC 2047 encoded-words in an unfolded header value. Whitespace between two adjacent
/// encoded-words is dropped (RFC 2047 6.2), and their bytes are joined before the charset is
/// applied, so a character split across two words (as some encoders do) survives.
fn decode_encoded_words(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut pending: Vec<u8> = Vec::new();
    let mut pending_charset: Option<String> = None;
    let mut rest = value;
    while let Some(word) = next_encoded_word(rest) {
        let between = &rest[..word.start];
        let adjacent = pending_charset.is_some() && between.chars().all(|c| c.is_ascii_whitespace());
        let same_charset = pending_charset.as_deref().is_some_and(|c| c.eq_ignore_ascii_case(word.charset));
        if !(adjacent && same_charset) {
            out.push_str(&decode_charset(&pending, pending_charset.as_deref()));
            pending.clear();
            if !adjacent {
                out.push_str(between);
            }
        }
        pending.extend_from_slice(&word.bytes);
        pending_charset = Some(word.charset.to_owned());
        rest = &rest[word.end..];
    }
    out.push_str(&decode_charset(&pending, pending_charset.as_deref()));
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader};

    use super::*;

    const TIMEOUT: Duration = Duration::from_secs(5);

    /// A hand-written SMTP client: sends lines, reads (multi-line) replies.
    struct Client {
        writer: TcpStream,
        reader: BufReader<TcpStream>,
    }

    impl Client {
        /// Connects and checks the greeting.
        fn connect(port: u16) -> Client {
            let stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).unwrap();
            stream.set_read_timeout(Some(TIMEOUT)).unwrap();
            // Several small writes per command must not wait on delayed ACKs.
            stream.set_nodelay(true).unwrap();
            let mut client = Client { writer: stream.try_clone().unwrap(), reader: BufReader::new(stream) };
            let (code, text) = client.read_reply();
            assert_eq!((code, text.as_str()), (220, "loopback ESMTP test sink"));
            client
        }

        /// Reads one reply: its code and its lines' texts joined with `\n`.
        fn read_reply(&mut self) -> (u16, String) {
            let mut texts = Vec::new();
            loop {
                let mut line = String::new();
                assert!(self.reader.read_line(&mut line).unwrap() > 0, "connection closed before a reply");
                let line = line.strip_suffix("\r\n").expect("replies end with CRLF");
                let code: u16 = line[..3].parse().unwrap();
                texts.push(line.get(4..).unwrap_or_default().to_owned());
                if line.as_bytes().get(3) != Some(&b'-') {
                    return (code, texts.join("\n"));
                }
            }
        }

        fn send(&mut self, raw: &str) {
            self.writer.write_all(raw.as_bytes()).unwrap();
        }

        fn command(&mut self, line: &str) -> (u16, String) {
            self.send(&format!("{line}\r\n"));
            self.read_reply()
        }

        fn code(&mut self, line: &str) -> u16 {
            self.command(line).0
        }

        /// A whole transaction; `content` is sent as given (already dot-stuffed, CRLF ends) and
        /// terminated. Returns the reply to the end of DATA.
        fn transaction(&mut self, from: &str, to: &[&str], content: &str) -> (u16, String) {
            assert_eq!(self.code(&format!("MAIL FROM:<{from}>")), 250);
            for rcpt in to {
                assert_eq!(self.code(&format!("RCPT TO:<{rcpt}>")), 250);
            }
            assert_eq!(self.code("DATA"), 354);
            self.send(content);
            self.command(".")
        }

        /// Whether the server closed the connection (reads end of stream).
        fn closed(&mut self) -> bool {
            let mut rest = String::new();
            matches!(self.reader.read_line(&mut rest), Ok(0))
        }
    }

    const SIMPLE: &str = "From: Tenantry <noreply@tenantry.test>\r\n\
                          To: alice@example.com\r\n\
                          Subject: Welcome\r\n\
                          Content-Type: text/plain; charset=utf-8\r\n\
                          Content-Transfer-Encoding: 7bit\r\n\
                          \r\n\
                          Hello Alice,\r\n\
                          your account is ready.\r\n";

    #[test]
    fn accepts_and_records_a_message_with_its_envelope() {
        let sink = SmtpSink::start();
        let mut client = Client::connect(sink.port());
        let (code, ehlo) = client.command("EHLO client.test");
        assert_eq!(code, 250);
        let extensions: Vec<&str> = ehlo.lines().skip(1).collect();
        assert_eq!(extensions, ["8BITMIME", "SMTPUTF8", "AUTH PLAIN LOGIN", "SIZE 10485760"]);

        assert_eq!(client.code("MAIL FROM:<noreply@tenantry.test> BODY=8BITMIME SMTPUTF8"), 250);
        assert_eq!(client.code("RCPT TO:<alice@example.com>"), 250);
        assert_eq!(client.code("rcpt to: <bob@example.com>"), 250);
        assert_eq!(client.code("DATA"), 354);
        client.send(SIMPLE);
        assert_eq!(client.code("."), 250);
        assert_eq!(client.code("QUIT"), 221);
        assert!(client.closed());

        let messages = sink.wait_for(1, TIMEOUT);
        assert_eq!(messages.len(), 1);
        let message = &messages[0];
        assert_eq!(message.mail_from, "noreply@tenantry.test");
        assert_eq!(message.rcpt_to, ["alice@example.com", "bob@example.com"]);
        assert_eq!(message.data, SIMPLE);
        assert_eq!(message.header("to").as_deref(), Some("alice@example.com"));
        assert_eq!(message.header("FROM").as_deref(), Some("Tenantry <noreply@tenantry.test>"));
        assert_eq!(message.subject().as_deref(), Some("Welcome"));
        assert_eq!(message.text().as_deref(), Some("Hello Alice,\nyour account is ready."));
        assert_eq!(message.html(), None);
        assert_eq!(message.header("Reply-To"), None);
        assert_eq!(sink.refused(), 0);
    }

    const ALTERNATIVE: &str = "From: =?utf-8?b?Wm/DqyBNw7xsbGVy?= <zoe@tenantry.test>\r\n\
         To: zoe@example.com\r\n\
         Subject: =?UTF-8?Q?Willkommen_bei_?=\r\n\
         \x20=?utf-8?B?VGVuYW50cnkg4pyT?=\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: multipart/alternative;\r\n\
         \tboundary=\"=_alt;42\"\r\n\
         \r\n\
         This is a multi-part message in MIME format.\r\n\
         --=_alt;42\r\n\
         Content-Type: text/plain; charset=\"utf-8\"\r\n\
         Content-Transfer-Encoding: quoted-printable\r\n\
         \r\n\
         Gr=C3=BC=C3=9Fe, Zo=C3=AB =E2=80=94 willkommen bei Tenantry! Ihr Code laute=\r\n\
         t 42, g=C3=BCltig f=C3=BCr 15 Minuten.\r\n\
         Bis bald.\r\n\
         \r\n\
         --=_alt;42\r\n\
         Content-Type: text/html; charset=utf-8\r\n\
         content-transfer-encoding: BASE64\r\n\
         \r\n\
         PHA+R3LDvMOfZSwgPGI+Wm/DqzwvYj4g4oCUIHdpbGxrb21tZW4hPC9wPg0K\r\n\
         PHA+Q29kZTogNDI8L3A+DQo=\r\n\
         --=_alt;42--\r\n\
         \r\n";

    #[test]
    fn decodes_multipart_alternative_with_quoted_printable_base64_and_encoded_words() {
        let sink = SmtpSink::start();
        let mut client = Client::connect(sink.port());
        assert_eq!(client.code("EHLO client.test"), 250);
        assert_eq!(client.transaction("zoe@tenantry.test", &["zoe@example.com"], ALTERNATIVE).0, 250);

        let message = sink.wait_for(1, TIMEOUT).remove(0);
        assert_eq!(message.subject().as_deref(), Some("Willkommen bei Tenantry ✓"));
        assert_eq!(message.header("From").as_deref(), Some("Zoë Müller <zoe@tenantry.test>"));
        assert_eq!(message.header("content-type").as_deref(), Some("multipart/alternative;\tboundary=\"=_alt;42\""));
        assert_eq!(
            message.text().as_deref(),
            Some("Grüße, Zoë — willkommen bei Tenantry! Ihr Code lautet 42, gültig für 15 Minuten.\nBis bald.")
        );
        assert_eq!(message.html().as_deref(), Some("<p>Grüße, <b>Zoë</b> — willkommen!</p>\n<p>Code: 42</p>"));
    }

    #[test]
    fn finds_text_and_html_in_alternative_nested_in_mixed_and_skips_attachments() {
        let raw = "Subject: =?iso-8859-1?q?Caf=E9?= and =?utf-8?q?th=C3?= =?utf-8?q?=A9?=\r\n\
                   Content-Type: multipart/mixed; boundary=outer\r\n\
                   \r\n\
                   --outer\r\n\
                   Content-Type: text/plain; name=notes.txt\r\n\
                   Content-Disposition: attachment; filename=notes.txt\r\n\
                   \r\n\
                   not the body\r\n\
                   --outer\r\n\
                   Content-Type: multipart/alternative; boundary=\"inner\"\r\n\
                   \r\n\
                   --inner\r\n\
                   Content-Type: text/plain; charset=iso-8859-1\r\n\
                   Content-Transfer-Encoding: quoted-printable\r\n\
                   \r\n\
                   Caf=E9 =\r\n\
                   au lait\r\n\
                   --inner\r\n\
                   Content-Type: text/html\r\n\
                   Content-Transfer-Encoding: 8bit\r\n\
                   \r\n\
                   <p>Café</p>\r\n\
                   --inner--\r\n\
                   --outer--\r\n";
        let message = Received { mail_from: String::new(), rcpt_to: Vec::new(), data: raw.to_owned() };
        assert_eq!(message.subject().as_deref(), Some("Café and thé"));
        assert_eq!(message.text().as_deref(), Some("Café au lait"));
        assert_eq!(message.html().as_deref(), Some("<p>Café</p>"));
    }

    #[test]
    fn refuses_permanently_records_nothing_and_counts_the_refusal() {
        let sink = SmtpSink::start();
        sink.set_mode(Mode::RefusePermanently);
        let mut client = Client::connect(sink.port());
        assert_eq!(client.code("EHLO client.test"), 250);
        let (code, text) = client.transaction("noreply@tenantry.test", &["alice@example.com"], SIMPLE);
        assert_eq!(code, 550);
        assert!(text.starts_with("5.7.1"), "{text}");
        assert!(sink.messages().is_empty());
        assert_eq!(sink.refused(), 1);

        // The mode is read when DATA ends; the same connection carries on with a new transaction.
        sink.set_mode(Mode::Accept);
        assert_eq!(client.transaction("noreply@tenantry.test", &["alice@example.com"], SIMPLE).0, 250);
        assert_eq!(sink.wait_for(1, TIMEOUT).len(), 1);
        assert_eq!(sink.refused(), 1);
    }

    #[test]
    fn fails_temporarily_with_a_4xx() {
        let sink = SmtpSink::start();
        sink.set_mode(Mode::FailTemporarily);
        let mut client = Client::connect(sink.port());
        assert_eq!(client.code("HELO client.test"), 250);
        for attempt in 1..=2 {
            let (code, text) = client.transaction("noreply@tenantry.test", &["alice@example.com"], SIMPLE);
            assert_eq!(code, 451);
            assert!(text.starts_with("4.3.0"), "{text}");
            assert_eq!(sink.refused(), attempt);
        }
        assert!(sink.messages().is_empty());
    }

    #[test]
    fn starts_on_a_reserved_port() {
        let port = SmtpSink::free_port();
        assert!(TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err(), "nobody listens yet");
        let sink = SmtpSink::start_on(port);
        assert_eq!(sink.port(), port);
        let mut client = Client::connect(port);
        assert_eq!(client.code("NOOP"), 250);
        assert_eq!(client.code("QUIT"), 221);
        drop(sink);

        // Down, then back on the same port.
        assert!(TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err(), "the sink is gone");
        let sink = SmtpSink::start_on(port);
        let mut client = Client::connect(sink.port());
        assert_eq!(client.code("EHLO client.test"), 250);
    }

    #[test]
    fn undoes_dot_stuffing() {
        let sink = SmtpSink::start();
        let mut client = Client::connect(sink.port());
        assert_eq!(client.code("EHLO client.test"), 250);
        let stuffed = "Subject: dots\r\n\r\n..leading dot\r\n..\r\n...\r\nmiddle . dot\r\n";
        assert_eq!(client.transaction("a@example.com", &["b@example.com"], stuffed).0, 250);
        let message = sink.wait_for(1, TIMEOUT).remove(0);
        assert_eq!(message.data, "Subject: dots\r\n\r\n.leading dot\r\n.\r\n..\r\nmiddle . dot\r\n");
        assert_eq!(message.text().as_deref(), Some(".leading dot\n.\n..\nmiddle . dot"));
    }

    #[test]
    fn accepts_auth_plain_and_auth_login() {
        let sink = SmtpSink::start();

        let mut client = Client::connect(sink.port());
        assert_eq!(client.code("EHLO client.test"), 250);
        assert_eq!(client.code("AUTH PLAIN AGFsaWNlAHMzY3JldA=="), 235);
        assert_eq!(client.transaction("alice@tenantry.test", &["x@example.com"], SIMPLE).0, 250);

        let mut client = Client::connect(sink.port());
        assert_eq!(client.code("EHLO client.test"), 250);
        assert_eq!(client.command("AUTH PLAIN"), (334, String::new()));
        assert_eq!(client.code("AGFsaWNlAHMzY3JldA=="), 235);

        let mut client = Client::connect(sink.port());
        assert_eq!(client.code("EHLO client.test"), 250);
        let (code, prompt) = client.command("auth login");
        assert_eq!(code, 334);
        assert_eq!(BASE64.decode(prompt).unwrap(), b"Username:");
        let (code, prompt) = client.command("YWxpY2U=");
        assert_eq!(code, 334);
        assert_eq!(BASE64.decode(prompt).unwrap(), b"Password:");
        assert_eq!(client.code("czNjcmV0"), 235);
        assert_eq!(client.transaction("alice@tenantry.test", &["y@example.com"], SIMPLE).0, 250);

        let mut client = Client::connect(sink.port());
        assert_eq!(client.command("AUTH LOGIN YWxpY2U=").0, 334);
        assert_eq!(client.code("czNjcmV0"), 235);
        assert_eq!(client.code("AUTH CRAM-MD5"), 504);
        assert_eq!(client.command("AUTH LOGIN").0, 334);
        assert_eq!(client.code("*"), 501);

        assert_eq!(sink.wait_for(2, TIMEOUT).len(), 2);
    }

    #[test]
    fn answers_other_commands_and_sequence_errors() {
        let sink = SmtpSink::start();
        let mut client = Client::connect(sink.port());
        assert_eq!(client.code("EHLO client.test"), 250);
        assert_eq!(client.command("STARTTLS"), (454, "4.7.0 TLS not available".to_owned()));
        assert_eq!(client.code("VRFY alice"), 502);
        assert_eq!(client.code("NOOP"), 250);
        assert_eq!(client.code("RCPT TO:<a@example.com>"), 503);
        assert_eq!(client.code("DATA"), 503);
        assert_eq!(client.code("MAIL FROM:<>"), 250);
        assert_eq!(client.code("MAIL FROM:<again@example.com>"), 503);
        assert_eq!(client.code("DATA"), 503);
        assert_eq!(client.code("RCPT TO:<a@example.com>"), 250);
        assert_eq!(client.code("RSET"), 250);
        assert_eq!(client.code("DATA"), 503);
        assert_eq!(client.code("MAIL FROM: bounce@example.com"), 250);
        assert_eq!(client.code("RCPT TO:<a@example.com> NOTIFY=NEVER"), 250);
        assert_eq!(client.code("DATA"), 354);
        client.send("Subject: null sender\r\n\r\nx\r\n");
        assert_eq!(client.code("."), 250);
        assert_eq!(client.code("MAIL TO:<x@example.com>"), 501);
        let message = sink.wait_for(1, TIMEOUT).remove(0);
        assert_eq!(message.mail_from, "bounce@example.com");
        assert_eq!(message.rcpt_to, ["a@example.com"]);
    }

    #[test]
    fn the_null_sender_is_recorded_empty() {
        let sink = SmtpSink::start();
        let mut client = Client::connect(sink.port());
        assert_eq!(client.transaction("", &["a@example.com"], SIMPLE).0, 250);
        assert_eq!(sink.wait_for(1, TIMEOUT)[0].mail_from, "");
    }

    #[test]
    fn drop_is_prompt_and_closes_connections() {
        let sink = SmtpSink::start();
        let mut idle = Client::connect(sink.port());
        assert_eq!(idle.code("EHLO client.test"), 250);
        let started = Instant::now();
        drop(sink);
        assert!(started.elapsed() < Duration::from_secs(1), "drop took {:?}", started.elapsed());
        assert!(idle.closed());
    }

    #[test]
    #[should_panic(expected = "accepted 0 of the 1 expected messages")]
    fn wait_for_panics_on_timeout() {
        let sink = SmtpSink::start();
        sink.wait_for(1, Duration::from_millis(50));
    }
}
