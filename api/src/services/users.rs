//! People in a tenant: created, edited and removed by administrators; roles designated by the
//! cloud manager or a global admin; passwords reset according to the permission matrix.

use std::collections::HashMap;
use tenantry_domain::permissions::{self, Action, Target};
use tenantry_domain::roles::{self, RoleChange};
use tenantry_domain::user::DisplayName;
use tenantry_domain::{AdminRole, EmailAddress, Password, RoleSet};
use tenantry_persistence::users::{self, NewUser, ProfileChanges, UserRow, KIND_MEMBER};

use tenantry_persistence::subscriptions::{self, AssignmentRow};
use tenantry_persistence::{tenants, time, DbConnection, StoreError};

use super::audit::{self, Actor, Change};
use super::messages::{self, Recipient};
use crate::auth::{passwords, SignedIn};
use crate::etag::IfMatch;
use crate::pagination::PageRequest;
use crate::problem::{ApiError, ErrorCode};
use crate::state::AppState;

/// A person with their roles and licences.
pub struct UserRecord {
    pub row: UserRow,
    pub roles: Vec<String>,
    pub licences: Vec<AssignmentRow>,
}

impl UserRecord {
    pub fn role_set(&self) -> Result<RoleSet, ApiError> {
        role_set(&self.roles)
    }
}

fn role_set(roles: &[String]) -> Result<RoleSet, ApiError> {
    let parsed = roles
        .iter()
        .map(|role| role.parse::<AdminRole>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(ApiError::internal)?;
    Ok(RoleSet::new(parsed))
}

/// A member of `tenant_id`, or 404: people of other tenants do not exist from here.
pub fn load(conn: &mut DbConnection, tenant_id: &str, user_id: &str) -> Result<UserRecord, ApiError> {
    let row = users::find_in_tenant(conn, tenant_id, user_id)?.ok_or_else(|| ApiError::not_found("user"))?;
    let roles = users::roles_of(conn, user_id)?;
    let licences = subscriptions::assignments_of(conn, &[user_id.to_owned()])?;
    Ok(UserRecord { row, roles, licences })
}

/// Operators see every tenant, so for them a missing tenant must still be a 404.
fn ensure_tenant(conn: &mut DbConnection, tenant_id: &str) -> Result<(), ApiError> {
    tenants::find(conn, tenant_id)?.map(|_| ()).ok_or_else(|| ApiError::not_found("tenant"))
}

/// Like [`ensure_tenant`], and holds the tenant's lock until commit: for changes whose rules
/// count the tenant's admins, so two of them cannot both pass the count.
fn lock_tenant(conn: &mut DbConnection, tenant_id: &str) -> Result<(), ApiError> {
    if tenants::lock(conn, tenant_id)? {
        Ok(())
    } else {
        Err(ApiError::not_found("tenant"))
    }
}

fn sign_in_taken(sign_in: &str) -> impl Fn(StoreError) -> ApiError + '_ {
    move |e| match e {
        StoreError::UniqueViolation { .. } => {
            ApiError::new(ErrorCode::SignInTaken, format!("the sign-in address {sign_in} is taken"))
        }
        other => other.into(),
    }
}

/// A sign-in address must be in one of the tenant's verified domains.
fn check_sign_in_domain(conn: &mut DbConnection, tenant_id: &str, sign_in: &EmailAddress) -> Result<(), ApiError> {
    if tenants::has_verified_domain(conn, tenant_id, sign_in.domain().as_str())? {
        return Ok(());
    }
    let domains = tenants::verified_domains(conn, tenant_id)?;
    Err(ApiError::new(
        ErrorCode::DomainNotVerified,
        format!("{} is not a verified domain of this tenant", sign_in.domain()),
    )
    .with_context(serde_json::json!({ "verified_domains": domains })))
}

fn user_audit<'a>(tenant_id: &'a str, action: &'a str, user_id: &'a str, details: serde_json::Value) -> Change<'a> {
    Change { tenant_id: Some(tenant_id), action, target_type: "user", target_id: user_id, details }
}

fn role_names(roles: &RoleSet) -> Vec<&'static str> {
    roles.iter().map(AdminRole::as_str).collect()
}

pub struct NewUserInput {
    pub display_name: DisplayName,
    pub sign_in: EmailAddress,
    pub contact_email: Option<EmailAddress>,
    pub roles: RoleSet,
    /// A password chosen by the administrator; without one a temporary password is sent.
    pub password: Option<Password>,
}

