//! Tokens already verified, remembered until they expire, so that a client sending the same
//! token again costs a hash and a map lookup instead of an Ed25519 verification.
//!
//! Only what the signature proves is remembered (the claims); who the caller is and what they
//! may do is still read from the database on every request, so a removed role or a deleted
//! account takes effect at once. The map is bounded and split in shards with a lock each, so
//! that requests rarely wait on one another.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use sha2::{Digest, Sha256};

use crate::auth::tokens::Claims;

const SHARDS: usize = 16;

type Shard = HashMap<[u8; 32], Arc<Claims>>;

pub struct VerifiedTokens {
    shards: Vec<Mutex<Shard>>,
    per_shard: usize,
}

impl VerifiedTokens {
    /// Remembers up to about `capacity` tokens.
    pub fn new(capacity: usize) -> Self {
        Self { shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(), per_shard: capacity.div_ceil(SHARDS) }
    }

    /// The claims of `token` if it was verified before and has not expired at `now` (Unix
    /// seconds).
    pub fn get(&self, token: &str, now: i64) -> Option<Arc<Claims>> {
        let digest = digest(token);
        let shard = self.shard(&digest);
        let mut entries = shard.lock().unwrap_or_else(PoisonError::into_inner);
        match entries.get(&digest) {
            Some(claims) if now < claims.exp => Some(claims.clone()),
            Some(_) => {
                entries.remove(&digest);
                None
            }
            None => None,
        }
    }

    /// Remembers the claims of a token just verified.
    pub fn remember(&self, token: &str, claims: Arc<Claims>, now: i64) {
        let digest = digest(token);
        let shard = self.shard(&digest);
        // A poisoned shard still holds whole entries: each change is one insert or removal.
        let mut entries = shard.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= self.per_shard {
            entries.retain(|_, claims| now < claims.exp);
            if entries.len() >= self.per_shard {
                // Full of live tokens: start over rather than track ages; a token forgotten is
                // only verified again.
                entries.clear();
            }
        }
        entries.insert(digest, claims);
    }

    fn shard(&self, digest: &[u8; 32]) -> &Mutex<Shard> {
        &self.shards[usize::from(digest[0]) % SHARDS]
    }
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: i64) -> Arc<Claims> {
        Arc::new(Claims {
            sub: "someone".to_owned(),
            iss: "iss".to_owned(),
            aud: "aud".to_owned(),
            exp,
            nbf: 0,
            iat: 0,
            jti: "j".to_owned(),
            tid: None,
            pid: None,
            client_id: None,
            cv: None,
            ss: None,
        })
    }

    #[test]
    fn a_token_is_remembered_until_it_expires() {
        let cache = VerifiedTokens::new(100);
        assert!(cache.get("a.b.c", 10).is_none());
        cache.remember("a.b.c", claims(100), 10);
        assert_eq!(cache.get("a.b.c", 99).map(|c| c.sub.clone()).as_deref(), Some("someone"));
        assert!(cache.get("a.b.c", 100).is_none(), "expired");
        assert!(cache.get("a.b.c", 10).is_none(), "an expired entry is dropped");
        assert!(cache.get("a.b.d", 10).is_none(), "another token is not the same entry");
    }

    #[test]
    fn the_cache_stays_bounded() {
        let cache = VerifiedTokens::new(32);
        for i in 0..10_000 {
            cache.remember(&format!("token-{i}"), claims(1_000), 0);
        }
        let held: usize = cache.shards.iter().map(|s| s.lock().map(|s| s.len()).unwrap_or(0)).sum();
        assert!(held <= 32 + SHARDS, "held {held}");
    }
}
