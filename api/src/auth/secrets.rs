//! Random secrets: API client secrets, delegated-admin offer tokens, domain verification codes
//! and sign-up confirmation codes.
//!
//! Client secrets carry 256 random bits, so they are stored as SHA-256 digests: a slow password
//! hash protects guessable secrets and adds nothing here, and a fast check keeps a flood of
//! client-credentials requests from costing what password sign-ins do.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// The visible prefix of client secrets, so that a leaked one is recognisable by secret scanners.
const CLIENT_SECRET_PREFIX: &str = "tcs_";

fn random_text() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A new API client secret, shown once.
pub fn new_client_secret() -> String {
    format!("{CLIENT_SECRET_PREFIX}{}", random_text())
}

/// A new offer token: the unguessable part of an offer's URL.
pub fn new_offer_token() -> String {
    random_text()
}

/// A domain verification code: 128 random bits in hex, safe in a TXT record.
pub fn new_verification_code() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// A sign-up confirmation code: 8 digits a person can type from a mail. Guessing is bounded by
/// the few attempts a sign-up allows, not by the code's length.
pub fn new_confirmation_code() -> String {
    let mut bytes = [0u8; 8];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("{:08}", u64::from_le_bytes(bytes) % 100_000_000)
}

/// What is stored of a client secret.
pub fn digest(secret: &str) -> String {
    Sha256::digest(secret.as_bytes()).iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Whether `secret` is the one `stored_digest` was made from. Comparing digests leaks nothing
/// of the secret through timing; the comparison still looks at every byte.
pub fn matches(secret: &str, stored_digest: &str) -> bool {
    let candidate = digest(secret);
    candidate.len() == stored_digest.len()
        && candidate.bytes().zip(stored_digest.bytes()).fold(0u8, |diff, (a, b)| diff | (a ^ b)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_matches_its_digest_only() {
        let secret = new_client_secret();
        assert!(secret.starts_with("tcs_") && secret.len() > 40);
        let stored = digest(&secret);
        assert!(matches(&secret, &stored));
        assert!(!matches(&new_client_secret(), &stored));
        assert!(!matches("", &stored));
        assert_ne!(new_offer_token(), new_offer_token());
    }
}
