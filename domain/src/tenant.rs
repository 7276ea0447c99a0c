//! Customer tenants: their name and the slug that gives them their initial domain.

use crate::domain_name::{DomainName, DomainNameError};

/// The name a tenant is shown under: 1 to 200 characters, trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantName(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TenantError {
    #[error("a tenant name is 1 to 200 characters")]
    Name,
    #[error(
        "a slug is 3 to 40 lower-case letters, digits or hyphens, starting with a letter and not ending with a hyphen"
    )]
    Slug,
    #[error("`{0}` is reserved by the platform; choose another slug")]
    ReservedSlug(String),
    #[error("the initial domain is not a valid domain name: {0}")]
    InitialDomain(#[from] DomainNameError),
}

impl TenantName {
    pub fn parse(raw: &str) -> Result<Self, TenantError> {
        crate::text::one_line(raw, 200).map(Self).map_err(|_| TenantError::Name)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The short name that makes a tenant's initial domain, `<slug>.<platform domain>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantSlug(String);

impl TenantSlug {
    pub fn parse(raw: &str) -> Result<Self, TenantError> {
        let slug = raw.trim();
        let valid = (3..=40).contains(&slug.len())
            && slug.starts_with(|c: char| c.is_ascii_lowercase())
            && !slug.ends_with('-')
            && slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !valid {
            return Err(TenantError::Slug);
        }
        // `partners.<platform domain>` is the parent of every partner's platform domain.
        if slug == crate::partner_domain::PARTNERS_LABEL {
            return Err(TenantError::ReservedSlug(slug.to_owned()));
        }
        Ok(Self(slug.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The tenant's initial domain. It is verified from the start and never changes.
    pub fn initial_domain(&self, platform_domain: &DomainName) -> Result<DomainName, TenantError> {
        Ok(platform_domain.with_subdomain(&self.0)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(TenantName::parse("  Contoso SARL ").unwrap().as_str(), "Contoso SARL");
        assert!(TenantName::parse("   ").is_err());
        assert!(TenantName::parse(&"x".repeat(201)).is_err());
        assert!(TenantName::parse("a\nb").is_err());
    }

    #[test]
    fn the_partners_slug_is_the_platforms() {
        assert_eq!(TenantSlug::parse("partners"), Err(TenantError::ReservedSlug("partners".into())));
        assert!(TenantSlug::parse("partners-sarl").is_ok());
    }

    #[test]
    fn slugs_make_the_initial_domain() {
        let platform = DomainName::parse("tenantry.test").unwrap();
        let slug = TenantSlug::parse("contoso-2").unwrap();
        assert_eq!(slug.initial_domain(&platform).unwrap().as_str(), "contoso-2.tenantry.test");
    }

    #[test]
    fn bad_slugs_are_refused() {
        for bad in ["ab", "Contoso", "1contoso", "contoso-", "con.toso", "con_toso", &"a".repeat(41)] {
            assert_eq!(TenantSlug::parse(bad), Err(TenantError::Slug), "{bad}");
        }
    }
}
