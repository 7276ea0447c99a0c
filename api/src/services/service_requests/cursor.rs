//! List cursors: each carries the sort it belongs to and the sort key of the last item seen.

use chrono::{DateTime, Utc};
use tenantry_domain::service_request::RequestOrder;
use tenantry_persistence::service_requests::RequestCursor;
use tenantry_persistence::time;

/// A cursor carries the sort it belongs to and the sort key of the last item seen.
pub fn encode_cursor(cursor: &RequestCursor) -> String {
    use base64::Engine;
    let text = match cursor {
        RequestCursor::Newest { before_id } => format!("newest|{before_id}"),
        RequestCursor::Deadline { after_due, after_id } => {
            format!("deadline|{}|{after_id}", time::from_db(*after_due).timestamp_micros())
        }
    };
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}

/// The cursor back, if it is one this API gave for this sort.
pub fn decode_cursor(cursor: &str, order: RequestOrder) -> Option<RequestCursor> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let parts: Vec<&str> = text.split('|').collect();
    let id = |raw: &str| uuid::Uuid::parse_str(raw).ok().map(|_| raw.to_owned());
    match (order, parts.as_slice()) {
        (RequestOrder::Newest, ["newest", before]) => Some(RequestCursor::Newest { before_id: id(before)? }),
        (RequestOrder::Deadline, ["deadline", micros, after]) => {
            let due = DateTime::<Utc>::from_timestamp_micros(micros.parse().ok()?)?;
            Some(RequestCursor::Deadline { after_due: time::to_db(due), after_id: id(after)? })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_carry_their_sort_and_key() {
        let deadline = RequestCursor::Deadline {
            after_due: time::to_db(DateTime::<Utc>::from_timestamp_micros(1_790_000_000_123_456).unwrap_or_default()),
            after_id: "019a0000-0000-7000-8000-000000000001".to_owned(),
        };
        let encoded = encode_cursor(&deadline);
        assert_eq!(decode_cursor(&encoded, RequestOrder::Deadline), Some(deadline));
        assert_eq!(decode_cursor(&encoded, RequestOrder::Newest), None, "a cursor of another sort is refused");
        let newest = RequestCursor::Newest { before_id: "019a0000-0000-7000-8000-000000000002".to_owned() };
        assert_eq!(decode_cursor(&encode_cursor(&newest), RequestOrder::Newest), Some(newest));
        assert_eq!(decode_cursor("garbage", RequestOrder::Newest), None);
    }
}
