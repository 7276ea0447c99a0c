//! The log, as log pipelines read it: in JSON one object per line with the access fields, and in
//! either format no password, token or secret, whatever the flow did, at `RUST_LOG=trace`.

use serde_json::{json, Value};
use tenantry_tests::app::{Storage, OPERATOR_PASSWORD};
use tenantry_tests::client::{form_encode, Call};
use tenantry_tests::mail;
use tenantry_tests::process::ServiceProcess;
use tenantry_tests::Backend;

use crate::Case;

pub fn cases() -> Vec<Case> {
    cases![json_logs_are_one_object_per_line_and_hold_no_secret, text_logs_hold_no_secret]
}

const CHOSEN: &str = "a chosen passphrase for logs";
const WRONG: &str = "a wrong passphrase tried once";
const DATABASE_PASSWORD: &str = "database-password-for-logs";

/// A PostgreSQL URL with [`DATABASE_PASSWORD`] added to its user part; `None` for SQLite or a
/// URL that has a password already.
fn with_password(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let (user, host) = rest.split_once('@')?;
    (scheme.starts_with("postgres") && !user.contains(':'))
        .then(|| format!("{scheme}://{user}:{DATABASE_PASSWORD}@{host}"))
}

/// Signs in, changes and resets passwords, registers an API client and a webhook, accepts an
/// offer by its secret link; returns every secret the flow saw.
fn flow_with_secrets(service: &ServiceProcess) -> Vec<String> {
    let client = &service.client;
    let mail_dir = service.data_dir.path().join("mail");
    let mut secrets = vec![OPERATOR_PASSWORD.to_owned(), CHOSEN.to_owned(), WRONG.to_owned()];
    let operator = service.operator_token();
    secrets.push(operator.clone());
    client.sign_in("operator@tenantry.test", WRONG).assert_status(400);

    // A tenant; its manager's temporary password (by mail), changed at the first sign-in.
    let created = client.post(
        "/v1/tenants",
        &operator,
        &json!({"name": "Logs SARL", "slug": "logs",
                "cloud_manager": {"display_name": "Manager", "user_name": "manager", "contact_email": "manager@example.com"}}),
    );
    created.assert_status(201);
    let tenant = created.json()["tenant"]["id"].as_str().unwrap().to_owned();
    let domain = created.json()["tenant"]["initial_domain"].as_str().unwrap().to_owned();
    let manager_sign_in = created.json()["cloud_manager"]["sign_in"].as_str().unwrap().to_owned();
    let temporary = temporary_password_sent_to(&mail_dir, "manager@example.com");
    let manager = first_sign_in(service, &manager_sign_in, &temporary, &mut secrets);

    // A person with a chosen password, then a reset: a temporary password by mail.
    let person = client.post(
        &format!("/v1/tenants/{tenant}/users"),
        &manager,
        &json!({"display_name": "Admin", "sign_in": format!("admin@{domain}"), "contact_email": "admin@example.com",
                "roles": ["global_admin"], "password": "another chosen passphrase"}),
    );
    person.assert_status(201);
    secrets.push("another chosen passphrase".to_owned());
    let person_id = person.json()["id"].as_str().unwrap().to_owned();
    client
        .post(&format!("/v1/tenants/{tenant}/users/{person_id}/password-reset"), &manager, &json!({}))
        .assert_status(202);
    let reset_password = temporary_password_sent_to(&mail_dir, "admin@example.com");
    let admin = first_sign_in(service, &format!("admin@{domain}"), &reset_password, &mut secrets);

    // A webhook: its signing secret is shown once.
    let hook = client.post(
        &format!("/v1/tenants/{tenant}/webhooks"),
        &admin,
        &json!({"url": "http://127.0.0.1:9/tenantry", "events": ["licence.assigned"]}),
    );
    hook.assert_status(201);
    secrets.push(hook.json()["secret"].as_str().unwrap().to_owned());

    // A partner, its admin, an API client and its tokens; an offer accepted by its secret link.
    let partner = client.post("/v1/partners", &operator, &json!({"name": "Logs Partners Ltd"}));
    partner.assert_status(201);
    let partner_id = partner.json()["id"].as_str().unwrap().to_owned();
    client
        .post(
            &format!("/v1/partners/{partner_id}/users"),
            &operator,
            &json!({"display_name": "Partner admin", "sign_in": "admin@logs.partners.example",
                    "contact_email": "padmin@mail.example", "role": "partner_admin", "password": CHOSEN}),
        )
        .assert_status(201);
    let partner_admin = client.token("admin@logs.partners.example", CHOSEN);
    secrets.push(partner_admin.clone());
    let registered =
        client.post(&format!("/v1/partners/{partner_id}/api-clients"), &partner_admin, &json!({"name": "Logs sync"}));
    registered.assert_status(201);
    let client_id = registered.json()["client"]["id"].as_str().unwrap().to_owned();
    let secret = registered.json()["client_secret"].as_str().unwrap().to_owned();
    secrets.push(secret.clone());
    let form = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}",
        form_encode(&client_id),
        form_encode(&secret)
    );
    let issued = client.send(Call::new("POST", "/v1/auth/token").raw("application/x-www-form-urlencoded", form));
    issued.assert_status(200);
    secrets.push(issued.json()["access_token"].as_str().unwrap().to_owned());
    let offer =
        client.post(&format!("/v1/partners/{partner_id}/admin-offers"), &partner_admin, &json!({"access": "full"}));
    offer.assert_status(201);
    let offer_token = offer.json()["token"].as_str().unwrap().to_owned();
    secrets.push(offer_token.clone());
    client
        .send(Call::new("POST", &format!("/v1/tenants/{tenant}/admin-offers/{offer_token}/accept")).token(&admin))
        .assert_status(201);
    secrets
}

