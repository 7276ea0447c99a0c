//! Customer tenants: created by an operator together with their first cloud manager.

use tenantry_domain::audit::AuditAction;
use tenantry_domain::permissions::{Action, Target};
use tenantry_domain::tenant::{TenantName, TenantSlug};
use tenantry_domain::user::{DisplayName, UserKind};
use tenantry_domain::TenantId;
use tenantry_domain::{AdminRole, DomainName, EmailAddress, RoleSet};
use tenantry_persistence::tenants::{self, NewTenant, TenantFilter};
use tenantry_persistence::users::{self, NewUser};
use tenantry_persistence::{DbConnection, StoreError};

use super::lookup::NotFound;
use super::messages::{self, Recipient};
use super::users::{self as people, SignInTaken};
use crate::app::state::AppState;
use crate::app::unit_of_work::Subject;
use crate::auth::hashing::HashingError;
use crate::auth::passwords;
use crate::http::caller::{AccessDenied, SignedIn};
use crate::http::etag::{IfMatch, PreconditionFailed};
use crate::http::pagination::PageRequest;
use crate::runtime::ids::new_id;
use crate::views::tenant::{CreatedTenant, Tenant};
use crate::views::{Page, Versioned};

/// Why a tenant use case did not happen.
#[derive(Debug, thiserror::Error)]
pub enum TenantError {
    #[error(transparent)]
    Access(#[from] AccessDenied),
    #[error(transparent)]
    NotFound(#[from] NotFound),
    #[error("the slug `{slug}` (domain {domain}) is taken")]
    SlugTaken { slug: String, domain: String },
    #[error(transparent)]
    SignInTaken(#[from] SignInTaken),
    #[error(transparent)]
    Stale(#[from] PreconditionFailed),
    #[error(transparent)]
    Hashing(#[from] HashingError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub struct NewTenantInput {
    pub name: TenantName,
    pub slug: TenantSlug,
    pub initial_domain: DomainName,
    pub manager: NewManagerInput,
}

pub struct NewManagerInput {
    pub display_name: DisplayName,
    pub sign_in: EmailAddress,
    pub contact_email: EmailAddress,
}

fn load(conn: &mut DbConnection, id: &str) -> Result<Versioned<Tenant>, TenantError> {
    let row = tenants::find(conn, id)?.ok_or(NotFound("tenant"))?;
    let domains = tenants::verified_domains(conn, id)?;
    Ok(Versioned { view: Tenant::new(&row, domains), version: row.version })
}

/// Creates the tenant, its initial domain and its cloud manager, who is sent sign-in details.
pub async fn create(
    state: &AppState,
    caller: &SignedIn,
    input: NewTenantInput,
) -> Result<Versioned<CreatedTenant>, TenantError> {
    let permit = caller.require_operator()?;
    let temporary = passwords::temporary();
    let hash = state.hasher.hash(temporary.clone()).await?;
    state
        .transact(&permit, move |tx| {
            let tenant_id = new_id();
            let manager_id = new_id();
            let tenant = NewTenant {
                id: &tenant_id,
                name: input.name.as_str(),
                slug: input.slug.as_str(),
                initial_domain: input.initial_domain.as_str(),
                created_at: tx.stamp(),
                updated_at: tx.stamp(),
                managed: true,
                email_domain: None,
            };
            tenants::insert(tx.conn(), &tenant, &new_id()).map_err(|e| match e {
                StoreError::UniqueViolation { .. } => TenantError::SlugTaken {
                    slug: input.slug.as_str().to_owned(),
                    domain: input.initial_domain.to_string(),
                },
                other => other.into(),
            })?;
            let sign_in = input.manager.sign_in.to_string();
            let contact = input.manager.contact_email.to_string();
            let manager = NewUser {
                id: &manager_id,
                tenant_id: Some(&tenant_id),
                kind: UserKind::Member.as_str(),
                sign_in: &sign_in,
                display_name: input.manager.display_name.as_str(),
                contact_email: Some(&contact),
                password_hash: &hash,
                must_change_password: true,
                created_at: tx.stamp(),
                updated_at: tx.stamp(),
                partner_id: None,
                partner_role: None,
                temporary_password_expires_at: Some(tx.temporary_password_until()),
                created_by_relationship: None,
            };
            users::insert(tx.conn(), &manager).map_err(SignInTaken::or_store::<TenantError>(&sign_in))?;
            let roles = RoleSet::new([AdminRole::CloudManager]);
            users::replace_roles(tx.conn(), &tenant_id, &manager_id, &roles, None)?;
            let recipient = Recipient {
                contact_email: &contact,
                display_name: input.manager.display_name.as_str(),
                sign_in: &sign_in,
                // A new person has chosen no language yet: the market's.
                language: Default::default(),
            };
            tx.send(messages::account_created(&recipient, &temporary, &roles, tx.public_url()))?;
            tx.audit(
                AuditAction::TenantCreated,
                Subject::in_tenant(&tenant_id, &tenant_id),
                serde_json::json!({
                    "name": input.name.as_str(),
                    "slug": input.slug.as_str(),
                    "cloud_manager_id": manager_id,
                }),
            )?;
            let tenant = load(tx.conn(), &tenant_id)?;
            let cloud_manager = people::load::<TenantError>(tx, &tenant_id, &manager_id)?;
            Ok(Versioned {
                view: CreatedTenant { tenant: tenant.view, cloud_manager: cloud_manager.view },
                version: tenant.version,
            })
        })
        .await
}

pub async fn get(state: &AppState, caller: &SignedIn, tenant_id: TenantId) -> Result<Versioned<Tenant>, TenantError> {
    let permit = caller.authorize(&tenant_id, Action::ReadTenant, Target::Tenant)?;
    state.read(&permit, move |conn, _| load(conn, &tenant_id)).await
}

pub struct TenantQuery {
    pub name_contains: Option<String>,
    pub domain_prefix: Option<String>,
    pub page: PageRequest,
}

pub async fn list(state: &AppState, caller: &SignedIn, query: TenantQuery) -> Result<Page<Tenant>, TenantError> {
    let permit = caller.require_operator()?;
    state
        .read(&permit, move |conn, _| {
            let filter = TenantFilter {
                name_contains: query.name_contains.as_deref(),
                domain_prefix: query.domain_prefix.as_deref(),
            };
            let rows = tenants::list(conn, &filter, query.page.after.as_deref(), query.page.fetch_limit())?;
            let (rows, next_cursor) = query.page.finish(rows, |row| row.id.as_str());
            let mut items = Vec::with_capacity(rows.len());
            for row in rows {
                let domains = tenants::verified_domains(conn, &row.id)?;
                items.push(Tenant::new(&row, domains));
            }
            Ok(Page { items, next_cursor })
        })
        .await
}

/// Renames a tenant. The slug and initial domain never change.
pub async fn rename(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: TenantId,
    name: Option<TenantName>,
    if_match: IfMatch,
) -> Result<Versioned<Tenant>, TenantError> {
    let permit = caller.require_operator()?;
    state
        .transact(&permit, move |tx| {
            let current = load(tx.conn(), &tenant_id)?;
            if_match.check(current.version)?;
            let Some(name) = name else { return Ok(current) };
            let stamp = tx.stamp();
            if !tenants::rename(tx.conn(), &tenant_id, name.as_str(), current.version, stamp)? {
                return Err(PreconditionFailed.into());
            }
            tx.audit(
                AuditAction::TenantRenamed,
                Subject::in_tenant(&tenant_id, &tenant_id),
                serde_json::json!({"from": current.view.name, "to": name.as_str()}),
            )?;
            load(tx.conn(), &tenant_id)
        })
        .await
}
