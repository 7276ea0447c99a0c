//! Delegated administration: offers, the relationships customers accept, and the access a
//! partner admin gives its agents and API clients for each relationship.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use tenantry_domain::partner::DelegatedAccess;
use tenantry_domain::relationship::{Relationship, RelationshipStatus};

use crate::connection::DbConnection;
use crate::error::StoreResult;
use crate::schema::{admin_offers, delegated_access, flagged_customers, partner_relationships, tenants};
use crate::tenants::{prefix_pattern, TenantRow};
use crate::time;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = admin_offers)]
pub struct OfferRow {
    pub id: String,
    pub partner_id: String,
    #[diesel(deserialize_as = String)]
    pub access: DelegatedAccess,
    pub duration_days: Option<i32>,
    pub token: String,
    pub created_by: Option<String>,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = admin_offers)]
pub struct NewOffer<'a> {
    pub id: &'a str,
    pub partner_id: &'a str,
    pub access: &'a str,
    pub duration_days: Option<i32>,
    pub token: &'a str,
    pub created_by: Option<&'a str>,
    pub created_at: NaiveDateTime,
}

pub fn insert_offer(conn: &mut DbConnection, offer: &NewOffer<'_>) -> StoreResult<()> {
    diesel::insert_into(admin_offers::table).values(offer).execute(conn)?;
    Ok(())
}

