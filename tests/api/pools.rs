//! Subscriptions as license pools, over HTTP: the whole life of a pool, each rule refused with
//! its own code, and the tenant's license summary.

use serde_json::json;
use tenantry_tests::client::Call;
use tenantry_tests::people;
use tenantry_tests::pools::{self, active_subscription, assign, quick_member};
use tenantry_tests::{mail, Backend, TestApp};

use crate::Case;

pub fn cases() -> Vec<Case> {
    cases![
        the_catalogue_lists_plans_with_services_prices_and_paths,
        ordering_needs_a_global_admin_and_a_known_plan,
        a_pool_lives_from_order_to_termination,
        a_person_holds_one_license_per_plan_and_admins_need_none,
        deleting_a_person_gives_their_licenses_back,
    ]
}

fn the_catalogue_lists_plans_with_services_prices_and_paths(backend: Backend) {
    let app = TestApp::spawn(backend);
    let plans = app.client.get("/v1/plans", &app.operator_token()).json();
    let codes: Vec<&str> = plans["items"].as_array().unwrap().iter().map(|p| p["code"].as_str().unwrap()).collect();
    assert_eq!(
        codes,
        [
            "exchange_online",
            "business_essentials",
            "business_premium",
            "enterprise_e1",
            "enterprise_e3",
            "enterprise_e5",
            "meetings_free",
            "registrar"
        ]
    );
    let premium = plans["items"].as_array().unwrap().iter().find(|p| p["code"] == "business_premium").unwrap();
    assert!(premium["services"].as_array().unwrap().contains(&json!("office_desktop_apps")));
    assert_eq!(premium["seat_price_cents"], 1050);
    assert_eq!(premium["seat_limit"], 300);
    assert!(premium["downgrades"].as_array().unwrap().contains(&json!("business_essentials")));
    let registrar = plans["items"].as_array().unwrap().iter().find(|p| p["code"] == "registrar").unwrap();
    assert_eq!(registrar["assignable"], false);
}

fn ordering_needs_a_global_admin_and_a_known_plan(backend: Backend) {
    let app = TestApp::spawn(backend);
    let operator = app.operator_token();
    let (tid, _, _, sign_in, contact) = people::create_tenant(&app, &operator, "noadmin");
    let manager = people::activate(&app, &sign_in, &contact, 1);
    let order = |token: &str, body: serde_json::Value| {
        app.client.post(&format!("/v1/tenants/{tid}/subscriptions"), token, &body)
    };
    order(&manager, json!({"plan": "business_premium", "seats": 5})).assert_problem(422, "global_admin_required");

    let tenant = people::tenant_with_admin(&app, "ordering");
    let path = format!("/v1/tenants/{}/subscriptions", tenant.id);
    let admin = &tenant.global_admin.token;
    app.client.post(&path, admin, &json!({"plan": "teleportation", "seats": 5})).assert_problem(422, "unknown_plan");
    app.client
        .post(&path, admin, &json!({"plan": "business_premium", "seats": 301}))
        .assert_problem(422, "seat_limit_exceeded");
    app.client
        .post(&path, admin, &json!({"plan": "business_premium", "seats": 0}))
        .assert_problem(422, "validation_failed");
    app.client
        .post(&path, admin, &json!({"plan": "meetings_free", "seats": 5}))
        .assert_problem(422, "plan_not_orderable");
    app.client
        .post(&path, admin, &json!({"plan": "business_premium", "seats": 5, "activate_seats": 6}))
        .assert_problem(422, "validation_failed");
    let list = app.client.get(&path, admin).json();
    assert_eq!(list["items"].as_array().unwrap().len(), 0, "nothing was ordered by refused requests");
}

