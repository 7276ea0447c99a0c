//! The authenticated caller, as extractors: a handler that takes a [`Caller`] cannot run for an
//! anonymous request, and one that takes a [`Caller`] rather than a [`SignedIn`] cannot run for
//! someone who still has to change a temporary password.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use tenantry_domain::partner::{PartnerRole, PartnerSeat};
use tenantry_domain::user::UserKind;
use tenantry_domain::RoleSet;
use tenantry_persistence::{api_clients, time, users, DbConnection, StoreError};

use crate::app::state::AppState;
use crate::auth::delegation::{self, Delegate, Resolution};
use crate::auth::permit::Permit;
pub use crate::auth::standing::{AccessDenied, GrantingStanding, PartnerCaller, SignedIn};
use crate::auth::tokens::{self, Claims, TokenError};
use crate::http::access_log::LoggedCaller;
use crate::http::problem::{ApiError, ErrorCode};
use crate::http::request_id::RequestId;
use crate::runtime::clock;

impl From<AccessDenied> for ApiError {
    fn from(denied: AccessDenied) -> Self {
        match denied {
            AccessDenied::TenantHidden => ApiError::not_found("tenant"),
            AccessDenied::PartnerHidden => ApiError::not_found("partner"),
            other => ApiError::forbidden(other.to_string()),
        }
    }
}

/// A signed-in person who may use the API: their password is not a temporary one.
#[derive(Debug, Clone)]
pub struct Caller(pub SignedIn);

impl std::ops::Deref for Caller {
    type Target = SignedIn;
    fn deref(&self) -> &SignedIn {
        &self.0
    }
}

impl FromRequest for SignedIn {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let bearer = bearer_token(req);
        let request_id = req.extensions().get::<RequestId>().map(|id| id.0.clone());
        // The customer this request is about, if any: a partner's standing there is resolved now.
        let tenant_in_path = tenant_in_path(req);
        let req = req.clone();
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal("application state is missing"))?;
            let request_id = request_id.ok_or_else(|| ApiError::internal("the request has no request id"))?;
            let token = bearer?;
            let claims = verified_claims(&state, &token).await?;
            let principal = if claims.client_id.as_deref() == Some(claims.sub.as_str()) {
                Principal::ApiClient { id: claims.sub.clone(), credentials_version: claims.cv }
            } else {
                Principal::Person { id: claims.sub.clone(), security_stamp: claims.ss.unwrap_or(0) }
            };
            let now = clock::now();
            // Finding out who calls is the platform's own work: nobody is known yet to ask for it.
            let permit = Permit::platform_work("Authentication", request_id.clone());
            let (mut signed_in, resolution) = state
                .read(&permit, move |conn, _| load(conn, principal, tenant_in_path.as_deref(), request_id, now))
                .await?
                .ok_or_else(|| {
                    ApiError::unauthenticated("this token no longer works: the account was removed or disabled, or its password changed or was reset; sign in again")
                })?;
            // A lapsed relationship gives no standing; the job worker records its expiry (and
            // tells the customer) within a poll: reading who calls never writes.
            let delegation = match resolution {
                Resolution::Live(delegation) => Some(delegation),
                Resolution::Lapsed(_) | Resolution::None => None,
            };
            if let Some(partner) = signed_in.partner.as_mut() {
                partner.delegation = delegation;
            }
            req.extensions_mut()
                .insert(LoggedCaller { caller_id: signed_in.user_id.clone(), tenant_id: signed_in.tenant_id.clone() });
            Ok(signed_in)
        })
    }
}

/// Whom a token was issued to.
enum Principal {
    /// A person, with the security stamp their token was issued under.
    Person {
        id: String,
        security_stamp: i64,
    },
    ApiClient {
        id: String,
        credentials_version: Option<i64>,
    },
}

