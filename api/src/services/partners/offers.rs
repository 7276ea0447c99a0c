//! Delegated-admin offers: reusable, not tied to a customer, revocable.

use tenantry_domain::audit::AuditAction;
use tenantry_domain::limits::{self, Cap};
use tenantry_domain::partner::{DelegatedAccess, PartnerAction};
use tenantry_domain::permissions::{Action, Target};
use tenantry_domain::relationship::OfferDuration;
use tenantry_domain::{PartnerId, TenantId};
use tenantry_persistence::delegation::{self, NewOffer};

use super::{lock_partner, require_partner, PartnerError};
use crate::app::state::AppState;
use crate::app::unit_of_work::Subject;
use crate::auth::secrets;
use crate::http::caller::SignedIn;
use crate::http::pagination::PageRequest;
use crate::runtime::ids::new_id;
use crate::services::lookup::{require_tenant, NotFound};
use crate::views::partner::{AdminOffer, OfferPreview};
use crate::views::Page;

pub async fn create(
    state: &AppState,
    caller: &SignedIn,
    partner_id: PartnerId,
    access: DelegatedAccess,
    duration: Option<OfferDuration>,
) -> Result<AdminOffer, PartnerError> {
    let permit = caller.authorize_partner(&partner_id, PartnerAction::ManageOffers)?;
    state
        .transact(&permit, move |tx| {
            let now = tx.stamp();
            lock_partner(tx.conn(), &partner_id)?;
            limits::check_cap(Cap::OpenOffersPerPartner, delegation::count_open_offers(tx.conn(), &partner_id)?)?;
            let id = new_id();
            let token = secrets::new_offer_token();
            // At most 730 days: always fits.
            let duration_days = duration.map(|d| i32::try_from(d.days())).transpose().map_err(|e| {
                tenantry_persistence::StoreError::Corrupt(format!("a duration of {duration:?} days: {e}"))
            })?;
            let created_by = tx.actor().user_id.clone();
            delegation::insert_offer(
                tx.conn(),
                &NewOffer {
                    id: &id,
                    partner_id: &partner_id,
                    access: access.as_str(),
                    duration_days,
                    token: &token,
                    created_by: created_by.as_deref(),
                    created_at: now,
                },
            )?;
            tx.audit(
                AuditAction::AdminOfferCreated,
                Subject::platform(&id),
                serde_json::json!({"partner_id": partner_id, "access": access.as_str(), "duration_days": duration_days}),
            )?;
            let row = delegation::find_offer(tx.conn(), &partner_id, &id)?.ok_or(NotFound("offer"))?;
            Ok(AdminOffer::new(row, tx.public_url()))
        })
        .await
}

pub async fn list(
    state: &AppState,
    caller: &SignedIn,
    partner_id: PartnerId,
    page: PageRequest,
) -> Result<Page<AdminOffer>, PartnerError> {
    let permit = caller.authorize_partner(&partner_id, PartnerAction::ManageOffers)?;
    let public_url = state.context.public_url.clone();
    state
        .read(&permit, move |conn, _| {
            require_partner(conn, &partner_id)?;
            let rows = delegation::list_offers(conn, &partner_id, page.after.as_deref(), page.fetch_limit())?;
            let (rows, next_cursor) = page.finish(rows, |row| row.id.as_str());
            Ok(Page { items: rows.into_iter().map(|row| AdminOffer::new(row, &public_url)).collect(), next_cursor })
        })
        .await
}

pub async fn get(
    state: &AppState,
    caller: &SignedIn,
    partner_id: PartnerId,
    offer_id: String,
) -> Result<AdminOffer, PartnerError> {
    let permit = caller.authorize_partner(&partner_id, PartnerAction::ManageOffers)?;
    let public_url = state.context.public_url.clone();
    state
        .read(&permit, move |conn, _| {
            let row = delegation::find_offer(conn, &partner_id, &offer_id)?.ok_or(NotFound("offer"))?;
            Ok(AdminOffer::new(row, &public_url))
        })
        .await
}

/// What accepting an offer would give, for the customer's global admin to read before accepting.
pub async fn preview(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: TenantId,
    token: String,
) -> Result<OfferPreview, PartnerError> {
    let permit = caller.authorize(&tenant_id, Action::ManagePartnerRelationships, Target::Tenant)?;
    state
        .read(&permit, move |conn, _| {
            require_tenant::<PartnerError>(conn, &tenant_id)?;
            let offer = delegation::find_offer_by_token(conn, &token)?.ok_or(NotFound("offer"))?;
            let partner = require_partner(conn, &offer.partner_id)?;
            Ok(OfferPreview {
                partner_id: partner.id,
                partner_name: partner.name,
                access: offer.access.into(),
                duration_days: offer.duration_days,
                revoked: offer.revoked_at.is_some(),
            })
        })
        .await
}

/// Revokes an offer: it can no longer be accepted. Relationships already made from it stay.
/// Revoking twice changes nothing.
pub async fn revoke(
    state: &AppState,
    caller: &SignedIn,
    partner_id: PartnerId,
    offer_id: String,
) -> Result<(), PartnerError> {
    let permit = caller.authorize_partner(&partner_id, PartnerAction::ManageOffers)?;
    state
        .transact(&permit, move |tx| {
            let now = tx.stamp();
            delegation::find_offer(tx.conn(), &partner_id, &offer_id)?.ok_or(NotFound("offer"))?;
            if delegation::revoke_offer(tx.conn(), &offer_id, now)? {
                tx.audit(
                    AuditAction::AdminOfferRevoked,
                    Subject::platform(&offer_id),
                    serde_json::json!({"partner_id": partner_id}),
                )?;
            }
            Ok(())
        })
        .await
}
