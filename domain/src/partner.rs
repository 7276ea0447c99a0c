//! Partners and delegated administration.
//!
//! A partner sends customers a reusable delegated-admin offer asking for `full` access (the
//! customer's global administrator rights) or `limited` access (password administrator rights).
//! A customer's global admin who accepts it creates a relationship (`relationship`). The partner's admins hold the
//! relationship's access; its agents and API clients hold what a partner admin assigned them, and
//! never more than the relationship grants. A relationship ends when either side ends it, or when
//! its end date passes.

use std::str::FromStr;

use crate::permissions::{self, Action, Position, Target};
use crate::roles::{AdminRole, RoleSet};

/// A person's role in a partner organisation: a type of its own, never a tenant role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PartnerRole {
    /// Runs the partner: its people, offers, API clients and who acts for which customer.
    Admin,
    /// Acts for customers with the access a partner admin assigned.
    Agent,
}

impl PartnerRole {
    pub const ALL: [PartnerRole; 2] = [PartnerRole::Admin, PartnerRole::Agent];

    pub fn as_str(self) -> &'static str {
        match self {
            PartnerRole::Admin => "partner_admin",
            PartnerRole::Agent => "partner_agent",
        }
    }
}

/// How much of a customer a delegated administrator may run. `Limited < Full`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DelegatedAccess {
    /// The customer's password administrator rights.
    Limited,
    /// The customer's global administrator rights.
    Full,
}

impl DelegatedAccess {
    pub const ALL: [DelegatedAccess; 2] = [DelegatedAccess::Limited, DelegatedAccess::Full];

    pub fn as_str(self) -> &'static str {
        match self {
            DelegatedAccess::Limited => "limited",
            DelegatedAccess::Full => "full",
        }
    }

    /// The column of the permission matrix this access decides with.
    pub fn position(self) -> Position {
        match self {
            DelegatedAccess::Limited => Position::DelegatedLimited,
            DelegatedAccess::Full => Position::DelegatedFull,
        }
    }
}

/// What a partner admin assigns an agent or an API client for one customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AssignedAccess {
    None,
    Some(DelegatedAccess),
}

impl AssignedAccess {
    pub fn as_str(self) -> &'static str {
        match self {
            AssignedAccess::None => "none",
            AssignedAccess::Some(access) => access.as_str(),
        }
    }
}

/// Who is asking to act for a customer, on the partner's side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delegate {
    /// A partner admin holds the relationship's access.
    PartnerAdmin,
    /// An agent or an API client holds what was assigned to it (none when nothing was).
    Assigned(AssignedAccess),
}

/// The access a delegate has in a customer with a live relationship granting `granted`: never
/// more than the relationship, and none without an assignment.
pub fn standing(granted: DelegatedAccess, delegate: Delegate) -> Option<DelegatedAccess> {
    match delegate {
        Delegate::PartnerAdmin => Some(granted),
        Delegate::Assigned(AssignedAccess::None) => None,
        Delegate::Assigned(AssignedAccess::Some(assigned)) => Some(assigned.min(granted)),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssignmentError {
    #[error("the relationship with this customer grants {granted} access; {requested} cannot be assigned")]
    BeyondRelationship { granted: DelegatedAccess, requested: DelegatedAccess },
}

/// Checks an assignment against the relationship: `none` is always allowed, anything else only
/// up to what the customer granted.
pub fn check_assignment(granted: DelegatedAccess, requested: AssignedAccess) -> Result<(), AssignmentError> {
    match requested {
        AssignedAccess::Some(requested) if requested > granted => {
            Err(AssignmentError::BeyondRelationship { granted, requested })
        }
        _ => Ok(()),
    }
}
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DelegatedDesignationError {
    #[error("the customer's own administrators (cloud managers and global admins) are designated and managed by the customer, not by a partner")]
    CustomerKeepsItsAdministrators,
    #[error("a partner changes the sign-in address or contact email only of accounts it created through this relationship: the customer's own people keep theirs")]
    CustomersOwnAccess,
    #[error("whether an account is enabled is the customer's to decide, not a partner's")]
    CustomerDecidesWhoMaySignIn,
}

/// What a partner may change of a customer's person: the sign-in address and contact email
/// (where a reset's temporary password goes) only of an account it created through the
/// relationship, or it could take over any account and leave it behind unlisted; never whether
/// the account is enabled, or it could undo the customer's disabling of what it left.
pub fn check_delegated_profile_change(
    created_through_this_relationship: bool,
    changes_sign_in_or_contact: bool,
    changes_enabled: bool,
) -> Result<(), DelegatedDesignationError> {
    if changes_enabled {
        return Err(DelegatedDesignationError::CustomerDecidesWhoMaySignIn);
    }
    if changes_sign_in_or_contact && !created_through_this_relationship {
        return Err(DelegatedDesignationError::CustomersOwnAccess);
    }
    Ok(())
}

/// The roles that stay with the customer: those that may designate administrators or accept and
/// end partner relationships (read from the matrix). A partner holding one of them could make
/// itself independent of the relationship the customer granted.
pub fn customer_only_roles() -> RoleSet {
    RoleSet::new(AdminRole::ALL.into_iter().filter(|role| {
        let positions = Position::of_member(&RoleSet::new([*role]));
        [Action::DesignateAdmins, Action::ManagePartnerRelationships]
            .into_iter()
            .any(|action| permissions::permits(&positions, action, Target::Tenant))
    }))
}

fn holds_customer_only_role(roles: &RoleSet) -> bool {
    customer_only_roles().iter().any(|role| roles.contains(role))
}

/// A delegated administrator may designate admins (with full access) but never give, take away
/// or change a role that stays with the customer.
pub fn check_delegated_designation(before: &RoleSet, after: &RoleSet) -> Result<(), DelegatedDesignationError> {
    if holds_customer_only_role(before) || holds_customer_only_role(after) {
        return Err(DelegatedDesignationError::CustomerKeepsItsAdministrators);
    }
    Ok(())
}

/// Nor may it edit or delete a person holding such a role (changing their contact email would
/// send their next password reset to the partner).
pub fn check_delegated_change_of(target: &RoleSet) -> Result<(), DelegatedDesignationError> {
    if holds_customer_only_role(target) {
        return Err(DelegatedDesignationError::CustomerKeepsItsAdministrators);
    }
    Ok(())
}

/// What is done on a partner's own side (not inside a customer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PartnerAction {
    /// See the partner organisation and its people.
    ReadPartner,
    /// Add partner admins and agents.
    ManageStaff,
    /// Create and revoke delegated-admin offers.
    ManageOffers,
    /// Register, rotate and disable API clients.
    ManageApiClients,
    /// Give agents and API clients access to customers; end relationships from the partner's side.
    ManageDelegation,
    /// List the customers one may act for.
    ListCustomers,
}

impl PartnerAction {
    pub fn describe(self) -> &'static str {
        match self {
            PartnerAction::ReadPartner => "read this partner",
            PartnerAction::ManageStaff => "add people to this partner",
            PartnerAction::ManageOffers => "create or revoke delegated-admin offers",
            PartnerAction::ManageApiClients => "manage this partner's API clients",
            PartnerAction::ManageDelegation => "manage who acts for which customer",
            PartnerAction::ListCustomers => "list this partner's customers",
        }
    }
}

