//! Rotating the keys that sign access tokens (operators).

use actix_web::{web, HttpResponse};

use super::table::RouteTable;
use crate::app::state::AppState;
use crate::http::caller::Caller;
use crate::http::problem::ApiError;
use crate::services::signing_keys::{self as service, SigningKeyError};
use crate::views::signing_key::RotatedSigningKey;

pub fn configure(table: &mut RouteTable) {
    table.add(__path_rotate_signing_key, rotate_signing_key);
}

impl From<SigningKeyError> for ApiError {
    fn from(error: SigningKeyError) -> Self {
        match error {
            SigningKeyError::Access(denied) => denied.into(),
            SigningKeyError::Keys(keys) => keys.into(),
        }
    }
}

/// Rotates the key that signs access tokens (operators).
///
/// A new Ed25519 key signs every token issued from now on, by every process of the service (the others pick it up within a minute). The keys it replaces keep verifying the tokens they signed until those expire, so nobody is signed out; then they are forgotten. Both are listed at `/.well-known/jwks.json` meanwhile. Rotate on a schedule, or at once if a key may have leaked (then also shorten `TENANTRY_TOKEN_TTL_SECONDS` for the next hour).
#[utoipa::path(post, path = "/v1/signing-keys", tag = "operations", operation_id = "rotate_signing_key",
    responses(
        (status = 201, description = "The new key signs from now on", body = RotatedSigningKey),
    ),
    security(("bearer" = []), ("oauth2" = [])))]
pub async fn rotate_signing_key(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created().json(service::rotate(&state, &caller).await?))
}
