//! Where a signed-in caller stands, and the decisions that let them act: in a tenant (the
//! permission matrix), in a partner (the partner table), on the platform (operators only), on
//! their own account. Each decision that says yes gives a [`Permit`], the only way a caller's
//! work reaches the database.

use tenantry_domain::granting::{self, GrantRefusal, Granter};
use tenantry_domain::partner::{self as partner_rules, DelegatedAccess, PartnerAction, PartnerSeat};
use tenantry_domain::permissions::{self, Action, Position, Target};
use tenantry_domain::RoleSet;

use crate::auth::delegation::Delegation;
use crate::auth::permit::{Actor, Permit};

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

impl SignedIn {
    /// Who this caller is in the audit log. Private: the only way to act as the caller is a
    /// permit, which the decisions below make.
    fn actor(&self) -> Actor {
        Actor {
            user_id: Some(self.user_id.clone()),
            name: self.display_name.clone(),
            partner_id: self.partner.as_ref().map(|p| p.partner_id.clone()),
            partner_name: self.partner.as_ref().map(|p| p.partner_name.clone()),
            request_id: self.request_id.clone(),
        }
    }

    /// The caller acting on their own account (their profile, password, preferences,
    /// take-overs they started): always theirs to do.
    pub fn own_account(&self) -> Permit {
        Permit::granted(self.actor())
    }

    /// What every signed-in caller may do whoever they are (asking whether a domain name is
    /// free, sending feedback).
    pub fn anyone_signed_in(&self) -> Permit {
        Permit::granted(self.actor())
    }

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
    pub fn authorize_partner(&self, partner_id: &str, action: PartnerAction) -> Result<Permit, AccessDenied> {
        let seat = self.seat_in(partner_id)?;
        if partner_rules::partner_permits(seat, action) {
            Ok(Permit::granted(self.actor()))
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
    pub fn ensure_visible(&self, tenant_id: &str) -> Result<Permit, AccessDenied> {
        self.standing_in(tenant_id).map(|_| Permit::granted(self.actor()))
    }

    /// Authorizes `action` on `target` in tenant `tenant_id`: 404 outside one's tenant, 403 when
    /// the permission matrix says no.
    pub fn authorize(&self, tenant_id: &str, action: Action, target: Target<'_>) -> Result<Permit, AccessDenied> {
        let allowed = match self.standing_in(tenant_id)? {
            Standing::Operator => permissions::operator_permits(action),
            Standing::Member(positions) => permissions::permits(&positions, action, target),
        };
        if allowed {
            Ok(Permit::granted(self.actor()))
        } else {
            Err(AccessDenied::NotPermitted(action))
        }
    }

    /// Only platform operators pass.
    pub fn require_operator(&self) -> Result<Permit, AccessDenied> {
        if self.is_operator {
            Ok(Permit::granted(self.actor()))
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
