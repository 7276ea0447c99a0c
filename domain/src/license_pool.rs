//! A subscription is a license pool: seats `purchased` (ordered and billed for), `active`
//! (switched on), `assigned` (held by people), with `0 <= assigned <= active <= purchased` at
//! every instant. These rules decide each change and explain a refusal; the database enforces
//! the same inequality with a CHECK constraint and conditional updates, so concurrent requests
//! cannot break it either.

use std::fmt;
use std::str::FromStr;

use crate::plan::Plan;

/// Where a subscription is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubscriptionStatus {
    /// Ordered; the suite is being set up ("activation in progress").
    Provisioning,
    Active,
    /// Stopped by the operator (unpaid bills, abuse); seats kept, nothing assignable.
    Suspended,
    /// Ended: billing stops, seats gone. Final.
    Terminated,
}

impl SubscriptionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SubscriptionStatus::Provisioning => "provisioning",
            SubscriptionStatus::Active => "active",
            SubscriptionStatus::Suspended => "suspended",
            SubscriptionStatus::Terminated => "terminated",
        }
    }
}

impl fmt::Display for SubscriptionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a subscription status")]
pub struct UnknownStatus(pub String);

impl FromStr for SubscriptionStatus {
    type Err = UnknownStatus;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [Self::Provisioning, Self::Active, Self::Suspended, Self::Terminated]
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| UnknownStatus(s.to_owned()))
    }
}

/// So that a stored row converts straight into the status.
impl TryFrom<String> for SubscriptionStatus {
    type Error = UnknownStatus;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

/// A number of seats asked for: at least one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct SeatCount(i64);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a number of seats is between 1 and 1000000")]
pub struct SeatCountError;

impl SeatCount {
    pub fn parse(raw: i64) -> Result<Self, SeatCountError> {
        if (1..=1_000_000).contains(&raw) {
            Ok(Self(raw))
        } else {
            Err(SeatCountError)
        }
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

/// Why a pool refuses a change. Each variant carries what the caller needs to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PoolError {
    #[error("the subscription is {status}; only an active subscription can do this")]
    NotActive { status: SubscriptionStatus },
    #[error("no licence is available: {active} active, {assigned} assigned; activate more seats or buy some")]
    Exhausted { active: i64, assigned: i64, purchased: i64 },
    #[error("cannot activate {requested} more seats: only {inactive} purchased seats are not active; buy more first")]
    ActivationBeyondPurchased { requested: i64, inactive: i64 },
    #[error("cannot deactivate {requested} seats: {assigned} of the {active} active seats are assigned; remove licences first")]
    DeactivationBelowAssigned { requested: i64, active: i64, assigned: i64 },
    #[error("the plan allows at most {limit} seats per subscription; {purchased} are purchased")]
    SeatLimit { limit: i64, purchased: i64 },
    #[error("{assigned} seats are still in use (licences given to people, or domains registered with a Registrar resource); free them before terminating")]
    StillAssigned { assigned: i64 },
    #[error("a delta of zero changes nothing")]
    ZeroDelta,
    #[error("the subscription is {from}; it cannot become {to}")]
    Transition { from: SubscriptionStatus, to: SubscriptionStatus },
}

/// A change to a whole pool, as opposed to one seat taken or given back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolChange {
    /// More seats bought, up to the plan's limit per subscription.
    Buy {
        seats: SeatCount,
        seat_limit: i64,
    },
    /// Seats switched on (`delta > 0`) or off.
    Activate(i64),
    Suspend,
    Reactivate,
    /// The suite is set up: active, with `activate` seats switched on.
    Provisioned {
        activate: i64,
    },
    Terminate,
}

/// The counters and status of one subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LicensePool {
    pub status: SubscriptionStatus,
    pub purchased: i64,
    pub active: i64,
    pub assigned: i64,
}

impl LicensePool {
    pub fn available(&self) -> i64 {
        self.active - self.assigned
    }

    /// What the pool costs per month under `plan`, in euro cents. Billing runs on active seats
    /// until termination: a suspended pool is still billed, and a terminated one has no active
    /// seats left.
    pub fn monthly_cost_cents(&self, plan: &Plan) -> i64 {
        plan.monthly_cost_cents(self.active)
    }

