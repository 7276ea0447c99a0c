//! The people a person opened recently.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::error::StoreResult;
use crate::schema::{recent_user_views, users};
use crate::users::UserRow;

/// How many recently opened people are remembered per person.
pub const RECENT_USERS_KEPT: i64 = 20;

/// Remembers that `viewer_id` opened a person, keeping only the most recent ones.
pub fn record_view(
    conn: &mut DbConnection,
    viewer_id: &str,
    user_id: &str,
    tenant_id: &str,
    now: NaiveDateTime,
) -> StoreResult<()> {
    diesel::delete(recent_user_views::table.find((viewer_id, user_id))).execute(conn)?;
    diesel::insert_into(recent_user_views::table)
        .values((
            recent_user_views::viewer_id.eq(viewer_id),
            recent_user_views::user_id.eq(user_id),
            recent_user_views::tenant_id.eq(tenant_id),
            recent_user_views::viewed_at.eq(now),
        ))
        .execute(conn)?;
    let beyond: Vec<String> = recent_user_views::table
        .filter(recent_user_views::viewer_id.eq(viewer_id))
        .order((recent_user_views::viewed_at.desc(), recent_user_views::user_id.desc()))
        .offset(RECENT_USERS_KEPT)
        .select(recent_user_views::user_id)
        .load(conn)?;
    if !beyond.is_empty() {
        diesel::delete(
            recent_user_views::table
                .filter(recent_user_views::viewer_id.eq(viewer_id))
                .filter(recent_user_views::user_id.eq_any(beyond)),
        )
        .execute(conn)?;
    }
    Ok(())
}

/// The people `viewer_id` opened, newest first, with when.
pub fn recent_views(conn: &mut DbConnection, viewer_id: &str) -> StoreResult<Vec<(NaiveDateTime, UserRow)>> {
    Ok(recent_user_views::table
        .inner_join(users::table.on(users::id.eq(recent_user_views::user_id)))
        .filter(recent_user_views::viewer_id.eq(viewer_id))
        .order((recent_user_views::viewed_at.desc(), recent_user_views::user_id.desc()))
        .limit(RECENT_USERS_KEPT)
        .select((recent_user_views::viewed_at, UserRow::as_select()))
        .load(conn)?)
}
