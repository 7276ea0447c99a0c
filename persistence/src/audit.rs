//! The audit log: one event per mutation, written in the same transaction as the change.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use tenantry_domain::audit::AuditAction;

use crate::connection::DbConnection;
use crate::error::StoreResult;
use crate::schema::audit_events;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_events)]
pub struct AuditEventRow {
    pub id: String,
    pub tenant_id: Option<String>,
    pub actor_id: Option<String>,
    pub actor_name: String,
    pub partner_id: Option<String>,
    #[diesel(deserialize_as = String)]
    pub action: AuditAction,
    pub target_type: String,
    pub target_id: String,
    pub request_id: String,
    pub details: String,
    pub occurred_at: NaiveDateTime,
    pub partner_name: Option<String>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = audit_events)]
pub struct NewAuditEvent<'a> {
    pub id: &'a str,
    pub tenant_id: Option<&'a str>,
    pub actor_id: Option<&'a str>,
    pub actor_name: &'a str,
    pub partner_id: Option<&'a str>,
    pub action: &'a str,
    pub target_type: &'a str,
    pub target_id: &'a str,
    pub request_id: &'a str,
    pub details: &'a str,
    pub occurred_at: NaiveDateTime,
    pub partner_name: Option<&'a str>,
}

pub fn record(conn: &mut DbConnection, event: &NewAuditEvent<'_>) -> StoreResult<()> {
    diesel::insert_into(audit_events::table).values(event).execute(conn)?;
    Ok(())
}

#[derive(Debug, Default)]
pub struct AuditFilter<'a> {
    pub actor_id: Option<&'a str>,
    pub action: Option<&'a str>,
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
    /// For a partner acting for the tenant: only what it did itself, and what the customer did
    /// outside its relationships with partners; never another partner's doings.
    pub seen_by_partner: Option<&'a str>,
}

/// The kinds of event that are about one partner's relationship with the customer.
const PARTNER_BUSINESS: [&str; 2] = ["partner_relationship", "delegated_access"];

/// One page of a tenant's events, newest first (ids are UUIDv7, so id order is time order).
pub fn list(
    conn: &mut DbConnection,
    tenant_id: &str,
    filter: &AuditFilter<'_>,
    before: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<AuditEventRow>> {
    let mut query = audit_events::table
        .filter(audit_events::tenant_id.eq(tenant_id))
        .select(AuditEventRow::as_select())
        .into_boxed();
    if let Some(actor) = filter.actor_id {
        query = query.filter(audit_events::actor_id.eq(actor));
    }
    if let Some(action) = filter.action {
        query = query.filter(audit_events::action.eq(action));
    }
    if let Some(from) = filter.from {
        query = query.filter(audit_events::occurred_at.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(audit_events::occurred_at.lt(to));
    }
    if let Some(partner) = filter.seen_by_partner {
        query = query.filter(
            audit_events::partner_id
                .eq(partner.to_owned())
                .or(audit_events::partner_id.is_null().and(audit_events::target_type.ne_all(PARTNER_BUSINESS))),
        );
    }
    if let Some(before) = before {
        query = query.filter(audit_events::id.lt(before.to_owned()));
    }
    Ok(query.order(audit_events::id.desc()).limit(limit).load(conn)?)
}

pub fn count_for_tenant(conn: &mut DbConnection, tenant_id: &str) -> StoreResult<i64> {
    Ok(audit_events::table.filter(audit_events::tenant_id.eq(tenant_id)).count().get_result(conn)?)
}
