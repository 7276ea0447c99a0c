//! Feedback, kept with who sent it and from where.

use serde_json::{json, Value};
use tenantry_tests::health;
use tenantry_tests::partners;
use tenantry_tests::people;
use tenantry_tests::{Backend, TestApp};

use super::id_of;

/// Feedback from a tenant's admin, a partner person and an API client, kept with its context.
pub(super) fn feedback_is_kept_with_who_sent_it_and_from_where(backend: Backend) {
    let app = TestApp::spawn(backend);
    let operator = app.operator_token();
    let tenant = people::tenant_with_admin(&app, "opinions");
    let partner = partners::partner_with_admin(&app, "robots");
    let client = partners::create_client(&app, &partner, "Health robot");
    let client_token = partners::client_token(&app, &client);

    let reply = app.client.post(
        "/v1/feedback",
        &tenant.global_admin.token,
        &json!({"screen": "service-health", "message": "The colours help.", "rating": 4}),
    );
    reply.assert_status(201);
    let from_admin = reply.json();
    let reply =
        app.client.post("/v1/feedback", &client_token, &json!({"screen": "customers", "message": "Fast enough."}));
    reply.assert_status(201);
    let from_client = reply.json();
    let reply = app.client.post(
        "/v1/feedback",
        &partner.admin.token,
        &json!({"screen": "partner-roll-up", "message": "Worst first is right.", "rating": 5}),
    );
    reply.assert_status(201);
    let from_partner = reply.json();

    // Ratings are 1 to 5; nothing refused is kept.
    for rating in [json!(6), json!(0)] {
        let reply = app.client.post(
            "/v1/feedback",
            &tenant.global_admin.token,
            &json!({"screen": "service-health", "message": "Out of range.", "rating": rating}),
        );
        health::assert_field(&reply, "rating");
    }
    health::assert_field(
        &app.client.post("/v1/feedback", &client_token, &json!({"screen": "", "message": "No screen."})),
        "screen",
    );

    // Only operators list it.
    for token in [&tenant.global_admin.token, &tenant.cloud_manager.token, &partner.admin.token, &client_token] {
        app.client.get("/v1/feedback", token).assert_problem(403, "forbidden");
    }
    let reply = app.client.get("/v1/feedback", &operator);
    reply.assert_status(200);
    let items = reply.json()["items"].as_array().unwrap().clone();
    assert_eq!(health::ids(&items), [id_of(&from_partner), id_of(&from_client), id_of(&from_admin)], "{items:?}");
    let context = |item: &Value| {
        (
            item["author_id"].clone(),
            item["author_name"].clone(),
            item["tenant_id"].clone(),
            item["partner_id"].clone(),
            item["screen"].clone(),
            item["message"].clone(),
            item["rating"].clone(),
        )
    };
    assert_eq!(
        context(&items[2]),
        (
            json!(tenant.global_admin.id),
            json!("Admin of opinions"),
            json!(tenant.id),
            Value::Null,
            json!("service-health"),
            json!("The colours help."),
            json!(4)
        ),
        "{}",
        items[2]
    );
    assert_eq!(
        context(&items[1]),
        (
            json!(client.id),
            json!("Health robot"),
            Value::Null,
            json!(partner.id),
            json!("customers"),
            json!("Fast enough."),
            Value::Null
        ),
        "{}",
        items[1]
    );
    assert_eq!(
        context(&items[0]),
        (
            json!(partner.admin.id),
            json!(partner.admin.display_name),
            Value::Null,
            json!(partner.id),
            json!("partner-roll-up"),
            json!("Worst first is right."),
            json!(5)
        ),
        "{}",
        items[0]
    );
    for (item, sent) in items.iter().zip([&from_partner, &from_client, &from_admin]) {
        assert_eq!(item, sent, "what was kept is what the sender was told");
        assert!(item["created_at"].is_string(), "{item}");
    }
}
