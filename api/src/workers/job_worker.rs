//! Runs durable jobs: each job's effect and its "done" mark commit in one transaction, so a job
//! runs to completion once, and one left pending by a stopped process runs after the restart.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tenantry_domain::retry::{self, AfterFailure};
use tenantry_persistence::jobs::{self, JobRow};
use tenantry_persistence::{delegation, idempotency, signups};
use tenantry_persistence::{time, DbConnection, DbPool, StoreError};

use crate::app::unit_of_work::{Actor, Context, Tx};
use crate::auth::throttle::SignInThrottle;
use crate::runtime::clock;
use crate::runtime::shutdown::Shutdown;
use crate::services::partners::expiry;
use crate::services::{provisioning, registrations};

/// How long a claimed job is left alone before another worker may take it.
const CLAIM_LEASE_SECONDS: i64 = 60;
const BATCH: i64 = 20;

pub async fn run(pool: DbPool, context: Arc<Context>, period: Duration, shutdown: Arc<Shutdown>) {
    let stop = shutdown.clone();
    crate::workers::periodic::run_every(period, "jobs", shutdown, move || {
        run_due(&pool, &context, &stop).map_err(|e| e.to_string())
    })
    .await;
}

fn perform(tx: &mut Tx<'_>, job: &JobRow) -> Result<(), StoreError> {
    match job.kind.as_str() {
        jobs::PROVISION_SUBSCRIPTION => provisioning::provision(tx, &job.subject_id),
        jobs::REGISTER_DOMAIN => registrations::complete(tx, &job.subject_id),
        other => Err(StoreError::Corrupt(format!("unknown job kind `{other}`"))),
    }
}

/// What a job's subject becomes when the job is given up: a registration fails and frees its
/// seat. Provisioning stays `provisioning`, for an operator to look at.
fn abandon(tx: &mut Tx<'_>, job: &JobRow, error: &str) -> Result<(), StoreError> {
    match job.kind.as_str() {
        jobs::REGISTER_DOMAIN => registrations::give_up(tx, &job.subject_id, error),
        _ => Ok(()),
    }
}

/// The audit log's name for a job acting on its own.
fn actor_for(job: &JobRow) -> Actor {
    let name = match job.kind.as_str() {
        jobs::REGISTER_DOMAIN => "Domain registry",
        _ => "Provisioning",
    };
    Actor::job(name, format!("job:{}", job.subject_id))
}

/// After a failed attempt (the claim counted it): another attempt after a pause, or, past the
/// last allowed one, the job given up for good.
fn settle_failure(
    conn: &mut DbConnection,
    context: &Context,
    job: &JobRow,
    error: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let attempts = job.attempts + 1;
    match retry::after_failure(attempts) {
        AfterFailure::RetryIn(pause) => {
            log::warn!("job {} ({}) failed, attempt {attempts}: {error}", job.id, job.kind);
            jobs::mark_failed(conn, &job.id, error, time::to_db(now + pause))
        }
        AfterFailure::GiveUp => {
            log::error!("job {} ({}) failed for good after {attempts} attempts: {error}", job.id, job.kind);
            let actor = actor_for(job);
            conn.write(|conn| {
                abandon(&mut Tx::new(conn, &actor, context), job, error)?;
                jobs::mark_given_up(conn, &job.id, error, time::to_db(now))
            })
        }
    }
}

/// How long a retry with the same Idempotency-Key replays the first response.
const IDEMPOTENCY_KEY_LIFETIME_HOURS: i64 = 24;

/// Runs every due job once; returns how many completed. Also forgets expired idempotency keys
/// and records relationships past their end date as expired.
pub fn run_due(pool: &DbPool, context: &Context, shutdown: &Shutdown) -> Result<usize, StoreError> {
    let mut conn = pool.get()?;
    let now = clock::now();
    idempotency::purge_older_than(
        &mut conn,
        time::to_db(now - chrono::Duration::hours(IDEMPOTENCY_KEY_LIFETIME_HOURS)),
    )?;
    // Sign-ups that can no longer be confirmed keep nothing of strangers (their expiry is well
    // past the throttle's window).
    signups::purge_expired(&mut conn, time::to_db(now))?;
    SignInThrottle::purge_stale(&mut conn, now)?;
    crate::services::rates::purge(&mut conn, now)?;
    // Every use of a relationship checks its end date anyway; this keeps the stored status
    // (and the customer's audit log) true for relationships nobody uses.
    let actor = Actor::job("Relationship expiry", "job:relationship-expiry".to_owned());
    for lapsed in delegation::lapsed_relationships(&mut conn, time::to_db(now), BATCH)? {
        conn.write(|conn| expiry::record_expiry(&mut Tx::new(conn, &actor, context), &lapsed))?;
    }
    let due = jobs::due(&mut conn, time::to_db(now), BATCH)?;
    let mut done = 0;
    for job in due {
        if shutdown.workers_stopping() {
            break;
        }
        let lease = time::to_db(now + chrono::Duration::seconds(CLAIM_LEASE_SECONDS));
        if !jobs::claim(&mut conn, &job, lease)? {
            continue;
        }
        let actor = actor_for(&job);
        let outcome = conn.write(|conn| -> Result<(), StoreError> {
            let mut tx = Tx::new(conn, &actor, context);
            perform(&mut tx, &job)?;
            let done_at = tx.stamp();
            jobs::mark_done(tx.conn(), &job.id, done_at)
        });
        match outcome {
            Ok(()) => done += 1,
            Err(error) => settle_failure(&mut conn, context, &job, &error.to_string(), clock::now())?,
        }
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use tenantry_persistence::Database;

    use super::*;

    #[test]
    fn a_job_is_retried_after_a_pause_and_given_up_after_its_last_attempt() {
        let dir = tempfile::tempdir().unwrap();
        let database = Database::from_url(&format!("sqlite://{}/jobs.db", dir.path().display())).unwrap();
        database.migrate().unwrap();
        let mut conn = database.connect().unwrap();
        let now = clock::now();
        jobs::enqueue(&mut conn, "job-1", "nothing_knows_this", "subject", time::to_db(now), time::to_db(now)).unwrap();
        let job = jobs::due(&mut conn, time::to_db(now), 10).unwrap().remove(0);

        let platform_domain = tenantry_domain::DomainName::parse("tenantry.test").unwrap();
        let context = Context { catalogue: Default::default(), public_url: String::new(), platform_domain };
        settle_failure(&mut conn, &context, &job, "first failure", now).unwrap();
        assert_eq!(jobs::count_pending(&mut conn).unwrap(), 1, "tried again later");
        assert!(jobs::due(&mut conn, time::to_db(now), 10).unwrap().is_empty(), "not before the pause");
        let later = now + chrono::Duration::seconds(11);
        assert_eq!(jobs::due(&mut conn, time::to_db(later), 10).unwrap().len(), 1);

        let last = JobRow { attempts: retry::MAX_ATTEMPTS - 1, ..job };
        settle_failure(&mut conn, &context, &last, "last failure", later).unwrap();
        assert_eq!(jobs::count_pending(&mut conn).unwrap(), 0);
        assert_eq!(jobs::count_failed(&mut conn).unwrap(), 1);
        let much_later = later + chrono::Duration::days(1);
        assert!(jobs::due(&mut conn, time::to_db(much_later), 10).unwrap().is_empty(), "never run again");
    }
}
