//! Partner API clients: registered, rotated and disabled by partner admins.

use actix_web::http::header;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::app::state::AppState;
use crate::http::caller::Caller;
use crate::http::pagination::PageQuery;
use crate::http::problem::{ApiError, ErrorCode, Problem};
use crate::http::validation::{whole_number, FieldCheck};
use crate::routes::table::RouteTable;
use crate::services::partners::api_clients::{self as service, MAX_OVERLAP_SECONDS};
use crate::views::partner::{ApiClient, ApiClientPage, ApiClientWithSecret};
use tenantry_domain::user::DisplayName;

pub fn configure(table: &mut RouteTable) {
    table
        .add(__path_list_clients, list_clients)
        .add(__path_create_client, create_client)
        .add(__path_get_client, get_client)
        .add(__path_rotate_secret, rotate_secret)
        .add(__path_disable_client, disable_client);
}

/// A new API client.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Billing sync"}))]
pub struct CreateClientRequest {
    /// What the integration is, for people reading the audit log.
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
}

/// How the old secret retires.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"overlap_seconds": 3600}))]
pub struct RotateSecretRequest {
    /// How long the previous secret keeps working, at most 604800 (7 days); 0 (the default): it stops at once.
    #[serde(default, deserialize_with = "whole_number")]
    #[schema(value_type = i64, minimum = 0, maximum = 604800)]
    pub overlap_seconds: i64,
}

/// Registers an API client (partner admins); its secret is in this response only.
///
/// The client signs in with `POST /v1/auth/token`, `grant_type=client_credentials`, and acts for the
/// customers it is given access to (`PUT /v1/partners/{pid}/api-clients/{cid}/access`).
#[utoipa::path(post, path = "/v1/partners/{pid}/api-clients", tag = "partners", operation_id = "create_api_client",
    params(("pid" = String, Path, description = "Partner id")),
    request_body = CreateClientRequest,
    responses(
        (status = 201, description = "Created; store the secret now", body = ApiClientWithSecret,
            headers(("Location" = String, description = "The new client"))),
        (status = 403, description = "Not a partner admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The partner has 25 enabled API clients (`limit_reached`): disable one first",
            body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn create_client(
    state: web::Data<AppState>,
    caller: Caller,
    pid: web::Path<String>,
    body: web::Json<CreateClientRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut check = FieldCheck::default();
    let name = check.check("name", DisplayName::parse(&body.name));
    let name = check.finish(|| name)?;
    let partner_id = pid.into_inner();
    let created = service::create(&state, &caller, partner_id.clone().into(), name.as_str().to_owned()).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/v1/partners/{partner_id}/api-clients/{}", created.client.id)))
        .insert_header(header::CacheControl(vec![header::CacheDirective::NoStore]))
        .json(created))
}

/// Lists the partner's API clients (partner admins).
///
/// Secrets are never shown again after creation or rotation.
#[utoipa::path(get, path = "/v1/partners/{pid}/api-clients", tag = "partners", operation_id = "list_api_clients",
    params(("pid" = String, Path, description = "Partner id"), PageQuery),
    responses((status = 200, description = "A page of API clients", body = ApiClientPage)),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn list_clients(
    state: web::Data<AppState>,
    caller: Caller,
    pid: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = service::list(&state, &caller, pid.into_inner().into(), query.page()?).await?;
    Ok(HttpResponse::Ok().json(ApiClientPage::from(page)))
}

/// Reads one of the partner's API clients (partner admins).
///
/// Never its secret.
#[utoipa::path(get, path = "/v1/partners/{pid}/api-clients/{cid}", tag = "partners", operation_id = "get_api_client",
    params(("pid" = String, Path, description = "Partner id"), ("cid" = String, Path, description = "API client id")),
    responses((status = 200, description = "The client", body = ApiClient)),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn get_client(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (partner_id, client_id) = path.into_inner();
    Ok(HttpResponse::Ok().json(service::get(&state, &caller, partner_id.into(), client_id).await?))
}

/// Gives an API client a new secret, shown in this response only (partner admins).
///
/// The previous secret stops at once, or after `overlap_seconds` so a deployment can switch without downtime.
#[utoipa::path(post, path = "/v1/partners/{pid}/api-clients/{cid}/rotate-secret", tag = "partners", operation_id = "rotate_api_client_secret",
    params(("pid" = String, Path, description = "Partner id"), ("cid" = String, Path, description = "API client id")),
    request_body(content = Option<RotateSecretRequest>, description = "Optional: without a body the previous secret stops at once"),
    responses(
        (status = 200, description = "The new secret; store it now", body = ApiClientWithSecret),
        (status = 409, description = "The client is disabled (`api_client_disabled`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn rotate_secret(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let body = optional_json_body::<RotateSecretRequest>(&req, &body)?;
    let overlap = u32::try_from(body.overlap_seconds).ok().filter(|seconds| *seconds <= MAX_OVERLAP_SECONDS);
    let Some(overlap_seconds) = overlap else {
        return Err(ApiError::invalid_field(
            "overlap_seconds",
            format!("an overlap is 0 to {MAX_OVERLAP_SECONDS} seconds (7 days)"),
        ));
    };
    let (partner_id, client_id) = path.into_inner();
    let rotated = service::rotate_secret(&state, &caller, partner_id.into(), client_id, overlap_seconds).await?;
    Ok(HttpResponse::Ok().insert_header(header::CacheControl(vec![header::CacheDirective::NoStore])).json(rotated))
}

/// Disables an API client (partner admins).
///
/// Its secrets and its tokens stop working at once. Disabling twice changes nothing.
#[utoipa::path(post, path = "/v1/partners/{pid}/api-clients/{cid}/disable", tag = "partners", operation_id = "disable_api_client",
    params(("pid" = String, Path, description = "Partner id"), ("cid" = String, Path, description = "API client id")),
    responses((status = 200, description = "Disabled", body = ApiClient)),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn disable_client(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (partner_id, client_id) = path.into_inner();
    Ok(HttpResponse::Ok().json(service::disable(&state, &caller, partner_id.into(), client_id).await?))
}

/// A body that may be left out (then the defaults apply), but when sent must be valid JSON of the
/// documented shape: a malformed one is refused, never read as "no body".
fn optional_json_body<T: serde::de::DeserializeOwned + Default>(req: &HttpRequest, body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    if req.content_type() != "application/json" {
        return Err(ApiError::new(ErrorCode::UnsupportedMediaType, "send the body as application/json"));
    }
    // `null` is the body left out, as the optional schema allows.
    let body: Option<T> = serde_json::from_slice(body)
        .map_err(|e| ApiError::new(ErrorCode::MalformedBody, format!("the body is not valid: {e}")))?;
    Ok(body.unwrap_or_default())
}