pub fn find_offer(conn: &mut DbConnection, partner_id: &str, id: &str) -> StoreResult<Option<OfferRow>> {
    Ok(admin_offers::table
        .find(id)
        .filter(admin_offers::partner_id.eq(partner_id))
        .select(OfferRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_offer_by_token(conn: &mut DbConnection, token: &str) -> StoreResult<Option<OfferRow>> {
    Ok(admin_offers::table
        .filter(admin_offers::token.eq(token))
        .select(OfferRow::as_select())
        .first(conn)
        .optional()?)
}

/// One page of a partner's offers, newest last.
pub fn list_offers(
    conn: &mut DbConnection,
    partner_id: &str,
    after: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<OfferRow>> {
    let mut query =
        admin_offers::table.filter(admin_offers::partner_id.eq(partner_id)).select(OfferRow::as_select()).into_boxed();
    if let Some(after) = after {
        query = query.filter(admin_offers::id.gt(after.to_owned()));
    }
    Ok(query.order(admin_offers::id.asc()).limit(limit).load(conn)?)
}

/// Revokes an offer that is not revoked yet; false when it already was.
pub fn revoke_offer(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> StoreResult<bool> {
    let changed = diesel::update(admin_offers::table.find(id).filter(admin_offers::revoked_at.is_null()))
        .set(admin_offers::revoked_at.eq(now))
        .execute(conn)?;
    Ok(changed == 1)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = partner_relationships)]
pub struct RelationshipRow {
    pub id: String,
    pub partner_id: String,
    pub tenant_id: String,
    pub offer_id: String,
    #[diesel(deserialize_as = String)]
    pub access: DelegatedAccess,
    #[diesel(deserialize_as = String)]
    pub status: RelationshipStatus,
    pub accepted_by: String,
    pub accepted_at: NaiveDateTime,
    pub ends_at: Option<NaiveDateTime>,
    pub ended_at: Option<NaiveDateTime>,
    pub ended_by: Option<String>,
    pub version: i64,
}

impl RelationshipRow {
    pub fn relationship(&self) -> Relationship {
        Relationship { access: self.access, status: self.status, ends_at: self.ends_at.map(time::from_db) }
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = partner_relationships)]
pub struct NewRelationship<'a> {
    pub id: &'a str,
    pub partner_id: &'a str,
    pub tenant_id: &'a str,
    pub offer_id: &'a str,
    pub access: &'a str,
    pub status: &'a str,
    pub accepted_by: &'a str,
    pub accepted_at: NaiveDateTime,
    pub ends_at: Option<NaiveDateTime>,
}

pub fn insert_relationship(conn: &mut DbConnection, relationship: &NewRelationship<'_>) -> StoreResult<()> {
    diesel::insert_into(partner_relationships::table).values(relationship).execute(conn)?;
    Ok(())
}

/// A relationship of the tenant; `None` for anyone else's.
pub fn find_relationship(conn: &mut DbConnection, tenant_id: &str, id: &str) -> StoreResult<Option<RelationshipRow>> {
    Ok(partner_relationships::table
        .find(id)
        .filter(partner_relationships::tenant_id.eq(tenant_id))
        .select(RelationshipRow::as_select())
        .first(conn)
        .optional()?)
}

/// The relationship recorded as active between a partner and a customer (there is at most one).
/// It may have lapsed: ask the domain before acting on it.
pub fn active_relationship(
    conn: &mut DbConnection,
    partner_id: &str,
    tenant_id: &str,
) -> StoreResult<Option<RelationshipRow>> {
    Ok(partner_relationships::table
        .filter(partner_relationships::partner_id.eq(partner_id))
        .filter(partner_relationships::tenant_id.eq(tenant_id))
        .filter(partner_relationships::status.eq(RelationshipStatus::Active.as_str()))
        .select(RelationshipRow::as_select())
        .first(conn)
        .optional()?)
}

/// The partner's active relationship with the tenant and, in the same round trip, the access
/// `grantee_id` was assigned under it (what authentication reads for a partner agent on every
/// request about a customer).
pub fn active_relationship_with_access(
    conn: &mut DbConnection,
    partner_id: &str,
    tenant_id: &str,
    grantee_id: &str,
) -> StoreResult<Option<(RelationshipRow, Option<DelegatedAccess>)>> {
    let found: Option<(RelationshipRow, Option<String>)> = partner_relationships::table
        .left_join(
            delegated_access::table.on(delegated_access::relationship_id
                .eq(partner_relationships::id)
                .and(delegated_access::grantee_id.eq(grantee_id))),
        )
        .filter(partner_relationships::partner_id.eq(partner_id))
        .filter(partner_relationships::tenant_id.eq(tenant_id))
        .filter(partner_relationships::status.eq(RelationshipStatus::Active.as_str()))
        .select((RelationshipRow::as_select(), delegated_access::access.nullable()))
        .first(conn)
        .optional()?;
    found
        .map(|(row, access)| {
            let access = access
                .map(|name| name.parse())
                .transpose()
                .map_err(|e| crate::StoreError::Corrupt(format!("delegated access of {grantee_id}: {e}")))?;
            Ok((row, access))
        })
        .transpose()
}

/// One page of a tenant's relationships in the order they were accepted; optionally only one
/// partner's (what a delegated caller may see).
pub fn list_relationships(
    conn: &mut DbConnection,
    tenant_id: &str,
    partner_id: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<RelationshipRow>> {
    let mut query = partner_relationships::table
        .filter(partner_relationships::tenant_id.eq(tenant_id))
        .select(RelationshipRow::as_select())
        .into_boxed();
    if let Some(partner_id) = partner_id {
        query = query.filter(partner_relationships::partner_id.eq(partner_id.to_owned()));
    }
    if let Some(after) = after {
        query = query.filter(partner_relationships::id.gt(after.to_owned()));
    }
    Ok(query.order(partner_relationships::id.asc()).limit(limit).load(conn)?)
}

/// Who ended a relationship.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndedBy {
    Customer,
    Partner,
    Expiry,
}

impl EndedBy {
    pub fn as_str(self) -> &'static str {
        match self {
            EndedBy::Customer => "customer",
            EndedBy::Partner => "partner",
            EndedBy::Expiry => "expiry",
        }
    }
}

/// Ends a relationship still recorded as active (as `ended`, or as `expired` when its end date
/// passed); false when it had already ended. Its assignments go with it.
pub fn end_relationship(
    conn: &mut DbConnection,
    id: &str,
    ended_by: EndedBy,
    ended_at: NaiveDateTime,
) -> StoreResult<bool> {
    let status = if ended_by == EndedBy::Expiry { RelationshipStatus::Expired } else { RelationshipStatus::Ended };
    let changed = diesel::update(
        partner_relationships::table
            .find(id)
            .filter(partner_relationships::status.eq(RelationshipStatus::Active.as_str())),
    )
    .set((
        partner_relationships::status.eq(status.as_str()),
        partner_relationships::ended_at.eq(ended_at),
        partner_relationships::ended_by.eq(ended_by.as_str()),
        partner_relationships::version.eq(partner_relationships::version + 1),
    ))
    .execute(conn)?;
    if changed == 1 {
        diesel::delete(delegated_access::table.filter(delegated_access::relationship_id.eq(id))).execute(conn)?;
    }
    Ok(changed == 1)
}

/// Relationships still recorded as active whose end date is at or before `now`.
pub fn lapsed_relationships(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    limit: i64,
) -> StoreResult<Vec<RelationshipRow>> {
    Ok(partner_relationships::table
        .filter(partner_relationships::status.eq(RelationshipStatus::Active.as_str()))
        .filter(partner_relationships::ends_at.le(now))
        .order(partner_relationships::id.asc())
        .limit(limit)
        .select(RelationshipRow::as_select())
        .load(conn)?)
}

/// The access an agent or API client was given for a relationship; `None` when none was.
pub fn access_of(
    conn: &mut DbConnection,
    relationship_id: &str,
    grantee_id: &str,
) -> StoreResult<Option<DelegatedAccess>> {
    let access: Option<String> = delegated_access::table
        .find((relationship_id, grantee_id))
        .select(delegated_access::access)
        .first(conn)
        .optional()?;
    access
        .map(|name| {
            name.parse().map_err(|e| crate::StoreError::Corrupt(format!("delegated access of {grantee_id}: {e}")))
        })
        .transpose()
}

/// Takes the relationship's row lock until the transaction ends, so that assignments under it
/// queue instead of racing on their key (a no-op update on PostgreSQL; SQLite's write
/// transactions are serialised already).
pub fn lock_relationship(conn: &mut DbConnection, id: &str) -> StoreResult<()> {
    diesel::update(partner_relationships::table.find(id))
        .set(partner_relationships::id.eq(partner_relationships::id))
        .execute(conn)?;
    Ok(())
}

/// Sets (or with `None`, removes) an agent's or API client's access for a relationship.
pub fn set_access(
    conn: &mut DbConnection,
    relationship_id: &str,
    grantee_id: &str,
    access: Option<DelegatedAccess>,
    now: NaiveDateTime,
) -> StoreResult<()> {
    diesel::delete(delegated_access::table.find((relationship_id, grantee_id))).execute(conn)?;
    if let Some(access) = access {
        diesel::insert_into(delegated_access::table)
            .values((
                delegated_access::relationship_id.eq(relationship_id),
                delegated_access::grantee_id.eq(grantee_id),
                delegated_access::access.eq(access.as_str()),
                delegated_access::assigned_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Which customers a list shows.
#[derive(Debug)]
pub struct CustomerFilter<'a> {
    pub partner_id: &'a str,
    /// Only customers this agent or API client was given access to; `None` for partner admins,
    /// who see every customer of the partner.
    pub grantee_id: Option<&'a str>,
    /// Prefix of the customer's default domain.
    pub domain_prefix: Option<&'a str>,
    /// Only the customers this person flagged.
    pub flagged_by: Option<&'a str>,
    /// Relationships ending at or before this instant have lapsed and are left out.
    pub now: NaiveDateTime,
}

/// One page of a partner's customers with a live relationship, in tenant creation order.
pub fn list_customers(
    conn: &mut DbConnection,
    filter: &CustomerFilter<'_>,
    after: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<(TenantRow, RelationshipRow)>> {
    let mut query = tenants::table
        .inner_join(partner_relationships::table)
        .filter(partner_relationships::partner_id.eq(filter.partner_id.to_owned()))
        .filter(partner_relationships::status.eq(RelationshipStatus::Active.as_str()))
        .filter(partner_relationships::ends_at.is_null().or(partner_relationships::ends_at.gt(filter.now)))
        .select((TenantRow::as_select(), RelationshipRow::as_select()))
        .into_boxed();
    if let Some(grantee) = filter.grantee_id {
        let granted = delegated_access::table
            .filter(delegated_access::grantee_id.eq(grantee.to_owned()))
            .select(delegated_access::relationship_id);
        query = query.filter(partner_relationships::id.eq_any(granted));
    }
    if let Some(prefix) = filter.domain_prefix {
        query = query.filter(tenants::initial_domain.like(prefix_pattern(prefix)).escape('\\'));
    }
    if let Some(person) = filter.flagged_by {
        let flagged = flagged_customers::table
            .filter(flagged_customers::user_id.eq(person.to_owned()))
            .select(flagged_customers::tenant_id);
        query = query.filter(tenants::id.eq_any(flagged));
    }
    if let Some(after) = after {
        query = query.filter(tenants::id.gt(after.to_owned()));
    }
    Ok(query.order(tenants::id.asc()).limit(limit).load(conn)?)
}

/// The partner's offers not revoked: each can still be accepted, by any customer given its link
/// (a relationship made from an offer outlives the offer's revocation).
pub fn count_open_offers(conn: &mut DbConnection, partner_id: &str) -> StoreResult<i64> {
    Ok(admin_offers::table
        .filter(admin_offers::partner_id.eq(partner_id))
        .filter(admin_offers::revoked_at.is_null())
        .count()
        .get_result(conn)?)
}
