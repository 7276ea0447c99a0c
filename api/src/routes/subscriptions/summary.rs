//! The tenant's licenses at a glance.

use actix_web::{web, HttpResponse};

use crate::app::state::AppState;
use crate::http::caller::Caller;
use crate::http::problem::ApiError;
use crate::services::subscriptions as service;
use crate::views::subscription::LicenseSummary;

/// The tenant's licenses per plan, for dashboards.
///
/// Purchased, active, assigned and available seats across the subscriptions that are not
/// terminated, and the monthly cost of the active seats.
#[utoipa::path(get, path = "/v1/tenants/{tid}/license-summary", tag = "subscriptions", operation_id = "get_license_summary",
    params(("tid" = String, Path, description = "Tenant id")),
    responses((status = 200, description = "The summary", body = LicenseSummary)),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn get_license_summary(
    state: web::Data<AppState>,
    caller: Caller,
    tid: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let summary: LicenseSummary = service::summary(&state, &caller, tid.into_inner().into()).await?;
    Ok(HttpResponse::Ok().json(summary))
}
