//! Throttling of failed sign-ins, per account and source together, per client address, and per
//! account from anywhere (OWASP's advice).
//!
//! Five wrong passwords for one account from one address lock that pair for five minutes: the
//! owner who mistypes is slowed, while someone else's guesses from other addresses never lock
//! the owner out of the address they sign in from. The account as a whole keeps a global budget
//! against guesses spread over many addresses; once spent it refuses addresses the account has
//! not signed in from lately (`FAMILIAR_FOR`), never one it has.
//!
//! After `max_failures` failures within `window`, further attempts are refused until
//! `lockout` has passed since the last failure. A success clears the account's record, so a
//! person who mistypes once is not punished later. Unknown accounts are throttled exactly like
//! known ones, so the answer never tells whether an account exists.
//!
//! Attempts still being checked count too: a key is refused once its failures plus its attempts
//! in flight reach `max_failures`, so a burst is throttled before its passwords are hashed, not
//! after.

use chrono::{DateTime, Duration, Utc};

/// How long to wait when a key is refused only because of attempts still in flight.
pub const IN_FLIGHT_RETRY_AFTER: Duration = Duration::seconds(1);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    pub max_failures: u32,
    pub window: Duration,
    pub lockout: Duration,
}

/// How long after a successful sign-in an address stays the account's own: attempts from it
/// are not refused when the account's global budget is spent.
pub const FAMILIAR_FOR: Duration = Duration::days(30);

impl ThrottlePolicy {
    /// Per account and source: a person may mistype a few times; a guesser is slowed to a crawl.
    pub fn per_account_and_source() -> Self {
        Self { max_failures: 5, window: Duration::minutes(15), lockout: Duration::minutes(5) }
    }

    /// Per account from anywhere: the global budget, for guesses spread over many addresses.
    /// It does not apply to an address the account signed in from within `FAMILIAR_FOR`.
    pub fn per_account() -> Self {
        Self { max_failures: 50, window: Duration::minutes(15), lockout: Duration::minutes(5) }
    }

    /// Per client address: generous, because offices share one address.
    pub fn per_address() -> Self {
        Self { max_failures: 50, window: Duration::minutes(15), lockout: Duration::minutes(5) }
    }
}

