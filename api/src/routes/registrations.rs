//! Buying domains: availability with alternatives, registrations and their progress.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use tenantry_domain::registration::{Registrant, OFFERED_EXTENSIONS};
use tenantry_domain::DomainName;
use utoipa::{IntoParams, ToSchema};

use super::table::RouteTable;
use crate::app::state::AppState;
use crate::http::caller::Caller;
use crate::http::idempotency::Idempotent;
use crate::http::idempotency::{fingerprint, IdempotencyHeader, IdempotencyKey};
use crate::http::pagination::PageQuery;
use crate::http::problem::{ApiError, ErrorCode, Problem};
use crate::http::validation::FieldCheck;
use crate::services::registrations::{self as service, RegistrationError, RegistrationInput};
use crate::views::domain::{DomainAvailability, DomainRegistration, DomainRegistrationPage};

pub fn configure(table: &mut RouteTable) {
    table
        .add(__path_domain_availability, domain_availability)
        .add(__path_list_domain_registrations, list_domain_registrations)
        .add(__path_register_domain, register_domain)
        .add(__path_get_domain_registration, get_domain_registration);
}

impl From<RegistrationError> for ApiError {
    fn from(error: RegistrationError) -> Self {
        let detail = error.to_string();
        match error {
            RegistrationError::Access(denied) => denied.into(),
            RegistrationError::NotFound(missing) => missing.into(),
            RegistrationError::NotForSale(_) => ApiError::new(ErrorCode::DomainNotForSale, detail)
                .with_context(serde_json::json!({ "extensions": OFFERED_EXTENSIONS })),
            RegistrationError::Taken { alternatives, .. } => ApiError::new(ErrorCode::DomainTaken, detail)
                .with_context(serde_json::json!({ "alternatives": alternatives })),
            RegistrationError::NoRegistrarSeat(_) => ApiError::new(ErrorCode::RegistrarSeatRequired, detail),
            RegistrationError::PlatformOwned(refused) => ApiError::invalid_field("name", refused),
            RegistrationError::KeyReused(reused) => reused.into(),
            RegistrationError::Render(failure) => ApiError::internal_error(&failure),
            RegistrationError::Store(store) => store.into(),
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AvailabilityQuery {
    /// The name wanted, on one of the offered extensions (.fr, .com, .net, .org, .eu, .be, .ch).
    #[param(min_length = 1, max_length = 253, example = "contoso-paris.fr")]
    pub name: String,
}

/// Says whether a domain name can be bought and, when it is taken, which alternatives are free.
///
/// Alternatives are the same name on the other offered extensions.
#[utoipa::path(get, path = "/v1/domain-availability", tag = "domains", operation_id = "domain_availability",
    params(AvailabilityQuery),
    responses(
        (status = 200, description = "Available, or taken with free alternatives", body = DomainAvailability),
        (status = 422, description = "Not a name a registry sells here (`domain_not_for_sale`), or not a domain name (`validation_failed`)",
            body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn domain_availability(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<AvailabilityQuery>,
) -> Result<HttpResponse, ApiError> {
    let name = DomainName::parse(&query.name).map_err(|e| ApiError::invalid_field("name", e))?;
    Ok(HttpResponse::Ok().json(service::availability(&state, &caller, name).await?))
}

/// The registrant's administrative data, as registries ask for it.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegistrantRequest {
    #[schema(min_length = 1, max_length = 200, example = "Contoso SARL")]
    pub organisation: String,
    #[schema(min_length = 1, max_length = 200, example = "Camille Martin")]
    pub contact_name: String,
    #[schema(max_length = 254, example = "camille@example.com")]
    pub email: String,
    /// International form.
    #[schema(max_length = 32, example = "+33123456789")]
    pub phone: String,
    #[schema(min_length = 1, max_length = 200, example = "1 rue de la Paix")]
    pub street: String,
    #[schema(min_length = 1, max_length = 16, example = "75002")]
    pub postal_code: String,
    #[schema(min_length = 1, max_length = 100, example = "Paris")]
    pub city: String,
    /// ISO 3166-1 alpha-2.
    #[schema(min_length = 2, max_length = 2, example = "FR")]
    pub country: String,
}

/// A domain to buy with a Registrar resource.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "contoso-paris.fr", "registrant": {"organisation": "Contoso SARL",
    "contact_name": "Camille Martin", "email": "camille@example.com", "phone": "+33123456789",
    "street": "1 rue de la Paix", "postal_code": "75002", "city": "Paris", "country": "FR"}}))]
