//! Changing plan in one operation: the people on a subscription move to another plan, each
//! holding exactly one of the two licences at every instant anyone can observe.
//!
//! The domain's `plan_change::plan` decides from the state read in the transaction; a dry run
//! returns that decision; a real run applies it in the same transaction, all or nothing. The
//! conditional updates still guard every counter, so a change that loses a race with another
//! request rolls back whole and nobody is left with neither licence.

use std::collections::HashSet;

use tenantry_domain::license_pool::SubscriptionStatus;
use tenantry_domain::permissions::{Action, Target};
use tenantry_domain::plan::Plan;
use tenantry_domain::plan_change::{self, Mover, PlanChangeInput, PlanChangePlan};
use tenantry_persistence::subscriptions::{self, NewAssignment, NewSubscription, SubscriptionRow, VersionGuard};
use tenantry_persistence::{time, users, DbConnection};

use super::audit::{self, Actor, Change};
use super::subscriptions::load as load_subscription;
use crate::auth::SignedIn;
use crate::problem::{ApiError, ErrorCode};
use crate::state::AppState;

pub struct PlanChangeRequest {
    pub target_plan: String,
    /// The people to move; everyone holding a source licence when absent.
    pub users: Option<Vec<String>>,
    pub buy_missing: bool,
    pub terminate_source: bool,
    pub dry_run: bool,
}

/// A person in the report.
pub struct MovedUser {
    pub user_id: String,
    pub sign_in: Option<String>,
}

/// What the change did, or would do.
pub struct PlanChangeReport {
    pub source: SubscriptionRow,
    pub source_plan: Plan,
    pub target_plan: Plan,
    pub target_subscription_id: Option<String>,
    pub decided: PlanChangePlan,
    pub users: Vec<MovedUser>,
    pub dry_run: bool,
    pub applied: bool,
}

pub async fn change_plan(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: String,
    source_id: String,
    request: PlanChangeRequest,
    render_refusal: impl FnOnce(&PlanChangeReport) -> serde_json::Value + Send + 'static,
) -> Result<PlanChangeReport, ApiError> {
    // Moving people between plans is both managing subscriptions and assigning licences.
    caller.authorize(&tenant_id, Action::ManageSubscriptions, Target::Tenant)?;
    caller.authorize(&tenant_id, Action::AssignLicences, Target::Tenant)?;
    let target_plan = state.plan(&request.target_plan).cloned().ok_or_else(|| {
        ApiError::new(ErrorCode::UnknownPlan, format!("there is no plan `{}`; see GET /v1/plans", request.target_plan))
    })?;
    let actor = Actor::from(caller);
    let catalogue = state.catalogue.clone();
    state
        .write(move |conn| {
            let now = super::now();
            let source = load_subscription(conn, &catalogue, &tenant_id, &source_id)?;
            let source_pool = source.pool()?;
            let holders: HashSet<String> =
                subscriptions::holders(conn, &source_id)?.into_iter().map(|(user_id, _, _)| user_id).collect();
            let wanted: Vec<String> = match &request.users {
                Some(list) => {
                    let mut seen = HashSet::new();
                    list.iter().filter(|id| seen.insert((*id).clone())).cloned().collect()
                }
                None => {
                    let mut all: Vec<String> = holders.iter().cloned().collect();
                    all.sort();
                    all
                }
            };
            let mut movers = Vec::with_capacity(wanted.len());
            let mut people = Vec::with_capacity(wanted.len());
            let held = subscriptions::assignments_of(conn, &wanted)?;
            for user_id in &wanted {
                let member = users::find_in_tenant(conn, &tenant_id, user_id)?;
                // Only for members: nothing is said about people of other tenants.
                let holds_target =
                    member.is_some() && held.iter().any(|a| &a.user_id == user_id && a.plan_code == target_plan.code);
                movers.push(Mover {
                    user_id: user_id.clone(),
                    holds_source: member.is_some() && holders.contains(user_id),
                    holds_target,
                });
                people.push(MovedUser { user_id: user_id.clone(), sign_in: member.map(|m| m.sign_in) });
            }
            let target_row = subscriptions::active_of_plan(conn, &tenant_id, &target_plan.code)?.into_iter().next();
            let target_pool = target_row.as_ref().map(SubscriptionRow::pool).transpose()?;
            let decided = plan_change::plan(&PlanChangeInput {
                source_plan: &source.plan,
                source_pool,
                target_plan: &target_plan,
                target_pool,
                movers,
                buy_missing: request.buy_missing,
                terminate_source: request.terminate_source,
            });
            let mut report = PlanChangeReport {
                source: source.row.clone(),
                source_plan: source.plan.clone(),
                target_plan: target_plan.clone(),
                target_subscription_id: target_row.as_ref().map(|row| row.id.clone()),
                decided,
                users: people,
                dry_run: request.dry_run,
                applied: false,
            };
            if request.dry_run {
                return Ok(report);
            }
            if !report.decided.can_proceed() {
                let context = render_refusal(&report);
                return Err(ApiError::new(ErrorCode::PlanChangeRefused, "the plan change cannot be made; see `context.errors`")
                    .with_context(context));
            }
            let target_id = apply(conn, &tenant_id, &source_id, &target_plan, target_row.as_ref(), &report.decided)?;
            report.target_subscription_id = Some(target_id.clone());
            report.applied = true;
            let target_action = if report.decided.creates_target_pool {
                Some("subscription.ordered")
            } else if report.decided.seats_to_buy + report.decided.seats_to_activate > 0 {
                Some("subscription.seats_added")
            } else {
                None
            };
            if let Some(action) = target_action {
                audit::record(
                    conn,
                    &actor,
                    Change {
                        tenant_id: Some(&tenant_id),
                        action,
                        target_type: "subscription",
                        target_id: &target_id,
                        details: serde_json::json!({
                            "plan": target_plan.code, "by_plan_change_of": source_id,
                            "seats_bought": report.decided.seats_to_buy, "seats_activated": report.decided.seats_to_activate,
                        }),
                    },
                    now,
                )?;
            }
            audit::record(
                conn,
                &actor,
                Change {
                    tenant_id: Some(&tenant_id),
                    action: "subscription.plan_changed",
                    target_type: "subscription",
                    target_id: &source_id,
                    details: serde_json::json!({
                        "from": report.source_plan.code, "to": target_plan.code, "target_subscription_id": target_id,
                        "users": report.decided.moving, "seats_bought": report.decided.seats_to_buy,
                        "seats_activated": report.decided.seats_to_activate, "source_terminated": report.decided.terminates_source,
                    }),
                },
                now,
            )?;
            Ok(report)
        })
        .await
}

