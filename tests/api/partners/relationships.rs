//! Offers and relationships: accepted once, ended or lapsed at once, kept apart between partners.

use std::collections::HashSet;

use serde_json::json;
use tenantry_tests::partners;
use tenantry_tests::people;
use tenantry_tests::{Backend, TestApp};

use super::{ids, new_user, terminate, users_path};

/// Case 3: ended by the customer, or past its end date, a relationship lets nobody in.
pub(super) fn an_ended_or_lapsed_relationship_stops_the_partner_at_once(backend: Backend) {
    let app = TestApp::spawn(backend);
    let partner = partners::partner_with_admin(&app, "ending");
    let agent = partners::add_agent(&app, &partner, "agent");

    // Ended by the customer.
    let customer = people::tenant_with_admin(&app, "leavingcustomer");
    let relationship = partners::relationship(&app, &partner, &customer, "full");
    let rid = relationship["id"].as_str().unwrap().to_owned();
    partners::assign(&app, &partner, &agent, &customer.id, "full");
    app.client.get(&users_path(&customer.id), &agent.token).assert_status(200);
    app.client.get(&users_path(&customer.id), &partner.admin.token).assert_status(200);
    let reply = terminate(&app, &customer.global_admin.token, &customer.id, &rid);
    reply.assert_status(200);
    let ended = reply.json();
    assert_eq!(ended["status"], "ended");
    assert_eq!(ended["ended_by"], "customer");
    assert!(ended["ended_at"].is_string(), "{ended}");
    app.client.get(&users_path(&customer.id), &agent.token).assert_problem(404, "not_found");
    app.client.get(&users_path(&customer.id), &partner.admin.token).assert_problem(404, "not_found");
    // Ending twice changes nothing.
    let again = terminate(&app, &customer.global_admin.token, &customer.id, &rid);
    again.assert_status(200);
    assert_eq!(again.json()["ended_at"], ended["ended_at"]);
    assert_eq!(again.json()["ended_by"], "customer");
    let listed = partners::relationships_of(&app, &customer);
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["status"], "ended");
    let customers = app.client.get(&format!("/v1/partners/{}/customers", partner.id), &partner.admin.token);
    customers.assert_status(200);
    assert!(!ids(&customers.json(), "tenant_id").contains(&customer.id), "{}", customers.text);

    // Past its end date.
    let lapsing = people::tenant_with_admin(&app, "lapsingcustomer");
    let offer = partners::create_offer(&app, &partner, "limited", Some(30));
    assert_eq!(offer["duration_days"], 30);
    let reply = partners::accept(&app, &lapsing, &offer);
    reply.assert_status(201);
    let relationship = reply.json();
    let accepted_at = chrono::DateTime::parse_from_rfc3339(relationship["accepted_at"].as_str().unwrap()).unwrap();
    let ends_at = chrono::DateTime::parse_from_rfc3339(relationship["ends_at"].as_str().expect("an end date")).unwrap();
    assert!(((ends_at - accepted_at) - chrono::Duration::days(30)).num_seconds().abs() <= 1, "{relationship}");
    let rid = relationship["id"].as_str().unwrap().to_owned();
    partners::assign(&app, &partner, &agent, &lapsing.id, "limited");
    app.client.get(&users_path(&lapsing.id), &agent.token).assert_status(200);
    partners::set_ends_at(&app, &rid, chrono::Utc::now() - chrono::Duration::minutes(1));
    app.client.get(&users_path(&lapsing.id), &agent.token).assert_problem(404, "not_found");
    app.client.get(&users_path(&lapsing.id), &partner.admin.token).assert_problem(404, "not_found");
    let listed = partners::relationships_of(&app, &lapsing);
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["status"], "expired", "{listed:?}");
    assert_eq!(listed[0]["ended_by"], "expiry", "{listed:?}");

    // A new offer makes a new relationship; the partner's admin may end it too.
    let reply = partners::accept(&app, &lapsing, &partners::create_offer(&app, &partner, "limited", None));
    reply.assert_status(201);
    let renewed = reply.json()["id"].as_str().unwrap().to_owned();
    assert_ne!(renewed, rid);
    app.client.get(&users_path(&lapsing.id), &agent.token).assert_problem(404, "not_found");
    app.client.get(&users_path(&lapsing.id), &partner.admin.token).assert_status(200);
    let reply = terminate(&app, &partner.admin.token, &lapsing.id, &renewed);
    reply.assert_status(200);
    assert_eq!(reply.json()["ended_by"], "partner");
    app.client.get(&users_path(&lapsing.id), &partner.admin.token).assert_problem(404, "not_found");
}

