//! One HTTP/1.1 request on a connection of its own, told apart precisely: answered (with the
//! status), refused at connect (nothing was sent), or sent and never answered (reset, or closed
//! without a status line), which a client must never see from a service that stops cleanly.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Answered(u16),
    Refused,
    Unanswered(String),
}

/// Sends `method path` with `Connection: close` and reads the whole answer.
pub fn request(address: &str, method: &str, path: &str, token: Option<&str>, json_body: Option<&str>) -> Outcome {
    exchange(address, method, path, token, json_body).0
}

/// As [`request`], with the answer's body (empty when there was no answer).
pub fn exchange(
    address: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    json_body: Option<&str>,
) -> (Outcome, String) {
    let mut stream = match TcpStream::connect(address) {
        Ok(stream) => stream,
        Err(error) if error.kind() == std::io::ErrorKind::ConnectionRefused => {
            return (Outcome::Refused, String::new())
        }
        Err(error) => return (Outcome::Unanswered(format!("connect: {error}")), String::new()),
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(30)));
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n");
    if let Some(token) = token {
        head.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    let body = json_body.unwrap_or_default();
    if json_body.is_some() {
        head.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    head.push_str(body);
    if let Err(error) = stream.write_all(head.as_bytes()) {
        return (Outcome::Unanswered(format!("send: {error}")), String::new());
    }
    let mut answer = Vec::new();
    if let Err(error) = stream.read_to_end(&mut answer) {
        if answer.is_empty() {
            return (Outcome::Unanswered(format!("read: {error}")), String::new());
        }
    }
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text.strip_prefix("HTTP/1.1 ").and_then(|rest| rest.get(..3)).and_then(|code| code.parse().ok());
    match status {
        Some(status) => {
            let body = text.split_once("\r\n\r\n").map(|(_, body)| body.to_owned()).unwrap_or_default();
            (Outcome::Answered(status), body)
        }
        None if answer.is_empty() => (Outcome::Unanswered("closed without an answer".to_owned()), String::new()),
        None => {
            let start: String = text.chars().take(60).collect();
            (Outcome::Unanswered(format!("not an HTTP answer: {start}")), String::new())
        }
    }
}
