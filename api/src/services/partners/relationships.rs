//! Relationships: a customer's global admin accepts an offer; either side ends it; it expires
//! at the end of its duration.

use tenantry_domain::audit::AuditAction;
use tenantry_domain::partner::{PartnerRole, PartnerSeat};
use tenantry_domain::permissions::{Action, Target};
use tenantry_domain::relationship::{self, Acceptance, CurrentRelationship, OfferState};
use tenantry_domain::AdminRole;
use tenantry_domain::TenantId;
use tenantry_persistence::delegation::{self, EndedBy, NewRelationship, RelationshipRow};
use tenantry_persistence::{partners as partner_rows, tenants as tenant_rows, time, users, StoreError};

use tenantry_domain::preferences::Preferences;

use super::expiry::{record_expiry, tell_the_customer_what_was_left};
use super::{require_partner, PartnerError};
use crate::app::state::AppState;
use crate::app::unit_of_work::{Subject, Tx};
use crate::http::caller::SignedIn;
use crate::http::pagination::PageRequest;
use crate::runtime::ids::new_id;
use crate::services::lookup::{require_tenant, NotFound};
use crate::services::messages::{self, Recipient};
use crate::views::left_behind::LeftBehindAccount;
use crate::views::partner::PartnerRelationship;
use crate::views::Page;

/// What accepting did: a new relationship, or the one this offer already made.
pub struct Accepted {
    pub relationship: PartnerRelationship,
    pub created: bool,
}

/// A customer's global admin accepts an offer by its token.
pub async fn accept(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: TenantId,
    token: String,
) -> Result<Accepted, PartnerError> {
    let permit = caller.authorize(&tenant_id, Action::ManagePartnerRelationships, Target::Tenant)?;
    state
        .transact(&permit, move |tx| {
            let now = tx.stamp();
            // Serialises acceptances for the tenant: a second one racing the first finds its
            // relationship and changes nothing, instead of losing on the unique index.
            if !tenant_rows::lock(tx.conn(), &tenant_id)? {
                return Err(NotFound("tenant").into());
            }
            let offer = delegation::find_offer_by_token(tx.conn(), &token)?.ok_or(NotFound("offer"))?;
            let partner = require_partner(tx.conn(), &offer.partner_id)?;
            let mut current = delegation::active_relationship(tx.conn(), &partner.id, &tenant_id)?;
            if let Some(row) = current.as_ref().filter(|row| row.relationship().has_lapsed(tx.now())) {
                record_expiry(tx, row)?;
                current = None;
            }
            let decision = relationship::decide_acceptance(
                OfferState { revoked: offer.revoked_at.is_some() },
                current.as_ref().map(|row| CurrentRelationship { from_this_offer: row.offer_id == offer.id }),
            )?;
            if let (Acceptance::AlreadyAccepted, Some(row)) = (decision, current) {
                return Ok(Accepted {
                    relationship: PartnerRelationship::new(row, partner.name, tx.now())?,
                    created: false,
                });
            }
            let id = new_id();
            let duration = offer
                .duration_days
                .map(|days| relationship::OfferDuration::from_days(days.into()))
                .transpose()
                .map_err(|e| StoreError::Corrupt(format!("offer {}: {e}", offer.id)))?;
            let ends_at = duration.map(|d| time::to_db(d.ends_at(tx.now())));
            let accepted_by = tx.actor().user_id.clone().unwrap_or_else(|| tx.actor().name.clone());
            delegation::insert_relationship(
                tx.conn(),
                &NewRelationship {
                    id: &id,
                    partner_id: &partner.id,
                    tenant_id: &tenant_id,
                    offer_id: &offer.id,
                    access: offer.access.as_str(),
                    status: relationship::RelationshipStatus::Active.as_str(),
                    accepted_by: &accepted_by,
                    accepted_at: now,
                    ends_at,
                },
            )?;
            tx.audit(
                AuditAction::PartnerRelationshipAccepted,
                Subject::in_tenant(&tenant_id, &id),
                serde_json::json!({"partner_id": partner.id, "partner_name": partner.name, "offer_id": offer.id,
                    "access": offer.access.as_str(), "ends_at": ends_at.map(time::from_db)}),
            )?;
            let customer = tenant_rows::find(tx.conn(), &tenant_id)?.ok_or(NotFound("tenant"))?;
            for admin in partner_rows::people_with_role(tx.conn(), &partner.id, PartnerRole::Admin)? {
                let to = Recipient {
                    contact_email: partner_mailbox(&admin),
                    display_name: &admin.display_name,
                    sign_in: &admin.sign_in,
                    language: Preferences::read(&admin.preferences).language,
                };
                tx.send(messages::relationship_accepted(&to, &customer.name, offer.access, tx.public_url()))?;
            }
            let row = delegation::find_relationship(tx.conn(), &tenant_id, &id)?.ok_or(NotFound("relationship"))?;
            Ok(Accepted { relationship: PartnerRelationship::new(row, partner.name, tx.now())?, created: true })
        })
        .await
}

