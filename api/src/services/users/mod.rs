//! People in a tenant: created, edited and removed by administrators; roles designated by the
//! cloud manager or a global admin; passwords reset according to the permission matrix.

use std::collections::HashMap;
use tenantry_domain::{TenantId, UserId};

use tenantry_domain::audit::AuditAction;
use tenantry_domain::license::License;
use tenantry_domain::partner;
use tenantry_domain::permissions::{Action, Target};
use tenantry_domain::roles;
use tenantry_domain::user::{self, DisplayName, UserKind};
use tenantry_domain::DomainName;
use tenantry_domain::{EmailAddress, Password, RoleSet};
use tenantry_persistence::users::{self, NewUser, ProfileChanges};
use tenantry_persistence::{domains, DbConnection, StoreError};
use tenantry_persistence::{recent_users, seats, subscriptions};

mod designation;
mod password_reset;
mod person;

pub use designation::set_roles;
pub use password_reset::reset_password;
pub use person::{load, other_global_admins, SignInTaken, UserError};

use person::{check_sign_in_domain, find, lock_tenant, role_names, Person};

use crate::app::state::AppState;
use crate::app::unit_of_work::Subject;
use crate::auth::passwords;
use crate::http::caller::SignedIn;
use crate::http::etag::{IfMatch, PreconditionFailed};
use crate::http::pagination::PageRequest;
use crate::runtime::ids::new_id;
use crate::services::lookup::require_tenant;
use crate::services::messages::{self, Recipient};
use crate::views::user::User;
use crate::views::{Page, Versioned};

/// How a new person's sign-in address is given.
pub enum NewSignIn {
    Address(EmailAddress),
    /// The part before `@`; the domain is the tenant's default domain.
    UserName(String),
}

impl NewSignIn {
    /// The part before `@`, which a chosen password must not repeat.
    pub fn local_part(&self) -> &str {
        match self {
            NewSignIn::Address(address) => address.local_part(),
            NewSignIn::UserName(name) => name,
        }
    }
}

pub struct NewUserInput {
    pub display_name: DisplayName,
    pub sign_in: NewSignIn,
    pub contact_email: Option<EmailAddress>,
    pub roles: RoleSet,
    /// A password chosen by the administrator; without one a temporary password is sent.
    pub password: Option<Password>,
}

/// `user_name@<the tenant's default domain>`.
fn at_default_domain(conn: &mut DbConnection, tenant_id: &str, user_name: &str) -> Result<EmailAddress, UserError> {
    let default = domains::default_domain(conn, tenant_id)?
        .ok_or_else(|| StoreError::Corrupt(format!("tenant {tenant_id} has no default domain")))?;
    let domain =
        DomainName::parse(&default).map_err(|e| StoreError::Corrupt(format!("default domain {default}: {e}")))?;
    EmailAddress::in_domain(user_name, &domain).map_err(|e| UserError::InvalidSignIn(e.to_string()))
}

/// Creates a person. Creating one with admin roles is designating an administrator (the cloud
/// manager may do that); creating a plain user is user management (global admins).
pub async fn create(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: TenantId,
    input: NewUserInput,
) -> Result<Versioned<User>, UserError> {
    let action = if input.roles.is_admin() { Action::DesignateAdmins } else { Action::ManageUsers };
    let permit = caller.authorize(&tenant_id, action, Target::Tenant)?;
    caller.granting_in(&tenant_id)?.check(false, &RoleSet::default(), &input.roles)?;
    // A partner's account is marked with the relationship it came through, and so are its roles.
    let relationship = caller.delegation_in(&tenant_id).map(|delegation| delegation.relationship_id.clone());
    user::check_new_person(&input.roles, input.contact_email.is_some(), input.password.is_some())?;
    let (secret, temporary) = match &input.password {
        Some(password) => (password.expose().to_owned(), None),
        None => {
            let temporary = passwords::temporary();
            (temporary.clone(), Some(temporary))
        }
    };
    let hash = state.hasher.hash(secret).await?;
    state
        .transact(&permit, move |tx| {
            // Serialised with a domain being removed: its check counts the addresses in it.
            lock_tenant(tx.conn(), &tenant_id)?;
            let address = match &input.sign_in {
                NewSignIn::Address(address) => address.clone(),
                NewSignIn::UserName(name) => at_default_domain(tx.conn(), &tenant_id, name)?,
            };
            check_sign_in_domain(tx.conn(), &tenant_id, &address)?;
            let id = new_id();
            let sign_in = address.to_string();
            let contact = input.contact_email.as_ref().map(ToString::to_string);
            let person = NewUser {
                id: &id,
                tenant_id: Some(&tenant_id),
                kind: UserKind::Member.as_str(),
                sign_in: &sign_in,
                display_name: input.display_name.as_str(),
                contact_email: contact.as_deref(),
                password_hash: &hash,
                must_change_password: temporary.is_some(),
                created_at: tx.stamp(),
                updated_at: tx.stamp(),
                partner_id: None,
                partner_role: None,
                temporary_password_expires_at: temporary.is_some().then(|| tx.temporary_password_until()),
                created_by_relationship: relationship.as_deref(),
            };
            users::insert(tx.conn(), &person).map_err(SignInTaken::or_store::<UserError>(&sign_in))?;
            users::replace_roles(tx.conn(), &tenant_id, &id, &input.roles, relationship.as_deref())?;
            if let Some(contact) = contact.as_deref() {
                // A new person has chosen no language yet: the market's.
                let to = Recipient {
                    contact_email: contact,
                    display_name: input.display_name.as_str(),
                    sign_in: &sign_in,
                    language: Default::default(),
                };
                let message = match temporary.as_deref() {
                    Some(temporary) => Some(messages::account_created(&to, temporary, &input.roles, tx.public_url())),
                    None if input.roles.is_admin() => {
                        Some(messages::roles_designated(&to, &input.roles, tx.public_url()))
                    }
                    None => None,
                };
                if let Some(message) = message {
                    tx.send(message)?;
                }
            }
            tx.audit(
                AuditAction::UserCreated,
                Subject::in_tenant(&tenant_id, &id),
                serde_json::json!({"sign_in": sign_in, "roles": role_names(&input.roles)}),
            )?;
            load(tx, &tenant_id, &id)
        })
        .await
}

