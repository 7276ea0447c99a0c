//! The report of a plan change, as clients see it: what it did, or would do on a dry run.

use serde::Serialize;
use tenantry_domain::plan_change::{ChangeProblem, PlanChangePlan};
use utoipa::ToSchema;

/// The facts a report is made of.
pub struct PlanChangeFacts<'a> {
    pub source_subscription_id: &'a str,
    pub source_plan: &'a str,
    pub target_plan: &'a str,
    pub target_subscription_id: Option<&'a str>,
    pub decided: &'a PlanChangePlan,
    /// Each person asked about, with their sign-in address when they are a member of the tenant.
    pub people: &'a [(String, Option<String>)],
    pub dry_run: bool,
    pub applied: bool,
}

/// Something that stops a plan change.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanChangeError {
    /// A stable code, e.g. `license_pool_exhausted`, `plan_change_not_allowed`.
    pub code: String,
    pub message: String,
    /// The person concerned, for per-person errors.
    pub user_id: Option<String>,
}

/// A person the change moves, and what they lose or gain.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanChangeUser {
    pub user_id: String,
    pub sign_in: Option<String>,
    pub services_lost: Vec<String>,
    pub services_gained: Vec<String>,
}

/// What a plan change did, or would do on a dry run.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"dry_run": true, "applied": false, "source_subscription_id": "019a5f40-1111-7000-8000-000000000001",
    "source_plan": "business_essentials", "target_plan": "business_premium", "direction": "upgrade",
    "target_subscription_id": null, "seats_needed": 12, "seats_available": 0, "seats_to_activate": 0, "seats_to_buy": 12,
    "creates_target_subscription": true, "source_terminated": true,
    "users": [{"user_id": "019a5f3e-9000-7000-8000-00000000000a", "sign_in": "grace@contoso.tenantry.test", "services_lost": [], "services_gained": ["office_desktop_apps"]}],
    "errors": []}))]
pub struct PlanChangeReportBody {
    pub dry_run: bool,
    /// Whether the change was made (never on a dry run).
    pub applied: bool,
    pub source_subscription_id: String,
    pub source_plan: String,
    pub target_plan: String,
    /// `upgrade` or `downgrade`; `null` when the target is neither.
    pub direction: Option<String>,
    /// The pool the people go to: existing, or created by the change (`null` on a dry run that would create it).
    pub target_subscription_id: Option<String>,
    pub seats_needed: i64,
    pub seats_available: i64,
    pub seats_to_activate: i64,
    pub seats_to_buy: i64,
    pub creates_target_subscription: bool,
    pub source_terminated: bool,
    pub users: Vec<PlanChangeUser>,
    /// Every error the change hits; it is made only when this is empty.
    pub errors: Vec<PlanChangeError>,
}

impl PlanChangeReportBody {
    pub fn new(facts: &PlanChangeFacts<'_>) -> Self {
        let decided = facts.decided;
        let lost: Vec<String> = decided.services_lost.iter().map(|s| s.as_str().to_owned()).collect();
        let gained: Vec<String> = decided.services_gained.iter().map(|s| s.as_str().to_owned()).collect();
        Self {
            dry_run: facts.dry_run,
            applied: facts.applied,
            source_subscription_id: facts.source_subscription_id.to_owned(),
            source_plan: facts.source_plan.to_owned(),
            target_plan: facts.target_plan.to_owned(),
            direction: decided.direction.map(|d| d.as_str().to_owned()),
            target_subscription_id: facts.target_subscription_id.map(str::to_owned),
            seats_needed: decided.seats_needed,
            seats_available: decided.seats_available,
            seats_to_activate: decided.seats_to_activate,
            seats_to_buy: decided.seats_to_buy,
            creates_target_subscription: decided.creates_target_pool,
            source_terminated: decided.terminates_source && (facts.applied || facts.dry_run),
            users: facts
                .people
                .iter()
                .filter(|(user_id, _)| decided.moving.contains(user_id))
                .map(|(user_id, sign_in)| PlanChangeUser {
                    user_id: user_id.clone(),
                    sign_in: sign_in.clone(),
                    services_lost: lost.clone(),
                    services_gained: gained.clone(),
                })
                .collect(),
            errors: decided.problems.iter().map(PlanChangeError::from).collect(),
        }
    }
}

impl From<&ChangeProblem> for PlanChangeError {
    fn from(problem: &ChangeProblem) -> Self {
        let user_id = match problem {
            ChangeProblem::LacksSourceLicense { user_id } | ChangeProblem::AlreadyHoldsTarget { user_id } => {
                Some(user_id.clone())
            }
            _ => None,
        };
        Self { code: problem.code().to_owned(), message: problem.message(), user_id }
    }
}
