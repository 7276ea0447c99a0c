//! A license a person holds, and the rules for giving one.
//!
//! Whether a seat is free is the pool's business ([`crate::license_pool`]); these rules are
//! about the person and the plan.

use chrono::{DateTime, Utc};

use crate::plan::Plan;

/// A license held by a person: a seat of one subscription, of one plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct License {
    pub subscription_id: String,
    pub plan_code: String,
    pub assigned_at: DateTime<Utc>,
}

/// Why a person is not given a license of a plan.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssignmentRefusal {
    #[error("{plan_name} licences are not given to people")]
    NotAssignable { plan_name: String },
    #[error("already holds a {plan_name} licence")]
    AlreadyHeldForPlan {
        plan_name: String,
        /// The subscription of the license already held.
        subscription_id: String,
    },
}

/// Whether a person holding `held` may be given a license of `plan`. Some plans are resources
/// of the tenant rather than of people (the Registrar), and a person holds at most one license
/// per plan: a second one would be billed and never used.
pub fn check_assignment(plan: &Plan, held: &[License]) -> Result<(), AssignmentRefusal> {
    if !plan.assignable {
        return Err(AssignmentRefusal::NotAssignable { plan_name: plan.name.clone() });
    }
    if let Some(license) = held.iter().find(|license| license.plan_code == plan.code) {
        return Err(AssignmentRefusal::AlreadyHeldForPlan {
            plan_name: plan.name.clone(),
            subscription_id: license.subscription_id.clone(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::plan::tests::plan;

    fn license(subscription_id: &str, plan_code: &str) -> License {
        License {
            subscription_id: subscription_id.to_owned(),
            plan_code: plan_code.to_owned(),
            assigned_at: Utc.with_ymd_and_hms(2026, 11, 21, 10, 0, 0).unwrap(),
        }
    }

    #[test]
    fn a_license_is_given_once_per_plan_and_only_for_plans_people_use() {
        let premium = Plan { name: "Business Premium".to_owned(), ..plan("business_premium", &[], &[], &[]) };
        let registrar =
            Plan { name: "Domain Registrar".to_owned(), assignable: false, ..plan("registrar", &[], &[], &[]) };
        let cases = [
            ("nothing held yet", &premium, vec![], Ok(())),
            ("a licence of another plan", &premium, vec![license("s1", "exchange_online")], Ok(())),
            (
                "a licence of the same plan",
                &premium,
                vec![license("s1", "exchange_online"), license("s2", "business_premium")],
                Err(AssignmentRefusal::AlreadyHeldForPlan {
                    plan_name: "Business Premium".to_owned(),
                    subscription_id: "s2".to_owned(),
                }),
            ),
            (
                "a resource plan",
                &registrar,
                vec![],
                Err(AssignmentRefusal::NotAssignable { plan_name: "Domain Registrar".to_owned() }),
            ),
            (
                "a resource plan is refused before anything held is looked at",
                &registrar,
                vec![license("s3", "registrar")],
                Err(AssignmentRefusal::NotAssignable { plan_name: "Domain Registrar".to_owned() }),
            ),
        ];
        for (label, plan, held, expected) in cases {
            assert_eq!(check_assignment(plan, &held), expected, "{label}");
        }
    }

    #[test]
    fn refusals_name_the_plan() {
        let refusal = AssignmentRefusal::NotAssignable { plan_name: "Domain Registrar".to_owned() };
        assert_eq!(refusal.to_string(), "Domain Registrar licences are not given to people");
        let refusal = AssignmentRefusal::AlreadyHeldForPlan {
            plan_name: "Business Premium".to_owned(),
            subscription_id: "s".into(),
        };
        assert_eq!(refusal.to_string(), "already holds a Business Premium licence");
    }
}
