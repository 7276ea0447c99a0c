//! Giving a person a license of a subscription, and taking it back.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use tenantry_domain::license::AssignmentRefusal;
use utoipa::IntoParams;

use super::subscriptions::problems::pool_problem;
use super::table::RouteTable;
use crate::app::state::AppState;
use crate::http::caller::Caller;
use crate::http::problem::{ApiError, ErrorCode, Problem};
use crate::services::licenses::{self as service, LicenseError};
use crate::views::user::UserLicense;

pub fn configure(table: &mut RouteTable) {
    table.add(__path_assign_license, assign_license).add(__path_remove_license, remove_license);
}

impl From<LicenseError> for ApiError {
    fn from(error: LicenseError) -> Self {
        let detail = error.to_string();
        match error {
            LicenseError::Access(denied) => denied.into(),
            LicenseError::NotFound(missing) => missing.into(),
            LicenseError::Refused { refusal: refusal @ AssignmentRefusal::NotAssignable { .. }, .. } => {
                ApiError::new(ErrorCode::PlanNotAssignable, refusal.to_string())
            }
            LicenseError::Refused {
                refusal: AssignmentRefusal::AlreadyHeldForPlan { subscription_id, .. }, ..
            } => ApiError::new(ErrorCode::LicenseHeldForPlan, detail)
                .with_context(serde_json::json!({"subscription_id": subscription_id})),
            LicenseError::HeldConcurrently { .. } => ApiError::new(ErrorCode::LicenseHeldForPlan, detail),
            LicenseError::Pool(refusal) => pool_problem(refusal),
            LicenseError::LostRace => ApiError::new(ErrorCode::ConcurrentUpdate, detail),
            LicenseError::Store(store) => store.into(),
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

/// Gives the person a license of the subscription.
///
/// Repeating it changes nothing (200). A person holds at most one license of a plan; nothing is
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
    let given = service::assign(&state, &caller, tid.into(), uid.into(), sid.into()).await?;
    let mut response = if given.created { HttpResponse::Created() } else { HttpResponse::Ok() };
    Ok(response.json(given.license))
}

/// Takes the license back; its seat becomes available.
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
    service::remove(&state, &caller, tid.into(), uid.into(), sid.into()).await?;
    Ok(HttpResponse::NoContent().finish())
}
