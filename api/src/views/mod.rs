//! What clients see: the response bodies, built from domain values and stored rows. Services
//! return these; routes turn them into HTTP responses. Nothing here knows HTTP.

pub mod audit;
pub mod me;
pub mod message_centre;
pub mod partner;
pub mod plan;
pub mod plan_change;
pub mod service_health;
pub mod service_request;
pub mod subscription;
pub mod tenant;
pub mod user;

/// A view of a mutable resource, with the version its `ETag` names.
pub struct Versioned<T> {
    pub view: T,
    pub version: i64,
}

/// One page of a list, and the cursor of the next one.
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}
