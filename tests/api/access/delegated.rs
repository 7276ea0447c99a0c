//! Partners' agents and API clients in a customer: the matrix's delegated columns there, 404 elsewhere.

use serde_json::json;
use tenantry_domain::partner::{self as partner_rules, DelegatedAccess, PartnerSeat};
use tenantry_domain::{AdminRole, RoleSet};
use tenantry_tests::people::{self, Tenant};
use tenantry_tests::pools::{active_subscription, active_subscription_with, assign, quick_member};
use tenantry_tests::{mail, Backend, TestApp};

use super::fixtures::{
    call, consumable_subscription, domain_for, snapshot, support_ids, valid_body, webhook_for, Ids, SupportIds,
};
use super::partner_setup::{accept_offer, api_client, give_access, offer, partner_org, partner_person, PartnerOrg};
use super::routes::{Rule, ROUTES};
use super::rules::{expected, is_platform_route, Who};

/// A customer of a partner, ready for every route: the relationship, a big pool for routes
/// that do not use it up, people whose passwords are reset, and what its support routes act on.
struct Customer {
    tenant: Tenant,
    rid: String,
    shared: String,
    reset_targets: Vec<(String, RoleSet)>,
    support: SupportIds,
}

fn customer(app: &TestApp, operator: &str, partner: &PartnerOrg, slug: &str, access: &str) -> Customer {
    let tenant = people::tenant_with_admin(app, slug);
    let rid = accept_offer(app, &tenant, offer(app, partner, access)["token"].as_str().unwrap());
    let shared = active_subscription_with(app, &tenant, "enterprise_e3", 1000, 500)["id"].as_str().unwrap().to_owned();
    let reset_targets = [
        ("reset-plain", RoleSet::default()),
        ("reset-pw", RoleSet::new([AdminRole::PasswordAdmin])),
        ("reset-global", RoleSet::new([AdminRole::GlobalAdmin])),
    ]
    .into_iter()
    .map(|(name, roles)| {
        let names: Vec<&str> = roles.iter().map(|role| role.as_str()).collect();
        (people::add_member(app, &tenant, name, &names).id, roles)
    })
    .collect();
    let support = support_ids(app, &tenant, operator);
    Customer { tenant, rid, shared, reset_targets, support }
}

/// An agent or API client acting for its customer.
struct Delegated<'a> {
    label: &'static str,
    token: String,
    seat: PartnerSeat,
    access: DelegatedAccess,
    customer: &'a Customer,
}