/// Case 4b: a revoked offer cannot be accepted; accepting twice makes one relationship.
pub(super) fn offers_are_accepted_once_and_revoked_offers_never(backend: Backend) {
    let app = TestApp::spawn(backend);
    let partner = partners::partner_with_admin(&app, "offering");
    let customer = people::tenant_with_admin(&app, "offered");
    let offers_path = format!("/v1/partners/{}/admin-offers", partner.id);

    for days in [0, 731] {
        partners::create_offer_reply(&app, &partner, "full", Some(days)).assert_problem(422, "validation_failed");
    }
    assert_eq!(partners::create_offer(&app, &partner, "full", Some(730))["duration_days"], 730);
    let revoked = partners::create_offer(&app, &partner, "full", None);
    let revoked_path = format!("{offers_path}/{}", revoked["id"].as_str().unwrap());
    app.client.delete(&revoked_path, &partner.admin.token).assert_status(204);
    app.client.delete(&revoked_path, &partner.admin.token).assert_status(204);
    let listed = app.client.get(&offers_path, &partner.admin.token);
    listed.assert_status(200);
    let listed = listed.json();
    let entry = listed["items"].as_array().unwrap().iter().find(|o| o["id"] == revoked["id"]).cloned();
    assert!(entry.is_some_and(|o| o["revoked_at"].is_string()), "{listed}");
    partners::accept(&app, &customer, &revoked).assert_problem(409, "admin_offer_revoked");
    assert!(partners::relationships_of(&app, &customer).is_empty());
    partners::accept_as(&app, &customer.global_admin.token, &customer.id, "no-such-offer-token")
        .assert_problem(404, "not_found");

    // Only the customer's global admin accepts.
    let offer = partners::create_offer(&app, &partner, "limited", None);
    partners::accept_as(&app, &customer.cloud_manager.token, &customer.id, offer["token"].as_str().unwrap())
        .assert_problem(403, "forbidden");
    assert!(partners::relationships_of(&app, &customer).is_empty());

    let first = partners::accept(&app, &customer, &offer);
    first.assert_status(201);
    let second = partners::accept(&app, &customer, &offer);
    second.assert_status(200);
    assert_eq!(second.json()["id"], first.json()["id"]);
    assert_eq!(second.json()["status"], "active");
    let listed = partners::relationships_of(&app, &customer);
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["id"], first.json()["id"]);

    // Another offer of the same partner while one is live.
    let another = partners::create_offer(&app, &partner, "full", None);
    partners::accept(&app, &customer, &another).assert_problem(409, "partner_relationship_exists");
    assert_eq!(partners::relationships_of(&app, &customer).len(), 1);
}

