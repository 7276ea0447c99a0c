//! Headers every answer carries so that browsers treat it safely: never sniffed as another
//! content type, never framed by another site (Swagger UI keeps a bearer token), and, for the
//! API's answers, never stored by a cache (they hold people's data and tokens).

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;

/// Public answers that a cache may keep as they say (the JSON Web Key Set sets its own
/// `Cache-Control`); everything else under `/v1` is personal or a secret.
fn may_be_stored(path: &str) -> bool {
    !path.starts_with("/v1/")
}

pub async fn add(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let storable = may_be_stored(req.path());
    let mut response = next.call(req).await?;
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("frame-ancestors 'none'"));
    }
    if !storable && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_answers_outside_the_api_may_be_stored() {
        assert!(may_be_stored("/.well-known/jwks.json"));
        assert!(may_be_stored("/swagger-ui/index.html"));
        assert!(!may_be_stored("/v1/me"));
        assert!(!may_be_stored("/v1/tenants/x/users"));
    }
}
