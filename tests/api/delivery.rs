//! Messages that reach people over SMTP: a real SMTP server on loopback receives them; nothing
//! acknowledged is lost while it is down or across a restart; permanent refusals end `failed`
//! and an operator's retry delivers them; two processes share the work without sending anything
//! twice; a temporary password is not kept once delivered, signs in once, and expires.

use std::time::Duration;

use serde_json::json;
use tenantry_tests::app::Storage;
use tenantry_tests::outbox::{self, stored_bodies};
use tenantry_tests::people::{self, CHOSEN_PASSWORD};
use tenantry_tests::smtp::{Mode, ReservedPort, SmtpSink};
use tenantry_tests::{mail, Backend, TestApp};

use crate::Case;

pub fn cases() -> Vec<Case> {
    cases![
        a_new_password_is_delivered_once_signs_in_once_and_is_not_kept,
        messages_wait_while_the_server_is_down_and_survive_a_restart,
        refused_messages_fail_and_an_operators_retry_delivers_them,
        two_processes_deliver_five_hundred_messages_once_each,
        an_expired_temporary_password_says_to_ask_for_a_new_reset,
        each_person_reads_their_own_language_in_both_parts,
        mail_says_it_is_automatic_and_bounces_go_where_the_operator_says,
    ]
}

const WAIT: Duration = Duration::from_secs(15);

/// Settings that deliver to an SMTP server on loopback at `port`, retrying quickly.
fn smtp_settings(port: u16, max_attempts: u32) -> Vec<(&'static str, String)> {
    vec![
        ("TENANTRY_SMTP_HOST", "127.0.0.1".to_owned()),
        ("TENANTRY_SMTP_SECURITY", "none".to_owned()),
        ("TENANTRY_SMTP_PORT", port.to_string()),
        ("TENANTRY_SMTP_USERNAME", "tenantry".to_owned()),
        ("TENANTRY_SMTP_PASSWORD", "smtp secret for tests".to_owned()),
        ("TENANTRY_MAIL_RETRY_FIRST_MS", "100".to_owned()),
        ("TENANTRY_MAIL_MAX_ATTEMPTS", max_attempts.to_string()),
    ]
}

fn spawn_smtp(storage: std::sync::Arc<Storage>, port: u16) -> TestApp {
    spawn_smtp_trying(storage, port, 4)
}

/// The same, trying each message `max_attempts` times.
fn spawn_smtp_trying(storage: std::sync::Arc<Storage>, port: u16, max_attempts: u32) -> TestApp {
    let settings = smtp_settings(port, max_attempts);
    let pairs: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    TestApp::spawn_on(storage, &pairs)
}

/// A tenant made by the operator: its cloud manager's sign-in details go out by mail. Returns
/// the tenant, the manager's sign-in and contact addresses.
fn create_tenant(app: &TestApp, slug: &str) -> (String, String, String) {
    let operator = app.operator_token();
    let (tenant_id, _, _, sign_in, contact) = people::create_tenant(app, &operator, slug);
    (tenant_id, sign_in, contact)
}

