//! Webhook endpoints and the deliveries of their events: queued in the transaction of the change,
//! claimed and sent by a worker, like the mail outbox.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::error::StoreResult;
use crate::schema::{partner_relationships, webhook_deliveries, webhook_endpoints};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_endpoints)]
pub struct EndpointRow {
    pub id: String,
    pub partner_id: Option<String>,
    pub tenant_id: Option<String>,
    pub url: String,
    pub events: String,
    pub secret: String,
    pub pool_low_below: i32,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub failing_since: Option<NaiveDateTime>,
    pub disabled_at: Option<NaiveDateTime>,
}

impl EndpointRow {
    pub fn wants(&self, event: &str) -> bool {
        self.events.split(',').any(|wanted| wanted == event)
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = webhook_endpoints)]
pub struct NewEndpoint<'a> {
    pub id: &'a str,
    pub partner_id: Option<&'a str>,
    pub tenant_id: Option<&'a str>,
    pub url: &'a str,
    pub events: &'a str,
    pub secret: &'a str,
    pub pool_low_below: i32,
    pub created_by: &'a str,
    pub created_at: NaiveDateTime,
}

/// Whose endpoints: a partner's or a tenant's.
#[derive(Debug, Clone, Copy)]
pub enum Owner<'a> {
    Partner(&'a str),
    Tenant(&'a str),
}

pub fn insert_endpoint(conn: &mut DbConnection, endpoint: &NewEndpoint<'_>) -> StoreResult<()> {
    diesel::insert_into(webhook_endpoints::table).values(endpoint).execute(conn)?;
    Ok(())
}

/// An endpoint of `owner`; `None` for anyone else's.
pub fn find_endpoint(conn: &mut DbConnection, owner: Owner<'_>, id: &str) -> StoreResult<Option<EndpointRow>> {
    let query = webhook_endpoints::table.find(id).select(EndpointRow::as_select()).into_boxed();
    let query = match owner {
        Owner::Partner(partner) => query.filter(webhook_endpoints::partner_id.eq(partner.to_owned())),
        Owner::Tenant(tenant) => query.filter(webhook_endpoints::tenant_id.eq(tenant.to_owned())),
    };
    Ok(query.first(conn).optional()?)
}

pub fn find_endpoint_by_id(conn: &mut DbConnection, id: &str) -> StoreResult<Option<EndpointRow>> {
    Ok(webhook_endpoints::table.find(id).select(EndpointRow::as_select()).first(conn).optional()?)
}

/// One page of `owner`'s endpoints, oldest first.
pub fn list_endpoints(
    conn: &mut DbConnection,
    owner: Owner<'_>,
    after: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<EndpointRow>> {
    let mut query = webhook_endpoints::table.select(EndpointRow::as_select()).into_boxed();
    query = match owner {
        Owner::Partner(partner) => query.filter(webhook_endpoints::partner_id.eq(partner.to_owned())),
        Owner::Tenant(tenant) => query.filter(webhook_endpoints::tenant_id.eq(tenant.to_owned())),
    };
    if let Some(after) = after {
        query = query.filter(webhook_endpoints::id.gt(after.to_owned()));
    }
    Ok(query.order(webhook_endpoints::id.asc()).limit(limit).load(conn)?)
}

pub fn delete_endpoint(conn: &mut DbConnection, id: &str) -> StoreResult<bool> {
    Ok(diesel::delete(webhook_endpoints::table.find(id)).execute(conn)? == 1)
}

/// The endpoints that hear of a change in `tenant_id`: the tenant's own, and those of the
/// partners with a live relationship to it; enabled ones only.
pub fn listening_to(conn: &mut DbConnection, tenant_id: &str, now: NaiveDateTime) -> StoreResult<Vec<EndpointRow>> {
    let partners = partner_relationships::table
        .filter(partner_relationships::tenant_id.eq(tenant_id))
        .filter(partner_relationships::status.eq("active"))
        .filter(partner_relationships::ends_at.is_null().or(partner_relationships::ends_at.gt(now)))
        .select(partner_relationships::partner_id);
    Ok(webhook_endpoints::table
        .filter(webhook_endpoints::disabled_at.is_null())
        .filter(
            webhook_endpoints::tenant_id.eq(tenant_id).or(webhook_endpoints::partner_id.eq_any(partners.nullable())),
        )
        .order(webhook_endpoints::id.asc())
        .select(EndpointRow::as_select())
        .load(conn)?)
}

/// The enabled endpoints of a tenant and of one partner, whatever their relationship's state.
pub fn of_tenant_and_partner(
    conn: &mut DbConnection,
    tenant_id: &str,
    partner_id: &str,
) -> StoreResult<Vec<EndpointRow>> {
    Ok(webhook_endpoints::table
        .filter(webhook_endpoints::disabled_at.is_null())
        .filter(webhook_endpoints::tenant_id.eq(tenant_id).or(webhook_endpoints::partner_id.eq(partner_id)))
        .order(webhook_endpoints::id.asc())
        .select(EndpointRow::as_select())
        .load(conn)?)
}

/// The tenants someone may hear of: those with endpoints of their own or with a partner that
/// has endpoints, for events that concern every tenant.
pub fn tenants_with_endpoints(conn: &mut DbConnection) -> StoreResult<Vec<String>> {
    let mut tenants: Vec<String> = webhook_endpoints::table
        .filter(webhook_endpoints::disabled_at.is_null())
        .filter(webhook_endpoints::tenant_id.is_not_null())
        .select(webhook_endpoints::tenant_id.assume_not_null())
        .load(conn)?;
    let partners = webhook_endpoints::table
        .filter(webhook_endpoints::disabled_at.is_null())
        .select(webhook_endpoints::partner_id)
        .filter(webhook_endpoints::partner_id.is_not_null());
    let served: Vec<String> = partner_relationships::table
        .filter(partner_relationships::status.eq("active"))
        .filter(partner_relationships::partner_id.nullable().eq_any(partners))
        .select(partner_relationships::tenant_id)
        .load(conn)?;
    tenants.extend(served);
    tenants.sort();
    tenants.dedup();
    Ok(tenants)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries)]
pub struct DeliveryRow {
    pub id: String,
    pub endpoint_id: String,
    pub event_id: String,
    pub event_type: String,
    pub payload: String,
    pub created_at: NaiveDateTime,
    pub next_attempt_at: NaiveDateTime,
    pub attempts: i32,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub delivered_at: Option<NaiveDateTime>,
    pub failed_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = webhook_deliveries)]
