//! A relationship's end by expiry, and what the customer is told when one ends: the accounts
//! and roles the partner created through it.

use serde_json::json;
use tenantry_domain::audit::AuditAction;
use tenantry_domain::preferences::Preferences;
use tenantry_domain::AdminRole;
use tenantry_persistence::delegation::{self, EndedBy, RelationshipRow};
use tenantry_persistence::{partners, tenants, time, users, StoreResult};

use crate::app::unit_of_work::{Subject, Tx};
use crate::services::messages::{self, Recipient};

/// Records a lapsed relationship as expired (its assignments go with it), as of its end date.
/// Does nothing if another request got there first.
pub fn record_expiry(tx: &mut Tx<'_>, row: &RelationshipRow) -> StoreResult<()> {
    let ended_at = row.ends_at.unwrap_or_else(|| tx.stamp());
    if delegation::end_relationship(tx.conn(), &row.id, EndedBy::Expiry, ended_at)? {
        tx.audit(
            AuditAction::PartnerRelationshipExpired,
            Subject::in_tenant(&row.tenant_id, &row.id),
            json!({"partner_id": row.partner_id, "ended_at": time::from_db(ended_at)}),
        )?;
        tell_the_customer_what_was_left(tx, row)?;
    }
    Ok(())
}

/// Once a relationship has ended, the customer's global admins learn which accounts and roles
/// the partner created through it and are still there, and how to disable them in one call.
/// Nothing is sent when it left nothing.
pub fn tell_the_customer_what_was_left(tx: &mut Tx<'_>, row: &RelationshipRow) -> StoreResult<()> {
    let grants = users::delegated_grants(tx.conn(), &row.tenant_id, &row.id)?;
    if grants.is_empty() {
        return Ok(());
    }
    let partner_name = partners::find(tx.conn(), &row.partner_id)?.map_or_else(|| row.partner_id.clone(), |p| p.name);
    let customer = tenants::find(tx.conn(), &row.tenant_id)?.map_or_else(|| row.tenant_id.clone(), |t| t.name);
    for admin in users::with_role(tx.conn(), &row.tenant_id, AdminRole::GlobalAdmin)? {
        let Some(contact) = admin.contact_email.as_deref() else { continue };
        let to = Recipient {
            contact_email: contact,
            display_name: &admin.display_name,
            sign_in: &admin.sign_in,
            language: Preferences::read(&admin.preferences).language,
        };
        let message = messages::relationship_left_behind(
            &to,
            &customer,
            &partner_name,
            &grants,
            &row.tenant_id,
            &row.id,
            tx.public_url(),
        );
        tx.send(message)?;
    }
    Ok(())
}
