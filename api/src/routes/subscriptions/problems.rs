//! How refused subscription use cases answer: each refusal its own stable code and context.

use tenantry_domain::license_pool::PoolError;

use crate::http::problem::{ApiError, ErrorCode};
use crate::services::subscriptions::SubscriptionError;

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
        PoolError::StillAssigned { assigned } => ApiError::new(ErrorCode::LicensesStillAssigned, message)
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
                    .with_context(serde_json::json!({"seat_limit": limit, "purchased": 0, "requested": requested}))
            }
            SubscriptionError::Order(OrderError::ActivationBeyondOrder { .. }) => {
                ApiError::invalid_field("activate_seats", detail)
            }
            SubscriptionError::GlobalAdminRequired => ApiError::new(ErrorCode::GlobalAdminRequired, detail),
            SubscriptionError::Pool(refusal) => pool_problem(refusal),
            SubscriptionError::HeldBy { error, holders, domains } => {
                let holders: Vec<serde_json::Value> = holders
                    .iter()
                    .map(|h| serde_json::json!({"user_id": h.user_id, "sign_in": h.sign_in, "display_name": h.display_name}))
                    .collect();
                let domains: Vec<serde_json::Value> = domains
                    .iter()
                    .map(|d| serde_json::json!({"registration_id": d.registration_id, "name": d.name}))
                    .collect();
                pool_problem(error).with_context(serde_json::json!({"holders": holders, "domains": domains}))
            }
            SubscriptionError::LostRace => ApiError::new(ErrorCode::ConcurrentUpdate, detail),
            SubscriptionError::Stale(stale) => stale.into(),
            SubscriptionError::KeyReused(reused) => reused.into(),
            SubscriptionError::Render(failure) => ApiError::internal_error(&failure),
            SubscriptionError::Store(store) => store.into(),
        }
    }
}
