//! Where a partner's person or API client stands in a customer: decided from the live
//! relationship and the assignment, once per request, before any handler runs.
//!
//! A relationship whose end date has passed gives no standing from that moment, even before the
//! job worker's sweep records it as expired (`services::partners::expiry`): reading who calls
//! never writes.

use chrono::{DateTime, Utc};
use tenantry_domain::partner::{self, AssignedAccess, DelegatedAccess};
use tenantry_persistence::delegation::{self, RelationshipRow};
use tenantry_persistence::{DbConnection, StoreResult};

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
    /// Recorded as active, but past its end date: no standing; the job worker records it as
    /// expired.
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
