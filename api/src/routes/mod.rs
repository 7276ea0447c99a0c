//! The route table: every route of the API in one place. Handlers live in one file per
//! resource; each is also listed in `openapi.rs`.

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
use actix_web::{web, HttpResponse, Resource};

/// A resource whose unsupported methods get 405 with the `Allow` header listing the ones it has.
fn resource(path: &str, allow: &'static str) -> Resource {
    web::resource(path).default_service(web::to(move || async move {
        HttpResponse::MethodNotAllowed().insert_header((header::ALLOW, allow)).finish()
    }))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/healthz", "GET").route(web::get().to(health::healthz)))
        .service(resource("/readyz", "GET").route(web::get().to(health::readyz)))
        .service(resource("/metrics", "GET").route(web::get().to(health::metrics)))
        .service(resource("/.well-known/jwks.json", "GET").route(web::get().to(auth::jwks)))
        .service(resource("/v1/auth/token", "POST").route(web::post().to(auth::issue_token)))
        .service(resource("/v1/me", "GET").route(web::get().to(me::get_me)))
        .service(resource("/v1/me/password", "POST").route(web::post().to(me::change_my_password)))
        .service(
            resource("/v1/me/preferences", "GET, PUT")
                .route(web::get().to(me::get_my_preferences))
                .route(web::put().to(me::put_my_preferences)),
        )
        .service(
            resource("/v1/tenants", "GET, POST")
                .route(web::get().to(tenants::list_tenants))
                .route(web::post().to(tenants::create_tenant)),
        )
        .service(
            resource("/v1/tenants/{tid}", "GET, PATCH")
                .route(web::get().to(tenants::get_tenant))
                .route(web::patch().to(tenants::update_tenant)),
        )
        .service(
            resource("/v1/tenants/{tid}/users", "GET, POST")
                .route(web::get().to(users::list_users))
                .route(web::post().to(users::create_user)),
        )
        .service(
            resource("/v1/tenants/{tid}/users/{uid}", "GET, PATCH, DELETE")
                .route(web::get().to(users::get_user))
                .route(web::patch().to(users::update_user))
                .route(web::delete().to(users::delete_user)),
        )
        .service(resource("/v1/tenants/{tid}/users/{uid}/roles", "PUT").route(web::put().to(users::set_user_roles)))
        .service(
            resource("/v1/tenants/{tid}/users/{uid}/password-reset", "POST")
                .route(web::post().to(users::reset_user_password)),
        )
        .service(resource("/v1/tenants/{tid}/audit-events", "GET").route(web::get().to(audit::list_audit_events)))
        .service(resource("/v1/plans", "GET").route(web::get().to(plans::list_plans)))
        .service(
            resource("/v1/tenants/{tid}/subscriptions", "GET, POST")
                .route(web::get().to(subscriptions::list_subscriptions))
                .route(web::post().to(subscriptions::create_subscription)),
        )
        .service(
            resource("/v1/tenants/{tid}/subscriptions/{sid}", "GET")
                .route(web::get().to(subscriptions::get_subscription)),
        )
        .service(
            resource("/v1/tenants/{tid}/subscriptions/{sid}/seats", "POST")
                .route(web::post().to(subscriptions::buy_seats)),
        )
        .service(
            resource("/v1/tenants/{tid}/subscriptions/{sid}/activation", "POST")
                .route(web::post().to(subscriptions::change_activation)),
        )
        .service(
            resource("/v1/tenants/{tid}/subscriptions/{sid}/suspend", "POST")
                .route(web::post().to(subscriptions::suspend_subscription)),
        )
        .service(
            resource("/v1/tenants/{tid}/subscriptions/{sid}/reactivate", "POST")
                .route(web::post().to(subscriptions::reactivate_subscription)),
        )
        .service(
            resource("/v1/tenants/{tid}/subscriptions/{sid}/terminate", "POST")
                .route(web::post().to(subscriptions::terminate_subscription)),
        )
        .service(
            resource("/v1/tenants/{tid}/subscriptions/{sid}/change-plan", "POST")
                .route(web::post().to(subscriptions::change_plan)),
        )
        .service(
            resource("/v1/tenants/{tid}/license-summary", "GET")
                .route(web::get().to(subscriptions::get_license_summary)),
        )
        .service(
            resource("/v1/tenants/{tid}/users/{uid}/licenses/{sid}", "PUT, DELETE")
                .route(web::put().to(licences::assign_license))
                .route(web::delete().to(licences::remove_license)),
        );
}