fn lost_race() -> ApiError {
    ApiError::new(
        ErrorCode::ConcurrentUpdate,
        "the pools changed while the plan change ran; nothing was changed, try again",
    )
}

/// Applies a decided change. Any step that does not apply rolls the whole change back.
fn apply(
    conn: &mut DbConnection,
    tenant_id: &str,
    source_id: &str,
    target_plan: &Plan,
    target_row: Option<&SubscriptionRow>,
    decided: &PlanChangePlan,
) -> Result<String, ApiError> {
    let now = time::to_db(super::now());
    let target_id = match target_row {
        Some(row) => {
            if decided.seats_to_buy > 0
                && !subscriptions::add_purchased(
                    conn,
                    &row.id,
                    decided.seats_to_buy,
                    target_plan.seat_limit,
                    now,
                    VersionGuard::ANY,
                )?
            {
                return Err(lost_race());
            }
            let to_activate = decided.seats_to_activate + decided.seats_to_buy;
            if to_activate > 0 && !subscriptions::change_active(conn, &row.id, to_activate, now, VersionGuard::ANY)? {
                return Err(lost_race());
            }
            row.id.clone()
        }
        None => {
            // The tenant is already set up on the suite, so a pool made by a plan change is
            // active at once: only first orders wait for provisioning.
            let id = super::new_id();
            subscriptions::insert(
                conn,
                &NewSubscription {
                    id: &id,
                    tenant_id,
                    plan_code: &target_plan.code,
                    status: SubscriptionStatus::Active.as_str(),
                    purchased: decided.seats_to_buy,
                    active: decided.seats_to_buy,
                    assigned: 0,
                    activate_on_provisioning: decided.seats_to_buy,
                    created_at: now,
                    updated_at: now,
                    activated_at: Some(now),
                },
            )?;
            id
        }
    };
    for user_id in &decided.moving {
        if !subscriptions::take_seat(conn, &target_id, now)? {
            return Err(lost_race());
        }
        subscriptions::insert_assignment(
            conn,
            &NewAssignment {
                subscription_id: &target_id,
                user_id,
                tenant_id,
                plan_code: &target_plan.code,
                assigned_at: now,
            },
        )
        .map_err(|e| match e {
            tenantry_persistence::StoreError::UniqueViolation { .. } => lost_race(),
            other => other.into(),
        })?;
        if !subscriptions::delete_assignment(conn, source_id, user_id)?
            || !subscriptions::release_seat(conn, source_id, now)?
        {
            return Err(lost_race());
        }
    }
    if decided.terminates_source && !subscriptions::terminate(conn, source_id, now, VersionGuard::ANY)? {
        return Err(lost_race());
    }
    Ok(target_id)
}
