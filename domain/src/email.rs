//! Email addresses: sign-in addresses and personal contact addresses.

use std::fmt;

use crate::domain_name::DomainName;

/// `local@domain`, with the domain lower-cased and validated as a [`DomainName`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress {
    local: String,
    domain: DomainName,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("an email address looks like `name@example.com`")]
    Shape,
    #[error("the part before `@` must be 1 to 64 letters, digits or . _ % + - and cannot start or end with a dot")]
    LocalPart,
    #[error("the domain after `@` is not valid: {0}")]
    Domain(#[from] crate::domain_name::DomainNameError),
    #[error("an email address is at most 254 characters long")]
    TooLong,
}

impl EmailAddress {
    pub fn parse(raw: &str) -> Result<Self, EmailError> {
        let raw = raw.trim();
        if raw.len() > 254 {
            return Err(EmailError::TooLong);
        }
        let (local, domain) = raw.rsplit_once('@').ok_or(EmailError::Shape)?;
        Ok(Self { local: parse_local_part(local)?, domain: DomainName::parse(domain)? })
    }

    /// An address in a given domain, from a local part typed separately.
    pub fn in_domain(local: &str, domain: &DomainName) -> Result<Self, EmailError> {
        Self::parse(&format!("{}@{}", local.trim(), domain))
    }

    pub fn local_part(&self) -> &str {
        &self.local
    }

    pub fn domain(&self) -> &DomainName {
        &self.domain
    }

    /// The address as shown back to someone who should recognise it without reading it in
    /// full, e.g. where a temporary password was sent: `ada@contoso.fr` becomes
    /// `a**@contoso.fr`. At least two stars, so that a one-letter local part is not given away.
    pub fn masked(&self) -> String {
        let first: String = self.local.chars().take(1).collect();
        let hidden = self.local.chars().count().saturating_sub(1).max(2);
        format!("{first}{}@{}", "*".repeat(hidden), self.domain)
    }
}

/// Sign-in addresses compare case-insensitively, so the local part is lower-cased too.
fn parse_local_part(local: &str) -> Result<String, EmailError> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-');
    if local.is_empty()
        || local.len() > 64
        || local.starts_with('.')
        || local.ends_with('.')
        || local.contains("..")
        || !local.chars().all(allowed)
    {
        return Err(EmailError::LocalPart);
    }
    Ok(local.to_ascii_lowercase())
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.local, self.domain)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_normalised() {
        let email = EmailAddress::parse(" Ada.Lovelace@Contoso.FR ").unwrap();
        assert_eq!(email.to_string(), "ada.lovelace@contoso.fr");
        assert_eq!(email.local_part(), "ada.lovelace");
        assert_eq!(email.domain().as_str(), "contoso.fr");
    }

    #[test]
    fn malformed_addresses_are_refused() {
        assert_eq!(EmailAddress::parse("nobody"), Err(EmailError::Shape));
        assert_eq!(EmailAddress::parse("@contoso.fr"), Err(EmailError::LocalPart));
        assert_eq!(EmailAddress::parse("a..b@contoso.fr"), Err(EmailError::LocalPart));
        assert_eq!(EmailAddress::parse("a b@contoso.fr"), Err(EmailError::LocalPart));
        assert!(matches!(EmailAddress::parse("a@contoso"), Err(EmailError::Domain(_))));
        assert_eq!(EmailAddress::parse(&format!("{}@x.fr", "a".repeat(260))), Err(EmailError::TooLong));
    }

    #[test]
    fn an_address_can_be_built_in_a_domain() {
        let domain = DomainName::parse("contoso.tenantry.test").unwrap();
        let email = EmailAddress::in_domain("Admin", &domain).unwrap();
        assert_eq!(email.to_string(), "admin@contoso.tenantry.test");
        assert!(EmailAddress::in_domain("a@b", &domain).is_err());
    }

    #[test]
    fn a_masked_address_shows_the_first_letter_and_the_domain() {
        let cases = [
            ("ada@contoso.fr", "a**@contoso.fr"),
            ("a@contoso.fr", "a**@contoso.fr"),
            ("ab@contoso.fr", "a**@contoso.fr"),
            ("ada.lovelace@contoso.fr", "a***********@contoso.fr"),
            ("Grace@Fabrikam.COM", "g****@fabrikam.com"),
        ];
        for (raw, masked) in cases {
            assert_eq!(EmailAddress::parse(raw).unwrap().masked(), masked, "{raw}");
        }
    }
}
