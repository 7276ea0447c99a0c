//! Timestamps are stored as UTC without a zone, the one timestamp type both backends share.

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};

/// Stored to the microsecond, what PostgreSQL keeps: SQLite would keep nanoseconds, and the same
/// instant must compare and sort the same on both (a cursor carries microseconds).
pub fn to_db(at: DateTime<Utc>) -> NaiveDateTime {
    at.trunc_subsecs(6).naive_utc()
}

pub fn from_db(at: NaiveDateTime) -> DateTime<Utc> {
    at.and_utc()
}