/// Who acts on a partner's side: the columns of [`PARTNER_MATRIX`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PartnerSeat {
    /// The platform operator: sets partners up and looks, but makes no partner's decisions.
    Operator,
    Admin,
    Agent,
    ApiClient,
}

/// Columns: operator, partner admin, partner agent, API client.
pub const PARTNER_MATRIX: [(PartnerAction, [bool; 4]); 6] = [
    (PartnerAction::ReadPartner, [true, true, true, true]),
    (PartnerAction::ManageStaff, [true, true, false, false]),
    (PartnerAction::ManageOffers, [false, true, false, false]),
    (PartnerAction::ManageApiClients, [false, true, false, false]),
    (PartnerAction::ManageDelegation, [false, true, false, false]),
    (PartnerAction::ListCustomers, [true, true, true, true]),
];

/// Whether `seat` may perform `action` on its partner.
pub fn partner_permits(seat: PartnerSeat, action: PartnerAction) -> bool {
    let column = match seat {
        PartnerSeat::Operator => 0,
        PartnerSeat::Admin => 1,
        PartnerSeat::Agent => 2,
        PartnerSeat::ApiClient => 3,
    };
    PARTNER_MATRIX.iter().find(|(row, _)| *row == action).is_some_and(|(_, cells)| cells[column])
}

crate::names::stored_names!(PartnerRole, UnknownPartnerRole, "a partner role");
crate::names::stored_names!(DelegatedAccess, UnknownDelegatedAccess, "a delegated access (`full` or `limited`)");

impl FromStr for AssignedAccess {
    type Err = UnknownDelegatedAccess;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "none" {
            return Ok(AssignedAccess::None);
        }
        s.parse().map(AssignedAccess::Some)
    }
}

impl TryFrom<String> for AssignedAccess {
    type Error = UnknownDelegatedAccess;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::permissions::{permits, Action, Target};

    #[test]
    fn full_is_the_global_admin_column_and_limited_the_password_admin_one() {
        let full = [DelegatedAccess::Full.position()];
        let limited = [DelegatedAccess::Limited.position()];
        assert!(permits(&full, Action::ManageUsers, Target::Tenant));
        assert!(permits(&full, Action::ManageSubscriptions, Target::Tenant));
        assert!(!permits(&limited, Action::ManageUsers, Target::Tenant));
        assert!(permits(&limited, Action::ResetPasswordOfUser, Target::Tenant));
        for access in DelegatedAccess::ALL {
            assert!(!permits(&[access.position()], Action::ManagePartnerRelationships, Target::Tenant));
        }
    }

