//! The foundation's main path: operator, tenant, cloud manager, global admin, users.

use serde_json::json;
use tenantry_tests::people::{self, CHOSEN_PASSWORD};
use tenantry_tests::{mail, Backend, TestApp};

use crate::Case;

pub fn cases() -> Vec<Case> {
    cases![
        operator_creates_a_tenant_whose_admins_manage_users,
        a_temporary_password_must_be_changed_before_anything_else,
        users_are_listed_by_pages_and_searched,
        roles_are_designated_and_the_last_global_admin_stays,
        concurrent_demotions_never_leave_a_tenant_without_a_global_admin,
        password_resets_send_a_temporary_password_by_mail_only,
        stale_if_match_is_refused_and_changes_nothing,
        every_change_is_in_the_audit_log_with_its_request_id,
        operators_list_and_rename_tenants,
        preferences_are_kept_per_person,
    ]
}

fn operator_creates_a_tenant_whose_admins_manage_users(backend: Backend) {
    let app = TestApp::spawn(backend);
    let operator = app.operator_token();
    let (tid, domain, _, manager_sign_in, manager_contact) = people::create_tenant(&app, &operator, "contoso");
    assert_eq!(domain, "contoso.tenantry.test");

    // The cloud manager learns their sign-in details by mail, and signs in.
    let manager = people::activate(&app, &manager_sign_in, &manager_contact, 1);

    // They designate a global admin, who must have a contact email and gets sign-in details.
    let admin_sign_in = format!("ada@{domain}");
    let reply = app.client.post(
        &format!("/v1/tenants/{tid}/users"),
        &manager,
        &json!({"display_name": "Ada Lovelace", "sign_in": admin_sign_in, "contact_email": "ada@example.com", "roles": ["global_admin"]}),
    );
    reply.assert_status(201);
    let created = reply.json();
    assert_eq!(created["roles"], json!(["global_admin"]));
    assert_eq!(created["must_change_password"], true);
    assert!(reply.header("location").unwrap().ends_with(created["id"].as_str().unwrap()));
    let messages = mail::wait_for(&app.storage.mail_dir(), "ada@example.com", 1);
    assert_eq!(mail::field(&messages[0], "Sign-in address"), Some(admin_sign_in.clone()), "{}", messages[0]);
    // The role in words, in French unless chosen; never its code.
    assert!(messages[0].contains("administrateur général") && !messages[0].contains("global_admin"), "{}", messages[0]);
    assert_eq!(mail::subject(&messages[0]).as_deref(), Some("Vos identifiants Tenantry"), "French unless chosen");
    let admin = people::activate(&app, &admin_sign_in, "ada@example.com", 1);

    // The cloud manager may designate admins but not manage plain users.
    app.client
        .post(
            &format!("/v1/tenants/{tid}/users"),
            &manager,
            &json!({"display_name": "Nope", "sign_in": format!("nope@{domain}"), "password": CHOSEN_PASSWORD}),
        )
        .assert_problem(403, "forbidden");

    // The global admin creates users...
    let mut ids = Vec::new();
    for (name, local) in [("Grace Hopper", "grace"), ("Alan Turing", "alan"), ("Barbara Liskov", "barbara")] {
        let reply = app.client.post(
            &format!("/v1/tenants/{tid}/users"),
            &admin,
            &json!({"display_name": name, "sign_in": format!("{local}@{domain}"), "contact_email": format!("{local}@example.com")}),
        );
        reply.assert_status(201);
        ids.push(reply.json()["id"].as_str().unwrap().to_owned());
    }
    // ... who receive their own sign-in details and can sign in.
    people::activate(&app, &format!("grace@{domain}"), "grace@example.com", 1);

    // ... lists them,
    let list = app.client.get(&format!("/v1/tenants/{tid}/users"), &admin).json();
    let signs: Vec<&str> = list["items"].as_array().unwrap().iter().map(|u| u["sign_in"].as_str().unwrap()).collect();
    assert_eq!(signs.len(), 5, "manager, admin and three users: {list}");
    assert!(list["next_cursor"].is_null());

    // ... searches them by name and by address,
    let found = app.client.get(&format!("/v1/tenants/{tid}/users?q=HOPPER"), &admin).json();
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
    assert_eq!(found["items"][0]["display_name"], "Grace Hopper");
    let found = app.client.get(&format!("/v1/tenants/{tid}/users?q=alan%40"), &admin).json();
    assert_eq!(found["items"][0]["sign_in"], format!("alan@{domain}"));
    let none = app.client.get(&format!("/v1/tenants/{tid}/users?q=%25"), &admin).json();
    assert_eq!(none["items"].as_array().unwrap().len(), 0, "LIKE wildcards are searched literally");

    // ... edits one,
    let reply = app.client.patch(
        &format!("/v1/tenants/{tid}/users/{}", ids[1]),
        &admin,
        &json!({"display_name": "Alan M. Turing"}),
    );
    reply.assert_status(200);
    assert_eq!(reply.json()["display_name"], "Alan M. Turing");
    let reply = app.client.get(&format!("/v1/tenants/{tid}/users/{}", ids[1]), &admin);
    assert_eq!(reply.json()["display_name"], "Alan M. Turing");

    // ... moves one to an address outside the tenant's verified domains: refused.
    app.client
        .patch(&format!("/v1/tenants/{tid}/users/{}", ids[1]), &admin, &json!({"sign_in": "alan@elsewhere.fr"}))
        .assert_problem(422, "domain_not_verified");

    // ... and deletes one.
    app.client.delete(&format!("/v1/tenants/{tid}/users/{}", ids[2]), &admin).assert_status(204);
    app.client.get(&format!("/v1/tenants/{tid}/users/{}", ids[2]), &admin).assert_problem(404, "not_found");
    let list = app.client.get(&format!("/v1/tenants/{tid}/users"), &admin).json();
    assert_eq!(list["items"].as_array().unwrap().len(), 4);

    // A sign-in address is unique.
    app.client
        .post(
            &format!("/v1/tenants/{tid}/users"),
            &admin,
            &json!({"display_name": "Grace 2", "sign_in": format!("GRACE@{domain}"), "password": CHOSEN_PASSWORD}),
        )
        .assert_problem(409, "sign_in_taken");
}

