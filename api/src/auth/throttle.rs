//! Sign-in attempts counted in the database, per account and address together, per client
//! address, and per account from anywhere (its global budget, which does not refuse an address
//! the account signed in from lately), using the domain's throttle policies. Every process of the service reads and writes the same records, so
//! failures spread over several processes are throttled as one.
//!
//! An attempt is counted from the moment it is admitted, not only once its password has been
//! checked: a burst of attempts is refused before it is hashed (see `ThrottlePolicy::admit`).
//! An attempt a process started and never ended (it died mid-check) stops counting once its key
//! has seen no attempt begin or end for `IN_FLIGHT_LEASE_SECONDS`: the lease is kept per key,
//! not per attempt, so on a key in constant use a lost attempt keeps one place taken longer.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Utc};
use tenantry_domain::sign_in_throttle::{self as rules, FailureRecord, ThrottlePolicy};
use tenantry_persistence::sign_in_throttle::{self, Scope, ThrottleRow};
use tenantry_persistence::{time, DbConnection, DbPool, StoreError};

/// How long an attempt counts as in flight without being ended: far longer than a password
/// check, which the hasher answers or gives up within seconds.
const IN_FLIGHT_LEASE_SECONDS: i64 = 60;

/// Too many failed (or still running) sign-ins for an account or from an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many failed sign-ins; try again in {retry_after_seconds} s")]
pub struct Throttled {
    pub retry_after_seconds: u64,
}

/// One key's record as the domain reads it, with its attempts in flight at `now`.
struct KeyState {
    record: Option<FailureRecord>,
    in_flight: u32,
}

impl KeyState {
    fn read(row: &ThrottleRow, now: DateTime<Utc>) -> Self {
        let record = match (u32::try_from(row.failures), row.first_failure_at, row.last_failure_at) {
            (Ok(failures @ 1..), Some(first), Some(last)) => Some(FailureRecord {
                failures,
                first_failure_at: time::from_db(first),
                last_failure_at: time::from_db(last),
            }),
            _ => None,
        };
        let lease_running = row.in_flight_until.is_some_and(|until| time::from_db(until) > now);
        let in_flight = if lease_running { u32::try_from(row.in_flight).unwrap_or(0) } else { 0 };
        Self { record, in_flight }
    }

    /// Counts one more attempt in flight, or says how long to wait.
    fn admit(&mut self, policy: &ThrottlePolicy, now: DateTime<Utc>) -> Result<(), Throttled> {
        policy
            .admit(self.record.as_ref(), self.in_flight, now)
            .map_err(|wait| Throttled { retry_after_seconds: u64::try_from(wait.num_seconds()).unwrap_or(1).max(1) })?;
        self.in_flight = self.in_flight.saturating_add(1);
        Ok(())
    }

    fn write(&self, now: DateTime<Utc>) -> ThrottleRow {
        let lease = now + chrono::Duration::seconds(IN_FLIGHT_LEASE_SECONDS);
        ThrottleRow {
            failures: self.record.map_or(0, |r| i32::try_from(r.failures).unwrap_or(i32::MAX)),
            first_failure_at: self.record.map(|r| time::to_db(r.first_failure_at)),
            last_failure_at: self.record.map(|r| time::to_db(r.last_failure_at)),
            in_flight: i32::try_from(self.in_flight).unwrap_or(i32::MAX),
            in_flight_until: (self.in_flight > 0).then(|| time::to_db(lease)),
        }
    }
}

/// The policies of the three keys an attempt is counted under.
#[derive(Clone, Copy)]
struct Policies {
    pairs: ThrottlePolicy,
    accounts: ThrottlePolicy,
    addresses: ThrottlePolicy,
}

/// The key of an account from one address.
fn pair_key(account: &str, address: &str) -> String {
    format!("{account} {address}")
}

/// Throttles sign-in attempts (and checks of the current password) per account and address,
/// per address, and per account.
pub struct SignInThrottle {
    pool: DbPool,
    policies: Policies,
}

impl SignInThrottle {
    pub fn new(pool: DbPool) -> Self {
        let policies = Policies {
            pairs: ThrottlePolicy::per_account_and_source(),
            accounts: ThrottlePolicy::per_account(),
            addresses: ThrottlePolicy::per_address(),
        };
        Self { pool, policies }
    }

