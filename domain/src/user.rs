//! People: what a display name may be, what kind of account a person has, and the rules for
//! creating a person and sending them a temporary password.

use std::fmt;
use std::str::FromStr;

use crate::roles::{RoleChange, RoleChangeError, RoleSet};

/// The name shown for a person: 1 to 200 characters, trimmed, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a display name is 1 to 200 characters, without control characters")]
pub struct DisplayNameError;

impl DisplayName {
    pub fn parse(raw: &str) -> Result<Self, DisplayNameError> {
        crate::text::one_line(raw, 200).map(Self).map_err(|_| DisplayNameError)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What kind of account a person has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserKind {
    /// Runs the platform; belongs to no customer tenant.
    Operator,
    /// A person in a customer tenant.
    Member,
    /// A person in a partner organisation (a partner admin or agent), who acts in customer
    /// tenants only through delegated administration.
    Partner,
}

impl UserKind {
    pub const ALL: [UserKind; 3] = [UserKind::Operator, UserKind::Member, UserKind::Partner];

    pub fn as_str(self) -> &'static str {
        match self {
            UserKind::Operator => "operator",
            UserKind::Member => "member",
            UserKind::Partner => "partner",
        }
    }
}

impl fmt::Display for UserKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a kind of user")]
pub struct UnknownUserKind(pub String);

impl FromStr for UserKind {
    type Err = UnknownUserKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        UserKind::ALL.into_iter().find(|kind| kind.as_str() == s).ok_or_else(|| UnknownUserKind(s.to_owned()))
    }
}

/// So that a stored row converts straight into the kind.
/// Written as its name, as stored.
impl serde::Serialize for UserKind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl TryFrom<String> for UserKind {
    type Error = UnknownUserKind;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

/// Why a new person cannot be created as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NewPersonError {
    #[error(transparent)]
    Roles(#[from] RoleChangeError),
    #[error("give a password or a contact email where a temporary password can be sent")]
    NoWayToSendPassword,
}

/// Checks a new person before they are created with `roles`. Designating them is a change of
/// roles from none, so the role rules decide it (an administrator needs a contact email); and a
/// person created without a password needs a contact email to receive a temporary one.
pub fn check_new_person(roles: &RoleSet, has_contact_email: bool, has_password: bool) -> Result<(), NewPersonError> {
    RoleChange { before: &RoleSet::default(), after: roles, has_contact_email, other_global_admins: 0 }.decide()?;
    if !has_password && !has_contact_email {
        return Err(NewPersonError::NoWayToSendPassword);
    }
    Ok(())
}

/// Why a temporary password cannot be sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordResetError {
    #[error("this person has no contact email to send a temporary password to; add one first")]
    NoContactEmail,
}

/// Where a reset password goes: the person's contact email, never their sign-in address (they
/// cannot read that mailbox without the password).
pub fn password_reset_destination(contact_email: Option<&str>) -> Result<&str, PasswordResetError> {
    contact_email.ok_or(PasswordResetError::NoContactEmail)
}

/// Why a person may not be disabled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DisablingRefusal {
    #[error("you cannot disable your own account; ask another administrator")]
    Yourself,
    #[error("the tenant must keep at least one global administrator who can sign in")]
    LastGlobalAdmin,
}

/// Disabling a person: never oneself (nobody could undo it from that seat), never the tenant's
/// last global admin (nobody could then accept or end a partner relationship).
pub fn check_disabling(is_self: bool, roles: &RoleSet, other_global_admins: u64) -> Result<(), DisablingRefusal> {
    if is_self {
        return Err(DisablingRefusal::Yourself);
    }
    if roles.contains(crate::roles::AdminRole::GlobalAdmin) && other_global_admins == 0 {
        return Err(DisablingRefusal::LastGlobalAdmin);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::roles::AdminRole;

    #[test]
    fn nobody_disables_themselves_nor_the_last_global_admin() {
        let global = RoleSet::new([AdminRole::GlobalAdmin]);
        let plain = RoleSet::default();
        assert_eq!(check_disabling(true, &plain, 3), Err(DisablingRefusal::Yourself));
        assert_eq!(check_disabling(false, &global, 0), Err(DisablingRefusal::LastGlobalAdmin));
        assert_eq!(check_disabling(false, &global, 1), Ok(()));
        assert_eq!(check_disabling(false, &plain, 0), Ok(()));
    }

    #[test]
    fn display_names_are_trimmed_and_bounded() {
        assert_eq!(DisplayName::parse(" Ada Lovelace ").unwrap().as_str(), "Ada Lovelace");
        assert_eq!(DisplayName::parse(""), Err(DisplayNameError));
        assert_eq!(DisplayName::parse("a\u{0}b"), Err(DisplayNameError));
        assert!(DisplayName::parse(&"é".repeat(200)).is_ok());
        assert!(DisplayName::parse(&"é".repeat(201)).is_err());
    }

    #[test]
    fn user_kinds_round_trip() {
        for kind in UserKind::ALL {
            assert_eq!(kind.as_str().parse::<UserKind>(), Ok(kind));
            assert_eq!(UserKind::try_from(kind.as_str().to_owned()), Ok(kind));
        }
        assert_eq!(UserKind::Operator.as_str(), "operator");
        assert_eq!(UserKind::Member.as_str(), "member");
        assert_eq!("guest".parse::<UserKind>(), Err(UnknownUserKind("guest".to_owned())));
        assert!(UserKind::try_from("Member".to_owned()).is_err());
    }

    #[test]
    fn a_new_person_needs_a_way_to_receive_their_sign_in_details() {
        let plain = RoleSet::default();
        let admin = RoleSet::new([AdminRole::BillingAdmin]);
        // (roles, has contact email, has password, expected)
        let cases = [
            (&plain, false, true, Ok(())),
            (&plain, true, false, Ok(())),
            (&plain, true, true, Ok(())),
            (&plain, false, false, Err(NewPersonError::NoWayToSendPassword)),
            (&admin, true, false, Ok(())),
            (&admin, true, true, Ok(())),
            (&admin, false, true, Err(NewPersonError::Roles(RoleChangeError::ContactEmailRequired))),
            (&admin, false, false, Err(NewPersonError::Roles(RoleChangeError::ContactEmailRequired))),
        ];
        for (roles, has_contact_email, has_password, expected) in cases {
            assert_eq!(
                check_new_person(roles, has_contact_email, has_password),
                expected,
                "{roles:?} contact email: {has_contact_email}, password: {has_password}"
            );
        }
    }

    #[test]
    fn the_admin_refusal_keeps_the_role_rules_words() {
        let admin = RoleSet::new([AdminRole::GlobalAdmin]);
        let refusal = check_new_person(&admin, false, true).unwrap_err();
        assert_eq!(refusal.to_string(), RoleChangeError::ContactEmailRequired.to_string());
    }

    #[test]
    fn a_temporary_password_goes_to_the_contact_email() {
        assert_eq!(password_reset_destination(Some("ada@example.org")), Ok("ada@example.org"));
        assert_eq!(password_reset_destination(None), Err(PasswordResetError::NoContactEmail));
    }
}
