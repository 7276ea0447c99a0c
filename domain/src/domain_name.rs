//! Internet domain names as customers type them: `contoso.fr`, `mail.contoso.co.uk`.

use std::fmt;

/// A syntactically valid, lower-cased DNS name with at least two labels.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DomainName(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainNameError {
    #[error("a domain name cannot be empty")]
    Empty,
    #[error("a domain name is at most 253 characters long")]
    TooLong,
    #[error("a domain name needs at least two labels, such as `contoso.fr`")]
    SingleLabel,
    #[error("the label `{0}` must be 1 to 63 letters, digits or hyphens, not starting or ending with a hyphen")]
    InvalidLabel(String),
    #[error("the top-level domain `{0}` must be letters only")]
    InvalidTopLevel(String),
}

impl DomainName {
    pub fn parse(raw: &str) -> Result<Self, DomainNameError> {
        let name = raw.trim().trim_end_matches('.').to_ascii_lowercase();
        if name.is_empty() {
            return Err(DomainNameError::Empty);
        }
        if name.len() > 253 {
            return Err(DomainNameError::TooLong);
        }
        let labels: Vec<&str> = name.split('.').collect();
        if labels.len() < 2 {
            return Err(DomainNameError::SingleLabel);
        }
        for label in &labels {
            let valid = !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !valid {
                return Err(DomainNameError::InvalidLabel((*label).to_owned()));
            }
        }
        let top = labels[labels.len() - 1];
        if top.len() < 2 || !top.bytes().all(|b| b.is_ascii_lowercase()) {
            return Err(DomainNameError::InvalidTopLevel(top.to_owned()));
        }
        Ok(Self(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `child` under this name, e.g. `contoso` under `tenantry.test`.
    pub fn with_subdomain(&self, child: &str) -> Result<Self, DomainNameError> {
        Self::parse(&format!("{child}.{}", self.0))
    }
}

impl fmt::Display for DomainName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_lower_cased_and_trailing_dot_dropped() {
        let name = DomainName::parse(" Contoso.FR. ").unwrap();
        assert_eq!(name.as_str(), "contoso.fr");
    }

    #[test]
    fn invalid_names_are_refused() {
        assert_eq!(DomainName::parse(""), Err(DomainNameError::Empty));
        assert_eq!(DomainName::parse("localhost"), Err(DomainNameError::SingleLabel));
        assert!(matches!(DomainName::parse("-a.fr"), Err(DomainNameError::InvalidLabel(_))));
        assert!(matches!(DomainName::parse("a..fr"), Err(DomainNameError::InvalidLabel(_))));
        assert!(matches!(DomainName::parse("a_b.fr"), Err(DomainNameError::InvalidLabel(_))));
        assert!(matches!(DomainName::parse("a.f1"), Err(DomainNameError::InvalidTopLevel(_))));
        assert_eq!(DomainName::parse(&format!("{}.fr", "a.".repeat(130))), Err(DomainNameError::TooLong));
    }

    #[test]
    fn subdomains_are_validated_like_any_name() {
        let parent = DomainName::parse("tenantry.test").unwrap();
        assert_eq!(parent.with_subdomain("contoso").unwrap().as_str(), "contoso.tenantry.test");
        assert!(parent.with_subdomain("bad_label").is_err());
    }
}
