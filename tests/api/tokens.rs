//! Tokens that must not be accepted: expired, not yet valid, signed by another key, unsigned,
//! HMAC-signed with the public key, for another audience or issuer.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use ed25519_dalek::SigningKey;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use tenantry_tests::{Backend, TestApp};

use crate::Case;

pub fn cases() -> Vec<Case> {
    cases![
        forged_or_stale_tokens_are_unauthorized,
        the_published_key_verifies_issued_tokens,
        a_rotated_key_signs_new_tokens_and_the_old_one_still_verifies,
    ]
}

/// The service's signing key and its kid, read from its database.
fn service_key(app: &TestApp) -> (String, SigningKey) {
    let mut conn = tenantry_tests::outbox::connect(&app.storage);
    let keys = tenantry_persistence::signing_keys::all(&mut conn).unwrap();
    let row = keys.iter().rev().find(|key| key.retired_at.is_none()).unwrap();
    (row.kid.clone(), SigningKey::from_pkcs8_pem(&row.private_key).unwrap())
}

fn sign(key: &SigningKey, kid: &str, claims: &Value) -> String {
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(kid.to_owned());
    let der = key.to_pkcs8_der().unwrap();
    encode(&header, claims, &EncodingKey::from_ed_der(der.as_bytes())).unwrap()
}

/// The issuer the service writes in its tokens, read from a genuine token's payload.
fn issuer(app: &TestApp) -> String {
    let token = app.operator_token();
    let payload = token.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    claims["iss"].as_str().unwrap().to_owned()
}

fn claims(app: &TestApp, sub: &str, iss: Option<&str>, aud: &str, nbf_offset: i64, exp_offset: i64) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({
        "sub": sub, "iss": iss.map_or_else(|| issuer(app), str::to_owned), "aud": aud,
        "iat": now, "nbf": now + nbf_offset, "exp": now + exp_offset, "jti": "test"
    })
}

fn forged_or_stale_tokens_are_unauthorized(backend: Backend) {
    let app = TestApp::spawn(backend);
    let genuine = app.operator_token();
    let me = app.client.get("/v1/me", &genuine);
    me.assert_status(200);
    let operator_id = me.json()["id"].as_str().unwrap().to_owned();
    let (kid, key) = service_key(&app);
    let aud = "tenantry-api";

    // The control: a token made here with the service's key and right claims is accepted, so
    // each refusal below is due to the one thing changed.
    let control = sign(&key, &kid, &claims(&app, &operator_id, None, aud, 0, 600));
    app.client.get("/v1/me", &control).assert_status(200);

    let other_key = SigningKey::generate(&mut rand::rngs::OsRng);
    let header_none = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let body = URL_SAFE_NO_PAD.encode(claims(&app, &operator_id, None, aud, 0, 600).to_string());
    let hmac = {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(kid.clone());
        encode(
            &header,
            &claims(&app, &operator_id, None, aud, 0, 600),
            &EncodingKey::from_secret(key.verifying_key().as_bytes()),
        )
        .unwrap()
    };
    let forged = [
        ("expired", sign(&key, &kid, &claims(&app, &operator_id, None, aud, -7200, -3600))),
        ("not yet valid", sign(&key, &kid, &claims(&app, &operator_id, None, aud, 3600, 7200))),
        ("signed by another key", sign(&other_key, &kid, &claims(&app, &operator_id, None, aud, 0, 600))),
        ("unknown key id", sign(&key, "no-such-key", &claims(&app, &operator_id, None, aud, 0, 600))),
        ("alg none", format!("{header_none}.{body}.")),
        ("HMAC with the public key", hmac),
        ("wrong audience", sign(&key, &kid, &claims(&app, &operator_id, None, "another-api", 0, 600))),
        ("wrong issuer", sign(&key, &kid, &claims(&app, &operator_id, Some("https://evil.example"), aud, 0, 600))),
        ("no such account", sign(&key, &kid, &claims(&app, "019a0000-0000-7000-8000-00000000dead", None, aud, 0, 600))),
        ("garbage", "not.a.token".to_owned()),
        ("tampered", format!("{}x", &genuine[..genuine.len() - 1])),
    ];
    for (what, token) in forged {
        let reply = app.client.get("/v1/me", &token);
        assert_eq!(reply.status, 401, "{what}: {reply:?}");
        reply.assert_problem(401, "invalid_token");
    }
    // A malformed Authorization header.
    let reply =
        app.client.send(tenantry_tests::client::Call::new("GET", "/v1/me").header("authorization", "Basic b3A6cHc="));
    reply.assert_problem(401, "invalid_token");
}

