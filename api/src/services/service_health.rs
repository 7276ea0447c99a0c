//! Service health: incidents the operator publishes, each tenant's workloads green, yellow or
//! red from the incidents open for it, and a partner's roll-up across its customers.

use tenantry_domain::audit::AuditAction;
use tenantry_domain::partner::{PartnerAction, PartnerSeat};
use tenantry_domain::permissions::{Action, Target};
use tenantry_domain::service_health::{
    self as rules, Classification, Health, IncidentError, IncidentStatus, OpenIncident,
};
use tenantry_domain::workload::Workload;
use tenantry_domain::{PartnerId, TenantId};
use tenantry_persistence::delegation::{self, CustomerFilter};
use tenantry_persistence::incidents::{self as rows, IncidentRow, NewIncident, ACTIVE, RESOLVED};
use tenantry_persistence::{tenants, time, DbConnection, StoreError};

use crate::app::state::AppState;
use crate::app::unit_of_work::Subject;
use crate::http::caller::{AccessDenied, SignedIn};
use crate::http::pagination::PageRequest;
use crate::runtime::ids::new_id;
use crate::services::lookup::{require_tenant, NotFound};
use crate::views::service_health::{CustomerHealth, Incident, ServiceHealth, WorkloadHealth};
use crate::views::Page;

