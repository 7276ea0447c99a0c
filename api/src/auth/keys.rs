//! The Ed25519 keys that sign access tokens.
//!
//! Keys live in the database (`signing_keys`, PKCS#8 PEM), so that every process of the service
//! signs and verifies with the same ones and nothing else needs sharing. The newest key that is
//! not retired signs; every key kept verifies and is published at `/.well-known/jwks.json`. A
//! rotation (`POST /v1/signing-keys`, operators only) adds a key and retires the others: they
//! still verify until the tokens they signed have expired, then they are forgotten.
//!
//! Each process holds a snapshot ([`SigningKeys`]) in a [`KeyRing`]. It reloads it when a token
//! names a key it does not know (another process rotated: requests naming it wait for one reload,
//! at most one a second, so forged `kid`s cannot make it read the database on every request) and
//! once a minute, which is how long another process may go on signing with a key just retired.
//!
//! Keys written as files in `<data dir>/keys/` by earlier versions are imported on the first
//! start that finds the table empty, so tokens issued before the upgrade stay valid.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use ed25519_dalek::SigningKey;
use jsonwebtoken::{DecodingKey, EncodingKey};
use serde::Serialize;
use tenantry_persistence::signing_keys::{self, SigningKeyRow};
use tenantry_persistence::{time, DbConnection, StoreError};
use utoipa::ToSchema;

/// How long a retired key is kept beyond the token lifetime: the validation leeway and then some.
const RETIRED_KEY_GRACE_SECONDS: i64 = 120;
/// At most one reload for unknown `kid`s per this period, whatever tokens are sent.
pub const UNKNOWN_KID_RELOAD_PERIOD: Duration = Duration::from_secs(1);

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read the key folder {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("the signing key {kid} is not an Ed25519 PKCS#8 PEM key: {message}")]
    Invalid { kid: String, message: String },
    #[error("no signing key is usable")]
    NoKey,
    #[error(transparent)]
    Store(#[from] StoreError),
}

struct VerifyingKey {
    decoding: DecodingKey,
    public_key: [u8; 32],
}

/// The keys as one process knows them at one moment: the one that signs, and all that verify.
pub struct SigningKeys {
    signing_kid: String,
    encoding: EncodingKey,
    verifying: BTreeMap<String, VerifyingKey>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig",
    "kid": "019a0000-0000-7000-8000-000000000000", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}))]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

/// One public key.
#[derive(Debug, Serialize, ToSchema)]
pub struct Jwk {
    /// Key type: `OKP` (octet key pair).
    pub kty: &'static str,
    /// Curve: `Ed25519`.
    pub crv: &'static str,
    /// Algorithm: `EdDSA`.
    pub alg: &'static str,
    /// Use: `sig`.
    #[serde(rename = "use")]
    pub key_use: &'static str,
    /// The key id, matched against a token's `kid` header.
    pub kid: String,
    /// The public key, base64url without padding.
    pub x: String,
}

impl SigningKeys {
    /// The snapshot of `rows` (oldest first) still usable at `now`: retired keys whose tokens
    /// have all expired are left out.
    fn from_rows(rows: &[SigningKeyRow], token_ttl_seconds: i64, now: DateTime<Utc>) -> Result<Self, KeyError> {
        let keep_after = now - chrono::Duration::seconds(token_ttl_seconds + RETIRED_KEY_GRACE_SECONDS);
        let mut verifying = BTreeMap::new();
        let mut signing = None;
        for row in rows {
            if row.retired_at.is_some_and(|at| time::from_db(at) < keep_after) {
                continue;
            }
            let key = SigningKey::from_pkcs8_pem(&row.private_key)
                .map_err(|e| KeyError::Invalid { kid: row.kid.clone(), message: e.to_string() })?;
            let public_key = key.verifying_key().to_bytes();
            verifying
                .insert(row.kid.clone(), VerifyingKey { decoding: DecodingKey::from_ed_der(&public_key), public_key });
            if row.retired_at.is_none() {
                signing = Some((row.kid.clone(), key));
            }
        }
        let (signing_kid, key) = signing.ok_or(KeyError::NoKey)?;
        let der =
            key.to_pkcs8_der().map_err(|e| KeyError::Invalid { kid: signing_kid.clone(), message: e.to_string() })?;
        Ok(Self { signing_kid, encoding: EncodingKey::from_ed_der(der.as_bytes()), verifying })
    }

    pub fn signing_kid(&self) -> &str {
        &self.signing_kid
    }

    pub fn encoding_key(&self) -> &EncodingKey {
        &self.encoding
    }

    pub fn decoding_key(&self, kid: &str) -> Option<&DecodingKey> {
        self.verifying.get(kid).map(|key| &key.decoding)
    }

    pub fn jwks(&self) -> Jwks {
        Jwks {
            keys: self
                .verifying
                .iter()
                .map(|(kid, key)| Jwk {
                    kty: "OKP",
                    crv: "Ed25519",
                    alg: "EdDSA",
                    key_use: "sig",
                    kid: kid.clone(),
                    x: URL_SAFE_NO_PAD.encode(key.public_key),
                })
                .collect(),
        }
    }
}

