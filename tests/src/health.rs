//! Service health, incidents and the message centre for tests: bodies, calls, and reading a
//! tenant's workloads as a map from workload to health and colour.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::app::TestApp;
use crate::Reply;

/// Every workload health is reported on, as the contract lists them.
pub const WORKLOADS: [&str; 13] = [
    "mail",
    "meetings",
    "office_web_apps",
    "office_desktop_apps",
    "sites",
    "file_storage",
    "phone",
    "advanced_security",
    "analytics",
    "domain_registration",
    "directory_sync",
    "sign_in",
    "portal",
];

/// Whom an incident or a message is for: every tenant, or those listed.
#[derive(Debug, Clone, Copy)]
pub enum Audience<'a> {
    All,
    Tenants(&'a [&'a str]),
}

impl Audience<'_> {
    fn apply(self, body: &mut Value) {
        match self {
            Audience::All => body["all_tenants"] = json!(true),
            Audience::Tenants(ids) => body["tenant_ids"] = json!(ids),
        }
    }
}

/// An incident (or advisory) body.
pub fn incident_body(classification: &str, title: &str, health: &str, workloads: &[&str], to: Audience<'_>) -> Value {
    let mut body = json!({"classification": classification, "title": title,
        "impact": format!("{title}: users notice it."), "health": health, "workloads": workloads,
        "message": format!("{title}: we are investigating.")});
    to.apply(&mut body);
    body
}

pub fn publish_reply(app: &TestApp, token: &str, body: &Value) -> Reply {
    app.client.post("/v1/incidents", token, body)
}

/// Publishes as the operator; checks the answer echoes the body and returns the incident.
pub fn publish(app: &TestApp, operator: &str, body: &Value) -> Value {
    let reply = publish_reply(app, operator, body);
    reply.assert_status(201);
    let incident = reply.json();
    let id = incident["id"].as_str().expect("an incident id").to_owned();
    assert_eq!(reply.header("location").as_deref(), Some(format!("/v1/incidents/{id}").as_str()), "{reply:?}");
    for field in ["classification", "title", "impact", "health", "workloads"] {
        assert_eq!(incident[field], body[field], "{field} in {incident}");
    }
    assert_eq!(incident["all_tenants"], body["all_tenants"].as_bool().unwrap_or(false), "{incident}");
    assert_eq!(incident["tenant_ids"], body.get("tenant_ids").cloned().unwrap_or(json!([])), "{incident}");
    assert_eq!(incident["status"], "active", "{incident}");
    assert!(incident["started_at"].is_string() && incident["resolved_at"].is_null(), "{incident}");
    let updates = incident["updates"].as_array().expect("a timeline");
    assert_eq!(updates.len(), 1, "{incident}");
    assert_eq!(updates[0]["message"], body["message"], "{incident}");
    assert_eq!(updates[0]["health"], body["health"], "{incident}");
    assert_eq!(updates[0]["status"], "active", "{incident}");
    incident
}

pub fn update_reply(app: &TestApp, token: &str, incident: &str, body: &Value) -> Reply {
    app.client.patch(&format!("/v1/incidents/{incident}"), token, body)
}

pub fn health_path(tenant: &str) -> String {
    format!("/v1/tenants/{tenant}/service-health")
}

pub fn incidents_path(tenant: &str) -> String {
    format!("/v1/tenants/{tenant}/incidents")
}

/// A workload's health, colour and the incidents behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workload {
    pub health: String,
    pub colour: String,
    pub incident_ids: Vec<String>,
}

/// A tenant's service health: overall, and workload by workload.
#[derive(Debug, Clone)]
pub struct TenantHealth {
    pub overall: String,
    pub workloads: BTreeMap<String, Workload>,
}

impl TenantHealth {
    pub fn of(&self, workload: &str) -> &Workload {
        self.workloads.get(workload).unwrap_or_else(|| panic!("no workload {workload} in {self:?}"))
    }

    /// The workloads that are not green.
    pub fn unhealthy(&self) -> Vec<&str> {
        self.workloads.iter().filter(|(_, w)| w.health != "healthy").map(|(name, _)| name.as_str()).collect()
    }
}

/// The colour the contract gives each health.
pub fn colour_of(health: &str) -> &'static str {
    match health {
        "healthy" => "green",
        "degraded" => "yellow",
        "interrupted" => "red",
        other => panic!("no health {other:?}"),
    }
}

