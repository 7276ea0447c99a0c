//! The plan catalogue as clients see it.

use serde::Serialize;
use tenantry_domain::plan::Plan as DomainPlan;
use utoipa::ToSchema;

/// A plan of the catalogue.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"code": "business_premium", "name": "Business Premium",
    "services": ["mail", "meetings", "office_web_apps", "office_desktop_apps", "sites", "file_storage"],
    "seat_price_cents": 1050, "currency": "EUR", "seat_limit": 300, "assignable": true,
    "upgrades": ["enterprise_e3", "enterprise_e5"], "downgrades": ["business_essentials", "exchange_online"]}))]
pub struct Plan {
    /// The plan's code, used to order it.
    pub code: String,
    pub name: String,
    /// What a license of the plan brings to the person holding it.
    pub services: Vec<String>,
    /// Price of one active seat per month, in cents of `currency`.
    pub seat_price_cents: i64,
    /// Always `EUR`.
    pub currency: String,
    /// The most seats one subscription may hold.
    pub seat_limit: i64,
    /// Whether its licenses are given to people (the registrar resource's are not).
    pub assignable: bool,
    /// Plans a subscription of this plan may be upgraded to.
    pub upgrades: Vec<String>,
    /// Plans a subscription of this plan may be downgraded to.
    pub downgrades: Vec<String>,
}

impl From<&DomainPlan> for Plan {
    fn from(plan: &DomainPlan) -> Self {
        Self {
            code: plan.code.clone(),
            name: plan.name.clone(),
            services: plan.services.iter().map(|s| s.as_str().to_owned()).collect(),
            seat_price_cents: plan.seat_price_cents,
            currency: "EUR".to_owned(),
            seat_limit: plan.seat_limit,
            assignable: plan.assignable,
            upgrades: plan.upgrades.clone(),
            downgrades: plan.downgrades.clone(),
        }
    }
}

/// The catalogue.
#[derive(Serialize, ToSchema)]
pub struct PlanList {
    pub items: Vec<Plan>,
}
