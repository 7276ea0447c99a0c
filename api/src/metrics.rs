//! Prometheus metrics: request counts and durations per route and status, database pool
//! usage and the outbox backlog, rendered as text at `/metrics`.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;

#[derive(Default)]
struct RouteStats {
    count: u64,
    seconds: f64,
}

#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), RouteStats>>,
}

impl Metrics {
    fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        if let Ok(mut requests) = self.requests.lock() {
            let stats = requests.entry((method.to_owned(), route.to_owned(), status)).or_default();
            stats.count += 1;
            stats.seconds += seconds;
        }
    }

    /// The Prometheus text exposition of everything observed so far, plus live gauges.
    pub fn render(&self, pool_size: u32, pool_idle: u32, backlog: &Backlog) -> String {
        let mut out = String::new();
        out.push_str("# HELP tenantry_http_requests_total HTTP requests served, by route pattern and status.\n");
        out.push_str("# TYPE tenantry_http_requests_total counter\n");
        // A poisoned lock means a thread panicked while counting; the counts are still the best
        // there are, so render them rather than nothing.
        let requests = match self.requests.lock() {
            Ok(requests) => snapshot(&requests),
            Err(poisoned) => snapshot(&poisoned.into_inner()),
        };
        for ((method, route, status), count, _) in &requests {
            let _ = writeln!(
                out,
                "tenantry_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {count}"
            );
        }
        out.push_str("# HELP tenantry_http_request_duration_seconds_sum Time spent serving requests.\n");
        out.push_str("# TYPE tenantry_http_request_duration_seconds_sum counter\n");
        for ((method, route, status), _, seconds) in &requests {
            let _ = writeln!(out, "tenantry_http_request_duration_seconds_sum{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {seconds:.6}");
        }
        out.push_str("# HELP tenantry_db_pool_connections Database connections, by state.\n");
        out.push_str("# TYPE tenantry_db_pool_connections gauge\n");
        let _ = writeln!(out, "tenantry_db_pool_connections{{state=\"idle\"}} {pool_idle}");
        let _ = writeln!(out, "tenantry_db_pool_connections{{state=\"open\"}} {pool_size}");
        if let Some(pending) = backlog.outbox_pending {
            out.push_str("# HELP tenantry_outbox_pending Messages to people not yet delivered.\n");
            out.push_str("# TYPE tenantry_outbox_pending gauge\n");
            let _ = writeln!(out, "tenantry_outbox_pending {pending}");
        }
        if let Some(failed) = backlog.outbox_failed {
            out.push_str("# HELP tenantry_outbox_failed Messages refused for good or out of attempts, until an operator retries them.\n");
            out.push_str("# TYPE tenantry_outbox_failed gauge\n");
            let _ = writeln!(out, "tenantry_outbox_failed {failed}");
        }
        if let Some(failed) = backlog.jobs_failed {
            out.push_str("# HELP tenantry_jobs_failed Background jobs given up after their last allowed attempt.\n");
            out.push_str("# TYPE tenantry_jobs_failed gauge\n");
            let _ = writeln!(out, "tenantry_jobs_failed {failed}");
        }
        out
    }
}

fn snapshot(requests: &BTreeMap<(String, String, u16), RouteStats>) -> Vec<((String, String, u16), u64, f64)> {
    requests.iter().map(|(key, stats)| (key.clone(), stats.count, stats.seconds)).collect()
}

pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().to_string();
    // The pattern, not the path, so that ids do not make a series per resource.
    let route = req.match_pattern().unwrap_or_else(|| "unmatched".to_owned());
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let response = next.call(req).await?;
    if let Some(metrics) = metrics {
        metrics.observe(&method, &route, response.status().as_u16(), started.elapsed().as_secs_f64());
    }
    Ok(response)
}

/// Work waiting or given up, read from the database when `/metrics` is asked; a figure that
/// could not be read is left out.
#[derive(Debug, Default)]
pub struct Backlog {
    pub outbox_pending: Option<i64>,
    pub outbox_failed: Option<i64>,
    pub jobs_failed: Option<i64>,
}
