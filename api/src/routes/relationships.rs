//! The customer's side of delegated administration: accepting an offer, the relationships, and
//! ending one.

use actix_web::http::header;
use actix_web::{web, HttpResponse};

use super::table::RouteTable;
use crate::app::state::AppState;
use crate::http::caller::Caller;
use crate::http::pagination::PageQuery;
use crate::http::problem::{ApiError, Problem};
use crate::services::partners::relationships as service;
use crate::services::partners::{left_behind, offers};
use crate::views::left_behind::LeftBehind;
use crate::views::partner::{OfferPreview, PartnerRelationship, PartnerRelationshipPage};

pub fn configure(table: &mut RouteTable) {
    table
        .add(__path_preview_offer, preview_offer)
        .add(__path_accept_offer, accept_offer)
        .add(__path_list_relationships, list_relationships)
        .add(__path_terminate_relationship, terminate_relationship)
        .add(__path_list_left_behind, list_left_behind)
        .add(__path_disable_left_behind, disable_left_behind);
}

/// What the partner created through the relationship (the customer's global admins only).
///
/// The accounts the partner created and the roles it granted that are still held, with whether each account is still enabled. The customer's global admins are sent this list when the relationship ends, whoever ends it.
#[utoipa::path(get, path = "/v1/tenants/{tid}/partner-relationships/{rid}/left-behind", tag = "partners", operation_id = "list_left_behind",
    params(("tid" = String, Path, description = "Tenant id"), ("rid" = String, Path, description = "Relationship id")),
    responses(
        (status = 200, description = "What the partner left", body = LeftBehind),
        (status = 403, description = "Not a global admin of the tenant", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such relationship in this tenant", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn list_left_behind(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (tenant_id, relationship_id) = path.into_inner();
    Ok(HttpResponse::Ok().json(left_behind::list(&state, &caller, tenant_id.into(), relationship_id).await?))
}

/// Disables everything the partner created through the relationship, in one call (the customer's global admins only).
///
/// Every account the partner created is disabled (no sign-in; its tokens stop working at once) and every role it granted to people it did not create is taken back, in one transaction, each audited. Calling it again changes nothing. Works whether or not the relationship has ended.
#[utoipa::path(post, path = "/v1/tenants/{tid}/partner-relationships/{rid}/left-behind/disable", tag = "partners", operation_id = "disable_left_behind",
    params(("tid" = String, Path, description = "Tenant id"), ("rid" = String, Path, description = "Relationship id")),
    responses(
        (status = 200, description = "Disabled: the list as it now stands", body = LeftBehind),
        (status = 403, description = "Not a global admin of the tenant", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such relationship in this tenant", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "An account the partner created is now the tenant's last global admin (`last_global_admin`): nothing was changed",
            body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "One of these people changed meanwhile (`precondition_failed`): nothing was changed; call again",
            body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn disable_left_behind(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (tenant_id, relationship_id) = path.into_inner();
    Ok(HttpResponse::Ok().json(left_behind::disable(&state, &caller, tenant_id.into(), relationship_id).await?))
}

/// What accepting an offer would give (the customer's global admins only).
///
/// The partner, the access it asks for and how long it would last, to read before accepting.
#[utoipa::path(get, path = "/v1/tenants/{tid}/admin-offers/{token}", tag = "partners", operation_id = "preview_admin_offer",
    params(("tid" = String, Path, description = "Tenant id"), ("token" = String, Path, description = "The offer's token, from its URL")),
    responses(
        (status = 200, description = "The offer as the customer sees it", body = OfferPreview),
        (status = 403, description = "Not a global admin of the tenant", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn preview_offer(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (tenant_id, token) = path.into_inner();
    Ok(HttpResponse::Ok().json(offers::preview(&state, &caller, tenant_id.into(), token).await?))
}

/// Accepts a partner's delegated-admin offer (the customer's global admins only).
///
/// Creates an active relationship: the partner may then act for the tenant with the offer's access, until its end
/// date or until either side ends it. The partner's admins are told. Accepting an offer whose relationship is still
/// live answers 200 with that relationship and changes nothing.
#[utoipa::path(post, path = "/v1/tenants/{tid}/admin-offers/{token}/accept", tag = "partners", operation_id = "accept_admin_offer",
    params(("tid" = String, Path, description = "Tenant id"), ("token" = String, Path, description = "The offer's token, from its URL")),
    responses(
        (status = 201, description = "Accepted: a new relationship", body = PartnerRelationship,
            headers(("Location" = String, description = "The tenant's relationships"))),
        (status = 200, description = "Already accepted: the live relationship", body = PartnerRelationship),
        (status = 403, description = "Not a global admin of the tenant", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The offer was revoked (`admin_offer_revoked`), or the partner already has another live relationship with the tenant (`partner_relationship_exists`)",
            body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn accept_offer(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (tenant_id, token) = path.into_inner();
    let accepted = service::accept(&state, &caller, tenant_id.clone().into(), token).await?;
    if !accepted.created {
        return Ok(HttpResponse::Ok().json(accepted.relationship));
    }
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/v1/tenants/{tenant_id}/partner-relationships")))
        .json(accepted.relationship))
}

/// Lists the tenant's relationships with partners, ended ones included.
///
/// A partner acting for the tenant sees its own relationships only.
#[utoipa::path(get, path = "/v1/tenants/{tid}/partner-relationships", tag = "partners", operation_id = "list_partner_relationships",
    params(("tid" = String, Path, description = "Tenant id"), PageQuery),
    responses((status = 200, description = "A page of relationships", body = PartnerRelationshipPage)),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn list_relationships(
    state: web::Data<AppState>,
    caller: Caller,
    tid: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = service::list(&state, &caller, tid.into_inner().into(), query.page()?).await?;
    Ok(HttpResponse::Ok().json(PartnerRelationshipPage::from(page)))
}

/// Ends a relationship: the customer's global admins, or the partner's admins.
///
/// The partner can no longer act for the tenant from the next request; the other side is told, and the customer's
/// global admins are sent the accounts and roles the partner created through it (see `.../left-behind`), and a
/// customer's answer lists them in `left_behind`. Ending one that is already over changes nothing.
#[utoipa::path(post, path = "/v1/tenants/{tid}/partner-relationships/{rid}/terminate", tag = "partners", operation_id = "terminate_partner_relationship",
    params(("tid" = String, Path, description = "Tenant id"), ("rid" = String, Path, description = "Relationship id")),
    responses(
        (status = 200, description = "Ended", body = PartnerRelationship),
        (status = 403, description = "Neither a global admin of the tenant nor an admin of the partner", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn terminate_relationship(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (tenant_id, relationship_id) = path.into_inner();
    Ok(HttpResponse::Ok().json(service::terminate(&state, &caller, tenant_id.into(), relationship_id).await?))
}
