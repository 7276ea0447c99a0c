//! Use cases: each opens one transaction, loads rows, asks the domain to decide, writes rows,
//! an audit event and any message to people, and commits.

pub mod audit;
pub mod licences;
pub mod me;
pub mod messages;
pub mod plan_change;
pub mod provisioning;
pub mod sign_in;
pub mod subscriptions;
pub mod tenants;
pub mod users;

use chrono::{DateTime, Utc};

/// The clock, read in one place so that use cases take `now` as a value like the domain does.
pub fn now() -> DateTime<Utc> {
    Utc::now()
}

pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
