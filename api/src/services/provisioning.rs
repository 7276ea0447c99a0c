//! The provisioning job: the suite has been set up for an order, so the subscription becomes
//! active with the seats asked for, and the tenant's global admins are welcomed.
//!
//! It runs in the same transaction that marks the job done, so its effect happens once even if
//! the process stops at any point.

use tenantry_domain::audit::AuditAction;
use tenantry_domain::license_pool::PoolChange;
use tenantry_domain::AdminRole;
use tenantry_persistence::seats::{self, SeatError};
use tenantry_persistence::version_guard::VersionGuard;
use tenantry_persistence::{subscriptions, users, StoreError};

use super::messages::{self, Recipient};
use crate::app::unit_of_work::{Subject, Tx};

pub fn provision(tx: &mut Tx<'_>, subscription_id: &str) -> Result<(), StoreError> {
    let Some(row) = subscriptions::find(tx.conn(), subscription_id)? else {
        return Err(StoreError::Corrupt(format!("provisioning a subscription that does not exist: {subscription_id}")));
    };
    let stamp = tx.stamp();
    let provisioned = PoolChange::Provisioned { activate: row.activate_on_provisioning };
    match seats::change(tx.conn(), &row, provisioned, stamp, VersionGuard::ANY) {
        Ok(_) => {}
        // Already active, suspended or terminated: nothing left to provision.
        Err(SeatError::Refused(_) | SeatError::Raced) => return Ok(()),
        Err(error) => return Err(error.unexpected(&format!("provisioning {subscription_id}"))),
    }
    let admins = users::with_role(tx.conn(), &row.tenant_id, AdminRole::GlobalAdmin)?;
    for admin in &admins {
        if let Some(to) = Recipient::of(admin) {
            tx.send(messages::welcome_to_service(&to, &row.plan_code, row.activate_on_provisioning, tx.public_url()))?;
        }
    }
    tx.audit(
        AuditAction::SubscriptionActivated,
        Subject::in_tenant(&row.tenant_id, subscription_id),
        serde_json::json!({"active_seats": row.activate_on_provisioning, "welcomed": admins.len()}),
    )
}
