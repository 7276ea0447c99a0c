//! Partners for tests: a partner with its admin and agents (passwords set, no mail round trip),
//! offers and their acceptance, assignments, API clients and their client-credentials tokens,
//! and moving a relationship's end date in the database.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use chrono::{DateTime, Utc};
use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
use serde_json::{json, Value};
use tenantry_persistence::schema::partner_relationships;
use tenantry_persistence::Database;

use crate::app::TestApp;
use crate::client::{form_encode, Call};
use crate::people::{Tenant, CHOSEN_PASSWORD};
use crate::Reply;

/// A partner person who has signed in.
#[derive(Debug, Clone)]
pub struct PartnerPerson {
    pub id: String,
    pub display_name: String,
    pub sign_in: String,
    pub contact_email: String,
    pub token: String,
}

/// A partner and its first admin.
#[derive(Debug, Clone)]
pub struct Partner {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub admin: PartnerPerson,
}

/// An API client and its current secret.
#[derive(Debug, Clone)]
pub struct ApiClient {
    pub id: String,
    pub secret: String,
}

/// Creates a partner as the operator; returns the answer (201 expected by the caller).
pub fn create_partner_reply(app: &TestApp, operator: &str, name: &str) -> Reply {
    app.client.post("/v1/partners", operator, &json!({"name": name}))
}

/// Adds a person to a partner with a chosen password, as `token` (operator or partner admin);
/// returns the answer.
pub fn add_person_reply(app: &TestApp, token: &str, partner: &str, slug: &str, user_name: &str, role: &str) -> Reply {
    app.client.post(
        &format!("/v1/partners/{partner}/users"),
        token,
        &json!({"display_name": display_name(user_name), "sign_in": sign_in(slug, user_name),
                "contact_email": contact(slug, user_name), "role": role, "password": CHOSEN_PASSWORD}),
    )
}

pub fn display_name(user_name: &str) -> String {
    format!("Partner person {user_name}")
}

pub fn sign_in(slug: &str, user_name: &str) -> String {
    format!("{user_name}@{}", partner_domain(slug))
}

pub fn contact(slug: &str, user_name: &str) -> String {
    format!("{user_name}.{slug}@mail.example")
}

/// Adds a person with a password and signs them in.
pub fn add_person(app: &TestApp, token: &str, partner: &str, slug: &str, user_name: &str, role: &str) -> PartnerPerson {
    let reply = add_person_reply(app, token, partner, slug, user_name, role);
    reply.assert_status(201);
    let body = reply.json();
    assert_eq!(body["role"], role, "{body}");
    assert_eq!(body["partner_id"], partner, "{body}");
    let sign_in = sign_in(slug, user_name);
    let token = app.client.token(&sign_in, CHOSEN_PASSWORD);
    PartnerPerson {
        id: body["id"].as_str().unwrap().to_owned(),
        display_name: display_name(user_name),
        contact_email: contact(slug, user_name),
        sign_in,
        token,
    }
}

/// A partner named after `slug`, with an admin created by the operator, signed in.
pub fn partner_with_admin(app: &TestApp, slug: &str) -> Partner {
    let operator = app.operator_token();
    let name = format!("{slug} Partners Ltd");
    let reply = create_partner_reply(app, &operator, &name);
    reply.assert_status(201);
    let id = reply.json()["id"].as_str().unwrap().to_owned();
    // The operator vouches for the first admin's address; the admin proves the domain for the rest.
    let admin = add_person(app, &operator, &id, slug, "admin", "partner_admin");
    prove_domain(app, &id, &admin.token, &partner_domain(slug));
    Partner { id, slug: slug.to_owned(), name, admin }
}

/// The domain a test partner's people sign in at.
pub fn partner_domain(slug: &str) -> String {
    format!("{slug}.partners.example")
}

/// The partner adds `domain`, publishes its TXT record in the test DNS server and proves it.
pub fn prove_domain(app: &TestApp, partner: &str, token: &str, domain: &str) {
    let added = app.client.post(&format!("/v1/partners/{partner}/domains"), token, &json!({"name": domain}));
    added.assert_status(201);
    let record = added.json()["verification"]["value"].as_str().expect("a TXT record to publish").to_owned();
    app.dns.set_txt(domain, &[&record]);
    app.client
        .send(Call::new("POST", &format!("/v1/partners/{partner}/domains/{domain}/verify")).token(token))
        .assert_status(200);
}

/// An agent of `partner`, created by its admin, signed in.
pub fn add_agent(app: &TestApp, partner: &Partner, user_name: &str) -> PartnerPerson {
    add_person(app, &partner.admin.token, &partner.id, &partner.slug, user_name, "partner_agent")
}

/// The partner admin makes an offer; returns the answer.
pub fn create_offer_reply(app: &TestApp, partner: &Partner, access: &str, duration_days: Option<i64>) -> Reply {
    let mut body = json!({"access": access});
    if let Some(days) = duration_days {
        body["duration_days"] = json!(days);
    }
    app.client.post(&format!("/v1/partners/{}/admin-offers", partner.id), &partner.admin.token, &body)
}

/// The partner admin makes an offer; returns it.
pub fn create_offer(app: &TestApp, partner: &Partner, access: &str, duration_days: Option<i64>) -> Value {
    let reply = create_offer_reply(app, partner, access, duration_days);
    reply.assert_status(201);
    reply.json()
}

