//! Who may reach what, route by route: another tenant's ids are 404 and change nothing; a role
//! the permission matrix forbids is 403. The routes are enumerated in [`ROUTES`], and a test
//! checks that the table covers every operation of the published OpenAPI document, so a new
//! route cannot escape these checks.
//!
//! Partners' agents and API clients act in a customer with the matrix's delegated columns, and
//! nowhere else (404); the partner side follows the domain's partner table.

use serde_json::{json, Value};
use tenantry_domain::partner::{self as partner_rules, DelegatedAccess, PartnerAction, PartnerSeat};
use tenantry_domain::permissions::{self, Action, Position, Target};
use tenantry_domain::{AdminRole, RoleSet};
use tenantry_tests::client::Call;
use tenantry_tests::outbox::failed_message;
use tenantry_tests::people::{self, Person, Tenant, CHOSEN_PASSWORD};
use tenantry_tests::pools::{active_subscription, active_subscription_with, assign, quick_member};
use tenantry_tests::registrations::{register, registrant, wait_for_status};
use tenantry_tests::{mail, partners, Backend, TestApp};

use crate::Case;

pub fn cases() -> Vec<Case> {
    cases![
        the_route_table_covers_every_published_operation,
        another_tenants_ids_are_not_found_and_nothing_changes,
        every_tenant_route_follows_the_permission_matrix,
        every_customer_route_follows_the_matrix_for_delegated_callers,
        every_partner_route_follows_the_partner_table,
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
    /// A row of the matrix that only the tenant's side exercises: the operator, though allowed
    /// to work on the row's objects, is refused (support does not open a tenant's requests).
    CustomersOnly(Action),
    /// A row of the matrix aimed at a person who is not the caller and holds no role.
    OtherPerson(Action),
    /// Creating a user: plain users are user management, admins are designation.
    CreateUser,
    /// Resetting a password: the row depends on the target's roles.
    PasswordReset,
    /// Changing plan moves licences between pools: both rows must allow it.
    PlanChange,
    /// A row of the partner-side table, on the partner in the path: 404 for anyone outside it.
    Partner(PartnerAction),
    /// The partners one may see: every one for operators, one's own on a partner's side; 403 for
    /// tenant members.
    Partners,
    /// A partner person's own mark on a customer they act for: 403 for anyone else (API clients
    /// included), 404 for a tenant they do not act for.
    FlagCustomer,
    /// Ending a relationship: the matrix row (the customer's global admin), or an admin of that
    /// partner; never an agent or API client.
    EndRelationship,
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
    Route { method: "GET", path: "/v1/me/recent-users", rule: Rule::SignedIn },
    Route { method: "PUT", path: "/v1/me/flagged-customers/{tid}", rule: Rule::FlagCustomer },
    Route { method: "DELETE", path: "/v1/me/flagged-customers/{tid}", rule: Rule::FlagCustomer },
    Route {
        method: "GET",
        path: "/v1/tenants/{tid}/admin-offers/{token}",
        rule: Rule::Tenant(Action::ManagePartnerRelationships),
    },
    Route {
        method: "POST",
        path: "/v1/tenants/{tid}/admin-offers/{token}/accept",
        rule: Rule::Tenant(Action::ManagePartnerRelationships),
    },
    Route { method: "GET", path: "/v1/tenants/{tid}/partner-relationships", rule: Rule::Tenant(Action::ReadTenant) },
    Route {
        method: "POST",
        path: "/v1/tenants/{tid}/partner-relationships/{rid}/terminate",
        rule: Rule::EndRelationship,
    },
    Route {
        method: "GET",
        path: "/v1/tenants/{tid}/partner-relationships/{rid}/left-behind",
        rule: Rule::Tenant(Action::ManagePartnerRelationships),
    },
    Route {
        method: "POST",
        path: "/v1/tenants/{tid}/partner-relationships/{rid}/left-behind/disable",
        rule: Rule::Tenant(Action::ManagePartnerRelationships),
    },
    Route { method: "GET", path: "/v1/partners", rule: Rule::Partners },
    Route { method: "POST", path: "/v1/partners", rule: Rule::Operator },
    Route { method: "GET", path: "/v1/partners/{pid}", rule: Rule::Partner(PartnerAction::ReadPartner) },
    Route { method: "GET", path: "/v1/partners/{pid}/users", rule: Rule::Partner(PartnerAction::ReadPartner) },
    Route { method: "POST", path: "/v1/partners/{pid}/users", rule: Rule::Partner(PartnerAction::ManageStaff) },
    Route { method: "GET", path: "/v1/partners/{pid}/users/{puid}", rule: Rule::Partner(PartnerAction::ReadPartner) },
    Route { method: "GET", path: "/v1/partners/{pid}/domains", rule: Rule::Partner(PartnerAction::ReadPartner) },
    Route { method: "POST", path: "/v1/partners/{pid}/domains", rule: Rule::Partner(PartnerAction::ManageStaff) },
    Route {
        method: "DELETE",
        path: "/v1/partners/{pid}/domains/{name}",
        rule: Rule::Partner(PartnerAction::ManageStaff),
    },
    Route {
        method: "POST",
        path: "/v1/partners/{pid}/domains/{name}/verify",
        rule: Rule::Partner(PartnerAction::ManageStaff),
    },
    Route {
        method: "PUT",
        path: "/v1/partners/{pid}/users/{puid}/access",
        rule: Rule::Partner(PartnerAction::ManageDelegation),
    },
    Route { method: "GET", path: "/v1/partners/{pid}/admin-offers", rule: Rule::Partner(PartnerAction::ManageOffers) },
    Route { method: "POST", path: "/v1/partners/{pid}/admin-offers", rule: Rule::Partner(PartnerAction::ManageOffers) },
    Route {
        method: "GET",
        path: "/v1/partners/{pid}/admin-offers/{oid}",
        rule: Rule::Partner(PartnerAction::ManageOffers),
    },
    Route {
        method: "DELETE",
        path: "/v1/partners/{pid}/admin-offers/{oid}",
        rule: Rule::Partner(PartnerAction::ManageOffers),
    },
    Route {
        method: "GET",
        path: "/v1/partners/{pid}/api-clients",
        rule: Rule::Partner(PartnerAction::ManageApiClients),
    },
    Route {
        method: "POST",
        path: "/v1/partners/{pid}/api-clients",
        rule: Rule::Partner(PartnerAction::ManageApiClients),
    },
    Route {
        method: "GET",
        path: "/v1/partners/{pid}/api-clients/{cid}",
        rule: Rule::Partner(PartnerAction::ManageApiClients),
    },
    Route {
        method: "PUT",
        path: "/v1/partners/{pid}/api-clients/{cid}/access",
        rule: Rule::Partner(PartnerAction::ManageDelegation),
    },
    Route {
        method: "POST",
        path: "/v1/partners/{pid}/api-clients/{cid}/rotate-secret",
        rule: Rule::Partner(PartnerAction::ManageApiClients),
    },
    Route {
        method: "POST",
        path: "/v1/partners/{pid}/api-clients/{cid}/disable",
        rule: Rule::Partner(PartnerAction::ManageApiClients),
    },
    Route { method: "GET", path: "/v1/partners/{pid}/customers", rule: Rule::Partner(PartnerAction::ListCustomers) },
    // Support: service requests, worked by the tenant's side and by the operator's support staff.
    Route {
        method: "GET",
        path: "/v1/tenants/{tid}/service-requests",
        rule: Rule::Tenant(Action::WorkServiceRequests),
    },
    Route {
        method: "POST",
        path: "/v1/tenants/{tid}/service-requests",
        rule: Rule::CustomersOnly(Action::WorkServiceRequests),
    },
    Route {
        method: "GET",
        path: "/v1/tenants/{tid}/service-requests/{srid}",
        rule: Rule::Tenant(Action::WorkServiceRequests),
    },
    Route {
        method: "PATCH",
        path: "/v1/tenants/{tid}/service-requests/{srid}",
        rule: Rule::Tenant(Action::WorkServiceRequests),
    },
    Route {
        method: "POST",
        path: "/v1/tenants/{tid}/service-requests/{srid}/notes",
        rule: Rule::Tenant(Action::WorkServiceRequests),
    },
    Route { method: "GET", path: "/v1/service-requests", rule: Rule::Operator },
    // Service health: incidents published by the operator, read by each tenant.
    Route { method: "GET", path: "/v1/incidents", rule: Rule::Operator },
    Route { method: "POST", path: "/v1/incidents", rule: Rule::Operator },
    Route { method: "GET", path: "/v1/incidents/{iid}", rule: Rule::Operator },
    Route { method: "PATCH", path: "/v1/incidents/{iid}", rule: Rule::Operator },
    Route { method: "GET", path: "/v1/tenants/{tid}/service-health", rule: Rule::Tenant(Action::ReadServiceHealth) },
    Route { method: "GET", path: "/v1/tenants/{tid}/incidents", rule: Rule::Tenant(Action::ReadServiceHealth) },
    Route { method: "GET", path: "/v1/tenants/{tid}/incidents/{iid}", rule: Rule::Tenant(Action::ReadServiceHealth) },
    Route {
        method: "GET",
        path: "/v1/partners/{pid}/service-health",
        rule: Rule::Partner(PartnerAction::ListCustomers),
    },
    // The message centre and feedback.
    Route { method: "GET", path: "/v1/messages", rule: Rule::Operator },
    Route { method: "POST", path: "/v1/messages", rule: Rule::Operator },
    Route { method: "GET", path: "/v1/tenants/{tid}/messages", rule: Rule::Tenant(Action::ReadServiceHealth) },
    Route {
        method: "PUT",
        path: "/v1/tenants/{tid}/messages/{mid}/marks",
        rule: Rule::Tenant(Action::ReadServiceHealth),
    },
    Route { method: "GET", path: "/v1/feedback", rule: Rule::Operator },
    Route { method: "POST", path: "/v1/feedback", rule: Rule::SignedIn },
    // A tenant's domains.
    Route { method: "GET", path: "/v1/tenants/{tid}/domains", rule: Rule::Tenant(Action::ReadTenant) },
    Route { method: "POST", path: "/v1/tenants/{tid}/domains", rule: Rule::Tenant(Action::ManageDomains) },
    Route { method: "GET", path: "/v1/tenants/{tid}/domains/{name}", rule: Rule::Tenant(Action::ReadTenant) },
    Route { method: "DELETE", path: "/v1/tenants/{tid}/domains/{name}", rule: Rule::Tenant(Action::ManageDomains) },
    Route {
        method: "POST",
        path: "/v1/tenants/{tid}/domains/{name}/verify",
        rule: Rule::Tenant(Action::ManageDomains),
    },
    Route {
        method: "POST",
        path: "/v1/tenants/{tid}/domains/{name}/default",
        rule: Rule::Tenant(Action::ManageDomains),
    },
    Route { method: "GET", path: "/v1/tenants/{tid}/domains/{name}/dns-check", rule: Rule::Tenant(Action::ReadTenant) },
    // Buying domains.
    Route { method: "GET", path: "/v1/domain-availability", rule: Rule::SignedIn },
    Route { method: "GET", path: "/v1/tenants/{tid}/domain-registrations", rule: Rule::Tenant(Action::ReadTenant) },
    Route { method: "POST", path: "/v1/tenants/{tid}/domain-registrations", rule: Rule::Tenant(Action::ManageDomains) },
    Route {
        method: "GET",
        path: "/v1/tenants/{tid}/domain-registrations/{drid}",
        rule: Rule::Tenant(Action::ReadTenant),
    },
    // Self-service sign-up (public) and takeover (whoever signed up; refused for anyone else).
    Route { method: "POST", path: "/v1/signups", rule: Rule::Public },
    Route { method: "POST", path: "/v1/signups/{suid}/confirm", rule: Rule::Public },
    Route { method: "POST", path: "/v1/takeovers", rule: Rule::SignedIn },
    Route { method: "GET", path: "/v1/takeovers/{toid}", rule: Rule::SignedIn },
    Route { method: "POST", path: "/v1/takeovers/{toid}/verify", rule: Rule::SignedIn },
    Route { method: "POST", path: "/v1/takeovers/{toid}/complete", rule: Rule::SignedIn },
    // The outbox, for operators.
    Route { method: "GET", path: "/v1/outbox", rule: Rule::Operator },
    Route { method: "POST", path: "/v1/outbox/{msgid}/retry", rule: Rule::Operator },
    // Signing keys, for operators.
    Route { method: "POST", path: "/v1/signing-keys", rule: Rule::Operator },
    // Webhooks: a partner's admins for their integrations, a tenant's global admins for theirs.
    Route { method: "GET", path: "/v1/partners/{pid}/webhooks", rule: Rule::Partner(PartnerAction::ManageApiClients) },
    Route { method: "POST", path: "/v1/partners/{pid}/webhooks", rule: Rule::Partner(PartnerAction::ManageApiClients) },
    Route {
        method: "DELETE",
        path: "/v1/partners/{pid}/webhooks/{whid}",
        rule: Rule::Partner(PartnerAction::ManageApiClients),
    },
    Route {
        method: "GET",
        path: "/v1/partners/{pid}/webhooks/{whid}/deliveries",
        rule: Rule::Partner(PartnerAction::ManageApiClients),
    },
    Route { method: "GET", path: "/v1/tenants/{tid}/webhooks", rule: Rule::Tenant(Action::ManageWebhooks) },
    Route { method: "POST", path: "/v1/tenants/{tid}/webhooks", rule: Rule::Tenant(Action::ManageWebhooks) },
    Route { method: "DELETE", path: "/v1/tenants/{tid}/webhooks/{whid}", rule: Rule::Tenant(Action::ManageWebhooks) },
    Route {
        method: "GET",
        path: "/v1/tenants/{tid}/webhooks/{whid}/deliveries",
        rule: Rule::Tenant(Action::ManageWebhooks),
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
        ("POST", "/v1/tenants") => Some(json!({"name": "Made", "slug": format!("made-{unique}"),
            "cloud_manager": {"display_name": "M", "user_name": "m", "contact_email": "m@example.com"}})),
        ("POST", "/v1/partners") => Some(json!({"name": format!("Made partner {unique}")})),
        ("POST", "/v1/tenants/{tid}/service-requests") => Some(request_body(tenant, unique)),
        ("POST", "/v1/tenants/{tid}/domains") => Some(json!({"name": format!("access-{unique}.fr")})),
        ("POST", "/v1/tenants/{tid}/webhooks") => Some(webhook_body()),
        ("POST", "/v1/tenants/{tid}/domain-registrations") => {
            Some(json!({"name": format!("access-{}-{unique}.fr", tenant.slug), "registrant": registrant()}))
        }
        ("PATCH", "/v1/tenants/{tid}/service-requests/{srid}") => Some(json!({})),
        ("POST", "/v1/tenants/{tid}/service-requests/{srid}/notes") => Some(json!({"body": format!("Note {unique}")})),
        ("POST", "/v1/incidents") => Some(incident_body(&[tenant.id.as_str()], unique)),
        ("PATCH", "/v1/incidents/{iid}") => Some(json!({"message": format!("Still looking {unique}")})),
        ("POST", "/v1/messages") => Some(message_body(&[tenant.id.as_str()], unique)),
        ("PUT", "/v1/tenants/{tid}/messages/{mid}/marks") => Some(json!({"read": true})),
        ("POST", "/v1/feedback") => {
            Some(json!({"screen": "access", "message": format!("Feedback {unique}"), "rating": 4}))
        }
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

/// A valid severity-B service request (severity A would need a contact reachable 24/7).
fn request_body(tenant: &Tenant, unique: &str) -> Value {
    json!({"kind": "incident", "category": "technical", "workload": "mail", "title": format!("Slow mail {unique}"),
        "description": "Messages take twenty minutes to arrive.", "severity": "B",
        "contact": {"name": "Ada Contact", "email": format!("contact.{}@example.com", tenant.slug)}})
}

/// An incident of the mail workload concerning these tenants only.
fn incident_body(tenants: &[&str], unique: &str) -> Value {
    json!({"classification": "incident", "title": format!("Mail delays {unique}"), "impact": "Mail is slow.",
        "health": "degraded", "workloads": ["mail"], "tenant_ids": tenants, "message": "We are looking into it."})
}

/// A message of the message centre posted to these tenants only.
fn message_body(tenants: &[&str], unique: &str) -> Value {
    json!({"category": "stay_informed", "severity": "normal", "title": format!("News {unique}"),
        "body": "Something changes.", "tenant_ids": tenants})
}

/// What the support and domain routes of a tenant act on: a service request of the tenant, an
/// incident concerning it alone, a message posted to it alone, and a domain registration (its
/// Registrar resource has seats left for permitted registrations).
#[derive(Clone)]
struct SupportIds {
    srid: String,
    iid: String,
    mid: String,
    drid: String,
    whid: String,
}

fn support_ids(app: &TestApp, tenant: &Tenant, operator: &str) -> SupportIds {
    let path = format!("/v1/tenants/{}/service-requests", tenant.id);
    let reply = app.client.post(&path, &tenant.global_admin.token, &request_body(tenant, "fixture"));
    reply.assert_status(201);
    let srid = reply.json()["id"].as_str().unwrap().to_owned();
    let reply = app.client.post("/v1/incidents", operator, &incident_body(&[tenant.id.as_str()], &tenant.slug));
    reply.assert_status(201);
    let iid = reply.json()["id"].as_str().unwrap().to_owned();
    let reply = app.client.post("/v1/messages", operator, &message_body(&[tenant.id.as_str()], &tenant.slug));
    reply.assert_status(201);
    let mid = reply.json()["id"].as_str().unwrap().to_owned();
    active_subscription(app, tenant, "registrar", 100);
    let reply = register(app, tenant, &format!("fixture-{}.fr", tenant.slug));
    reply.assert_status(202);
    let drid = reply.json()["id"].as_str().unwrap().to_owned();
    // Settled before anyone compares the tenant before and after: active, its admin told.
    wait_for_status(app, tenant, &drid, "active");
    let told = |m: &String| m.contains(&format!("Votre domaine fixture-{}.fr est actif", tenant.slug));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while !mail::to(&app.storage.mail_dir(), &tenant.global_admin.contact_email).iter().any(told) {
        assert!(std::time::Instant::now() < deadline, "the fixture registration's mail never came");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let reply =
        app.client.post(&format!("/v1/tenants/{}/webhooks", tenant.id), &tenant.global_admin.token, &webhook_body());
    reply.assert_status(201);
    let whid = reply.json()["id"].as_str().unwrap().to_owned();
    SupportIds { srid, iid, mid, drid, whid }
}

/// The ids a route's path is filled with.
#[derive(Default, Clone, Copy)]
struct Ids<'a> {
    tid: &'a str,
    uid: &'a str,
    sid: &'a str,
    /// A relationship, and the token of an offer.
    rid: &'a str,
    token: &'a str,
    /// A partner, one of its people, API clients and offers.
    pid: &'a str,
    puid: &'a str,
    cid: &'a str,
    oid: &'a str,
    /// A service request, an incident and a message of the message centre.
    srid: &'a str,
    iid: &'a str,
    mid: &'a str,
    /// A domain of the tenant, and a registration.
    name: &'a str,
    drid: &'a str,
    /// A message of the outbox.
    msgid: &'a str,
    /// A webhook endpoint (of the tenant or the partner in the path).
    whid: &'a str,
}

impl<'a> Ids<'a> {
    /// The same ids, with a tenant's service request, incident and message.
    fn with_support(self, support: &'a SupportIds) -> Self {
        Ids {
            srid: &support.srid,
            iid: &support.iid,
            mid: &support.mid,
            drid: &support.drid,
            whid: &support.whid,
            ..self
        }
    }
}

fn call(app: &TestApp, route: &Route, token: &str, ids: &Ids<'_>, body: Option<Value>) -> tenantry_tests::Reply {
    let path = route
        .path
        .replace("{tid}", ids.tid)
        .replace("{uid}", ids.uid)
        .replace("{sid}", ids.sid)
        .replace("{rid}", ids.rid)
        .replace("{token}", ids.token)
        .replace("{pid}", ids.pid)
        .replace("{puid}", ids.puid)
        .replace("{cid}", ids.cid)
        .replace("{oid}", ids.oid)
        .replace("{srid}", ids.srid)
        .replace("{iid}", ids.iid)
        .replace("{mid}", ids.mid)
        .replace("{drid}", ids.drid)
        .replace("{msgid}", if ids.msgid.is_empty() { "no-such-message" } else { ids.msgid })
        .replace("{whid}", if ids.whid.is_empty() { "no-such-webhook" } else { ids.whid })
        .replace("{name}", if ids.name.is_empty() { "no-such-domain.fr" } else { ids.name });
    let mut request = Call::new(route.method, &path).token(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    app.client.send(request)
}

/// What tenant B looks like to its own admin: people, audit trail, mail, the tenant itself, and
/// its service requests (with their notes), incidents and messages.
fn snapshot(app: &TestApp, tenant: &Tenant) -> (Value, Value, usize, Value, Value) {
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
    let requests_path = format!("/v1/tenants/{}/service-requests", tenant.id);
    let requests = app.client.get(&format!("{requests_path}?limit=200"), admin).json();
    let full_requests: Vec<Value> = requests["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| app.client.get(&format!("{requests_path}/{}", item["id"].as_str().unwrap()), admin).json())
        .collect();
    let support = json!([
        full_requests,
        app.client.get(&format!("/v1/tenants/{}/incidents?limit=200", tenant.id), admin).json(),
        app.client.get(&format!("/v1/tenants/{}/messages?limit=200", tenant.id), admin).json(),
        app.client.get(&format!("/v1/tenants/{}/service-health", tenant.id), admin).json(),
    ]);
    (users, audit, mail, tenant_view, support)
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

/// The route of the table with this method and path.
fn the_route(method: &str, path: &str) -> &'static Route {
    ROUTES.iter().find(|r| r.method == method && r.path == path).expect("a route of the table")
}

/// The positions a caller holds, as the matrix sees them; `None` for the operator.
fn positions(roles: &[AdminRole]) -> Vec<Position> {
    Position::of_member(&RoleSet::new(roles.iter().copied()))
}

/// Who calls, as the rules see them.
#[derive(Debug, Clone, Copy)]
enum Who<'a> {
    /// The platform operator.
    Operator,
    /// A member of the tenant, with their admin roles.
    Member(&'a [AdminRole]),
    /// On a partner's side (an admin, an agent or an API client), with the access it holds in
    /// the customer at hand, if any.
    Partner { seat: PartnerSeat, access: Option<DelegatedAccess> },
}

fn expected(rule: Rule, who: Who<'_>, target_roles: &RoleSet) -> bool {
    let held = match who {
        Who::Operator => {
            return match rule {
                Rule::Operator | Rule::Partners => true,
                Rule::Tenant(action) | Rule::OtherPerson(action) => permissions::operator_permits(action),
                Rule::Partner(action) => partner_rules::partner_permits(PartnerSeat::Operator, action),
                Rule::CreateUser | Rule::PasswordReset | Rule::PlanChange | Rule::CustomersOnly(_) => false,
                Rule::FlagCustomer | Rule::EndRelationship => false,
                Rule::Public | Rule::SignedIn => true,
            };
        }
        Who::Member(roles) => positions(roles),
        // The matrix's delegated columns; without access, nothing (the tenant is hidden).
        Who::Partner { access, .. } => access.map(DelegatedAccess::position).into_iter().collect(),
    };
    let seat = match who {
        Who::Partner { seat, .. } => Some(seat),
        _ => None,
    };
    match rule {
        Rule::Operator => false,
        Rule::Public | Rule::SignedIn => true,
        Rule::Partners => seat.is_some(),
        Rule::Partner(action) => seat.is_some_and(|seat| partner_rules::partner_permits(seat, action)),
        Rule::FlagCustomer => matches!(seat, Some(PartnerSeat::Admin | PartnerSeat::Agent)) && !held.is_empty(),
        Rule::EndRelationship => {
            seat == Some(PartnerSeat::Admin)
                || permissions::permits(&held, Action::ManagePartnerRelationships, Target::Tenant)
        }
        Rule::Tenant(action) | Rule::CustomersOnly(action) => permissions::permits(&held, action, Target::Tenant),
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

/// The routes outside tenants that the operator alone may call, and sending feedback (anyone
/// signed in): what a tenant's member or a partner's delegate is refused or allowed there.
fn is_platform_route(route: &Route) -> bool {
    !route.path.contains("{tid}") && (matches!(route.rule, Rule::Operator) || route.path == "/v1/feedback")
}

/// A subscription that a permitted call on `route` would use up: fresh and active, or
/// suspended for a reactivation. `None` where the shared pool will do.
fn consumable_subscription(app: &TestApp, tenant: &Tenant, route: &Route, operator: &str) -> Option<String> {
    let fresh = || active_subscription(app, tenant, "enterprise_e1", 1)["id"].as_str().unwrap().to_owned();
    match route.path {
        "/v1/tenants/{tid}/subscriptions/{sid}/suspend" | "/v1/tenants/{tid}/subscriptions/{sid}/terminate" => {
            Some(fresh())
        }
        "/v1/tenants/{tid}/subscriptions/{sid}/reactivate" => {
            let fresh = fresh();
            let suspend = format!("/v1/tenants/{}/subscriptions/{fresh}/suspend", tenant.id);
            app.client.post(&suspend, operator, &json!({})).assert_status(200);
            Some(fresh)
        }
        _ => None,
    }
}

/// A valid endpoint (the test apps allow any address: the access tests send nothing to it).
fn webhook_body() -> Value {
    json!({"url": "https://hooks.example/tenantry", "events": ["licence.assigned"]})
}

/// The endpoint a route of `{whid}` acts on: a fresh one for a removal, the fixture otherwise.
fn webhook_for(app: &TestApp, owner_path: &str, token: &str, route: &Route, fixture: &str) -> String {
    if route.method == "DELETE" && route.path.ends_with("/webhooks/{whid}") {
        let reply = app.client.post(owner_path, token, &webhook_body());
        reply.assert_status(201);
        return reply.json()["id"].as_str().unwrap().to_owned();
    }
    fixture.to_owned()
}

/// The domain a route of `{name}` acts on, so that a permitted call succeeds: a fresh one for a
/// removal, a fresh one with its TXT record published for a verification, the initial domain
/// otherwise.
fn domain_for(app: &TestApp, tenant: &Tenant, route: &Route, label: &str) -> String {
    let fresh = || {
        let name = format!("fixture-{label}.fr");
        let reply = app.client.post(
            &format!("/v1/tenants/{}/domains", tenant.id),
            &tenant.global_admin.token,
            &json!({"name": name}),
        );
        reply.assert_status(201);
        (name, reply.json()["verification"]["value"].as_str().unwrap().to_owned())
    };
    match (route.method, route.path) {
        ("DELETE", "/v1/tenants/{tid}/domains/{name}") => fresh().0,
        ("POST", "/v1/tenants/{tid}/domains/{name}/verify") => {
            let (name, record) = fresh();
            app.dns.set_txt(&name, &[&record]);
            name
        }
        _ => tenant.domain.clone(),
    }
}

fn every_tenant_route_follows_the_permission_matrix(backend: Backend) {
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
    // One big pool for routes that do not use it up: seats bought, activated, licences given.
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

fn every_customer_route_follows_the_matrix_for_delegated_callers(backend: Backend) {
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
                // A fresh plain person each time: a permitted DELETE removes them or their licence.
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
        // customer's, and a partner grants nothing beyond its relationship (issue 19).
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

fn every_partner_route_follows_the_partner_table(backend: Backend) {
    let app = TestApp::spawn(backend);
    let operator = app.operator_token();
    let customer = people::tenant_with_admin(&app, "table-customer");
    let partner = partner_org(&app, &operator, "table");
    accept_offer(&app, &customer, offer(&app, &partner, "full")["token"].as_str().unwrap());
    let agent = partner_person(&app, &partner.admin.token, &partner.id, "table", "agent", "partner_agent");
    let (client, client_token) = api_client(&app, &partner, "caller");
    give_access(&app, &partner, "users", &agent.id, &customer.id, "full");
    give_access(&app, &partner, "api-clients", &client, &customer.id, "full");
    // What the routes act on: another agent and an offer (revoking is idempotent).
    let target_agent = partner_person(&app, &partner.admin.token, &partner.id, "table", "target", "partner_agent");
    let target_offer = offer(&app, &partner, "limited")["id"].as_str().unwrap().to_owned();
    let outsider = partner_org(&app, &operator, "outsider");
    let full = Some(DelegatedAccess::Full);
    // Whether each caller is inside the partner: outsiders do not learn it exists.
    let callers: Vec<(&str, &str, Who<'_>, bool)> = vec![
        ("operator", &operator, Who::Operator, true),
        ("partner admin", &partner.admin.token, Who::Partner { seat: PartnerSeat::Admin, access: full }, true),
        ("agent", &agent.token, Who::Partner { seat: PartnerSeat::Agent, access: full }, true),
        ("API client", &client_token, Who::Partner { seat: PartnerSeat::ApiClient, access: full }, true),
        (
            "another partner's admin",
            &outsider.admin.token,
            Who::Partner { seat: PartnerSeat::Admin, access: None },
            false,
        ),
        ("a customer's global admin", &customer.global_admin.token, Who::Member(&[AdminRole::GlobalAdmin]), false),
    ];
    let fixture =
        app.client.post(&format!("/v1/partners/{}/webhooks", partner.id), &partner.admin.token, &webhook_body());
    fixture.assert_status(201);
    let partner_webhook = fixture.json()["id"].as_str().unwrap().to_owned();
    let mut checked = 0;
    for route in ROUTES.iter().filter(|r| r.path.starts_with("/v1/partners")) {
        // A client of its own for each route: disabling one ends what the next route could do.
        let target_client =
            if route.path.contains("{cid}") { api_client(&app, &partner, "target").0 } else { String::new() };
        // An endpoint of its own for a removal; the partner's fixture otherwise.
        let webhooks = format!("/v1/partners/{}/webhooks", partner.id);
        let target_webhook = webhook_for(&app, &webhooks, &partner.admin.token, route, &partner_webhook);
        for (who, token, caller, inside) in &callers {
            // A domain of its own for a removal (nobody signs in at it); the proved one to verify.
            let target_domain = if route.method == "DELETE" && route.path.ends_with("/domains/{name}") {
                let name = format!("gone-{checked}.example");
                app.client
                    .post(&format!("/v1/partners/{}/domains", partner.id), &partner.admin.token, &json!({"name": name}))
                    .assert_status(201);
                name
            } else {
                "table.partners.example".to_owned()
            };
            let body = match (route.method, route.path) {
                ("POST", "/v1/partners") => Some(json!({"name": format!("Made partner {checked}")})),
                ("POST", "/v1/partners/{pid}/users") => Some(json!({"display_name": format!("Made {checked}"),
                    "sign_in": format!("made-{checked}@table.partners.example"), "role": "partner_agent",
                    "password": CHOSEN_PASSWORD})),
                ("PUT", path) if path.ends_with("/access") => Some(json!({"tenant": customer.id, "access": "limited"})),
                ("POST", "/v1/partners/{pid}/admin-offers") => Some(json!({"access": "limited"})),
                ("POST", "/v1/partners/{pid}/api-clients") => Some(json!({"name": format!("made {checked}")})),
                ("POST", path) if path.ends_with("/rotate-secret") => Some(json!({"overlap_seconds": 0})),
                ("POST", "/v1/partners/{pid}/webhooks") => Some(webhook_body()),
                ("POST", "/v1/partners/{pid}/domains") => Some(json!({"name": format!("made-{checked}.example")})),
                _ => None,
            };
            let ids = Ids {
                name: &target_domain,
                pid: &partner.id,
                puid: &target_agent.id,
                cid: &target_client,
                oid: &target_offer,
                whid: &target_webhook,
                ..Ids::default()
            };
            let reply = call(&app, route, token, &ids, body);
            if route.path.contains("{pid}") && !inside {
                assert_eq!(reply.status, 404, "{who} {} {} of another partner: {reply:?}", route.method, route.path);
                reply.assert_problem(404, "not_found");
            } else if expected(route.rule, *caller, &RoleSet::default()) {
                assert!((200..300).contains(&reply.status), "{who} may {} {}: {reply:?}", route.method, route.path);
            } else {
                assert_eq!(reply.status, 403, "{who} may not {} {}: {reply:?}", route.method, route.path);
                reply.assert_problem(403, "forbidden");
            }
            checked += 1;
        }
    }
    let routes = ROUTES.iter().filter(|r| r.path.starts_with("/v1/partners")).count();
    assert_eq!(checked, callers.len() * routes, "every partner route was tried for every caller");
}

/// A partner organisation and its first admin, set up by the operator.
struct PartnerOrg {
    id: String,
    admin: Person,
}

fn partner_org(app: &TestApp, operator: &str, slug: &str) -> PartnerOrg {
    let reply = app.client.post("/v1/partners", operator, &json!({"name": format!("{slug} Partners")}));
    reply.assert_status(201);
    let id = reply.json()["id"].as_str().unwrap().to_owned();
    let admin = partner_person(app, operator, &id, slug, "admin", "partner_admin");
    // Its admin proves the domain its other people sign in at.
    partners::prove_domain(app, &id, &admin.token, &format!("{slug}.partners.example"));
    PartnerOrg { id, admin }
}

/// A partner admin or agent with a password of their own, signed in.
fn partner_person(app: &TestApp, creator: &str, partner: &str, slug: &str, user_name: &str, role: &str) -> Person {
    let sign_in = format!("{user_name}@{slug}.partners.example");
    let contact_email = format!("{user_name}.{slug}@partners.example");
    let reply = app.client.post(
        &format!("/v1/partners/{partner}/users"),
        creator,
        &json!({"display_name": format!("Partner {user_name}"), "sign_in": sign_in, "contact_email": contact_email,
                "role": role, "password": CHOSEN_PASSWORD}),
    );
    reply.assert_status(201);
    let id = reply.json()["id"].as_str().unwrap().to_owned();
    let token = app.client.token(&sign_in, CHOSEN_PASSWORD);
    Person { id, sign_in, contact_email, token }
}

/// The partner admin's delegated-admin offer of `access`.
fn offer(app: &TestApp, partner: &PartnerOrg, access: &str) -> Value {
    let reply = app.client.post(
        &format!("/v1/partners/{}/admin-offers", partner.id),
        &partner.admin.token,
        &json!({"access": access}),
    );
    reply.assert_status(201);
    reply.json()
}

/// The tenant's global admin accepts an offer; returns the new relationship's id.
fn accept_offer(app: &TestApp, tenant: &Tenant, offer_token: &str) -> String {
    let path = format!("/v1/tenants/{}/admin-offers/{offer_token}/accept", tenant.id);
    let reply = app.client.send(Call::new("POST", &path).token(&tenant.global_admin.token));
    reply.assert_status(201);
    reply.json()["id"].as_str().unwrap().to_owned()
}

/// A new API client of the partner, and a token from its client credentials.
fn api_client(app: &TestApp, partner: &PartnerOrg, name: &str) -> (String, String) {
    let reply = app.client.post(
        &format!("/v1/partners/{}/api-clients", partner.id),
        &partner.admin.token,
        &json!({"name": name}),
    );
    reply.assert_status(201);
    let body = reply.json();
    let id = body["client"]["id"].as_str().unwrap().to_owned();
    let grant = json!({"grant_type": "client_credentials", "client_id": id, "client_secret": body["client_secret"]});
    let reply = app.client.send(Call::new("POST", "/v1/auth/token").json(&grant));
    reply.assert_status(200);
    let token = reply.json()["access_token"].as_str().unwrap().to_owned();
    (id, token)
}

/// The partner admin gives an agent (`users`) or an API client (`api-clients`) access to a customer.
fn give_access(app: &TestApp, partner: &PartnerOrg, grantees: &str, grantee: &str, tenant: &str, access: &str) {
    let reply = app.client.put(
        &format!("/v1/partners/{}/{grantees}/{grantee}/access", partner.id),
        &partner.admin.token,
        &json!({"tenant": tenant, "access": access}),
    );
    reply.assert_status(200);
    assert_eq!(reply.json()["access"], access, "{reply:?}");
}

fn requests_without_a_token_are_unauthorized_everywhere(backend: Backend) {
    let app = TestApp::spawn(backend);
    for route in ROUTES.iter().filter(|r| !matches!(r.rule, Rule::Public)) {
        let path = route
            .path
            .replace("{tid}", "019a0000-0000-7000-8000-000000000001")
            .replace("{uid}", "019a0000-0000-7000-8000-000000000002")
            .replace("{pid}", "019a0000-0000-7000-8000-000000000003")
            .replace("{srid}", "019a0000-0000-7000-8000-000000000004")
            .replace("{iid}", "019a0000-0000-7000-8000-000000000005")
            .replace("{mid}", "019a0000-0000-7000-8000-000000000006");
        let reply = app.client.send(Call::new(route.method, &path).json(&json!({})));
        reply.assert_problem(401, "unauthenticated");
        assert!(reply.header("www-authenticate").is_some_and(|v| v.starts_with("Bearer")), "{reply:?}");
    }
}
