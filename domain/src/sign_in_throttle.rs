//! Throttling of failed sign-ins, per account and per client address.
//!
//! After `max_failures` failures within `window`, further attempts are refused until
//! `lockout` has passed since the last failure. A success clears the account's record, so a
//! person who mistypes once is not punished later. Unknown accounts are throttled exactly like
//! known ones, so the answer never tells whether an account exists.

use chrono::{DateTime, Duration, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    pub max_failures: u32,
    pub window: Duration,
    pub lockout: Duration,
}

impl ThrottlePolicy {
    /// Per account: a person may mistype a few times; a guesser is slowed to a crawl.
    pub fn per_account() -> Self {
        Self { max_failures: 5, window: Duration::minutes(15), lockout: Duration::minutes(5) }
    }

    /// Per client address: generous, because offices share one address.
    pub fn per_address() -> Self {
        Self { max_failures: 50, window: Duration::minutes(15), lockout: Duration::minutes(5) }
    }
}

/// The failures recorded for one key (an account or an address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureRecord {
    pub failures: u32,
    pub first_failure_at: DateTime<Utc>,
    pub last_failure_at: DateTime<Utc>,
}

impl ThrottlePolicy {
    /// `Err(retry_after)` while the key is locked out.
    pub fn check(&self, record: Option<&FailureRecord>, now: DateTime<Utc>) -> Result<(), Duration> {
        let Some(record) = record else { return Ok(()) };
        if record.failures < self.max_failures {
            return Ok(());
        }
        let unlocks_at = record.last_failure_at + self.lockout;
        if now < unlocks_at {
            Err(unlocks_at - now)
        } else {
            Ok(())
        }
    }

    /// The record after one more failure at `now`; failures older than the window are forgotten.
    pub fn record_failure(&self, record: Option<&FailureRecord>, now: DateTime<Utc>) -> FailureRecord {
        match record {
            Some(previous)
                if now - previous.first_failure_at <= self.window || previous.failures >= self.max_failures =>
            {
                FailureRecord { failures: previous.failures.saturating_add(1), last_failure_at: now, ..*previous }
            }
            _ => FailureRecord { failures: 1, first_failure_at: now, last_failure_at: now },
        }
    }

    /// Whether a record can be dropped: outside the window and not locking anything.
    pub fn is_stale(&self, record: &FailureRecord, now: DateTime<Utc>) -> bool {
        now - record.last_failure_at > self.window.max(self.lockout)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(seconds: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_000 + seconds, 0).unwrap()
    }

    fn fail_times(policy: &ThrottlePolicy, times: &[i64]) -> FailureRecord {
        let mut record = None;
        for &t in times {
            record = Some(policy.record_failure(record.as_ref(), at(t)));
        }
        record.unwrap()
    }

    #[test]
    fn a_few_failures_do_not_lock() {
        let policy = ThrottlePolicy::per_account();
        let record = fail_times(&policy, &[0, 1, 2, 3]);
        assert_eq!(policy.check(Some(&record), at(4)), Ok(()));
    }

    #[test]
    fn the_fifth_failure_locks_for_the_lockout() {
        let policy = ThrottlePolicy::per_account();
        let record = fail_times(&policy, &[0, 1, 2, 3, 4]);
        assert_eq!(policy.check(Some(&record), at(5)), Err(Duration::seconds(299)));
        assert_eq!(policy.check(Some(&record), at(4 + 300)), Ok(()));
    }

    #[test]
    fn failures_outside_the_window_are_forgotten() {
        let policy = ThrottlePolicy::per_account();
        let record = fail_times(&policy, &[0, 1, 2, 3, 16 * 60]);
        assert_eq!(record.failures, 1);
        assert_eq!(policy.check(Some(&record), at(16 * 60 + 1)), Ok(()));
    }

    #[test]
    fn failing_while_locked_extends_the_lock() {
        let policy = ThrottlePolicy::per_account();
        let record = fail_times(&policy, &[0, 1, 2, 3, 4, 20 * 60]);
        assert_eq!(record.failures, 6);
        assert!(policy.check(Some(&record), at(20 * 60 + 10)).is_err());
        assert!(policy.is_stale(&record, at(40 * 60)));
    }
}
