//! The partner app's customers screen: the customers one may act for, searched by
//! default domain and flagged as favourites.

use std::collections::HashSet;
use tenantry_domain::{PartnerId, TenantId};

use tenantry_domain::partner::{self, AssignedAccess, PartnerAction, PartnerSeat};
use tenantry_persistence::delegation::{self, CustomerFilter};
use tenantry_persistence::{flagged_customers, time};

use super::{require_partner, PartnerError};
use crate::app::state::AppState;
use crate::http::caller::{AccessDenied, SignedIn};
use crate::http::pagination::PageRequest;
use crate::views::partner::Customer;
use crate::views::Page;

pub struct CustomerQuery {
    pub domain_prefix: Option<String>,
    pub flagged_only: bool,
    pub page: PageRequest,
}

/// The partner's customers with a live relationship: all of them for its admins (and the
/// operator), those they were given access to for agents and API clients.
pub async fn list(
    state: &AppState,
    caller: &SignedIn,
    partner_id: PartnerId,
    query: CustomerQuery,
) -> Result<Page<Customer>, PartnerError> {
    let permit = caller.authorize_partner(&partner_id, PartnerAction::ListCustomers)?;
    let seat = caller.seat_in(&partner_id)?;
    if query.flagged_only && !caller.is_partner_person() {
        return Err(AccessDenied::PartnerPeopleOnly.into());
    }
    let grantee = matches!(seat, PartnerSeat::Agent | PartnerSeat::ApiClient).then(|| caller.user_id.clone());
    let viewer = caller.user_id.clone();
    let now = crate::runtime::clock::now();
    state
        .read(&permit, move |conn, _| {
            require_partner(conn, &partner_id)?;
            let filter = CustomerFilter {
                partner_id: &partner_id,
                grantee_id: grantee.as_deref(),
                domain_prefix: query.domain_prefix.as_deref(),
                flagged_by: query.flagged_only.then_some(viewer.as_str()),
                now: time::to_db(now),
            };
            let page = query.page;
            let rows = delegation::list_customers(conn, &filter, page.after.as_deref(), page.fetch_limit())?;
            let (rows, next_cursor) = page.finish(rows, |(tenant, _)| tenant.id.as_str());
            let ids: Vec<String> = rows.iter().map(|(tenant, _)| tenant.id.clone()).collect();
            let flagged: HashSet<String> = flagged_customers::flagged_among(conn, &viewer, &ids)?.into_iter().collect();
            let mut items = Vec::with_capacity(rows.len());
            for (tenant, relationship) in rows {
                let held = match &grantee {
                    None => Some(relationship.access),
                    Some(grantee) => {
                        let assigned = delegation::access_of(conn, &relationship.id, grantee)?;
                        let assigned = assigned.map_or(AssignedAccess::None, AssignedAccess::Some);
                        partner::standing(relationship.access, partner::Delegate::Assigned(assigned))
                    }
                };
                if let Some(access) = held {
                    let is_flagged = flagged.contains(&tenant.id);
                    items.push(Customer::new(tenant, relationship, access, is_flagged));
                }
            }
            Ok(Page { items, next_cursor })
        })
        .await
}

/// Flags (or unflags) a customer the person may act for; 404 for any other tenant.
pub async fn set_flag(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: TenantId,
    flagged: bool,
) -> Result<(), PartnerError> {
    if !caller.is_partner_person() {
        return Err(AccessDenied::PartnerPeopleOnly.into());
    }
    caller.delegation_in(&tenant_id).ok_or(AccessDenied::TenantHidden)?;
    let permit = caller.ensure_visible(&tenant_id)?;
    let person = caller.user_id.clone();
    // A personal mark, like a preference: not an audited change to the customer.
    state
        .transact(&permit, move |tx| {
            if flagged {
                let now = tx.stamp();
                flagged_customers::flag(tx.conn(), &person, &tenant_id, now)?;
            } else {
                flagged_customers::unflag(tx.conn(), &person, &tenant_id)?;
            }
            Ok(())
        })
        .await
}
