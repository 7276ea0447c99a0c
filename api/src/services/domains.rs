//! A tenant's custom domains: added with a TXT record to publish,
//! verified against real DNS, made the default for new people, removed when nobody uses them,
//! and checked against the records the suite needs.

use tenantry_domain::audit::AuditAction;
use tenantry_domain::custom_domain::{self, DomainOrigin, DomainRefusal, PlatformOwned, Proof};
use tenantry_domain::dns_check::{self, Answer};
use tenantry_domain::limits::{self, Cap, CapReached, Rate, RateReached};
use tenantry_domain::permissions::{Action, Target};
use tenantry_domain::DomainName;
use tenantry_domain::TenantId;
use tenantry_persistence::domains::{self, DomainRow, NewDomain};
use tenantry_persistence::partner_domains;
use tenantry_persistence::{tenants, DbConnection, StoreError};

use super::lookup::{require_tenant, NotFound};
use super::rates;
use crate::app::state::AppState;
use crate::app::unit_of_work::{Subject, Tx};
use crate::auth::permit::Permit;
use crate::auth::secrets;
use crate::http::caller::{AccessDenied, SignedIn};
use crate::http::pagination::PageRequest;
use crate::runtime::ids::new_id;
use crate::views::domain::{DnsCheck, DnsRecordCheck, Domain};
use crate::views::Page;

