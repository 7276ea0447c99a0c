//! Access tokens: short-lived JWTs signed with EdDSA, carrying who the caller is.
//!
//! Validation pins the algorithm to EdDSA (so `none` and HMAC tokens are refused whatever their
//! header says), requires `exp`, `nbf`, `iss`, `aud` and `sub`, and picks the key by `kid`.

use chrono::{DateTime, Utc};
use jsonwebtoken::{decode, decode_header, encode, Algorithm, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::auth::keys::SigningKeys;

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub iss: String,
    pub aud: String,
    pub exp: i64,
    pub nbf: i64,
    pub iat: i64,
    pub jti: String,
    /// The caller's tenant, for clients' convenience; authorization always reads the database.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tid: Option<String>,
    /// The partner organisation of a partner person or API client.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pid: Option<String>,
    /// Set (and equal to `sub`) when the token was issued to an API client with client
    /// credentials (RFC 9068 section 2.2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// For an API client: the version of the credentials the token was issued with, so that a
    /// rotation ends the tokens of the secret it retires.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cv: Option<i64>,
    /// For a person: their security stamp when the token was issued. A new password, a reset,
    /// being disabled or losing a role moves the stamp on, which ends the token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ss: Option<i64>,
}

/// Who a token is for.
pub struct TokenSubject<'a> {
    /// A person's id, or an API client's.
    pub sub: &'a str,
    pub tenant_id: Option<&'a str>,
    pub partner_id: Option<&'a str>,
    pub is_client: bool,
    /// For an API client: the version of the credentials it signed in with.
    pub credentials_version: Option<i64>,
    /// For a person: their security stamp now.
    pub security_stamp: Option<i64>,
}

pub struct TokenSettings<'a> {
    pub issuer: &'a str,
    pub audience: &'a str,
    pub ttl_seconds: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the token header is unreadable: {0}")]
    Header(jsonwebtoken::errors::Error),
    #[error("tokens must be signed with EdDSA")]
    Algorithm,
    #[error("the token names no key, or a key this service does not have")]
    UnknownKey,
    #[error("the token is invalid: {0}")]
    Invalid(jsonwebtoken::errors::Error),
    #[error("the token could not be signed: {0}")]
    Signing(jsonwebtoken::errors::Error),
}

pub fn issue(
    keys: &SigningKeys,
    settings: &TokenSettings<'_>,
    subject: &TokenSubject<'_>,
    now: DateTime<Utc>,
) -> Result<String, TokenError> {
    let claims = Claims {
        sub: subject.sub.to_owned(),
        iss: settings.issuer.to_owned(),
        aud: settings.audience.to_owned(),
        iat: now.timestamp(),
        nbf: now.timestamp(),
        exp: now.timestamp() + settings.ttl_seconds,
        jti: crate::runtime::ids::new_id(),
        tid: subject.tenant_id.map(str::to_owned),
        pid: subject.partner_id.map(str::to_owned),
        client_id: subject.is_client.then(|| subject.sub.to_owned()),
        cv: subject.credentials_version,
        ss: subject.security_stamp,
    };
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(keys.signing_kid().to_owned());
    encode(&header, &claims, keys.encoding_key()).map_err(TokenError::Signing)
}

pub fn validate(keys: &SigningKeys, settings: &TokenSettings<'_>, token: &str) -> Result<Claims, TokenError> {
    let header = decode_header(token).map_err(TokenError::Header)?;
    if header.alg != Algorithm::EdDSA {
        return Err(TokenError::Algorithm);
    }
    let key = header.kid.as_deref().and_then(|kid| keys.decoding_key(kid)).ok_or(TokenError::UnknownKey)?;
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.set_issuer(&[settings.issuer]);
    validation.set_audience(&[settings.audience]);
    validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
    validation.validate_nbf = true;
    validation.leeway = 30;
    decode::<Claims>(token, key, &validation).map(|data| data.claims).map_err(TokenError::Invalid)
}