    pub fn is_consistent(&self) -> bool {
        0 <= self.assigned && self.assigned <= self.active && self.active <= self.purchased
    }

    fn require_active(&self) -> Result<(), PoolError> {
        if self.status == SubscriptionStatus::Active {
            Ok(())
        } else {
            Err(PoolError::NotActive { status: self.status })
        }
    }

    /// One more license given to a person.
    pub fn assign(&self) -> Result<LicensePool, PoolError> {
        self.require_active()?;
        if self.available() < 1 {
            return Err(PoolError::Exhausted {
                active: self.active,
                assigned: self.assigned,
                purchased: self.purchased,
            });
        }
        Ok(LicensePool { assigned: self.assigned + 1, ..*self })
    }

    /// A license taken back. Allowed in any status but terminated, so that people can be
    /// cleared off a suspended pool.
    pub fn unassign(&self) -> LicensePool {
        LicensePool { assigned: (self.assigned - 1).max(0), ..*self }
    }

    /// The portal's + and - buttons: activate or deactivate `delta` seats.
    pub fn activate(&self, delta: i64) -> Result<LicensePool, PoolError> {
        self.require_active()?;
        if delta == 0 {
            return Err(PoolError::ZeroDelta);
        }
        let active = self.active + delta;
        if active > self.purchased {
            return Err(PoolError::ActivationBeyondPurchased {
                requested: delta,
                inactive: self.purchased - self.active,
            });
        }
        if active < self.assigned {
            return Err(PoolError::DeactivationBelowAssigned {
                requested: -delta,
                active: self.active,
                assigned: self.assigned,
            });
        }
        Ok(LicensePool { active, ..*self })
    }

    /// More seats bought, up to the plan's limit.
    pub fn buy(&self, seats: SeatCount, seat_limit: i64) -> Result<LicensePool, PoolError> {
        self.require_active()?;
        let purchased = self.purchased + seats.get();
        if purchased > seat_limit {
            return Err(PoolError::SeatLimit { limit: seat_limit, purchased: self.purchased });
        }
        Ok(LicensePool { purchased, ..*self })
    }

    /// Ends the subscription: only once nobody holds one of its licenses.
    pub fn terminate(&self) -> Result<LicensePool, PoolError> {
        if self.status == SubscriptionStatus::Terminated {
            return Err(PoolError::Transition { from: self.status, to: SubscriptionStatus::Terminated });
        }
        if self.assigned > 0 {
            return Err(PoolError::StillAssigned { assigned: self.assigned });
        }
        Ok(LicensePool { status: SubscriptionStatus::Terminated, purchased: 0, active: 0, assigned: 0 })
    }

    pub fn suspend(&self) -> Result<LicensePool, PoolError> {
        self.move_to(SubscriptionStatus::Active, SubscriptionStatus::Suspended)
    }

    pub fn reactivate(&self) -> Result<LicensePool, PoolError> {
        self.move_to(SubscriptionStatus::Suspended, SubscriptionStatus::Active)
    }

    /// Provisioning done: the pool becomes active with `activate` of its seats switched on.
    pub fn provisioned(&self, activate: i64) -> Result<LicensePool, PoolError> {
        let pool = self.move_to(SubscriptionStatus::Provisioning, SubscriptionStatus::Active)?;
        Ok(LicensePool { active: activate.clamp(0, self.purchased), ..pool })
    }

    /// A free pool grows with the people who join it: one more seat, bought, active and taken
    /// at once (the free Meetings tier has no seats to buy), even while an operator has it
    /// suspended, up to the plan's limit.
    pub fn join_free(&self, seat_limit: i64) -> Result<LicensePool, PoolError> {
        if self.status == SubscriptionStatus::Terminated {
            return Err(PoolError::NotActive { status: self.status });
        }
        if self.purchased >= seat_limit {
            return Err(PoolError::SeatLimit { limit: seat_limit, purchased: self.purchased });
        }
        Ok(LicensePool { purchased: self.purchased + 1, active: self.active + 1, assigned: self.assigned + 1, ..*self })
    }

