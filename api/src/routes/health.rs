//! Liveness, readiness and metrics, for orchestrators and monitoring.

use actix_web::{web, HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use super::table::RouteTable;
use crate::app::state::AppState;
use crate::auth::permit::Permit;
use crate::http::problem::{ApiError, ErrorCode};
use crate::runtime::metrics::{Backlog, Metrics};
use crate::services::operations;

pub fn configure(table: &mut RouteTable) {
    table.add(__path_healthz, healthz).add(__path_readyz, readyz).add(__path_metrics, metrics);
}

/// The process or its dependencies are fine.
#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok`
    #[schema(example = "ok")]
    pub status: String,
}

/// Readiness, with the database backend that was checked.
#[derive(Serialize, ToSchema)]
pub struct Readiness {
    /// `ok`
    #[schema(example = "ok")]
    pub status: String,
    /// `sqlite` or `postgres`.
    #[schema(example = "sqlite")]
    pub database: String,
}

/// Whether the process is up. Does not touch the database.
///
/// For liveness probes: answers 200 as long as the process serves HTTP.
#[utoipa::path(get, path = "/healthz", tag = "operations", operation_id = "healthz",
    responses((status = 200, description = "The process is up", body = Health)))]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok".to_owned() })
}

/// Whether the service can serve requests: the database answers a query.
///
/// For readiness probes: 503 while the database does not answer, and from the moment the process is asked to stop (SIGTERM) while it drains, so a load balancer stops sending traffic before it closes.
#[utoipa::path(get, path = "/readyz", tag = "operations", operation_id = "readyz",
    responses(
        (status = 200, description = "The database answers", body = Readiness),
        (status = 503, description = "The database does not answer, or the process is shutting down", body = crate::http::problem::Problem, content_type = "application/problem+json"),
    ))]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    if state.shutdown.is_draining() {
        return Err(ApiError::new(ErrorCode::ServiceUnavailable, "the service is shutting down"));
    }
    // Open to anyone: orchestrators probe it without a token.
    let permit = Permit::open_to_anyone("Readiness probe", "readyz".to_owned());
    let backend = operations::database_answers(&state, &permit).await.map_err(|e| {
        if e.is_busy() {
            // Saturated, not down: say when to come back.
            return ApiError::busy();
        }
        log::warn!("readiness check failed: {e}");
        ApiError::new(ErrorCode::ServiceUnavailable, "the database does not answer")
    })?;
    Ok(HttpResponse::Ok().json(Readiness { status: "ok".to_owned(), database: backend.to_owned() }))
}

/// Prometheus metrics in the text exposition format.
///
/// Request counts and durations per route pattern and status, database pool connections, the outbox backlog and the background jobs given up.
#[utoipa::path(get, path = "/metrics", tag = "operations", operation_id = "metrics",
    responses((status = 200, description = "Metrics", body = String, content_type = "text/plain; version=0.0.4",
        example = "tenantry_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1\n")))]
pub async fn metrics(state: web::Data<AppState>, metrics: web::Data<Metrics>) -> HttpResponse {
    let pool_state = state.pool.state();
    // Open to anyone who reaches it (deployments keep /metrics on a private network).
    let permit = Permit::open_to_anyone("Metrics scrape", "metrics".to_owned());
    // Metrics are read while the database may be down: the backlog gauge is then left out.
    let pending = match operations::outbox_backlog(&state, &permit).await {
        Ok(pending) => Some(pending),
        Err(error) => {
            log::warn!("the outbox backlog could not be read for /metrics: {error}");
            None
        }
    };
    let backlog = Backlog {
        outbox_pending: pending,
        outbox_failed: operations::failed_messages(&state, &permit).await.ok(),
        jobs_failed: operations::failed_jobs(&state, &permit).await.ok(),
        sign_in_hashes: state.hasher.computed(),
        sign_up_hashes: state.signup_hasher.computed(),
    };
    match metrics.render(pool_state.connections, pool_state.idle_connections, &backlog) {
        Ok(body) => HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(body),
        Err(error) => ApiError::internal(format!("the metrics could not be rendered: {error}")).error_response(),
    }
}
