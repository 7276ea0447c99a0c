//! The one way seats move: a pool opened, a license given or taken back, a seat held for a
//! resource, a pool bought, switched on or off, suspended, provisioned or ended.
//!
//! Each change a pool can refuse asks the domain's [`LicensePool`] first, with the pool as this
//! unit of work reads it, and returns the domain's refusal (giving a seat back is never refused:
//! a pool that counted none is corrupt). Then it applies the change as a conditional
//! `UPDATE ... WHERE` that restates the rule, so two requests racing for the last seat cannot
//! both win on either backend; the CHECK constraint on the counters backs it all. A license's
//! row and the seat it holds change together, in the caller's transaction.
//!
//! Nothing else writes the counters or the license rows (a test in this crate checks it).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use tenantry_domain::license_pool::{LicensePool, PoolChange, PoolError, SubscriptionStatus};

use crate::connection::DbConnection;
use crate::error::{StoreError, StoreResult};
use crate::schema::{license_assignments, subscriptions};
use crate::subscriptions::{find, NewAssignment, NewSubscription, SubscriptionRow};
use crate::version_guard::VersionGuard;

/// Why a seat did not move.
#[derive(Debug, thiserror::Error)]
pub enum SeatError {
    /// The pool, as read now, says no.
    #[error(transparent)]
    Refused(#[from] PoolError),
    /// The person already holds a license of the plan (a unique violation: a concurrent request
    /// may have given it first).
    #[error("the person already holds a licence of this plan")]
    AlreadyHeld,
    /// The pool allowed it when read, but changed before the update (a version the caller's
    /// guard excludes, or a racing request); the caller explains or retries.
    #[error("the pool changed at the same time")]
    Raced,
    #[error("subscription {0} does not exist")]
    NoSuchPool(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SeatError {
    /// For a seat that had to move: a database failure stays what it is; a refusal means the
    /// stored pools contradict what the caller knows, and is reported as corrupt data.
    pub fn unexpected(self, context: &str) -> StoreError {
        match self {
            SeatError::Store(error) => error,
            refusal => StoreError::Corrupt(format!("{context}: {refusal}")),
        }
    }
}

impl From<diesel::result::Error> for SeatError {
    fn from(error: diesel::result::Error) -> Self {
        SeatError::Store(error.into())
    }
}

/// Opens a new pool with the counters it starts with.
pub fn open(conn: &mut DbConnection, pool: &NewSubscription<'_>) -> StoreResult<()> {
    let counters = LicensePool {
        status: pool.status.parse().map_err(|e| StoreError::Corrupt(format!("{e}")))?,
        purchased: pool.purchased,
        active: pool.active,
        assigned: pool.assigned,
    };
    if !counters.is_consistent() {
        return Err(StoreError::Corrupt(format!("a pool cannot open with {counters:?}")));
    }
    diesel::insert_into(subscriptions::table).values(pool).execute(conn)?;
    Ok(())
}

fn current(conn: &mut DbConnection, subscription_id: &str) -> Result<SubscriptionRow, SeatError> {
    find(conn, subscription_id)?.ok_or_else(|| SeatError::NoSuchPool(subscription_id.to_owned()))
}

/// After a conditional update did not apply: the domain's refusal as the pool now stands, or
/// a race when the pool would still allow it.
fn explain(
    conn: &mut DbConnection,
    subscription_id: &str,
    decide: impl Fn(&LicensePool) -> Result<LicensePool, PoolError>,
) -> SeatError {
    match current(conn, subscription_id) {
        Ok(row) => match decide(&row.pool()) {
            Err(refusal) => refusal.into(),
            Ok(_) => SeatError::Raced,
        },
        Err(error) => error,
    }
}

/// Gives a person a license: the row, and one seat of the pool. Returns the pool as it stands
/// after. The seat is taken last: its conditional update locks the pool's row until commit,
/// and every assignment to the pool queues on that lock, so as little as possible happens after.
pub fn give(
    conn: &mut DbConnection,
    license: &NewAssignment<'_>,
    now: NaiveDateTime,
) -> Result<LicensePool, SeatError> {
    current(conn, license.subscription_id)?.pool().assign()?;
    insert_license(conn, license)?;
    if !take_one(conn, license.subscription_id, now)? {
        return Err(explain(conn, license.subscription_id, LicensePool::assign));
    }
    Ok(current(conn, license.subscription_id)?.pool())
}

/// Takes a person's license back and gives its seat to the pool. False when they held none:
/// one removed by a concurrent request has already given its seat back.
pub fn take_back(
    conn: &mut DbConnection,
    subscription_id: &str,
    user_id: &str,
    now: NaiveDateTime,
) -> Result<bool, SeatError> {
    let deleted = diesel::delete(license_assignments::table.find((subscription_id, user_id))).execute(conn)?;
    if deleted == 0 {
        return Ok(false);
    }
    give_one_back(conn, subscription_id, now)?;
    Ok(true)
}

/// A person joins a free pool: it grows by the seat their license takes (see
/// [`LicensePool::join_free`]).
pub fn join_free_pool(
    conn: &mut DbConnection,
    license: &NewAssignment<'_>,
    seat_limit: i64,
    now: NaiveDateTime,
) -> Result<(), SeatError> {
    current(conn, license.subscription_id)?.pool().join_free(seat_limit)?;
    let grown = diesel::update(
        subscriptions::table
            .find(license.subscription_id)
            .filter(subscriptions::status.ne(SubscriptionStatus::Terminated.as_str()))
            .filter(subscriptions::purchased.lt(seat_limit)),
    )
    .set((
        subscriptions::purchased.eq(subscriptions::purchased + 1i64),
        subscriptions::active.eq(subscriptions::active + 1i64),
        subscriptions::assigned.eq(subscriptions::assigned + 1i64),
        bump(now),
    ))
    .execute(conn)?;
    if grown != 1 {
        return Err(explain(conn, license.subscription_id, |pool| pool.join_free(seat_limit)));
    }
    insert_license(conn, license)?;
    Ok(())
}

/// Holds a seat for a resource rather than a person (a domain registered with a Registrar
/// resource): counted as assigned, with no license row.
pub fn hold_for_resource(conn: &mut DbConnection, subscription_id: &str, now: NaiveDateTime) -> Result<(), SeatError> {
    current(conn, subscription_id)?.pool().assign()?;
    if !take_one(conn, subscription_id, now)? {
        return Err(explain(conn, subscription_id, LicensePool::assign));
    }
    Ok(())
}

/// Gives back a seat held for a resource.
pub fn release_from_resource(
    conn: &mut DbConnection,
    subscription_id: &str,
    now: NaiveDateTime,
) -> Result<(), SeatError> {
    give_one_back(conn, subscription_id, now)
}

/// Changes the whole pool as `change` says, if its version is within `guard`. Returns the pool
/// as it stands after.
pub fn change(
    conn: &mut DbConnection,
    row: &SubscriptionRow,
    change: PoolChange,
    now: NaiveDateTime,
    guard: VersionGuard,
) -> Result<SubscriptionRow, SeatError> {
    let next = row.pool().apply(change)?;
    let target = subscriptions::table.find(&row.id).filter(subscriptions::version.between(guard.low, guard.high));
    let changed = match change {
        PoolChange::Buy { seats, seat_limit } => diesel::update(
            target
                .filter(subscriptions::status.eq(SubscriptionStatus::Active.as_str()))
                .filter((subscriptions::purchased + seats.get()).le(seat_limit)),
        )
        .set((subscriptions::purchased.eq(subscriptions::purchased + seats.get()), bump(now)))
        .execute(conn)?,
        PoolChange::Activate(delta) => diesel::update(
            target
                .filter(subscriptions::status.eq(SubscriptionStatus::Active.as_str()))
                .filter((subscriptions::active + delta).le(subscriptions::purchased))
                .filter((subscriptions::active + delta).ge(subscriptions::assigned)),
        )
        .set((subscriptions::active.eq(subscriptions::active + delta), bump(now)))
        .execute(conn)?,
        PoolChange::Suspend | PoolChange::Reactivate => {
            diesel::update(target.filter(subscriptions::status.eq(row.status.as_str())))
                .set((subscriptions::status.eq(next.status.as_str()), bump(now)))
                .execute(conn)?
        }
        PoolChange::Provisioned { .. } => {
            diesel::update(target.filter(subscriptions::status.eq(SubscriptionStatus::Provisioning.as_str())))
                .set((
                    subscriptions::status.eq(next.status.as_str()),
                    subscriptions::active.eq(next.active),
                    subscriptions::activated_at.eq(Some(now)),
                    bump(now),
                ))
                .execute(conn)?
        }
        PoolChange::Terminate => diesel::update(
            target
                .filter(subscriptions::status.ne(SubscriptionStatus::Terminated.as_str()))
                .filter(subscriptions::assigned.eq(0i64)),
        )
        .set((
            subscriptions::status.eq(next.status.as_str()),
            subscriptions::active.eq(0i64),
            subscriptions::purchased.eq(0i64),
            subscriptions::terminated_at.eq(Some(now)),
            bump(now),
        ))
        .execute(conn)?,
    };
    if changed != 1 {
        return Err(SeatError::Raced);
    }
    current(conn, &row.id)
}

fn bump(
    now: NaiveDateTime,
) -> (
    diesel::dsl::Eq<subscriptions::updated_at, NaiveDateTime>,
    diesel::dsl::Eq<subscriptions::version, diesel::dsl::Add<subscriptions::version, i64>>,
) {
    (subscriptions::updated_at.eq(now), subscriptions::version.eq(subscriptions::version + 1i64))
}

/// Records a license's row; someone holding one of the plan already is a unique violation.
fn insert_license(conn: &mut DbConnection, license: &NewAssignment<'_>) -> Result<(), SeatError> {
    diesel::insert_into(license_assignments::table).values(license).execute(conn).map_err(
        |e| match StoreError::from(e) {
            StoreError::UniqueViolation { .. } => SeatError::AlreadyHeld,
            other => other.into(),
        },
    )?;
    Ok(())
}

/// Takes one free seat of an active pool. False when there is none (or the pool is not active).
fn take_one(conn: &mut DbConnection, subscription_id: &str, now: NaiveDateTime) -> StoreResult<bool> {
    let changed = diesel::update(
        subscriptions::table
            .find(subscription_id)
            .filter(subscriptions::status.eq(SubscriptionStatus::Active.as_str()))
            .filter(subscriptions::assigned.lt(subscriptions::active)),
    )
    .set((subscriptions::assigned.eq(subscriptions::assigned + 1i64), bump(now)))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Gives one seat back ([`LicensePool::unassign`]); a pool that counted none is corrupt.
fn give_one_back(conn: &mut DbConnection, subscription_id: &str, now: NaiveDateTime) -> Result<(), SeatError> {
    let changed = diesel::update(subscriptions::table.find(subscription_id).filter(subscriptions::assigned.gt(0i64)))
        .set((subscriptions::assigned.eq(subscriptions::assigned - 1i64), bump(now)))
        .execute(conn)?;
    if changed != 1 {
        return Err(StoreError::Corrupt(format!("subscription {subscription_id} counted no seat to give back")).into());
    }
    Ok(())
}
