//! Administrator roles inside a customer tenant, and the rules for designating them.
//!
//! Holding a role never consumes a license: roles and licenses are independent.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

/// An administrator role a person can hold in a customer tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AdminRole {
    CloudManager,
    GlobalAdmin,
    BillingAdmin,
    PasswordAdmin,
}

impl AdminRole {
    pub const ALL: [AdminRole; 4] =
        [AdminRole::CloudManager, AdminRole::GlobalAdmin, AdminRole::BillingAdmin, AdminRole::PasswordAdmin];

    pub fn as_str(self) -> &'static str {
        match self {
            AdminRole::CloudManager => "cloud_manager",
            AdminRole::GlobalAdmin => "global_admin",
            AdminRole::BillingAdmin => "billing_admin",
            AdminRole::PasswordAdmin => "password_admin",
        }
    }
}

impl fmt::Display for AdminRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an administrator role")]
pub struct UnknownRole(pub String);

impl FromStr for AdminRole {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AdminRole::ALL.into_iter().find(|role| role.as_str() == s).ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

/// The roles one person holds in their tenant.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleSet(BTreeSet<AdminRole>);

impl RoleSet {
    pub fn new(roles: impl IntoIterator<Item = AdminRole>) -> Self {
        Self(roles.into_iter().collect())
    }

    pub fn contains(&self, role: AdminRole) -> bool {
        self.0.contains(&role)
    }

    pub fn is_admin(&self) -> bool {
        !self.0.is_empty()
    }

    /// "Password admins only" in the matrix: an admin whose only role is password administrator.
    pub fn is_password_admin_only(&self) -> bool {
        self.0.len() == 1 && self.contains(AdminRole::PasswordAdmin)
    }

    pub fn iter(&self) -> impl Iterator<Item = AdminRole> + '_ {
        self.0.iter().copied()
    }

    pub fn added_from(&self, before: &RoleSet) -> RoleSet {
        RoleSet(self.0.difference(&before.0).copied().collect())
    }
}

/// Why a change of roles is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoleChangeError {
    #[error("an administrator needs a personal contact email to receive their sign-in details")]
    ContactEmailRequired,
    #[error("the tenant must keep at least one global administrator")]
    LastGlobalAdmin,
    #[error("an administrator must keep a personal contact email; remove their roles first")]
    AdminKeepsContactEmail,
}

/// A proposed change of one person's roles, with the facts the rules depend on.
pub struct RoleChange<'a> {
    pub before: &'a RoleSet,
    pub after: &'a RoleSet,
    pub has_contact_email: bool,
    /// Global admins in the tenant other than this person.
    pub other_global_admins: u64,
}

impl RoleChange<'_> {
    /// Checks the change and returns the roles newly designated, whose holder must be told.
    pub fn decide(&self) -> Result<RoleSet, RoleChangeError> {
        let added = self.after.added_from(self.before);
        if added.is_admin() && !self.has_contact_email {
            return Err(RoleChangeError::ContactEmailRequired);
        }
        let loses_global = self.before.contains(AdminRole::GlobalAdmin) && !self.after.contains(AdminRole::GlobalAdmin);
        if loses_global && self.other_global_admins == 0 {
            return Err(RoleChangeError::LastGlobalAdmin);
        }
        Ok(added)
    }
}

/// Removing a person: the last global admin of a tenant cannot be removed.
pub fn check_removal(roles: &RoleSet, other_global_admins: u64) -> Result<(), RoleChangeError> {
    if roles.contains(AdminRole::GlobalAdmin) && other_global_admins == 0 {
        return Err(RoleChangeError::LastGlobalAdmin);
    }
    Ok(())
}

/// Removing a person's contact email: an administrator keeps one, because it is where their
/// sign-in details and temporary passwords are sent.
pub fn check_contact_email_removal(roles: &RoleSet) -> Result<(), RoleChangeError> {
    if roles.is_admin() {
        return Err(RoleChangeError::AdminKeepsContactEmail);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roles(list: &[AdminRole]) -> RoleSet {
        RoleSet::new(list.iter().copied())
    }

    #[test]
    fn role_names_round_trip() {
        for role in AdminRole::ALL {
            assert_eq!(role.as_str().parse::<AdminRole>(), Ok(role));
        }
        assert!("root".parse::<AdminRole>().is_err());
    }

    #[test]
    fn designating_an_admin_needs_a_contact_email() {
        let change = RoleChange {
            before: &roles(&[]),
            after: &roles(&[AdminRole::GlobalAdmin]),
            has_contact_email: false,
            other_global_admins: 0,
        };
        assert_eq!(change.decide(), Err(RoleChangeError::ContactEmailRequired));
    }

    #[test]
    fn designation_reports_only_new_roles() {
        let before = roles(&[AdminRole::BillingAdmin]);
        let after = roles(&[AdminRole::BillingAdmin, AdminRole::GlobalAdmin]);
        let change = RoleChange { before: &before, after: &after, has_contact_email: true, other_global_admins: 0 };
        assert_eq!(change.decide(), Ok(roles(&[AdminRole::GlobalAdmin])));
    }

    #[test]
    fn removing_roles_needs_no_contact_email() {
        let before = roles(&[AdminRole::BillingAdmin]);
        let change =
            RoleChange { before: &before, after: &roles(&[]), has_contact_email: false, other_global_admins: 0 };
        assert_eq!(change.decide(), Ok(roles(&[])));
    }

    #[test]
    fn the_last_global_admin_stays() {
        let before = roles(&[AdminRole::GlobalAdmin]);
        let demote =
            RoleChange { before: &before, after: &roles(&[]), has_contact_email: true, other_global_admins: 0 };
        assert_eq!(demote.decide(), Err(RoleChangeError::LastGlobalAdmin));
        let with_another = RoleChange { other_global_admins: 1, ..demote };
        assert!(with_another.decide().is_ok());
        assert_eq!(check_removal(&before, 0), Err(RoleChangeError::LastGlobalAdmin));
        assert_eq!(check_removal(&before, 2), Ok(()));
        assert_eq!(check_removal(&roles(&[AdminRole::BillingAdmin]), 0), Ok(()));
    }

    #[test]
    fn password_admin_only_means_nothing_else() {
        assert!(roles(&[AdminRole::PasswordAdmin]).is_password_admin_only());
        assert!(!roles(&[AdminRole::PasswordAdmin, AdminRole::BillingAdmin]).is_password_admin_only());
        assert!(!roles(&[]).is_password_admin_only());
    }

    #[test]
    fn an_administrator_keeps_their_contact_email() {
        let cases = [
            (roles(&[]), Ok(())),
            (roles(&[AdminRole::PasswordAdmin]), Err(RoleChangeError::AdminKeepsContactEmail)),
            (roles(&[AdminRole::GlobalAdmin, AdminRole::BillingAdmin]), Err(RoleChangeError::AdminKeepsContactEmail)),
        ];
        for (held, expected) in cases {
            assert_eq!(check_contact_email_removal(&held), expected, "{held:?}");
        }
    }
}
