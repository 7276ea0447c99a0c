//! Accounts: tokens, roles, sign-in guesses, recent people, response headers, breached passwords.

use serde_json::json;
use tenantry_tests::app::Storage;
use tenantry_tests::client::Call;
use tenantry_tests::people::{add_member, temporary_password, tenant_with_admin, CHOSEN_PASSWORD};
use tenantry_tests::{Backend, TestApp};

use super::BEHIND_A_PROXY;

pub(super) fn tokens_end_with_the_password_and_with_the_account(backend: Backend) {
    let app = TestApp::spawn(backend);
    let tenant = tenant_with_admin(&app, "stamps");
    let me = |token: &str| app.client.get("/v1/me", token);

    // Their own password change ends the token they had; the new one works.
    let person = add_member(&app, &tenant, "changer", &[]);
    let old = person.token.clone();
    let new_password = "another long and unusual passphrase";
    app.client
        .post(
            "/v1/me/password",
            &old,
            &json!({"current_password": CHOSEN_PASSWORD, "new_password": new_password, "new_password_confirmation": new_password}),
        )
        .assert_status(204);
    me(&old).assert_problem(401, "invalid_token");
    let fresh = app.client.token(&person.sign_in, new_password);
    me(&fresh).assert_status(200);

    // An admin's reset ends it, and setting the new password does not bring it back.
    let reset = add_member(&app, &tenant, "reset", &[]);
    let path = format!("/v1/tenants/{}/users/{}/password-reset", tenant.id, reset.id);
    app.client.post(&path, &tenant.global_admin.token, &json!({})).assert_status(202);
    me(&reset.token).assert_problem(401, "invalid_token");
    let temporary = temporary_password(&app, &reset.contact_email, 1);
    let first = app.client.token(&reset.sign_in, &temporary);
    app.client
        .post(
            "/v1/me/password",
            &first,
            &json!({"current_password": temporary, "new_password": new_password, "new_password_confirmation": new_password}),
        )
        .assert_status(204);
    me(&reset.token).assert_problem(401, "invalid_token");
    me(&first).assert_problem(401, "invalid_token");
    me(&app.client.token(&reset.sign_in, new_password)).assert_status(200);

    // Disabled: the token fails at once and no new one is issued; enabled again, sign-in works.
    let disabled = add_member(&app, &tenant, "disabled", &[]);
    let person_path = format!("/v1/tenants/{}/users/{}", tenant.id, disabled.id);
    let reply = app.client.patch(&person_path, &tenant.global_admin.token, &json!({"account_enabled": false}));
    reply.assert_status(200);
    assert_eq!(reply.json()["account_enabled"], false);
    me(&disabled.token).assert_problem(401, "invalid_token");
    let refused = app.client.sign_in(&disabled.sign_in, CHOSEN_PASSWORD);
    refused.assert_problem(400, "invalid_grant");
    assert!(refused.json()["detail"].as_str().unwrap().contains("disabled"), "{refused:?}");
    app.client.patch(&person_path, &tenant.global_admin.token, &json!({"account_enabled": true})).assert_status(200);
    me(&disabled.token).assert_problem(401, "invalid_token");
    me(&app.client.token(&disabled.sign_in, CHOSEN_PASSWORD)).assert_status(200);

    // Nobody disables themselves.
    let own = format!("/v1/tenants/{}/users/{}", tenant.id, tenant.global_admin.id);
    app.client
        .patch(&own, &tenant.global_admin.token, &json!({"account_enabled": false}))
        .assert_problem(422, "validation_failed");
    me(&tenant.global_admin.token).assert_status(200);
}

