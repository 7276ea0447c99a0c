//! What the access tests send, fill paths with and compare: bodies, ids, calls and a tenant's state.

use serde_json::{json, Value};
use tenantry_tests::client::Call;
use tenantry_tests::people::{Tenant, CHOSEN_PASSWORD};
use tenantry_tests::pools::active_subscription;
use tenantry_tests::registrations::{register, registrant, wait_for_status};
use tenantry_tests::{mail, TestApp};

use super::routes::Route;

/// A request body that is valid for the route, so that only access decides the answer.
pub(super) fn valid_body(route: &Route, tenant: &Tenant, unique: &str) -> Option<Value> {
    match (route.method, route.path) {
        ("POST", "/v1/tenants") => Some(json!({"name": "Made", "slug": format!("made-{unique}"),
            "cloud_manager": {"display_name": "M", "user_name": "m", "contact_email": "m@example.com"}})),
        ("POST", "/v1/partners") => Some(json!({"name": format!("Made partner {unique}")})),
        ("POST", "/v1/tenants/{tid}/service-requests") => Some(request_body(tenant, unique)),
        ("POST", "/v1/tenants/{tid}/domains") => Some(json!({"name": format!("access-{unique}.fr")})),
        ("POST", "/v1/tenants/{tid}/webhooks") => Some(webhook_body()),
        ("PATCH", "/v1/tenants/{tid}/webhooks/{whid}") => Some(json!({"pool_low_below": 4})),
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
pub(super) struct SupportIds {
    pub(super) srid: String,
    pub(super) iid: String,
    pub(super) mid: String,
    pub(super) drid: String,
    pub(super) whid: String,
}

pub(super) fn support_ids(app: &TestApp, tenant: &Tenant, operator: &str) -> SupportIds {
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
pub(super) struct Ids<'a> {
    pub(super) tid: &'a str,
    pub(super) uid: &'a str,
    pub(super) sid: &'a str,
    /// A relationship, and the token of an offer.
    pub(super) rid: &'a str,
    pub(super) token: &'a str,
    /// A partner, one of its people, API clients and offers.
    pub(super) pid: &'a str,
    pub(super) puid: &'a str,
    pub(super) cid: &'a str,
    pub(super) oid: &'a str,
    /// A service request, an incident and a message of the message centre.
    pub(super) srid: &'a str,
    pub(super) iid: &'a str,
    pub(super) mid: &'a str,
    /// A domain of the tenant, and a registration.
    pub(super) name: &'a str,
    pub(super) drid: &'a str,
    /// A message of the outbox.
    pub(super) msgid: &'a str,
    /// A webhook endpoint (of the tenant or the partner in the path).
    pub(super) whid: &'a str,
}

impl<'a> Ids<'a> {
    /// The same ids, with a tenant's service request, incident and message.
    pub(super) fn with_support(self, support: &'a SupportIds) -> Self {
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

pub(super) fn call(
    app: &TestApp,
    route: &Route,
    token: &str,
    ids: &Ids<'_>,
    body: Option<Value>,
) -> tenantry_tests::Reply {
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
pub(super) fn snapshot(app: &TestApp, tenant: &Tenant) -> (Value, Value, usize, Value, Value) {
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

/// A subscription that a permitted call on `route` would use up: fresh and active, or
/// suspended for a reactivation. `None` where the shared pool will do.
pub(super) fn consumable_subscription(app: &TestApp, tenant: &Tenant, route: &Route, operator: &str) -> Option<String> {
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
pub(super) fn webhook_body() -> Value {
    json!({"url": "https://hooks.example/tenantry", "events": ["licence.assigned"]})
}

/// The endpoint a route of `{whid}` acts on: a fresh one for a removal, the fixture otherwise.
pub(super) fn webhook_for(app: &TestApp, owner_path: &str, token: &str, route: &Route, fixture: &str) -> String {
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
pub(super) fn domain_for(app: &TestApp, tenant: &Tenant, route: &Route, label: &str) -> String {
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
