//! A route resource as this API builds it: unsupported methods answer 405 with `Allow`.

use actix_web::http::header;
use actix_web::{web, HttpResponse, Resource};

/// A resource whose unsupported methods get 405 with the `Allow` header listing the ones it has.
pub fn resource(path: &str, allow: &'static str) -> Resource {
    web::resource(path).default_service(web::to(move || async move {
        HttpResponse::MethodNotAllowed().insert_header((header::ALLOW, allow)).finish()
    }))
}