pub(super) fn every_customer_route_follows_the_matrix_for_delegated_callers(backend: Backend) {
    let app = TestApp::spawn(backend);
    let operator = app.operator_token();
    let partner = partner_org(&app, &operator, "deleg");
    let full = customer(&app, &operator, &partner, "deleg-full", "full");
    let limited = customer(&app, &operator, &partner, "deleg-limited", "limited");
    let agent_full = partner_person(&app, &partner.admin.token, &partner.id, "deleg", "agent-full", "partner_agent");
    let agent_limited =
        partner_person(&app, &partner.admin.token, &partner.id, "deleg", "agent-limited", "partner_agent");
    let (client_full, client_full_token) = api_client(&app, &partner, "full sync");
    let (client_limited, client_limited_token) = api_client(&app, &partner, "limited sync");
    give_access(&app, &partner, "users", &agent_full.id, &full.tenant.id, "full");
    give_access(&app, &partner, "users", &agent_limited.id, &limited.tenant.id, "limited");
    give_access(&app, &partner, "api-clients", &client_full, &full.tenant.id, "full");
    give_access(&app, &partner, "api-clients", &client_limited, &limited.tenant.id, "limited");
    let callers = [
        Delegated {
            label: "agent (full)",
            token: agent_full.token.clone(),
            seat: PartnerSeat::Agent,
            access: DelegatedAccess::Full,
            customer: &full,
        },
        Delegated {
            label: "agent (limited)",
            token: agent_limited.token.clone(),
            seat: PartnerSeat::Agent,
            access: DelegatedAccess::Limited,
            customer: &limited,
        },
        Delegated {
            label: "API client (full)",
            token: client_full_token,
            seat: PartnerSeat::ApiClient,
            access: DelegatedAccess::Full,
            customer: &full,
        },
        Delegated {
            label: "API client (limited)",
            token: client_limited_token,
            seat: PartnerSeat::ApiClient,
            access: DelegatedAccess::Limited,
            customer: &limited,
        },
    ];
    // Another partner's offer: accepting it is the customer's own decision.
    let elsewhere = partner_org(&app, &operator, "deleg-other");
    let other_offer = offer(&app, &elsewhere, "full")["token"].as_str().unwrap().to_owned();

    // In their customer: the matrix's delegated column decides.
    let mut checked = 0;
    for route in ROUTES.iter().filter(|r| r.path.contains("{tid}")) {
        for (n, caller) in callers.iter().enumerate() {
            let customer = caller.customer;
            let tenant = &customer.tenant;
            let who = Who::Partner { seat: caller.seat, access: Some(caller.access) };
            // A fresh subscription only where a permitted call would use it up.
            let sid = expected(route.rule, who, &RoleSet::default())
                .then(|| consumable_subscription(&app, tenant, route, &operator))
                .flatten()
                .unwrap_or_else(|| customer.shared.clone());
            let targets: Vec<(String, RoleSet)> = match route.rule {
                Rule::PasswordReset => customer.reset_targets.clone(),
                // A fresh plain person each time: a permitted DELETE removes them or their license.
                _ if route.path.contains("{uid}") => {
                    let person = quick_member(&app, tenant, &format!("d{checked}-{n}"));
                    if route.path.ends_with("/licenses/{sid}") && route.method == "DELETE" {
                        assign(&app, tenant, &person, &sid).assert_status(201);
                    }
                    vec![(person, RoleSet::default())]
                }
                _ => vec![(String::new(), RoleSet::default())],
            };
            for (target, target_roles) in targets {
                let body = valid_body(route, tenant, &format!("d{checked}"));
                let name = domain_for(&app, tenant, route, &format!("d{checked}-{n}"));
                let ids = Ids {
                    tid: &tenant.id,
                    uid: &target,
                    sid: &sid,
                    rid: &customer.rid,
                    token: &other_offer,
                    name: &name,
                    ..Ids::default()
                }
                .with_support(&customer.support);
                let webhooks = format!("/v1/tenants/{}/webhooks", tenant.id);
                let whid = webhook_for(&app, &webhooks, &tenant.global_admin.token, route, &customer.support.whid);
                let ids = Ids { whid: &whid, ..ids };
                let reply = call(&app, route, &caller.token, &ids, body);
                if expected(route.rule, who, &target_roles) {
                    assert!(
                        (200..300).contains(&reply.status),
                        "{} may {} {} (target roles {target_roles:?}): {reply:?}",
                        caller.label,
                        route.method,
                        route.path
                    );
                } else {
                    assert_eq!(
                        reply.status, 403,
                        "{} may not {} {} (target roles {target_roles:?}): {reply:?}",
                        caller.label, route.method, route.path
                    );
                    reply.assert_problem(403, "forbidden");
                }
                checked += 1;
            }
        }
    }
    let routes = ROUTES.iter().filter(|r| r.path.contains("{tid}")).count();
    let per_caller = routes + full.reset_targets.len() - 1;
    assert_eq!(checked, callers.len() * per_caller, "every route was tried for every delegated caller");

    // Outside tenants: the operator's routes are refused; feedback is anyone's, API clients too.
    for route in ROUTES.iter().filter(|r| is_platform_route(r)) {
        for (n, caller) in callers.iter().enumerate() {
            let customer = caller.customer;
            let who = Who::Partner { seat: caller.seat, access: Some(caller.access) };
            let body = valid_body(route, &customer.tenant, &format!("p{n}"));
            let ids = Ids::default().with_support(&customer.support);
            let reply = call(&app, route, &caller.token, &ids, body);
            if expected(route.rule, who, &RoleSet::default()) {
                assert!(
                    (200..300).contains(&reply.status),
                    "{} may {} {}: {reply:?}",
                    caller.label,
                    route.method,
                    route.path
                );
            } else {
                assert_eq!(reply.status, 403, "{} may not {} {}: {reply:?}", caller.label, route.method, route.path);
                reply.assert_problem(403, "forbidden");
            }
        }
    }

    // Global admins (and cloud managers) stay with the customer, even with full access: a
    // delegate neither designates them, nor changes, edits or deletes them.
    let tenant = &full.tenant;
    let users = format!("/v1/tenants/{}/users", tenant.id);
    let plain = quick_member(&app, tenant, "designation-target");
    let kept: Vec<&str> = partner_rules::customer_only_roles().iter().map(|role| role.as_str()).collect();
    assert!(kept.contains(&"global_admin"), "{kept:?}");
    let customers_own = [(&tenant.global_admin.id, "global_admin"), (&tenant.cloud_manager.id, "cloud_manager")];
    for caller in callers.iter().filter(|c| c.access == DelegatedAccess::Full) {
        let slug = caller.label.replace(['(', ')', ' '], "");
        let new_admin = |roles: &[&str], name: &str| {
            json!({"display_name": format!("Designated {name}"), "sign_in": format!("{name}-{slug}@{}", tenant.domain),
                   "contact_email": format!("{name}.{slug}@example.com"), "roles": roles})
        };
        let refused = |reply: tenantry_tests::Reply, what: &str| {
            assert_eq!(reply.status, 403, "{} {what}: {reply:?}", caller.label);
            reply.assert_problem(403, "forbidden");
        };
        for role in &kept {
            let name = format!("kept-{}", role.replace('_', "-"));
            refused(
                app.client.post(&users, &caller.token, &new_admin(&[role], &name)),
                &format!("designated a {role}"),
            );
            let roles = json!({"roles": [role]});
            refused(
                app.client.put(&format!("{users}/{plain}/roles"), &caller.token, &roles),
                &format!("made a {role}"),
            );
            let search = app.client.get(&format!("{users}?q={name}-{slug}"), &tenant.global_admin.token);
            assert_eq!(search.json()["items"], json!([]), "{} created a {role} anyway", caller.label);
        }
        for (id, role) in customers_own {
            let own = format!("{users}/{id}");
            refused(
                app.client.put(&format!("{own}/roles"), &caller.token, &json!({"roles": []})),
                &format!("demoted the {role}"),
            );
            let edit = json!({"display_name": "Renamed by a partner"});
            refused(app.client.patch(&own, &caller.token, &edit), &format!("edited the {role}"));
            refused(app.client.delete(&own, &caller.token), &format!("deleted the {role}"));
        }
        // Nor any other admin role: full access is the global admin's role, which stays the
        // customer's, and a partner grants nothing beyond its relationship.
        refused(
            app.client.post(&users, &caller.token, &new_admin(&["billing_admin"], "ba")),
            "designated a billing_admin",
        );
    }
    for (id, role) in customers_own {
        let person = app.client.get(&format!("{users}/{id}"), &tenant.global_admin.token);
        person.assert_status(200);
        assert_eq!(person.json()["roles"], json!([role]), "{person:?}");
        assert_ne!(person.json()["display_name"], "Renamed by a partner", "{person:?}");
    }
    let plain_now = app.client.get(&format!("{users}/{plain}"), &tenant.global_admin.token);
    assert_eq!(plain_now.json()["roles"], json!([]), "{plain_now:?}");

    // Anywhere else the tenant does not exist for them, and nothing changes there: in a tenant
    // with no relationship, and in their partner's other customer, where they were given nothing.
    let stranger = people::tenant_with_admin(&app, "deleg-stranger");
    let stranger_member = quick_member(&app, &stranger, "member");
    let stranger_sid = active_subscription(&app, &stranger, "enterprise_e3", 5)["id"].as_str().unwrap().to_owned();
    assign(&app, &stranger, &stranger_member, &stranger_sid).assert_status(201);
    let stranger_support = support_ids(&app, &stranger, &operator);
    mail::wait_for(&app.storage.mail_dir(), &stranger.global_admin.contact_email, 2);
    let before = snapshot(&app, &stranger);
    let unassigned_members =
        [quick_member(&app, &full.tenant, "unassigned"), quick_member(&app, &limited.tenant, "unassigned")];
    for route in ROUTES.iter().filter(|r| r.path.contains("{tid}")) {
        for (n, caller) in callers.iter().enumerate() {
            let other = if caller.access == DelegatedAccess::Full { &limited } else { &full };
            let other_member = &unassigned_members[usize::from(caller.access == DelegatedAccess::Full)];
            let places = [
                (
                    "a tenant it has no relationship with",
                    &stranger,
                    Ids {
                        tid: &stranger.id,
                        uid: &stranger_member,
                        sid: &stranger_sid,
                        rid: &caller.customer.rid,
                        token: &other_offer,
                        ..Ids::default()
                    }
                    .with_support(&stranger_support),
                ),
                (
                    "a customer of its partner it was given no access to",
                    &other.tenant,
                    Ids {
                        tid: &other.tenant.id,
                        uid: other_member,
                        sid: &other.shared,
                        rid: &other.rid,
                        token: &other_offer,
                        ..Ids::default()
                    }
                    .with_support(&other.support),
                ),
            ];
            for (place, tenant, ids) in places {
                let reply = call(&app, route, &caller.token, &ids, valid_body(route, tenant, &format!("s{n}")));
                let refused = match route.rule {
                    // The same answer for any tenant: operators only; partner people only.
                    Rule::Operator => true,
                    Rule::FlagCustomer => caller.seat == PartnerSeat::ApiClient,
                    _ => false,
                };
                if refused {
                    assert_eq!(reply.status, 403, "{} {} {}: {reply:?}", caller.label, route.method, route.path);
                    reply.assert_problem(403, "forbidden");
                } else {
                    assert_eq!(
                        reply.status, 404,
                        "{} {} {} in {place}: {reply:?}",
                        caller.label, route.method, route.path
                    );
                    reply.assert_problem(404, "not_found");
                }
            }
        }
    }
    std::thread::sleep(std::time::Duration::from_millis(200));
    let after = snapshot(&app, &stranger);
    assert_eq!(before.0, after.0, "the stranger's people changed");
    assert_eq!(before.1, after.1, "the stranger's audit trail changed");
    assert_eq!(before.3, after.3, "the stranger changed");
    assert_eq!(before.2, after.2, "mail was sent to the stranger's people");
    assert_eq!(before.4, after.4, "the stranger's service requests, incidents or messages changed");

    // Neither accepting nor ending took place, whoever asked.
    for customer in [&full, &limited] {
        let relationships = app.client.get(
            &format!("/v1/tenants/{}/partner-relationships", customer.tenant.id),
            &customer.tenant.global_admin.token,
        );
        relationships.assert_status(200);
        let items = relationships.json()["items"].clone();
        assert_eq!(items.as_array().map(Vec::len), Some(1), "{items}");
        assert_eq!(items[0]["id"], customer.rid.as_str(), "{items}");
        assert_eq!(items[0]["status"], "active", "{items}");
    }
}
