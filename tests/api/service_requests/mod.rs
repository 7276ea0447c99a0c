//! Service requests end to end: a tenant's admins (or a partner acting for the tenant) open them,
//! the operator's support staff work them through the lifecycle, both follow up with
//! append-only notes, the requester hears of every change, deadlines follow the severity and
//! lists sort and page by deadline; nobody outside the tenant learns a request exists.

mod deadlines;
mod lifecycle;
mod partner_side;
mod racing;

use chrono::Duration;
use serde_json::Value;
use tenantry_tests::support;
use tenantry_tests::TestApp;

use crate::Case;

pub fn cases() -> Vec<Case> {
    cases![
        lifecycle::a_global_admin_and_support_work_an_incident_from_open_to_closed,
        deadlines::severity_a_needs_a_phone_reachable_around_the_clock_and_deadlines_sort_and_page,
        partner_side::a_partner_opens_and_follows_up_for_its_customer_and_strangers_see_nothing,
        racing::racing_changes_and_notes_queue_and_support_sees_every_tenant,
        racing::a_retried_opening_with_its_key_opens_one_request,
    ]
}

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
                // French puts no colon between the request and the verb that tells its change.
                assert!(!subject.contains("\" : "), "a stray colon in {subject:?}");
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
