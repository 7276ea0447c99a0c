//! Subscriptions (licence pools): orders, seats, activation, suspension, termination, plan
//! changes and the tenant's licence summary.

pub mod paths;
pub mod plan_change;
pub mod pools;
pub mod problems;
pub mod requests;
pub mod summary;

use actix_web::web;

use crate::routes::resource::resource;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/v1/tenants/{tid}/subscriptions", "GET, POST")
            .route(web::get().to(pools::list_subscriptions))
            .route(web::post().to(pools::create_subscription)),
    )
    .service(resource("/v1/tenants/{tid}/subscriptions/{sid}", "GET").route(web::get().to(pools::get_subscription)))
    .service(resource("/v1/tenants/{tid}/subscriptions/{sid}/seats", "POST").route(web::post().to(pools::buy_seats)))
    .service(
        resource("/v1/tenants/{tid}/subscriptions/{sid}/activation", "POST")
            .route(web::post().to(pools::change_activation)),
    )
    .service(
        resource("/v1/tenants/{tid}/subscriptions/{sid}/suspend", "POST")
            .route(web::post().to(pools::suspend_subscription)),
    )
    .service(
        resource("/v1/tenants/{tid}/subscriptions/{sid}/reactivate", "POST")
            .route(web::post().to(pools::reactivate_subscription)),
    )
    .service(
        resource("/v1/tenants/{tid}/subscriptions/{sid}/terminate", "POST")
            .route(web::post().to(pools::terminate_subscription)),
    )
    .service(
        resource("/v1/tenants/{tid}/subscriptions/{sid}/change-plan", "POST")
            .route(web::post().to(plan_change::change_plan)),
    )
    .service(resource("/v1/tenants/{tid}/license-summary", "GET").route(web::get().to(summary::get_license_summary)));
}
