//! Subscriptions (licence pools): orders, seats, activation, suspension, termination, plan
//! changes and the tenant's licence summary.

pub mod plan_change;
pub mod pools;
pub mod requests;
pub mod summary;

use actix_web::web;
use serde::Deserialize;
use tenantry_domain::license_pool::PoolError;
use utoipa::IntoParams;

use super::resource;
use crate::etag::IfMatch;
use crate::problem::{ApiError, ErrorCode};
use crate::services::subscriptions::{PoolChange, SubscriptionError};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/v1/tenants/{tid}/subscriptions", "GET, POST")
            .route(web::get().to(pools::list_subscriptions))
            .route(web::post().to(pools::create_subscription)),
    )
    .service(resource("/v1/tenants/{tid}/subscriptions/{sid}", "GET").route(web::get().to(pools::get_subscription)))
    .service(resource("/v1/tenants/{tid}/subscriptions/{sid}/seats", "POST").route(web::post().to(pools::buy_seats)))
    .service(
        resource("/v1/tenants/{tid}/subscriptions/{sid}/activation", "POST")
            .route(web::post().to(pools::change_activation)),
    )
    .service(
        resource("/v1/tenants/{tid}/subscriptions/{sid}/suspend", "POST")
            .route(web::post().to(pools::suspend_subscription)),
    )
    .service(
        resource("/v1/tenants/{tid}/subscriptions/{sid}/reactivate", "POST")
            .route(web::post().to(pools::reactivate_subscription)),
    )
    .service(
        resource("/v1/tenants/{tid}/subscriptions/{sid}/terminate", "POST")
            .route(web::post().to(pools::terminate_subscription)),
    )
    .service(
        resource("/v1/tenants/{tid}/subscriptions/{sid}/change-plan", "POST")
            .route(web::post().to(plan_change::change_plan)),
    )
    .service(resource("/v1/tenants/{tid}/license-summary", "GET").route(web::get().to(summary::get_license_summary)));
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct TenantSubscriptionPath {
    /// Tenant id.
    pub tid: String,
    /// Subscription id.
    pub sid: String,
}

impl TenantSubscriptionPath {
    /// The subscription a change is about, with the client's precondition.
    fn change(self, if_match: IfMatch) -> PoolChange {
        PoolChange { tenant_id: self.tid, subscription_id: self.sid, if_match }
    }
}

/// The problem a refused pool change answers with; each refusal has its own stable code.
pub fn pool_problem(error: PoolError) -> ApiError {
    let message = error.to_string();
    match error {
        PoolError::NotActive { status } => ApiError::new(ErrorCode::SubscriptionNotActive, message)
            .with_context(serde_json::json!({"status": status.as_str()})),
        PoolError::Exhausted { active, assigned, purchased } => {
            let inactive = purchased - active;
            let mut fixes = Vec::new();
            if inactive > 0 {
                fixes.push(format!("activate up to {inactive} purchased seats: POST .../activation {{\"delta\": 1}}"));
            }
            fixes.push("buy seats: POST .../seats".to_owned());
            fixes.push("remove a licence from someone who no longer needs it".to_owned());
            ApiError::new(ErrorCode::LicensePoolExhausted, message).with_context(serde_json::json!({
                "available": active - assigned, "active": active, "assigned": assigned, "purchased": purchased,
                "fixes": fixes,
            }))
        }
        PoolError::ActivationBeyondPurchased { requested, inactive } => {
            ApiError::new(ErrorCode::ActivationBeyondPurchased, message)
                .with_context(serde_json::json!({"requested": requested, "inactive": inactive}))
        }
        PoolError::DeactivationBelowAssigned { requested, active, assigned } => {
            ApiError::new(ErrorCode::DeactivationBelowAssigned, message)
                .with_context(serde_json::json!({"requested": requested, "active": active, "assigned": assigned}))
        }
        PoolError::SeatLimit { limit, purchased } => ApiError::new(ErrorCode::SeatLimitExceeded, message)
            .with_context(serde_json::json!({"seat_limit": limit, "purchased": purchased})),
        PoolError::StillAssigned { assigned } => ApiError::new(ErrorCode::LicencesStillAssigned, message)
            .with_context(serde_json::json!({"assigned": assigned})),
        PoolError::ZeroDelta => ApiError::invalid_field("delta", message),
        PoolError::Transition { .. } => ApiError::new(ErrorCode::InvalidTransition, message),
    }
}

impl From<SubscriptionError> for ApiError {
    fn from(error: SubscriptionError) -> Self {
        use tenantry_domain::order::OrderError;
        let detail = error.to_string();
        match error {
            SubscriptionError::Access(denied) => denied.into(),
            SubscriptionError::NotFound(missing) => missing.into(),
            SubscriptionError::UnknownPlan(_) => ApiError::new(ErrorCode::UnknownPlan, detail),
            SubscriptionError::Order(OrderError::NotOrderable { .. }) => {
                ApiError::new(ErrorCode::PlanNotOrderable, detail)
            }
            SubscriptionError::Order(OrderError::SeatLimit { limit, requested }) => {
                ApiError::new(ErrorCode::SeatLimitExceeded, detail)
                    .with_context(serde_json::json!({"seat_limit": limit, "requested": requested}))
            }
            SubscriptionError::Order(OrderError::ActivationBeyondOrder { .. }) => {
                ApiError::invalid_field("activate_seats", detail)
            }
            SubscriptionError::GlobalAdminRequired => ApiError::new(ErrorCode::GlobalAdminRequired, detail),
            SubscriptionError::Pool(refusal) => pool_problem(refusal),
            SubscriptionError::HeldBy { error, holders } => {
                let holders: Vec<serde_json::Value> = holders
                    .iter()
                    .map(|h| serde_json::json!({"user_id": h.user_id, "sign_in": h.sign_in, "display_name": h.display_name}))
                    .collect();
                pool_problem(error).with_context(serde_json::json!({"holders": holders}))
            }
            SubscriptionError::LostRace => ApiError::new(ErrorCode::ConcurrentUpdate, detail),
            SubscriptionError::Stale(stale) => stale.into(),
            SubscriptionError::KeyReused(reused) => reused.into(),
            SubscriptionError::Render(failure) => ApiError::internal(failure),
            SubscriptionError::Store(store) => store.into(),
        }
    }
}
