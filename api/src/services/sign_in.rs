//! Signing in with a password: the OAuth 2.0 password grant.

use tenantry_persistence::users;

use crate::auth::tokens;
use crate::problem::{ApiError, ErrorCode};
use crate::state::AppState;

pub struct IssuedToken {
    pub access_token: String,
    pub expires_in: i64,
}

/// Checks the password and issues a token. An unknown account and a wrong password get the
/// same answer after the same work (a check against the decoy hash, through the same bounded
/// hasher), and both count towards the throttle. 503 when the hasher is busy; such an attempt
/// is not counted as a failure.
pub async fn with_password(
    state: &AppState,
    username: &str,
    password: String,
    client_address: &str,
) -> Result<IssuedToken, ApiError> {
    let account = username.trim().to_lowercase();
    let now = super::now();
    // Counted from here, before any work, so a burst is refused before it is hashed. Any early
    // return below (database or hasher busy) drops the attempt uncounted.
    let attempt = state.throttle.begin(&account, client_address, now)?;

    let lookup = account.clone();
    let user = state.read(move |conn| Ok(users::find_by_sign_in(conn, &lookup)?)).await?;
    let stored_hash = user.as_ref().map_or_else(|| state.decoy_password_hash.clone(), |u| u.password_hash.clone());
    let matches = state.hasher.verify(password, stored_hash).await?;

    let Some(user) = user.filter(|_| matches) else {
        attempt.failed(now);
        return Err(ApiError::new(ErrorCode::InvalidGrant, "the sign-in address or the password is wrong"));
    };
    attempt.succeeded();
    let settings = state.token_settings();
    let access_token =
        tokens::issue(&state.keys, &settings, &user.id, user.tenant_id.as_deref(), now).map_err(ApiError::internal)?;
    Ok(IssuedToken { access_token, expires_in: settings.ttl_seconds })
}