    #[test]
    fn a_delegate_never_holds_more_than_the_relationship_grants() {
        use AssignedAccess::{None as Nothing, Some as Given};
        use DelegatedAccess::{Full, Limited};
        let cases = [
            (Full, Delegate::PartnerAdmin, Some(Full)),
            (Limited, Delegate::PartnerAdmin, Some(Limited)),
            (Full, Delegate::Assigned(Given(Full)), Some(Full)),
            (Full, Delegate::Assigned(Given(Limited)), Some(Limited)),
            (Limited, Delegate::Assigned(Given(Full)), Some(Limited)),
            (Limited, Delegate::Assigned(Given(Limited)), Some(Limited)),
            (Full, Delegate::Assigned(Nothing), None),
            (Limited, Delegate::Assigned(Nothing), None),
        ];
        for (granted, delegate, expected) in cases {
            assert_eq!(standing(granted, delegate), expected, "{granted} {delegate:?}");
        }
    }

    #[test]
    fn an_assignment_goes_up_to_the_relationship_and_no_further() {
        use DelegatedAccess::{Full, Limited};
        assert_eq!(check_assignment(Full, AssignedAccess::Some(Full)), Ok(()));
        assert_eq!(check_assignment(Full, AssignedAccess::Some(Limited)), Ok(()));
        assert_eq!(check_assignment(Limited, AssignedAccess::Some(Limited)), Ok(()));
        assert_eq!(check_assignment(Limited, AssignedAccess::None), Ok(()));
        assert_eq!(
            check_assignment(Limited, AssignedAccess::Some(Full)),
            Err(AssignmentError::BeyondRelationship { granted: Limited, requested: Full })
        );
    }
    #[test]
    fn cloud_managers_and_global_admins_stay_with_the_customer() {
        assert_eq!(customer_only_roles(), RoleSet::new([AdminRole::CloudManager, AdminRole::GlobalAdmin]));
        let none = RoleSet::default();
        let billing = RoleSet::new([AdminRole::BillingAdmin]);
        let password = RoleSet::new([AdminRole::PasswordAdmin]);
        assert_eq!(check_delegated_designation(&none, &billing), Ok(()));
        assert_eq!(check_delegated_designation(&billing, &password), Ok(()));
        assert_eq!(check_delegated_designation(&billing, &none), Ok(()));
        let refused = Err(DelegatedDesignationError::CustomerKeepsItsAdministrators);
        for kept in [AdminRole::GlobalAdmin, AdminRole::CloudManager] {
            let with_it = RoleSet::new([kept]);
            let with_it_and_billing = RoleSet::new([kept, AdminRole::BillingAdmin]);
            assert_eq!(check_delegated_designation(&none, &with_it), refused, "granting {kept}");
            assert_eq!(check_delegated_designation(&with_it, &none), refused, "removing {kept}");
            assert_eq!(check_delegated_designation(&with_it, &with_it_and_billing), refused, "changing a {kept}");
            assert_eq!(check_delegated_change_of(&with_it), refused, "editing a {kept}");
        }
        assert_eq!(check_delegated_change_of(&billing), Ok(()));
        assert_eq!(check_delegated_change_of(&none), Ok(()));
    }

    #[test]
    fn a_partner_changes_the_access_only_of_accounts_it_created_and_never_enables_any() {
        // (created through this relationship, changes sign-in or contact, changes enabled)
        assert_eq!(check_delegated_profile_change(false, false, false), Ok(()), "a display name");
        assert_eq!(check_delegated_profile_change(true, true, false), Ok(()));
        assert_eq!(
            check_delegated_profile_change(false, true, false),
            Err(DelegatedDesignationError::CustomersOwnAccess)
        );
        for created in [true, false] {
            assert_eq!(
                check_delegated_profile_change(created, false, true),
                Err(DelegatedDesignationError::CustomerDecidesWhoMaySignIn)
            );
        }
    }

    #[test]
    fn the_partner_side_table_reads_as_designed() {
        use PartnerAction::*;
        use PartnerSeat::*;
        // operator, admin, agent, client
        let expected = [
            (ReadPartner, "YYYY"),
            (ManageStaff, "YY.."),
            (ManageOffers, ".Y.."),
            (ManageApiClients, ".Y.."),
            (ManageDelegation, ".Y.."),
            (ListCustomers, "YYYY"),
        ];
        for (action, cells) in expected {
            for (seat, cell) in [Operator, Admin, Agent, ApiClient].into_iter().zip(cells.chars()) {
                assert_eq!(partner_permits(seat, action), cell == 'Y', "{action:?} for {seat:?}");
            }
            assert!(!action.describe().is_empty());
        }
    }

    #[test]
    fn names_round_trip() {
        for role in PartnerRole::ALL {
            assert_eq!(role.as_str().parse::<PartnerRole>(), Ok(role));
        }
        assert_eq!("none".parse::<AssignedAccess>(), Ok(AssignedAccess::None));
        assert_eq!("full".parse::<AssignedAccess>(), Ok(AssignedAccess::Some(DelegatedAccess::Full)));
        assert!("owner".parse::<AssignedAccess>().is_err());
        assert!("member".parse::<PartnerRole>().is_err());
    }
}
