//! Partners and delegated administration: a customer accepts a partner's offer, the partner's
//! agents and API clients act for it within what the customer granted and what they were
//! assigned, every change is audited as theirs, and the partner loses access the moment the
//! relationship ends or lapses.

use std::collections::HashSet;

use serde_json::{json, Value};
use tenantry_tests::client::Call;
use tenantry_tests::partners::{self, Partner, PartnerPerson};
use tenantry_tests::people::{self, Tenant, CHOSEN_PASSWORD};
use tenantry_tests::pools::{self, quick_member};
use tenantry_tests::{mail, Backend, Reply, TestApp};

use crate::Case;

pub fn cases() -> Vec<Case> {
    cases![
        a_limited_agent_resets_passwords_and_nothing_more,
        a_full_agent_administers_the_customer_and_is_audited_as_itself,
        an_ended_or_lapsed_relationship_stops_the_partner_at_once,
        limited_never_yields_full,
        offers_are_accepted_once_and_revoked_offers_never,
        partners_never_reach_each_others_customers,
        api_clients_use_client_credentials_within_their_assignment,
        the_partner_app_filters_flags_caches_and_remembers,
        a_full_delegate_cannot_make_itself_one_of_the_customers_own_administrators,
        partner_people_cannot_take_addresses_in_a_customers_domain,
        a_rotation_ends_the_tokens_of_the_retired_secret,
        racing_acceptances_make_one_relationship,
        a_customer_reads_an_offer_before_accepting_it,
        a_partner_reads_nothing_of_another_partner_in_a_shared_customers_log,
    ]
}

fn users_path(tenant: &str) -> String {
    format!("/v1/tenants/{tenant}/users")
}

fn new_user(app: &TestApp, token: &str, tenant: &Tenant, user_name: &str, roles: &[&str]) -> Reply {
    app.client.post(
        &users_path(&tenant.id),
        token,
        &json!({"display_name": format!("Made {user_name}"), "sign_in": format!("{user_name}@{}", tenant.domain),
                "contact_email": format!("{user_name}.{}@example.com", tenant.slug), "roles": roles,
                "password": CHOSEN_PASSWORD}),
    )
}

fn reset_password(app: &TestApp, token: &str, tenant: &Tenant, user: &str) -> Reply {
    app.client.post(&format!("/v1/tenants/{}/users/{user}/password-reset", tenant.id), token, &json!({}))
}

fn terminate(app: &TestApp, token: &str, tenant: &str, relationship: &str) -> Reply {
    app.client.send(
        Call::new("POST", &format!("/v1/tenants/{tenant}/partner-relationships/{relationship}/terminate")).token(token),
    )
}

fn sign_ins(list: &Value) -> Vec<String> {
    list["items"].as_array().unwrap().iter().map(|u| u["sign_in"].as_str().unwrap().to_owned()).collect()
}

fn ids(list: &Value, field: &str) -> Vec<String> {
    list["items"].as_array().unwrap().iter().map(|i| i[field].as_str().unwrap().to_owned()).collect()
}