#[derive(Debug, thiserror::Error)]
pub enum HealthError {
    #[error(transparent)]
    Access(#[from] AccessDenied),
    #[error(transparent)]
    NotFound(#[from] NotFound),
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Incident(Vec<IncidentError>),
    #[error("no tenant {0}")]
    UnknownTenant(String),
    #[error("this incident is resolved; publish a new one")]
    AlreadyResolved,
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub struct NewIncidentInput {
    pub classification: Classification,
    pub title: String,
    pub impact: String,
    pub health: Health,
    pub workloads: Vec<Workload>,
    pub all_tenants: bool,
    pub tenant_ids: Vec<String>,
    /// The first entry of its timeline.
    pub message: String,
}

fn view(conn: &mut DbConnection, row: IncidentRow, for_operator: bool) -> Result<Incident, StoreError> {
    let workloads = rows::workloads_of(conn, std::slice::from_ref(&row.id))?.remove(&row.id).unwrap_or_default();
    let tenant_ids = if for_operator { rows::tenants_of(conn, &row.id)? } else { Vec::new() };
    let updates = rows::updates_of(conn, &row.id)?;
    Ok(Incident::new(row, workloads, tenant_ids, updates))
}

pub async fn publish(state: &AppState, caller: &SignedIn, input: NewIncidentInput) -> Result<Incident, HealthError> {
    let permit = caller.require_operator()?;
    let refused = rules::check_incident(input.health, &input.workloads, input.all_tenants, input.tenant_ids.len());
    if !refused.is_empty() {
        return Err(HealthError::Incident(refused));
    }
    state
        .transact(&permit, move |tx| {
            for tenant_id in &input.tenant_ids {
                if tenants::find(tx.conn(), tenant_id)?.is_none() {
                    return Err(HealthError::UnknownTenant(tenant_id.clone()));
                }
            }
            let id = new_id();
            let stamp = tx.stamp();
            let workloads: Vec<&str> = input.workloads.iter().map(|w| w.as_str()).collect();
            let tenant_ids = if input.all_tenants { Vec::new() } else { input.tenant_ids.clone() };
            rows::insert(
                tx.conn(),
                &NewIncident {
                    id: &id,
                    classification: input.classification.as_str(),
                    title: &input.title,
                    impact: &input.impact,
                    health: input.health.as_str(),
                    all_tenants: input.all_tenants,
                    status: ACTIVE,
                    started_at: stamp,
                    created_at: stamp,
                    updated_at: stamp,
                },
                &workloads,
                &tenant_ids,
                &new_id(),
                &input.message,
            )?;
            tx.audit(
                AuditAction::IncidentPublished,
                Subject::platform(&id),
                serde_json::json!({"title": input.title, "health": input.health.as_str(), "workloads": workloads,
                    "all_tenants": input.all_tenants, "tenant_ids": tenant_ids}),
            )?;
            let row = rows::find(tx.conn(), &id)?.ok_or(NotFound("incident"))?;
            Ok(view(tx.conn(), row, true)?)
        })
        .await
}

/// A new entry of an incident's timeline, possibly with a new impact, or resolving it.
pub struct IncidentChange {
    pub message: String,
    pub health: Option<Health>,
    pub resolve: bool,
}

pub async fn update(
    state: &AppState,
    caller: &SignedIn,
    id: String,
    change: IncidentChange,
) -> Result<Incident, HealthError> {
    let permit = caller.require_operator()?;
    if change.health == Some(Health::Healthy) {
        return Err(HealthError::Incident(vec![IncidentError::HealthyImpact]));
    }
    state
        .transact(&permit, move |tx| {
            let current = rows::find(tx.conn(), &id)?.ok_or(NotFound("incident"))?;
            if current.status == RESOLVED {
                return Err(HealthError::AlreadyResolved);
            }
            let stamp = tx.stamp();
            let health = change.health.unwrap_or(current.health);
            let (status, resolved_at) = if change.resolve { (RESOLVED, Some(stamp)) } else { (ACTIVE, None) };
            if !rows::change(tx.conn(), &id, current.version, health.as_str(), status, resolved_at, stamp)? {
                return Err(StoreError::LostRace(format!("incident {id} changed meanwhile")).into());
            }
            rows::add_update(tx.conn(), &id, &new_id(), &change.message, health.as_str(), status, stamp)?;
            tx.audit(
                AuditAction::IncidentUpdated,
                Subject::platform(&id),
                serde_json::json!({"health": health.as_str(), "status": status}),
            )?;
            let row = rows::find(tx.conn(), &id)?.ok_or(NotFound("incident"))?;
            Ok(view(tx.conn(), row, true)?)
        })
        .await
}

/// Incidents, newest first: all of them for operators (`tenant_id` `None`), or those concerning
/// a tenant for its admins and partners.
pub async fn list(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: Option<String>,
    status: Option<IncidentStatus>,
    page: PageRequest,
) -> Result<Page<Incident>, HealthError> {
    let permit = match &tenant_id {
        Some(tenant_id) => caller.authorize(tenant_id, Action::ReadServiceHealth, Target::Tenant)?,
        None => caller.require_operator()?,
    };
    let for_operator = caller.is_operator;
    state
        .read(&permit, move |conn, _| {
            if let Some(tenant_id) = &tenant_id {
                require_tenant::<HealthError>(conn, tenant_id)?;
            }
            let status = status.map(IncidentStatus::as_str);
            let found = rows::list(conn, tenant_id.as_deref(), status, page.after.as_deref(), page.fetch_limit())?;
            let (found, next_cursor) = page.finish(found, |row| row.id.as_str());
            let items = found.into_iter().map(|row| view(conn, row, for_operator)).collect::<Result<_, _>>()?;
            Ok(Page { items, next_cursor })
        })
        .await
}

pub async fn get(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: Option<String>,
    id: String,
) -> Result<Incident, HealthError> {
    let permit = match &tenant_id {
        Some(tenant_id) => caller.authorize(tenant_id, Action::ReadServiceHealth, Target::Tenant)?,
        None => caller.require_operator()?,
    };
    let for_operator = caller.is_operator;
    state
        .read(&permit, move |conn, _| {
            let row = rows::find(conn, &id)?.ok_or(NotFound("incident"))?;
            if let Some(tenant_id) = &tenant_id {
                require_tenant::<HealthError>(conn, tenant_id)?;
                if !rows::concerns(conn, &row, tenant_id)? {
                    return Err(NotFound("incident").into());
                }
            }
            Ok(view(conn, row, for_operator)?)
        })
        .await
}

/// Active incidents, with their workloads and the tenants they name.
struct ActiveIncidents {
    incidents: Vec<(IncidentRow, Vec<String>, Vec<Workload>)>,
}

impl ActiveIncidents {
    fn load(conn: &mut DbConnection) -> Result<Self, StoreError> {
        let active = rows::active(conn)?;
        let ids: Vec<String> = active.iter().map(|(row, _)| row.id.clone()).collect();
        let mut workloads = rows::workloads_of(conn, &ids)?;
        let mut incidents = Vec::with_capacity(active.len());
        for (row, tenants) in active {
            let names = workloads.remove(&row.id).unwrap_or_default();
            let parsed = rows::parse_workloads(&row.id, &names)?;
            incidents.push((row, tenants, parsed));
        }
        Ok(Self { incidents })
    }

    /// Each workload's health for the tenant, with the incidents behind it.
    fn health_of(&self, tenant_id: &str) -> (Health, Vec<WorkloadHealth>) {
        let concerning: Vec<&(IncidentRow, Vec<String>, Vec<Workload>)> = self
            .incidents
            .iter()
            .filter(|(row, tenants, _)| row.all_tenants || tenants.iter().any(|t| t == tenant_id))
            .collect();
        let open: Vec<OpenIncident> = concerning
            .iter()
            .map(|(row, _, workloads)| OpenIncident {
                classification: row.classification,
                impact: row.health,
                workloads: workloads.clone(),
            })
            .collect();
        let health = rules::health_of(&open);
        let overall = rules::overall(&health);
        let workloads = health
            .into_iter()
            .map(|(workload, health)| WorkloadHealth {
                workload: workload.as_str().to_owned(),
                health: health.into(),
                colour: health.colour().to_owned(),
                incident_ids: concerning
                    .iter()
                    .filter(|(row, _, workloads)| {
                        row.classification == Classification::Incident && workloads.contains(&workload)
                    })
                    .map(|(row, _, _)| row.id.clone())
                    .collect(),
            })
            .collect();
        (overall, workloads)
    }
}

pub async fn tenant_health(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: TenantId,
) -> Result<ServiceHealth, HealthError> {
    let permit = caller.authorize(&tenant_id, Action::ReadServiceHealth, Target::Tenant)?;
    state
        .read(&permit, move |conn, _| {
            require_tenant::<HealthError>(conn, &tenant_id)?;
            let (overall, workloads) = ActiveIncidents::load(conn)?.health_of(&tenant_id);
            Ok(ServiceHealth { tenant_id: tenant_id.into_string(), overall: overall.into(), workloads })
        })
        .await
}

/// The partner's customers (those the caller may act for), worst first, then by name.
pub async fn partner_health(
    state: &AppState,
    caller: &SignedIn,
    partner_id: PartnerId,
) -> Result<Vec<CustomerHealth>, HealthError> {
    let permit = caller.authorize_partner(&partner_id, PartnerAction::ListCustomers)?;
    let seat = caller.seat_in(&partner_id)?;
    let grantee = matches!(seat, PartnerSeat::Agent | PartnerSeat::ApiClient).then(|| caller.user_id.clone());
    let now = crate::runtime::clock::now();
    state
        .read(&permit, move |conn, _| {
            // An operator may ask about any partner: one that does not exist is not found.
            tenantry_persistence::partners::find(conn, &partner_id)?.ok_or(NotFound("partner"))?;
            let filter = CustomerFilter {
                partner_id: &partner_id,
                grantee_id: grantee.as_deref(),
                domain_prefix: None,
                flagged_by: None,
                now: time::to_db(now),
            };
            let customers = delegation::list_customers(conn, &filter, None, i64::MAX)?;
            let active = ActiveIncidents::load(conn)?;
            let mut items: Vec<(Health, CustomerHealth)> = customers
                .into_iter()
                .map(|(tenant, _)| {
                    let (overall, workloads) = active.health_of(&tenant.id);
                    let mut affected: Vec<WorkloadHealth> =
                        workloads.into_iter().filter(|w| w.health != Health::Healthy.into()).collect();
                    affected.sort_by_key(|w| std::cmp::Reverse(Health::from(w.health)));
                    let entry =
                        CustomerHealth { tenant_id: tenant.id, name: tenant.name, overall: overall.into(), affected };
                    (overall, entry)
                })
                .collect();
            items.sort_by(|(a, x), (b, y)| b.cmp(a).then_with(|| x.name.cmp(&y.name)));
            Ok(items.into_iter().map(|(_, entry)| entry).collect())
        })
        .await
}
