//! Webhook endpoints and their delivery log, as their owners see them.

use chrono::{DateTime, Utc};
use serde::Serialize;
use tenantry_persistence::time;
use tenantry_persistence::webhooks::{DeliveryRow, EndpointRow};
use utoipa::ToSchema;

/// A registered endpoint. Its secret is shown once, when it is registered.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": "019a5f3e-a000-7000-8000-000000000001", "url": "https://hooks.fabrikam.example/tenantry",
    "events": ["licence.assigned", "pool.low"], "pool_low_below": 5, "created_at": "2026-11-27T10:00:00Z",
    "failing_since": null, "disabled_at": null}))]
pub struct WebhookEndpoint {
    pub id: String,
    pub url: String,
    pub events: Vec<String>,
    /// `pool.low` fires when a pool's free seats fall below this.
    pub pool_low_below: i32,
    pub created_at: DateTime<Utc>,
    /// Since when every delivery has failed; three days of it disable the endpoint.
    pub failing_since: Option<DateTime<Utc>>,
    pub disabled_at: Option<DateTime<Utc>>,
}

impl From<&EndpointRow> for WebhookEndpoint {
    fn from(row: &EndpointRow) -> Self {
        Self {
            id: row.id.clone(),
            url: row.url.clone(),
            events: row.events.split(',').map(str::to_owned).collect(),
            pool_low_below: row.pool_low_below,
            created_at: time::from_db(row.created_at),
            failing_since: row.failing_since.map(time::from_db),
            disabled_at: row.disabled_at.map(time::from_db),
        }
    }
}

/// A new endpoint with its signing secret, shown this once.
#[derive(Serialize, ToSchema)]
pub struct WebhookEndpointWithSecret {
    #[serde(flatten)]
    pub endpoint: WebhookEndpoint,
    /// Verifies `webhook-signature` (Standard Webhooks: HMAC-SHA256 of `id.timestamp.body`,
    /// keyed by the base64 after `whsec_`). Store it now: it is never shown again.
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    pub secret: String,
}

/// One attempt history of an event sent to an endpoint.
#[derive(Serialize, ToSchema)]
pub struct WebhookDelivery {
    pub id: String,
    /// The event's id, sent as `webhook-id`.
    pub event_id: String,
    pub event_type: String,
    /// `pending`, `delivered` or `failed`.
    #[schema(example = "delivered")]
    pub status: &'static str,
    pub attempts: i32,
    /// The receiver's last HTTP status, if it answered.
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

impl From<&DeliveryRow> for WebhookDelivery {
    fn from(row: &DeliveryRow) -> Self {
        let status = if row.delivered_at.is_some() {
            "delivered"
        } else if row.failed_at.is_some() {
            "failed"
        } else {
            "pending"
        };
        Self {
            id: row.id.clone(),
            event_id: row.event_id.clone(),
            event_type: row.event_type.clone(),
            status,
            attempts: row.attempts,
            last_status: row.last_status,
            last_error: row.last_error.clone(),
            created_at: time::from_db(row.created_at),
            delivered_at: row.delivered_at.map(time::from_db),
        }
    }
}

page_of!(WebhookEndpointPage, WebhookEndpoint, "webhook endpoints");
page_of!(WebhookDeliveryPage, WebhookDelivery, "an endpoint's deliveries, newest first");
