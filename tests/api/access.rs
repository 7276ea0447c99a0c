//! Who may reach what, route by route: another tenant's ids are 404 and change nothing; a role
//! the permission matrix forbids is 403. The routes are enumerated in [`ROUTES`], and a test
//! checks that the table covers every operation of the published OpenAPI document, so a new
//! route cannot escape these checks.

use serde_json::{json, Value};
use tenantry_domain::permissions::{self, Action, Position, Target};
use tenantry_domain::{AdminRole, RoleSet};
use tenantry_tests::client::Call;
use tenantry_tests::people::{self, Person, Tenant, CHOSEN_PASSWORD};
use tenantry_tests::pools::{active_subscription, active_subscription_with, assign};
use tenantry_tests::{mail, Backend, TestApp};

use crate::Case;

pub fn cases() -> Vec<Case> {
    cases![
        the_route_table_covers_every_published_operation,
        another_tenants_ids_are_not_found_and_nothing_changes,
        every_tenant_route_follows_the_permission_matrix,
        requests_without_a_token_are_unauthorized_everywhere,
    ]
}

/// What decides access to a route.
#[derive(Debug, Clone, Copy)]
enum Rule {
    /// Public: no token needed.
    Public,
    /// Any signed-in person, about themselves.
    SignedIn,
    /// Platform operators only.
    Operator,
    /// A row of the matrix, aimed at the tenant as a whole.
    Tenant(Action),
    /// A row of the matrix aimed at a person who is not the caller and holds no role.
    OtherPerson(Action),
    /// Creating a user: plain users are user management, admins are designation.
    CreateUser,
    /// Resetting a password: the row depends on the target's roles.
    PasswordReset,
    /// Changing plan moves licences between pools: both rows must allow it.
    PlanChange,
}

struct Route {
    method: &'static str,
    path: &'static str,
    rule: Rule,
}

const ROUTES: &[Route] = &[
    Route { method: "GET", path: "/healthz", rule: Rule::Public },
    Route { method: "GET", path: "/readyz", rule: Rule::Public },
    Route { method: "GET", path: "/metrics", rule: Rule::Public },
    Route { method: "GET", path: "/.well-known/jwks.json", rule: Rule::Public },
    Route { method: "POST", path: "/v1/auth/token", rule: Rule::Public },
    Route { method: "GET", path: "/v1/me", rule: Rule::SignedIn },
    Route { method: "POST", path: "/v1/me/password", rule: Rule::SignedIn },
    Route { method: "GET", path: "/v1/me/preferences", rule: Rule::SignedIn },
    Route { method: "PUT", path: "/v1/me/preferences", rule: Rule::SignedIn },
    Route { method: "GET", path: "/v1/tenants", rule: Rule::Operator },
    Route { method: "POST", path: "/v1/tenants", rule: Rule::Operator },
    Route { method: "GET", path: "/v1/tenants/{tid}", rule: Rule::Tenant(Action::ReadTenant) },
    Route { method: "PATCH", path: "/v1/tenants/{tid}", rule: Rule::Operator },
    Route { method: "GET", path: "/v1/tenants/{tid}/users", rule: Rule::Tenant(Action::ReadTenant) },
    Route { method: "POST", path: "/v1/tenants/{tid}/users", rule: Rule::CreateUser },
    Route { method: "GET", path: "/v1/tenants/{tid}/users/{uid}", rule: Rule::OtherPerson(Action::ReadTenant) },
    Route { method: "PATCH", path: "/v1/tenants/{tid}/users/{uid}", rule: Rule::OtherPerson(Action::ManageUsers) },
    Route { method: "DELETE", path: "/v1/tenants/{tid}/users/{uid}", rule: Rule::OtherPerson(Action::ManageUsers) },
    Route {
        method: "PUT",
        path: "/v1/tenants/{tid}/users/{uid}/roles",
        rule: Rule::OtherPerson(Action::DesignateAdmins),
    },
    Route { method: "POST", path: "/v1/tenants/{tid}/users/{uid}/password-reset", rule: Rule::PasswordReset },
    Route { method: "GET", path: "/v1/tenants/{tid}/audit-events", rule: Rule::Tenant(Action::ReadAuditLog) },
    Route { method: "GET", path: "/v1/plans", rule: Rule::SignedIn },
    Route { method: "GET", path: "/v1/tenants/{tid}/subscriptions", rule: Rule::Tenant(Action::ReadTenant) },
    Route { method: "POST", path: "/v1/tenants/{tid}/subscriptions", rule: Rule::Tenant(Action::ManageSubscriptions) },
    Route { method: "GET", path: "/v1/tenants/{tid}/subscriptions/{sid}", rule: Rule::Tenant(Action::ReadTenant) },
    Route {
        method: "POST",
        path: "/v1/tenants/{tid}/subscriptions/{sid}/seats",
        rule: Rule::Tenant(Action::ManageSubscriptions),
    },
    Route {
        method: "POST",
        path: "/v1/tenants/{tid}/subscriptions/{sid}/activation",
        rule: Rule::Tenant(Action::ManageSubscriptions),
    },
    Route { method: "POST", path: "/v1/tenants/{tid}/subscriptions/{sid}/suspend", rule: Rule::Operator },
    Route { method: "POST", path: "/v1/tenants/{tid}/subscriptions/{sid}/reactivate", rule: Rule::Operator },
    Route {
        method: "POST",
        path: "/v1/tenants/{tid}/subscriptions/{sid}/terminate",
        rule: Rule::Tenant(Action::ManageSubscriptions),
    },
    Route { method: "POST", path: "/v1/tenants/{tid}/subscriptions/{sid}/change-plan", rule: Rule::PlanChange },
    Route { method: "GET", path: "/v1/tenants/{tid}/license-summary", rule: Rule::Tenant(Action::ReadTenant) },
    Route {
        method: "PUT",
        path: "/v1/tenants/{tid}/users/{uid}/licenses/{sid}",
        rule: Rule::Tenant(Action::AssignLicences),
    },
    Route {
        method: "DELETE",
        path: "/v1/tenants/{tid}/users/{uid}/licenses/{sid}",
        rule: Rule::Tenant(Action::AssignLicences),
    },
];

