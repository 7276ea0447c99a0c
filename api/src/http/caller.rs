//! The authenticated caller, as extractors: a handler that takes a [`Caller`] cannot run for an
//! anonymous request, and one that takes a [`Caller`] rather than a [`SignedIn`] cannot run for
//! someone who still has to change a temporary password.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use tenantry_domain::granting::{self, GrantRefusal, Granter};
use tenantry_domain::partner::{self as partner_rules, DelegatedAccess, PartnerAction, PartnerRole, PartnerSeat};
use tenantry_domain::permissions::{self, Action, Position, Target};
use tenantry_domain::user::UserKind;
use tenantry_domain::RoleSet;
use tenantry_persistence::{api_clients, time, users, DbConnection, StoreError};

use crate::app::state::AppState;
use crate::app::unit_of_work::Actor;
use crate::auth::delegation::{self, Delegate, Delegation, Resolution};
use crate::auth::tokens::{self, Claims, TokenError};
use crate::http::access_log::LoggedCaller;
use crate::http::problem::{ApiError, ErrorCode};
use crate::http::request_id::RequestId;
use crate::runtime::clock;

/// Why a signed-in caller may not do something.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccessDenied {
    /// The tenant is not the caller's: it does not exist from where they stand.
    #[error("tenant not found")]
    TenantHidden,
    #[error("your roles do not allow you to {}", .0.describe())]
    NotPermitted(Action),
    #[error("only platform operators may do this")]
    OperatorsOnly,
    /// The partner is not the caller's: it does not exist from where they stand.
    #[error("partner not found")]
    PartnerHidden,
    #[error("your partner role does not allow you to {}", .0.describe())]
    NotPermittedForPartner(PartnerAction),
    #[error("only people in a partner organisation may do this")]
    PartnerPeopleOnly,
}

impl From<AccessDenied> for ApiError {
    fn from(denied: AccessDenied) -> Self {
        match denied {
            AccessDenied::TenantHidden => ApiError::not_found("tenant"),
            AccessDenied::PartnerHidden => ApiError::not_found("partner"),
            other => ApiError::forbidden(other.to_string()),
        }
    }
}

impl From<&SignedIn> for Actor {
    fn from(caller: &SignedIn) -> Self {
        Self {
            user_id: Some(caller.user_id.clone()),
            name: caller.display_name.clone(),
            partner_id: caller.partner.as_ref().map(|p| p.partner_id.clone()),
            partner_name: caller.partner.as_ref().map(|p| p.partner_name.clone()),
            request_id: caller.request_id.clone(),
        }
    }
}

/// Anyone with a valid token, even one who must change their password first: a person, or a
/// partner's API client (`user_id` is then the client's id).
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user_id: String,
    pub display_name: String,
    pub tenant_id: Option<String>,
    pub is_operator: bool,
    pub roles: RoleSet,
    pub must_change_password: bool,
    pub request_id: String,
    /// Set for a partner's people and API clients.
    pub partner: Option<PartnerCaller>,
}

/// A caller on a partner's side.
#[derive(Debug, Clone)]
pub struct PartnerCaller {
    pub partner_id: String,
    pub partner_name: String,
    pub seat: PartnerSeat,
    /// Their standing in the customer the request is about (the path's `{tid}`), resolved
    /// once for this request; `None` without a live relationship and assignment.
    pub delegation: Option<Delegation>,
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

impl SignedIn {
    /// Where this caller stands in tenant `tenant_id`. Someone from another tenant learns
    /// nothing, not even that the tenant exists: 404.
    fn standing_in(&self, tenant_id: &str) -> Result<Standing, AccessDenied> {
        if self.is_operator {
            return Ok(Standing::Operator);
        }
        if self.tenant_id.as_deref() == Some(tenant_id) {
            return Ok(Standing::Member(Position::of_member(&self.roles)));
        }
        if let Some(delegation) = self.delegation_in(tenant_id) {
            return Ok(Standing::Member(vec![delegation.access.position()]));
        }
        Err(AccessDenied::TenantHidden)
    }

