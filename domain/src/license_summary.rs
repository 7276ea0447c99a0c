//! The license summary of a tenant: per plan, the seats of all its live subscriptions added up,
//! and what they cost per month.

use crate::license_pool::{LicensePool, SubscriptionStatus};
use crate::plan::Plan;

/// The seats a tenant has of one plan, across its subscriptions of that plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanSeats {
    pub plan: Plan,
    /// The sums of the plan's pools that are not terminated; its status is always `Active`,
    /// as the sum of several pools has no status of its own.
    pub pool: LicensePool,
}

impl PlanSeats {
    /// Licenses that can be given now.
    pub fn available(&self) -> i64 {
        self.pool.available()
    }

    /// What the plan's active seats cost per month, in euro cents.
    pub fn monthly_cost_cents(&self) -> i64 {
        self.pool.monthly_cost_cents(&self.plan)
    }
}

/// A tenant's licenses, one line per plan it subscribes to, in catalogue order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicenseSummary {
    pub plans: Vec<PlanSeats>,
}

impl LicenseSummary {
    /// Adds up `pools` (each with its plan's code) per plan of `catalogue`. Terminated pools
    /// are left out: their seats are gone and no longer billed. A plan with no pool left gets
    /// no line.
    pub fn of(catalogue: &[Plan], pools: &[(String, LicensePool)]) -> LicenseSummary {
        let mut plans = Vec::new();
        for plan in catalogue {
            let mine: Vec<&LicensePool> = pools
                .iter()
                .filter(|(plan_code, pool)| *plan_code == plan.code && pool.status != SubscriptionStatus::Terminated)
                .map(|(_, pool)| pool)
                .collect();
            if mine.is_empty() {
                continue;
            }
            let pool = LicensePool {
                status: SubscriptionStatus::Active,
                purchased: mine.iter().map(|pool| pool.purchased).sum(),
                active: mine.iter().map(|pool| pool.active).sum(),
                assigned: mine.iter().map(|pool| pool.assigned).sum(),
            };
            plans.push(PlanSeats { plan: plan.clone(), pool });
        }
        LicenseSummary { plans }
    }

    /// What all the tenant's active seats cost per month, in euro cents.
    pub fn total_monthly_cost_cents(&self) -> i64 {
        self.plans.iter().map(PlanSeats::monthly_cost_cents).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::tests::plan;

    fn priced(code: &str, seat_price_cents: i64) -> Plan {
        Plan { seat_price_cents, ..plan(code, &[], &[], &[]) }
    }

    fn pool(
        code: &str,
        status: SubscriptionStatus,
        purchased: i64,
        active: i64,
        assigned: i64,
    ) -> (String, LicensePool) {
        (code.to_owned(), LicensePool { status, purchased, active, assigned })
    }

    fn summed(purchased: i64, active: i64, assigned: i64) -> LicensePool {
        LicensePool { status: SubscriptionStatus::Active, purchased, active, assigned }
    }

    #[test]
    fn the_pools_of_a_plan_add_up_and_terminated_ones_are_left_out() {
        use SubscriptionStatus::{Active, Provisioning, Suspended, Terminated};
        let catalogue =
            [priced("exchange_online", 400), priced("business_premium", 1050), priced("enterprise_e5", 3480)];
        let pools = [
            pool("business_premium", Active, 25, 20, 12),
            pool("exchange_online", Suspended, 10, 4, 1),
            pool("business_premium", Provisioning, 5, 0, 0),
            pool("business_premium", Terminated, 0, 0, 0),
            pool("enterprise_e5", Terminated, 0, 0, 0),
            pool("business_premium", Active, 3, 3, 3),
        ];
        let summary = LicenseSummary::of(&catalogue, &pools);

        let lines: Vec<(&str, LicensePool, i64, i64)> = summary
            .plans
            .iter()
            .map(|line| (line.plan.code.as_str(), line.pool, line.available(), line.monthly_cost_cents()))
            .collect();
        assert_eq!(
            lines,
            vec![("exchange_online", summed(10, 4, 1), 3, 1_600), ("business_premium", summed(33, 23, 15), 8, 24_150),]
        );
        assert_eq!(summary.total_monthly_cost_cents(), 25_750);
    }

    #[test]
    fn a_tenant_without_subscriptions_has_an_empty_summary() {
        let catalogue = [priced("business_premium", 1050)];
        let cases: [(&str, Vec<(String, LicensePool)>); 3] = [
            ("no pool at all", vec![]),
            ("only terminated pools", vec![pool("business_premium", SubscriptionStatus::Terminated, 0, 0, 0)]),
            ("only pools of plans outside the catalogue", vec![pool("retired", SubscriptionStatus::Active, 5, 5, 0)]),
        ];
        for (label, pools) in cases {
            let summary = LicenseSummary::of(&catalogue, &pools);
            assert_eq!(summary.plans, vec![], "{label}");
            assert_eq!(summary.total_monthly_cost_cents(), 0, "{label}");
        }
    }
}
