//! Giving licenses to people and taking them back.

use tenantry_domain::audit::AuditAction;
use tenantry_domain::license::{self, AssignmentRefusal, License};
use tenantry_domain::license_pool::PoolError;
use tenantry_domain::permissions::{Action, Target};
use tenantry_domain::{SubscriptionId, TenantId, UserId};
use tenantry_persistence::seats::{self, SeatError};
use tenantry_persistence::subscriptions::{self, NewAssignment};
use tenantry_persistence::{users, DbConnection, StoreError};

use super::lookup::NotFound;
use super::subscriptions::{find as find_subscription, plan_of};
use crate::app::state::AppState;
use crate::app::unit_of_work::Subject;
use crate::http::caller::{AccessDenied, SignedIn};
use crate::outbound::webhook_events;
use crate::views::user::UserLicense;

/// Why a license was not given or taken back.
#[derive(Debug, thiserror::Error)]
pub enum LicenseError {
    #[error(transparent)]
    Access(#[from] AccessDenied),
    #[error(transparent)]
    NotFound(#[from] NotFound),
    /// The domain refused: the plan is not for people, or the person holds one of the plan.
    #[error("{sign_in} {refusal}")]
    Refused { sign_in: String, refusal: AssignmentRefusal },
    #[error("{sign_in} already holds a {plan_name} licence")]
    HeldConcurrently { sign_in: String, plan_name: String },
    #[error(transparent)]
    Pool(#[from] PoolError),
    #[error("the pool changed at the same time; try again")]
    LostRace,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<SeatError> for LicenseError {
    fn from(error: SeatError) -> Self {
        match error {
            SeatError::Refused(refusal) => LicenseError::Pool(refusal),
            SeatError::Raced | SeatError::AlreadyHeld => LicenseError::LostRace,
            SeatError::NoSuchPool(_) => LicenseError::NotFound(NotFound("subscription")),
            SeatError::Store(error) => LicenseError::Store(error),
        }
    }
}

/// A license given: the license, and whether this request gave it (a repeated PUT finds it
/// already there and changes nothing).
pub struct Given {
    pub license: UserLicense,
    pub created: bool,
}

fn held_by(conn: &mut DbConnection, user_id: &str) -> Result<Vec<License>, StoreError> {
    Ok(subscriptions::assignments_of(conn, &[user_id.to_owned()])?.iter().map(|a| a.license()).collect())
}

/// Gives the person a license of the subscription.
pub async fn assign(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: TenantId,
    user_id: UserId,
    subscription_id: SubscriptionId,
) -> Result<Given, LicenseError> {
    let permit = caller.authorize(&tenant_id, Action::AssignLicenses, Target::Tenant)?;
    state
        .transact(&permit, move |tx| {
            let person = users::find_in_tenant(tx.conn(), &tenant_id, &user_id)?.ok_or(NotFound("user"))?;
            let row = find_subscription::<LicenseError>(tx.conn(), &tenant_id, &subscription_id)?;
            let plan = plan_of(tx.catalogue(), &row)?;
            let held = held_by(tx.conn(), &user_id)?;
            if let Some(existing) = held.iter().find(|license| license.subscription_id == subscription_id) {
                return Ok(Given { license: UserLicense::new(existing, tx.catalogue())?, created: false });
            }
            let refused = |refusal| LicenseError::Refused { sign_in: person.sign_in.clone(), refusal };
            license::check_assignment(plan, &held).map_err(refused)?;
            row.pool().assign()?;
            tx.audit(
                AuditAction::LicenseAssigned,
                Subject::in_tenant(&tenant_id, &user_id),
                serde_json::json!({"subscription_id": subscription_id, "plan": plan.code}),
            )?;
            let stamp = tx.stamp();
            let assignment = NewAssignment {
                subscription_id: &subscription_id,
                user_id: &user_id,
                tenant_id: &tenant_id,
                plan_code: &plan.code,
                assigned_at: stamp,
            };
            let after = seats::give(tx.conn(), &assignment, stamp).map_err(|error| match error {
                // A concurrent request gave them a license of the plan first; which one is not
                // known inside this failed transaction.
                SeatError::AlreadyHeld => {
                    LicenseError::HeldConcurrently { sign_in: person.sign_in.clone(), plan_name: plan.name.clone() }
                }
                other => other.into(),
            })?;
            // Racing assignments each see the pool as their own took it: exactly one seat, so
            // the pool had one more free just before.
            let free_after = after.available();
            webhook_events::on_seats_taken(tx.conn(), &tenant_id, &subscription_id, free_after + 1, free_after, stamp)?;
            let given = License {
                subscription_id: subscription_id.to_string(),
                plan_code: plan.code.clone(),
                assigned_at: tenantry_persistence::time::from_db(stamp),
            };
            Ok(Given { license: UserLicense::new(&given, tx.catalogue())?, created: true })
        })
        .await
}

/// Takes the license back; the seat becomes available again.
pub async fn remove(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: TenantId,
    user_id: UserId,
    subscription_id: SubscriptionId,
) -> Result<(), LicenseError> {
    let permit = caller.authorize(&tenant_id, Action::AssignLicenses, Target::Tenant)?;
    state
        .transact(&permit, move |tx| {
            users::find_in_tenant(tx.conn(), &tenant_id, &user_id)?.ok_or(NotFound("user"))?;
            let row = find_subscription::<LicenseError>(tx.conn(), &tenant_id, &subscription_id)?;
            tx.audit(
                AuditAction::LicenseRemoved,
                Subject::in_tenant(&tenant_id, &user_id),
                serde_json::json!({"subscription_id": subscription_id, "plan": row.plan_code}),
            )?;
            // Last, as in `assign`: giving the seat back holds the pool's row lock until commit.
            // Without a licence to take back, the audit record rolls back with the rest.
            let stamp = tx.stamp();
            if !seats::take_back(tx.conn(), &subscription_id, &user_id, stamp)? {
                return Err(NotFound("licence").into());
            }
            Ok(())
        })
        .await
}
