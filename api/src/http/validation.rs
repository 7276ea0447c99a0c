//! Turning request fields into domain values while collecting every invalid field, so that a
//! client learns all its mistakes from one response.

use crate::http::problem::{ApiError, FieldError};

#[derive(Default)]
pub struct FieldCheck {
    errors: Vec<FieldError>,
}

impl FieldCheck {
    /// Keeps the value, or records the field's error and returns `None`.
    pub fn check<T, E: std::fmt::Display>(&mut self, field: &str, result: Result<T, E>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.errors.push(FieldError::new(field, error));
                None
            }
        }
    }

    /// An optional field: absent stays absent, present must be valid.
    pub fn check_optional<T, E: std::fmt::Display>(
        &mut self,
        field: &str,
        raw: Option<&str>,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<Option<T>> {
        match raw {
            None => Some(None),
            Some(raw) => self.check(field, parse(raw)).map(Some),
        }
    }

    pub fn fail(&mut self, field: &str, message: impl std::fmt::Display) {
        self.errors.push(FieldError::new(field, message));
    }

    /// 422 with every recorded error, or the value `build` assembles from the checked fields.
    pub fn finish<T>(self, build: impl FnOnce() -> Option<T>) -> Result<T, ApiError> {
        if !self.errors.is_empty() {
            return Err(ApiError::invalid(self.errors));
        }
        build().ok_or_else(|| ApiError::internal("a validated field went missing"))
    }
}

/// A free-text query parameter, refused (400) beyond its documented maximum length.
pub fn bounded_query(name: &str, value: Option<String>, max_chars: usize) -> Result<Option<String>, ApiError> {
    match value {
        Some(text) if text.chars().count() > max_chars => Err(ApiError::new(
            crate::http::problem::ErrorCode::InvalidQuery,
            format!("`{name}` has at most {max_chars} characters"),
        )),
        other => Ok(other),
    }
}

/// JSON has one number type: `25.0` is as whole as `25`, and JSON Schema's `integer` accepts
/// both. Counts of seats are read with this so that such clients are not refused.
pub fn whole_number<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    use serde::Deserialize;
    whole(serde_json::Number::deserialize(deserializer)?)
}

/// [`whole_number`] for an optional field: absent or `null` is `None`.
pub fn optional_whole_number<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    use serde::Deserialize;
    Option::<serde_json::Number>::deserialize(deserializer)?.map(whole).transpose()
}

fn whole<E: serde::de::Error>(number: serde_json::Number) -> Result<i64, E> {
    if let Some(whole) = number.as_i64() {
        return Ok(whole);
    }
    match number.as_f64() {
        Some(value) if value.fract() == 0.0 && value.abs() < 9.0e15 => Ok(value as i64),
        _ => Err(E::custom(format!("expected a whole number, got {number}"))),
    }
}

/// A title or a name: the domain's one-line rule (`tenantry_domain::text`).
pub fn one_line_text(raw: &str, max_chars: usize) -> Result<String, String> {
    tenantry_domain::text::one_line(raw, max_chars).map_err(|e| e.to_string())
}

/// A description or a note: the domain's free-text rule.
pub fn free_text(raw: &str, max_chars: usize) -> Result<String, String> {
    tenantry_domain::text::free(raw, max_chars).map_err(|e| e.to_string())
}

/// The ids of a list, once each and in the order first given; 422 for one that is not an id.
pub fn distinct_ids(check: &mut FieldCheck, field: &str, ids: &[String], max: usize) -> Vec<String> {
    let parsed: Vec<Option<String>> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            check.check(&format!("{field}[{i}]"), uuid::Uuid::parse_str(id).map(|_| id.clone()).map_err(|_| "an id"))
        })
        .collect();
    distinct(check, field, parsed, max)
}

/// A list whose entries must differ, at most `max` of them as sent: a repeated entry is refused
/// (naming the one it repeats), never silently dropped, so what is counted against the limit
/// is what was sent. `items` holds the entries already checked, `None` where one was invalid.
pub fn distinct<T: PartialEq>(check: &mut FieldCheck, field: &str, items: Vec<Option<T>>, max: usize) -> Vec<T> {
    if items.len() > max {
        check.fail(field, format!("at most {max} entries; {} were sent", items.len()));
    }
    let mut kept: Vec<(usize, T)> = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let Some(item) = item else { continue };
        match kept.iter().find(|(_, seen)| *seen == item) {
            Some((first, _)) => check.fail(&format!("{field}[{i}]"), format!("repeats {field}[{first}]")),
            None => kept.push((i, item)),
        }
    }
    kept.into_iter().map(|(_, item)| item).collect()
}
