//! The messages people receive, rendered from the templates (`api/templates/`) in the
//! recipient's language; a use case queues them with `Tx::send`, in the transaction of the
//! change that causes them. The worker in `mail_worker` delivers them.

use tenantry_domain::language::Language;
use tenantry_domain::partner::{DelegatedAccess, PartnerRole};
use tenantry_domain::preferences::Preferences;
use tenantry_domain::RoleSet;
use tenantry_persistence::users::UserRow;

use crate::app::unit_of_work::Message;
use crate::outbound::templates::{self, phrase, Template};

/// Who a message goes to, what they sign in with, and the language they read.
pub struct Recipient<'a> {
    pub contact_email: &'a str,
    pub display_name: &'a str,
    pub sign_in: &'a str,
    pub language: Language,
}

impl<'a> Recipient<'a> {
    /// A person with a contact address, in the language of their preferences.
    pub fn of(person: &'a UserRow) -> Option<Self> {
        Some(Self {
            contact_email: person.contact_email.as_deref()?,
            display_name: &person.display_name,
            sign_in: &person.sign_in,
            language: Preferences::read(&person.preferences).language,
        })
    }
}

/// `template` rendered for `to` with `values` (their name and sign-in address are added).
fn message(to: &Recipient<'_>, template: Template, values: &[(&str, &str)]) -> Message {
    let mut all: Vec<(&str, &str)> = vec![("name", to.display_name), ("sign_in", to.sign_in)];
    all.extend_from_slice(values);
    to_address(to.contact_email, to.language, template, &all)
}

fn to_address(to: &str, language: Language, template: Template, values: &[(&str, &str)]) -> Message {
    let rendered = templates::render(template, language, values);
    Message {
        to: to.to_owned(),
        subject: rendered.subject,
        body: rendered.text,
        html: Some(rendered.html),
        language: language.as_str().to_owned(),
        carries_secret: false,
    }
}

/// The roles in words, in the reader's language (`administrateur général`, not `global_admin`).
fn role_names(language: Language, roles: &RoleSet) -> String {
    roles.iter().map(|role| phrase(language, &format!("role_{}", role.as_str()), &[])).collect::<Vec<_>>().join(", ")
}

/// A new account's sign-in details, with the temporary password to change at first sign-in.
pub fn account_created(to: &Recipient<'_>, temporary_password: &str, roles: &RoleSet, public_url: &str) -> Message {
    let role_line = if roles.is_admin() {
        phrase(to.language, "designated_admin", &[("roles", &role_names(to.language, roles))])
    } else {
        String::new()
    };
    let values = [("temporary_password", temporary_password), ("role_line", role_line.as_str()), ("url", public_url)];
    message(to, Template::AccountCreated, &values).carrying_secret()
}

/// An existing person was designated administrator.
pub fn roles_designated(to: &Recipient<'_>, roles: &RoleSet, public_url: &str) -> Message {
    message(to, Template::RolesDesignated, &[("roles", &role_names(to.language, roles)), ("url", public_url)])
}

/// A password reset by an administrator: a temporary password to change at next sign-in.
pub fn password_reset(to: &Recipient<'_>, temporary_password: &str, public_url: &str) -> Message {
    message(to, Template::PasswordReset, &[("temporary_password", temporary_password), ("url", public_url)])
        .carrying_secret()
}

/// The service is ready: sent to each global admin when a subscription's provisioning ends.
pub fn welcome_to_service(to: &Recipient<'_>, plan_code: &str, active_seats: i64, public_url: &str) -> Message {
    let seats = active_seats.to_string();
    message(to, Template::WelcomeToService, &[("plan", plan_code), ("seats", &seats), ("url", public_url)])
}

/// A partner admin or agent's account, with the temporary password to change at first sign-in.
pub fn partner_account_created(
    to: &Recipient<'_>,
    temporary_password: &str,
    role: PartnerRole,
    public_url: &str,
) -> Message {
    let role = match role {
        PartnerRole::Admin => phrase(to.language, "partner_admin", &[]),
        PartnerRole::Agent => phrase(to.language, "partner_agent", &[]),
    };
    let values = [("temporary_password", temporary_password), ("role", role.as_str()), ("url", public_url)];
    message(to, Template::PartnerAccountCreated, &values).carrying_secret()
}

