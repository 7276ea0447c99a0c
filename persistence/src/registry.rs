//! The embedded domain registry: a table of every name registered, by Tenantry's customers or by
//! anyone else. A real registrar replaces these two functions (see the README).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::error::StoreResult;
use crate::schema::registry_names;

/// Which of `names` the registry already holds.
pub fn taken_among(conn: &mut DbConnection, names: &[String]) -> StoreResult<Vec<String>> {
    Ok(registry_names::table.filter(registry_names::name.eq_any(names)).select(registry_names::name).load(conn)?)
}

/// Registers `name` for `holder`. False when someone holds it already. Two registrations of
/// one name racing here cannot both win: the second insert is a unique violation.
pub fn register(conn: &mut DbConnection, name: &str, holder: &str, now: NaiveDateTime) -> StoreResult<bool> {
    let held: i64 = registry_names::table.filter(registry_names::name.eq(name)).count().get_result(conn)?;
    if held > 0 {
        return Ok(false);
    }
    diesel::insert_into(registry_names::table)
        .values((
            registry_names::name.eq(name),
            registry_names::holder.eq(holder),
            registry_names::registered_at.eq(now),
        ))
        .execute(conn)?;
    Ok(true)
}
