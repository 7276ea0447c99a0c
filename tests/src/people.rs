//! Building the people a test needs: a tenant with its cloud manager, a global admin, members
//! holding each role.

use serde_json::json;

use crate::app::TestApp;
use crate::mail;

/// The password test people choose after their temporary one.
pub const CHOSEN_PASSWORD: &str = "a long and unusual test passphrase";

#[derive(Debug, Clone)]
pub struct Person {
    pub id: String,
    pub sign_in: String,
    pub contact_email: String,
    pub token: String,
}

#[derive(Debug, Clone)]
pub struct Tenant {
    pub id: String,
    pub slug: String,
    pub domain: String,
    pub cloud_manager: Person,
    pub global_admin: Person,
}

/// Creates a tenant as the operator; returns (tenant id, initial domain, manager id, manager sign-in, manager contact).
pub fn create_tenant(app: &TestApp, operator: &str, slug: &str) -> (String, String, String, String, String) {
    let contact = format!("manager.{slug}@example.com");
    let reply = app.client.post(
        "/v1/tenants",
        operator,
        &json!({"name": format!("{slug} SARL"), "slug": slug,
                "cloud_manager": {"display_name": format!("Manager of {slug}"), "user_name": "manager", "contact_email": contact}}),
    );
    reply.assert_status(201);
    let body = reply.json();
    (
        body["tenant"]["id"].as_str().unwrap().to_owned(),
        body["tenant"]["initial_domain"].as_str().unwrap().to_owned(),
        body["cloud_manager"]["id"].as_str().unwrap().to_owned(),
        body["cloud_manager"]["sign_in"].as_str().unwrap().to_owned(),
        contact,
    )
}

/// The temporary password from the newest message to `contact`.
pub fn temporary_password(app: &TestApp, contact: &str, nth_message: usize) -> String {
    let messages = mail::wait_for(&app.storage.mail_dir(), contact, nth_message);
    mail::field(&messages[nth_message - 1], "Temporary password").expect("the message carries a temporary password")
}

/// First sign-in: temporary password from the mail, then a chosen one; returns a usable token.
pub fn activate(app: &TestApp, sign_in: &str, contact: &str, nth_message: usize) -> String {
    let temporary = temporary_password(app, contact, nth_message);
    let first = app.client.token(sign_in, &temporary);
    app.client
        .post(
            "/v1/me/password",
            &first,
            &json!({"current_password": temporary, "new_password": CHOSEN_PASSWORD, "new_password_confirmation": CHOSEN_PASSWORD}),
        )
        .assert_status(204);
    app.client.token(sign_in, CHOSEN_PASSWORD)
}

/// A tenant whose cloud manager has signed in and designated a global admin, who has signed in.
pub fn tenant_with_admin(app: &TestApp, slug: &str) -> Tenant {
    let operator = app.operator_token();
    let (id, domain, manager_id, manager_sign_in, manager_contact) = create_tenant(app, &operator, slug);
    let manager_token = activate(app, &manager_sign_in, &manager_contact, 1);
    let admin_contact = format!("admin.{slug}@example.com");
    let reply = app.client.post(
        &format!("/v1/tenants/{id}/users"),
        &manager_token,
        &json!({"display_name": format!("Admin of {slug}"), "sign_in": format!("admin@{domain}"),
                "contact_email": admin_contact, "roles": ["global_admin"]}),
    );
    reply.assert_status(201);
    let admin_id = reply.json()["id"].as_str().unwrap().to_owned();
    let admin_sign_in = format!("admin@{domain}");
    let admin_token = activate(app, &admin_sign_in, &admin_contact, 1);
    Tenant {
        slug: slug.to_owned(),
        cloud_manager: Person {
            id: manager_id,
            sign_in: manager_sign_in,
            contact_email: manager_contact,
            token: manager_token,
        },
        global_admin: Person { id: admin_id, sign_in: admin_sign_in, contact_email: admin_contact, token: admin_token },
        id,
        domain,
    }
}

/// A member with the given roles and a password set by the admin (no mail round trip).
pub fn add_member(app: &TestApp, tenant: &Tenant, user_name: &str, roles: &[&str]) -> Person {
    let sign_in = format!("{user_name}@{}", tenant.domain);
    let contact = format!("{user_name}.{}@example.com", tenant.slug);
    let reply = app.client.post(
        &format!("/v1/tenants/{}/users", tenant.id),
        &tenant.global_admin.token,
        &json!({"display_name": format!("Member {user_name}"), "sign_in": sign_in, "contact_email": contact,
                "roles": roles, "password": CHOSEN_PASSWORD}),
    );
    reply.assert_status(201);
    let id = reply.json()["id"].as_str().unwrap().to_owned();
    let token = app.client.token(&sign_in, CHOSEN_PASSWORD);
    Person { id, sign_in, contact_email: contact, token }
}
