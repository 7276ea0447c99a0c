//! One-call plan changes: upgrade everyone, dry runs that change nothing, downgrades that say
//! what is lost, refusals that list every error, and nobody ever left with neither license.

use std::collections::HashMap;

use serde_json::{json, Value};
use tenantry_tests::people::{self, Tenant};
use tenantry_tests::pools::{self, active_subscription, assign, quick_member};
use tenantry_tests::{Backend, TestApp};

use crate::Case;

pub fn cases() -> Vec<Case> {
    cases![
        an_upgrade_moves_everyone_in_one_call,
        a_dry_run_reports_and_changes_nothing,
        a_downgrade_reports_lost_services,
        a_refused_change_lists_every_error_and_changes_nothing,
        a_change_racing_other_assignments_leaves_everyone_with_exactly_one_license,
    ]
}

/// Plan codes each person holds, by user id.
fn licenses(app: &TestApp, tenant: &Tenant) -> HashMap<String, Vec<String>> {
    let page = app.client.get(&format!("/v1/tenants/{}/users?limit=200", tenant.id), &tenant.global_admin.token).json();
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            let plans =
                u["licenses"].as_array().unwrap().iter().map(|l| l["plan"].as_str().unwrap().to_owned()).collect();
            (u["id"].as_str().unwrap().to_owned(), plans)
        })
        .collect()
}

fn change(app: &TestApp, tenant: &Tenant, sid: &str, body: Value) -> tenantry_tests::Reply {
    app.client.post(
        &format!("/v1/tenants/{}/subscriptions/{sid}/change-plan", tenant.id),
        &tenant.global_admin.token,
        &body,
    )
}

/// A tenant with `count` people on Business Essentials.
fn essentials_tenant(app: &TestApp, slug: &str, count: usize) -> (Tenant, String, Vec<String>) {
    let tenant = people::tenant_with_admin(app, slug);
    let pool = active_subscription(app, &tenant, "business_essentials", count as i64 + 2);
    let sid = pool["id"].as_str().unwrap().to_owned();
    let people: Vec<String> = (0..count).map(|n| quick_member(app, &tenant, &format!("e{n}"))).collect();
    for person in &people {
        assign(app, &tenant, person, &sid).assert_status(201);
    }
    (tenant, sid, people)
}

fn an_upgrade_moves_everyone_in_one_call(backend: Backend) {
    let app = TestApp::spawn(backend);
    let (tenant, sid, people) = essentials_tenant(&app, "upgrade", 6);
    let reply = change(
        &app,
        &tenant,
        &sid,
        json!({"target_plan": "business_premium", "buy_missing": true, "terminate_source": true}),
    );
    reply.assert_status(200);
    let report = reply.json();
    assert_eq!(report["applied"], true);
    assert_eq!(report["direction"], "upgrade");
    assert_eq!(report["seats_needed"], 6);
    assert_eq!(report["seats_to_buy"], 6);
    assert_eq!(report["creates_target_subscription"], true);
    assert_eq!(report["source_terminated"], true);
    assert_eq!(report["users"].as_array().unwrap().len(), 6);
    assert_eq!(report["users"][0]["services_gained"], json!(["office_desktop_apps"]));
    let target = report["target_subscription_id"].as_str().unwrap();

    let held = licenses(&app, &tenant);
    for person in &people {
        assert_eq!(held[person], vec!["business_premium".to_owned()], "{person} holds exactly the new licence");
    }
    let source = pools::get(&app, &tenant, &sid);
    assert_eq!(source["status"], "terminated");
    let target = pools::get(&app, &tenant, target);
    assert_eq!(target["status"], "active");
    assert_eq!((target["assigned_seats"].as_i64(), target["active_seats"].as_i64()), (Some(6), Some(6)));
    let audit = app
        .client
        .get(
            &format!("/v1/tenants/{}/audit-events?action=subscription.plan_changed", tenant.id),
            &tenant.global_admin.token,
        )
        .json();
    assert_eq!(audit["items"].as_array().unwrap().len(), 1);
}

fn a_dry_run_reports_and_changes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend);
    let (tenant, sid, _) = essentials_tenant(&app, "dryrun", 4);
    // A premium pool with 1 free seat and 1 inactive one.
    let premium = active_subscription(&app, &tenant, "business_premium", 2);
    let premium_id = premium["id"].as_str().unwrap().to_owned();
    app.client
        .post(
            &format!("/v1/tenants/{}/subscriptions/{premium_id}/activation", tenant.id),
            &tenant.global_admin.token,
            &json!({"delta": -1}),
        )
        .assert_status(200);
    let before = (licenses(&app, &tenant), pools::get(&app, &tenant, &sid), pools::get(&app, &tenant, &premium_id));

    let report =
        change(&app, &tenant, &sid, json!({"target_plan": "business_premium", "buy_missing": true, "dry_run": true}));
    report.assert_status(200);
    let report = report.json();
    assert_eq!(report["dry_run"], true);
    assert_eq!(report["applied"], false);
    assert_eq!(report["target_subscription_id"], premium_id.as_str());
    assert_eq!((report["seats_needed"].as_i64(), report["seats_available"].as_i64()), (Some(4), Some(1)));
    assert_eq!((report["seats_to_activate"].as_i64(), report["seats_to_buy"].as_i64()), (Some(1), Some(2)));
    assert_eq!(report["errors"], json!([]));

    // Without buying, the same dry run says what would stop it.
    let short = change(&app, &tenant, &sid, json!({"target_plan": "business_premium", "dry_run": true})).json();
    assert_eq!(short["errors"][0]["code"], "license_pool_exhausted");

    let after = (licenses(&app, &tenant), pools::get(&app, &tenant, &sid), pools::get(&app, &tenant, &premium_id));
    assert_eq!(before.0, after.0, "nobody's licences changed");
    assert_eq!(before.1, after.1, "the source pool did not change");
    assert_eq!(before.2, after.2, "the target pool did not change");
}

