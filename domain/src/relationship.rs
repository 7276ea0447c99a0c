//! Delegated-admin offers and the relationships customers make by accepting them: how
//! long they last, when they are live, and what accepting does.

use chrono::{DateTime, Duration, Utc};

use crate::partner::DelegatedAccess;

/// How long a relationship from an offer lasts: 1 to 730 days (two years).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfferDuration(u32);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a duration is 1 to 730 days")]
pub struct OfferDurationError;

impl OfferDuration {
    pub const MAX_DAYS: u32 = 730;

    pub fn from_days(days: i64) -> Result<Self, OfferDurationError> {
        match u32::try_from(days) {
            Ok(days) if (1..=Self::MAX_DAYS).contains(&days) => Ok(Self(days)),
            _ => Err(OfferDurationError),
        }
    }

    pub fn days(self) -> u32 {
        self.0
    }

    /// When a relationship accepted at `accepted_at` ends.
    pub fn ends_at(self, accepted_at: DateTime<Utc>) -> DateTime<Utc> {
        accepted_at + Duration::days(i64::from(self.0))
    }
}

/// Where a relationship stands, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RelationshipStatus {
    Active,
    /// Ended by the customer or the partner.
    Ended,
    /// Its end date passed.
    Expired,
}

impl RelationshipStatus {
    pub const ALL: [RelationshipStatus; 3] =
        [RelationshipStatus::Active, RelationshipStatus::Ended, RelationshipStatus::Expired];

    pub fn as_str(self) -> &'static str {
        match self {
            RelationshipStatus::Active => "active",
            RelationshipStatus::Ended => "ended",
            RelationshipStatus::Expired => "expired",
        }
    }
}

/// What the rules need to know of a relationship.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Relationship {
    pub access: DelegatedAccess,
    pub status: RelationshipStatus,
    pub ends_at: Option<DateTime<Utc>>,
}

impl Relationship {
    /// Whether the partner may act for the customer at `now`: active and not past its end date.
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.status == RelationshipStatus::Active && !self.has_lapsed(now)
    }

    /// Still recorded as active although its end date has passed: it must be recorded as expired
    /// the moment it is used, whether or not a job got there first.
    pub fn has_lapsed(&self, now: DateTime<Utc>) -> bool {
        self.status == RelationshipStatus::Active && self.ends_at.is_some_and(|end| end <= now)
    }

    /// Ending it: only a live relationship can be ended.
    pub fn end(&self, now: DateTime<Utc>) -> Result<(), RelationshipError> {
        if self.is_live(now) {
            Ok(())
        } else {
            Err(RelationshipError::NotActive)
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RelationshipError {
    #[error("this relationship has already ended")]
    NotActive,
}

/// An offer as a customer finds it when accepting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfferState {
    pub revoked: bool,
}

/// The customer's live relationship with the offer's partner, if there is one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CurrentRelationship {
    pub from_this_offer: bool,
}

/// What accepting an offer does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acceptance {
    /// A new active relationship.
    Create,
    /// This offer was already accepted and its relationship is live: nothing changes.
    AlreadyAccepted,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AcceptanceError {
    #[error("this offer was revoked by the partner")]
    Revoked,
    #[error("this partner already has an active relationship with you; end it before accepting another offer")]
    RelationshipExists,
}

/// Decides an acceptance: a revoked offer is refused; a customer has at most one live
/// relationship with a partner, so accepting the same offer twice changes nothing.
pub fn decide_acceptance(
    offer: OfferState,
    current: Option<CurrentRelationship>,
) -> Result<Acceptance, AcceptanceError> {
    match current {
        Some(CurrentRelationship { from_this_offer: true }) => Ok(Acceptance::AlreadyAccepted),
        Some(CurrentRelationship { from_this_offer: false }) => Err(AcceptanceError::RelationshipExists),
        None if offer.revoked => Err(AcceptanceError::Revoked),
        None => Ok(Acceptance::Create),
    }
}

crate::names::stored_names!(RelationshipStatus, UnknownRelationshipStatus, "a relationship status");

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, 12, 0, 0).single().unwrap_or_default()
    }

    #[test]
    fn a_duration_is_one_day_to_two_years() {
        assert_eq!(OfferDuration::from_days(0), Err(OfferDurationError));
        assert_eq!(OfferDuration::from_days(-3), Err(OfferDurationError));
        assert_eq!(OfferDuration::from_days(731), Err(OfferDurationError));
        assert_eq!(OfferDuration::from_days(i64::MAX), Err(OfferDurationError));
        assert_eq!(OfferDuration::from_days(730).map(OfferDuration::days), Ok(730));
        let week = OfferDuration::from_days(7).unwrap_or(OfferDuration(1));
        assert_eq!(week.ends_at(at(1)), at(8));
    }

    #[test]
    fn a_relationship_is_live_until_its_end_date_and_no_longer() {
        let active =
            |ends_at| Relationship { access: DelegatedAccess::Full, status: RelationshipStatus::Active, ends_at };
        let open_ended = active(None);
        assert!(open_ended.is_live(at(30)));
        assert!(!open_ended.has_lapsed(at(30)));

        let until_the_10th = active(Some(at(10)));
        assert!(until_the_10th.is_live(at(9)));
        assert!(!until_the_10th.is_live(at(10)), "the end date itself is past");
        assert!(until_the_10th.has_lapsed(at(10)));
        assert_eq!(until_the_10th.end(at(11)), Err(RelationshipError::NotActive));
        assert_eq!(until_the_10th.end(at(9)), Ok(()));

        for status in [RelationshipStatus::Ended, RelationshipStatus::Expired] {
            let over = Relationship { status, ..open_ended };
            assert!(!over.is_live(at(1)));
            assert!(!over.has_lapsed(at(30)), "only an active one needs recording as expired");
            assert_eq!(over.end(at(1)), Err(RelationshipError::NotActive));
        }
    }

    #[test]
    fn accepting_creates_one_relationship_and_never_from_a_revoked_offer() {
        let open = OfferState { revoked: false };
        let revoked = OfferState { revoked: true };
        assert_eq!(decide_acceptance(open, None), Ok(Acceptance::Create));
        assert_eq!(decide_acceptance(revoked, None), Err(AcceptanceError::Revoked));
        let same = CurrentRelationship { from_this_offer: true };
        let other = CurrentRelationship { from_this_offer: false };
        assert_eq!(decide_acceptance(open, Some(same)), Ok(Acceptance::AlreadyAccepted));
        assert_eq!(decide_acceptance(revoked, Some(same)), Ok(Acceptance::AlreadyAccepted));
        assert_eq!(decide_acceptance(open, Some(other)), Err(AcceptanceError::RelationshipExists));
    }

    #[test]
    fn statuses_round_trip() {
        for status in RelationshipStatus::ALL {
            assert_eq!(status.as_str().parse::<RelationshipStatus>(), Ok(status));
        }
    }
}
