//! Sign-in attempts counted in memory, per account and per client address, using the domain's
//! throttle policy. Kept per process: with several replicas each throttles on its own, which
//! still bounds guessing to a small multiple of the policy.
//!
//! An attempt is counted from the moment it is admitted, not only once its password has been
//! checked: a burst of attempts is refused before it is hashed (see `ThrottlePolicy::admit`).

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, Utc};
use tenantry_domain::sign_in_throttle::{FailureRecord, ThrottlePolicy};

use crate::problem::ApiError;

/// Too many failed (or still running) sign-ins for an account or from an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many failed sign-ins; try again in {retry_after_seconds} s")]
pub struct Throttled {
    pub retry_after_seconds: u64,
}

impl From<Throttled> for ApiError {
    fn from(throttled: Throttled) -> Self {
        ApiError::too_many_sign_in_attempts(throttled.retry_after_seconds)
    }
}

/// What is known about one key (an account or an address).
#[derive(Default)]
struct Entry {
    record: Option<FailureRecord>,
    in_flight: u32,
}

impl Entry {
    fn is_empty(&self) -> bool {
        self.record.is_none() && self.in_flight == 0
    }
}

struct Counter {
    policy: ThrottlePolicy,
    entries: Mutex<HashMap<String, Entry>>,
}

impl Counter {
    fn new(policy: ThrottlePolicy) -> Self {
        Self { policy, entries: Mutex::new(HashMap::new()) }
    }

    fn entries(&self) -> MutexGuard<'_, HashMap<String, Entry>> {
        // Every change under this lock is a single assignment, so a panic elsewhere while it was
        // held cannot have left an entry half-updated: the map is still good to use.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts one more attempt in flight for `key`, or says how long to wait.
    fn admit(&self, key: &str, now: DateTime<Utc>) -> Result<(), Throttled> {
        let mut entries = self.entries();
        if entries.len() > 100_000 {
            entries
                .retain(|_, entry| entry.in_flight > 0 || entry.record.is_some_and(|r| !self.policy.is_stale(&r, now)));
        }
        let entry = entries.entry(key.to_owned()).or_default();
        self.policy
            .admit(entry.record.as_ref(), entry.in_flight, now)
            .map_err(|wait| Throttled { retry_after_seconds: u64::try_from(wait.num_seconds()).unwrap_or(1).max(1) })?;
        entry.in_flight = entry.in_flight.saturating_add(1);
        Ok(())
    }

    /// Ends one attempt in flight for `key`, first applying `outcome` to its record.
    fn end(&self, key: &str, outcome: impl FnOnce(&ThrottlePolicy, &mut Option<FailureRecord>)) {
        let mut entries = self.entries();
        let Some(entry) = entries.get_mut(key) else { return };
        entry.in_flight = entry.in_flight.saturating_sub(1);
        outcome(&self.policy, &mut entry.record);
        if entry.is_empty() {
            entries.remove(key);
        }
    }
}

/// Throttles sign-in attempts (and checks of the current password) per account and per address.
pub struct SignInThrottle {
    accounts: Counter,
    addresses: Counter,
}

impl Default for SignInThrottle {
    fn default() -> Self {
        Self {
            accounts: Counter::new(ThrottlePolicy::per_account()),
            addresses: Counter::new(ThrottlePolicy::per_address()),
        }
    }
}

impl SignInThrottle {
    /// Admits one attempt for `account` from `address`, counting it as in flight for both until
    /// it ends; 429 while either key is locked out or has as many attempts going as it may fail.
    pub fn begin(&self, account: &str, address: &str, now: DateTime<Utc>) -> Result<Attempt<'_>, Throttled> {
        self.accounts.admit(account, now)?;
        if let Err(refused) = self.addresses.admit(address, now) {
            self.accounts.end(account, |_, _| {});
            return Err(refused);
        }
        Ok(Attempt { throttle: self, account: account.to_owned(), address: address.to_owned(), ended: false })
    }
}

/// One admitted attempt. End it with `failed` or `succeeded`; dropping it any other way (the
/// hasher was busy, the database failed, the client went away) ends it without counting, since
/// no password was checked.
pub struct Attempt<'a> {
    throttle: &'a SignInThrottle,
    account: String,
    address: String,
    ended: bool,
}

impl Attempt<'_> {
    /// The password was wrong: a failure for the account and for the address.
    pub fn failed(mut self, now: DateTime<Utc>) {
        let fail = |policy: &ThrottlePolicy, record: &mut Option<FailureRecord>| {
            *record = Some(policy.record_failure(record.as_ref(), now));
        };
        self.throttle.accounts.end(&self.account, fail);
        self.throttle.addresses.end(&self.address, fail);
        self.ended = true;
    }

    /// The password was right: the account's failures are forgotten. The address keeps its
    /// failures, so that one good account does not clear a guesser's record next to it.
    pub fn succeeded(mut self) {
        self.throttle.accounts.end(&self.account, |_, record| *record = None);
        self.throttle.addresses.end(&self.address, |_, _| {});
        self.ended = true;
    }

    /// No password was checked (the hasher was busy): nothing is counted.
    pub fn abandoned(self) {
        // Dropping does it.
    }
}

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        if !self.ended {
            self.throttle.accounts.end(&self.account, |_, _| {});
            self.throttle.addresses.end(&self.address, |_, _| {});
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        Utc::now()
    }

    #[test]
    fn attempts_in_flight_are_refused_beyond_the_account_limit_and_freed_when_abandoned() {
        let throttle = SignInThrottle::default();
        let going: Vec<_> = (0..5).map(|_| throttle.begin("ann", "10.0.0.1", now()).unwrap()).collect();
        assert!(throttle.begin("ann", "10.0.0.1", now()).is_err(), "a sixth attempt while five are going");
        assert!(throttle.begin("bob", "10.0.0.1", now()).is_ok(), "another account is not held up");
        drop(going);
        let attempt = throttle.begin("ann", "10.0.0.1", now()).unwrap();
        attempt.abandoned();
        assert!(throttle.accounts.entries().is_empty() && throttle.addresses.entries().is_empty());
    }

    #[test]
    fn failures_lock_and_a_success_clears_the_account_only() {
        let throttle = SignInThrottle::default();
        for _ in 0..4 {
            throttle.begin("ann", "10.0.0.1", now()).unwrap().failed(now());
        }
        throttle.begin("ann", "10.0.0.1", now()).unwrap().succeeded();
        for _ in 0..5 {
            throttle.begin("ann", "10.0.0.1", now()).unwrap().failed(now());
        }
        assert!(throttle.begin("ann", "10.0.0.2", now()).is_err(), "five failures since the success lock it");
        assert_eq!(throttle.addresses.entries()["10.0.0.1"].record.map(|r| r.failures), Some(9));
    }

    #[test]
    fn an_address_is_refused_once_failures_and_attempts_in_flight_reach_fifty() {
        let throttle = SignInThrottle::default();
        for i in 0..20 {
            throttle.begin(&format!("person{i}"), "10.0.0.9", now()).unwrap().failed(now());
        }
        let going: Vec<_> =
            (20..50).map(|i| throttle.begin(&format!("person{i}"), "10.0.0.9", now()).unwrap()).collect();
        assert!(throttle.begin("someone else", "10.0.0.9", now()).is_err());
        assert!(
            !throttle.accounts.entries().contains_key("someone else"),
            "a refusal by address does not leave the account counted"
        );
        drop(going);
        assert!(throttle.begin("someone else", "10.0.0.9", now()).is_ok());
    }
}
