//! A tenant's audit log.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tenantry_persistence::audit::AuditEventRow;
use utoipa::{IntoParams, ToSchema};

use crate::auth::Caller;
use crate::pagination::PageRequest;
use crate::problem::ApiError;
use crate::services::audit::{self as service, AuditQuery};
use crate::state::AppState;
use crate::validation::bounded_query;

/// One change, as recorded in the same transaction as the change itself.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": "019a5f3e-8000-7000-8000-000000000009", "tenant_id": "019a5f3e-6b00-7a00-8000-000000000001",
    "actor_id": "019a5f3e-7c1a-7d2e-9b1f-3c4d5e6f7a8b", "actor_name": "Ada Lovelace", "partner_id": null,
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
    /// What was done, e.g. `user.created`, `user.roles_changed`.
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    /// The request that made the change (the `X-Request-Id` response header).
    pub request_id: String,
    /// Facts about the change.
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    pub occurred_at: DateTime<Utc>,
}

impl From<AuditEventRow> for AuditEvent {
    fn from(row: AuditEventRow) -> Self {
        Self {
            details: serde_json::from_str(&row.details).unwrap_or(serde_json::Value::Null),
            id: row.id,
            tenant_id: row.tenant_id,
            actor_id: row.actor_id,
            actor_name: row.actor_name,
            partner_id: row.partner_id,
            action: row.action,
            target_type: row.target_type,
            target_id: row.target_id,
            request_id: row.request_id,
            occurred_at: tenantry_persistence::time::from_db(row.occurred_at),
        }
    }
}

/// One page of audit events, newest first.
#[derive(Serialize, ToSchema)]
pub struct AuditEventPage {
    pub items: Vec<AuditEvent>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQueryParams {
    /// Only events by this person (id).
    #[param(max_length = 64)]
    pub actor: Option<String>,
    /// Only this action, e.g. `user.created`.
    #[param(max_length = 100, example = "user.created")]
    pub action: Option<String>,
    /// Only events at or after this time (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Only events before this time (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    /// Page size.
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[param(max_length = 200)]
    pub cursor: Option<String>,
}

/// Lists the tenant's audit events, newest first, filtered by actor, action and time range.
///
/// Every mutation writes one event in its own transaction: who acted (and for which partner), what, on what, with the request id. Cursor-paginated; `from` and `to` are RFC 3339 times.
#[utoipa::path(get, path = "/v1/tenants/{tid}/audit-events", tag = "audit", operation_id = "list_audit_events",
    params(("tid" = String, Path, description = "Tenant id"), AuditQueryParams),
    responses((status = 200, description = "A page of events", body = AuditEventPage)),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn list_audit_events(
    state: web::Data<AppState>,
    caller: Caller,
    tid: web::Path<String>,
    query: web::Query<AuditQueryParams>,
) -> Result<HttpResponse, ApiError> {
    let params = query.into_inner();
    let page = PageRequest::parse(params.limit, params.cursor.as_deref())?;
    let actor_id = bounded_query("actor", params.actor, 64)?;
    let action = bounded_query("action", params.action, 100)?;
    let query = AuditQuery { actor_id, action, from: params.from, to: params.to, page };
    let (rows, next_cursor) = service::list(&state, &caller, tid.into_inner(), query).await?;
    Ok(HttpResponse::Ok().json(AuditEventPage { items: rows.into_iter().map(AuditEvent::from).collect(), next_cursor }))
}
