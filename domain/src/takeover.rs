//! Admin takeover: someone who signed up proves their email domain with a TXT record,
//! then buys Business Essentials or Business Premium with at least one license per person who
//! signed up. Becoming the admin and buying the licenses are one step: nothing can be managed
//! before the licenses are bought.

use crate::names::stored_names;

/// The plans a takeover may buy.
pub const TAKEOVER_PLANS: [&str; 2] = ["business_essentials", "business_premium"];

/// Where a takeover stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TakeoverStatus {
    /// Started: the TXT record to publish is known.
    Started,
    /// The record was found in DNS: the domain is proven.
    Verified,
    /// Licenses bought: the tenant is managed.
    Completed,
}

impl TakeoverStatus {
    pub const ALL: [TakeoverStatus; 3] = [TakeoverStatus::Started, TakeoverStatus::Verified, TakeoverStatus::Completed];

    pub fn as_str(self) -> &'static str {
        match self {
            TakeoverStatus::Started => "started",
            TakeoverStatus::Verified => "verified",
            TakeoverStatus::Completed => "completed",
        }
    }
}

stored_names!(TakeoverStatus, UnknownTakeoverStatus, "a takeover status");

/// Why a takeover step is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TakeoverRefusal {
    #[error("only people who signed up on their own can take their organisation over")]
    NotSignedUp,
    #[error("the takeover is completed already")]
    Completed,
    #[error("prove the domain first: publish the TXT record, then verify")]
    NotVerified,
    #[error("a takeover buys Business Essentials or Business Premium, not {0}")]
    PlanNotOffered(String),
    #[error("{people} people signed up with this domain: buy at least one licence per person ({seats} asked)")]
    TooFewLicenses { people: i64, seats: i64 },
}

impl TakeoverStatus {
    /// Verifying again is harmless until completion.
    pub fn check_verification(self) -> Result<(), TakeoverRefusal> {
        match self {
            TakeoverStatus::Completed => Err(TakeoverRefusal::Completed),
            TakeoverStatus::Started | TakeoverStatus::Verified => Ok(()),
        }
    }

    /// Completion: the domain proven, an offered plan, a license for everyone who signed up.
    pub fn check_completion(self, plan_code: &str, seats: i64, people: i64) -> Result<(), TakeoverRefusal> {
        match self {
            TakeoverStatus::Completed => return Err(TakeoverRefusal::Completed),
            TakeoverStatus::Started => return Err(TakeoverRefusal::NotVerified),
            TakeoverStatus::Verified => {}
        }
        if !TAKEOVER_PLANS.contains(&plan_code) {
            return Err(TakeoverRefusal::PlanNotOffered(plan_code.to_owned()));
        }
        if seats < people {
            return Err(TakeoverRefusal::TooFewLicenses { people, seats });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completion_needs_the_proof_an_offered_plan_and_a_license_each() {
        let verified = TakeoverStatus::Verified;
        assert_eq!(verified.check_completion("business_essentials", 2, 2), Ok(()));
        assert_eq!(verified.check_completion("business_premium", 5, 2), Ok(()));
        assert_eq!(
            verified.check_completion("business_essentials", 1, 2),
            Err(TakeoverRefusal::TooFewLicenses { people: 2, seats: 1 })
        );
        assert_eq!(
            verified.check_completion("enterprise_e5", 2, 2),
            Err(TakeoverRefusal::PlanNotOffered("enterprise_e5".into()))
        );
        assert_eq!(
            TakeoverStatus::Started.check_completion("business_essentials", 2, 2),
            Err(TakeoverRefusal::NotVerified)
        );
        assert_eq!(
            TakeoverStatus::Completed.check_completion("business_essentials", 2, 2),
            Err(TakeoverRefusal::Completed)
        );
    }

    #[test]
    fn verification_can_be_repeated_until_completion() {
        assert_eq!(TakeoverStatus::Started.check_verification(), Ok(()));
        assert_eq!(TakeoverStatus::Verified.check_verification(), Ok(()));
        assert_eq!(TakeoverStatus::Completed.check_verification(), Err(TakeoverRefusal::Completed));
    }

    #[test]
    fn statuses_round_trip() {
        for status in TakeoverStatus::ALL {
            assert_eq!(status.as_str().parse::<TakeoverStatus>(), Ok(status));
        }
    }
}
