//! Admin takeover: someone who signed up proves their email domain in DNS, then buys
//! Business Essentials or Business Premium with a license for everyone who signed up. Completion
//! is one transaction: the tenant managed, the taker its global admin, every person licensed
//! (active at once) and told, their accounts and settings kept.

use tenantry_domain::audit::AuditAction;
use tenantry_domain::custom_domain::DomainOrigin;
use tenantry_domain::free_meetings::FREE_MEETINGS_PLAN;
use tenantry_domain::license_pool::{PoolChange, SubscriptionStatus};
use tenantry_domain::takeover::{TakeoverRefusal, TakeoverStatus};
use tenantry_domain::{AdminRole, RoleSet};
use tenantry_persistence::seats::{self, SeatError};
use tenantry_persistence::subscriptions::{self, NewAssignment, NewSubscription};
use tenantry_persistence::takeovers::{self, NewTakeover, TakeoverRow};
use tenantry_persistence::tenants::{self, TenantRow};
use tenantry_persistence::version_guard::VersionGuard;
use tenantry_persistence::{domains as domain_rows, users, StoreError};

use super::domains::{self, DomainError};
use super::lookup::NotFound;
use super::messages::{self, Recipient};
use crate::app::state::AppState;
use crate::app::unit_of_work::{Subject, Tx};
use crate::auth::secrets;
use crate::http::caller::SignedIn;
use crate::http::idempotency::Idempotent;
use crate::http::idempotency::{self, KeyReused, Outcome, Replayable};
use crate::runtime::ids::new_id;
use crate::views::signup::{Takeover, TakeoverCompleted};
use crate::views::subscription::Subscription;
use crate::views::tenant::Tenant;

