//! The OpenAPI document, assembled from the handlers' annotations.
//!
//! Every operation lists its own success and business-rule responses; the errors every route
//! can give (bad input, no token, not allowed, not found, too large, wrong content type, internal
//! error) are added here once, by looking at what each operation takes, so none is forgotten.

use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::security::{
    ClientCredentials, Flow, HttpAuthScheme, HttpBuilder, OAuth2, Password, Scopes, SecurityScheme,
};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response};
use utoipa::{Modify, OpenApi};

use crate::routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tenantry API",
        description = "The REST/JSON API of a cloud-services reseller and partner portal: tenants, \
            users and administrators, licences, domains, support, and partners' delegated administration.\n\n\
            Sign in with `POST /v1/auth/token` (or the Authorize button: OAuth2 password flow) and send \
            `Authorization: Bearer <token>`. Errors are RFC 9457 `application/problem+json` with a stable `code`. \
            Lists are cursor-paginated (`limit`, `cursor`, `next_cursor`).",
        contact(name = "Tenantry engineering", email = "engineering@tenantry.test"),
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    servers((url = "/", description = "The server that serves this document")),
    paths(
        routes::health::healthz,
        routes::health::readyz,
        routes::health::metrics,
        routes::auth::jwks,
        routes::auth::issue_token,
        routes::me::get_me,
        routes::me::change_my_password,
        routes::me::get_my_preferences,
        routes::me::put_my_preferences,
        routes::tenants::list_tenants,
        routes::tenants::create_tenant,
        routes::tenants::get_tenant,
        routes::tenants::update_tenant,
        routes::users::list_users,
        routes::users::create_user,
        routes::users::get_user,
        routes::users::update_user,
        routes::users::delete_user,
        routes::users::set_user_roles,
        routes::users::reset_user_password,
        routes::audit::list_audit_events,
        routes::plans::list_plans,
        routes::subscriptions::pools::list_subscriptions,
        routes::subscriptions::pools::create_subscription,
        routes::subscriptions::pools::get_subscription,
        routes::subscriptions::pools::buy_seats,
        routes::subscriptions::pools::change_activation,
        routes::subscriptions::pools::suspend_subscription,
        routes::subscriptions::pools::reactivate_subscription,
        routes::subscriptions::pools::terminate_subscription,
        routes::subscriptions::plan_change::change_plan,
        routes::subscriptions::summary::get_license_summary,
        routes::licences::assign_license,
        routes::licences::remove_license,
        routes::me::list_recent_users,
        routes::me::flag_customer,
        routes::me::unflag_customer,
        routes::partners::create_partner,
        routes::partners::list_partners,
        routes::partners::get_partner,
        routes::partners::create_partner_person,
        routes::partners::list_partner_people,
        routes::partners::get_partner_person,
        routes::partners::offers::create_offer,
        routes::partners::offers::list_offers,
        routes::partners::offers::get_offer,
        routes::partners::offers::revoke_offer,
        routes::partners::access::set_agent_access,
        routes::partners::access::set_client_access,
        routes::partners::api_clients::create_client,
        routes::partners::api_clients::list_clients,
        routes::partners::api_clients::get_client,
        routes::partners::api_clients::rotate_secret,
        routes::partners::api_clients::disable_client,
        routes::partners::customers::list_customers,
        routes::relationships::preview_offer,
        routes::relationships::accept_offer,
        routes::relationships::list_relationships,
        routes::relationships::terminate_relationship,
        routes::relationships::list_left_behind,
        routes::partners::domains::list_partner_domains,
        routes::partners::domains::add_partner_domain,
        routes::partners::domains::verify_partner_domain,
        routes::partners::domains::remove_partner_domain,
        routes::relationships::disable_left_behind,
        routes::service_requests::open_request,
        routes::service_requests::list_requests,
        routes::service_requests::get_request,
        routes::service_requests::change_request,
        routes::service_requests::add_note,
        routes::service_requests::support_queue,
        routes::service_health::publish,
        routes::service_health::list_incidents,
        routes::service_health::get_incident,
        routes::service_health::update_incident,
        routes::service_health::tenant_health,
        routes::service_health::tenant_incidents,
        routes::service_health::tenant_incident,
        routes::service_health::partner_health,
        routes::message_centre::post,
        routes::message_centre::list_messages,
        routes::message_centre::tenant_messages,
        routes::message_centre::mark,
        routes::message_centre::send_feedback,
        routes::message_centre::list_feedback,
        routes::domains::list_domains,
        routes::domains::add_domain,
        routes::domains::get_domain,
        routes::domains::remove_domain,
        routes::domains::verify_domain,
        routes::domains::make_domain_default,
        routes::domains::check_domain_dns,
        routes::registrations::domain_availability,
        routes::registrations::register_domain,
        routes::registrations::list_domain_registrations,
        routes::registrations::get_domain_registration,
        routes::signups::sign_up,
        routes::signups::confirm_sign_up,
        routes::signups::start_takeover,
        routes::signups::get_takeover,
        routes::signups::verify_takeover,
        routes::signups::complete_takeover,
        routes::outbox::list_outbox,
        routes::outbox::retry_message,
        routes::signing_keys::rotate_signing_key,
        routes::webhooks::register_partner_webhook,
        routes::webhooks::list_partner_webhooks,
        routes::webhooks::remove_partner_webhook,
        routes::webhooks::partner_webhook_deliveries,
        routes::webhooks::register_tenant_webhook,
        routes::webhooks::list_tenant_webhooks,
        routes::webhooks::remove_tenant_webhook,
        routes::webhooks::tenant_webhook_deliveries,
    ),
    components(schemas(crate::http::problem::Problem, crate::http::problem::ErrorCode, crate::http::problem::FieldError)),
    modifiers(&SecuritySchemes, &StandardErrors),
    tags(
        (name = "auth", description = "Signing in and the keys that verify tokens"),
        (name = "me", description = "The signed-in person"),
        (name = "tenants", description = "Customer tenants (platform operators)"),
        (name = "users", description = "People in a tenant and their administrator roles"),
        (name = "subscriptions", description = "The plan catalogue, orders and licence pools"),
        (name = "licenses", description = "Licences given to people"),
        (name = "audit", description = "Who changed what"),
        (name = "support", description = "Service requests opened by a tenant's admins or partners and worked by support; service health, incidents and the message centre"),
        (name = "partners", description = "Partners, their people and API clients, delegated-admin offers and relationships, and the customers they act for"),
        (name = "domains", description = "Custom domains proven in DNS, the DNS check, buying domains, self-service sign-up and admin takeover"),
        (name = "operations", description = "Health, readiness and metrics"),
    )
)]
pub struct ApiDoc;

