//! Domains a partner proves, with the TXT record customers use, so that its people may sign in
//! at them. Until then its people sign in at its platform domain (`<slug>.partners.<platform>`),
//! or at the addresses the operator gave them when setting the partner up.

use tenantry_domain::audit::AuditAction;
use tenantry_domain::limits::{self, Cap, Rate};
use tenantry_domain::partner::PartnerAction;
use tenantry_domain::partner_domain;
use tenantry_domain::DomainName;
use tenantry_domain::PartnerId;
use tenantry_persistence::partner_domains::{self, NewPartnerDomain, PartnerDomainRow};
use tenantry_persistence::{tenants, DbConnection, StoreError};

use super::{lock_partner, require_partner, PartnerError};
use crate::app::state::AppState;
use crate::app::unit_of_work::{Subject, Tx};
use crate::auth::secrets;
use crate::http::caller::SignedIn;
use crate::runtime::ids::new_id;
use crate::services::domains::prove;
use crate::services::lookup::NotFound;
use crate::services::rates;
use crate::views::partner_domain::{PartnerDomain, PartnerDomains};

fn find(conn: &mut DbConnection, partner_id: &str, name: &DomainName) -> Result<PartnerDomainRow, PartnerError> {
    Ok(partner_domains::find(conn, partner_id, name.as_str())?.ok_or(NotFound("domain"))?)
}

/// Records a change of one of the partner's domains in the platform's audit log.
fn audit(
    tx: &mut Tx<'_>,
    action: AuditAction,
    id: &str,
    partner_id: &str,
    name: &DomainName,
) -> Result<(), StoreError> {
    tx.audit(action, Subject::platform(id), serde_json::json!({"partner_id": partner_id, "name": name.as_str()}))
}

/// The partner's platform domain and the domains it added, proved or not.
pub async fn list(state: &AppState, caller: &SignedIn, partner_id: PartnerId) -> Result<PartnerDomains, PartnerError> {
    let permit = caller.authorize_partner(&partner_id, PartnerAction::ReadPartner)?;
    let platform = state.config.platform_domain.to_string();
    state
        .read(&permit, move |conn, _| {
            let partner = require_partner(conn, &partner_id)?;
            let items = partner_domains::list(conn, &partner_id)?.iter().map(PartnerDomain::from).collect();
            Ok(PartnerDomains { platform_domain: super::platform_domain_of(&partner, &platform), items })
        })
        .await
}

/// Adds a domain to prove; the answer carries the TXT record to publish.
pub async fn add(
    state: &AppState,
    caller: &SignedIn,
    partner_id: PartnerId,
    name: DomainName,
) -> Result<PartnerDomain, PartnerError> {
    let permit = caller.authorize_partner(&partner_id, PartnerAction::ManageStaff)?;
    partner_domain::check_provable(name.as_str(), state.config.platform_domain.as_str())?;
    state
        .transact(&permit, move |tx| {
            lock_partner(tx.conn(), &partner_id)?;
            if partner_domains::find(tx.conn(), &partner_id, name.as_str())?.is_some() {
                return Err(PartnerError::DomainAlreadyAdded(name.to_string()));
            }
            limits::check_cap(Cap::DomainsPerPartner, partner_domains::count(tx.conn(), &partner_id)?)?;
            let id = new_id();
            let code = secrets::new_verification_code();
            let row = NewPartnerDomain {
                id: &id,
                partner_id: &partner_id,
                name: name.as_str(),
                verification_code: &code,
                created_at: tx.stamp(),
            };
            partner_domains::insert(tx.conn(), &row)?;
            audit(tx, AuditAction::PartnerDomainAdded, &id, &partner_id, &name)?;
            Ok(PartnerDomain::from(&find(tx.conn(), &partner_id, &name)?))
        })
        .await
}

/// Looks the TXT record up in DNS and, when it carries the domain's code, marks it proved. A
/// domain a customer or another partner has proved stays theirs.
pub async fn verify(
    state: &AppState,
    caller: &SignedIn,
    partner_id: PartnerId,
    name: DomainName,
) -> Result<PartnerDomain, PartnerError> {
    let permit = caller.authorize_partner(&partner_id, PartnerAction::ManageStaff)?;
    let (lookup_partner, lookup_name) = (partner_id.clone(), name.clone());
    let row = state.read(&permit, move |conn, _| find(conn, &lookup_partner, &lookup_name)).await?;
    if row.verified {
        return Ok(PartnerDomain::from(&row));
    }
    // Each proof asks real DNS servers: counted against the partner's rate first.
    let counted = partner_id.clone();
    state.transact(&permit, move |tx| rates::admit::<PartnerError>(tx, Rate::DnsLookupsPerPartner, &counted)).await?;
    prove(state, name.as_str(), &row.verification_code).await?;
    state
        .transact(&permit, move |tx| {
            let current = find(tx.conn(), &partner_id, &name)?;
            if current.verification_code != row.verification_code {
                return Err(StoreError::LostRace("the domain was removed and added again".to_owned()).into());
            }
            if tenants::domain_is_held(tx.conn(), name.as_str())? {
                return Err(PartnerError::DomainHeldElsewhere(name.to_string()));
            }
            let stamp = tx.stamp();
            let proved = partner_domains::mark_verified(tx.conn(), &current.id, stamp).map_err(|e| match e {
                StoreError::UniqueViolation { .. } => PartnerError::DomainHeldElsewhere(name.to_string()),
                other => other.into(),
            })?;
            if proved {
                audit(tx, AuditAction::PartnerDomainVerified, &current.id, &partner_id, &name)?;
            }
            Ok(PartnerDomain::from(&find(tx.conn(), &partner_id, &name)?))
        })
        .await
}

/// Removes a domain nobody of the partner signs in at.
pub async fn remove(
    state: &AppState,
    caller: &SignedIn,
    partner_id: PartnerId,
    name: DomainName,
) -> Result<(), PartnerError> {
    let permit = caller.authorize_partner(&partner_id, PartnerAction::ManageStaff)?;
    state
        .transact(&permit, move |tx| {
            lock_partner(tx.conn(), &partner_id)?;
            let row = find(tx.conn(), &partner_id, &name)?;
            if partner_domains::people_at(tx.conn(), &partner_id, name.as_str())? > 0 {
                return Err(PartnerError::DomainInUse(name.to_string()));
            }
            partner_domains::delete(tx.conn(), &row.id)?;
            audit(tx, AuditAction::PartnerDomainRemoved, &row.id, &partner_id, &name)?;
            Ok(())
        })
        .await
}
