//! The plan catalogue as a whole: the one place a plan is looked up by its code.

use crate::plan::Plan;

/// Every plan on offer, in catalogue order. Seeded by a migration, so it cannot change while
/// the service runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Catalogue {
    plans: Vec<Plan>,
}

/// A plan code that is not in the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("there is no plan `{0}`; see GET /v1/plans")]
pub struct UnknownPlan(pub String);

impl Catalogue {
    pub fn new(plans: Vec<Plan>) -> Self {
        Self { plans }
    }

    pub fn plans(&self) -> &[Plan] {
        &self.plans
    }

    /// The plan with this code.
    pub fn plan(&self, code: &str) -> Result<&Plan, UnknownPlan> {
        self.plans.iter().find(|plan| plan.code == code).ok_or_else(|| UnknownPlan(code.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::tests::plan;

    #[test]
    fn plans_are_found_by_code_and_unknown_codes_are_named() {
        let catalogue = Catalogue::new(vec![plan("business_premium", &[], &[], &[]), plan("registrar", &[], &[], &[])]);
        assert_eq!(catalogue.plan("registrar").map(|p| p.code.as_str()), Ok("registrar"));
        assert_eq!(catalogue.plan("teleportation"), Err(UnknownPlan("teleportation".to_owned())));
        assert_eq!(catalogue.plans().len(), 2);
    }
}
