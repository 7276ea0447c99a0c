//! A tenant's domains: the initial one it is created with, custom ones it proves it owns by
//! publishing a TXT record, ones bought from the registry, and the email domain a takeover
//! proves. A verified domain belongs to one tenant only (the store keeps that true).

use crate::domain_name::DomainName;
use crate::names::stored_names;

/// How the tenant came by a domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DomainOrigin {
    /// `<slug>.<platform domain>`, verified from the start and never removed.
    Initial,
    /// Added by an admin and proven with a TXT record.
    Custom,
    /// Bought through a Registrar resource: verified once the registry has it.
    Registered,
    /// The email domain of people who signed up on their own, proven by the takeover.
    Takeover,
}

impl DomainOrigin {
    pub const ALL: [DomainOrigin; 4] =
        [DomainOrigin::Initial, DomainOrigin::Custom, DomainOrigin::Registered, DomainOrigin::Takeover];

    pub fn as_str(self) -> &'static str {
        match self {
            DomainOrigin::Initial => "initial",
            DomainOrigin::Custom => "custom",
            DomainOrigin::Registered => "registered",
            DomainOrigin::Takeover => "takeover",
        }
    }
}

stored_names!(DomainOrigin, UnknownDomainOrigin, "a domain origin");

/// The prefix of the TXT record that proves a domain: `tenantry-verification=<code>`.
pub const VERIFICATION_PREFIX: &str = "tenantry-verification=";

/// The TXT record's text for a verification code.
pub fn verification_record(code: &str) -> String {
    format!("{VERIFICATION_PREFIX}{code}")
}

/// What DNS showed when a domain's TXT records were looked up for its verification code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Proof {
    /// The record with the expected code is published.
    Found,
    /// No verification record at all: not published yet, or not propagated.
    Absent,
    /// A verification record with another code (an old one, or another tenant's).
    Wrong { published: Vec<String> },
}

/// Reads the domain's TXT records for the expected verification record. Several TXT records
/// are normal (SPF, other services' proofs); only ours matter.
pub fn proof_in(txt_records: &[String], code: &str) -> Proof {
    let expected = verification_record(code);
    if txt_records.iter().any(|record| record.trim() == expected) {
        return Proof::Found;
    }
    let ours: Vec<String> =
        txt_records.iter().filter(|record| record.trim().starts_with(VERIFICATION_PREFIX)).cloned().collect();
    if ours.is_empty() {
        Proof::Absent
    } else {
        Proof::Wrong { published: ours }
    }
}

/// A domain of a tenant as the rules below read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantDomain {
    pub name: String,
    pub origin: DomainOrigin,
    pub verified: bool,
    pub is_default: bool,
}

/// Why a change to a tenant's domain is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainRefusal {
    #[error("{0} is the tenant's initial domain: it stays as long as the tenant")]
    Initial(String),
    #[error("{0} is the default domain: make another verified domain the default first")]
    IsDefault(String),
    #[error("{name} is still used by {count} sign-in address(es): move those people to another domain first")]
    InUse { name: String, count: u64 },
    #[error("{0} is not verified yet: verify it before making it the default")]
    NotVerified(String),
    #[error("{0} is verified already")]
    AlreadyVerified(String),
}

/// Why a name cannot become a tenant's custom domain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name} is the platform's own domain or a name under it: tenants get their initial domain there, and no tenant may hold one")]
pub struct PlatformOwned {
    pub name: String,
}

/// A tenant may add any name but the platform's own domain and the names under it, where
/// initial domains are given (a tenant holding one would take another tenant's slug).
pub fn check_addable(name: &DomainName, platform_domain: &DomainName) -> Result<(), PlatformOwned> {
    if name.is_within(platform_domain) {
        return Err(PlatformOwned { name: name.to_string() });
    }
    Ok(())
}

