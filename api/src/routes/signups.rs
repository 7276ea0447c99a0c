//! Self-service sign-up and admin takeover.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use tenantry_domain::signup::SignupRefusal;
use tenantry_domain::takeover::TakeoverRefusal;
use tenantry_domain::user::DisplayName;
use tenantry_domain::{EmailAddress, Password};
use utoipa::ToSchema;

use super::table::RouteTable;
use crate::app::state::AppState;
use crate::http::caller::Caller;
use crate::http::idempotency::Idempotent;
use crate::http::idempotency::{fingerprint, IdempotencyHeader, IdempotencyKey};
use crate::http::problem::{ApiError, ErrorCode, Problem};
use crate::http::request_id::open_to_anyone;
use crate::http::validation::FieldCheck;
use crate::services::signups::{self, SignupError, SignupInput};
use crate::services::takeovers::{self, Purchase, TakeoverError};
use crate::views::me::LanguageName;
use crate::views::signup::{SignupAccepted, SignupConfirmed, Takeover, TakeoverCompleted};

pub fn configure(table: &mut RouteTable) {
    table
        .add(__path_sign_up, sign_up)
        .add(__path_confirm_sign_up, confirm_sign_up)
        .add(__path_start_takeover, start_takeover)
        .add(__path_get_takeover, get_takeover)
        .add(__path_verify_takeover, verify_takeover)
        .add(__path_complete_takeover, complete_takeover);
}

impl From<SignupError> for ApiError {
    fn from(error: SignupError) -> Self {
        let detail = error.to_string();
        match error {
            SignupError::NotFound(missing) => missing.into(),
            SignupError::Refused(refusal) => match refusal {
                SignupRefusal::PersonalAddress(_) | SignupRefusal::PlatformDomain(_) => {
                    ApiError::new(ErrorCode::SignupRefused, detail)
                }
                SignupRefusal::ManagedDomain(_) => ApiError::new(ErrorCode::DomainManagedByTenant, detail),
                SignupRefusal::Throttled { .. } => {
                    ApiError::too_many_signups(detail, signups::retry_after_seconds(&refusal))
                }
            },
            SignupError::Confirmation(_) => ApiError::new(ErrorCode::ConfirmationFailed, detail),
            SignupError::AccountExists => ApiError::new(ErrorCode::SignInTaken, detail),
            SignupError::Hashing(failure) => failure.into(),
            SignupError::Busy => ApiError::signups_busy(),
            SignupError::Store(store) => store.into(),
        }
    }
}

impl From<TakeoverError> for ApiError {
    fn from(error: TakeoverError) -> Self {
        let detail = error.to_string();
        match error {
            TakeoverError::NotFound(missing) => missing.into(),
            TakeoverError::Refused(refusal) => match refusal {
                TakeoverRefusal::TooFewLicenses { people, seats } => ApiError::new(ErrorCode::TooFewLicenses, detail)
                    .with_context(serde_json::json!({"people": people, "seats": seats})),
                TakeoverRefusal::PlanNotOffered(_) => ApiError::new(ErrorCode::PlanNotOrderable, detail),
                TakeoverRefusal::NotSignedUp | TakeoverRefusal::Completed | TakeoverRefusal::NotVerified => {
                    ApiError::new(ErrorCode::TakeoverRefused, detail)
                }
            },
            TakeoverError::Domain(domain) => domain.into(),
            TakeoverError::KeyReused(reused) => reused.into(),
            TakeoverError::Render(failure) => ApiError::internal_error(&failure),
            TakeoverError::Store(store) => store.into(),
        }
    }
}

/// A person signing up with their work address.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "rob@example.org", "display_name": "Rob Martin", "password": "a long and unusual passphrase"}))]
pub struct SignupRequest {
    /// A work address: people are grouped by its domain.
    #[schema(max_length = 254)]
    pub email: String,
    #[schema(min_length = 1, max_length = 200)]
    pub display_name: String,
    /// At least 12 characters.
    #[schema(min_length = 12, max_length = 128)]
    pub password: String,
    /// The language of the confirmation and of later messages: `fr` (the default) or `en`.
    pub language: Option<LanguageName>,
}