fn the_route_table_covers_every_published_operation(backend: Backend) {
    let app = TestApp::spawn(backend);
    let document = app.client.send(Call::new("GET", "/api-docs/openapi.json")).json();
    let mut published = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            published.push(format!("{} {path}", method.to_uppercase()));
        }
    }
    published.sort();
    let mut tabled: Vec<String> = ROUTES.iter().map(|r| format!("{} {}", r.method, r.path)).collect();
    tabled.sort();
    assert_eq!(published, tabled, "ROUTES must list exactly the published operations");
}

/// A request body that is valid for the route, so that only access decides the answer.
fn valid_body(route: &Route, tenant: &Tenant, unique: &str) -> Option<Value> {
    match (route.method, route.path) {
        ("POST", "/v1/tenants/{tid}/users") => Some(json!({
            "display_name": format!("Created {unique}"), "sign_in": format!("created-{unique}@{}", tenant.domain),
            "password": CHOSEN_PASSWORD})),
        ("PATCH", "/v1/tenants/{tid}/users/{uid}") => Some(json!({"display_name": format!("Edited {unique}")})),
        ("PATCH", "/v1/tenants/{tid}") => Some(json!({"name": format!("Renamed {unique}")})),
        ("PUT", "/v1/tenants/{tid}/users/{uid}/roles") => Some(json!({"roles": []})),
        ("POST", "/v1/tenants/{tid}/users/{uid}/password-reset") => Some(json!({})),
        ("POST", "/v1/tenants/{tid}/subscriptions") => Some(json!({"plan": "enterprise_e1", "seats": 1})),
        ("POST", "/v1/tenants/{tid}/subscriptions/{sid}/seats") => Some(json!({"seats": 1})),
        ("POST", "/v1/tenants/{tid}/subscriptions/{sid}/activation") => Some(json!({"delta": 1})),
        ("POST", "/v1/tenants/{tid}/subscriptions/{sid}/change-plan") => {
            Some(json!({"target_plan": "enterprise_e5", "dry_run": true}))
        }
        (_, path) if path.contains("/subscriptions/{sid}/") => Some(json!({})),
        _ => None,
    }
}

/// The ids a route's path is filled with.
struct Ids<'a> {
    tid: &'a str,
    uid: &'a str,
    sid: &'a str,
}

