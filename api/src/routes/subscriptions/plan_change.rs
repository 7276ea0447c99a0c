//! Moving people from one plan to another in one operation.

use actix_web::{web, HttpResponse};

use super::paths::TenantSubscriptionPath;
use super::requests::ChangePlanRequest;
use crate::app::state::AppState;
use crate::http::caller::Caller;
use crate::http::problem::{ApiError, ErrorCode, Problem};
use crate::services::plan_change::{self as service, PlanChangeError, PlanChangeRequest};
use crate::views::plan_change::PlanChangeReportBody;

impl From<PlanChangeError> for ApiError {
    fn from(error: PlanChangeError) -> Self {
        let detail = error.to_string();
        match error {
            PlanChangeError::Access(denied) => denied.into(),
            PlanChangeError::NotFound(missing) => missing.into(),
            PlanChangeError::UnknownPlan(_) => ApiError::new(ErrorCode::UnknownPlan, detail),
            PlanChangeError::Refused(report) => match serde_json::to_value(&*report) {
                Ok(report) => ApiError::new(ErrorCode::PlanChangeRefused, detail).with_context(report),
                Err(failure) => ApiError::internal(format!("cannot render a plan change report: {failure}")),
            },
            PlanChangeError::LostRace => ApiError::new(ErrorCode::ConcurrentUpdate, detail),
            PlanChangeError::Store(store) => store.into(),
        }
    }
}

/// Moves people from this subscription to another plan in one operation: checks the target is an
/// allowed upgrade or downgrade, finds (or buys and activates, with `buy_missing`) the seats, swaps
/// each person's license so nobody is ever left with neither, and optionally terminates the emptied
/// source.
///
/// `dry_run: true` returns the same report and changes nothing.
#[utoipa::path(post, path = "/v1/tenants/{tid}/subscriptions/{sid}/change-plan", tag = "subscriptions", operation_id = "change_plan",
    params(TenantSubscriptionPath),
    request_body = ChangePlanRequest,
    responses(
        (status = 200, description = "The report: applied, or what a dry run would do", body = PlanChangeReportBody),
        (status = 409, description = "The pools changed while the change ran (`concurrent_update`); nothing was changed", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The change cannot be made (`plan_change_refused`, the report in `context`), or an unknown plan", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn change_plan(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<TenantSubscriptionPath>,
    body: web::Json<ChangePlanRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    if body.users.as_ref().is_some_and(|users| users.len() > 10_000) {
        return Err(ApiError::invalid_field("users", "at most 10000 people per change"));
    }
    let TenantSubscriptionPath { tid, sid } = path.into_inner();
    let request = PlanChangeRequest {
        target_plan: body.target_plan,
        users: body.users,
        buy_missing: body.buy_missing,
        terminate_source: body.terminate_source,
        dry_run: body.dry_run,
    };
    let report: PlanChangeReportBody = service::change_plan(&state, &caller, tid.into(), sid.into(), request).await?;
    Ok(HttpResponse::Ok().json(report))
}