pub async fn list(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: TenantId,
    search: Option<String>,
    page: PageRequest,
) -> Result<Page<User>, UserError> {
    let permit = caller.authorize(&tenant_id, Action::ReadTenant, Target::Tenant)?;
    state
        .read(&permit, move |conn, catalogue| {
            let search = search.map(|q| q.trim().to_lowercase()).filter(|q| !q.is_empty());
            let rows =
                users::list_in_tenant(conn, &tenant_id, search.as_deref(), page.after.as_deref(), page.fetch_limit())?;
            // People found prove the tenant exists; only an empty page needs to ask (one round
            // trip fewer for every page that has someone on it).
            if rows.is_empty() {
                require_tenant::<UserError>(conn, &tenant_id)?;
            }
            let (rows, next_cursor) = page.finish(rows, |row| row.id.as_str());
            let ids: Vec<String> = rows.iter().map(|row| row.id.clone()).collect();
            let mut roles = users::roles_of_many(conn, &ids)?;
            let mut licenses: HashMap<String, Vec<License>> = HashMap::new();
            for assignment in subscriptions::assignments_of(conn, &ids)? {
                licenses.entry(assignment.user_id.clone()).or_default().push(assignment.license());
            }
            let items = rows
                .into_iter()
                .map(|row| {
                    // Absent from the maps means none: no roles, no licenses.
                    let person = Person {
                        roles: roles.remove(&row.id).unwrap_or_default(),
                        licenses: licenses.remove(&row.id).unwrap_or_default(),
                        row,
                    };
                    User::new(&person.row, &person.roles, &person.licenses, catalogue)
                })
                .collect::<Result<_, _>>()?;
            Ok(Page { items, next_cursor })
        })
        .await
}

pub async fn get(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: TenantId,
    user_id: UserId,
) -> Result<Versioned<User>, UserError> {
    let permit = caller.ensure_visible(&tenant_id)?;
    let reader = caller.clone();
    let (tenant, person) = (tenant_id.clone(), user_id.clone());
    let found = state
        .read(&permit, move |conn, catalogue| {
            require_tenant::<UserError>(conn, &tenant)?;
            let person = find::<UserError>(conn, &tenant, &person)?;
            let target = Target::Person { is_caller: person.row.id == reader.user_id, roles: &person.roles };
            reader.authorize(&tenant, Action::ReadTenant, target)?;
            Ok::<_, UserError>(person.view(catalogue)?)
        })
        .await?;
    // Remembered for the person's "recently opened" list (the partner app's users screen). A
    // convenience: failing to remember (a race with the same person opened twice at once) must
    // not fail the read.
    if !caller.is_api_client() && caller.user_id != user_id {
        let viewer = caller.user_id.clone();
        let remembered = state
            .transact(&permit, move |tx| {
                let now = tx.stamp();
                recent_users::record_view(tx.conn(), &viewer, &user_id, &tenant_id, now)
            })
            .await;
        if let Err(error) = remembered {
            log::info!("a recently opened person was not remembered: {error}");
        }
    }
    Ok(found)
}

/// Profile changes; `contact_email: Some(None)` removes the contact email.
pub struct UserChanges {
    pub display_name: Option<DisplayName>,
    pub contact_email: Option<Option<EmailAddress>>,
    pub sign_in: Option<EmailAddress>,
    /// `Some(false)` disables the person, `Some(true)` enables them again.
    pub account_enabled: Option<bool>,
}

