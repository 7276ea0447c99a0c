//! Temporary passwords: sent by mail when an account is created or a password is reset, to be
//! changed at first sign-in, and useless after a while so that an old message in a mailbox
//! opens nothing.

use chrono::{DateTime, Duration, Utc};

/// How long a temporary password works: three days, long enough for a weekend.
pub const LIFETIME: Duration = Duration::hours(72);

/// Until when a temporary password issued at `issued_at` works.
pub fn valid_until(issued_at: DateTime<Utc>) -> DateTime<Utc> {
    issued_at + LIFETIME
}

/// Whether a password that must still be changed has stopped working at `now`. Passwords that
/// carry no end (chosen by the person, or the first operator's printed at start-up) never do.
pub fn has_expired(must_change: bool, valid_until: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    must_change && valid_until.is_some_and(|until| now >= until)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn a_temporary_password_works_for_seventy_two_hours() {
        let issued = Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap();
        let until = valid_until(issued);
        assert_eq!(until, Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap());
        assert!(!has_expired(true, Some(until), until - Duration::seconds(1)));
        assert!(has_expired(true, Some(until), until));
        assert!(!has_expired(false, Some(until), until + Duration::days(9)), "changed already");
        assert!(!has_expired(true, None, until + Duration::days(9)), "no end set");
    }
}
