//! What clients send to order, buy, activate and change plan.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::http::validation::{optional_whole_number, whole_number};
use crate::views::subscription::SubscriptionStatus;

/// An order: a plan and a number of seats. The subscription starts `provisioning`; a
/// background job makes it `active` and welcomes the tenant's global admins.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"plan": "business_premium", "seats": 25, "activate_seats": 20}))]
pub struct CreateSubscriptionRequest {
    /// A plan code from `GET /v1/plans`.
    #[schema(min_length = 1, max_length = 64)]
    pub plan: String,
    /// Seats to buy.
    #[schema(minimum = 1, maximum = 1000000)]
    #[serde(deserialize_with = "whole_number")]
    pub seats: i64,
    /// Seats to switch on when provisioning completes; all of them when absent.
    #[schema(minimum = 0, maximum = 1000000)]
    #[serde(default, deserialize_with = "optional_whole_number", skip_serializing_if = "Option::is_none")]
    pub activate_seats: Option<i64>,
}

/// More seats to buy. They are purchased, not yet active.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"seats": 5}))]
pub struct BuySeatsRequest {
    #[schema(minimum = 1, maximum = 1000000)]
    #[serde(deserialize_with = "whole_number")]
    pub seats: i64,
}

/// The portal's + and - buttons: a positive delta activates purchased seats, a negative one
/// deactivates free ones.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"delta": 3}))]
pub struct ActivationRequest {
    #[schema(minimum = -1000000, maximum = 1000000)]
    #[serde(deserialize_with = "whole_number")]
    pub delta: i64,
}

/// A plan change: move people from this subscription to another plan in one operation.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"target_plan": "business_premium", "buy_missing": true, "terminate_source": true, "dry_run": true}))]
pub struct ChangePlanRequest {
    /// An allowed upgrade or downgrade of the subscription's plan.
    #[schema(min_length = 1, max_length = 64)]
    pub target_plan: String,
    /// The people to move (user ids); everyone holding a license of this subscription when absent.
    #[schema(max_items = 10000)]
    pub users: Option<Vec<String>>,
    /// Activate inactive seats and buy the rest when the target pool is short (creating the
    /// target subscription if the tenant has none).
    #[serde(default)]
    pub buy_missing: bool,
    /// Terminate this subscription once nobody holds its licenses.
    #[serde(default)]
    pub terminate_source: bool,
    /// Report what would happen, change nothing.
    #[serde(default)]
    pub dry_run: bool,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SubscriptionListQuery {
    /// Only subscriptions in this status.
    pub status: Option<SubscriptionStatus>,
    /// Page size.
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[param(max_length = 200)]
    pub cursor: Option<String>,
}