fn a_pool_lives_from_order_to_termination(backend: Backend) {
    let app = TestApp::spawn(backend);
    let tenant = people::tenant_with_admin(&app, "lifecycle");
    let admin = tenant.global_admin.token.clone();
    let operator = app.operator_token();
    let base = format!("/v1/tenants/{}/subscriptions", tenant.id);

    // Ordered: provisioning, nothing active yet.
    let reply = app.client.post(&base, &admin, &json!({"plan": "business_premium", "seats": 10, "activate_seats": 5}));
    reply.assert_status(201);
    let ordered = reply.json();
    assert_eq!(ordered["status"], "provisioning");
    assert_eq!((ordered["purchased_seats"].as_i64(), ordered["active_seats"].as_i64()), (Some(10), Some(0)));
    let sid = ordered["id"].as_str().unwrap().to_owned();
    assert_eq!(reply.header("location"), Some(format!("{base}/{sid}")));
    let path = format!("{base}/{sid}");

    // The provisioning job makes it active and welcomes the global admin.
    let live = pools::wait_until_active(&app, &tenant, &sid);
    assert_eq!((live["active_seats"].as_i64(), live["available_seats"].as_i64()), (Some(5), Some(5)));
    assert!(live["activated_at"].is_string());
    let welcome = mail::wait_for(&app.storage.mail_dir(), &tenant.global_admin.contact_email, 2);
    assert_eq!(mail::subject(&welcome[1]).as_deref(), Some("Bienvenue dans votre service"), "{}", welcome[1]);
    assert!(welcome[1].contains("business_premium"));

    // Activation: + and -, within purchased and above assigned.
    let activation = |delta: i64| app.client.post(&format!("{path}/activation"), &admin, &json!({"delta": delta}));
    let reply = activation(3);
    reply.assert_status(200);
    assert_eq!(reply.json()["active_seats"], 8);
    activation(3).assert_problem(409, "activation_beyond_purchased");
    activation(0).assert_problem(422, "validation_failed");

    // Buying seats, within the plan's limit.
    let reply = app.client.post(&format!("{path}/seats"), &admin, &json!({"seats": 5}));
    reply.assert_status(200);
    assert_eq!(reply.json()["purchased_seats"], 15);
    app.client
        .post(&format!("{path}/seats"), &admin, &json!({"seats": 290}))
        .assert_problem(422, "seat_limit_exceeded");

    // Assignment until the pool is exhausted.
    let people: Vec<String> = (0..9).map(|n| quick_member(&app, &tenant, &format!("p{n}"))).collect();
    for person in &people[..8] {
        assign(&app, &tenant, person, &sid).assert_status(201);
    }
    let exhausted = assign(&app, &tenant, &people[8], &sid);
    exhausted.assert_problem(409, "license_pool_exhausted");
    let context = &exhausted.json()["context"];
    assert_eq!(context["available"], 0);
    assert_eq!(context["purchased"], 15);
    assert!(
        context["fixes"].as_array().unwrap().iter().any(|f| f.as_str().unwrap().contains("activate up to 7")),
        "{context}"
    );

    // Deactivation cannot go below the assigned seats.
    activation(-1).assert_problem(409, "deactivation_below_assigned");
    let pool = pools::get(&app, &tenant, &sid);
    assert_eq!((pool["active_seats"].as_i64(), pool["assigned_seats"].as_i64()), (Some(8), Some(8)));

    // Removing a license frees a seat; the person's view no longer lists it.
    app.client
        .delete(&format!("/v1/tenants/{}/users/{}/licenses/{sid}", tenant.id, people[0]), &admin)
        .assert_status(204);
    app.client
        .delete(&format!("/v1/tenants/{}/users/{}/licenses/{sid}", tenant.id, people[0]), &admin)
        .assert_problem(404, "not_found");
    assert_eq!(pools::get(&app, &tenant, &sid)["available_seats"], 1);
    let someone = app.client.get(&format!("/v1/tenants/{}/users/{}", tenant.id, people[1]), &admin).json();
    assert_eq!(someone["licenses"][0]["plan"], "business_premium");
    assert!(someone["licenses"][0]["services"].as_array().unwrap().contains(&json!("office_desktop_apps")));

    // Suspension is the operator's; nothing is assigned from a suspended pool.
    app.client.post(&format!("{path}/suspend"), &admin, &json!({})).assert_problem(403, "forbidden");
    let reply = app.client.post(&format!("{path}/suspend"), &operator, &json!({}));
    reply.assert_status(200);
    assert_eq!(reply.json()["status"], "suspended");
    assign(&app, &tenant, &people[0], &sid).assert_problem(409, "subscription_not_active");
    activation(1).assert_problem(409, "subscription_not_active");
    app.client.post(&format!("{path}/suspend"), &operator, &json!({})).assert_problem(409, "invalid_transition");
    app.client.post(&format!("{path}/reactivate"), &operator, &json!({})).assert_status(200);
    assign(&app, &tenant, &people[0], &sid).assert_status(201);

    // Termination is refused while licenses are held, and names the holders.
    let refused = app.client.post(&format!("{path}/terminate"), &admin, &json!({}));
    refused.assert_problem(409, "licences_still_assigned");
    let holders = refused.json()["context"]["holders"].as_array().unwrap().len();
    assert_eq!(holders, 8);
    for person in &people[..8] {
        app.client
            .delete(&format!("/v1/tenants/{}/users/{person}/licenses/{sid}", tenant.id), &admin)
            .assert_status(204);
    }
    // A stale ETag is refused.
    let etag = app.client.get(&path, &admin).header("etag").unwrap();
    activation(-1).assert_status(200);
    app.client
        .send(Call::new("POST", &format!("{path}/terminate")).token(&admin).header("if-match", etag).json(&json!({})))
        .assert_problem(412, "precondition_failed");
    let reply = app.client.post(&format!("{path}/terminate"), &admin, &json!({}));
    reply.assert_status(200);
    let ended = reply.json();
    assert_eq!(ended["status"], "terminated");
    assert_eq!((ended["purchased_seats"].as_i64(), ended["active_seats"].as_i64()), (Some(0), Some(0)));
    assign(&app, &tenant, &people[0], &sid).assert_problem(409, "subscription_not_active");
    app.client.post(&format!("{path}/terminate"), &admin, &json!({})).assert_problem(409, "invalid_transition");

    // Every step is in the audit log.
    let audit = app.client.get(&format!("/v1/tenants/{}/audit-events?limit=200", tenant.id), &admin).json();
    let actions: Vec<&str> = audit["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for action in [
        "subscription.ordered",
        "subscription.activated",
        "subscription.seats_activated",
        "subscription.seats_deactivated",
        "subscription.seats_bought",
        "licence.assigned",
        "licence.removed",
        "subscription.suspended",
        "subscription.reactivated",
        "subscription.terminated",
    ] {
        assert!(actions.contains(&action), "{action} missing from the audit log");
    }
}

