//! Idempotency keys: the first response to a (caller, key) pair, kept so that a retry gets it
//! again instead of doing the work twice.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::error::StoreResult;
use crate::schema::idempotency_keys;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = idempotency_keys)]
pub struct StoredResponse {
    pub caller_id: String,
    pub key: String,
    pub request_hash: String,
    pub status: i32,
    pub body: String,
    pub location: Option<String>,
    pub created_at: NaiveDateTime,
}

pub fn find(conn: &mut DbConnection, caller_id: &str, key: &str) -> StoreResult<Option<StoredResponse>> {
    Ok(idempotency_keys::table.find((caller_id, key)).select(StoredResponse::as_select()).first(conn).optional()?)
}

/// Keeps a response. A concurrent request that got there first makes this a unique violation.
pub fn insert(conn: &mut DbConnection, response: &StoredResponse) -> StoreResult<()> {
    diesel::insert_into(idempotency_keys::table).values(response).execute(conn)?;
    Ok(())
}

/// Forgets keys stored before `cutoff`; returns how many.
pub fn purge_older_than(conn: &mut DbConnection, cutoff: NaiveDateTime) -> StoreResult<usize> {
    Ok(diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(cutoff))).execute(conn)?)
}
