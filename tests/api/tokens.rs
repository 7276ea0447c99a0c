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
    cases![forged_or_stale_tokens_are_unauthorized, the_published_key_verifies_issued_tokens,]
}

/// The service's own signing key and its kid, read from its data folder.
fn service_key(app: &TestApp) -> (String, SigningKey) {
    let dir = app.data_dir().join("keys");
    let path = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "pem"))
        .unwrap();
    let kid = path.file_stem().unwrap().to_string_lossy().into_owned();
    let key = SigningKey::from_pkcs8_pem(&std::fs::read_to_string(path).unwrap()).unwrap();
    (kid, key)
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
