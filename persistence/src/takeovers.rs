//! Admin takeovers of unmanaged tenants.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use tenantry_domain::takeover::TakeoverStatus;

use crate::connection::DbConnection;
use crate::error::StoreResult;
use crate::schema::takeovers;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = takeovers)]
pub struct TakeoverRow {
    pub id: String,
    pub tenant_id: String,
    pub user_id: String,
    pub domain: String,
    pub verification_code: String,
    #[diesel(deserialize_as = String)]
    pub status: TakeoverStatus,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub verified_at: Option<NaiveDateTime>,
    pub completed_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = takeovers)]
pub struct NewTakeover<'a> {
    pub id: &'a str,
    pub tenant_id: &'a str,
    pub user_id: &'a str,
    pub domain: &'a str,
    pub verification_code: &'a str,
    pub status: &'a str,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, takeover: &NewTakeover<'_>) -> StoreResult<()> {
    diesel::insert_into(takeovers::table).values(takeover).execute(conn)?;
    Ok(())
}

/// A takeover started by `user_id`; `None` for anyone else's.
pub fn find_of(conn: &mut DbConnection, user_id: &str, id: &str) -> StoreResult<Option<TakeoverRow>> {
    Ok(takeovers::table
        .find(id)
        .filter(takeovers::user_id.eq(user_id))
        .select(TakeoverRow::as_select())
        .first(conn)
        .optional()?)
}

/// The person's takeover still open, if any.
pub fn open_of(conn: &mut DbConnection, user_id: &str) -> StoreResult<Option<TakeoverRow>> {
    Ok(takeovers::table
        .filter(takeovers::user_id.eq(user_id))
        .filter(takeovers::status.ne(TakeoverStatus::Completed.as_str()))
        .select(TakeoverRow::as_select())
        .first(conn)
        .optional()?)
}

/// The domain is proven (again): the takeover may complete.
pub fn mark_verified(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> StoreResult<()> {
    diesel::update(takeovers::table.find(id))
        .set((
            takeovers::status.eq(TakeoverStatus::Verified.as_str()),
            takeovers::verified_at.eq(Some(now)),
            takeovers::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Completes a verified takeover, once. False when it is not verified (any more).
pub fn mark_completed(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> StoreResult<bool> {
    let changed =
        diesel::update(takeovers::table.find(id).filter(takeovers::status.eq(TakeoverStatus::Verified.as_str())))
            .set((
                takeovers::status.eq(TakeoverStatus::Completed.as_str()),
                takeovers::completed_at.eq(Some(now)),
                takeovers::updated_at.eq(now),
            ))
            .execute(conn)?;
    Ok(changed == 1)
}
