//! Signing in: the OAuth 2.0 token endpoint and the public keys that verify its tokens.

use actix_web::http::header::{self, CacheControl, CacheDirective};
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::table::RouteTable;
use crate::app::state::AppState;
use crate::auth::keys::Jwks;
use crate::http::problem::{ApiError, ErrorCode};
use crate::http::request_id::open_to_anyone;
use crate::services::sign_in::{self, SignInError};

impl From<SignInError> for ApiError {
    fn from(error: SignInError) -> Self {
        let detail = error.to_string();
        match error {
            SignInError::WrongCredentials | SignInError::Disabled => ApiError::new(ErrorCode::InvalidGrant, detail),
            SignInError::InvalidClient => ApiError::new(ErrorCode::InvalidClient, detail),
            SignInError::TemporaryPasswordExpired => ApiError::new(ErrorCode::TemporaryPasswordExpired, detail),
            SignInError::Throttled(throttled) => throttled.into(),
            SignInError::Hashing(failure) => failure.into(),
            SignInError::Token(failure) => ApiError::internal_error(&failure),
            SignInError::Store(store) => store.into(),
        }
    }
}

pub fn configure(table: &mut RouteTable) {
    table.add(__path_jwks, jwks).add(__path_issue_token, issue_token);
}

/// An OAuth 2.0 token request (RFC 6749), form-encoded or JSON with the same field names. Other
/// parameters are ignored, as RFC 6749 section 3.2 requires.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"grant_type": "password", "username": "operator@tenantry.test", "password": "correct horse battery staple"}))]
pub struct TokenRequest {
    /// `password` for people; `client_credentials` for partner API clients.
    #[schema(example = "password")]
    pub grant_type: String,
    /// The sign-in address.
    #[schema(example = "operator@tenantry.test", max_length = 254)]
    pub username: Option<String>,
    /// The password.
    #[schema(example = "correct horse battery staple", max_length = 1024)]
    pub password: Option<String>,
    /// The API client's id, for `client_credentials` (or send it with HTTP Basic). Ignored for
    /// the password grant, where OAuth clients (Swagger UI among them) send it too.
    #[schema(max_length = 100)]
    pub client_id: Option<String>,
    /// The API client's secret, for `client_credentials` (or send it with HTTP Basic).
    #[schema(max_length = 200)]
    pub client_secret: Option<String>,
    /// Ignored; every token carries the caller's whole access.
    pub scope: Option<String>,
}

/// An access token (RFC 6749 section 5.1).
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"access_token": "eyJhbGciOiJFZERTQSIsImtpZCI6Ii4uLiJ9...", "token_type": "Bearer", "expires_in": 3600}))]
pub struct TokenResponse {
    /// A JWT to send as `Authorization: Bearer <access_token>`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the token expires.
    pub expires_in: i64,
}

/// Signs in and returns a bearer token: a person with a password, or a partner API client with
/// client credentials.
///
/// `grant_type=password` with `username` and `password`; `grant_type=client_credentials` with
/// `client_id` and `client_secret` in the body or with HTTP Basic (RFC 6749 section 2.3.1).
/// Repeated password failures are throttled (429 with `Retry-After`): five for one account from
/// one address lock that pair for five minutes, fifty from one address lock the address, and
/// fifty for one account from anywhere refuse addresses it has not signed in from lately (never
/// one it has, so others' guesses do not lock its owner out). An unknown account and a wrong password get the same answer. Errors carry
/// RFC 6749's `error` and `error_description` beside the problem members.
#[utoipa::path(post, path = "/v1/auth/token", tag = "auth", operation_id = "issue_token",
    request_body(content(
        (TokenRequest = "application/x-www-form-urlencoded"),
        (TokenRequest = "application/json"),
    )),
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 400, description = "Wrong sign-in address or password (`invalid_grant`), a disabled account's right password (`invalid_grant`, \"this account is disabled\"), a temporary password past its 72 hours (`temporary_password_expired`, `error: invalid_grant`), an unsupported grant type, or a malformed request",
            body = crate::http::problem::Problem, content_type = "application/problem+json"),
        (status = 401, description = "Wrong client id or secret, or a disabled client (`invalid_client`)",
            body = crate::http::problem::Problem, content_type = "application/problem+json",
            headers(("WWW-Authenticate" = String, description = "`Basic realm=\"tenantry\"`: authenticate the client"))),
        (status = 429, description = "Too many failed sign-ins; retry after `Retry-After` seconds",
            body = crate::http::problem::Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ))]
pub async fn issue_token(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let basic = basic_credentials(&req);
    token_for(&state, &req, &body, basic).await.map_err(ApiError::for_token_endpoint)
}

