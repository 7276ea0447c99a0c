//! A person of a tenant as the use cases about people load them, and what can go wrong.

use tenantry_domain::catalogue::Catalogue;
use tenantry_domain::granting::GrantRefusal;
use tenantry_domain::license::License;
use tenantry_domain::partner::DelegatedDesignationError;
use tenantry_domain::roles::RoleChangeError;
use tenantry_domain::user::{DisablingRefusal, NewPersonError, PasswordResetError};
use tenantry_domain::{AdminRole, EmailAddress, RoleSet};
use tenantry_persistence::subscriptions;
use tenantry_persistence::tenants;
use tenantry_persistence::users::{self, UserRow};
use tenantry_persistence::{DbConnection, StoreError};

use crate::app::unit_of_work::Tx;
use crate::auth::hashing::HashingError;
use crate::http::caller::AccessDenied;
use crate::http::etag::PreconditionFailed;
use crate::services::lookup::NotFound;
use crate::services::messages::Recipient;
use crate::views::user::User;
use crate::views::Versioned;

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
    #[error("user_name at the default domain is not a valid address: {0}")]
    InvalidSignIn(String),
    #[error(transparent)]
    NewPerson(#[from] NewPersonError),
    #[error(transparent)]
    Roles(#[from] RoleChangeError),
    #[error(transparent)]
    Delegated(#[from] DelegatedDesignationError),
    #[error(transparent)]
    Grant(#[from] GrantRefusal),
    #[error(transparent)]
    Disabling(#[from] DisablingRefusal),
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

/// A person of the tenant, as stored, with their roles and licenses.
pub struct Person {
    pub row: UserRow,
    pub roles: RoleSet,
    pub licenses: Vec<License>,
}

impl Person {
    pub fn view(&self, catalogue: &Catalogue) -> Result<Versioned<User>, StoreError> {
        let view = User::new(&self.row, &self.roles, &self.licenses, catalogue)?;
        Ok(Versioned { view, version: self.row.version })
    }

    pub fn recipient(&self) -> Option<Recipient<'_>> {
        Recipient::of(&self.row)
    }
}

/// A member of `tenant_id`, or 404: people of other tenants do not exist from here.
pub fn find<E>(conn: &mut DbConnection, tenant_id: &str, user_id: &str) -> Result<Person, E>
where
    E: From<NotFound> + From<StoreError>,
{
    let row = users::find_in_tenant(conn, tenant_id, user_id)?.ok_or(NotFound("user"))?;
    let roles = users::roles_of(conn, user_id)?;
    let licenses = subscriptions::assignments_of(conn, &[user_id.to_owned()])?.iter().map(|a| a.license()).collect();
    Ok(Person { row, roles, licenses })
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
pub fn lock_tenant(conn: &mut DbConnection, tenant_id: &str) -> Result<(), UserError> {
    if tenants::lock(conn, tenant_id)? {
        Ok(())
    } else {
        Err(NotFound("tenant").into())
    }
}

/// A sign-in address must be in one of the tenant's verified domains.
pub fn check_sign_in_domain(conn: &mut DbConnection, tenant_id: &str, sign_in: &EmailAddress) -> Result<(), UserError> {
    if tenants::has_verified_domain(conn, tenant_id, sign_in.domain().as_str())? {
        return Ok(());
    }
    let verified_domains = tenants::verified_domains(conn, tenant_id)?;
    Err(UserError::DomainNotVerified { domain: sign_in.domain().to_string(), verified_domains })
}

pub fn role_names(roles: &RoleSet) -> Vec<&'static str> {
    roles.iter().map(AdminRole::as_str).collect()
}

pub fn other_global_admins(tx: &mut Tx<'_>, tenant_id: &str, user_id: &str) -> Result<u64, StoreError> {
    users::count_with_role_except(tx.conn(), tenant_id, AdminRole::GlobalAdmin, user_id)
}
