//! A tenant's domains beyond the initial one: custom domains proven in DNS, registered ones and
//! the one a takeover proves. The partial unique index on verified names keeps a verified
//! domain with one tenant, whatever races.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use tenantry_domain::custom_domain::{DomainOrigin, TenantDomain};

use crate::connection::DbConnection;
use crate::error::StoreResult;
use crate::schema::{tenant_domains, tenants, users};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tenant_domains)]
pub struct DomainRow {
    pub id: String,
    pub tenant_id: String,
    pub name: String,
    pub verified: bool,
    pub is_initial: bool,
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = String)]
    pub origin: DomainOrigin,
    pub verification_code: Option<String>,
    pub verified_at: Option<NaiveDateTime>,
    pub is_default: bool,
}

impl DomainRow {
    /// The domain as the rules read it.
    pub fn rules(&self) -> TenantDomain {
        TenantDomain {
            name: self.name.clone(),
            origin: self.origin,
            verified: self.verified,
            is_default: self.is_default,
        }
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = tenant_domains)]
pub struct NewDomain<'a> {
    pub id: &'a str,
    pub tenant_id: &'a str,
    pub name: &'a str,
    pub verified: bool,
    pub is_initial: bool,
    pub created_at: NaiveDateTime,
    pub origin: &'a str,
    pub verification_code: Option<&'a str>,
    pub verified_at: Option<NaiveDateTime>,
    pub is_default: bool,
}

impl<'a> NewDomain<'a> {
    /// A domain the tenant proved by other means than a TXT record: created, registered or
    /// taken over.
    pub fn verified(id: &'a str, tenant_id: &'a str, name: &'a str, origin: DomainOrigin, now: NaiveDateTime) -> Self {
        Self {
            id,
            tenant_id,
            name,
            verified: true,
            is_initial: false,
            created_at: now,
            origin: origin.as_str(),
            verification_code: None,
            verified_at: Some(now),
            is_default: false,
        }
    }

    /// A custom domain waiting for its TXT record.
    pub fn unverified(id: &'a str, tenant_id: &'a str, name: &'a str, code: &'a str, now: NaiveDateTime) -> Self {
        Self {
            verified: false,
            verification_code: Some(code),
            verified_at: None,
            ..Self::verified(id, tenant_id, name, DomainOrigin::Custom, now)
        }
    }
}

/// Adds a domain to a tenant. The same name twice in a tenant, or a verified name another tenant
/// holds, is a unique violation.
pub fn insert(conn: &mut DbConnection, domain: &NewDomain<'_>) -> StoreResult<()> {
    diesel::insert_into(tenant_domains::table).values(domain).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, tenant_id: &str, name: &str) -> StoreResult<Option<DomainRow>> {
    Ok(tenant_domains::table
        .filter(tenant_domains::tenant_id.eq(tenant_id))
        .filter(tenant_domains::name.eq(name))
        .select(DomainRow::as_select())
        .first(conn)
        .optional()?)
}

/// One page of a tenant's domains by name, after the cursor name.
pub fn list(conn: &mut DbConnection, tenant_id: &str, after: Option<&str>, limit: i64) -> StoreResult<Vec<DomainRow>> {
    let mut query = tenant_domains::table
        .filter(tenant_domains::tenant_id.eq(tenant_id))
        .select(DomainRow::as_select())
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(tenant_domains::name.gt(after.to_owned()));
    }
    Ok(query.order(tenant_domains::name.asc()).limit(limit).load(conn)?)
}

/// Marks the domain verified, if it was not. A unique violation means another tenant verified
/// the same name first.
pub fn mark_verified(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> StoreResult<bool> {
    let changed = diesel::update(tenant_domains::table.find(id).filter(tenant_domains::verified.eq(false)))
        .set((tenant_domains::verified.eq(true), tenant_domains::verified_at.eq(Some(now))))
        .execute(conn)?;
    Ok(changed == 1)
}

/// Makes `id` the tenant's one default domain.
pub fn make_default(conn: &mut DbConnection, tenant_id: &str, id: &str) -> StoreResult<()> {
    diesel::update(tenant_domains::table.filter(tenant_domains::tenant_id.eq(tenant_id)))
        .filter(tenant_domains::is_default.eq(true))
        .set(tenant_domains::is_default.eq(false))
        .execute(conn)?;
    diesel::update(tenant_domains::table.find(id)).set(tenant_domains::is_default.eq(true)).execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut DbConnection, id: &str) -> StoreResult<bool> {
    Ok(diesel::delete(tenant_domains::table.find(id)).execute(conn)? == 1)
}

/// How many people of the tenant sign in with an address in `name`.
pub fn count_addresses_in(conn: &mut DbConnection, tenant_id: &str, name: &str) -> StoreResult<u64> {
    let suffix = format!("%@{}", name.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
    let count: i64 = users::table
        .filter(users::tenant_id.eq(tenant_id))
        .filter(users::sign_in.like(suffix).escape('\\'))
        .count()
        .get_result(conn)?;
    Ok(u64::try_from(count).unwrap_or(0))
}

/// The domain new people created with a user name only get.
pub fn default_domain(conn: &mut DbConnection, tenant_id: &str) -> StoreResult<Option<String>> {
    Ok(tenant_domains::table
        .filter(tenant_domains::tenant_id.eq(tenant_id))
        .filter(tenant_domains::is_default.eq(true))
        .select(tenant_domains::name)
        .first(conn)
        .optional()?)
}

/// The tenant holding `name` verified, with whether that tenant is managed.
pub fn verified_holder(conn: &mut DbConnection, name: &str) -> StoreResult<Option<(String, bool)>> {
    Ok(tenant_domains::table
        .inner_join(tenants::table)
        .filter(tenant_domains::name.eq(name))
        .filter(tenant_domains::verified.eq(true))
        .select((tenants::id, tenants::managed))
        .first(conn)
        .optional()?)
}

/// The tenant's domains other than its initial one.
pub fn count_custom(conn: &mut DbConnection, tenant_id: &str) -> StoreResult<i64> {
    Ok(tenant_domains::table
        .filter(tenant_domains::tenant_id.eq(tenant_id))
        .filter(tenant_domains::origin.ne(DomainOrigin::Initial.as_str()))
        .count()
        .get_result(conn)?)
}
