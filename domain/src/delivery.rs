//! Delivering a message: what a refusal means and when to try again. A mail server's 4xx (or
//! no answer at all) is worth another try after a growing, jittered pause; a 5xx is final; and
//! past the last attempt the message has failed until an operator retries it.

use chrono::Duration;

use crate::retry::AfterFailure;

/// How a delivery attempt ended, as the transport reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// The server accepted the message: it is delivered.
    Accepted,
    /// Worth trying again: a 4xx, a refused connection, a timeout.
    Transient(String),
    /// Refused for good: a 5xx (no such mailbox, message rejected).
    Permanent(String),
}

/// The retry schedule of outgoing messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The pause after the first failure; each further failure doubles it.
    pub first_pause: Duration,
    /// The longest pause.
    pub longest_pause: Duration,
    /// Attempts in all before the message fails.
    pub max_attempts: i32,
}

impl RetryPolicy {
    /// Ten seconds doubling to an hour, twelve attempts: about seven hours of trying.
    pub fn standard() -> Self {
        Self { first_pause: Duration::seconds(10), longest_pause: Duration::hours(1), max_attempts: 12 }
    }

    /// What follows a transient failure of attempt number `attempts` (from 1). `jitter` in
    /// `[0, 1)` spreads the pause over its upper half, so that messages that failed together
    /// (a server down for everyone) do not come back together.
    pub fn after_transient_failure(&self, attempts: i32, jitter: f64) -> AfterFailure {
        if attempts >= self.max_attempts {
            return AfterFailure::GiveUp;
        }
        let doublings = u32::try_from(attempts.clamp(1, 30) - 1).unwrap_or(0);
        let full = self
            .first_pause
            .checked_mul(1_i32.checked_shl(doublings).unwrap_or(i32::MAX))
            .unwrap_or(self.longest_pause)
            .min(self.longest_pause);
        let millis = full.num_milliseconds();
        // Truncation is the point: a whole number of milliseconds within the upper half.
        #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
        let jittered = millis / 2 + ((millis / 2) as f64 * jitter.clamp(0.0, 1.0)) as i64;
        AfterFailure::RetryIn(Duration::milliseconds(jittered.max(1)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pause(after: AfterFailure) -> Duration {
        match after {
            AfterFailure::RetryIn(pause) => pause,
            AfterFailure::GiveUp => panic!("gave up"),
        }
    }

    #[test]
    fn pauses_double_with_jitter_in_their_upper_half_and_attempts_end() {
        let policy = RetryPolicy::standard();
        assert_eq!(pause(policy.after_transient_failure(1, 0.0)), Duration::seconds(5));
        assert_eq!(pause(policy.after_transient_failure(1, 0.999_999)), Duration::milliseconds(9_999));
        assert_eq!(pause(policy.after_transient_failure(2, 0.0)), Duration::seconds(10));
        assert_eq!(pause(policy.after_transient_failure(3, 0.5)), Duration::seconds(30));
        assert_eq!(pause(policy.after_transient_failure(11, 0.0)), Duration::minutes(30), "capped at an hour");
        assert_eq!(policy.after_transient_failure(12, 0.0), AfterFailure::GiveUp);
    }

    #[test]
    fn a_short_policy_for_tests_keeps_the_same_shape() {
        let policy = RetryPolicy {
            first_pause: Duration::milliseconds(100),
            longest_pause: Duration::seconds(1),
            max_attempts: 3,
        };
        assert_eq!(pause(policy.after_transient_failure(1, 0.0)), Duration::milliseconds(50));
        assert_eq!(pause(policy.after_transient_failure(2, 0.0)), Duration::milliseconds(100));
        assert_eq!(policy.after_transient_failure(3, 0.0), AfterFailure::GiveUp);
    }
}
