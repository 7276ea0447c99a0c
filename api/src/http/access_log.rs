//! What the access log says of a request, with secrets in paths masked.
//!
//! A delegated-admin offer's token is the secret part of its URL, and a customer accepts it with
//! `/v1/tenants/{tid}/admin-offers/{token}/accept`: logs are read by more people than may accept
//! offers, so the token is written as `***`.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::HttpMessage;

use crate::http::request_id::RequestId;

/// Who made the request, noted by authentication for the access record.
#[derive(Debug, Clone)]
pub struct LoggedCaller {
    pub caller_id: String,
    pub tenant_id: Option<String>,
}

/// Writes one access record per request (target `tenantry::http`), after the response: request
/// id, method, route pattern, masked path (no query string: searches name people), status,
/// latency, and the tenant (the path's, else the caller's) and caller ids where known. No
/// header is written, so no `Authorization`.
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    // Filtered out (`RUST_LOG=warn`, as under the benchmark): nothing is gathered for it.
    if !log::log_enabled!(target: "tenantry::http", log::Level::Info) {
        return next.call(req).await;
    }
    let started = Instant::now();
    let method = req.method().to_string();
    let path = masked_path(req.path());
    let route = req.match_pattern().unwrap_or_else(|| "unmatched".to_owned());
    let peer = req.peer_addr().map(|a| a.ip().to_string()).unwrap_or_default();
    let request_id = req.extensions().get::<RequestId>().map(|id| id.0.clone()).unwrap_or_default();
    let outcome = next.call(req).await;
    let status = match &outcome {
        Ok(response) => response.status().as_u16(),
        Err(error) => error.as_response_error().status_code().as_u16(),
    };
    let caller =
        outcome.as_ref().ok().and_then(|response| response.request().extensions().get::<LoggedCaller>().cloned());
    let tenant_in_path =
        outcome.as_ref().ok().and_then(|response| response.request().match_info().get("tid").map(str::to_owned));
    let tenant_id = tenant_in_path.or_else(|| caller.as_ref().and_then(|c| c.tenant_id.clone())).unwrap_or_default();
    let caller_id = caller.map(|c| c.caller_id).unwrap_or_default();
    let latency_ms = (started.elapsed().as_secs_f64() * 10_000.0).round() / 10.0;
    log::info!(
        target: "tenantry::http",
        request_id = request_id.as_str(), method = method.as_str(), route = route.as_str(), path = path.as_str(),
        status = status, latency_ms = latency_ms, peer = peer.as_str(), tenant_id = tenant_id.as_str(),
        caller_id = caller_id.as_str();
        "{method} {path} {status} {latency_ms}ms"
    );
    outcome
}

fn masked_path(path: &str) -> String {
    let segments: Vec<&str> = path.split('/').collect();
    let is_customer_offer = |i: usize| i >= 3 && segments.get(1) == Some(&"v1") && segments.get(2) == Some(&"tenants");
    // The link sent to customers (`{public url}/delegated-admin-offers/{token}`), should it reach us.
    let is_offer_link = |i: usize| i == 2 && segments.get(1) == Some(&"delegated-admin-offers");
    segments
        .iter()
        .enumerate()
        .map(|(i, segment)| {
            let after_offers = i > 0 && segments[i - 1] == "admin-offers";
            if (after_offers && is_customer_offer(i) || is_offer_link(i)) && !segment.is_empty() {
                "***"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::masked_path;

    #[test]
    fn offer_tokens_are_masked_and_nothing_else() {
        assert_eq!(masked_path("/v1/tenants/t1/admin-offers/s3cr3t/accept"), "/v1/tenants/t1/admin-offers/***/accept");
        assert_eq!(masked_path("/v1/tenants/t1/admin-offers/s3cr3t"), "/v1/tenants/t1/admin-offers/***");
        assert_eq!(masked_path("/v1/partners/p1/admin-offers/o1"), "/v1/partners/p1/admin-offers/o1");
        assert_eq!(masked_path("/v1/tenants/t1/users"), "/v1/tenants/t1/users");
        assert_eq!(masked_path("/healthz"), "/healthz");
        assert_eq!(masked_path("/delegated-admin-offers/s3cr3t"), "/delegated-admin-offers/***");
    }
}
