//! Rotating the keys that sign access tokens (operators): a new key signs from now on, the
//! others verify until the tokens they signed have expired.

use tenantry_domain::audit::AuditAction;

use crate::app::state::AppState;
use crate::app::unit_of_work::Subject;
use crate::auth::keys::{self, KeyError};
use crate::http::caller::{AccessDenied, SignedIn};
use crate::views::signing_key::RotatedSigningKey;

#[derive(Debug, thiserror::Error)]
pub enum SigningKeyError {
    #[error(transparent)]
    Access(#[from] AccessDenied),
    #[error(transparent)]
    Keys(#[from] KeyError),
}

impl From<tenantry_persistence::StoreError> for SigningKeyError {
    fn from(error: tenantry_persistence::StoreError) -> Self {
        SigningKeyError::Keys(error.into())
    }
}

pub async fn rotate(state: &AppState, caller: &SignedIn) -> Result<RotatedSigningKey, SigningKeyError> {
    let permit = caller.require_operator()?;
    let ttl = state.config.token_ttl_seconds;
    let rotated = state
        .transact(&permit, move |tx| -> Result<RotatedSigningKey, SigningKeyError> {
            let now = tx.now();
            let kid = keys::add_signing_key(tx.conn(), ttl, now)?;
            tx.audit(AuditAction::SigningKeyRotated, Subject::platform(&kid), serde_json::json!({}))?;
            Ok(RotatedSigningKey::new(kid, now, ttl))
        })
        .await?;
    // This process signs with the new key at once; the others within a minute.
    state.reload_keys().await?;
    Ok(rotated)
}
