//! Webhook endpoints of partners and tenants, and their delivery logs.

use actix_web::http::header;
use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use serde::Deserialize;
use tenantry_domain::webhook::EventType;
use utoipa::ToSchema;

use super::table::RouteTable;
use crate::app::state::AppState;
use crate::http::caller::Caller;
use crate::http::pagination::PageQuery;
use crate::http::problem::{ApiError, Problem};
use crate::http::validation::FieldCheck;
use crate::services::webhooks::{self as service, NewWebhook, OwnerId, WebhookChange, WebhookError};
use crate::views::webhook::{WebhookDeliveryPage, WebhookEndpoint, WebhookEndpointPage, WebhookEndpointWithSecret};

/// Partners' and tenants' endpoints are served by the same handlers, each documented once per
/// owner (the documentation differs: who may call, what events are about).
pub fn configure(table: &mut RouteTable) {
    table
        .add_as(__path_register_partner_webhook, register_webhook)
        .add_as(__path_list_partner_webhooks, list_webhooks)
        .add_as(__path_get_partner_webhook, get_webhook)
        .add_as(__path_change_partner_webhook, change_webhook)
        .add_as(__path_remove_partner_webhook, remove_webhook)
        .add_as(__path_partner_webhook_deliveries, webhook_deliveries)
        .add_as(__path_register_tenant_webhook, register_webhook)
        .add_as(__path_list_tenant_webhooks, list_webhooks)
        .add_as(__path_get_tenant_webhook, get_webhook)
        .add_as(__path_change_tenant_webhook, change_webhook)
        .add_as(__path_remove_tenant_webhook, remove_webhook)
        .add_as(__path_tenant_webhook_deliveries, webhook_deliveries);
}

impl From<WebhookError> for ApiError {
    fn from(error: WebhookError) -> Self {
        match error {
            WebhookError::Access(denied) => denied.into(),
            WebhookError::NotFound(missing) => missing.into(),
            WebhookError::Endpoint(refusal) => ApiError::invalid_field("url", refusal),
            WebhookError::Cap(reached) => ApiError::limit_reached(reached),
            WebhookError::Store(store) => store.into(),
        }
    }
}

/// An endpoint to send events to.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": "https://hooks.fabrikam.example/tenantry", "events": ["licence.assigned", "pool.low"], "pool_low_below": 5}))]
pub struct RegisterWebhookRequest {
    /// An `https://` address on the public internet.
    #[schema(min_length = 1, max_length = 2000)]
    pub url: String,
    /// Any of `subscription.provisioned`, `subscription.seats_changed`, `licence.assigned`,
    /// `licence.removed`, `pool.low`, `relationship.accepted`, `relationship.ended`,
    /// `service_request.updated`, `incident.published`, `domain.verified`.
    #[schema(min_items = 1, max_items = 10)]
    pub events: Vec<String>,
    /// `pool.low` fires when a pool's free seats fall below this (default 5).
    #[serde(default, deserialize_with = "crate::http::validation::optional_whole_number")]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 10000)]
    pub pool_low_below: Option<i64>,
}

/// A change to an endpoint; what is left out stays as it is. The address and the secret never
/// change here: register a new endpoint for another address or secret.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"events": ["licence.assigned"], "pool_low_below": 3, "enabled": true}))]
pub struct ChangeWebhookRequest {
    /// The events to send, as when registering.
    #[schema(min_items = 1, max_items = 10)]
    pub events: Option<Vec<String>>,
    #[serde(default, deserialize_with = "crate::http::validation::optional_whole_number")]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 10000)]
    pub pool_low_below: Option<i64>,
    /// `false` switches it off; `true` on again, its failures forgotten.
    pub enabled: Option<bool>,
}

/// The events named, each once and known.
fn events_of(check: &mut FieldCheck, named: &[String]) -> Vec<EventType> {
    let mut events: Vec<EventType> = Vec::new();
    for (n, raw) in named.iter().enumerate() {
        match raw.parse::<EventType>() {
            Ok(event) if !events.contains(&event) => events.push(event),
            Ok(_) => check.fail(&format!("events[{n}]"), "repeats an event named before it"),
            Err(e) => check.fail(&format!("events[{n}]"), e),
        }
    }
    if named.is_empty() {
        check.fail("events", "name at least one event");
    }
    events
}