/// Signs in with a temporary password and changes it to [`CHOSEN`]; returns a usable token.
/// The temporary password and both tokens join `secrets`.
fn first_sign_in(service: &ServiceProcess, sign_in: &str, temporary: &str, secrets: &mut Vec<String>) -> String {
    let first = service.client.token(sign_in, temporary);
    service
        .client
        .post(
            "/v1/me/password",
            &first,
            &json!({"current_password": temporary, "new_password": CHOSEN, "new_password_confirmation": CHOSEN}),
        )
        .assert_status(204);
    let token = service.client.token(sign_in, CHOSEN);
    secrets.extend([temporary.to_owned(), first, token.clone()]);
    token
}

/// The temporary password of the first message to `recipient` that carries one.
fn temporary_password_sent_to(mail_dir: &std::path::Path, recipient: &str) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let found = mail::to(mail_dir, recipient).iter().find_map(|m| mail::field(m, "Temporary password"));
        if let Some(password) = found {
            return password;
        }
        assert!(std::time::Instant::now() < deadline, "no temporary password reached {recipient}");
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
}

/// Runs the flow on a service logging in `format` at the most verbose level (every crate); returns its whole output
/// and the secrets.
fn logged_flow(backend: Backend, format: &str) -> (Vec<String>, Vec<String>) {
    let storage = Storage::new(backend);
    let mut settings = vec![
        ("TENANTRY_LOG_FORMAT", format.to_owned()),
        ("RUST_LOG", "trace".to_owned()),
        // The webhook's endpoint is on loopback (no event is sent to it).
        ("TENANTRY_WEBHOOKS_ALLOW_PRIVATE", "true".to_owned()),
    ];
    // On PostgreSQL, a password in the database URL (the test server trusts local connections,
    // so any password is accepted): it must not be logged either.
    let database_password = with_password(&storage.database_url);
    assert_eq!(
        database_password.is_some(),
        backend == Backend::Postgres,
        "a password is added to the PostgreSQL test URL (postgres://USER@HOST/DB expected)"
    );
    if let Some(url) = &database_password {
        settings.push(("DATABASE_URL", url.clone()));
    }
    let service = ServiceProcess::start(&storage, &settings);
    let mut secrets = flow_with_secrets(&service);
    if database_password.is_some() {
        secrets.push(DATABASE_PASSWORD.to_owned());
    }
    // The workers' records too: the last mail is delivered and logged by now.
    std::thread::sleep(std::time::Duration::from_millis(300));
    let output = service.output();
    assert!(output.len() > 20, "the flow was logged: {output:?}");
    (output, secrets)
}

fn assert_no_secret(output: &[String], secrets: &[String]) {
    for secret in secrets {
        assert!(secret.len() >= 12, "a secret worth looking for: {secret}");
        if let Some(line) = output.iter().find(|line| line.contains(secret.as_str())) {
            panic!("a secret is in the log: {line}");
        }
    }
    for line in output {
        let lower = line.to_lowercase();
        assert!(!lower.contains("bearer "), "an Authorization header is in the log: {line}");
        assert!(!lower.contains("authorization:"), "an Authorization header is in the log: {line}");
        assert!(!line.contains("eyJ"), "something like a JWT is in the log: {line}");
    }
}

fn json_logs_are_one_object_per_line_and_hold_no_secret(backend: Backend) {
    let (output, secrets) = logged_flow(backend, "json");
    assert_no_secret(&output, &secrets);
    let records: Vec<Value> = output
        .iter()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON object ({e}): {line}")))
        .collect();
    for record in &records {
        for field in ["time", "level", "target", "message"] {
            assert!(record[field].is_string(), "{field} in {record}");
        }
    }
    let access: Vec<&Value> = records.iter().filter(|r| r["target"] == "tenantry::http").collect();
    assert!(access.len() >= 15, "an access record per request");
    for record in &access {
        assert!(record["request_id"].is_string() && record["method"].is_string(), "{record}");
        assert!(record["status"].is_u64() && record["latency_ms"].is_number(), "{record}");
        assert!(record["route"].as_str().is_some_and(|r| r.starts_with('/')), "the route pattern: {record}");
    }
    let user_list = access
        .iter()
        .find(|r| r["route"] == "/v1/tenants/{tid}/users" && r["method"] == "POST")
        .expect("the person's creation was logged");
    assert!(user_list["tenant_id"].is_string() && user_list["caller_id"].is_string(), "{user_list}");
    let accepted = access.iter().find(|r| r["route"] == "/v1/tenants/{tid}/admin-offers/{token}/accept").unwrap();
    assert!(accepted["path"].as_str().unwrap().contains("/admin-offers/***/"), "the offer's token is masked");
}

fn text_logs_hold_no_secret(backend: Backend) {
    let (output, secrets) = logged_flow(backend, "text");
    assert_no_secret(&output, &secrets);
    assert!(
        output.iter().any(|line| line.contains("tenantry::http") && line.contains("POST /v1/auth/token 200")),
        "the access records are there"
    );
}
