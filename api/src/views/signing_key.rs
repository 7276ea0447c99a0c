//! A signing key just made by a rotation.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

/// The key that signs tokens from now on.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"kid": "019abc00-0000-7000-8000-000000000001", "created_at": "2026-11-28T09:00:00Z",
    "previous_keys_verify_until": "2026-11-28T10:02:00Z"}))]
pub struct RotatedSigningKey {
    /// The new key's id, as tokens name it in their `kid` header and `/.well-known/jwks.json` lists it.
    pub kid: String,
    pub created_at: DateTime<Utc>,
    /// Tokens signed with the keys it replaces keep working until they expire: at the latest
    /// then, after which those keys are forgotten.
    pub previous_keys_verify_until: DateTime<Utc>,
}

impl RotatedSigningKey {
    pub fn new(kid: String, created_at: DateTime<Utc>, token_ttl_seconds: i64) -> Self {
        let previous_keys_verify_until = created_at + chrono::Duration::seconds(token_ttl_seconds);
        Self { kid, created_at, previous_keys_verify_until }
    }
}