fn threshold(check: &mut FieldCheck, raw: i64) -> Option<i32> {
    let below = i32::try_from(raw).ok().filter(|below| (1..=10_000).contains(below));
    if below.is_none() {
        check.fail("pool_low_below", "between 1 and 10000");
    }
    below
}

fn parse_change(body: ChangeWebhookRequest) -> Result<WebhookChange, ApiError> {
    let mut check = FieldCheck::default();
    let events = body.events.as_deref().map(|named| events_of(&mut check, named));
    let pool_low_below = body.pool_low_below.map(|raw| threshold(&mut check, raw));
    check.finish(|| {
        Some(WebhookChange {
            events,
            pool_low_below: match pool_low_below {
                Some(below) => Some(below?),
                None => None,
            },
            enabled: body.enabled,
        })
    })
}

fn parse(body: RegisterWebhookRequest) -> Result<NewWebhook, ApiError> {
    let mut check = FieldCheck::default();
    if body.url.chars().count() > 2000 || body.url.trim().is_empty() {
        check.fail("url", "an https:// address of at most 2000 characters");
    }
    let events = events_of(&mut check, &body.events);
    let pool_low_below = threshold(&mut check, body.pool_low_below.unwrap_or(5));
    check.finish(|| Some(NewWebhook { url: body.url.trim().to_owned(), events, pool_low_below: pool_low_below? }))
}

/// Whose endpoints a request is about: the partner or the tenant its path names.
pub struct Owner(OwnerId);

impl Owner {
    /// Where the owner's endpoints are listed.
    fn webhooks_path(&self) -> String {
        match &self.0 {
            OwnerId::Partner(pid) => format!("/v1/partners/{pid}/webhooks"),
            OwnerId::Tenant(tid) => format!("/v1/tenants/{tid}/webhooks"),
        }
    }
}

/// The owner's id as the path names it, decoded as every other path parameter is.
#[derive(Deserialize)]
struct OwnerPath {
    pid: Option<String>,
    tid: Option<String>,
}

impl FromRequest for Owner {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let path = web::Path::<OwnerPath>::from_request(req, payload).into_inner();
        ready(match path.map(web::Path::into_inner) {
            Ok(OwnerPath { pid: Some(pid), .. }) => Ok(Owner(OwnerId::Partner(pid))),
            Ok(OwnerPath { pid: None, tid: Some(tid) }) => Ok(Owner(OwnerId::Tenant(tid))),
            Ok(OwnerPath { pid: None, tid: None }) => {
                Err(ApiError::internal("a webhook route names neither a partner nor a tenant"))
            }
            Err(error) => Err(ApiError::internal(format!("a webhook route's path: {error}"))),
        })
    }
}

fn created(location: String, endpoint: WebhookEndpointWithSecret) -> HttpResponse {
    HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .insert_header(header::CacheControl(vec![header::CacheDirective::NoStore]))
        .json(endpoint)
}

// The operations, documented for each owner; `configure` serves them with the shared handlers
// at the end of this file.

/// Registers a webhook endpoint for the partner's integrations (partner admins); its secret is in this response only.
///
/// Events about the partner's customers are sent signed (Standard Webhooks), retried with back-off, and logged; an endpoint failing for three days is disabled and the partner's admins told.
#[utoipa::path(post, path = "/v1/partners/{pid}/webhooks", tag = "partners", operation_id = "register_partner_webhook",
    params(("pid" = String, Path, description = "Partner id")),
    request_body = RegisterWebhookRequest,
    responses(
        (status = 201, description = "Registered; store the secret now", body = WebhookEndpointWithSecret,
            headers(("Location" = String, description = "The endpoint"))),
        (status = 409, description = "The owner has 10 endpoints already (`limit_reached`): every event goes to each; remove one first",
            body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not https, a private or loopback address, or an unknown or repeated event (`validation_failed`)",
            body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub fn register_partner_webhook() {}

/// Lists the partner's webhook endpoints (partner admins).
///
/// Secrets are never shown again.
#[utoipa::path(get, path = "/v1/partners/{pid}/webhooks", tag = "partners", operation_id = "list_partner_webhooks",
    params(("pid" = String, Path, description = "Partner id"), PageQuery),
    responses((status = 200, description = "A page of endpoints", body = WebhookEndpointPage)),
    security(("bearer" = []), ("oauth2" = [])))]
