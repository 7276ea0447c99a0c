//! ETags and `If-Match`: a client that read version N may change the resource only while it
//! is still at version N; otherwise 412 and it reads again.

use actix_web::http::header::{HeaderMap, ETAG, IF_MATCH};
use actix_web::{HttpResponse, HttpResponseBuilder};
use serde::Serialize;

use tenantry_persistence::version_guard::VersionGuard;

use crate::http::problem::{ApiError, ErrorCode};
use crate::views::Versioned;

/// The resource changed since the client read it: its `If-Match` no longer matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the resource changed since you read it (If-Match does not match its ETag); read it again")]
pub struct PreconditionFailed;

impl From<PreconditionFailed> for ApiError {
    fn from(_: PreconditionFailed) -> Self {
        ApiError::precondition_failed()
    }
}

pub fn etag(version: i64) -> String {
    format!("\"v{version}\"")
}

/// A versioned view as the body, its version as the `ETag`.
pub fn with_etag<T: Serialize>(mut response: HttpResponseBuilder, versioned: &Versioned<T>) -> HttpResponse {
    response.insert_header((ETAG, etag(versioned.version))).json(&versioned.view)
}

/// The `If-Match` header, as documented.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
pub struct IfMatchHeader {
    /// The ETag you read (or `*`); the change is refused with 412 if the resource changed since.
    #[param(rename = "If-Match", min_length = 1, max_length = 1000, pattern = "[^\\s,/W]", example = "\"v3\"")]
    pub if_match: Option<String>,
}

impl actix_web::FromRequest for IfMatch {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &actix_web::HttpRequest, _payload: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(IfMatch::from_headers(req.headers()))
    }
}

/// The precondition a request carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IfMatch {
    /// No `If-Match`: the change applies to whatever is current.
    Any,
    /// The client's ETags; the change applies only if one equals the current one.
    Tags(Vec<String>),
}

impl IfMatch {
    pub fn from_headers(headers: &HeaderMap) -> Result<Self, ApiError> {
        let Some(value) = headers.get(IF_MATCH) else {
            return Ok(IfMatch::Any);
        };
        let value =
            value.to_str().map_err(|_| ApiError::new(ErrorCode::InvalidHeader, "If-Match is not readable text"))?;
        if value.chars().count() > 1000 {
            return Err(ApiError::new(ErrorCode::InvalidHeader, "If-Match has at most 1000 characters"));
        }
        if value.trim() == "*" {
            return Ok(IfMatch::Any);
        }
        let tags: Vec<String> =
            value.split(',').map(|t| t.trim().trim_start_matches("W/").to_owned()).filter(|t| !t.is_empty()).collect();
        if tags.is_empty() || !names_a_tag(value) {
            return Err(ApiError::new(ErrorCode::InvalidHeader, "If-Match is empty: send the ETag you read, or *"));
        }
        Ok(IfMatch::Tags(tags))
    }

    /// The versions a conditional update may apply to, once `check` passed on `current`: with an
    /// `If-Match`, exactly the one read, so a change committed in between makes it not apply.
    pub fn guard(&self, current: i64) -> VersionGuard {
        match self {
            IfMatch::Any => VersionGuard::ANY,
            IfMatch::Tags(_) => VersionGuard::exactly(current),
        }
    }

    /// 412 unless the resource at `version` satisfies the precondition.
    pub fn check(&self, version: i64) -> Result<(), PreconditionFailed> {
        match self {
            IfMatch::Any => Ok(()),
            IfMatch::Tags(tags) if tags.contains(&etag(version)) => Ok(()),
            IfMatch::Tags(_) => Err(PreconditionFailed),
        }
    }
}

