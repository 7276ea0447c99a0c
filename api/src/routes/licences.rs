//! Giving a person a licence of a subscription, and taking it back.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use tenantry_domain::licence::AssignmentRefusal;
use utoipa::IntoParams;

use super::resource::resource;
use super::subscriptions::problems::pool_problem;
use crate::app::state::AppState;
use crate::http::caller::Caller;
use crate::http::problem::{ApiError, ErrorCode, Problem};
use crate::services::licences::{self as service, LicenceError};
use crate::views::user::UserLicense;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/v1/tenants/{tid}/users/{uid}/licenses/{sid}", "PUT, DELETE")
            .route(web::put().to(assign_license))
            .route(web::delete().to(remove_license)),
    );
}

impl From<LicenceError> for ApiError {
    fn from(error: LicenceError) -> Self {
        let detail = error.to_string();
        match error {
            LicenceError::Access(denied) => denied.into(),
            LicenceError::NotFound(missing) => missing.into(),
            LicenceError::Refused { refusal: refusal @ AssignmentRefusal::NotAssignable { .. }, .. } => {
                ApiError::new(ErrorCode::PlanNotAssignable, refusal.to_string())
            }
            LicenceError::Refused {
                refusal: AssignmentRefusal::AlreadyHeldForPlan { subscription_id, .. }, ..
            } => ApiError::new(ErrorCode::LicenceHeldForPlan, detail)
                .with_context(serde_json::json!({"subscription_id": subscription_id})),
            LicenceError::HeldConcurrently { .. } => ApiError::new(ErrorCode::LicenceHeldForPlan, detail),
            LicenceError::Pool(refusal) => pool_problem(refusal),
            LicenceError::LostRace => ApiError::new(ErrorCode::ConcurrentUpdate, detail),
            LicenceError::Store(store) => store.into(),
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct LicensePath {
    /// Tenant id.
    pub tid: String,
    /// User id.
    pub uid: String,
    /// Subscription id.
    pub sid: String,
}

/// Gives the person a licence of the subscription.
///
/// Repeating it changes nothing (200). A person holds at most one licence of a plan; nothing is
/// given from a pool that is not active; an exhausted pool answers 409 `license_pool_exhausted`
/// with what is available and how to fix it.
#[utoipa::path(put, path = "/v1/tenants/{tid}/users/{uid}/licenses/{sid}", tag = "licenses", operation_id = "assign_license",
    params(LicensePath),
    responses(
        (status = 201, description = "Licence given", body = UserLicense),
        (status = 200, description = "The person already held it", body = UserLicense),
        (status = 409, description = "No seat available (`license_pool_exhausted`), a licence of the plan already held (`licence_held_for_plan`), or the pool is not active (`subscription_not_active`)",
            body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The plan's licences are not given to people (`plan_not_assignable`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn assign_license(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<LicensePath>,
) -> Result<HttpResponse, ApiError> {
    let LicensePath { tid, uid, sid } = path.into_inner();
    let given = service::assign(&state, &caller, tid, uid, sid).await?;
    let mut response = if given.created { HttpResponse::Created() } else { HttpResponse::Ok() };
    Ok(response.json(given.licence))
}

/// Takes the licence back; its seat becomes available.
///
/// Allowed in any status but terminated, so people can be cleared off a suspended pool.
#[utoipa::path(delete, path = "/v1/tenants/{tid}/users/{uid}/licenses/{sid}", tag = "licenses", operation_id = "remove_license",
    params(LicensePath),
    responses((status = 204, description = "Licence removed")),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn remove_license(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<LicensePath>,
) -> Result<HttpResponse, ApiError> {
    let LicensePath { tid, uid, sid } = path.into_inner();
    service::remove(&state, &caller, tid, uid, sid).await?;
    Ok(HttpResponse::NoContent().finish())
}