    /// Admits one attempt for `account` from `address`, counting it as in flight for each key
    /// until it ends; `Ok(Err(Throttled))` (429) while a key is locked out or has as many
    /// attempts going as it may fail. The account's own key is not asked when the account
    /// signed in from this address lately: others' guesses never lock its owner out. Every key
    /// is decided in one transaction.
    pub async fn begin(
        &self,
        account: &str,
        address: &str,
        now: DateTime<Utc>,
    ) -> Result<Result<Attempt, Throttled>, StoreError> {
        let pool = self.pool.clone();
        let policies = self.policies;
        let (account_key, address_key) = (account.to_owned(), address.to_owned());
        let admitted = actix_web::web::block(move || {
            let mut conn = pool.get()?;
            conn.write(|conn| -> Result<Result<(), Throttled>, StoreError> {
                // Every key is locked and decided before any is counted: a refusal by one leaves
                // the others as they were.
                let last_success = sign_in_throttle::last_success(conn, &account_key, &address_key)?;
                let familiar = rules::is_familiar(last_success.map(time::from_db), now);
                let pair = pair_key(&account_key, &address_key);
                let mut for_pair = KeyState::read(&sign_in_throttle::lock(conn, Scope::AccountSource, &pair)?, now);
                let mut for_account = KeyState::read(&sign_in_throttle::lock(conn, Scope::Account, &account_key)?, now);
                let mut for_address = KeyState::read(&sign_in_throttle::lock(conn, Scope::Address, &address_key)?, now);
                let admitted = for_pair
                    .admit(&policies.pairs, now)
                    .and_then(|()| for_address.admit(&policies.addresses, now))
                    .and_then(|()| {
                        if familiar {
                            // Still counted, so its failures spend the budget like anyone's.
                            for_account.in_flight = for_account.in_flight.saturating_add(1);
                            Ok(())
                        } else {
                            for_account.admit(&policies.accounts, now)
                        }
                    });
                if let Err(refused) = admitted {
                    return Ok(Err(refused));
                }
                sign_in_throttle::save(conn, Scope::AccountSource, &pair, &for_pair.write(now))?;
                sign_in_throttle::save(conn, Scope::Account, &account_key, &for_account.write(now))?;
                sign_in_throttle::save(conn, Scope::Address, &address_key, &for_address.write(now))?;
                Ok(Ok(()))
            })
        })
        .await
        .map_err(|e| StoreError::Interrupted(e.to_string()))??;
        // Made here, on the async side, so that dropping it (ending it uncounted) never happens on
        // a blocking thread, should the request be dropped while the admission runs.
        Ok(admitted.map(|()| Attempt {
            pool: self.pool.clone(),
            policies: self.policies,
            account: account.to_owned(),
            address: address.to_owned(),
            ended: false,
        }))
    }

    /// Forgets records that no longer lock or count anything. Called by every job pass; runs at
    /// most once a minute per process.
    pub fn purge_stale(conn: &mut DbConnection, now: DateTime<Utc>) -> Result<usize, StoreError> {
        static LAST_PURGE: AtomicI64 = AtomicI64::new(0);
        let last = LAST_PURGE.load(Ordering::Relaxed);
        if now.timestamp() - last < 60
            || LAST_PURGE.compare_exchange(last, now.timestamp(), Ordering::Relaxed, Ordering::Relaxed).is_err()
        {
            return Ok(0);
        }
        let window =
            [ThrottlePolicy::per_account_and_source(), ThrottlePolicy::per_account(), ThrottlePolicy::per_address()]
                .iter()
                .map(ThrottlePolicy::forgotten_after)
                .max()
                .unwrap_or(rules::FAMILIAR_FOR);
        let purged = sign_in_throttle::purge_stale(conn, time::to_db(now - window))?;
        Ok(purged + sign_in_throttle::purge_sources(conn, time::to_db(now - rules::FAMILIAR_FOR))?)
    }
}

/// How an attempt ended, for one key's record.
#[derive(Clone, Copy)]
enum Outcome {
    /// No password was checked: nothing is counted.
    Abandoned,
    Failed,
    /// The account's failures are forgotten.
    Cleared,
}

