//! The sign-in throttle's records, one per account and per client address, in the database so
//! that every process of the service counts the same failures and the same attempts in flight.
//! What the figures mean is the domain's `sign_in_throttle`; this module only keeps them.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::error::StoreResult;
use crate::schema::{sign_in_sources, sign_in_throttle};

/// What a throttle key is: a sign-in name, a sign-in name from one client address, or a client
/// address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Account,
    AccountSource,
    Address,
}

impl Scope {
    fn as_str(self) -> &'static str {
        match self {
            Scope::Account => "account",
            Scope::AccountSource => "account_source",
            Scope::Address => "address",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, AsChangeset)]
#[diesel(table_name = sign_in_throttle, treat_none_as_null = true)]
pub struct ThrottleRow {
    pub failures: i32,
    pub first_failure_at: Option<NaiveDateTime>,
    pub last_failure_at: Option<NaiveDateTime>,
    pub in_flight: i32,
    pub in_flight_until: Option<NaiveDateTime>,
}

/// Reads the key's record and holds its row lock until the transaction ends, creating an empty
/// record first if there is none: concurrent attempts on one key, from any process, queue here.
pub fn lock(conn: &mut DbConnection, scope: Scope, key: &str) -> StoreResult<ThrottleRow> {
    let record = sign_in_throttle::table.find((scope.as_str(), key));
    // The record may be deleted (emptied by an attempt ending, or purged) between the insert and
    // the lock: then insert it again. Each round either locks the row or sees it deleted by a
    // transaction that has committed, so this ends at once in practice.
    for _ in 0..5 {
        let new_record = (sign_in_throttle::scope.eq(scope.as_str()), sign_in_throttle::throttle_key.eq(key));
        // `ON CONFLICT DO NOTHING` is written per backend: diesel's multi-backend connection does
        // not offer it, and without it two processes creating the same record would collide.
        match conn {
            DbConnection::Postgresql(pg) => {
                diesel::insert_into(sign_in_throttle::table).values(new_record).on_conflict_do_nothing().execute(pg)?
            }
            DbConnection::Sqlite(lite) => diesel::insert_into(sign_in_throttle::table)
                .values(new_record)
                .on_conflict_do_nothing()
                .execute(lite)?,
        };
        // A no-op update takes the row lock on PostgreSQL; SQLite's write transactions are
        // serialised already.
        let locked = diesel::update(record).set(sign_in_throttle::scope.eq(sign_in_throttle::scope)).execute(conn)?;
        if locked == 1 {
            return Ok(record.select(ThrottleRow::as_select()).first(conn)?);
        }
    }
    Err(crate::error::StoreError::Corrupt(format!("the sign-in throttle record of {key} keeps disappearing")))
}

/// Writes the key's record back (after `lock`, in the same transaction); a record with no
/// failure and no attempt in flight is removed.
pub fn save(conn: &mut DbConnection, scope: Scope, key: &str, row: &ThrottleRow) -> StoreResult<()> {
    let target = sign_in_throttle::table.find((scope.as_str(), key));
    if row.failures == 0 && row.in_flight == 0 {
        diesel::delete(target).execute(conn)?;
    } else {
        diesel::update(target).set(row).execute(conn)?;
    }
    Ok(())
}

/// Forgets records with no attempt in flight whose last failure (if any) is before `before`:
/// they no longer lock or count anything.
pub fn purge_stale(conn: &mut DbConnection, before: NaiveDateTime) -> StoreResult<usize> {
    Ok(diesel::delete(
        sign_in_throttle::table
            .filter(sign_in_throttle::in_flight.eq(0).or(sign_in_throttle::in_flight_until.lt(before)))
            .filter(sign_in_throttle::last_failure_at.is_null().or(sign_in_throttle::last_failure_at.lt(before))),
    )
    .execute(conn)?)
}

/// When the account last signed in successfully from the address, if it ever did (and the
/// record was not purged).
pub fn last_success(conn: &mut DbConnection, account: &str, address: &str) -> StoreResult<Option<NaiveDateTime>> {
    Ok(sign_in_sources::table
        .find((account, address))
        .select(sign_in_sources::last_success_at)
        .first(conn)
        .optional()?)
}

/// Records a successful sign-in of the account from the address.
pub fn record_success(conn: &mut DbConnection, account: &str, address: &str, now: NaiveDateTime) -> StoreResult<()> {
    let row = (
        sign_in_sources::account.eq(account),
        sign_in_sources::address.eq(address),
        sign_in_sources::last_success_at.eq(now),
    );
    // Upserts are written per backend: diesel's multi-backend connection does not offer them.
    match conn {
        DbConnection::Postgresql(pg) => diesel::insert_into(sign_in_sources::table)
            .values(row)
            .on_conflict((sign_in_sources::account, sign_in_sources::address))
            .do_update()
            .set(sign_in_sources::last_success_at.eq(now))
            .execute(pg)?,
        DbConnection::Sqlite(lite) => diesel::insert_into(sign_in_sources::table)
            .values(row)
            .on_conflict((sign_in_sources::account, sign_in_sources::address))
            .do_update()
            .set(sign_in_sources::last_success_at.eq(now))
            .execute(lite)?,
    };
    Ok(())
}

/// Forgets successes from before `before`: those addresses are no longer the account's own.
pub fn purge_sources(conn: &mut DbConnection, before: NaiveDateTime) -> StoreResult<usize> {
    Ok(diesel::delete(sign_in_sources::table.filter(sign_in_sources::last_success_at.lt(before))).execute(conn)?)
}
