//! The plan catalogue: what each plan includes, what a seat costs, and which plans a
//! subscription may move to. The catalogue itself is data (seeded by a migration); these are
//! the rules read from it.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

/// A service a plan brings to the person holding its license.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Service {
    Mail,
    Meetings,
    OfficeWebApps,
    OfficeDesktopApps,
    Sites,
    FileStorage,
    Phone,
    AdvancedSecurity,
    Analytics,
    DomainRegistration,
}

impl Service {
    pub const ALL: [Service; 10] = [
        Service::Mail,
        Service::Meetings,
        Service::OfficeWebApps,
        Service::OfficeDesktopApps,
        Service::Sites,
        Service::FileStorage,
        Service::Phone,
        Service::AdvancedSecurity,
        Service::Analytics,
        Service::DomainRegistration,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Service::Mail => "mail",
            Service::Meetings => "meetings",
            Service::OfficeWebApps => "office_web_apps",
            Service::OfficeDesktopApps => "office_desktop_apps",
            Service::Sites => "sites",
            Service::FileStorage => "file_storage",
            Service::Phone => "phone",
            Service::AdvancedSecurity => "advanced_security",
            Service::Analytics => "analytics",
            Service::DomainRegistration => "domain_registration",
        }
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a service of the catalogue")]
pub struct UnknownService(pub String);

impl FromStr for Service {
    type Err = UnknownService;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Service::ALL.into_iter().find(|service| service.as_str() == s).ok_or_else(|| UnknownService(s.to_owned()))
    }
}

/// One plan of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub code: String,
    pub name: String,
    pub services: BTreeSet<Service>,
    /// Price of one active seat per month, in euro cents.
    pub seat_price_cents: i64,
    /// The most seats one subscription of this plan may hold.
    pub seat_limit: i64,
    /// Whether its licenses are given to people (the registrar resource's are not).
    pub assignable: bool,
    pub upgrades: Vec<String>,
    pub downgrades: Vec<String>,
}

/// Which way a plan change goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Upgrade,
    Downgrade,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Upgrade => "upgrade",
            Direction::Downgrade => "downgrade",
        }
    }
}

impl Plan {
    /// Whether a subscription of this plan may move to `target`, and which way.
    pub fn direction_to(&self, target: &str) -> Option<Direction> {
        if self.upgrades.iter().any(|code| code == target) {
            Some(Direction::Upgrade)
        } else if self.downgrades.iter().any(|code| code == target) {
            Some(Direction::Downgrade)
        } else {
            None
        }
    }

    /// What a person moving from this plan to `target` would no longer have.
    pub fn services_lost_to(&self, target: &Plan) -> Vec<Service> {
        self.services.difference(&target.services).copied().collect()
    }

    /// What a person moving from this plan to `target` would gain.
    pub fn services_gained_from(&self, target: &Plan) -> Vec<Service> {
        target.services.difference(&self.services).copied().collect()
    }

    /// Whether the plan costs nothing per seat. A free plan (the free Meetings tier) comes with
    /// self-service sign-up: people get it by signing up on their own, so it is not ordered.
    pub fn is_free(&self) -> bool {
        self.seat_price_cents == 0
    }

    /// The monthly cost of `active` seats, in euro cents.
    pub fn monthly_cost_cents(&self, active: i64) -> i64 {
        self.seat_price_cents.saturating_mul(active)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn plan(code: &str, services: &[Service], upgrades: &[&str], downgrades: &[&str]) -> Plan {
        Plan {
            code: code.to_owned(),
            name: code.to_owned(),
            services: services.iter().copied().collect(),
            seat_price_cents: 500,
            seat_limit: 300,
            assignable: true,
            upgrades: upgrades.iter().map(|s| (*s).to_owned()).collect(),
            downgrades: downgrades.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    #[test]
    fn service_names_round_trip() {
        for service in Service::ALL {
            assert_eq!(service.as_str().parse::<Service>(), Ok(service));
        }
        assert!("teleportation".parse::<Service>().is_err());
    }

    #[test]
    fn direction_follows_the_catalogue() {
        let essentials = plan("business_essentials", &[Service::Mail], &["business_premium"], &["exchange_online"]);
        assert_eq!(essentials.direction_to("business_premium"), Some(Direction::Upgrade));
        assert_eq!(essentials.direction_to("exchange_online"), Some(Direction::Downgrade));
        assert_eq!(essentials.direction_to("enterprise_e5"), None);
        assert_eq!(essentials.direction_to("business_essentials"), None);
    }

    #[test]
    fn a_downgrade_lists_the_services_lost() {
        let premium = plan("p", &[Service::Mail, Service::OfficeDesktopApps, Service::Sites], &[], &["e"]);
        let essentials = plan("e", &[Service::Mail, Service::Sites], &["p"], &[]);
        assert_eq!(premium.services_lost_to(&essentials), vec![Service::OfficeDesktopApps]);
        assert!(essentials.services_lost_to(&premium).is_empty());
        assert_eq!(essentials.services_gained_from(&premium), vec![Service::OfficeDesktopApps]);
    }

    #[test]
    fn cost_is_per_active_seat() {
        let p = plan("p", &[], &[], &[]);
        assert_eq!(p.monthly_cost_cents(7), 3500);
        assert_eq!(p.monthly_cost_cents(0), 0);
    }

    #[test]
    fn a_plan_is_free_when_its_seats_cost_nothing() {
        let cases = [(0, true), (1, false), (500, false)];
        for (seat_price_cents, free) in cases {
            let p = Plan { seat_price_cents, ..plan("p", &[], &[], &[]) };
            assert_eq!(p.is_free(), free, "{seat_price_cents} cents");
        }
    }
}
