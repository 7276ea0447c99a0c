//! Requests a partner opens for its customer; strangers find none, the lifecycle refuses the rest.

use serde_json::{json, Value};
use tenantry_tests::partners;
use tenantry_tests::people;
use tenantry_tests::support::{self, incident, ContactCard};
use tenantry_tests::{Backend, TestApp};

use super::{assert_told, id_of};

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
pub(super) fn a_partner_opens_and_follows_up_for_its_customer_and_strangers_see_nothing(backend: Backend) {
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