/// The document as served and as written to `openapi.yaml`.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("An access token from POST /v1/auth/token"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "oauth2",
            SecurityScheme::OAuth2(OAuth2::with_description(
                [
                    Flow::Password(Password::new("/v1/auth/token", Scopes::new())),
                    Flow::ClientCredentials(ClientCredentials::new("/v1/auth/token", Scopes::new())),
                ],
                "Sign in with your sign-in address and password, or as a partner API client with its id and secret",
            )),
        );
    }
}

struct StandardErrors;

/// (status, component name, description)
const STANDARD: [(&str, &str, &str); 9] = [
    ("400", "BadRequest", "The request does not match the documented schema (`malformed_body`, `invalid_body`, `invalid_query`, `invalid_path`, `invalid_header`)"),
    ("401", "Unauthorized", "No token, or an invalid or expired one"),
    ("403", "Forbidden", "Your roles do not allow this (`forbidden`), or you must change your temporary password first (`password_change_required`)"),
    ("404", "NotFound", "No such resource, or one you may not know of"),
    ("413", "PayloadTooLarge", "The body is larger than this API accepts"),
    ("415", "UnsupportedMediaType", "The body must be application/json"),
    ("422", "Unprocessable", "The request matches the schema but a value breaks a rule (`validation_failed` with `errors`, `invalid_cursor`, or a code of the operation)"),
    ("500", "InternalError", "An unexpected error; it was logged with the request id"),
    ("503", "Busy", "The database is saturated; retry after `Retry-After` seconds"),
];

/// An example problem for a standard error status, so that each error response shows its own.
fn problem_example(status: &str) -> serde_json::Value {
    let (title, code, detail) = match status {
        "400" => ("Bad Request", "invalid_body", "the body does not match the documented schema"),
        "401" => ("Unauthorized", "invalid_token", "the token is invalid: ExpiredSignature"),
        "403" => ("Forbidden", "forbidden", "your roles do not allow this (ManageUsers)"),
        "404" => ("Not Found", "not_found", "user not found"),
        "413" => ("Payload Too Large", "payload_too_large", "the request body is larger than this API accepts"),
        "415" => ("Unsupported Media Type", "unsupported_media_type", "send the body as application/json"),
        "422" => ("Unprocessable Entity", "validation_failed", "the request has invalid fields"),
        "503" => ("Service Unavailable", "service_unavailable", "the service is busy; retry in a moment"),
        _ => ("Internal Server Error", "internal_error", "an unexpected error occurred; it has been logged"),
    };
    let mut example = serde_json::json!({
        "type": format!("urn:tenantry:problem:{code}"), "title": title, "status": status.parse::<u16>().unwrap_or(500),
        "detail": detail, "code": code,
    });
    if status == "422" {
        example["errors"] = serde_json::json!([{"field": "contact_email", "message": "an email address looks like `name@example.com`"}]);
    }
    example
}

fn problem_response(status: &str, description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            crate::http::problem::PROBLEM_JSON,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .example(Some(problem_example(status)))
                .build(),
        )
        .build()
}

impl Modify for StandardErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        for (status, name, description) in STANDARD {
            components.responses.insert(name.to_owned(), RefOr::T(problem_response(status, description)));
        }
        for (path, item) in openapi.paths.paths.iter_mut() {
            let operations = [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch];
            for operation in operations.into_iter().flatten() {
                add_standard_errors(path, operation);
            }
        }
    }
}

fn add_standard_errors(path: &str, operation: &mut Operation) {
    let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
    let has_body = operation.request_body.is_some();
    let parameters = operation.parameters.as_deref().unwrap_or_default();
    let has_path = parameters.iter().any(|p| p.parameter_in == ParameterIn::Path);
    let has_input =
        has_body || parameters.iter().any(|p| matches!(p.parameter_in, ParameterIn::Query | ParameterIn::Header));
    let is_probe = matches!(path, "/healthz" | "/readyz" | "/metrics" | "/.well-known/jwks.json");
    for (status, name, _) in STANDARD {
        let applies = match status {
            "400" => has_input || has_path,
            "401" | "403" => secured,
            "404" => has_path,
            "413" | "415" => has_body,
            "422" => has_input,
            "500" | "503" => !is_probe || path == "/readyz",
            _ => false,
        };
        if applies {
            operation
                .responses
                .responses
                .entry(status.to_owned())
                .or_insert_with(|| RefOr::Ref(Ref::new(format!("#/components/responses/{name}"))));
        }
    }
}
