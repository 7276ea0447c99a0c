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
    /// Where the sign-up came from, for the per-caller throttle.
    pub client_address: &'a str,
}

pub fn insert(conn: &mut DbConnection, signup: &NewSignup<'_>) -> StoreResult<()> {
    diesel::insert_into(signups::table).values(signup).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: &str) -> StoreResult<Option<SignupRow>> {
    Ok(signups::table.find(id).select(SignupRow::as_select()).first(conn).optional()?)
}

/// How many sign-ups one key had since a moment, and when the oldest of them was made.
#[derive(Debug, Clone, Copy)]
pub struct Count {
    pub count: i64,
    pub oldest: Option<NaiveDateTime>,
}

/// Sign-ups since `since` for an address, its email domain, a caller's client address and the
/// whole platform.
#[derive(Debug, Clone, Copy)]
pub struct RecentSignups {
    pub for_address: Count,
    pub for_domain: Count,
    pub for_source: Count,
    pub platform: Count,
}

pub fn recent(
    conn: &mut DbConnection,
    email: &str,
    email_domain: &str,
    client_address: &str,
    since: NaiveDateTime,
) -> StoreResult<RecentSignups> {
    use diesel::dsl::{count_star, min};
    let recent = signups::table.filter(signups::created_at.ge(since));
    let counted = |(count, oldest): (i64, Option<NaiveDateTime>)| Count { count, oldest };
    let for_address =
        recent.filter(signups::email.eq(email)).select((count_star(), min(signups::created_at))).first(conn)?;
    let for_domain = recent
        .filter(signups::email_domain.eq(email_domain))
        .select((count_star(), min(signups::created_at)))
        .first(conn)?;
    let for_source = recent
        .filter(signups::client_address.eq(client_address))
        .select((count_star(), min(signups::created_at)))
        .first(conn)?;
    let platform = recent.select((count_star(), min(signups::created_at))).first(conn)?;
    Ok(RecentSignups {
        for_address: counted(for_address),
        for_domain: counted(for_domain),
        for_source: counted(for_source),
        platform: counted(platform),
    })
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
