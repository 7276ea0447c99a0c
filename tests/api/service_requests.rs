//! Service requests end to end: a tenant's admins (or a partner acting for the tenant) open them,
//! the operator's support staff work them through the lifecycle, both follow up with
//! append-only notes, the requester hears of every change, deadlines follow the severity and
//! lists sort and page by deadline; nobody outside the tenant learns a request exists.

use std::collections::HashSet;

use chrono::{Duration, DurationRound, Utc};
use serde_json::{json, Value};
use tenantry_tests::client::Call;
use tenantry_tests::partners;
use tenantry_tests::people;
use tenantry_tests::support::{self, incident, ContactCard};
use tenantry_tests::{Backend, TestApp};

use crate::Case;

pub fn cases() -> Vec<Case> {
    cases![
        a_global_admin_and_support_work_an_incident_from_open_to_closed,
        severity_a_needs_a_phone_reachable_around_the_clock_and_deadlines_sort_and_page,
        a_partner_opens_and_follows_up_for_its_customer_and_strangers_see_nothing,
        racing_changes_and_notes_queue_and_support_sees_every_tenant,
    ]
}

/// A list query and which requests it keeps.
type Filter = (&'static str, fn(&Value) -> bool);

/// The phrases the messages about a request use for each change.
/// (In French, the language of people who chose none, as the templates word them.)
const PHRASES: [(&str, &str); 5] = [
    ("in progress", "en cours"),
    ("waiting on customer", "en attente du client"),
    ("resolved", "résolue"),
    ("closed", "clôturée"),
    ("re-graded", "reclassée"),
];

/// Asserts that each recipient received, about the request titled `title`, exactly one message
/// per change named in `changes` (in any order), and nothing else.
fn assert_told(app: &TestApp, recipients: &[&str], title: &str, changes: &[&str]) {
    let mut expected: Vec<&str> = changes.to_vec();
    expected.sort_unstable();
    for recipient in recipients {
        let subjects = support::subjects_about(app, recipient, title);
        let mut told: Vec<&str> = subjects
            .iter()
            .map(|subject| {
                PHRASES
                    .into_iter()
                    .find(|(_, french)| subject.contains(french))
                    .map(|(english, _)| english)
                    .unwrap_or_else(|| panic!("a message of no known change to {recipient}: {subject}"))
            })
            .collect();
        told.sort_unstable();
        assert_eq!(told, expected, "messages about {title:?} to {recipient}: {subjects:#?}");
    }
}

fn id_of(value: &Value) -> String {
    value["id"].as_str().unwrap_or_else(|| panic!("an id in {value}")).to_owned()
}

fn me(app: &TestApp, token: &str) -> Value {
    let reply = app.client.get("/v1/me", token);
    reply.assert_status(200);
    reply.json()
}

fn hours_to_first_response(request: &Value) -> Duration {
    support::time(&request["first_response_due_at"]) - support::time(&request["created_at"])
}

fn expected_hours(severity: &Value) -> Duration {
    match severity.as_str() {
        Some("A") => Duration::hours(1),
        Some("B") => Duration::hours(4),
        Some("C") => Duration::hours(8),
        other => panic!("no severity {other:?}"),
    }
}

/// Case 1: the whole life of an incident, worked by support and followed by the admin who opened it.
fn a_global_admin_and_support_work_an_incident_from_open_to_closed(backend: Backend) {
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

/// Case 2: severity A needs a phone reachable around the clock; deadlines follow the severity and
/// its re-grading; lists filter by several statuses and page by deadline without losing or
/// repeating a request.
fn severity_a_needs_a_phone_reachable_around_the_clock_and_deadlines_sort_and_page(backend: Backend) {
    let app = TestApp::spawn(backend);
    let tenant = people::tenant_with_admin(&app, "deadlines");
    let admin = tenant.global_admin.token.as_str();
    let staff = app.operator_token();
    let staff = staff.as_str();
    let tid = tenant.id.as_str();
    let desk = "desk.deadlines@example.com";
    let office_hours = ContactCard::office_hours("Desk", desk);
    let ready = ContactCard::around_the_clock("Desk", desk);

    // Severity A without a phone reachable 24/7: 422 naming the fields, and nothing opened.
    let no_phone = ContactCard { phone: None, ..ready.clone() };
    let blank_phone = ContactCard { phone: Some("  ".into()), ..ready.clone() };
    let office_phone = ContactCard { available_24_7: false, ..ready.clone() };
    let mut unsaid_24_7 = incident("Nobody can sign in", "A", "sign_in", &ready);
    unsaid_24_7["contact"].as_object_mut().unwrap().remove("available_24_7");
    let refusals = [
        (incident("Nobody can sign in", "A", "sign_in", &no_phone), vec!["contact.phone"]),
        (incident("Nobody can sign in", "A", "sign_in", &blank_phone), vec!["contact.phone"]),
        (incident("Nobody can sign in", "A", "sign_in", &office_phone), vec!["contact.available_24_7"]),
        (unsaid_24_7, vec!["contact.available_24_7"]),
        (
            incident("Nobody can sign in", "A", "sign_in", &office_hours),
            vec!["contact.phone", "contact.available_24_7"],
        ),
    ];
    for (body, fields) in &refusals {
        let reply = support::open_reply(&app, admin, tid, body);
        reply.assert_problem(422, "validation_failed");
        let mut named: Vec<String> = reply.json()["errors"]
            .as_array()
            .unwrap_or_else(|| panic!("errors in {reply:?}"))
            .iter()
            .map(|error| error["field"].as_str().unwrap_or_default().to_owned())
            .collect();
        named.sort();
        let mut fields = fields.clone();
        fields.sort_unstable();
        assert_eq!(named, fields, "{body}: {reply:?}");
    }
    assert!(support::list_all(&app, admin, tid, "").is_empty(), "a refused request is not opened");
    assert!(support::audit(&app, admin, tid, "service_request.opened").is_empty());

    // With both, it is opened; the first answer is due 1 hour later for A, 4 for B, 8 for C.
    let critical = support::open(&app, admin, tid, &incident("Nobody can sign in", "A", "sign_in", &ready));
    assert_eq!(critical["contact"]["phone"], "+33 1 23 45 67 89", "{critical}");
    assert_eq!(critical["contact"]["available_24_7"], true, "{critical}");
    assert_eq!(hours_to_first_response(&critical), Duration::hours(1), "{critical}");
    let high = support::open(&app, admin, tid, &incident("Mail is slow", "B", "mail", &office_hours));
    assert_eq!(hours_to_first_response(&high), Duration::hours(4), "{high}");
    let low = support::open(&app, admin, tid, &incident("A typo in the portal", "C", "portal", &office_hours));
    assert_eq!(hours_to_first_response(&low), Duration::hours(8), "{low}");
    for request in [&critical, &high, &low] {
        assert_eq!(request["overdue"], false, "{request}");
    }

    // Support re-grades the A request to C: a later deadline, audited, and the requester is told.
    let reply = support::patch(&app, staff, tid, &id_of(&critical), &json!({"severity": "C"}));
    reply.assert_status(200);
    let regraded = reply.json();
    assert_eq!(regraded["severity"], "C", "{regraded}");
    assert_eq!(regraded["status"], "open", "re-grading is no change of status: {regraded}");
    assert_eq!(regraded["created_at"], critical["created_at"], "{regraded}");
    assert_eq!(hours_to_first_response(&regraded), Duration::hours(8), "the deadline follows: {regraded}");
    assert_eq!(
        support::get(&app, admin, tid, &id_of(&critical))["first_response_due_at"],
        regraded["first_response_due_at"]
    );
    assert_told(&app, &[desk], "Nobody can sign in", &["re-graded"]);
    let events = support::audit(&app, admin, tid, "service_request.regraded");
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(events[0]["target_id"], critical["id"]);
    assert_eq!(events[0]["details"]["from"], "A");
    assert_eq!(events[0]["details"]["to"], "C");
    assert_eq!(events[0]["actor_id"], id_of(&me(&app, staff)).as_str());

    // Seven more, of mixed severities and workloads.
    for (n, severity) in ["C", "A", "B", "C", "B", "A", "C"].into_iter().enumerate() {
        let contact = if severity == "A" { &ready } else { &office_hours };
        let workload = if n % 2 == 0 { "mail" } else { "meetings" };
        let request =
            support::open(&app, admin, tid, &incident(&format!("Sorted request {n}"), severity, workload, contact));
        assert_eq!(hours_to_first_response(&request), expected_hours(&request["severity"]), "{request}");
    }
    let all = support::list_all(&app, admin, tid, "");
    assert_eq!(all.len(), 10, "{all:#?}");
    let newest: Vec<String> = all.iter().map(id_of).collect();
    let mut expected_newest = newest.clone();
    expected_newest.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(newest, expected_newest, "newest first by default");
    for request in &all {
        assert!(request.get("notes").is_none(), "lists carry no notes: {request}");
        assert_eq!(hours_to_first_response(request), expected_hours(&request["severity"]), "{request}");
    }

    // Sorting by deadline pages correctly across several pages, for the admin and for support.
    let by_deadline = |items: &[Value]| -> Vec<String> {
        let mut keyed: Vec<_> = items.iter().map(|r| (support::time(&r["first_response_due_at"]), id_of(r))).collect();
        keyed.sort();
        keyed.into_iter().map(|(_, id)| id).collect()
    };
    let assert_pages = |token: &str, query: &str, limit: usize, expected: &[String]| {
        let pages = support::pages(&app, token, tid, query, limit);
        let seen: Vec<String> = pages.concat();
        let distinct: HashSet<&String> = seen.iter().collect();
        assert_eq!(distinct.len(), seen.len(), "{query}, {limit} a page: a request on two pages: {pages:?}");
        assert_eq!(seen, expected, "{query}, {limit} a page: {pages:?}");
        assert_eq!(pages.len(), expected.len().div_ceil(limit).max(1), "{query}: {pages:?}");
    };
    let expected = by_deadline(&all);
    assert_pages(admin, "sort=deadline", 2, &expected);
    assert_pages(staff, "sort=deadline", 3, &expected);
    assert_pages(admin, "sort=newest", 3, &expected_newest);

    // Ties on the deadline are broken by id, across page boundaries too.
    let tied_at = (Utc::now() + Duration::hours(2)).duration_trunc(Duration::seconds(1)).unwrap();
    for request in all.iter().step_by(2) {
        support::set_first_response_due(&app, &id_of(request), tied_at);
    }
    let all = support::list_all(&app, admin, tid, "");
    let tied = all.iter().filter(|r| support::time(&r["first_response_due_at"]) == tied_at).count();
    assert_eq!(tied, 5, "{all:#?}");
    let expected = by_deadline(&all);
    for limit in [2, 3, 4] {
        assert_pages(admin, "sort=deadline", limit, &expected);
    }

    // Support works some of them; the status filter takes any of several values.
    let ids: Vec<String> = all.iter().map(id_of).collect();
    let move_to = |id: &str, statuses: &[&str]| {
        for status in statuses {
            support::patch(&app, staff, tid, id, &json!({"status": status})).assert_status(200);
        }
    };
    move_to(&ids[0], &["in_progress"]);
    move_to(&ids[1], &["in_progress", "waiting_on_customer"]);
    move_to(&ids[2], &["resolved"]);
    move_to(&ids[3], &["resolved", "closed"]);
    move_to(&ids[4], &["in_progress"]);
    let all = support::list_all(&app, admin, tid, "");
    let with_status = |statuses: &[&str]| -> Vec<Value> {
        all.iter().filter(|r| statuses.contains(&r["status"].as_str().unwrap_or_default())).cloned().collect()
    };
    for statuses in
        [&["open", "in_progress"][..], &["waiting_on_customer", "closed"][..], &["resolved", "in_progress"][..]]
    {
        let query = format!("status={}", statuses.join(","));
        let found = support::list_all(&app, admin, tid, &query);
        let expected = with_status(statuses);
        assert!(!expected.is_empty(), "{statuses:?}");
        assert_eq!(
            found.iter().map(id_of).collect::<Vec<_>>(),
            expected.iter().map(id_of).collect::<Vec<_>>(),
            "{query}: {found:#?}"
        );
        assert_pages(admin, &format!("{query}&sort=deadline"), 2, &by_deadline(&expected));
    }
    assert_eq!(with_status(&["open", "in_progress"]).len(), 7);
    // Severity and workload filters, alone and with a status.
    let filters: [Filter; 3] = [
        ("severity=C", |r| r["severity"] == "C"),
        ("workload=meetings", |r| r["workload"] == "meetings"),
        ("workload=mail&status=open,resolved", |r| {
            r["workload"] == "mail" && (r["status"] == "open" || r["status"] == "resolved")
        }),
    ];
    for (query, keep) in filters {
        let found: Vec<String> = support::list_all(&app, admin, tid, query).iter().map(id_of).collect();
        let expected: Vec<String> = all.iter().filter(|r| keep(r)).map(id_of).collect();
        assert!(!expected.is_empty(), "{query}");
        assert_eq!(found, expected, "{query}");
    }

    // A cursor is only good for the sort it came from.
    let first = |query: &str| -> String {
        let reply = app.client.get(&format!("{}?limit=2&{query}", support::list_path(tid)), admin);
        reply.assert_status(200);
        reply.json()["next_cursor"].as_str().expect("a next page").to_owned()
    };
    let newest_cursor = first("sort=newest");
    let deadline_cursor = first("sort=deadline");
    for query in [
        format!("sort=deadline&cursor={newest_cursor}"),
        format!("sort=newest&cursor={deadline_cursor}"),
        format!("cursor={deadline_cursor}"),
    ] {
        app.client
            .get(&format!("{}?limit=2&{query}", support::list_path(tid)), admin)
            .assert_problem(422, "invalid_cursor");
    }

    // Overdue is computed when read: past its deadline without an answer from support.
    let waiting = all
        .iter()
        .find(|r| r["status"] == "open" && r["first_response_at"].is_null())
        .map(id_of)
        .expect("an open request support has not answered");
    let answered = ids[0].clone();
    let an_hour_ago = Utc::now() - Duration::hours(1);
    support::set_first_response_due(&app, &waiting, an_hour_ago);
    support::set_first_response_due(&app, &answered, an_hour_ago);
    assert_eq!(support::get(&app, admin, tid, &waiting)["overdue"], true);
    assert_eq!(support::get(&app, admin, tid, &answered)["overdue"], false, "support answered it");
    let listed = support::list_all(&app, admin, tid, "");
    let overdue: Vec<String> = listed.iter().filter(|r| r["overdue"] == true).map(id_of).collect();
    assert_eq!(overdue, std::slice::from_ref(&waiting), "{listed:#?}");
    support::patch(&app, staff, tid, &waiting, &json!({"take": true})).assert_status(200);
    assert_eq!(support::get(&app, admin, tid, &waiting)["overdue"], false, "support took it: answered");
}

/// Every service-request route, as `token`, answers 404 and changes nothing.
fn every_route_is_not_found(app: &TestApp, token: &str, tenant: &str, request: &str, who: &str) {
    let contact = ContactCard::office_hours("Intruder", "intruder@example.com");
    let body = incident("Not yours", "C", "mail", &contact);
    let replies = [
        ("list", app.client.get(&support::list_path(tenant), token)),
        ("open", support::open_reply(app, token, tenant, &body)),
        ("get", app.client.get(&support::request_path(tenant, request), token)),
        ("patch status", support::patch(app, token, tenant, request, &json!({"status": "closed"}))),
        ("patch severity", support::patch(app, token, tenant, request, &json!({"severity": "A"}))),
        ("note", support::note_reply(app, token, tenant, request, "Hello from outside")),
    ];
    for (what, reply) in replies {
        assert_eq!(reply.status, 404, "{who}: {what}: {reply:?}");
        reply.assert_problem(404, "not_found");
    }
}

/// Case 3: a partner's agents open and follow up requests for their customer, shown as the
/// partner's; strangers (partners without a relationship, other tenants' admins) get 404 on every
/// route; the customer's side cannot do support's moves, and the lifecycle refuses the rest.
fn a_partner_opens_and_follows_up_for_its_customer_and_strangers_see_nothing(backend: Backend) {
    let app = TestApp::spawn(backend);
    let customer = people::tenant_with_admin(&app, "customer");
    let admin = customer.global_admin.token.as_str();
    let tid = customer.id.as_str();
    let partner = partners::partner_with_admin(&app, "helpers");
    let full = partners::add_agent(&app, &partner, "full");
    let limited = partners::add_agent(&app, &partner, "limited");
    let unassigned = partners::add_agent(&app, &partner, "unassigned");
    partners::relationship(&app, &partner, &customer, "full");
    partners::assign(&app, &partner, &full, tid, "full");
    partners::assign(&app, &partner, &limited, tid, "limited");
    let staff = app.operator_token();
    let staff = staff.as_str();
    let contact = ContactCard::office_hours("Customer IT desk", "it-desk.customer@example.com");
    let title = "Meetings drop after ten minutes";

    // The full agent opens a request for the customer: it shows it came from the partner.
    let opened = support::open(&app, &full.token, tid, &incident(title, "B", "meetings", &contact));
    let srid = id_of(&opened);
    let from_partner = |request: &Value, agent: &partners::PartnerPerson| {
        assert_eq!(request["requester"]["id"], agent.id.as_str(), "{request}");
        assert_eq!(request["requester"]["name"], agent.display_name.as_str(), "{request}");
        assert_eq!(request["requester"]["side"], "partner", "{request}");
        assert_eq!(request["requester"]["partner_id"], partner.id.as_str(), "{request}");
        assert_eq!(request["requester"]["partner_name"], partner.name.as_str(), "{request}");
    };
    from_partner(&opened, &full);
    assert_eq!(opened["tenant_id"], tid);
    // The limited agent opens one too.
    let other_title = "Sites load slowly";
    let other = support::open(&app, &limited.token, tid, &incident(other_title, "C", "sites", &contact));
    let other_id = id_of(&other);
    from_partner(&other, &limited);

    // The limited agent follows up the first request; the customer's admin reads who wrote what.
    let partner_note = support::note(&app, &limited.token, tid, &srid, "Logs attached to the customer's share.");
    assert_eq!(partner_note["author_side"], "partner", "{partner_note}");
    assert_eq!(partner_note["author_id"], limited.id.as_str(), "{partner_note}");
    assert_eq!(partner_note["author_name"], limited.display_name.as_str(), "{partner_note}");
    assert_eq!(partner_note["partner_id"], partner.id.as_str(), "{partner_note}");
    let customer_note = support::note(&app, admin, tid, &srid, "Confirmed on our side.");
    assert_eq!(customer_note["author_side"], "customer", "{customer_note}");
    assert!(customer_note["partner_id"].is_null(), "{customer_note}");
    let seen = support::get(&app, admin, tid, &srid);
    from_partner(&seen, &full);
    assert_eq!(seen["notes"], json!([partner_note, customer_note]), "{seen}");
    let listed = support::list_all(&app, &full.token, tid, "");
    assert_eq!(listed.iter().map(id_of).collect::<Vec<_>>(), [other_id.clone(), srid.clone()]);
    from_partner(&listed[1], &full);

    // Support asks the customer; the full agent answers with a note, which puts it back in progress.
    support::patch(&app, staff, tid, &srid, &json!({"status": "in_progress", "take": true})).assert_status(200);
    support::patch(&app, staff, tid, &srid, &json!({"status": "waiting_on_customer"})).assert_status(200);
    let answer = support::note(&app, &full.token, tid, &srid, "Here are the times it happened.");
    assert_eq!(answer["author_side"], "partner", "{answer}");
    assert_eq!(answer["partner_id"], partner.id.as_str(), "{answer}");
    let answered = support::get(&app, &limited.token, tid, &srid);
    assert_eq!(answered["status"], "in_progress", "{answered}");
    assert_eq!(answered["notes"].as_array().map(Vec::len), Some(3), "{answered}");
    // The contact and the agent who opened it hear of each change; the other agent does not.
    let changes = ["in progress", "waiting on customer", "in progress"];
    assert_told(&app, &[contact.email.as_str(), full.contact_email.as_str()], title, &changes);
    assert_told(&app, &[limited.contact_email.as_str(), partner.admin.contact_email.as_str()], title, &[]);

    // The customer's audit log names the partner for what its agents did.
    let opened_events = support::audit(&app, admin, tid, "service_request.opened");
    assert_eq!(opened_events.len(), 2, "{opened_events:#?}");
    for (event, (request, agent)) in opened_events.iter().zip([(&other_id, &limited), (&srid, &full)]) {
        assert_eq!(event["target_id"], request.as_str(), "{event}");
        assert_eq!(event["actor_id"], agent.id.as_str(), "{event}");
        assert_eq!(event["partner_id"], partner.id.as_str(), "{event}");
    }
    let mut note_events = support::audit(&app, admin, tid, "service_request.note_added");
    note_events.reverse();
    let notes: Vec<(&str, Option<&str>, &str)> = note_events
        .iter()
        .map(|e| {
            (
                e["actor_id"].as_str().unwrap_or_default(),
                e["partner_id"].as_str(),
                e["details"]["author_side"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        notes,
        [
            (limited.id.as_str(), Some(partner.id.as_str()), "partner"),
            (customer.global_admin.id.as_str(), None, "customer"),
            (full.id.as_str(), Some(partner.id.as_str()), "partner"),
        ],
        "{note_events:#?}"
    );
    let moves = support::audit(&app, admin, tid, "service_request.status_changed");
    assert_eq!(moves.len(), 3, "{moves:#?}");
    assert_eq!(moves[0]["actor_id"], full.id.as_str(), "the answer moved it: {:#}", moves[0]);
    assert_eq!(moves[0]["partner_id"], partner.id.as_str());
    assert_eq!(moves[0]["details"], json!({"from": "waiting_on_customer", "to": "in_progress"}));

    // Strangers get 404 on every route: an agent of the partner not assigned to the customer,
    // a partner without a relationship, another tenant's admins (on the customer's paths and on
    // their own tenant's paths with the customer's request).
    let strangers = partners::partner_with_admin(&app, "strangers");
    let stranger_agent = partners::add_agent(&app, &strangers, "agent");
    let elsewhere = people::tenant_with_admin(&app, "elsewhere");
    let outsiders = [
        ("an unassigned agent", unassigned.token.as_str()),
        ("a partner admin without relationship", strangers.admin.token.as_str()),
        ("a partner agent without relationship", stranger_agent.token.as_str()),
        ("another tenant's global admin", elsewhere.global_admin.token.as_str()),
        ("another tenant's cloud manager", elsewhere.cloud_manager.token.as_str()),
    ];
    let before = support::get(&app, admin, tid, &srid);
    for (who, token) in outsiders {
        every_route_is_not_found(&app, token, tid, &srid, who);
    }
    for token in [elsewhere.global_admin.token.as_str(), elsewhere.cloud_manager.token.as_str()] {
        let own = elsewhere.id.as_str();
        app.client.get(&support::request_path(own, &srid), token).assert_problem(404, "not_found");
        support::patch(&app, token, own, &srid, &json!({"status": "closed"})).assert_problem(404, "not_found");
        support::note_reply(&app, token, own, &srid, "Hello from elsewhere").assert_problem(404, "not_found");
        assert!(support::list_all(&app, token, own, "").is_empty(), "their own list is empty");
    }
    assert_eq!(support::get(&app, admin, tid, &srid), before, "the outsiders changed nothing");
    assert_eq!(support::list_all(&app, admin, tid, "").len(), 2, "the outsiders opened nothing");

    // The customer's side may not do support's moves: 403, and nothing changes.
    for (token, change) in [
        (admin, json!({"status": "in_progress"})),
        (admin, json!({"status": "resolved"})),
        (admin, json!({"severity": "A"})),
        (admin, json!({"take": true})),
        (full.token.as_str(), json!({"status": "resolved"})),
        (full.token.as_str(), json!({"take": true})),
        (limited.token.as_str(), json!({"severity": "B"})),
    ] {
        let reply = support::patch(&app, token, tid, &other_id, &change);
        assert_eq!(reply.status, 403, "{change}: {reply:?}");
        reply.assert_problem(403, "forbidden");
    }
    let untouched = support::get(&app, admin, tid, &other_id);
    assert_eq!(untouched["status"], "open", "{untouched}");
    assert_eq!(untouched["severity"], "C", "{untouched}");
    assert!(untouched["assignee"].is_null() && untouched["first_response_at"].is_null(), "{untouched}");
    assert_eq!(untouched["updated_at"], other["updated_at"], "{untouched}");

    // A move the lifecycle refuses is 409 invalid_transition, whoever asks.
    for (token, status) in
        [(admin, "open"), (admin, "closed"), (admin, "waiting_on_customer"), (staff, "closed"), (staff, "open")]
    {
        let reply = support::patch(&app, token, tid, &other_id, &json!({"status": status}));
        assert_eq!(reply.status, 409, "open -> {status}: {reply:?}");
        reply.assert_problem(409, "invalid_transition");
    }
    assert_eq!(support::get(&app, admin, tid, &other_id)["updated_at"], other["updated_at"]);
    support::patch(&app, staff, tid, &other_id, &json!({"status": "resolved"})).assert_status(200);
    support::patch(&app, &limited.token, tid, &other_id, &json!({"status": "closed"})).assert_status(200);
    for (token, status) in [
        (admin, "in_progress"),
        (full.token.as_str(), "resolved"),
        (staff, "in_progress"),
        (staff, "resolved"),
        (staff, "closed"),
    ] {
        let reply = support::patch(&app, token, tid, &other_id, &json!({"status": status}));
        assert_eq!(reply.status, 409, "closed -> {status}: {reply:?}");
        reply.assert_problem(409, "invalid_transition");
    }
    support::note_reply(&app, &limited.token, tid, &other_id, "Still there?").assert_problem(409, "invalid_transition");
    let closed = support::get(&app, admin, tid, &other_id);
    assert_eq!(closed["status"], "closed", "{closed}");
    assert_eq!(closed["notes"], json!([]), "{closed}");
    // The limited agent opened it: it and the contact heard of the two changes, and only those.
    assert_told(&app, &[contact.email.as_str(), limited.contact_email.as_str()], other_title, &["resolved", "closed"]);
}

fn racing_changes_and_notes_queue_and_support_sees_every_tenant(backend: Backend) {
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
