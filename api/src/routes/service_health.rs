//! Service health: incidents the operator publishes, and each tenant's workloads as they stand.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use tenantry_domain::service_health::{IncidentError, IncidentStatus};
use tenantry_domain::workload::Workload;
use utoipa::{IntoParams, ToSchema};

use super::table::RouteTable;
use crate::app::state::AppState;
use crate::http::caller::Caller;
use crate::http::pagination::PageRequest;
use crate::http::problem::{ApiError, ErrorCode, FieldError, Problem};
use crate::http::validation::{distinct, distinct_ids, free_text, one_line_text, FieldCheck};
use crate::services::service_health::{self as service, HealthError, IncidentChange, NewIncidentInput};
use crate::views::service_health::{
    ClassificationName, HealthName, Incident, IncidentPage, PartnerServiceHealth, ServiceHealth,
};

pub fn configure(table: &mut RouteTable) {
    table
        .add(__path_list_incidents, list_incidents)
        .add(__path_publish, publish)
        .add(__path_get_incident, get_incident)
        .add(__path_update_incident, update_incident)
        .add(__path_tenant_health, tenant_health)
        .add(__path_tenant_incidents, tenant_incidents)
        .add(__path_tenant_incident, tenant_incident)
        .add(__path_partner_health, partner_health);
}

impl From<HealthError> for ApiError {
    fn from(error: HealthError) -> Self {
        let detail = error.to_string();
        match error {
            HealthError::Access(denied) => denied.into(),
            HealthError::NotFound(missing) => missing.into(),
            HealthError::Incident(refused) => ApiError::invalid(
                refused
                    .iter()
                    .map(|e| {
                        let field = match e {
                            IncidentError::HealthyImpact => "health",
                            IncidentError::NoWorkload => "workloads",
                            IncidentError::NoTenant => "tenant_ids",
                        };
                        FieldError::new(field, e)
                    })
                    .collect(),
            ),
            HealthError::UnknownTenant(_) => ApiError::invalid_field("tenant_ids", detail),
            HealthError::AlreadyResolved => ApiError::new(ErrorCode::InvalidTransition, detail),
            HealthError::Store(store) => store.into(),
        }
    }
}

/// An incident or advisory to publish.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"classification": "incident", "title": "Mail delivery delays",
    "impact": "Some users see delays of up to an hour when sending or receiving mail.", "health": "degraded",
    "workloads": ["mail"], "all_tenants": false, "tenant_ids": ["019a5f3e-6b00-7a00-8000-000000000001"],
    "message": "We are investigating reports of delayed mail."}))]
pub struct PublishIncidentBody {
    pub classification: ClassificationName,
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    /// What users experience.
    #[schema(min_length = 1, max_length = 2000)]
    pub impact: String,
    /// `degraded` (yellow) or `interrupted` (red).
    pub health: HealthName,
    /// The workloads affected (`mail`, `meetings`, ..., `directory_sync`, `sign_in`, `portal`),
    /// each once: a repeated one is refused.
    #[schema(min_items = 1, max_items = 20)]
    pub workloads: Vec<String>,
    /// Every tenant is affected; otherwise list them in `tenant_ids`.
    #[serde(default)]
    pub all_tenants: bool,
    /// The tenants affected, each once: a repeated id is refused.
    #[serde(default)]
    #[schema(max_items = 1000)]
    pub tenant_ids: Vec<String>,
    /// The first entry of the timeline.
    #[schema(min_length = 1, max_length = 2000)]
    pub message: String,
}

/// A new entry of the timeline; with `health` the impact changes, with `resolve` it ends.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"message": "Mail flows normally again.", "resolve": true}))]
pub struct UpdateIncidentBody {
    #[schema(min_length = 1, max_length = 2000)]
    pub message: String,
    pub health: Option<HealthName>,
    #[serde(default)]
    pub resolve: bool,
}

/// `active` or `resolved`.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum IncidentStatusName {
    Active,
    Resolved,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct IncidentListQuery {
    /// Only `active` or only `resolved` incidents.
    #[param(inline)]
    pub status: Option<IncidentStatusName>,
    /// Page size.
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[param(max_length = 200)]
    pub cursor: Option<String>,
}

impl IncidentListQuery {
    fn status(&self) -> Option<IncidentStatus> {
        self.status.map(|status| match status {
            IncidentStatusName::Active => IncidentStatus::Active,
            IncidentStatusName::Resolved => IncidentStatus::Resolved,
        })
    }
}

