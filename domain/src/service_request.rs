//! Service requests (seeds 000 and 004): incidents and information requests a tenant's admins
//! (or a partner acting for them) open with support, rated by severity, worked by support
//! through a fixed lifecycle, with a first-response deadline that follows the severity.

use chrono::{DateTime, Duration, Utc};

/// How bad it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// Critical: one or more services unusable or inaccessible; many users or services affected.
    A,
    /// High: the service is usable but degraded; moderate business impact.
    B,
    /// Non-critical: minimal impact on the business.
    C,
}

impl Severity {
    pub const ALL: [Severity; 3] = [Severity::A, Severity::B, Severity::C];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::A => "A",
            Severity::B => "B",
            Severity::C => "C",
        }
    }

    /// How soon support must first answer.
    pub fn first_response_within(self) -> Duration {
        match self {
            Severity::A => Duration::hours(1),
            Severity::B => Duration::hours(4),
            Severity::C => Duration::hours(8),
        }
    }

    /// What the severity means, for people choosing one.
    pub fn meaning(self) -> &'static str {
        match self {
            Severity::A => "critical: a service is unusable or inaccessible, or many users or services are affected",
            Severity::B => "high: the service is usable but degraded, with a moderate impact",
            Severity::C => "non-critical: a minimal impact on the business",
        }
    }
}

/// An incident (something is broken) or an information request (a question).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestKind {
    Incident,
    InformationRequest,
}

impl RequestKind {
    pub const ALL: [RequestKind; 2] = [RequestKind::Incident, RequestKind::InformationRequest];

    pub fn as_str(self) -> &'static str {
        match self {
            RequestKind::Incident => "incident",
            RequestKind::InformationRequest => "information_request",
        }
    }
}

/// What support the request is for: technical, pre-sales, billing or subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    Technical,
    Billing,
    Subscription,
    PreSales,
}

impl Category {
    pub const ALL: [Category; 4] = [Category::Technical, Category::Billing, Category::Subscription, Category::PreSales];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Technical => "technical",
            Category::Billing => "billing",
            Category::Subscription => "subscription",
            Category::PreSales => "pre_sales",
        }
    }
}

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestStatus {
    Open,
    InProgress,
    WaitingOnCustomer,
    Resolved,
    Closed,
}

impl RequestStatus {
    pub const ALL: [RequestStatus; 5] = [
        RequestStatus::Open,
        RequestStatus::InProgress,
        RequestStatus::WaitingOnCustomer,
        RequestStatus::Resolved,
        RequestStatus::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RequestStatus::Open => "open",
            RequestStatus::InProgress => "in_progress",
            RequestStatus::WaitingOnCustomer => "waiting_on_customer",
            RequestStatus::Resolved => "resolved",
            RequestStatus::Closed => "closed",
        }
    }

    /// Still being worked: its first-response deadline can pass.
    pub fn is_active(self) -> bool {
        !matches!(self, RequestStatus::Resolved | RequestStatus::Closed)
    }
}

/// Who acts on a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// The tenant's admins, or a partner acting for the tenant.
    Customer,
    /// The platform operator's support staff.
    Support,
}

/// How long after it was resolved the requester may still reopen a request.
pub const REOPEN_WINDOW_DAYS: i64 = 14;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("a request that is {from} cannot become {to}")]
    NotAllowed { from: RequestStatus, to: RequestStatus },
    #[error("only support can move a request from {from} to {to}")]
    SupportOnly { from: RequestStatus, to: RequestStatus },
    #[error("a resolved request can be reopened within {REOPEN_WINDOW_DAYS} days of its resolution; open a new one")]
    ReopenWindowPassed,
}

