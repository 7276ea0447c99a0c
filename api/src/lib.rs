//! Tenantry's HTTP API: the actix-web application, authentication, OpenAPI and the workers.

pub mod app;
pub mod auth;
pub mod commands;
pub mod http;
pub mod outbound;
pub mod routes;
pub mod runtime;
pub mod services;
pub mod views;
pub mod workers;

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_cors::Cors;
use actix_web::dev::{Server, ServerHandle};
use actix_web::http::header;
use actix_web::middleware::{from_fn, ErrorHandlers};
use actix_web::{web, App, HttpServer};
use tenantry_persistence::Database;
use utoipa_swagger_ui::{Config as SwaggerConfig, SwaggerUi};

use crate::app::bootstrap;
use crate::app::bootstrap::NewOperator;
use crate::app::state::AppState;
use crate::app::unit_of_work::Context;
use crate::auth::keys::{KeyRing, KeysOrigin};
use crate::auth::throttle::SignInThrottle;
use crate::auth::verified_tokens::VerifiedTokens;
use crate::http::{access_log, bare_errors, request_errors, request_id, security_headers};
use crate::outbound::mail_transport;
use crate::routes::openapi;
use crate::runtime::config::Config;
use crate::runtime::metrics::Metrics;
use crate::runtime::shutdown::Shutdown;
use crate::runtime::{clock, metrics, shutdown};
use crate::workers::{job_worker, mail_worker, periodic, webhook_worker};

/// How many verified tokens each process remembers (a few megabytes at most).
const VERIFIED_TOKENS_KEPT: usize = 20_000;
/// Sign-ups one process handles at once; more wait up to three seconds, then get 503.
const SIGNUPS_AT_ONCE: usize = 2;
/// How often each process reads the signing keys again, to pick up another process's rotation.
const KEY_RELOAD_PERIOD: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Store(#[from] tenantry_persistence::StoreError),
    #[error(transparent)]
    Keys(#[from] auth::keys::KeyError),
    #[error(transparent)]
    Bootstrap(#[from] bootstrap::BootstrapError),
    #[error("cannot set up mail delivery: {0}")]
    Mail(String),
    #[error("cannot listen on {address}: {source}")]
    Listen { address: String, source: std::io::Error },
    #[error("cannot set up the metrics: {0}")]
    Metrics(String),
    #[error("cannot prepare password hashing: {0}")]
    Hashing(String),
    #[error(
        "the database is behind this release: {} migration(s) not applied ({}); run `tenantry migrate` first, \
         or start with TENANTRY_AUTO_MIGRATE=true",
        .0.len(), .0.join(", ")
    )]
    SchemaBehind(Vec<String>),
}

/// A built application: database migrated, keys loaded, first operator ensured, socket bound.
pub struct Application {
    server: Server,
    port: u16,
    state: web::Data<AppState>,
    /// Present on the very first start only.
    pub first_operator: Option<NewOperator>,
    /// Whether this start found, made or imported the signing keys.
    pub keys_origin: KeysOrigin,
    workers: usize,
    outbox: mail_worker::Outbox,
    listener: shutdown::Listener,
    /// Migrations this start applied (empty when the schema was current).
    pub migrations_applied: Vec<String>,
}