fn the_published_key_verifies_issued_tokens(backend: Backend) {
    let app = TestApp::spawn(backend);
    let token = app.operator_token();
    let jwks = app.client.send(tenantry_tests::client::Call::new("GET", "/.well-known/jwks.json")).json();
    let key = &jwks["keys"][0];
    assert_eq!(key["kty"], "OKP");
    assert_eq!(key["crv"], "Ed25519");
    let header = jsonwebtoken::decode_header(&token).unwrap();
    assert_eq!(header.alg, Algorithm::EdDSA);
    assert_eq!(header.kid.as_deref(), key["kid"].as_str());
    let decoding = jsonwebtoken::DecodingKey::from_ed_components(key["x"].as_str().unwrap()).unwrap();
    let mut validation = jsonwebtoken::Validation::new(Algorithm::EdDSA);
    validation.set_audience(&["tenantry-api"]);
    validation.set_issuer(&[issuer(&app).as_str()]);
    let data = jsonwebtoken::decode::<Value>(&token, &decoding, &validation).unwrap();
    assert!(data.claims["exp"].as_i64().unwrap() > chrono::Utc::now().timestamp());
}

fn kid_of(token: &str) -> String {
    jsonwebtoken::decode_header(token).unwrap().kid.unwrap()
}

fn published_kids(app: &TestApp) -> Vec<String> {
    let jwks = app.client.send(tenantry_tests::client::Call::new("GET", "/.well-known/jwks.json")).json();
    jwks["keys"].as_array().unwrap().iter().map(|key| key["kid"].as_str().unwrap().to_owned()).collect()
}

fn a_rotated_key_signs_new_tokens_and_the_old_one_still_verifies(backend: Backend) {
    let app = TestApp::spawn(backend);
    let before = app.operator_token();
    // Kept unused until after the rotation, so that its check goes through the retired key
    // rather than through the tokens this process remembers having verified.
    let unused_before = app.operator_token();
    let old_kid = kid_of(&before);
    let tenant = tenantry_tests::people::tenant_with_admin(&app, "rotation");
    let refused = app.client.post("/v1/signing-keys", &tenant.global_admin.token, &json!({}));
    refused.assert_problem(403, "forbidden");
    assert_eq!(published_kids(&app), vec![old_kid.clone()], "a refused rotation changes nothing");

    let rotated = app.client.post("/v1/signing-keys", &before, &json!({}));
    rotated.assert_status(201);
    let new_kid = rotated.json()["kid"].as_str().unwrap().to_owned();
    assert_ne!(new_kid, old_kid);

    let after = app.operator_token();
    assert_eq!(kid_of(&after), new_kid, "new tokens are signed with the new key");
    app.client.get("/v1/me", &after).assert_status(200);
    assert_eq!(kid_of(&unused_before), old_kid);
    app.client.get("/v1/me", &unused_before).assert_status(200);
    app.client.get("/v1/me", &before).assert_status(200);
    app.client.get("/v1/me", &tenant.global_admin.token).assert_status(200);
    let mut kids = published_kids(&app);
    kids.sort();
    let mut expected = vec![old_kid, new_kid];
    expected.sort();
    assert_eq!(kids, expected, "both keys are published while the old one's tokens live");
    let (signing_kid, _) = service_key(&app);
    assert_eq!(signing_kid, kid_of(&after));
}