pub(super) fn nobody_raises_their_own_standing(backend: Backend) {
    let app = TestApp::spawn(backend);
    let tenant = tenant_with_admin(&app, "standing");
    let roles = |person: &str| format!("/v1/tenants/{}/users/{person}/roles", tenant.id);
    let manager = &tenant.cloud_manager;

    // A cloud manager cannot give itself global admin, and the tenant is as it was.
    let refused =
        app.client.put(&roles(&manager.id), &manager.token, &json!({"roles": ["cloud_manager", "global_admin"]}));
    refused.assert_problem(403, "forbidden");
    let me = app.client.get(&format!("/v1/tenants/{}/users/{}", tenant.id, manager.id), &manager.token).json();
    assert_eq!(me["roles"], json!(["cloud_manager"]));
    app.client.get(&format!("/v1/tenants/{}/webhooks", tenant.id), &manager.token).assert_problem(403, "forbidden");
    let member = add_member(&app, &tenant, "member", &[]);
    app.client.put(&roles(&member.id), &manager.token, &json!({"roles": ["billing_admin"]})).assert_status(200);

    // A billing admin cannot grant global admin, to itself or anyone.
    let billing = add_member(&app, &tenant, "billing", &["billing_admin"]);
    for target in [&billing.id, &member.id] {
        app.client
            .put(&roles(target), &billing.token, &json!({"roles": ["global_admin"]}))
            .assert_problem(403, "forbidden");
    }

    // A global admin designates another global admin (and the cloud manager may too).
    let reply = app.client.put(&roles(&member.id), &tenant.global_admin.token, &json!({"roles": ["global_admin"]}));
    reply.assert_status(200);
    assert_eq!(reply.json()["roles"], json!(["global_admin"]));
    // And a person may drop a role of their own.
    let reply = app.client.put(&roles(&manager.id), &manager.token, &json!({"roles": []}));
    reply.assert_status(200);
}

pub(super) fn guesses_from_elsewhere_do_not_lock_the_owner_out(backend: Backend) {
    let app = TestApp::spawn_on(Storage::new(backend), &[BEHIND_A_PROXY]);
    let tenant = tenant_with_admin(&app, "guessed");
    let owner = &tenant.global_admin;
    let sign_in_from = |password: &str, source: &str| {
        let body = format!(
            "grant_type=password&username={}&password={}",
            tenantry_tests::client::form_encode(&owner.sign_in),
            tenantry_tests::client::form_encode(password)
        );
        app.client.send(
            Call::new("POST", "/v1/auth/token")
                .raw("application/x-www-form-urlencoded", body)
                .header("X-Forwarded-For", source),
        )
    };
    let home = "198.51.100.7";
    sign_in_from(CHOSEN_PASSWORD, home).assert_status(200);

    // One attacker: five wrong passwords lock their address for this account, not the owner's.
    for _ in 0..5 {
        sign_in_from("wrong guess of a password", "203.0.113.1").assert_problem(400, "invalid_grant");
    }
    sign_in_from("wrong guess of a password", "203.0.113.1").assert_problem(429, "too_many_sign_in_attempts");
    sign_in_from(CHOSEN_PASSWORD, home).assert_status(200);

    // Many attackers spend the account's global budget: new addresses are refused, the owner's
    // own address is not.
    let mut refused = 0;
    for attacker in 2..=30 {
        for _ in 0..2 {
            let reply = sign_in_from("wrong guess of a password", &format!("203.0.113.{attacker}"));
            if reply.status == 429 {
                refused += 1;
            } else {
                reply.assert_problem(400, "invalid_grant");
            }
        }
    }
    assert!(refused > 0, "the account's global budget refused some guesses");
    sign_in_from(CHOSEN_PASSWORD, "192.0.2.99").assert_problem(429, "too_many_sign_in_attempts");
    sign_in_from(CHOSEN_PASSWORD, home).assert_status(200);
}

