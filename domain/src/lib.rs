//! Tenantry's business rules, named as the business names them.
//!
//! Nothing here does IO or reads the clock: callers pass `now` in and get decisions and errors
//! back as values. Every value type has private fields and a `parse` constructor, so an invalid
//! email address, domain name or password cannot exist past the edge of the system.

pub mod audit;
pub mod catalogue;
pub mod custom_domain;
pub mod delivery;
pub mod dns_check;
pub mod domain_name;
pub mod email;
pub mod free_meetings;
pub mod granting;
pub mod ids;
pub mod language;
pub mod license;
pub mod license_pool;
pub mod license_summary;
pub mod limits;
mod names;
pub mod order;
pub mod partner;
pub mod partner_domain;
pub mod password;
pub mod permissions;
pub mod plan;
pub mod plan_change;
pub mod preferences;
pub mod registration;
pub mod relationship;
pub mod retry;
pub mod roles;
pub mod service_health;
pub mod service_request;
pub mod sign_in_throttle;
pub mod signup;
pub mod takeover;
pub mod temporary_password;
pub mod tenant;
pub mod text;
pub mod user;
pub mod webhook;
pub mod workload;

pub use domain_name::DomainName;
pub use email::EmailAddress;
pub use ids::{PartnerId, SubscriptionId, TenantId, UserId};
pub use password::Password;
pub use permissions::{Action, Grant, Position};
pub use roles::{AdminRole, RoleSet};
