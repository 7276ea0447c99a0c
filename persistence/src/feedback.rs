//! Feedback people send about the portal, with its context.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::error::StoreResult;
use crate::schema::feedback;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = feedback)]
pub struct FeedbackRow {
    pub id: String,
    pub author_id: String,
    pub author_name: String,
    pub tenant_id: Option<String>,
    pub partner_id: Option<String>,
    pub screen: String,
    pub message: String,
    pub rating: Option<i32>,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, row: &FeedbackRow) -> StoreResult<()> {
    diesel::insert_into(feedback::table).values(row).execute(conn)?;
    Ok(())
}

/// One page of feedback, newest first.
pub fn list(conn: &mut DbConnection, before: Option<&str>, limit: i64) -> StoreResult<Vec<FeedbackRow>> {
    let mut query = feedback::table.select(FeedbackRow::as_select()).into_boxed();
    if let Some(before) = before {
        query = query.filter(feedback::id.lt(before.to_owned()));
    }
    Ok(query.order(feedback::id.desc()).limit(limit).load(conn)?)
}
