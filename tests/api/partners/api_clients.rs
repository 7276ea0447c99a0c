//! Partners' API clients: client-credential tokens within their assignment, secrets rotated, disabled.

use serde_json::{json, Value};
use tenantry_tests::client::Call;
use tenantry_tests::partners;
use tenantry_tests::people;
use tenantry_tests::{Backend, Reply, TestApp};

use super::{ids, new_user, reset_password, users_path};

/// Case 5: API clients get tokens with client credentials and act within their assignment.
pub(super) fn api_clients_use_client_credentials_within_their_assignment(backend: Backend) {
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

pub(super) fn a_rotation_ends_the_tokens_of_the_retired_secret(backend: Backend) {
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
