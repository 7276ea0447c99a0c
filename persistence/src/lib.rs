//! Tenantry's storage: one diesel schema and one set of queries over SQLite and PostgreSQL.
//!
//! The backend is chosen by the database URL. Each backend has its own migrations folder,
//! embedded in the binary and applied before the pool is built. Queries are written once against
//! [`DbConnection`], diesel's `MultiConnection` over both backends.

pub mod api_clients;
pub mod audit;
pub mod backup;
pub mod connection;
pub mod database_url;
pub mod delegation;
pub mod domains;
pub mod error;
pub mod feedback;
pub mod flagged_customers;
pub mod idempotency;
pub mod incidents;
pub mod jobs;
pub mod message_centre;
pub mod migrations;
pub mod outbox;
pub mod partner_domains;
pub mod partners;
pub mod plans;
pub mod rate_limits;
pub mod recent_users;
pub mod registrations;
pub mod registry;
pub mod schema;
pub mod seats;
pub mod service_requests;
pub mod sign_in_throttle;
pub mod signing_keys;
pub mod signups;
pub mod subscriptions;
pub mod takeovers;
pub mod tenants;
pub mod time;
pub mod users;
pub mod version_guard;
pub mod webhooks;

pub use connection::{Database, DbConnection, DbPool};
pub use error::{StoreError, StoreResult};
pub use migrations::MigrationStatus;