fn a_temporary_password_must_be_changed_before_anything_else(backend: Backend) {
    let app = TestApp::spawn(backend);
    let operator = app.operator_token();
    let (tid, _, _, sign_in, contact) = people::create_tenant(&app, &operator, "fabrikam");
    let temporary = people::temporary_password(&app, &contact, 1);
    let token = app.client.token(&sign_in, &temporary);

    app.client.get(&format!("/v1/tenants/{tid}"), &token).assert_problem(403, "password_change_required");
    let me = app.client.get("/v1/me", &token);
    me.assert_status(200);
    assert_eq!(me.json()["must_change_password"], true);
    assert_eq!(me.json()["roles"], json!(["cloud_manager"]));
    assert_eq!(me.json()["tenant"]["id"], tid.as_str());

    // A wrong current password is refused and changes nothing.
    app.client
        .post("/v1/me/password", &token, &json!({"current_password": "not it at all", "new_password": CHOSEN_PASSWORD, "new_password_confirmation": CHOSEN_PASSWORD}))
        .assert_problem(422, "current_password_incorrect");
    // Keeping the same password is not a change.
    app.client
        .post(
            "/v1/me/password",
            &token,
            &json!({"current_password": temporary, "new_password": temporary, "new_password_confirmation": temporary}),
        )
        .assert_problem(422, "validation_failed");
    app.client.sign_in(&sign_in, CHOSEN_PASSWORD).assert_problem(400, "invalid_grant");

    app.client
        .post("/v1/me/password", &token, &json!({"current_password": temporary, "new_password": CHOSEN_PASSWORD, "new_password_confirmation": CHOSEN_PASSWORD}))
        .assert_status(204);
    // The token of the temporary password ends with it: sign in again.
    app.client.get(&format!("/v1/tenants/{tid}"), &token).assert_problem(401, "invalid_token");
    app.client.sign_in(&sign_in, &temporary).assert_problem(400, "invalid_grant");
    let token = app.client.token(&sign_in, CHOSEN_PASSWORD);
    app.client.get(&format!("/v1/tenants/{tid}"), &token).assert_status(200);
}

