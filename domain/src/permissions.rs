//! Who may do what in a tenant: the permission matrix of the design, as data.
//!
//! The table below is the single source of truth: the API authorizes every tenant route by
//! asking [`permits`], and the tests read [`MATRIX`] cell by cell.

use crate::roles::{AdminRole, RoleSet};

/// Where a caller stands in a tenant: the columns of the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Position {
    CloudManager,
    GlobalAdmin,
    BillingAdmin,
    PasswordAdmin,
    User,
    DelegatedFull,
    DelegatedLimited,
}

impl Position {
    pub const ALL: [Position; 7] = [
        Position::CloudManager,
        Position::GlobalAdmin,
        Position::BillingAdmin,
        Position::PasswordAdmin,
        Position::User,
        Position::DelegatedFull,
        Position::DelegatedLimited,
    ];

    fn column(self) -> usize {
        match self {
            Position::CloudManager => 0,
            Position::GlobalAdmin => 1,
            Position::BillingAdmin => 2,
            Position::PasswordAdmin => 3,
            Position::User => 4,
            Position::DelegatedFull => 5,
            Position::DelegatedLimited => 6,
        }
    }

    /// The column an admin role stands for.
    pub fn of_role(role: AdminRole) -> Position {
        match role {
            AdminRole::CloudManager => Position::CloudManager,
            AdminRole::GlobalAdmin => Position::GlobalAdmin,
            AdminRole::BillingAdmin => Position::BillingAdmin,
            AdminRole::PasswordAdmin => Position::PasswordAdmin,
        }
    }

    /// The positions a member of the tenant holds: one per admin role, and `User` for everyone.
    pub fn of_member(roles: &RoleSet) -> Vec<Position> {
        let mut positions: Vec<Position> = roles.iter().map(Position::of_role).collect();
        positions.push(Position::User);
        positions
    }
}

/// The rows of the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    ReadTenant,
    ManageUsers,
    ResetPasswordOfUser,
    ResetPasswordOfAdmin,
    DesignateAdmins,
    ManageSubscriptions,
    AssignLicenses,
    ManageDomains,
    WorkServiceRequests,
    ReadServiceHealth,
    ReadAuditLog,
    ManagePartnerRelationships,
    ChangeOwnPassword,
    /// Register and remove the tenant's webhook endpoints: the tenant's integrations, so its
    /// global admins' only, as its partner relationships are.
    ManageWebhooks,
}

impl Action {
    /// The action in words for a person, e.g. in a refusal: a 403 never names an internal
    /// identifier.
    pub fn describe(self) -> &'static str {
        match self {
            Action::ReadTenant => "read this tenant",
            Action::ManageUsers => "create, edit or delete people",
            Action::ResetPasswordOfUser => "reset a user's password",
            Action::ResetPasswordOfAdmin => "reset an administrator's password",
            Action::DesignateAdmins => "designate administrators",
            Action::ManageSubscriptions => "order or change subscriptions",
            Action::AssignLicenses => "assign licences",
            Action::ManageDomains => "manage domains",
            Action::WorkServiceRequests => "work on service requests",
            Action::ReadServiceHealth => "read service health",
            Action::ReadAuditLog => "read the audit log",
            Action::ManagePartnerRelationships => "manage partner relationships",
            Action::ChangeOwnPassword => "change your own password",
            Action::ManageWebhooks => "manage webhooks",
        }
    }
}

/// One cell of the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    Yes,
    No,
    /// Only about oneself: a plain user reads their own record.
    OwnOnly,
    /// Only when the target's sole admin role is password administrator.
    PasswordAdminsOnly,
}

use Grant::{No, OwnOnly as Own, PasswordAdminsOnly as PwOnly, Yes};

/// Columns: cloud manager, global, billing, password, user, delegated full, delegated limited.
pub const MATRIX: [(Action, [Grant; 7]); 14] = [
    (Action::ReadTenant, [Yes, Yes, Yes, Yes, Own, Yes, Yes]),
    (Action::ManageUsers, [No, Yes, No, No, No, Yes, No]),
    (Action::ResetPasswordOfUser, [Yes, Yes, No, Yes, No, Yes, Yes]),
    (Action::ResetPasswordOfAdmin, [Yes, Yes, No, PwOnly, No, Yes, PwOnly]),
    (Action::DesignateAdmins, [Yes, Yes, No, No, No, Yes, No]),
    (Action::ManageSubscriptions, [Yes, Yes, Yes, No, No, Yes, No]),
    (Action::AssignLicenses, [Yes, Yes, No, No, No, Yes, No]),
    (Action::ManageDomains, [Yes, Yes, No, No, No, Yes, No]),
    (Action::WorkServiceRequests, [Yes, Yes, Yes, Yes, No, Yes, Yes]),
    (Action::ReadServiceHealth, [Yes, Yes, Yes, Yes, No, Yes, Yes]),
    (Action::ReadAuditLog, [Yes, Yes, No, No, No, Yes, No]),
    (Action::ManagePartnerRelationships, [No, Yes, No, No, No, No, No]),
    (Action::ChangeOwnPassword, [Yes, Yes, Yes, Yes, Yes, Yes, Yes]),
    (Action::ManageWebhooks, [No, Yes, No, No, No, No, No]),
];

