//! Subscriptions as licence pools: ordering, provisioning, buying seats, activating and
//! deactivating them, suspending, reactivating and terminating.
//!
//! Each change is decided by the domain's [`LicensePool`] rules on the row as read, then written
//! with a conditional update that restates the rule. If the update does not apply, another
//! request changed the pool in between; the pool is read again and the refusal explains the
//! state that won.

use chrono::Duration;
use tenantry_domain::license_pool::{LicensePool, PoolError, SeatCount, SubscriptionStatus};
use tenantry_domain::permissions::{Action, Target};
use tenantry_domain::plan::Plan;
use tenantry_domain::AdminRole;
use tenantry_persistence::subscriptions::{self, NewSubscription, SubscriptionRow};
use tenantry_persistence::{jobs, tenants, time, users, DbConnection};

use super::audit::{self, Actor, Change};
use crate::auth::SignedIn;
use crate::etag::IfMatch;
use crate::idempotency::{self, IdempotencyKey, Replayable};
use crate::pagination::PageRequest;
use crate::problem::{ApiError, ErrorCode};
use crate::state::AppState;

/// A subscription with its plan.
pub struct SubscriptionRecord {
    pub row: SubscriptionRow,
    pub plan: Plan,
}

impl SubscriptionRecord {
    pub fn pool(&self) -> Result<LicensePool, ApiError> {
        Ok(self.row.pool()?)
    }
}

fn plan_of(catalogue: &[Plan], code: &str) -> Result<Plan, ApiError> {
    catalogue
        .iter()
        .find(|p| p.code == code)
        .cloned()
        .ok_or_else(|| ApiError::internal(format!("plan {code} is not in the catalogue")))
}

/// A subscription of `tenant_id`, or 404.
pub fn load(
    conn: &mut DbConnection,
    catalogue: &[Plan],
    tenant_id: &str,
    id: &str,
) -> Result<SubscriptionRecord, ApiError> {
    let row = subscriptions::find_in_tenant(conn, tenant_id, id)?.ok_or_else(|| ApiError::not_found("subscription"))?;
    let plan = plan_of(catalogue, &row.plan_code)?;
    Ok(SubscriptionRecord { row, plan })
}

fn ensure_tenant(conn: &mut DbConnection, tenant_id: &str) -> Result<(), ApiError> {
    tenants::find(conn, tenant_id)?.map(|_| ()).ok_or_else(|| ApiError::not_found("tenant"))
}

/// The problem a refused pool change answers with; each has its own stable code.
pub fn pool_error(error: PoolError) -> ApiError {
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

/// After a conditional update did not apply: read the pool again and explain, first by the
/// client's `If-Match` (412), then by `decide` (the rule the new state breaks).
fn explain_lost_race(
    conn: &mut DbConnection,
    catalogue: &[Plan],
    tenant_id: &str,
    id: &str,
    if_match: &IfMatch,
    decide: impl Fn(&LicensePool) -> Result<LicensePool, PoolError>,
) -> ApiError {
    let fresh = match load(conn, catalogue, tenant_id, id) {
        Ok(fresh) => fresh,
        Err(error) => return error,
    };
    if let Err(stale) = if_match.check(fresh.row.version) {
        return stale;
    }
    match fresh.pool().map(|pool| decide(&pool)) {
        Ok(Err(error)) => pool_error(error),
        Ok(Ok(_)) => ApiError::new(ErrorCode::ConcurrentUpdate, "the subscription changed at the same time; try again"),
        Err(error) => error,
    }
}

fn subscription_audit<'a>(tenant_id: &'a str, action: &'a str, id: &'a str, details: serde_json::Value) -> Change<'a> {
    Change { tenant_id: Some(tenant_id), action, target_type: "subscription", target_id: id, details }
}

pub struct OrderInput {
    pub plan_code: String,
    pub seats: SeatCount,
    /// Seats to switch on when provisioning completes; at most `seats`.
    pub activate_seats: i64,
}

