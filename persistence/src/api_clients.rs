//! Partner API clients: integrations that sign in with a client id and secret.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::error::StoreResult;
use crate::schema::{api_clients, partners};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_clients)]
pub struct ApiClientRow {
    pub id: String,
    pub partner_id: String,
    pub name: String,
    pub secret_digest: String,
    pub previous_secret_digest: Option<String>,
    pub previous_secret_valid_until: Option<NaiveDateTime>,
    pub disabled_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = api_clients)]
pub struct NewApiClient<'a> {
    pub id: &'a str,
    pub partner_id: &'a str,
    pub name: &'a str,
    pub secret_digest: &'a str,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, client: &NewApiClient<'_>) -> StoreResult<()> {
    diesel::insert_into(api_clients::table).values(client).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: &str) -> StoreResult<Option<ApiClientRow>> {
    Ok(api_clients::table.find(id).select(ApiClientRow::as_select()).first(conn).optional()?)
}

/// A client with its partner's name, in one round trip: what authentication reads for a client's
/// token on every request.
pub fn find_with_partner_name(conn: &mut DbConnection, id: &str) -> StoreResult<Option<(ApiClientRow, String)>> {
    Ok(api_clients::table
        .inner_join(partners::table)
        .filter(api_clients::id.eq(id))
        .select((ApiClientRow::as_select(), partners::name))
        .first(conn)
        .optional()?)
}

/// A client of the partner; `None` for anyone else's.
pub fn find_of_partner(conn: &mut DbConnection, partner_id: &str, id: &str) -> StoreResult<Option<ApiClientRow>> {
    Ok(api_clients::table
        .find(id)
        .filter(api_clients::partner_id.eq(partner_id))
        .select(ApiClientRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn list(
    conn: &mut DbConnection,
    partner_id: &str,
    after: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<ApiClientRow>> {
    let mut query = api_clients::table
        .filter(api_clients::partner_id.eq(partner_id))
        .select(ApiClientRow::as_select())
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(api_clients::id.gt(after.to_owned()));
    }
    Ok(query.order(api_clients::id.asc()).limit(limit).load(conn)?)
}

/// A new secret; the one it replaces stays valid until `previous_valid_until` (`None`: not at
/// all). False when the client changed meanwhile.
pub fn rotate_secret(
    conn: &mut DbConnection,
    id: &str,
    expected_version: i64,
    new_digest: &str,
    previous_valid_until: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> StoreResult<bool> {
    let target = api_clients::table.find(id).filter(api_clients::version.eq(expected_version));
    let changed = match previous_valid_until {
        Some(until) => diesel::update(target)
            .set((
                api_clients::previous_secret_digest.eq(api_clients::secret_digest.nullable()),
                api_clients::previous_secret_valid_until.eq(until),
                api_clients::secret_digest.eq(new_digest),
                api_clients::updated_at.eq(now),
                api_clients::version.eq(api_clients::version + 1),
            ))
            .execute(conn)?,
        None => diesel::update(target)
            .set((
                api_clients::previous_secret_digest.eq(None::<String>),
                api_clients::previous_secret_valid_until.eq(None::<NaiveDateTime>),
                api_clients::secret_digest.eq(new_digest),
                api_clients::updated_at.eq(now),
                api_clients::version.eq(api_clients::version + 1),
            ))
            .execute(conn)?,
    };
    Ok(changed == 1)
}

/// Disables a client that is not disabled yet; false when it already was.
pub fn disable(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> StoreResult<bool> {
    let changed = diesel::update(api_clients::table.find(id).filter(api_clients::disabled_at.is_null()))
        .set((
            api_clients::disabled_at.eq(now),
            api_clients::updated_at.eq(now),
            api_clients::version.eq(api_clients::version + 1),
        ))
        .execute(conn)?;
    Ok(changed == 1)
}

/// The partner's API clients not disabled.
pub fn count_enabled(conn: &mut DbConnection, partner_id: &str) -> StoreResult<i64> {
    Ok(api_clients::table
        .filter(api_clients::partner_id.eq(partner_id))
        .filter(api_clients::disabled_at.is_null())
        .count()
        .get_result(conn)?)
}
