//! Orders and license pools for tests: an active subscription, people holding its licenses.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::app::TestApp;
use crate::people::Tenant;

/// Orders `seats` of `plan` as the tenant's global admin and waits until provisioning made it
/// active. Returns the subscription.
pub fn active_subscription(app: &TestApp, tenant: &Tenant, plan: &str, seats: i64) -> Value {
    let reply = app.client.post(
        &format!("/v1/tenants/{}/subscriptions", tenant.id),
        &tenant.global_admin.token,
        &json!({"plan": plan, "seats": seats}),
    );
    reply.assert_status(201);
    let id = reply.json()["id"].as_str().unwrap().to_owned();
    wait_until_active(app, tenant, &id)
}

/// Polls the subscription until it is active (at most 15 s).
pub fn wait_until_active(app: &TestApp, tenant: &Tenant, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let subscription = get(app, tenant, id);
        if subscription["status"] == "active" {
            return subscription;
        }
        assert!(Instant::now() < deadline, "subscription {id} never became active: {subscription}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub fn get(app: &TestApp, tenant: &Tenant, id: &str) -> Value {
    let reply = app.client.get(&format!("/v1/tenants/{}/subscriptions/{id}", tenant.id), &tenant.global_admin.token);
    reply.assert_status(200);
    reply.json()
}

/// Gives `user_id` a license of `subscription_id` as the global admin.
pub fn assign(app: &TestApp, tenant: &Tenant, user_id: &str, subscription_id: &str) -> crate::Reply {
    app.client.put(
        &format!("/v1/tenants/{}/users/{user_id}/licenses/{subscription_id}", tenant.id),
        &tenant.global_admin.token,
        &json!({}),
    )
}

/// A plain member created without signing in (for tests that need many people quickly).
pub fn quick_member(app: &TestApp, tenant: &Tenant, user_name: &str) -> String {
    let reply = app.client.post(
        &format!("/v1/tenants/{}/users", tenant.id),
        &tenant.global_admin.token,
        &json!({"display_name": format!("Member {user_name}"), "sign_in": format!("{user_name}@{}", tenant.domain),
                "password": crate::people::CHOSEN_PASSWORD}),
    );
    reply.assert_status(201);
    reply.json()["id"].as_str().unwrap().to_owned()
}

/// Like [`active_subscription`], with only `activate` of the seats switched on.
pub fn active_subscription_with(app: &TestApp, tenant: &Tenant, plan: &str, seats: i64, activate: i64) -> Value {
    let reply = app.client.post(
        &format!("/v1/tenants/{}/subscriptions", tenant.id),
        &tenant.global_admin.token,
        &json!({"plan": plan, "seats": seats, "activate_seats": activate}),
    );
    reply.assert_status(201);
    let id = reply.json()["id"].as_str().unwrap().to_owned();
    wait_until_active(app, tenant, &id)
}
