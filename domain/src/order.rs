//! An order of a plan: how many seats a new subscription starts with, and how many of them are
//! switched on once provisioning is done.

use crate::license_pool::SeatCount;
use crate::plan::Plan;

/// What an accepted order creates: a subscription of `seats` purchased seats, of which
/// `activate_on_provisioning` become active when the suite is set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Order {
    pub seats: SeatCount,
    pub activate_on_provisioning: i64,
}

/// Why an order is refused. Each variant carries what the caller needs to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrderError {
    #[error("{plan} comes with self-service sign-up; it is not ordered")]
    NotOrderable {
        /// The plan's name.
        plan: String,
    },
    #[error("the plan allows at most {limit} seats per subscription; {requested} were asked for")]
    SeatLimit { limit: i64, requested: i64 },
    #[error("between 0 and the seats ordered")]
    ActivationBeyondOrder { activate_seats: i64, seats: i64 },
}

/// Decides an order of `seats` seats of `plan`, of which `activate_seats` are to be switched on
/// when provisioning ends (`None`: all of them).
pub fn decide_order(plan: &Plan, seats: SeatCount, activate_seats: Option<i64>) -> Result<Order, OrderError> {
    if plan.is_free() {
        return Err(OrderError::NotOrderable { plan: plan.name.clone() });
    }
    if seats.get() > plan.seat_limit {
        return Err(OrderError::SeatLimit { limit: plan.seat_limit, requested: seats.get() });
    }
    let activate = activate_seats.unwrap_or(seats.get());
    if activate < 0 || activate > seats.get() {
        return Err(OrderError::ActivationBeyondOrder { activate_seats: activate, seats: seats.get() });
    }
    Ok(Order { seats, activate_on_provisioning: activate })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::tests::plan;

    fn seats(n: i64) -> SeatCount {
        SeatCount::parse(n).unwrap()
    }

    #[test]
    fn an_order_is_decided_by_the_plan_the_seats_and_the_activation() {
        let paid = Plan { seat_limit: 300, ..plan("business_premium", &[], &[], &[]) };
        let free = Plan { seat_price_cents: 0, name: "Meetings".to_owned(), ..plan("meetings_free", &[], &[], &[]) };
        let cases = [
            ("all seats by default", &paid, 25, None, Ok(Order { seats: seats(25), activate_on_provisioning: 25 })),
            ("some seats", &paid, 25, Some(20), Ok(Order { seats: seats(25), activate_on_provisioning: 20 })),
            ("no seat switched on", &paid, 25, Some(0), Ok(Order { seats: seats(25), activate_on_provisioning: 0 })),
            ("up to the limit", &paid, 300, None, Ok(Order { seats: seats(300), activate_on_provisioning: 300 })),
            ("beyond the limit", &paid, 301, None, Err(OrderError::SeatLimit { limit: 300, requested: 301 })),
            (
                "more activated than ordered",
                &paid,
                25,
                Some(26),
                Err(OrderError::ActivationBeyondOrder { activate_seats: 26, seats: 25 }),
            ),
            (
                "a negative activation",
                &paid,
                25,
                Some(-1),
                Err(OrderError::ActivationBeyondOrder { activate_seats: -1, seats: 25 }),
            ),
            ("the free tier", &free, 5, None, Err(OrderError::NotOrderable { plan: "Meetings".to_owned() })),
            (
                "the free tier before the limit",
                &Plan { seat_limit: 1, ..free.clone() },
                5,
                Some(9),
                Err(OrderError::NotOrderable { plan: "Meetings".to_owned() }),
            ),
        ];
        for (label, plan, ordered, activate, expected) in cases {
            assert_eq!(decide_order(plan, seats(ordered), activate), expected, "{label}");
        }
    }

    #[test]
    fn the_seat_limit_is_checked_before_the_activation() {
        let paid = Plan { seat_limit: 10, ..plan("p", &[], &[], &[]) };
        assert_eq!(decide_order(&paid, seats(11), Some(12)), Err(OrderError::SeatLimit { limit: 10, requested: 11 }));
    }

    #[test]
    fn refusals_say_what_to_change() {
        let free = OrderError::NotOrderable { plan: "Meetings".to_owned() };
        assert_eq!(free.to_string(), "Meetings comes with self-service sign-up; it is not ordered");
        let limit = OrderError::SeatLimit { limit: 300, requested: 301 };
        assert_eq!(limit.to_string(), "the plan allows at most 300 seats per subscription; 301 were asked for");
    }
}
