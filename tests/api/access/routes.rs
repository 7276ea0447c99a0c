//! The route table (every published operation and its rule), with the tests of the table itself.

use serde_json::json;
use tenantry_domain::partner::PartnerAction;
use tenantry_domain::permissions::Action;
use tenantry_tests::client::Call;
use tenantry_tests::{Backend, TestApp};

/// What decides access to a route.
#[derive(Debug, Clone, Copy)]
pub(super) enum Rule {
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
    /// Changing plan moves licenses between pools: both rows must allow it.
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

pub(super) struct Route {
    pub(super) method: &'static str,
    pub(super) path: &'static str,
    pub(super) rule: Rule,
}

pub(super) const ROUTES: &[Route] = &[
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
        rule: Rule::Tenant(Action::AssignLicenses),
    },
    Route {
        method: "DELETE",
        path: "/v1/tenants/{tid}/users/{uid}/licenses/{sid}",
        rule: Rule::Tenant(Action::AssignLicenses),
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
        method: "GET",
        path: "/v1/partners/{pid}/webhooks/{whid}",
        rule: Rule::Partner(PartnerAction::ManageApiClients),
    },
    Route {
        method: "PATCH",
        path: "/v1/partners/{pid}/webhooks/{whid}",
        rule: Rule::Partner(PartnerAction::ManageApiClients),
    },
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
    Route { method: "GET", path: "/v1/tenants/{tid}/webhooks/{whid}", rule: Rule::Tenant(Action::ManageWebhooks) },
    Route { method: "PATCH", path: "/v1/tenants/{tid}/webhooks/{whid}", rule: Rule::Tenant(Action::ManageWebhooks) },
    Route { method: "DELETE", path: "/v1/tenants/{tid}/webhooks/{whid}", rule: Rule::Tenant(Action::ManageWebhooks) },
    Route {
        method: "GET",
        path: "/v1/tenants/{tid}/webhooks/{whid}/deliveries",
        rule: Rule::Tenant(Action::ManageWebhooks),
    },
];

/// The route of the table with this method and path.
pub(super) fn the_route(method: &str, path: &str) -> &'static Route {
    ROUTES.iter().find(|r| r.method == method && r.path == path).expect("a route of the table")
}

pub(super) fn the_route_table_covers_every_published_operation(backend: Backend) {
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

pub(super) fn requests_without_a_token_are_unauthorized_everywhere(backend: Backend) {
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
