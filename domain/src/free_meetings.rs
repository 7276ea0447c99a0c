//! The free Meetings tier people get by signing up on their own: unlimited meetings,
//! at most 10 participants each during the first 60 days after sign-up, 3 afterwards.

use chrono::{DateTime, Duration, Utc};

/// The plan of the free tier.
pub const FREE_MEETINGS_PLAN: &str = "meetings_free";

/// Participants per meeting while the sign-up is recent.
pub const PARTICIPANTS_FIRST_DAYS: u32 = 10;
/// Participants per meeting once the first days are over.
pub const PARTICIPANTS_AFTERWARDS: u32 = 3;
/// How many days the larger limit lasts.
pub const FIRST_DAYS: i64 = 60;

/// The most participants a meeting may have at `now` for someone who signed up at `signed_up_at`.
pub fn participant_limit(signed_up_at: DateTime<Utc>, now: DateTime<Utc>) -> u32 {
    if now < signed_up_at + Duration::days(FIRST_DAYS) {
        PARTICIPANTS_FIRST_DAYS
    } else {
        PARTICIPANTS_AFTERWARDS
    }
}

/// When the limit drops to [`PARTICIPANTS_AFTERWARDS`].
pub fn limit_drops_at(signed_up_at: DateTime<Utc>) -> DateTime<Utc> {
    signed_up_at + Duration::days(FIRST_DAYS)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn ten_participants_for_sixty_days_then_three() {
        let signed_up = Utc.with_ymd_and_hms(2026, 1, 10, 9, 0, 0).unwrap();
        assert_eq!(participant_limit(signed_up, signed_up), 10);
        assert_eq!(participant_limit(signed_up, signed_up + Duration::days(59)), 10);
        let day_60 = signed_up + Duration::days(60);
        assert_eq!(participant_limit(signed_up, day_60 - Duration::seconds(1)), 10);
        assert_eq!(participant_limit(signed_up, day_60), 3);
        assert_eq!(participant_limit(signed_up, signed_up + Duration::days(400)), 3);
        assert_eq!(limit_drops_at(signed_up), day_60);
    }
}
