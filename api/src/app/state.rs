//! What every handler shares: the pool, the keys, the configuration, the password hasher, the
//! throttle, and the runners that put database work on the blocking pool.

use std::sync::Arc;

use actix_web::web;
use tenantry_domain::catalogue::Catalogue;
use tenantry_persistence::{DbConnection, DbPool, StoreError};

use crate::app::unit_of_work::{Context, Tx};
use crate::auth::hashing::PasswordHasher;
use crate::auth::keys::{KeyError, KeyRing};
use crate::auth::permit::Permit;
use crate::auth::throttle::SignInThrottle;
use crate::auth::tokens::TokenSettings;
use crate::auth::verified_tokens::VerifiedTokens;
use crate::outbound::dns::Dns;
use crate::runtime::config::Config;

pub struct AppState {
    pub pool: DbPool,
    /// The signing keys as this process last read them from the database.
    pub keys: Arc<KeyRing>,
    /// Tokens whose signature was checked already, until they expire.
    pub verified_tokens: VerifiedTokens,
    pub config: Config,
    /// Every password hash and check of a known person goes through it: it bounds how many run
    /// at once.
    pub hasher: PasswordHasher,
    /// Sign-ups' own hashing, one thread with a short queue: anyone may sign up, so what they
    /// hash never waits in front of, nor takes a thread from, the sign-ins of existing accounts.
    pub signup_hasher: PasswordHasher,
    /// Sign-ups handled at once in this process (their throttle reads included): a flood of
    /// them never holds more database connections than this, whatever its size, so sign-ins
    /// always find the pool's others.
    pub signup_gate: tokio::sync::Semaphore,
    pub throttle: SignInThrottle,
    /// A real argon2 hash of nothing anyone knows: unknown accounts are verified against it so
    /// that they take as long to refuse as a wrong password.
    pub decoy_password_hash: String,
    /// The catalogue and message settings every unit of work consults.
    pub context: Arc<Context>,
    /// Whether the process drains or stops (readiness, connections, workers).
    pub shutdown: Arc<crate::runtime::shutdown::Shutdown>,
}

impl AppState {
    pub fn catalogue(&self) -> &Catalogue {
        &self.context.catalogue
    }

    /// The resolver settings for domain verification and the DNS check.
    pub fn dns(&self) -> Dns {
        Dns::new(self.config.dns_servers.clone())
    }

    pub fn token_settings(&self) -> TokenSettings<'_> {
        TokenSettings {
            issuer: &self.config.token_issuer,
            audience: &self.config.token_audience,
            ttl_seconds: self.config.token_ttl_seconds,
        }
    }

    /// Reads the signing keys again (another process may have rotated them).
    pub async fn reload_keys(&self) -> Result<(), KeyError> {
        let keys = self.keys.clone();
        let permit = Permit::platform_work("Key reload", "keys:reload".to_owned());
        self.read(&permit, move |conn, _| keys.reload(conn, crate::runtime::clock::now())).await
    }

    /// Reloads the keys for a token naming a key this process does not know, unless a reload
    /// started since the request asked. Requests queue here: one reload serves all who waited,
    /// and reloads are at least a second apart, so a flood of forged `kid`s costs one read a
    /// second (and waits), while a genuine new key is never refused.
    pub async fn reload_keys_for_unknown_kid(&self) -> Result<(), KeyError> {
        let asked_at = std::time::Instant::now();
        let mut last_started = self.keys.unknown_kid_reloads.lock().await;
        if last_started.is_some_and(|started| started >= asked_at) {
            return Ok(());
        }
        if let Some(started) = *last_started {
            let next = started + crate::auth::keys::UNKNOWN_KID_RELOAD_PERIOD;
            let now = std::time::Instant::now();
            if next > now {
                actix_web::rt::time::sleep(next - now).await;
            }
        }
        *last_started = Some(std::time::Instant::now());
        self.reload_keys().await
    }

    /// Runs blocking work that is not the database's (resolving a host name) off the async
    /// workers.
    pub async fn blocking<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        web::block(work).await.map_err(|e| StoreError::Interrupted(e.to_string()))
    }

    /// Runs reads off the async workers, in no particular transaction, for work `permit` lets
    /// through.
    pub async fn read<T, E, F>(&self, _permit: &Permit, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&mut DbConnection, &Catalogue) -> Result<T, E> + Send + 'static,
    {
        let pool = self.pool.clone();
        let context = self.context.clone();
        web::block(move || {
            let mut conn = pool.get().map_err(StoreError::from)?;
            work(&mut conn, &context.catalogue)
        })
        .await
        .map_err(|e| E::from(StoreError::Interrupted(e.to_string())))?
    }

    /// Runs one write use case off the async workers as one unit of work: all of it commits, or
    /// none of it does. The error type is the use case's own, so it can roll back with an
    /// outcome of its own (see `idempotency`).
    pub async fn transact<T, E, F>(&self, permit: &Permit, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&mut Tx<'_>) -> Result<T, E> + Send + 'static,
    {
        let actor = permit.actor().clone();
        let pool = self.pool.clone();
        let context = self.context.clone();
        web::block(move || {
            let mut conn = pool.get().map_err(StoreError::from)?;
            conn.write(|conn| work(&mut Tx::new(conn, &actor, &context)))
        })
        .await
        .map_err(|e| E::from(StoreError::Interrupted(e.to_string())))?
    }
}
