//! HTTP plumbing shared by every route: the caller, problem+json errors and their codes, ETags, paging, validation, idempotency, request ids, logs and headers.

pub mod access_log;
pub mod bare_errors;
pub mod caller;
pub mod client_address;
pub mod error_code;
pub mod etag;
pub mod idempotency;
pub mod pagination;
pub mod problem;
pub mod request_errors;
pub mod request_id;
pub mod security_headers;
pub mod validation;
