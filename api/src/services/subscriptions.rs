//! Subscriptions as license pools: ordering, buying seats, activating and deactivating them,
//! suspending, reactivating and terminating, and the tenant's license summary.
//!
//! Each change is decided by the domain's [`LicensePool`] rules on the row as read, then written
//! with a conditional update that restates the rule. If the update does not apply, another
//! request changed the pool in between; the pool is read again and the refusal explains the
//! state that won.

use chrono::Duration;
use tenantry_domain::audit::AuditAction;
use tenantry_domain::catalogue::{Catalogue, UnknownPlan};
use tenantry_domain::license_pool::{LicensePool, PoolChange, PoolError, SeatCount, SubscriptionStatus};
use tenantry_domain::license_summary::LicenseSummary;
use tenantry_domain::order::{self, OrderError};
use tenantry_domain::permissions::{Action, Target};
use tenantry_domain::plan::Plan;
use tenantry_domain::AdminRole;
use tenantry_domain::{SubscriptionId, TenantId};
use tenantry_persistence::seats::{self, SeatError};
use tenantry_persistence::subscriptions::{self, Holder, NewSubscription, SubscriptionRow};
use tenantry_persistence::{jobs, registrations};
use tenantry_persistence::{time, users, DbConnection, StoreError};

use super::lookup::{require_tenant, NotFound};
use crate::app::state::AppState;
use crate::app::unit_of_work::{Subject, Tx};
use crate::http::caller::{AccessDenied, SignedIn};
use crate::http::etag::{etag, IfMatch, PreconditionFailed};
use crate::http::idempotency::{self, Idempotent, KeyReused, Outcome, Replayable};
use crate::http::pagination::PageRequest;
use crate::runtime::ids::new_id;
use crate::views::subscription::{LicenseSummary as SummaryView, Subscription};
use crate::views::{Page, Versioned};

