//! Where a partner's person or API client stands in a customer: decided from the live
//! relationship and the assignment, once per request, before any handler runs.
//!
//! A relationship whose end date has passed is recorded as expired the moment it is used (here),
//! so a partner never acts on a lapsed one even if no background sweep has run yet.

use chrono::{DateTime, Utc};
use serde_json::json;
use tenantry_domain::audit::AuditAction;
use tenantry_domain::partner::{self, AssignedAccess, DelegatedAccess};
use tenantry_domain::preferences::Preferences;
use tenantry_domain::AdminRole;
use tenantry_persistence::delegation::{self, EndedBy, RelationshipRow};
use tenantry_persistence::{partners, tenants, time, users, DbConnection, StoreResult};

use crate::services::messages::{self, Recipient};
use crate::unit_of_work::{Subject, Tx};

/// A delegated caller's standing in one customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delegation {
    pub tenant_id: String,
    pub relationship_id: String,
    pub access: DelegatedAccess,
}

/// Who on the partner's side asks to act for a customer.
#[derive(Debug, Clone, Copy)]
pub enum Delegate<'a> {
    PartnerAdmin,
    /// An agent or API client, by id: it holds what it was assigned.
    Grantee(&'a str),
}

/// What the stored rows say about a partner and a customer at `now`.
pub enum Resolution {
    Live(Delegation),
    /// Recorded as active, but past its end date: record it as expired, then there is none.
    Lapsed(RelationshipRow),
    None,
}

pub fn resolve(
    conn: &mut DbConnection,
    partner_id: &str,
    delegate: Delegate<'_>,
    tenant_id: &str,
    now: DateTime<Utc>,
) -> StoreResult<Resolution> {
    // One round trip either way: an agent's assigned access comes with the relationship.
    let (row, assigned) = match delegate {
        Delegate::PartnerAdmin => match delegation::active_relationship(conn, partner_id, tenant_id)? {
            Some(row) => (row, None),
            None => return Ok(Resolution::None),
        },
        Delegate::Grantee(id) => match delegation::active_relationship_with_access(conn, partner_id, tenant_id, id)? {
            Some(found) => found,
            None => return Ok(Resolution::None),
        },
    };
    let relationship = row.relationship();
    if relationship.has_lapsed(now) {
        return Ok(Resolution::Lapsed(row));
    }
    let asking = match delegate {
        Delegate::PartnerAdmin => partner::Delegate::PartnerAdmin,
        Delegate::Grantee(_) => {
            partner::Delegate::Assigned(assigned.map_or(AssignedAccess::None, AssignedAccess::Some))
        }
    };
    Ok(match partner::standing(relationship.access, asking) {
        Some(access) => Resolution::Live(Delegation { tenant_id: row.tenant_id, relationship_id: row.id, access }),
        None => Resolution::None,
    })
}

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