/// Decides a change of status: the lifecycle `open -> in_progress -> waiting_on_customer ->
/// resolved -> closed`, worked by support. The customer answers support's questions (back to
/// `in_progress`), closes a resolved request, or reopens it within the window.
pub fn decide_transition(
    from: RequestStatus,
    to: RequestStatus,
    by: Side,
    resolved_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), TransitionError> {
    use RequestStatus::*;
    let support = |allowed: bool| match (allowed, by) {
        (false, _) => Err(TransitionError::NotAllowed { from, to }),
        (true, Side::Support) => Ok(()),
        (true, Side::Customer) => Err(TransitionError::SupportOnly { from, to }),
    };
    match (from, to) {
        (Open, InProgress) | (InProgress, WaitingOnCustomer) => support(true),
        (Open | InProgress | WaitingOnCustomer, Resolved) => support(true),
        (WaitingOnCustomer, InProgress) | (Resolved, Closed) => Ok(()),
        (Resolved, InProgress) => match (by, resolved_at) {
            (Side::Support, _) => Ok(()),
            (Side::Customer, Some(resolved)) if now <= resolved + Duration::days(REOPEN_WINDOW_DAYS) => Ok(()),
            (Side::Customer, _) => Err(TransitionError::ReopenWindowPassed),
        },
        _ => support(false),
    }
}

/// When support must first answer a request opened at `opened_at`.
pub fn first_response_due(opened_at: DateTime<Utc>, severity: Severity) -> DateTime<Utc> {
    opened_at + severity.first_response_within()
}

/// Overdue: still waiting for support's first answer after the deadline.
pub fn is_overdue(
    due: DateTime<Utc>,
    first_response_at: Option<DateTime<Utc>>,
    status: RequestStatus,
    now: DateTime<Utc>,
) -> bool {
    first_response_at.is_none() && status.is_active() && now > due
}

/// How a list of requests is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestOrder {
    /// Newest first.
    Newest,
    /// The nearest first-response deadline first.
    Deadline,
}

/// Which requests a list keeps; every part is optional and they combine.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestFilter {
    /// Any of these statuses; empty for all.
    pub statuses: Vec<RequestStatus>,
    pub severity: Option<Severity>,
    pub workload: Option<crate::workload::Workload>,
    /// Case-insensitive text of the title or the description.
    pub text: Option<String>,
}

/// Who to call back, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub has_phone: bool,
    pub reachable_around_the_clock: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContactError {
    #[error("a severity A request needs a phone number to call")]
    PhoneNeeded,
    #[error("a severity A request needs a contact reachable 24 hours a day, 7 days a week")]
    AroundTheClockNeeded,
}

impl ContactError {
    /// The request field at fault.
    pub fn field(&self) -> &'static str {
        match self {
            ContactError::PhoneNeeded => "contact.phone",
            ContactError::AroundTheClockNeeded => "contact.available_24_7",
        }
    }
}

/// Severity A is worked around the clock: support must be able to call someone at any hour.
pub fn check_contact(severity: Severity, contact: &Contact) -> Vec<ContactError> {
    let mut errors = Vec::new();
    if severity == Severity::A {
        if !contact.has_phone {
            errors.push(ContactError::PhoneNeeded);
        }
        if !contact.reachable_around_the_clock {
            errors.push(ContactError::AroundTheClockNeeded);
        }
    }
    errors
}