/// Case 1: a `limited` relationship makes an agent a password admin of that customer only.
fn a_limited_agent_resets_passwords_and_nothing_more(backend: Backend) {
    let app = TestApp::spawn(backend);
    let operator = app.operator_token();
    let customer = people::tenant_with_admin(&app, "contoso");
    let plain = people::add_member(&app, &customer, "plain", &[]);

    // Only the operator creates partners.
    partners::create_partner_reply(&app, &customer.global_admin.token, "Not allowed").assert_problem(403, "forbidden");
    let reply = partners::create_partner_reply(&app, &operator, "Northwind Partners");
    reply.assert_status(201);
    let created = reply.json();
    let pid = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["name"], "Northwind Partners");
    assert!(created["created_at"].is_string() && created["updated_at"].is_string(), "{created}");
    assert!(reply.header("location").is_some_and(|l| l.ends_with(&pid)), "{reply:?}");
    let admin = partners::add_person(&app, &operator, &pid, "northwind", "admin", "partner_admin");
    partners::prove_domain(&app, &pid, &admin.token, &partners::partner_domain("northwind"));
    let partner = Partner { id: pid.clone(), slug: "northwind".into(), name: "Northwind Partners".into(), admin };
    partners::create_partner_reply(&app, &partner.admin.token, "Not allowed either").assert_problem(403, "forbidden");

    // The admin adds an agent without a password: a temporary one is mailed to them.
    let reply = app.client.post(
        &format!("/v1/partners/{pid}/users"),
        &partner.admin.token,
        &json!({"display_name": "Agent Smith", "sign_in": "smith@northwind.partners.example",
                "contact_email": "smith.contact@mail.example", "role": "partner_agent"}),
    );
    reply.assert_status(201);
    let agent_id = reply.json()["id"].as_str().unwrap().to_owned();
    let agent_token = people::activate(&app, "smith@northwind.partners.example", "smith.contact@mail.example", 1);
    let agent = PartnerPerson {
        id: agent_id,
        display_name: "Agent Smith".into(),
        sign_in: "smith@northwind.partners.example".into(),
        contact_email: "smith.contact@mail.example".into(),
        token: agent_token,
    };
    let reply = app.client.get(&format!("/v1/partners/{pid}/users/{}", agent.id), &partner.admin.token);
    reply.assert_status(200);
    assert_eq!(reply.json()["role"], "partner_agent");
    assert_eq!(reply.json()["contact_email"], "smith.contact@mail.example");
    app.client
        .post(
            &format!("/v1/partners/{pid}/users"),
            &partner.admin.token,
            &json!({"display_name": "Short", "sign_in": "short@northwind.partners.example",
                    "contact_email": "short@mail.example", "role": "partner_agent", "password": "elevenchars"}),
        )
        .assert_problem(422, "validation_failed");
    // The admin may add another admin.
    let second_admin = partners::add_person(&app, &partner.admin.token, &pid, "northwind", "second", "partner_admin");
    // Agents do not add people.
    partners::add_person_reply(&app, &agent.token, &pid, "northwind", "other", "partner_agent")
        .assert_problem(403, "forbidden");

    // A limited offer, accepted by the customer's global admin; the partner admin is told.
    let offer = partners::create_offer(&app, &partner, "limited", None);
    assert_eq!(offer["access"], "limited");
    assert_eq!(offer["partner_id"], pid.as_str());
    assert!(offer["revoked_at"].is_null() && offer["duration_days"].is_null(), "{offer}");
    let token = offer["token"].as_str().unwrap();
    assert!(offer["url"].as_str().unwrap().contains(token), "{offer}");
    let reply = partners::accept(&app, &customer, &offer);
    reply.assert_status(201);
    let relationship = reply.json();
    assert_eq!(relationship["status"], "active");
    assert_eq!(relationship["access"], "limited");
    assert_eq!(relationship["tenant_id"], customer.id.as_str());
    assert_eq!(relationship["partner_id"], pid.as_str());
    assert_eq!(relationship["partner_name"], "Northwind Partners");
    assert_eq!(relationship["offer_id"], offer["id"]);
    assert!(relationship["ends_at"].is_null() && relationship["ended_at"].is_null(), "{relationship}");
    assert!(relationship["ended_by"].is_null(), "{relationship}");
    for admin in [&partner.admin, &second_admin] {
        let told = mail::wait_for(&app.storage.mail_dir(), &admin.contact_email, 1);
        assert!(told[0].contains("contoso SARL a accepté votre offre d'administration déléguée"), "{}", told[0]);
    }

    // Without an assignment the agent cannot reach the customer yet.
    app.client.get(&users_path(&customer.id), &agent.token).assert_problem(404, "not_found");
    partners::assign(&app, &partner, &agent, &customer.id, "limited");

    // The agent lists the customer's users ...
    let reply = app.client.get(&users_path(&customer.id), &agent.token);
    reply.assert_status(200);
    assert!(sign_ins(&reply.json()).contains(&plain.sign_in), "{}", reply.text);
    // ... resets a plain user's password, which the user receives at their contact email ...
    let reply = reset_password(&app, &agent.token, &customer, &plain.id);
    reply.assert_status(202);
    let messages = mail::wait_for(&app.storage.mail_dir(), &plain.contact_email, 1);
    let temporary = mail::field(&messages[0], "Temporary password").expect("a temporary password");
    app.client.token(&plain.sign_in, &temporary);
    // ... but may not create a user, nor reset an administrator's password.
    new_user(&app, &agent.token, &customer, "intruder", &[]).assert_problem(403, "forbidden");
    reset_password(&app, &agent.token, &customer, &customer.global_admin.id).assert_problem(403, "forbidden");
    app.client.sign_in(&customer.global_admin.sign_in, CHOSEN_PASSWORD).assert_status(200);
    // The partner admin holds the relationship's access: limited too.
    app.client.get(&users_path(&customer.id), &partner.admin.token).assert_status(200);
    new_user(&app, &partner.admin.token, &customer, "intruder", &[]).assert_problem(403, "forbidden");

    // A tenant with no relationship is not found, for the agent and the admin.
    let (stranger, ..) = people::create_tenant(&app, &operator, "stranger");
    for token in [&agent.token, &partner.admin.token] {
        app.client.get(&users_path(&stranger), token).assert_problem(404, "not_found");
        app.client.get(&format!("/v1/tenants/{stranger}"), token).assert_problem(404, "not_found");
    }
}

