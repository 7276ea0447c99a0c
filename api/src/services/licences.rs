//! Giving licences to people and taking them back.

use tenantry_domain::permissions::{Action, Target};
use tenantry_persistence::subscriptions::{self, AssignmentRow, NewAssignment};
use tenantry_persistence::{time, StoreError};

use super::audit::{self, Actor, Change};
use super::subscriptions::{load as load_subscription, pool_error};
use super::users::load as load_user;
use crate::auth::SignedIn;
use crate::problem::{ApiError, ErrorCode};
use crate::state::AppState;

/// Gives the person a licence of the subscription. Returns the licence and whether it is new
/// (a repeated PUT finds the licence already there and changes nothing).
pub async fn assign(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: String,
    user_id: String,
    subscription_id: String,
) -> Result<(AssignmentRow, bool), ApiError> {
    caller.authorize(&tenant_id, Action::AssignLicences, Target::Tenant)?;
    let actor = Actor::from(caller);
    let catalogue = state.catalogue.clone();
    state
        .write(move |conn| {
            let now = super::now();
            let user = load_user(conn, &tenant_id, &user_id)?;
            let subscription = load_subscription(conn, &catalogue, &tenant_id, &subscription_id)?;
            if let Some(existing) = subscriptions::assignment(conn, &subscription_id, &user_id)? {
                return Ok((existing, false));
            }
            if !subscription.plan.assignable {
                return Err(ApiError::new(
                    ErrorCode::PlanNotAssignable,
                    format!("{} licences are not given to people", subscription.plan.name),
                ));
            }
            if let Some(held) = user.licences.iter().find(|l| l.plan_code == subscription.plan.code) {
                return Err(ApiError::new(
                    ErrorCode::LicenceHeldForPlan,
                    format!("{} already holds a {} licence", user.row.sign_in, subscription.plan.name),
                )
                .with_context(serde_json::json!({"subscription_id": held.subscription_id})));
            }
            subscription.pool()?.assign().map_err(pool_error)?;
            if !subscriptions::take_seat(conn, &subscription_id, time::to_db(now))? {
                let fresh = load_subscription(conn, &catalogue, &tenant_id, &subscription_id)?.pool()?;
                return Err(match fresh.assign() {
                    Err(error) => pool_error(error),
                    Ok(_) => ApiError::new(ErrorCode::ConcurrentUpdate, "the pool changed at the same time; try again"),
                });
            }
            let assignment = NewAssignment {
                subscription_id: &subscription_id,
                user_id: &user_id,
                tenant_id: &tenant_id,
                plan_code: &subscription.plan.code,
                assigned_at: time::to_db(now),
            };
            subscriptions::insert_assignment(conn, &assignment).map_err(|e| match e {
                StoreError::UniqueViolation { .. } => ApiError::new(
                    ErrorCode::LicenceHeldForPlan,
                    format!("{} already holds a {} licence", user.row.sign_in, subscription.plan.name),
                ),
                other => other.into(),
            })?;
            audit::record(
                conn,
                &actor,
                Change {
                    tenant_id: Some(&tenant_id),
                    action: "licence.assigned",
                    target_type: "user",
                    target_id: &user_id,
                    details: serde_json::json!({"subscription_id": subscription_id, "plan": subscription.plan.code}),
                },
                now,
            )?;
            let created = subscriptions::assignment(conn, &subscription_id, &user_id)?
                .ok_or_else(|| ApiError::internal("a licence just given is missing"))?;
            Ok((created, true))
        })
        .await
}

/// Takes the licence back; the seat becomes available again.
pub async fn remove(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: String,
    user_id: String,
    subscription_id: String,
) -> Result<(), ApiError> {
    caller.authorize(&tenant_id, Action::AssignLicences, Target::Tenant)?;
    let actor = Actor::from(caller);
    let catalogue = state.catalogue.clone();
    state
        .write(move |conn| {
            let now = super::now();
            load_user(conn, &tenant_id, &user_id)?;
            let subscription = load_subscription(conn, &catalogue, &tenant_id, &subscription_id)?;
            if !subscriptions::delete_assignment(conn, &subscription_id, &user_id)? {
                return Err(ApiError::not_found("licence"));
            }
            if !subscriptions::release_seat(conn, &subscription_id, time::to_db(now))? {
                return Err(ApiError::internal(format!(
                    "subscription {subscription_id} counted no seat for a licence it gave"
                )));
            }
            audit::record(
                conn,
                &actor,
                Change {
                    tenant_id: Some(&tenant_id),
                    action: "licence.removed",
                    target_type: "user",
                    target_id: &user_id,
                    details: serde_json::json!({"subscription_id": subscription_id, "plan": subscription.plan.code}),
                },
                now,
            )
        })
        .await
}