/// Reads a tenant's service health as `token`, checking its shape: every workload once, each
/// colour matching its health, the overall the worst of them.
pub fn tenant_health(app: &TestApp, token: &str, tenant: &str) -> TenantHealth {
    let reply = app.client.get(&health_path(tenant), token);
    reply.assert_status(200);
    let body = reply.json();
    assert_eq!(body["tenant_id"], tenant, "{body}");
    let mut workloads = BTreeMap::new();
    for item in body["workloads"].as_array().expect("workloads") {
        let name = item["workload"].as_str().expect("a workload name").to_owned();
        let health = item["health"].as_str().expect("a health").to_owned();
        assert_eq!(item["colour"], colour_of(&health), "{item}");
        let incident_ids = item["incident_ids"]
            .as_array()
            .expect("incident ids")
            .iter()
            .map(|i| i.as_str().unwrap().to_owned())
            .collect();
        let colour = item["colour"].as_str().unwrap().to_owned();
        assert!(workloads.insert(name.clone(), Workload { health, colour, incident_ids }).is_none(), "{name} twice");
    }
    let mut names: Vec<&str> = workloads.keys().map(String::as_str).collect();
    let mut expected = WORKLOADS.to_vec();
    names.sort_unstable();
    expected.sort_unstable();
    assert_eq!(names, expected, "{body}");
    let rank = |health: &str| ["healthy", "degraded", "interrupted"].iter().position(|h| *h == health).unwrap();
    let worst = workloads.values().map(|w| w.health.as_str()).max_by_key(|h| rank(h)).unwrap_or("healthy");
    assert_eq!(body["overall"], worst, "{body}");
    TenantHealth { overall: body["overall"].as_str().unwrap().to_owned(), workloads }
}

/// A partner's roll-up as `token`.
pub fn rollup(app: &TestApp, token: &str, partner: &str) -> Vec<Value> {
    let reply = app.client.get(&format!("/v1/partners/{partner}/service-health"), token);
    reply.assert_status(200);
    reply.json()["items"].as_array().expect("items").clone()
}

/// The ids of a list's items, in order.
pub fn ids(items: &[Value]) -> Vec<String> {
    items.iter().map(|i| i["id"].as_str().unwrap_or_else(|| panic!("an id in {i}")).to_owned()).collect()
}

/// Asserts a 422 `validation_failed` naming `field` among its errors.
pub fn assert_field(reply: &Reply, field: &str) {
    reply.assert_problem(422, "validation_failed");
    let body = reply.json();
    let fields: Vec<&str> =
        body["errors"].as_array().map(|e| e.iter().filter_map(|e| e["field"].as_str()).collect()).unwrap_or_default();
    assert!(fields.contains(&field), "expected a field error on {field}: {body}");
}

/// A message-centre body.
pub fn message_body(category: &str, severity: &str, title: &str, to: Audience<'_>) -> Value {
    let mut body = json!({"category": category, "severity": severity, "title": title,
        "body": format!("{title}.\nRead this before the date.")});
    to.apply(&mut body);
    body
}

pub fn messages_path(tenant: &str) -> String {
    format!("/v1/tenants/{tenant}/messages")
}

/// A tenant's messages as `token`, with an optional query (`?archived=true`).
pub fn tenant_messages(app: &TestApp, token: &str, tenant: &str, query: &str) -> Vec<Value> {
    let reply = app.client.get(&format!("{}{query}", messages_path(tenant)), token);
    reply.assert_status(200);
    reply.json()["items"].as_array().expect("items").clone()
}

/// The caller's marks on one message of a list, as (read, archived, flagged).
pub fn marks_in(items: &[Value], message: &str) -> (bool, bool, bool) {
    let item = items.iter().find(|i| i["id"] == message).unwrap_or_else(|| panic!("{message} in {items:?}"));
    marks(item)
}

/// A message's marks, as (read, archived, flagged).
pub fn marks(message: &Value) -> (bool, bool, bool) {
    let marks = &message["marks"];
    let flag = |name: &str| marks[name].as_bool().unwrap_or_else(|| panic!("a {name} mark in {message}"));
    (flag("read"), flag("archived"), flag("flagged"))
}

pub fn mark_reply(app: &TestApp, token: &str, tenant: &str, message: &str, body: &Value) -> Reply {
    app.client.put(&format!("/v1/tenants/{tenant}/messages/{message}/marks"), token, body)
}
