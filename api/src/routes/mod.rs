//! The HTTP edge: one module per resource, each adding its routes to the route table, which
//! serves them and documents them (`table.rs`, `openapi.rs`). Handlers parse the request into domain values, call a service, and
//! turn its view or its error into a response; the service error families are mapped to
//! problem+json here, once each.

pub mod audit;
pub mod auth;
pub mod domains;
pub mod health;
pub mod licenses;
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
pub mod table;
pub mod tenants;
pub mod users;
pub mod webhooks;

use actix_web::web;

use crate::http::problem::ApiError;
use crate::services::lookup::NotFound;
use table::RouteTable;

/// Every route of the API, each with its documentation.
pub fn table() -> RouteTable {
    let mut table = RouteTable::default();
    configure(&mut table);
    table
}

/// Serves the route table.
pub fn serve(cfg: &mut web::ServiceConfig) {
    table().serve(cfg);
}

/// Each resource's module adds its routes.
fn configure(table: &mut RouteTable) {
    health::configure(table);
    auth::configure(table);
    me::configure(table);
    tenants::configure(table);
    users::configure(table);
    audit::configure(table);
    plans::configure(table);
    subscriptions::configure(table);
    licenses::configure(table);
    partners::configure(table);
    relationships::configure(table);
    service_requests::configure(table);
    service_health::configure(table);
    message_centre::configure(table);
    domains::configure(table);
    registrations::configure(table);
    signups::configure(table);
    outbox::configure(table);
    signing_keys::configure(table);
    webhooks::configure(table);
}

impl From<NotFound> for ApiError {
    fn from(missing: NotFound) -> Self {
        ApiError::not_found(missing.0)
    }
}