/// Accepts an offer by its token in `tenant`, as `token`.
pub fn accept_as(app: &TestApp, token: &str, tenant: &str, offer_token: &str) -> Reply {
    app.client.send(Call::new("POST", &format!("/v1/tenants/{tenant}/admin-offers/{offer_token}/accept")).token(token))
}

/// The tenant's global admin accepts an offer.
pub fn accept(app: &TestApp, tenant: &Tenant, offer: &Value) -> Reply {
    accept_as(app, &tenant.global_admin.token, &tenant.id, offer["token"].as_str().unwrap())
}

/// A live relationship of `access` between the partner and the tenant; returns it.
pub fn relationship(app: &TestApp, partner: &Partner, tenant: &Tenant, access: &str) -> Value {
    let offer = create_offer(app, partner, access, None);
    let reply = accept(app, tenant, &offer);
    reply.assert_status(201);
    reply.json()
}

/// Gives an agent access to a customer, as `token`; returns the answer.
pub fn assign_reply(app: &TestApp, token: &str, partner: &str, grantee: &str, tenant: &str, access: &str) -> Reply {
    app.client.put(
        &format!("/v1/partners/{partner}/users/{grantee}/access"),
        token,
        &json!({"tenant": tenant, "access": access}),
    )
}

/// The partner admin gives an agent access to a customer.
pub fn assign(app: &TestApp, partner: &Partner, agent: &PartnerPerson, tenant: &str, access: &str) {
    let reply = assign_reply(app, &partner.admin.token, &partner.id, &agent.id, tenant, access);
    reply.assert_status(200);
    let body = reply.json();
    assert_eq!(body["access"], access, "{body}");
    assert_eq!(body["grantee_id"], agent.id.as_str(), "{body}");
    assert_eq!(body["tenant_id"], tenant, "{body}");
}

/// Gives an API client access to a customer, as `token`; returns the answer.
pub fn assign_client_reply(
    app: &TestApp,
    token: &str,
    partner: &str,
    client: &str,
    tenant: &str,
    access: &str,
) -> Reply {
    app.client.put(
        &format!("/v1/partners/{partner}/api-clients/{client}/access"),
        token,
        &json!({"tenant": tenant, "access": access}),
    )
}

/// The partner admin creates an API client; returns it with its secret.
pub fn create_client(app: &TestApp, partner: &Partner, name: &str) -> ApiClient {
    let reply = app.client.post(
        &format!("/v1/partners/{}/api-clients", partner.id),
        &partner.admin.token,
        &json!({"name": name}),
    );
    reply.assert_status(201);
    let body = reply.json();
    assert_eq!(body["client"]["partner_id"], partner.id.as_str(), "{body}");
    assert!(body["client"]["disabled_at"].is_null(), "{body}");
    ApiClient {
        id: body["client"]["id"].as_str().unwrap().to_owned(),
        secret: body["client_secret"].as_str().expect("a client secret").to_owned(),
    }
}

/// Asks for a token with the client-credentials grant, credentials in the form body.
pub fn client_token_form(app: &TestApp, client_id: &str, secret: &str) -> Reply {
    let form = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}",
        form_encode(client_id),
        form_encode(secret)
    );
    app.client.send(Call::new("POST", "/v1/auth/token").raw("application/x-www-form-urlencoded", form))
}

/// Asks for a token with the client-credentials grant, credentials in HTTP Basic.
pub fn client_token_basic(app: &TestApp, client_id: &str, secret: &str) -> Reply {
    let basic = STANDARD.encode(format!("{client_id}:{secret}"));
    app.client.send(
        Call::new("POST", "/v1/auth/token")
            .header("authorization", format!("Basic {basic}"))
            .raw("application/x-www-form-urlencoded", "grant_type=client_credentials"),
    )
}

/// A token for the client, failing the test if there is none.
pub fn client_token(app: &TestApp, client: &ApiClient) -> String {
    let reply = client_token_form(app, &client.id, &client.secret);
    assert_eq!(reply.status, 200, "client credentials of {} refused: {reply:?}", client.id);
    reply.json()["access_token"].as_str().expect("an access token").to_owned()
}

/// The claims of a JWT, unverified.
pub fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("a JWT has a payload");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url")).expect("JSON claims")
}

/// Moves a relationship's end date, straight in the database (timestamps are stored as UTC
/// without zone).
pub fn set_ends_at(app: &TestApp, relationship: &str, at: DateTime<Utc>) {
    let mut conn = Database::from_url(&app.storage.database_url)
        .expect("the test database URL")
        .connect()
        .expect("the test database answers");
    let updated = diesel::update(partner_relationships::table.find(relationship))
        .set(partner_relationships::ends_at.eq(Some(at.naive_utc())))
        .execute(&mut conn)
        .expect("the end date is updated");
    assert_eq!(updated, 1, "relationship {relationship} exists");
}

/// The customer's relationships, as its global admin sees them.
pub fn relationships_of(app: &TestApp, tenant: &Tenant) -> Vec<Value> {
    let reply = app.client.get(&format!("/v1/tenants/{}/partner-relationships", tenant.id), &tenant.global_admin.token);
    reply.assert_status(200);
    reply.json()["items"].as_array().expect("items").clone()
}
