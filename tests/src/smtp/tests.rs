//! The sink's own tests, spoken to by a hand-written SMTP client.

use std::io::{BufRead, BufReader, Write};
use std::net::{Ipv4Addr, TcpStream};
use std::time::{Duration, Instant};

use base64::Engine as _;

use super::{Mode, Received, SmtpSink, BASE64};

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
