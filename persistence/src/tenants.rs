//! Customer tenants and their domains.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use tenantry_domain::custom_domain::DomainOrigin;

use crate::connection::DbConnection;
use crate::domains::{self, NewDomain};
use crate::error::StoreResult;
use crate::schema::{lower, tenant_domains, tenants};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tenants)]
pub struct TenantRow {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub initial_domain: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
    /// False for a tenant of people who signed up on their own, until a takeover.
    pub managed: bool,
    /// The email domain an unmanaged tenant groups people by.
    pub email_domain: Option<String>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = tenants)]
pub struct NewTenant<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub slug: &'a str,
    pub initial_domain: &'a str,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub managed: bool,
    pub email_domain: Option<&'a str>,
}

/// Inserts a tenant with its initial domain, verified from the start.
pub fn insert(conn: &mut DbConnection, tenant: &NewTenant<'_>, initial_domain_id: &str) -> StoreResult<()> {
    diesel::insert_into(tenants::table).values(tenant).execute(conn)?;
    let domain = NewDomain {
        is_initial: true,
        is_default: true,
        ..NewDomain::verified(
            initial_domain_id,
            tenant.id,
            tenant.initial_domain,
            DomainOrigin::Initial,
            tenant.created_at,
        )
    };
    domains::insert(conn, &domain)
}

pub fn find(conn: &mut DbConnection, id: &str) -> StoreResult<Option<TenantRow>> {
    Ok(tenants::table.find(id).select(TenantRow::as_select()).first(conn).optional()?)
}

/// Filters of the tenant list; both are optional and combine.
#[derive(Debug, Default)]
pub struct TenantFilter<'a> {
    /// Substring of the name, case-insensitive.
    pub name_contains: Option<&'a str>,
    /// Prefix of any verified domain of the tenant.
    pub domain_prefix: Option<&'a str>,
}

/// One page of tenants in creation order (ids are UUIDv7), after the cursor id.
pub fn list(
    conn: &mut DbConnection,
    filter: &TenantFilter<'_>,
    after: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<TenantRow>> {
    let mut query = tenants::table.select(TenantRow::as_select()).into_boxed();
    if let Some(q) = filter.name_contains {
        query = query.filter(lower(tenants::name).like(contains_pattern(q)).escape('\\'));
    }
    if let Some(prefix) = filter.domain_prefix {
        let matching = tenant_domains::table
            .filter(tenant_domains::verified.eq(true))
            .filter(tenant_domains::name.like(prefix_pattern(prefix)).escape('\\'))
            .select(tenant_domains::tenant_id);
        query = query.filter(tenants::id.eq_any(matching));
    }
    if let Some(after) = after {
        query = query.filter(tenants::id.gt(after.to_owned()));
    }
    Ok(query.order(tenants::id.asc()).limit(limit).load(conn)?)
}

/// Renames a tenant if its version is still `expected_version`; false when it moved on.
pub fn rename(
    conn: &mut DbConnection,
    id: &str,
    name: &str,
    expected_version: i64,
    now: NaiveDateTime,
) -> StoreResult<bool> {
    let changed = diesel::update(tenants::table.find(id).filter(tenants::version.eq(expected_version)))
        .set((tenants::name.eq(name), tenants::updated_at.eq(now), tenants::version.eq(tenants::version + 1)))
        .execute(conn)?;
    Ok(changed == 1)
}

/// Takes the tenant's row lock until the transaction ends, serialising decisions that count
/// rows across the tenant (such as "is this the last global admin?"). On PostgreSQL the no-op
/// update locks the row; SQLite's write transactions are serialised already.
pub fn lock(conn: &mut DbConnection, id: &str) -> StoreResult<bool> {
    let locked = diesel::update(tenants::table.find(id)).set(tenants::id.eq(tenants::id)).execute(conn)?;
    Ok(locked == 1)
}

/// The unmanaged tenant grouping people of `email_domain`, if there is one.
pub fn unmanaged_for(conn: &mut DbConnection, email_domain: &str) -> StoreResult<Option<TenantRow>> {
    Ok(tenants::table
        .filter(tenants::managed.eq(false))
        .filter(tenants::email_domain.eq(email_domain))
        .select(TenantRow::as_select())
        .first(conn)
        .optional()?)
}

/// Whether a tenant with this slug exists.
pub fn slug_taken(conn: &mut DbConnection, slug: &str) -> StoreResult<bool> {
    let count: i64 = tenants::table.filter(tenants::slug.eq(slug)).count().get_result(conn)?;
    Ok(count > 0)
}

/// The takeover is complete: the tenant is managed from now on.
pub fn mark_managed(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> StoreResult<bool> {
    let changed = diesel::update(tenants::table.find(id).filter(tenants::managed.eq(false)))
        .set((tenants::managed.eq(true), tenants::updated_at.eq(now), tenants::version.eq(tenants::version + 1)))
        .execute(conn)?;
    Ok(changed == 1)
}

pub fn has_verified_domain(conn: &mut DbConnection, tenant_id: &str, name: &str) -> StoreResult<bool> {
    let count: i64 = tenant_domains::table
        .filter(tenant_domains::tenant_id.eq(tenant_id))
        .filter(tenant_domains::name.eq(name))
        .filter(tenant_domains::verified.eq(true))
        .count()
        .get_result(conn)?;
    Ok(count > 0)
}

/// Whether a tenant has proved the domain is theirs. A domain merely added, not verified,
/// holds nothing: anyone may type any name.
pub fn domain_is_held(conn: &mut DbConnection, name: &str) -> StoreResult<bool> {
    let count: i64 = tenant_domains::table
        .filter(tenant_domains::name.eq(name))
        .filter(tenant_domains::verified.eq(true))
        .count()
        .get_result(conn)?;
    Ok(count > 0)
}

pub fn verified_domains(conn: &mut DbConnection, tenant_id: &str) -> StoreResult<Vec<String>> {
    Ok(tenant_domains::table
        .filter(tenant_domains::tenant_id.eq(tenant_id))
        .filter(tenant_domains::verified.eq(true))
        .order(tenant_domains::name.asc())
        .select(tenant_domains::name)
        .load(conn)?)
}

fn escape_like(text: &str) -> String {
    text.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// `%text%` for a case-insensitive substring search, with LIKE's wildcards escaped.
pub fn contains_pattern(text: &str) -> String {
    format!("%{}%", escape_like(text))
}

pub fn prefix_pattern(text: &str) -> String {
    format!("{}%", escape_like(text))
}
