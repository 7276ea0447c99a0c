//! Use cases: each authorizes the caller, runs as one unit of work (`unit_of_work::Tx`) that
//! loads rows, asks the domain to decide, writes rows, an audit event and any message, and
//! returns views. Each family has its own error enum; routes map it to HTTP once.

pub mod audit;
pub mod domains;
pub mod licenses;
pub mod lookup;
pub mod me;
pub mod message_centre;
pub mod messages;
pub mod operations;
pub mod outbox;
pub mod partners;
pub mod plan_change;
pub mod provisioning;
pub mod rates;
pub mod recent_users;
pub mod registrations;
pub mod service_health;
pub mod service_requests;
pub mod sign_in;
pub mod signing_keys;
pub mod signups;
pub mod subscriptions;
pub mod takeovers;
pub mod tenants;
pub mod users;
pub mod webhooks;
