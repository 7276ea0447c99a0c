//! Workloads: what service health is reported on and what a service request is about. The
//! catalogue's services, and the parts of the platform every tenant relies on.

use std::fmt;
use std::str::FromStr;

use crate::plan::Service;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Workload {
    /// A service the catalogue's plans bring (mail, meetings, office apps, sites, ...).
    Service(Service),
    DirectorySync,
    SignIn,
    Portal,
}

impl Workload {
    /// Every workload, in the order health is shown.
    pub fn all() -> Vec<Workload> {
        let mut all: Vec<Workload> = Service::ALL.into_iter().map(Workload::Service).collect();
        all.extend([Workload::DirectorySync, Workload::SignIn, Workload::Portal]);
        all
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Workload::Service(service) => service.as_str(),
            Workload::DirectorySync => "directory_sync",
            Workload::SignIn => "sign_in",
            Workload::Portal => "portal",
        }
    }
}

impl fmt::Display for Workload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a workload")]
pub struct UnknownWorkload(pub String);

impl FromStr for Workload {
    type Err = UnknownWorkload;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Workload::all().into_iter().find(|workload| workload.as_str() == s).ok_or_else(|| UnknownWorkload(s.to_owned()))
    }
}

impl TryFrom<String> for Workload {
    type Error = UnknownWorkload;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workloads_are_the_catalogue_services_and_the_platform_parts() {
        let names: Vec<&str> = Workload::all().into_iter().map(Workload::as_str).collect();
        for expected in [
            "mail",
            "meetings",
            "office_web_apps",
            "office_desktop_apps",
            "sites",
            "directory_sync",
            "sign_in",
            "portal",
        ] {
            assert!(names.contains(&expected), "{expected} in {names:?}");
        }
        for workload in Workload::all() {
            assert_eq!(workload.as_str().parse::<Workload>(), Ok(workload));
        }
        assert!("teleport".parse::<Workload>().is_err());
    }
}
