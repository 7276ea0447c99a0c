//! A partner's domains: proved with a TXT record so that its people may sign in at them.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use tenantry_domain::DomainName;

use super::super::domains::{domain_in_path, AddDomainRequest};
use crate::app::state::AppState;
use crate::http::caller::Caller;
use crate::http::problem::{ApiError, Problem};
use crate::http::validation::FieldCheck;
use crate::routes::table::RouteTable;
use crate::services::partners::domains as service;
use crate::views::partner_domain::{PartnerDomain, PartnerDomains};

pub fn configure(table: &mut RouteTable) {
    table
        .add(__path_list_partner_domains, list_partner_domains)
        .add(__path_add_partner_domain, add_partner_domain)
        .add(__path_remove_partner_domain, remove_partner_domain)
        .add(__path_verify_partner_domain, verify_partner_domain);
}

/// Where the partner's people may sign in: its platform domain, and the domains it added.
///
/// The platform domain (`<slug>.partners.<platform domain>`) needs no proof. Other domains need the TXT record proved (`POST .../verify`) before the partner's admins can give anyone an address there; until then only the platform operator, setting the partner up, may.
#[utoipa::path(get, path = "/v1/partners/{pid}/domains", tag = "partners", operation_id = "list_partner_domains",
    params(("pid" = String, Path, description = "Partner id")),
    responses((status = 200, description = "The platform domain and the added domains", body = PartnerDomains)),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn list_partner_domains(
    state: web::Data<AppState>,
    caller: Caller,
    pid: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(service::list(&state, &caller, pid.into_inner().into()).await?))
}

/// Adds a domain for the partner to prove (partner admins and operators).
///
/// The answer gives the TXT record to publish at the domain; then `POST .../verify`. A name under the platform's domain is refused.
#[utoipa::path(post, path = "/v1/partners/{pid}/domains", tag = "partners", operation_id = "add_partner_domain",
    params(("pid" = String, Path, description = "Partner id")),
    request_body = AddDomainRequest,
    responses(
        (status = 201, description = "Added; publish the TXT record in `verification`", body = PartnerDomain,
            headers(("Location" = String, description = "The partner's domains"))),
        (status = 409, description = "Already a domain of this partner (`domain_exists`), or the partner has 50 domains (`limit_reached`)",
            body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a domain name, or one under the platform's domain (`validation_failed`)",
            body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn add_partner_domain(
    state: web::Data<AppState>,
    caller: Caller,
    pid: web::Path<String>,
    body: web::Json<AddDomainRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut check = FieldCheck::default();
    let name = check.check("name", DomainName::parse(&body.name));
    let name = check.finish(|| name)?;
    let partner_id = pid.into_inner();
    let added = service::add(&state, &caller, partner_id.clone().into(), name).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/v1/partners/{partner_id}/domains")))
        .json(added))
}

/// Proves a partner domain by looking its TXT record up in DNS (partner admins and operators).
///
/// Proving one already proved answers it as it is. A domain a customer or another partner has proved stays theirs.
#[utoipa::path(post, path = "/v1/partners/{pid}/domains/{name}/verify", tag = "partners", operation_id = "verify_partner_domain",
    params(("pid" = String, Path, description = "Partner id"), ("name" = String, Path, description = "Domain name", example = "fabrikam.example")),
    responses(
        (status = 200, description = "Proved", body = PartnerDomain),
        (status = 409, description = "Proved by a customer or another partner (`domain_held_elsewhere`)",
            body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The TXT record is absent or carries another code (`verification_failed`); the problem's `expected` says what to publish",
            body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "The partner asked for 20 verifications within a minute (`rate_limited`)",
            body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 503, description = "DNS did not answer (`dns_unavailable`); retry later",
            body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn verify_partner_domain(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (partner_id, raw) = path.into_inner();
    let name = domain_in_path(&raw)?;
    Ok(HttpResponse::Ok().json(service::verify(&state, &caller, partner_id.into(), name).await?))
}

/// Removes a partner domain nobody of the partner signs in at (partner admins and operators).
///
/// Give the people signing in at it other addresses first. Its proof goes with it: adding it again needs a new TXT record.
#[utoipa::path(delete, path = "/v1/partners/{pid}/domains/{name}", tag = "partners", operation_id = "remove_partner_domain",
    params(("pid" = String, Path, description = "Partner id"), ("name" = String, Path, description = "Domain name", example = "fabrikam.example")),
    responses(
        (status = 204, description = "Removed"),
        (status = 409, description = "People of the partner sign in at it (`domain_in_use`)",
            body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn remove_partner_domain(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (partner_id, raw) = path.into_inner();
    let name = domain_in_path(&raw)?;
    service::remove(&state, &caller, partner_id.into(), name).await?;
    Ok(HttpResponse::NoContent().finish())
}