pub async fn update(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: TenantId,
    user_id: UserId,
    changes: UserChanges,
    if_match: IfMatch,
) -> Result<Versioned<User>, UserError> {
    let permit = caller.authorize(&tenant_id, Action::ManageUsers, Target::Tenant)?;
    let relationship = caller.delegation_in(&tenant_id).map(|delegation| delegation.relationship_id.clone());
    let granting = caller.granting_in(&tenant_id)?;
    let caller_id = caller.user_id.clone();
    state
        .transact(&permit, move |tx| {
            // Serialised with other changes of the tenant's people: two admins disabling each
            // other at once must not leave nobody.
            lock_tenant(tx.conn(), &tenant_id)?;
            let current = find::<UserError>(tx.conn(), &tenant_id, &user_id)?;
            // Only a change of state counts: enabling someone enabled changes nothing.
            let enabling = changes.account_enabled.filter(|enabled| *enabled != current.row.disabled_at.is_none());
            if let Some(relationship) = relationship.as_deref() {
                partner::check_delegated_change_of(&current.roles)?;
                let own_account = current.row.created_by_relationship.as_deref() == Some(relationship);
                let touches_access = changes.sign_in.is_some() || changes.contact_email.is_some();
                partner::check_delegated_profile_change(own_account, touches_access, enabling.is_some())?;
            }
            if_match.check(current.row.version)?;
            if let Some(sign_in) = &changes.sign_in {
                // The tenant is locked above: serialised with a domain being removed.
                check_sign_in_domain(tx.conn(), &tenant_id, sign_in)?;
            }
            if matches!(changes.contact_email, Some(None)) {
                roles::check_contact_email_removal(&current.roles)?;
            }
            let sign_in = changes.sign_in.as_ref().map(ToString::to_string);
            let contact = changes.contact_email.as_ref().map(|c| c.as_ref().map(ToString::to_string));
            let profile = ProfileChanges {
                display_name: changes.display_name.as_ref().map(DisplayName::as_str),
                contact_email: contact.as_ref().map(Option::as_deref),
                sign_in: sign_in.as_deref(),
            };
            match enabling {
                Some(false) => {
                    let others = other_global_admins(tx, &tenant_id, &user_id)?;
                    user::check_disabling(user_id == caller_id, &current.roles, others)?;
                }
                // Enabling gives the person's roles back: only someone who could grant them.
                Some(true) => granting.check(user_id == caller_id, &RoleSet::default(), &current.roles)?,
                None => {}
            }
            let fields: Vec<&str> = [
                profile.display_name.map(|_| "display_name"),
                profile.contact_email.map(|_| "contact_email"),
                profile.sign_in.map(|_| "sign_in"),
            ]
            .into_iter()
            .flatten()
            .collect();
            if fields.is_empty() && enabling.is_none() {
                return Ok(current.view(tx.catalogue())?);
            }
            let stamp = tx.stamp();
            let mut version = current.row.version;
            if !fields.is_empty() {
                let taken = SignInTaken::or_store::<UserError>(sign_in.as_deref().unwrap_or(&current.row.sign_in));
                if !users::update_profile(tx.conn(), &user_id, &profile, version, stamp).map_err(taken)? {
                    return Err(PreconditionFailed.into());
                }
                version += 1;
                tx.audit(
                    AuditAction::UserUpdated,
                    Subject::in_tenant(&tenant_id, &user_id),
                    serde_json::json!({"fields": fields}),
                )?;
            }
            if let Some(enabled) = enabling {
                let disabled_at = (!enabled).then_some(stamp);
                if !users::set_disabled(tx.conn(), &user_id, disabled_at, version, stamp)? {
                    return Err(PreconditionFailed.into());
                }
                let action = if enabled { AuditAction::UserEnabled } else { AuditAction::UserDisabled };
                tx.audit(
                    action,
                    Subject::in_tenant(&tenant_id, &user_id),
                    serde_json::json!({"sign_in": current.row.sign_in}),
                )?;
            }
            load(tx, &tenant_id, &user_id)
        })
        .await
}

pub async fn delete(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: TenantId,
    user_id: UserId,
    if_match: IfMatch,
) -> Result<(), UserError> {
    let permit = caller.authorize(&tenant_id, Action::ManageUsers, Target::Tenant)?;
    let delegated = caller.delegation_in(&tenant_id).is_some();
    state
        .transact(&permit, move |tx| {
            lock_tenant(tx.conn(), &tenant_id)?;
            let current = find::<UserError>(tx.conn(), &tenant_id, &user_id)?;
            if delegated {
                partner::check_delegated_change_of(&current.roles)?;
            }
            if_match.check(current.row.version)?;
            let others = other_global_admins(tx, &tenant_id, &user_id)?;
            roles::check_removal(&current.roles, others)?;
            // Their licenses go back to the pools they came from. Only a license this
            // transaction actually removed frees a seat: one removed by a concurrent request
            // has already given its seat back.
            let stamp = tx.stamp();
            for license in &current.licenses {
                seats::take_back(tx.conn(), &license.subscription_id, &user_id, stamp)
                    .map_err(|e| e.unexpected(&format!("giving back the seat of {}", license.subscription_id)))?;
            }
            if !users::delete(tx.conn(), &user_id, if_match.guard(current.row.version))? {
                return Err(PreconditionFailed.into());
            }
            let released: Vec<&str> = current.licenses.iter().map(|l| l.subscription_id.as_str()).collect();
            tx.audit(
                AuditAction::UserDeleted,
                Subject::in_tenant(&tenant_id, &user_id),
                serde_json::json!({"sign_in": current.row.sign_in, "licences_released": released}),
            )?;
            Ok(())
        })
        .await
}
