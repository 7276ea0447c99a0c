//! Partners and delegated administration at the HTTP edge: partner organisations and their
//! people here; offers, access, API clients and customers in the submodules; the customer's
//! side (accepting, listing, ending relationships) in `routes::relationships`.

pub mod access;
pub mod api_clients;
pub mod customers;
pub mod domains;
pub mod offers;

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use tenantry_domain::relationship::AcceptanceError;
use tenantry_domain::user::DisplayName;
use tenantry_domain::{EmailAddress, Password};
use utoipa::ToSchema;

use super::table::RouteTable;
use crate::app::state::AppState;
use crate::http::caller::Caller;
use crate::http::pagination::PageQuery;
use crate::http::problem::{ApiError, ErrorCode, Problem};
use crate::http::validation::FieldCheck;
use crate::services::partners::{self as service, NewPartnerPerson, PartnerError};
use crate::views::partner::{Partner, PartnerPage, PartnerPerson, PartnerPersonPage, PartnerRoleName};

pub fn configure(table: &mut RouteTable) {
    table
        .add(__path_list_partners, list_partners)
        .add(__path_create_partner, create_partner)
        .add(__path_get_partner, get_partner)
        .add(__path_list_partner_people, list_partner_people)
        .add(__path_create_partner_person, create_partner_person)
        .add(__path_get_partner_person, get_partner_person);
    offers::configure(table);
    access::configure(table);
    api_clients::configure(table);
    customers::configure(table);
    domains::configure(table);
}

impl From<PartnerError> for ApiError {
    fn from(error: PartnerError) -> Self {
        let detail = error.to_string();
        match error {
            PartnerError::Access(denied) => denied.into(),
            PartnerError::NotFound(missing) => missing.into(),
            PartnerError::SignInTaken(_) => ApiError::new(ErrorCode::SignInTaken, detail),
            PartnerError::Acceptance(AcceptanceError::Revoked) => ApiError::new(ErrorCode::AdminOfferRevoked, detail),
            PartnerError::Acceptance(AcceptanceError::RelationshipExists) => {
                ApiError::new(ErrorCode::PartnerRelationshipExists, detail)
            }
            PartnerError::Assignment(_) => ApiError::new(ErrorCode::AccessBeyondRelationship, detail),
            PartnerError::NotACustomer => ApiError::new(ErrorCode::NotACustomer, detail),
            PartnerError::AdminNotAssignable(_) => ApiError::new(ErrorCode::NotAnAgent, detail),
            PartnerError::ClientDisabled => ApiError::new(ErrorCode::ApiClientDisabled, detail),
            PartnerError::SignInDomain(_) => ApiError::invalid_field("sign_in", detail),
            PartnerError::ProvableDomain(_) => ApiError::invalid_field("name", detail),
            PartnerError::DomainAlreadyAdded(_) => ApiError::new(ErrorCode::DomainExists, detail),
            PartnerError::DomainHeldElsewhere(_) => ApiError::new(ErrorCode::DomainHeldElsewhere, detail),
            PartnerError::DomainInUse(_) => ApiError::new(ErrorCode::DomainInUse, detail),
            PartnerError::Proof(failure) => failure.into(),
            PartnerError::Cap(reached) => ApiError::limit_reached(reached),
            PartnerError::Rate(reached) => ApiError::rate_limited(reached),
            PartnerError::Hashing(failure) => failure.into(),
            PartnerError::Store(store) => store.into(),
        }
    }
}

/// A new partner organisation.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Fabrikam Partners"}))]
pub struct CreatePartnerRequest {
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
}

/// A new partner admin or agent. Without a password, a temporary one is sent to the contact email.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"display_name": "Paul Agent", "sign_in": "paul@fabrikam-partners.partners.tenantry.test",
    "contact_email": "paul.agent@example.com", "role": "partner_agent"}))]
pub struct CreatePartnerPersonRequest {
    #[schema(min_length = 1, max_length = 200)]
    pub display_name: String,
    /// The address they sign in with, not already taken: at the partner's platform domain or a
    /// domain it has proved (`/v1/partners/{pid}/domains`); the platform operator may use any
    /// domain nobody holds.
    #[schema(max_length = 254)]
    pub sign_in: String,
    #[schema(max_length = 254)]
    pub contact_email: Option<String>,
    pub role: PartnerRoleName,
    /// At least 12 characters; omit to send a temporary password to the contact email.
    #[schema(min_length = 12, max_length = 128)]
    pub password: Option<String>,
}

