//! Another tenant's ids are not found (404) on every tenant route, and nothing of that tenant changes.

use tenantry_domain::{AdminRole, RoleSet};
use tenantry_tests::people::{self, Person};
use tenantry_tests::pools::{active_subscription, assign};
use tenantry_tests::{mail, Backend, TestApp};

use super::fixtures::{call, snapshot, support_ids, valid_body, Ids};
use super::partner_setup::{accept_offer, offer, partner_org};
use super::routes::{the_route, Rule, ROUTES};
use super::rules::{expected, Who};

pub(super) fn another_tenants_ids_are_not_found_and_nothing_changes(backend: Backend) {
    let app = TestApp::spawn(backend);
    let a = people::tenant_with_admin(&app, "tenant-a");
    let b = people::tenant_with_admin(&app, "tenant-b");
    let b_member = people::add_member(&app, &b, "bmember", &[]);
    let a_member = people::add_member(&app, &a, "amember", &[]);
    let b_pool = active_subscription(&app, &b, "enterprise_e3", 5);
    let b_sid = b_pool["id"].as_str().unwrap().to_owned();
    assign(&app, &b, &b_member.id, &b_sid).assert_status(201);
    let a_pool = active_subscription(&app, &a, "enterprise_e3", 5);
    let a_sid = a_pool["id"].as_str().unwrap().to_owned();
    // B works with a partner: its relationship, and the offer it accepted.
    let partner = partner_org(&app, &app.operator_token(), "b-partner");
    let b_offer = offer(&app, &partner, "full");
    let b_token = b_offer["token"].as_str().unwrap().to_owned();
    let b_rid = accept_offer(&app, &b, &b_token);
    // B's service request, an incident concerning B alone and a message posted to B alone.
    let b_support = support_ids(&app, &b, &app.operator_token());
    // Every role of tenant A, including its global admin who may do most things at home.
    let a_callers: [(&Person, &[AdminRole]); 3] = [
        (&a.global_admin, &[AdminRole::GlobalAdmin]),
        (&a.cloud_manager, &[AdminRole::CloudManager]),
        (&a_member, &[]),
    ];
    // B's welcome to its new subscription is part of "before".
    mail::wait_for(&app.storage.mail_dir(), &b.global_admin.contact_email, 2);
    let before = snapshot(&app, &b);
    for route in ROUTES.iter().filter(|r| r.path.contains("{tid}")) {
        for (n, (caller, roles)) in a_callers.iter().enumerate() {
            // B's tenant with B's person and B's subscription.
            let body = valid_body(route, &a, &format!("x{n}"));
            let theirs = Ids {
                tid: &b.id,
                uid: &b_member.id,
                sid: &b_sid,
                rid: &b_rid,
                token: &b_token,
                name: &b.domain,
                ..Ids::default()
            }
            .with_support(&b_support);
            let reply = call(&app, route, &caller.token, &theirs, body.clone());
            if matches!(route.rule, Rule::Operator | Rule::FlagCustomer) {
                // The same answer for any tenant: operators only, partner people only.
                reply.assert_problem(403, "forbidden");
            } else {
                reply.assert_problem(404, "not_found");
            }
            // A's own tenant with B's person, subscription, relationship, service request,
            // incident or message.
            let ours =
                Ids { tid: &a.id, uid: &a_member.id, sid: &a_sid, token: &b_token, name: &a.domain, ..Ids::default() };
            let mut mixes = Vec::new();
            // B's service request, incident or message is not found in A by whoever may work
            // on A's: no one else learns more than their 403.
            let mut strict = Vec::new();
            if route.path.contains("{uid}") {
                mixes.push(Ids { uid: &b_member.id, ..ours });
            }
            if route.path.contains("{sid}") {
                mixes.push(Ids { sid: &b_sid, ..ours });
            }
            if route.path.contains("{rid}") {
                mixes.push(Ids { rid: &b_rid, ..ours });
            }
            if route.path.contains("{name}") {
                mixes.push(Ids { name: &b.domain, ..ours });
            }
            if route.path.contains("{drid}") {
                mixes.push(Ids { drid: &b_support.drid, ..ours });
            }
            if route.path.contains("{whid}") {
                mixes.push(Ids { whid: &b_support.whid, ..ours });
            }
            if route.path.contains("{srid}") {
                strict.push(Ids { srid: &b_support.srid, ..ours });
            }
            if route.path.contains("{iid}") {
                strict.push(Ids { iid: &b_support.iid, ..ours });
            }
            if route.path.contains("{mid}") {
                strict.push(Ids { mid: &b_support.mid, ..ours });
            }
            for mixed in &strict {
                let reply = call(&app, route, &caller.token, mixed, body.clone());
                if expected(route.rule, Who::Member(roles), &RoleSet::default()) {
                    assert_eq!(reply.status, 404, "{} {} with B's id: {reply:?}", route.method, route.path);
                    reply.assert_problem(404, "not_found");
                } else {
                    assert_eq!(reply.status, 403, "{} {} with B's id: {reply:?}", route.method, route.path);
                    reply.assert_problem(403, "forbidden");
                }
            }
            for mixed in &mixes {
                let reply = call(&app, route, &caller.token, mixed, body.clone());
                assert!(
                    reply.status == 404 || reply.status == 403,
                    "{} {} with another tenant's id: {reply:?}",
                    route.method,
                    route.path
                );
                assert_eq!(reply.content_type(), "application/problem+json");
            }
        }
    }
    // A's admin cannot even tell whether B exists: an unknown tenant id answers the same.
    let nowhere = Ids { tid: "019a0000-0000-7000-8000-000000000000", uid: "x", sid: "y", ..Ids::default() };
    let unknown = call(&app, the_route("GET", "/v1/tenants/{tid}"), &a.global_admin.token, &nowhere, None);
    unknown.assert_problem(404, "not_found");
    // Mail for A's own fixture may still be arriving; compare B's view only once it has settled.
    std::thread::sleep(std::time::Duration::from_millis(200));
    let after = snapshot(&app, &b);
    assert_eq!(before.0, after.0, "tenant B's people changed");
    assert_eq!(before.1, after.1, "tenant B's audit trail changed");
    assert_eq!(before.3, after.3, "tenant B changed");
    assert_eq!(before.2, after.2, "mail was sent");
    assert_eq!(before.4, after.4, "tenant B's service requests, incidents or messages changed");
}
