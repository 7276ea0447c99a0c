//! The Ed25519 keys that sign access tokens.
//!
//! Keys live as PKCS#8 PEM files in `<data dir>/keys/`, one file per key, named by its `kid`
//! (a UUIDv7, so names sort by age). The newest key signs; every key in the folder verifies and
//! is published at `/.well-known/jwks.json`. To rotate: add a new key file (or delete them all
//! and restart, which logs everyone out), and remove the old one after the token lifetime.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use ed25519_dalek::SigningKey;
use jsonwebtoken::{DecodingKey, EncodingKey};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot use the key folder {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("the key file {path} is not an Ed25519 PKCS#8 PEM key: {message}")]
    Invalid { path: PathBuf, message: String },
}

struct VerifyingKey {
    decoding: DecodingKey,
    public_key: [u8; 32],
}

pub struct SigningKeys {
    signing_kid: String,
    encoding: EncodingKey,
    verifying: BTreeMap<String, VerifyingKey>,
}

/// A JSON Web Key Set (RFC 7517) holding the public keys that verify access tokens.
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
    /// Loads every key in `dir`, creating the folder and a first key when there is none.
    /// Returns whether a key was created.
    pub fn load_or_create(dir: &Path) -> Result<(Self, bool), KeyError> {
        let io = |source| KeyError::Io { path: dir.to_owned(), source };
        fs::create_dir_all(dir).map_err(io)?;
        let mut created = false;
        if pem_files(dir)?.is_empty() {
            create_key(dir)?;
            created = true;
        }
        let mut verifying = BTreeMap::new();
        let mut newest = None;
        for path in pem_files(dir)? {
            let kid = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            let pem = fs::read_to_string(&path).map_err(|source| KeyError::Io { path: path.clone(), source })?;
            let key = SigningKey::from_pkcs8_pem(&pem)
                .map_err(|e| KeyError::Invalid { path: path.clone(), message: e.to_string() })?;
            let public_key = key.verifying_key().to_bytes();
            verifying.insert(kid.clone(), VerifyingKey { decoding: DecodingKey::from_ed_der(&public_key), public_key });
            newest = Some((kid, key));
        }
        let (signing_kid, key) = newest
            .ok_or_else(|| KeyError::Invalid { path: dir.to_owned(), message: "no key could be loaded".to_owned() })?;
        let der = key.to_pkcs8_der().map_err(|e| KeyError::Invalid { path: dir.to_owned(), message: e.to_string() })?;
        let keys = Self { signing_kid, encoding: EncodingKey::from_ed_der(der.as_bytes()), verifying };
        Ok((keys, created))
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

/// Key files sorted by name, which is by age.
fn pem_files(dir: &Path) -> Result<Vec<PathBuf>, KeyError> {
    let entries = fs::read_dir(dir).map_err(|source| KeyError::Io { path: dir.to_owned(), source })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "pem"))
        .collect();
    files.sort();
    Ok(files)
}

fn create_key(dir: &Path) -> Result<(), KeyError> {
    let kid = crate::ids::new_id();
    let path = dir.join(format!("{kid}.pem"));
    let key = SigningKey::generate(&mut rand::rngs::OsRng);
    let pem = key
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| KeyError::Invalid { path: path.clone(), message: e.to_string() })?;
    let io = |source| KeyError::Io { path: path.clone(), source };
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&path).map_err(io)?;
    file.write_all(pem.as_bytes()).map_err(io)?;
    file.sync_all().map_err(io)?;
    Ok(())
}
