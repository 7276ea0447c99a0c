//! What a partner may do in a customer, and where its people may sign in: no more than it was given.

use serde_json::json;
use tenantry_tests::client::Call;
use tenantry_tests::mail;
use tenantry_tests::partners::{partner_with_admin, prove_domain, relationship};
use tenantry_tests::people::{add_member, tenant_with_admin, CHOSEN_PASSWORD};
use tenantry_tests::{Backend, TestApp};

pub(super) fn a_partner_grants_no_role_beyond_its_relationship(backend: Backend) {
    let app = TestApp::spawn(backend);
    let tenant = tenant_with_admin(&app, "customer");
    let partner = partner_with_admin(&app, "fabrikam");
    relationship(&app, &partner, &tenant, "full");
    let users = format!("/v1/tenants/{}/users", tenant.id);
    let person = |user_name: &str, roles: serde_json::Value| {
        json!({"display_name": "Made by the partner", "sign_in": format!("{user_name}@{}", tenant.domain),
               "contact_email": "partner.mailbox@fabrikam.example", "roles": roles, "password": CHOSEN_PASSWORD})
    };
    // Full access is the global admin's role, which stays the customer's: no admin role at all.
    for role in ["billing_admin", "password_admin", "global_admin", "cloud_manager"] {
        let refused = app.client.post(&users, &partner.admin.token, &person("boss", json!([role])));
        refused.assert_problem(403, "forbidden");
    }
    let listed = app.client.get(&format!("{users}?q=boss"), &tenant.global_admin.token).json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 0, "nothing was created: {listed}");
    // A plain account is allowed, and marked with the relationship it came through.
    let created = app.client.post(&users, &partner.admin.token, &person("helper", json!([])));
    created.assert_status(201);
    let relationship_id = created.json()["created_by_relationship"].clone();
    assert!(relationship_id.is_string(), "{}", created.text);
    let own = app.client.post(&users, &tenant.global_admin.token, &person("own", json!([])));
    own.assert_status(201);
    assert_eq!(own.json()["created_by_relationship"], serde_json::Value::Null);
}