/// A partner's admins learn that a customer accepted their offer.
pub fn relationship_accepted(to: &Recipient<'_>, customer: &str, access: DelegatedAccess, public_url: &str) -> Message {
    let access = match access {
        DelegatedAccess::Full => phrase(to.language, "access_full", &[]),
        DelegatedAccess::Limited => phrase(to.language, "access_limited", &[]),
    };
    message(to, Template::RelationshipAccepted, &[("customer", customer), ("access", &access), ("url", public_url)])
}

/// The other side learns that a relationship ended.
pub fn relationship_ended(to: &Recipient<'_>, customer: &str, partner: &str, public_url: &str) -> Message {
    message(to, Template::RelationshipEnded, &[("customer", customer), ("partner", partner), ("url", public_url)])
}

/// A customer's admin learns what a partner created or granted through a relationship that
/// ended: one line per account.
pub fn relationship_left_behind(
    to: &Recipient<'_>,
    customer: &str,
    partner: &str,
    grants: &[tenantry_persistence::users::DelegatedGrant],
    tenant_id: &str,
    relationship_id: &str,
    public_url: &str,
) -> Message {
    let lines: Vec<String> = grants
        .iter()
        .map(|grant| {
            let mut what = Vec::new();
            if grant.account_created {
                what.push(phrase(to.language, "left_created", &[]));
            }
            if grant.roles_granted.is_admin() {
                let roles = role_names(to.language, &grant.roles_granted);
                what.push(phrase(to.language, "left_roles", &[("roles", &roles)]));
            }
            format!("- {} <{}>: {}", grant.user.display_name, grant.user.sign_in, what.join("; "))
        })
        .collect();
    let accounts = lines.join("\n");
    message(
        to,
        Template::RelationshipLeftBehind,
        &[
            ("customer", customer),
            ("partner", partner),
            ("accounts", &accounts),
            ("tenant_id", tenant_id),
            ("relationship_id", relationship_id),
            ("url", public_url),
        ],
    )
}

/// What happened to a service request.
#[derive(Debug, Clone, Copy)]
pub enum WhatChanged<'a> {
    /// Its status moved to this one (`in_progress`, `resolved`, ...).
    Status(&'a str),
    /// Support re-graded it to this severity.
    Regraded(&'a str),
}

/// A service request changed: its status, or its severity.
pub fn service_request_changed(
    to: &Recipient<'_>,
    title: &str,
    id: &str,
    change: WhatChanged<'_>,
    public_url: &str,
) -> Message {
    let change = match change {
        WhatChanged::Status(status) => phrase(to.language, &format!("status_{status}"), &[]),
        WhatChanged::Regraded(severity) => phrase(to.language, "regraded", &[("severity", severity)]),
    };
    message(
        to,
        Template::ServiceRequestChanged,
        &[("title", title), ("id", id), ("change", &change), ("url", public_url)],
    )
}

/// A bought domain is active: sent to the tenant's global admins.
pub fn domain_active(to: &Recipient<'_>, domain: &str, public_url: &str) -> Message {
    message(to, Template::DomainActive, &[("domain", domain), ("url", public_url)])
}

/// The confirmation code of a self-service sign-up.
pub fn signup_code(
    to: &str,
    language: Language,
    greeting_name: Option<&str>,
    code: &str,
    signup_id: &str,
    public_url: &str,
) -> Message {
    let greeting = match greeting_name {
        Some(name) => phrase(language, "greeting_named", &[("name", name)]),
        None => phrase(language, "greeting", &[]),
    };
    let values =
        [("greeting", greeting.as_str()), ("email", to), ("code", code), ("signup_id", signup_id), ("url", public_url)];
    to_address(to, language, Template::SignupCode, &values).carrying_secret()
}

/// A sign-up for an address that already has an account: only its owner learns it.
pub fn signup_account_exists(to: &str, language: Language, public_url: &str) -> Message {
    to_address(to, language, Template::SignupAccountExists, &[("email", to), ("url", public_url)])
}

/// Everyone who signed up learns that their organisation is managed now.
pub fn takeover_completed(to: &Recipient<'_>, domain: &str, admin: &str, plan_name: &str, public_url: &str) -> Message {
    message(
        to,
        Template::TakeoverCompleted,
        &[("domain", domain), ("admin", admin), ("plan", plan_name), ("url", public_url)],
    )
}

/// A webhook endpoint that failed every delivery for days was switched off.
pub fn webhook_disabled(to: &Recipient<'_>, endpoint_url: &str, public_url: &str) -> Message {
    message(to, Template::WebhookDisabled, &[("endpoint", endpoint_url), ("url", public_url)])
}
