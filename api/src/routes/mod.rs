//! The HTTP edge: one module per resource, each registering its own routes and documenting
//! them for `openapi.rs`. Handlers parse the request into domain values, call a service, and
//! turn its view or its error into a response; the service error families are mapped to
//! problem+json here, once each.

pub mod audit;
pub mod auth;
pub mod health;
pub mod licences;
pub mod me;
pub mod plans;
pub mod subscriptions;
pub mod tenants;
pub mod users;

use actix_web::http::header;
use actix_web::{web, HttpResponse, HttpResponseBuilder, Resource};
use serde::Serialize;

use crate::etag::etag;
use crate::problem::ApiError;
use crate::services::NotFound;
use crate::views::Versioned;

/// A resource whose unsupported methods get 405 with the `Allow` header listing the ones it has.
fn resource(path: &str, allow: &'static str) -> Resource {
    web::resource(path).default_service(web::to(move || async move {
        HttpResponse::MethodNotAllowed().insert_header((header::ALLOW, allow)).finish()
    }))
}

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
}

/// A versioned view as the body, its version as the `ETag`.
fn with_etag<T: Serialize>(mut response: HttpResponseBuilder, versioned: &Versioned<T>) -> HttpResponse {
    response.insert_header((header::ETAG, etag(versioned.version))).json(&versioned.view)
}

impl From<NotFound> for ApiError {
    fn from(missing: NotFound) -> Self {
        ApiError::not_found(missing.0)
    }
}