pub fn list_partner_webhooks() {}

/// Reads one of the partner's webhook endpoints, without its secret (partner admins).
///
/// Its events, threshold and state, as listed; the secret was shown once, at registration.
#[utoipa::path(get, path = "/v1/partners/{pid}/webhooks/{whid}", tag = "partners", operation_id = "get_partner_webhook",
    params(("pid" = String, Path, description = "Partner id"), ("whid" = String, Path, description = "Endpoint id")),
    responses((status = 200, description = "The endpoint", body = WebhookEndpoint)),
    security(("bearer" = []), ("oauth2" = [])))]
pub fn get_partner_webhook() {}

/// Changes one of the partner's webhook endpoints: its events, its `pool.low` threshold, on or off (partner admins).
///
/// What is left out stays as it is; the address and the secret never change here, so receivers keep verifying with the secret they have. Switching an endpoint on again (`enabled: true`) forgets its failures.
#[utoipa::path(patch, path = "/v1/partners/{pid}/webhooks/{whid}", tag = "partners", operation_id = "change_partner_webhook",
    params(("pid" = String, Path, description = "Partner id"), ("whid" = String, Path, description = "Endpoint id")),
    request_body = ChangeWebhookRequest,
    responses(
        (status = 200, description = "The endpoint as it now is", body = WebhookEndpoint),
        (status = 422, description = "An unknown or repeated event, or a threshold out of range (`validation_failed`)",
            body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub fn change_partner_webhook() {}

/// Removes one of the partner's webhook endpoints and its delivery log (partner admins).
///
/// Events not yet delivered to it are dropped.
#[utoipa::path(delete, path = "/v1/partners/{pid}/webhooks/{whid}", tag = "partners", operation_id = "remove_partner_webhook",
    params(("pid" = String, Path, description = "Partner id"), ("whid" = String, Path, description = "Endpoint id")),
    responses((status = 204, description = "Removed")),
    security(("bearer" = []), ("oauth2" = [])))]
pub fn remove_partner_webhook() {}

/// The delivery log of one of the partner's endpoints, newest first (partner admins).
///
/// Each delivery shows its attempts, the receiver's last status and why it failed.
#[utoipa::path(get, path = "/v1/partners/{pid}/webhooks/{whid}/deliveries", tag = "partners", operation_id = "partner_webhook_deliveries",
    params(("pid" = String, Path, description = "Partner id"), ("whid" = String, Path, description = "Endpoint id"), PageQuery),
    responses((status = 200, description = "A page of deliveries", body = WebhookDeliveryPage)),
    security(("bearer" = []), ("oauth2" = [])))]
pub fn partner_webhook_deliveries() {}

/// Registers a webhook endpoint for the tenant's integrations (global admins); its secret is in this response only.
///
/// Events about the tenant are sent signed (Standard Webhooks), retried with back-off, and logged; an endpoint failing for three days is disabled and the global admins told.
#[utoipa::path(post, path = "/v1/tenants/{tid}/webhooks", tag = "tenants", operation_id = "register_tenant_webhook",
    params(("tid" = String, Path, description = "Tenant id")),
    request_body = RegisterWebhookRequest,
    responses(
        (status = 201, description = "Registered; store the secret now", body = WebhookEndpointWithSecret,
            headers(("Location" = String, description = "The endpoint"))),
        (status = 409, description = "The owner has 10 endpoints already (`limit_reached`): every event goes to each; remove one first",
            body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not https, a private or loopback address, or an unknown or repeated event (`validation_failed`)",
            body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub fn register_tenant_webhook() {}

/// Lists the tenant's webhook endpoints (global admins).
///
/// Secrets are never shown again.
#[utoipa::path(get, path = "/v1/tenants/{tid}/webhooks", tag = "tenants", operation_id = "list_tenant_webhooks",
    params(("tid" = String, Path, description = "Tenant id"), PageQuery),
    responses((status = 200, description = "A page of endpoints", body = WebhookEndpointPage)),
    security(("bearer" = []), ("oauth2" = [])))]
pub fn list_tenant_webhooks() {}

