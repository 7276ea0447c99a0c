//! The clock, read in one place so that use cases take `now` as a value like the domain does.

use chrono::{DateTime, Utc};

pub fn now() -> DateTime<Utc> {
    Utc::now()
}
