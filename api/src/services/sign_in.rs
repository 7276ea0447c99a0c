//! Signing in with a password: the OAuth 2.0 password grant.

use tenantry_domain::temporary_password;
use tenantry_persistence::{api_clients, time, users, StoreError};

use crate::app::state::AppState;
use crate::auth::hashing::HashingError;
use crate::auth::permit::Permit;
use crate::auth::secrets;
use crate::auth::throttle::Throttled;
use crate::auth::tokens::{self, TokenError, TokenSubject};
use crate::runtime::clock;

/// Why no token was issued.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// An unknown account or a wrong password: the same answer, so it tells nothing.
    #[error("the sign-in address or the password is wrong")]
    WrongCredentials,
    /// An unknown client, a wrong or rotated-out secret, or a disabled client: one answer.
    #[error("the client id or secret is wrong, or the client is disabled")]
    InvalidClient,
    /// The right temporary password, but too late: a new reset is needed.
    #[error(
        "this temporary password has expired (they work for 72 hours); ask your administrator for a new password reset"
    )]
    TemporaryPasswordExpired,
    /// The right password of a disabled account: its owner learns why, nobody else gets here.
    #[error("this account is disabled; ask your administrator")]
    Disabled,
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
    permit: &Permit,
    username: &str,
    password: String,
    client_address: &str,
) -> Result<IssuedToken, SignInError> {
    let account = username.trim().to_lowercase();
    let now = clock::now();
    // Counted from here, before any work, so a burst is refused before it is hashed. Any early
    // return below (database or hasher busy) drops the attempt uncounted.
    // The outer `?` is the database failing, the inner one the throttle refusing.
    let attempt = state.throttle.begin(&account, client_address, now).await??;

    let lookup = account.clone();
    let user = state.read(permit, move |conn, _| users::find_by_sign_in(conn, &lookup)).await?;
    let stored_hash = user.as_ref().map_or_else(|| state.decoy_password_hash.clone(), |u| u.password_hash.clone());
    let matches = state.hasher.verify(password, stored_hash).await?;

    let Some(user) = user.filter(|_| matches) else {
        attempt.failed(now).await;
        return Err(SignInError::WrongCredentials);
    };
    if user.disabled_at.is_some() {
        // Counted as a failure: guesses at a disabled account are throttled like any, and its
        // address does not become the account's own.
        attempt.failed(now).await;
        return Err(SignInError::Disabled);
    }
    attempt.succeeded(now).await;
    let expires_at = user.temporary_password_expires_at.map(time::from_db);
    if temporary_password::has_expired(user.must_change_password, expires_at, now) {
        return Err(SignInError::TemporaryPasswordExpired);
    }
    let settings = state.token_settings();
    let subject = TokenSubject {
        sub: &user.id,
        tenant_id: user.tenant_id.as_deref(),
        partner_id: user.partner_id.as_deref(),
        is_client: false,
        credentials_version: None,
        security_stamp: Some(user.security_stamp),
    };
    let access_token = tokens::issue(&state.keys.current(), &settings, &subject, now)?;
    Ok(IssuedToken { access_token, expires_in: settings.ttl_seconds })
}

/// The OAuth 2.0 client credentials grant, for partner API clients. The secret is checked
/// against its digest (and, while a rotation's overlap runs, the previous one); a disabled
/// client is refused whatever the secret.
pub async fn with_client_credentials(
    state: &AppState,
    permit: &Permit,
    client_id: String,
    client_secret: String,
) -> Result<IssuedToken, SignInError> {
    let now = clock::now();
    let client = state.read(permit, move |conn, _| api_clients::find(conn, &client_id)).await?;
    let Some(client) = client.filter(|client| client.disabled_at.is_none()) else {
        return Err(SignInError::InvalidClient);
    };
    let current = secrets::matches(&client_secret, &client.secret_digest);
    let previous = match (&client.previous_secret_digest, client.previous_secret_valid_until) {
        (Some(digest), Some(until)) if time::from_db(until) > now => secrets::matches(&client_secret, digest),
        _ => false,
    };
    if !current && !previous {
        return Err(SignInError::InvalidClient);
    }
    let settings = state.token_settings();
    // The previous secret belongs to the version before the rotation that retired it.
    let credentials_version = if current { client.version } else { client.version - 1 };
    let subject = TokenSubject {
        sub: &client.id,
        tenant_id: None,
        partner_id: Some(&client.partner_id),
        is_client: true,
        credentials_version: Some(credentials_version),
        security_stamp: None,
    };
    let access_token = tokens::issue(&state.keys.current(), &settings, &subject, now)?;
    Ok(IssuedToken { access_token, expires_in: settings.ttl_seconds })
}