/// Orders a plan: a subscription in `provisioning`, and a durable job that will make it
/// active and welcome the tenant's global admins.
pub async fn order(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: String,
    input: OrderInput,
    key: IdempotencyKey,
    fingerprint: String,
    render: impl FnOnce(&SubscriptionRecord) -> Result<Replayable, ApiError> + Send + 'static,
) -> Result<Replayable, ApiError> {
    caller.authorize(&tenant_id, Action::ManageSubscriptions, Target::Tenant)?;
    let plan = state.plan(&input.plan_code).cloned().ok_or_else(|| {
        ApiError::new(ErrorCode::UnknownPlan, format!("there is no plan `{}`; see GET /v1/plans", input.plan_code))
    })?;
    if plan.code == "meetings_free" {
        return Err(ApiError::new(
            ErrorCode::PlanNotOrderable,
            "the free Meetings tier comes with self-service sign-up; it is not ordered",
        ));
    }
    if input.seats.get() > plan.seat_limit {
        return Err(pool_error(PoolError::SeatLimit { limit: plan.seat_limit, purchased: 0 }));
    }
    if input.activate_seats < 0 || input.activate_seats > input.seats.get() {
        return Err(ApiError::invalid_field("activate_seats", "between 0 and the seats ordered"));
    }
    let actor = Actor::from(caller);
    let delay = Duration::milliseconds(state.config.provisioning_delay_millis);
    idempotency::run_once(state, &caller.user_id, key, fingerprint, move |conn| {
        let now = super::now();
        ensure_tenant(conn, &tenant_id)?;
        if users::with_role(conn, &tenant_id, AdminRole::GlobalAdmin.as_str())?.is_empty() {
            return Err(ApiError::new(
                ErrorCode::GlobalAdminRequired,
                "designate a global admin first: the suite is set up for them and they receive the welcome message",
            ));
        }
        let id = super::new_id();
        subscriptions::insert(
            conn,
            &NewSubscription {
                id: &id,
                tenant_id: &tenant_id,
                plan_code: &plan.code,
                status: SubscriptionStatus::Provisioning.as_str(),
                purchased: input.seats.get(),
                active: 0,
                assigned: 0,
                activate_on_provisioning: input.activate_seats,
                created_at: time::to_db(now),
                updated_at: time::to_db(now),
                activated_at: None,
            },
        )?;
        jobs::enqueue(conn, &super::new_id(), jobs::PROVISION_SUBSCRIPTION, &id, time::to_db(now), time::to_db(now + delay))?;
        audit::record(
            conn,
            &actor,
            subscription_audit(
                &tenant_id,
                "subscription.ordered",
                &id,
                serde_json::json!({"plan": plan.code, "seats": input.seats.get(), "activate_seats": input.activate_seats}),
            ),
            now,
        )?;
        let record = load(conn, &[plan], &tenant_id, &id)?;
        render(&record)
    })
    .await
}

pub async fn list(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: String,
    status: Option<SubscriptionStatus>,
    page: PageRequest,
) -> Result<(Vec<SubscriptionRecord>, Option<String>), ApiError> {
    caller.authorize(&tenant_id, Action::ReadTenant, Target::Tenant)?;
    let catalogue = state.catalogue.clone();
    state
        .read(move |conn| {
            ensure_tenant(conn, &tenant_id)?;
            let rows = subscriptions::list_in_tenant(
                conn,
                &tenant_id,
                status.map(SubscriptionStatus::as_str),
                page.after.as_deref(),
                page.fetch_limit(),
            )?;
            let (rows, next) = page.finish(rows, |row| row.id.as_str());
            let records = rows
                .into_iter()
                .map(|row| Ok(SubscriptionRecord { plan: plan_of(&catalogue, &row.plan_code)?, row }))
                .collect::<Result<Vec<_>, ApiError>>()?;
            Ok((records, next))
        })
        .await
}

pub async fn get(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: String,
    id: String,
) -> Result<SubscriptionRecord, ApiError> {
    caller.authorize(&tenant_id, Action::ReadTenant, Target::Tenant)?;
    let catalogue = state.catalogue.clone();
    state.read(move |conn| load(conn, &catalogue, &tenant_id, &id)).await
}

/// Buys more seats (they are not active until activated).
#[allow(clippy::too_many_arguments)]
pub async fn buy_seats(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: String,
    id: String,
    seats: SeatCount,
    if_match: IfMatch,
    key: IdempotencyKey,
    fingerprint: String,
    render: impl FnOnce(&SubscriptionRecord) -> Result<Replayable, ApiError> + Send + 'static,
) -> Result<Replayable, ApiError> {
    caller.authorize(&tenant_id, Action::ManageSubscriptions, Target::Tenant)?;
    let actor = Actor::from(caller);
    let catalogue = state.catalogue.clone();
    idempotency::run_once(state, &caller.user_id, key, fingerprint, move |conn| {
        let now = super::now();
        let record = load(conn, &catalogue, &tenant_id, &id)?;
        if_match.check(record.row.version)?;
        let limit = record.plan.seat_limit;
        record.pool()?.buy(seats, limit).map_err(pool_error)?;
        if !subscriptions::add_purchased(
            conn,
            &id,
            seats.get(),
            limit,
            time::to_db(now),
            if_match.guard(record.row.version),
        )? {
            return Err(explain_lost_race(conn, &catalogue, &tenant_id, &id, &if_match, |p| p.buy(seats, limit)));
        }
        audit::record(
            conn,
            &actor,
            subscription_audit(&tenant_id, "subscription.seats_bought", &id, serde_json::json!({"seats": seats.get()})),
            now,
        )?;
        render(&load(conn, &catalogue, &tenant_id, &id)?)
    })
    .await
}

/// The portal's + and - buttons.
pub async fn activate(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: String,
    id: String,
    delta: i64,
    if_match: IfMatch,
) -> Result<SubscriptionRecord, ApiError> {
    caller.authorize(&tenant_id, Action::ManageSubscriptions, Target::Tenant)?;
    let actor = Actor::from(caller);
    let catalogue = state.catalogue.clone();
    state
        .write(move |conn| {
            let now = super::now();
            let record = load(conn, &catalogue, &tenant_id, &id)?;
            if_match.check(record.row.version)?;
            record.pool()?.activate(delta).map_err(pool_error)?;
            if !subscriptions::change_active(conn, &id, delta, time::to_db(now), if_match.guard(record.row.version))? {
                return Err(explain_lost_race(conn, &catalogue, &tenant_id, &id, &if_match, |p| p.activate(delta)));
            }
            let action = if delta > 0 { "subscription.seats_activated" } else { "subscription.seats_deactivated" };
            audit::record(
                conn,
                &actor,
                subscription_audit(&tenant_id, action, &id, serde_json::json!({"delta": delta})),
                now,
            )?;
            load(conn, &catalogue, &tenant_id, &id)
        })
        .await
}

