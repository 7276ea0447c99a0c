//! Service health: each workload green, yellow or red for a tenant, computed from the
//! incidents the operator published that are still open for that tenant.

use std::fmt;
use std::str::FromStr;

use crate::workload::Workload;

/// A workload's health. `Healthy < Degraded < Interrupted`: the worse, the greater.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Health {
    /// Green.
    Healthy,
    /// Yellow: usable, but not as it should be.
    Degraded,
    /// Red: not usable.
    Interrupted,
}

impl Health {
    pub const ALL: [Health; 3] = [Health::Healthy, Health::Degraded, Health::Interrupted];

    pub fn as_str(self) -> &'static str {
        match self {
            Health::Healthy => "healthy",
            Health::Degraded => "degraded",
            Health::Interrupted => "interrupted",
        }
    }

    pub fn colour(self) -> &'static str {
        match self {
            Health::Healthy => "green",
            Health::Degraded => "yellow",
            Health::Interrupted => "red",
        }
    }
}

/// What the operator publishes: an incident (something is broken) or an advisory (something to
/// know, which changes no workload's health).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Classification {
    Incident,
    Advisory,
}

impl Classification {
    pub const ALL: [Classification; 2] = [Classification::Incident, Classification::Advisory];

    pub fn as_str(self) -> &'static str {
        match self {
            Classification::Incident => "incident",
            Classification::Advisory => "advisory",
        }
    }
}

/// Whether an incident still affects health.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IncidentStatus {
    Active,
    Resolved,
}

impl IncidentStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            IncidentStatus::Active => "active",
            IncidentStatus::Resolved => "resolved",
        }
    }
}

/// An open incident as health sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenIncident {
    pub classification: Classification,
    /// How badly the affected workloads are hit: `Degraded` or `Interrupted`.
    pub impact: Health,
    pub workloads: Vec<Workload>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IncidentError {
    #[error("an incident's impact is `degraded` or `interrupted`")]
    HealthyImpact,
    #[error("name at least one affected workload")]
    NoWorkload,
    #[error("name the affected tenants, or publish to all tenants")]
    NoTenant,
}

/// Checks what an operator publishes: an impact that changes health, and someone affected.
pub fn check_incident(impact: Health, workloads: &[Workload], all_tenants: bool, tenants: usize) -> Vec<IncidentError> {
    let mut errors = Vec::new();
    if impact == Health::Healthy {
        errors.push(IncidentError::HealthyImpact);
    }
    if workloads.is_empty() {
        errors.push(IncidentError::NoWorkload);
    }
    if !all_tenants && tenants == 0 {
        errors.push(IncidentError::NoTenant);
    }
    errors
}

/// The health of every workload given the incidents open for a tenant: the worst impact of the
/// incidents naming it, healthy when none does. Advisories inform and change nothing.
pub fn health_of(open: &[OpenIncident]) -> Vec<(Workload, Health)> {
    Workload::all()
        .into_iter()
        .map(|workload| {
            let worst = open
                .iter()
                .filter(|incident| incident.classification == Classification::Incident)
                .filter(|incident| incident.workloads.contains(&workload))
                .map(|incident| incident.impact)
                .max()
                .unwrap_or(Health::Healthy);
            (workload, worst)
        })
        .collect()
}

/// A tenant's overall health: its worst workload.
pub fn overall(health: &[(Workload, Health)]) -> Health {
    health.iter().map(|(_, health)| *health).max().unwrap_or(Health::Healthy)
}

impl fmt::Display for Health {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a health (healthy, degraded, interrupted) or an incident classification")]
pub struct UnknownHealthValue(pub String);

impl FromStr for Health {
    type Err = UnknownHealthValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Health::ALL.into_iter().find(|h| h.as_str() == s).ok_or_else(|| UnknownHealthValue(s.to_owned()))
    }
}

impl TryFrom<String> for Health {
    type Error = UnknownHealthValue;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl FromStr for Classification {
    type Err = UnknownHealthValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Classification::ALL.into_iter().find(|c| c.as_str() == s).ok_or_else(|| UnknownHealthValue(s.to_owned()))
    }
}

impl TryFrom<String> for Classification {
    type Error = UnknownHealthValue;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Service;

    const MAIL: Workload = Workload::Service(Service::Mail);
    const SITES: Workload = Workload::Service(Service::Sites);

    fn incident(impact: Health, workloads: &[Workload]) -> OpenIncident {
        OpenIncident { classification: Classification::Incident, impact, workloads: workloads.to_vec() }
    }

    fn of(health: &[(Workload, Health)], workload: Workload) -> Health {
        health.iter().find(|(w, _)| *w == workload).map_or(Health::Healthy, |(_, h)| *h)
    }

    #[test]
    fn a_workload_takes_the_worst_impact_of_the_incidents_naming_it() {
        let health = health_of(&[incident(Health::Degraded, &[MAIL]), incident(Health::Interrupted, &[MAIL, SITES])]);
        assert_eq!(of(&health, MAIL), Health::Interrupted);
        assert_eq!(of(&health, SITES), Health::Interrupted);
        assert_eq!(of(&health, Workload::SignIn), Health::Healthy);
        assert_eq!(overall(&health), Health::Interrupted);

        let degraded = health_of(&[incident(Health::Degraded, &[MAIL])]);
        assert_eq!(of(&degraded, MAIL), Health::Degraded);
        assert_eq!(overall(&degraded), Health::Degraded);
        assert_eq!(Health::Degraded.colour(), "yellow");
    }

    #[test]
    fn without_open_incidents_everything_is_green_and_advisories_change_nothing() {
        assert!(health_of(&[]).iter().all(|(_, health)| *health == Health::Healthy));
        let advisory = OpenIncident {
            classification: Classification::Advisory,
            impact: Health::Interrupted,
            workloads: vec![MAIL],
        };
        assert_eq!(overall(&health_of(&[advisory])), Health::Healthy);
        assert_eq!(health_of(&[]).len(), Workload::all().len());
    }

    #[test]
    fn an_incident_names_an_impact_workloads_and_tenants() {
        assert!(check_incident(Health::Degraded, &[MAIL], true, 0).is_empty());
        assert!(check_incident(Health::Interrupted, &[MAIL], false, 2).is_empty());
        assert_eq!(
            check_incident(Health::Healthy, &[], false, 0),
            vec![IncidentError::HealthyImpact, IncidentError::NoWorkload, IncidentError::NoTenant]
        );
    }
}