async fn token_for(
    state: &AppState,
    req: &HttpRequest,
    body: &[u8],
    basic: Option<Result<(String, String), ApiError>>,
) -> Result<HttpResponse, ApiError> {
    let request = parse_token_request(req, body)?;
    let issued = match request.grant_type.as_str() {
        "password" => {
            let (Some(username), Some(password)) = (request.username, request.password) else {
                return Err(ApiError::invalid_body(vec![crate::http::problem::FieldError::new(
                    "username",
                    "the password grant needs `username` and `password`",
                )]));
            };
            if username.len() > 254 || password.len() > 1024 {
                return Err(ApiError::new(ErrorCode::InvalidGrant, "the sign-in address or the password is wrong"));
            }
            let address = crate::http::client_address::client_address(req);
            sign_in::with_password(state, &open_to_anyone(req, "Sign-in"), &username, password, &address).await?
        }
        "client_credentials" => {
            // RFC 6749 section 2.3.1: HTTP Basic or the body, not both; some client libraries
            // repeat the id in the body beside Basic, which is the same client and accepted.
            let (client_id, client_secret) = match (basic.transpose()?, request.client_id, request.client_secret) {
                (Some((id, secret)), body_id, None) if body_id.as_ref().is_none_or(|body_id| *body_id == id) => {
                    (id, secret)
                }
                (Some(_), _, _) => {
                    return Err(ApiError::new(
                        ErrorCode::MalformedBody,
                        "send the client credentials either with HTTP Basic or in the body, not both",
                    ))
                }
                (None, Some(id), Some(secret)) => (id, secret),
                _ => {
                    return Err(ApiError::new(
                        ErrorCode::InvalidClient,
                        "the client_credentials grant needs `client_id` and `client_secret` (or HTTP Basic)",
                    ))
                }
            };
            if client_id.len() > 100 || client_secret.len() > 200 {
                return Err(SignInError::InvalidClient.into());
            }
            sign_in::with_client_credentials(state, &open_to_anyone(req, "Sign-in"), client_id, client_secret).await?
        }
        _ => {
            return Err(ApiError::new(
                ErrorCode::UnsupportedGrantType,
                "grant_type must be `password` or `client_credentials`",
            ))
        }
    };
    Ok(HttpResponse::Ok()
        .insert_header(CacheControl(vec![CacheDirective::NoStore]))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(TokenResponse {
            access_token: issued.access_token,
            token_type: "Bearer".to_owned(),
            expires_in: issued.expires_in,
        }))
}

/// Client credentials sent with HTTP Basic (RFC 6749 section 2.3.1): each part form-encoded,
/// then `id:secret` in base64. `None` without a Basic `Authorization` header.
fn basic_credentials(req: &HttpRequest) -> Option<Result<(String, String), ApiError>> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let invalid = || ApiError::new(ErrorCode::InvalidClient, "the HTTP Basic credentials are not readable");
    let decode = |part: &str| -> Result<String, ApiError> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(&format!("v={part}")).map_err(|_| invalid())?;
        pairs.into_iter().next().map(|(_, value)| value).ok_or_else(invalid)
    };
    let parse = || -> Result<(String, String), ApiError> {
        use base64::Engine;
        let bytes = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).map_err(|_| invalid())?;
        let text = String::from_utf8(bytes).map_err(|_| invalid())?;
        let (id, secret) = text.split_once(':').ok_or_else(invalid)?;
        Ok((decode(id)?, decode(secret)?))
    };
    Some(parse())
}

/// RFC 6749 says form-encoded; JSON with the same names is accepted for convenience.
fn parse_token_request(req: &HttpRequest, body: &[u8]) -> Result<TokenRequest, ApiError> {
    let malformed = |e: &dyn std::fmt::Display| {
        ApiError::new(ErrorCode::MalformedBody, format!("the token request is not valid: {e}"))
    };
    match req.content_type() {
        "application/x-www-form-urlencoded" => serde_urlencoded::from_bytes(body).map_err(|e| malformed(&e)),
        "application/json" => serde_json::from_slice(body).map_err(|e| malformed(&e)),
        _ => Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "send the token request as application/x-www-form-urlencoded or application/json",
        )),
    }
}

/// The public keys that verify access tokens (RFC 7517).
///
/// Verify tokens offline with these keys: pick the key whose `kid` matches the token header; the algorithm is always EdDSA.
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "auth", operation_id = "jwks",
    responses((status = 200, description = "The key set", body = Jwks)))]
pub async fn jwks(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(CacheControl(vec![CacheDirective::Public, CacheDirective::MaxAge(300)]))
        .json(state.keys.current().jwks())
}
