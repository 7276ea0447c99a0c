//! People: platform operators and members of a tenant, with their admin roles.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use tenantry_domain::partner::PartnerRole;
use tenantry_domain::user::UserKind;
use tenantry_domain::{AdminRole, RoleSet};

use crate::connection::DbConnection;
use crate::error::{StoreError, StoreResult};
use crate::schema::{lower, partners, user_roles, users};
use crate::tenants::contains_pattern;
use crate::version_guard::VersionGuard;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: String,
    pub tenant_id: Option<String>,
    #[diesel(deserialize_as = String)]
    pub kind: UserKind,
    pub sign_in: String,
    pub display_name: String,
    pub contact_email: Option<String>,
    pub password_hash: String,
    pub must_change_password: bool,
    pub preferences: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
    pub partner_id: Option<String>,
    pub partner_role: Option<String>,
    /// Until when a temporary password works; `None` for a chosen one.
    pub temporary_password_expires_at: Option<NaiveDateTime>,
    /// Moves on whenever the person's tokens must stop working; tokens carry the value they
    /// were issued under.
    pub security_stamp: i64,
    /// Set while the person is disabled: no sign-in, no token works.
    pub disabled_at: Option<NaiveDateTime>,
    /// The delegated-admin relationship through which a partner created the account.
    pub created_by_relationship: Option<String>,
}

