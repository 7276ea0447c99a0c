//! Reading subscriptions (license pools) and the licenses given from them. What changes them
//! is in [`crate::seats`], the one way seats move.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use tenantry_domain::license::License;
use tenantry_domain::license_pool::{LicensePool, SubscriptionStatus};

use crate::connection::DbConnection;
use crate::error::StoreResult;
use crate::schema::{license_assignments, subscriptions, users};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = subscriptions)]
pub struct SubscriptionRow {
    pub id: String,
    pub tenant_id: String,
    pub plan_code: String,
    #[diesel(deserialize_as = String)]
    pub status: SubscriptionStatus,
    pub purchased: i64,
    pub active: i64,
    pub assigned: i64,
    pub activate_on_provisioning: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub activated_at: Option<NaiveDateTime>,
    pub terminated_at: Option<NaiveDateTime>,
    pub version: i64,
}

impl SubscriptionRow {
    pub fn pool(&self) -> LicensePool {
        LicensePool { status: self.status, purchased: self.purchased, active: self.active, assigned: self.assigned }
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = subscriptions)]
pub struct NewSubscription<'a> {
    pub id: &'a str,
    pub tenant_id: &'a str,
    pub plan_code: &'a str,
    pub status: &'a str,
    pub purchased: i64,
    pub active: i64,
    pub assigned: i64,
    pub activate_on_provisioning: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub activated_at: Option<NaiveDateTime>,
}

pub fn find(conn: &mut DbConnection, id: &str) -> StoreResult<Option<SubscriptionRow>> {
    Ok(subscriptions::table.find(id).select(SubscriptionRow::as_select()).first(conn).optional()?)
}

/// A subscription of one tenant; `None` for another tenant's, which stay invisible.
pub fn find_in_tenant(conn: &mut DbConnection, tenant_id: &str, id: &str) -> StoreResult<Option<SubscriptionRow>> {
    Ok(subscriptions::table
        .find(id)
        .filter(subscriptions::tenant_id.eq(tenant_id))
        .select(SubscriptionRow::as_select())
        .first(conn)
        .optional()?)
}

/// One page of a tenant's subscriptions in order of creation, optionally of one status.
pub fn list_in_tenant(
    conn: &mut DbConnection,
    tenant_id: &str,
    status: Option<SubscriptionStatus>,
    after: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<SubscriptionRow>> {
    let mut query = subscriptions::table
        .filter(subscriptions::tenant_id.eq(tenant_id))
        .select(SubscriptionRow::as_select())
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(subscriptions::status.eq(status.as_str()));
    }
    if let Some(after) = after {
        query = query.filter(subscriptions::id.gt(after.to_owned()));
    }
    Ok(query.order(subscriptions::id.asc()).limit(limit).load(conn)?)
}

/// Every subscription of the tenant that is not terminated, for the license summary.
pub fn live_in_tenant(conn: &mut DbConnection, tenant_id: &str) -> StoreResult<Vec<SubscriptionRow>> {
    Ok(subscriptions::table
        .filter(subscriptions::tenant_id.eq(tenant_id))
        .filter(subscriptions::status.ne(SubscriptionStatus::Terminated.as_str()))
        .order(subscriptions::id.asc())
        .select(SubscriptionRow::as_select())
        .load(conn)?)
}

/// The tenant's active subscriptions of a plan, the one with most free seats first.
pub fn active_of_plan(conn: &mut DbConnection, tenant_id: &str, plan_code: &str) -> StoreResult<Vec<SubscriptionRow>> {
    let mut rows: Vec<SubscriptionRow> = subscriptions::table
        .filter(subscriptions::tenant_id.eq(tenant_id))
        .filter(subscriptions::plan_code.eq(plan_code))
        .filter(subscriptions::status.eq(SubscriptionStatus::Active.as_str()))
        .order(subscriptions::id.asc())
        .select(SubscriptionRow::as_select())
        .load(conn)?;
    rows.sort_by_key(|row| std::cmp::Reverse(row.active - row.assigned));
    Ok(rows)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = license_assignments)]
pub struct AssignmentRow {
    pub subscription_id: String,
    pub user_id: String,
    pub tenant_id: String,
    pub plan_code: String,
    pub assigned_at: NaiveDateTime,
}

impl AssignmentRow {
    pub fn license(&self) -> License {
        License {
            subscription_id: self.subscription_id.clone(),
            plan_code: self.plan_code.clone(),
            assigned_at: crate::time::from_db(self.assigned_at),
        }
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = license_assignments)]
pub struct NewAssignment<'a> {
    pub subscription_id: &'a str,
    pub user_id: &'a str,
    pub tenant_id: &'a str,
    pub plan_code: &'a str,
    pub assigned_at: NaiveDateTime,
}

pub fn assignment(conn: &mut DbConnection, subscription_id: &str, user_id: &str) -> StoreResult<Option<AssignmentRow>> {
    Ok(license_assignments::table
        .find((subscription_id, user_id))
        .select(AssignmentRow::as_select())
        .first(conn)
        .optional()?)
}

/// The licenses people hold, for the people given.
pub fn assignments_of(conn: &mut DbConnection, user_ids: &[String]) -> StoreResult<Vec<AssignmentRow>> {
    Ok(license_assignments::table
        .filter(license_assignments::user_id.eq_any(user_ids))
        .order((license_assignments::user_id.asc(), license_assignments::plan_code.asc()))
        .select(AssignmentRow::as_select())
        .load(conn)?)
}

/// A person holding a license of a subscription.
#[derive(Debug, Clone, Queryable)]
pub struct Holder {
    pub user_id: String,
    pub sign_in: String,
    pub display_name: String,
}

/// Who holds a license of the subscription, by sign-in address.
pub fn holders(conn: &mut DbConnection, subscription_id: &str) -> StoreResult<Vec<Holder>> {
    Ok(license_assignments::table
        .inner_join(users::table)
        .filter(license_assignments::subscription_id.eq(subscription_id))
        .order(users::sign_in.asc())
        .select((users::id, users::sign_in, users::display_name))
        .load(conn)?)
}

pub fn count_assignments(conn: &mut DbConnection, subscription_id: &str) -> StoreResult<i64> {
    Ok(license_assignments::table
        .filter(license_assignments::subscription_id.eq(subscription_id))
        .count()
        .get_result(conn)?)
}