crate::names::stored_names!(Severity, UnknownSeverity, "a severity (A, B or C)");
crate::names::stored_names!(RequestKind, UnknownRequestKind, "a kind of request");
crate::names::stored_names!(Category, UnknownCategory, "a support category");
crate::names::stored_names!(RequestStatus, UnknownRequestStatus, "a request status");

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use RequestStatus::*;

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0).single().unwrap_or_default()
    }

    #[test]
    fn the_first_answer_is_due_one_four_or_eight_hours_after_opening() {
        let opened = at(2, 9);
        assert_eq!(first_response_due(opened, Severity::A), at(2, 10));
        assert_eq!(first_response_due(opened, Severity::B), at(2, 13));
        assert_eq!(first_response_due(opened, Severity::C), at(2, 17));
    }

    #[test]
    fn a_request_is_overdue_only_while_support_has_not_answered_past_the_deadline() {
        let due = at(2, 13);
        assert!(!is_overdue(due, None, Open, at(2, 12)));
        assert!(!is_overdue(due, None, Open, due), "at the deadline itself it is not late yet");
        assert!(is_overdue(due, None, Open, at(2, 14)));
        assert!(is_overdue(due, None, WaitingOnCustomer, at(3, 9)));
        assert!(!is_overdue(due, Some(at(2, 12)), InProgress, at(3, 9)), "answered in time");
        assert!(!is_overdue(due, Some(at(2, 15)), InProgress, at(3, 9)), "answered, even late: no longer waiting");
        assert!(!is_overdue(due, None, Resolved, at(3, 9)));
        assert!(!is_overdue(due, None, Closed, at(3, 9)));
    }

    #[test]
    fn support_works_the_lifecycle_and_the_customer_answers_closes_or_reopens() {
        let now = at(10, 9);
        let allowed = [
            (Open, InProgress, Side::Support),
            (InProgress, WaitingOnCustomer, Side::Support),
            (WaitingOnCustomer, InProgress, Side::Support),
            (WaitingOnCustomer, InProgress, Side::Customer),
            (Open, Resolved, Side::Support),
            (InProgress, Resolved, Side::Support),
            (WaitingOnCustomer, Resolved, Side::Support),
            (Resolved, Closed, Side::Support),
            (Resolved, Closed, Side::Customer),
            (Resolved, InProgress, Side::Support),
            (Resolved, InProgress, Side::Customer),
        ];
        for (from, to, by) in allowed {
            assert_eq!(decide_transition(from, to, by, Some(at(9, 9)), now), Ok(()), "{from} -> {to} by {by:?}");
        }
        for (from, to) in [(Open, InProgress), (InProgress, Resolved), (InProgress, WaitingOnCustomer)] {
            assert_eq!(
                decide_transition(from, to, Side::Customer, None, now),
                Err(TransitionError::SupportOnly { from, to })
            );
        }
        for (from, to) in [(Closed, Open), (Closed, InProgress), (Open, Closed), (InProgress, Open), (Open, Open)] {
            for by in [Side::Customer, Side::Support] {
                assert_eq!(decide_transition(from, to, by, None, now), Err(TransitionError::NotAllowed { from, to }));
            }
        }
    }

    #[test]
    fn a_resolved_request_is_reopened_within_fourteen_days_only() {
        let resolved = at(1, 9);
        let reopen = |now| decide_transition(Resolved, InProgress, Side::Customer, Some(resolved), now);
        assert_eq!(reopen(at(15, 9)), Ok(()), "the fourteenth day still counts");
        assert_eq!(reopen(at(15, 10)), Err(TransitionError::ReopenWindowPassed));
        assert_eq!(decide_transition(Resolved, InProgress, Side::Support, Some(resolved), at(30, 9)), Ok(()));
    }

    #[test]
    fn severity_a_needs_a_phone_reachable_around_the_clock() {
        let none = Contact { has_phone: false, reachable_around_the_clock: false };
        let phone_only = Contact { has_phone: true, reachable_around_the_clock: false };
        let ready = Contact { has_phone: true, reachable_around_the_clock: true };
        assert_eq!(
            check_contact(Severity::A, &none),
            vec![ContactError::PhoneNeeded, ContactError::AroundTheClockNeeded]
        );
        assert_eq!(check_contact(Severity::A, &phone_only), vec![ContactError::AroundTheClockNeeded]);
        assert!(check_contact(Severity::A, &ready).is_empty());
        assert!(check_contact(Severity::B, &none).is_empty());
        assert!(check_contact(Severity::C, &none).is_empty());
        assert_eq!(ContactError::PhoneNeeded.field(), "contact.phone");
    }

    #[test]
    fn names_round_trip() {
        for severity in Severity::ALL {
            assert_eq!(severity.as_str().parse::<Severity>(), Ok(severity));
            assert!(!severity.meaning().is_empty());
        }
        for status in RequestStatus::ALL {
            assert_eq!(status.as_str().parse::<RequestStatus>(), Ok(status));
        }
        assert_eq!("pre_sales".parse::<Category>(), Ok(Category::PreSales));
        assert_eq!("information_request".parse::<RequestKind>(), Ok(RequestKind::InformationRequest));
        assert!("D".parse::<Severity>().is_err());
    }
}
