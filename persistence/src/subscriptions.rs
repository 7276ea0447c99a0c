//! Subscriptions (licence pools) and the licences given from them.
//!
//! Every counter change is a conditional `UPDATE ... WHERE` that restates the pool's rule, and
//! its affected-row count says whether it applied. So two requests racing for the last seat
//! cannot both win on either backend, and the CHECK constraint backs it all.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use tenantry_domain::licence::Licence;
use tenantry_domain::license_pool::{LicensePool, SubscriptionStatus};

use crate::connection::DbConnection;
use crate::error::StoreResult;
use crate::schema::{licence_assignments, subscriptions, users};
pub use crate::version_guard::VersionGuard;

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

pub fn insert(conn: &mut DbConnection, subscription: &NewSubscription<'_>) -> StoreResult<()> {
    diesel::insert_into(subscriptions::table).values(subscription).execute(conn)?;
    Ok(())
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

/// Every subscription of the tenant that is not terminated, for the licence summary.
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

fn bump(
    now: NaiveDateTime,
) -> (
    diesel::dsl::Eq<subscriptions::updated_at, NaiveDateTime>,
    diesel::dsl::Eq<subscriptions::version, diesel::dsl::Add<subscriptions::version, i64>>,
) {
    (subscriptions::updated_at.eq(now), subscriptions::version.eq(subscriptions::version + 1i64))
}

/// Takes one free seat of an active pool. False when there is none (or the pool is not active).
pub fn take_seat(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> StoreResult<bool> {
    let changed = diesel::update(
        subscriptions::table
            .find(id)
            .filter(subscriptions::status.eq(SubscriptionStatus::Active.as_str()))
            .filter(subscriptions::assigned.lt(subscriptions::active)),
    )
    .set((subscriptions::assigned.eq(subscriptions::assigned + 1i64), bump(now)))
    .execute(conn)?;
    Ok(changed == 1)
}

/// A free pool grows with the people who join it: one more seat, bought, active and taken at
/// once (the free Meetings tier has no seats to buy), even while an operator has it suspended.
pub fn grow_free_pool(conn: &mut DbConnection, id: &str, seat_limit: i64, now: NaiveDateTime) -> StoreResult<bool> {
    let changed = diesel::update(
        subscriptions::table
            .find(id)
            .filter(subscriptions::status.ne(SubscriptionStatus::Terminated.as_str()))
            .filter(subscriptions::purchased.lt(seat_limit)),
    )
    .set((
        subscriptions::purchased.eq(subscriptions::purchased + 1i64),
        subscriptions::active.eq(subscriptions::active + 1i64),
        subscriptions::assigned.eq(subscriptions::assigned + 1i64),
        bump(now),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Gives one seat back.
pub fn release_seat(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> StoreResult<bool> {
    let changed = diesel::update(subscriptions::table.find(id).filter(subscriptions::assigned.gt(0i64)))
        .set((subscriptions::assigned.eq(subscriptions::assigned - 1i64), bump(now)))
        .execute(conn)?;
    Ok(changed == 1)
}

/// Activates (`delta > 0`) or deactivates seats, staying between assigned and purchased.
pub fn change_active(
    conn: &mut DbConnection,
    id: &str,
    delta: i64,
    now: NaiveDateTime,
    guard: VersionGuard,
) -> StoreResult<bool> {
    let changed = diesel::update(
        subscriptions::table
            .find(id)
            .filter(subscriptions::version.between(guard.low, guard.high))
            .filter(subscriptions::status.eq(SubscriptionStatus::Active.as_str()))
            .filter((subscriptions::active + delta).le(subscriptions::purchased))
            .filter((subscriptions::active + delta).ge(subscriptions::assigned)),
    )
    .set((subscriptions::active.eq(subscriptions::active + delta), bump(now)))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Buys `seats` more, up to `seat_limit` purchased.
pub fn add_purchased(
    conn: &mut DbConnection,
    id: &str,
    seats: i64,
    seat_limit: i64,
    now: NaiveDateTime,
    guard: VersionGuard,
) -> StoreResult<bool> {
    let changed = diesel::update(
        subscriptions::table
            .find(id)
            .filter(subscriptions::version.between(guard.low, guard.high))
            .filter(subscriptions::status.eq(SubscriptionStatus::Active.as_str()))
            .filter((subscriptions::purchased + seats).le(seat_limit)),
    )
    .set((subscriptions::purchased.eq(subscriptions::purchased + seats), bump(now)))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Moves the status from `from` to `to` if it is still `from`.
pub fn change_status(
    conn: &mut DbConnection,
    id: &str,
    from: SubscriptionStatus,
    to: SubscriptionStatus,
    now: NaiveDateTime,
    guard: VersionGuard,
) -> StoreResult<bool> {
    let changed = diesel::update(
        subscriptions::table
            .find(id)
            .filter(subscriptions::status.eq(from.as_str()))
            .filter(subscriptions::version.between(guard.low, guard.high)),
    )
    .set((subscriptions::status.eq(to.as_str()), bump(now)))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Provisioning is done: active, with the seats asked for at order switched on.
pub fn mark_provisioned(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> StoreResult<bool> {
    let changed = diesel::update(
        subscriptions::table.find(id).filter(subscriptions::status.eq(SubscriptionStatus::Provisioning.as_str())),
    )
    .set((
        subscriptions::status.eq(SubscriptionStatus::Active.as_str()),
        subscriptions::active.eq(subscriptions::activate_on_provisioning),
        subscriptions::activated_at.eq(Some(now)),
        bump(now),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Ends a subscription that nobody holds a licence of: billing stops, seats gone.
pub fn terminate(conn: &mut DbConnection, id: &str, now: NaiveDateTime, guard: VersionGuard) -> StoreResult<bool> {
    let changed = diesel::update(
        subscriptions::table
            .find(id)
            .filter(subscriptions::version.between(guard.low, guard.high))
            .filter(subscriptions::status.ne(SubscriptionStatus::Terminated.as_str()))
            .filter(subscriptions::assigned.eq(0i64)),
    )
    .set((
        subscriptions::status.eq(SubscriptionStatus::Terminated.as_str()),
        subscriptions::active.eq(0i64),
        subscriptions::purchased.eq(0i64),
        subscriptions::terminated_at.eq(Some(now)),
        bump(now),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = licence_assignments)]
pub struct AssignmentRow {
    pub subscription_id: String,
    pub user_id: String,
    pub tenant_id: String,
    pub plan_code: String,
    pub assigned_at: NaiveDateTime,
}

impl AssignmentRow {
    pub fn licence(&self) -> Licence {
        Licence {
            subscription_id: self.subscription_id.clone(),
            plan_code: self.plan_code.clone(),
            assigned_at: crate::time::from_db(self.assigned_at),
        }
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = licence_assignments)]
pub struct NewAssignment<'a> {
    pub subscription_id: &'a str,
    pub user_id: &'a str,
    pub tenant_id: &'a str,
    pub plan_code: &'a str,
    pub assigned_at: NaiveDateTime,
}

/// Records a licence. A person already holding one of the plan is a unique violation.
pub fn insert_assignment(conn: &mut DbConnection, assignment: &NewAssignment<'_>) -> StoreResult<()> {
    diesel::insert_into(licence_assignments::table).values(assignment).execute(conn)?;
    Ok(())
}

pub fn delete_assignment(conn: &mut DbConnection, subscription_id: &str, user_id: &str) -> StoreResult<bool> {
    let deleted = diesel::delete(licence_assignments::table.find((subscription_id, user_id))).execute(conn)?;
    Ok(deleted == 1)
}

pub fn assignment(conn: &mut DbConnection, subscription_id: &str, user_id: &str) -> StoreResult<Option<AssignmentRow>> {
    Ok(licence_assignments::table
        .find((subscription_id, user_id))
        .select(AssignmentRow::as_select())
        .first(conn)
        .optional()?)
}

/// The licences people hold, for the people given.
pub fn assignments_of(conn: &mut DbConnection, user_ids: &[String]) -> StoreResult<Vec<AssignmentRow>> {
    Ok(licence_assignments::table
        .filter(licence_assignments::user_id.eq_any(user_ids))
        .order((licence_assignments::user_id.asc(), licence_assignments::plan_code.asc()))
        .select(AssignmentRow::as_select())
        .load(conn)?)
}

/// A person holding a licence of a subscription.
#[derive(Debug, Clone, Queryable)]
pub struct Holder {
    pub user_id: String,
    pub sign_in: String,
    pub display_name: String,
}

/// Who holds a licence of the subscription, by sign-in address.
pub fn holders(conn: &mut DbConnection, subscription_id: &str) -> StoreResult<Vec<Holder>> {
    Ok(licence_assignments::table
        .inner_join(users::table)
        .filter(licence_assignments::subscription_id.eq(subscription_id))
        .order(users::sign_in.asc())
        .select((users::id, users::sign_in, users::display_name))
        .load(conn)?)
}

pub fn count_assignments(conn: &mut DbConnection, subscription_id: &str) -> StoreResult<i64> {
    Ok(licence_assignments::table
        .filter(licence_assignments::subscription_id.eq(subscription_id))
        .count()
        .get_result(conn)?)
}