/// Case 4c: partner A's people and clients never reach partner B or B's customers.
pub(super) fn partners_never_reach_each_others_customers(backend: Backend) {
    let app = TestApp::spawn(backend);
    let a = partners::partner_with_admin(&app, "alpha");
    let b = partners::partner_with_admin(&app, "bravo");
    let a_agent = partners::add_agent(&app, &a, "agent");
    let a_client = partners::create_client(&app, &a, "alpha sync");
    let a_customer = people::tenant_with_admin(&app, "alphacustomer");
    let b_customer = people::tenant_with_admin(&app, "bravocustomer");
    partners::relationship(&app, &a, &a_customer, "full");
    let b_relationship = partners::relationship(&app, &b, &b_customer, "full");
    let b_rid = b_relationship["id"].as_str().unwrap();
    partners::assign(&app, &a, &a_agent, &a_customer.id, "full");
    partners::assign_client_reply(&app, &a.admin.token, &a.id, &a_client.id, &a_customer.id, "full").assert_status(200);
    let a_client_token = partners::client_token(&app, &a_client);

    // B's customer, and B itself, are not found by anyone of A's ...
    for (who, token) in [("admin", &a.admin.token), ("agent", &a_agent.token), ("client", &a_client_token)] {
        // (the control: each reaches A's customer)
        app.client.get(&users_path(&a_customer.id), token).assert_status(200);
        for path in [
            users_path(&b_customer.id),
            format!("/v1/tenants/{}", b_customer.id),
            format!("/v1/tenants/{}/partner-relationships", b_customer.id),
            format!("/v1/partners/{}", b.id),
            format!("/v1/partners/{}/users", b.id),
            format!("/v1/partners/{}/customers", b.id),
        ] {
            let reply = app.client.get(&path, token);
            assert_eq!(reply.status, 404, "{who} GET {path}: {reply:?}");
            reply.assert_problem(404, "not_found");
        }
        new_user(&app, token, &b_customer, &format!("from-{who}"), &[]).assert_problem(404, "not_found");
        terminate(&app, token, &b_customer.id, b_rid).assert_problem(404, "not_found");
        let own = app.client.get("/v1/partners", token);
        own.assert_status(200);
        assert_eq!(ids(&own.json(), "id"), vec![a.id.clone()], "{who} sees only its own partner");
    }
    // A customer of both: each partner's people see only their own relationship.
    let b_on_a_customer = partners::relationship(&app, &b, &a_customer, "limited");
    assert_eq!(partners::relationships_of(&app, &a_customer).len(), 2);
    for token in [&a.admin.token, &a_agent.token] {
        let listed = app.client.get(&format!("/v1/tenants/{}/partner-relationships", a_customer.id), token);
        listed.assert_status(200);
        let partners_seen: Vec<String> = ids(&listed.json(), "partner_id");
        assert_eq!(partners_seen, vec![a.id.clone()], "{}", listed.text);
    }
    terminate(&app, &a.admin.token, &a_customer.id, b_on_a_customer["id"].as_str().unwrap())
        .assert_problem(404, "not_found");
    // ... nor may A's admin act on B's partner resources.
    for path in [format!("/v1/partners/{}/admin-offers", b.id), format!("/v1/partners/{}/api-clients", b.id)] {
        app.client.get(&path, &a.admin.token).assert_problem(404, "not_found");
    }
    let b_offers = |app: &TestApp| {
        let listed = app.client.get(&format!("/v1/partners/{}/admin-offers", b.id), &b.admin.token).json();
        listed["items"].as_array().unwrap().len()
    };
    let offers_before = b_offers(&app);
    app.client
        .post(&format!("/v1/partners/{}/admin-offers", b.id), &a.admin.token, &json!({"access": "full"}))
        .assert_problem(404, "not_found");
    partners::add_person_reply(&app, &a.admin.token, &b.id, "alpha", "mole", "partner_agent")
        .assert_problem(404, "not_found");
    partners::assign_reply(&app, &a.admin.token, &a.id, &a_agent.id, &b_customer.id, "full")
        .assert_problem(422, "not_a_customer");
    assert_eq!(b_offers(&app), offers_before, "nothing was added to B");
    assert_eq!(partners::relationships_of(&app, &b_customer)[0]["status"], "active");
    // The operator sees both.
    let all = app.client.get("/v1/partners", &app.operator_token());
    all.assert_status(200);
    let all: HashSet<String> = ids(&all.json(), "id").into_iter().collect();
    assert!(all.contains(&a.id) && all.contains(&b.id), "{all:?}");
}

