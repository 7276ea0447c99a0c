//! The first run: with no operator in the database, create one and say once how to sign in.
//!
//! With `TENANTRY_BOOTSTRAP_EMAIL`/`_PASSWORD` set, those are used (and the password is not
//! printed); otherwise the address is `operator@<platform domain>` and a random password is
//! printed. Once an operator exists this does nothing, so a restart prints nothing new.

use tenantry_domain::user::UserKind;
use tenantry_domain::{EmailAddress, Password};
use tenantry_persistence::users::{self, NewUser};
use tenantry_persistence::{time, DbPool};

use crate::auth::passwords;
use crate::config::Config;
use crate::{clock, ids};

#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    #[error("TENANTRY_BOOTSTRAP_EMAIL is not a valid email address: {0}")]
    Email(#[from] tenantry_domain::email::EmailError),
    #[error("TENANTRY_BOOTSTRAP_PASSWORD does not meet the password policy: {0}")]
    Password(#[from] tenantry_domain::password::PasswordPolicyError),
    #[error("cannot hash the bootstrap password: {0}")]
    Hash(String),
    #[error("cannot create the first operator: {0}")]
    Store(#[from] tenantry_persistence::StoreError),
}

/// What the first run created, to be shown to the person who started the service.
pub struct FirstOperator {
    pub sign_in: String,
    /// Present when the password was generated, so it must be shown now or never.
    pub generated_password: Option<String>,
}

pub fn ensure_operator(pool: &DbPool, config: &Config) -> Result<Option<FirstOperator>, BootstrapError> {
    let mut conn = pool.get().map_err(tenantry_persistence::StoreError::from)?;
    if users::operator_exists(&mut conn)? {
        return Ok(None);
    }
    let sign_in = match &config.bootstrap_email {
        Some(email) => EmailAddress::parse(email)?,
        None => EmailAddress::in_domain("operator", &config.platform_domain)?,
    };
    let (password, generated) = match &config.bootstrap_password {
        Some(password) => (Password::parse(password, Some(sign_in.local_part()))?.expose().to_owned(), false),
        None => (passwords::temporary(), true),
    };
    let hash = passwords::hash(&password).map_err(|e| BootstrapError::Hash(e.to_string()))?;
    let now = time::to_db(clock::now());
    let id = ids::new_id();
    let sign_in_text = sign_in.to_string();
    let created = conn.write(|conn| {
        // Checked again inside the write lock: two replicas starting together create one operator.
        if users::operator_exists(conn)? {
            return Ok::<_, BootstrapError>(false);
        }
        users::insert(
            conn,
            &NewUser {
                id: &id,
                tenant_id: None,
                kind: UserKind::Operator.as_str(),
                sign_in: &sign_in_text,
                display_name: "Platform operator",
                contact_email: None,
                password_hash: &hash,
                // A generated password has been printed to a terminal or a log: it must go.
                must_change_password: generated,
                created_at: now,
                updated_at: now,
                partner_id: None,
                partner_role: None,
                // Printed once on the console, not mailed: it works until the operator changes it.
                temporary_password_expires_at: None,
            },
        )?;
        Ok(true)
    })?;
    Ok(created.then(|| FirstOperator { sign_in: sign_in_text, generated_password: generated.then_some(password) }))
}
