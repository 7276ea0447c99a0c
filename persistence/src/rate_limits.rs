//! Hits counted against a rate per owner (see the domain's `limits`), kept in the database so
//! that every process of the service counts the same.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::error::StoreResult;
use crate::schema::rate_limit_hits;

/// How many hits of `rate` the owner had since `since`, and when the oldest of them was.
pub fn recent(
    conn: &mut DbConnection,
    rate: &str,
    owner_id: &str,
    since: NaiveDateTime,
) -> StoreResult<(i64, Option<NaiveDateTime>)> {
    use diesel::dsl::{count_star, min};
    Ok(rate_limit_hits::table
        .filter(rate_limit_hits::rate.eq(rate))
        .filter(rate_limit_hits::owner_id.eq(owner_id))
        .filter(rate_limit_hits::hit_at.ge(since))
        .select((count_star(), min(rate_limit_hits::hit_at)))
        .first(conn)?)
}

pub fn record(conn: &mut DbConnection, id: &str, rate: &str, owner_id: &str, at: NaiveDateTime) -> StoreResult<()> {
    diesel::insert_into(rate_limit_hits::table)
        .values((
            rate_limit_hits::id.eq(id),
            rate_limit_hits::rate.eq(rate),
            rate_limit_hits::owner_id.eq(owner_id),
            rate_limit_hits::hit_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Forgets hits from before `before`: they no longer count for any rate.
pub fn purge(conn: &mut DbConnection, before: NaiveDateTime) -> StoreResult<usize> {
    Ok(diesel::delete(rate_limit_hits::table.filter(rate_limit_hits::hit_at.lt(before))).execute(conn)?)
}

/// Holds a lock on the owner's hits of `rate` until the transaction ends: a PostgreSQL
/// transaction-level advisory lock on the pair (SQLite's write transactions are serialised
/// already).
pub fn lock_owner(conn: &mut DbConnection, rate: &str, owner_id: &str) -> StoreResult<()> {
    if let DbConnection::Postgresql(pg) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext($1))")
            .bind::<diesel::sql_types::Text, _>(format!("rate {rate} {owner_id}"))
            .execute(pg)?;
    }
    Ok(())
}
