//! Moving people from one plan to another in one operation: what the source documents do by
//! hand in five steps (order the new plan, activate it, assign the new licenses, remove the old
//! ones, terminate the old subscription).
//!
//! [`plan`] decides everything up front from the current state: seats needed, seats to activate
//! or buy, services lost, and every problem that would stop the change. A dry run returns that
//! plan; a real run applies it only when it has no problem.

use crate::license_pool::{LicensePool, SubscriptionStatus};
use crate::plan::{Direction, Plan, Service};

/// A person the change would move, with the licenses they hold now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mover {
    pub user_id: String,
    pub holds_source: bool,
    pub holds_target: bool,
}

/// What the change starts from.
pub struct PlanChangeInput<'a> {
    pub source_plan: &'a Plan,
    pub source_pool: LicensePool,
    pub target_plan: &'a Plan,
    /// The active subscription of the target plan that would receive the people, if any.
    pub target_pool: Option<LicensePool>,
    pub movers: Vec<Mover>,
    /// Activate inactive seats and buy the rest when the target pool is short.
    pub buy_missing: bool,
    /// Terminate the source subscription once it is empty.
    pub terminate_source: bool,
}

/// Something that stops the change. A dry run lists them all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeProblem {
    NotAllowed { from: String, to: String },
    SourceNotActive { status: SubscriptionStatus },
    TargetNotAssignable { plan: String },
    NoUsers,
    LacksSourceLicense { user_id: String },
    AlreadyHoldsTarget { user_id: String },
    NoTargetPool,
    NotEnoughSeats { needed: i64, available: i64, inactive: i64 },
    SeatLimit { limit: i64, would_purchase: i64 },
    SourceNotEmptied { remaining: i64 },
}

impl ChangeProblem {
    pub fn code(&self) -> &'static str {
        match self {
            ChangeProblem::NotAllowed { .. } => "plan_change_not_allowed",
            ChangeProblem::SourceNotActive { .. } => "subscription_not_active",
            ChangeProblem::TargetNotAssignable { .. } => "plan_not_assignable",
            ChangeProblem::NoUsers => "no_users_to_move",
            ChangeProblem::LacksSourceLicense { .. } => "user_lacks_source_licence",
            ChangeProblem::AlreadyHoldsTarget { .. } => "user_already_holds_target",
            ChangeProblem::NoTargetPool => "no_target_pool",
            ChangeProblem::NotEnoughSeats { .. } => "license_pool_exhausted",
            ChangeProblem::SeatLimit { .. } => "seat_limit_exceeded",
            ChangeProblem::SourceNotEmptied { .. } => "source_not_emptied",
        }
    }

    pub fn message(&self) -> String {
        match self {
            ChangeProblem::NotAllowed { from, to } => {
                format!("{from} cannot be changed to {to}; see the plan's upgrades and downgrades")
            }
            ChangeProblem::SourceNotActive { status } => format!("the source subscription is {status}"),
            ChangeProblem::TargetNotAssignable { plan } => format!("{plan} licences are not given to people"),
            ChangeProblem::NoUsers => "nobody holds a licence of the source subscription".to_owned(),
            ChangeProblem::LacksSourceLicense { user_id } => {
                format!("user {user_id} holds no licence of the source subscription")
            }
            ChangeProblem::AlreadyHoldsTarget { user_id } => {
                format!("user {user_id} already holds a licence of the target plan")
            }
            ChangeProblem::NoTargetPool => {
                "the tenant has no active subscription of the target plan; order one or pass buy_missing".to_owned()
            }
            ChangeProblem::NotEnoughSeats { needed, available, inactive } => format!(
                "{needed} seats are needed but {available} are available ({inactive} purchased seats are inactive); \
                 activate or buy seats, or pass buy_missing"
            ),
            ChangeProblem::SeatLimit { limit, would_purchase } => {
                format!("the target plan allows {limit} seats per subscription; the change would need {would_purchase}")
            }
            ChangeProblem::SourceNotEmptied { remaining } => {
                format!("{remaining} people would keep a source licence, so the source cannot be terminated")
            }
        }
    }
}