/// A list answered with an ETag made from its content, and 304 Not Modified when the client's
/// `If-None-Match` already names it: a periodic sync (every 15 or 30 minutes in the partner
/// app) costs one small response when nothing changed.
pub fn json_unless_unchanged<T: Serialize>(request_headers: &HeaderMap, body: &T) -> Result<HttpResponse, ApiError> {
    use sha2::{Digest, Sha256};
    let bytes = serde_json::to_vec(body).map_err(ApiError::internal)?;
    let digest = Sha256::digest(&bytes);
    let tag = format!("W/\"{}\"", digest.iter().take(16).map(|byte| format!("{byte:02x}")).collect::<String>());
    let mut unchanged = false;
    for value in request_headers.get_all(actix_web::http::header::IF_NONE_MATCH) {
        let text = value
            .to_str()
            .map_err(|_| ApiError::new(ErrorCode::InvalidHeader, "If-None-Match is not readable text"))?;
        if text.len() > 1000 {
            return Err(ApiError::new(ErrorCode::InvalidHeader, "If-None-Match has at most 1000 characters"));
        }
        if !names_a_tag(text) {
            return Err(ApiError::new(
                ErrorCode::InvalidHeader,
                "If-None-Match is empty: send the ETag you have, or *",
            ));
        }
        unchanged |= text.split(',').map(str::trim).any(|candidate| candidate == "*" || weak_equal(candidate, &tag));
    }
    // What a list holds depends on who asks and names people: no cache may keep it.
    // A client that keeps its own copy still revalidates it with If-None-Match.
    let private = (actix_web::http::header::CACHE_CONTROL, "no-store");
    let vary = (actix_web::http::header::VARY, "Authorization");
    if unchanged {
        return Ok(HttpResponse::NotModified()
            .insert_header((ETAG, tag))
            .insert_header(private)
            .insert_header(vary)
            .finish());
    }
    Ok(HttpResponse::Ok()
        .insert_header((ETAG, tag))
        .insert_header(private)
        .insert_header(vary)
        .content_type(actix_web::http::header::ContentType::json())
        .body(bytes))
}

/// Whether a precondition header names something: a character other than the separators
/// (whitespace, commas) and the weak marker `W/`. The documented `pattern` says the same, so a
/// client generating values from the schema and this check agree.
fn names_a_tag(value: &str) -> bool {
    value.chars().any(|c| !(c.is_whitespace() || c == ',' || c == '/' || c == 'W'))
}

/// `If-None-Match` compares weakly (RFC 9110 section 13.1.2): `W/"x"` and `"x"` are the same.
fn weak_equal(a: &str, b: &str) -> bool {
    a.trim_start_matches("W/") == b.trim_start_matches("W/")
}

/// The `If-None-Match` header, as documented on lists that answer 304.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
pub struct IfNoneMatchHeader {
    /// The ETag of the list you have; 304 with no body when it is still current.
    #[param(
        rename = "If-None-Match",
        min_length = 1,
        max_length = 1000,
        example = "W/\"5d41402abc4b2a76b9719d911017c592\""
    )]
    pub if_none_match: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::HeaderValue;

    fn if_match(value: &str) -> IfMatch {
        let mut headers = HeaderMap::new();
        headers.insert(IF_MATCH, HeaderValue::from_str(value).unwrap());
        IfMatch::from_headers(&headers).unwrap()
    }

    #[test]
    fn matching_tags_pass_and_stale_ones_fail() {
        assert!(if_match("\"v3\"").check(3).is_ok());
        assert!(if_match("\"v2\", \"v3\"").check(3).is_ok());
        assert!(if_match("W/\"v3\"").check(3).is_ok());
        assert!(if_match("*").check(9).is_ok());
        assert!(if_match("\"v2\"").check(3).is_err());
        assert!(IfMatch::from_headers(&HeaderMap::new()).unwrap().check(1).is_ok());
    }

    #[test]
    fn a_precondition_names_a_tag_or_is_refused() {
        let parse = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(IF_MATCH, HeaderValue::from_str(value).unwrap());
            IfMatch::from_headers(&headers)
        };
        for nothing in [",", " , ", "W/", "W/, W/"] {
            assert!(parse(nothing).is_err(), "{nothing:?}");
        }
        assert!(names_a_tag("\"v1\"") && names_a_tag("W/\"x\"") && names_a_tag("*"));
    }

    #[test]
    fn an_unchanged_list_answers_304_and_a_changed_one_200() {
        let body = serde_json::json!({"items": [1, 2]});
        let first = json_unless_unchanged(&HeaderMap::new(), &body).unwrap();
        assert_eq!(first.status(), actix_web::http::StatusCode::OK);
        let tag = first.headers().get(ETAG).unwrap().clone();
        let mut headers = HeaderMap::new();
        headers.insert(actix_web::http::header::IF_NONE_MATCH, tag);
        assert_eq!(json_unless_unchanged(&headers, &body).unwrap().status(), actix_web::http::StatusCode::NOT_MODIFIED);
        let changed = serde_json::json!({"items": [1, 2, 3]});
        assert_eq!(json_unless_unchanged(&headers, &changed).unwrap().status(), actix_web::http::StatusCode::OK);
        headers.insert(actix_web::http::header::IF_NONE_MATCH, HeaderValue::from_static(" , "));
        assert!(json_unless_unchanged(&headers, &body).is_err());
    }
}
