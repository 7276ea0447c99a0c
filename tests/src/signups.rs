//! Self-service sign-up in tests: signing up, reading the code from the mail, confirming.

use serde_json::{json, Value};

use crate::app::TestApp;
use crate::client::{Call, Reply};
use crate::mail;
use crate::people::CHOSEN_PASSWORD;

/// Someone who signed up and confirmed, signed in.
#[derive(Debug, Clone)]
pub struct SignedUp {
    pub user_id: String,
    pub tenant_id: String,
    pub email: String,
    pub token: String,
}

pub fn sign_up(app: &TestApp, email: &str, display_name: &str) -> Reply {
    let body = json!({"email": email, "display_name": display_name, "password": CHOSEN_PASSWORD});
    app.client.send(Call::new("POST", "/v1/signups").json(&body))
}

/// The confirmation code in the `nth` message to `email`.
pub fn code_from_mail(app: &TestApp, email: &str, nth: usize) -> String {
    let messages = mail::wait_for(&app.storage.mail_dir(), email, nth);
    mail::field(&messages[nth - 1], "Confirmation code").expect("the message carries a confirmation code")
}

pub fn confirm(app: &TestApp, signup_id: &str, code: &str) -> Reply {
    app.client.send(Call::new("POST", &format!("/v1/signups/{signup_id}/confirm")).json(&json!({"code": code})))
}

/// Signs up, confirms with the mailed code, and signs in.
pub fn sign_up_and_confirm(app: &TestApp, email: &str, display_name: &str) -> SignedUp {
    let accepted = sign_up(app, email, display_name);
    accepted.assert_status(202);
    let id = accepted.json()["id"].as_str().unwrap().to_owned();
    // Addresses are kept lower-cased, and mail goes to that form.
    let email = email.to_lowercase();
    let code = code_from_mail(app, &email, 1);
    let confirmed = confirm(app, &id, &code);
    confirmed.assert_status(201);
    let body: Value = confirmed.json();
    SignedUp {
        user_id: body["user_id"].as_str().unwrap().to_owned(),
        tenant_id: body["tenant_id"].as_str().unwrap().to_owned(),
        token: app.client.token(&email, CHOSEN_PASSWORD),
        email,
    }
}
