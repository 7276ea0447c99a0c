//! The published contract and the console: `openapi.yaml` is what the server serves, Swagger
//! UI is served from the binary, CORS follows the configuration.

use std::collections::BTreeSet;

use serde_json::Value;
use tenantry_tests::app::Storage;
use tenantry_tests::client::Call;
use tenantry_tests::{Backend, TestApp};

use crate::Case;

pub fn cases() -> Vec<Case> {
    cases![
        the_served_document_is_openapi_yaml,
        every_served_route_is_documented_and_every_documented_one_served,
        swagger_ui_is_served_from_the_binary,
        cors_allows_configured_origins_only,
        health_readiness_and_metrics_answer,
    ]
}

fn the_served_document_is_openapi_yaml(backend: Backend) {
    let app = TestApp::spawn(backend);
    let served: Value = app.client.send(Call::new("GET", "/api-docs/openapi.json")).json();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.yaml");
    let text = std::fs::read_to_string(path).expect("openapi.yaml at the workspace root");
    let file: Value = serde_norway::from_str(&text).expect("openapi.yaml is YAML");
    assert!(
        served == file,
        "openapi.yaml is stale: regenerate it with `cargo run -p tenantry-api --bin tenantry -- openapi > openapi.yaml`"
    );
    assert_eq!(served["openapi"], "3.1.0");
    // Every operation documents its errors as problems, with an example on every schema.
    for (path, item) in served["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            assert!(operation["operationId"].is_string(), "{method} {path} has no operationId");
            assert!(
                operation["responses"]["500"].is_object()
                    || path.starts_with("/healthz")
                    || path == "/metrics"
                    || path.starts_with("/.well-known"),
                "{method} {path} does not document 500"
            );
        }
    }
}

/// The `(path, METHOD)` operations `openapi.yaml` documents.
fn documented_operations() -> BTreeSet<(String, String)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.yaml");
    let text = std::fs::read_to_string(path).expect("openapi.yaml at the workspace root");
    let file: Value = serde_norway::from_str(&text).expect("openapi.yaml is YAML");
    let mut operations = BTreeSet::new();
    for (path, item) in file["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            operations.insert((path.clone(), method.to_uppercase()));
        }
    }
    operations
}

/// What actix serves (every resource the application registered, with its methods) against
/// what the contract documents, both ways; then each served pair is called, and none may answer
/// 405: the methods a resource declares are the ones it routes.
fn every_served_route_is_documented_and_every_documented_one_served(backend: Backend) {
    let app = TestApp::spawn(backend);
    // Workers build their routes when they start: one answered request means one has.
    app.client.send(Call::new("GET", "/healthz")).assert_status(200);
    let served: BTreeSet<(String, String)> = tenantry_api::routes::resource::served().into_iter().collect();
    let documented = documented_operations();
    assert!(served.len() > 100, "the application registered its routes: {}", served.len());
    let undocumented: Vec<_> = served.difference(&documented).collect();
    assert!(undocumented.is_empty(), "served but not in openapi.yaml: {undocumented:#?}");
    let unserved: Vec<_> = documented.difference(&served).collect();
    assert!(unserved.is_empty(), "in openapi.yaml but not served: {unserved:#?}");
    for (path, method) in &served {
        let concrete: String = path
            .split('/')
            .map(|segment| if segment.starts_with('{') { "0" } else { segment })
            .collect::<Vec<_>>()
            .join("/");
        let reply = app.client.send(Call::new(method, &concrete));
        assert_ne!(reply.status, 405, "{method} {path} is declared but not routed: {reply:?}");
    }
}

fn swagger_ui_is_served_from_the_binary(backend: Backend) {
    let app = TestApp::spawn(backend);
    let page = app.client.send(Call::new("GET", "/swagger-ui/"));
    page.assert_status(200);
    assert!(page.text.contains("swagger-ui"), "{}", page.text);
    for asset in ["swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-initializer.js"]
    {
        let reply = app.client.send(Call::new("GET", &format!("/swagger-ui/{asset}")));
        reply.assert_status(200);
        assert!(!reply.text.is_empty());
    }
    let initializer = app.client.send(Call::new("GET", "/swagger-ui/swagger-initializer.js"));
    assert!(initializer.text.contains("/api-docs/openapi.json"), "{}", initializer.text);
    let document = app.client.send(Call::new("GET", "/api-docs/openapi.json")).json();
    let schemes = &document["components"]["securitySchemes"];
    assert_eq!(schemes["oauth2"]["flows"]["password"]["tokenUrl"], "/v1/auth/token");
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
}

fn cors_allows_configured_origins_only(backend: Backend) {
    let app = TestApp::spawn_on(Storage::new(backend), &[("TENANTRY_CORS_ORIGINS", "https://portal.example")]);
    let preflight = |origin: &str| {
        app.client.send(
            Call::new("OPTIONS", "/v1/me")
                .header("origin", origin)
                .header("access-control-request-method", "PATCH")
                .header("access-control-request-headers", "authorization, if-match, idempotency-key"),
        )
    };
    let allowed = preflight("https://portal.example");
    allowed.assert_status(200);
    assert_eq!(allowed.header("access-control-allow-origin").as_deref(), Some("https://portal.example"));
    let headers = allowed.header("access-control-allow-headers").unwrap_or_default().to_lowercase();
    assert!(
        headers.contains("authorization") && headers.contains("if-match") && headers.contains("idempotency-key"),
        "{headers}"
    );
    let denied = preflight("https://evil.example");
    assert!(denied.header("access-control-allow-origin").is_none(), "{denied:?}");
    // Refused like any other bad request: problem+json, not actix-cors's plain text.
    denied.assert_problem(400, "invalid_header");
    assert!(denied.json()["detail"].as_str().unwrap_or_default().contains("Origin"), "{denied:?}");
    let simple = app.client.send(Call::new("GET", "/healthz").header("origin", "https://portal.example"));
    let exposed = simple.header("access-control-expose-headers").unwrap_or_default().to_lowercase();
    assert!(exposed.contains("etag") && exposed.contains("location"), "{exposed}");
}

fn health_readiness_and_metrics_answer(backend: Backend) {
    let app = TestApp::spawn(backend);
    let health = app.client.send(Call::new("GET", "/healthz"));
    health.assert_status(200);
    assert!(health.header("x-request-id").is_some());
    let ready = app.client.send(Call::new("GET", "/readyz")).json();
    assert_eq!(ready["database"], backend.name());
    app.client.send(Call::new("GET", "/v1/me")).assert_status(401);
    let metrics = app.client.send(Call::new("GET", "/metrics"));
    metrics.assert_status(200);
    assert!(
        metrics.text.contains("tenantry_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1"),
        "{}",
        metrics.text
    );
    assert!(metrics.text.contains("route=\"/v1/me\",status=\"401\""));
    assert!(metrics.text.contains("tenantry_outbox_pending"));
    // Latency as a histogram per route, for percentiles on a dashboard.
    assert!(
        metrics.text.contains("tenantry_http_request_duration_seconds_count{method=\"GET\",route=\"/healthz\"} 1"),
        "{}",
        metrics.text
    );
    assert!(metrics
        .text
        .contains("tenantry_http_request_duration_seconds_bucket{method=\"GET\",route=\"/healthz\",le=\"10\"} 1"));
    let statements = metrics
        .text
        .lines()
        .find_map(|line| line.strip_prefix("tenantry_db_queries_total "))
        .and_then(|value| value.parse::<u64>().ok());
    assert!(statements.is_some_and(|n| n > 0), "the statements sent are counted: {}", metrics.text);
}
