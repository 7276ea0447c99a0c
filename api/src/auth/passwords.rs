//! Password hashing with argon2id at OWASP's recommended cost (19 MiB, 2 passes, 1 lane), and
//! temporary passwords for new accounts and resets.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::Rng;

fn hasher() -> Argon2<'static> {
    // Params::DEFAULT is m=19456 KiB, t=2, p=1: OWASP's first recommended argon2id setting.
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::DEFAULT)
}

pub fn hash(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(hasher().hash_password(password.as_bytes(), &salt)?.to_string())
}

/// True when `password` matches `stored`. A corrupt stored hash is an error, not a mismatch.
pub fn verify(password: &str, stored: &str) -> Result<bool, argon2::password_hash::Error> {
    let parsed = PasswordHash::new(stored)?;
    match hasher().verify_password(password.as_bytes(), &parsed) {
        Ok(()) => Ok(true),
        Err(argon2::password_hash::Error::Password) => Ok(false),
        Err(other) => Err(other),
    }
}

/// Letters and digits that cannot be mistaken for one another when read from an email.
const TEMPORARY_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// A random 20-character password, about 115 bits, to be changed at first sign-in.
pub fn temporary() -> String {
    let mut rng = rand::rngs::OsRng;
    (0..20).map(|_| char::from(TEMPORARY_ALPHABET[rng.gen_range(0..TEMPORARY_ALPHABET.len())])).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let stored = hash("correct horse battery").unwrap();
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify("correct horse battery", &stored).unwrap());
        assert!(!verify("correct horse batteries", &stored).unwrap());
        assert!(verify("x", "not a hash").is_err());
    }

    #[test]
    fn temporary_passwords_pass_the_policy_and_differ() {
        let first = temporary();
        assert_eq!(first.len(), 20);
        assert!(tenantry_domain::Password::parse(&first, None).is_ok());
        assert_ne!(first, temporary());
    }
}