/// Signs up with a work address (public); a confirmation code is mailed to it.
///
/// The answer is the same whether or not the address already has an account. Throttled per address (3 an hour), per email domain (30), per caller's network address (5) and platform-wide (500), before any password is hashed or any mail sent. Refused for personal mail domains and for domains a managed tenant has verified (ask its admin). The confirmation mail greets the person by their display name only when it is a plain name (letters, spaces, hyphens, apostrophes, initials; at most 40 characters and 3 words).
#[utoipa::path(post, path = "/v1/signups", tag = "domains", operation_id = "sign_up",
    request_body = SignupRequest,
    responses(
        (status = 202, description = "Recorded; the code is on its way", body = SignupAccepted),
        (status = 409, description = "The email domain belongs to a managed tenant (`domain_managed_by_tenant`): ask its admin",
            body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A personal or platform address (`signup_refused`), or invalid fields (`validation_failed`)",
            body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Sign-ups are busy (`service_unavailable`): this process handles two at a time, its hashing one; try again after `Retry-After`",
            body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 429, description = "Too many sign-ups for the address, its domain, from the caller's address or on the platform (`too_many_signups`)",
            body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ),
    security(()))]
pub async fn sign_up(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<SignupRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut check = FieldCheck::default();
    let email = check.check("email", EmailAddress::parse(&body.email));
    let display_name = check.check("display_name", DisplayName::parse(&body.display_name));
    let local = email.as_ref().map(|e| e.local_part().to_owned());
    let password = check.check("password", Password::parse(&body.password, local.as_deref()));
    let input = check.finish(|| {
        Some(SignupInput {
            email: email?,
            display_name: display_name?,
            password: password?,
            language: body.language.map(Into::into).unwrap_or_default(),
            client_address: crate::http::client_address::client_address(&req),
        })
    })?;
    let accepted = signups::sign_up(&state, open_to_anyone(&req, "Self-service sign-up"), input).await?;
    Ok(HttpResponse::Accepted().json(accepted))
}

/// The code from the confirmation mail.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"code": "40817263"}))]
pub struct ConfirmRequest {
    #[schema(min_length = 1, max_length = 32)]
    pub code: String,
}

/// Confirms a sign-up with the mailed code (public): the account is created.
///
/// The person joins the unmanaged tenant of their email domain (created with the first sign-up) with the free Meetings tier: 10 participants per meeting for 60 days, 3 afterwards. Then sign in with `POST /v1/auth/token`.
#[utoipa::path(post, path = "/v1/signups/{suid}/confirm", tag = "domains", operation_id = "confirm_sign_up",
    params(("suid" = String, Path, description = "Sign-up id")),
    request_body = ConfirmRequest,
    responses(
        (status = 201, description = "The account", body = SignupConfirmed,
            headers(("Location" = String, description = "The person, readable by them once signed in"))),
        (status = 409, description = "The domain became managed (`domain_managed_by_tenant`) or the address got an account meanwhile (`sign_in_taken`)",
            body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Wrong, expired or used-up code (`confirmation_failed`)",
            body = Problem, content_type = "application/problem+json"),
    ),
    security(()))]
pub async fn confirm_sign_up(
    state: web::Data<AppState>,
    req: HttpRequest,
    suid: web::Path<String>,
    body: web::Json<ConfirmRequest>,
) -> Result<HttpResponse, ApiError> {
    if body.code.trim().is_empty() || body.code.chars().count() > 32 {
        return Err(ApiError::invalid_field("code", "the code from the mail: 1 to 32 characters"));
    }
    let confirmed = signups::confirm(
        &state,
        open_to_anyone(&req, "Self-service sign-up"),
        suid.into_inner(),
        body.code.trim().to_owned(),
    )
    .await?;
    let person = format!("/v1/tenants/{}/users/{}", confirmed.tenant_id, confirmed.user_id);
    Ok(HttpResponse::Created().insert_header((header::LOCATION, person)).json(confirmed))
}

