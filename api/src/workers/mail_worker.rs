//! Delivers the outbox through the configured transport (`mail_transport`).
//!
//! At least once, never lost: a message is claimed (its next attempt pushed past a lease, so
//! that another worker or process leaves it alone), sent, and marked delivered only after the
//! server accepted it. A transient failure is tried again after a growing, jittered pause; a
//! permanent refusal, or the last attempt failing, leaves it `failed` for an operator to retry.
//! A crash between the server's acceptance and the mark sends it once more after the lease:
//! a duplicate, never a loss.

use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use tenantry_domain::delivery::{Attempt, RetryPolicy};
use tenantry_domain::retry::AfterFailure;
use tenantry_persistence::outbox::{self, OutboxMessageRow};
use tenantry_persistence::{time, DbConnection, DbPool, StoreError};

use crate::outbound::mail_transport::{MailTransport, Sender};
use crate::runtime::shutdown::Shutdown;

/// How long a claimed message is left alone before another attempt may take it; longer than an
/// SMTP exchange may last (`TENANTRY_SMTP_TIMEOUT_SECONDS` is at most 300 per step, a few steps).
const CLAIM_LEASE_SECONDS: i64 = 900;
const BATCH: i64 = 50;

pub struct Outbox {
    pub transport: MailTransport,
    pub sender: Sender,
    pub retry: RetryPolicy,
}

/// Runs on the current actix runtime until shutdown, delivering due messages every `poll`.
pub async fn run(pool: DbPool, outbox: Outbox, poll: Duration, shutdown: Arc<Shutdown>) {
    let outbox = Arc::new(outbox);
    let stop = shutdown.clone();
    crate::workers::periodic::run_every(poll, "outbox delivery", shutdown, move || {
        deliver_due(&pool, &outbox, &stop).map_err(|e| e.to_string())
    })
    .await;
}

/// Delivers every due message once, or until shutdown (the message in hand is finished; the
/// others stay due); returns how many were delivered.
pub fn deliver_due(pool: &DbPool, outbox: &Outbox, shutdown: &Shutdown) -> Result<usize, StoreError> {
    let mut conn = pool.get()?;
    let now = crate::runtime::clock::now();
    let due = outbox::due(&mut conn, time::to_db(now), BATCH)?;
    let mut delivered = 0;
    for message in due {
        if shutdown.workers_stopping() {
            break;
        }
        // Each lease runs from its own claim: a slow server must not let later messages of the
        // batch go stale while they wait their turn.
        let lease = time::to_db(crate::runtime::clock::now() + chrono::Duration::seconds(CLAIM_LEASE_SECONDS));
        if !outbox::claim(&mut conn, &message, lease)? {
            continue;
        }
        let attempt = outbox.transport.deliver(&outbox.sender, &message);
        if settle(&mut conn, outbox, &message, attempt)? {
            delivered += 1;
        }
    }
    Ok(delivered)
}

/// Records how the attempt ended; true when the message is delivered.
fn settle(
    conn: &mut DbConnection,
    outbox: &Outbox,
    message: &OutboxMessageRow,
    attempt: Attempt,
) -> Result<bool, StoreError> {
    let now = crate::runtime::clock::now();
    // The claim counted this attempt.
    let attempts = message.attempts + 1;
    match attempt {
        Attempt::Accepted => {
            // Delivered and redacted together, or neither.
            conn.write(|conn| outbox::mark_delivered(conn, &message.id, time::to_db(now)))?;
            Ok(true)
        }
        Attempt::Permanent(error) => {
            log::error!("message {} to {} refused for good: {error}", message.id, message.recipient);
            outbox::mark_failed(conn, &message.id, &error, time::to_db(now))?;
            Ok(false)
        }
        Attempt::Transient(error) => {
            let jitter: f64 = rand::thread_rng().gen();
            match outbox.retry.after_transient_failure(attempts, jitter) {
                AfterFailure::RetryIn(pause) => {
                    log::warn!(
                        "message {} to {} not delivered (attempt {attempts}): {error}",
                        message.id,
                        message.recipient
                    );
                    outbox::schedule_retry(conn, &message.id, &error, time::to_db(now + pause))?;
                }
                AfterFailure::GiveUp => {
                    log::error!(
                        "message {} to {} failed after {attempts} attempts: {error}",
                        message.id,
                        message.recipient
                    );
                    outbox::mark_failed(conn, &message.id, &error, time::to_db(now))?;
                }
            }
            Ok(false)
        }
    }
}
