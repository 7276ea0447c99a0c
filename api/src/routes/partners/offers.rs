//! Delegated-admin offers, created and revoked by partner admins.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use tenantry_domain::relationship::OfferDuration;
use utoipa::ToSchema;

use crate::app::state::AppState;
use crate::http::caller::Caller;
use crate::http::pagination::PageQuery;
use crate::http::problem::{ApiError, Problem};
use crate::http::validation::{optional_whole_number, FieldCheck};
use crate::routes::table::RouteTable;
use crate::services::partners::offers as service;
use crate::views::partner::{Access, AdminOffer, AdminOfferPage};

pub fn configure(table: &mut RouteTable) {
    table
        .add(__path_list_offers, list_offers)
        .add(__path_create_offer, create_offer)
        .add(__path_get_offer, get_offer)
        .add(__path_revoke_offer, revoke_offer);
}

/// A reusable offer of delegated administration.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"access": "limited", "duration_days": 365}))]
pub struct CreateOfferRequest {
    /// `full`: the customer's global administrator rights; `limited`: password administrator rights.
    pub access: Access,
    /// How long a relationship from this offer lasts, 1 to 730 days; omit for no end date.
    #[serde(default, deserialize_with = "optional_whole_number")]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 730)]
    pub duration_days: Option<i64>,
}

/// Creates a delegated-admin offer (partner admins).
///
/// The offer is not tied to a customer: send its `url` to any number of them. A customer's global
/// admin accepts it with `POST /v1/tenants/{tid}/admin-offers/{token}/accept`.
#[utoipa::path(post, path = "/v1/partners/{pid}/admin-offers", tag = "partners", operation_id = "create_admin_offer",
    params(("pid" = String, Path, description = "Partner id")),
    request_body = CreateOfferRequest,
    responses(
        (status = 201, description = "Created", body = AdminOffer, headers(("Location" = String, description = "The new offer"))),
        (status = 403, description = "Not a partner admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The partner has 100 offers not revoked (`limit_reached`): revoke one first; relationships made from it stay",
            body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A duration outside 1 to 730 days", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn create_offer(
    state: web::Data<AppState>,
    caller: Caller,
    pid: web::Path<String>,
    body: web::Json<CreateOfferRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut check = FieldCheck::default();
    let duration = match body.duration_days {
        None => Some(None),
        Some(days) => check.check("duration_days", OfferDuration::from_days(days)).map(Some),
    };
    let duration = check.finish(|| duration)?;
    let partner_id = pid.into_inner();
    let offer = service::create(&state, &caller, partner_id.clone().into(), body.access.into(), duration).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/v1/partners/{partner_id}/admin-offers/{}", offer.id)))
        .json(offer))
}

/// Lists the partner's offers (partner admins).
///
/// Revoked ones included, with `revoked_at`; in order of creation.
#[utoipa::path(get, path = "/v1/partners/{pid}/admin-offers", tag = "partners", operation_id = "list_admin_offers",
    params(("pid" = String, Path, description = "Partner id"), PageQuery),
    responses((status = 200, description = "A page of offers", body = AdminOfferPage)),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn list_offers(
    state: web::Data<AppState>,
    caller: Caller,
    pid: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = service::list(&state, &caller, pid.into_inner().into(), query.page()?).await?;
    Ok(HttpResponse::Ok().json(AdminOfferPage::from(page)))
}

/// Reads one of the partner's offers (partner admins).
///
/// With its token and URL, to send again.
#[utoipa::path(get, path = "/v1/partners/{pid}/admin-offers/{oid}", tag = "partners", operation_id = "get_admin_offer",
    params(("pid" = String, Path, description = "Partner id"), ("oid" = String, Path, description = "Offer id")),
    responses((status = 200, description = "The offer", body = AdminOffer)),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn get_offer(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (partner_id, offer_id) = path.into_inner();
    Ok(HttpResponse::Ok().json(service::get(&state, &caller, partner_id.into(), offer_id).await?))
}

/// Revokes an offer (partner admins): it can no longer be accepted.
///
/// Relationships already made from it stay. Revoking twice changes nothing.
#[utoipa::path(delete, path = "/v1/partners/{pid}/admin-offers/{oid}", tag = "partners", operation_id = "revoke_admin_offer",
    params(("pid" = String, Path, description = "Partner id"), ("oid" = String, Path, description = "Offer id")),
    responses((status = 204, description = "Revoked")),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn revoke_offer(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (partner_id, offer_id) = path.into_inner();
    service::revoke(&state, &caller, partner_id.into(), offer_id).await?;
    Ok(HttpResponse::NoContent().finish())
}