fn a_person_holds_one_license_per_plan_and_admins_need_none(backend: Backend) {
    let app = TestApp::spawn(backend);
    let tenant = people::tenant_with_admin(&app, "oneperplan");
    let first = active_subscription(&app, &tenant, "business_essentials", 3);
    let second = active_subscription(&app, &tenant, "business_essentials", 3);
    let e3 = active_subscription(&app, &tenant, "enterprise_e3", 3);
    let registrar = active_subscription(&app, &tenant, "registrar", 2);
    let person = quick_member(&app, &tenant, "holder");
    let first_id = first["id"].as_str().unwrap();

    assign(&app, &tenant, &person, first_id).assert_status(201);
    // Repeating the PUT changes nothing.
    let again = assign(&app, &tenant, &person, first_id);
    again.assert_status(200);
    assert_eq!(pools::get(&app, &tenant, first_id)["assigned_seats"], 1);
    let other = assign(&app, &tenant, &person, second["id"].as_str().unwrap());
    other.assert_problem(409, "licence_held_for_plan");
    assert_eq!(other.json()["context"]["subscription_id"], first_id);
    assign(&app, &tenant, &person, e3["id"].as_str().unwrap()).assert_status(201);
    assign(&app, &tenant, &person, registrar["id"].as_str().unwrap()).assert_problem(422, "plan_not_assignable");

    // Administrators hold no license: the global admin works with none.
    let admin = app.client.get("/v1/me", &tenant.global_admin.token).json();
    assert_eq!(admin["roles"], json!(["global_admin"]));
    let view = app
        .client
        .get(&format!("/v1/tenants/{}/users/{}", tenant.id, tenant.global_admin.id), &tenant.global_admin.token)
        .json();
    assert_eq!(view["licenses"], json!([]));

    // The summary adds up per plan, with the monthly cost of active seats.
    let summary =
        app.client.get(&format!("/v1/tenants/{}/license-summary", tenant.id), &tenant.global_admin.token).json();
    let line = |plan: &str| summary["plans"].as_array().unwrap().iter().find(|l| l["plan"] == plan).cloned().unwrap();
    let essentials = line("business_essentials");
    assert_eq!(
        (
            essentials["purchased_seats"].as_i64(),
            essentials["active_seats"].as_i64(),
            essentials["assigned_seats"].as_i64()
        ),
        (Some(6), Some(6), Some(1))
    );
    assert_eq!(essentials["available_seats"], 5);
    assert_eq!(essentials["monthly_cost_cents"], 6 * 500);
    assert_eq!(line("enterprise_e3")["monthly_cost_cents"], 3 * 2070);
    assert_eq!(summary["total_monthly_cost_cents"], 6 * 500 + 3 * 2070 + 2 * 100);
    assert_eq!(summary["currency"], "EUR");
}

fn deleting_a_person_gives_their_licenses_back(backend: Backend) {
    let app = TestApp::spawn(backend);
    let tenant = people::tenant_with_admin(&app, "leaving");
    let pool = active_subscription(&app, &tenant, "enterprise_e1", 2);
    let sid = pool["id"].as_str().unwrap();
    let person = quick_member(&app, &tenant, "leaver");
    assign(&app, &tenant, &person, sid).assert_status(201);
    assert_eq!(pools::get(&app, &tenant, sid)["assigned_seats"], 1);
    app.client
        .delete(&format!("/v1/tenants/{}/users/{person}", tenant.id), &tenant.global_admin.token)
        .assert_status(204);
    assert_eq!(pools::get(&app, &tenant, sid)["assigned_seats"], 0);
    app.client
        .post(
            &format!("/v1/tenants/{}/subscriptions/{sid}/terminate", tenant.id),
            &tenant.global_admin.token,
            &json!({}),
        )
        .assert_status(200);
}
