//! Error responses that no handler wrote (unknown routes, wrong methods, refusals from actix or
//! CORS) get the same problem+json body as every other error.

use actix_web::body::BoxBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::HttpResponse;

use crate::http::problem::{problem_body, ApiError, ErrorCode, PROBLEM_JSON};

/// Catches every error response that did not come from an [`ApiError`] (unknown routes, wrong
/// methods, errors from actix itself) and gives it a problem+json body, so clients see one
/// error format everywhere.
pub fn problem_for_bare_errors<B>(response: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_problem = response
        .response()
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if is_problem {
        return Ok(ErrorHandlerResponse::Response(response.map_into_left_body()));
    }
    let status = response.status();
    let refused_origin = status == StatusCode::BAD_REQUEST && response.request().headers().contains_key(header::ORIGIN);
    let (code, detail) = if refused_origin {
        // The only bare 400 a request with `Origin` gets is CORS refusing that origin.
        (
            ErrorCode::InvalidHeader,
            "this Origin may not call the API from a browser; see TENANTRY_CORS_ORIGINS".to_owned(),
        )
    } else {
        let code = ErrorCode::for_status(status);
        let detail = match code {
            ErrorCode::NotFound => "no such resource; see /swagger-ui/ for the routes".to_owned(),
            ErrorCode::MethodNotAllowed => "this route does not accept that method".to_owned(),
            _ => status.canonical_reason().unwrap_or("error").to_lowercase(),
        };
        (code, detail)
    };
    let body = problem_body(code, &detail, Vec::new(), None);
    let (request, mut original) = response.into_parts();
    let json = match serde_json::to_string(&body) {
        Ok(json) => json,
        Err(error) => return Err(ApiError::internal(format!("cannot render a problem: {error}")).into()),
    };
    let mut replacement = HttpResponse::build(status);
    for (name, value) in original.headers_mut().drain() {
        if let Some(name) = name {
            if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
                replacement.append_header((name, value));
            }
        }
    }
    let replacement = replacement
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)))
        .body(BoxBody::new(json));
    Ok(ErrorHandlerResponse::Response(ServiceResponse::new(request, replacement).map_into_right_body()))
}
