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
    pub html_body: Option<String>,
    pub language: String,
    /// The body holds a temporary password: it is redacted once delivered.
    pub carries_secret: bool,
    /// Set when delivery was given up: refused for good, or every attempt failed.
    pub failed_at: Option<NaiveDateTime>,
}

/// What a message's body becomes once delivered, when it carried a secret.
pub const REDACTED: &str = "[redacted after delivery: this message carried a temporary password]";

/// Where a message stands, for operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    Pending,
    Delivered,
    Failed,
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
    pub html_body: Option<&'a str>,
    pub language: &'a str,
    pub carries_secret: bool,
}

pub fn enqueue(conn: &mut DbConnection, message: &NewOutboxMessage<'_>) -> StoreResult<()> {
    diesel::insert_into(outbox_messages::table).values(message).execute(conn)?;
    Ok(())
}

/// Undelivered messages whose next attempt is due, oldest first.
pub fn due(conn: &mut DbConnection, now: NaiveDateTime, limit: i64) -> StoreResult<Vec<OutboxMessageRow>> {
    Ok(outbox_messages::table
        .filter(outbox_messages::delivered_at.is_null())
        .filter(outbox_messages::failed_at.is_null())
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
            .filter(outbox_messages::failed_at.is_null())
            .filter(outbox_messages::next_attempt_at.eq(message.next_attempt_at)),
    )
    .set((
        outbox_messages::next_attempt_at.eq(lease_until),
        outbox_messages::attempts.eq(outbox_messages::attempts + 1),
    ))
    .execute(conn)?;
    Ok(claimed == 1)
}

/// The server accepted the message. A secret it carried is not kept past this point.
pub fn mark_delivered(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> StoreResult<()> {
    diesel::update(outbox_messages::table.find(id))
        .set((outbox_messages::delivered_at.eq(now), outbox_messages::last_error.eq(None::<String>)))
        .execute(conn)?;
    diesel::update(outbox_messages::table.find(id).filter(outbox_messages::carries_secret.eq(true)))
        .set((outbox_messages::body.eq(REDACTED), outbox_messages::html_body.eq(None::<String>)))
        .execute(conn)?;
    Ok(())
}

/// A transient failure: tried again at `retry_at`.
pub fn schedule_retry(conn: &mut DbConnection, id: &str, error: &str, retry_at: NaiveDateTime) -> StoreResult<()> {
    diesel::update(outbox_messages::table.find(id))
        .set((outbox_messages::last_error.eq(error), outbox_messages::next_attempt_at.eq(retry_at)))
        .execute(conn)?;
    Ok(())
}

/// Refused for good, or out of attempts: no more tries until an operator asks for one.
pub fn mark_failed(conn: &mut DbConnection, id: &str, error: &str, now: NaiveDateTime) -> StoreResult<()> {
    diesel::update(outbox_messages::table.find(id))
        .set((outbox_messages::last_error.eq(error), outbox_messages::failed_at.eq(Some(now))))
        .execute(conn)?;
    Ok(())
}

/// An operator asks for a failed message to be tried again, now and with every attempt anew.
/// False when it is not failed (any more).
pub fn retry_failed(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> StoreResult<bool> {
    let changed = diesel::update(outbox_messages::table.find(id).filter(outbox_messages::failed_at.is_not_null()))
        .set((
            outbox_messages::failed_at.eq(None::<NaiveDateTime>),
            outbox_messages::attempts.eq(0),
            outbox_messages::next_attempt_at.eq(now),
        ))
        .execute(conn)?;
    Ok(changed == 1)
}

pub fn find(conn: &mut DbConnection, id: &str) -> StoreResult<Option<OutboxMessageRow>> {
    Ok(outbox_messages::table.find(id).select(OutboxMessageRow::as_select()).first(conn).optional()?)
}

/// One page of messages in creation order (ids are UUIDv7), optionally of one status.
pub fn list(
    conn: &mut DbConnection,
    status: Option<DeliveryStatus>,
    after: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<OutboxMessageRow>> {
    let mut query = outbox_messages::table.select(OutboxMessageRow::as_select()).into_boxed();
    query = match status {
        None => query,
        Some(DeliveryStatus::Delivered) => query.filter(outbox_messages::delivered_at.is_not_null()),
        Some(DeliveryStatus::Failed) => query.filter(outbox_messages::failed_at.is_not_null()),
        Some(DeliveryStatus::Pending) => {
            query.filter(outbox_messages::delivered_at.is_null()).filter(outbox_messages::failed_at.is_null())
        }
    };
    if let Some(after) = after {
        query = query.filter(outbox_messages::id.gt(after.to_owned()));
    }
    Ok(query.order(outbox_messages::id.asc()).limit(limit).load(conn)?)
}

pub fn count_failed(conn: &mut DbConnection) -> StoreResult<i64> {
    Ok(outbox_messages::table.filter(outbox_messages::failed_at.is_not_null()).count().get_result(conn)?)
}

/// Messages still to deliver (failed ones not counted).
pub fn count_undelivered(conn: &mut DbConnection) -> StoreResult<i64> {
    Ok(outbox_messages::table
        .filter(outbox_messages::delivered_at.is_null())
        .filter(outbox_messages::failed_at.is_null())
        .count()
        .get_result(conn)?)
}
