//! Where a partner's people sign in: at domains the partner has proved with the TXT record
//! customers use, or at the label the platform gives it (`<label>.partners.<platform domain>`).
//! Never at a domain a customer has proved nor under the platform's own domain otherwise: an
//! address there would take a name from the customer and read as one of its people.
//!
//! The platform operator, who sets a partner up and vets it, may give its first people an
//! address at any domain nobody holds.

/// The label under which every partner's platform domain lives.
pub const PARTNERS_LABEL: &str = "partners";

/// Why a partner person may not sign in at a domain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PartnerSignInRefusal {
    #[error(
        "{0} belongs to the platform, to a customer or to another partner; partner people sign in with an address of their own organisation"
    )]
    Taken(String),
    #[error(
        "{domain} is not a domain your partner organisation has proved: add it (POST /v1/partners/{{pid}}/domains), publish its TXT record and verify it, or use {platform_domain}"
    )]
    Unproved { domain: String, platform_domain: String },
}

/// What decides whether a partner person may sign in at a domain.
#[derive(Debug, Clone, Copy)]
pub struct SignInDomain<'a> {
    pub domain: &'a str,
    pub platform_domain: &'a str,
    /// `<label>.partners.<platform domain>` of the partner.
    pub partners_platform_domain: &'a str,
    /// A customer has proved it.
    pub held_by_a_customer: bool,
    pub proved_by_this_partner: bool,
    pub proved_by_another_partner: bool,
    /// The platform operator is the one asking.
    pub vouched_by_operator: bool,
}

impl SignInDomain<'_> {
    pub fn check(&self) -> Result<(), PartnerSignInRefusal> {
        if self.domain == self.partners_platform_domain {
            return Ok(());
        }
        let under_platform =
            self.domain == self.platform_domain || self.domain.ends_with(&format!(".{}", self.platform_domain));
        if under_platform || self.held_by_a_customer || (self.proved_by_another_partner && !self.proved_by_this_partner)
        {
            return Err(PartnerSignInRefusal::Taken(self.domain.to_owned()));
        }
        if self.proved_by_this_partner || self.vouched_by_operator {
            return Ok(());
        }
        Err(PartnerSignInRefusal::Unproved {
            domain: self.domain.to_owned(),
            platform_domain: self.partners_platform_domain.to_owned(),
        })
    }
}

/// Why a partner may not prove a domain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PartnerDomainRefusal {
    #[error(
        "{0} is under the platform's own domain; your people may sign in at your platform domain without proving it"
    )]
    UnderPlatform(String),
}

/// A domain a partner may add to prove: anything outside the platform's own domain (who holds it
/// is decided when the proof is checked).
pub fn check_provable(domain: &str, platform_domain: &str) -> Result<(), PartnerDomainRefusal> {
    if domain == platform_domain || domain.ends_with(&format!(".{platform_domain}")) {
        return Err(PartnerDomainRefusal::UnderPlatform(domain.to_owned()));
    }
    Ok(())
}

/// The partner's label under `partners.<platform domain>`, made from its name: lower-case ASCII
/// letters, digits and single hyphens, starting with a letter, at most 40 characters, with
/// `suffix` added when the plain label is taken.
pub fn platform_label(name: &str, suffix: Option<&str>) -> String {
    let mut label = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            label.push(c);
        } else if !label.ends_with('-') {
            label.push('-');
        }
    }
    let label = label.trim_matches('-');
    let label = if label.starts_with(|c: char| c.is_ascii_lowercase()) {
        label.to_owned()
    } else {
        format!("p-{label}").trim_end_matches('-').to_owned()
    };
    let room = 40 - suffix.map_or(0, |s| s.len() + 1);
    let mut label: String = label.chars().take(room).collect::<String>().trim_end_matches('-').to_owned();
    if let Some(suffix) = suffix {
        label = format!("{label}-{suffix}");
    }
    label
}

/// `<label>.partners.<platform domain>`.
pub fn platform_domain_of(label: &str, platform_domain: &str) -> String {
    format!("{label}.{PARTNERS_LABEL}.{platform_domain}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLATFORM: &str = "tenantry.test";

    fn asking(domain: &str) -> SignInDomain<'_> {
        SignInDomain {
            domain,
            platform_domain: PLATFORM,
            partners_platform_domain: "fabrikam.partners.tenantry.test",
            held_by_a_customer: false,
            proved_by_this_partner: false,
            proved_by_another_partner: false,
            vouched_by_operator: false,
        }
    }

    #[test]
    fn a_partner_person_signs_in_at_a_proved_domain_or_the_partners_platform_domain() {
        assert_eq!(asking("fabrikam.partners.tenantry.test").check(), Ok(()));
        assert_eq!(SignInDomain { proved_by_this_partner: true, ..asking("fabrikam.example") }.check(), Ok(()));
        assert!(matches!(asking("fabrikam.example").check(), Err(PartnerSignInRefusal::Unproved { .. })));
        // The operator vouches for a partner it sets up, at a domain nobody holds.
        assert_eq!(SignInDomain { vouched_by_operator: true, ..asking("fabrikam.example") }.check(), Ok(()));
    }

    #[test]
    fn nobody_signs_in_where_a_customer_another_partner_or_the_platform_holds_the_name() {
        for taken in ["tenantry.test", "contoso.tenantry.test", "other.partners.tenantry.test"] {
            let refused = SignInDomain { vouched_by_operator: true, ..asking(taken) }.check();
            assert_eq!(refused, Err(PartnerSignInRefusal::Taken(taken.to_owned())), "{taken}");
        }
        let customers =
            SignInDomain { held_by_a_customer: true, proved_by_this_partner: true, ..asking("contoso.com") };
        assert!(matches!(customers.check(), Err(PartnerSignInRefusal::Taken(_))));
        let others = SignInDomain { proved_by_another_partner: true, vouched_by_operator: true, ..asking("other.com") };
        assert!(matches!(others.check(), Err(PartnerSignInRefusal::Taken(_))));
        assert_eq!(
            check_provable("x.tenantry.test", PLATFORM),
            Err(PartnerDomainRefusal::UnderPlatform("x.tenantry.test".into()))
        );
        assert_eq!(check_provable("fabrikam.example", PLATFORM), Ok(()));
    }

    #[test]
    fn platform_labels_are_valid_dns_labels_made_from_the_name() {
        assert_eq!(platform_label("Fabrikam Partners Ltd", None), "fabrikam-partners-ltd");
        assert_eq!(platform_label("Fabrikam Partners Ltd", Some("x7k2")), "fabrikam-partners-ltd-x7k2");
        assert_eq!(platform_label("42 Conseil", None), "p-42-conseil");
        assert_eq!(platform_label("Société Générale — Cloud", None), "soci-t-g-n-rale-cloud");
        assert_eq!(platform_label("!!!", None), "p");
        let long = platform_label(&"a".repeat(80), Some("x7k2"));
        assert!(long.len() <= 40, "{long}");
        let platform = crate::DomainName::parse(PLATFORM).unwrap();
        for name in ["Fabrikam", "42 Conseil", "Société Générale — Cloud", &"a-".repeat(60)] {
            let label = platform_label(name, Some("ab12"));
            let full = platform_domain_of(&label, PLATFORM);
            assert!(crate::DomainName::parse(&full).is_ok(), "{full}");
            assert!(platform.with_subdomain(&label).is_ok(), "{label}");
        }
    }
}
