//! What actix's extractors reject (malformed JSON, unknown fields, wrong content type, oversized
//! bodies, bad path or query values), described as problem+json with the field at fault.

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError, UrlencodedError};
use actix_web::{web, HttpRequest};

use crate::http::problem::{ApiError, ErrorCode, FieldError};

pub fn json_config(max_body_bytes: usize) -> web::JsonConfig {
    web::JsonConfig::default().limit(max_body_bytes).error_handler(|error, _req: &HttpRequest| json_error(error).into())
}

pub fn form_config(max_body_bytes: usize) -> web::FormConfig {
    web::FormConfig::default().limit(max_body_bytes).error_handler(|error, _req: &HttpRequest| form_error(error).into())
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|error, _req: &HttpRequest| query_error(error).into())
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|error, _req: &HttpRequest| path_error(error).into())
}

fn json_error(error: JsonPayloadError) -> ApiError {
    match error {
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
            ApiError::new(ErrorCode::PayloadTooLarge, "the request body is larger than this API accepts")
        }
        JsonPayloadError::ContentType => {
            ApiError::new(ErrorCode::UnsupportedMediaType, "send the body as application/json")
        }
        JsonPayloadError::Deserialize(e) if e.is_data() => ApiError::invalid_body(vec![field_error_from_serde(&e)]),
        JsonPayloadError::Deserialize(e) => {
            ApiError::new(ErrorCode::MalformedBody, format!("the body is not valid JSON: {e}"))
        }
        other => ApiError::new(ErrorCode::MalformedBody, format!("the body could not be read: {other}")),
    }
}

fn form_error(error: UrlencodedError) -> ApiError {
    match error {
        UrlencodedError::Overflow { .. } | UrlencodedError::UnknownLength => {
            ApiError::new(ErrorCode::PayloadTooLarge, "the request body is larger than this API accepts")
        }
        UrlencodedError::ContentType => ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "send the body as application/x-www-form-urlencoded or application/json",
        ),
        UrlencodedError::Parse(e) => ApiError::new(ErrorCode::MalformedBody, format!("the form is not valid: {e}")),
        other => ApiError::new(ErrorCode::MalformedBody, format!("the form could not be read: {other}")),
    }
}

fn query_error(error: QueryPayloadError) -> ApiError {
    let QueryPayloadError::Deserialize(e) = error else {
        return ApiError::new(ErrorCode::InvalidQuery, "the query string is not valid");
    };
    ApiError::new(ErrorCode::InvalidQuery, format!("the query string is not valid: {e}"))
}

fn path_error(error: PathError) -> ApiError {
    let PathError::Deserialize(e) = error else {
        return ApiError::new(ErrorCode::InvalidPath, "the path is not valid");
    };
    ApiError::new(ErrorCode::InvalidPath, format!("a path segment is not valid: {e}"))
}

/// serde_json says where it failed ("unknown field `x`, expected one of ... at line 1 column
/// 12"); keep the message and name the field when serde names it.
fn field_error_from_serde(error: &serde_json::Error) -> FieldError {
    let message = error.to_string();
    let text = message.split(" at line ").next().unwrap_or(&message).to_owned();
    let field = text
        .split('`')
        .nth(1)
        .filter(|_| text.starts_with("unknown field") || text.starts_with("missing field"))
        .unwrap_or("body")
        .to_owned();
    FieldError::new(field, text)
}

/// Refuses a URL carrying an encoded NUL (`%00`) before any handler sees it: no identifier,
/// search or filter of this API contains one, and PostgreSQL cannot store one.
pub async fn refuse_nul_in_url(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<
    actix_web::dev::ServiceResponse<actix_web::body::EitherBody<impl actix_web::body::MessageBody>>,
    actix_web::Error,
> {
    let uri = req.uri().to_string();
    let has_nul = uri.as_bytes().windows(3).any(|w| w[0] == b'%' && w[1] == b'0' && w[2] == b'0');
    if has_nul {
        // Schema-valid text (no documented pattern excludes it), so a rule violation: 422.
        let error = ApiError::invalid_field("url", "the URL must not contain NUL characters (%00)");
        let response = actix_web::ResponseError::error_response(&error);
        return Ok(req.into_response(response).map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
}