/// Why a subscription use case did not happen.
#[derive(Debug, thiserror::Error)]
pub enum SubscriptionError {
    #[error(transparent)]
    Access(#[from] AccessDenied),
    #[error(transparent)]
    NotFound(#[from] NotFound),
    #[error(transparent)]
    UnknownPlan(#[from] UnknownPlan),
    #[error(transparent)]
    Order(#[from] OrderError),
    #[error("designate a global admin first: the suite is set up for them and they receive the welcome message")]
    GlobalAdminRequired,
    #[error(transparent)]
    Pool(#[from] PoolError),
    /// Termination refused while people hold its licenses, or domains its Registrar seats; they
    /// are named.
    #[error("{error}")]
    HeldBy { error: PoolError, holders: Vec<Holder>, domains: Vec<HeldDomain> },
    #[error("the subscription changed at the same time; try again")]
    LostRace,
    #[error(transparent)]
    Stale(#[from] PreconditionFailed),
    #[error(transparent)]
    KeyReused(#[from] KeyReused),
    #[error("cannot render the response: {0}")]
    Render(#[from] serde_json::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The plan a stored subscription is of; one missing from the catalogue is corrupt data.
pub fn plan_of<'c>(catalogue: &'c Catalogue, row: &SubscriptionRow) -> Result<&'c Plan, StoreError> {
    catalogue.plan(&row.plan_code).map_err(|e| StoreError::Corrupt(format!("subscription {}: {e}", row.id)))
}

/// A subscription of `tenant_id`, or 404.
pub fn find<E>(conn: &mut DbConnection, tenant_id: &str, id: &str) -> Result<SubscriptionRow, E>
where
    E: From<NotFound> + From<StoreError>,
{
    subscriptions::find_in_tenant(conn, tenant_id, id)?.ok_or_else(|| NotFound("subscription").into())
}

fn view(catalogue: &Catalogue, row: &SubscriptionRow) -> Result<Versioned<Subscription>, StoreError> {
    Ok(Versioned { view: Subscription::new(row, plan_of(catalogue, row)?), version: row.version })
}

fn load(tx: &mut Tx<'_>, tenant_id: &str, id: &str) -> Result<Versioned<Subscription>, SubscriptionError> {
    let row = find::<SubscriptionError>(tx.conn(), tenant_id, id)?;
    Ok(view(tx.catalogue(), &row)?)
}

/// After a conditional update did not apply: read the pool again and explain, first by the
/// client's `If-Match` (412), then by `decide` (the rule the new state breaks).
fn explain_lost_race(
    tx: &mut Tx<'_>,
    tenant_id: &str,
    id: &str,
    if_match: &IfMatch,
    change: PoolChange,
) -> SubscriptionError {
    let fresh = match find::<SubscriptionError>(tx.conn(), tenant_id, id) {
        Ok(fresh) => fresh,
        Err(error) => return error,
    };
    if let Err(stale) = if_match.check(fresh.version) {
        return stale.into();
    }
    match fresh.pool().apply(change) {
        Err(error) => error.into(),
        Ok(_) => SubscriptionError::LostRace,
    }
}

fn replayable(
    outcome: Outcome,
    subscription: &Versioned<Subscription>,
    location: Option<String>,
) -> Result<Replayable, serde_json::Error> {
    Ok(Replayable {
        outcome,
        body: serde_json::to_value(&subscription.view)?,
        location,
        etag: Some(etag(subscription.version)),
        replayed: false,
    })
}

pub struct OrderInput {
    pub plan_code: String,
    pub seats: SeatCount,
    /// Seats to switch on when provisioning completes; all of them when absent.
    pub activate_seats: Option<i64>,
}

/// Orders a plan: a subscription in `provisioning`, and a durable job that will make it
/// active and welcome the tenant's global admins.
pub async fn order(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: TenantId,
    input: OrderInput,
    request: Idempotent,
) -> Result<Replayable, SubscriptionError> {
    let permit = caller.authorize(&tenant_id, Action::ManageSubscriptions, Target::Tenant)?;
    let plan = state.catalogue().plan(&input.plan_code)?.clone();
    let decided = order::decide_order(&plan, input.seats, input.activate_seats)?;
    let delay = Duration::milliseconds(state.config.provisioning_delay_millis);
    idempotency::run_once(state, &permit, request.key, request.fingerprint, move |tx| {
        require_tenant::<SubscriptionError>(tx.conn(), &tenant_id)?;
        if users::with_role(tx.conn(), &tenant_id, AdminRole::GlobalAdmin)?.is_empty() {
            return Err(SubscriptionError::GlobalAdminRequired);
        }
        let id = new_id();
        let subscription = NewSubscription {
            id: &id,
            tenant_id: &tenant_id,
            plan_code: &plan.code,
            status: SubscriptionStatus::Provisioning.as_str(),
            purchased: decided.seats.get(),
            active: 0,
            assigned: 0,
            activate_on_provisioning: decided.activate_on_provisioning,
            created_at: tx.stamp(),
            updated_at: tx.stamp(),
            activated_at: None,
        };
        seats::open(tx.conn(), &subscription)?;
        let run_at = tx.now() + delay;
        let stamp = tx.stamp();
        jobs::enqueue(tx.conn(), &new_id(), jobs::PROVISION_SUBSCRIPTION, &id, stamp, time::to_db(run_at))?;
        tx.audit(
            AuditAction::SubscriptionOrdered,
            Subject::in_tenant(&tenant_id, &id),
            serde_json::json!({
                "plan": plan.code, "seats": decided.seats.get(), "activate_seats": decided.activate_on_provisioning,
            }),
        )?;
        let created = load(tx, &tenant_id, &id)?;
        let location = format!("/v1/tenants/{tenant_id}/subscriptions/{id}");
        Ok(replayable(Outcome::Created, &created, Some(location))?)
    })
    .await
}

pub async fn list(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: TenantId,
    status: Option<SubscriptionStatus>,
    page: PageRequest,
) -> Result<Page<Subscription>, SubscriptionError> {
    let permit = caller.authorize(&tenant_id, Action::ReadTenant, Target::Tenant)?;
    state
        .read(&permit, move |conn, catalogue| {
            require_tenant::<SubscriptionError>(conn, &tenant_id)?;
            let rows =
                subscriptions::list_in_tenant(conn, &tenant_id, status, page.after.as_deref(), page.fetch_limit())?;
            let (rows, next_cursor) = page.finish(rows, |row| row.id.as_str());
            let items = rows
                .iter()
                .map(|row| Ok(Subscription::new(row, plan_of(catalogue, row)?)))
                .collect::<Result<_, StoreError>>()?;
            Ok(Page { items, next_cursor })
        })
        .await
}

pub async fn get(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: TenantId,
    id: SubscriptionId,
) -> Result<Versioned<Subscription>, SubscriptionError> {
    let permit = caller.authorize(&tenant_id, Action::ReadTenant, Target::Tenant)?;
    state
        .read(&permit, move |conn, catalogue| {
            let row = find::<SubscriptionError>(conn, &tenant_id, &id)?;
            Ok(view(catalogue, &row)?)
        })
        .await
}

/// Which subscription a change is about, and the precondition it carries.
pub struct PoolTarget {
    pub tenant_id: TenantId,
    pub subscription_id: SubscriptionId,
    pub if_match: IfMatch,
}

impl PoolTarget {
    /// The subscription as this unit of work reads it, while the client's `If-Match` holds.
    fn current(&self, tx: &mut Tx<'_>) -> Result<SubscriptionRow, SubscriptionError> {
        let row = find::<SubscriptionError>(tx.conn(), &self.tenant_id, &self.subscription_id)?;
        self.if_match.check(row.version)?;
        Ok(row)
    }

    /// Changes the pool as read by [`Self::current`], while the client's `If-Match` holds; when
    /// the change does not apply, why, as [`explain_lost_race`] tells it.
    fn apply(&self, tx: &mut Tx<'_>, row: &SubscriptionRow, change: PoolChange) -> Result<(), SubscriptionError> {
        let (stamp, guard) = (tx.stamp(), self.if_match.guard(row.version));
        match seats::change(tx.conn(), row, change, stamp, guard) {
            Ok(_) => Ok(()),
            Err(SeatError::Refused(refusal)) => Err(refusal.into()),
            Err(SeatError::Raced) => {
                Err(explain_lost_race(tx, &self.tenant_id, &self.subscription_id, &self.if_match, change))
            }
            Err(SeatError::NoSuchPool(_) | SeatError::AlreadyHeld) => Err(NotFound("subscription").into()),
            Err(SeatError::Store(error)) => Err(error.into()),
        }
    }

    /// Records the change and answers with the subscription as it now is.
    fn done(
        &self,
        tx: &mut Tx<'_>,
        action: AuditAction,
        details: serde_json::Value,
    ) -> Result<Versioned<Subscription>, SubscriptionError> {
        tx.audit(action, Subject::in_tenant(&self.tenant_id, &self.subscription_id), details)?;
        load(tx, &self.tenant_id, &self.subscription_id)
    }
}

/// Buys more seats (they are not active until activated).
pub async fn buy_seats(
    state: &AppState,
    caller: &SignedIn,
    change: PoolTarget,
    seats: SeatCount,
    request: Idempotent,
) -> Result<Replayable, SubscriptionError> {
    let permit = caller.authorize(&change.tenant_id, Action::ManageSubscriptions, Target::Tenant)?;
    idempotency::run_once(state, &permit, request.key, request.fingerprint, move |tx| {
        let row = change.current(tx)?;
        let seat_limit = plan_of(tx.catalogue(), &row)?.seat_limit;
        change.apply(tx, &row, PoolChange::Buy { seats, seat_limit })?;
        let bought =
            change.done(tx, AuditAction::SubscriptionSeatsBought, serde_json::json!({"seats": seats.get()}))?;
        Ok(replayable(Outcome::Done, &bought, None)?)
    })
    .await
}

/// The portal's + and - buttons.
pub async fn activate(
    state: &AppState,
    caller: &SignedIn,
    change: PoolTarget,
    delta: i64,
) -> Result<Versioned<Subscription>, SubscriptionError> {
    let permit = caller.authorize(&change.tenant_id, Action::ManageSubscriptions, Target::Tenant)?;
    state
        .transact(&permit, move |tx| {
            let row = change.current(tx)?;
            change.apply(tx, &row, PoolChange::Activate(delta))?;
            let action = if delta > 0 {
                AuditAction::SubscriptionSeatsActivated
            } else {
                AuditAction::SubscriptionSeatsDeactivated
            };
            change.done(tx, action, serde_json::json!({"delta": delta}))
        })
        .await
}

/// The operator suspends (`suspend == true`) or reactivates a subscription.
pub async fn set_suspended(
    state: &AppState,
    caller: &SignedIn,
    change: PoolTarget,
    suspend: bool,
) -> Result<Versioned<Subscription>, SubscriptionError> {
    let permit = caller.require_operator()?;
    state
        .transact(&permit, move |tx| {
            let row = change.current(tx)?;
            change.apply(tx, &row, if suspend { PoolChange::Suspend } else { PoolChange::Reactivate })?;
            let action =
                if suspend { AuditAction::SubscriptionSuspended } else { AuditAction::SubscriptionReactivated };
            change.done(tx, action, serde_json::json!({}))
        })
        .await
}

/// A domain holding a seat of a Registrar resource.
#[derive(Debug)]
pub struct HeldDomain {
    pub registration_id: String,
    pub name: String,
}

/// A refused termination, with the people still holding licenses, and the domains still
/// holding Registrar seats, named.
fn refused_termination(tx: &mut Tx<'_>, id: &str, error: PoolError) -> SubscriptionError {
    if !matches!(error, PoolError::StillAssigned { .. }) {
        return error.into();
    }
    let named = subscriptions::holders(tx.conn(), id).and_then(|holders| {
        let domains = registrations::holding_seats_of(tx.conn(), id)?
            .into_iter()
            .map(|(registration_id, name)| HeldDomain { registration_id, name })
            .collect();
        Ok((holders, domains))
    });
    match named {
        Ok((holders, domains)) => SubscriptionError::HeldBy { error, holders, domains },
        Err(store) => store.into(),
    }
}

/// Terminates a subscription. Refused while anyone holds one of its licenses; the refusal
/// names them.
pub async fn terminate(
    state: &AppState,
    caller: &SignedIn,
    change: PoolTarget,
) -> Result<Versioned<Subscription>, SubscriptionError> {
    let permit = caller.authorize(&change.tenant_id, Action::ManageSubscriptions, Target::Tenant)?;
    state
        .transact(&permit, move |tx| {
            let row = change.current(tx)?;
            if let Err(refused) = change.apply(tx, &row, PoolChange::Terminate) {
                return Err(match refused {
                    SubscriptionError::Pool(error) => refused_termination(tx, &row.id, error),
                    other => other,
                });
            }
            change.done(tx, AuditAction::SubscriptionTerminated, serde_json::json!({"plan": row.plan_code}))
        })
        .await
}

pub async fn summary(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: TenantId,
) -> Result<SummaryView, SubscriptionError> {
    let permit = caller.authorize(&tenant_id, Action::ReadTenant, Target::Tenant)?;
    state
        .read(&permit, move |conn, catalogue| {
            require_tenant::<SubscriptionError>(conn, &tenant_id)?;
            let pools: Vec<(String, LicensePool)> = subscriptions::live_in_tenant(conn, &tenant_id)?
                .into_iter()
                .map(|row| (row.plan_code.clone(), row.pool()))
                .collect();
            Ok(SummaryView::from(&LicenseSummary::of(catalogue.plans(), &pools)))
        })
        .await
}
