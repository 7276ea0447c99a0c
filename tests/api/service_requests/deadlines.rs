//! Severity A needs a contact reachable 24/7; deadlines follow the severity; lists filter, sort, page.

use std::collections::HashSet;

use chrono::{Duration, DurationRound, Utc};
use serde_json::{json, Value};
use tenantry_tests::people;
use tenantry_tests::support::{self, incident, ContactCard};
use tenantry_tests::{Backend, TestApp};

use super::{assert_told, hours_to_first_response, id_of, me};

/// A list query and which requests it keeps.
type Filter = (&'static str, fn(&Value) -> bool);

fn expected_hours(severity: &Value) -> Duration {
    match severity.as_str() {
        Some("A") => Duration::hours(1),
        Some("B") => Duration::hours(4),
        Some("C") => Duration::hours(8),
        other => panic!("no severity {other:?}"),
    }
}

/// Case 2: severity A needs a phone reachable around the clock; deadlines follow the severity and
/// its re-grading; lists filter by several statuses and page by deadline without losing or
/// repeating a request.
pub(super) fn severity_a_needs_a_phone_reachable_around_the_clock_and_deadlines_sort_and_page(backend: Backend) {
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