/// The caller behind a token, and their standing in the path's customer. `None` when the
/// account is gone or the API client disabled: the token no longer works.
fn load(
    conn: &mut DbConnection,
    principal: Principal,
    tenant_in_path: Option<&str>,
    request_id: String,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<(SignedIn, Resolution)>, StoreError> {
    let (signed_in, is_partner_admin) = match principal {
        Principal::Person { id, security_stamp } => {
            let Some((user, roles, partner_name)) = users::find_signed_in(conn, &id)? else { return Ok(None) };
            // The password changed or was reset, or the person was disabled, since this token
            // was issued: it no longer works.
            if user.security_stamp != security_stamp || user.disabled_at.is_some() {
                return Ok(None);
            }
            let partner_role = user.partner_role()?;
            let partner = match (&user.partner_id, partner_role, partner_name) {
                (Some(partner_id), Some(role), Some(partner_name)) => {
                    let seat = match role {
                        PartnerRole::Admin => PartnerSeat::Admin,
                        PartnerRole::Agent => PartnerSeat::Agent,
                    };
                    Some(PartnerCaller { partner_id: partner_id.clone(), partner_name, seat, delegation: None })
                }
                _ => None,
            };
            // Partner admins hold the relationship's access; agents what they were assigned.
            let is_partner_admin = partner_role.map(|role| role == PartnerRole::Admin);
            let signed_in = SignedIn {
                is_operator: user.kind == UserKind::Operator,
                user_id: user.id,
                display_name: user.display_name,
                tenant_id: user.tenant_id,
                roles,
                must_change_password: user.must_change_password,
                request_id,
                partner,
            };
            (signed_in, is_partner_admin)
        }
        Principal::ApiClient { id, credentials_version } => {
            let Some((client, partner_name)) =
                api_clients::find_with_partner_name(conn, &id)?.filter(|(client, _)| client.disabled_at.is_none())
            else {
                return Ok(None);
            };
            // A token lives as long as the secret it was obtained with: the current one, or the
            // previous one while a rotation's overlap runs.
            let overlap_running = client.previous_secret_valid_until.is_some_and(|until| time::from_db(until) > now);
            let still_valid = match credentials_version {
                Some(version) => version == client.version || (overlap_running && version == client.version - 1),
                None => false,
            };
            if !still_valid {
                return Ok(None);
            }
            let partner = PartnerCaller {
                partner_id: client.partner_id.clone(),
                partner_name,
                seat: PartnerSeat::ApiClient,
                delegation: None,
            };
            let signed_in = SignedIn {
                is_operator: false,
                user_id: client.id,
                display_name: client.name,
                tenant_id: None,
                roles: RoleSet::default(),
                must_change_password: false,
                request_id,
                partner: Some(partner),
            };
            (signed_in, Some(false))
        }
    };
    let resolution = match (&signed_in.partner, is_partner_admin, tenant_in_path) {
        (Some(partner), Some(is_admin), Some(tenant_id)) => {
            let delegate = if is_admin { Delegate::PartnerAdmin } else { Delegate::Grantee(&signed_in.user_id) };
            delegation::resolve(conn, &partner.partner_id, delegate, tenant_id, now)?
        }
        _ => Resolution::None,
    };
    Ok(Some((signed_in, resolution)))
}

/// The claims of a valid token: remembered from an earlier request, or verified now. A token
/// naming a key this process does not know yet (another process rotated) waits for a reload.
async fn verified_claims(state: &web::Data<AppState>, token: &str) -> Result<Arc<Claims>, ApiError> {
    let now = chrono::Utc::now().timestamp();
    if let Some(claims) = state.verified_tokens.get(token, now) {
        return Ok(claims);
    }
    let settings = state.token_settings();
    let claims = match tokens::validate(&state.keys.current(), &settings, token) {
        Err(TokenError::UnknownKey) => {
            state.reload_keys_for_unknown_kid().await?;
            tokens::validate(&state.keys.current(), &settings, token)
        }
        verified => verified,
    };
    let claims = Arc::new(claims.map_err(|e| ApiError::unauthenticated(e.to_string()))?);
    state.verified_tokens.remember(token, claims.clone(), now);
    Ok(claims)
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let signed_in = SignedIn::from_request(req, payload);
        Box::pin(async move {
            let signed_in = signed_in.await?;
            if signed_in.must_change_password {
                return Err(ApiError::new(
                    ErrorCode::PasswordChangeRequired,
                    "choose a new password first: POST /v1/me/password",
                ));
            }
            Ok(Caller(signed_in))
        })
    }
}

/// The tenant a request's path names, whatever its parameter is called.
fn tenant_in_path(req: &HttpRequest) -> Option<String> {
    let pattern = req.match_pattern()?;
    req.match_info().get(tenant_parameter(&pattern)?).map(str::to_owned)
}

/// The name of the parameter that holds the tenant in a route's pattern: the segment after
/// `tenants/` (or after `flagged-customers/`, a partner person's mark on a customer).
fn tenant_parameter(pattern: &str) -> Option<&str> {
    let segments: Vec<&str> = pattern.split('/').collect();
    segments
        .windows(2)
        .find(|pair| matches!(pair[0], "tenants" | "flagged-customers"))
        .and_then(|pair| pair[1].strip_prefix('{')?.strip_suffix('}'))
}

fn bearer_token(req: &HttpRequest) -> Result<String, ApiError> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(|| ApiError::new(ErrorCode::Unauthenticated, "sign in and send `Authorization: Bearer <token>`"))?;
    let value =
        value.to_str().map_err(|_| ApiError::unauthenticated("the Authorization header is not readable text"))?;
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => {
            Ok(token.trim().to_owned())
        }
        _ => Err(ApiError::unauthenticated("the Authorization header must be `Bearer <token>`")),
    }
}

#[cfg(test)]
mod tests {
    use super::tenant_parameter;

    #[test]
    fn the_tenant_is_found_in_a_path_whatever_its_parameter_is_called() {
        assert_eq!(tenant_parameter("/v1/tenants/{tid}/users/{uid}"), Some("tid"));
        assert_eq!(tenant_parameter("/v1/tenants/{tenant_id}/partner-relationships"), Some("tenant_id"));
        assert_eq!(tenant_parameter("/v1/me/flagged-customers/{customer}"), Some("customer"));
        assert_eq!(tenant_parameter("/v1/tenants"), None);
        assert_eq!(tenant_parameter("/v1/partners/{pid}/customers"), None);
    }
}
