//! What a person does for themselves: read their profile, change their password, set their
//! preferences.

use tenantry_domain::preferences::Preferences;
use tenantry_domain::Password;
use tenantry_persistence::{tenants, time, users};

use super::audit::{self, Actor, Change};
use super::tenants::TenantRecord;
use super::users::UserRecord;
use crate::auth::SignedIn;
use crate::problem::{ApiError, ErrorCode};
use crate::state::AppState;

pub struct Profile {
    pub user: UserRecord,
    pub tenant: Option<TenantRecord>,
    pub is_operator: bool,
}

pub async fn profile(state: &AppState, caller: &SignedIn) -> Result<Profile, ApiError> {
    let user_id = caller.user_id.clone();
    let is_operator = caller.is_operator;
    state
        .read(move |conn| {
            let row = users::find(conn, &user_id)?.ok_or_else(|| ApiError::not_found("user"))?;
            let roles = users::roles_of(conn, &user_id)?;
            let tenant = match row.tenant_id.as_deref() {
                Some(tenant_id) => {
                    let tenant_row = tenants::find(conn, tenant_id)?.ok_or_else(|| ApiError::not_found("tenant"))?;
                    let domains = tenants::verified_domains(conn, tenant_id)?;
                    Some(TenantRecord { row: tenant_row, domains })
                }
                None => None,
            };
            let licences = tenantry_persistence::subscriptions::assignments_of(conn, std::slice::from_ref(&row.id))?;
            Ok(Profile { user: UserRecord { row, roles, licences }, tenant, is_operator })
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
) -> Result<(), ApiError> {
    let now = super::now();
    let user_id = caller.user_id.clone();
    let user = state.read(move |conn| users::find(conn, &user_id)?.ok_or_else(|| ApiError::not_found("user"))).await?;
    let account = user.sign_in.clone();
    let attempt = state.throttle.begin(&account, client_address, now)?;
    let new_secret = new_password.expose().to_owned();
    let same = current_password == new_secret;
    if !state.hasher.verify(current_password, user.password_hash.clone()).await? {
        attempt.failed(now);
        return Err(ApiError::new(ErrorCode::CurrentPasswordIncorrect, "the current password is wrong"));
    }
    attempt.succeeded();
    if same {
        return Err(ApiError::invalid_field("new_password", "the new password must differ from the current one"));
    }
    let new_hash = state.hasher.hash(new_secret).await?;
    let actor = Actor::from(caller);
    state
        .write(move |conn| {
            users::set_password(conn, &user.id, &new_hash, false, time::to_db(now))?;
            audit::record(
                conn,
                &actor,
                Change {
                    tenant_id: user.tenant_id.as_deref(),
                    action: "user.password_changed",
                    target_type: "user",
                    target_id: &user.id,
                    details: serde_json::json!({}),
                },
                now,
            )
        })
        .await
}

pub async fn preferences(state: &AppState, caller: &SignedIn) -> Result<Preferences, ApiError> {
    let user_id = caller.user_id.clone();
    state
        .read(move |conn| {
            let user = users::find(conn, &user_id)?.ok_or_else(|| ApiError::not_found("user"))?;
            serde_json::from_str(&user.preferences).map_err(|e| ApiError::internal(format!("stored preferences: {e}")))
        })
        .await
}

pub async fn set_preferences(
    state: &AppState,
    caller: &SignedIn,
    preferences: Preferences,
) -> Result<Preferences, ApiError> {
    let user_id = caller.user_id.clone();
    let tenant_id = caller.tenant_id.clone();
    let actor = Actor::from(caller);
    state
        .write(move |conn| {
            let now = super::now();
            let json = serde_json::to_string(&preferences).map_err(ApiError::internal)?;
            users::set_preferences(conn, &user_id, &json, time::to_db(now))?;
            audit::record(
                conn,
                &actor,
                Change {
                    tenant_id: tenant_id.as_deref(),
                    action: "user.preferences_changed",
                    target_type: "user",
                    target_id: &user_id,
                    details: serde_json::to_value(&preferences).unwrap_or_default(),
                },
                now,
            )?;
            Ok(preferences)
        })
        .await
}
