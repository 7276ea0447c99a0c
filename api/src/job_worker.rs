//! Runs durable jobs: each job's effect and its "done" mark commit in one transaction, so a job
//! runs to completion once, and one left pending by a stopped process runs after the restart.

use std::sync::Arc;
use std::time::Duration;

use tenantry_persistence::jobs::{self, JobRow};
use tenantry_persistence::{delegation, idempotency};
use tenantry_persistence::{time, DbPool, StoreError};

use crate::clock;
use crate::services::provisioning;
use crate::unit_of_work::{Actor, Context, Tx};

/// How long a claimed job is left alone before another worker may take it.
const CLAIM_LEASE_SECONDS: i64 = 60;
const BATCH: i64 = 20;

pub async fn run(pool: DbPool, context: Arc<Context>, period: Duration) {
    crate::periodic::run_every(period, "jobs", move || run_due(&pool, &context).map_err(|e| e.to_string())).await;
}

fn perform(tx: &mut Tx<'_>, job: &JobRow) -> Result<(), StoreError> {
    match job.kind.as_str() {
        jobs::PROVISION_SUBSCRIPTION => provisioning::provision(tx, &job.subject_id),
        other => Err(StoreError::Corrupt(format!("unknown job kind `{other}`"))),
    }
}

/// How long a retry with the same Idempotency-Key replays the first response.
const IDEMPOTENCY_KEY_LIFETIME_HOURS: i64 = 24;

/// Runs every due job once; returns how many completed. Also forgets expired idempotency keys
/// and records relationships past their end date as expired.
pub fn run_due(pool: &DbPool, context: &Context) -> Result<usize, StoreError> {
    let mut conn = pool.get()?;
    let now = clock::now();
    idempotency::purge_older_than(
        &mut conn,
        time::to_db(now - chrono::Duration::hours(IDEMPOTENCY_KEY_LIFETIME_HOURS)),
    )?;
    // Every use of a relationship checks its end date anyway; this keeps the stored status
    // (and the customer's audit log) true for relationships nobody uses.
    let actor = Actor::job("Relationship expiry", "job:relationship-expiry".to_owned());
    for lapsed in delegation::lapsed_relationships(&mut conn, time::to_db(now), BATCH)? {
        conn.write(|conn| crate::delegation::record_expiry(&mut Tx::new(conn, &actor, context), &lapsed))?;
    }
    let due = jobs::due(&mut conn, time::to_db(now), BATCH)?;
    let mut done = 0;
    for job in due {
        let lease = time::to_db(now + chrono::Duration::seconds(CLAIM_LEASE_SECONDS));
        if !jobs::claim(&mut conn, &job, lease)? {
            continue;
        }
        let actor = Actor::job("Provisioning", format!("job:{}", job.subject_id));
        let outcome = conn.write(|conn| -> Result<(), StoreError> {
            let mut tx = Tx::new(conn, &actor, context);
            perform(&mut tx, &job)?;
            let done_at = tx.stamp();
            jobs::mark_done(tx.conn(), &job.id, done_at)
        });
        match outcome {
            Ok(()) => done += 1,
            Err(error) => {
                let backoff = 10 * i64::from(job.attempts.clamp(0, 30) + 1);
                log::warn!("job {} ({}) failed: {error}", job.id, job.kind);
                jobs::mark_failed(
                    &mut conn,
                    &job.id,
                    &error.to_string(),
                    time::to_db(clock::now() + chrono::Duration::seconds(backoff)),
                )?;
            }
        }
    }
    Ok(done)
}
