//! Service requests for tests: bodies, paths and calls, waiting for the outbox to be delivered,
//! the messages about one request, the audit events of an action, and moving a request's
//! first-response deadline in the database.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
use serde_json::{json, Value};
use tenantry_persistence::schema::service_requests;
use tenantry_persistence::{outbox, Database, DbConnection};

use crate::app::TestApp;
use crate::client::Call;
use crate::mail;
use crate::Reply;

/// Who support calls back.
#[derive(Debug, Clone)]
pub struct ContactCard {
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub available_24_7: bool,
}

impl ContactCard {
    /// A contact without a phone, not reachable around the clock.
    pub fn office_hours(name: &str, email: &str) -> Self {
        Self { name: name.to_owned(), email: email.to_owned(), phone: None, available_24_7: false }
    }

    /// A contact with a phone, reachable around the clock (what severity A needs).
    pub fn around_the_clock(name: &str, email: &str) -> Self {
        Self {
            name: name.to_owned(),
            email: email.to_owned(),
            phone: Some("+33 1 23 45 67 89".into()),
            available_24_7: true,
        }
    }

    pub fn json(&self) -> Value {
        let mut contact = json!({"name": self.name, "email": self.email, "available_24_7": self.available_24_7});
        if let Some(phone) = &self.phone {
            contact["phone"] = json!(phone);
        }
        contact
    }
}

/// An incident about `workload` with the given title and severity.
pub fn incident(title: &str, severity: &str, workload: &str, contact: &ContactCard) -> Value {
    json!({"kind": "incident", "category": "technical", "workload": workload, "title": title,
           "description": format!("{title}: it started this morning for every user."),
           "severity": severity, "contact": contact.json()})
}

pub fn list_path(tenant: &str) -> String {
    format!("/v1/tenants/{tenant}/service-requests")
}

pub fn request_path(tenant: &str, request: &str) -> String {
    format!("/v1/tenants/{tenant}/service-requests/{request}")
}

pub fn notes_path(tenant: &str, request: &str) -> String {
    format!("/v1/tenants/{tenant}/service-requests/{request}/notes")
}

/// Opens a request as `token`; returns the answer.
pub fn open_reply(app: &TestApp, token: &str, tenant: &str, body: &Value) -> Reply {
    app.client.post(&list_path(tenant), token, body)
}

/// Opens a request as `token`, failing the test unless it is created; returns it.
pub fn open(app: &TestApp, token: &str, tenant: &str, body: &Value) -> Value {
    let reply = open_reply(app, token, tenant, body);
    reply.assert_status(201);
    let request = reply.json();
    let id = request["id"].as_str().expect("a request id");
    assert_eq!(reply.header("location").as_deref(), Some(request_path(tenant, id).as_str()), "{reply:?}");
    assert!(reply.header("etag").is_some(), "an ETag: {reply:?}");
    request
}

/// Reads one request (with its notes), failing the test unless it is found.
pub fn get(app: &TestApp, token: &str, tenant: &str, request: &str) -> Value {
    let reply = app.client.get(&request_path(tenant, request), token);
    reply.assert_status(200);
    reply.json()
}

/// Changes a request as `token` without `If-Match`; returns the answer.
pub fn patch(app: &TestApp, token: &str, tenant: &str, request: &str, body: &Value) -> Reply {
    app.client.patch(&request_path(tenant, request), token, body)
}

/// Changes a request as `token` with `If-Match`; returns the answer.
pub fn patch_if_match(app: &TestApp, token: &str, tenant: &str, request: &str, etag: &str, body: &Value) -> Reply {
    app.client.send(Call::new("PATCH", &request_path(tenant, request)).token(token).header("if-match", etag).json(body))
}

/// Adds a note as `token`; returns the answer.
pub fn note_reply(app: &TestApp, token: &str, tenant: &str, request: &str, body: &str) -> Reply {
    app.client.post(&notes_path(tenant, request), token, &json!({"body": body}))
}

/// Adds a note as `token`, failing the test unless it is created; returns it.
pub fn note(app: &TestApp, token: &str, tenant: &str, request: &str, body: &str) -> Value {
    let reply = note_reply(app, token, tenant, request, body);
    reply.assert_status(201);
    let note = reply.json();
    assert_eq!(note["body"], body, "{note}");
    note
}

