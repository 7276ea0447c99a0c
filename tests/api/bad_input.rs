//! Bad input across the API gets a 4xx problem+json and leaves everything as it was.

use serde_json::{json, Value};
use tenantry_tests::client::Call;
use tenantry_tests::people::{self, Tenant};
use tenantry_tests::{mail, Backend, TestApp};

use crate::Case;

pub fn cases() -> Vec<Case> {
    cases![
        bad_requests_are_problems_and_change_nothing,
        domain_names_are_checked_and_kept_in_their_ascii_form,
        one_line_texts_follow_one_rule_and_the_published_limit,
    ]
}

fn state_of(app: &TestApp, tenant: &Tenant, operator: &str) -> (Value, usize, usize, Value) {
    let users =
        app.client.get(&format!("/v1/tenants/{}/users?limit=200", tenant.id), &tenant.global_admin.token).json();
    let audit =
        app.client.get(&format!("/v1/tenants/{}/audit-events?limit=200", tenant.id), &tenant.global_admin.token).json();
    let tenants = app.client.get("/v1/tenants?limit=200", operator).json();
    (users, audit["items"].as_array().unwrap().len(), mail::all(&app.storage.mail_dir()).len(), tenants)
}

fn bad_requests_are_problems_and_change_nothing(backend: Backend) {
    let app = TestApp::spawn(backend);
    let tenant = people::tenant_with_admin(&app, "strict");
    let member = people::add_member(&app, &tenant, "member", &[]);
    let operator = app.operator_token();
    let admin = tenant.global_admin.token.clone();
    let users = format!("/v1/tenants/{}/users", tenant.id);
    let user = format!("{users}/{}", member.id);
    let good_user = |sign_in: &str| json!({"display_name": "Valid Name", "sign_in": sign_in, "password": "a long and unusual passphrase"});
    std::thread::sleep(std::time::Duration::from_millis(300));
    let before = state_of(&app, &tenant, &operator);

    let roles_path = format!("{user}/roles");
    let over_max = format!("{users}?limit=201");
    let zero = format!("{users}?limit=0");
    let negative = format!("{users}?limit=-1");
    let forged = format!("{users}?cursor=Zm9v");
    let unknown_param = format!("{users}?sort=name");
    let bad_time = format!("/v1/tenants/{}/audit-events?from=yesterday", tenant.id);
    let oversized = json!({"display_name": "x".repeat(70_000), "sign_in": format!("big@{}", tenant.domain)});
    let cases: Vec<(&str, Call<'_>, u16, &str)> = vec![
        ("malformed JSON", Call::new("POST", &users).token(&admin).raw("application/json", "{\"display_name\": "), 400, "malformed_body"),
        ("not JSON at all", Call::new("POST", &users).token(&admin).raw("application/json", "hello"), 400, "malformed_body"),
        ("unknown field", Call::new("POST", &users).token(&admin).json(&json!({"display_name": "A", "sign_in": format!("a@{}", tenant.domain), "password": "a long and unusual passphrase", "is_root": true})), 400, "invalid_body"),
        ("missing field", Call::new("POST", &users).token(&admin).json(&json!({"sign_in": format!("nameless@{}", tenant.domain)})), 400, "invalid_body"),
        ("wrong type", Call::new("POST", &users).token(&admin).json(&json!({"display_name": 42, "sign_in": "a@b.fr"})), 400, "invalid_body"),
        ("array instead of object", Call::new("POST", &users).token(&admin).json(&json!([1, 2])), 400, "invalid_body"),
        ("wrong content type", Call::new("POST", &users).token(&admin).raw("text/plain", good_user(&format!("t@{}", tenant.domain)).to_string()), 415, "unsupported_media_type"),
        ("no content type", Call::new("POST", &users).token(&admin).raw("", good_user(&format!("t@{}", tenant.domain)).to_string()), 415, "unsupported_media_type"),
        ("oversized body", Call::new("POST", &users).token(&admin).json(&oversized), 413, "payload_too_large"),
        ("invalid sign-in email", Call::new("POST", &users).token(&admin).json(&good_user("not-an-email")), 422, "validation_failed"),
        ("invalid contact email", Call::new("POST", &users).token(&admin).json(&json!({"display_name": "A", "sign_in": format!("c@{}", tenant.domain), "contact_email": "a@@b"})), 422, "validation_failed"),
        ("weak password", Call::new("POST", &users).token(&admin).json(&json!({"display_name": "A", "sign_in": format!("w@{}", tenant.domain), "password": "short"})), 422, "validation_failed"),
        ("common password", Call::new("POST", &users).token(&admin).json(&json!({"display_name": "A", "sign_in": format!("w@{}", tenant.domain), "password": "password1234"})), 422, "validation_failed"),
        ("unknown role", Call::new("PUT", &roles_path).token(&admin).json(&json!({"roles": ["root"]})), 400, "invalid_body"),
        ("empty display name", Call::new("PATCH", &user).token(&admin).json(&json!({"display_name": "   "})), 422, "validation_failed"),
        ("confirmation mismatch", Call::new("POST", "/v1/me/password").token(&admin).json(&json!({"current_password": people::CHOSEN_PASSWORD, "new_password": "another long passphrase", "new_password_confirmation": "another long passphrasf"})), 422, "validation_failed"),
        ("page size over the maximum", Call::new("GET", &over_max).token(&admin), 400, "invalid_query"),
        ("page size zero", Call::new("GET", &zero).token(&admin), 400, "invalid_query"),
        ("negative page size", Call::new("GET", &negative).token(&admin), 400, "invalid_query"),
        ("forged cursor", Call::new("GET", &forged).token(&admin), 422, "invalid_cursor"),
        ("unknown query parameter", Call::new("GET", &unknown_param).token(&admin), 400, "invalid_query"),
        ("bad time filter", Call::new("GET", &bad_time).token(&admin), 400, "invalid_query"),
        ("bad tenant slug", Call::new("POST", "/v1/tenants").token(&operator).json(&json!({"name": "X", "slug": "No Spaces", "cloud_manager": {"display_name": "M", "user_name": "m", "contact_email": "m@example.com"}})), 422, "validation_failed"),
        ("bad cloud manager user name", Call::new("POST", "/v1/tenants").token(&operator).json(&json!({"name": "X", "slug": "valid-slug", "cloud_manager": {"display_name": "M", "user_name": "a b", "contact_email": "m@example.com"}})), 422, "validation_failed"),
        ("sign-in outside the tenant's domains", Call::new("POST", &users).token(&admin).json(&good_user("someone@gmail.com")), 422, "domain_not_verified"),
        ("admin without contact email", Call::new("POST", &users).token(&admin).json(&json!({"display_name": "A", "sign_in": format!("adm@{}", tenant.domain), "roles": ["global_admin"]})), 422, "contact_email_required"),
        ("unknown route", Call::new("GET", "/v1/nothing-here").token(&admin), 404, "not_found"),
        ("wrong method", Call::new("PUT", &users).token(&admin).json(&json!({})), 405, "method_not_allowed"),
        ("bad If-Match", Call::new("PATCH", &user).token(&admin).header("if-match", "\"v999\"").json(&json!({"display_name": "Never"})), 412, "precondition_failed"),
    ];
    for (what, request, status, code) in cases {
        let reply = app.client.send(request);
        assert!(reply.status < 500, "{what}: {reply:?}");
        assert_eq!(reply.status, status, "{what}: {reply:?}");
        reply.assert_problem(status, code);
        if code == "validation_failed" || code == "invalid_body" {
            let errors = reply.json()["errors"].as_array().cloned().unwrap_or_default();
            assert!(
                !errors.is_empty() && errors.iter().all(|e| e["field"].is_string() && e["message"].is_string()),
                "{what}: {reply:?}"
            );
        }
    }
    // NUL characters, which PostgreSQL cannot store, are refused on either backend.
    app.client.get(&format!("/v1/tenants/{}/users/%00", tenant.id), &admin).assert_problem(422, "validation_failed");
    app.client.get(&format!("{users}?q=a%00b"), &admin).assert_problem(422, "validation_failed");
    let nul_sign_in = app.client.send(
        Call::new("POST", "/v1/auth/token")
            .json(&json!({"grant_type": "password", "username": "a\u{0}b@x.fr", "password": "whatever it is"})),
    );
    assert!(nul_sign_in.status == 400 || nul_sign_in.status == 422, "{nul_sign_in:?}");
    let nul_search = app.client.get(&format!("/v1/tenants/{}/audit-events?action=a%C0%80b", tenant.id), &admin);
    assert!(nul_search.status < 500, "{nul_search:?}");

    // Several invalid fields are all reported at once.
    let reply = app.client.post(
        &users,
        &admin,
        &json!({"display_name": "", "sign_in": "nope", "contact_email": "nope", "password": "short"}),
    );
    reply.assert_problem(422, "validation_failed");
    let fields: Vec<String> =
        reply.json()["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect();
    assert_eq!(fields, ["display_name", "sign_in", "contact_email", "password"]);

    std::thread::sleep(std::time::Duration::from_millis(300));
    let after = state_of(&app, &tenant, &operator);
    assert_eq!(before.0, after.0, "people changed");
    assert_eq!(before.1, after.1, "audit events were written");
    assert_eq!(before.2, after.2, "mail was sent");
    assert_eq!(before.3, after.3, "tenants changed");
    // The member's password is untouched by the failed change attempts.
    app.client.token(&member.sign_in, people::CHOSEN_PASSWORD);
}

fn domain_names_are_checked_and_kept_in_their_ascii_form(backend: Backend) {
    let app = TestApp::spawn(backend);
    let tenant = people::tenant_with_admin(&app, "domains");
    let operator = app.operator_token();
    let create = |user_name: &str, contact: &str| {
        app.client.post(
            &format!("/v1/tenants/{}/users", tenant.id),
            &tenant.global_admin.token,
            &json!({"display_name": format!("Person {user_name}"), "sign_in": format!("{user_name}@{}", tenant.domain),
                    "contact_email": contact, "password": people::CHOSEN_PASSWORD}),
        )
    };
    // An internationalised contact address is kept in the ASCII form mail carries.
    let reply = create("anna", "anna@Bücher.Example");
    reply.assert_status(201);
    assert_eq!(reply.json()["contact_email"], "anna@xn--bcher-kva.example", "{}", reply.text);
    // Names that are not domain names are refused, naming the field, and change nothing.
    let before = state_of(&app, &tenant, &operator);
    let over_long_label = format!("bob@{}.fr", "a".repeat(64));
    for bad in ["bob@co.uk", "bob@exa mple.fr", "bob@a..fr", "bob@-a.fr", over_long_label.as_str()] {
        let reply = create("bob", bad);
        reply.assert_problem(422, "validation_failed");
        assert_eq!(reply.json()["errors"][0]["field"], "contact_email", "{bad}: {}", reply.text);
    }
    assert_eq!(state_of(&app, &tenant, &operator), before);
}

/// Every one-line text (a service request's contact name as its title, a partner's name) refuses
/// the characters that reorder a line on screen, and counts what was sent against its limit:
/// a leading U+0085 is refused, not trimmed into a name one character over the limit.
fn one_line_texts_follow_one_rule_and_the_published_limit(backend: Backend) {
    let app = TestApp::spawn(backend);
    let tenant = people::tenant_with_admin(&app, "one-rule");
    let operator = app.operator_token();
    let requests = format!("/v1/tenants/{}/service-requests", tenant.id);
    let request = |title: &str, contact_name: &str| {
        json!({"kind": "incident", "category": "technical", "workload": "mail", "title": title,
            "description": "Mail is slow.", "severity": "C",
            "contact": {"name": contact_name, "email": "ada@example.com", "available_24_7": false}})
    };
    for mark in ['\u{202E}', '\u{2067}', '\u{202B}'] {
        let reordered = format!("Ada{mark} Lovelace");
        let title = app.client.post(&requests, &tenant.global_admin.token, &request(&reordered, "Ada Lovelace"));
        title.assert_problem(422, "validation_failed");
        assert_eq!(title.json()["errors"][0]["field"], "title", "{mark:?}");
        let name = app.client.post(&requests, &tenant.global_admin.token, &request("Mail is slow", &reordered));
        name.assert_problem(422, "validation_failed");
        assert_eq!(name.json()["errors"][0]["field"], "contact.name", "{mark:?}");
    }
    let listed = app.client.get(&requests, &tenant.global_admin.token).json();
    assert_eq!(listed["items"], json!([]), "nothing was opened");

    let over = format!("\u{0085}{}", "P".repeat(200));
    let refused = app.client.post("/v1/partners", &operator, &json!({"name": over}));
    refused.assert_problem(422, "validation_failed");
    assert_eq!(refused.json()["errors"][0]["field"], "name");
    let padded = format!(" {}", "P".repeat(200));
    app.client.post("/v1/partners", &operator, &json!({"name": padded})).assert_problem(422, "validation_failed");
    let partners = app.client.get("/v1/partners", &operator).json();
    assert_eq!(partners["items"], json!([]), "no partner was made: {partners}");
    app.client.post("/v1/partners", &operator, &json!({"name": "P".repeat(200)})).assert_status(201);
}
