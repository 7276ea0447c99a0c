//! Who may grant which admin role: nobody raises their own standing, nobody hands out a role
//! they could not exercise themselves, and a partner acting for a customer grants nothing beyond
//! its relationship.
//!
//! The cloud manager is the exception: it is the customer's account holder on the portal, and
//! designating the suite's administrators, global admins included, is its job. It grants any
//! role to others, never to itself.
//!
//! These rules come on top of the permission matrix: first the caller must be allowed to
//! designate administrators at all (`Action::DesignateAdmins`), then each role added passes here.

use crate::partner::{self, DelegatedAccess};
use crate::permissions::{grant, Action, Grant, Position, MATRIX};
use crate::roles::{AdminRole, RoleSet};

/// Who grants: where they stand in the tenant.
#[derive(Debug, Clone, Copy)]
pub enum Granter<'a> {
    /// A member of the tenant, with the positions their roles give them.
    Member(&'a [Position]),
    /// A partner acting through a delegated-admin relationship.
    Partner(DelegatedAccess),
}

/// Why a role may not be granted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GrantRefusal {
    #[error(
        "nobody adds roles to themselves: ask another administrator for `{0}`; you may only drop roles of your own"
    )]
    OwnStanding(AdminRole),
    #[error("you cannot grant `{0}`: it allows what your own roles do not")]
    BeyondOwnRoles(AdminRole),
    #[error("a partner grants only roles of its relationship with the customer ({held}); `{role}` is not one of them")]
    BeyondRelationship { role: AdminRole, held: String },
    #[error(transparent)]
    CustomerKeepsItsAdministrators(#[from] partner::DelegatedDesignationError),
}

/// How much a cell allows, to compare cells: a conditional grant allows less than `Yes`.
fn covers(held: Grant, wanted: Grant) -> bool {
    match wanted {
        Grant::No => true,
        Grant::Yes => held == Grant::Yes,
        conditional => held == Grant::Yes || held == conditional,
    }
}

/// Whether someone standing at `positions` may grant `role` to someone else: they could
/// exercise it themselves, or they are the cloud manager, whose job it is.
pub fn may_grant(positions: &[Position], role: AdminRole) -> bool {
    positions.contains(&Position::CloudManager) || could_exercise(positions, role)
}

/// Whether someone standing at `positions` may already do everything `role` allows, row by row.
pub fn could_exercise(positions: &[Position], role: AdminRole) -> bool {
    let wanted = Position::of_role(role);
    MATRIX.iter().all(|(action, _)| {
        let action: Action = *action;
        positions.iter().any(|&held| covers(grant(held, action), grant(wanted, action)))
    })
}

/// The roles a delegated relationship stands for (the design: `full` = global admin, `limited`
/// = password admin).
pub fn relationship_roles(access: DelegatedAccess) -> RoleSet {
    match access {
        DelegatedAccess::Full => RoleSet::new([AdminRole::GlobalAdmin]),
        DelegatedAccess::Limited => RoleSet::new([AdminRole::PasswordAdmin]),
    }
}