impl Application {
    /// Builds the application. Must be called inside an actix system (`#[actix_web::main]`).
    pub fn build(config: Config, workers: usize) -> Result<Self, StartError> {
        let database = Database::from_url(&config.database_url)?;
        let migrations_applied = prepare_schema(&database, config.auto_migrate)?;
        let pool_size = match database {
            // SQLite serialises writers; more connections only add lock contention.
            Database::Sqlite(_) => config.db_pool_size.min(8),
            Database::Postgres(_) => config.db_pool_size,
        };
        let pool = database.open_pool(pool_size)?;
        let transport = mail_transport::MailTransport::new(config.smtp.as_ref(), config.mail_dir(), &config.mail_from)
            .map_err(StartError::Mail)?;
        let sender = mail_transport::Sender {
            from: config.mail_from.clone(),
            bounce_to: config.mail_bounce_address.clone(),
            message_domain: config.platform_domain.to_string(),
        };
        let outbox = mail_worker::Outbox { transport, sender, retry: config.mail_retry };
        let (keys, keys_origin) = {
            let mut conn = pool.get().map_err(tenantry_persistence::StoreError::from)?;
            KeyRing::open(&mut conn, &config.keys_dir(), config.token_ttl_seconds, clock::now())?
        };
        let context = {
            let mut conn = pool.get().map_err(tenantry_persistence::StoreError::from)?;
            Arc::new(Context::read(&mut conn, &config)?)
        };
        let first_operator = bootstrap::ensure_operator(&pool, &config, &context)?;
        let decoy_password_hash = auth::passwords::hash(&auth::passwords::temporary())
            .map_err(|e| StartError::Hashing(format!("cannot hash the decoy password: {e}")))?;
        let hasher =
            auth::hashing::PasswordHasher::start(auth::hashing::HashingLimits::with_threads(config.hashing_threads))
                .map_err(|e| StartError::Hashing(format!("cannot start the hashing threads: {e}")))?;
        let signup_hasher = auth::hashing::PasswordHasher::start(auth::hashing::HashingLimits::for_signups())
            .map_err(|e| StartError::Hashing(format!("cannot start the sign-up hashing thread: {e}")))?;
        let listener = TcpListener::bind(config.listen)
            .map_err(|source| StartError::Listen { address: config.listen.to_string(), source })?;
        let port = listener
            .local_addr()
            .map_err(|source| StartError::Listen { address: config.listen.to_string(), source })?
            .port();
        let kept_listener = shutdown::Listener::of(&listener)
            .map_err(|source| StartError::Listen { address: config.listen.to_string(), source })?;
        let state = web::Data::new(AppState {
            throttle: SignInThrottle::new(pool.clone()),
            pool,
            keys: Arc::new(keys),
            verified_tokens: VerifiedTokens::new(VERIFIED_TOKENS_KEPT),
            config,
            hasher,
            signup_hasher,
            signup_gate: tokio::sync::Semaphore::new(SIGNUPS_AT_ONCE),
            decoy_password_hash,
            context,
            shutdown: Arc::new(Shutdown::default()),
        });
        let metrics = Metrics::new().map_err(|e| StartError::Metrics(e.to_string()))?;
        let server = serve(state.clone(), web::Data::new(metrics), listener, workers)?;
        Ok(Self {
            server,
            port,
            state,
            first_operator,
            keys_origin,
            workers,
            outbox,
            listener: kept_listener,
            migrations_applied,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    pub fn workers(&self) -> usize {
        self.workers
    }

    /// Serves until the server is stopped through its handle (embedding, tests), delivering
    /// the outbox and running the jobs alongside.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run(None).await
    }

    /// Serves until SIGTERM or SIGINT, then drains and stops (see [`shutdown`]).
    pub async fn run_until_signalled(self, signals: shutdown::Signals) -> std::io::Result<()> {
        self.run(Some(signals)).await
    }

    async fn run(self, signals: Option<shutdown::Signals>) -> std::io::Result<()> {
        let config = &self.state.config;
        let shutdown = self.state.shutdown.clone();
        let poll = Duration::from_millis(config.outbox_poll_millis);
        let mut workers = Vec::new();
        workers.push(actix_web::rt::spawn(mail_worker::run(
            self.state.pool.clone(),
            self.outbox,
            poll,
            shutdown.clone(),
        )));
        let hooks = webhook_worker::Webhooks::new(
            self.state.context.clone(),
            config.webhook_retry,
            config.webhooks_allow_private,
        );
        workers.push(actix_web::rt::spawn(webhook_worker::run(self.state.pool.clone(), hooks, poll, shutdown.clone())));
        let job_poll = Duration::from_millis(config.job_poll_millis);
        workers.push(actix_web::rt::spawn(job_worker::run(
            self.state.pool.clone(),
            self.state.context.clone(),
            job_poll,
            shutdown.clone(),
        )));
        let keys = self.state.keys.clone();
        let pool = self.state.pool.clone();
        let reload_stop = shutdown.clone();
        workers.push(actix_web::rt::spawn(periodic::run_every(
            KEY_RELOAD_PERIOD,
            "signing keys",
            reload_stop,
            move || {
                let mut conn = pool.get().map_err(|e| e.to_string())?;
                keys.reload(&mut conn, clock::now()).map(|()| 0).map_err(|e| e.to_string())
            },
        )));
        if let Some(signals) = signals {
            let handle = self.server.handle();
            let drain = config.shutdown_drain;
            actix_web::rt::spawn(shutdown::on_signals(signals, shutdown.clone(), handle, self.listener, drain));
        } else {
            drop(self.listener);
        }
        let timeout = config.shutdown_timeout;
        let outcome = self.server.await;
        shutdown.stop_workers();
        // One deadline for all: they finish concurrently.
        let deadline = shutdown.workers_deadline(timeout);
        for worker in workers {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if actix_web::rt::time::timeout(left, worker).await.is_err() {
                log::warn!(
                    "a background worker did not finish its item within {} s; it is left to the next process \
                     (its claim runs out)",
                    timeout.as_secs()
                );
            }
        }
        outcome
    }
}

/// Brings the schema up to date, or with auto-migration off, refuses a database that is behind
/// (a newer release applied migrations this one does not know: it starts, with a warning).
fn prepare_schema(database: &Database, auto_migrate: bool) -> Result<Vec<String>, StartError> {
    let applied = if auto_migrate { database.migrate()? } else { Vec::new() };
    let status = database.migration_status()?;
    if !status.unknown.is_empty() {
        log::warn!(
            "the database has migrations this release does not know ({}): a newer release migrated it",
            status.unknown.join(", ")
        );
    }
    if status.is_current() {
        Ok(applied)
    } else {
        Err(StartError::SchemaBehind(status.pending))
    }
}

fn cors(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::HeaderName::from_static("idempotency-key"),
        ])
        .expose_headers([
            header::ETAG,
            header::LOCATION,
            header::RETRY_AFTER,
            header::HeaderName::from_static(request_id::HEADER),
            header::HeaderName::from_static("idempotent-replayed"),
        ])
        .max_age(3600);
    for origin in origins {
        cors = cors.allowed_origin(origin);
    }
    cors
}

