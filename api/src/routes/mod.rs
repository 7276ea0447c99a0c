//! The HTTP edge: one module per resource, each registering its own routes and documenting
//! them for `openapi.rs`. Handlers parse the request into domain values, call a service, and
//! turn its view or its error into a response; the service error families are mapped to
//! problem+json here, once each.

pub mod audit;
pub mod auth;
pub mod domains;
pub mod health;
pub mod licences;
pub mod me;
pub mod message_centre;
pub mod openapi;
pub mod outbox;
pub mod partners;
pub mod plans;
pub mod registrations;
pub mod relationships;
pub mod resource;
pub mod service_health;
pub mod service_requests;
pub mod signing_keys;
pub mod signups;
pub mod subscriptions;
pub mod tenants;
pub mod users;
pub mod webhooks;

use actix_web::web;

use crate::http::problem::ApiError;
use crate::services::lookup::NotFound;

/// The route table: each resource's module adds its routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    health::configure(cfg);
    auth::configure(cfg);
    me::configure(cfg);
    tenants::configure(cfg);
    users::configure(cfg);
    audit::configure(cfg);
    plans::configure(cfg);
    subscriptions::configure(cfg);
    licences::configure(cfg);
    partners::configure(cfg);
    relationships::configure(cfg);
    service_requests::configure(cfg);
    service_health::configure(cfg);
    message_centre::configure(cfg);
    domains::configure(cfg);
    registrations::configure(cfg);
    signups::configure(cfg);
    outbox::configure(cfg);
    signing_keys::configure(cfg);
    webhooks::configure(cfg);
}

impl From<NotFound> for ApiError {
    fn from(missing: NotFound) -> Self {
        ApiError::not_found(missing.0)
    }
}