fn users_are_listed_by_pages_and_searched(backend: Backend) {
    let app = TestApp::spawn(backend);
    let tenant = people::tenant_with_admin(&app, "paged");
    for n in 0..5 {
        people::add_member(&app, &tenant, &format!("member{n}"), &[]);
    }
    let mut seen = Vec::new();
    let mut path = format!("/v1/tenants/{}/users?limit=3", tenant.id);
    loop {
        let page = app.client.get(&path, &tenant.global_admin.token).json();
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 3);
        seen.extend(items.iter().map(|u| u["id"].as_str().unwrap().to_owned()));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/v1/tenants/{}/users?limit=3&cursor={cursor}", tenant.id),
            None => break,
        }
    }
    assert_eq!(seen.len(), 7, "manager, admin and five members, each once");
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 7);
    let found =
        app.client.get(&format!("/v1/tenants/{}/users?q=member3", tenant.id), &tenant.global_admin.token).json();
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
}

fn roles_are_designated_and_the_last_global_admin_stays(backend: Backend) {
    let app = TestApp::spawn(backend);
    let tenant = people::tenant_with_admin(&app, "roles");
    let admin = &tenant.global_admin.token;
    let roles_path = |id: &str| format!("/v1/tenants/{}/users/{id}/roles", tenant.id);

    // A person without a contact email cannot become an admin.
    let reply = app.client.post(
        &format!("/v1/tenants/{}/users", tenant.id),
        admin,
        &json!({"display_name": "No Contact", "sign_in": format!("nocontact@{}", tenant.domain), "password": CHOSEN_PASSWORD}),
    );
    let no_contact = reply.json()["id"].as_str().unwrap().to_owned();
    app.client
        .put(&roles_path(&no_contact), admin, &json!({"roles": ["billing_admin"]}))
        .assert_problem(422, "contact_email_required");

    // Designating an existing person tells them by mail; admins use no license (no license field changes).
    let member = people::add_member(&app, &tenant, "bea", &[]);
    let reply = app.client.put(&roles_path(&member.id), admin, &json!({"roles": ["billing_admin", "password_admin"]}));
    reply.assert_status(200);
    assert_eq!(reply.json()["roles"], json!(["billing_admin", "password_admin"]));
    let messages = mail::wait_for(&app.storage.mail_dir(), &member.contact_email, 1);
    assert!(messages[0].contains("administrateur de facturation, administrateur des mots de passe"), "{}", messages[0]);
    let me = app.client.get("/v1/me", &member.token).json();
    assert_eq!(me["roles"], json!(["billing_admin", "password_admin"]));

    // The only global admin cannot be demoted or deleted...
    let only = &tenant.global_admin.id;
    app.client.put(&roles_path(only), admin, &json!({"roles": []})).assert_problem(409, "last_global_admin");
    app.client
        .delete(&format!("/v1/tenants/{}/users/{only}", tenant.id), admin)
        .assert_problem(409, "last_global_admin");
    // ... until there is another.
    app.client.put(&roles_path(&member.id), admin, &json!({"roles": ["global_admin"]})).assert_status(200);
    app.client.put(&roles_path(only), admin, &json!({"roles": []})).assert_status(200);
    let me = app.client.get("/v1/me", admin).json();
    assert_eq!(me["roles"], json!([]));
}

fn password_resets_send_a_temporary_password_by_mail_only(backend: Backend) {
    let app = TestApp::spawn(backend);
    let tenant = people::tenant_with_admin(&app, "resets");
    let password_admin = people::add_member(&app, &tenant, "pwadmin", &["password_admin"]);
    let plain = people::add_member(&app, &tenant, "plain", &[]);

    let reply = app.client.post(
        &format!("/v1/tenants/{}/users/{}/password-reset", tenant.id, plain.id),
        &password_admin.token,
        &json!({}),
    );
    reply.assert_status(202);
    assert_eq!(
        reply.json()["sent_to"],
        "p****@example.com"
            .replace("p****", &format!("p{}", "*".repeat(plain.contact_email.split('@').next().unwrap().len() - 1)))
    );
    assert!(!reply.text.contains(CHOSEN_PASSWORD));
    let messages = mail::wait_for(&app.storage.mail_dir(), &plain.contact_email, 1);
    let temporary = mail::field(&messages[0], "Temporary password").unwrap();
    assert!(!reply.text.contains(&temporary), "the temporary password never appears in the API response");

    // The old password no longer works; the temporary one does, and must be changed.
    app.client.sign_in(&plain.sign_in, CHOSEN_PASSWORD).assert_problem(400, "invalid_grant");
    let token = app.client.token(&plain.sign_in, &temporary);
    app.client
        .get(&format!("/v1/tenants/{}/users/{}", tenant.id, plain.id), &token)
        .assert_problem(403, "password_change_required");

    // A password admin cannot reset a global admin's password.
    app.client
        .post(
            &format!("/v1/tenants/{}/users/{}/password-reset", tenant.id, tenant.global_admin.id),
            &password_admin.token,
            &json!({}),
        )
        .assert_problem(403, "forbidden");
}

