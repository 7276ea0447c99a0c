//! The signed-in person: their profile, password and preferences.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use tenantry_domain::Password;
use utoipa::ToSchema;

use super::table::RouteTable;
use crate::app::state::AppState;
use crate::http::caller::{Caller, SignedIn};
use crate::http::problem::{ApiError, ErrorCode, Problem};
use crate::http::validation::FieldCheck;
use crate::services::me::{self as service, MeError};
use crate::services::partners::customers;
use crate::services::recent_users;
use crate::views::me::{Me, Preferences};
use crate::views::partner::RecentUserList;

pub fn configure(table: &mut RouteTable) {
    table
        .add(__path_get_me, get_me)
        .add(__path_change_my_password, change_my_password)
        .add(__path_get_my_preferences, get_my_preferences)
        .add(__path_put_my_preferences, put_my_preferences)
        .add(__path_list_recent_users, list_recent_users)
        .add(__path_flag_customer, flag_customer)
        .add(__path_unflag_customer, unflag_customer);
}

impl From<MeError> for ApiError {
    fn from(error: MeError) -> Self {
        let detail = error.to_string();
        match error {
            MeError::NotFound(missing) => missing.into(),
            MeError::CurrentPasswordIncorrect => ApiError::new(ErrorCode::CurrentPasswordIncorrect, detail),
            MeError::SamePassword => ApiError::invalid_field("new_password", detail),
            MeError::NotAPerson => ApiError::forbidden(detail),
            MeError::Throttled(throttled) => throttled.into(),
            MeError::Hashing(failure) => failure.into(),
            MeError::Store(store) => store.into(),
        }
    }
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

/// Who am I: the person behind the token, their roles and tenant.
///
/// Answers even while a temporary password must be changed, so a client can tell the person to change it.
#[utoipa::path(get, path = "/v1/me", tag = "me", operation_id = "get_me",
    responses((status = 200, description = "The signed-in person", body = Me)),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn get_me(state: web::Data<AppState>, caller: SignedIn) -> Result<HttpResponse, ApiError> {
    let me: Me = service::profile(&state, &caller).await?;
    Ok(HttpResponse::Ok().json(me))
}

/// Changes one's own password: the current one, the new one, and the new one again.
///
/// The new password needs 12+ characters, must not be a common one or contain the sign-in name, and must differ from the current one. Wrong current passwords count towards the sign-in throttle.
#[utoipa::path(post, path = "/v1/me/password", tag = "me", operation_id = "change_my_password",
    request_body = ChangePasswordRequest,
    responses(
        (status = 204, description = "Changed; every token issued before, this one included, stops working: sign in again with the new password"),
        (status = 422, description = "The current password is wrong (`current_password_incorrect`), or the new one is too short, too common (a breached password, or one with digits or punctuation added) or contains the sign-in name (`validation_failed`)", body = Problem, content_type = "application/problem+json"),
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
    let address = crate::http::client_address::client_address(&req);
    service::change_password(&state, &caller, body.current_password, new_password, &address).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The part of the caller's sign-in address before `@`, which a new password must not contain.
async fn caller_local_part(state: &AppState, caller: &SignedIn) -> Result<String, ApiError> {
    let me = service::profile(state, caller).await?;
    match me.sign_in.split_once('@') {
        Some((local, _)) => Ok(local.to_owned()),
        None => Err(ApiError::internal(format!("user {}: a sign-in address without @", me.id))),
    }
}

/// Reads one's own preferences.
///
/// Defaults apply to settings never set (`sync_frequency`: `15m`, `language`: `fr`).
#[utoipa::path(get, path = "/v1/me/preferences", tag = "me", operation_id = "get_my_preferences",
    responses((status = 200, description = "The preferences", body = Preferences)),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn get_my_preferences(state: web::Data<AppState>, caller: SignedIn) -> Result<HttpResponse, ApiError> {
    let preferences = service::preferences(&state, &caller).await?;
    Ok(HttpResponse::Ok().json(Preferences::from(preferences)))
}

/// Replaces one's own preferences.
///
/// `sync_frequency` is `15m`, `30m` or `manual`; `language` (`fr` or `en`) is the language of the messages one receives, kept as it is when left out.
#[utoipa::path(put, path = "/v1/me/preferences", tag = "me", operation_id = "put_my_preferences",
    request_body = Preferences,
    responses((status = 200, description = "Saved", body = Preferences)),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn put_my_preferences(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<Preferences>,
) -> Result<HttpResponse, ApiError> {
    let sent = body.into_inner();
    let saved = service::set_preferences(&state, &caller, move |current| sent.applied_to(current)).await?;
    Ok(HttpResponse::Ok().json(Preferences::from(saved)))
}

/// The people you opened most recently (`GET /v1/tenants/{tid}/users/{uid}`), newest first, at most 20.
///
/// Only people you may still see are listed: after a partner relationship ends, that customer's people drop out.
#[utoipa::path(get, path = "/v1/me/recent-users", tag = "me", operation_id = "list_recent_users",
    responses(
        (status = 200, description = "Recently opened people", body = RecentUserList),
        (status = 403, description = "An API client: this list is a person's", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn list_recent_users(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let items = recent_users::list(&state, &caller).await?;
    Ok(HttpResponse::Ok().json(RecentUserList { items }))
}

/// Flags a customer as a favourite (partner people), for `GET /v1/partners/{pid}/customers?flagged=true`.
///
/// Flagging twice changes nothing. 404 for a tenant you may not act for.
#[utoipa::path(put, path = "/v1/me/flagged-customers/{tid}", tag = "me", operation_id = "flag_customer",
    params(("tid" = String, Path, description = "The customer's tenant id")),
    responses(
        (status = 204, description = "Flagged"),
        (status = 403, description = "Not a partner person", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn flag_customer(
    state: web::Data<AppState>,
    caller: Caller,
    tid: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    customers::set_flag(&state, &caller, tid.into_inner().into(), true).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Removes a customer from your favourites (partner people).
///
/// Unflagging one that is not flagged changes nothing.
#[utoipa::path(delete, path = "/v1/me/flagged-customers/{tid}", tag = "me", operation_id = "unflag_customer",
    params(("tid" = String, Path, description = "The customer's tenant id")),
    responses(
        (status = 204, description = "Not flagged any more"),
        (status = 403, description = "Not a partner person", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn unflag_customer(
    state: web::Data<AppState>,
    caller: Caller,
    tid: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    customers::set_flag(&state, &caller, tid.into_inner().into(), false).await?;
    Ok(HttpResponse::NoContent().finish())
}