/// Creates a person. Creating one with admin roles is designating an administrator (the cloud
/// manager may do that); creating a plain user is user management (global admins).
pub async fn create(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: String,
    input: NewUserInput,
) -> Result<UserRecord, ApiError> {
    let action = if input.roles.is_admin() { Action::DesignateAdmins } else { Action::ManageUsers };
    caller.authorize(&tenant_id, action, Target::Tenant)?;
    if input.roles.is_admin() && input.contact_email.is_none() {
        return Err(ApiError::new(
            ErrorCode::ContactEmailRequired,
            "an administrator needs a personal contact email to receive their sign-in details",
        ));
    }
    if input.password.is_none() && input.contact_email.is_none() {
        return Err(ApiError::new(
            ErrorCode::ContactEmailRequired,
            "give a password or a contact email where a temporary password can be sent",
        ));
    }
    let temporary = input.password.is_none().then(passwords::temporary);
    let hash = {
        let secret =
            input.password.as_ref().map_or_else(|| temporary.clone().unwrap_or_default(), |p| p.expose().to_owned());
        state.hasher.hash(secret).await?
    };
    let actor = Actor::from(caller);
    let config = state.config.clone();
    state
        .write(move |conn| {
            let now = super::now();
            ensure_tenant(conn, &tenant_id)?;
            check_sign_in_domain(conn, &tenant_id, &input.sign_in)?;
            let id = super::new_id();
            let sign_in = input.sign_in.to_string();
            let contact = input.contact_email.as_ref().map(ToString::to_string);
            users::insert(
                conn,
                &NewUser {
                    id: &id,
                    tenant_id: Some(&tenant_id),
                    kind: KIND_MEMBER,
                    sign_in: &sign_in,
                    display_name: input.display_name.as_str(),
                    contact_email: contact.as_deref(),
                    password_hash: &hash,
                    must_change_password: temporary.is_some(),
                    created_at: time::to_db(now),
                    updated_at: time::to_db(now),
                },
            )
            .map_err(sign_in_taken(&sign_in))?;
            let roles = role_names(&input.roles);
            users::replace_roles(conn, &tenant_id, &id, &roles)?;
            if let Some(contact) = contact.as_deref() {
                let recipient =
                    Recipient { contact_email: contact, display_name: input.display_name.as_str(), sign_in: &sign_in };
                match temporary.as_deref() {
                    Some(temporary) => messages::account_created(conn, &config, &recipient, temporary, &roles, now)?,
                    None if !roles.is_empty() => messages::roles_designated(conn, &config, &recipient, &roles, now)?,
                    None => {}
                }
            }
            audit::record(
                conn,
                &actor,
                user_audit(&tenant_id, "user.created", &id, serde_json::json!({"sign_in": sign_in, "roles": roles})),
                now,
            )?;
            load(conn, &tenant_id, &id)
        })
        .await
}

pub async fn list(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: String,
    search: Option<String>,
    page: PageRequest,
) -> Result<(Vec<UserRecord>, Option<String>), ApiError> {
    caller.authorize(&tenant_id, Action::ReadTenant, Target::Tenant)?;
    state
        .read(move |conn| {
            ensure_tenant(conn, &tenant_id)?;
            let search = search.map(|q| q.trim().to_lowercase()).filter(|q| !q.is_empty());
            let rows =
                users::list_in_tenant(conn, &tenant_id, search.as_deref(), page.after.as_deref(), page.fetch_limit())?;
            let (rows, next) = page.finish(rows, |row| row.id.as_str());
            let ids: Vec<String> = rows.iter().map(|row| row.id.clone()).collect();
            let mut roles = users::roles_of_many(conn, &ids)?;
            let mut licences: HashMap<String, Vec<AssignmentRow>> = HashMap::new();
            for licence in subscriptions::assignments_of(conn, &ids)? {
                licences.entry(licence.user_id.clone()).or_default().push(licence);
            }
            let records = rows
                .into_iter()
                .map(|row| UserRecord {
                    roles: roles.remove(&row.id).unwrap_or_default(),
                    licences: licences.remove(&row.id).unwrap_or_default(),
                    row,
                })
                .collect();
            Ok((records, next))
        })
        .await
}