fn stale_if_match_is_refused_and_changes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend);
    let tenant = people::tenant_with_admin(&app, "etags");
    let member = people::add_member(&app, &tenant, "etag", &[]);
    let path = format!("/v1/tenants/{}/users/{}", tenant.id, member.id);
    let admin = &tenant.global_admin.token;
    let first = app.client.get(&path, admin);
    let etag = first.header("etag").expect("an ETag");

    let reply = app.client.send(
        tenantry_tests::client::Call::new("PATCH", &path)
            .token(admin)
            .header("if-match", etag.clone())
            .json(&json!({"display_name": "Renamed once"})),
    );
    reply.assert_status(200);
    assert_ne!(reply.header("etag").unwrap(), etag);

    let stale = app.client.send(
        tenantry_tests::client::Call::new("PATCH", &path)
            .token(admin)
            .header("if-match", etag.clone())
            .json(&json!({"display_name": "Renamed twice"})),
    );
    stale.assert_problem(412, "precondition_failed");
    assert_eq!(app.client.get(&path, admin).json()["display_name"], "Renamed once");
    let stale_delete =
        app.client.send(tenantry_tests::client::Call::new("DELETE", &path).token(admin).header("if-match", etag));
    stale_delete.assert_problem(412, "precondition_failed");
    app.client.get(&path, admin).assert_status(200);
}

fn every_change_is_in_the_audit_log_with_its_request_id(backend: Backend) {
    let app = TestApp::spawn(backend);
    let tenant = people::tenant_with_admin(&app, "audited");
    let admin = &tenant.global_admin.token;
    let reply = app.client.send(
        tenantry_tests::client::Call::new("POST", &format!("/v1/tenants/{}/users", tenant.id))
            .token(admin)
            .header("x-request-id", "test-request-42")
            .json(&json!({"display_name": "Audited", "sign_in": format!("audited@{}", tenant.domain), "password": CHOSEN_PASSWORD})),
    );
    reply.assert_status(201);
    assert_eq!(reply.header("x-request-id").as_deref(), Some("test-request-42"));
    let user_id = reply.json()["id"].as_str().unwrap().to_owned();

    let events = app.client.get(&format!("/v1/tenants/{}/audit-events?action=user.created", tenant.id), admin).json();
    let event = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["target_id"] == user_id.as_str())
        .expect("an event for the new user")
        .clone();
    assert_eq!(event["actor_id"], tenant.global_admin.id.as_str());
    assert_eq!(event["request_id"], "test-request-42");
    assert_eq!(event["tenant_id"], tenant.id.as_str());

    let all = app.client.get(&format!("/v1/tenants/{}/audit-events?limit=200", tenant.id), admin).json();
    let actions: Vec<&str> = all["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for expected in ["tenant.created", "user.created", "user.password_changed"] {
        assert!(actions.contains(&expected), "{expected} missing from {actions:?}");
    }
    // Newest first.
    assert_eq!(actions[0], "user.created");
    let by_actor = app
        .client
        .get(&format!("/v1/tenants/{}/audit-events?actor={}", tenant.id, tenant.cloud_manager.id), admin)
        .json();
    assert!(by_actor["items"].as_array().unwrap().iter().all(|e| e["actor_id"] == tenant.cloud_manager.id.as_str()));
    let future =
        app.client.get(&format!("/v1/tenants/{}/audit-events?from=2999-01-01T00:00:00Z", tenant.id), admin).json();
    assert_eq!(future["items"].as_array().unwrap().len(), 0);
}

