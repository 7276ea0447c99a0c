//! What a person does for themselves: read their profile, change their password, set their
//! preferences.

use tenantry_domain::audit::AuditAction;
use tenantry_domain::preferences::Preferences;
use tenantry_domain::Password;
use tenantry_persistence::users::{self, UserRow};
use tenantry_persistence::{partners, tenants, StoreError};

use super::lookup::NotFound;
use crate::app::state::AppState;
use crate::app::unit_of_work::Subject;
use crate::auth::hashing::HashingError;
use crate::auth::throttle::Throttled;
use crate::http::caller::SignedIn;
use crate::runtime::clock;
use crate::views::me::Me;
use crate::views::tenant::Tenant;

/// Why a person's own change did not happen.
#[derive(Debug, thiserror::Error)]
pub enum MeError {
    #[error(transparent)]
    NotFound(#[from] NotFound),
    #[error("the current password is wrong")]
    CurrentPasswordIncorrect,
    #[error("the new password must differ from the current one")]
    SamePassword,
    /// An API client has a partner and access, but no profile, password or preferences.
    #[error("an API client has no personal profile; /v1/me is for people")]
    NotAPerson,
    #[error(transparent)]
    Throttled(#[from] Throttled),
    #[error(transparent)]
    Hashing(#[from] HashingError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn own_row(conn: &mut tenantry_persistence::DbConnection, user_id: &str) -> Result<UserRow, MeError> {
    Ok(users::find(conn, user_id)?.ok_or(NotFound("user"))?)
}

pub async fn profile(state: &AppState, caller: &SignedIn) -> Result<Me, MeError> {
    if caller.is_api_client() {
        return Err(MeError::NotAPerson);
    }
    let permit = caller.own_account();
    let user_id = caller.user_id.clone();
    let platform = state.config.platform_domain.to_string();
    state
        .read(&permit, move |conn, _| {
            let row = own_row(conn, &user_id)?;
            let roles = users::roles_of(conn, &user_id)?;
            let tenant = match row.tenant_id.as_deref() {
                Some(tenant_id) => {
                    let tenant_row = tenants::find(conn, tenant_id)?.ok_or(NotFound("tenant"))?;
                    Some(Tenant::new(&tenant_row, tenants::verified_domains(conn, tenant_id)?))
                }
                None => None,
            };
            let partner = match row.partner_id.as_deref() {
                Some(partner_id) => {
                    let row = partners::find(conn, partner_id)?.ok_or(NotFound("partner"))?;
                    Some(crate::services::partners::view(row, &platform))
                }
                None => None,
            };
            Ok(Me::new(&row, &roles, tenant, partner)?)
        })
        .await
}

/// Changes one's own password after checking the current one. Checks go through the sign-in
/// throttle like sign-ins: failed ones count, so a stolen token cannot be used to guess the
/// password, and a right one forgets the account's failures, as a sign-in would.
pub async fn change_password(
    state: &AppState,
    caller: &SignedIn,
    current_password: String,
    new_password: Password,
    client_address: &str,
) -> Result<(), MeError> {
    if caller.is_api_client() {
        return Err(MeError::NotAPerson);
    }
    let permit = caller.own_account();
    let now = clock::now();
    let user_id = caller.user_id.clone();
    let user = state.read(&permit, move |conn, _| own_row(conn, &user_id)).await?;
    // The outer `?` is the database failing, the inner one the throttle refusing.
    let attempt = state.throttle.begin(&user.sign_in, client_address, now).await??;
    let new_secret = new_password.expose().to_owned();
    let same = current_password == new_secret;
    if !state.hasher.verify(current_password, user.password_hash.clone()).await? {
        attempt.failed(now).await;
        return Err(MeError::CurrentPasswordIncorrect);
    }
    attempt.succeeded(now).await;
    if same {
        return Err(MeError::SamePassword);
    }
    let new_hash = state.hasher.hash(new_secret).await?;
    state
        .transact(&permit, move |tx| {
            let stamp = tx.stamp();
            // Deleted meanwhile: nothing to change, and nothing to record.
            if !users::set_password(tx.conn(), &user.id, &new_hash, None, stamp)? {
                return Err(NotFound("user").into());
            }
            let subject = Subject { tenant_id: user.tenant_id.as_deref(), target_id: &user.id };
            tx.audit(AuditAction::UserPasswordChanged, subject, serde_json::json!({}))?;
            Ok(())
        })
        .await
}

pub async fn preferences(state: &AppState, caller: &SignedIn) -> Result<Preferences, MeError> {
    if caller.is_api_client() {
        return Err(MeError::NotAPerson);
    }
    let permit = caller.own_account();
    let user_id = caller.user_id.clone();
    state
        .read(&permit, move |conn, _| {
            let user = own_row(conn, &user_id)?;
            let stored = serde_json::from_str(&user.preferences)
                .map_err(|e| StoreError::Corrupt(format!("user {user_id}: stored preferences: {e}")))?;
            Ok(stored)
        })
        .await
}

/// Saves one's preferences as `change` makes them from the stored ones.
pub async fn set_preferences(
    state: &AppState,
    caller: &SignedIn,
    change: impl FnOnce(Preferences) -> Preferences + Send + 'static,
) -> Result<Preferences, MeError> {
    if caller.is_api_client() {
        return Err(MeError::NotAPerson);
    }
    let permit = caller.own_account();
    let user_id = caller.user_id.clone();
    let tenant_id = caller.tenant_id.clone();
    state
        .transact(&permit, move |tx| {
            let current = Preferences::read(&own_row(tx.conn(), &user_id)?.preferences);
            let preferences = change(current);
            let json = serde_json::to_value(&preferences)
                .map_err(|e| StoreError::Corrupt(format!("preferences cannot be written: {e}")))?;
            let stamp = tx.stamp();
            if !users::set_preferences(tx.conn(), &user_id, &json.to_string(), stamp)? {
                return Err(NotFound("user").into());
            }
            let subject = Subject { tenant_id: tenant_id.as_deref(), target_id: &user_id };
            tx.audit(AuditAction::UserPreferencesChanged, subject, json)?;
            Ok(preferences)
        })
        .await
}