/// Why a use case about a tenant's domains did not happen.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    #[error(transparent)]
    Access(#[from] AccessDenied),
    #[error(transparent)]
    NotFound(#[from] NotFound),
    #[error("{0} is already a domain of this tenant")]
    AlreadyAdded(String),
    #[error("{0} is verified by another tenant: a verified domain belongs to one tenant only")]
    HeldElsewhere(String),
    #[error("people signed up on their own with {0}: one of them takes the domain over, or they are moved first")]
    GroupedBySignUps(String),
    #[error(transparent)]
    Refused(#[from] DomainRefusal),
    #[error(transparent)]
    PlatformOwned(#[from] PlatformOwned),
    #[error("{detail}")]
    NotProven { detail: String, expected: String, published: Vec<String> },
    #[error("DNS did not answer for {name}: {reason}; try again in a moment")]
    DnsUnavailable { name: String, reason: String },
    #[error(transparent)]
    Cap(#[from] CapReached),
    #[error(transparent)]
    Rate(#[from] RateReached),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A domain of `tenant_id`, or 404.
fn find(conn: &mut DbConnection, tenant_id: &str, name: &DomainName) -> Result<DomainRow, DomainError> {
    domains::find(conn, tenant_id, name.as_str())?.ok_or(DomainError::NotFound(NotFound("domain")))
}

/// Refuses a name that another tenant holds verified, or that people who signed up on their own
/// are grouped by (their takeover proves it, not another tenant).
fn check_free_for(conn: &mut DbConnection, tenant_id: &str, name: &str) -> Result<(), DomainError> {
    if let Some((holder, _)) = domains::verified_holder(conn, name)? {
        if holder != tenant_id {
            return Err(DomainError::HeldElsewhere(name.to_owned()));
        }
    }
    if tenants::unmanaged_for(conn, name)?.is_some_and(|grouping| grouping.id != tenant_id) {
        return Err(DomainError::GroupedBySignUps(name.to_owned()));
    }
    Ok(())
}

/// Adds a custom domain, unverified; the answer carries the TXT record to publish.
pub async fn add(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: TenantId,
    name: DomainName,
) -> Result<Domain, DomainError> {
    let permit = caller.authorize(&tenant_id, Action::ManageDomains, Target::Tenant)?;
    custom_domain::check_addable(&name, &state.config.platform_domain)?;
    state
        .transact(&permit, move |tx| {
            // Serialised per tenant, so that its domains are counted one addition at a time.
            if !tenants::lock(tx.conn(), &tenant_id)? {
                return Err(NotFound("tenant").into());
            }
            if domains::find(tx.conn(), &tenant_id, name.as_str())?.is_some() {
                return Err(DomainError::AlreadyAdded(name.to_string()));
            }
            limits::check_cap(Cap::DomainsPerTenant, domains::count_custom(tx.conn(), &tenant_id)?)?;
            check_free_for(tx.conn(), &tenant_id, name.as_str())?;
            let code = secrets::new_verification_code();
            let stamp = tx.stamp();
            let id = new_id();
            let domain = NewDomain::unverified(&id, &tenant_id, name.as_str(), &code, stamp);
            domains::insert(tx.conn(), &domain).map_err(|e| match e {
                StoreError::UniqueViolation { .. } => DomainError::AlreadyAdded(name.to_string()),
                other => other.into(),
            })?;
            tx.audit(AuditAction::DomainAdded, Subject::in_tenant(&tenant_id, name.as_str()), serde_json::json!({}))?;
            Ok(Domain::from(&find(tx.conn(), &tenant_id, &name)?))
        })
        .await
}

pub async fn list(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: TenantId,
    page: PageRequest,
) -> Result<Page<Domain>, DomainError> {
    let permit = caller.authorize(&tenant_id, Action::ReadTenant, Target::Tenant)?;
    state
        .read(&permit, move |conn, _| {
            require_tenant::<DomainError>(conn, &tenant_id)?;
            let rows = domains::list(conn, &tenant_id, page.after.as_deref(), page.fetch_limit())?;
            let (rows, next_cursor) = page.finish(rows, |row| row.name.as_str());
            Ok(Page { items: rows.iter().map(Domain::from).collect(), next_cursor })
        })
        .await
}

pub async fn get(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: TenantId,
    name: DomainName,
) -> Result<Domain, DomainError> {
    let permit = caller.authorize(&tenant_id, Action::ReadTenant, Target::Tenant)?;
    state.read(&permit, move |conn, _| Ok(Domain::from(&find(conn, &tenant_id, &name)?))).await
}

/// Looks the TXT record up in DNS and, when it carries the domain's code, marks it verified.
pub async fn verify(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: TenantId,
    name: DomainName,
) -> Result<Domain, DomainError> {
    let permit = caller.authorize(&tenant_id, Action::ManageDomains, Target::Tenant)?;
    let (lookup_tenant, lookup_name) = (tenant_id.clone(), name.clone());
    let row = state.read(&permit, move |conn, _| find(conn, &lookup_tenant, &lookup_name)).await?;
    row.rules().check_verification()?;
    let code = row.verification_code.clone().ok_or_else(|| corrupt_code(&row))?;
    admit_dns_lookup(state, &permit, &tenant_id).await?;
    prove(state, name.as_str(), &code).await?;
    state
        .transact(&permit, move |tx| {
            let row = find(tx.conn(), &tenant_id, &name)?;
            row.rules().check_verification()?;
            if row.verification_code.as_deref() != Some(code.as_str()) {
                return Err(StoreError::LostRace("the domain was removed and added again".to_owned()).into());
            }
            check_free_for(tx.conn(), &tenant_id, name.as_str())?;
            let stamp = tx.stamp();
            domains::mark_verified(tx.conn(), &row.id, stamp).map_err(|e| match e {
                StoreError::UniqueViolation { .. } => DomainError::HeldElsewhere(name.to_string()),
                other => other.into(),
            })?;
            // The customer proved it now: a partner that proved it before no longer holds it, and
            // its people can no longer be given addresses there.
            let taken_from = partner_domains::unprove_everywhere(tx.conn(), name.as_str())?;
            tx.audit(
                AuditAction::DomainVerified,
                Subject::in_tenant(&tenant_id, name.as_str()),
                serde_json::json!({"taken_from_partners": taken_from}),
            )?;
            Ok(Domain::from(&find(tx.conn(), &tenant_id, &name)?))
        })
        .await
}

fn corrupt_code(row: &DomainRow) -> DomainError {
    StoreError::Corrupt(format!("unverified domain {} has no verification code", row.name)).into()
}

/// Looks for `tenantry-verification=<code>` among the TXT records at `name`.
pub async fn prove(state: &AppState, name: &str, code: &str) -> Result<(), DomainError> {
    let expected = custom_domain::verification_record(code);
    let records = match state.dns().txt(name).await {
        Answer::Values(records) => records,
        Answer::Failed(reason) => return Err(DomainError::DnsUnavailable { name: name.to_owned(), reason }),
    };
    match custom_domain::proof_in(&records, code) {
        Proof::Found => Ok(()),
        Proof::Absent => Err(DomainError::NotProven {
            detail: format!("no TXT record `{expected}` was found at {name}; publish it and try again (DNS changes can take a while to show)"),
            expected,
            published: Vec::new(),
        }),
        Proof::Wrong { published } => Err(DomainError::NotProven {
            detail: format!("the TXT record at {name} carries another verification code; publish `{expected}` instead"),
            expected,
            published,
        }),
    }
}

/// Makes a verified domain the one new people created with a user name only get.
pub async fn make_default(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: TenantId,
    name: DomainName,
) -> Result<Domain, DomainError> {
    let permit = caller.authorize(&tenant_id, Action::ManageDomains, Target::Tenant)?;
    state
        .transact(&permit, move |tx| {
            tenants::lock(tx.conn(), &tenant_id)?;
            let row = find(tx.conn(), &tenant_id, &name)?;
            row.rules().check_default()?;
            if !row.is_default {
                domains::make_default(tx.conn(), &tenant_id, &row.id)?;
                tx.audit(
                    AuditAction::DomainMadeDefault,
                    Subject::in_tenant(&tenant_id, name.as_str()),
                    serde_json::json!({}),
                )?;
            }
            Ok(Domain::from(&find(tx.conn(), &tenant_id, &name)?))
        })
        .await
}

/// Removes a domain nobody signs in with.
pub async fn remove(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: TenantId,
    name: DomainName,
) -> Result<(), DomainError> {
    let permit = caller.authorize(&tenant_id, Action::ManageDomains, Target::Tenant)?;
    state
        .transact(&permit, move |tx| {
            // Serialised with people being created or renamed into the domain.
            tenants::lock(tx.conn(), &tenant_id)?;
            let row = find(tx.conn(), &tenant_id, &name)?;
            let in_use = domains::count_addresses_in(tx.conn(), &tenant_id, name.as_str())?;
            row.rules().check_removal(in_use)?;
            domains::delete(tx.conn(), &row.id)?;
            tx.audit(AuditAction::DomainRemoved, Subject::in_tenant(&tenant_id, name.as_str()), serde_json::json!({}))?;
            Ok(())
        })
        .await
}

/// How long a DNS check waits for all its answers together.
const DNS_CHECK_DEADLINE: std::time::Duration = std::time::Duration::from_secs(7);

/// Compares the domain's live MX, SPF, autodiscover CNAME and meetings SRV records with what the
/// suite needs.
pub async fn dns_check(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: TenantId,
    name: DomainName,
) -> Result<DnsCheck, DomainError> {
    let permit = caller.authorize(&tenant_id, Action::ReadTenant, Target::Tenant)?;
    let (lookup_tenant, lookup_name) = (tenant_id.clone(), name.clone());
    state.read(&permit, move |conn, _| find(conn, &lookup_tenant, &lookup_name)).await?;
    admit_dns_lookup(state, &permit, &tenant_id).await?;
    // Every record is asked at once, under one deadline: with DNS down the check answers in
    // seconds, saying which records got no answer, instead of waiting for each in turn.
    let required = dns_check::required_records(&name, &state.config.platform_domain);
    let asked = required.iter().map(|record| (record.host.clone(), record.record_type)).collect();
    let answers = state.dns().lookup_all(asked, DNS_CHECK_DEADLINE).await;
    let records: Vec<DnsRecordCheck> = (required.into_iter().zip(answers))
        .map(|(record, answer)| DnsRecordCheck::from(dns_check::check(record, &answer)))
        .collect();
    Ok(DnsCheck {
        domain: name.to_string(),
        all_ok: records.iter().all(|record| record.status == "ok"),
        records,
        checked_at: crate::runtime::clock::now(),
    })
}

/// Counts one DNS check or verification against the tenant's rate, or refuses it (429): each
/// asks real DNS servers several questions.
async fn admit_dns_lookup(state: &AppState, permit: &Permit, tenant_id: &str) -> Result<(), DomainError> {
    let tenant_id = tenant_id.to_owned();
    state.transact(permit, move |tx| rates::admit(tx, Rate::DnsLookupsPerTenant, &tenant_id)).await
}

/// Records a domain the tenant proved another way (bought it, took it over) as verified.
pub fn add_verified(tx: &mut Tx<'_>, tenant_id: &str, name: &str, origin: DomainOrigin) -> Result<(), StoreError> {
    let stamp = tx.stamp();
    if let Some(existing) = domains::find(tx.conn(), tenant_id, name)? {
        if !existing.verified {
            domains::mark_verified(tx.conn(), &existing.id, stamp)?;
        }
        return Ok(());
    }
    let id = new_id();
    domains::insert(tx.conn(), &NewDomain::verified(&id, tenant_id, name, origin, stamp))
}