/// A tenant's relationships. A delegated caller sees its own partner's only.
pub async fn list(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: TenantId,
    page: PageRequest,
) -> Result<Page<PartnerRelationship>, PartnerError> {
    let permit = caller.authorize(&tenant_id, Action::ReadTenant, Target::Tenant)?;
    let only_partner = caller.delegation_in(&tenant_id).and(caller.partner.as_ref()).map(|p| p.partner_id.clone());
    let now = crate::runtime::clock::now();
    state
        .read(&permit, move |conn, _| {
            require_tenant::<PartnerError>(conn, &tenant_id)?;
            let rows = delegation::list_relationships(
                conn,
                &tenant_id,
                only_partner.as_deref(),
                page.after.as_deref(),
                page.fetch_limit(),
            )?;
            let (rows, next_cursor) = page.finish(rows, |row| row.id.as_str());
            let mut items = Vec::with_capacity(rows.len());
            for row in rows {
                let name = partner_rows::find(conn, &row.partner_id)?
                    .map(|p| p.name)
                    .ok_or_else(|| StoreError::Corrupt(format!("relationship {}: its partner is missing", row.id)))?;
                items.push(PartnerRelationship::new(row, name, now)?);
            }
            Ok(Page { items, next_cursor })
        })
        .await
}

/// Ends a relationship: the customer's global admin, or an admin of the partner. Ending one
/// that is already over changes nothing. The other side is told.
pub async fn terminate(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: TenantId,
    relationship_id: String,
) -> Result<PartnerRelationship, PartnerError> {
    let partner_side =
        caller.delegation_in(&tenant_id).and(caller.partner.as_ref()).map(|p| (p.partner_id.clone(), p.seat));
    // A partner's admin ends it from a live relationship, which makes the customer visible to
    // them; anyone else needs the customer's permission.
    let (permit, ended_by) = match &partner_side {
        Some((_, PartnerSeat::Admin)) => (caller.ensure_visible(&tenant_id)?, EndedBy::Partner),
        _ => (caller.authorize(&tenant_id, Action::ManagePartnerRelationships, Target::Tenant)?, EndedBy::Customer),
    };
    state
        .transact(&permit, move |tx| {
            let now = tx.stamp();
            require_tenant::<PartnerError>(tx.conn(), &tenant_id)?;
            let row = delegation::find_relationship(tx.conn(), &tenant_id, &relationship_id)?
                .filter(|row| partner_side.as_ref().is_none_or(|(partner_id, _)| *partner_id == row.partner_id))
                .ok_or(NotFound("relationship"))?;
            let partner = require_partner(tx.conn(), &row.partner_id)?;
            let relationship = row.relationship();
            if relationship.has_lapsed(tx.now()) {
                record_expiry(tx, &row)?;
            } else if relationship.end(tx.now()).is_ok()
                && delegation::end_relationship(tx.conn(), &row.id, ended_by, now)?
            {
                tx.audit(
                    AuditAction::PartnerRelationshipEnded,
                    Subject::in_tenant(&tenant_id, &row.id),
                    serde_json::json!({"partner_id": partner.id, "ended_by": ended_by.as_str()}),
                )?;
                tell_the_other_side(tx, &row, &partner.name, ended_by)?;
                tell_the_customer_what_was_left(tx, &row)?;
            }
            let row = delegation::find_relationship(tx.conn(), &tenant_id, &row.id)?.ok_or(NotFound("relationship"))?;
            let mut ended = PartnerRelationship::new(row, partner.name, tx.now())?;
            if matches!(ended_by, EndedBy::Customer) {
                let grants = users::delegated_grants(tx.conn(), &tenant_id, &ended.id)?;
                ended.left_behind = Some(grants.iter().map(LeftBehindAccount::from).collect());
            }
            Ok(ended)
        })
        .await
}

fn tell_the_other_side(
    tx: &mut Tx<'_>,
    row: &RelationshipRow,
    partner_name: &str,
    ended_by: EndedBy,
) -> Result<(), PartnerError> {
    let customer = tenant_rows::find(tx.conn(), &row.tenant_id)?.ok_or(NotFound("tenant"))?;
    let recipients = match ended_by {
        EndedBy::Partner => users::with_role(tx.conn(), &row.tenant_id, AdminRole::GlobalAdmin)?,
        EndedBy::Customer | EndedBy::Expiry => {
            partner_rows::people_with_role(tx.conn(), &row.partner_id, PartnerRole::Admin)?
        }
    };
    for person in recipients {
        let address = match person.partner_id {
            Some(_) => Some(partner_mailbox(&person)),
            None => person.contact_email.as_deref(),
        };
        if let Some(address) = address {
            let to = Recipient {
                contact_email: address,
                display_name: &person.display_name,
                sign_in: &person.sign_in,
                language: Preferences::read(&person.preferences).language,
            };
            tx.send(messages::relationship_ended(&to, &customer.name, partner_name, tx.public_url()))?;
        }
    }
    Ok(())
}

/// Where a partner's person is written to: their contact email, else their sign-in address,
/// which is a mailbox of their own organisation (never a customer's nor the platform's domain).
fn partner_mailbox(person: &tenantry_persistence::users::UserRow) -> &str {
    person.contact_email.as_deref().unwrap_or(&person.sign_in)
}
