//! Rates per owner (the domain's `limits`), counted in the database so that every process sees
//! the same hits: a hit is recorded in the transaction that admits it.

use std::sync::atomic::{AtomicI64, Ordering};

use tenantry_domain::limits::{self, Rate, RateReached};
use tenantry_persistence::{rate_limits, time, DbConnection, StoreError};

use crate::app::unit_of_work::Tx;
use crate::runtime::ids::new_id;

/// Admits one more hit of `rate` for `owner_id` now and records it, or refuses with the wait.
pub fn admit<E: From<RateReached> + From<StoreError>>(tx: &mut Tx<'_>, rate: Rate, owner_id: &str) -> Result<(), E> {
    let now = tx.now();
    // Hits of one owner are counted one at a time, so that concurrent requests cannot all see
    // room for one more.
    rate_limits::lock_owner(tx.conn(), rate.as_str(), owner_id)?;
    let since = time::to_db(now - rate.window());
    let (recent, oldest) = rate_limits::recent(tx.conn(), rate.as_str(), owner_id, since)?;
    limits::check_rate(rate, recent, oldest.map(time::from_db), now)?;
    let stamp = tx.stamp();
    rate_limits::record(tx.conn(), &new_id(), rate.as_str(), owner_id, stamp)?;
    Ok(())
}

/// Forgets hits older than every rate's window. Called by every job pass; runs at most once a
/// minute per process.
pub fn purge(conn: &mut DbConnection, now: chrono::DateTime<chrono::Utc>) -> Result<usize, StoreError> {
    static LAST_PURGE: AtomicI64 = AtomicI64::new(0);
    let last = LAST_PURGE.load(Ordering::Relaxed);
    if now.timestamp() - last < 60
        || LAST_PURGE.compare_exchange(last, now.timestamp(), Ordering::Relaxed, Ordering::Relaxed).is_err()
    {
        return Ok(0);
    }
    rate_limits::purge(conn, time::to_db(now - Rate::longest_window()))
}
