//! An incident's whole life, open to closed: support's moves, notes, messages and the audit trail.

use chrono::Duration;
use serde_json::json;
use tenantry_tests::client::Call;
use tenantry_tests::people;
use tenantry_tests::support::{self, incident, ContactCard};
use tenantry_tests::{Backend, TestApp};

use super::{assert_told, hours_to_first_response, id_of, me};

/// Case 1: the whole life of an incident, worked by support and followed by the admin who opened it.
pub(super) fn a_global_admin_and_support_work_an_incident_from_open_to_closed(backend: Backend) {
    let app = TestApp::spawn(backend);
    let tenant = people::tenant_with_admin(&app, "helpdesk");
    let plain = people::add_member(&app, &tenant, "plain", &[]);
    let staff = app.operator_token();
    let staff_id = id_of(&me(&app, &staff));
    let admin = &tenant.global_admin;
    let tid = tenant.id.as_str();
    let title = "Mail is slow to arrive";
    let contact = ContactCard::office_hours("Ada Lovelace", "it-desk.helpdesk@example.com");
    let body = incident(title, "B", "mail", &contact);
    let told = [contact.email.as_str(), admin.contact_email.as_str()];

    // A plain user may neither open nor read requests; support works them but does not open them.
    support::open_reply(&app, &plain.token, tid, &body).assert_problem(403, "forbidden");
    app.client.get(&support::list_path(tid), &plain.token).assert_problem(403, "forbidden");
    support::open_reply(&app, &staff, tid, &body).assert_problem(403, "forbidden");
    assert!(support::list_all(&app, &admin.token, tid, "").is_empty(), "the refusals opened nothing");

    // The global admin opens a severity-B incident on mail.
    let opened = support::open(&app, &admin.token, tid, &body);
    let srid = id_of(&opened);
    let path = support::request_path(tid, &srid);
    assert_eq!(opened["tenant_id"], tid, "{opened}");
    assert_eq!(opened["kind"], "incident", "{opened}");
    assert_eq!(opened["category"], "technical", "{opened}");
    assert_eq!(opened["workload"], "mail", "{opened}");
    assert_eq!(opened["title"], title, "{opened}");
    assert_eq!(opened["description"], body["description"], "{opened}");
    assert_eq!(opened["severity"], "B", "{opened}");
    assert_eq!(opened["status"], "open", "{opened}");
    assert_eq!(
        opened["contact"],
        json!({"name": "Ada Lovelace", "email": contact.email, "phone": null, "available_24_7": false}),
        "{opened}"
    );
    assert_eq!(opened["requester"]["id"], admin.id.as_str(), "{opened}");
    assert_eq!(opened["requester"]["name"], "Admin of helpdesk", "{opened}");
    assert_eq!(opened["requester"]["side"], "customer", "{opened}");
    assert!(opened["requester"]["partner_id"].is_null() && opened["requester"]["partner_name"].is_null(), "{opened}");
    assert!(opened["assignee"].is_null() && opened["first_response_at"].is_null(), "{opened}");
    assert!(opened["resolved_at"].is_null() && opened["closed_at"].is_null(), "{opened}");
    assert_eq!(opened["overdue"], false, "{opened}");
    assert_eq!(opened["notes"], json!([]), "{opened}");
    assert_eq!(hours_to_first_response(&opened), Duration::hours(4), "severity B: 4 hours: {opened}");
    assert_told(&app, &told, title, &[]);
    // The plain user cannot read it either; the admin and support can.
    app.client.get(&path, &plain.token).assert_problem(403, "forbidden");
    assert_eq!(support::get(&app, &admin.token, tid, &srid)["status"], "open");
    assert_eq!(support::get(&app, &staff, tid, &srid)["status"], "open");
    let first_etag = app.client.get(&path, &staff).header("etag").expect("an ETag");

    // Support takes it and moves it to in_progress: its first response.
    let reply = support::patch(&app, &staff, tid, &srid, &json!({"status": "in_progress", "take": true}));
    reply.assert_status(200);
    let taken = reply.json();
    assert_eq!(taken["status"], "in_progress", "{taken}");
    assert_eq!(taken["assignee"]["id"], staff_id.as_str(), "{taken}");
    assert!(taken["assignee"]["name"].as_str().is_some_and(|name| !name.is_empty()), "{taken}");
    assert!(taken["first_response_at"].is_string(), "{taken}");
    assert_eq!(taken["overdue"], false, "{taken}");
    assert_ne!(reply.header("etag").as_deref(), Some(first_etag.as_str()), "a new version");
    assert_told(&app, &told, title, &["in progress"]);

    // Support adds a note, then the admin does; neither tells anyone by mail.
    let support_note = support::note(&app, &staff, tid, &srid, "We are looking at the mail queues.");
    assert_eq!(support_note["author_side"], "support", "{support_note}");
    assert_eq!(support_note["author_id"], staff_id.as_str(), "{support_note}");
    assert!(support_note["partner_id"].is_null(), "{support_note}");
    let admin_note = support::note(&app, &admin.token, tid, &srid, "It affects every user since 9:00.");
    assert_eq!(admin_note["author_side"], "customer", "{admin_note}");
    assert_eq!(admin_note["author_id"], admin.id.as_str(), "{admin_note}");
    assert_eq!(admin_note["author_name"], "Admin of helpdesk", "{admin_note}");
    assert!(admin_note["partner_id"].is_null(), "{admin_note}");
    assert_told(&app, &told, title, &["in progress"]);
    let read = support::get(&app, &admin.token, tid, &srid);
    assert_eq!(read["notes"], json!([support_note, admin_note]), "notes oldest first: {read}");

    // A change based on a stale version is refused and changes nothing.
    support::patch_if_match(&app, &staff, tid, &srid, &first_etag, &json!({"status": "resolved"}))
        .assert_problem(412, "precondition_failed");
    assert_eq!(support::get(&app, &staff, tid, &srid)["status"], "in_progress");

    // Support resolves it (with the current version).
    let etag = app.client.get(&path, &staff).header("etag").expect("an ETag");
    let reply = support::patch_if_match(&app, &staff, tid, &srid, &etag, &json!({"status": "resolved"}));
    reply.assert_status(200);
    let resolved = reply.json();
    assert_eq!(resolved["status"], "resolved", "{resolved}");
    assert!(resolved["resolved_at"].is_string() && resolved["closed_at"].is_null(), "{resolved}");
    assert_told(&app, &told, title, &["in progress", "resolved"]);

    // The admin reopens it.
    let reply = support::patch(&app, &admin.token, tid, &srid, &json!({"status": "in_progress"}));
    reply.assert_status(200);
    let reopened = reply.json();
    assert_eq!(reopened["status"], "in_progress", "{reopened}");
    assert!(reopened["resolved_at"].is_null(), "reopened: no longer resolved: {reopened}");
    assert_told(&app, &told, title, &["in progress", "resolved", "in progress"]);

    // Support resolves it again, and the admin closes it.
    support::patch(&app, &staff, tid, &srid, &json!({"status": "resolved"})).assert_status(200);
    assert_told(&app, &told, title, &["in progress", "resolved", "in progress", "resolved"]);
    let reply = support::patch(&app, &admin.token, tid, &srid, &json!({"status": "closed"}));
    reply.assert_status(200);
    let closed = reply.json();
    assert_eq!(closed["status"], "closed", "{closed}");
    assert!(closed["closed_at"].is_string() && closed["resolved_at"].is_string(), "{closed}");
    assert_told(&app, &told, title, &["in progress", "resolved", "in progress", "resolved", "closed"]);

    // Notes cannot be edited nor deleted: there is no such operation, and they stay as written.
    let notes_before = support::get(&app, &admin.token, tid, &srid)["notes"].clone();
    assert_eq!(notes_before, json!([support_note, admin_note]));
    let notes = support::notes_path(tid, &srid);
    let one_note = format!("{notes}/{}", id_of(&admin_note));
    let edit = json!({"body": "Rewritten history"});
    for token in [&admin.token, &staff] {
        for (method, target) in [
            ("PATCH", &notes),
            ("PUT", &notes),
            ("DELETE", &notes),
            ("PATCH", &one_note),
            ("PUT", &one_note),
            ("DELETE", &one_note),
        ] {
            let call = Call::new(method, target).token(token);
            let call = if method == "DELETE" { call } else { call.json(&edit) };
            let reply = app.client.send(call);
            assert!(matches!(reply.status, 404 | 405), "{method} {target}: {reply:?}");
            if reply.status == 405 {
                let allow = reply.header("allow").unwrap_or_default();
                assert!(!allow.contains(method), "{method} {target} is allowed after all: {allow}");
            }
        }
    }
    // Nor can a closed request take more notes.
    support::note_reply(&app, &admin.token, tid, &srid, "One more thing").assert_problem(409, "invalid_transition");
    support::note_reply(&app, &staff, tid, &srid, "One more thing").assert_problem(409, "invalid_transition");
    assert_eq!(support::get(&app, &admin.token, tid, &srid)["notes"], notes_before, "the notes are unchanged");
    assert_told(&app, &told, title, &["in progress", "resolved", "in progress", "resolved", "closed"]);

    // The audit log tells the whole story, each step by whoever took it.
    let opened_events = support::audit(&app, &admin.token, tid, "service_request.opened");
    assert_eq!(opened_events.len(), 1, "{opened_events:#?}");
    assert_eq!(opened_events[0]["actor_id"], admin.id.as_str());
    assert_eq!(opened_events[0]["target_id"], srid.as_str());
    assert!(opened_events[0]["partner_id"].is_null());
    assert_eq!(opened_events[0]["details"]["severity"], "B");
    assert_eq!(opened_events[0]["details"]["workload"], "mail");
    let mut moves = support::audit(&app, &admin.token, tid, "service_request.status_changed");
    moves.reverse();
    let story: Vec<(String, String, String)> = moves
        .iter()
        .map(|event| {
            assert_eq!(event["target_id"], srid.as_str(), "{event}");
            (
                event["details"]["from"].as_str().unwrap_or_default().to_owned(),
                event["details"]["to"].as_str().unwrap_or_default().to_owned(),
                event["actor_id"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let step = |from: &str, to: &str, by: &str| (from.to_owned(), to.to_owned(), by.to_owned());
    assert_eq!(
        story,
        [
            step("open", "in_progress", &staff_id),
            step("in_progress", "resolved", &staff_id),
            step("resolved", "in_progress", &admin.id),
            step("in_progress", "resolved", &staff_id),
            step("resolved", "closed", &admin.id),
        ],
        "{moves:#?}"
    );
    let taken_events = support::audit(&app, &admin.token, tid, "service_request.taken");
    assert_eq!(taken_events.len(), 1, "{taken_events:#?}");
    assert_eq!(taken_events[0]["actor_id"], staff_id.as_str());
    assert_eq!(taken_events[0]["target_id"], srid.as_str());
    let mut note_events = support::audit(&app, &admin.token, tid, "service_request.note_added");
    note_events.reverse();
    let authors: Vec<(&str, &str)> = note_events
        .iter()
        .map(|event| {
            (
                event["actor_id"].as_str().unwrap_or_default(),
                event["details"]["author_side"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(authors, [(staff_id.as_str(), "support"), (admin.id.as_str(), "customer")], "{note_events:#?}");
    assert!(support::audit(&app, &admin.token, tid, "service_request.regraded").is_empty());
}