fn a_downgrade_reports_lost_services(backend: Backend) {
    let app = TestApp::spawn(backend);
    let tenant = people::tenant_with_admin(&app, "downgrade");
    let premium = active_subscription(&app, &tenant, "business_premium", 3);
    let essentials = active_subscription(&app, &tenant, "business_essentials", 3);
    let sid = premium["id"].as_str().unwrap();
    let people: Vec<String> = (0..2).map(|n| quick_member(&app, &tenant, &format!("d{n}"))).collect();
    for person in &people {
        assign(&app, &tenant, person, sid).assert_status(201);
    }
    let report = change(
        &app,
        &tenant,
        sid,
        json!({"target_plan": "business_essentials", "users": [people[0]], "dry_run": true}),
    )
    .json();
    assert_eq!(report["direction"], "downgrade");
    assert_eq!(report["users"].as_array().unwrap().len(), 1);
    assert_eq!(report["users"][0]["user_id"], people[0].as_str());
    assert_eq!(report["users"][0]["services_lost"], json!(["office_desktop_apps"]));
    assert_eq!(report["target_subscription_id"], essentials["id"]);

    let applied = change(&app, &tenant, sid, json!({"target_plan": "business_essentials", "users": [people[0]]}));
    applied.assert_status(200);
    let held = licenses(&app, &tenant);
    assert_eq!(held[&people[0]], vec!["business_essentials".to_owned()]);
    assert_eq!(held[&people[1]], vec!["business_premium".to_owned()], "only the named person moved");
}

fn a_refused_change_lists_every_error_and_changes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend);
    let (tenant, sid, people) = essentials_tenant(&app, "refused", 2);
    let outsider = quick_member(&app, &tenant, "outsider");
    let before = licenses(&app, &tenant);
    let refused = change(
        &app,
        &tenant,
        &sid,
        json!({"target_plan": "enterprise_e5", "users": [people[0], outsider], "terminate_source": true}),
    );
    refused.assert_problem(422, "plan_change_refused");
    let errors: Vec<String> = refused.json()["context"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        errors,
        ["plan_change_not_allowed", "user_lacks_source_licence", "no_target_pool", "source_not_emptied"]
    );
    assert_eq!(licenses(&app, &tenant), before);
    change(&app, &tenant, &sid, json!({"target_plan": "nonexistent"})).assert_problem(422, "unknown_plan");
    // Billing admins manage subscriptions but may not move licenses.
    let billing = people::add_member(&app, &tenant, "billing", &["billing_admin"]);
    app.client
        .post(
            &format!("/v1/tenants/{}/subscriptions/{sid}/change-plan", tenant.id),
            &billing.token,
            &json!({"target_plan": "business_premium", "dry_run": true}),
        )
        .assert_problem(403, "forbidden");
}

fn a_change_racing_other_assignments_leaves_everyone_with_exactly_one_license(backend: Backend) {
    let app = TestApp::spawn(backend);
    let (tenant, sid, movers) = essentials_tenant(&app, "racing-change", 8);
    // A premium pool just big enough for the movers, which newcomers compete for at once.
    let premium = active_subscription(&app, &tenant, "business_premium", 8);
    let premium_id = premium["id"].as_str().unwrap().to_owned();
    let newcomers: Vec<String> = (0..6).map(|n| quick_member(&app, &tenant, &format!("n{n}"))).collect();
    let barrier = std::sync::Barrier::new(newcomers.len() + 1);
    let (change_reply, newcomer_replies) = std::thread::scope(|scope| {
        let handles: Vec<_> = newcomers
            .iter()
            .map(|person| {
                let (barrier, app, tenant, premium_id) = (&barrier, &app, &tenant, &premium_id);
                scope.spawn(move || {
                    barrier.wait();
                    assign(app, tenant, person, premium_id)
                })
            })
            .collect();
        barrier.wait();
        let change_reply = change(&app, &tenant, &sid, json!({"target_plan": "business_premium"}));
        (change_reply, handles.into_iter().map(|h| h.join().unwrap()).collect::<Vec<_>>())
    });
    assert!(change_reply.status < 500 && newcomer_replies.iter().all(|r| r.status < 500));
    let held = licenses(&app, &tenant);
    // Whatever won, each mover holds exactly one of the two licenses: all moved or none.
    let moved = movers.iter().filter(|m| held[*m] == vec!["business_premium".to_owned()]).count();
    let stayed = movers.iter().filter(|m| held[*m] == vec!["business_essentials".to_owned()]).count();
    assert_eq!(moved + stayed, movers.len(), "nobody has neither or both: {held:?}");
    assert!(moved == 0 || moved == movers.len(), "the change is all or nothing: {moved} moved");
    assert_eq!(change_reply.status == 200, moved == movers.len(), "{change_reply:?}");
    // And the counters match the licenses held.
    let premium_now = pools::get(&app, &tenant, &premium_id);
    let essentials_now = pools::get(&app, &tenant, &sid);
    let premium_holders = held.values().filter(|plans| plans.contains(&"business_premium".to_owned())).count() as i64;
    let essentials_holders =
        held.values().filter(|plans| plans.contains(&"business_essentials".to_owned())).count() as i64;
    assert_eq!(premium_now["assigned_seats"].as_i64(), Some(premium_holders));
    assert_eq!(essentials_now["assigned_seats"].as_i64(), Some(essentials_holders));
    assert!(premium_holders <= 8);
}
