//! Webhooks for integrations: which changes are events, which endpoint addresses may be called,
//! and when an endpoint that keeps failing is switched off.

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};

use crate::audit::AuditAction;
use crate::names::stored_names;

/// The events an endpoint may subscribe to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventType {
    SubscriptionProvisioned,
    SubscriptionSeatsChanged,
    LicenseAssigned,
    LicenseRemoved,
    PoolLow,
    RelationshipAccepted,
    RelationshipEnded,
    ServiceRequestUpdated,
    IncidentPublished,
    DomainVerified,
}

impl EventType {
    pub const ALL: [EventType; 10] = [
        EventType::SubscriptionProvisioned,
        EventType::SubscriptionSeatsChanged,
        EventType::LicenseAssigned,
        EventType::LicenseRemoved,
        EventType::PoolLow,
        EventType::RelationshipAccepted,
        EventType::RelationshipEnded,
        EventType::ServiceRequestUpdated,
        EventType::IncidentPublished,
        EventType::DomainVerified,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::SubscriptionProvisioned => "subscription.provisioned",
            EventType::SubscriptionSeatsChanged => "subscription.seats_changed",
            EventType::LicenseAssigned => "licence.assigned",
            EventType::LicenseRemoved => "licence.removed",
            EventType::PoolLow => "pool.low",
            EventType::RelationshipAccepted => "relationship.accepted",
            EventType::RelationshipEnded => "relationship.ended",
            EventType::ServiceRequestUpdated => "service_request.updated",
            EventType::IncidentPublished => "incident.published",
            EventType::DomainVerified => "domain.verified",
        }
    }

    /// The event an audited change is, if it is one. The audit log is the single place where
    /// changes are recorded, so events come from there.
    pub fn of(action: AuditAction) -> Option<EventType> {
        Some(match action {
            AuditAction::SubscriptionActivated => EventType::SubscriptionProvisioned,
            AuditAction::SubscriptionSeatsBought
            | AuditAction::SubscriptionSeatsAdded
            | AuditAction::SubscriptionSeatsActivated
            | AuditAction::SubscriptionSeatsDeactivated => EventType::SubscriptionSeatsChanged,
            AuditAction::LicenseAssigned => EventType::LicenseAssigned,
            AuditAction::LicenseRemoved => EventType::LicenseRemoved,
            AuditAction::PartnerRelationshipAccepted => EventType::RelationshipAccepted,
            AuditAction::PartnerRelationshipEnded | AuditAction::PartnerRelationshipExpired => {
                EventType::RelationshipEnded
            }
            AuditAction::ServiceRequestStatusChanged
            | AuditAction::ServiceRequestRegraded
            | AuditAction::ServiceRequestTaken
            | AuditAction::ServiceRequestNoteAdded => EventType::ServiceRequestUpdated,
            AuditAction::IncidentPublished => EventType::IncidentPublished,
            AuditAction::DomainVerified => EventType::DomainVerified,
            _ => return None,
        })
    }
}

stored_names!(EventType, UnknownEventType, "an event type");

/// Whether a pool with `free` seats left out of `active` is low for an endpoint that wants to
/// hear below `below` free seats. It fires on the change that crosses the line, not on every
/// change under it.
pub fn pool_just_ran_low(free_before: i64, free_after: i64, below: i64) -> bool {
    free_after < below && free_before >= below
}

/// Why an endpoint address is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndpointRefusal {
    #[error("an endpoint is an absolute https:// URL")]
    NotHttps,
    #[error(
        "the endpoint's host {0} is a loopback, private or link-local address; webhooks go to public addresses only"
    )]
    PrivateAddress(String),
    #[error("the endpoint's host {0} does not resolve")]
    Unresolvable(String),
}

/// Addresses a webhook must never reach from the service's network: loopback, private,
/// link-local (cloud metadata), carrier-grade NAT, unique-local, unspecified and multicast.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || (a == 100 && (64..=127).contains(&b))
                || (a == 198 && (18..=19).contains(&b))
                || a >= 240
                || a == 0
        }
        IpAddr::V6(v6) => {
            let segments = v6.segments();
            let first = segments[0];
            let embedded_v4 = |high: u16, low: u16| {
                let [a, b] = high.to_be_bytes();
                let [c, d] = low.to_be_bytes();
                std::net::Ipv4Addr::new(a, b, c, d)
            };
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || v6.to_ipv4_mapped().is_some_and(|v4| is_private(IpAddr::V4(v4)))
                // IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::/96) and 6to4 (2002::/16) carry
                // an IPv4 address that may be an internal one.
                || (segments[..6] == [0; 6] && is_private(IpAddr::V4(embedded_v4(segments[6], segments[7]))))
                || (segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] && is_private(IpAddr::V4(embedded_v4(segments[6], segments[7]))))
                || (first == 0x2002 && is_private(IpAddr::V4(embedded_v4(segments[1], segments[2]))))
        }
    }
}

/// How long an endpoint may fail every delivery before it is switched off and its owner told.
pub const DISABLE_AFTER: Duration = Duration::days(3);

/// Whether an endpoint failing since `failing_since` should be switched off at `now`.
pub fn should_disable(failing_since: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    failing_since.is_some_and(|since| now - since >= DISABLE_AFTER)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_names_round_trip_and_audited_changes_map_to_them() {
        for event in EventType::ALL {
            assert_eq!(event.as_str().parse::<EventType>(), Ok(event));
        }
        assert_eq!(EventType::of(AuditAction::LicenseAssigned), Some(EventType::LicenseAssigned));
        assert_eq!(EventType::of(AuditAction::PartnerRelationshipExpired), Some(EventType::RelationshipEnded));
        assert_eq!(EventType::of(AuditAction::UserPasswordReset), None);
    }

    #[test]
    fn private_addresses_are_refused() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "198.18.0.1",
            "240.0.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "2002:a9fe:a9fe::1",
        ] {
            assert!(is_private(private.parse().unwrap()), "{private}");
        }
        for public in ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "8.8.8.8"] {
            assert!(!is_private(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn a_pool_runs_low_once_and_failing_endpoints_are_switched_off_after_three_days() {
        assert!(pool_just_ran_low(5, 4, 5));
        assert!(!pool_just_ran_low(4, 3, 5), "already low");
        assert!(!pool_just_ran_low(7, 6, 5));
        let since = Utc::now();
        assert!(!should_disable(Some(since), since + Duration::days(2)));
        assert!(should_disable(Some(since), since + Duration::days(3)));
        assert!(!should_disable(None, since));
    }
}
