//! Prometheus metrics at `/metrics`: a latency histogram and a request count per route pattern
//! (and status), database pool connections, the statements sent to the database, the outbox and
//! the jobs given up.
//!
//! Recording a request takes no lock shared with other requests: each worker thread keeps the
//! handles of the series it has used (the registry's own map is only read the first time), and
//! the histograms and counters behind them are atomics.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;
use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
    TextEncoder,
};

/// Latency buckets, in seconds: from half a millisecond (a cached read) to ten seconds (the
/// longest anything may take before the client gives up).
const LATENCY_BUCKETS: [f64; 14] =
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// Tells one `Metrics` from another in the per-thread handle caches (tests run several
/// applications in one process).
static NEXT_METRICS_ID: AtomicU64 = AtomicU64::new(0);

type SeriesKey = (u64, String, String, u16);

thread_local! {
    static HANDLES: RefCell<HashMap<SeriesKey, (Histogram, IntCounter)>> = RefCell::new(HashMap::new());
}

pub struct Metrics {
    id: u64,
    registry: Registry,
    requests: IntCounterVec,
    durations: HistogramVec,
    pool_connections: IntGaugeVec,
    db_statements: IntCounter,
    outbox_pending: IntGauge,
    outbox_failed: IntGauge,
    jobs_failed: IntGauge,
    password_hashes: IntCounterVec,
    /// Only `/metrics` takes it, so that two scrapes at once do not both add the same statements.
    rendering: Mutex<()>,
}

/// Work waiting or given up, read from the database when `/metrics` is asked; a figure that
/// could not be read is left out.
#[derive(Debug, Default)]
pub struct Backlog {
    pub outbox_pending: Option<i64>,
    pub outbox_failed: Option<i64>,
    pub jobs_failed: Option<i64>,
    /// Passwords hashed or checked so far by the sign-in hasher and by sign-ups' own.
    pub sign_in_hashes: u64,
    pub sign_up_hashes: u64,
}

impl Metrics {
    pub fn new() -> Result<Self, prometheus::Error> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new("tenantry_http_requests_total", "HTTP requests served, by route pattern and status."),
            &["method", "route", "status"],
        )?;
        let durations = HistogramVec::new(
            HistogramOpts::new("tenantry_http_request_duration_seconds", "Time to serve a request, by route pattern.")
                .buckets(LATENCY_BUCKETS.to_vec()),
            &["method", "route"],
        )?;
        let pool_connections =
            IntGaugeVec::new(Opts::new("tenantry_db_pool_connections", "Database connections, by state."), &["state"])?;
        let db_statements = IntCounter::new(
            "tenantry_db_queries_total",
            "Statements sent to the database by this process (each a round trip), transactions' BEGIN and COMMIT included.",
        )?;
        let outbox_pending =
            IntGauge::new("tenantry_outbox_pending", "Messages to people not yet delivered (-1: could not be read).")?;
        let outbox_failed = IntGauge::new(
            "tenantry_outbox_failed",
            "Messages refused for good or out of attempts, until an operator retries them (-1: could not be read).",
        )?;
        let jobs_failed = IntGauge::new(
            "tenantry_jobs_failed",
            "Background jobs given up after their last allowed attempt (-1: could not be read).",
        )?;
        let password_hashes = IntCounterVec::new(
            Opts::new(
                "tenantry_password_hashes_total",
                "Argon2 computations run, by hasher: `sign_in` (sign-ins and known people) or `sign_up` (its own budget).",
            ),
            &["hasher"],
        )?;
        registry.register(Box::new(password_hashes.clone()))?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(durations.clone()))?;
        registry.register(Box::new(pool_connections.clone()))?;
        registry.register(Box::new(db_statements.clone()))?;
        registry.register(Box::new(outbox_pending.clone()))?;
        registry.register(Box::new(outbox_failed.clone()))?;
        registry.register(Box::new(jobs_failed.clone()))?;
        Ok(Self {
            id: NEXT_METRICS_ID.fetch_add(1, Ordering::Relaxed),
            registry,
            requests,
            durations,
            pool_connections,
            db_statements,
            outbox_pending,
            outbox_failed,
            jobs_failed,
            password_hashes,
            rendering: Mutex::new(()),
        })
    }

    fn observe(&self, method: &str, route: String, status: u16, seconds: f64) {
        HANDLES.with(|handles| {
            let mut handles = handles.borrow_mut();
            let (histogram, count) = handles.entry((self.id, method.to_owned(), route, status)).or_insert_with_key(
                |(_, method, route, status)| {
                    let status = status.to_string();
                    (
                        self.durations.with_label_values(&[method.as_str(), route.as_str()]),
                        self.requests.with_label_values(&[method.as_str(), route.as_str(), status.as_str()]),
                    )
                },
            );
            histogram.observe(seconds);
            count.inc();
        });
    }

    /// The Prometheus text exposition, with the gauges read now.
    pub fn render(&self, pool_size: u32, pool_idle: u32, backlog: &Backlog) -> Result<String, prometheus::Error> {
        let _rendering = self.rendering.lock().unwrap_or_else(PoisonError::into_inner);
        self.pool_connections.with_label_values(&["idle"]).set(i64::from(pool_idle));
        self.pool_connections.with_label_values(&["open"]).set(i64::from(pool_size));
        let sent = tenantry_persistence::connection::statements_sent();
        self.db_statements.inc_by(sent.saturating_sub(self.db_statements.get()));
        for (hasher, computed) in [("sign_in", backlog.sign_in_hashes), ("sign_up", backlog.sign_up_hashes)] {
            let counter = self.password_hashes.with_label_values(&[hasher]);
            counter.inc_by(computed.saturating_sub(counter.get()));
        }
        let gauges = [
            (&self.outbox_pending, backlog.outbox_pending),
            (&self.outbox_failed, backlog.outbox_failed),
            (&self.jobs_failed, backlog.jobs_failed),
        ];
        for (gauge, value) in gauges {
            // A figure that could not be read shows as -1 rather than as a stale value.
            gauge.set(value.unwrap_or(-1));
        }
        let mut text = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut text)?;
        String::from_utf8(text).map_err(|e| prometheus::Error::Msg(e.to_string()))
    }
}

pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    // The pattern, not the path, so that ids do not make a series per resource.
    let route = req.match_pattern().unwrap_or_else(|| "unmatched".to_owned());
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let method = method_label(req.method());
    let response = next.call(req).await?;
    if let Some(metrics) = metrics {
        metrics.observe(method, route, response.status().as_u16(), started.elapsed().as_secs_f64());
    }
    Ok(response)
}

/// The method as a label: the standard ones by name, anything else (a client may send any token
/// as a method) as `other`, so that no client can make series without end.
fn method_label(method: &actix_web::http::Method) -> &'static str {
    use actix_web::http::Method;
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}
