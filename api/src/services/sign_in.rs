//! Signing in with a password: the OAuth 2.0 password grant.

use tenantry_persistence::users;

use crate::auth::{passwords, tokens};
use crate::clock;
use crate::problem::{ApiError, ErrorCode};
use crate::state::AppState;

pub struct IssuedToken {
    pub access_token: String,
    pub expires_in: i64,
}

/// Checks the password and issues a token. An unknown account and a wrong password get the
/// same answer after the same work, and both count towards the throttle.
pub async fn with_password(
    state: &AppState,
    username: &str,
    password: String,
    client_address: &str,
) -> Result<IssuedToken, ApiError> {
    let account = username.trim().to_lowercase();
    let now = clock::now();
    state.throttle.check(&account, client_address, now)?;

    let lookup = account.clone();
    let user = state.read(move |conn, _| users::find_by_sign_in(conn, &lookup).map_err(ApiError::from)).await?;
    let stored_hash = user.as_ref().map_or_else(|| state.decoy_password_hash.clone(), |u| u.password_hash.clone());
    let matches = actix_web::web::block(move || {
        passwords::verify(&password, &stored_hash).map_err(|e| ApiError::internal(format!("stored password hash: {e}")))
    })
    .await
    .map_err(|e| ApiError::internal(format!("password check interrupted: {e}")))??;

    let Some(user) = user.filter(|_| matches) else {
        state.throttle.failed(&account, client_address, now);
        return Err(ApiError::new(ErrorCode::InvalidGrant, "the sign-in address or the password is wrong"));
    };
    state.throttle.succeeded(&account);
    let settings = state.token_settings();
    let access_token =
        tokens::issue(&state.keys, &settings, &user.id, user.tenant_id.as_deref(), now).map_err(ApiError::internal)?;
    Ok(IssuedToken { access_token, expires_in: settings.ttl_seconds })
}
