//! Changing plan in one operation: the people on a subscription move to another plan, each
//! holding exactly one of the two licenses at every instant anyone can observe.
//!
//! The domain's `plan_change::plan` decides from the state read in the transaction; a dry run
//! returns that decision; a real run applies it in the same transaction, all or nothing. The
//! conditional updates still guard every counter, so a change that loses a race with another
//! request rolls back whole and nobody is left with neither license.

use std::collections::HashSet;
use tenantry_domain::{SubscriptionId, TenantId};

use tenantry_domain::audit::AuditAction;
use tenantry_domain::catalogue::UnknownPlan;
use tenantry_domain::license_pool::{PoolChange, SeatCount, SubscriptionStatus};
use tenantry_domain::permissions::{Action, Target};
use tenantry_domain::plan::Plan;
use tenantry_domain::plan_change::{self, Mover, PlanChangeInput, PlanChangePlan};
use tenantry_persistence::seats::{self, SeatError};
use tenantry_persistence::subscriptions::{self, NewAssignment, NewSubscription, SubscriptionRow};
use tenantry_persistence::version_guard::VersionGuard;
use tenantry_persistence::{users, StoreError};

use super::lookup::NotFound;
use super::subscriptions::{find as find_subscription, plan_of};
use crate::app::state::AppState;
use crate::app::unit_of_work::{Subject, Tx};
use crate::http::caller::{AccessDenied, SignedIn};
use crate::runtime::ids::new_id;
use crate::views::plan_change::{PlanChangeFacts, PlanChangeReportBody};

