//! The one mapping from errors to HTTP: RFC 9457 `application/problem+json` bodies with a
//! stable machine `code`.
//!
//! Handlers and services return [`ApiError`]. Build one from an [`ErrorCode`] (each code has one
//! status), or with the helpers (`not_found`, `forbidden`, `invalid`, ...). Anything unexpected
//! goes through [`ApiError::internal`]: the cause is logged with the request, the client gets
//! an opaque 500 with no internal text.

use crate::auth::hashing::HashingError;
use crate::auth::keys::KeyError;
use crate::auth::throttle::Throttled;
use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

pub use crate::http::error_code::ErrorCode;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// One invalid field of a request.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct FieldError {
    /// The field, as a JSON path from the body root (`cloud_manager.contact_email`).
    #[schema(example = "contact_email")]
    pub field: String,
    /// What is wrong with it, in words a person can act on.
    #[schema(example = "an email address looks like `name@example.com`")]
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl std::fmt::Display) -> Self {
        Self { field: field.into(), message: message.to_string() }
    }
}

/// An RFC 9457 problem: what went wrong, for people (`title`, `detail`) and for code (`code`).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:tenantry:problem:validation_failed",
    "title": "Unprocessable Entity",
    "status": 422,
    "detail": "the request has invalid fields",
    "code": "validation_failed",
    "errors": [{"field": "contact_email", "message": "an email address looks like `name@example.com`"}]
}))]
pub struct Problem {
    /// A URI naming the kind of problem: `urn:tenantry:problem:<code>`.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// The HTTP status text.
    pub title: String,
    /// The HTTP status code.
    #[schema(minimum = 400, maximum = 599)]
    pub status: u16,
    /// What happened in this case, for a person.
    pub detail: String,
    /// The stable machine code.
    pub code: ErrorCode,
    /// The invalid fields, for validation errors.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Facts specific to the error, such as the people who still hold a license.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub context: Option<serde_json::Value>,
    /// On the token endpoint only: the RFC 6749 section 5.2 error code (`invalid_request`,
    /// `invalid_client`, `invalid_grant`, `unsupported_grant_type`, ...), for OAuth client libraries.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "invalid_client")]
    pub error: Option<String>,
    /// On the token endpoint only: `detail`, under the name RFC 6749 gives it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
}

/// The error every handler and service returns.
#[derive(Debug)]
pub struct ApiError {
    code: ErrorCode,
    detail: String,
    errors: Vec<FieldError>,
    context: Option<serde_json::Value>,
    retry_after_seconds: Option<u64>,
    /// Set on the token endpoint: add RFC 6749's members, and challenge with Basic on a 401.
    token_endpoint: Option<TokenEndpoint>,
}

#[derive(Debug, Clone, Copy)]
struct TokenEndpoint;

