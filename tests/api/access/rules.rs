//! Who calls, and whether the permission matrix or the partner table lets them call a route.

use tenantry_domain::partner::{self as partner_rules, DelegatedAccess, PartnerSeat};
use tenantry_domain::permissions::{self, Action, Position, Target};
use tenantry_domain::{AdminRole, RoleSet};

use super::routes::{Route, Rule};

/// The positions a caller holds, as the matrix sees them; `None` for the operator.
fn positions(roles: &[AdminRole]) -> Vec<Position> {
    Position::of_member(&RoleSet::new(roles.iter().copied()))
}

/// Who calls, as the rules see them.
#[derive(Debug, Clone, Copy)]
pub(super) enum Who<'a> {
    /// The platform operator.
    Operator,
    /// A member of the tenant, with their admin roles.
    Member(&'a [AdminRole]),
    /// On a partner's side (an admin, an agent or an API client), with the access it holds in
    /// the customer at hand, if any.
    Partner { seat: PartnerSeat, access: Option<DelegatedAccess> },
}

pub(super) fn expected(rule: Rule, who: Who<'_>, target_roles: &RoleSet) -> bool {
    let held = match who {
        Who::Operator => {
            return match rule {
                Rule::Operator | Rule::Partners => true,
                Rule::Tenant(action) | Rule::OtherPerson(action) => permissions::operator_permits(action),
                Rule::Partner(action) => partner_rules::partner_permits(PartnerSeat::Operator, action),
                Rule::CreateUser | Rule::PasswordReset | Rule::PlanChange | Rule::CustomersOnly(_) => false,
                Rule::FlagCustomer | Rule::EndRelationship => false,
                Rule::Public | Rule::SignedIn => true,
            };
        }
        Who::Member(roles) => positions(roles),
        // The matrix's delegated columns; without access, nothing (the tenant is hidden).
        Who::Partner { access, .. } => access.map(DelegatedAccess::position).into_iter().collect(),
    };
    let seat = match who {
        Who::Partner { seat, .. } => Some(seat),
        _ => None,
    };
    match rule {
        Rule::Operator => false,
        Rule::Public | Rule::SignedIn => true,
        Rule::Partners => seat.is_some(),
        Rule::Partner(action) => seat.is_some_and(|seat| partner_rules::partner_permits(seat, action)),
        Rule::FlagCustomer => matches!(seat, Some(PartnerSeat::Admin | PartnerSeat::Agent)) && !held.is_empty(),
        Rule::EndRelationship => {
            seat == Some(PartnerSeat::Admin)
                || permissions::permits(&held, Action::ManagePartnerRelationships, Target::Tenant)
        }
        Rule::Tenant(action) | Rule::CustomersOnly(action) => permissions::permits(&held, action, Target::Tenant),
        Rule::OtherPerson(action) => {
            permissions::permits(&held, action, Target::Person { is_caller: false, roles: target_roles })
        }
        Rule::CreateUser => permissions::permits(&held, Action::ManageUsers, Target::Tenant),
        Rule::PasswordReset => permissions::permits(
            &held,
            permissions::password_reset_action(target_roles),
            Target::Person { is_caller: false, roles: target_roles },
        ),
        Rule::PlanChange => {
            permissions::permits(&held, Action::ManageSubscriptions, Target::Tenant)
                && permissions::permits(&held, Action::AssignLicenses, Target::Tenant)
        }
    }
}

/// The routes outside tenants that the operator alone may call, and sending feedback (anyone
/// signed in): what a tenant's member or a partner's delegate is refused or allowed there.
pub(super) fn is_platform_route(route: &Route) -> bool {
    !route.path.contains("{tid}") && (matches!(route.rule, Rule::Operator) || route.path == "/v1/feedback")
}
