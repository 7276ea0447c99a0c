//! The message centre: posts from the operator to all tenants or some, and each reader's own
//! read, archived and flagged marks.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::error::StoreResult;
use crate::schema::{centre_message_states, centre_message_tenants, centre_messages};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = centre_messages)]
pub struct MessageRow {
    pub id: String,
    pub category: String,
    pub severity: String,
    pub title: String,
    pub body: String,
    pub action_required_by: Option<NaiveDateTime>,
    pub all_tenants: bool,
    pub created_at: NaiveDateTime,
}

/// One reader's marks on a message; no row means none.
#[derive(Debug, Clone, Default, Queryable, Selectable)]
#[diesel(table_name = centre_message_states)]
pub struct MarksRow {
    pub message_id: String,
    pub reader_id: String,
    pub read_at: Option<NaiveDateTime>,
    pub archived_at: Option<NaiveDateTime>,
    pub flagged: bool,
}

pub fn post(conn: &mut DbConnection, message: &MessageRow, tenant_ids: &[String]) -> StoreResult<()> {
    diesel::insert_into(centre_messages::table).values(message).execute(conn)?;
    for tenant_id in tenant_ids {
        diesel::insert_into(centre_message_tenants::table)
            .values((
                centre_message_tenants::message_id.eq(&message.id),
                centre_message_tenants::tenant_id.eq(tenant_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Only the messages a reader archived (`archived: true`), or only the others.
#[derive(Debug, Clone, Copy)]
pub struct ArchivedBy<'a> {
    pub reader_id: &'a str,
    pub archived: bool,
}

/// One page of messages, newest first: all of them (`tenant_id` `None`) or those for a tenant.
pub fn list(
    conn: &mut DbConnection,
    tenant_id: Option<&str>,
    archived_by: Option<ArchivedBy<'_>>,
    before: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<MessageRow>> {
    let mut query = centre_messages::table.select(MessageRow::as_select()).into_boxed();
    if let Some(ArchivedBy { reader_id, archived }) = archived_by {
        let archived_ids = centre_message_states::table
            .filter(centre_message_states::reader_id.eq(reader_id.to_owned()))
            .filter(centre_message_states::archived_at.is_not_null())
            .select(centre_message_states::message_id);
        query = if archived {
            query.filter(centre_messages::id.eq_any(archived_ids))
        } else {
            query.filter(centre_messages::id.ne_all(archived_ids))
        };
    }
    if let Some(tenant_id) = tenant_id {
        let named = centre_message_tenants::table
            .filter(centre_message_tenants::tenant_id.eq(tenant_id.to_owned()))
            .select(centre_message_tenants::message_id);
        query = query.filter(centre_messages::all_tenants.eq(true).or(centre_messages::id.eq_any(named)));
    }
    if let Some(before) = before {
        query = query.filter(centre_messages::id.lt(before.to_owned()));
    }
    Ok(query.order(centre_messages::id.desc()).limit(limit).load(conn)?)
}

/// A message for the tenant; `None` when it is not one of the tenant's.
pub fn find_for_tenant(conn: &mut DbConnection, tenant_id: &str, id: &str) -> StoreResult<Option<MessageRow>> {
    let Some(message) = centre_messages::table.find(id).select(MessageRow::as_select()).first(conn).optional()? else {
        return Ok(None);
    };
    if message.all_tenants {
        return Ok(Some(message));
    }
    let named: i64 = centre_message_tenants::table.find((id, tenant_id)).count().get_result(conn)?;
    Ok((named > 0).then_some(message))
}

pub fn tenants_of(conn: &mut DbConnection, id: &str) -> StoreResult<Vec<String>> {
    Ok(centre_message_tenants::table
        .filter(centre_message_tenants::message_id.eq(id))
        .order(centre_message_tenants::tenant_id.asc())
        .select(centre_message_tenants::tenant_id)
        .load(conn)?)
}

/// The reader's marks on these messages.
pub fn marks_of(conn: &mut DbConnection, reader_id: &str, message_ids: &[String]) -> StoreResult<Vec<MarksRow>> {
    Ok(centre_message_states::table
        .filter(centre_message_states::reader_id.eq(reader_id))
        .filter(centre_message_states::message_id.eq_any(message_ids))
        .select(MarksRow::as_select())
        .load(conn)?)
}

/// Takes the message's row lock until the transaction ends: one reader's two changes of marks
/// queue instead of racing (see `service_requests::lock`).
pub fn lock(conn: &mut DbConnection, id: &str) -> StoreResult<()> {
    diesel::update(centre_messages::table.find(id)).set(centre_messages::id.eq(centre_messages::id)).execute(conn)?;
    Ok(())
}

/// Replaces the reader's marks on a message.
pub fn set_marks(
    conn: &mut DbConnection,
    message_id: &str,
    reader_id: &str,
    read_at: Option<NaiveDateTime>,
    archived_at: Option<NaiveDateTime>,
    flagged: bool,
) -> StoreResult<()> {
    diesel::delete(centre_message_states::table.find((message_id, reader_id))).execute(conn)?;
    diesel::insert_into(centre_message_states::table)
        .values((
            centre_message_states::message_id.eq(message_id),
            centre_message_states::reader_id.eq(reader_id),
            centre_message_states::read_at.eq(read_at),
            centre_message_states::archived_at.eq(archived_at),
            centre_message_states::flagged.eq(flagged),
        ))
        .execute(conn)?;
    Ok(())
}
