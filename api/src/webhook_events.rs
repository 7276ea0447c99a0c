//! Turning audited changes into webhook deliveries, in the same transaction: the audit log is
//! the one place changes are recorded, so every event comes from there, and a change that rolls
//! back sends nothing.

use chrono::NaiveDateTime;
use tenantry_domain::audit::AuditAction;
use tenantry_domain::webhook::{self, EventType};
use tenantry_persistence::webhooks::{self, EndpointRow, NewDelivery};
use tenantry_persistence::{DbConnection, StoreResult};

use crate::ids::new_id;

/// What an event says, as the receiver reads it.
fn payload(
    event_id: &str,
    event: EventType,
    tenant_id: Option<&str>,
    target_id: &str,
    at: &str,
    data: &serde_json::Value,
) -> String {
    serde_json::json!({
        "id": event_id,
        "type": event.as_str(),
        "timestamp": at,
        "data": {"tenant_id": tenant_id, "target_id": target_id, "details": data},
    })
    .to_string()
}

fn queue(
    conn: &mut DbConnection,
    endpoints: &[EndpointRow],
    event: EventType,
    body: &str,
    event_id: &str,
    now: NaiveDateTime,
) -> StoreResult<()> {
    for endpoint in endpoints.iter().filter(|endpoint| endpoint.wants(event.as_str())) {
        let delivery = NewDelivery {
            id: &new_id(),
            endpoint_id: &endpoint.id,
            event_id,
            event_type: event.as_str(),
            payload: body,
            created_at: now,
            next_attempt_at: now,
        };
        webhooks::enqueue(conn, &delivery)?;
    }
    Ok(())
}

/// Queues the event an audited change is, for every endpoint that listens: the tenant's own and
/// its partners' for a change in a tenant, every partner's for a platform-wide one.
pub fn on_audit(
    conn: &mut DbConnection,
    action: AuditAction,
    tenant_id: Option<&str>,
    target_id: &str,
    details: &serde_json::Value,
    now: NaiveDateTime,
) -> StoreResult<()> {
    let Some(event) = EventType::of(action) else { return Ok(()) };
    let endpoints = match tenant_id {
        Some(tenant) => webhooks::listening_to(conn, tenant, now)?,
        None => webhooks::partner_endpoints(conn)?,
    };
    if endpoints.is_empty() {
        return Ok(());
    }
    let event_id = format!("evt_{}", new_id());
    let at = tenantry_persistence::time::from_db(now).to_rfc3339();
    let body = payload(&event_id, event, tenant_id, target_id, &at, details);
    queue(conn, &endpoints, event, &body, &event_id, now)
}

/// Queues `pool.low` for the endpoints whose threshold a change of free seats just crossed.
pub fn on_seats_taken(
    conn: &mut DbConnection,
    tenant_id: &str,
    subscription_id: &str,
    free_before: i64,
    free_after: i64,
    now: NaiveDateTime,
) -> StoreResult<()> {
    let endpoints: Vec<EndpointRow> = webhooks::listening_to(conn, tenant_id, now)?
        .into_iter()
        .filter(|endpoint| webhook::pool_just_ran_low(free_before, free_after, i64::from(endpoint.pool_low_below)))
        .collect();
    if endpoints.is_empty() {
        return Ok(());
    }
    let event_id = format!("evt_{}", new_id());
    let at = tenantry_persistence::time::from_db(now).to_rfc3339();
    let data = serde_json::json!({"subscription_id": subscription_id, "free_seats": free_after});
    let body = payload(&event_id, EventType::PoolLow, Some(tenant_id), subscription_id, &at, &data);
    queue(conn, &endpoints, EventType::PoolLow, &body, &event_id, now)
}