/// The operator suspends (`to_active == false`) or reactivates a subscription.
pub async fn set_suspended(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: String,
    id: String,
    suspend: bool,
    if_match: IfMatch,
) -> Result<SubscriptionRecord, ApiError> {
    caller.require_operator()?;
    let actor = Actor::from(caller);
    let catalogue = state.catalogue.clone();
    state
        .write(move |conn| {
            let now = super::now();
            let record = load(conn, &catalogue, &tenant_id, &id)?;
            if_match.check(record.row.version)?;
            let decide = |p: &LicensePool| if suspend { p.suspend() } else { p.reactivate() };
            decide(&record.pool()?).map_err(pool_error)?;
            let (from, to, action) = if suspend {
                ("active", "suspended", "subscription.suspended")
            } else {
                ("suspended", "active", "subscription.reactivated")
            };
            if !subscriptions::change_status(conn, &id, from, to, time::to_db(now), if_match.guard(record.row.version))?
            {
                return Err(explain_lost_race(conn, &catalogue, &tenant_id, &id, &if_match, decide));
            }
            audit::record(conn, &actor, subscription_audit(&tenant_id, action, &id, serde_json::json!({})), now)?;
            load(conn, &catalogue, &tenant_id, &id)
        })
        .await
}

/// Terminates a subscription. Refused while anyone holds one of its licences; the refusal
/// names them.
pub async fn terminate(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: String,
    id: String,
    if_match: IfMatch,
) -> Result<SubscriptionRecord, ApiError> {
    caller.authorize(&tenant_id, Action::ManageSubscriptions, Target::Tenant)?;
    let actor = Actor::from(caller);
    let catalogue = state.catalogue.clone();
    state
        .write(move |conn| {
            let now = super::now();
            let record = load(conn, &catalogue, &tenant_id, &id)?;
            if_match.check(record.row.version)?;
            let refused = |conn: &mut DbConnection, error: PoolError| -> Result<ApiError, ApiError> {
                let holders = subscriptions::holders(conn, &id)?;
                let holders: Vec<_> = holders
                    .into_iter()
                    .map(|(user_id, sign_in, display_name)| serde_json::json!({"user_id": user_id, "sign_in": sign_in, "display_name": display_name}))
                    .collect();
                let problem = pool_error(error);
                Ok(match problem.code() {
                    ErrorCode::LicencesStillAssigned => problem.with_context(serde_json::json!({"holders": holders})),
                    _ => problem,
                })
            };
            if let Err(error) = record.pool()?.terminate() {
                return Err(refused(conn, error)?);
            }
            if !subscriptions::terminate(conn, &id, time::to_db(now), if_match.guard(record.row.version))? {
                let fresh = load(conn, &catalogue, &tenant_id, &id)?;
                if_match.check(fresh.row.version)?;
                return Err(match fresh.pool()?.terminate() {
                    Err(error) => refused(conn, error)?,
                    Ok(_) => ApiError::new(ErrorCode::ConcurrentUpdate, "the subscription changed at the same time; try again"),
                });
            }
            audit::record(conn, &actor, subscription_audit(&tenant_id, "subscription.terminated", &id, serde_json::json!({"plan": record.plan.code})), now)?;
            load(conn, &catalogue, &tenant_id, &id)
        })
        .await
}

/// One line of the licence summary: a plan's seats across the tenant's live subscriptions.
pub struct PlanSeats {
    pub plan: Plan,
    pub purchased: i64,
    pub active: i64,
    pub assigned: i64,
}

pub async fn summary(state: &AppState, caller: &SignedIn, tenant_id: String) -> Result<Vec<PlanSeats>, ApiError> {
    caller.authorize(&tenant_id, Action::ReadTenant, Target::Tenant)?;
    let catalogue = state.catalogue.clone();
    state
        .read(move |conn| {
            ensure_tenant(conn, &tenant_id)?;
            let rows = subscriptions::live_in_tenant(conn, &tenant_id)?;
            let mut lines: Vec<PlanSeats> = Vec::new();
            for plan in &catalogue {
                let mine: Vec<&SubscriptionRow> = rows.iter().filter(|row| row.plan_code == plan.code).collect();
                if mine.is_empty() {
                    continue;
                }
                lines.push(PlanSeats {
                    plan: plan.clone(),
                    purchased: mine.iter().map(|r| r.purchased).sum(),
                    active: mine.iter().map(|r| r.active).sum(),
                    assigned: mine.iter().map(|r| r.assigned).sum(),
                });
            }
            Ok(lines)
        })
        .await
}