pub struct NewDelivery<'a> {
    pub id: &'a str,
    pub endpoint_id: &'a str,
    pub event_id: &'a str,
    pub event_type: &'a str,
    pub payload: &'a str,
    pub created_at: NaiveDateTime,
    pub next_attempt_at: NaiveDateTime,
}

pub fn enqueue(conn: &mut DbConnection, delivery: &NewDelivery<'_>) -> StoreResult<()> {
    diesel::insert_into(webhook_deliveries::table).values(delivery).execute(conn)?;
    Ok(())
}

pub fn due(conn: &mut DbConnection, now: NaiveDateTime, limit: i64) -> StoreResult<Vec<DeliveryRow>> {
    Ok(webhook_deliveries::table
        .filter(webhook_deliveries::delivered_at.is_null())
        .filter(webhook_deliveries::failed_at.is_null())
        .filter(webhook_deliveries::next_attempt_at.le(now))
        .order(webhook_deliveries::next_attempt_at.asc())
        .limit(limit)
        .select(DeliveryRow::as_select())
        .load(conn)?)
}

/// Claims a delivery for one attempt, as the mail outbox does; only one worker wins.
pub fn claim(conn: &mut DbConnection, delivery: &DeliveryRow, lease_until: NaiveDateTime) -> StoreResult<bool> {
    let claimed = diesel::update(
        webhook_deliveries::table
            .find(&delivery.id)
            .filter(webhook_deliveries::delivered_at.is_null())
            .filter(webhook_deliveries::failed_at.is_null())
            .filter(webhook_deliveries::next_attempt_at.eq(delivery.next_attempt_at)),
    )
    .set((
        webhook_deliveries::next_attempt_at.eq(lease_until),
        webhook_deliveries::attempts.eq(webhook_deliveries::attempts + 1),
    ))
    .execute(conn)?;
    Ok(claimed == 1)
}

/// The receiver answered 2xx: delivered, and its endpoint is no longer failing.
pub fn mark_delivered(
    conn: &mut DbConnection,
    delivery: &DeliveryRow,
    status: i32,
    now: NaiveDateTime,
) -> StoreResult<()> {
    diesel::update(webhook_deliveries::table.find(&delivery.id))
        .set((
            webhook_deliveries::delivered_at.eq(Some(now)),
            webhook_deliveries::last_status.eq(Some(status)),
            webhook_deliveries::last_error.eq(None::<String>),
        ))
        .execute(conn)?;
    diesel::update(webhook_endpoints::table.find(&delivery.endpoint_id))
        .set(webhook_endpoints::failing_since.eq(None::<NaiveDateTime>))
        .execute(conn)?;
    Ok(())
}

