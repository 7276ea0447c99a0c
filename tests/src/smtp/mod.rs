//! A minimal SMTP server on loopback, inside the test process.
//!
//! The service delivers mail over SMTP; pointing it here lets a test read what was sent (envelope,
//! headers, decoded text and HTML) and make the server refuse or fail on purpose, over the same
//! plain-TCP dialogue a real relay would see, without any network or shared state between tests.
//!
//! It speaks just enough ESMTP for a client such as lettre's `SmtpTransport` without TLS: EHLO
//! and HELO, AUTH PLAIN and AUTH LOGIN (any credentials pass), MAIL, RCPT, DATA, RSET, NOOP and
//! QUIT, several transactions per connection, one thread per connection. STARTTLS is declined.

mod encoded_words;
mod mime;
mod server;
mod session;
#[cfg(test)]
mod tests;

pub use server::{ReservedPort, SmtpSink};

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// How long a thread blocks on a socket before looking at the stop flag: keeps `Drop` prompt.
const POLL: Duration = Duration::from_millis(20);

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
