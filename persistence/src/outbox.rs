//! The outbox: messages to people, written in the same transaction as the change that causes
//! them and delivered later by a worker, so a committed change never loses its message and a
//! rolled-back one never sends it.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::error::StoreResult;
use crate::schema::outbox_messages;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox_messages)]
pub struct OutboxMessageRow {
    pub id: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub created_at: NaiveDateTime,
    pub next_attempt_at: NaiveDateTime,
    pub attempts: i32,
    pub delivered_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = outbox_messages)]
pub struct NewOutboxMessage<'a> {
    pub id: &'a str,
    pub recipient: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub created_at: NaiveDateTime,
    pub next_attempt_at: NaiveDateTime,
}

pub fn enqueue(conn: &mut DbConnection, message: &NewOutboxMessage<'_>) -> StoreResult<()> {
    diesel::insert_into(outbox_messages::table).values(message).execute(conn)?;
    Ok(())
}

/// Undelivered messages whose next attempt is due, oldest first.
pub fn due(conn: &mut DbConnection, now: NaiveDateTime, limit: i64) -> StoreResult<Vec<OutboxMessageRow>> {
    Ok(outbox_messages::table
        .filter(outbox_messages::delivered_at.is_null())
        .filter(outbox_messages::next_attempt_at.le(now))
        .order(outbox_messages::next_attempt_at.asc())
        .limit(limit)
        .select(OutboxMessageRow::as_select())
        .load(conn)?)
}

/// Claims a message for one delivery attempt by pushing its next attempt past `lease_until`.
/// Only one worker (of however many replicas) wins the claim.
pub fn claim(conn: &mut DbConnection, message: &OutboxMessageRow, lease_until: NaiveDateTime) -> StoreResult<bool> {
    let claimed = diesel::update(
        outbox_messages::table
            .find(&message.id)
            .filter(outbox_messages::delivered_at.is_null())
            .filter(outbox_messages::next_attempt_at.eq(message.next_attempt_at)),
    )
    .set((
        outbox_messages::next_attempt_at.eq(lease_until),
        outbox_messages::attempts.eq(outbox_messages::attempts + 1),
    ))
    .execute(conn)?;
    Ok(claimed == 1)
}

pub fn mark_delivered(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> StoreResult<()> {
    diesel::update(outbox_messages::table.find(id))
        .set((outbox_messages::delivered_at.eq(now), outbox_messages::last_error.eq(None::<String>)))
        .execute(conn)?;
    Ok(())
}

pub fn mark_failed(conn: &mut DbConnection, id: &str, error: &str, retry_at: NaiveDateTime) -> StoreResult<()> {
    diesel::update(outbox_messages::table.find(id))
        .set((outbox_messages::last_error.eq(error), outbox_messages::next_attempt_at.eq(retry_at)))
        .execute(conn)?;
    Ok(())
}

pub fn count_undelivered(conn: &mut DbConnection) -> StoreResult<i64> {
    Ok(outbox_messages::table.filter(outbox_messages::delivered_at.is_null()).count().get_result(conn)?)
}