    /// The pool after `change`, or why it refuses.
    pub fn apply(&self, change: PoolChange) -> Result<LicensePool, PoolError> {
        match change {
            PoolChange::Buy { seats, seat_limit } => self.buy(seats, seat_limit),
            PoolChange::Activate(delta) => self.activate(delta),
            PoolChange::Suspend => self.suspend(),
            PoolChange::Reactivate => self.reactivate(),
            PoolChange::Provisioned { activate } => self.provisioned(activate),
            PoolChange::Terminate => self.terminate(),
        }
    }

    fn move_to(&self, from: SubscriptionStatus, to: SubscriptionStatus) -> Result<LicensePool, PoolError> {
        if self.status != from {
            return Err(PoolError::Transition { from: self.status, to });
        }
        Ok(LicensePool { status: to, ..*self })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::tests::plan;

    fn pool(purchased: i64, active: i64, assigned: i64) -> LicensePool {
        LicensePool { status: SubscriptionStatus::Active, purchased, active, assigned }
    }

    #[test]
    fn assignment_needs_an_available_seat() {
        assert_eq!(pool(10, 5, 4).assign().unwrap(), pool(10, 5, 5));
        assert_eq!(pool(10, 5, 5).assign(), Err(PoolError::Exhausted { active: 5, assigned: 5, purchased: 10 }));
    }

    #[test]
    fn nothing_is_assigned_from_a_pool_that_is_not_active() {
        for status in [SubscriptionStatus::Provisioning, SubscriptionStatus::Suspended, SubscriptionStatus::Terminated]
        {
            let p = LicensePool { status, ..pool(10, 5, 0) };
            assert_eq!(p.assign(), Err(PoolError::NotActive { status }));
        }
    }

    #[test]
    fn activation_stays_between_assigned_and_purchased() {
        assert_eq!(pool(10, 5, 2).activate(5).unwrap(), pool(10, 10, 2));
        assert_eq!(pool(10, 5, 2).activate(6), Err(PoolError::ActivationBeyondPurchased { requested: 6, inactive: 5 }));
        assert_eq!(pool(10, 5, 2).activate(-3).unwrap(), pool(10, 2, 2));
        assert_eq!(
            pool(10, 5, 2).activate(-4),
            Err(PoolError::DeactivationBelowAssigned { requested: 4, active: 5, assigned: 2 })
        );
        assert_eq!(pool(10, 5, 2).activate(0), Err(PoolError::ZeroDelta));
    }

    #[test]
    fn buying_respects_the_plan_limit() {
        let seats = SeatCount::parse(5).unwrap();
        assert_eq!(pool(10, 5, 2).buy(seats, 300).unwrap(), pool(15, 5, 2));
        assert_eq!(pool(298, 5, 2).buy(seats, 300), Err(PoolError::SeatLimit { limit: 300, purchased: 298 }));
        assert!(SeatCount::parse(0).is_err());
        assert!(SeatCount::parse(-1).is_err());
    }

    #[test]
    fn termination_waits_for_every_license_to_be_removed() {
        assert_eq!(pool(10, 5, 1).terminate(), Err(PoolError::StillAssigned { assigned: 1 }));
        let ended = pool(10, 5, 0).terminate().unwrap();
        assert_eq!(ended.status, SubscriptionStatus::Terminated);
        assert_eq!((ended.purchased, ended.active), (0, 0));
        assert!(ended.terminate().is_err());
    }

    #[test]
    fn the_life_of_a_subscription() {
        let ordered = LicensePool { status: SubscriptionStatus::Provisioning, purchased: 10, active: 0, assigned: 0 };
        let live = ordered.provisioned(10).unwrap();
        assert_eq!(live, pool(10, 10, 0));
        assert!(live.provisioned(10).is_err());
        let suspended = live.suspend().unwrap();
        assert_eq!(suspended.status, SubscriptionStatus::Suspended);
        assert!(suspended.suspend().is_err());
        assert!(suspended.activate(-1).is_err());
        assert_eq!(suspended.reactivate().unwrap(), live);
        assert!(live.reactivate().is_err());
    }

    #[test]
    fn every_decision_keeps_the_pool_consistent() {
        // Exhaustive over small pools: any change the rules allow leaves the invariant true.
        for purchased in 0..5 {
            for active in 0..=purchased {
                for assigned in 0..=active {
                    let p = pool(purchased, active, assigned);
                    assert!(p.is_consistent());
                    let mut outcomes = vec![p.assign(), Ok(p.unassign()), p.terminate(), p.suspend()];
                    for delta in -5..=5 {
                        outcomes.push(p.activate(delta));
                    }
                    outcomes.push(p.buy(SeatCount::parse(1).unwrap(), 4));
                    for next in outcomes.into_iter().flatten() {
                        assert!(next.is_consistent(), "{p:?} -> {next:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn status_names_round_trip() {
        for status in [
            SubscriptionStatus::Provisioning,
            SubscriptionStatus::Active,
            SubscriptionStatus::Suspended,
            SubscriptionStatus::Terminated,
        ] {
            assert_eq!(status.as_str().parse::<SubscriptionStatus>(), Ok(status));
        }
    }

    #[test]
    fn statuses_convert_from_stored_text() {
        assert_eq!(SubscriptionStatus::try_from("suspended".to_owned()), Ok(SubscriptionStatus::Suspended));
        assert_eq!(SubscriptionStatus::try_from("paused".to_owned()), Err(UnknownStatus("paused".to_owned())));
        assert!(SubscriptionStatus::try_from("Active".to_owned()).is_err());
    }

    #[test]
    fn a_pool_is_billed_for_its_active_seats_until_it_ends() {
        let priced = Plan { seat_price_cents: 1050, ..plan("business_premium", &[], &[], &[]) };
        let live = pool(25, 20, 12);
        let cases = [
            ("active", live, 21_000),
            ("no seat active", pool(25, 0, 0), 0),
            ("suspended", LicensePool { status: SubscriptionStatus::Suspended, ..live }, 21_000),
            (
                "provisioning",
                LicensePool { status: SubscriptionStatus::Provisioning, purchased: 25, active: 0, assigned: 0 },
                0,
            ),
            ("terminated", pool(25, 20, 0).terminate().unwrap(), 0),
        ];
        for (label, p, cents) in cases {
            assert_eq!(p.monthly_cost_cents(&priced), cents, "{label}");
        }
    }

    #[test]
    fn a_free_pool_grows_with_each_person_up_to_its_limit() {
        assert_eq!(pool(3, 3, 3).join_free(10).unwrap(), pool(4, 4, 4));
        let suspended = LicensePool { status: SubscriptionStatus::Suspended, ..pool(3, 3, 3) };
        assert_eq!(
            suspended.join_free(10).unwrap(),
            LicensePool { status: SubscriptionStatus::Suspended, ..pool(4, 4, 4) }
        );
        assert_eq!(pool(10, 10, 10).join_free(10), Err(PoolError::SeatLimit { limit: 10, purchased: 10 }));
        let ended = LicensePool { status: SubscriptionStatus::Terminated, ..pool(0, 0, 0) };
        assert_eq!(ended.join_free(10), Err(PoolError::NotActive { status: SubscriptionStatus::Terminated }));
    }

    #[test]
    fn a_pool_change_is_decided_by_the_rule_it_names() {
        let seats = SeatCount::parse(2).unwrap();
        assert_eq!(pool(10, 5, 2).apply(PoolChange::Buy { seats, seat_limit: 300 }), pool(10, 5, 2).buy(seats, 300));
        assert_eq!(pool(10, 5, 2).apply(PoolChange::Activate(-4)), pool(10, 5, 2).activate(-4));
        assert_eq!(pool(10, 5, 2).apply(PoolChange::Terminate), Err(PoolError::StillAssigned { assigned: 2 }));
        assert_eq!(pool(10, 5, 2).apply(PoolChange::Suspend).unwrap().status, SubscriptionStatus::Suspended);
        assert!(pool(10, 5, 2).apply(PoolChange::Reactivate).is_err());
        let ordered = LicensePool { status: SubscriptionStatus::Provisioning, ..pool(10, 0, 0) };
        assert_eq!(ordered.apply(PoolChange::Provisioned { activate: 4 }).unwrap(), pool(10, 4, 0));
    }
}