pub struct RegisterDomainRequest {
    #[schema(min_length = 1, max_length = 253)]
    pub name: String,
    pub registrant: RegistrantRequest,
    /// The Registrar resource (a subscription of the `registrar` plan) whose seat it takes; the
    /// tenant's active one with most free seats when absent.
    #[schema(max_length = 64)]
    pub subscription_id: Option<String>,
}

/// Buys a domain: the registration is `pending` and holds a Registrar seat until the registry answers.
///
/// When the registry has it, the status turns `active` and the domain is a verified domain of the tenant; if it fails, the seat is free again. Follow it with `GET .../domain-registrations/{drid}`.
#[utoipa::path(post, path = "/v1/tenants/{tid}/domain-registrations", tag = "domains", operation_id = "register_domain",
    params(("tid" = String, Path, description = "Tenant id"), IdempotencyHeader),
    request_body = RegisterDomainRequest,
    responses(
        (status = 202, description = "Asked for; `pending`", body = DomainRegistration,
            headers(("Location" = String, description = "The registration"))),
        (status = 409, description = "The name is taken (`domain_taken`, with free `alternatives`), or no Registrar seat is free (`registrar_seat_required`)",
            body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a name a registry sells here (`domain_not_for_sale`), invalid data (`validation_failed`), or an Idempotency-Key reused with another body",
            body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn register_domain(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    tid: web::Path<String>,
    key: IdempotencyKey,
    body: web::Json<RegisterDomainRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let fingerprint = fingerprint("POST", req.path(), &serde_json::to_value(&body).map_err(ApiError::internal)?);
    let request = Idempotent { key, fingerprint };
    let mut check = FieldCheck::default();
    let name = check.check("name", DomainName::parse(&body.name));
    let r = body.registrant;
    let raw = Registrant {
        organisation: r.organisation,
        contact_name: r.contact_name,
        email: r.email,
        phone: r.phone,
        street: r.street,
        postal_code: r.postal_code,
        city: r.city,
        country: r.country,
    };
    let registrant = match Registrant::parse(raw) {
        Ok(registrant) => Some(registrant),
        Err(error) => {
            check.fail(&format!("registrant.{}", error.field), error.problem);
            None
        }
    };
    if body.subscription_id.as_ref().is_some_and(|id| id.chars().count() > 64) {
        check.fail("subscription_id", "a subscription id has at most 64 characters");
    }
    let input = check.finish(|| {
        Some(RegistrationInput { name: name?, registrant: registrant?, subscription_id: body.subscription_id })
    })?;
    Ok(service::register(&state, &caller, tid.into_inner().into(), input, request).await?.into_response())
}

/// Lists the tenant's domain registrations, oldest first.
///
/// Failed ones stay listed with why they failed.
#[utoipa::path(get, path = "/v1/tenants/{tid}/domain-registrations", tag = "domains", operation_id = "list_domain_registrations",
    params(("tid" = String, Path, description = "Tenant id"), PageQuery),
    responses((status = 200, description = "A page of registrations", body = DomainRegistrationPage)),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn list_domain_registrations(
    state: web::Data<AppState>,
    caller: Caller,
    tid: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = service::list(&state, &caller, tid.into_inner().into(), query.page()?).await?;
    Ok(HttpResponse::Ok().json(DomainRegistrationPage::from(page)))
}

/// Reads one registration, to follow it from `pending` to `active` or `failed`.
///
/// The registrant's data is shown to the tenant's readers.
#[utoipa::path(get, path = "/v1/tenants/{tid}/domain-registrations/{drid}", tag = "domains", operation_id = "get_domain_registration",
    params(("tid" = String, Path, description = "Tenant id"), ("drid" = String, Path, description = "Registration id")),
    responses((status = 200, description = "The registration", body = DomainRegistration)),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn get_domain_registration(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (tenant_id, id) = path.into_inner();
    Ok(HttpResponse::Ok().json(service::get(&state, &caller, tenant_id.into(), id).await?))
}