impl ApiError {
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self {
            code,
            detail: detail.into(),
            errors: Vec::new(),
            context: None,
            retry_after_seconds: None,
            token_endpoint: None,
        }
    }

    /// Values that match the documented schema but break a rule (an email address that is not
    /// one, a weak password): 422 with every field at fault.
    pub fn invalid(errors: Vec<FieldError>) -> Self {
        Self { errors, ..Self::new(ErrorCode::ValidationFailed, "the request has invalid fields") }
    }

    /// A body that does not match the documented schema (unknown or missing field, wrong type):
    /// 400 with the field at fault.
    pub fn invalid_body(errors: Vec<FieldError>) -> Self {
        Self { errors, ..Self::new(ErrorCode::InvalidBody, "the body does not match the documented schema") }
    }

    pub fn invalid_field(field: &str, message: impl std::fmt::Display) -> Self {
        Self::invalid(vec![FieldError::new(field, message)])
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorCode::NotFound, format!("{what} not found"))
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, detail)
    }

    pub fn unauthenticated(detail: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidToken, detail)
    }

    pub fn precondition_failed() -> Self {
        Self::new(
            ErrorCode::PreconditionFailed,
            "the resource changed since you read it (If-Match does not match its ETag); read it again",
        )
    }

    pub fn too_many_sign_in_attempts(retry_after_seconds: u64) -> Self {
        Self {
            retry_after_seconds: Some(retry_after_seconds.max(1)),
            ..Self::new(ErrorCode::TooManySignInAttempts, "too many failed sign-ins; try again later")
        }
    }

    /// Something that should not happen: logged with its cause, opaque to the client.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        log::error!("internal error: {cause}");
        Self::new(ErrorCode::InternalError, "an unexpected error occurred; it has been logged")
    }

    /// An error that should not happen: logged with its whole chain of causes, opaque to the
    /// client.
    pub fn internal_error(error: &(dyn std::error::Error + 'static)) -> Self {
        Self::internal(causes(error))
    }

    /// The database is saturated (no connection free in time, or SQLite's lock not released in
    /// time): 503, to retry in a moment.
    pub fn busy() -> Self {
        log::warn!("database busy: answering 503");
        Self {
            retry_after_seconds: Some(1),
            ..Self::new(ErrorCode::ServiceUnavailable, "the service is busy; retry in a moment")
        }
    }

    /// DNS did not answer a lookup the request needs: 503, to retry later.
    pub fn dns_unavailable(detail: String) -> Self {
        Self { retry_after_seconds: Some(30), ..Self::new(ErrorCode::DnsUnavailable, detail) }
    }

    /// Too many sign-ups for an address or its domain: 429 with the wait.
    /// An owner's cap is reached: 409 naming it and its limit.
    pub fn limit_reached(reached: tenantry_domain::limits::CapReached) -> Self {
        Self::new(ErrorCode::LimitReached, reached.to_string())
            .with_context(serde_json::json!({"limit": reached.cap.as_str(), "max": reached.cap.limit()}))
    }

    /// An owner's rate is reached for now: 429 naming it, with `Retry-After`.
    pub fn rate_limited(reached: tenantry_domain::limits::RateReached) -> Self {
        let wait = u64::try_from(reached.retry_after.num_seconds()).unwrap_or(1).max(1);
        Self {
            retry_after_seconds: Some(wait),
            ..Self::new(ErrorCode::RateLimited, reached.to_string())
                .with_context(serde_json::json!({"limit": reached.rate.as_str(), "max": reached.rate.limit()}))
        }
    }

    pub fn too_many_signups(detail: String, retry_after_seconds: u64) -> Self {
        Self { retry_after_seconds: Some(retry_after_seconds.max(1)), ..Self::new(ErrorCode::TooManySignups, detail) }
    }

    /// Every password hashing thread is busy and the short queue before them is full: 503, to
    /// retry in a moment. Refusing at once keeps a flood of sign-ins from piling up work.
    pub fn hashing_busy() -> Self {
        log::warn!("password hashing busy: answering 503");
        Self {
            retry_after_seconds: Some(1),
            ..Self::new(ErrorCode::ServiceUnavailable, "the service is busy; retry in a moment")
        }
    }

    /// Every sign-up place of the process stayed taken: 503, to retry in a moment. Not logged:
    /// a flood would fill the log.
    pub fn signups_busy() -> Self {
        Self {
            retry_after_seconds: Some(1),
            ..Self::new(ErrorCode::ServiceUnavailable, "sign-ups are busy; retry in a moment")
        }
    }

    /// A request lost a race with another one and changed nothing: 409, to retry.
    pub fn concurrent_update() -> Self {
        Self::new(ErrorCode::ConcurrentUpdate, "another change to the same data happened at the same time; try again")
    }

    pub fn with_context(mut self, context: serde_json::Value) -> Self {
        self.context = Some(context);
        self
    }

    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The same error as the token endpoint gives it (RFC 6749 section 5.2): with an `error`
    /// member OAuth client libraries read, and a Basic challenge on a 401 (`invalid_client`).
    pub fn for_token_endpoint(mut self) -> Self {
        self.token_endpoint = Some(TokenEndpoint);
        self
    }

    /// The RFC 6749 section 5.2 error code for this error.
    fn oauth_error(&self) -> &'static str {
        match self.code {
            ErrorCode::InvalidClient => "invalid_client",
            ErrorCode::InvalidGrant | ErrorCode::TemporaryPasswordExpired => "invalid_grant",
            ErrorCode::UnsupportedGrantType => "unsupported_grant_type",
            ErrorCode::TooManySignInAttempts | ErrorCode::ServiceUnavailable => "temporarily_unavailable",
            ErrorCode::InternalError => "server_error",
            _ => "invalid_request",
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.detail)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.code.status()
    }

    fn error_response(&self) -> HttpResponse {
        let mut problem = problem_body(self.code, &self.detail, self.errors.clone(), self.context.clone());
        if self.token_endpoint.is_some() {
            problem.error = Some(self.oauth_error().to_owned());
            problem.error_description = Some(self.detail.clone());
        }
        let mut response = HttpResponse::build(self.status_code());
        response.content_type(PROBLEM_JSON);
        if let Some(seconds) = self.retry_after_seconds {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        if self.status_code() == StatusCode::UNAUTHORIZED {
            // On the token endpoint a 401 is about the client's credentials, whichever way they came.
            let challenge = match self.token_endpoint {
                Some(_) => "Basic realm=\"tenantry\"",
                None => "Bearer realm=\"tenantry\"",
            };
            response.insert_header((header::WWW_AUTHENTICATE, challenge));
        }
        response.json(problem)
    }
}