pub(super) fn what_a_partner_created_is_shown_when_it_leaves_and_disabled_in_one_call(backend: Backend) {
    let app = TestApp::spawn(backend);
    let tenant = tenant_with_admin(&app, "leftover");
    let partner = partner_with_admin(&app, "departing");
    let relationship = relationship(&app, &partner, &tenant, "full");
    let rid = relationship["id"].as_str().unwrap().to_owned();
    let users = format!("/v1/tenants/{}/users", tenant.id);
    let created = app.client.post(
        &users,
        &partner.admin.token,
        &json!({"display_name": "Partner Helpdesk", "sign_in": format!("helpdesk@{}", tenant.domain),
                "contact_email": "helpdesk@departing.example", "roles": [], "password": CHOSEN_PASSWORD}),
    );
    created.assert_status(201);
    let helpdesk_id = created.json()["id"].as_str().unwrap().to_owned();
    let helpdesk_token = app.client.token(&format!("helpdesk@{}", tenant.domain), CHOSEN_PASSWORD);
    let own = add_member(&app, &tenant, "own", &[]);

    // The customer ends the relationship and is told what the partner left.
    let ended = app.client.post(
        &format!("/v1/tenants/{}/partner-relationships/{rid}/terminate", tenant.id),
        &tenant.global_admin.token,
        &json!({}),
    );
    ended.assert_status(200);
    let answered = ended.json()["left_behind"].clone();
    assert_eq!(answered.as_array().map(Vec::len), Some(1), "{}", ended.text);
    assert_eq!(answered[0]["user_id"], helpdesk_id.as_str());
    let told = mail::wait_for(&app.storage.mail_dir(), &tenant.global_admin.contact_email, 2);
    let notice = told.iter().find(|m| m.contains("left-behind/disable")).expect("the admin is told what was left");
    assert!(notice.contains(&format!("helpdesk@{}", tenant.domain)), "{notice}");
    assert!(!notice.contains(&own.sign_in), "{notice}");
    let left = format!("/v1/tenants/{}/partner-relationships/{rid}/left-behind", tenant.id);
    let listed = app.client.get(&left, &tenant.global_admin.token);
    listed.assert_status(200);
    let items = listed.json()["items"].clone();
    assert_eq!(items.as_array().unwrap().len(), 1, "{items}");
    assert_eq!(items[0]["user_id"], helpdesk_id.as_str());
    assert_eq!(items[0]["account_created"], true);
    assert_eq!(items[0]["account_enabled"], true);
    // Until disabled, the account still works; a plain member may not disable it.
    app.client.get("/v1/me", &helpdesk_token).assert_status(200);
    app.client.post(&format!("{left}/disable"), &own.token, &json!({})).assert_problem(403, "forbidden");

    // One call disables it; its token fails, its sign-in too; the customer's own people are untouched.
    let disabled = app.client.post(&format!("{left}/disable"), &tenant.global_admin.token, &json!({}));
    disabled.assert_status(200);
    assert_eq!(disabled.json()["items"][0]["account_enabled"], false, "{}", disabled.text);
    app.client.get("/v1/me", &helpdesk_token).assert_problem(401, "invalid_token");
    app.client.sign_in(&format!("helpdesk@{}", tenant.domain), CHOSEN_PASSWORD).assert_problem(400, "invalid_grant");
    app.client.get("/v1/me", &own.token).assert_status(200);
    // Again: nothing more to do.
    app.client.post(&format!("{left}/disable"), &tenant.global_admin.token, &json!({})).assert_status(200);
    let audit =
        app.client.get(&format!("/v1/tenants/{}/audit-events?limit=200", tenant.id), &tenant.global_admin.token);
    let disabled_events = audit.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "user.disabled" && e["target_id"] == helpdesk_id.as_str())
        .count();
    assert_eq!(disabled_events, 1);
}

pub(super) fn a_customers_unverified_domain_blocks_nobody(backend: Backend) {
    let app = TestApp::spawn(backend);
    let tenant = tenant_with_admin(&app, "typist");
    let partner = partner_with_admin(&app, "blocked");
    // The customer types a name it has not proved ...
    let added = app.client.post(
        &format!("/v1/tenants/{}/domains", tenant.id),
        &tenant.global_admin.token,
        &json!({"name": "blocked-partner.example"}),
    );
    added.assert_status(201);
    assert_eq!(added.json()["verified"], false, "{}", added.text);
    // ... which stops neither the partner proving it nor its people signing in there.
    prove_domain(&app, &partner.id, &partner.admin.token, "blocked-partner.example");
    let agent = new_partner_person(&app, &partner, "agent@blocked-partner.example");
    agent.assert_status(201);
}

fn new_partner_person(
    app: &TestApp,
    partner: &tenantry_tests::partners::Partner,
    sign_in: &str,
) -> tenantry_tests::Reply {
    app.client.post(
        &format!("/v1/partners/{}/users", partner.id),
        &partner.admin.token,
        &json!({"display_name": "Agent", "sign_in": sign_in, "role": "partner_agent", "password": CHOSEN_PASSWORD}),
    )
}

