//! Webhooks for integrations: a receiver on loopback (allowed by the test flag) gets a signed
//! `licence.assigned` within seconds, verifies it with the shared secret, and gets it again after
//! answering 500 once; the delivery log says so; `pool.low` fires once the pool runs low; an
//! endpoint on 127.0.0.1 without the flag, or over plain http, is refused with problem+json.

use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use tenantry_tests::app::Storage;
use tenantry_tests::people;
use tenantry_tests::pools::{active_subscription, assign, quick_member};
use tenantry_tests::webhook_receiver::{Hook, WebhookReceiver};
use tenantry_tests::{Backend, TestApp};

use crate::Case;

pub fn cases() -> Vec<Case> {
    cases![
        a_signed_license_assigned_arrives_and_is_retried_after_a_500,
        private_and_plain_http_endpoints_are_refused_without_the_flag,
        an_endpoint_failing_for_three_days_is_disabled_and_its_owners_told,
        events_reach_only_the_tenant_and_the_partners_they_concern,
        an_endpoint_is_read_and_changed_without_a_new_secret,
    ]
}

fn app_allowing_private(backend: Backend) -> TestApp {
    TestApp::spawn_on(
        Storage::new(backend),
        &[("TENANTRY_WEBHOOKS_ALLOW_PRIVATE", "true"), ("TENANTRY_WEBHOOK_RETRY_FIRST_MS", "100")],
    )
}

/// Verifies a delivery as a receiver would, with the secret alone (Standard Webhooks).
fn verify(hook: &Hook, secret: &str) -> bool {
    let (Some(id), Some(timestamp), Some(signature)) =
        (hook.headers.get("webhook-id"), hook.headers.get("webhook-timestamp"), hook.headers.get("webhook-signature"))
    else {
        return false;
    };
    let key = STANDARD.decode(secret.trim_start_matches("whsec_")).unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{timestamp}.{}", hook.body).as_bytes());
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    signature.split(' ').any(|candidate| candidate == expected)
}

