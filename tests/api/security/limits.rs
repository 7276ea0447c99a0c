//! Caps and rates per owner: named when reached, and 429 with the wait.

use serde_json::json;
use tenantry_tests::client::Call;
use tenantry_tests::partners::partner_with_admin;
use tenantry_tests::people::tenant_with_admin;
use tenantry_tests::{Backend, TestApp};

pub(super) fn caps_per_owner_are_named_when_reached(backend: Backend) {
    let app = TestApp::spawn(backend);
    let tenant = tenant_with_admin(&app, "capped");
    let partner = partner_with_admin(&app, "capping");
    let limit_reached = |reply: &tenantry_tests::Reply, name: &str, max: i64| {
        reply.assert_problem(409, "limit_reached");
        assert_eq!(reply.json()["context"]["limit"], name, "{}", reply.text);
        assert_eq!(reply.json()["context"]["max"], max, "{}", reply.text);
    };
    // Webhook endpoints per tenant: every event goes to each.
    let hooks = format!("/v1/tenants/{}/webhooks", tenant.id);
    for n in 0..10 {
        let body = json!({"url": format!("http://127.0.0.1:9/hook/{n}"), "events": ["licence.assigned"]});
        app.client.post(&hooks, &tenant.global_admin.token, &body).assert_status(201);
    }
    let body = json!({"url": "http://127.0.0.1:9/hook/11", "events": ["licence.assigned"]});
    limit_reached(&app.client.post(&hooks, &tenant.global_admin.token, &body), "webhook_endpoints_per_owner", 10);
    let listed = app.client.get(&format!("{hooks}?limit=200"), &tenant.global_admin.token).json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 10, "nothing was added");
    // API clients per partner: a disabled one frees its place.
    let clients = format!("/v1/partners/{}/api-clients", partner.id);
    let mut first = String::new();
    for n in 0..25 {
        let reply = app.client.post(&clients, &partner.admin.token, &json!({"name": format!("client {n}")}));
        reply.assert_status(201);
        if n == 0 {
            first = reply.json()["client"]["id"].as_str().unwrap().to_owned();
        }
    }
    limit_reached(
        &app.client.post(&clients, &partner.admin.token, &json!({"name": "one more"})),
        "api_clients_per_partner",
        25,
    );
    app.client
        .send(Call::new("POST", &format!("{clients}/{first}/disable")).token(&partner.admin.token))
        .assert_status(200);
    app.client.post(&clients, &partner.admin.token, &json!({"name": "in its place"})).assert_status(201);
    // Open offers per partner.
    let offers = format!("/v1/partners/{}/admin-offers", partner.id);
    for _ in 0..100 {
        app.client.post(&offers, &partner.admin.token, &json!({"access": "limited"})).assert_status(201);
    }
    limit_reached(
        &app.client.post(&offers, &partner.admin.token, &json!({"access": "limited"})),
        "open_offers_per_partner",
        100,
    );
    // Domains per tenant.
    let domains = format!("/v1/tenants/{}/domains", tenant.id);
    for n in 0..250 {
        app.client
            .post(&domains, &tenant.global_admin.token, &json!({"name": format!("d{n}.capped.example")}))
            .assert_status(201);
    }
    limit_reached(
        &app.client.post(&domains, &tenant.global_admin.token, &json!({"name": "one-more.capped.example"})),
        "domains_per_tenant",
        250,
    );
}

pub(super) fn rates_per_owner_answer_429_with_the_wait(backend: Backend) {
    let app = TestApp::spawn(backend);
    let tenant = tenant_with_admin(&app, "busy");
    let token = &tenant.global_admin.token;
    let rate_limited = |reply: &tenantry_tests::Reply, name: &str| {
        reply.assert_problem(429, "rate_limited");
        assert_eq!(reply.json()["context"]["limit"], name, "{}", reply.text);
        let wait: u64 = reply.header("retry-after").expect("Retry-After").parse().unwrap();
        assert!(wait >= 1, "{wait}");
    };
    // Service requests per tenant.
    let contact = tenantry_tests::support::ContactCard::office_hours("Ada", "ada@example.com");
    for n in 0..20 {
        let body = tenantry_tests::support::incident(&format!("Slow mail {n}"), "C", "mail", &contact);
        tenantry_tests::support::open(&app, token, &tenant.id, &body);
    }
    let body = tenantry_tests::support::incident("One too many", "C", "mail", &contact);
    rate_limited(&tenantry_tests::support::open_reply(&app, token, &tenant.id, &body), "service_requests_per_tenant");
    // Feedback per person.
    for _ in 0..10 {
        app.client.post("/v1/feedback", token, &json!({"screen": "home", "message": "Fine."})).assert_status(201);
    }
    rate_limited(
        &app.client.post("/v1/feedback", token, &json!({"screen": "home", "message": "Again."})),
        "feedback_per_person",
    );
    // DNS checks and verifications per tenant.
    let domain = "checked.example";
    app.client.post(&format!("/v1/tenants/{}/domains", tenant.id), token, &json!({"name": domain})).assert_status(201);
    let check = format!("/v1/tenants/{}/domains/{domain}/dns-check", tenant.id);
    for _ in 0..20 {
        app.client.get(&check, token).assert_status(200);
    }
    rate_limited(&app.client.get(&check, token), "dns_lookups_per_tenant");
    let verify = format!("/v1/tenants/{}/domains/{domain}/verify", tenant.id);
    rate_limited(&app.client.send(Call::new("POST", &verify).token(token)), "dns_lookups_per_tenant");
}
