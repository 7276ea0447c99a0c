//! Service health and incidents as clients see them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tenantry_domain::service_health::{Classification, Health};
use tenantry_persistence::incidents::{IncidentRow, UpdateRow};
use tenantry_persistence::time;
use utoipa::ToSchema;

/// `healthy` (green), `degraded` (yellow) or `interrupted` (red).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum HealthName {
    Healthy,
    Degraded,
    Interrupted,
}

impl From<Health> for HealthName {
    fn from(health: Health) -> Self {
        match health {
            Health::Healthy => HealthName::Healthy,
            Health::Degraded => HealthName::Degraded,
            Health::Interrupted => HealthName::Interrupted,
        }
    }
}

impl From<HealthName> for Health {
    fn from(health: HealthName) -> Self {
        match health {
            HealthName::Healthy => Health::Healthy,
            HealthName::Degraded => Health::Degraded,
            HealthName::Interrupted => Health::Interrupted,
        }
    }
}

/// An `incident` (it changes health) or an `advisory` (something to know, health unchanged).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ClassificationName {
    Incident,
    Advisory,
}

impl From<ClassificationName> for Classification {
    fn from(classification: ClassificationName) -> Self {
        match classification {
            ClassificationName::Incident => Classification::Incident,
            ClassificationName::Advisory => Classification::Advisory,
        }
    }
}

impl From<Classification> for ClassificationName {
    fn from(classification: Classification) -> Self {
        match classification {
            Classification::Incident => ClassificationName::Incident,
            Classification::Advisory => ClassificationName::Advisory,
        }
    }
}

/// One workload's health for a tenant.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkloadHealth {
    /// `mail`, `meetings`, `office_web_apps`, ..., `directory_sync`, `sign_in`, `portal`.
    pub workload: String,
    pub health: HealthName,
    /// `green`, `yellow` or `red`.
    pub colour: String,
    /// The open incidents that make it so.
    pub incident_ids: Vec<String>,
}

/// A tenant's service health, computed from the incidents open for it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"tenant_id": "019a5f3e-6b00-7a00-8000-000000000001", "overall": "degraded",
    "workloads": [{"workload": "mail", "health": "degraded", "colour": "yellow", "incident_ids": ["019a5f3e-b000-7000-8000-000000000031"]},
        {"workload": "meetings", "health": "healthy", "colour": "green", "incident_ids": []}]}))]
pub struct ServiceHealth {
    pub tenant_id: String,
    /// The worst of its workloads.
    pub overall: HealthName,
    pub workloads: Vec<WorkloadHealth>,
}

/// One entry of an incident's timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentUpdate {
    pub id: String,
    pub message: String,
    pub health: HealthName,
    /// `active` or `resolved`.
    pub status: String,
    pub created_at: DateTime<Utc>,
}

impl From<UpdateRow> for IncidentUpdate {
    fn from(row: UpdateRow) -> Self {
        Self {
            health: row.health.parse::<Health>().map_or(HealthName::Degraded, HealthName::from),
            id: row.id,
            message: row.message,
            status: row.status,
            created_at: time::from_db(row.created_at),
        }
    }
}

/// An incident or advisory the operator published.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "019a5f3e-b000-7000-8000-000000000031", "classification": "incident", "title": "Mail delivery delays",
    "impact": "Some users see delays of up to an hour when sending or receiving mail.", "health": "degraded",
    "workloads": ["mail"], "all_tenants": false, "tenant_ids": ["019a5f3e-6b00-7a00-8000-000000000001"], "status": "active",
    "started_at": "2026-11-27T09:00:00Z", "resolved_at": null,
    "updates": [{"id": "019a5f3e-b100-7000-8000-000000000032", "message": "We are investigating.", "health": "degraded",
        "status": "active", "created_at": "2026-11-27T09:05:00Z"}]}))]
pub struct Incident {
    pub id: String,
    pub classification: ClassificationName,
    pub title: String,
    /// What users experience.
    pub impact: String,
    /// How badly the affected workloads are hit (advisories change no workload's health).
    pub health: HealthName,
    pub workloads: Vec<String>,
    /// Published to every tenant; otherwise to `tenant_ids`.
    pub all_tenants: bool,
    /// The tenants named (shown to operators only; empty for a tenant's readers).
    pub tenant_ids: Vec<String>,
    /// `active` or `resolved`.
    pub status: String,
    pub started_at: DateTime<Utc>,
    /// When it was resolved.
    pub resolved_at: Option<DateTime<Utc>>,
    /// The timeline, oldest first.
    pub updates: Vec<IncidentUpdate>,
}

impl Incident {
    pub fn new(row: IncidentRow, workloads: Vec<String>, tenant_ids: Vec<String>, updates: Vec<UpdateRow>) -> Self {
        Self {
            id: row.id,
            classification: row.classification.into(),
            title: row.title,
            impact: row.impact,
            health: row.health.into(),
            workloads,
            all_tenants: row.all_tenants,
            tenant_ids,
            status: row.status,
            started_at: time::from_db(row.started_at),
            resolved_at: row.resolved_at.map(time::from_db),
            updates: updates.into_iter().map(IncidentUpdate::from).collect(),
        }
    }
}

/// One page of incidents, newest first.
#[derive(Serialize, ToSchema)]
pub struct IncidentPage {
    pub items: Vec<Incident>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// A customer in the partner's roll-up.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerHealth {
    pub tenant_id: String,
    pub name: String,
    pub overall: HealthName,
    /// Its workloads that are not healthy, worst first.
    pub affected: Vec<WorkloadHealth>,
}

/// The partner's customers, worst first.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [{"tenant_id": "019a5f3e-6b00-7a00-8000-000000000001", "name": "Contoso SARL", "overall": "interrupted",
    "affected": [{"workload": "mail", "health": "interrupted", "colour": "red", "incident_ids": ["019a5f3e-b000-7000-8000-000000000031"]}]},
    {"tenant_id": "019a5f3e-6b00-7a00-8000-000000000002", "name": "Fabrikam SAS", "overall": "healthy", "affected": []}]}))]
pub struct PartnerServiceHealth {
    pub items: Vec<CustomerHealth>,
}