/// Publishes an incident or an advisory (operators).
///
/// An incident turns the affected workloads of the affected tenants `degraded` (yellow) or `interrupted` (red)
/// until it is resolved; an advisory informs and changes no workload's health.
#[utoipa::path(post, path = "/v1/incidents", tag = "support", operation_id = "publish_incident",
    request_body = PublishIncidentBody,
    responses(
        (status = 201, description = "Published", body = Incident, headers(("Location" = String, description = "The incident"))),
        (status = 422, description = "No workload, no tenant, a `healthy` impact or an unknown tenant", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn publish(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<PublishIncidentBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut check = FieldCheck::default();
    let title = check.check("title", one_line_text(&body.title, 200));
    let impact = check.check("impact", free_text(&body.impact, 2000));
    let message = check.check("message", free_text(&body.message, 2000));
    let named: Vec<Option<Workload>> = (body.workloads.iter().enumerate())
        .map(|(i, name)| check.check(&format!("workloads[{i}]"), name.parse::<Workload>()))
        .collect();
    let workloads = distinct(&mut check, "workloads", named, 20);
    let tenant_ids = distinct_ids(&mut check, "tenant_ids", &body.tenant_ids, 1000);
    let input = check.finish(|| {
        Some(NewIncidentInput {
            classification: body.classification.into(),
            title: title?,
            impact: impact?,
            health: body.health.into(),
            workloads,
            all_tenants: body.all_tenants,
            tenant_ids,
            message: message?,
        })
    })?;
    let incident = service::publish(&state, &caller, input).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/v1/incidents/{}", incident.id)))
        .json(incident))
}

/// Lists every incident and advisory, newest first (operators).
///
/// With the tenants each names and its timeline; `?status=active` for those still open.
#[utoipa::path(get, path = "/v1/incidents", tag = "support", operation_id = "list_incidents",
    params(IncidentListQuery),
    responses((status = 200, description = "A page of incidents", body = IncidentPage)),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn list_incidents(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<IncidentListQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::parse(query.limit, query.cursor.as_deref())?;
    let page = service::list(&state, &caller, None, query.status(), page).await?;
    Ok(HttpResponse::Ok().json(IncidentPage { items: page.items, next_cursor: page.next_cursor }))
}

/// Reads an incident with its timeline (operators).
///
/// With the tenants it names.
#[utoipa::path(get, path = "/v1/incidents/{iid}", tag = "support", operation_id = "get_incident",
    params(("iid" = String, Path, description = "Incident id")),
    responses((status = 200, description = "The incident", body = Incident)),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn get_incident(
    state: web::Data<AppState>,
    caller: Caller,
    iid: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(service::get(&state, &caller, None, iid.into_inner()).await?))
}

/// Adds to an incident's timeline, changes its impact or resolves it (operators).
///
/// Resolving it turns the affected workloads green again at once.
#[utoipa::path(patch, path = "/v1/incidents/{iid}", tag = "support", operation_id = "update_incident",
    params(("iid" = String, Path, description = "Incident id")),
    request_body = UpdateIncidentBody,
    responses(
        (status = 200, description = "Updated", body = Incident),
        (status = 409, description = "Already resolved (`invalid_transition`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn update_incident(
    state: web::Data<AppState>,
    caller: Caller,
    iid: web::Path<String>,
    body: web::Json<UpdateIncidentBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut check = FieldCheck::default();
    let message = check.check("message", free_text(&body.message, 2000));
    let message = check.finish(|| message)?;
    let change = IncidentChange { message, health: body.health.map(Into::into), resolve: body.resolve };
    Ok(HttpResponse::Ok().json(service::update(&state, &caller, iid.into_inner(), change).await?))
}

/// Each workload's health for the tenant: `healthy` (green), `degraded` (yellow) or `interrupted` (red).
///
/// Computed from the incidents open for the tenant. A tenant's admins, its partners and support read it.
#[utoipa::path(get, path = "/v1/tenants/{tid}/service-health", tag = "support", operation_id = "get_service_health",
    params(("tid" = String, Path, description = "Tenant id")),
    responses((status = 200, description = "The tenant's service health", body = ServiceHealth)),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn tenant_health(
    state: web::Data<AppState>,
    caller: Caller,
    tid: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(service::tenant_health(&state, &caller, tid.into_inner().into()).await?))
}

/// The incidents and advisories concerning the tenant, newest first.
///
/// Those published to every tenant or naming this one, with their timelines.
#[utoipa::path(get, path = "/v1/tenants/{tid}/incidents", tag = "support", operation_id = "list_tenant_incidents",
    params(("tid" = String, Path, description = "Tenant id"), IncidentListQuery),
    responses((status = 200, description = "A page of incidents", body = IncidentPage)),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn tenant_incidents(
    state: web::Data<AppState>,
    caller: Caller,
    tid: web::Path<String>,
    query: web::Query<IncidentListQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::parse(query.limit, query.cursor.as_deref())?;
    let page = service::list(&state, &caller, Some(tid.into_inner()), query.status(), page).await?;
    Ok(HttpResponse::Ok().json(IncidentPage { items: page.items, next_cursor: page.next_cursor }))
}

/// Reads an incident concerning the tenant.
///
/// With its timeline; 404 for an incident that does not concern the tenant.
#[utoipa::path(get, path = "/v1/tenants/{tid}/incidents/{iid}", tag = "support", operation_id = "get_tenant_incident",
    params(("tid" = String, Path, description = "Tenant id"), ("iid" = String, Path, description = "Incident id")),
    responses((status = 200, description = "The incident", body = Incident)),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn tenant_incident(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (tenant_id, incident_id) = path.into_inner();
    Ok(HttpResponse::Ok().json(service::get(&state, &caller, Some(tenant_id), incident_id).await?))
}

/// The partner's customers and their service health, worst first.
///
/// Partner admins see every customer with a live relationship; agents and API clients those they act for.
#[utoipa::path(get, path = "/v1/partners/{pid}/service-health", tag = "partners", operation_id = "get_partner_service_health",
    params(("pid" = String, Path, description = "Partner id")),
    responses((status = 200, description = "The roll-up, worst first", body = PartnerServiceHealth)),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn partner_health(
    state: web::Data<AppState>,
    caller: Caller,
    pid: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let items = service::partner_health(&state, &caller, pid.into_inner().into()).await?;
    Ok(HttpResponse::Ok().json(PartnerServiceHealth { items }))
}
