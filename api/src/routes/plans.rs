//! The plan catalogue.

use actix_web::{web, HttpResponse};

use super::table::RouteTable;
use crate::app::state::AppState;
use crate::http::caller::Caller;
use crate::views::plan::{Plan, PlanList};

pub fn configure(table: &mut RouteTable) {
    table.add(__path_list_plans, list_plans);
}

/// Lists the plan catalogue.
///
/// Each plan with its services, seat price, seat limit and the plans it may be upgraded or
/// downgraded to (the targets of `change-plan`).
#[utoipa::path(get, path = "/v1/plans", tag = "subscriptions", operation_id = "list_plans",
    responses((status = 200, description = "The catalogue", body = PlanList)),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn list_plans(state: web::Data<AppState>, _caller: Caller) -> HttpResponse {
    HttpResponse::Ok().json(PlanList { items: state.catalogue().plans().iter().map(Plan::from).collect() })
}
