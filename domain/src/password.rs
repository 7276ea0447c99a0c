//! The password policy, checked once when a password is chosen.
//!
//! Following NIST SP 800-63B rather than composition rules: long enough, not absurdly long
//! (argon2 input stays bounded), not one of the passwords every attacker tries first, and not
//! the person's own sign-in address.

use std::collections::HashSet;
use std::sync::OnceLock;

/// A password that satisfies the policy. Deliberately not `Display` or `Debug`-printable.
pub struct Password(String);

pub const MIN_LENGTH: usize = 12;
pub const MAX_LENGTH: usize = 128;

/// Breach-list passwords of 8 characters or more, lower-cased (see the file's header for its
/// sources and `refresh-common-passwords.py` to regenerate it).
const BREACHED_PASSWORDS: &str = include_str!("../data/common-passwords.txt");

/// The breach list as a set, read once.
fn breached() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        BREACHED_PASSWORDS.lines().map(str::trim).filter(|line| !line.is_empty() && !line.starts_with('#')).collect()
    })
}

/// Whether a password is a known one, or a known one with digits or punctuation added at its
/// end ("Password123!", "motdepasse2026"): the variations attackers try first.
fn is_common(lowered: &str) -> bool {
    let without_punctuation = lowered.trim_end_matches(|c: char| c.is_ascii_punctuation());
    let without_suffix = lowered.trim_end_matches(|c: char| c.is_ascii_punctuation() || c.is_ascii_digit());
    [lowered, without_punctuation, without_suffix]
        .into_iter()
        .filter(|form| form.chars().count() >= 8)
        .any(|form| breached().contains(form) || FRENCH_COMMON_PASSWORDS.contains(&form))
}

/// Passwords of this market that meet the length rule and that the lists above miss.
const FRENCH_COMMON_PASSWORDS: &[&str] = &[
    "123456789012",
    "password1234",
    "passwordpassword",
    "qwertyuiopasdf",
    "azertyuiopqsdf",
    "motdepasse123",
    "iloveyou1234",
    "administrator",
    "welcome12345",
    "changeme1234",
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordPolicyError {
    #[error("a password needs at least {MIN_LENGTH} characters")]
    TooShort,
    #[error("a password has at most {MAX_LENGTH} characters")]
    TooLong,
    #[error("this password is too common; choose another")]
    Common,
    #[error("a password cannot contain your sign-in name")]
    ContainsSignIn,
}

impl Password {
    /// Checks `raw` against the policy. `sign_in_local_part` is the part of the person's sign-in
    /// address before `@`, when it is known.
    pub fn parse(raw: &str, sign_in_local_part: Option<&str>) -> Result<Self, PasswordPolicyError> {
        let length = raw.chars().count();
        if length < MIN_LENGTH {
            return Err(PasswordPolicyError::TooShort);
        }
        if length > MAX_LENGTH {
            return Err(PasswordPolicyError::TooLong);
        }
        let lowered = raw.to_lowercase();
        if is_common(&lowered) || raw.chars().all(|c| raw.starts_with(c)) {
            return Err(PasswordPolicyError::Common);
        }
        if let Some(local) = sign_in_local_part {
            if local.len() >= 4 && lowered.contains(&local.to_lowercase()) {
                return Err(PasswordPolicyError::ContainsSignIn);
            }
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_unusual_password_is_accepted() {
        let password = Password::parse("correct horse battery", Some("ada")).unwrap();
        assert_eq!(password.expose(), "correct horse battery");
    }

    #[test]
    fn weak_passwords_are_refused_with_the_reason() {
        assert_eq!(Password::parse("short", None).err(), Some(PasswordPolicyError::TooShort));
        assert_eq!(Password::parse(&"ab".repeat(65), None).err(), Some(PasswordPolicyError::TooLong));
        assert_eq!(Password::parse("Password1234", None).err(), Some(PasswordPolicyError::Common));
        assert_eq!(Password::parse("aaaaaaaaaaaaaaa", None).err(), Some(PasswordPolicyError::Common));
        assert_eq!(
            Password::parse("lovelace-rules-2026", Some("lovelace")).err(),
            Some(PasswordPolicyError::ContainsSignIn)
        );
    }

    #[test]
    fn breach_list_passwords_and_their_obvious_variations_are_refused() {
        assert!(breached().len() > 15_000, "{}", breached().len());
        for common in [
            "Password123!",
            "qwerty123456",
            "QWERTY123456",
            "password1234",
            "iloveyou2026!",
            "motdepasse123",
            "azertyuiop123",
        ] {
            assert_eq!(Password::parse(common, None).err(), Some(PasswordPolicyError::Common), "{common}");
        }
        for fine in ["a long and unusual test passphrase", "correct horse battery2026", "Tr0ub4dor&3xyz"] {
            assert!(Password::parse(fine, None).is_ok(), "{fine}");
        }
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        assert!(Password::parse("éééééééééééé", None).is_err(), "twelve identical characters are common");
        assert!(Password::parse("éàèùâêîôûëïü", None).is_ok());
    }
}
