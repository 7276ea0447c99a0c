//! People in a tenant: created, edited and removed by administrators; roles designated by the
//! cloud manager or a global admin; passwords reset according to the permission matrix.

use std::collections::HashMap;

use tenantry_domain::audit::AuditAction;
use tenantry_domain::catalogue::Catalogue;
use tenantry_domain::licence::Licence;
use tenantry_domain::permissions::{self, Action, Target};
use tenantry_domain::roles::{self, RoleChange, RoleChangeError};
use tenantry_domain::user::{self, DisplayName, NewPersonError, PasswordResetError, UserKind};
use tenantry_domain::{AdminRole, EmailAddress, Password, RoleSet};
use tenantry_persistence::subscriptions;
use tenantry_persistence::tenants;
use tenantry_persistence::users::{self, NewUser, ProfileChanges, UserRow};
use tenantry_persistence::{DbConnection, StoreError};

use super::messages::{self, Recipient};
use super::{require_tenant, NotFound};
use crate::auth::hashing::HashingError;
use crate::auth::{passwords, AccessDenied, SignedIn};
use crate::etag::{IfMatch, PreconditionFailed};
use crate::ids::new_id;
use crate::pagination::PageRequest;
use crate::state::AppState;
use crate::unit_of_work::{Subject, Tx};
use crate::views::user::{PasswordResetResponse, User};
use crate::views::{Page, Versioned};