/// Starts taking over one's organisation (someone who signed up): the answer gives the TXT record to publish.
///
/// Starting again returns the takeover already started. Then `POST .../verify`, then `POST .../complete`.
#[utoipa::path(post, path = "/v1/takeovers", tag = "domains", operation_id = "start_takeover",
    responses(
        (status = 201, description = "Started", body = Takeover, headers(("Location" = String, description = "The takeover"))),
        (status = 200, description = "The takeover already started", body = Takeover),
        (status = 409, description = "Only people who signed up on their own can take their organisation over (`takeover_refused`)",
            body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn start_takeover(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let (takeover, created) = takeovers::start(&state, &caller).await?;
    if created {
        Ok(HttpResponse::Created()
            .insert_header((header::LOCATION, format!("/v1/takeovers/{}", takeover.id)))
            .json(takeover))
    } else {
        Ok(HttpResponse::Ok().json(takeover))
    }
}

/// Reads one's takeover.
///
/// Only the person who started it sees it.
#[utoipa::path(get, path = "/v1/takeovers/{toid}", tag = "domains", operation_id = "get_takeover",
    params(("toid" = String, Path, description = "Takeover id")),
    responses((status = 200, description = "The takeover", body = Takeover)),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn get_takeover(
    state: web::Data<AppState>,
    caller: Caller,
    toid: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(takeovers::get(&state, &caller, toid.into_inner()).await?))
}

/// Proves the email domain by looking the TXT record up in DNS.
///
/// Can be repeated until completion.
#[utoipa::path(post, path = "/v1/takeovers/{toid}/verify", tag = "domains", operation_id = "verify_takeover",
    params(("toid" = String, Path, description = "Takeover id")),
    responses(
        (status = 200, description = "Verified", body = Takeover),
        (status = 409, description = "Completed already (`takeover_refused`), or the domain is another tenant's (`domain_held_elsewhere`)",
            body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The TXT record is absent or wrong (`verification_failed`)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "DNS did not answer (`dns_unavailable`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn verify_takeover(
    state: web::Data<AppState>,
    caller: Caller,
    toid: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(takeovers::verify(&state, &caller, toid.into_inner()).await?))
}

/// The plan bought and how many licenses.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"plan": "business_essentials", "seats": 2}))]
pub struct CompleteTakeoverRequest {
    /// `business_essentials` or `business_premium`.
    #[schema(max_length = 64)]
    pub plan: String,
    /// At least one per person who signed up.
    #[serde(deserialize_with = "crate::http::validation::whole_number")]
    #[schema(value_type = i64, minimum = 1, maximum = 300)]
    pub seats: i64,
}

/// Completes the takeover by buying licenses for everyone who signed up, in one step.
///
/// The tenant becomes managed, the caller its global admin, every person holds a license of the plan (active at once) and keeps their account and settings, and each is told by mail.
#[utoipa::path(post, path = "/v1/takeovers/{toid}/complete", tag = "domains", operation_id = "complete_takeover",
    params(("toid" = String, Path, description = "Takeover id"), IdempotencyHeader),
    request_body = CompleteTakeoverRequest,
    responses(
        (status = 200, description = "Completed", body = TakeoverCompleted),
        (status = 409, description = "Not verified yet, or completed already (`takeover_refused`); the domain is another tenant's (`domain_held_elsewhere`)",
            body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Fewer licences than people (`too_few_licences`), a plan a takeover does not buy (`plan_not_orderable`), or an Idempotency-Key reused with another body",
            body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn complete_takeover(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    toid: web::Path<String>,
    key: IdempotencyKey,
    body: web::Json<CompleteTakeoverRequest>,
) -> Result<HttpResponse, ApiError> {
    if !(1..=300).contains(&body.seats) {
        return Err(ApiError::invalid_field("seats", "between 1 and 300"));
    }
    let fingerprint = fingerprint("POST", req.path(), &serde_json::json!({"plan": body.plan, "seats": body.seats}));
    let request = Idempotent { key, fingerprint };
    let purchase = Purchase { plan_code: body.plan.trim().to_owned(), seats: body.seats };
    Ok(takeovers::complete(&state, &caller, toid.into_inner(), purchase, request).await?.into_response())
}