/// Ends one attempt in flight for the key, first applying `outcome` to its record.
fn end(
    conn: &mut DbConnection,
    scope: Scope,
    key: &str,
    policy: &ThrottlePolicy,
    outcome: Outcome,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut state = KeyState::read(&sign_in_throttle::lock(conn, scope, key)?, now);
    state.in_flight = state.in_flight.saturating_sub(1);
    match outcome {
        Outcome::Abandoned => {}
        Outcome::Failed => state.record = Some(policy.record_failure(state.record.as_ref(), now)),
        Outcome::Cleared => state.record = None,
    }
    sign_in_throttle::save(conn, scope, key, &state.write(now))
}

/// One admitted attempt. End it with `failed` or `succeeded`; dropping it any other way (the
/// hasher was busy, the database failed, the client went away) ends it without counting, since
/// no password was checked.
pub struct Attempt {
    pool: DbPool,
    policies: Policies,
    account: String,
    address: String,
    ended: bool,
}

/// How one attempt ended, key by key.
#[derive(Clone, Copy)]
struct Ending {
    pair: Outcome,
    account: Outcome,
    address: Outcome,
    /// The password was right: the address becomes (or stays) the account's own.
    succeeded: bool,
}

impl Attempt {
    /// The password was wrong: a failure for each key.
    pub async fn failed(self, now: DateTime<Utc>) {
        let ending =
            Ending { pair: Outcome::Failed, account: Outcome::Failed, address: Outcome::Failed, succeeded: false };
        self.finish(ending, now).await;
    }

    /// The password was right: the pair's failures are forgotten and the address is the
    /// account's own from now on. The account keeps the failures others made from elsewhere,
    /// and the address its own, so that one good account does not clear a guesser's record.
    pub async fn succeeded(self, now: DateTime<Utc>) {
        let ending = Ending {
            pair: Outcome::Cleared,
            account: Outcome::Abandoned,
            address: Outcome::Abandoned,
            succeeded: true,
        };
        self.finish(ending, now).await;
    }

    async fn finish(mut self, ending: Ending, now: DateTime<Utc>) {
        self.ended = true;
        let work = self.ending(ending, now);
        match actix_web::web::block(work).await {
            Ok(Ok(())) => {}
            // The attempt stays counted in flight until its lease runs out; a failure not
            // recorded is one fewer towards a lock. Both are bounded; neither is worth refusing
            // an answer already decided.
            Ok(Err(error)) => log::warn!("could not record the end of a sign-in attempt: {error}"),
            Err(error) => log::warn!("could not record the end of a sign-in attempt: {error}"),
        }
    }

    fn ending(&self, ending: Ending, now: DateTime<Utc>) -> impl FnOnce() -> Result<(), StoreError> + Send + 'static {
        let pool = self.pool.clone();
        let policies = self.policies;
        let (account, address) = (self.account.clone(), self.address.clone());
        move || {
            let mut conn = pool.get()?;
            conn.write(|conn| {
                let pair = pair_key(&account, &address);
                end(conn, Scope::AccountSource, &pair, &policies.pairs, ending.pair, now)?;
                end(conn, Scope::Account, &account, &policies.accounts, ending.account, now)?;
                end(conn, Scope::Address, &address, &policies.addresses, ending.address, now)?;
                if ending.succeeded {
                    sign_in_throttle::record_success(conn, &account, &address, time::to_db(now))?;
                }
                Ok(())
            })
        }
    }
}

impl Drop for Attempt {
    fn drop(&mut self) {
        if !self.ended {
            // Not awaited: ending an abandoned attempt only frees its place sooner than the lease.
            let abandoned = Ending {
                pair: Outcome::Abandoned,
                account: Outcome::Abandoned,
                address: Outcome::Abandoned,
                succeeded: false,
            };
            let work = self.ending(abandoned, crate::runtime::clock::now());
            actix_web::rt::spawn(async move {
                if let Ok(Err(error)) = actix_web::web::block(work).await {
                    log::warn!("could not end an abandoned sign-in attempt: {error}");
                }
            });
        }
    }
}
