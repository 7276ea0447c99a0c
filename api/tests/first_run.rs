#![allow(clippy::unwrap_used, clippy::expect_used)] // a test: a failed step should stop it loudly

//! The binary as a person runs it: no configuration, an embedded SQLite database, a first run
//! that says how to sign in, and a second run that says nothing new and keeps the data.

mod support;

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

struct Running {
    child: Child,
    base_url: String,
    stdout: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `tenantry` in `dir` with nothing configured but a free port, and waits until it
/// says where it listens. Returns what it printed on stdout up to then.
fn start(dir: &std::path::Path) -> Running {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tenantry"))
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("TENANTRY_LISTEN", "127.0.0.1:0")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    // Stdout is read from the start: the banner is printed before the listening line, and the
    // reader is then already waiting on the pipe.
    let mut stdout_pipe = child.stdout.take().unwrap();
    let (out_tx, out_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut text = String::new();
        let mut buffer = [0u8; 4096];
        while let Ok(n) = stdout_pipe.read(&mut buffer) {
            if n == 0 {
                break;
            }
            text.push_str(&String::from_utf8_lossy(&buffer[..n]));
            let _ = out_tx.send(text.clone());
        }
    });
    let rx = support::listening_address(&mut child);
    let base_url = rx.recv_timeout(Duration::from_secs(60)).expect("the service says where it listens");
    std::thread::sleep(Duration::from_millis(300));
    let stdout = out_rx.try_iter().last().unwrap_or_default();
    Running { child, base_url, stdout }
}

fn agent() -> ureq::Agent {
    ureq::Agent::new_with_config(ureq::Agent::config_builder().http_status_as_error(false).build())
}

fn get(url: &str, token: Option<&str>) -> (u16, serde_json::Value) {
    let mut request = agent().get(url);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let mut response = request.call().unwrap();
    let status = response.status().as_u16();
    let body = response.body_mut().read_to_string().unwrap_or_default();
    (status, serde_json::from_str(&body).unwrap_or_default())
}

fn sign_in(base_url: &str, username: &str, password: &str) -> (u16, serde_json::Value) {
    let mut response = agent()
        .post(format!("{base_url}/v1/auth/token"))
        .send_form([("grant_type", "password"), ("username", username), ("password", password)])
        .unwrap();
    let status = response.status().as_u16();
    (status, serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap_or_default())
}

fn banner_value(stdout: &str, label: &str) -> Option<String> {
    stdout.lines().find_map(|line| line.trim().strip_prefix(label)).map(|v| v.trim().to_owned())
}

#[test]
fn first_run_prints_how_to_sign_in_once_and_a_restart_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();

    let first = start(dir.path());
    assert!(first.stdout.contains("first run"), "the first run explains itself: {}", first.stdout);
    let sign_in_address = banner_value(&first.stdout, "sign-in address:").expect("a sign-in address is printed");
    let password = banner_value(&first.stdout, "password:").expect("a password is printed");
    assert_eq!(sign_in_address, "operator@tenantry.test");

    assert_eq!(get(&format!("{}/healthz", first.base_url), None).0, 200);
    let (status, ready) = get(&format!("{}/readyz", first.base_url), None);
    assert_eq!((status, ready["database"].as_str()), (200, Some("sqlite")));
    let (status, token) = sign_in(&first.base_url, &sign_in_address, &password);
    assert_eq!(status, 200, "the printed credentials work: {token}");
    let token = token["access_token"].as_str().unwrap().to_owned();
    let (status, me) = get(&format!("{}/v1/me", first.base_url), Some(&token));
    assert_eq!(status, 200);
    assert_eq!(me["kind"], "operator");
    assert_eq!(me["must_change_password"], true, "a printed password must be replaced");
    assert!(dir.path().join("data/tenantry.db").exists(), "the embedded database lives under ./data");
    let (_, jwks) = get(&format!("{}/.well-known/jwks.json", first.base_url), None);
    assert_eq!(jwks["keys"].as_array().map(Vec::len), Some(1), "one signing key, made on the first run");
    assert!(!dir.path().join("data/keys").exists(), "keys live in the database, not in files");
    drop(first);

    let second = start(dir.path());
    assert!(
        !second.stdout.contains("first run") && !second.stdout.contains(&password),
        "a restart prints nothing new: {}",
        second.stdout
    );
    let (status, _) = sign_in(&second.base_url, &sign_in_address, &password);
    assert_eq!(status, 200, "the same account, the same password");
    let (status, _) = get(&format!("{}/v1/me", second.base_url), Some(&token));
    assert_eq!(status, 200, "tokens from before the restart still verify: the key was kept");
    let (_, jwks) = get(&format!("{}/.well-known/jwks.json", second.base_url), None);
    assert_eq!(jwks["keys"].as_array().map(Vec::len), Some(1), "no second key");
}

#[test]
fn key_files_of_an_earlier_version_are_imported_and_keep_verifying() {
    use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
    use ed25519_dalek::pkcs8::EncodePrivateKey;

    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("data/keys");
    std::fs::create_dir_all(&keys).unwrap();
    let kids = ["019a0000-0000-7000-8000-000000000001", "019a0000-0000-7000-8000-000000000002"];
    for kid in kids {
        let key = ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng);
        std::fs::write(keys.join(format!("{kid}.pem")), key.to_pkcs8_pem(LineEnding::LF).unwrap().as_bytes()).unwrap();
    }
    let running = start(dir.path());
    let (_, jwks) = get(&format!("{}/.well-known/jwks.json", running.base_url), None);
    let mut published: Vec<&str> = jwks["keys"].as_array().unwrap().iter().filter_map(|k| k["kid"].as_str()).collect();
    published.sort_unstable();
    assert_eq!(published, kids, "both files' keys verify");
    let password = banner_value(&running.stdout, "password:").expect("a password is printed");
    let (_, token) = sign_in(&running.base_url, "operator@tenantry.test", &password);
    let header = jsonwebtoken::decode_header(token["access_token"].as_str().unwrap()).unwrap();
    assert_eq!(header.kid.as_deref(), Some(kids[1]), "the newest file's key signs");
}
