//! Runs durable jobs: each job's effect and its "done" mark commit in one transaction, so a job
//! runs to completion once, and one left pending by a stopped process runs after the restart.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tenantry_persistence::idempotency;
use tenantry_persistence::jobs::{self, JobRow};
use tenantry_persistence::{time, DbConnection, DbPool, StoreError};

use crate::config::Config;
use crate::problem::ApiError;
use crate::services::provisioning;

/// How long a claimed job is left alone before another worker may take it.
const CLAIM_LEASE_SECONDS: i64 = 60;
const BATCH: i64 = 20;

pub async fn run(pool: DbPool, config: Arc<Config>) {
    let period = Duration::from_millis(config.job_poll_millis);
    crate::periodic::run_every(period, "jobs", move || run_due(&pool, &config).map_err(|e| e.to_string())).await;
}

fn perform(conn: &mut DbConnection, config: &Config, job: &JobRow) -> Result<(), ApiError> {
    match job.kind.as_str() {
        jobs::PROVISION_SUBSCRIPTION => provisioning::provision(conn, config, &job.subject_id),
        other => Err(ApiError::internal(format!("unknown job kind `{other}`"))),
    }
}

/// How long a retry with the same Idempotency-Key replays the first response.
const IDEMPOTENCY_KEY_LIFETIME_HOURS: i64 = 24;

/// Runs every due job once; returns how many completed. Also forgets expired idempotency keys.
pub fn run_due(pool: &DbPool, config: &Config) -> Result<usize, StoreError> {
    let mut conn = pool.get()?;
    let now = Utc::now();
    idempotency::purge_older_than(
        &mut conn,
        time::to_db(now - chrono::Duration::hours(IDEMPOTENCY_KEY_LIFETIME_HOURS)),
    )?;
    let due = jobs::due(&mut conn, time::to_db(now), BATCH)?;
    let mut done = 0;
    for job in due {
        let lease = time::to_db(now + chrono::Duration::seconds(CLAIM_LEASE_SECONDS));
        if !jobs::claim(&mut conn, &job, lease)? {
            continue;
        }
        let outcome = conn.write(|conn| -> Result<(), ApiError> {
            perform(conn, config, &job)?;
            jobs::mark_done(conn, &job.id, time::to_db(Utc::now()))?;
            Ok(())
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
                    time::to_db(Utc::now() + chrono::Duration::seconds(backoff)),
                )?;
            }
        }
    }
    Ok(done)
}
