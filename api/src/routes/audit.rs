//! A tenant's audit log.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::IntoParams;

use super::table::RouteTable;
use crate::app::state::AppState;
use crate::http::caller::Caller;
use crate::http::pagination::PageRequest;
use crate::http::problem::ApiError;
use crate::http::validation::bounded_query;
use crate::services::audit::{self as service, AuditError, AuditQuery};
use crate::views::audit::AuditEventPage;

pub fn configure(table: &mut RouteTable) {
    table.add(__path_list_audit_events, list_audit_events);
}

impl From<AuditError> for ApiError {
    fn from(error: AuditError) -> Self {
        match error {
            AuditError::Access(denied) => denied.into(),
            AuditError::NotFound(missing) => missing.into(),
            AuditError::Store(store) => store.into(),
        }
    }
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
    let page = service::list(&state, &caller, tid.into_inner().into(), query).await?;
    Ok(HttpResponse::Ok().json(AuditEventPage { items: page.items, next_cursor: page.next_cursor }))
}