/// Creates a partner organisation (operators only).
///
/// Add its first partner admin next with `POST /v1/partners/{pid}/users`.
#[utoipa::path(post, path = "/v1/partners", tag = "partners", operation_id = "create_partner",
    request_body = CreatePartnerRequest,
    responses(
        (status = 201, description = "Created", body = Partner, headers(("Location" = String, description = "The new partner"))),
        (status = 403, description = "Not an operator", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn create_partner(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<CreatePartnerRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut check = FieldCheck::default();
    let name = check.check("name", DisplayName::parse(&body.name));
    let name = check.finish(|| name)?;
    let partner = service::create(&state, &caller, name.as_str().to_owned()).await?;
    Ok(HttpResponse::Created().insert_header((header::LOCATION, format!("/v1/partners/{}", partner.id))).json(partner))
}

/// Lists partners.
///
/// Every partner for operators; one's own for a partner's people and API clients; 403 for anyone else.
#[utoipa::path(get, path = "/v1/partners", tag = "partners", operation_id = "list_partners",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of partners", body = PartnerPage),
        (status = 403, description = "Neither an operator nor on a partner's side", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn list_partners(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = service::list(&state, &caller, query.page()?).await?;
    Ok(HttpResponse::Ok().json(PartnerPage::from(page)))
}

/// Reads a partner.
///
/// Operators read any; a partner's people and API clients their own (another partner is 404).
#[utoipa::path(get, path = "/v1/partners/{pid}", tag = "partners", operation_id = "get_partner",
    params(("pid" = String, Path, description = "Partner id")),
    responses((status = 200, description = "The partner", body = Partner)),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn get_partner(
    state: web::Data<AppState>,
    caller: Caller,
    pid: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(service::get(&state, &caller, pid.into_inner().into()).await?))
}

/// Adds a partner admin or agent (operators, and the partner's admins).
///
/// They sign in like anyone else with `POST /v1/auth/token`.
#[utoipa::path(post, path = "/v1/partners/{pid}/users", tag = "partners", operation_id = "create_partner_person",
    params(("pid" = String, Path, description = "Partner id")),
    request_body = CreatePartnerPersonRequest,
    responses(
        (status = 201, description = "Created", body = PartnerPerson, headers(("Location" = String, description = "The new person"))),
        (status = 409, description = "The sign-in address is taken (`sign_in_taken`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, neither a password nor a contact email, or a `sign_in` at a domain the partner has not proved, a customer's or another partner's (`validation_failed`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn create_partner_person(
    state: web::Data<AppState>,
    caller: Caller,
    pid: web::Path<String>,
    body: web::Json<CreatePartnerPersonRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut check = FieldCheck::default();
    let display_name = check.check("display_name", DisplayName::parse(&body.display_name));
    let sign_in = check.check("sign_in", EmailAddress::parse(&body.sign_in));
    let contact_email = check.check_optional("contact_email", body.contact_email.as_deref(), EmailAddress::parse);
    let local_part = body.sign_in.split_once('@').map(|(local, _)| local.to_owned());
    let password =
        check.check_optional("password", body.password.as_deref(), |raw| Password::parse(raw, local_part.as_deref()));
    if body.password.is_none() && body.contact_email.is_none() {
        check.fail("contact_email", "give a password or a contact email where a temporary password can be sent");
    }
    let input = check.finish(|| {
        Some(NewPartnerPerson {
            display_name: display_name?,
            sign_in: sign_in?,
            contact_email: contact_email?,
            role: body.role.into(),
            password: password?,
        })
    })?;
    let partner_id = pid.into_inner();
    let person = service::create_person(&state, &caller, partner_id.clone().into(), input).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/v1/partners/{partner_id}/users/{}", person.id)))
        .json(person))
}

/// Lists the partner's people.
///
/// Partner admins and agents, in order of creation, for operators and the partner's own people and clients.
#[utoipa::path(get, path = "/v1/partners/{pid}/users", tag = "partners", operation_id = "list_partner_people",
    params(("pid" = String, Path, description = "Partner id"), PageQuery),
    responses((status = 200, description = "A page of the partner's people", body = PartnerPersonPage)),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn list_partner_people(
    state: web::Data<AppState>,
    caller: Caller,
    pid: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = service::list_people(&state, &caller, pid.into_inner().into(), query.page()?).await?;
    Ok(HttpResponse::Ok().json(PartnerPersonPage::from(page)))
}

/// Reads one of the partner's people.
///
/// Another partner's people are 404.
#[utoipa::path(get, path = "/v1/partners/{pid}/users/{puid}", tag = "partners", operation_id = "get_partner_person",
    params(("pid" = String, Path, description = "Partner id"), ("puid" = String, Path, description = "Partner person id")),
    responses((status = 200, description = "The person", body = PartnerPerson)),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn get_partner_person(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (partner_id, person_id) = path.into_inner();
    Ok(HttpResponse::Ok().json(service::get_person(&state, &caller, partner_id.into(), person_id.into()).await?))
}