impl TenantDomain {
    /// A domain can be removed unless it is the initial or default one, or anyone signs in
    /// with an address in it.
    pub fn check_removal(&self, addresses_using_it: u64) -> Result<(), DomainRefusal> {
        if self.origin == DomainOrigin::Initial {
            return Err(DomainRefusal::Initial(self.name.clone()));
        }
        if self.is_default {
            return Err(DomainRefusal::IsDefault(self.name.clone()));
        }
        if addresses_using_it > 0 {
            return Err(DomainRefusal::InUse { name: self.name.clone(), count: addresses_using_it });
        }
        Ok(())
    }

    /// Only a verified domain can be given to new people by default.
    pub fn check_default(&self) -> Result<(), DomainRefusal> {
        if self.verified {
            Ok(())
        } else {
            Err(DomainRefusal::NotVerified(self.name.clone()))
        }
    }

    /// Verifying is for domains that still need it.
    pub fn check_verification(&self) -> Result<(), DomainRefusal> {
        if self.verified {
            Err(DomainRefusal::AlreadyVerified(self.name.clone()))
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn domain(origin: DomainOrigin, verified: bool, is_default: bool) -> TenantDomain {
        TenantDomain { name: "contoso.fr".to_owned(), origin, verified, is_default }
    }

    fn records(values: &[&str]) -> Vec<String> {
        values.iter().map(|v| (*v).to_owned()).collect()
    }

    #[test]
    fn the_proof_is_the_record_with_the_code_among_others() {
        let code = "k2f9x";
        let published = records(&["v=spf1 -all", "tenantry-verification=k2f9x"]);
        assert_eq!(proof_in(&published, code), Proof::Found);
        assert_eq!(proof_in(&records(&["v=spf1 -all"]), code), Proof::Absent);
        assert_eq!(proof_in(&[], code), Proof::Absent);
        assert_eq!(
            proof_in(&records(&["tenantry-verification=old"]), code),
            Proof::Wrong { published: records(&["tenantry-verification=old"]) }
        );
    }

    #[test]
    fn removal_keeps_initial_default_and_used_domains() {
        assert!(matches!(domain(DomainOrigin::Initial, true, false).check_removal(0), Err(DomainRefusal::Initial(_))));
        assert!(matches!(domain(DomainOrigin::Custom, true, true).check_removal(0), Err(DomainRefusal::IsDefault(_))));
        assert_eq!(
            domain(DomainOrigin::Custom, true, false).check_removal(2),
            Err(DomainRefusal::InUse { name: "contoso.fr".to_owned(), count: 2 })
        );
        assert_eq!(domain(DomainOrigin::Custom, false, false).check_removal(0), Ok(()));
        assert_eq!(domain(DomainOrigin::Registered, true, false).check_removal(0), Ok(()));
    }

    #[test]
    fn only_a_verified_domain_becomes_the_default_and_verification_happens_once() {
        assert!(domain(DomainOrigin::Custom, false, false).check_default().is_err());
        assert_eq!(domain(DomainOrigin::Custom, true, false).check_default(), Ok(()));
        assert!(domain(DomainOrigin::Custom, true, false).check_verification().is_err());
        assert_eq!(domain(DomainOrigin::Custom, false, false).check_verification(), Ok(()));
    }

    #[test]
    fn origins_round_trip() {
        for origin in DomainOrigin::ALL {
            assert_eq!(origin.as_str().parse::<DomainOrigin>(), Ok(origin));
        }
    }

    #[test]
    fn the_platforms_own_domain_and_names_under_it_are_not_for_tenants() {
        let platform = DomainName::parse("tenantry.test").unwrap();
        let name = |raw: &str| DomainName::parse(raw).unwrap();
        assert!(check_addable(&name("tenantry.test"), &platform).is_err());
        assert!(check_addable(&name("contoso.tenantry.test"), &platform).is_err());
        assert!(check_addable(&name("mail.contoso.tenantry.test"), &platform).is_err());
        assert!(check_addable(&name("contoso.fr"), &platform).is_ok());
        assert!(check_addable(&name("nottenantry.test"), &platform).is_ok());
    }
}