/// An error and the errors that caused it, outermost first: `a: caused by b: caused by c`. A
/// cause whose words the message repeats already (`query failed: {0}`) is not said twice.
pub fn causes(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let words = cause.to_string();
        if !text.contains(&words) {
            text.push_str(": caused by ");
            text.push_str(&words);
        }
        source = cause.source();
    }
    text
}

pub(crate) fn problem_body(
    code: ErrorCode,
    detail: &str,
    errors: Vec<FieldError>,
    context: Option<serde_json::Value>,
) -> Problem {
    let status = code.status();
    Problem {
        problem_type: format!("urn:tenantry:problem:{}", code.as_str()),
        title: status.canonical_reason().unwrap_or("Error").to_owned(),
        status: status.as_u16(),
        detail: detail.to_owned(),
        code,
        errors,
        context,
        error: None,
        error_description: None,
    }
}

impl From<tenantry_persistence::StoreError> for ApiError {
    /// `persistence` has classified the failure: a race a request lost is a conflict to retry, a
    /// saturated database is 503 with `Retry-After`, text the database refuses came from the
    /// request, and anything else is internal.
    fn from(error: tenantry_persistence::StoreError) -> Self {
        use tenantry_persistence::StoreError;
        match error {
            StoreError::InvalidText => {
                ApiError::invalid_field("body", "text in the request must not contain NUL characters")
            }
            error if error.is_lost_race() => ApiError::concurrent_update(),
            StoreError::ConnectionLost(cause) => {
                log::warn!("the database connection was lost under a request ({cause}): answering 503");
                ApiError {
                    retry_after_seconds: Some(1),
                    ..ApiError::new(ErrorCode::ServiceUnavailable, "the database was briefly away; retry in a moment")
                }
            }
            StoreError::StorageFull(cause) => {
                log::error!("the database's storage is full ({cause}): writes are refused until space is freed");
                ApiError::new(
                    ErrorCode::InsufficientStorage,
                    "the service cannot store anything at the moment: nothing was changed; try again later",
                )
            }
            error if error.is_busy() => ApiError::busy(),
            error => ApiError::internal_error(&error),
        }
    }
}

// Failures of proving who calls, as the caller hears them.

impl From<HashingError> for ApiError {
    fn from(error: HashingError) -> Self {
        match error {
            HashingError::Busy => ApiError::hashing_busy(),
            other => ApiError::internal(format!("password hashing: {other}")),
        }
    }
}

impl From<KeyError> for ApiError {
    fn from(error: KeyError) -> Self {
        match error {
            KeyError::Store(error) => error.into(),
            error => ApiError::internal_error(&error),
        }
    }
}

impl From<Throttled> for ApiError {
    fn from(throttled: Throttled) -> Self {
        ApiError::too_many_sign_in_attempts(throttled.retry_after_seconds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("the order could not be recorded")]
    struct Outer(#[source] Middle);

    #[derive(Debug, thiserror::Error)]
    #[error("the database refused it")]
    struct Middle(#[source] std::io::Error);

    #[test]
    fn an_internal_error_is_logged_with_every_cause() {
        let error = Outer(Middle(std::io::Error::other("disk full")));
        assert_eq!(
            causes(&error),
            "the order could not be recorded: caused by the database refused it: caused by disk full"
        );
        assert_eq!(ApiError::internal_error(&error).code(), ErrorCode::InternalError);
        #[derive(Debug, thiserror::Error)]
        #[error("database query failed: {0}")]
        struct Repeating(#[source] std::io::Error);
        assert_eq!(causes(&Repeating(std::io::Error::other("timeout"))), "database query failed: timeout");
    }
}
