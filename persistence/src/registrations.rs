//! Domain registrations: a name being bought through a Registrar resource, then bought (or not).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use tenantry_domain::registration::RegistrationStatus;

use crate::connection::DbConnection;
use crate::error::StoreResult;
use crate::schema::domain_registrations;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = domain_registrations)]
pub struct RegistrationRow {
    pub id: String,
    pub tenant_id: String,
    pub subscription_id: String,
    pub name: String,
    #[diesel(deserialize_as = String)]
    pub status: RegistrationStatus,
    /// The registrant's administrative data, as JSON.
    pub registrant: String,
    pub failure: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub completed_at: Option<NaiveDateTime>,
    pub version: i64,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = domain_registrations)]
pub struct NewRegistration<'a> {
    pub id: &'a str,
    pub tenant_id: &'a str,
    pub subscription_id: &'a str,
    pub name: &'a str,
    pub status: &'a str,
    pub registrant: &'a str,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Records a registration. A name already pending or active is a unique violation.
pub fn insert(conn: &mut DbConnection, registration: &NewRegistration<'_>) -> StoreResult<()> {
    diesel::insert_into(domain_registrations::table).values(registration).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: &str) -> StoreResult<Option<RegistrationRow>> {
    Ok(domain_registrations::table.find(id).select(RegistrationRow::as_select()).first(conn).optional()?)
}

/// A registration of one tenant; `None` for another tenant's.
pub fn find_in_tenant(conn: &mut DbConnection, tenant_id: &str, id: &str) -> StoreResult<Option<RegistrationRow>> {
    Ok(domain_registrations::table
        .find(id)
        .filter(domain_registrations::tenant_id.eq(tenant_id))
        .select(RegistrationRow::as_select())
        .first(conn)
        .optional()?)
}

/// One page of a tenant's registrations, oldest first.
pub fn list_in_tenant(
    conn: &mut DbConnection,
    tenant_id: &str,
    after: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<RegistrationRow>> {
    let mut query = domain_registrations::table
        .filter(domain_registrations::tenant_id.eq(tenant_id))
        .select(RegistrationRow::as_select())
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(domain_registrations::id.gt(after.to_owned()));
    }
    Ok(query.order(domain_registrations::id.asc()).limit(limit).load(conn)?)
}

/// Whether a name is being bought or is bought through Tenantry.
pub fn name_is_live(conn: &mut DbConnection, name: &str) -> StoreResult<bool> {
    let count: i64 = domain_registrations::table
        .filter(domain_registrations::name.eq(name))
        .filter(domain_registrations::status.ne(RegistrationStatus::Failed.as_str()))
        .count()
        .get_result(conn)?;
    Ok(count > 0)
}

/// Moves a pending registration to `active` or `failed`. False when it is no longer pending.
pub fn complete(
    conn: &mut DbConnection,
    id: &str,
    status: RegistrationStatus,
    failure: Option<&str>,
    now: NaiveDateTime,
) -> StoreResult<bool> {
    let changed = diesel::update(
        domain_registrations::table
            .find(id)
            .filter(domain_registrations::status.eq(RegistrationStatus::Pending.as_str())),
    )
    .set((
        domain_registrations::status.eq(status.as_str()),
        domain_registrations::failure.eq(failure),
        domain_registrations::completed_at.eq(Some(now)),
        domain_registrations::updated_at.eq(now),
        domain_registrations::version.eq(domain_registrations::version + 1),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// The names holding seats of a Registrar resource (pending or active), for a refused
/// termination.
pub fn holding_seats_of(conn: &mut DbConnection, subscription_id: &str) -> StoreResult<Vec<(String, String)>> {
    Ok(domain_registrations::table
        .filter(domain_registrations::subscription_id.eq(subscription_id))
        .filter(domain_registrations::status.ne(RegistrationStatus::Failed.as_str()))
        .order(domain_registrations::name.asc())
        .select((domain_registrations::id, domain_registrations::name))
        .load(conn)?)
}
