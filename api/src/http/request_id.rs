//! Every request gets an id: the caller's `X-Request-Id` when it is sensible, a new UUID
//! otherwise. It is echoed in the response, written in the log line and in audit events.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest};

use crate::auth::permit::Permit;

pub const HEADER: &str = "x-request-id";

#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// The permit of an endpoint its route opens to anyone (signing up, signing in): `who` names
/// them in the audit log, with this request's id.
pub fn open_to_anyone(req: &HttpRequest, who: &str) -> Permit {
    let request_id = req.extensions().get::<RequestId>().map_or_else(String::new, |id| id.0.clone());
    Permit::open_to_anyone(who, request_id)
}

fn acceptable(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

pub async fn assign(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| acceptable(v))
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned);
    req.extensions_mut().insert(RequestId(id.clone()));
    let mut response = next.call(req).await?;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(HeaderName::from_static(HEADER), value);
    }
    Ok(response)
}
