//! New identifiers: UUIDv7, so that ids sort by creation time, which cursors and the audit
//! log's order rely on.

pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
