//! Delivers the outbox. For now a delivery writes each message as an RFC 5322 `.eml` file in
//! `<data dir>/mail/`, which any mail client opens; SMTP comes later behind the same worker.
//!
//! Delivery is at least once: a message is claimed, written, then marked delivered. A crash
//! between writing and marking rewrites the same file (named by the message id) next time.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tenantry_persistence::outbox::{self, OutboxMessageRow};
use tenantry_persistence::{time, DbPool};

/// How long a claimed message is left alone before another attempt may take it.
const CLAIM_LEASE_SECONDS: i64 = 60;
const BATCH: i64 = 50;

pub struct MailDrop {
    pub dir: PathBuf,
    pub from: String,
}

/// Runs forever on the current actix runtime, delivering due messages every `poll`.
pub async fn run(pool: DbPool, drop: MailDrop, poll: Duration) {
    let drop = std::sync::Arc::new(drop);
    crate::periodic::run_every(poll, "outbox delivery", move || deliver_due(&pool, &drop).map_err(|e| e.to_string()))
        .await;
}

/// Delivers every due message once; returns how many were delivered.
pub fn deliver_due(pool: &DbPool, drop: &MailDrop) -> Result<usize, tenantry_persistence::StoreError> {
    let mut conn = pool.get()?;
    let now = crate::clock::now();
    let due = outbox::due(&mut conn, time::to_db(now), BATCH)?;
    let mut delivered = 0;
    for message in due {
        let lease = time::to_db(now + chrono::Duration::seconds(CLAIM_LEASE_SECONDS));
        if !outbox::claim(&mut conn, &message, lease)? {
            continue;
        }
        match write_eml(&drop.dir, &drop.from, &message) {
            Ok(()) => {
                outbox::mark_delivered(&mut conn, &message.id, time::to_db(crate::clock::now()))?;
                delivered += 1;
            }
            Err(error) => {
                let backoff = 30 * i64::from(message.attempts.clamp(0, 20) + 1);
                let retry_at = time::to_db(crate::clock::now() + chrono::Duration::seconds(backoff));
                log::warn!("cannot deliver message {} to {}: {error}", message.id, message.recipient);
                outbox::mark_failed(&mut conn, &message.id, &error.to_string(), retry_at)?;
            }
        }
    }
    Ok(delivered)
}

/// Writes the message to a temporary file and renames it into place, so that a reader of the
/// folder never sees half a message.
fn write_eml(dir: &Path, from: &str, message: &OutboxMessageRow) -> std::io::Result<()> {
    fs::create_dir_all(dir)?;
    let created = time::from_db(message.created_at);
    let content = format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: {date}\r\nMessage-ID: <{id}@tenantry>\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{body}",
        to = message.recipient,
        subject = message.subject,
        date = created.to_rfc2822(),
        id = message.id,
        body = message.body.replace('\n', "\r\n"),
    );
    let name = format!("{}-{}.eml", created.format("%Y%m%dT%H%M%S"), message.id);
    let partial = dir.join(format!(".{name}.partial"));
    let mut file = fs::File::create(&partial)?;
    file.write_all(content.as_bytes())?;
    file.sync_all()?;
    fs::rename(&partial, dir.join(name))
}
