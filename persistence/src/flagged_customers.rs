//! The customers a partner person flagged as favourites.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::error::StoreResult;
use crate::schema::flagged_customers;

/// Flags a customer; flagging twice changes nothing. (Looked up first rather than caught as a
/// unique violation: on PostgreSQL a failed statement would abort the whole transaction.)
pub fn flag(conn: &mut DbConnection, user_id: &str, tenant_id: &str, now: NaiveDateTime) -> StoreResult<()> {
    let already: i64 = flagged_customers::table.find((user_id, tenant_id)).count().get_result(conn)?;
    if already == 0 {
        diesel::insert_into(flagged_customers::table)
            .values((
                flagged_customers::user_id.eq(user_id),
                flagged_customers::tenant_id.eq(tenant_id),
                flagged_customers::flagged_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn unflag(conn: &mut DbConnection, user_id: &str, tenant_id: &str) -> StoreResult<()> {
    diesel::delete(flagged_customers::table.find((user_id, tenant_id))).execute(conn)?;
    Ok(())
}

/// Which of `tenant_ids` the person flagged.
pub fn flagged_among(conn: &mut DbConnection, user_id: &str, tenant_ids: &[String]) -> StoreResult<Vec<String>> {
    Ok(flagged_customers::table
        .filter(flagged_customers::user_id.eq(user_id))
        .filter(flagged_customers::tenant_id.eq_any(tenant_ids))
        .select(flagged_customers::tenant_id)
        .load(conn)?)
}
