//! Failed sign-ins counted in memory, per account and per client address, using the domain's
//! throttle policy. Kept per process: with several replicas each throttles on its own, which
//! still bounds guessing to a small multiple of the policy.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use tenantry_domain::sign_in_throttle::{FailureRecord, ThrottlePolicy};

use crate::problem::ApiError;

struct Counter {
    policy: ThrottlePolicy,
    records: Mutex<HashMap<String, FailureRecord>>,
}

impl Counter {
    fn new(policy: ThrottlePolicy) -> Self {
        Self { policy, records: Mutex::new(HashMap::new()) }
    }

    fn check(&self, key: &str, now: DateTime<Utc>) -> Result<(), ApiError> {
        let records = self.records.lock().map_err(|_| ApiError::internal("sign-in throttle lock poisoned"))?;
        self.policy
            .check(records.get(key), now)
            .map_err(|wait| ApiError::too_many_sign_in_attempts(u64::try_from(wait.num_seconds()).unwrap_or(1)))
    }

    fn fail(&self, key: &str, now: DateTime<Utc>) {
        let Ok(mut records) = self.records.lock() else {
            return;
        };
        if records.len() > 100_000 {
            records.retain(|_, record| !self.policy.is_stale(record, now));
        }
        let next = self.policy.record_failure(records.get(key), now);
        records.insert(key.to_owned(), next);
    }

    fn clear(&self, key: &str) {
        if let Ok(mut records) = self.records.lock() {
            records.remove(key);
        }
    }
}

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
    /// 429 while either the account or the address is locked out.
    pub fn check(&self, account: &str, address: &str, now: DateTime<Utc>) -> Result<(), ApiError> {
        self.accounts.check(account, now)?;
        self.addresses.check(address, now)
    }

    pub fn failed(&self, account: &str, address: &str, now: DateTime<Utc>) {
        self.accounts.fail(account, now);
        self.addresses.fail(address, now);
    }

    pub fn succeeded(&self, account: &str) {
        self.accounts.clear(account);
    }
}
