//! Internet domain names as customers type them: `contoso.fr`, `mail.contoso.co.uk`,
//! `bücher.example`. Internationalised names are kept in their ASCII (`xn--`) form, which is
//! what DNS and mail carry; [`DomainName::unicode`] gives them back for display.

use std::fmt;

/// A valid, lower-cased DNS name in ASCII form, with at least two labels, that is not a bare
/// public suffix (`co.uk`, `github.io`): someone can own it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DomainName(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainNameError {
    #[error("a domain name cannot be empty")]
    Empty,
    #[error("a domain name is at most 253 characters long (in its ASCII form)")]
    TooLong,
    #[error("a domain name needs at least two labels, such as `contoso.fr`")]
    SingleLabel,
    #[error("`{0}` has characters no domain name may hold")]
    InvalidCharacters(String),
    #[error("the label `{0}` must be 1 to 63 letters, digits or hyphens, not starting or ending with a hyphen")]
    InvalidLabel(String),
    #[error("the top-level domain `{0}` must be letters only (or an internationalised `xn--` label)")]
    InvalidTopLevel(String),
    #[error("`{0}` is a public suffix, under which others register names; give a name registered under it")]
    PublicSuffix(String),
}

impl DomainName {
    pub fn parse(raw: &str) -> Result<Self, DomainNameError> {
        let typed = raw.trim().trim_end_matches('.');
        if typed.is_empty() {
            return Err(DomainNameError::Empty);
        }
        // UTS 46 maps what people type (capitals, full-width dots, accents) to the ASCII form.
        let name = idna::domain_to_ascii(typed).map_err(|_| DomainNameError::InvalidCharacters(typed.to_owned()))?;
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
        let letters = top.len() >= 2 && top.bytes().all(|b| b.is_ascii_lowercase());
        if !letters && !top.starts_with("xn--") {
            return Err(DomainNameError::InvalidTopLevel(top.to_owned()));
        }
        if psl::domain(name.as_bytes()).is_none() {
            return Err(DomainNameError::PublicSuffix(name));
        }
        Ok(Self(name))
    }

    /// The name as people read it: `bücher.example` for `xn--bcher-kva.example`.
    pub fn unicode(&self) -> String {
        idna::domain_to_unicode(&self.0).0
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The public suffix the name is registered under: `fr` for `contoso.fr`, `co.uk` for
    /// `shop.example.co.uk`.
    pub fn public_suffix(&self) -> &str {
        psl::suffix_str(&self.0).unwrap_or(&self.0)
    }

    /// Whether the name is one a registry sells: one label right under its public suffix
    /// (`contoso.fr`, not `mail.contoso.fr`).
    pub fn is_registrable(&self) -> bool {
        psl::domain_str(&self.0) == Some(self.0.as_str())
    }

    /// The label a registry sells under the suffix: `contoso` for `contoso.fr`.
    pub fn registrable_label(&self) -> &str {
        let suffix_len = self.public_suffix().len();
        let without_suffix = self.0.len().saturating_sub(suffix_len + 1);
        let head = &self.0[..without_suffix];
        head.rsplit('.').next().unwrap_or(head)
    }

    /// Whether this name is `other` or a name under it (`a.b.example` is within `b.example`).
    pub fn is_within(&self, other: &DomainName) -> bool {
        self.0 == other.0 || self.0.ends_with(&format!(".{}", other.0))
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
    fn the_registrable_part_follows_the_public_suffix_list() {
        let shop = DomainName::parse("shop.example.co.uk").unwrap();
        assert_eq!(shop.public_suffix(), "co.uk");
        assert!(!shop.is_registrable());
        assert_eq!(shop.registrable_label(), "example");
        let contoso = DomainName::parse("contoso.fr").unwrap();
        assert!(contoso.is_registrable());
        assert_eq!(contoso.registrable_label(), "contoso");
        assert_eq!(contoso.public_suffix(), "fr");
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
    fn internationalised_names_are_kept_in_ascii_and_read_back() {
        let name = DomainName::parse("Bücher.Example").unwrap();
        assert_eq!(name.as_str(), "xn--bcher-kva.example");
        assert_eq!(name.unicode(), "bücher.example");
        assert_eq!(DomainName::parse(name.as_str()).unwrap(), name, "the ASCII form parses to itself");
        let chinese = DomainName::parse("食狮.中国").unwrap();
        assert_eq!(chinese.unicode(), "食狮.中国");
        assert!(chinese.as_str().starts_with("xn--"));
    }

    #[test]
    fn a_bare_public_suffix_is_refused_and_names_under_one_are_not() {
        for suffix in ["co.uk", "com.au", "github.io"] {
            assert_eq!(DomainName::parse(suffix), Err(DomainNameError::PublicSuffix(suffix.to_owned())), "{suffix}");
        }
        assert_eq!(DomainName::parse("example.co.uk").unwrap().as_str(), "example.co.uk");
        assert_eq!(DomainName::parse("mail.contoso.co.uk").unwrap().as_str(), "mail.contoso.co.uk");
        assert_eq!(DomainName::parse("contoso.tenantry.test").unwrap().as_str(), "contoso.tenantry.test");
    }

    #[test]
    fn labels_are_at_most_63_characters_and_names_253() {
        let longest_label = "a".repeat(63);
        assert!(DomainName::parse(&format!("{longest_label}.fr")).is_ok());
        assert!(matches!(DomainName::parse(&format!("{}a.fr", longest_label)), Err(DomainNameError::InvalidLabel(_))));
        let long = format!("{}.fr", vec!["a".repeat(60); 4].join("."));
        assert_eq!(long.len(), 246);
        assert!(DomainName::parse(&long).is_ok());
        assert_eq!(
            DomainName::parse(&format!("{}.fr", vec!["a".repeat(62); 4].join("."))),
            Err(DomainNameError::TooLong)
        );
        assert!(DomainName::parse("exa mple.fr").is_err());
        assert!(DomainName::parse("exa<mple.fr").is_err());
    }

    #[test]
    fn subdomains_are_validated_like_any_name() {
        let parent = DomainName::parse("tenantry.test").unwrap();
        assert_eq!(parent.with_subdomain("contoso").unwrap().as_str(), "contoso.tenantry.test");
        assert!(parent.with_subdomain("bad_label").is_err());
    }
}
