//! The keys that sign access tokens, kept in the database so that every process signs and
//! verifies with the same ones and a rotation reaches them all.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::error::StoreResult;
use crate::schema::signing_keys;

#[derive(Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = signing_keys)]
pub struct SigningKeyRow {
    pub kid: String,
    /// PKCS#8 PEM.
    pub private_key: String,
    pub created_at: NaiveDateTime,
    pub retired_at: Option<NaiveDateTime>,
}

impl std::fmt::Debug for SigningKeyRow {
    /// Without the private key: a debug print must never write it to a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKeyRow")
            .field("kid", &self.kid)
            .field("private_key", &"***")
            .field("created_at", &self.created_at)
            .field("retired_at", &self.retired_at)
            .finish()
    }
}

/// Every key still kept, oldest first.
pub fn all(conn: &mut DbConnection) -> StoreResult<Vec<SigningKeyRow>> {
    Ok(signing_keys::table
        .order((signing_keys::created_at.asc(), signing_keys::kid.asc()))
        .select(SigningKeyRow::as_select())
        .load(conn)?)
}

pub fn insert(conn: &mut DbConnection, key: &SigningKeyRow) -> StoreResult<()> {
    diesel::insert_into(signing_keys::table).values(key).execute(conn)?;
    Ok(())
}

/// Retires every key but `kid` that is not retired yet: they verify, no longer sign.
pub fn retire_all_but(conn: &mut DbConnection, kid: &str, at: NaiveDateTime) -> StoreResult<usize> {
    Ok(diesel::update(signing_keys::table.filter(signing_keys::kid.ne(kid)).filter(signing_keys::retired_at.is_null()))
        .set(signing_keys::retired_at.eq(Some(at)))
        .execute(conn)?)
}

/// Forgets keys retired before `before`: every token they signed has expired.
pub fn forget_retired_before(conn: &mut DbConnection, before: NaiveDateTime) -> StoreResult<usize> {
    Ok(diesel::delete(signing_keys::table.filter(signing_keys::retired_at.lt(before))).execute(conn)?)
}
