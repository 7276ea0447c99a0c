//! Signing in: both encodings of the token request, throttling, and answers that do not tell
//! whether an account exists.

use serde_json::json;
use tenantry_tests::app::{OPERATOR_EMAIL, OPERATOR_PASSWORD};
use tenantry_tests::client::Call;
use tenantry_tests::{Backend, TestApp};

use crate::Case;

pub fn cases() -> Vec<Case> {
    cases![the_token_endpoint_takes_form_and_json, repeated_failures_are_throttled_alike_for_unknown_accounts,]
}

fn the_token_endpoint_takes_form_and_json(backend: Backend) {
    let app = TestApp::spawn(backend);
    let reply = app.client.sign_in(OPERATOR_EMAIL, OPERATOR_PASSWORD);
    reply.assert_status(200);
    let body = reply.json();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(reply.header("cache-control").as_deref(), Some("no-store"));

    let reply =
        app.client.send(Call::new("POST", "/v1/auth/token").json(
            &json!({"grant_type": "password", "username": "OPERATOR@tenantry.test", "password": OPERATOR_PASSWORD}),
        ));
    reply.assert_status(200);

    // Swagger UI's OAuth2 password flow sends client_id and scope too.
    let reply = app.client.send(Call::new("POST", "/v1/auth/token").raw(
        "application/x-www-form-urlencoded",
        format!(
            "grant_type=password&username={OPERATOR_EMAIL}&password={}&client_id=&scope=",
            OPERATOR_PASSWORD.replace(' ', "+")
        ),
    ));
    reply.assert_status(200);

    // An unknown client is refused as OAuth clients expect (RFC 6749 section 5.2) ...
    let reply = app.client.send(
        Call::new("POST", "/v1/auth/token")
            .json(&json!({"grant_type": "client_credentials", "client_id": "x", "client_secret": "y"})),
    );
    reply.assert_problem(401, "invalid_client");
    assert_eq!(reply.json()["error"], "invalid_client", "{}", reply.text);
    // ... and a grant this server does not offer too.
    let reply = app
        .client
        .send(Call::new("POST", "/v1/auth/token").json(&json!({"grant_type": "authorization_code", "code": "x"})));
    reply.assert_status(400);
    let reply = app.client.send(Call::new("POST", "/v1/auth/token").json(&json!({"grant_type": "authorization_code"})));
    reply.assert_problem(400, "unsupported_grant_type");
    assert_eq!(reply.json()["error"], "unsupported_grant_type", "{}", reply.text);
    app.client
        .send(Call::new("POST", "/v1/auth/token").raw("text/plain", "hello"))
        .assert_problem(415, "unsupported_media_type");
    app.client
        .send(Call::new("POST", "/v1/auth/token").json(&json!({"grant_type": "password"})))
        .assert_problem(400, "invalid_body");
}

fn repeated_failures_are_throttled_alike_for_unknown_accounts(backend: Backend) {
    let app = TestApp::spawn(backend);
    for account in [OPERATOR_EMAIL, "nobody@tenantry.test"] {
        for _ in 0..5 {
            let reply = app.client.sign_in(account, "wrong password entirely");
            reply.assert_problem(400, "invalid_grant");
            assert_eq!(reply.json()["detail"], "the sign-in address or the password is wrong");
        }
        let reply = app.client.sign_in(account, "wrong password entirely");
        reply.assert_problem(429, "too_many_sign_in_attempts");
        let retry: u64 = reply.header("retry-after").expect("Retry-After").parse().unwrap();
        assert!((1..=300).contains(&retry), "{retry}");
    }
    // Even the right password waits out the lock: the throttle is checked before the password.
    app.client.sign_in(OPERATOR_EMAIL, OPERATOR_PASSWORD).assert_problem(429, "too_many_sign_in_attempts");
}
