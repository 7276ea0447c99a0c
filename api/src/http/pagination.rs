//! Cursor pagination: `?limit=` (default 50, at most 200) and an opaque `?cursor=`.
//!
//! The cursor is the id of the last item of the previous page, base64url-encoded so that
//! clients treat it as opaque and the format can change.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::http::problem::{ApiError, ErrorCode};

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 200;

/// The `limit` and `cursor` of a page, as a list's query string gives them.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page size.
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[param(max_length = 200)]
    pub cursor: Option<String>,
}

impl PageQuery {
    pub fn page(&self) -> Result<PageRequest, ApiError> {
        PageRequest::parse(self.limit, self.cursor.as_deref())
    }
}

/// A validated page request.
pub struct PageRequest {
    pub limit: i64,
    pub after: Option<String>,
}

impl PageRequest {
    pub fn parse(limit: Option<u32>, cursor: Option<&str>) -> Result<Self, ApiError> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::new(ErrorCode::InvalidQuery, format!("limit must be between 1 and {MAX_LIMIT}")));
        }
        if cursor.is_some_and(|c| c.chars().count() > 200) {
            return Err(ApiError::new(ErrorCode::InvalidQuery, "`cursor` has at most 200 characters"));
        }
        let after = cursor.map(decode_cursor).transpose()?;
        Ok(Self { limit: i64::from(limit), after })
    }

    /// Ask the database for one more row than the page holds, to know whether a next page exists.
    pub fn fetch_limit(&self) -> i64 {
        self.limit + 1
    }

    /// Cuts the extra row and returns the page with the cursor of the next one.
    pub fn finish<T>(&self, mut rows: Vec<T>, id_of: impl Fn(&T) -> &str) -> (Vec<T>, Option<String>) {
        let limit = usize::try_from(self.limit).unwrap_or(usize::MAX);
        if rows.len() <= limit {
            return (rows, None);
        }
        rows.truncate(limit);
        let next = rows.last().map(|row| URL_SAFE_NO_PAD.encode(id_of(row)));
        (rows, next)
    }
}

fn decode_cursor(cursor: &str) -> Result<String, ApiError> {
    let invalid = || ApiError::new(ErrorCode::InvalidCursor, "the cursor is not one this API returned");
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let id = String::from_utf8(bytes).map_err(|_| invalid())?;
    uuid::Uuid::parse_str(&id).map_err(|_| invalid())?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_bounded() {
        assert_eq!(PageRequest::parse(None, None).unwrap().limit, 50);
        assert!(PageRequest::parse(Some(0), None).is_err());
        assert!(PageRequest::parse(Some(201), None).is_err());
        assert_eq!(PageRequest::parse(Some(200), None).unwrap().limit, 200);
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let page = PageRequest::parse(Some(1), None).unwrap();
        let ids =
            vec!["019a0000-0000-7000-8000-000000000001".to_owned(), "019a0000-0000-7000-8000-000000000002".to_owned()];
        let (rows, next) = page.finish(ids, |id| id.as_str());
        assert_eq!(rows.len(), 1);
        let next = PageRequest::parse(Some(1), next.as_deref()).unwrap();
        assert_eq!(next.after.as_deref(), Some("019a0000-0000-7000-8000-000000000001"));
        assert!(PageRequest::parse(None, Some("!!")).is_err());
        assert!(PageRequest::parse(None, Some("bm90LWEtdXVpZA")).is_err());
    }
}
