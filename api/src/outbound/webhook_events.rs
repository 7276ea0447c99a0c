//! Turning audited changes into webhook deliveries, in the same transaction: the audit log is
//! the one place changes are recorded, so every event comes from there, and a change that rolls
//! back sends nothing.

use chrono::NaiveDateTime;
use tenantry_domain::audit::AuditAction;
use tenantry_domain::webhook::{self, EventType};
use tenantry_persistence::webhooks::{self, EndpointRow, NewDelivery};
use tenantry_persistence::{DbConnection, StoreResult};

use crate::runtime::ids::new_id;

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

/// Queues the event an audited change is, for every endpoint entitled to hear of it: for a
/// change in a tenant, the tenant's own endpoints and those of the partners acting for it; for a
/// relationship, the tenant's and that one partner's (even once it has ended, and never another
/// partner's); for an incident, those of the tenants it concerns and of their partners.
pub fn on_audit(
    conn: &mut DbConnection,
    action: AuditAction,
    tenant_id: Option<&str>,
    target_id: &str,
    details: &serde_json::Value,
    now: NaiveDateTime,
) -> StoreResult<()> {
    let Some(event) = EventType::of(action) else { return Ok(()) };
    let at = tenantry_persistence::time::from_db(now).to_rfc3339();
    let event_id = format!("evt_{}", new_id());
    match (event, tenant_id) {
        (EventType::RelationshipAccepted | EventType::RelationshipEnded, Some(tenant)) => {
            let partner = details["partner_id"].as_str().unwrap_or_default();
            let endpoints = webhooks::of_tenant_and_partner(conn, tenant, partner)?;
            let body = payload(&event_id, event, Some(tenant), target_id, &at, details);
            queue(conn, &endpoints, event, &body, &event_id, now)
        }
        (EventType::IncidentPublished, None) => {
            let concerned: Vec<String> = if details["all_tenants"].as_bool() == Some(true) {
                webhooks::tenants_with_endpoints(conn)?
            } else {
                details["tenant_ids"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|id| id.as_str().map(str::to_owned))
                    .collect()
            };
            // One delivery per tenant concerned, each naming its tenant: a partner of two of
            // them hears of each, and nobody learns of tenants that are not theirs.
            let public = serde_json::json!({"title": details["title"], "health": details["health"], "workloads": details["workloads"]});
            for tenant in &concerned {
                let endpoints = webhooks::listening_to(conn, tenant, now)?;
                let event_id = format!("evt_{}", new_id());
                let body = payload(&event_id, event, Some(tenant), target_id, &at, &public);
                queue(conn, &endpoints, event, &body, &event_id, now)?;
            }
            Ok(())
        }
        (_, Some(tenant)) => {
            let endpoints = webhooks::listening_to(conn, tenant, now)?;
            let body = payload(&event_id, event, Some(tenant), target_id, &at, details);
            queue(conn, &endpoints, event, &body, &event_id, now)
        }
        // A platform change that concerns no tenant is nobody's integration's business.
        (_, None) => Ok(()),
    }
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
