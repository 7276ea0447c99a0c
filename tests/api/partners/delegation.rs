//! Partners' agents in a customer: within relationship and assignment, audited as themselves.

use serde_json::{json, Value};
use tenantry_tests::partners::{self, Partner, PartnerPerson};
use tenantry_tests::people::{self, CHOSEN_PASSWORD};
use tenantry_tests::pools;
use tenantry_tests::{mail, Backend, TestApp};

use super::{new_user, reset_password, sign_ins, terminate, users_path};

/// Case 1: a `limited` relationship makes an agent a password admin of that customer only.
pub(super) fn a_limited_agent_resets_passwords_and_nothing_more(backend: Backend) {
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
pub(super) fn a_full_agent_administers_the_customer_and_is_audited_as_itself(backend: Backend) {
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
    // ... creates a user and gives them a license ...
    let reply = new_user(&app, &agent.token, &customer, "worker", &[]);
    reply.assert_status(201);
    let worker = reply.json()["id"].as_str().unwrap().to_owned();
    app.client
        .put(&format!("/v1/tenants/{tid}/users/{worker}/licenses/{sid}"), &agent.token, &json!({}))
        .assert_status(201);
    // ... may not designate a password admin: a partner grants nothing beyond its relationship,
    // and full access is the global admin's role, which stays the customer's ...
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

/// Case 4a: an assignment never exceeds the relationship, and a limited assignment on a full
/// relationship stays limited.
pub(super) fn limited_never_yields_full(backend: Backend) {
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

pub(super) fn a_full_delegate_cannot_make_itself_one_of_the_customers_own_administrators(backend: Backend) {
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

pub(super) fn partner_people_cannot_take_addresses_in_a_customers_domain(backend: Backend) {
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