/// The decided change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanChangePlan {
    pub direction: Option<Direction>,
    /// People who would change license.
    pub moving: Vec<String>,
    pub seats_needed: i64,
    pub seats_available: i64,
    /// Purchased but inactive seats of the target pool to switch on.
    pub seats_to_activate: i64,
    /// Seats to buy (and activate).
    pub seats_to_buy: i64,
    /// Whether a target subscription must be created.
    pub creates_target_pool: bool,
    pub services_lost: Vec<Service>,
    pub services_gained: Vec<Service>,
    pub terminates_source: bool,
    pub problems: Vec<ChangeProblem>,
}

impl PlanChangePlan {
    pub fn can_proceed(&self) -> bool {
        self.problems.is_empty()
    }
}

pub fn plan(input: &PlanChangeInput<'_>) -> PlanChangePlan {
    let mut problems = Vec::new();
    let direction = input.source_plan.direction_to(&input.target_plan.code);
    if direction.is_none() {
        problems.push(ChangeProblem::NotAllowed {
            from: input.source_plan.code.clone(),
            to: input.target_plan.code.clone(),
        });
    }
    if input.source_pool.status != SubscriptionStatus::Active {
        problems.push(ChangeProblem::SourceNotActive { status: input.source_pool.status });
    }
    if !input.target_plan.assignable {
        problems.push(ChangeProblem::TargetNotAssignable { plan: input.target_plan.code.clone() });
    }
    if input.movers.is_empty() {
        problems.push(ChangeProblem::NoUsers);
    }
    for mover in &input.movers {
        if !mover.holds_source {
            problems.push(ChangeProblem::LacksSourceLicense { user_id: mover.user_id.clone() });
        }
        if mover.holds_target {
            problems.push(ChangeProblem::AlreadyHoldsTarget { user_id: mover.user_id.clone() });
        }
    }
    let moving: Vec<String> =
        input.movers.iter().filter(|m| m.holds_source && !m.holds_target).map(|m| m.user_id.clone()).collect();
    let seats_needed = i64::try_from(moving.len()).unwrap_or(i64::MAX);

    let (seats_available, inactive, purchased) =
        input.target_pool.map_or((0, 0, 0), |p| (p.available(), p.purchased - p.active, p.purchased));
    let shortfall = (seats_needed - seats_available).max(0);
    let mut seats_to_activate = 0;
    let mut seats_to_buy = 0;
    let creates_target_pool = input.target_pool.is_none() && input.buy_missing;
    if input.target_pool.is_none() && !input.buy_missing {
        problems.push(ChangeProblem::NoTargetPool);
    } else if shortfall > 0 && !input.buy_missing {
        problems.push(ChangeProblem::NotEnoughSeats { needed: seats_needed, available: seats_available, inactive });
    } else if shortfall > 0 {
        seats_to_activate = shortfall.min(inactive);
        seats_to_buy = shortfall - seats_to_activate;
        let would_purchase = purchased + seats_to_buy;
        if would_purchase > input.target_plan.seat_limit {
            problems.push(ChangeProblem::SeatLimit { limit: input.target_plan.seat_limit, would_purchase });
        }
    }

    let remaining = input.source_pool.assigned - seats_needed;
    if input.terminate_source && remaining > 0 {
        problems.push(ChangeProblem::SourceNotEmptied { remaining });
    }

    PlanChangePlan {
        direction,
        moving,
        seats_needed,
        seats_available,
        seats_to_activate,
        seats_to_buy,
        creates_target_pool,
        services_lost: input.source_plan.services_lost_to(input.target_plan),
        services_gained: input.source_plan.services_gained_from(input.target_plan),
        terminates_source: input.terminate_source && remaining <= 0,
        problems,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::tests::plan as catalogue_plan;
    use crate::plan::Service::*;

    fn pool(purchased: i64, active: i64, assigned: i64) -> LicensePool {
        LicensePool { status: SubscriptionStatus::Active, purchased, active, assigned }
    }

    fn movers(n: usize) -> Vec<Mover> {
        (0..n).map(|i| Mover { user_id: format!("u{i}"), holds_source: true, holds_target: false }).collect()
    }

    struct Fixture {
        essentials: Plan,
        premium: Plan,
    }

    fn fixture() -> Fixture {
        Fixture {
            essentials: catalogue_plan("essentials", &[Mail, Sites], &["premium"], &[]),
            premium: catalogue_plan("premium", &[Mail, Sites, OfficeDesktopApps], &[], &["essentials"]),
        }
    }

    fn input<'a>(f: &'a Fixture, target: Option<LicensePool>, n: usize, buy: bool) -> PlanChangeInput<'a> {
        PlanChangeInput {
            source_plan: &f.essentials,
            source_pool: pool(10, 10, n as i64),
            target_plan: &f.premium,
            target_pool: target,
            movers: movers(n),
            buy_missing: buy,
            terminate_source: false,
        }
    }

    #[test]
    fn an_upgrade_with_enough_seats_moves_everyone() {
        let f = fixture();
        let decided = plan(&input(&f, Some(pool(5, 5, 0)), 3, false));
        assert!(decided.can_proceed(), "{decided:?}");
        assert_eq!(decided.direction, Some(Direction::Upgrade));
        assert_eq!(decided.moving.len(), 3);
        assert_eq!((decided.seats_needed, decided.seats_to_activate, decided.seats_to_buy), (3, 0, 0));
        assert_eq!(decided.services_gained, vec![OfficeDesktopApps]);
        assert!(decided.services_lost.is_empty());
    }

    #[test]
    fn a_short_target_pool_is_a_problem_unless_buying_is_allowed() {
        let f = fixture();
        let short = plan(&input(&f, Some(pool(4, 2, 0)), 5, false));
        assert_eq!(short.problems, vec![ChangeProblem::NotEnoughSeats { needed: 5, available: 2, inactive: 2 }]);
        let bought = plan(&input(&f, Some(pool(4, 2, 0)), 5, true));
        assert!(bought.can_proceed());
        assert_eq!((bought.seats_to_activate, bought.seats_to_buy), (2, 1), "inactive seats are used before buying");
    }

    #[test]
    fn without_a_target_pool_one_is_created_only_when_buying() {
        let f = fixture();
        assert_eq!(plan(&input(&f, None, 2, false)).problems, vec![ChangeProblem::NoTargetPool]);
        let created = plan(&input(&f, None, 2, true));
        assert!(created.creates_target_pool && created.can_proceed());
        assert_eq!(created.seats_to_buy, 2);
    }

    #[test]
    fn a_downgrade_lists_lost_services() {
        let f = fixture();
        let mut i = input(&f, Some(pool(5, 5, 0)), 2, false);
        i.source_plan = &f.premium;
        i.target_plan = &f.essentials;
        let decided = plan(&i);
        assert_eq!(decided.direction, Some(Direction::Downgrade));
        assert_eq!(decided.services_lost, vec![OfficeDesktopApps]);
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let f = fixture();
        let mut i = input(&f, Some(pool(300, 300, 300)), 2, true);
        i.target_plan = &f.essentials; // not an upgrade or downgrade of itself
        i.source_pool = LicensePool { status: SubscriptionStatus::Suspended, ..pool(10, 10, 3) };
        i.movers.push(Mover { user_id: "stranger".into(), holds_source: false, holds_target: false });
        i.movers.push(Mover { user_id: "both".into(), holds_source: true, holds_target: true });
        i.terminate_source = true;
        let codes: Vec<&str> = plan(&i).problems.iter().map(ChangeProblem::code).collect();
        assert_eq!(
            codes,
            [
                "plan_change_not_allowed",
                "subscription_not_active",
                "user_lacks_source_licence",
                "user_already_holds_target",
                "seat_limit_exceeded",
                "source_not_emptied"
            ]
        );
    }

    #[test]
    fn the_source_is_terminated_only_when_emptied() {
        let f = fixture();
        let mut i = input(&f, Some(pool(5, 5, 0)), 3, false);
        i.terminate_source = true;
        assert!(plan(&i).terminates_source);
        i.source_pool = pool(10, 10, 4);
        let decided = plan(&i);
        assert!(!decided.terminates_source);
        assert_eq!(decided.problems, vec![ChangeProblem::SourceNotEmptied { remaining: 1 }]);
    }
}
