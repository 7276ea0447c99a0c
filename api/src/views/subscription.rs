//! Subscriptions (license pools) and the license summary as clients see them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tenantry_domain::license_pool::SubscriptionStatus as PoolStatus;
use tenantry_domain::license_summary::{LicenseSummary as Summary, PlanSeats};
use tenantry_domain::plan::Plan;
use tenantry_persistence::subscriptions::SubscriptionRow;
use tenantry_persistence::time;
use utoipa::ToSchema;

/// Where a subscription is in its life.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SubscriptionStatus {
    /// Ordered; the suite is being set up ("activation in progress").
    Provisioning,
    Active,
    /// Stopped by the operator; nothing can be assigned from it.
    Suspended,
    /// Ended: billing stopped, seats gone.
    Terminated,
}

impl From<SubscriptionStatus> for PoolStatus {
    fn from(status: SubscriptionStatus) -> Self {
        match status {
            SubscriptionStatus::Provisioning => PoolStatus::Provisioning,
            SubscriptionStatus::Active => PoolStatus::Active,
            SubscriptionStatus::Suspended => PoolStatus::Suspended,
            SubscriptionStatus::Terminated => PoolStatus::Terminated,
        }
    }
}

impl From<PoolStatus> for SubscriptionStatus {
    fn from(status: PoolStatus) -> Self {
        match status {
            PoolStatus::Provisioning => SubscriptionStatus::Provisioning,
            PoolStatus::Active => SubscriptionStatus::Active,
            PoolStatus::Suspended => SubscriptionStatus::Suspended,
            PoolStatus::Terminated => SubscriptionStatus::Terminated,
        }
    }
}

/// A subscription: a pool of licenses of one plan, with
/// `0 <= assigned_seats <= active_seats <= purchased_seats` at every instant.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": "019a5f40-1111-7000-8000-000000000001", "tenant_id": "019a5f3e-6b00-7a00-8000-000000000001",
    "plan": "business_premium", "plan_name": "Business Premium", "status": "active",
    "purchased_seats": 25, "active_seats": 20, "assigned_seats": 12, "available_seats": 8, "seat_limit": 300,
    "monthly_cost_cents": 21000, "currency": "EUR", "created_at": "2026-11-21T10:00:00Z", "updated_at": "2026-11-21T10:05:00Z",
    "activated_at": "2026-11-21T10:00:02Z", "terminated_at": null}))]
pub struct Subscription {
    pub id: String,
    pub tenant_id: String,
    /// The plan's code.
    pub plan: String,
    pub plan_name: String,
    pub status: SubscriptionStatus,
    /// Seats ordered and paid for.
    pub purchased_seats: i64,
    /// Seats switched on (billed); at most `purchased_seats`.
    pub active_seats: i64,
    /// Seats held by people; at most `active_seats`.
    pub assigned_seats: i64,
    /// `active_seats - assigned_seats`: licenses that can be given now.
    pub available_seats: i64,
    /// The plan's limit of purchased seats per subscription.
    pub seat_limit: i64,
    /// What the active seats cost per month, in cents.
    pub monthly_cost_cents: i64,
    /// Always `EUR`.
    pub currency: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub activated_at: Option<DateTime<Utc>>,
    pub terminated_at: Option<DateTime<Utc>>,
}

impl Subscription {
    pub fn new(row: &SubscriptionRow, plan: &Plan) -> Self {
        let pool = row.pool();
        Self {
            id: row.id.clone(),
            tenant_id: row.tenant_id.clone(),
            plan: row.plan_code.clone(),
            plan_name: plan.name.clone(),
            status: row.status.into(),
            purchased_seats: pool.purchased,
            active_seats: pool.active,
            assigned_seats: pool.assigned,
            available_seats: pool.available(),
            seat_limit: plan.seat_limit,
            monthly_cost_cents: pool.monthly_cost_cents(plan),
            currency: "EUR".to_owned(),
            created_at: time::from_db(row.created_at),
            updated_at: time::from_db(row.updated_at),
            activated_at: row.activated_at.map(time::from_db),
            terminated_at: row.terminated_at.map(time::from_db),
        }
    }
}

/// One page of subscriptions.
#[derive(Serialize, ToSchema)]
pub struct SubscriptionPage {
    pub items: Vec<Subscription>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// One plan's seats across the tenant's subscriptions that are not terminated.
#[derive(Serialize, ToSchema)]
pub struct PlanSeatsLine {
    pub plan: String,
    pub plan_name: String,
    pub purchased_seats: i64,
    pub active_seats: i64,
    pub assigned_seats: i64,
    pub available_seats: i64,
    /// What the active seats cost per month, in cents.
    pub monthly_cost_cents: i64,
}

/// The tenant's licenses at a glance, for dashboards.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"plans": [{"plan": "business_premium", "plan_name": "Business Premium", "purchased_seats": 25,
    "active_seats": 20, "assigned_seats": 12, "available_seats": 8, "monthly_cost_cents": 21000}],
    "total_monthly_cost_cents": 21000, "currency": "EUR"}))]
pub struct LicenseSummary {
    pub plans: Vec<PlanSeatsLine>,
    pub total_monthly_cost_cents: i64,
    /// Always `EUR`.
    pub currency: String,
}

impl From<&PlanSeats> for PlanSeatsLine {
    fn from(line: &PlanSeats) -> Self {
        Self {
            plan: line.plan.code.clone(),
            plan_name: line.plan.name.clone(),
            purchased_seats: line.pool.purchased,
            active_seats: line.pool.active,
            assigned_seats: line.pool.assigned,
            available_seats: line.available(),
            monthly_cost_cents: line.monthly_cost_cents(),
        }
    }
}

impl From<&Summary> for LicenseSummary {
    fn from(summary: &Summary) -> Self {
        Self {
            plans: summary.plans.iter().map(PlanSeatsLine::from).collect(),
            total_monthly_cost_cents: summary.total_monthly_cost_cents(),
            currency: "EUR".to_owned(),
        }
    }
}
