//! Signing in with a password: the OAuth 2.0 password grant.

use tenantry_persistence::{users, StoreError};

use crate::auth::hashing::HashingError;
use crate::auth::throttle::Throttled;
use crate::auth::tokens::{self, TokenError};
use crate::clock;
use crate::state::AppState;

/// Why no token was issued.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// An unknown account or a wrong password: the same answer, so it tells nothing.
    #[error("the sign-in address or the password is wrong")]
    WrongCredentials,
    #[error(transparent)]
    Throttled(#[from] Throttled),
    #[error(transparent)]
    Hashing(#[from] HashingError),
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

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
) -> Result<IssuedToken, SignInError> {
    let account = username.trim().to_lowercase();
    let now = clock::now();
    // Counted from here, before any work, so a burst is refused before it is hashed. Any early
    // return below (database or hasher busy) drops the attempt uncounted.
    let attempt = state.throttle.begin(&account, client_address, now)?;

    let lookup = account.clone();
    let user = state.read(move |conn, _| users::find_by_sign_in(conn, &lookup)).await?;
    let stored_hash = user.as_ref().map_or_else(|| state.decoy_password_hash.clone(), |u| u.password_hash.clone());
    let matches = state.hasher.verify(password, stored_hash).await?;

    let Some(user) = user.filter(|_| matches) else {
        attempt.failed(now);
        return Err(SignInError::WrongCredentials);
    };
    attempt.succeeded();
    let settings = state.token_settings();
    let access_token = tokens::issue(&state.keys, &settings, &user.id, user.tenant_id.as_deref(), now)?;
    Ok(IssuedToken { access_token, expires_in: settings.ttl_seconds })
}
