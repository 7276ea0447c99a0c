//! A tenant's custom domains: add, verify against DNS, make default, remove, check DNS.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use tenantry_domain::custom_domain::DomainRefusal;
use tenantry_domain::DomainName;
use utoipa::ToSchema;

use super::table::RouteTable;
use crate::app::state::AppState;
use crate::http::caller::Caller;
use crate::http::pagination::PageQuery;
use crate::http::problem::{ApiError, ErrorCode, Problem};
use crate::http::validation::FieldCheck;
use crate::services::domains::{self as service, DomainError};
use crate::views::domain::{DnsCheck, Domain, DomainPage};

pub fn configure(table: &mut RouteTable) {
    table
        .add(__path_list_domains, list_domains)
        .add(__path_add_domain, add_domain)
        .add(__path_get_domain, get_domain)
        .add(__path_remove_domain, remove_domain)
        .add(__path_verify_domain, verify_domain)
        .add(__path_make_domain_default, make_domain_default)
        .add(__path_check_domain_dns, check_domain_dns);
}

impl From<DomainError> for ApiError {
    fn from(error: DomainError) -> Self {
        let detail = error.to_string();
        match error {
            DomainError::Access(denied) => denied.into(),
            DomainError::NotFound(missing) => missing.into(),
            DomainError::AlreadyAdded(_) => ApiError::new(ErrorCode::DomainExists, detail),
            DomainError::HeldElsewhere(_) | DomainError::GroupedBySignUps(_) => {
                ApiError::new(ErrorCode::DomainHeldElsewhere, detail)
            }
            DomainError::Refused(refusal) => match refusal {
                DomainRefusal::InUse { count, .. } => ApiError::new(ErrorCode::DomainInUse, detail)
                    .with_context(serde_json::json!({ "addresses_using_it": count })),
                DomainRefusal::Initial(_) | DomainRefusal::IsDefault(_) => {
                    ApiError::new(ErrorCode::DomainNotRemovable, detail)
                }
                DomainRefusal::NotVerified(_) => ApiError::new(ErrorCode::DomainNotVerified, detail),
                DomainRefusal::AlreadyVerified(_) => ApiError::new(ErrorCode::DomainAlreadyVerified, detail),
            },
            DomainError::PlatformOwned(refusal) => ApiError::invalid_field("name", refusal),
            DomainError::NotProven { expected, published, .. } => ApiError::new(ErrorCode::VerificationFailed, detail)
                .with_context(serde_json::json!({ "expected": expected, "published": published })),
            DomainError::DnsUnavailable { .. } => ApiError::dns_unavailable(detail),
            DomainError::Cap(reached) => ApiError::limit_reached(reached),
            DomainError::Rate(reached) => ApiError::rate_limited(reached),
            DomainError::Store(store) => store.into(),
        }
    }
}

/// A domain the tenant owns and wants to use.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "contoso.fr"}))]
pub struct AddDomainRequest {
    /// A domain name; internationalised names are accepted and stored in their ASCII form.
    #[schema(min_length = 1, max_length = 253)]
    pub name: String,
}

/// A domain name from the path. One that is not a domain name is no domain of the tenant: 404,
/// with what is wrong with it.
pub fn domain_in_path(raw: &str) -> Result<DomainName, ApiError> {
    DomainName::parse(raw).map_err(|e| {
        ApiError::new(ErrorCode::NotFound, format!("domain not found: `{raw}` is not a domain name ({e})"))
    })
}

