//! People in a tenant: what a display name may be.

/// The name shown for a person: 1 to 200 characters, trimmed, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a display name is 1 to 200 characters, without control characters")]
pub struct DisplayNameError;

impl DisplayName {
    pub fn parse(raw: &str) -> Result<Self, DisplayNameError> {
        let name = raw.trim();
        if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
            return Err(DisplayNameError);
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_are_trimmed_and_bounded() {
        assert_eq!(DisplayName::parse(" Ada Lovelace ").unwrap().as_str(), "Ada Lovelace");
        assert_eq!(DisplayName::parse(""), Err(DisplayNameError));
        assert_eq!(DisplayName::parse("a\u{0}b"), Err(DisplayNameError));
        assert!(DisplayName::parse(&"é".repeat(200)).is_ok());
        assert!(DisplayName::parse(&"é".repeat(201)).is_err());
    }
}
