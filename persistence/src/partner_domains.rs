//! Domains a partner proves with a TXT record, so that its people may sign in at them.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::error::StoreResult;
use crate::schema::{partner_domains, users};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = partner_domains)]
pub struct PartnerDomainRow {
    pub id: String,
    pub partner_id: String,
    pub name: String,
    pub verification_code: String,
    pub verified: bool,
    pub verified_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = partner_domains)]
pub struct NewPartnerDomain<'a> {
    pub id: &'a str,
    pub partner_id: &'a str,
    pub name: &'a str,
    pub verification_code: &'a str,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, domain: &NewPartnerDomain<'_>) -> StoreResult<()> {
    diesel::insert_into(partner_domains::table).values(domain).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, partner_id: &str, name: &str) -> StoreResult<Option<PartnerDomainRow>> {
    Ok(partner_domains::table
        .filter(partner_domains::partner_id.eq(partner_id))
        .filter(partner_domains::name.eq(name))
        .select(PartnerDomainRow::as_select())
        .first(conn)
        .optional()?)
}

/// The partner's domains, by name.
pub fn list(conn: &mut DbConnection, partner_id: &str) -> StoreResult<Vec<PartnerDomainRow>> {
    Ok(partner_domains::table
        .filter(partner_domains::partner_id.eq(partner_id))
        .order(partner_domains::name.asc())
        .select(PartnerDomainRow::as_select())
        .load(conn)?)
}

pub fn count(conn: &mut DbConnection, partner_id: &str) -> StoreResult<i64> {
    Ok(partner_domains::table.filter(partner_domains::partner_id.eq(partner_id)).count().get_result(conn)?)
}

/// Whether the partner has proved `name`.
pub fn is_proved_by(conn: &mut DbConnection, partner_id: &str, name: &str) -> StoreResult<bool> {
    let count: i64 = partner_domains::table
        .filter(partner_domains::partner_id.eq(partner_id))
        .filter(partner_domains::name.eq(name))
        .filter(partner_domains::verified.eq(true))
        .count()
        .get_result(conn)?;
    Ok(count > 0)
}

/// Whether any partner has proved `name`.
pub fn is_proved(conn: &mut DbConnection, name: &str) -> StoreResult<bool> {
    let count: i64 = partner_domains::table
        .filter(partner_domains::name.eq(name))
        .filter(partner_domains::verified.eq(true))
        .count()
        .get_result(conn)?;
    Ok(count > 0)
}

pub fn mark_verified(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> StoreResult<bool> {
    let changed = diesel::update(partner_domains::table.find(id).filter(partner_domains::verified.eq(false)))
        .set((partner_domains::verified.eq(true), partner_domains::verified_at.eq(Some(now))))
        .execute(conn)?;
    Ok(changed == 1)
}

pub fn delete(conn: &mut DbConnection, id: &str) -> StoreResult<bool> {
    Ok(diesel::delete(partner_domains::table.find(id)).execute(conn)? == 1)
}

/// How many of the partner's people sign in with an address in `name`.
pub fn people_at(conn: &mut DbConnection, partner_id: &str, name: &str) -> StoreResult<i64> {
    let suffix = format!("%@{}", name.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
    Ok(users::table
        .filter(users::partner_id.eq(partner_id))
        .filter(users::sign_in.like(suffix).escape('\\'))
        .count()
        .get_result(conn)?)
}

/// Takes back every partner's proof of `name` (a customer proved it: a proved domain has one
/// holder) and says whose it was.
pub fn unprove_everywhere(conn: &mut DbConnection, name: &str) -> StoreResult<Vec<String>> {
    let holders: Vec<String> = partner_domains::table
        .filter(partner_domains::name.eq(name))
        .filter(partner_domains::verified.eq(true))
        .select(partner_domains::partner_id)
        .load(conn)?;
    diesel::update(partner_domains::table.filter(partner_domains::name.eq(name)))
        .set((partner_domains::verified.eq(false), partner_domains::verified_at.eq(None::<NaiveDateTime>)))
        .execute(conn)?;
    Ok(holders)
}
