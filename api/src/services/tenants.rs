//! Customer tenants: created by an operator together with their first cloud manager.

use tenantry_domain::permissions::{Action, Target};
use tenantry_domain::tenant::{TenantName, TenantSlug};
use tenantry_domain::user::DisplayName;
use tenantry_domain::{AdminRole, DomainName, EmailAddress};
use tenantry_persistence::tenants::{self, NewTenant, TenantFilter, TenantRow};
use tenantry_persistence::users::{self, NewUser, KIND_MEMBER};
use tenantry_persistence::{time, DbConnection, StoreError};

use super::audit::{self, Actor, Change};
use super::messages::{self, Recipient};
use super::users::UserRecord;
use crate::auth::{passwords, SignedIn};
use crate::etag::IfMatch;
use crate::pagination::PageRequest;
use crate::problem::{ApiError, ErrorCode};
use crate::state::AppState;

/// A tenant with its verified domains.
pub struct TenantRecord {
    pub row: TenantRow,
    pub domains: Vec<String>,
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

fn load(conn: &mut DbConnection, id: &str) -> Result<TenantRecord, ApiError> {
    let row = tenants::find(conn, id)?.ok_or_else(|| ApiError::not_found("tenant"))?;
    let domains = tenants::verified_domains(conn, id)?;
    Ok(TenantRecord { row, domains })
}

/// Creates the tenant, its initial domain and its cloud manager, who is sent sign-in details.
pub async fn create(
    state: &AppState,
    caller: &SignedIn,
    input: NewTenantInput,
) -> Result<(TenantRecord, UserRecord), ApiError> {
    caller.require_operator()?;
    let temporary = passwords::temporary();
    let hash = state.hasher.hash(temporary.clone()).await?;
    let actor = Actor::from(caller);
    let config = state.config.clone();
    state
        .write(move |conn| {
            let now = super::now();
            let tenant_id = super::new_id();
            let manager_id = super::new_id();
            let tenant = NewTenant {
                id: &tenant_id,
                name: input.name.as_str(),
                slug: input.slug.as_str(),
                initial_domain: input.initial_domain.as_str(),
                created_at: time::to_db(now),
                updated_at: time::to_db(now),
            };
            tenants::insert(conn, &tenant, &super::new_id()).map_err(|e| match e {
                StoreError::UniqueViolation { .. } => ApiError::new(
                    ErrorCode::SlugTaken,
                    format!("the slug `{}` (domain {}) is taken", input.slug.as_str(), input.initial_domain),
                ),
                other => other.into(),
            })?;
            let sign_in = input.manager.sign_in.to_string();
            let contact = input.manager.contact_email.to_string();
            users::insert(
                conn,
                &NewUser {
                    id: &manager_id,
                    tenant_id: Some(&tenant_id),
                    kind: KIND_MEMBER,
                    sign_in: &sign_in,
                    display_name: input.manager.display_name.as_str(),
                    contact_email: Some(&contact),
                    password_hash: &hash,
                    must_change_password: true,
                    created_at: time::to_db(now),
                    updated_at: time::to_db(now),
                },
            )
            .map_err(|e| match e {
                StoreError::UniqueViolation { .. } => {
                    ApiError::new(ErrorCode::SignInTaken, format!("the sign-in address {sign_in} is taken"))
                }
                other => other.into(),
            })?;
            let role = AdminRole::CloudManager.as_str();
            users::replace_roles(conn, &tenant_id, &manager_id, &[role])?;
            let recipient = Recipient {
                contact_email: &contact,
                display_name: input.manager.display_name.as_str(),
                sign_in: &sign_in,
            };
            messages::account_created(conn, &config, &recipient, &temporary, &[role], now)?;
            audit::record(
                conn,
                &actor,
                Change {
                    tenant_id: Some(&tenant_id),
                    action: "tenant.created",
                    target_type: "tenant",
                    target_id: &tenant_id,
                    details: serde_json::json!({
                        "name": input.name.as_str(),
                        "slug": input.slug.as_str(),
                        "cloud_manager_id": manager_id,
                    }),
                },
                now,
            )?;
            let tenant = load(conn, &tenant_id)?;
            let manager = super::users::load(conn, &tenant_id, &manager_id)?;
            Ok((tenant, manager))
        })
        .await
}

pub async fn get(state: &AppState, caller: &SignedIn, tenant_id: String) -> Result<TenantRecord, ApiError> {
    caller.authorize(&tenant_id, Action::ReadTenant, Target::Tenant)?;
    state.read(move |conn| load(conn, &tenant_id)).await
}

pub struct TenantQuery {
    pub name_contains: Option<String>,
    pub domain_prefix: Option<String>,
    pub page: PageRequest,
}

pub async fn list(
    state: &AppState,
    caller: &SignedIn,
    query: TenantQuery,
) -> Result<(Vec<TenantRecord>, Option<String>), ApiError> {
    caller.require_operator()?;
    state
        .read(move |conn| {
            let filter = TenantFilter {
                name_contains: query.name_contains.as_deref(),
                domain_prefix: query.domain_prefix.as_deref(),
            };
            let rows = tenants::list(conn, &filter, query.page.after.as_deref(), query.page.fetch_limit())?;
            let (rows, next) = query.page.finish(rows, |row| row.id.as_str());
            let mut records = Vec::with_capacity(rows.len());
            for row in rows {
                let domains = tenants::verified_domains(conn, &row.id)?;
                records.push(TenantRecord { row, domains });
            }
            Ok((records, next))
        })
        .await
}

/// Renames a tenant. The slug and initial domain never change.
pub async fn rename(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: String,
    name: Option<TenantName>,
    if_match: IfMatch,
) -> Result<TenantRecord, ApiError> {
    caller.require_operator()?;
    let actor = Actor::from(caller);
    state
        .write(move |conn| {
            let now = super::now();
            let current = load(conn, &tenant_id)?;
            if_match.check(current.row.version)?;
            let Some(name) = name else { return Ok(current) };
            if !tenants::rename(conn, &tenant_id, name.as_str(), current.row.version, time::to_db(now))? {
                return Err(ApiError::precondition_failed());
            }
            audit::record(
                conn,
                &actor,
                Change {
                    tenant_id: Some(&tenant_id),
                    action: "tenant.renamed",
                    target_type: "tenant",
                    target_id: &tenant_id,
                    details: serde_json::json!({"from": current.row.name, "to": name.as_str()}),
                },
                now,
            )?;
            load(conn, &tenant_id)
        })
        .await
}