fn serve(
    state: web::Data<AppState>,
    metrics: web::Data<Metrics>,
    listener: TcpListener,
    workers: usize,
) -> Result<Server, StartError> {
    let max_body = state.config.max_body_bytes;
    let origins = state.config.cors_origins.clone();
    // Database work runs on each worker's blocking threads, one connection each: more threads
    // than the pool has connections would only wait for one. Kept to the pool's share, database
    // work in flight stays what `TENANTRY_DB_POOL_SIZE` says; actix's default (hundreds) let
    // dozens of queries compete for two cores and put half-second pauses in the p99.
    let pool_size = usize::try_from(state.pool.max_size()).unwrap_or(1);
    let blocking_threads = pool_size.div_ceil(workers.max(1)).max(1);
    let shutdown_timeout = state.config.shutdown_timeout.as_secs();
    let shutdown = web::Data::from(state.shutdown.clone());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(shutdown.clone())
            .app_data(metrics.clone())
            .app_data(request_errors::json_config(max_body))
            .app_data(request_errors::query_config())
            .app_data(request_errors::path_config())
            .app_data(web::PayloadConfig::new(max_body))
            // Outside CORS, so that a preflight refused by CORS is problem+json like any error.
            .wrap(cors(&origins))
            .wrap(ErrorHandlers::new().default_handler(bare_errors::problem_for_bare_errors))
            .wrap(from_fn(request_errors::refuse_nul_in_url))
            .wrap(from_fn(security_headers::add))
            .wrap(from_fn(metrics::observe))
            .wrap(from_fn(shutdown::close_connections_while_draining))
            .wrap(from_fn(access_log::record))
            .wrap(from_fn(request_id::assign))
            .configure(routes::serve)
            .service(
                SwaggerUi::new("/swagger-ui/{_:.*}")
                    .url("/api-docs/openapi.json", openapi::document())
                    // No call to swagger.io's online validator: the console works offline and
                    // does not send our document's address to a third party.
                    .config(SwaggerConfig::default().validator_url("none").persist_authorization(true)),
            )
    })
    .workers(workers)
    .worker_max_blocking_threads(blocking_threads)
    .shutdown_timeout(shutdown_timeout)
    // Signals are ours: the first one drains before the server stops (see `shutdown`).
    .disable_signals()
    .listen(listener)
    .map_err(|source| StartError::Listen { address: "listener".to_owned(), source })?
    .run();
    Ok(server)
}
