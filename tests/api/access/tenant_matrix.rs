//! Every tenant route, called by each role and by the operator, follows the permission matrix.

use serde_json::json;
use tenantry_domain::{AdminRole, RoleSet};
use tenantry_tests::outbox::failed_message;
use tenantry_tests::people::{self, Person};
use tenantry_tests::pools::{active_subscription_with, assign};
use tenantry_tests::{Backend, TestApp};

use super::fixtures::{call, consumable_subscription, domain_for, support_ids, valid_body, webhook_for, Ids};
use super::partner_setup::{accept_offer, offer, partner_org};
use super::routes::{Rule, ROUTES};
use super::rules::{expected, is_platform_route, Who};

pub(super) fn every_tenant_route_follows_the_permission_matrix(backend: Backend) {
    let app = TestApp::spawn(backend);
    let tenant = people::tenant_with_admin(&app, "matrix");
    let operator = app.operator_token();
    let billing = people::add_member(&app, &tenant, "billing", &["billing_admin"]);
    let password = people::add_member(&app, &tenant, "password", &["password_admin"]);
    let plain = people::add_member(&app, &tenant, "plain", &[]);
    let callers: Vec<(&str, &str, Who<'_>)> = vec![
        ("cloud manager", &tenant.cloud_manager.token, Who::Member(&[AdminRole::CloudManager])),
        ("global admin", &tenant.global_admin.token, Who::Member(&[AdminRole::GlobalAdmin])),
        ("billing admin", &billing.token, Who::Member(&[AdminRole::BillingAdmin])),
        ("password admin", &password.token, Who::Member(&[AdminRole::PasswordAdmin])),
        ("plain user", &plain.token, Who::Member(&[])),
        ("operator", &operator, Who::Operator),
    ];
    // Targets of password resets, one per kind of person the matrix distinguishes.
    let reset_targets: Vec<(Person, RoleSet)> = vec![
        (people::add_member(&app, &tenant, "reset-plain", &[]), RoleSet::default()),
        (people::add_member(&app, &tenant, "reset-pw", &["password_admin"]), RoleSet::new([AdminRole::PasswordAdmin])),
        (people::add_member(&app, &tenant, "reset-global", &["global_admin"]), RoleSet::new([AdminRole::GlobalAdmin])),
    ];
    // One big pool for routes that do not use it up: seats bought, activated, licenses given.
    let shared = active_subscription_with(&app, &tenant, "enterprise_e3", 1000, 500);
    let shared = shared["id"].as_str().unwrap().to_owned();
    // A partner's offer, accepted: the global admin accepts it again (200) before ending it.
    let partner = partner_org(&app, &operator, "matrix-partner");
    let offer_token = offer(&app, &partner, "full")["token"].as_str().unwrap().to_owned();
    let rid = accept_offer(&app, &tenant, &offer_token);
    let support = support_ids(&app, &tenant, &operator);
    let mut checked = 0;
    for route in ROUTES.iter().filter(|r| r.path.contains("{tid}") || is_platform_route(r)) {
        for (n, (who, token, caller)) in callers.iter().enumerate() {
            let label = format!("t{checked}-{n}");
            // The subscription: fresh where a permitted call would use it up.
            let sid = consumable_subscription(&app, &tenant, route, &operator).unwrap_or_else(|| shared.clone());
            let targets: Vec<(String, RoleSet)> = match route.rule {
                Rule::PasswordReset => reset_targets.iter().map(|(p, r)| (p.id.clone(), r.clone())).collect(),
                // A fresh plain person each time: a permitted DELETE removes them or their license.
                _ if route.path.contains("{uid}") => {
                    let person = people::add_member(&app, &tenant, &label, &[]);
                    if route.path.ends_with("/licenses/{sid}") && route.method == "DELETE" {
                        assign(&app, &tenant, &person.id, &sid).assert_status(201);
                    }
                    vec![(person.id, RoleSet::default())]
                }
                _ => vec![(String::new(), RoleSet::default())],
            };
            for (target, target_roles) in targets {
                let body = valid_body(route, &tenant, &format!("{checked}"));
                let name = domain_for(&app, &tenant, route, &label);
                // A failed message of its own for each retry.
                let msgid = if route.path.contains("{msgid}") {
                    failed_message(&app.storage, &format!("{label}@failed.example"))
                } else {
                    String::new()
                };
                let ids = Ids {
                    tid: &tenant.id,
                    uid: &target,
                    sid: &sid,
                    rid: &rid,
                    token: &offer_token,
                    name: &name,
                    msgid: &msgid,
                    ..Ids::default()
                }
                .with_support(&support);
                let webhooks = format!("/v1/tenants/{}/webhooks", tenant.id);
                let whid = webhook_for(&app, &webhooks, &tenant.global_admin.token, route, &support.whid);
                let ids = Ids { whid: &whid, ..ids };
                let reply = call(&app, route, token, &ids, body);
                let allowed = expected(route.rule, *caller, &target_roles);
                if allowed {
                    assert!(
                        (200..300).contains(&reply.status),
                        "{who} may {} {} (target roles {target_roles:?}): {reply:?}",
                        route.method,
                        route.path
                    );
                } else {
                    assert_eq!(
                        reply.status, 403,
                        "{who} may not {} {} (target roles {target_roles:?}): {reply:?}",
                        route.method, route.path
                    );
                    reply.assert_problem(403, "forbidden");
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= 6 * 24, "every route was tried for every caller ({checked} calls)");

    // The global admin, and no one else, accepted the offer again and ended the relationship.
    let relationships = app.client.get(&format!("/v1/tenants/{}/partner-relationships", tenant.id), &operator).json();
    assert_eq!(relationships["items"].as_array().map(Vec::len), Some(1), "{relationships}");
    assert_eq!(relationships["items"][0]["id"], rid.as_str(), "{relationships}");
    assert_eq!(relationships["items"][0]["ended_by"], "customer", "{relationships}");

    // "Own": a plain user reads themselves, but no one else.
    app.client.get(&format!("/v1/tenants/{}/users/{}", tenant.id, plain.id), &plain.token).assert_status(200);
    // Designating admins (creating a user with roles) is the cloud manager's right, not user management.
    let reply = app.client.post(
        &format!("/v1/tenants/{}/users", tenant.id),
        &tenant.cloud_manager.token,
        &json!({"display_name": "New Billing", "sign_in": format!("newbilling@{}", tenant.domain), "contact_email": "nb@example.com", "roles": ["billing_admin"]}),
    );
    reply.assert_status(201);
    app.client
        .post(
            &format!("/v1/tenants/{}/users", tenant.id),
            &billing.token,
            &json!({"display_name": "Nope", "sign_in": format!("nope@{}", tenant.domain), "contact_email": "nope@example.com", "roles": ["billing_admin"]}),
        )
        .assert_problem(403, "forbidden");
}