/// Case 2: a `full` relationship makes an agent a global admin of the customer, short of
/// designating global admins or deciding about the relationship itself.
fn a_full_agent_administers_the_customer_and_is_audited_as_itself(backend: Backend) {
    let app = TestApp::spawn(backend);
    let partner = partners::partner_with_admin(&app, "fullservice");
    let agent = partners::add_agent(&app, &partner, "agent");
    let customer = people::tenant_with_admin(&app, "fullcustomer");
    let relationship = partners::relationship(&app, &partner, &customer, "full");
    let rid = relationship["id"].as_str().unwrap().to_owned();
    partners::assign(&app, &partner, &agent, &customer.id, "full");
    let tid = &customer.id;

    // The agent orders a subscription ...
    let reply = app.client.post(
        &format!("/v1/tenants/{tid}/subscriptions"),
        &agent.token,
        &json!({"plan": "business_essentials", "seats": 3}),
    );
    reply.assert_status(201);
    let sid = reply.json()["id"].as_str().unwrap().to_owned();
    pools::wait_until_active(&app, &customer, &sid);
    // ... creates a user and gives them a licence ...
    let reply = new_user(&app, &agent.token, &customer, "worker", &[]);
    reply.assert_status(201);
    let worker = reply.json()["id"].as_str().unwrap().to_owned();
    app.client
        .put(&format!("/v1/tenants/{tid}/users/{worker}/licenses/{sid}"), &agent.token, &json!({}))
        .assert_status(201);
    // ... may not designate a password admin: a partner grants nothing beyond its relationship,
    // and full access is the global admin's role, which stays the customer's (issue 19) ...
    app.client
        .put(&format!("/v1/tenants/{tid}/users/{worker}/roles"), &agent.token, &json!({"roles": ["password_admin"]}))
        .assert_problem(403, "forbidden");
    // ... and changes the plan.
    let reply = app.client.post(
        &format!("/v1/tenants/{tid}/subscriptions/{sid}/change-plan"),
        &agent.token,
        &json!({"target_plan": "business_premium", "buy_missing": true}),
    );
    reply.assert_status(200);
    assert_eq!(reply.json()["applied"], true, "{}", reply.text);
    let held = app.client.get(&format!("/v1/tenants/{tid}/users/{worker}"), &customer.global_admin.token).json();
    assert_eq!(held["licenses"][0]["plan"], "business_premium", "{held}");

    // It may not accept an offer for the customer, even one from another partner ...
    let other = partners::partner_with_admin(&app, "otherpartner");
    let other_offer = partners::create_offer(&app, &other, "limited", None);
    partners::accept_as(&app, &agent.token, tid, other_offer["token"].as_str().unwrap())
        .assert_problem(403, "forbidden");
    // ... nor end the relationship ...
    terminate(&app, &agent.token, tid, &rid).assert_problem(403, "forbidden");
    let listed = partners::relationships_of(&app, &customer);
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["status"], "active");
    // ... nor create a global admin, nor make or unmake one.
    new_user(&app, &agent.token, &customer, "boss", &["global_admin"]).assert_problem(403, "forbidden");
    app.client
        .put(&format!("/v1/tenants/{tid}/users/{worker}/roles"), &agent.token, &json!({"roles": ["global_admin"]}))
        .assert_problem(403, "forbidden");
    app.client
        .put(
            &format!("/v1/tenants/{tid}/users/{}/roles", customer.global_admin.id),
            &agent.token,
            &json!({"roles": ["billing_admin"]}),
        )
        .assert_problem(403, "forbidden");
    let roles = app.client.get(&format!("/v1/tenants/{tid}/users/{worker}"), &customer.global_admin.token).json();
    assert_eq!(roles["roles"], json!([]));

    // The customer's audit log names the agent and the partner for each change.
    let audit = app.client.get(&format!("/v1/tenants/{tid}/audit-events?limit=200"), &customer.global_admin.token);
    audit.assert_status(200);
    let events = audit.json()["items"].as_array().unwrap().clone();
    let by_agent: Vec<&Value> = events.iter().filter(|e| e["actor_id"] == agent.id.as_str()).collect();
    for action in ["subscription.ordered", "user.created", "licence.assigned", "subscription.plan_changed"] {
        assert!(by_agent.iter().any(|e| e["action"] == action), "no {action} by the agent in {events:?}");
    }
    for event in &by_agent {
        assert_eq!(event["actor_name"], agent.display_name.as_str(), "{event}");
        assert_eq!(event["partner_id"], partner.id.as_str(), "{event}");
        assert_eq!(event["partner_name"], partner.name.as_str(), "{event}");
    }
    // The customer's own changes carry no partner.
    let own =
        events.iter().find(|e| e["actor_id"] == customer.cloud_manager.id.as_str() && e["action"] == "user.created");
    assert!(own.is_some_and(|e| e["partner_id"].is_null()), "{events:?}");
}

