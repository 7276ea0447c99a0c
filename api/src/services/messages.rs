//! The messages people receive, composed here; a use case queues them with `Tx::send`, in the
//! transaction of the change that causes them. The worker in `mail_worker` delivers them.

use tenantry_domain::partner::{DelegatedAccess, PartnerRole};
use tenantry_domain::RoleSet;

use crate::unit_of_work::Message;

/// Who a message goes to and what they sign in with.
pub struct Recipient<'a> {
    pub contact_email: &'a str,
    pub display_name: &'a str,
    pub sign_in: &'a str,
}

fn message(to: &Recipient<'_>, subject: &str, body: String) -> Message {
    to_address(to.contact_email, subject, body)
}

fn to_address(to: &str, subject: &str, body: String) -> Message {
    Message {
        to: to.to_owned(),
        subject: subject.to_owned(),
        body,
        html: None,
        language: "en".to_owned(),
        carries_secret: false,
    }
}

fn role_names(roles: &RoleSet) -> String {
    roles.iter().map(|role| role.as_str()).collect::<Vec<_>>().join(", ")
}

/// A new account's sign-in details, with the temporary password to change at first sign-in.
pub fn account_created(to: &Recipient<'_>, temporary_password: &str, roles: &RoleSet, public_url: &str) -> Message {
    let role_line = if roles.is_admin() {
        format!("You have been designated administrator ({}).\n", role_names(roles))
    } else {
        String::new()
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
        url = public_url,
    );
    message(to, "Your Tenantry sign-in details", body).carrying_secret()
}

/// An existing person was designated administrator.
pub fn roles_designated(to: &Recipient<'_>, roles: &RoleSet, public_url: &str) -> Message {
    let body = format!(
        "Hello {name},\n\n\
         You have been designated administrator ({roles}) on Tenantry.\n\n\
         Sign-in address: {sign_in}\n\
         Sign in at: {url} with your usual password.\n\
         Administrator roles do not use a licence.\n",
        name = to.display_name,
        roles = role_names(roles),
        sign_in = to.sign_in,
        url = public_url,
    );
    message(to, "You are now a Tenantry administrator", body)
}

/// A password reset by an administrator: a temporary password to change at next sign-in.
pub fn password_reset(to: &Recipient<'_>, temporary_password: &str, public_url: &str) -> Message {
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
        url = public_url,
    );
    message(to, "Your Tenantry password was reset", body).carrying_secret()
}

/// The service is ready: sent to each global admin when a subscription's provisioning ends.
pub fn welcome_to_service(to: &Recipient<'_>, plan_code: &str, active_seats: i64, public_url: &str) -> Message {
    let body = format!(
        "Hello {name},\n\n\
         Welcome to your {plan_code} service: it is ready.\n\
         {active_seats} licences are active and can be given to your users.\n\n\
         Sign-in address: {sign_in}\n\
         Sign in at: {url}\n",
        name = to.display_name,
        sign_in = to.sign_in,
        url = public_url,
    );
    message(to, "Welcome to your service", body)
}

/// A partner admin or agent's account, with the temporary password to change at first sign-in.
pub fn partner_account_created(
    to: &Recipient<'_>,
    temporary_password: &str,
    role: PartnerRole,
    public_url: &str,
) -> Message {
    let role = match role {
        PartnerRole::Admin => "partner administrator",
        PartnerRole::Agent => "partner agent",
    };
    let body = format!(
        "Hello {name},\n\n\
         An account was created for you on Tenantry as {role}.\n\n\
         Sign-in address: {sign_in}\n\
         Temporary password: {temporary_password}\n\
         Sign in at: {url}\n\n\
         You will be asked to choose a new password when you first sign in.\n",
        name = to.display_name,
        sign_in = to.sign_in,
        url = public_url,
    );
    message(to, "Your Tenantry partner sign-in details", body).carrying_secret()
}