pub async fn get(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: String,
    user_id: String,
) -> Result<UserRecord, ApiError> {
    caller.ensure_visible(&tenant_id)?;
    let caller = caller.clone();
    state
        .read(move |conn| {
            ensure_tenant(conn, &tenant_id)?;
            let record = load(conn, &tenant_id, &user_id)?;
            let roles = record.role_set()?;
            let target = Target::Person { is_caller: record.row.id == caller.user_id, roles: &roles };
            caller.authorize(&tenant_id, Action::ReadTenant, target)?;
            Ok(record)
        })
        .await
}

/// Profile changes; `contact_email: Some(None)` removes the contact email.
pub struct UserChanges {
    pub display_name: Option<DisplayName>,
    pub contact_email: Option<Option<EmailAddress>>,
    pub sign_in: Option<EmailAddress>,
}

pub async fn update(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: String,
    user_id: String,
    changes: UserChanges,
    if_match: IfMatch,
) -> Result<UserRecord, ApiError> {
    caller.authorize(&tenant_id, Action::ManageUsers, Target::Tenant)?;
    let actor = Actor::from(caller);
    state
        .write(move |conn| {
            let now = super::now();
            ensure_tenant(conn, &tenant_id)?;
            let current = load(conn, &tenant_id, &user_id)?;
            if_match.check(current.row.version)?;
            if let Some(sign_in) = &changes.sign_in {
                check_sign_in_domain(conn, &tenant_id, sign_in)?;
            }
            if matches!(changes.contact_email, Some(None)) && current.role_set()?.is_admin() {
                return Err(ApiError::new(
                    ErrorCode::ContactEmailRequired,
                    "an administrator must keep a personal contact email; remove their roles first",
                ));
            }
            let sign_in = changes.sign_in.as_ref().map(ToString::to_string);
            let contact = changes.contact_email.as_ref().map(|c| c.as_ref().map(ToString::to_string));
            let profile = ProfileChanges {
                display_name: changes.display_name.as_ref().map(DisplayName::as_str),
                contact_email: contact.as_ref().map(Option::as_deref),
                sign_in: sign_in.as_deref(),
            };
            let nothing_to_change =
                profile.display_name.is_none() && profile.contact_email.is_none() && profile.sign_in.is_none();
            if nothing_to_change {
                return Ok(current);
            }
            let updated = users::update_profile(conn, &user_id, &profile, current.row.version, time::to_db(now))
                .map_err(sign_in_taken(sign_in.as_deref().unwrap_or("")))?;
            if !updated {
                return Err(ApiError::precondition_failed());
            }
            let fields: Vec<&str> = [
                profile.display_name.map(|_| "display_name"),
                profile.contact_email.map(|_| "contact_email"),
                profile.sign_in.map(|_| "sign_in"),
            ]
            .into_iter()
            .flatten()
            .collect();
            audit::record(
                conn,
                &actor,
                user_audit(&tenant_id, "user.updated", &user_id, serde_json::json!({"fields": fields})),
                now,
            )?;
            load(conn, &tenant_id, &user_id)
        })
        .await
}

pub async fn delete(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: String,
    user_id: String,
    if_match: IfMatch,
) -> Result<(), ApiError> {
    caller.authorize(&tenant_id, Action::ManageUsers, Target::Tenant)?;
    let actor = Actor::from(caller);
    state
        .write(move |conn| {
            let now = super::now();
            lock_tenant(conn, &tenant_id)?;
            let current = load(conn, &tenant_id, &user_id)?;
            if_match.check(current.row.version)?;
            let others = users::count_with_role_except(conn, &tenant_id, AdminRole::GlobalAdmin.as_str(), &user_id)?;
            roles::check_removal(&current.role_set()?, others)
                .map_err(|e| ApiError::new(ErrorCode::LastGlobalAdmin, e.to_string()))?;
            // Their licences go back to the pools they came from.
            // Only a licence this transaction actually removed frees a seat: one removed by a
            // concurrent request has already given its seat back.
            for licence in &current.licences {
                if subscriptions::delete_assignment(conn, &licence.subscription_id, &user_id)?
                    && !subscriptions::release_seat(conn, &licence.subscription_id, time::to_db(now))?
                {
                    return Err(ApiError::internal(format!(
                        "pool {} counted no seat for a licence",
                        licence.subscription_id
                    )));
                }
            }
            if !users::delete(conn, &user_id, if_match.guard(current.row.version))? {
                return Err(ApiError::precondition_failed());
            }
            audit::record(
                conn,
                &actor,
                user_audit(
                    &tenant_id,
                    "user.deleted",
                    &user_id,
                    serde_json::json!({
                        "sign_in": current.row.sign_in,
                        "licences_released": current.licences.iter().map(|l| &l.subscription_id).collect::<Vec<_>>(),
                    }),
                ),
                now,
            )?;
            Ok(())
        })
        .await
}