/// Whether an address is the account's own: it signed in from there within `FAMILIAR_FOR`.
pub fn is_familiar(last_success: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    last_success.is_some_and(|at| now - at <= FAMILIAR_FOR)
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

    /// `Err(retry_after)` when one more attempt may not start now, given the key's record and
    /// the attempts on it that have started and not yet ended. Each attempt in flight may turn
    /// into a failure, so it counts as one until it ends.
    pub fn admit(&self, record: Option<&FailureRecord>, in_flight: u32, now: DateTime<Utc>) -> Result<(), Duration> {
        self.check(record, now)?;
        if self.counted_failures(record, now).saturating_add(in_flight) < self.max_failures {
            Ok(())
        } else {
            // Attempts in flight end within seconds (the password hasher answers or gives up
            // quickly), so the wait is short, unlike a lockout.
            Err(IN_FLIGHT_RETRY_AFTER)
        }
    }

    /// The failures that still count towards a lock at `now`. Once a lockout has run out the key
    /// may probe again one attempt at a time (a failure locks it again at once, see
    /// `record_failure`), so such a record counts as one short of the limit.
    fn counted_failures(&self, record: Option<&FailureRecord>, now: DateTime<Utc>) -> u32 {
        match record {
            None => 0,
            Some(record) if record.failures >= self.max_failures => self.max_failures.saturating_sub(1),
            Some(record) if now - record.first_failure_at <= self.window => record.failures,
            Some(_) => 0,
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
        now - record.last_failure_at > self.forgotten_after()
    }

    /// How long after its last failure a record stops mattering.
    pub fn forgotten_after(&self) -> Duration {
        self.window.max(self.lockout)
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
        let policy = ThrottlePolicy::per_account_and_source();
        let record = fail_times(&policy, &[0, 1, 2, 3]);
        assert_eq!(policy.check(Some(&record), at(4)), Ok(()));
    }

    #[test]
    fn the_fifth_failure_locks_for_the_lockout() {
        let policy = ThrottlePolicy::per_account_and_source();
        let record = fail_times(&policy, &[0, 1, 2, 3, 4]);
        assert_eq!(policy.check(Some(&record), at(5)), Err(Duration::seconds(299)));
        assert_eq!(policy.check(Some(&record), at(4 + 300)), Ok(()));
    }

    #[test]
    fn failures_outside_the_window_are_forgotten() {
        let policy = ThrottlePolicy::per_account_and_source();
        let record = fail_times(&policy, &[0, 1, 2, 3, 16 * 60]);
        assert_eq!(record.failures, 1);
        assert_eq!(policy.check(Some(&record), at(16 * 60 + 1)), Ok(()));
    }

    #[test]
    fn failing_while_locked_extends_the_lock() {
        let policy = ThrottlePolicy::per_account_and_source();
        let record = fail_times(&policy, &[0, 1, 2, 3, 4, 20 * 60]);
        assert_eq!(record.failures, 6);
        assert!(policy.check(Some(&record), at(20 * 60 + 10)).is_err());
        assert!(policy.is_stale(&record, at(40 * 60)));
    }

    #[test]
    fn attempts_in_flight_count_like_failures_until_they_end() {
        let policy = ThrottlePolicy::per_account_and_source();
        let two = fail_times(&policy, &[0, 1]);
        // (failures, in flight) -> admitted?
        let table = [
            (None, 0, true),
            (None, 4, true),
            (None, 5, false),
            (Some(&two), 2, true),
            (Some(&two), 3, false),
            (Some(&two), 10, false),
        ];
        for (record, in_flight, admitted) in table {
            let answer = policy.admit(record, in_flight, at(2));
            assert_eq!(answer.is_ok(), admitted, "{record:?} with {in_flight} in flight");
            if !admitted {
                assert_eq!(answer, Err(IN_FLIGHT_RETRY_AFTER));
            }
        }
    }

    #[test]
    fn a_locked_key_waits_out_its_lockout_whatever_is_in_flight() {
        let policy = ThrottlePolicy::per_account_and_source();
        let record = fail_times(&policy, &[0, 1, 2, 3, 4]);
        assert_eq!(policy.admit(Some(&record), 0, at(5)), Err(Duration::seconds(299)));
        assert_eq!(policy.admit(Some(&record), 3, at(5)), Err(Duration::seconds(299)));
    }

    #[test]
    fn after_a_lockout_one_attempt_at_a_time_may_probe() {
        let policy = ThrottlePolicy::per_account_and_source();
        let record = fail_times(&policy, &[0, 1, 2, 3, 4]);
        let after = at(4 + 300);
        assert_eq!(policy.admit(Some(&record), 0, after), Ok(()));
        assert_eq!(policy.admit(Some(&record), 1, after), Err(IN_FLIGHT_RETRY_AFTER));
    }

    #[test]
    fn failures_outside_the_window_do_not_count_towards_admission() {
        let policy = ThrottlePolicy::per_account_and_source();
        let record = fail_times(&policy, &[0, 1, 2, 3]);
        assert_eq!(policy.admit(Some(&record), 1, at(10)), Err(IN_FLIGHT_RETRY_AFTER));
        assert_eq!(policy.admit(Some(&record), 4, at(16 * 60)), Ok(()));
    }

    #[test]
    fn an_address_admits_fifty_attempts_at_once_and_no_more() {
        let policy = ThrottlePolicy::per_address();
        assert_eq!(policy.admit(None, 49, at(0)), Ok(()));
        assert_eq!(policy.admit(None, 50, at(0)), Err(IN_FLIGHT_RETRY_AFTER));
    }

    #[test]
    fn an_address_is_the_accounts_own_for_thirty_days_after_a_success() {
        assert!(!is_familiar(None, at(0)));
        assert!(is_familiar(Some(at(0)), at(0)));
        assert!(is_familiar(Some(at(0)), at(0) + FAMILIAR_FOR));
        assert!(!is_familiar(Some(at(0)), at(1) + FAMILIAR_FOR));
    }

    #[test]
    fn the_global_budget_is_larger_than_a_pairs() {
        let pair = ThrottlePolicy::per_account_and_source();
        let global = ThrottlePolicy::per_account();
        assert_eq!(pair.max_failures, 5);
        assert!(global.max_failures >= 10 * pair.max_failures);
        // Four guessers from four addresses do not spend the account's budget between them.
        let mut record = None;
        for t in 0..4 * pair.max_failures {
            record = Some(global.record_failure(record.as_ref(), at(i64::from(t))));
        }
        assert_eq!(global.admit(record.as_ref(), 0, at(30)), Ok(()));
    }
}
