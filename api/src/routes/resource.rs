//! A route resource as this API builds it: unsupported methods answer 405 with `Allow`, and
//! every resource made is recorded, so that a test can compare what is served with what
//! `openapi.yaml` documents, both ways.

use std::collections::BTreeSet;
use std::sync::{Mutex, PoisonError};

use actix_web::http::header;
use actix_web::{web, HttpResponse, Resource};

/// Every `(path, method)` registered in this process so far.
static SERVED: Mutex<BTreeSet<(String, String)>> = Mutex::new(BTreeSet::new());

/// A resource whose unsupported methods get 405 with the `Allow` header listing the ones it has.
pub fn resource(path: &str, allow: String) -> Resource {
    let mut served = SERVED.lock().unwrap_or_else(PoisonError::into_inner);
    for method in allow.split(',').map(str::trim).filter(|method| !method.is_empty()) {
        served.insert((path.to_owned(), method.to_owned()));
    }
    web::resource(path).default_service(web::to(move || {
        let allow = allow.clone();
        async move { HttpResponse::MethodNotAllowed().insert_header((header::ALLOW, allow)).finish() }
    }))
}

/// The `(path, method)` pairs served, as registered: filled once an application has been built.
pub fn served() -> Vec<(String, String)> {
    SERVED.lock().unwrap_or_else(PoisonError::into_inner).iter().cloned().collect()
}