    /// How the caller grants admin roles in tenant `tenant_id` (see `granting`).
    pub fn granting_in(&self, tenant_id: &str) -> Result<GrantingStanding, AccessDenied> {
        if let Some(delegation) = self.delegation_in(tenant_id) {
            return Ok(GrantingStanding::Partner(delegation.access));
        }
        Ok(match self.standing_in(tenant_id)? {
            Standing::Operator => GrantingStanding::Operator,
            Standing::Member(positions) => GrantingStanding::Member(positions),
        })
    }

    /// The caller's delegated standing in tenant `tenant_id`, if they act there for a partner.
    pub fn delegation_in(&self, tenant_id: &str) -> Option<&Delegation> {
        self.partner.as_ref()?.delegation.as_ref().filter(|delegation| delegation.tenant_id == tenant_id)
    }

    /// Where the caller sits in partner `partner_id`: 404 for another partner's people (and
    /// anyone outside partners but operators), so they learn nothing of it.
    pub fn seat_in(&self, partner_id: &str) -> Result<PartnerSeat, AccessDenied> {
        if self.is_operator {
            return Ok(PartnerSeat::Operator);
        }
        match &self.partner {
            Some(partner) if partner.partner_id == partner_id => Ok(partner.seat),
            _ => Err(AccessDenied::PartnerHidden),
        }
    }

    /// Authorizes `action` on partner `partner_id`: 404 outside one's partner, 403 when the
    /// partner table says no.
    pub fn authorize_partner(&self, partner_id: &str, action: PartnerAction) -> Result<PartnerSeat, AccessDenied> {
        let seat = self.seat_in(partner_id)?;
        if partner_rules::partner_permits(seat, action) {
            Ok(seat)
        } else {
            Err(AccessDenied::NotPermittedForPartner(action))
        }
    }

    /// A person on a partner's side (not an API client), for what only people have: flagged
    /// customers, recently opened users.
    pub fn is_partner_person(&self) -> bool {
        self.partner.as_ref().is_some_and(|p| matches!(p.seat, PartnerSeat::Admin | PartnerSeat::Agent))
    }

    pub fn is_api_client(&self) -> bool {
        self.partner.as_ref().is_some_and(|p| p.seat == PartnerSeat::ApiClient)
    }

    /// 404 unless the tenant is the caller's own (or the caller is an operator). Use before
    /// work whose permission depends on a target that must be loaded first.
    pub fn ensure_visible(&self, tenant_id: &str) -> Result<(), AccessDenied> {
        self.standing_in(tenant_id).map(|_| ())
    }

    /// Authorizes `action` on `target` in tenant `tenant_id`: 404 outside one's tenant, 403 when
    /// the permission matrix says no.
    pub fn authorize(&self, tenant_id: &str, action: Action, target: Target<'_>) -> Result<(), AccessDenied> {
        let allowed = match self.standing_in(tenant_id)? {
            Standing::Operator => permissions::operator_permits(action),
            Standing::Member(positions) => permissions::permits(&positions, action, target),
        };
        if allowed {
            Ok(())
        } else {
            Err(AccessDenied::NotPermitted(action))
        }
    }

    /// Only platform operators pass.
    pub fn require_operator(&self) -> Result<(), AccessDenied> {
        if self.is_operator {
            Ok(())
        } else {
            Err(AccessDenied::OperatorsOnly)
        }
    }
}

enum Standing {
    Operator,
    Member(Vec<Position>),
}

/// Where a caller stands when granting roles in a tenant.
#[derive(Debug, Clone)]
pub enum GrantingStanding {
    /// The platform grants what it sets up (a new tenant's cloud manager).
    Operator,
    Member(Vec<Position>),
    Partner(DelegatedAccess),
}

impl GrantingStanding {
    /// Whether the caller may change a person's roles from `before` to `after` (`is_self` when
    /// the person is the caller).
    pub fn check(&self, is_self: bool, before: &RoleSet, after: &RoleSet) -> Result<(), GrantRefusal> {
        match self {
            GrantingStanding::Operator => Ok(()),
            GrantingStanding::Member(positions) => {
                granting::check_grant(Granter::Member(positions), is_self, before, after)
            }
            GrantingStanding::Partner(access) => {
                granting::check_grant(Granter::Partner(*access), is_self, before, after)
            }
        }
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
        let tenant_in_path = req.match_info().get("tid").map(str::to_owned);
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
            let (mut signed_in, resolution) = state
                .read(move |conn, _| load(conn, principal, tenant_in_path.as_deref(), request_id, now))
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
