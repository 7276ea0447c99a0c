//! Partner organisations and their people (partner admins and agents).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use tenantry_domain::partner::PartnerRole;

use crate::connection::DbConnection;
use crate::error::StoreResult;
use crate::schema::{partners, users};
use crate::users::UserRow;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = partners)]
pub struct PartnerRow {
    pub id: String,
    pub name: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
    /// Its label under `partners.<platform domain>`, where its people may sign in.
    pub slug: Option<String>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = partners)]
pub struct NewPartner<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub slug: &'a str,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, partner: &NewPartner<'_>) -> StoreResult<()> {
    diesel::insert_into(partners::table).values(partner).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: &str) -> StoreResult<Option<PartnerRow>> {
    Ok(partners::table.find(id).select(PartnerRow::as_select()).first(conn).optional()?)
}

/// One page of partners in creation order, after the cursor id.
pub fn list(conn: &mut DbConnection, after: Option<&str>, limit: i64) -> StoreResult<Vec<PartnerRow>> {
    let mut query = partners::table.select(PartnerRow::as_select()).into_boxed();
    if let Some(after) = after {
        query = query.filter(partners::id.gt(after.to_owned()));
    }
    Ok(query.order(partners::id.asc()).limit(limit).load(conn)?)
}

/// A person of the partner; `None` for anyone else, so other partners' people stay invisible.
pub fn find_person(conn: &mut DbConnection, partner_id: &str, user_id: &str) -> StoreResult<Option<UserRow>> {
    Ok(users::table
        .find(user_id)
        .filter(users::partner_id.eq(partner_id))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?)
}

/// One page of the partner's people in creation order.
pub fn list_people(
    conn: &mut DbConnection,
    partner_id: &str,
    after: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<UserRow>> {
    let mut query = users::table.filter(users::partner_id.eq(partner_id)).select(UserRow::as_select()).into_boxed();
    if let Some(after) = after {
        query = query.filter(users::id.gt(after.to_owned()));
    }
    Ok(query.order(users::id.asc()).limit(limit).load(conn)?)
}

/// The partner's people holding `role`, e.g. the admins to tell of a new customer.
pub fn people_with_role(conn: &mut DbConnection, partner_id: &str, role: PartnerRole) -> StoreResult<Vec<UserRow>> {
    Ok(users::table
        .filter(users::partner_id.eq(partner_id))
        .filter(users::partner_role.eq(role.as_str()))
        .order(users::id.asc())
        .select(UserRow::as_select())
        .load(conn)?)
}

/// Takes the partner's row lock until commit, so that counts against its caps are decided one
/// at a time (a no-op update locks the row on PostgreSQL; SQLite's writes are serialised).
pub fn lock(conn: &mut DbConnection, id: &str) -> StoreResult<bool> {
    Ok(diesel::update(partners::table.find(id)).set(partners::id.eq(partners::id)).execute(conn)? == 1)
}

pub fn slug_taken(conn: &mut DbConnection, slug: &str) -> StoreResult<bool> {
    let count: i64 = partners::table.filter(partners::slug.eq(slug)).count().get_result(conn)?;
    Ok(count > 0)
}
