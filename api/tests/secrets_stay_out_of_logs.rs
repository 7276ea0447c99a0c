#![allow(clippy::unwrap_used, clippy::expect_used)] // a test: a failed step should stop it loudly

//! The real binary, logging at `debug`: an API client's secret, sent in a form body and with
//! HTTP Basic, right and wrong, and rotated, never shows in anything the service prints, nor in
//! any response after the one that creates it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use serde_json::{json, Value};

const OPERATOR: &str = "operator@tenantry.test";
const OPERATOR_PASSWORD: &str = "a platform passphrase for the log test";

struct Running {
    child: Child,
    base_url: String,
    output: Arc<Mutex<String>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Keeps every line the child prints on `pipe`, and sends the address it listens on.
fn collect(
    pipe: impl std::io::Read + Send + 'static,
    output: Arc<Mutex<String>>,
    address: Option<mpsc::Sender<String>>,
) {
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            if let Some(tx) = &address {
                if let Some(found) = line.split("listening on ").nth(1).and_then(|rest| rest.split_whitespace().next())
                {
                    let _ = tx.send(found.to_owned());
                }
            }
            let mut all = output.lock().unwrap();
            all.push_str(&line);
            all.push('\n');
        }
    });
}

fn start(dir: &std::path::Path) -> Running {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tenantry"))
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("TENANTRY_LISTEN", "127.0.0.1:0")
        .env("TENANTRY_BOOTSTRAP_EMAIL", OPERATOR)
        .env("TENANTRY_BOOTSTRAP_PASSWORD", OPERATOR_PASSWORD)
        .env("RUST_LOG", "debug")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let output = Arc::new(Mutex::new(String::new()));
    let (tx, rx) = mpsc::channel();
    collect(child.stderr.take().unwrap(), output.clone(), Some(tx));
    collect(child.stdout.take().unwrap(), output.clone(), None);
    let base_url = rx.recv_timeout(Duration::from_secs(60)).expect("the service says where it listens");
    Running { child, base_url, output }
}

fn agent() -> ureq::Agent {
    ureq::Agent::new_with_config(ureq::Agent::config_builder().http_status_as_error(false).build())
}

fn read(mut response: ureq::http::Response<ureq::Body>) -> (u16, String) {
    let status = response.status().as_u16();
    (status, response.body_mut().read_to_string().unwrap_or_default())
}

fn post(base: &str, path: &str, token: &str, body: &Value) -> (u16, Value) {
    let response = agent()
        .post(format!("{base}{path}"))
        .header("authorization", format!("Bearer {token}"))
        .send_json(body)
        .unwrap();
    let (status, text) = read(response);
    (status, serde_json::from_str(&text).unwrap_or_default())
}

fn token_for(base: &str, username: &str, password: &str) -> String {
    let response = agent()
        .post(format!("{base}/v1/auth/token"))
        .send_form([("grant_type", "password"), ("username", username), ("password", password)])
        .unwrap();
    let (status, text) = read(response);
    assert_eq!(status, 200, "{text}");
    serde_json::from_str::<Value>(&text).unwrap()["access_token"].as_str().unwrap().to_owned()
}

#[test]
fn client_secrets_never_reach_the_log_nor_a_later_response() {
    let dir = tempfile::tempdir().unwrap();
    let running = start(dir.path());
    let base = running.base_url.clone();
    let mut responses = String::new();

    let operator = token_for(&base, OPERATOR, OPERATOR_PASSWORD);
    let (status, partner) = post(&base, "/v1/partners", &operator, &json!({"name": "Log Partners"}));
    assert_eq!(status, 201, "{partner}");
    let pid = partner["id"].as_str().unwrap().to_owned();
    let admin = json!({"display_name": "Lou Admin", "sign_in": "lou@partners.example",
        "role": "partner_admin", "password": "partner admin passphrase"});
    let (status, created) = post(&base, &format!("/v1/partners/{pid}/users"), &operator, &admin);
    assert_eq!(status, 201, "{created}");
    let admin_token = token_for(&base, "lou@partners.example", "partner admin passphrase");

    let (status, client) =
        post(&base, &format!("/v1/partners/{pid}/api-clients"), &admin_token, &json!({"name": "Sync"}));
    assert_eq!(status, 201, "{client}");
    let client_id = client["client"]["id"].as_str().unwrap().to_owned();
    let first_secret = client["client_secret"].as_str().unwrap().to_owned();

    let by_form = |secret: &str| {
        read(
            agent()
                .post(format!("{base}/v1/auth/token"))
                .send_form([("grant_type", "client_credentials"), ("client_id", &client_id), ("client_secret", secret)])
                .unwrap(),
        )
    };
    let by_basic = |secret: &str| {
        let credentials = base64::engine::general_purpose::STANDARD.encode(format!("{client_id}:{secret}"));
        read(
            agent()
                .post(format!("{base}/v1/auth/token"))
                .header("authorization", format!("Basic {credentials}"))
                .send_form([("grant_type", "client_credentials")])
                .unwrap(),
        )
    };
    let wrong = format!("{first_secret}x");
    for (expected, (status, text)) in
        [(200, by_form(&first_secret)), (200, by_basic(&first_secret)), (401, by_form(&wrong)), (401, by_basic(&wrong))]
    {
        assert_eq!(status, expected, "{text}");
        responses.push_str(&text);
    }

    let (status, rotated) =
        post(&base, &format!("/v1/partners/{pid}/api-clients/{client_id}/rotate-secret"), &admin_token, &json!({}));
    assert_eq!(status, 200, "{rotated}");
    let second_secret = rotated["client_secret"].as_str().unwrap().to_owned();
    let (status, text) = by_form(&first_secret);
    assert_eq!(status, 401, "the rotated-out secret stops at once: {text}");
    responses.push_str(&text);
    let (status, text) = by_basic(&second_secret);
    assert_eq!(status, 200, "{text}");
    responses.push_str(&text);

    let (status, listed) = read(
        agent()
            .get(format!("{base}/v1/partners/{pid}/api-clients"))
            .header("authorization", format!("Bearer {admin_token}"))
            .call()
            .unwrap(),
    );
    assert_eq!(status, 200, "{listed}");
    responses.push_str(&listed);

    std::thread::sleep(Duration::from_millis(300));
    let log = running.output.lock().unwrap().clone();
    assert!(log.contains("POST /v1/auth/token"), "the log is captured at debug level: {log}");
    for secret in [&first_secret, &second_secret] {
        let visible_part = secret.trim_start_matches("tcs_");
        assert!(!log.contains(visible_part), "a client secret was printed:\n{log}");
        assert!(!responses.contains(visible_part), "a client secret came back in a later response: {responses}");
    }
}