/// Polls the operator's outbox view until a message to `recipient` is in `status`.
fn wait_for_status(app: &TestApp, recipient: &str, status: &str) -> serde_json::Value {
    let operator = app.operator_token();
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let page = app.client.get(&format!("/v1/outbox?status={status}&limit=200"), &operator).json();
        if let Some(found) = page["items"].as_array().unwrap().iter().find(|m| m["recipient"] == recipient) {
            return found.clone();
        }
        assert!(std::time::Instant::now() < deadline, "no {status} message to {recipient}: {page}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn a_new_password_is_delivered_once_signs_in_once_and_is_not_kept(backend: Backend) {
    let sink = SmtpSink::start();
    let app = spawn_smtp(Storage::new(backend), sink.port());
    let (tenant_id, sign_in, contact) = create_tenant(&app, "smtp-flow");

    let received = sink.wait_for(1, WAIT);
    let message = &received[0];
    assert_eq!(message.rcpt_to, vec![contact.clone()]);
    assert!(message.mail_from.starts_with("no-reply@"), "{}", message.mail_from);
    // Written by a machine (RFC 3834), identified under the platform's own domain.
    assert_eq!(message.header("auto-submitted").as_deref(), Some("auto-generated"));
    let id = message.header("message-id").expect("a Message-ID");
    assert!(id.starts_with('<') && id.ends_with("@tenantry.test>"), "{id}");
    assert!(message.subject().is_some());
    let text = message.text().expect("a plain-text part");
    let temporary = mail::field(&text, "Temporary password").expect("the temporary password is in the message");
    // Roles are named in words in the reader's language (French by default), never as codes.
    assert!(text.contains("gestionnaire cloud") && !text.contains("cloud_manager"), "{text}");
    assert!(text.contains(&sign_in), "the sign-in address is in the message");

    // Delivered: the stored copy no longer holds the password.
    wait_for_status(&app, &contact, "delivered");
    assert!(stored_bodies(&app.storage).iter().all(|body| !body.contains(&temporary)), "no temporary password left");

    // It signs in once, must be changed, and then is worth nothing.
    let first = app.client.token(&sign_in, &temporary);
    let users = format!("/v1/tenants/{tenant_id}/users");
    app.client.get(&users, &first).assert_problem(403, "password_change_required");
    app.client
        .post(
            "/v1/me/password",
            &first,
            &json!({"current_password": temporary, "new_password": CHOSEN_PASSWORD, "new_password_confirmation": CHOSEN_PASSWORD}),
        )
        .assert_status(204);
    app.client.sign_in(&sign_in, &temporary).assert_problem(400, "invalid_grant");
    let chosen = app.client.token(&sign_in, CHOSEN_PASSWORD);
    app.client.get(&users, &chosen).assert_status(200);
    assert_eq!(sink.messages().len(), 1, "delivered once");
}

fn messages_wait_while_the_server_is_down_and_survive_a_restart(backend: Backend) {
    let reserved = ReservedPort::new();
    let port = reserved.port();
    let app = spawn_smtp_trying(Storage::new(backend), port, 30);
    let (_, _, contact) = create_tenant(&app, "smtp-down");
    // Nobody listens: the message stays queued, tried again and again (enough attempts to
    // outlast the outage).
    // Tried again and again while nobody listens.
    let deadline = std::time::Instant::now() + WAIT;
    let pending_again = loop {
        let pending = wait_for_status(&app, &contact, "pending");
        if pending["attempts"].as_i64() >= Some(2) {
            break pending;
        }
        assert!(std::time::Instant::now() < deadline, "no second attempt: {pending}");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(pending_again["last_error"].is_string(), "{pending_again}");
    let storage = app.stop();

    // The service restarts, then the server comes back: the message arrives, once.
    let app = spawn_smtp_trying(storage, port, 30);
    let sink = SmtpSink::start_on_reserved(reserved);
    let received = sink.wait_for(1, WAIT);
    assert_eq!(received[0].rcpt_to, vec![contact.clone()]);
    wait_for_status(&app, &contact, "delivered");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(sink.messages().len(), 1);
}

fn refused_messages_fail_and_an_operators_retry_delivers_them(backend: Backend) {
    let sink = SmtpSink::start();
    sink.set_mode(Mode::RefusePermanently);
    let app = spawn_smtp(Storage::new(backend), sink.port());
    let (_, _, contact) = create_tenant(&app, "smtp-refused");
    let failed = wait_for_status(&app, &contact, "failed");
    assert_eq!(failed["attempts"], 1, "a permanent refusal is not tried again");
    assert!(failed["last_error"].as_str().unwrap().contains("550"), "{failed}");
    assert!(failed.get("body").is_none(), "operators never see a body: {failed}");

    // Temporary failures are tried again up to the limit, then the message fails too.
    sink.set_mode(Mode::FailTemporarily);
    let (_, _, other) = create_tenant(&app, "smtp-busy");
    let out_of_tries = wait_for_status(&app, &other, "failed");
    assert_eq!(out_of_tries["attempts"], 4, "the configured number of attempts");

    // A restart loses neither; an operator's retry delivers them once the server accepts.
    let storage = app.stop();
    let app = spawn_smtp(storage, sink.port());
    sink.set_mode(Mode::Accept);
    let operator = app.operator_token();
    for message in [&failed, &out_of_tries] {
        let retried =
            app.client.post(&format!("/v1/outbox/{}/retry", message["id"].as_str().unwrap()), &operator, &json!({}));
        retried.assert_status(200);
        assert_eq!(retried.json()["status"], "pending");
    }
    let received = sink.wait_for(2, WAIT);
    let mut recipients: Vec<String> = received.iter().flat_map(|m| m.rcpt_to.clone()).collect();
    recipients.sort();
    let mut expected = vec![contact.clone(), other.clone()];
    expected.sort();
    assert_eq!(recipients, expected);
    wait_for_status(&app, &contact, "delivered");
    app.client
        .post(&format!("/v1/outbox/{}/retry", failed["id"].as_str().unwrap()), &operator, &json!({}))
        .assert_problem(409, "invalid_transition");
}

fn two_processes_deliver_five_hundred_messages_once_each(backend: Backend) {
    let sink = SmtpSink::start();
    let storage = Storage::new(backend);
    // The first process runs the migrations; then 500 messages wait for both.
    let first = spawn_smtp(storage.clone(), sink.port());
    let ids = outbox::queue(&storage, 500, "many.example");
    let second = spawn_smtp(storage.clone(), sink.port());
    // A bound for a loaded machine: what is checked is that none is lost or sent twice.
    let received = sink.wait_for(500, Duration::from_secs(180));
    std::thread::sleep(Duration::from_millis(500));
    let received = if sink.messages().len() > received.len() { sink.messages() } else { received };
    let mut seen: Vec<String> =
        received.iter().filter_map(|m| m.header("Message-ID")).filter(|id| id.contains("@tenantry")).collect();
    seen.sort();
    let before = seen.len();
    seen.dedup();
    assert_eq!(before, seen.len(), "no message delivered twice");
    let mut expected: Vec<String> = ids.iter().map(|id| format!("<{id}@tenantry.test>")).collect();
    expected.sort();
    let queued: Vec<&String> = seen.iter().filter(|id| expected.contains(id)).collect();
    assert_eq!(queued.len(), 500, "each arrived");
    drop(first);
    drop(second);
}

fn an_expired_temporary_password_says_to_ask_for_a_new_reset(backend: Backend) {
    use diesel::prelude::*;
    use tenantry_persistence::schema::users;

    let app = TestApp::spawn(backend);
    let operator = app.operator_token();
    let (_, _, manager_id, sign_in, contact) = people::create_tenant(&app, &operator, "expiry");
    let temporary = people::temporary_password(&app, &contact, 1);
    // Three days pass.
    let mut conn = outbox::connect(&app.storage);
    let past = tenantry_persistence::time::to_db(chrono::Utc::now() - chrono::Duration::hours(1));
    diesel::update(users::table.find(&manager_id))
        .set(users::temporary_password_expires_at.eq(Some(past)))
        .execute(&mut conn)
        .unwrap();
    let expired = app.client.sign_in(&sign_in, &temporary);
    expired.assert_problem(400, "temporary_password_expired");
    assert_eq!(expired.json()["error"], "invalid_grant");
    assert!(expired.json()["detail"].as_str().unwrap().contains("ask your administrator for a new password reset"));
}

fn each_person_reads_their_own_language_in_both_parts(backend: Backend) {
    let sink = SmtpSink::start();
    let app = spawn_smtp(Storage::new(backend), sink.port());
    let (tenant_id, sign_in, contact) = create_tenant(&app, "smtp-language");

    // Someone who never chose reads French, the market's language, in both parts.
    let french = sink.wait_for(1, WAIT).remove(0);
    assert_eq!(french.header("Content-Language").as_deref(), Some("fr"));
    assert_eq!(french.subject().as_deref(), Some("Vos identifiants Tenantry"));
    let text = french.text().expect("a plain-text part");
    assert!(text.starts_with("Bonjour Manager of smtp-language,"), "{text}");
    let html = french.html().expect("an HTML part");
    assert!(html.contains("<html lang=\"fr\">") && html.contains("<p>Bonjour Manager of smtp-language,</p>"), "{html}");
    let temporary = mail::field(&text, "Temporary password").expect("Mot de passe temporaire");
    assert_eq!(mail::field(&text, "Sign-in address").as_deref(), Some(sign_in.as_str()));
    let first = app.client.token(&sign_in, &temporary);
    let change = json!({"current_password": temporary, "new_password": CHOSEN_PASSWORD, "new_password_confirmation": CHOSEN_PASSWORD});
    app.client.post("/v1/me/password", &first, &change).assert_status(204);
    let manager = app.client.token(&sign_in, CHOSEN_PASSWORD);

    // Ana chooses English; a later save without a language keeps it.
    let users = format!("/v1/tenants/{tenant_id}/users");
    let ana = app.client.post(
        &users,
        &manager,
        &json!({"display_name": "Ana Smith", "user_name": "ana", "contact_email": "ana@example.com",
            "roles": ["password_admin"], "password": CHOSEN_PASSWORD}),
    );
    ana.assert_status(201);
    let ana_id = ana.json()["id"].as_str().unwrap().to_owned();
    let ana_sign_in = ana.json()["sign_in"].as_str().unwrap().to_owned();
    let ana_token = app.client.token(&ana_sign_in, CHOSEN_PASSWORD);
    let saved = app.client.put("/v1/me/preferences", &ana_token, &json!({"sync_frequency": "30m", "language": "en"}));
    assert_eq!(saved.json(), json!({"sync_frequency": "30m", "language": "en"}));
    app.client.put("/v1/me/preferences", &ana_token, &json!({"sync_frequency": "manual"})).assert_status(200);
    assert_eq!(app.client.get("/v1/me/preferences", &ana_token).json()["language"], "en");
    app.client
        .put("/v1/me/preferences", &ana_token, &json!({"sync_frequency": "manual", "language": "de"}))
        .assert_status(400);

    app.client.post(&format!("{users}/{ana_id}/password-reset"), &manager, &json!({})).assert_status(202);
    // Designated while she had not chosen (French), then reset after choosing English.
    let english = sink.wait_for(3, WAIT).remove(2);
    assert_eq!(english.rcpt_to, vec!["ana@example.com".to_owned()]);
    assert_eq!(english.header("Content-Language").as_deref(), Some("en"));
    assert_eq!(english.subject().as_deref(), Some("Your Tenantry password was reset"));
    let text = english.text().expect("a plain-text part");
    assert!(text.starts_with("Hello Ana Smith,"), "{text}");
    assert!(english.html().expect("an HTML part").contains("<html lang=\"en\">"));
    let reset = mail::field(&text, "Temporary password").expect("the new temporary password");
    let once = app.client.token(&ana_sign_in, &reset);
    app.client.get(&users, &once).assert_problem(403, "password_change_required");
    assert_ne!(contact, "ana@example.com");
}

/// Mail is marked automatic, so that out-of-office replies and list robots leave it alone, and
/// its envelope sender is the bounce address the operator set, while readers see `From`.
fn mail_says_it_is_automatic_and_bounces_go_where_the_operator_says(backend: Backend) {
    let sink = SmtpSink::start();
    let mut settings = smtp_settings(sink.port(), 4);
    settings.push(("TENANTRY_MAIL_BOUNCE_ADDRESS", "bounces@tenantry.test".to_owned()));
    let pairs: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let app = TestApp::spawn_on(Storage::new(backend), &pairs);
    let (_, _, contact) = create_tenant(&app, "bounces");
    let received = sink.wait_for(1, WAIT);
    let message = &received[0];
    assert_eq!(message.rcpt_to, vec![contact]);
    assert_eq!(message.mail_from, "bounces@tenantry.test", "the envelope sender");
    assert!(message.header("from").unwrap().contains("no-reply@tenantry.test"), "{:?}", message.header("from"));
    assert_eq!(message.header("auto-submitted").as_deref(), Some("auto-generated"));
    // Without SMTP the .eml files say the same, the bounce address as their Return-Path.
    let dropped =
        TestApp::spawn_on(Storage::new(backend), &[("TENANTRY_MAIL_BOUNCE_ADDRESS", "bounces@tenantry.test")]);
    let (_, _, contact) = create_tenant(&dropped, "bounces-eml");
    let written = mail::wait_for(&dropped.storage.mail_dir(), &contact, 1);
    assert!(written[0].contains("Return-Path: <bounces@tenantry.test>\r\n"), "{}", written[0]);
    assert!(written[0].contains("Auto-Submitted: auto-generated\r\n"), "{}", written[0]);
    assert!(written[0].contains("@tenantry.test>\r\n"), "a Message-ID under the platform's domain: {}", written[0]);
}
