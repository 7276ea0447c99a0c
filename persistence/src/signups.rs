//! Sign-ups waiting for their confirmation code, and the counts that throttle them.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::error::StoreResult;
use crate::schema::signups;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = signups)]
pub struct SignupRow {
    pub id: String,
    pub email: String,
    pub email_domain: String,
    pub display_name: String,
    pub password_hash: String,
    pub code_digest: String,
    pub attempts: i32,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub confirmed_at: Option<NaiveDateTime>,
    pub user_id: Option<String>,
    pub language: String,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = signups)]
pub struct NewSignup<'a> {
    pub id: &'a str,
    pub email: &'a str,
    pub email_domain: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub code_digest: &'a str,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub language: &'a str,
}

pub fn insert(conn: &mut DbConnection, signup: &NewSignup<'_>) -> StoreResult<()> {
    diesel::insert_into(signups::table).values(signup).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: &str) -> StoreResult<Option<SignupRow>> {
    Ok(signups::table.find(id).select(SignupRow::as_select()).first(conn).optional()?)
}

/// Sign-ups since `since` for an address and for its email domain, with the oldest of each.
#[derive(Debug, Clone, Copy)]
pub struct RecentSignups {
    pub for_address: i64,
    pub oldest_for_address: Option<NaiveDateTime>,
    pub for_domain: i64,
    pub oldest_for_domain: Option<NaiveDateTime>,
}

pub fn recent(
    conn: &mut DbConnection,
    email: &str,
    email_domain: &str,
    since: NaiveDateTime,
) -> StoreResult<RecentSignups> {
    let for_address: i64 = signups::table
        .filter(signups::email.eq(email))
        .filter(signups::created_at.ge(since))
        .count()
        .get_result(conn)?;
    let for_domain: i64 = signups::table
        .filter(signups::email_domain.eq(email_domain))
        .filter(signups::created_at.ge(since))
        .count()
        .get_result(conn)?;
    let oldest_for_address: Option<NaiveDateTime> = signups::table
        .filter(signups::email.eq(email))
        .filter(signups::created_at.ge(since))
        .select(diesel::dsl::min(signups::created_at))
        .first(conn)?;
    let oldest_for_domain: Option<NaiveDateTime> = signups::table
        .filter(signups::email_domain.eq(email_domain))
        .filter(signups::created_at.ge(since))
        .select(diesel::dsl::min(signups::created_at))
        .first(conn)?;
    Ok(RecentSignups { for_address, oldest_for_address, for_domain, oldest_for_domain })
}

/// Takes the sign-up's row lock until commit, so that guesses at its code queue and each one is
/// counted against the attempts left (a no-op update locks the row on PostgreSQL; SQLite's
/// writes are serialised already).
pub fn lock(conn: &mut DbConnection, id: &str) -> StoreResult<bool> {
    Ok(diesel::update(signups::table.find(id)).set(signups::id.eq(signups::id)).execute(conn)? == 1)
}

/// Counts one wrong code.
pub fn count_attempt(conn: &mut DbConnection, id: &str) -> StoreResult<()> {
    diesel::update(signups::table.find(id)).set(signups::attempts.eq(signups::attempts + 1)).execute(conn)?;
    Ok(())
}

/// Records the confirmation, once. False when it was confirmed already.
pub fn mark_confirmed(conn: &mut DbConnection, id: &str, user_id: &str, now: NaiveDateTime) -> StoreResult<bool> {
    let changed = diesel::update(signups::table.find(id).filter(signups::confirmed_at.is_null()))
        .set((signups::confirmed_at.eq(Some(now)), signups::user_id.eq(Some(user_id))))
        .execute(conn)?;
    Ok(changed == 1)
}

/// Forgets sign-ups that can no longer be confirmed nor count for throttling.
pub fn purge_expired(conn: &mut DbConnection, before: NaiveDateTime) -> StoreResult<usize> {
    Ok(diesel::delete(signups::table.filter(signups::expires_at.lt(before))).execute(conn)?)
}