/// How the key ring found its keys on start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeysOrigin {
    /// The database had them.
    Stored,
    /// None existed: a first key was made.
    Created,
    /// Imported from the key files of an earlier version.
    Imported(usize),
}

/// This process's view of the signing keys, refreshed from the database.
pub struct KeyRing {
    current: RwLock<Arc<SigningKeys>>,
    /// When the last reload for an unknown `kid` started; held while one runs, so that requests
    /// naming a new key wait for it rather than each reading the database.
    pub unknown_kid_reloads: tokio::sync::Mutex<Option<Instant>>,
    token_ttl_seconds: i64,
}

impl KeyRing {
    /// Loads the keys, importing the files of `legacy_dir` or making a first key when the
    /// database holds none. Processes starting together may each make one: both are kept, and
    /// the newest signs everywhere once they reload.
    pub fn open(
        conn: &mut DbConnection,
        legacy_dir: &Path,
        token_ttl_seconds: i64,
        now: DateTime<Utc>,
    ) -> Result<(Self, KeysOrigin), KeyError> {
        let origin = conn.write(|conn| -> Result<KeysOrigin, KeyError> {
            if !signing_keys::all(conn)?.is_empty() {
                return Ok(KeysOrigin::Stored);
            }
            let imported = legacy_key_files(legacy_dir, now)?;
            for row in &imported {
                signing_keys::insert(conn, row)?;
            }
            if imported.is_empty() {
                signing_keys::insert(conn, &new_key(now)?)?;
                return Ok(KeysOrigin::Created);
            }
            // The newest file signed: the older ones only verify from now on.
            if let Some(newest) = imported.last() {
                signing_keys::retire_all_but(conn, &newest.kid, time::to_db(now))?;
            }
            Ok(KeysOrigin::Imported(imported.len()))
        })?;
        let keys = SigningKeys::from_rows(&signing_keys::all(conn)?, token_ttl_seconds, now)?;
        let ring = Self {
            current: RwLock::new(Arc::new(keys)),
            unknown_kid_reloads: tokio::sync::Mutex::new(None),
            token_ttl_seconds,
        };
        Ok((ring, origin))
    }

    /// The keys as last loaded.
    pub fn current(&self) -> Arc<SigningKeys> {
        // A poisoned lock still holds a complete snapshot: replacing it is one assignment.
        self.current.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Reloads the keys from the database.
    pub fn reload(&self, conn: &mut DbConnection, now: DateTime<Utc>) -> Result<(), KeyError> {
        let keys = SigningKeys::from_rows(&signing_keys::all(conn)?, self.token_ttl_seconds, now)?;
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(keys);
        Ok(())
    }
}

/// Adds a key that signs from now on, in every process, and retires the others (they verify
/// until their tokens expire); forgets the keys whose tokens have all expired. Runs in the
/// caller's transaction; reload the ring after commit. Returns the new key's id. Other
/// processes switch when they next reload: within a minute, or at the first token they see
/// signed with the new key.
pub fn add_signing_key(
    conn: &mut DbConnection,
    token_ttl_seconds: i64,
    now: DateTime<Utc>,
) -> Result<String, KeyError> {
    let row = new_key(now)?;
    let forget_before = time::to_db(now - chrono::Duration::seconds(token_ttl_seconds + RETIRED_KEY_GRACE_SECONDS));
    signing_keys::insert(conn, &row)?;
    signing_keys::retire_all_but(conn, &row.kid, time::to_db(now))?;
    signing_keys::forget_retired_before(conn, forget_before)?;
    Ok(row.kid)
}

fn new_key(now: DateTime<Utc>) -> Result<SigningKeyRow, KeyError> {
    let kid = crate::runtime::ids::new_id();
    let key = SigningKey::generate(&mut rand::rngs::OsRng);
    let pem =
        key.to_pkcs8_pem(LineEnding::LF).map_err(|e| KeyError::Invalid { kid: kid.clone(), message: e.to_string() })?;
    Ok(SigningKeyRow { kid, private_key: pem.to_string(), created_at: time::to_db(now), retired_at: None })
}

/// The PEM files an earlier version kept in `dir`, oldest first (names are UUIDv7 `kid`s).
fn legacy_key_files(dir: &Path, now: DateTime<Utc>) -> Result<Vec<SigningKeyRow>, KeyError> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(KeyError::Io { path: dir.to_owned(), source }),
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "pem"))
        .collect();
    files.sort();
    let mut rows = Vec::new();
    for (order, path) in files.iter().enumerate() {
        let kid = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let pem = fs::read_to_string(path).map_err(|source| KeyError::Io { path: path.clone(), source })?;
        // Checked now, so that a damaged file stops the start rather than every later one.
        SigningKey::from_pkcs8_pem(&pem).map_err(|e| KeyError::Invalid { kid: kid.clone(), message: e.to_string() })?;
        // Created "now", a microsecond apart, so that their order survives.
        let offset = chrono::Duration::microseconds(i64::try_from(order).unwrap_or(0));
        rows.push(SigningKeyRow { kid, private_key: pem, created_at: time::to_db(now + offset), retired_at: None });
    }
    Ok(rows)
}
