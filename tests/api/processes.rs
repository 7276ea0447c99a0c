//! Two processes of the service binary on one database, each with its own data folder, as
//! replicas behind a load balancer run: they share nothing else, yet act as one service.

use std::collections::HashSet;
use std::time::Duration;

use serde_json::json;
use tenantry_tests::app::Storage;
use tenantry_tests::process::ServiceProcess;
use tenantry_tests::smtp::SmtpSink;
use tenantry_tests::{mail, Backend};

use crate::Case;

pub fn cases() -> Vec<Case> {
    cases![two_processes_on_one_database_act_as_one_service]
}

const CHOSEN: &str = "a long and unusual test passphrase";

fn kid_of(token: &str) -> String {
    jsonwebtoken::decode_header(token).unwrap().kid.unwrap()
}

fn two_processes_on_one_database_act_as_one_service(backend: Backend) {
    let storage = Storage::new(backend);
    let sink = SmtpSink::start();
    let smtp = [
        ("TENANTRY_SMTP_HOST", "127.0.0.1".to_owned()),
        ("TENANTRY_SMTP_SECURITY", "none".to_owned()),
        ("TENANTRY_SMTP_PORT", sink.port().to_string()),
    ];
    let a = ServiceProcess::start(&storage, &smtp);
    let b = ServiceProcess::start(&storage, &smtp);

    // A token issued by one works on the other, also after a rotation made on the other.
    let operator_from_a = a.operator_token();
    b.client.get("/v1/me", &operator_from_a).assert_status(200);
    let rotated = b.client.post("/v1/signing-keys", &operator_from_a, &json!({}));
    rotated.assert_status(201);
    let new_kid = rotated.json()["kid"].as_str().unwrap().to_owned();
    let operator_from_b = b.operator_token();
    assert_eq!(kid_of(&operator_from_b), new_kid);
    a.client.get("/v1/me", &operator_from_b).assert_status(200);
    a.client.get("/v1/me", &operator_from_a).assert_status(200);
    assert_eq!(kid_of(&a.operator_token()), new_kid, "once it has seen the new key, the other process signs with it");

    // A tenant made through one process; its manager activated through both.
    let created = a.client.post(
        "/v1/tenants",
        &operator_from_b,
        &json!({"name": "Replicas SARL", "slug": "replicas",
                "cloud_manager": {"display_name": "Manager", "user_name": "manager", "contact_email": "manager@example.com"}}),
    );
    created.assert_status(201);
    let tenant_id = created.json()["tenant"]["id"].as_str().unwrap().to_owned();
    let manager_sign_in = created.json()["cloud_manager"]["sign_in"].as_str().unwrap().to_owned();
    let welcome = sink.wait_for(1, Duration::from_secs(20));
    let temporary = mail::field(&welcome[0].text().unwrap(), "Temporary password").unwrap();
    let first = b.client.token(&manager_sign_in, &temporary);
    a.client
        .post(
            "/v1/me/password",
            &first,
            &json!({"current_password": temporary, "new_password": CHOSEN, "new_password_confirmation": CHOSEN}),
        )
        .assert_status(204);
    let manager = b.client.token(&manager_sign_in, CHOSEN);

    // A role removed through one process is refused by the other on the next request.
    let domain = manager_sign_in.split('@').nth(1).unwrap().to_owned();
    let helper_sign_in = format!("helper@{domain}");
    let helper = a.client.post(
        &format!("/v1/tenants/{tenant_id}/users"),
        &manager,
        &json!({"display_name": "Helper", "sign_in": helper_sign_in, "contact_email": "helper@example.com",
                "roles": ["password_admin"], "password": CHOSEN}),
    );
    helper.assert_status(201);
    let helper_id = helper.json()["id"].as_str().unwrap().to_owned();
    let helper_token = a.client.token(&helper_sign_in, CHOSEN);
    let users = format!("/v1/tenants/{tenant_id}/users");
    b.client.get(&users, &helper_token).assert_status(200);
    a.client
        .put(&format!("/v1/tenants/{tenant_id}/users/{helper_id}/roles"), &manager, &json!({"roles": []}))
        .assert_status(200);
    b.client.get(&users, &helper_token).assert_problem(403, "forbidden");

    // Failed sign-ins spread across both are throttled as one: five failures lock the account.
    for attempt in 0..5 {
        let process = if attempt % 2 == 0 { &a } else { &b };
        process.client.sign_in(&helper_sign_in, "not the password").assert_problem(400, "invalid_grant");
    }
    a.client.sign_in(&helper_sign_in, CHOSEN).assert_problem(429, "too_many_sign_in_attempts");
    b.client.sign_in(&helper_sign_in, CHOSEN).assert_problem(429, "too_many_sign_in_attempts");

    // Jobs run once: an order provisioned by whichever process claims it, activated once.
    let admin_sign_in = format!("admin@{domain}");
    a.client
        .post(
            &users,
            &manager,
            &json!({"display_name": "Admin", "sign_in": admin_sign_in, "contact_email": "admin@example.com",
                    "roles": ["global_admin"], "password": CHOSEN}),
        )
        .assert_status(201);
    let admin = b.client.token(&admin_sign_in, CHOSEN);
    let order = b.client.post(
        &format!("/v1/tenants/{tenant_id}/subscriptions"),
        &admin,
        &json!({"plan": "enterprise_e1", "seats": 3}),
    );
    order.assert_status(201);
    let subscription_id = order.json()["id"].as_str().unwrap().to_owned();
    let subscription_path = format!("/v1/tenants/{tenant_id}/subscriptions/{subscription_id}");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while a.client.get(&subscription_path, &manager).json()["status"] != "active" {
        assert!(std::time::Instant::now() < deadline, "the order was never provisioned");
        std::thread::sleep(Duration::from_millis(50));
    }
    // Messages run once: thirty resets through both processes, each mail sent by one of them.
    let to_helper = |messages: &[tenantry_tests::smtp::Received]| {
        messages.iter().filter(|m| m.rcpt_to.iter().any(|r| r == "helper@example.com")).count()
    };
    // What the helper was sent before (word of their account, at creation) has gone out.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while to_helper(&sink.messages()) < 1 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let before = to_helper(&sink.messages());
    for n in 0..30 {
        let process = if n % 2 == 0 { &a } else { &b };
        process
            .client
            .post(&format!("/v1/tenants/{tenant_id}/users/{helper_id}/password-reset"), &manager, &json!({}))
            .assert_status(202);
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while to_helper(&sink.messages()) < before + 30 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    // Both workers poll every 50 ms: a second delivery of any of them would show by now.
    std::thread::sleep(Duration::from_millis(500));
    let audit = a.client.get(&format!("/v1/tenants/{tenant_id}/audit-events?limit=200"), &manager).json();
    let activations = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|event| event["action"] == "subscription.activated" && event["target_id"] == subscription_id.as_str())
        .count();
    assert_eq!(activations, 1, "the provisioning job ran once: {audit}");
    let mut conn = tenantry_tests::outbox::connect(&storage);
    let runs: Vec<(i32, bool)> = {
        use diesel::prelude::*;
        use tenantry_persistence::schema::jobs;
        jobs::table
            .filter(jobs::subject_id.eq(&subscription_id))
            .select((jobs::attempts, jobs::done_at.is_not_null()))
            .load(&mut conn)
            .unwrap()
    };
    assert_eq!(runs, vec![(1, true)], "one job, claimed and done once by one of the two processes");
    let messages = sink.messages();
    assert_eq!(to_helper(&messages), before + 30, "each reset's message sent once");
    let ids: HashSet<String> = messages.iter().filter_map(|m| m.header("Message-ID")).collect();
    assert_eq!(ids.len(), messages.len(), "no message was sent twice");
}
