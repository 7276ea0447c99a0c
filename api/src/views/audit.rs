//! The audit log as clients see it.

use chrono::{DateTime, Utc};
use serde::Serialize;
use tenantry_domain::audit::AuditAction;
use tenantry_persistence::audit::AuditEventRow;
use tenantry_persistence::{time, StoreError};
use utoipa::ToSchema;

/// One change, as recorded in the same transaction as the change itself.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": "019a5f3e-8000-7000-8000-000000000009", "tenant_id": "019a5f3e-6b00-7a00-8000-000000000001",
    "actor_id": "019a5f3e-7c1a-7d2e-9b1f-3c4d5e6f7a8b", "actor_name": "Ada Lovelace", "partner_id": null, "partner_name": null,
    "action": "user.created", "target_type": "user", "target_id": "019a5f3e-9000-7000-8000-00000000000a",
    "request_id": "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f", "details": {"sign_in": "grace@contoso.tenantry.test", "roles": []},
    "occurred_at": "2026-11-21T10:05:00Z"}))]
pub struct AuditEvent {
    pub id: String,
    pub tenant_id: Option<String>,
    /// Who acted.
    pub actor_id: Option<String>,
    pub actor_name: String,
    /// The partner they acted for, through delegated administration.
    pub partner_id: Option<String>,
    /// That partner's name when it acted.
    pub partner_name: Option<String>,
    /// What was done, e.g. `user.created`, `user.roles_changed`.
    #[schema(value_type = String)]
    pub action: AuditAction,
    pub target_type: String,
    pub target_id: String,
    /// The request that made the change (the `X-Request-Id` response header).
    pub request_id: String,
    /// Facts about the change.
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    pub occurred_at: DateTime<Utc>,
}

impl TryFrom<AuditEventRow> for AuditEvent {
    type Error = StoreError;

    fn try_from(row: AuditEventRow) -> Result<Self, StoreError> {
        let details = serde_json::from_str(&row.details)
            .map_err(|e| StoreError::Corrupt(format!("audit event {}: details: {e}", row.id)))?;
        Ok(Self {
            details,
            id: row.id,
            tenant_id: row.tenant_id,
            actor_id: row.actor_id,
            actor_name: row.actor_name,
            partner_id: row.partner_id,
            partner_name: row.partner_name,
            action: row.action,
            target_type: row.target_type,
            target_id: row.target_id,
            request_id: row.request_id,
            occurred_at: time::from_db(row.occurred_at),
        })
    }
}

/// One page of audit events, newest first.
#[derive(Serialize, ToSchema)]
pub struct AuditEventPage {
    pub items: Vec<AuditEvent>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}
