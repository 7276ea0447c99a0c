//! Caps per owner and rates per owner: what one partner or tenant may hold or do, so that no
//! single owner can fill the database, fan every event out to hundreds of endpoints, or keep
//! support and DNS busy.
//!
//! A cap counts what exists (API clients, open offers, domains, webhook endpoints); a rate
//! counts what was done within a window (service requests opened, feedback sent, DNS lookups).

use chrono::{DateTime, Duration, Utc};

/// How much of something one owner may hold at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cap {
    /// Enabled API clients of a partner.
    ApiClientsPerPartner,
    /// Offers of a partner not revoked (an offer's link stays usable after a first acceptance).
    OpenOffersPerPartner,
    /// Custom domains of a tenant (its initial domain is not counted).
    DomainsPerTenant,
    /// Webhook endpoints of a tenant or a partner: every event goes to each.
    WebhookEndpointsPerOwner,
    /// Domains a partner adds to prove.
    DomainsPerPartner,
}

impl Cap {
    pub const ALL: [Cap; 5] = [
        Cap::ApiClientsPerPartner,
        Cap::OpenOffersPerPartner,
        Cap::DomainsPerTenant,
        Cap::WebhookEndpointsPerOwner,
        Cap::DomainsPerPartner,
    ];

    pub fn limit(self) -> i64 {
        match self {
            Cap::ApiClientsPerPartner => 25,
            Cap::OpenOffersPerPartner => 100,
            Cap::DomainsPerTenant => 250,
            Cap::WebhookEndpointsPerOwner => 10,
            Cap::DomainsPerPartner => 50,
        }
    }

    /// The stable name clients read in a refusal.
    pub fn as_str(self) -> &'static str {
        match self {
            Cap::ApiClientsPerPartner => "api_clients_per_partner",
            Cap::OpenOffersPerPartner => "open_offers_per_partner",
            Cap::DomainsPerTenant => "domains_per_tenant",
            Cap::WebhookEndpointsPerOwner => "webhook_endpoints_per_owner",
            Cap::DomainsPerPartner => "domains_per_partner",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Cap::ApiClientsPerPartner => "enabled API clients per partner; disable one first",
            Cap::OpenOffersPerPartner => "offers not revoked per partner; revoke one first (its relationships stay)",
            Cap::DomainsPerTenant => "custom domains per tenant; remove one first",
            Cap::WebhookEndpointsPerOwner => "webhook endpoints per tenant or partner; remove one first",
            Cap::DomainsPerPartner => "domains per partner; remove one first",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("at most {} {}", .cap.limit(), .cap.describe())]
pub struct CapReached {
    pub cap: Cap,
}

/// One more when `existing` are held already.
pub fn check_cap(cap: Cap, existing: i64) -> Result<(), CapReached> {
    if existing >= cap.limit() {
        Err(CapReached { cap })
    } else {
        Ok(())
    }
}

/// How often one owner may do something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rate {
    /// Service requests a tenant opens (its admins and its partners together).
    ServiceRequestsPerTenant,
    /// Feedback one person sends.
    FeedbackPerPerson,
    /// DNS lookups a tenant asks for (checks and verifications).
    DnsLookupsPerTenant,
    /// DNS lookups a partner asks for (verifications of its domains).
    DnsLookupsPerPartner,
}

impl Rate {
    pub const ALL: [Rate; 4] = [
        Rate::ServiceRequestsPerTenant,
        Rate::FeedbackPerPerson,
        Rate::DnsLookupsPerTenant,
        Rate::DnsLookupsPerPartner,
    ];

    pub fn limit(self) -> i64 {
        match self {
            Rate::ServiceRequestsPerTenant => 20,
            Rate::FeedbackPerPerson => 10,
            Rate::DnsLookupsPerTenant | Rate::DnsLookupsPerPartner => 20,
        }
    }

    pub fn window(self) -> Duration {
        match self {
            Rate::ServiceRequestsPerTenant | Rate::FeedbackPerPerson => Duration::hours(1),
            Rate::DnsLookupsPerTenant | Rate::DnsLookupsPerPartner => Duration::minutes(1),
        }
    }

    /// The stable name clients read in a refusal, and the key hits are stored under.
    pub fn as_str(self) -> &'static str {
        match self {
            Rate::ServiceRequestsPerTenant => "service_requests_per_tenant",
            Rate::FeedbackPerPerson => "feedback_per_person",
            Rate::DnsLookupsPerTenant => "dns_lookups_per_tenant",
            Rate::DnsLookupsPerPartner => "dns_lookups_per_partner",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Rate::ServiceRequestsPerTenant => "service requests per tenant per hour",
            Rate::FeedbackPerPerson => "feedback messages per person per hour",
            Rate::DnsLookupsPerTenant => "DNS checks and verifications per tenant per minute",
            Rate::DnsLookupsPerPartner => "domain verifications per partner per minute",
        }
    }

    /// The longest window of all: hits older than this count for nothing.
    pub fn longest_window() -> Duration {
        Rate::ALL.iter().map(|rate| rate.window()).max().unwrap_or(Duration::hours(1))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("at most {} {}; try again in {} s", .rate.limit(), .rate.describe(), .retry_after.num_seconds())]
pub struct RateReached {
    pub rate: Rate,
    pub retry_after: Duration,
}

/// One more hit now, when `recent` hits fell within the window, the oldest of them at `oldest`.
pub fn check_rate(
    rate: Rate,
    recent: i64,
    oldest: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), RateReached> {
    if recent < rate.limit() {
        return Ok(());
    }
    let frees_at = oldest.map_or(now + rate.window(), |oldest| oldest + rate.window());
    Err(RateReached { rate, retry_after: (frees_at - now).max(Duration::seconds(1)) })
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, 0).unwrap()
    }

    #[test]
    fn a_cap_admits_up_to_its_limit() {
        for cap in Cap::ALL {
            assert_eq!(check_cap(cap, cap.limit() - 1), Ok(()), "{cap:?}");
            assert_eq!(check_cap(cap, cap.limit()), Err(CapReached { cap }), "{cap:?}");
            let words = CapReached { cap }.to_string();
            assert!(words.contains(&cap.limit().to_string()), "{words}");
        }
        assert_eq!(Cap::WebhookEndpointsPerOwner.limit(), 10);
    }

    #[test]
    fn a_rate_frees_up_when_its_oldest_hit_leaves_the_window() {
        let rate = Rate::DnsLookupsPerTenant;
        assert_eq!(check_rate(rate, 19, Some(now()), now()), Ok(()));
        let refused = check_rate(rate, 20, Some(now() - Duration::seconds(45)), now());
        assert_eq!(refused, Err(RateReached { rate, retry_after: Duration::seconds(15) }));
        let hourly = check_rate(Rate::ServiceRequestsPerTenant, 20, Some(now() - Duration::minutes(50)), now());
        assert_eq!(hourly.unwrap_err().retry_after, Duration::minutes(10));
        // Never less than a second, even at the window's edge.
        assert_eq!(
            check_rate(rate, 25, Some(now() - Duration::minutes(1)), now()).unwrap_err().retry_after,
            Duration::seconds(1)
        );
        assert_eq!(Rate::longest_window(), Duration::hours(1));
    }

    #[test]
    fn names_are_stable_and_distinct() {
        let mut names: Vec<&str> =
            Cap::ALL.iter().map(|c| c.as_str()).chain(Rate::ALL.iter().map(|r| r.as_str())).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Cap::ALL.len() + Rate::ALL.len());
    }
}