/// Adds a custom domain to the tenant, unverified (cloud managers, global admins, full partners).
///
/// The answer gives the TXT record to publish at the domain; then `POST .../verify`. The platform's own domain and the names under it (where initial domains are given) are refused with 422.
#[utoipa::path(post, path = "/v1/tenants/{tid}/domains", tag = "domains", operation_id = "add_domain",
    params(("tid" = String, Path, description = "Tenant id")),
    request_body = AddDomainRequest,
    responses(
        (status = 201, description = "Added; publish the TXT record in `verification`", body = Domain,
            headers(("Location" = String, description = "The new domain"))),
        (status = 409, description = "Already a domain of this tenant (`domain_exists`), verified by another tenant or grouping people who signed up (`domain_held_elsewhere`), or the tenant has 250 custom domains (`limit_reached`)",
            body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn add_domain(
    state: web::Data<AppState>,
    caller: Caller,
    tid: web::Path<String>,
    body: web::Json<AddDomainRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut check = FieldCheck::default();
    let name = check.check("name", DomainName::parse(&body.name));
    let name = check.finish(|| name)?;
    let tenant_id = tid.into_inner();
    let added = service::add(&state, &caller, tenant_id.clone().into(), name).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/v1/tenants/{tenant_id}/domains/{}", added.name)))
        .json(added))
}

/// Lists the tenant's domains, the initial one included, by name.
///
/// Each shows whether it is verified and the default, and, until verified, the TXT record to publish.
#[utoipa::path(get, path = "/v1/tenants/{tid}/domains", tag = "domains", operation_id = "list_domains",
    params(("tid" = String, Path, description = "Tenant id"), PageQuery),
    responses((status = 200, description = "A page of domains", body = DomainPage)),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn list_domains(
    state: web::Data<AppState>,
    caller: Caller,
    tid: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = service::list(&state, &caller, tid.into_inner().into(), query.page()?).await?;
    Ok(HttpResponse::Ok().json(DomainPage::from(page)))
}

/// Reads one of the tenant's domains.
///
/// The name may be given in Unicode or ASCII form.
#[utoipa::path(get, path = "/v1/tenants/{tid}/domains/{name}", tag = "domains", operation_id = "get_domain",
    params(("tid" = String, Path, description = "Tenant id"), ("name" = String, Path, description = "Domain name", example = "contoso.fr")),
    responses((status = 200, description = "The domain", body = Domain)),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn get_domain(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (tenant_id, name) = path.into_inner();
    let name = domain_in_path(&name)?;
    Ok(HttpResponse::Ok().json(service::get(&state, &caller, tenant_id.into(), name).await?))
}

/// Removes a domain from the tenant.
///
/// Refused for the initial and the default domain, and while anyone's sign-in address uses it.
#[utoipa::path(delete, path = "/v1/tenants/{tid}/domains/{name}", tag = "domains", operation_id = "remove_domain",
    params(("tid" = String, Path, description = "Tenant id"), ("name" = String, Path, description = "Domain name", example = "contoso.fr")),
    responses(
        (status = 204, description = "Removed"),
        (status = 409, description = "Initial or default domain (`domain_not_removable`), or used by sign-in addresses (`domain_in_use`)",
            body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn remove_domain(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (tenant_id, name) = path.into_inner();
    let name = domain_in_path(&name)?;
    service::remove(&state, &caller, tenant_id.into(), name).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Verifies a domain by looking its TXT record up in DNS.
///
/// Succeeds when a TXT record at the domain carries the value given when it was added; a verified domain belongs to this tenant only.
#[utoipa::path(post, path = "/v1/tenants/{tid}/domains/{name}/verify", tag = "domains", operation_id = "verify_domain",
    params(("tid" = String, Path, description = "Tenant id"), ("name" = String, Path, description = "Domain name", example = "contoso.fr")),
    responses(
        (status = 200, description = "Verified", body = Domain),
        (status = 409, description = "Verified already (`domain_already_verified`), or verified by another tenant (`domain_held_elsewhere`)",
            body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The TXT record is absent or carries another code (`verification_failed`); the problem's `expected` says what to publish",
            body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "The tenant asked for 20 DNS checks and verifications within a minute (`rate_limited`)",
            body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 503, description = "DNS did not answer (`dns_unavailable`); retry later",
            body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn verify_domain(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (tenant_id, name) = path.into_inner();
    let name = domain_in_path(&name)?;
    Ok(HttpResponse::Ok().json(service::verify(&state, &caller, tenant_id.into(), name).await?))
}

/// Makes a verified domain the tenant's default.
///
/// People created with a `user_name` only sign in as `<user_name>@<default domain>`.
#[utoipa::path(post, path = "/v1/tenants/{tid}/domains/{name}/default", tag = "domains", operation_id = "make_domain_default",
    params(("tid" = String, Path, description = "Tenant id"), ("name" = String, Path, description = "Domain name", example = "contoso.fr")),
    responses(
        (status = 200, description = "The default domain", body = Domain),
        (status = 422, description = "Not verified yet (`domain_not_verified`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn make_domain_default(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (tenant_id, name) = path.into_inner();
    let name = domain_in_path(&name)?;
    Ok(HttpResponse::Ok().json(service::make_default(&state, &caller, tenant_id.into(), name).await?))
}

/// Compares the domain's live DNS records with what mail, mail clients and meetings need.
///
/// Checks the MX, the SPF TXT record, the `autodiscover` CNAME and the meetings SRV records, and says for each what to publish.
#[utoipa::path(get, path = "/v1/tenants/{tid}/domains/{name}/dns-check", tag = "domains", operation_id = "check_domain_dns",
    params(("tid" = String, Path, description = "Tenant id"), ("name" = String, Path, description = "Domain name", example = "contoso.fr")),
    responses(
        (status = 200, description = "Each record's status and what to publish", body = DnsCheck),
        (status = 429, description = "The tenant asked for 20 DNS checks and verifications within a minute (`rate_limited`)",
            body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn check_domain_dns(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (tenant_id, name) = path.into_inner();
    let name = domain_in_path(&name)?;
    let checked = service::dns_check(&state, &caller, tenant_id.into(), name).await?;
    Ok(HttpResponse::Ok().insert_header(header::CacheControl(vec![header::CacheDirective::NoStore])).json(checked))
}