/// The cell for one position and action.
pub fn grant(position: Position, action: Action) -> Grant {
    MATRIX.iter().find(|(row, _)| *row == action).map_or(No, |(_, cells)| cells[position.column()])
}

/// What an action is aimed at, for the cells that depend on it.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    /// The tenant as a whole, or something in it that belongs to nobody in particular.
    Tenant,
    /// A person in the tenant, with their roles and whether it is the caller.
    Person { is_caller: bool, roles: &'a RoleSet },
}

/// Whether a caller holding `positions` may perform `action` on `target`.
pub fn permits(positions: &[Position], action: Action, target: Target<'_>) -> bool {
    positions.iter().any(|&position| match grant(position, action) {
        Yes => true,
        No => false,
        Own => matches!(target, Target::Person { is_caller: true, .. }),
        PwOnly => {
            matches!(target, Target::Person { roles, .. } if roles.is_password_admin_only())
        }
    })
}

/// The platform operator is not a member of customer tenants: they may look (to support the
/// customer) but not act inside them. Everything else they do is on the platform side.
///
/// One deliberate exception: the operator's support staff work the tenant's service requests
/// (take them, change their status, add notes, re-grade them), audited like any change. They
/// read service health and messages for the same reason. They do not open requests for a tenant.
pub fn operator_permits(action: Action) -> bool {
    matches!(
        action,
        Action::ReadTenant | Action::ReadAuditLog | Action::WorkServiceRequests | Action::ReadServiceHealth
    )
}

/// Resetting a password is one of two rows, depending on whether the target is an admin.
pub fn password_reset_action(target_roles: &RoleSet) -> Action {
    if target_roles.is_admin() {
        Action::ResetPasswordOfAdmin
    } else {
        Action::ResetPasswordOfUser
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The design's table, transcribed independently of `MATRIX` as text, so that a typo in
    /// either is caught: ✓ yes, . no, o own only, p password admins only.
    const DESIGN_TABLE: [(&str, &str); 14] = [
        ("read tenant, users, licences", "✓✓✓✓o✓✓"),
        ("create / edit / delete users", ".✓...✓."),
        ("reset password of a non-admin user", "✓✓.✓.✓✓"),
        ("reset password of an admin", "✓✓.p.✓p"),
        ("designate admins, change roles", "✓✓...✓."),
        ("order, activate, deactivate, terminate", "✓✓✓..✓."),
        ("assign / remove user licences", "✓✓...✓."),
        ("buy, add, verify, remove domains", "✓✓...✓."),
        ("open, read, comment service requests", "✓✓✓✓.✓✓"),
        ("read service health and messages", "✓✓✓✓.✓✓"),
        ("read audit log", "✓✓...✓."),
        ("accept / end partner relationships", ".✓....."),
        ("change own password", "✓✓✓✓✓✓✓"),
        // As relationships: the customer's global admins only.
        ("register and remove webhooks", ".✓....."),
    ];

    #[test]
    fn every_cell_matches_the_design_table() {
        for ((action, cells), (label, expected)) in MATRIX.iter().zip(DESIGN_TABLE) {
            for (position, symbol) in Position::ALL.iter().zip(expected.chars()) {
                let want = match symbol {
                    '✓' => Yes,
                    '.' => No,
                    'o' => Own,
                    'p' => PwOnly,
                    other => panic!("unknown symbol {other}"),
                };
                assert_eq!(grant(*position, *action), want, "{label} for {position:?}");
                assert_eq!(cells[position.column()], want);
            }
        }
    }

    #[test]
    fn a_plain_user_reads_only_themselves() {
        let nobody = RoleSet::default();
        let user = [Position::User];
        assert!(permits(&user, Action::ReadTenant, Target::Person { is_caller: true, roles: &nobody }));
        assert!(!permits(&user, Action::ReadTenant, Target::Person { is_caller: false, roles: &nobody }));
        assert!(!permits(&user, Action::ReadTenant, Target::Tenant));
    }

    #[test]
    fn password_admins_reset_only_other_password_admins_among_admins() {
        let password_admin = Position::of_member(&RoleSet::new([AdminRole::PasswordAdmin]));
        let other_password_admin = RoleSet::new([AdminRole::PasswordAdmin]);
        let global = RoleSet::new([AdminRole::GlobalAdmin]);
        let plain = RoleSet::default();
        let reset = |roles: &RoleSet| {
            permits(&password_admin, password_reset_action(roles), Target::Person { is_caller: false, roles })
        };
        assert!(reset(&plain));
        assert!(reset(&other_password_admin));
        assert!(!reset(&global));
    }

    #[test]
    fn several_roles_add_up() {
        let positions = Position::of_member(&RoleSet::new([AdminRole::BillingAdmin, AdminRole::PasswordAdmin]));
        assert!(permits(&positions, Action::ManageSubscriptions, Target::Tenant));
        assert!(permits(&positions, Action::ResetPasswordOfUser, Target::Tenant));
        assert!(!permits(&positions, Action::ManageUsers, Target::Tenant));
    }

    #[test]
    fn actions_are_described_in_plain_words() {
        for (action, _) in MATRIX {
            let words = action.describe();
            assert!(!words.is_empty(), "{action:?}");
            assert!(!words.chars().any(|c| c.is_uppercase() || c == '_'), "{action:?}: {words}");
        }
        assert_eq!(Action::ManageUsers.describe(), "create, edit or delete people");
    }
}
