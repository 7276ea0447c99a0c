//! Concurrent requests never oversell seats, never deactivate below what is assigned, and an
//! idempotent order runs once however many times it is sent.

use serde_json::json;
use tenantry_tests::client::Call;
use tenantry_tests::concurrent::{all_at_once, count_status};
use tenantry_tests::people;
use tenantry_tests::pools::{self, active_subscription, assign, quick_member};
use tenantry_tests::{Backend, Reply, TestApp};

use crate::Case;

pub fn cases() -> Vec<Case> {
    cases![
        two_hundred_concurrent_assignments_take_exactly_the_fifty_free_seats,
        concurrent_deactivations_never_go_below_assigned,
        a_replayed_order_creates_one_subscription,
        concurrent_replays_of_one_order_execute_once,
    ]
}

fn two_hundred_concurrent_assignments_take_exactly_the_fifty_free_seats(backend: Backend) {
    let app = TestApp::spawn(backend);
    let tenant = people::tenant_with_admin(&app, "rush");
    let pool = active_subscription(&app, &tenant, "enterprise_e3", 50);
    let sid = pool["id"].as_str().unwrap().to_owned();
    let people: Vec<String> = (0..200).map(|n| quick_member(&app, &tenant, &format!("r{n}"))).collect();

    let replies = all_at_once(people.len(), |n| assign(&app, &tenant, &people[n], &sid));

    assert!(replies.iter().all(|r| r.status < 500), "no 5xx: {:?}", replies.iter().find(|r| r.status >= 500));
    assert_eq!(count_status(&replies, 201), 50, "exactly the free seats are taken");
    assert_eq!(count_status(&replies, 409), 150);
    for refused in replies.iter().filter(|r| r.status == 409) {
        refused.assert_problem(409, "license_pool_exhausted");
    }
    let after = pools::get(&app, &tenant, &sid);
    assert_eq!(after["assigned_seats"], 50);
    assert_eq!(after["available_seats"], 0);
    // The counter equals the licenses actually held.
    let mut held = 0;
    let mut path = format!("/v1/tenants/{}/users?limit=200", tenant.id);
    loop {
        let page = app.client.get(&path, &tenant.global_admin.token).json();
        held += page["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|u| u["licenses"].as_array().unwrap().iter().any(|l| l["subscription_id"] == sid.as_str()))
            .count();
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/v1/tenants/{}/users?limit=200&cursor={cursor}", tenant.id),
            None => break,
        }
    }
    assert_eq!(held, 50);
}

fn concurrent_deactivations_never_go_below_assigned(backend: Backend) {
    let app = TestApp::spawn(backend);
    let tenant = people::tenant_with_admin(&app, "shrink");
    let pool = active_subscription(&app, &tenant, "enterprise_e1", 40);
    let sid = pool["id"].as_str().unwrap().to_owned();
    for n in 0..30 {
        let person = quick_member(&app, &tenant, &format!("s{n}"));
        assign(&app, &tenant, &person, &sid).assert_status(201);
    }
    // 40 active, 30 assigned: of 25 concurrent "-1", exactly 10 can succeed.
    let path = format!("/v1/tenants/{}/subscriptions/{sid}/activation", tenant.id);
    let replies = all_at_once(25, |_| app.client.post(&path, &tenant.global_admin.token, &json!({"delta": -1})));
    assert!(replies.iter().all(|r| r.status < 500));
    assert_eq!(count_status(&replies, 200), 10);
    assert_eq!(count_status(&replies, 409), 15);
    for refused in replies.iter().filter(|r| r.status == 409) {
        refused.assert_problem(409, "deactivation_below_assigned");
    }
    let after = pools::get(&app, &tenant, &sid);
    assert_eq!((after["active_seats"].as_i64(), after["assigned_seats"].as_i64()), (Some(30), Some(30)));
}

fn order(app: &TestApp, tenant: &people::Tenant, key: &str, seats: i64) -> Reply {
    app.client.send(
        Call::new("POST", &format!("/v1/tenants/{}/subscriptions", tenant.id))
            .token(&tenant.global_admin.token)
            .header("idempotency-key", key)
            .json(&json!({"plan": "business_premium", "seats": seats})),
    )
}

fn subscription_count(app: &TestApp, tenant: &people::Tenant) -> usize {
    let list = app.client.get(&format!("/v1/tenants/{}/subscriptions", tenant.id), &tenant.global_admin.token).json();
    list["items"].as_array().unwrap().len()
}

fn a_replayed_order_creates_one_subscription(backend: Backend) {
    let app = TestApp::spawn(backend);
    let tenant = people::tenant_with_admin(&app, "replay");
    let first = order(&app, &tenant, "order-2026-11-21-001", 5);
    first.assert_status(201);
    assert!(first.header("idempotent-replayed").is_none());
    let replay = order(&app, &tenant, "order-2026-11-21-001", 5);
    replay.assert_status(201);
    assert_eq!(replay.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(replay.json(), first.json(), "the replay is the first response");
    assert_eq!(replay.header("location"), first.header("location"));
    assert_eq!(subscription_count(&app, &tenant), 1);

    order(&app, &tenant, "order-2026-11-21-001", 6).assert_problem(422, "idempotency_key_reused");
    assert_eq!(subscription_count(&app, &tenant), 1);
    // Another key is another order; keys are per caller.
    order(&app, &tenant, "order-2026-11-21-002", 5).assert_status(201);
    assert_eq!(subscription_count(&app, &tenant), 2);
    let manager_order = app.client.send(
        Call::new("POST", &format!("/v1/tenants/{}/subscriptions", tenant.id))
            .token(&tenant.cloud_manager.token)
            .header("idempotency-key", "order-2026-11-21-001")
            .json(&json!({"plan": "business_premium", "seats": 5})),
    );
    manager_order.assert_status(201);
    assert!(manager_order.header("idempotent-replayed").is_none());
    assert_eq!(subscription_count(&app, &tenant), 3);
    app.client
        .send(
            Call::new("POST", &format!("/v1/tenants/{}/subscriptions", tenant.id))
                .token(&tenant.global_admin.token)
                .header("idempotency-key", "")
                .json(&json!({"plan": "business_premium", "seats": 5})),
        )
        .assert_problem(400, "invalid_header");
}

fn concurrent_replays_of_one_order_execute_once(backend: Backend) {
    let app = TestApp::spawn(backend);
    let tenant = people::tenant_with_admin(&app, "twins");
    let replies = all_at_once(12, |_| order(&app, &tenant, "the-same-order", 7));
    assert!(replies.iter().all(|r| r.status == 201), "{:?}", replies.iter().find(|r| r.status != 201));
    let ids: std::collections::HashSet<String> =
        replies.iter().map(|r| r.json()["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(ids.len(), 1, "every reply names the one subscription");
    assert_eq!(subscription_count(&app, &tenant), 1);
    assert_eq!(
        replies.iter().filter(|r| r.header("idempotent-replayed").is_none()).count(),
        1,
        "one executed, the rest replayed"
    );
    let audit = app
        .client
        .get(&format!("/v1/tenants/{}/audit-events?action=subscription.ordered", tenant.id), &tenant.global_admin.token)
        .json();
    assert_eq!(audit["items"].as_array().unwrap().len(), 1);
}