/// An attempt failed: tried again at `retry_at` (or given up when `None`); the endpoint is
/// failing from now if it was not already.
pub fn mark_attempt_failed(
    conn: &mut DbConnection,
    delivery: &DeliveryRow,
    status: Option<i32>,
    error: &str,
    retry_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> StoreResult<()> {
    let row = webhook_deliveries::table.find(&delivery.id);
    match retry_at {
        Some(at) => diesel::update(row)
            .set((
                webhook_deliveries::last_status.eq(status),
                webhook_deliveries::last_error.eq(Some(error)),
                webhook_deliveries::next_attempt_at.eq(at),
            ))
            .execute(conn)?,
        None => diesel::update(row)
            .set((
                webhook_deliveries::last_status.eq(status),
                webhook_deliveries::last_error.eq(Some(error)),
                webhook_deliveries::failed_at.eq(Some(now)),
            ))
            .execute(conn)?,
    };
    diesel::update(
        webhook_endpoints::table.find(&delivery.endpoint_id).filter(webhook_endpoints::failing_since.is_null()),
    )
    .set(webhook_endpoints::failing_since.eq(Some(now)))
    .execute(conn)?;
    Ok(())
}

/// What a change to an endpoint sets; `None` leaves a setting as it is.
#[derive(Debug, Default)]
pub struct EndpointChange<'a> {
    pub events: Option<&'a str>,
    pub pool_low_below: Option<i32>,
    /// `Some(true)` switches it on again (its failures forgotten), `Some(false)` off.
    pub enabled: Option<bool>,
}

/// Changes an endpoint's events, threshold or state, never its address nor its secret.
pub fn change_endpoint(
    conn: &mut DbConnection,
    id: &str,
    change: &EndpointChange<'_>,
    now: NaiveDateTime,
) -> StoreResult<()> {
    if let Some(events) = change.events {
        diesel::update(webhook_endpoints::table.find(id)).set(webhook_endpoints::events.eq(events)).execute(conn)?;
    }
    if let Some(below) = change.pool_low_below {
        diesel::update(webhook_endpoints::table.find(id))
            .set(webhook_endpoints::pool_low_below.eq(below))
            .execute(conn)?;
    }
    match change.enabled {
        Some(true) => {
            diesel::update(webhook_endpoints::table.find(id))
                .set((
                    webhook_endpoints::disabled_at.eq(None::<NaiveDateTime>),
                    webhook_endpoints::failing_since.eq(None::<NaiveDateTime>),
                ))
                .execute(conn)?;
        }
        Some(false) => {
            disable(conn, id, now)?;
        }
        None => {}
    }
    Ok(())
}

/// Switches an endpoint off; false when it already was.
pub fn disable(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> StoreResult<bool> {
    let changed = diesel::update(webhook_endpoints::table.find(id).filter(webhook_endpoints::disabled_at.is_null()))
        .set(webhook_endpoints::disabled_at.eq(Some(now)))
        .execute(conn)?;
    Ok(changed == 1)
}

/// One page of an endpoint's deliveries, newest first.
pub fn deliveries_of(
    conn: &mut DbConnection,
    endpoint_id: &str,
    before: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<DeliveryRow>> {
    let mut query = webhook_deliveries::table
        .filter(webhook_deliveries::endpoint_id.eq(endpoint_id))
        .select(DeliveryRow::as_select())
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(webhook_deliveries::id.lt(before.to_owned()));
    }
    Ok(query.order(webhook_deliveries::id.desc()).limit(limit).load(conn)?)
}

/// How many endpoints `owner` has registered.
pub fn count_endpoints(conn: &mut DbConnection, owner: Owner<'_>) -> StoreResult<i64> {
    let query = webhook_endpoints::table.into_boxed();
    let query = match owner {
        Owner::Partner(partner) => query.filter(webhook_endpoints::partner_id.eq(partner.to_owned())),
        Owner::Tenant(tenant) => query.filter(webhook_endpoints::tenant_id.eq(tenant.to_owned())),
    };
    Ok(query.count().get_result(conn)?)
}
