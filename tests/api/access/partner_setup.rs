//! Partners for the access tests: organisations, their people, offers, API clients and access given.

use serde_json::{json, Value};
use tenantry_tests::client::Call;
use tenantry_tests::people::{Person, Tenant, CHOSEN_PASSWORD};
use tenantry_tests::{partners, TestApp};

/// A partner organisation and its first admin, set up by the operator.
pub(super) struct PartnerOrg {
    pub(super) id: String,
    pub(super) admin: Person,
}

pub(super) fn partner_org(app: &TestApp, operator: &str, slug: &str) -> PartnerOrg {
    let reply = app.client.post("/v1/partners", operator, &json!({"name": format!("{slug} Partners")}));
    reply.assert_status(201);
    let id = reply.json()["id"].as_str().unwrap().to_owned();
    let admin = partner_person(app, operator, &id, slug, "admin", "partner_admin");
    // Its admin proves the domain its other people sign in at.
    partners::prove_domain(app, &id, &admin.token, &format!("{slug}.partners.example"));
    PartnerOrg { id, admin }
}

/// A partner admin or agent with a password of their own, signed in.
pub(super) fn partner_person(
    app: &TestApp,
    creator: &str,
    partner: &str,
    slug: &str,
    user_name: &str,
    role: &str,
) -> Person {
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
pub(super) fn offer(app: &TestApp, partner: &PartnerOrg, access: &str) -> Value {
    let reply = app.client.post(
        &format!("/v1/partners/{}/admin-offers", partner.id),
        &partner.admin.token,
        &json!({"access": access}),
    );
    reply.assert_status(201);
    reply.json()
}

/// The tenant's global admin accepts an offer; returns the new relationship's id.
pub(super) fn accept_offer(app: &TestApp, tenant: &Tenant, offer_token: &str) -> String {
    let path = format!("/v1/tenants/{}/admin-offers/{offer_token}/accept", tenant.id);
    let reply = app.client.send(Call::new("POST", &path).token(&tenant.global_admin.token));
    reply.assert_status(201);
    reply.json()["id"].as_str().unwrap().to_owned()
}

/// A new API client of the partner, and a token from its client credentials.
pub(super) fn api_client(app: &TestApp, partner: &PartnerOrg, name: &str) -> (String, String) {
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
pub(super) fn give_access(
    app: &TestApp,
    partner: &PartnerOrg,
    grantees: &str,
    grantee: &str,
    tenant: &str,
    access: &str,
) {
    let reply = app.client.put(
        &format!("/v1/partners/{}/{grantees}/{grantee}/access", partner.id),
        &partner.admin.token,
        &json!({"tenant": tenant, "access": access}),
    );
    reply.assert_status(200);
    assert_eq!(reply.json()["access"], access, "{reply:?}");
}
