//! Subscriptions (license pools): orders, seats, activation, suspension, termination, plan
//! changes and the tenant's license summary.

pub mod paths;
pub mod plan_change;
pub mod pools;
pub mod problems;
pub mod requests;
pub mod summary;

use crate::routes::table::RouteTable;

pub fn configure(table: &mut RouteTable) {
    table
        .add(pools::__path_list_subscriptions, pools::list_subscriptions)
        .add(pools::__path_create_subscription, pools::create_subscription)
        .add(pools::__path_get_subscription, pools::get_subscription)
        .add(pools::__path_buy_seats, pools::buy_seats)
        .add(pools::__path_change_activation, pools::change_activation)
        .add(pools::__path_suspend_subscription, pools::suspend_subscription)
        .add(pools::__path_reactivate_subscription, pools::reactivate_subscription)
        .add(pools::__path_terminate_subscription, pools::terminate_subscription)
        .add(plan_change::__path_change_plan, plan_change::change_plan)
        .add(summary::__path_get_license_summary, summary::get_license_summary);
}
