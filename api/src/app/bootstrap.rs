//! The first run: with no operator in the database, create one and say once how to sign in.
//!
//! With `TENANTRY_BOOTSTRAP_EMAIL`/`_PASSWORD` set, those are used (and the password is not
//! printed); otherwise the address is `operator@<platform domain>` and a random password is
//! printed. Once an operator exists this does nothing, so a restart prints nothing new.
//! `tenantry create-operator` adds further operators through [`create_operator`].

use tenantry_domain::audit::AuditAction;
use tenantry_domain::user::{DisplayName, UserKind};
use tenantry_domain::{EmailAddress, Password};
use tenantry_persistence::users::{self, NewUser};
use tenantry_persistence::{time, DbPool};

use crate::app::unit_of_work::{Actor, Context, Subject, Tx};
use crate::auth::passwords;
use crate::runtime::config::Config;
use crate::runtime::{clock, ids};

#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    #[error("TENANTRY_BOOTSTRAP_EMAIL is not a valid email address: {0}")]
    Email(#[from] tenantry_domain::email::EmailError),
    #[error("the password does not meet the password policy: {0}")]
    Password(#[from] tenantry_domain::password::PasswordPolicyError),
    #[error("TENANTRY_BOOTSTRAP_PASSWORD does not meet the password policy: {0}")]
    BootstrapPassword(tenantry_domain::password::PasswordPolicyError),
    #[error("the operator's name cannot be used: {0}")]
    DisplayName(#[from] tenantry_domain::user::DisplayNameError),
    #[error("cannot hash the password: {0}")]
    Hash(String),
    #[error("an account signs in as {0} already")]
    Taken(String),
    #[error("cannot create the operator: {0}")]
    Store(#[from] tenantry_persistence::StoreError),
}

/// The operator just created, to be shown to the person who created it.
pub struct NewOperator {
    pub sign_in: String,
    /// Present when the password was generated, so it must be shown now or never.
    pub generated_password: Option<String>,
}

pub fn ensure_operator(
    pool: &DbPool,
    config: &Config,
    context: &Context,
) -> Result<Option<NewOperator>, BootstrapError> {
    let mut conn = pool.get().map_err(tenantry_persistence::StoreError::from)?;
    if users::operator_exists(&mut conn)? {
        return Ok(None);
    }
    let sign_in = match &config.bootstrap_email {
        Some(email) => EmailAddress::parse(email)?,
        None => EmailAddress::in_domain("operator", &config.platform_domain)?,
    };
    let actor = Actor::job("First run", "first-run".to_owned());
    let created = create_operator(
        &mut conn,
        &actor,
        context,
        &sign_in,
        config.bootstrap_password.as_deref(),
        &DisplayName::parse("Platform operator")?,
        // Checked again inside the write lock: two replicas starting together create one operator.
        OnlyIfNone::Yes,
    )
    .map_err(|error| match error {
        BootstrapError::Password(policy) => BootstrapError::BootstrapPassword(policy),
        other => other,
    })?;
    Ok(created)
}

/// Whether an operator is created only when there is none (the first run).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnlyIfNone {
    Yes,
    No,
}

/// Creates a platform operator with `password`, or with a generated one they must change at
/// their first sign-in (returned, to be shown once). `None` when `only_if_none` found an
/// operator already. Used by the first run and by `tenantry create-operator`.
pub fn create_operator(
    conn: &mut tenantry_persistence::DbConnection,
    actor: &Actor,
    context: &Context,
    sign_in: &EmailAddress,
    password: Option<&str>,
    display_name: &DisplayName,
    only_if_none: OnlyIfNone,
) -> Result<Option<NewOperator>, BootstrapError> {
    let (password, generated) = match password {
        Some(password) => (Password::parse(password, Some(sign_in.local_part()))?.expose().to_owned(), false),
        None => (passwords::temporary(), true),
    };
    let hash = passwords::hash(&password).map_err(|e| BootstrapError::Hash(e.to_string()))?;
    let now = time::to_db(clock::now());
    let id = ids::new_id();
    let sign_in_text = sign_in.to_string();
    let created = conn.write(|conn| {
        let mut tx = Tx::new(conn, actor, context);
        let conn = tx.conn();
        if only_if_none == OnlyIfNone::Yes && users::operator_exists(conn)? {
            return Ok::<_, BootstrapError>(false);
        }
        if users::find_by_sign_in(conn, &sign_in_text)?.is_some() {
            return Err(BootstrapError::Taken(sign_in_text.clone()));
        }
        users::insert(
            conn,
            &NewUser {
                id: &id,
                tenant_id: None,
                kind: UserKind::Operator.as_str(),
                sign_in: &sign_in_text,
                display_name: display_name.as_str(),
                contact_email: None,
                password_hash: &hash,
                // A generated password has been shown on a terminal: it must go.
                must_change_password: generated,
                created_at: now,
                updated_at: now,
                partner_id: None,
                partner_role: None,
                // Shown once, not mailed: it works until the operator changes it.
                temporary_password_expires_at: None,
                created_by_relationship: None,
            },
        )?;
        tx.audit(AuditAction::OperatorCreated, Subject::platform(&id), serde_json::json!({"sign_in": sign_in_text}))?;
        Ok(true)
    })?;
    Ok(created.then(|| NewOperator { sign_in: sign_in_text, generated_password: generated.then_some(password) }))
}
