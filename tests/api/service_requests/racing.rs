//! Changes and notes at once all apply, and support's queue lists every tenant's requests.

use std::collections::HashSet;

use serde_json::json;
use tenantry_tests::client::Call;
use tenantry_tests::people;
use tenantry_tests::support::{self, incident, ContactCard};
use tenantry_tests::{Backend, Reply, TestApp};

pub(super) fn racing_changes_and_notes_queue_and_support_sees_every_tenant(backend: Backend) {
    let app = TestApp::spawn(backend);
    let customer = people::tenant_with_admin(&app, "racing-support");
    let other = people::tenant_with_admin(&app, "other-support");
    let support_token = app.operator_token();
    let contact = ContactCard::office_hours("Racer", "racer@example.com");
    let opened =
        support::open(&app, &customer.global_admin.token, &customer.id, &incident("Racing", "B", "mail", &contact));
    let id = opened["id"].as_str().unwrap().to_owned();
    support::open(&app, &other.global_admin.token, &other.id, &incident("Elsewhere", "C", "sites", &contact));

    // Without If-Match, two changes at once both apply: neither is told the request moved on.
    let (taken, moved) = std::thread::scope(|scope| {
        let take =
            scope.spawn(|| support::patch(&app, &support_token, &customer.id, &id, &json!({"take": true})).status);
        let status = scope.spawn(|| {
            support::patch(&app, &support_token, &customer.id, &id, &json!({"status": "in_progress"})).status
        });
        (take.join().unwrap(), status.join().unwrap())
    });
    assert_eq!((taken, moved), (200, 200));
    // Notes at once from both sides are all kept, and each moves the version on.
    let before = app.client.get(&support::request_path(&customer.id, &id), &customer.global_admin.token);
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let writers: Vec<_> = (0..6)
            .map(|n| {
                let token = if n % 2 == 0 { support_token.clone() } else { customer.global_admin.token.clone() };
                let (app, tenant, id) = (&app, &customer.id, &id);
                scope.spawn(move || support::note_reply(app, &token, tenant, id, &format!("note {n}")).status)
            })
            .collect();
        writers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    let after = app.client.get(&support::request_path(&customer.id, &id), &customer.global_admin.token);
    assert_eq!(after.json()["notes"].as_array().unwrap().len(), 6);
    assert_ne!(before.header("etag"), after.header("etag"), "a note moves the version on");

    // Support's queue lists every tenant's requests; nobody else may read it.
    let queue = app.client.get("/v1/service-requests?sort=deadline", &support_token);
    queue.assert_status(200);
    let tenants: HashSet<String> =
        queue.json()["items"].as_array().unwrap().iter().map(|r| r["tenant_id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(tenants, HashSet::from([customer.id.clone(), other.id.clone()]));
    app.client.get("/v1/service-requests", &customer.global_admin.token).assert_problem(403, "forbidden");

    // "Any of these statuses" is written comma-separated or with the parameter repeated.
    let ids_of = |query: &str| -> Vec<String> {
        let reply =
            app.client.get(&format!("{}?{query}", support::list_path(&customer.id)), &customer.global_admin.token);
        reply.assert_status(200);
        reply.json()["items"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect()
    };
    let commas = ids_of("status=open,in_progress");
    assert_eq!(commas, vec![id.clone()]);
    assert_eq!(ids_of("status=open&status=in_progress"), commas);
    assert!(ids_of("status=closed&status=resolved").is_empty());
}

fn open_with_key(app: &TestApp, token: &str, tenant: &str, key: &str, body: &serde_json::Value) -> Reply {
    app.client
        .send(Call::new("POST", &support::list_path(tenant)).token(token).header("idempotency-key", key).json(body))
}

/// Opening a request honours `Idempotency-Key` as other creating `POST`s do: a retry answers as
/// the first did and opens nothing more; the key with another body is refused.
pub(super) fn a_retried_opening_with_its_key_opens_one_request(backend: Backend) {
    let app = TestApp::spawn(backend);
    let customer = people::tenant_with_admin(&app, "retried-support");
    let token = &customer.global_admin.token;
    let contact = ContactCard::office_hours("Retry", "retry@example.com");
    let body = incident("Sent twice", "C", "mail", &contact);
    let first = open_with_key(&app, token, &customer.id, "open-2026-12-07-001", &body);
    first.assert_status(201);
    assert!(first.header("idempotent-replayed").is_none());
    let again = open_with_key(&app, token, &customer.id, "open-2026-12-07-001", &body);
    again.assert_status(201);
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(again.json()["id"], first.json()["id"]);
    assert_eq!(again.header("location"), first.header("location"));
    let listed = app.client.get(&support::list_path(&customer.id), token).json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1, "{listed}");
    let other = incident("Another one", "C", "mail", &contact);
    open_with_key(&app, token, &customer.id, "open-2026-12-07-001", &other)
        .assert_problem(422, "idempotency_key_reused");
    // Without a key, each POST opens a request.
    support::open(&app, token, &customer.id, &body);
    let listed = app.client.get(&support::list_path(&customer.id), token).json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 2, "{listed}");
}
