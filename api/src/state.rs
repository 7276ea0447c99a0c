//! What every handler shares: the pool, the keys, the configuration, the password hasher, the
//! throttle, the metrics.

use std::sync::Arc;

use actix_web::web;
use tenantry_domain::plan::Plan;
use tenantry_persistence::{DbConnection, DbPool};

use crate::auth::hashing::PasswordHasher;
use crate::auth::keys::SigningKeys;
use crate::auth::throttle::SignInThrottle;
use crate::auth::tokens::TokenSettings;
use crate::config::Config;
use crate::metrics::Metrics;
use crate::problem::ApiError;

pub struct AppState {
    pub pool: DbPool,
    pub keys: SigningKeys,
    pub config: Config,
    /// Every password hash and check goes through it: it bounds how many run at once.
    pub hasher: PasswordHasher,
    pub throttle: SignInThrottle,
    pub metrics: Arc<Metrics>,
    /// A real argon2 hash of nothing anyone knows: unknown accounts are verified against it so
    /// that they take as long to refuse as a wrong password.
    pub decoy_password_hash: String,
    /// The plan catalogue. It is seeded by migrations, so it cannot change while we run.
    pub catalogue: Vec<Plan>,
}

impl AppState {
    pub fn plan(&self, code: &str) -> Option<&Plan> {
        self.catalogue.iter().find(|plan| plan.code == code)
    }

    pub fn token_settings(&self) -> TokenSettings<'_> {
        TokenSettings {
            issuer: &self.config.token_issuer,
            audience: &self.config.token_audience,
            ttl_seconds: self.config.token_ttl_seconds,
        }
    }

    /// Runs database work off the async workers, in no particular transaction.
    pub async fn read<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
    {
        let pool = self.pool.clone();
        web::block(move || {
            let mut conn = pool.get().map_err(|_| ApiError::busy())?;
            work(&mut conn)
        })
        .await?
    }

    /// Runs database work off the async workers in one write transaction: all of it commits, or
    /// none of it does. The error type is the caller's, so a use case can roll back with an
    /// outcome of its own (see `idempotency`).
    pub async fn write<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<diesel::result::Error> + From<ApiError> + Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
    {
        let pool = self.pool.clone();
        web::block(move || {
            let mut conn = pool.get().map_err(|_| ApiError::busy())?;
            conn.write(work)
        })
        .await
        .map_err(|e| E::from(ApiError::from(e)))?
    }
}