/// Replaces a person's admin roles. Newly designated admins are told by message.
pub async fn set_roles(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: String,
    user_id: String,
    roles: RoleSet,
    if_match: IfMatch,
) -> Result<UserRecord, ApiError> {
    caller.authorize(&tenant_id, Action::DesignateAdmins, Target::Tenant)?;
    let actor = Actor::from(caller);
    let config = state.config.clone();
    state
        .write(move |conn| {
            let now = super::now();
            lock_tenant(conn, &tenant_id)?;
            let current = load(conn, &tenant_id, &user_id)?;
            if_match.check(current.row.version)?;
            let before = current.role_set()?;
            let others = users::count_with_role_except(conn, &tenant_id, AdminRole::GlobalAdmin.as_str(), &user_id)?;
            let change = RoleChange {
                before: &before,
                after: &roles,
                has_contact_email: current.row.contact_email.is_some(),
                other_global_admins: others,
            };
            let added = change.decide().map_err(|e| match e {
                roles::RoleChangeError::ContactEmailRequired => {
                    ApiError::new(ErrorCode::ContactEmailRequired, e.to_string())
                }
                roles::RoleChangeError::LastGlobalAdmin => ApiError::new(ErrorCode::LastGlobalAdmin, e.to_string()),
            })?;
            if before == roles {
                return Ok(current);
            }
            if !users::touch(conn, &user_id, current.row.version, time::to_db(now))? {
                return Err(ApiError::precondition_failed());
            }
            let names = role_names(&roles);
            users::replace_roles(conn, &tenant_id, &user_id, &names)?;
            if let (true, Some(contact)) = (added.is_admin(), current.row.contact_email.as_deref()) {
                let recipient = Recipient {
                    contact_email: contact,
                    display_name: &current.row.display_name,
                    sign_in: &current.row.sign_in,
                };
                messages::roles_designated(conn, &config, &recipient, &role_names(&added), now)?;
            }
            audit::record(
                conn,
                &actor,
                user_audit(
                    &tenant_id,
                    "user.roles_changed",
                    &user_id,
                    serde_json::json!({"from": role_names(&before), "to": names}),
                ),
                now,
            )?;
            load(conn, &tenant_id, &user_id)
        })
        .await
}

/// Sends a temporary password to the person's contact email; they choose a new one at next
/// sign-in. Returns the contact address, masked, for the administrator's confirmation.
pub async fn reset_password(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: String,
    user_id: String,
) -> Result<String, ApiError> {
    caller.ensure_visible(&tenant_id)?;
    let temporary = passwords::temporary();
    let hash = state.hasher.hash(temporary.clone()).await?;
    let actor = Actor::from(caller);
    let caller = caller.clone();
    let config = state.config.clone();
    state
        .write(move |conn| {
            let now = super::now();
            ensure_tenant(conn, &tenant_id)?;
            let target = load(conn, &tenant_id, &user_id)?;
            let target_roles = target.role_set()?;
            let action = permissions::password_reset_action(&target_roles);
            caller.authorize(
                &tenant_id,
                action,
                Target::Person { is_caller: target.row.id == caller.user_id, roles: &target_roles },
            )?;
            let Some(contact) = target.row.contact_email.clone() else {
                return Err(ApiError::new(
                    ErrorCode::ContactEmailRequired,
                    "this person has no contact email to send a temporary password to; add one first",
                ));
            };
            users::set_password(conn, &user_id, &hash, true, time::to_db(now))?;
            let recipient = Recipient {
                contact_email: &contact,
                display_name: &target.row.display_name,
                sign_in: &target.row.sign_in,
            };
            messages::password_reset(conn, &config, &recipient, &temporary, now)?;
            audit::record(
                conn,
                &actor,
                user_audit(&tenant_id, "user.password_reset", &user_id, serde_json::json!({})),
                now,
            )?;
            Ok(mask_email(&contact))
        })
        .await
}

/// `ada@contoso.fr` -> `a**@contoso.fr`: enough for an admin to recognise, not to harvest.
fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}{}@{domain}", "*".repeat(local.chars().count().saturating_sub(1).max(2)))
        }
        None => "***".to_owned(),
    }
}