/// Case 3: ended by the customer, or past its end date, a relationship lets nobody in.
fn an_ended_or_lapsed_relationship_stops_the_partner_at_once(backend: Backend) {
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

/// Case 4a: an assignment never exceeds the relationship, and a limited assignment on a full
/// relationship stays limited.
fn limited_never_yields_full(backend: Backend) {
    let app = TestApp::spawn(backend);
    let operator = app.operator_token();
    let partner = partners::partner_with_admin(&app, "bounded");
    let agent = partners::add_agent(&app, &partner, "agent");
    let client = partners::create_client(&app, &partner, "bounded sync");
    let limited = people::tenant_with_admin(&app, "limitedcustomer");
    let full = people::tenant_with_admin(&app, "fullcustomer");
    partners::relationship(&app, &partner, &limited, "limited");
    partners::relationship(&app, &partner, &full, "full");
    let admin = &partner.admin.token;

    // Full on a limited relationship: refused, for an agent and for an API client.
    partners::assign_reply(&app, admin, &partner.id, &agent.id, &limited.id, "full")
        .assert_problem(422, "access_beyond_relationship");
    partners::assign_client_reply(&app, admin, &partner.id, &client.id, &limited.id, "full")
        .assert_problem(422, "access_beyond_relationship");
    app.client.get(&users_path(&limited.id), &agent.token).assert_problem(404, "not_found");
    // Limited on a limited relationship is fine, and stays limited.
    partners::assign(&app, &partner, &agent, &limited.id, "limited");
    new_user(&app, &agent.token, &limited, "nope", &[]).assert_problem(403, "forbidden");

    // Limited on a full relationship: the agent cannot create users, but can reset passwords.
    partners::assign(&app, &partner, &agent, &full.id, "limited");
    new_user(&app, &agent.token, &full, "nope", &[]).assert_problem(403, "forbidden");
    let plain = people::add_member(&app, &full, "plain", &[]);
    reset_password(&app, &agent.token, &full, &plain.id).assert_status(202);
    // The partner admin holds the full relationship's access.
    new_user(&app, admin, &full, "made-by-admin", &[]).assert_status(201);
    // Raised to full, the agent may; taken away, the customer is gone.
    partners::assign(&app, &partner, &agent, &full.id, "full");
    new_user(&app, &agent.token, &full, "made-by-agent", &[]).assert_status(201);
    let reply = partners::assign_reply(&app, admin, &partner.id, &agent.id, &full.id, "none");
    reply.assert_status(200);
    assert_eq!(reply.json()["access"], "none");
    app.client.get(&users_path(&full.id), &agent.token).assert_problem(404, "not_found");

    // Only for agents, only for customers, only by the admin.
    partners::assign_reply(&app, admin, &partner.id, &partner.admin.id, &full.id, "limited")
        .assert_problem(422, "not_an_agent");
    let (stranger, ..) = people::create_tenant(&app, &operator, "stranger");
    partners::assign_reply(&app, admin, &partner.id, &agent.id, &stranger, "limited")
        .assert_problem(422, "not_a_customer");
    partners::assign_reply(&app, &agent.token, &partner.id, &agent.id, &full.id, "full")
        .assert_problem(403, "forbidden");
}

/// Case 4b: a revoked offer cannot be accepted; accepting twice makes one relationship.
fn offers_are_accepted_once_and_revoked_offers_never(backend: Backend) {
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
fn partners_never_reach_each_others_customers(backend: Backend) {
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

/// Case 5: API clients get tokens with client credentials and act within their assignment.
fn api_clients_use_client_credentials_within_their_assignment(backend: Backend) {
    let app = TestApp::spawn(backend);
    let partner = partners::partner_with_admin(&app, "integrator");
    let customer = people::tenant_with_admin(&app, "integrated");
    let plain = people::add_member(&app, &customer, "plain", &[]);
    partners::relationship(&app, &partner, &customer, "limited");
    let client = partners::create_client(&app, &partner, "integrator sync");
    let reply =
        partners::assign_client_reply(&app, &partner.admin.token, &partner.id, &client.id, &customer.id, "limited");
    reply.assert_status(200);
    assert_eq!(reply.json()["grantee_id"], client.id.as_str());

    // A token from the form body ...
    let reply = partners::client_token_form(&app, &client.id, &client.secret);
    reply.assert_status(200);
    let body = reply.json();
    assert_eq!(body["token_type"], "Bearer");
    assert!(body["expires_in"].as_i64().is_some_and(|s| s > 0), "{body}");
    let token = body["access_token"].as_str().unwrap().to_owned();
    let claims = partners::claims(&token);
    assert_eq!(claims["sub"], client.id.as_str(), "{claims}");
    assert_eq!(claims["client_id"], client.id.as_str(), "{claims}");
    assert_eq!(claims["pid"], partner.id.as_str(), "{claims}");
    // ... from HTTP Basic ...
    let basic = partners::client_token_basic(&app, &client.id, &client.secret);
    basic.assert_status(200);
    let basic_token = basic.json()["access_token"].as_str().unwrap().to_owned();
    // ... and from a JSON body.
    app.client
        .send(
            Call::new("POST", "/v1/auth/token").json(
                &json!({"grant_type": "client_credentials", "client_id": client.id, "client_secret": client.secret}),
            ),
        )
        .assert_status(200);

    // Used within the assignment: limited.
    for token in [&token, &basic_token] {
        app.client.get(&users_path(&customer.id), token).assert_status(200);
    }
    new_user(&app, &token, &customer, "nope", &[]).assert_problem(403, "forbidden");
    reset_password(&app, &token, &customer, &plain.id).assert_status(202);
    let audit = app.client.get(
        &format!("/v1/tenants/{}/audit-events?action=user.password_reset", customer.id),
        &customer.global_admin.token,
    );
    let event = audit.json()["items"][0].clone();
    assert_eq!(event["actor_id"], client.id.as_str(), "{event}");
    assert_eq!(event["actor_name"], "integrator sync", "{event}");
    assert_eq!(event["partner_id"], partner.id.as_str(), "{event}");

    // Wrong secrets are invalid_client, with the OAuth members; with Basic, a challenge.
    let invalid_client = |reply: &Reply| {
        reply.assert_problem(401, "invalid_client");
        let body = reply.json();
        assert_eq!(body["error"], "invalid_client", "{body}");
        assert!(body["error_description"].is_string(), "{body}");
    };
    let wrong = format!("{}x", client.secret);
    invalid_client(&partners::client_token_form(&app, &client.id, &wrong));
    invalid_client(&partners::client_token_form(&app, "019a0000-0000-7000-8000-00000000dead", &client.secret));
    let reply = partners::client_token_basic(&app, &client.id, &wrong);
    invalid_client(&reply);
    assert_eq!(reply.header("www-authenticate").as_deref(), Some("Basic realm=\"tenantry\""), "{reply:?}");
    // Other token errors carry `error` too.
    let reply = app
        .client
        .send(Call::new("POST", "/v1/auth/token").raw("application/x-www-form-urlencoded", "grant_type=teleport"));
    assert_eq!(reply.status, 400, "{reply:?}");
    assert_eq!(reply.json()["error"], "unsupported_grant_type", "{reply:?}");
    let reply = app.client.send(
        Call::new("POST", "/v1/auth/token")
            .raw("application/x-www-form-urlencoded", format!("grant_type=client_credentials&client_id={}", client.id)),
    );
    assert!(reply.json()["error"].is_string(), "{reply:?}");
    let reply = app.client.sign_in(&plain.sign_in, "not the password at all");
    reply.assert_problem(400, "invalid_grant");
    assert_eq!(reply.json()["error"], "invalid_grant", "{reply:?}");
    assert!(reply.json()["error_description"].is_string(), "{reply:?}");

    // Rotated with no overlap: the old secret stops at once.
    let rotate = |overlap: Option<i64>| {
        let body = overlap.map_or_else(|| json!({}), |s| json!({"overlap_seconds": s}));
        let reply = app.client.post(
            &format!("/v1/partners/{}/api-clients/{}/rotate-secret", partner.id, client.id),
            &partner.admin.token,
            &body,
        );
        reply.assert_status(200);
        let body = reply.json();
        assert_eq!(body["client"]["id"], client.id.as_str(), "{body}");
        (body["client_secret"].as_str().unwrap().to_owned(), body["client"].clone())
    };
    let (second, _) = rotate(None);
    assert_ne!(second, client.secret);
    invalid_client(&partners::client_token_form(&app, &client.id, &client.secret));
    partners::client_token_form(&app, &client.id, &second).assert_status(200);
    let (third, _) = rotate(Some(0));
    invalid_client(&partners::client_token_form(&app, &client.id, &second));
    partners::client_token_form(&app, &client.id, &third).assert_status(200);
    // With an overlap, both work for a while.
    let (fourth, rotated) = rotate(Some(600));
    assert!(rotated["previous_secret_valid_until"].is_string(), "{rotated}");
    partners::client_token_form(&app, &client.id, &third).assert_status(200);
    partners::client_token_form(&app, &client.id, &fourth).assert_status(200);

    app.client
        .post(
            &format!("/v1/partners/{}/api-clients/{}/rotate-secret", partner.id, client.id),
            &partner.admin.token,
            &json!({"overlap_seconds": 604_801}),
        )
        .assert_problem(422, "validation_failed");
    partners::client_token_form(&app, &client.id, &fourth).assert_status(200);

    // No secret is ever listed.
    let secrets = [&client.secret, &second, &third, &fourth];
    let listed = app.client.get(&format!("/v1/partners/{}/api-clients", partner.id), &partner.admin.token);
    listed.assert_status(200);
    assert_eq!(ids(&listed.json(), "id"), vec![client.id.clone()]);
    for secret in secrets {
        assert!(!listed.text.contains(secret.as_str()), "a secret is listed: {}", listed.text);
    }
    assert!(!listed.text.contains("client_secret"), "{}", listed.text);
    // Nor stored in a readable form in the data folder (the SQLite database, mail, keys).
    let mut stack = vec![app.data_dir().to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().map(Result::unwrap) {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                let text = String::from_utf8_lossy(&bytes);
                for secret in secrets {
                    assert!(!text.contains(secret.as_str()), "a client secret is in {}", path.display());
                }
            }
        }
    }

    // Disabled: its tokens stop from the next request, and it gets no new one.
    let before = partners::client_token(&app, &partners::ApiClient { id: client.id.clone(), secret: fourth.clone() });
    app.client.get(&users_path(&customer.id), &before).assert_status(200);
    let reply = app.client.post(
        &format!("/v1/partners/{}/api-clients/{}/disable", partner.id, client.id),
        &partner.admin.token,
        &json!({}),
    );
    reply.assert_status(200);
    assert!(reply.json()["disabled_at"].is_string(), "{}", reply.text);
    for token in [&before, &token, &basic_token] {
        let reply = app.client.get(&users_path(&customer.id), token);
        assert_eq!(reply.status, 401, "a disabled client's token is refused: {reply:?}");
    }
    invalid_client(&partners::client_token_form(&app, &client.id, &fourth));
    invalid_client(&partners::client_token_basic(&app, &client.id, &fourth));
}

/// Case 6: what the partner app needs: customers by domain and flag, cheap re-reads, people
/// opened recently, and who is signed in.
fn the_partner_app_filters_flags_caches_and_remembers(backend: Backend) {
    let app = TestApp::spawn(backend);
    let operator = app.operator_token();
    let partner = partners::partner_with_admin(&app, "appside");
    let agent = partners::add_agent(&app, &partner, "agent");
    let one = people::tenant_with_admin(&app, "alpha-one");
    let two = people::tenant_with_admin(&app, "alpha-two");
    let beta = people::tenant_with_admin(&app, "beta");
    partners::relationship(&app, &partner, &one, "full");
    partners::relationship(&app, &partner, &two, "limited");
    partners::relationship(&app, &partner, &beta, "limited");
    partners::assign(&app, &partner, &agent, &one.id, "full");
    let customers = format!("/v1/partners/{}/customers", partner.id);
    let admin = &partner.admin.token;

    // Who is signed in.
    for (person, role) in [(&partner.admin, "partner_admin"), (&agent, "partner_agent")] {
        let me = app.client.get("/v1/me", &person.token);
        me.assert_status(200);
        let me = me.json();
        assert_eq!(me["kind"], "partner", "{me}");
        assert_eq!(me["partner_role"], role, "{me}");
        assert_eq!(me["partner"]["id"], partner.id.as_str(), "{me}");
        assert_eq!(me["partner"]["name"], partner.name.as_str(), "{me}");
        assert!(me["tenant"].is_null(), "{me}");
    }

    // The admin sees every customer, the agent those assigned.
    let listed = app.client.get(&customers, admin);
    listed.assert_status(200);
    let listed = listed.json();
    let mut all = ids(&listed, "tenant_id");
    all.sort();
    let mut expected = vec![one.id.clone(), two.id.clone(), beta.id.clone()];
    expected.sort();
    assert_eq!(all, expected, "{listed}");
    let item = listed["items"].as_array().unwrap().iter().find(|c| c["tenant_id"] == one.id.as_str()).unwrap().clone();
    assert_eq!(item["name"], "alpha-one SARL");
    assert_eq!(item["default_domain"], one.domain.as_str());
    assert_eq!(item["relationship_access"], "full");
    assert_eq!(item["access"], "full");
    assert_eq!(item["flagged"], false);
    assert!(item["relationship_id"].is_string() && item["ends_at"].is_null(), "{item}");
    let agents = app.client.get(&customers, &agent.token).json();
    assert_eq!(ids(&agents, "tenant_id"), vec![one.id.clone()], "{agents}");

    // By pages.
    let mut paged = Vec::new();
    let mut path = format!("{customers}?limit=2");
    loop {
        let page = app.client.get(&path, admin).json();
        assert!(page["items"].as_array().unwrap().len() <= 2, "{page}");
        paged.extend(ids(&page, "tenant_id"));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("{customers}?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    paged.sort();
    assert_eq!(paged, expected, "each customer once over the pages");

    // By prefix of the default domain.
    let by_domain = |prefix: &str| {
        let mut found = ids(&app.client.get(&format!("{customers}?domain={prefix}"), admin).json(), "tenant_id");
        found.sort();
        found
    };
    let mut alphas = vec![one.id.clone(), two.id.clone()];
    alphas.sort();
    assert_eq!(by_domain("alpha"), alphas);
    assert_eq!(by_domain("alpha-t"), vec![two.id.clone()]);
    assert_eq!(by_domain("beta"), vec![beta.id.clone()]);
    assert_eq!(by_domain("tenantry"), Vec::<String>::new(), "a prefix, not a substring");

    // Cached: the same list answers 304 until it changes.
    let first = app.client.get(&customers, admin);
    let etag = first.header("etag").expect("an ETag on the customers list");
    let cached = app.client.send(Call::new("GET", &customers).token(admin).header("if-none-match", etag.clone()));
    cached.assert_status(304);
    assert!(cached.text.is_empty(), "{cached:?}");

    // Flagged customers, per person.
    let flag = |token: &str, tid: &str, method: &str| {
        app.client.send(Call::new(method, &format!("/v1/me/flagged-customers/{tid}")).token(token))
    };
    flag(admin, &beta.id, "PUT").assert_status(204);
    let flagged = app.client.get(&format!("{customers}?flagged=true"), admin).json();
    assert_eq!(ids(&flagged, "tenant_id"), vec![beta.id.clone()], "{flagged}");
    assert_eq!(flagged["items"][0]["flagged"], true);
    let changed = app.client.send(Call::new("GET", &customers).token(admin).header("if-none-match", etag.clone()));
    changed.assert_status(200);
    assert_ne!(changed.header("etag"), Some(etag), "a flag changes the list");
    let agents_flagged = app.client.get(&format!("{customers}?flagged=true"), &agent.token).json();
    assert_eq!(ids(&agents_flagged, "tenant_id"), Vec::<String>::new(), "flags are per person");
    flag(&agent.token, &beta.id, "PUT").assert_problem(404, "not_found");
    let (stranger, ..) = people::create_tenant(&app, &operator, "stranger");
    flag(admin, &stranger, "PUT").assert_problem(404, "not_found");
    flag(admin, &beta.id, "DELETE").assert_status(204);
    let flagged = app.client.get(&format!("{customers}?flagged=true"), admin).json();
    assert_eq!(ids(&flagged, "tenant_id"), Vec::<String>::new(), "{flagged}");

    // A customer's user list is cached the same way; a new user changes it.
    let users = users_path(&one.id);
    let first = app.client.get(&users, &agent.token);
    first.assert_status(200);
    let etag = first.header("etag").expect("an ETag on the users list");
    let cached = app.client.send(Call::new("GET", &users).token(&agent.token).header("if-none-match", etag.clone()));
    cached.assert_status(304);
    assert!(cached.text.is_empty(), "{cached:?}");
    new_user(&app, &agent.token, &one, "newcomer", &[]).assert_status(201);
    let changed = app.client.send(Call::new("GET", &users).token(&agent.token).header("if-none-match", etag.clone()));
    changed.assert_status(200);
    assert!(sign_ins(&changed.json()).contains(&format!("newcomer@{}", one.domain)), "{}", changed.text);
    assert_ne!(changed.header("etag"), Some(etag));

    // People opened recently: newest first, at most 20, each once.
    let opened: Vec<String> = (0..21).map(|n| quick_member(&app, &one, &format!("r{n:02}"))).collect();
    for id in &opened {
        app.client.get(&format!("{users}/{id}"), &agent.token).assert_status(200);
    }
    app.client.get(&format!("{users}/{}", opened[0]), &agent.token).assert_status(200);
    let recent = app.client.get("/v1/me/recent-users", &agent.token);
    recent.assert_status(200);
    let recent = recent.json();
    let items = recent["items"].as_array().unwrap();
    assert_eq!(items.len(), 20, "{recent}");
    let seen = ids(&recent, "user_id");
    let mut expected = vec![opened[0].clone()];
    expected.extend(opened[2..].iter().rev().cloned());
    assert_eq!(seen, expected, "newest first, the oldest dropped: {recent}");
    let times: Vec<&str> = items.iter().map(|i| i["viewed_at"].as_str().unwrap()).collect();
    let parsed: Vec<_> = times.iter().map(|t| chrono::DateTime::parse_from_rfc3339(t).unwrap()).collect();
    assert!(parsed.windows(2).all(|w| w[0] >= w[1]), "{times:?}");
    assert_eq!(items[0]["tenant_id"], one.id.as_str());
    assert_eq!(items[0]["sign_in"], format!("r00@{}", one.domain));
    assert_eq!(items[0]["display_name"], "Member r00");
    // Views are per person.
    let admins = app.client.get("/v1/me/recent-users", admin).json();
    assert_eq!(admins["items"].as_array().unwrap().len(), 0, "{admins}");
}

fn a_full_delegate_cannot_make_itself_one_of_the_customers_own_administrators(backend: Backend) {
    let app = TestApp::spawn(backend);
    let partner = partners::partner_with_admin(&app, "escalating");
    let customer = people::tenant_with_admin(&app, "guarded");
    partners::relationship(&app, &partner, &customer, "full");
    let tid = &customer.id;
    let delegate = &partner.admin.token;

    // No cloud manager (who could designate a global admin) nor global admin, created or designated.
    for kept in ["cloud_manager", "global_admin"] {
        new_user(&app, delegate, &customer, &format!("own-{kept}").replace('_', "-"), &[kept])
            .assert_problem(403, "forbidden");
    }
    new_user(&app, delegate, &customer, "billing", &["billing_admin"]).assert_problem(403, "forbidden");
    let reply = new_user(&app, delegate, &customer, "helper", &[]);
    reply.assert_status(201);
    let helper = reply.json()["id"].as_str().unwrap().to_owned();
    for kept in ["cloud_manager", "global_admin"] {
        app.client
            .put(&format!("/v1/tenants/{tid}/users/{helper}/roles"), delegate, &json!({"roles": [kept]}))
            .assert_problem(403, "forbidden");
    }
    // The customer's own administrators can be neither edited (their reset would go to the
    // partner) nor deleted by the partner.
    for admin in [&customer.global_admin.id, &customer.cloud_manager.id] {
        let path = format!("/v1/tenants/{tid}/users/{admin}");
        app.client
            .patch(&path, delegate, &json!({"contact_email": "partner@escalating.example"}))
            .assert_problem(403, "forbidden");
        app.client.delete(&path, delegate).assert_problem(403, "forbidden");
        let unchanged = app.client.get(&path, &customer.global_admin.token).json();
        assert_ne!(unchanged["contact_email"], "partner@escalating.example", "{unchanged}");
    }
    // The customer's cloud manager still designates a global admin.
    new_user(&app, &customer.cloud_manager.token, &customer, "second-global", &["global_admin"]).assert_status(201);
}

fn partner_people_cannot_take_addresses_in_a_customers_domain(backend: Backend) {
    let app = TestApp::spawn(backend);
    let partner = partners::partner_with_admin(&app, "squatting");
    let customer = people::tenant_with_admin(&app, "squatted");
    for sign_in in [format!("ceo@{}", customer.domain), "someone@tenantry.test".to_owned()] {
        let reply = app.client.post(
            &format!("/v1/partners/{}/users", partner.id),
            &partner.admin.token,
            &json!({"display_name": "Squatter", "sign_in": sign_in, "role": "partner_agent", "password": CHOSEN_PASSWORD}),
        );
        reply.assert_problem(422, "validation_failed");
        assert_eq!(reply.json()["errors"][0]["field"], "sign_in", "{}", reply.text);
    }
    new_user(&app, &customer.global_admin.token, &customer, "ceo", &[]).assert_status(201);
}

fn a_rotation_ends_the_tokens_of_the_retired_secret(backend: Backend) {
    let app = TestApp::spawn(backend);
    let partner = partners::partner_with_admin(&app, "rotating");
    let customer = people::tenant_with_admin(&app, "rotated");
    partners::relationship(&app, &partner, &customer, "limited");
    let client = partners::create_client(&app, &partner, "Rotating sync");
    partners::assign_client_reply(&app, &partner.admin.token, &partner.id, &client.id, &customer.id, "limited")
        .assert_status(200);
    let rotate = |body: Option<Value>| {
        let path = format!("/v1/partners/{}/api-clients/{}/rotate-secret", partner.id, client.id);
        let call = Call::new("POST", &path).token(&partner.admin.token);
        let reply = app.client.send(match &body {
            Some(body) => call.json(body),
            None => call,
        });
        reply.assert_status(200);
        reply.json()["client_secret"].as_str().unwrap().to_owned()
    };

    // With an overlap, a token of the previous secret (and the secret itself) keep working ...
    let first_token = partners::client_token(&app, &client);
    let second_secret = rotate(Some(json!({"overlap_seconds": 3600})));
    app.client.get(&users_path(&customer.id), &first_token).assert_status(200);
    partners::client_token_form(&app, &client.id, &client.secret).assert_status(200);
    let second_token =
        partners::client_token(&app, &partners::ApiClient { id: client.id.clone(), secret: second_secret });

    // ... and a rotation without a body retires the previous secret and its tokens at once.
    let third_secret = rotate(None);
    for token in [&first_token, &second_token] {
        app.client.get(&users_path(&customer.id), token).assert_problem(401, "invalid_token");
    }
    partners::client_token_form(&app, &client.id, &client.secret).assert_problem(401, "invalid_client");
    let third = partners::ApiClient { id: client.id.clone(), secret: third_secret };
    app.client.get(&users_path(&customer.id), &partners::client_token(&app, &third)).assert_status(200);

    // A malformed body changes nothing.
    let path = format!("/v1/partners/{}/api-clients/{}/rotate-secret", partner.id, client.id);
    app.client
        .send(Call::new("POST", &path).token(&partner.admin.token).raw("application/json", "{\"overlap_seconds\": -1}"))
        .assert_problem(422, "validation_failed");
    partners::client_token_form(&app, &client.id, &third.secret).assert_status(200);
    let read = app.client.get(&format!("/v1/partners/{}/api-clients/{}", partner.id, client.id), &partner.admin.token);
    read.assert_status(200);
    assert!(!read.text.contains(third.secret.trim_start_matches("tcs_")), "{}", read.text);
}

fn racing_acceptances_make_one_relationship(backend: Backend) {
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

fn a_customer_reads_an_offer_before_accepting_it(backend: Backend) {
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

fn a_partner_reads_nothing_of_another_partner_in_a_shared_customers_log(backend: Backend) {
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