/// Why a use case about people did not happen.
#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error(transparent)]
    Access(#[from] AccessDenied),
    #[error(transparent)]
    NotFound(#[from] NotFound),
    #[error(transparent)]
    SignInTaken(#[from] SignInTaken),
    #[error("{domain} is not a verified domain of this tenant")]
    DomainNotVerified { domain: String, verified_domains: Vec<String> },
    #[error(transparent)]
    NewPerson(#[from] NewPersonError),
    #[error(transparent)]
    Roles(#[from] RoleChangeError),
    #[error(transparent)]
    PasswordReset(#[from] PasswordResetError),
    #[error(transparent)]
    Stale(#[from] PreconditionFailed),
    #[error(transparent)]
    Hashing(#[from] HashingError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A sign-in address someone else already has.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the sign-in address {0} is taken")]
pub struct SignInTaken(pub String);

impl SignInTaken {
    /// Reads a unique violation on inserting or renaming a person as this address being taken.
    pub fn or_store<E>(sign_in: &str) -> impl Fn(StoreError) -> E + '_
    where
        E: From<SignInTaken> + From<StoreError>,
    {
        move |error| match error {
            StoreError::UniqueViolation { .. } => SignInTaken(sign_in.to_owned()).into(),
            other => other.into(),
        }
    }
}

/// A person of the tenant, as stored, with their roles and licences.
struct Person {
    row: UserRow,
    roles: RoleSet,
    licences: Vec<Licence>,
}

impl Person {
    fn view(&self, catalogue: &Catalogue) -> Result<Versioned<User>, StoreError> {
        let view = User::new(&self.row, &self.roles, &self.licences, catalogue)?;
        Ok(Versioned { view, version: self.row.version })
    }

    fn recipient(&self) -> Option<Recipient<'_>> {
        Some(Recipient {
            contact_email: self.row.contact_email.as_deref()?,
            display_name: &self.row.display_name,
            sign_in: &self.row.sign_in,
        })
    }
}

/// A member of `tenant_id`, or 404: people of other tenants do not exist from here.
fn find<E>(conn: &mut DbConnection, tenant_id: &str, user_id: &str) -> Result<Person, E>
where
    E: From<NotFound> + From<StoreError>,
{
    let row = users::find_in_tenant(conn, tenant_id, user_id)?.ok_or(NotFound("user"))?;
    let roles = users::roles_of(conn, user_id)?;
    let licences = subscriptions::assignments_of(conn, &[user_id.to_owned()])?.iter().map(|a| a.licence()).collect();
    Ok(Person { row, roles, licences })
}

/// A member of `tenant_id` as clients see them, or 404.
pub fn load<E>(tx: &mut Tx<'_>, tenant_id: &str, user_id: &str) -> Result<Versioned<User>, E>
where
    E: From<NotFound> + From<StoreError>,
{
    let catalogue = tx.catalogue();
    Ok(find::<E>(tx.conn(), tenant_id, user_id)?.view(catalogue)?)
}

/// Like [`require_tenant`], and holds the tenant's lock until commit: for changes whose rules
/// count the tenant's admins, so two of them cannot both pass the count.
fn lock_tenant(conn: &mut DbConnection, tenant_id: &str) -> Result<(), UserError> {
    if tenants::lock(conn, tenant_id)? {
        Ok(())
    } else {
        Err(NotFound("tenant").into())
    }
}

/// A sign-in address must be in one of the tenant's verified domains.
fn check_sign_in_domain(conn: &mut DbConnection, tenant_id: &str, sign_in: &EmailAddress) -> Result<(), UserError> {
    if tenants::has_verified_domain(conn, tenant_id, sign_in.domain().as_str())? {
        return Ok(());
    }
    let verified_domains = tenants::verified_domains(conn, tenant_id)?;
    Err(UserError::DomainNotVerified { domain: sign_in.domain().to_string(), verified_domains })
}

fn role_names(roles: &RoleSet) -> Vec<&'static str> {
    roles.iter().map(AdminRole::as_str).collect()
}

fn other_global_admins(tx: &mut Tx<'_>, tenant_id: &str, user_id: &str) -> Result<u64, StoreError> {
    users::count_with_role_except(tx.conn(), tenant_id, AdminRole::GlobalAdmin, user_id)
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
) -> Result<Versioned<User>, UserError> {
    let action = if input.roles.is_admin() { Action::DesignateAdmins } else { Action::ManageUsers };
    caller.authorize(&tenant_id, action, Target::Tenant)?;
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
        .transact(caller.into(), move |tx| {
            require_tenant::<UserError>(tx.conn(), &tenant_id)?;
            check_sign_in_domain(tx.conn(), &tenant_id, &input.sign_in)?;
            let id = new_id();
            let sign_in = input.sign_in.to_string();
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
            };
            users::insert(tx.conn(), &person).map_err(SignInTaken::or_store::<UserError>(&sign_in))?;
            users::replace_roles(tx.conn(), &tenant_id, &id, &input.roles)?;
            if let Some(contact) = contact.as_deref() {
                let to =
                    Recipient { contact_email: contact, display_name: input.display_name.as_str(), sign_in: &sign_in };
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
    tenant_id: String,
    search: Option<String>,
    page: PageRequest,
) -> Result<Page<User>, UserError> {
    caller.authorize(&tenant_id, Action::ReadTenant, Target::Tenant)?;
    state
        .read(move |conn, catalogue| {
            require_tenant::<UserError>(conn, &tenant_id)?;
            let search = search.map(|q| q.trim().to_lowercase()).filter(|q| !q.is_empty());
            let rows =
                users::list_in_tenant(conn, &tenant_id, search.as_deref(), page.after.as_deref(), page.fetch_limit())?;
            let (rows, next_cursor) = page.finish(rows, |row| row.id.as_str());
            let ids: Vec<String> = rows.iter().map(|row| row.id.clone()).collect();
            let mut roles = users::roles_of_many(conn, &ids)?;
            let mut licences: HashMap<String, Vec<Licence>> = HashMap::new();
            for assignment in subscriptions::assignments_of(conn, &ids)? {
                licences.entry(assignment.user_id.clone()).or_default().push(assignment.licence());
            }
            let items = rows
                .into_iter()
                .map(|row| {
                    // Absent from the maps means none: no roles, no licences.
                    let person = Person {
                        roles: roles.remove(&row.id).unwrap_or_default(),
                        licences: licences.remove(&row.id).unwrap_or_default(),
                        row,
                    };
                    User::new(&person.row, &person.roles, &person.licences, catalogue)
                })
                .collect::<Result<_, _>>()?;
            Ok(Page { items, next_cursor })
        })
        .await
}

pub async fn get(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: String,
    user_id: String,
) -> Result<Versioned<User>, UserError> {
    caller.ensure_visible(&tenant_id)?;
    let caller = caller.clone();
    state
        .read(move |conn, catalogue| {
            require_tenant::<UserError>(conn, &tenant_id)?;
            let person = find::<UserError>(conn, &tenant_id, &user_id)?;
            let target = Target::Person { is_caller: person.row.id == caller.user_id, roles: &person.roles };
            caller.authorize(&tenant_id, Action::ReadTenant, target)?;
            Ok(person.view(catalogue)?)
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
) -> Result<Versioned<User>, UserError> {
    caller.authorize(&tenant_id, Action::ManageUsers, Target::Tenant)?;
    state
        .transact(caller.into(), move |tx| {
            require_tenant::<UserError>(tx.conn(), &tenant_id)?;
            let current = find::<UserError>(tx.conn(), &tenant_id, &user_id)?;
            if_match.check(current.row.version)?;
            if let Some(sign_in) = &changes.sign_in {
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
            let fields: Vec<&str> = [
                profile.display_name.map(|_| "display_name"),
                profile.contact_email.map(|_| "contact_email"),
                profile.sign_in.map(|_| "sign_in"),
            ]
            .into_iter()
            .flatten()
            .collect();
            if fields.is_empty() {
                return Ok(current.view(tx.catalogue())?);
            }
            let stamp = tx.stamp();
            let taken = SignInTaken::or_store::<UserError>(sign_in.as_deref().unwrap_or(&current.row.sign_in));
            if !users::update_profile(tx.conn(), &user_id, &profile, current.row.version, stamp).map_err(taken)? {
                return Err(PreconditionFailed.into());
            }
            tx.audit(
                AuditAction::UserUpdated,
                Subject::in_tenant(&tenant_id, &user_id),
                serde_json::json!({"fields": fields}),
            )?;
            load(tx, &tenant_id, &user_id)
        })
        .await
}

pub async fn delete(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: String,
    user_id: String,
    if_match: IfMatch,
) -> Result<(), UserError> {
    caller.authorize(&tenant_id, Action::ManageUsers, Target::Tenant)?;
    state
        .transact(caller.into(), move |tx| {
            lock_tenant(tx.conn(), &tenant_id)?;
            let current = find::<UserError>(tx.conn(), &tenant_id, &user_id)?;
            if_match.check(current.row.version)?;
            let others = other_global_admins(tx, &tenant_id, &user_id)?;
            roles::check_removal(&current.roles, others)?;
            // Their licences go back to the pools they came from. Only a licence this
            // transaction actually removed frees a seat: one removed by a concurrent request
            // has already given its seat back.
            let stamp = tx.stamp();
            for licence in &current.licences {
                if subscriptions::delete_assignment(tx.conn(), &licence.subscription_id, &user_id)?
                    && !subscriptions::release_seat(tx.conn(), &licence.subscription_id, stamp)?
                {
                    let pool = &licence.subscription_id;
                    return Err(StoreError::Corrupt(format!("pool {pool} counted no seat for a licence")).into());
                }
            }
            if !users::delete(tx.conn(), &user_id, if_match.guard(current.row.version))? {
                return Err(PreconditionFailed.into());
            }
            let released: Vec<&str> = current.licences.iter().map(|l| l.subscription_id.as_str()).collect();
            tx.audit(
                AuditAction::UserDeleted,
                Subject::in_tenant(&tenant_id, &user_id),
                serde_json::json!({"sign_in": current.row.sign_in, "licences_released": released}),
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
) -> Result<Versioned<User>, UserError> {
    caller.authorize(&tenant_id, Action::DesignateAdmins, Target::Tenant)?;
    state
        .transact(caller.into(), move |tx| {
            lock_tenant(tx.conn(), &tenant_id)?;
            let current = find::<UserError>(tx.conn(), &tenant_id, &user_id)?;
            if_match.check(current.row.version)?;
            let change = RoleChange {
                before: &current.roles,
                after: &roles,
                has_contact_email: current.row.contact_email.is_some(),
                other_global_admins: other_global_admins(tx, &tenant_id, &user_id)?,
            };
            let added = change.decide()?;
            if current.roles == roles {
                return Ok(current.view(tx.catalogue())?);
            }
            let stamp = tx.stamp();
            if !users::touch(tx.conn(), &user_id, current.row.version, stamp)? {
                return Err(PreconditionFailed.into());
            }
            users::replace_roles(tx.conn(), &tenant_id, &user_id, &roles)?;
            if let (true, Some(to)) = (added.is_admin(), current.recipient()) {
                tx.send(messages::roles_designated(&to, &added, tx.public_url()))?;
            }
            tx.audit(
                AuditAction::UserRolesChanged,
                Subject::in_tenant(&tenant_id, &user_id),
                serde_json::json!({"from": role_names(&current.roles), "to": role_names(&roles)}),
            )?;
            load(tx, &tenant_id, &user_id)
        })
        .await
}

/// Sends a temporary password to the person's contact email; they choose a new one at next
/// sign-in. Answers with the contact address, masked, for the administrator's confirmation.
pub async fn reset_password(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: String,
    user_id: String,
) -> Result<PasswordResetResponse, UserError> {
    caller.ensure_visible(&tenant_id)?;
    let temporary = passwords::temporary();
    let hash = state.hasher.hash(temporary.clone()).await?;
    let caller = caller.clone();
    state
        .transact((&caller).into(), move |tx| {
            require_tenant::<UserError>(tx.conn(), &tenant_id)?;
            let target = find::<UserError>(tx.conn(), &tenant_id, &user_id)?;
            let action = permissions::password_reset_action(&target.roles);
            let is_caller = target.row.id == caller.user_id;
            caller.authorize(&tenant_id, action, Target::Person { is_caller, roles: &target.roles })?;
            let contact = user::password_reset_destination(target.row.contact_email.as_deref())?;
            let sent_to = EmailAddress::parse(contact)
                .map_err(|e| StoreError::Corrupt(format!("user {user_id}: contact email: {e}")))?
                .masked();
            let stamp = tx.stamp();
            users::set_password(tx.conn(), &user_id, &hash, true, stamp)?;
            if let Some(to) = target.recipient() {
                tx.send(messages::password_reset(&to, &temporary, tx.public_url()))?;
            }
            tx.audit(AuditAction::UserPasswordReset, Subject::in_tenant(&tenant_id, &user_id), serde_json::json!({}))?;
            Ok(PasswordResetResponse { sent_to })
        })
        .await
}