/// Decides a change of one person's roles from `before` to `after` by `granter`; `is_self` when
/// the person is the granter. Dropping roles is always allowed here (the last global admin is
/// `RoleChange`'s rule); each role added must pass.
pub fn check_grant(granter: Granter<'_>, is_self: bool, before: &RoleSet, after: &RoleSet) -> Result<(), GrantRefusal> {
    if let Granter::Partner(_) = granter {
        partner::check_delegated_designation(before, after)?;
    }
    for role in after.added_from(before).iter() {
        if is_self {
            return Err(GrantRefusal::OwnStanding(role));
        }
        match granter {
            Granter::Member(positions) if !may_grant(positions, role) => {
                return Err(GrantRefusal::BeyondOwnRoles(role));
            }
            Granter::Partner(access) if !relationship_roles(access).contains(role) => {
                let held = relationship_roles(access).iter().map(AdminRole::as_str).collect::<Vec<_>>().join(", ");
                return Err(GrantRefusal::BeyondRelationship { role, held });
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use AdminRole::{BillingAdmin as Bill, CloudManager as CM, GlobalAdmin as GA, PasswordAdmin as Pwd};

    fn member(roles: &[AdminRole]) -> Vec<Position> {
        Position::of_member(&RoleSet::new(roles.iter().copied()))
    }

    /// Holder (by roles) x role: whether they could exercise it themselves (first string) and
    /// may grant it to someone else (second): ✓ yes, . no.
    #[test]
    fn a_role_is_granted_by_someone_who_could_exercise_it_or_by_the_cloud_manager() {
        let table: [(&[AdminRole], &str, &str); 6] = [
            // role:          CM GA Bill Pwd
            (&[CM], "✓.✓✓", "✓✓✓✓"),
            (&[GA], "✓✓✓✓", "✓✓✓✓"),
            (&[Bill], "..✓.", "..✓."),
            (&[Pwd], "...✓", "...✓"),
            (&[Bill, Pwd], "..✓✓", "..✓✓"),
            (&[], "....", "...."),
        ];
        for (roles, exercised, granted) in table {
            let positions = member(roles);
            for ((role, exercise), grant) in AdminRole::ALL.into_iter().zip(exercised.chars()).zip(granted.chars()) {
                assert_eq!(could_exercise(&positions, role), exercise == '✓', "{roles:?} exercising {role}");
                assert_eq!(may_grant(&positions, role), grant == '✓', "{roles:?} granting {role}");
            }
        }
    }

    #[test]
    fn nobody_adds_a_role_to_themselves_but_anyone_may_drop_one() {
        let cm = member(&[CM]);
        let ga = member(&[GA]);
        let none = RoleSet::default();
        let cloud_manager = RoleSet::new([CM]);
        let cloud_and_global = RoleSet::new([CM, GA]);
        assert_eq!(
            check_grant(Granter::Member(&cm), true, &cloud_manager, &cloud_and_global),
            Err(GrantRefusal::OwnStanding(GA))
        );
        // Even a role they could exercise: standing is given by someone else.
        assert_eq!(
            check_grant(Granter::Member(&ga), true, &RoleSet::new([GA]), &RoleSet::new([GA, Bill])),
            Err(GrantRefusal::OwnStanding(Bill))
        );
        assert_eq!(check_grant(Granter::Member(&cm), true, &cloud_and_global, &cloud_manager), Ok(()));
        assert_eq!(check_grant(Granter::Member(&cm), true, &cloud_manager, &none), Ok(()));
        assert_eq!(check_grant(Granter::Member(&cm), true, &cloud_manager, &cloud_manager), Ok(()));
    }

    #[test]
    fn grants_to_others_by_members() {
        let none = RoleSet::default();
        let cm = member(&[CM]);
        let ga = member(&[GA]);
        let bill = member(&[Bill]);
        // The cloud manager designates the global admins, never itself one.
        assert_eq!(check_grant(Granter::Member(&cm), false, &none, &RoleSet::new([GA])), Ok(()));
        assert_eq!(
            check_grant(Granter::Member(&bill), false, &none, &RoleSet::new([GA])),
            Err(GrantRefusal::BeyondOwnRoles(GA))
        );
        assert_eq!(check_grant(Granter::Member(&ga), false, &none, &RoleSet::new([GA])), Ok(()));
        assert_eq!(check_grant(Granter::Member(&cm), false, &none, &RoleSet::new([Bill, Pwd])), Ok(()));
        // Roles the person holds already are not granted again: only what is added is judged.
        assert_eq!(check_grant(Granter::Member(&cm), false, &RoleSet::new([GA]), &RoleSet::new([GA, Bill])), Ok(()));
    }

    #[test]
    fn a_partner_grants_nothing_beyond_its_relationship() {
        let none = RoleSet::default();
        for access in DelegatedAccess::ALL {
            for role in [Bill, Pwd] {
                let granted = check_grant(Granter::Partner(access), false, &none, &RoleSet::new([role]));
                if relationship_roles(access).contains(role) {
                    assert_eq!(granted, Ok(()), "{access:?} granting {role}");
                } else {
                    assert!(
                        matches!(granted, Err(GrantRefusal::BeyondRelationship { .. })),
                        "{access:?} granting {role}"
                    );
                }
            }
            // The customer's own administrators stay the customer's whatever the relationship.
            for role in [GA, CM] {
                let granted = check_grant(Granter::Partner(access), false, &none, &RoleSet::new([role]));
                assert!(
                    matches!(granted, Err(GrantRefusal::CustomerKeepsItsAdministrators(_))),
                    "{access:?} granting {role}"
                );
            }
            assert_eq!(check_grant(Granter::Partner(access), false, &none, &none), Ok(()));
        }
    }
}