/// Why a plan change was not made.
#[derive(Debug, thiserror::Error)]
pub enum PlanChangeError {
    #[error(transparent)]
    Access(#[from] AccessDenied),
    #[error(transparent)]
    NotFound(#[from] NotFound),
    #[error(transparent)]
    UnknownPlan(#[from] UnknownPlan),
    /// The domain found problems; the report lists them all.
    #[error("the plan change cannot be made; see `context.errors`")]
    Refused(Box<PlanChangeReportBody>),
    #[error("the pools changed while the plan change ran; nothing was changed, try again")]
    LostRace,
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub struct PlanChangeRequest {
    pub target_plan: String,
    /// The people to move; everyone holding a source license when absent.
    pub users: Option<Vec<String>>,
    pub buy_missing: bool,
    pub terminate_source: bool,
    pub dry_run: bool,
}

/// The people to move: the ones asked for (each once), or everyone holding a source license.
fn wanted(requested: Option<&Vec<String>>, holders: &HashSet<String>) -> Vec<String> {
    match requested {
        Some(list) => {
            let mut seen = HashSet::new();
            list.iter().filter(|id| seen.insert((*id).clone())).cloned().collect()
        }
        None => {
            let mut all: Vec<String> = holders.iter().cloned().collect();
            all.sort();
            all
        }
    }
}

pub async fn change_plan(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: TenantId,
    source_id: SubscriptionId,
    request: PlanChangeRequest,
) -> Result<PlanChangeReportBody, PlanChangeError> {
    // Moving people between plans is both managing subscriptions and assigning licenses.
    caller.authorize(&tenant_id, Action::ManageSubscriptions, Target::Tenant)?;
    let permit = caller.authorize(&tenant_id, Action::AssignLicenses, Target::Tenant)?;
    let target_plan = state.catalogue().plan(&request.target_plan)?.clone();
    state
        .transact(&permit, move |tx| {
            let source = find_subscription::<PlanChangeError>(tx.conn(), &tenant_id, &source_id)?;
            let source_plan = plan_of(tx.catalogue(), &source)?;
            let holders: HashSet<String> =
                subscriptions::holders(tx.conn(), &source_id)?.into_iter().map(|holder| holder.user_id).collect();
            let wanted = wanted(request.users.as_ref(), &holders);
            let mut movers = Vec::with_capacity(wanted.len());
            let mut people = Vec::with_capacity(wanted.len());
            let held = subscriptions::assignments_of(tx.conn(), &wanted)?;
            for user_id in &wanted {
                let member = users::find_in_tenant(tx.conn(), &tenant_id, user_id)?;
                // Only for members: nothing is said about people of other tenants.
                let holds_target =
                    member.is_some() && held.iter().any(|a| &a.user_id == user_id && a.plan_code == target_plan.code);
                movers.push(Mover {
                    user_id: user_id.clone(),
                    holds_source: member.is_some() && holders.contains(user_id),
                    holds_target,
                });
                people.push((user_id.clone(), member.map(|m| m.sign_in)));
            }
            let target_row =
                subscriptions::active_of_plan(tx.conn(), &tenant_id, &target_plan.code)?.into_iter().next();
            let decided = plan_change::plan(&PlanChangeInput {
                source_plan,
                source_pool: source.pool(),
                target_plan: &target_plan,
                target_pool: target_row.as_ref().map(SubscriptionRow::pool),
                movers,
                buy_missing: request.buy_missing,
                terminate_source: request.terminate_source,
            });
            let report = |target_subscription_id: Option<&str>, applied: bool| {
                PlanChangeReportBody::new(&PlanChangeFacts {
                    source_subscription_id: &source.id,
                    source_plan: &source_plan.code,
                    target_plan: &target_plan.code,
                    target_subscription_id,
                    decided: &decided,
                    people: &people,
                    dry_run: request.dry_run,
                    applied,
                })
            };
            let existing_target = target_row.as_ref().map(|row| row.id.as_str());
            if request.dry_run {
                return Ok(report(existing_target, false));
            }
            if !decided.can_proceed() {
                return Err(PlanChangeError::Refused(Box::new(report(existing_target, false))));
            }
            let target_id = apply(tx, &tenant_id, &source_id, &target_plan, target_row.as_ref(), &decided)?;
            let applied = Applied {
                tenant_id: &tenant_id,
                source_id: &source_id,
                source_plan: &source_plan.code,
                target_plan: &target_plan.code,
                target_id: &target_id,
                decided: &decided,
            };
            record(tx, &applied)?;
            Ok(report(Some(&target_id), true))
        })
        .await
}

/// A change that was made, as the audit log tells it.
struct Applied<'a> {
    tenant_id: &'a str,
    source_id: &'a str,
    source_plan: &'a str,
    target_plan: &'a str,
    target_id: &'a str,
    decided: &'a PlanChangePlan,
}

/// The audit events of an applied change: the target pool's growth, and the change itself.
fn record(tx: &mut Tx<'_>, applied: &Applied<'_>) -> Result<(), StoreError> {
    let Applied { tenant_id, source_id, source_plan, target_plan, target_id, decided } = *applied;
    let target_action = if decided.creates_target_pool {
        Some(AuditAction::SubscriptionOrdered)
    } else if decided.seats_to_buy + decided.seats_to_activate > 0 {
        Some(AuditAction::SubscriptionSeatsAdded)
    } else {
        None
    };
    if let Some(action) = target_action {
        let details = serde_json::json!({
            "plan": target_plan, "by_plan_change_of": source_id,
            "seats_bought": decided.seats_to_buy, "seats_activated": decided.seats_to_activate,
        });
        tx.audit(action, Subject::in_tenant(tenant_id, target_id), details)?;
    }
    let details = serde_json::json!({
        "from": source_plan, "to": target_plan, "target_subscription_id": target_id,
        "users": decided.moving, "seats_bought": decided.seats_to_buy,
        "seats_activated": decided.seats_to_activate, "source_terminated": decided.terminates_source,
    });
    tx.audit(AuditAction::SubscriptionPlanChanged, Subject::in_tenant(tenant_id, source_id), details)
}

/// Applies a decided change. Any step that does not apply rolls the whole change back: the
/// decision was made on the pools as read, so a refusal now means another request changed them.
fn apply(
    tx: &mut Tx<'_>,
    tenant_id: &str,
    source_id: &str,
    target_plan: &Plan,
    target_row: Option<&SubscriptionRow>,
    decided: &PlanChangePlan,
) -> Result<String, PlanChangeError> {
    let now = tx.stamp();
    let conn = tx.conn();
    let target_id = match target_row {
        Some(row) => {
            let mut row = row.clone();
            if decided.seats_to_buy > 0 {
                let bought = SeatCount::parse(decided.seats_to_buy).map_err(|_| PlanChangeError::LostRace)?;
                let buy = PoolChange::Buy { seats: bought, seat_limit: target_plan.seat_limit };
                row = seats::change(conn, &row, buy, now, VersionGuard::ANY)?;
            }
            let to_activate = decided.seats_to_activate + decided.seats_to_buy;
            if to_activate > 0 {
                seats::change(conn, &row, PoolChange::Activate(to_activate), now, VersionGuard::ANY)?;
            }
            row.id
        }
        None => {
            // The tenant is already set up on the suite, so a pool made by a plan change is
            // active at once: only first orders wait for provisioning.
            let id = new_id();
            seats::open(
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
        let license = NewAssignment {
            subscription_id: &target_id,
            user_id,
            tenant_id,
            plan_code: &target_plan.code,
            assigned_at: now,
        };
        seats::give(conn, &license, now)?;
        if !seats::take_back(conn, source_id, user_id, now)? {
            return Err(PlanChangeError::LostRace);
        }
    }
    if decided.terminates_source {
        let source = subscriptions::find(conn, source_id)?.ok_or(PlanChangeError::LostRace)?;
        seats::change(conn, &source, PoolChange::Terminate, now, VersionGuard::ANY)?;
    }
    Ok(target_id)
}

/// A seat that does not move as decided: the pools changed since they were read.
impl From<SeatError> for PlanChangeError {
    fn from(error: SeatError) -> Self {
        match error {
            SeatError::Store(error) => PlanChangeError::Store(error),
            SeatError::Refused(_) | SeatError::AlreadyHeld | SeatError::Raced | SeatError::NoSuchPool(_) => {
                PlanChangeError::LostRace
            }
        }
    }
}