fn access_words(access: DelegatedAccess) -> &'static str {
    match access {
        DelegatedAccess::Full => "full administration (the rights of a global administrator)",
        DelegatedAccess::Limited => "limited administration (the rights of a password administrator)",
    }
}

/// A partner's admins learn that a customer accepted their offer (seed 003).
pub fn relationship_accepted(to: &Recipient<'_>, customer: &str, access: DelegatedAccess, public_url: &str) -> Message {
    let body = format!(
        "Hello {name},\n\n\
         {customer} accepted your delegated administration offer: you now have {access} for it.\n\
         Give your agents access to it in the partner portal: {url}\n",
        name = to.display_name,
        access = access_words(access),
        url = public_url,
    );
    message(to, &format!("{customer} accepted your delegated administration offer"), body)
}

/// The other side learns that a relationship ended.
pub fn relationship_ended(to: &Recipient<'_>, customer: &str, partner: &str, public_url: &str) -> Message {
    let body = format!(
        "Hello {name},\n\n\
         The delegated administration relationship between {customer} and {partner} has ended.\n\
         {partner} can no longer act for {customer}.\n\n{url}\n",
        name = to.display_name,
        url = public_url,
    );
    message(to, "A delegated administration relationship ended", body)
}

/// A service request changed: its status, or its severity.
pub fn service_request_changed(to: &Recipient<'_>, title: &str, id: &str, what: &str, public_url: &str) -> Message {
    let body = format!(
        "Hello {name},\n\n\
         Your service request \"{title}\" {what}.\n\n\
         Reference: {id}\n\
         Follow it at: {url}\n",
        name = to.display_name,
        url = public_url,
    );
    message(to, &format!("Service request \"{title}\" {what}"), body)
}

/// A bought domain is active: sent to the tenant's global admins (seed 000 §13).
pub fn domain_active(to: &Recipient<'_>, domain: &str, public_url: &str) -> Message {
    let body = format!(
        "Hello {name},\n\n\
         The domain {domain} is registered for your organisation and verified: you can now give \
         your people mailboxes in it.\n\n{url}\n",
        name = to.display_name,
        url = public_url,
    );
    message(to, &format!("Your domain {domain} is active"), body)
}

/// The confirmation code of a self-service sign-up (seed 001).
pub fn signup_code(to: &str, display_name: &str, code: &str, signup_id: &str, public_url: &str) -> Message {
    let body = format!(
        "Hello {display_name},\n\n\
         To finish signing up with {to}, confirm with this code within 24 hours:\n\n\
         Confirmation code: {code}\n\n\
         Or send it to {public_url}/v1/signups/{signup_id}/confirm\n\n\
         If you did not sign up, ignore this message: nothing happens without the code.\n",
    );
    to_address(to, "Confirm your sign-up", body).carrying_secret()
}

/// A sign-up for an address that already has an account: only its owner learns it.
pub fn signup_account_exists(to: &str, public_url: &str) -> Message {
    let body = format!(
        "Hello,\n\n\
         Someone, probably you, tried to sign up with {to}, which already has an account.\n\
         Sign in at {public_url}; if you forgot your password, ask your administrator to reset it.\n\n\
         If it was not you, nothing changed.\n",
    );
    to_address(to, "You already have an account", body)
}

/// Everyone who signed up learns that their organisation is managed now (seed 001).
pub fn takeover_completed(to: &Recipient<'_>, domain: &str, admin: &str, plan_name: &str, public_url: &str) -> Message {
    let body = format!(
        "Hello {name},\n\n\
         {admin} is now the administrator of your organisation ({domain}) and bought {plan_name} \
         for everyone who signed up: you hold a {plan_name} licence from now on.\n\
         Your account and your settings are unchanged.\n\n\
         Sign-in address: {sign_in}\n\
         Sign in at: {url}\n",
        name = to.display_name,
        sign_in = to.sign_in,
        url = public_url,
    );
    message(to, &format!("Your organisation {domain} is now managed"), body)
}
