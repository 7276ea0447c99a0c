//! The signed-in person: their profile, password and preferences.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use tenantry_domain::preferences::{Preferences as DomainPreferences, SyncFrequency as DomainSyncFrequency};
use tenantry_domain::Password;
use utoipa::ToSchema;

use super::tenants::Tenant;
use super::users::User;
use crate::auth::{Caller, SignedIn};
use crate::problem::{ApiError, Problem};
use crate::services::me as service;
use crate::state::AppState;
use crate::validation::FieldCheck;

/// Who the token belongs to.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"kind": "member", "id": "019a5f3e-7c1a-7d2e-9b1f-3c4d5e6f7a8b", "display_name": "Ada Lovelace",
    "sign_in": "ada@contoso.tenantry.test", "contact_email": "ada@example.com", "roles": ["global_admin"],
    "must_change_password": false, "tenant": {"id": "019a5f3e-6b00-7a00-8000-000000000001", "name": "Contoso SARL",
    "slug": "contoso", "initial_domain": "contoso.tenantry.test", "verified_domains": ["contoso.tenantry.test"],
    "created_at": "2026-11-21T10:00:00Z", "updated_at": "2026-11-21T10:00:00Z"}}))]
pub struct Me {
    /// `operator` (platform staff) or `member` (a person in a customer tenant).
    #[schema(example = "member")]
    pub kind: String,
    pub id: String,
    pub display_name: String,
    pub sign_in: String,
    pub contact_email: Option<String>,
    /// Administrator roles in their tenant.
    pub roles: Vec<super::users::Role>,
    /// True until a temporary password is replaced; until then only `/v1/me` routes answer.
    pub must_change_password: bool,
    /// Their tenant; absent for operators.
    pub tenant: Option<Tenant>,
}

/// A change of one's own password.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"current_password": "Xk7pQ2mWz9RtLb4Nc8Vh", "new_password": "correct horse battery staple",
    "new_password_confirmation": "correct horse battery staple"}))]
pub struct ChangePasswordRequest {
    #[schema(max_length = 1024)]
    pub current_password: String,
    /// At least 12 characters, not a common password, not containing the sign-in name.
    #[schema(min_length = 12, max_length = 128)]
    pub new_password: String,
    /// The new password again.
    #[schema(min_length = 12, max_length = 128)]
    pub new_password_confirmation: String,
}

/// How often the person's devices synchronise.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
pub enum SyncFrequency {
    #[serde(rename = "15m")]
    Every15Minutes,
    #[serde(rename = "30m")]
    Every30Minutes,
    #[serde(rename = "manual")]
    Manual,
}

/// The person's own settings.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"sync_frequency": "30m"}))]
pub struct Preferences {
    pub sync_frequency: SyncFrequency,
}

impl From<DomainPreferences> for Preferences {
    fn from(p: DomainPreferences) -> Self {
        let sync_frequency = match p.sync_frequency {
            DomainSyncFrequency::Every15Minutes => SyncFrequency::Every15Minutes,
            DomainSyncFrequency::Every30Minutes => SyncFrequency::Every30Minutes,
            DomainSyncFrequency::Manual => SyncFrequency::Manual,
        };
        Self { sync_frequency }
    }
}

impl From<Preferences> for DomainPreferences {
    fn from(p: Preferences) -> Self {
        let sync_frequency = match p.sync_frequency {
            SyncFrequency::Every15Minutes => DomainSyncFrequency::Every15Minutes,
            SyncFrequency::Every30Minutes => DomainSyncFrequency::Every30Minutes,
            SyncFrequency::Manual => DomainSyncFrequency::Manual,
        };
        Self { sync_frequency }
    }
}

/// Who am I: the person behind the token, their roles and tenant.
///
/// Answers even while a temporary password must be changed, so a client can tell the person to change it.
#[utoipa::path(get, path = "/v1/me", tag = "me", operation_id = "get_me",
    responses((status = 200, description = "The signed-in person", body = Me)),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn get_me(state: web::Data<AppState>, caller: SignedIn) -> Result<HttpResponse, ApiError> {
    let profile = service::profile(&state, &caller).await?;
    let user = User::from_record(&profile.user, &state.catalogue)?;
    Ok(HttpResponse::Ok().json(Me {
        kind: if profile.is_operator { "operator" } else { "member" }.to_owned(),
        id: user.id,
        display_name: user.display_name,
        sign_in: user.sign_in,
        contact_email: user.contact_email,
        roles: user.roles,
        must_change_password: user.must_change_password,
        tenant: profile.tenant.as_ref().map(Tenant::from),
    }))
}

/// Changes one's own password: the current one, the new one, and the new one again.
///
/// The new password needs 12+ characters, must not be a common one or contain the sign-in name, and must differ from the current one. Wrong current passwords count towards the sign-in throttle.
#[utoipa::path(post, path = "/v1/me/password", tag = "me", operation_id = "change_my_password",
    request_body = ChangePasswordRequest,
    responses(
        (status = 204, description = "Changed; existing tokens stay valid until they expire"),
        (status = 422, description = "The current password is wrong (`current_password_incorrect`)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many wrong current passwords", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn change_my_password(
    state: web::Data<AppState>,
    caller: SignedIn,
    req: HttpRequest,
    body: web::Json<ChangePasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut check = FieldCheck::default();
    if body.current_password.len() > 1024 {
        check.fail("current_password", "a password has at most 1024 characters");
    }
    let local = caller_local_part(&state, &caller).await?;
    let new_password = check.check("new_password", Password::parse(&body.new_password, Some(&local)));
    if body.new_password != body.new_password_confirmation {
        check.fail("new_password_confirmation", "does not match the new password");
    }
    let new_password = check.finish(|| new_password)?;
    let address = req.peer_addr().map(|a| a.ip().to_string()).unwrap_or_default();
    service::change_password(&state, &caller, body.current_password, new_password, &address).await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn caller_local_part(state: &AppState, caller: &SignedIn) -> Result<String, ApiError> {
    let profile = service::profile(state, caller).await?;
    Ok(profile.user.row.sign_in.split('@').next().unwrap_or_default().to_owned())
}

/// Reads one's own preferences.
///
/// Defaults apply to settings never set (`sync_frequency`: `15m`).
#[utoipa::path(get, path = "/v1/me/preferences", tag = "me", operation_id = "get_my_preferences",
    responses((status = 200, description = "The preferences", body = Preferences)),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn get_my_preferences(state: web::Data<AppState>, caller: SignedIn) -> Result<HttpResponse, ApiError> {
    let preferences = service::preferences(&state, &caller).await?;
    Ok(HttpResponse::Ok().json(Preferences::from(preferences)))
}

/// Replaces one's own preferences.
///
/// Send the complete set; `sync_frequency` is `15m`, `30m` or `manual`.
#[utoipa::path(put, path = "/v1/me/preferences", tag = "me", operation_id = "put_my_preferences",
    request_body = Preferences,
    responses((status = 200, description = "Saved", body = Preferences)),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn put_my_preferences(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<Preferences>,
) -> Result<HttpResponse, ApiError> {
    let saved = service::set_preferences(&state, &caller, body.into_inner().into()).await?;
    Ok(HttpResponse::Ok().json(Preferences::from(saved)))
}