fn a_signed_license_assigned_arrives_and_is_retried_after_a_500(backend: Backend) {
    let receiver = WebhookReceiver::start(&[500]);
    let app = app_allowing_private(backend);
    let tenant = people::tenant_with_admin(&app, "hooked");
    let token = &tenant.global_admin.token;
    let registered = app.client.post(
        &format!("/v1/tenants/{}/webhooks", tenant.id),
        token,
        &json!({"url": receiver.url("/tenantry"), "events": ["licence.assigned", "pool.low"], "pool_low_below": 2}),
    );
    registered.assert_status(201);
    let endpoint = registered.json();
    let secret = endpoint["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    let listed = app.client.get(&format!("/v1/tenants/{}/webhooks", tenant.id), token).json();
    assert!(listed["items"][0].get("secret").is_none(), "the secret is shown once: {listed}");

    let pool = active_subscription(&app, &tenant, "enterprise_e3", 3);
    let sid = pool["id"].as_str().unwrap().to_owned();
    let person = quick_member(&app, &tenant, "hooked-person");
    assign(&app, &tenant, &person, &sid).assert_status(201);

    // Answered 500 the first time, then delivered again: the same event, signed.
    let hooks = receiver.wait_for(2, Duration::from_secs(10));
    let (first, second) = (&hooks[0], &hooks[1]);
    assert_eq!((first.answered, second.answered), (500, 200));
    assert_eq!(first.headers.get("webhook-id"), second.headers.get("webhook-id"), "a retry is the same event");
    let agent = first.headers.get("user-agent").cloned().unwrap_or_default();
    assert!(agent.starts_with("Tenantry-Webhooks/"), "the caller names itself: {agent}");
    for hook in [first, second] {
        assert!(verify(hook, &secret), "the signature verifies with the shared secret: {hook:?}");
        assert!(!verify(hook, "whsec_c29tZSBvdGhlciBzZWNyZXQ="), "and not with another");
    }
    let event: Value = serde_json::from_str(&second.body).unwrap();
    assert_eq!(event["type"], "licence.assigned");
    assert_eq!(event["data"]["tenant_id"], tenant.id.as_str());
    assert_eq!(event["data"]["target_id"], person.as_str());
    assert_eq!(event["data"]["details"]["subscription_id"], sid.as_str());

    // The log shows the delivery and its two attempts.
    let id = endpoint["id"].as_str().unwrap();
    // The receiver has answered; the worker records the outcome just after: wait for it.
    let log_path = format!("/v1/tenants/{}/webhooks/{id}/deliveries", tenant.id);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let mut log = app.client.get(&log_path, token).json();
    while log["items"][0]["status"] != "delivered" && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
        log = app.client.get(&log_path, token).json();
    }
    let delivered = &log["items"][0];
    assert_eq!(
        (delivered["event_type"].as_str(), delivered["status"].as_str()),
        (Some("licence.assigned"), Some("delivered"))
    );
    assert_eq!(delivered["attempts"], 2);

    // Two seats free of three, then one: below 2, `pool.low` fires once.
    let other = quick_member(&app, &tenant, "hooked-other");
    assign(&app, &tenant, &other, &sid).assert_status(201);
    let hooks = receiver.wait_for(4, Duration::from_secs(10));
    let types: Vec<String> = hooks[2..]
        .iter()
        .map(|hook| serde_json::from_str::<Value>(&hook.body).unwrap()["type"].as_str().unwrap().to_owned())
        .collect();
    assert!(types.contains(&"pool.low".to_owned()) && types.contains(&"licence.assigned".to_owned()), "{types:?}");
    let all_types: Vec<String> = receiver
        .received()
        .iter()
        .filter(|hook| hook.answered == 200)
        .map(|hook| serde_json::from_str::<Value>(&hook.body).unwrap()["type"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(all_types.iter().filter(|t| *t == "pool.low").count(), 1, "pool.low once, on crossing: {all_types:?}");
    // Another tenant's admin does not see these endpoints.
    let stranger = people::tenant_with_admin(&app, "unhooked");
    app.client
        .get(&format!("/v1/tenants/{}/webhooks", tenant.id), &stranger.global_admin.token)
        .assert_problem(404, "not_found");
}

fn private_and_plain_http_endpoints_are_refused_without_the_flag(backend: Backend) {
    let app = TestApp::spawn_on(Storage::new(backend), &[("TENANTRY_WEBHOOKS_ALLOW_PRIVATE", "false")]);
    let tenant = people::tenant_with_admin(&app, "ssrf");
    let path = format!("/v1/tenants/{}/webhooks", tenant.id);
    let token = &tenant.global_admin.token;
    for url in [
        "https://127.0.0.1:8443/hook",
        "https://169.254.169.254/latest",
        "https://[::1]/hook",
        "http://hooks.example/hook",
        "not a url",
    ] {
        let refused = app.client.post(&path, token, &json!({"url": url, "events": ["licence.assigned"]}));
        refused.assert_problem(422, "validation_failed");
        assert_eq!(refused.json()["errors"][0]["field"], "url", "{url}");
    }
    let unknown =
        app.client.post(&path, token, &json!({"url": "https://hooks.example/x", "events": ["licence.stolen"]}));
    unknown.assert_problem(422, "validation_failed");
    assert_eq!(unknown.json()["errors"][0]["field"], "events[0]");
    assert_eq!(app.client.get(&path, token).json()["items"], json!([]), "nothing registered");
    // Only the global admin manages them.
    let manager = &tenant.cloud_manager.token;
    app.client.get(&path, manager).assert_problem(403, "forbidden");
}

fn an_endpoint_failing_for_three_days_is_disabled_and_its_owners_told(backend: Backend) {
    use diesel::prelude::*;
    use tenantry_persistence::schema::webhook_endpoints;

    let receiver = WebhookReceiver::start(&[500; 50]);
    let app = app_allowing_private(backend);
    let tenant = people::tenant_with_admin(&app, "broken-hook");
    let token = &tenant.global_admin.token;
    let path = format!("/v1/tenants/{}/webhooks", tenant.id);
    let registered =
        app.client.post(&path, token, &json!({"url": receiver.url("/down"), "events": ["licence.assigned"]}));
    let id = registered.json()["id"].as_str().unwrap().to_owned();
    // It has failed every delivery since four days ago.
    let mut conn = tenantry_tests::outbox::connect(&app.storage);
    let since = tenantry_persistence::time::to_db(chrono::Utc::now() - chrono::Duration::days(4));
    diesel::update(webhook_endpoints::table.find(&id))
        .set(webhook_endpoints::failing_since.eq(Some(since)))
        .execute(&mut conn)
        .unwrap();
    let pool = active_subscription(&app, &tenant, "enterprise_e3", 2);
    let person = quick_member(&app, &tenant, "broken-hook-person");
    assign(&app, &tenant, &person, pool["id"].as_str().unwrap()).assert_status(201);

    receiver.wait_for(1, Duration::from_secs(10));
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let listed = app.client.get(&path, token).json();
        if listed["items"][0]["disabled_at"].is_string() {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "never disabled: {listed}");
        std::thread::sleep(Duration::from_millis(50));
    }
    let told = tenantry_tests::mail::wait_for(&app.storage.mail_dir(), &tenant.global_admin.contact_email, 3);
    assert!(
        told.iter().any(|m| m.contains(&receiver.url("/down")) && m.contains("désactivé")),
        "the global admin is told"
    );
    // Disabled, it hears of nothing more.
    let heard = receiver.received().len();
    let other = quick_member(&app, &tenant, "broken-hook-other");
    assign(&app, &tenant, &other, pool["id"].as_str().unwrap()).assert_status(201);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(receiver.received().len(), heard);
}

/// The types of the events a receiver got, in order.
fn types_of(receiver: &WebhookReceiver) -> Vec<(String, String)> {
    receiver
        .received()
        .iter()
        .map(|hook| {
            let event: Value = serde_json::from_str(&hook.body).unwrap();
            (
                event["type"].as_str().unwrap().to_owned(),
                event["data"]["tenant_id"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn events_reach_only_the_tenant_and_the_partners_they_concern(backend: Backend) {
    use tenantry_tests::health::{incident_body, publish, Audience};
    use tenantry_tests::partners::{partner_with_admin, relationship};

    let app = app_allowing_private(backend);
    let customer = people::tenant_with_admin(&app, "routed-customer");
    let elsewhere = people::tenant_with_admin(&app, "routed-elsewhere");
    let ours = partner_with_admin(&app, "routed-ours");
    let rival = partner_with_admin(&app, "routed-rival");
    let (our_hooks, rival_hooks) = (WebhookReceiver::start(&[]), WebhookReceiver::start(&[]));
    let events = json!(["relationship.accepted", "relationship.ended", "incident.published"]);
    for (partner, receiver) in [(&ours, &our_hooks), (&rival, &rival_hooks)] {
        app.client
            .post(
                &format!("/v1/partners/{}/webhooks", partner.id),
                &partner.admin.token,
                &json!({"url": receiver.url("/p"), "events": events}),
            )
            .assert_status(201);
    }
    relationship(&app, &rival, &customer, "limited");
    rival_hooks.wait_for(1, Duration::from_secs(10));
    let accepted = relationship(&app, &ours, &customer, "full");
    our_hooks.wait_for(1, Duration::from_secs(10));

    // An incident of another tenant reaches neither; one of the customer reaches both, naming it.
    let operator = app.operator_token();
    publish(
        &app,
        &operator,
        &incident_body("incident", "Elsewhere down", "degraded", &["mail"], Audience::Tenants(&[&elsewhere.id])),
    );
    publish(
        &app,
        &operator,
        &incident_body("incident", "Customer down", "degraded", &["mail"], Audience::Tenants(&[&customer.id])),
    );
    our_hooks.wait_for(2, Duration::from_secs(10));
    rival_hooks.wait_for(2, Duration::from_secs(10));

    // Our relationship ends: we hear of it although it is over; the rival hears of nothing of ours.
    let rid = accepted["id"].as_str().unwrap();
    app.client
        .post(
            &format!("/v1/tenants/{}/partner-relationships/{rid}/terminate", customer.id),
            &customer.global_admin.token,
            &json!({}),
        )
        .assert_status(200);
    our_hooks.wait_for(3, Duration::from_secs(10));
    std::thread::sleep(Duration::from_millis(500));
    let c = customer.id.clone();
    assert_eq!(
        types_of(&our_hooks),
        vec![
            ("relationship.accepted".to_owned(), c.clone()),
            ("incident.published".to_owned(), c.clone()),
            ("relationship.ended".to_owned(), c.clone()),
        ]
    );
    assert_eq!(
        types_of(&rival_hooks),
        vec![("relationship.accepted".to_owned(), c.clone()), ("incident.published".to_owned(), c)],
        "the rival hears of its own relationship and the customer's incident only"
    );
}

/// An endpoint can be read and changed (events, threshold, on or off) without a new secret:
/// deliveries after the change still verify with the secret given at registration.
fn an_endpoint_is_read_and_changed_without_a_new_secret(backend: Backend) {
    let receiver = WebhookReceiver::start(&[]);
    let app = app_allowing_private(backend);
    let tenant = people::tenant_with_admin(&app, "changed-hook");
    let token = &tenant.global_admin.token;
    let base = format!("/v1/tenants/{}/webhooks", tenant.id);
    let registered = app.client.post(
        &base,
        token,
        &json!({"url": receiver.url("/hook"), "events": ["pool.low"], "pool_low_below": 2}),
    );
    registered.assert_status(201);
    let secret = registered.json()["secret"].as_str().unwrap().to_owned();
    let path = format!("{base}/{}", registered.json()["id"].as_str().unwrap());

    let read = app.client.get(&path, token);
    read.assert_status(200);
    assert_eq!(read.json()["events"], json!(["pool.low"]));
    assert!(read.json().get("secret").is_none(), "the secret is shown once: {}", read.json());

    // Refused changes change nothing.
    for bad in [
        json!({"events": ["licence.assigned", "licence.assigned"]}),
        json!({"events": []}),
        json!({"pool_low_below": 0}),
    ] {
        app.client.patch(&path, token, &bad).assert_problem(422, "validation_failed");
    }
    app.client.patch(&path, token, &json!({"url": "https://elsewhere.example/"})).assert_problem(400, "invalid_body");
    assert_eq!(app.client.get(&path, token).json(), read.json(), "nothing changed");

    let changed = app.client.patch(&path, token, &json!({"events": ["licence.assigned"], "pool_low_below": 7}));
    changed.assert_status(200);
    assert_eq!(
        (changed.json()["events"].clone(), changed.json()["pool_low_below"].clone()),
        (json!(["licence.assigned"]), json!(7))
    );
    let off = app.client.patch(&path, token, &json!({"enabled": false}));
    assert!(off.json()["disabled_at"].is_string(), "{}", off.json());
    let on = app.client.patch(&path, token, &json!({"enabled": true}));
    assert!(on.json()["disabled_at"].is_null() && on.json()["failing_since"].is_null(), "{}", on.json());

    // The changed events arrive, signed with the secret given at registration.
    let pool = active_subscription(&app, &tenant, "enterprise_e3", 3);
    let person = quick_member(&app, &tenant, "changed-hook-person");
    assign(&app, &tenant, &person, pool["id"].as_str().unwrap()).assert_status(201);
    let hooks = receiver.wait_for(1, Duration::from_secs(10));
    let event: Value = serde_json::from_str(&hooks[0].body).unwrap();
    assert_eq!(event["type"], "licence.assigned");
    assert!(verify(&hooks[0], &secret), "the old secret still verifies: {:?}", hooks[0]);
    // Another tenant's admin learns nothing of it, by its path or by its id under their own tenant.
    let stranger = people::tenant_with_admin(&app, "not-changed-hook");
    let endpoint_id = path.rsplit('/').next().unwrap();
    let theirs = format!("/v1/tenants/{}/webhooks/{endpoint_id}", stranger.id);
    for probe in [&path, &theirs] {
        app.client.get(probe, &stranger.global_admin.token).assert_problem(404, "not_found");
        app.client
            .patch(probe, &stranger.global_admin.token, &json!({"enabled": false}))
            .assert_problem(404, "not_found");
    }
    assert!(app.client.get(&path, token).json()["disabled_at"].is_null(), "still enabled");
}
