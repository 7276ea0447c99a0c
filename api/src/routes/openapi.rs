//! The OpenAPI document, assembled from the route table and the handlers' annotations.
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
    components(schemas(crate::http::problem::Problem, crate::http::problem::ErrorCode, crate::http::problem::FieldError)),
    modifiers(&SecuritySchemes),
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

/// The document as served and as written to `openapi.yaml`: the route table's paths and the
/// schemas they use, then the errors every operation can give.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut document = ApiDoc::openapi();
    let (paths, schemas) = routes::table().documentation();
    document.paths.merge(paths);
    let components = document.components.get_or_insert_with(Default::default);
    for (name, schema) in schemas {
        components.schemas.entry(name).or_insert(schema);
    }
    StandardErrors.modify(&mut document);
    document
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
const STANDARD: [(&str, &str, &str); 10] = [
    ("400", "BadRequest", "The request does not match the documented schema (`malformed_body`, `invalid_body`, `invalid_query`, `invalid_path`, `invalid_header`)"),
    ("401", "Unauthorized", "No token, or an invalid or expired one"),
    ("403", "Forbidden", "Your roles do not allow this (`forbidden`), or you must change your temporary password first (`password_change_required`)"),
    ("404", "NotFound", "No such resource, or one you may not know of"),
    ("413", "PayloadTooLarge", "The body is larger than this API accepts"),
    ("415", "UnsupportedMediaType", "The body must be application/json"),
    ("422", "Unprocessable", "The request matches the schema but a value breaks a rule (`validation_failed` with `errors`, `invalid_cursor`, or a code of the operation)"),
    ("500", "InternalError", "An unexpected error; it was logged with the request id"),
    ("503", "Busy", "The database is saturated, or was briefly away (a restart); retry after `Retry-After` seconds"),
    ("507", "InsufficientStorage", "The database's storage is full (`insufficient_storage`): nothing was changed; try again once space is freed"),
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
        "507" => (
            "Insufficient Storage",
            "insufficient_storage",
            "the service cannot store anything at the moment: nothing was changed; try again later",
        ),
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
            // A full disk fails writes, and reads that sort on disk too.
            "507" => !is_probe,
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