fn call(app: &TestApp, route: &Route, token: &str, ids: &Ids<'_>, body: Option<Value>) -> tenantry_tests::Reply {
    let path = route.path.replace("{tid}", ids.tid).replace("{uid}", ids.uid).replace("{sid}", ids.sid);
    let mut request = Call::new(route.method, &path).token(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    app.client.send(request)
}

/// What tenant B looks like to its own admin: people, audit trail and mail.
fn snapshot(app: &TestApp, tenant: &Tenant) -> (Value, Value, usize, Value) {
    let admin = &tenant.global_admin.token;
    let users = json!([
        app.client.get(&format!("/v1/tenants/{}/users?limit=200", tenant.id), admin).json(),
        app.client.get(&format!("/v1/tenants/{}/subscriptions?limit=200", tenant.id), admin).json(),
    ]);
    let audit = app.client.get(&format!("/v1/tenants/{}/audit-events?limit=200", tenant.id), admin).json();
    let tenant_view = app.client.get(&format!("/v1/tenants/{}", tenant.id), admin).json();
    // Mail to the tenant's people only: the other tenant's may still be arriving.
    let to_them = format!(".{}@", tenant.slug);
    let mail = mail::all(&app.storage.mail_dir()).iter().filter(|m| m.contains(&to_them)).count();
    (users, audit, mail, tenant_view)
}

fn another_tenants_ids_are_not_found_and_nothing_changes(backend: Backend) {
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
    // Every role of tenant A, including its global admin who may do most things at home.
    let a_callers = [&a.global_admin, &a.cloud_manager, &a_member];
    // B's welcome to its new subscription is part of "before".
    mail::wait_for(&app.storage.mail_dir(), &b.global_admin.contact_email, 2);
    let before = snapshot(&app, &b);
    for route in ROUTES.iter().filter(|r| r.path.contains("{tid}")) {
        for (n, caller) in a_callers.iter().enumerate() {
            // B's tenant with B's person and B's subscription.
            let body = valid_body(route, &a, &format!("x{n}"));
            let theirs = Ids { tid: &b.id, uid: &b_member.id, sid: &b_sid };
            let reply = call(&app, route, &caller.token, &theirs, body.clone());
            if matches!(route.rule, Rule::Operator) {
                reply.assert_problem(403, "forbidden");
            } else {
                reply.assert_problem(404, "not_found");
            }
            // A's own tenant with B's person or B's subscription.
            let mut mixes = Vec::new();
            if route.path.contains("{uid}") {
                mixes.push(Ids { tid: &a.id, uid: &b_member.id, sid: &a_sid });
            }
            if route.path.contains("{sid}") {
                mixes.push(Ids { tid: &a.id, uid: &a_member.id, sid: &b_sid });
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
    let nowhere = Ids { tid: "019a0000-0000-7000-8000-000000000000", uid: "x", sid: "y" };
    let unknown = call(&app, &ROUTES[11], &a.global_admin.token, &nowhere, None);
    unknown.assert_problem(404, "not_found");
    // Mail for A's own fixture may still be arriving; compare B's view only once it has settled.
    std::thread::sleep(std::time::Duration::from_millis(200));
    let after = snapshot(&app, &b);
    assert_eq!(before.0, after.0, "tenant B's people changed");
    assert_eq!(before.1, after.1, "tenant B's audit trail changed");
    assert_eq!(before.3, after.3, "tenant B changed");
    assert_eq!(before.2, after.2, "mail was sent");
}

/// The positions a caller holds, as the matrix sees them; `None` for the operator.
fn positions(roles: &[AdminRole]) -> Vec<Position> {
    Position::of_member(&RoleSet::new(roles.iter().copied()))
}

fn expected(rule: Rule, caller_roles: Option<&[AdminRole]>, target_roles: &RoleSet) -> bool {
    let Some(roles) = caller_roles else {
        // The platform operator.
        return match rule {
            Rule::Operator => true,
            Rule::Tenant(action) | Rule::OtherPerson(action) => permissions::operator_permits(action),
            Rule::CreateUser | Rule::PasswordReset | Rule::PlanChange => false,
            Rule::Public | Rule::SignedIn => true,
        };
    };
    let held = positions(roles);
    match rule {
        Rule::Operator => false,
        Rule::Public | Rule::SignedIn => true,
        Rule::Tenant(action) => permissions::permits(&held, action, Target::Tenant),
        Rule::OtherPerson(action) => {
            permissions::permits(&held, action, Target::Person { is_caller: false, roles: target_roles })
        }
        Rule::CreateUser => permissions::permits(&held, Action::ManageUsers, Target::Tenant),
        Rule::PasswordReset => permissions::permits(
            &held,
            permissions::password_reset_action(target_roles),
            Target::Person { is_caller: false, roles: target_roles },
        ),
        Rule::PlanChange => {
            permissions::permits(&held, Action::ManageSubscriptions, Target::Tenant)
                && permissions::permits(&held, Action::AssignLicences, Target::Tenant)
        }
    }
}

fn every_tenant_route_follows_the_permission_matrix(backend: Backend) {
    let app = TestApp::spawn(backend);
    let tenant = people::tenant_with_admin(&app, "matrix");
    let operator = app.operator_token();
    let billing = people::add_member(&app, &tenant, "billing", &["billing_admin"]);
    let password = people::add_member(&app, &tenant, "password", &["password_admin"]);
    let plain = people::add_member(&app, &tenant, "plain", &[]);
    let callers: Vec<(&str, &str, Option<&[AdminRole]>)> = vec![
        ("cloud manager", &tenant.cloud_manager.token, Some(&[AdminRole::CloudManager])),
        ("global admin", &tenant.global_admin.token, Some(&[AdminRole::GlobalAdmin])),
        ("billing admin", &billing.token, Some(&[AdminRole::BillingAdmin])),
        ("password admin", &password.token, Some(&[AdminRole::PasswordAdmin])),
        ("plain user", &plain.token, Some(&[])),
        ("operator", &operator, None),
    ];
    // Targets of password resets, one per kind of person the matrix distinguishes.
    let reset_targets: Vec<(Person, RoleSet)> = vec![
        (people::add_member(&app, &tenant, "reset-plain", &[]), RoleSet::default()),
        (people::add_member(&app, &tenant, "reset-pw", &["password_admin"]), RoleSet::new([AdminRole::PasswordAdmin])),
        (people::add_member(&app, &tenant, "reset-global", &["global_admin"]), RoleSet::new([AdminRole::GlobalAdmin])),
    ];
    // One big pool for routes that do not use it up: seats bought, activated, licences given.
    let shared = active_subscription_with(&app, &tenant, "enterprise_e3", 1000, 500);
    let shared = shared["id"].as_str().unwrap().to_owned();
    let operator_token = operator.clone();
    let mut checked = 0;
    for route in ROUTES.iter().filter(|r| r.path.contains("{tid}") || matches!(r.rule, Rule::Operator)) {
        for (n, (who, token, roles)) in callers.iter().enumerate() {
            let label = format!("t{checked}-{n}");
            // The subscription: fresh where a permitted call would use it up.
            let sid = match route.path {
                p if p.ends_with("/suspend") || p.ends_with("/terminate") => {
                    active_subscription(&app, &tenant, "enterprise_e1", 1)["id"].as_str().unwrap().to_owned()
                }
                p if p.ends_with("/reactivate") => {
                    let fresh =
                        active_subscription(&app, &tenant, "enterprise_e1", 1)["id"].as_str().unwrap().to_owned();
                    let suspend = format!("/v1/tenants/{}/subscriptions/{fresh}/suspend", tenant.id);
                    app.client.post(&suspend, &operator_token, &json!({})).assert_status(200);
                    fresh
                }
                _ => shared.clone(),
            };
            let targets: Vec<(String, RoleSet)> = match route.rule {
                Rule::PasswordReset => reset_targets.iter().map(|(p, r)| (p.id.clone(), r.clone())).collect(),
                // A fresh plain person each time: a permitted DELETE removes them or their licence.
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
                let body = match (route.method, route.path) {
                    ("POST", "/v1/tenants") => Some(json!({"name": "Made", "slug": format!("made-{checked}"),
                        "cloud_manager": {"display_name": "M", "user_name": "m", "contact_email": "m@example.com"}})),
                    _ => valid_body(route, &tenant, &format!("{checked}")),
                };
                let ids = Ids { tid: &tenant.id, uid: &target, sid: &sid };
                let reply = call(&app, route, token, &ids, body);
                let allowed = expected(route.rule, *roles, &target_roles);
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

fn requests_without_a_token_are_unauthorized_everywhere(backend: Backend) {
    let app = TestApp::spawn(backend);
    for route in ROUTES.iter().filter(|r| !matches!(r.rule, Rule::Public)) {
        let path = route
            .path
            .replace("{tid}", "019a0000-0000-7000-8000-000000000001")
            .replace("{uid}", "019a0000-0000-7000-8000-000000000002");
        let reply = app.client.send(Call::new(route.method, &path).json(&json!({})));
        reply.assert_problem(401, "unauthenticated");
        assert!(reply.header("www-authenticate").is_some_and(|v| v.starts_with("Bearer")), "{reply:?}");
    }
}