fn operators_list_and_rename_tenants(backend: Backend) {
    let app = TestApp::spawn(backend);
    let operator = app.operator_token();
    let (first, ..) = people::create_tenant(&app, &operator, "alpha-one");
    people::create_tenant(&app, &operator, "beta-two");
    people::create_tenant(&app, &operator, "gamma-three");

    let all = app.client.get("/v1/tenants", &operator).json();
    assert_eq!(all["items"].as_array().unwrap().len(), 3);
    let by_name = app.client.get("/v1/tenants?q=BETA", &operator).json();
    assert_eq!(by_name["items"].as_array().unwrap().len(), 1);
    assert_eq!(by_name["items"][0]["slug"], "beta-two");
    let by_domain = app.client.get("/v1/tenants?domain=gamma", &operator).json();
    assert_eq!(by_domain["items"][0]["initial_domain"], "gamma-three.tenantry.test");
    let paged = app.client.get("/v1/tenants?limit=2", &operator).json();
    assert_eq!(paged["items"].as_array().unwrap().len(), 2);
    assert!(paged["next_cursor"].is_string());

    app.client
        .post("/v1/tenants", &operator, &json!({"name": "Again", "slug": "beta-two", "cloud_manager": {"display_name": "X", "user_name": "x", "contact_email": "x@example.com"}}))
        .assert_problem(409, "slug_taken");

    let reply = app.client.patch(&format!("/v1/tenants/{first}"), &operator, &json!({"name": "Alpha One SAS"}));
    reply.assert_status(200);
    assert_eq!(reply.json()["name"], "Alpha One SAS");
    assert_eq!(reply.json()["initial_domain"], "alpha-one.tenantry.test", "the initial domain never changes");
}

fn preferences_are_kept_per_person(backend: Backend) {
    let app = TestApp::spawn(backend);
    let tenant = people::tenant_with_admin(&app, "prefs");
    let admin = &tenant.global_admin.token;
    assert_eq!(app.client.get("/v1/me/preferences", admin).json(), json!({"sync_frequency": "15m", "language": "fr"}));
    app.client.put("/v1/me/preferences", admin, &json!({"sync_frequency": "manual"})).assert_status(200);
    assert_eq!(
        app.client.get("/v1/me/preferences", admin).json(),
        json!({"sync_frequency": "manual", "language": "fr"})
    );
    assert_eq!(
        app.client.get("/v1/me/preferences", &tenant.cloud_manager.token).json(),
        json!({"sync_frequency": "15m", "language": "fr"})
    );
    app.client.put("/v1/me/preferences", admin, &json!({"sync_frequency": "5m"})).assert_problem(400, "invalid_body");
}

fn concurrent_demotions_never_leave_a_tenant_without_a_global_admin(backend: Backend) {
    let app = TestApp::spawn(backend);
    let tenant = people::tenant_with_admin(&app, "racing");
    let mut admins = vec![tenant.global_admin.clone()];
    for n in 0..3 {
        admins.push(people::add_member(&app, &tenant, &format!("admin{n}"), &["global_admin"]));
    }
    // Every global admin removes their own role at the same instant: all but one must fail.
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(admins.len()));
    let outcomes: Vec<u16> = std::thread::scope(|scope| {
        let handles: Vec<_> = admins
            .iter()
            .map(|admin| {
                let barrier = barrier.clone();
                let client = app.client.clone();
                let path = format!("/v1/tenants/{}/users/{}/roles", tenant.id, admin.id);
                scope.spawn(move || {
                    barrier.wait();
                    client.put(&path, &admin.token, &json!({"roles": []})).status
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(outcomes.iter().filter(|s| **s == 200).count(), admins.len() - 1, "{outcomes:?}");
    assert_eq!(outcomes.iter().filter(|s| **s == 409).count(), 1, "{outcomes:?}");
    let users = app.client.get(&format!("/v1/tenants/{}/users", tenant.id), &tenant.cloud_manager.token).json();
    let global_admins = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["roles"].as_array().unwrap().iter().any(|r| r == "global_admin"))
        .count();
    assert_eq!(global_admins, 1);
}
