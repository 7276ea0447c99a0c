//! What happens to background work that failed: tried again after a growing pause, and given up
//! after a bounded number of attempts, so a job that can never succeed stops being retried and
//! is left for an operator to look at.

use chrono::Duration;

/// How many attempts a job gets in all.
pub const MAX_ATTEMPTS: i32 = 8;

/// After a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    /// Try again after this pause.
    RetryIn(Duration),
    /// No more attempts: the job has failed for good.
    GiveUp,
}

/// Decides what follows the failure of attempt number `attempts` (counting from 1): pauses of
/// 10 s, 20 s, 40 s, ... up to 10 minutes, and no attempt past [`MAX_ATTEMPTS`].
pub fn after_failure(attempts: i32) -> AfterFailure {
    if attempts >= MAX_ATTEMPTS {
        return AfterFailure::GiveUp;
    }
    let doublings = u32::try_from(attempts.clamp(1, 16) - 1).unwrap_or(0);
    let seconds = (10_i64 << doublings).min(600);
    AfterFailure::RetryIn(Duration::seconds(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_grow_and_attempts_end() {
        assert_eq!(after_failure(1), AfterFailure::RetryIn(Duration::seconds(10)));
        assert_eq!(after_failure(2), AfterFailure::RetryIn(Duration::seconds(20)));
        assert_eq!(after_failure(3), AfterFailure::RetryIn(Duration::seconds(40)));
        assert_eq!(after_failure(7), AfterFailure::RetryIn(Duration::seconds(600)), "capped at ten minutes");
        assert_eq!(after_failure(MAX_ATTEMPTS), AfterFailure::GiveUp);
        assert_eq!(after_failure(MAX_ATTEMPTS + 5), AfterFailure::GiveUp);
        assert_eq!(after_failure(0), AfterFailure::RetryIn(Duration::seconds(10)), "a count from nowhere still waits");
    }
}
