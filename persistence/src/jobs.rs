//! Durable background jobs: written in the transaction that needs them, run by a worker, kept
//! until done, so a restart resumes them.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::error::StoreResult;
use crate::schema::jobs;

pub const PROVISION_SUBSCRIPTION: &str = "provision_subscription";
pub const REGISTER_DOMAIN: &str = "register_domain";

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = jobs)]
pub struct JobRow {
    pub id: String,
    pub kind: String,
    pub subject_id: String,
    pub created_at: NaiveDateTime,
    pub run_at: NaiveDateTime,
    pub attempts: i32,
    pub done_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    /// Set when the job failed every attempt it was allowed.
    pub failed_at: Option<NaiveDateTime>,
}

pub fn enqueue(
    conn: &mut DbConnection,
    id: &str,
    kind: &str,
    subject_id: &str,
    now: NaiveDateTime,
    run_at: NaiveDateTime,
) -> StoreResult<()> {
    diesel::insert_into(jobs::table)
        .values((
            jobs::id.eq(id),
            jobs::kind.eq(kind),
            jobs::subject_id.eq(subject_id),
            jobs::created_at.eq(now),
            jobs::run_at.eq(run_at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn due(conn: &mut DbConnection, now: NaiveDateTime, limit: i64) -> StoreResult<Vec<JobRow>> {
    Ok(jobs::table
        .filter(jobs::done_at.is_null())
        .filter(jobs::failed_at.is_null())
        .filter(jobs::run_at.le(now))
        .order(jobs::run_at.asc())
        .limit(limit)
        .select(JobRow::as_select())
        .load(conn)?)
}

/// Claims a job for one attempt by moving its next run past `lease_until`; one worker wins.
pub fn claim(conn: &mut DbConnection, job: &JobRow, lease_until: NaiveDateTime) -> StoreResult<bool> {
    let claimed = diesel::update(
        jobs::table
            .find(&job.id)
            .filter(jobs::done_at.is_null())
            .filter(jobs::failed_at.is_null())
            .filter(jobs::run_at.eq(job.run_at)),
    )
    .set((jobs::run_at.eq(lease_until), jobs::attempts.eq(jobs::attempts + 1)))
    .execute(conn)?;
    Ok(claimed == 1)
}

pub fn mark_done(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> StoreResult<()> {
    diesel::update(jobs::table.find(id))
        .set((jobs::done_at.eq(Some(now)), jobs::last_error.eq(None::<String>)))
        .execute(conn)?;
    Ok(())
}

pub fn mark_failed(conn: &mut DbConnection, id: &str, error: &str, retry_at: NaiveDateTime) -> StoreResult<()> {
    diesel::update(jobs::table.find(id)).set((jobs::last_error.eq(error), jobs::run_at.eq(retry_at))).execute(conn)?;
    Ok(())
}

/// Gives a job up for good after its last allowed attempt failed.
pub fn mark_given_up(conn: &mut DbConnection, id: &str, error: &str, now: NaiveDateTime) -> StoreResult<()> {
    diesel::update(jobs::table.find(id)).set((jobs::last_error.eq(error), jobs::failed_at.eq(now))).execute(conn)?;
    Ok(())
}

/// Jobs still to run (failed ones are not).
pub fn count_pending(conn: &mut DbConnection) -> StoreResult<i64> {
    Ok(jobs::table.filter(jobs::done_at.is_null()).filter(jobs::failed_at.is_null()).count().get_result(conn)?)
}

/// Jobs given up for good, for operators.
pub fn count_failed(conn: &mut DbConnection) -> StoreResult<i64> {
    Ok(jobs::table.filter(jobs::failed_at.is_not_null()).count().get_result(conn)?)
}
