//! The authenticated caller, as extractors: a handler that takes a [`Caller`] cannot run for an
//! anonymous request, and one that takes a [`Caller`] rather than a [`SignedIn`] cannot run for
//! someone who still has to change a temporary password.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use tenantry_domain::permissions::{self, Action, Position, Target};
use tenantry_domain::user::UserKind;
use tenantry_domain::RoleSet;
use tenantry_persistence::users::{self, UserRow};
use tenantry_persistence::StoreError;

use crate::auth::tokens;
use crate::problem::{ApiError, ErrorCode};
use crate::request_id::RequestId;
use crate::state::AppState;
use crate::unit_of_work::Actor;

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
}

impl From<AccessDenied> for ApiError {
    fn from(denied: AccessDenied) -> Self {
        match denied {
            AccessDenied::TenantHidden => ApiError::not_found("tenant"),
            other => ApiError::forbidden(other.to_string()),
        }
    }
}

impl From<&SignedIn> for Actor {
    fn from(caller: &SignedIn) -> Self {
        Self {
            user_id: Some(caller.user_id.clone()),
            name: caller.display_name.clone(),
            partner_id: None,
            request_id: caller.request_id.clone(),
        }
    }
}

/// Anyone with a valid token, even one who must change their password first.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user_id: String,
    pub display_name: String,
    pub tenant_id: Option<String>,
    pub is_operator: bool,
    pub roles: RoleSet,
    pub must_change_password: bool,
    pub request_id: String,
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
        Err(AccessDenied::TenantHidden)
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

impl FromRequest for SignedIn {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let bearer = bearer_token(req);
        let request_id = req.extensions().get::<RequestId>().map(|id| id.0.clone());
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal("application state is missing"))?;
            let request_id = request_id.ok_or_else(|| ApiError::internal("the request has no request id"))?;
            let token = bearer?;
            let claims = tokens::validate(&state.keys, &state.token_settings(), &token)
                .map_err(|e| ApiError::unauthenticated(e.to_string()))?;
            let user_id = claims.sub;
            let (user, roles) = state
                .read(move |conn, _| {
                    let Some(user) = users::find(conn, &user_id)? else {
                        return Ok::<_, StoreError>(None);
                    };
                    let roles = users::roles_of(conn, &user.id)?;
                    Ok(Some((user, roles)))
                })
                .await?
                .ok_or_else(|| ApiError::unauthenticated("the account behind this token no longer exists"))?;
            Ok(signed_in(user, roles, request_id))
        })
    }
}

fn signed_in(user: UserRow, roles: RoleSet, request_id: String) -> SignedIn {
    SignedIn {
        is_operator: user.kind == UserKind::Operator,
        user_id: user.id,
        display_name: user.display_name,
        tenant_id: user.tenant_id,
        roles,
        must_change_password: user.must_change_password,
        request_id,
    }
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