impl UserRow {
    /// The person's role in their partner organisation; `None` for anyone not a partner person.
    pub fn partner_role(&self) -> StoreResult<Option<PartnerRole>> {
        self.partner_role
            .as_deref()
            .map(|role| role.parse().map_err(|e| StoreError::Corrupt(format!("user {}: {e}", self.id))))
            .transpose()
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub id: &'a str,
    pub tenant_id: Option<&'a str>,
    pub kind: &'a str,
    pub sign_in: &'a str,
    pub display_name: &'a str,
    pub contact_email: Option<&'a str>,
    pub password_hash: &'a str,
    pub must_change_password: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub partner_id: Option<&'a str>,
    pub partner_role: Option<&'a str>,
    pub temporary_password_expires_at: Option<NaiveDateTime>,
    /// Set when a partner creates the account through a delegated-admin relationship.
    pub created_by_relationship: Option<&'a str>,
}

pub fn insert(conn: &mut DbConnection, user: &NewUser<'_>) -> StoreResult<()> {
    diesel::insert_into(users::table).values(user).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: &str) -> StoreResult<Option<UserRow>> {
    Ok(users::table.find(id).select(UserRow::as_select()).first(conn).optional()?)
}

/// A member of one tenant; `None` for anyone else, so other tenants' people stay invisible.
pub fn find_in_tenant(conn: &mut DbConnection, tenant_id: &str, id: &str) -> StoreResult<Option<UserRow>> {
    Ok(users::table
        .find(id)
        .filter(users::tenant_id.eq(tenant_id))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_by_sign_in(conn: &mut DbConnection, sign_in: &str) -> StoreResult<Option<UserRow>> {
    Ok(users::table.filter(users::sign_in.eq(sign_in)).select(UserRow::as_select()).first(conn).optional()?)
}

pub fn operator_exists(conn: &mut DbConnection) -> StoreResult<bool> {
    let count: i64 = users::table.filter(users::kind.eq(UserKind::Operator.as_str())).count().get_result(conn)?;
    Ok(count > 0)
}

/// One page of a tenant's members in creation order, optionally searched by name or address.
pub fn list_in_tenant(
    conn: &mut DbConnection,
    tenant_id: &str,
    search: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<UserRow>> {
    let mut query = users::table.select(UserRow::as_select()).into_boxed();
    query = match after {
        Some(after) => query.filter(users::tenant_id.eq(tenant_id)).filter(users::id.gt(after.to_owned())),
        // The first page names its tenant as a range of one value. With `=`, PostgreSQL knows the
        // tenant is fixed, sees the primary key as already in the order asked, and may walk it
        // from the start, skipping every other tenant's people: for a large tenant created late,
        // hundreds of milliseconds. The range leaves (tenant_id, id) as the only index in that
        // order. Later pages start from their cursor, where either index is quick.
        None => query.filter(users::tenant_id.ge(tenant_id)).filter(users::tenant_id.le(tenant_id)),
    };
    if let Some(q) = search {
        let pattern = contains_pattern(q);
        query = query.filter(
            lower(users::display_name).like(pattern.clone()).escape('\\').or(users::sign_in.like(pattern).escape('\\')),
        );
    }
    Ok(query.order((users::tenant_id.asc(), users::id.asc())).limit(limit).load(conn)?)
}

/// Every member of a tenant, oldest first: for changes that concern them all (a takeover).
pub fn all_in_tenant(conn: &mut DbConnection, tenant_id: &str) -> StoreResult<Vec<UserRow>> {
    Ok(users::table
        .filter(users::tenant_id.eq(tenant_id))
        .order(users::id.asc())
        .select(UserRow::as_select())
        .load(conn)?)
}

/// The editable profile fields; `None` leaves a field as it is.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct ProfileChanges<'a> {
    pub display_name: Option<&'a str>,
    pub contact_email: Option<Option<&'a str>>,
    pub sign_in: Option<&'a str>,
}

/// Applies profile changes if the row is still at `expected_version`; false when it moved on.
pub fn update_profile(
    conn: &mut DbConnection,
    id: &str,
    changes: &ProfileChanges<'_>,
    expected_version: i64,
    now: NaiveDateTime,
) -> StoreResult<bool> {
    let changed = diesel::update(users::table.find(id).filter(users::version.eq(expected_version)))
        .set((changes, users::updated_at.eq(now), users::version.eq(users::version + 1)))
        .execute(conn)?;
    Ok(changed == 1)
}

/// Marks a change that is not a profile field (roles, password) by moving the version on.
pub fn touch(conn: &mut DbConnection, id: &str, expected_version: i64, now: NaiveDateTime) -> StoreResult<bool> {
    let changed = diesel::update(users::table.find(id).filter(users::version.eq(expected_version)))
        .set((users::updated_at.eq(now), users::version.eq(users::version + 1)))
        .execute(conn)?;
    Ok(changed == 1)
}

/// Sets a chosen password (`temporary_until` is `None`), or a temporary one that must be changed
/// at first sign-in and works until `temporary_until`. Every token issued before stops working.
/// False when the person no longer exists.
pub fn set_password(
    conn: &mut DbConnection,
    id: &str,
    password_hash: &str,
    temporary_until: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> StoreResult<bool> {
    let changed = diesel::update(users::table.find(id))
        .set((
            users::password_hash.eq(password_hash),
            users::must_change_password.eq(temporary_until.is_some()),
            users::temporary_password_expires_at.eq(temporary_until),
            users::security_stamp.eq(users::security_stamp + 1),
            users::updated_at.eq(now),
            users::version.eq(users::version + 1),
        ))
        .execute(conn)?;
    Ok(changed == 1)
}

/// Disables (`disabled_at` set) or enables the person if their row is still at
/// `expected_version`; disabling ends every token they hold. False when the row moved on.
pub fn set_disabled(
    conn: &mut DbConnection,
    id: &str,
    disabled_at: Option<NaiveDateTime>,
    expected_version: i64,
    now: NaiveDateTime,
) -> StoreResult<bool> {
    let changed = diesel::update(users::table.find(id).filter(users::version.eq(expected_version)))
        .set((
            users::disabled_at.eq(disabled_at),
            users::security_stamp.eq(users::security_stamp + 1),
            users::updated_at.eq(now),
            users::version.eq(users::version + 1),
        ))
        .execute(conn)?;
    Ok(changed == 1)
}

/// False when the person no longer exists.
pub fn set_preferences(conn: &mut DbConnection, id: &str, preferences: &str, now: NaiveDateTime) -> StoreResult<bool> {
    let changed = diesel::update(users::table.find(id))
        .set((users::preferences.eq(preferences), users::updated_at.eq(now)))
        .execute(conn)?;
    Ok(changed == 1)
}

/// Deletes a person if their row is at a version `guard` allows; false when it moved on.
pub fn delete(conn: &mut DbConnection, id: &str, guard: VersionGuard) -> StoreResult<bool> {
    let deleted =
        diesel::delete(users::table.find(id).filter(users::version.between(guard.low, guard.high))).execute(conn)?;
    Ok(deleted == 1)
}

fn parse_role(user_id: &str, role: &str) -> StoreResult<AdminRole> {
    role.parse().map_err(|e| StoreError::Corrupt(format!("user {user_id}: {e}")))
}

/// A person as authentication needs them, in one round trip: the person, their roles, and the
/// name of their partner organisation if they belong to one. Read on every authenticated
/// request, so that a removed role or a deleted account takes effect at once.
pub fn find_signed_in(conn: &mut DbConnection, id: &str) -> StoreResult<Option<(UserRow, RoleSet, Option<String>)>> {
    let rows: Vec<(UserRow, Option<String>, Option<String>)> = users::table
        .left_join(user_roles::table)
        .left_join(partners::table)
        .filter(users::id.eq(id))
        .select((UserRow::as_select(), user_roles::role.nullable(), partners::name.nullable()))
        .load(conn)?;
    let mut rows = rows.into_iter();
    let Some((user, first_role, partner_name)) = rows.next() else { return Ok(None) };
    let roles = first_role
        .into_iter()
        .chain(rows.filter_map(|(_, role, _)| role))
        .map(|name| parse_role(id, &name))
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(Some((user, RoleSet::new(roles), partner_name)))
}

pub fn roles_of(conn: &mut DbConnection, user_id: &str) -> StoreResult<RoleSet> {
    let names: Vec<String> = user_roles::table
        .filter(user_roles::user_id.eq(user_id))
        .order(user_roles::role.asc())
        .select(user_roles::role)
        .load(conn)?;
    let roles = names.iter().map(|name| parse_role(user_id, name)).collect::<StoreResult<Vec<_>>>()?;
    Ok(RoleSet::new(roles))
}

/// Roles of several people at once, for list pages. People without a role are absent.
pub fn roles_of_many(conn: &mut DbConnection, user_ids: &[String]) -> StoreResult<HashMap<String, RoleSet>> {
    let pairs: Vec<(String, String)> = user_roles::table
        .filter(user_roles::user_id.eq_any(user_ids))
        .order((user_roles::user_id.asc(), user_roles::role.asc()))
        .select((user_roles::user_id, user_roles::role))
        .load(conn)?;
    let mut roles: HashMap<String, Vec<AdminRole>> = HashMap::new();
    for (user_id, name) in pairs {
        let role = parse_role(&user_id, &name)?;
        roles.entry(user_id).or_default().push(role);
    }
    Ok(roles.into_iter().map(|(user_id, roles)| (user_id, RoleSet::new(roles))).collect())
}

/// Replaces a person's roles with `roles`. A role kept keeps the relationship it was granted
/// through; a role added is marked with `granted_by_relationship` (a partner granted it).
pub fn replace_roles(
    conn: &mut DbConnection,
    tenant_id: &str,
    user_id: &str,
    roles: &RoleSet,
    granted_by_relationship: Option<&str>,
) -> StoreResult<()> {
    let held = roles_of(conn, user_id)?;
    let dropped: Vec<&str> = held.iter().filter(|role| !roles.contains(*role)).map(AdminRole::as_str).collect();
    diesel::delete(user_roles::table.filter(user_roles::user_id.eq(user_id)).filter(user_roles::role.eq_any(dropped)))
        .execute(conn)?;
    // One insert per role: batch inserts are not in the subset both backends share.
    for role in roles.added_from(&held).iter() {
        diesel::insert_into(user_roles::table)
            .values((
                user_roles::user_id.eq(user_id),
                user_roles::tenant_id.eq(tenant_id),
                user_roles::role.eq(role.as_str()),
                user_roles::granted_by_relationship.eq(granted_by_relationship),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// What a partner left in a customer through one relationship: the accounts it created and the
/// roles it granted that are still held, person by person.
#[derive(Debug, Clone)]
pub struct DelegatedGrant {
    pub user: UserRow,
    /// The account itself was created through the relationship.
    pub account_created: bool,
    /// Roles still held that were granted through the relationship.
    pub roles_granted: RoleSet,
}

pub fn delegated_grants(
    conn: &mut DbConnection,
    tenant_id: &str,
    relationship_id: &str,
) -> StoreResult<Vec<DelegatedGrant>> {
    let created: Vec<UserRow> = users::table
        .filter(users::tenant_id.eq(tenant_id))
        .filter(users::created_by_relationship.eq(relationship_id))
        .select(UserRow::as_select())
        .load(conn)?;
    let granted: Vec<(UserRow, String)> = users::table
        .inner_join(user_roles::table)
        .filter(user_roles::tenant_id.eq(tenant_id))
        .filter(user_roles::granted_by_relationship.eq(relationship_id))
        .select((UserRow::as_select(), user_roles::role))
        .load(conn)?;
    let mut grants: std::collections::BTreeMap<String, DelegatedGrant> = created
        .into_iter()
        .map(|user| {
            (user.id.clone(), DelegatedGrant { user, account_created: true, roles_granted: RoleSet::default() })
        })
        .collect();
    for (user, role) in granted {
        let role = parse_role(&user.id, &role)?;
        let grant = grants.entry(user.id.clone()).or_insert_with(|| DelegatedGrant {
            user,
            account_created: false,
            roles_granted: RoleSet::default(),
        });
        grant.roles_granted = RoleSet::new(grant.roles_granted.iter().chain([role]));
    }
    Ok(grants.into_values().collect())
}

/// How many enabled people hold `role` in the tenant, not counting `except_user`.
pub fn count_with_role_except(
    conn: &mut DbConnection,
    tenant_id: &str,
    role: AdminRole,
    except_user: &str,
) -> StoreResult<u64> {
    // Only people who can sign in count: a disabled global admin administers nothing.
    let count: i64 = user_roles::table
        .inner_join(users::table)
        .filter(user_roles::tenant_id.eq(tenant_id))
        .filter(user_roles::role.eq(role.as_str()))
        .filter(user_roles::user_id.ne(except_user))
        .filter(users::disabled_at.is_null())
        .count()
        .get_result(conn)?;
    u64::try_from(count).map_err(|_| StoreError::Corrupt(format!("a negative count of {role}s: {count}")))
}

/// The enabled people holding `role` in the tenant: those who act on and are told things.
pub fn with_role(conn: &mut DbConnection, tenant_id: &str, role: AdminRole) -> StoreResult<Vec<UserRow>> {
    Ok(users::table
        .inner_join(user_roles::table)
        .filter(user_roles::tenant_id.eq(tenant_id))
        .filter(user_roles::role.eq(role.as_str()))
        .filter(users::disabled_at.is_null())
        .order(users::id.asc())
        .select(UserRow::as_select())
        .load(conn)?)
}