/// Why a takeover step did not happen.
#[derive(Debug, thiserror::Error)]
pub enum TakeoverError {
    #[error(transparent)]
    NotFound(#[from] NotFound),
    #[error(transparent)]
    Refused(#[from] TakeoverRefusal),
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error(transparent)]
    KeyReused(#[from] KeyReused),
    #[error("cannot render the response: {0}")]
    Render(#[from] serde_json::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The unmanaged tenant the caller signed up into; refused for anyone else.
fn signed_up_tenant(tx: &mut Tx<'_>, caller_tenant: Option<&str>) -> Result<TenantRow, TakeoverError> {
    let tenant = match caller_tenant {
        Some(id) => tenants::find(tx.conn(), id)?,
        None => None,
    };
    tenant.filter(|t| !t.managed && t.email_domain.is_some()).ok_or(TakeoverRefusal::NotSignedUp.into())
}

/// Starts a takeover of the caller's email domain, or returns the one they started (and the
/// answer says which: `true` when created).
pub async fn start(state: &AppState, caller: &SignedIn) -> Result<(Takeover, bool), TakeoverError> {
    let (user_id, tenant_id) = (caller.user_id.clone(), caller.tenant_id.clone());
    if caller.partner.is_some() || caller.is_operator {
        return Err(TakeoverRefusal::NotSignedUp.into());
    }
    let permit = caller.own_account();
    state
        .transact(&permit, move |tx| {
            let tenant = signed_up_tenant(tx, tenant_id.as_deref())?;
            // One open takeover per person, even when they ask twice at once.
            tenants::lock(tx.conn(), &tenant.id)?;
            if let Some(open) = takeovers::open_of(tx.conn(), &user_id)? {
                return Ok((Takeover::from(&open), false));
            }
            let domain = tenant.email_domain.clone().unwrap_or_default();
            let id = new_id();
            let code = secrets::new_verification_code();
            let stamp = tx.stamp();
            let row = NewTakeover {
                id: &id,
                tenant_id: &tenant.id,
                user_id: &user_id,
                domain: &domain,
                verification_code: &code,
                status: TakeoverStatus::Started.as_str(),
                created_at: stamp,
                updated_at: stamp,
            };
            takeovers::insert(tx.conn(), &row)?;
            tx.audit(
                AuditAction::TakeoverStarted,
                Subject::in_tenant(&tenant.id, &id),
                serde_json::json!({"domain": domain}),
            )?;
            Ok((Takeover::from(&find(tx, &user_id, &id)?), true))
        })
        .await
}

fn find(tx: &mut Tx<'_>, user_id: &str, id: &str) -> Result<TakeoverRow, TakeoverError> {
    Ok(takeovers::find_of(tx.conn(), user_id, id)?.ok_or(NotFound("takeover"))?)
}

/// The caller's takeover.
pub async fn get(state: &AppState, caller: &SignedIn, id: String) -> Result<Takeover, TakeoverError> {
    let permit = caller.own_account();
    let user_id = caller.user_id.clone();
    state
        .read(&permit, move |conn, _| {
            let row = takeovers::find_of(conn, &user_id, &id)?.ok_or(NotFound("takeover"))?;
            Ok(Takeover::from(&row))
        })
        .await
}

/// Looks the TXT record up in DNS: found, the domain is proven and the takeover may complete.
pub async fn verify(state: &AppState, caller: &SignedIn, id: String) -> Result<Takeover, TakeoverError> {
    let permit = caller.own_account();
    let (user_id, lookup) = (caller.user_id.clone(), id.clone());
    let row = state
        .read(&permit, move |conn, _| {
            takeovers::find_of(conn, &user_id, &lookup)?.ok_or(TakeoverError::NotFound(NotFound("takeover")))
        })
        .await?;
    row.status.check_verification()?;
    domains::prove(state, &row.domain, &row.verification_code).await?;
    let user_id = caller.user_id.clone();
    state
        .transact(&permit, move |tx| {
            let row = find(tx, &user_id, &id)?;
            row.status.check_verification()?;
            if domain_rows::verified_holder(tx.conn(), &row.domain)?.is_some_and(|(holder, _)| holder != row.tenant_id)
            {
                return Err(DomainError::HeldElsewhere(row.domain.clone()).into());
            }
            let stamp = tx.stamp();
            takeovers::mark_verified(tx.conn(), &row.id, stamp)?;
            tx.audit(
                AuditAction::TakeoverVerified,
                Subject::in_tenant(&row.tenant_id, &row.id),
                serde_json::json!({"domain": row.domain}),
            )?;
            Ok(Takeover::from(&find(tx, &user_id, &id)?))
        })
        .await
}

pub struct Purchase {
    pub plan_code: String,
    pub seats: i64,
}

/// Completes a verified takeover by buying licenses for everyone who signed up, in one
/// transaction.
pub async fn complete(
    state: &AppState,
    caller: &SignedIn,
    id: String,
    purchase: Purchase,
    request: Idempotent,
) -> Result<Replayable, TakeoverError> {
    let permit = caller.own_account();
    let user_id = caller.user_id.clone();
    idempotency::run_once(state, &permit, request.key, request.fingerprint, move |tx| {
        let row = find(tx, &user_id, &id)?;
        // Two takers of one tenant queue here; the second finds it managed.
        tenants::lock(tx.conn(), &row.tenant_id)?;
        let tenant = tenants::find(tx.conn(), &row.tenant_id)?.ok_or(NotFound("tenant"))?;
        if tenant.managed {
            return Err(TakeoverRefusal::Completed.into());
        }
        let people = users::all_in_tenant(tx.conn(), &tenant.id)?;
        let head_count = i64::try_from(people.len()).unwrap_or(i64::MAX);
        row.status.check_completion(&purchase.plan_code, purchase.seats, head_count)?;
        if domain_rows::verified_holder(tx.conn(), &row.domain)?.is_some_and(|(holder, _)| holder != tenant.id) {
            return Err(DomainError::HeldElsewhere(row.domain.clone()).into());
        }
        let plan = tx.catalogue().plan(&purchase.plan_code).map_err(|e| StoreError::Corrupt(e.to_string()))?.clone();
        let stamp = tx.stamp();

        // The licenses: a pool of the plan, active at once, one seat taken per person.
        let subscription_id = new_id();
        let pool = NewSubscription {
            id: &subscription_id,
            tenant_id: &tenant.id,
            plan_code: &plan.code,
            status: SubscriptionStatus::Active.as_str(),
            purchased: purchase.seats,
            active: purchase.seats,
            assigned: 0,
            activate_on_provisioning: purchase.seats,
            created_at: stamp,
            updated_at: stamp,
            activated_at: Some(stamp),
        };
        seats::open(tx.conn(), &pool)?;
        for person in &people {
            let license = NewAssignment {
                subscription_id: &subscription_id,
                user_id: &person.id,
                tenant_id: &tenant.id,
                plan_code: &plan.code,
                assigned_at: stamp,
            };
            // The pool was sized for everyone: a refusal here is a defect, not a request to fix.
            seats::give(tx.conn(), &license, stamp).map_err(|e| e.unexpected("a takeover pool licensing everyone"))?;
        }
        end_free_tier(tx, &tenant.id)?;

        // The organisation: managed, its domain proven and the default, the taker its admin.
        tenants::mark_managed(tx.conn(), &tenant.id, stamp)?;
        domains::add_verified(tx, &tenant.id, &row.domain, DomainOrigin::Takeover)?;
        if let Some(domain) = domain_rows::find(tx.conn(), &tenant.id, &row.domain)? {
            domain_rows::make_default(tx.conn(), &tenant.id, &domain.id)?;
        }
        users::replace_roles(tx.conn(), &tenant.id, &user_id, &RoleSet::new([AdminRole::GlobalAdmin]), None)?;
        if !takeovers::mark_completed(tx.conn(), &row.id, stamp)? {
            return Err(TakeoverRefusal::NotVerified.into());
        }
        let taker = people.iter().find(|p| p.id == user_id).map_or("", |p| p.display_name.as_str()).to_owned();
        for person in &people {
            if let Some(to) = Recipient::of(person) {
                tx.send(messages::takeover_completed(&to, &row.domain, &taker, &plan.name, tx.public_url()))?;
            }
        }
        tx.audit(
            AuditAction::TakeoverCompleted,
            Subject::in_tenant(&tenant.id, &row.id),
            serde_json::json!({"domain": row.domain, "plan": plan.code, "seats": purchase.seats,
                    "subscription_id": subscription_id, "people": people.len(), "global_admin": user_id}),
        )?;

        let tenant = tenants::find(tx.conn(), &tenant.id)?.ok_or(NotFound("tenant"))?;
        let verified = tenants::verified_domains(tx.conn(), &tenant.id)?;
        let bought = subscriptions::find(tx.conn(), &subscription_id)?.ok_or(NotFound("subscription"))?;
        let completed = TakeoverCompleted {
            takeover: Takeover::from(&find(tx, &user_id, &id)?),
            tenant: Tenant::new(&tenant, verified),
            subscription: Subscription::new(&bought, &plan),
            licensed_people: people.len(),
        };
        Ok(Replayable {
            outcome: Outcome::Done,
            body: serde_json::to_value(&completed)?,
            location: None,
            etag: None,
            replayed: false,
        })
    })
    .await
}

/// The free Meetings tier ends with the takeover: its licenses are taken back (the plan bought
/// includes meetings) and its pool terminated.
fn end_free_tier(tx: &mut Tx<'_>, tenant_id: &str) -> Result<(), StoreError> {
    let stamp = tx.stamp();
    let free_pools =
        subscriptions::live_in_tenant(tx.conn(), tenant_id)?.into_iter().filter(|p| p.plan_code == FREE_MEETINGS_PLAN);
    for pool in free_pools {
        let ending = |e: SeatError| e.unexpected(&format!("ending the free Meetings pool {}", pool.id));
        for holder in subscriptions::holders(tx.conn(), &pool.id)? {
            seats::take_back(tx.conn(), &pool.id, &holder.user_id, stamp).map_err(ending)?;
        }
        // Read again: the licenses just taken back are no longer counted.
        if let Some(emptied) = subscriptions::find(tx.conn(), &pool.id)? {
            seats::change(tx.conn(), &emptied, PoolChange::Terminate, stamp, VersionGuard::ANY).map_err(ending)?;
        }
    }
    Ok(())
}