pub(super) fn recently_opened_people_follow_the_roles_held_now(backend: Backend) {
    let app = TestApp::spawn(backend);
    let tenant = tenant_with_admin(&app, "recent");
    let helper = add_member(&app, &tenant, "helper", &["password_admin"]);
    let member = add_member(&app, &tenant, "member", &[]);
    let person = format!("/v1/tenants/{}/users/{}", tenant.id, member.id);
    app.client.get(&person, &helper.token).assert_status(200);
    let recent = app.client.get("/v1/me/recent-users", &helper.token).json();
    assert_eq!(recent["items"][0]["user_id"], member.id.as_str(), "{recent}");
    // Their admin role taken away, they see nobody they opened as an admin.
    let roles = format!("/v1/tenants/{}/users/{}/roles", tenant.id, helper.id);
    app.client.put(&roles, &tenant.global_admin.token, &json!({"roles": []})).assert_status(200);
    let recent = app.client.get("/v1/me/recent-users", &helper.token).json();
    assert_eq!(recent["items"], json!([]), "{recent}");
    app.client.get(&person, &helper.token).assert_problem(403, "forbidden");
}

pub(super) fn answers_are_not_sniffed_framed_or_stored(backend: Backend) {
    let app = TestApp::spawn(backend);
    let tenant = tenant_with_admin(&app, "headers");
    let token = &tenant.global_admin.token;
    let personal = [
        "/v1/me".to_owned(),
        format!("/v1/tenants/{}/users", tenant.id),
        format!("/v1/tenants/{}/users/{}", tenant.id, tenant.global_admin.id),
        format!("/v1/tenants/{}/audit-events", tenant.id),
    ];
    for path in &personal {
        let reply = app.client.get(path, token);
        reply.assert_status(200);
        assert_eq!(reply.header("cache-control").as_deref(), Some("no-store"), "{path}");
        assert_eq!(reply.header("x-content-type-options").as_deref(), Some("nosniff"), "{path}");
    }
    // Errors too.
    let refused = app.client.send(Call::new("GET", "/v1/me"));
    refused.assert_status(401);
    assert_eq!(refused.header("x-content-type-options").as_deref(), Some("nosniff"));
    // Swagger UI keeps a bearer token: no other site may frame it.
    let console = app.client.send(Call::new("GET", "/swagger-ui/"));
    assert!([200, 301, 302, 307, 308].contains(&console.status), "{console:?}");
    assert_eq!(console.header("content-security-policy").as_deref(), Some("frame-ancestors 'none'"));
    assert_eq!(console.header("x-frame-options").as_deref(), Some("DENY"));
    assert_eq!(console.header("x-content-type-options").as_deref(), Some("nosniff"));
}

pub(super) fn breached_passwords_are_refused_everywhere_a_password_is_chosen(backend: Backend) {
    let app = TestApp::spawn(backend);
    let tenant = tenant_with_admin(&app, "breached");
    for common in ["Password123!", "qwerty123456", "iloveyou2026!"] {
        let created = app.client.post(
            &format!("/v1/tenants/{}/users", tenant.id),
            &tenant.global_admin.token,
            &json!({"display_name": "Weak", "sign_in": format!("weak@{}", tenant.domain), "password": common}),
        );
        created.assert_problem(422, "validation_failed");
        assert_eq!(created.json()["errors"][0]["field"], "password", "{}", created.text);
        let body = json!({"email": "weak@breached-corp.example", "display_name": "Weak", "password": common});
        let signed_up = app.client.send(Call::new("POST", "/v1/signups").json(&body));
        signed_up.assert_problem(422, "validation_failed");
        let changed = app.client.post(
            "/v1/me/password",
            &tenant.global_admin.token,
            &json!({"current_password": CHOSEN_PASSWORD, "new_password": common, "new_password_confirmation": common}),
        );
        changed.assert_problem(422, "validation_failed");
    }
    // Nothing was created, and the admin's password is unchanged.
    let found = app.client.get(&format!("/v1/tenants/{}/users?q=weak", tenant.id), &tenant.global_admin.token);
    assert_eq!(found.json()["items"], json!([]));
    app.client.token(&tenant.global_admin.sign_in, CHOSEN_PASSWORD);
}