/// Every request of the tenant (one page of up to 200), as `token`, with `query` (`&`-joined,
/// without the leading `?`).
pub fn list_all(app: &TestApp, token: &str, tenant: &str, query: &str) -> Vec<Value> {
    let reply = app.client.get(&format!("{}?limit=200&{query}", list_path(tenant)), token);
    reply.assert_status(200);
    let page = reply.json();
    assert!(page["next_cursor"].is_null(), "everything fits in one page: {page}");
    page["items"].as_array().expect("items").clone()
}

/// Follows `next_cursor` from the first page of `query` with pages of `limit`; returns the
/// pages' ids, page by page.
pub fn pages(app: &TestApp, token: &str, tenant: &str, query: &str, limit: usize) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("{}?limit={limit}&{query}", list_path(tenant));
        if let Some(cursor) = &cursor {
            path.push_str(&format!("&cursor={cursor}"));
        }
        let reply = app.client.get(&path, token);
        reply.assert_status(200);
        let page = reply.json();
        let items = page["items"].as_array().expect("items");
        assert!(items.len() <= limit, "a page holds at most {limit}: {page}");
        assert!(items.iter().all(|item| item.get("notes").is_none()), "lists carry no notes: {page}");
        pages.push(items.iter().map(|item| item["id"].as_str().unwrap().to_owned()).collect::<Vec<_>>());
        match page["next_cursor"].as_str() {
            Some(next) => {
                assert_eq!(items.len(), limit, "only the last page is short: {page}");
                cursor = Some(next.to_owned());
            }
            None => return pages,
        }
        assert!(pages.len() <= 100, "the pages never end");
    }
}

/// A timestamp of the API.
pub fn time(value: &Value) -> DateTime<Utc> {
    let text = value.as_str().unwrap_or_else(|| panic!("a timestamp, not {value}"));
    DateTime::parse_from_rfc3339(text).unwrap_or_else(|e| panic!("{text}: {e}")).with_timezone(&Utc)
}

fn connect(app: &TestApp) -> DbConnection {
    Database::from_url(&app.storage.database_url)
        .expect("the test database URL")
        .connect()
        .expect("the test database answers")
}

/// Waits (up to 15 s) until every message of the outbox was delivered to the mail drop.
pub fn wait_for_outbox(app: &TestApp) {
    let mut conn = connect(app);
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let waiting = outbox::count_undelivered(&mut conn).expect("the outbox is counted");
        if waiting == 0 {
            return;
        }
        assert!(Instant::now() < deadline, "{waiting} message(s) still undelivered after 15 s");
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// The subjects of the messages delivered to `recipient` about the request titled `title`,
/// oldest first, once the outbox is empty.
pub fn subjects_about(app: &TestApp, recipient: &str, title: &str) -> Vec<String> {
    wait_for_outbox(app);
    let quoted = format!("\"{title}\"");
    mail::to(&app.storage.mail_dir(), recipient)
        .iter()
        .filter_map(|message| message.lines().find_map(|line| line.strip_prefix("Subject: ")).map(str::to_owned))
        .filter(|subject| subject.contains(&quoted))
        .collect()
}

/// The tenant's audit events of `action`, newest first, as `token`.
pub fn audit(app: &TestApp, token: &str, tenant: &str, action: &str) -> Vec<Value> {
    let reply = app.client.get(&format!("/v1/tenants/{tenant}/audit-events?limit=200&action={action}"), token);
    reply.assert_status(200);
    reply.json()["items"].as_array().expect("items").clone()
}

/// Moves a request's first-response deadline, straight in the database.
pub fn set_first_response_due(app: &TestApp, request: &str, at: DateTime<Utc>) {
    let mut conn = connect(app);
    let updated = diesel::update(service_requests::table.find(request))
        .set(service_requests::first_response_due_at.eq(at.naive_utc()))
        .execute(&mut conn)
        .expect("the deadline is updated");
    assert_eq!(updated, 1, "service request {request} exists");
}
