//! The messages people receive, composed here and queued in the outbox inside the transaction
//! of the change that causes them. The worker in `mail_worker` delivers them.

use chrono::{DateTime, Utc};
use tenantry_persistence::outbox::{self, NewOutboxMessage};
use tenantry_persistence::{time, DbConnection};

use crate::config::Config;
use crate::problem::ApiError;

/// Who a message goes to and what they sign in with.
pub struct Recipient<'a> {
    pub contact_email: &'a str,
    pub display_name: &'a str,
    pub sign_in: &'a str,
}

fn enqueue(conn: &mut DbConnection, to: &str, subject: &str, body: &str, now: DateTime<Utc>) -> Result<(), ApiError> {
    let id = super::new_id();
    outbox::enqueue(
        conn,
        &NewOutboxMessage {
            id: &id,
            recipient: to,
            subject,
            body,
            created_at: time::to_db(now),
            next_attempt_at: time::to_db(now),
        },
    )?;
    Ok(())
}

/// A new account's sign-in details, with the temporary password to change at first sign-in.
pub fn account_created(
    conn: &mut DbConnection,
    config: &Config,
    to: &Recipient<'_>,
    temporary_password: &str,
    roles: &[&str],
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let role_line = if roles.is_empty() {
        String::new()
    } else {
        format!("You have been designated administrator ({}).\n", roles.join(", "))
    };
    let body = format!(
        "Hello {name},\n\n\
         An account was created for you on Tenantry.\n{role_line}\n\
         Sign-in address: {sign_in}\n\
         Temporary password: {temporary_password}\n\
         Sign in at: {url}\n\n\
         You will be asked to choose a new password when you first sign in.\n\
         Administrator roles do not use a licence.\n",
        name = to.display_name,
        sign_in = to.sign_in,
        url = config.public_url,
    );
    enqueue(conn, to.contact_email, "Your Tenantry sign-in details", &body, now)
}

/// An existing person was designated administrator.
pub fn roles_designated(
    conn: &mut DbConnection,
    config: &Config,
    to: &Recipient<'_>,
    roles: &[&str],
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let body = format!(
        "Hello {name},\n\n\
         You have been designated administrator ({roles}) on Tenantry.\n\n\
         Sign-in address: {sign_in}\n\
         Sign in at: {url} with your usual password.\n\
         Administrator roles do not use a licence.\n",
        name = to.display_name,
        roles = roles.join(", "),
        sign_in = to.sign_in,
        url = config.public_url,
    );
    enqueue(conn, to.contact_email, "You are now a Tenantry administrator", &body, now)
}

/// A password reset by an administrator: a temporary password to change at next sign-in.
pub fn password_reset(
    conn: &mut DbConnection,
    config: &Config,
    to: &Recipient<'_>,
    temporary_password: &str,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let body = format!(
        "Hello {name},\n\n\
         An administrator reset your Tenantry password.\n\n\
         Sign-in address: {sign_in}\n\
         Temporary password: {temporary_password}\n\
         Sign in at: {url}\n\n\
         You will be asked to choose a new password when you sign in.\n\
         If you did not expect this, contact your administrator.\n",
        name = to.display_name,
        sign_in = to.sign_in,
        url = config.public_url,
    );
    enqueue(conn, to.contact_email, "Your Tenantry password was reset", &body, now)
}

/// The service is ready: sent to each global admin when a subscription's provisioning ends.
pub fn welcome_to_service(
    conn: &mut DbConnection,
    config: &Config,
    to: &Recipient<'_>,
    plan_code: &str,
    active_seats: i64,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let body = format!(
        "Hello {name},\n\n\
         Welcome to your {plan_code} service: it is ready.\n\
         {active_seats} licences are active and can be given to your users.\n\n\
         Sign-in address: {sign_in}\n\
         Sign in at: {url}\n",
        name = to.display_name,
        sign_in = to.sign_in,
        url = config.public_url,
    );
    enqueue(conn, to.contact_email, "Welcome to your service", &body, now)
}
