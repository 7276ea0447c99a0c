//! Service-health incidents and advisories the operator publishes, for all tenants or some, with
//! the workloads they affect and their timeline of updates.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use tenantry_domain::service_health::{Classification, Health, IncidentStatus};

use crate::connection::DbConnection;
use crate::error::{StoreError, StoreResult};
use crate::schema::{incident_tenants, incident_updates, incident_workloads, incidents};

pub const ACTIVE: &str = IncidentStatus::Active.as_str();
pub const RESOLVED: &str = IncidentStatus::Resolved.as_str();

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = incidents)]
pub struct IncidentRow {
    pub id: String,
    #[diesel(deserialize_as = String)]
    pub classification: Classification,
    pub title: String,
    pub impact: String,
    #[diesel(deserialize_as = String)]
    pub health: Health,
    pub all_tenants: bool,
    pub status: String,
    pub started_at: NaiveDateTime,
    pub resolved_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = incidents)]
pub struct NewIncident<'a> {
    pub id: &'a str,
    pub classification: &'a str,
    pub title: &'a str,
    pub impact: &'a str,
    pub health: &'a str,
    pub all_tenants: bool,
    pub status: &'a str,
    pub started_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = incident_updates)]
pub struct UpdateRow {
    pub id: String,
    pub incident_id: String,
    pub message: String,
    pub health: String,
    pub status: String,
    pub created_at: NaiveDateTime,
}

/// Publishes an incident with the workloads and tenants it affects and its first update.
pub fn insert(
    conn: &mut DbConnection,
    incident: &NewIncident<'_>,
    workloads: &[&str],
    tenant_ids: &[String],
    first_update_id: &str,
    message: &str,
) -> StoreResult<()> {
    diesel::insert_into(incidents::table).values(incident).execute(conn)?;
    for workload in workloads {
        diesel::insert_into(incident_workloads::table)
            .values((incident_workloads::incident_id.eq(incident.id), incident_workloads::workload.eq(*workload)))
            .execute(conn)?;
    }
    for tenant_id in tenant_ids {
        diesel::insert_into(incident_tenants::table)
            .values((incident_tenants::incident_id.eq(incident.id), incident_tenants::tenant_id.eq(tenant_id)))
            .execute(conn)?;
    }
    add_update(conn, incident.id, first_update_id, message, incident.health, incident.status, incident.created_at)
}

pub fn add_update(
    conn: &mut DbConnection,
    incident_id: &str,
    id: &str,
    message: &str,
    health: &str,
    status: &str,
    at: NaiveDateTime,
) -> StoreResult<()> {
    diesel::insert_into(incident_updates::table)
        .values((
            incident_updates::id.eq(id),
            incident_updates::incident_id.eq(incident_id),
            incident_updates::message.eq(message),
            incident_updates::health.eq(health),
            incident_updates::status.eq(status),
            incident_updates::created_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: &str) -> StoreResult<Option<IncidentRow>> {
    Ok(incidents::table.find(id).select(IncidentRow::as_select()).first(conn).optional()?)
}

/// Whether the incident concerns the tenant (published to all, or naming it).
pub fn concerns(conn: &mut DbConnection, incident: &IncidentRow, tenant_id: &str) -> StoreResult<bool> {
    if incident.all_tenants {
        return Ok(true);
    }
    let named: i64 = incident_tenants::table.find((incident.id.as_str(), tenant_id)).count().get_result(conn)?;
    Ok(named > 0)
}

/// One page of incidents, newest first: every one (`tenant_id` `None`, for operators) or those
/// concerning a tenant; optionally only active or resolved ones.
pub fn list(
    conn: &mut DbConnection,
    tenant_id: Option<&str>,
    status: Option<&str>,
    before: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<IncidentRow>> {
    let mut query = incidents::table.select(IncidentRow::as_select()).into_boxed();
    if let Some(tenant_id) = tenant_id {
        let named = incident_tenants::table
            .filter(incident_tenants::tenant_id.eq(tenant_id.to_owned()))
            .select(incident_tenants::incident_id);
        query = query.filter(incidents::all_tenants.eq(true).or(incidents::id.eq_any(named)));
    }
    if let Some(status) = status {
        query = query.filter(incidents::status.eq(status.to_owned()));
    }
    if let Some(before) = before {
        query = query.filter(incidents::id.lt(before.to_owned()));
    }
    Ok(query.order(incidents::id.desc()).limit(limit).load(conn)?)
}

/// Every active incident, with the tenants it names (empty when it concerns all of them).
pub fn active(conn: &mut DbConnection) -> StoreResult<Vec<(IncidentRow, Vec<String>)>> {
    let rows = list(conn, None, Some(ACTIVE), None, i64::MAX)?;
    let ids: Vec<String> = rows.iter().map(|row| row.id.clone()).collect();
    let pairs: Vec<(String, String)> = incident_tenants::table
        .filter(incident_tenants::incident_id.eq_any(&ids))
        .select((incident_tenants::incident_id, incident_tenants::tenant_id))
        .load(conn)?;
    let mut tenants: HashMap<String, Vec<String>> = HashMap::new();
    for (incident, tenant) in pairs {
        tenants.entry(incident).or_default().push(tenant);
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let named = tenants.remove(&row.id).unwrap_or_default();
            (row, named)
        })
        .collect())
}

/// The workloads of several incidents.
pub fn workloads_of(conn: &mut DbConnection, ids: &[String]) -> StoreResult<HashMap<String, Vec<String>>> {
    let pairs: Vec<(String, String)> = incident_workloads::table
        .filter(incident_workloads::incident_id.eq_any(ids))
        .order((incident_workloads::incident_id.asc(), incident_workloads::workload.asc()))
        .select((incident_workloads::incident_id, incident_workloads::workload))
        .load(conn)?;
    let mut workloads: HashMap<String, Vec<String>> = HashMap::new();
    for (incident, workload) in pairs {
        workloads.entry(incident).or_default().push(workload);
    }
    Ok(workloads)
}

pub fn tenants_of(conn: &mut DbConnection, id: &str) -> StoreResult<Vec<String>> {
    Ok(incident_tenants::table
        .filter(incident_tenants::incident_id.eq(id))
        .order(incident_tenants::tenant_id.asc())
        .select(incident_tenants::tenant_id)
        .load(conn)?)
}

/// The timeline, oldest first.
pub fn updates_of(conn: &mut DbConnection, id: &str) -> StoreResult<Vec<UpdateRow>> {
    Ok(incident_updates::table
        .filter(incident_updates::incident_id.eq(id))
        .order(incident_updates::id.asc())
        .select(UpdateRow::as_select())
        .load(conn)?)
}

/// Moves an incident on (its impact, or resolved) if it is still at `expected_version`.
pub fn change(
    conn: &mut DbConnection,
    id: &str,
    expected_version: i64,
    health: &str,
    status: &str,
    resolved_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> StoreResult<bool> {
    let changed = diesel::update(incidents::table.find(id).filter(incidents::version.eq(expected_version)))
        .set((
            incidents::health.eq(health),
            incidents::status.eq(status),
            incidents::resolved_at.eq(resolved_at),
            incidents::updated_at.eq(now),
            incidents::version.eq(incidents::version + 1),
        ))
        .execute(conn)?;
    Ok(changed == 1)
}

/// A stored workload name, checked.
pub fn parse_workloads(incident_id: &str, names: &[String]) -> StoreResult<Vec<tenantry_domain::workload::Workload>> {
    names
        .iter()
        .map(|name| name.parse().map_err(|e| StoreError::Corrupt(format!("incident {incident_id}: {e}"))))
        .collect()
}