pub(super) fn partner_people_sign_in_only_at_proved_domains_or_the_platform_one(backend: Backend) {
    let app = TestApp::spawn(backend);
    let partner = partner_with_admin(&app, "prover");
    let customer = tenant_with_admin(&app, "owner");
    // Unproved: refused, with the way to prove it.
    let refused = new_partner_person(&app, &partner, "agent@unproved.example");
    refused.assert_problem(422, "validation_failed");
    assert_eq!(refused.json()["errors"][0]["field"], "sign_in", "{}", refused.text);
    assert!(refused.text.contains("/domains"), "{}", refused.text);
    // Its platform domain needs no proof.
    let domains = app.client.get(&format!("/v1/partners/{}/domains", partner.id), &partner.admin.token);
    domains.assert_status(200);
    let platform_domain = domains.json()["platform_domain"].as_str().unwrap().to_owned();
    assert!(platform_domain.ends_with(".partners.tenantry.test"), "{platform_domain}");
    let partner_view = app.client.get(&format!("/v1/partners/{}", partner.id), &partner.admin.token).json();
    assert_eq!(partner_view["platform_domain"], platform_domain.as_str());
    new_partner_person(&app, &partner, &format!("agent@{platform_domain}")).assert_status(201);
    // Another partner's platform domain, and anything else under the platform, are not its own.
    let other = partner_with_admin(&app, "other");
    let others = app.client.get(&format!("/v1/partners/{}/domains", other.id), &other.admin.token).json();
    let other_platform = others["platform_domain"].as_str().unwrap().to_owned();
    new_partner_person(&app, &partner, &format!("spy@{other_platform}")).assert_problem(422, "validation_failed");
    // Proved: allowed. A customer's proved domain: the partner can neither prove it nor use it.
    prove_domain(&app, &partner.id, &partner.admin.token, "proved.example");
    new_partner_person(&app, &partner, "agent@proved.example").assert_status(201);
    let customers_domain = "owner-corp.example";
    let added = app.client.post(
        &format!("/v1/tenants/{}/domains", customer.id),
        &customer.global_admin.token,
        &json!({"name": customers_domain}),
    );
    let record = added.json()["verification"]["value"].as_str().unwrap().to_owned();
    app.dns.set_txt(customers_domain, &[&record]);
    app.client
        .send(
            Call::new("POST", &format!("/v1/tenants/{}/domains/{customers_domain}/verify", customer.id))
                .token(&customer.global_admin.token),
        )
        .assert_status(200);
    let squat = app.client.post(
        &format!("/v1/partners/{}/domains", partner.id),
        &partner.admin.token,
        &json!({"name": customers_domain}),
    );
    squat.assert_status(201);
    let ours = squat.json()["verification"]["value"].as_str().unwrap().to_owned();
    app.dns.set_txt(customers_domain, &[&record, &ours]);
    app.client
        .send(
            Call::new("POST", &format!("/v1/partners/{}/domains/{customers_domain}/verify", partner.id))
                .token(&partner.admin.token),
        )
        .assert_problem(409, "domain_held_elsewhere");
    new_partner_person(&app, &partner, &format!("ceo@{customers_domain}")).assert_problem(422, "validation_failed");
    // The operator vouches for a partner's first people, but not at a customer's domain either.
    let operator = app.operator_token();
    let vouched = app.client.post(
        &format!("/v1/partners/{}/users", partner.id),
        &operator,
        &json!({"display_name": "Boss", "sign_in": format!("boss@{customers_domain}"), "role": "partner_admin",
                "password": CHOSEN_PASSWORD}),
    );
    vouched.assert_problem(422, "validation_failed");

    // A customer proving a domain a partner proved first takes it: one holder per domain.
    prove_domain(&app, &partner.id, &partner.admin.token, "reclaimed.example");
    let added = app.client.post(
        &format!("/v1/tenants/{}/domains", customer.id),
        &customer.global_admin.token,
        &json!({"name": "reclaimed.example"}),
    );
    let record = added.json()["verification"]["value"].as_str().unwrap().to_owned();
    app.dns.set_txt("reclaimed.example", &[&record]);
    app.client
        .send(
            Call::new("POST", &format!("/v1/tenants/{}/domains/reclaimed.example/verify", customer.id))
                .token(&customer.global_admin.token),
        )
        .assert_status(200);
    let listed = app.client.get(&format!("/v1/partners/{}/domains", partner.id), &partner.admin.token).json();
    let reclaimed = listed["items"].as_array().unwrap().iter().find(|d| d["name"] == "reclaimed.example").cloned();
    assert_eq!(reclaimed.expect("still listed")["verified"], false, "{listed}");
    new_partner_person(&app, &partner, "late@reclaimed.example").assert_problem(422, "validation_failed");
}