/// Reads one of the tenant's webhook endpoints, without its secret (global admins).
///
/// Its events, threshold and state, as listed; the secret was shown once, at registration.
#[utoipa::path(get, path = "/v1/tenants/{tid}/webhooks/{whid}", tag = "tenants", operation_id = "get_tenant_webhook",
    params(("tid" = String, Path, description = "Tenant id"), ("whid" = String, Path, description = "Endpoint id")),
    responses((status = 200, description = "The endpoint", body = WebhookEndpoint)),
    security(("bearer" = []), ("oauth2" = [])))]
pub fn get_tenant_webhook() {}

/// Changes one of the tenant's webhook endpoints: its events, its `pool.low` threshold, on or off (global admins).
///
/// What is left out stays as it is; the address and the secret never change here, so receivers keep verifying with the secret they have. Switching an endpoint on again (`enabled: true`) forgets its failures.
#[utoipa::path(patch, path = "/v1/tenants/{tid}/webhooks/{whid}", tag = "tenants", operation_id = "change_tenant_webhook",
    params(("tid" = String, Path, description = "Tenant id"), ("whid" = String, Path, description = "Endpoint id")),
    request_body = ChangeWebhookRequest,
    responses(
        (status = 200, description = "The endpoint as it now is", body = WebhookEndpoint),
        (status = 422, description = "An unknown or repeated event, or a threshold out of range (`validation_failed`)",
            body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub fn change_tenant_webhook() {}

/// Removes one of the tenant's webhook endpoints and its delivery log (global admins).
///
/// Events not yet delivered to it are dropped.
#[utoipa::path(delete, path = "/v1/tenants/{tid}/webhooks/{whid}", tag = "tenants", operation_id = "remove_tenant_webhook",
    params(("tid" = String, Path, description = "Tenant id"), ("whid" = String, Path, description = "Endpoint id")),
    responses((status = 204, description = "Removed")),
    security(("bearer" = []), ("oauth2" = [])))]
pub fn remove_tenant_webhook() {}

/// The delivery log of one of the tenant's endpoints, newest first (global admins).
///
/// Each delivery shows its attempts, the receiver's last status and why it failed.
#[utoipa::path(get, path = "/v1/tenants/{tid}/webhooks/{whid}/deliveries", tag = "tenants", operation_id = "tenant_webhook_deliveries",
    params(("tid" = String, Path, description = "Tenant id"), ("whid" = String, Path, description = "Endpoint id"), PageQuery),
    responses((status = 200, description = "A page of deliveries", body = WebhookDeliveryPage)),
    security(("bearer" = []), ("oauth2" = [])))]
pub fn tenant_webhook_deliveries() {}

// The handlers, for both owners; the operations above document them.

pub async fn register_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    owner: Owner,
    body: web::Json<RegisterWebhookRequest>,
) -> Result<HttpResponse, ApiError> {
    let input = parse(body.into_inner())?;
    let listed_at = owner.webhooks_path();
    let endpoint = service::register(&state, &caller, owner.0, input).await?;
    Ok(created(format!("{listed_at}/{}", endpoint.endpoint.id), endpoint))
}

pub async fn list_webhooks(
    state: web::Data<AppState>,
    caller: Caller,
    owner: Owner,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = service::list(&state, &caller, owner.0, query.page()?).await?;
    Ok(HttpResponse::Ok().json(WebhookEndpointPage::from(page)))
}

pub async fn remove_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    owner: Owner,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (_, whid) = path.into_inner();
    service::remove(&state, &caller, owner.0, whid).await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn webhook_deliveries(
    state: web::Data<AppState>,
    caller: Caller,
    owner: Owner,
    path: web::Path<(String, String)>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let (_, whid) = path.into_inner();
    let page = service::deliveries(&state, &caller, owner.0, whid, query.page()?).await?;
    Ok(HttpResponse::Ok().json(WebhookDeliveryPage::from(page)))
}

pub async fn get_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    owner: Owner,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (_, whid) = path.into_inner();
    Ok(HttpResponse::Ok().json(service::get(&state, &caller, owner.0, whid).await?))
}

pub async fn change_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    owner: Owner,
    path: web::Path<(String, String)>,
    body: web::Json<ChangeWebhookRequest>,
) -> Result<HttpResponse, ApiError> {
    let change = parse_change(body.into_inner())?;
    let (_, whid) = path.into_inner();
    Ok(HttpResponse::Ok().json(service::change(&state, &caller, owner.0, whid, change).await?))
}
