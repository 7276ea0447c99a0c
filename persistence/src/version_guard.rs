//! Optimistic concurrency for conditional updates.

/// Which versions of the row a change may apply to: any, or exactly the one the client read
/// (its `If-Match`). A range keeps one query for both cases.
#[derive(Debug, Clone, Copy)]
pub struct VersionGuard {
    pub(crate) low: i64,
    pub(crate) high: i64,
}

impl VersionGuard {
    pub const ANY: VersionGuard = VersionGuard { low: i64::MIN, high: i64::MAX };

    pub fn exactly(version: i64) -> Self {
        VersionGuard { low: version, high: version }
    }
}