pub(super) fn racing_acceptances_make_one_relationship(backend: Backend) {
    let app = TestApp::spawn(backend);
    let partner = partners::partner_with_admin(&app, "racing");
    let customer = people::tenant_with_admin(&app, "raced");
    let offer = partners::create_offer(&app, &partner, "limited", None);
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let racers: Vec<_> = (0..8).map(|_| scope.spawn(|| partners::accept(&app, &customer, &offer).status)).collect();
        racers.into_iter().map(|racer| racer.join().unwrap()).collect()
    });
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 201 || *s == 200), "{statuses:?}");
    assert_eq!(partners::relationships_of(&app, &customer).len(), 1);
}

pub(super) fn a_customer_reads_an_offer_before_accepting_it(backend: Backend) {
    let app = TestApp::spawn(backend);
    let partner = partners::partner_with_admin(&app, "previewed");
    let customer = people::tenant_with_admin(&app, "previewing");
    let offer = partners::create_offer(&app, &partner, "full", Some(90));
    let token = offer["token"].as_str().unwrap();
    let path = format!("/v1/tenants/{}/admin-offers/{token}", customer.id);
    let reply = app.client.get(&path, &customer.global_admin.token);
    reply.assert_status(200);
    let preview = reply.json();
    assert_eq!(preview["partner_name"], partner.name.as_str(), "{preview}");
    assert_eq!(preview["access"], "full");
    assert_eq!(preview["duration_days"], 90);
    assert_eq!(preview["revoked"], false);
    app.client.get(&path, &customer.cloud_manager.token).assert_problem(403, "forbidden");
    app.client
        .get(&format!("/v1/tenants/{}/admin-offers/not-a-token", customer.id), &customer.global_admin.token)
        .assert_problem(404, "not_found");
    assert!(partners::relationships_of(&app, &customer).is_empty(), "reading accepts nothing");
    // The Location of a new offer is where it can be read again.
    let reply = partners::create_offer_reply(&app, &partner, "limited", None);
    reply.assert_status(201);
    let location = reply.header("location").unwrap();
    app.client.get(&location, &partner.admin.token).assert_status(200);
}

pub(super) fn a_partner_reads_nothing_of_another_partner_in_a_shared_customers_log(backend: Backend) {
    let app = TestApp::spawn(backend);
    let first = partners::partner_with_admin(&app, "firstshare");
    let second = partners::partner_with_admin(&app, "secondshare");
    let customer = people::tenant_with_admin(&app, "shared");
    partners::relationship(&app, &first, &customer, "full");
    partners::relationship(&app, &second, &customer, "full");
    let agent = partners::add_agent(&app, &second, "busy");
    partners::assign(&app, &second, &agent, &customer.id, "full");
    new_user(&app, &agent.token, &customer, "by-second", &[]).assert_status(201);
    new_user(&app, &first.admin.token, &customer, "by-first", &[]).assert_status(201);
    new_user(&app, &customer.global_admin.token, &customer, "by-customer", &[]).assert_status(201);

    let path = format!("/v1/tenants/{}/audit-events?limit=200", customer.id);
    let seen = app.client.get(&path, &first.admin.token);
    seen.assert_status(200);
    assert!(!seen.text.contains(&second.id) && !seen.text.contains(&agent.display_name), "{}", seen.text);
    let actions: Vec<String> = ids(&seen.json(), "action");
    assert!(actions.contains(&"user.created".to_owned()), "its own and the customer's changes stay: {actions:?}");
    let own = seen.json()["items"].as_array().unwrap().iter().filter(|e| e["partner_id"] == first.id.as_str()).count();
    assert!(own >= 1, "{}", seen.text);
    // The customer sees everything.
    let all = app.client.get(&path, &customer.global_admin.token);
    assert!(all.text.contains(&second.id) && all.text.contains(&first.id), "{}", all.text);
}
