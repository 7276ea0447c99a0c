//! Password hashing with argon2id at OWASP's recommended cost (19 MiB, 2 passes, 1 lane), and
//! temporary passwords for new accounts and resets.
//!
//! The `_in` functions compute in memory the caller owns, so a thread that hashes many passwords
//! reuses one 19 MiB buffer instead of allocating one per password (see `auth::hashing`).

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Decimal, Output, ParamsString, PasswordHash, Salt, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use rand::Rng;

/// The cost of new hashes. Params::DEFAULT is m=19456 KiB, t=2, p=1: OWASP's first recommended
/// argon2id setting.
const PARAMS: Params = Params::DEFAULT;

/// How many argon2 blocks (1 KiB each) one computation at our cost needs.
pub fn memory_blocks() -> usize {
    PARAMS.block_count()
}

/// The least capacity, in blocks, of a buffer we allocate: 33 MiB, above the largest mmap
/// threshold glibc's malloc ever adopts on 64-bit systems (32 MiB). Such an allocation is always
/// a mapping of its own, which freeing gives back to the system, and it never raises that
/// threshold. A plain 19 MiB allocation would, from the second one on, be carved out of a thread
/// arena that glibc does not shrink: that is how a few sign-ins on the blocking pool used to leave
/// the process at 160 MiB. Only the blocks we use are ever touched, so only they are resident.
const LEAST_CAPACITY_BLOCKS: usize = 33 * 1024;

/// A fresh hash of `password`, in PHC format (`$argon2id$v=19$m=19456,t=2,p=1$...`).
/// Allocates its own memory: for start-up and tools; requests go through `auth::hashing`.
pub fn hash(password: &str) -> Result<String, argon2::password_hash::Error> {
    hash_in(password, &mut Vec::new())
}

/// Like `hash`, computing in `memory`, which grows to `memory_blocks()` if it is smaller.
pub fn hash_in(password: &str, memory: &mut Vec<Block>) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    let hashed = compute(password, Algorithm::Argon2id, Version::V0x13, PARAMS, salt.as_salt(), memory)?;
    Ok(hashed.to_string())
}

/// True when `password` matches `stored`. A corrupt stored hash is an error, not a mismatch.
pub fn verify(password: &str, stored: &str) -> Result<bool, argon2::password_hash::Error> {
    verify_in(password, stored, &mut Vec::new())
}

/// Like `verify`, computing in `memory`, which grows to what the stored hash's cost needs.
/// Hashes stored with other argon2 parameters still verify, with their own parameters.
pub fn verify_in(password: &str, stored: &str, memory: &mut Vec<Block>) -> Result<bool, argon2::password_hash::Error> {
    let parsed = PasswordHash::new(stored)?;
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        // A PHC string without salt or output cannot be checked against anything.
        return Err(argon2::password_hash::Error::PhcStringField);
    };
    let algorithm = Algorithm::try_from(parsed.algorithm)?;
    let version = parsed.version.map(Version::try_from).transpose()?.unwrap_or_default();
    let params = Params::try_from(&parsed)?;
    let computed = compute(password, algorithm, version, params, salt, memory)?;
    // `Output`'s equality is constant-time, so the comparison does not leak how much matched.
    Ok(computed.hash.is_some_and(|output| output == expected))
}

/// What `PasswordHasher::hash_password` does in argon2 0.5, but in the caller's memory.
fn compute<'a>(
    password: &str,
    algorithm: Algorithm,
    version: Version,
    params: Params,
    salt: Salt<'a>,
    memory: &mut Vec<Block>,
) -> Result<PasswordHash<'a>, argon2::password_hash::Error> {
    let mut salt_buffer = [0u8; Salt::MAX_LENGTH];
    let salt_bytes = salt.decode_b64(&mut salt_buffer)?;
    let needed = params.block_count();
    if memory.capacity() < needed {
        *memory = Vec::with_capacity(needed.max(LEAST_CAPACITY_BLOCKS));
    }
    if memory.len() < needed {
        memory.resize(needed, Block::default());
    }
    let output_len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let phc_params = ParamsString::try_from(&params)?;
    let argon2 = Argon2::new(algorithm, version, params);
    let output = Output::init_with(output_len, |out| {
        Ok(argon2.hash_password_into_with_memory(password.as_bytes(), salt_bytes, out, &mut memory[..])?)
    })?;
    Ok(PasswordHash {
        algorithm: algorithm.ident(),
        version: Some(Decimal::from(version)),
        params: phc_params,
        salt: Some(salt),
        hash: Some(output),
    })
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
    use argon2::password_hash::{PasswordHasher, PasswordVerifier};

    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let stored = hash("correct horse battery").unwrap();
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify("correct horse battery", &stored).unwrap());
        assert!(!verify("correct horse batteries", &stored).unwrap());
        assert!(verify("x", "not a hash").is_err());
        assert!(verify("x", "$argon2id$v=19$m=19456,t=2,p=1").is_err(), "no salt, no output: corrupt");
    }

    #[test]
    fn hashes_made_by_the_argon2_crate_and_ours_verify_each_other() {
        let theirs = Argon2::default()
            .hash_password(b"correct horse battery", &SaltString::generate(&mut OsRng))
            .unwrap()
            .to_string();
        assert!(verify("correct horse battery", &theirs).unwrap());
        assert!(!verify("correct horse batteries", &theirs).unwrap());

        let ours = hash("correct horse battery").unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(Argon2::default().verify_password(b"correct horse battery", &parsed).is_ok());
        assert!(Argon2::default().verify_password(b"correct horse batteries", &parsed).is_err());
    }

    #[test]
    fn one_buffer_serves_many_computations_and_other_costs() {
        let mut memory = Vec::new();
        let first = hash_in("first password", &mut memory).unwrap();
        assert_eq!(memory.len(), memory_blocks());
        let second = hash_in("second password", &mut memory).unwrap();
        assert!(verify_in("first password", &first, &mut memory).unwrap());
        assert!(verify_in("second password", &second, &mut memory).unwrap());
        assert!(!verify_in("second password", &first, &mut memory).unwrap());

        // A hash stored at a smaller cost (say, before a parameter change) still verifies.
        let cheap = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(8 * 1024, 1, 1, None).unwrap())
            .hash_password(b"older password", &SaltString::generate(&mut OsRng))
            .unwrap()
            .to_string();
        assert!(verify_in("older password", &cheap, &mut memory).unwrap());
        assert!(!verify_in("older passwords", &cheap, &mut memory).unwrap());
    }

    #[test]
    fn temporary_passwords_pass_the_policy_and_differ() {
        let first = temporary();
        assert_eq!(first.len(), 20);
        assert!(tenantry_domain::Password::parse(&first, None).is_ok());
        assert_ne!(first, temporary());
    }
}
