//! Storage errors, classified here, where the backends are known, so that callers decide on the
//! kind of failure and never on the text of a database message.
//!
//! - [`StoreError::UniqueViolation`]: a unique value is taken; callers say which one.
//! - [`StoreError::LostRace`]: another transaction won (a row referred to was deleted meanwhile,
//!   PostgreSQL broke a deadlock or a serialization conflict); retrying may succeed.
//! - [`StoreError::Busy`] and [`StoreError::Pool`]: the database is saturated; retry in a moment.
//! - [`StoreError::ConnectionLost`]: the connection died under the statement (the server
//!   restarted or ended it); the pool opens a new one, so a retry in a moment works.
//! - [`StoreError::StorageFull`]: the database's disk is full; writes fail until space is freed.
//! - [`StoreError::InvalidText`]: text the database refuses, which can only come from a request.
//! - everything else is an internal failure.

use diesel::result::{DatabaseErrorKind, Error as DieselError};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("a row with the same unique value already exists ({constraint})")]
    UniqueViolation { constraint: String },
    #[error("another change to the same data won the race: {0}")]
    LostRace(String),
    #[error("the database is busy: {0}")]
    Busy(String),
    #[error("the database connection was lost: {0}")]
    ConnectionLost(String),
    #[error("the database's storage is full: {0}")]
    StorageFull(String),
    #[error("the database refuses text containing NUL characters")]
    InvalidText,
    #[error("database query failed: {0}")]
    Query(#[source] DieselError),
    #[error("no database connection available: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    #[error("cannot open the database: {0}")]
    Connect(#[from] diesel::ConnectionError),
    #[error("database migrations failed: {0}")]
    Migration(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// Says what is wrong without repeating the URL, which may carry a password.
    #[error("the database URL cannot be used: {0}")]
    MalformedUrl(String),
    /// Holds only the URL's scheme: the rest may carry a password.
    #[error("unsupported database URL ({0}): expected sqlite://PATH or postgres://...")]
    UnsupportedUrl(String),
    #[error("the database work did not finish: {0}")]
    Interrupted(String),
}

/// What PostgreSQL and libpq say when a connection ends under a statement: the server
/// restarting (fast or immediate shutdown, recovery) or an administrator ending the backend.
const CONNECTION_LOST: [&str; 11] = [
    "terminating connection",
    "server closed the connection",
    "no connection to the server",
    "could not receive data from server",
    "the database system is shutting down",
    "the database system is starting up",
    "the database system is in recovery mode",
    "connection to server",
    "could not send data to server",
    "ssl syscall error",
    "ssl connection has been closed unexpectedly",
];

/// What SQLite (`SQLITE_FULL`) and PostgreSQL (53100 `disk_full`) say when the disk is full.
const STORAGE_FULL: [&str; 3] = ["database or disk is full", "no space left on device", "could not extend file"];

impl From<DieselError> for StoreError {
    fn from(error: DieselError) -> Self {
        if matches!(error, DieselError::BrokenTransactionManager) {
            return StoreError::ConnectionLost(error.to_string());
        }
        let DieselError::DatabaseError(kind, info) = &error else {
            return StoreError::Query(error);
        };
        let message = info.message();
        match kind {
            DatabaseErrorKind::UniqueViolation => StoreError::UniqueViolation {
                constraint: info.constraint_name().map_or_else(|| message.to_owned(), str::to_owned),
            },
            DatabaseErrorKind::ForeignKeyViolation | DatabaseErrorKind::SerializationFailure => {
                StoreError::LostRace(message.to_owned())
            }
            // diesel gives PostgreSQL's deadlock (40P01) and SQLite's SQLITE_BUSY no kind of
            // their own, so their messages are the only sign; this is the one place that reads them.
            _ if message.contains("deadlock detected") => StoreError::LostRace(message.to_owned()),
            _ if message.contains("database is locked") || message.contains("database table is locked") => {
                StoreError::Busy(message.to_owned())
            }
            DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand => {
                StoreError::ConnectionLost(message.to_owned())
            }
            _ if CONNECTION_LOST.iter().any(|sign| message.to_lowercase().contains(sign)) => {
                StoreError::ConnectionLost(message.to_owned())
            }
            _ if STORAGE_FULL.iter().any(|sign| message.to_lowercase().contains(sign)) => {
                StoreError::StorageFull(message.to_owned())
            }
            // PostgreSQL refuses NUL in text ("invalid byte sequence ... 0x00"); SQLite stores it.
            _ if message.contains("0x00") => StoreError::InvalidText,
            _ => StoreError::Query(error),
        }
    }
}

impl StoreError {
    /// True for failures a client can cause by racing another request, which it may retry.
    pub fn is_lost_race(&self) -> bool {
        matches!(self, StoreError::UniqueViolation { .. } | StoreError::LostRace(_))
    }

    /// True when the database is saturated, or briefly away, rather than broken: a retry in a
    /// moment may succeed.
    pub fn is_busy(&self) -> bool {
        matches!(self, StoreError::Busy(_) | StoreError::Pool(_) | StoreError::ConnectionLost(_))
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

#[cfg(test)]
mod tests {
    use super::*;

    struct Info(&'static str);

    impl diesel::result::DatabaseErrorInformation for Info {
        fn message(&self) -> &str {
            self.0
        }
        fn details(&self) -> Option<&str> {
            None
        }
        fn hint(&self) -> Option<&str> {
            None
        }
        fn table_name(&self) -> Option<&str> {
            None
        }
        fn column_name(&self) -> Option<&str> {
            None
        }
        fn constraint_name(&self) -> Option<&str> {
            None
        }
        fn statement_position(&self) -> Option<i32> {
            None
        }
    }

    fn classify(kind: DatabaseErrorKind, message: &'static str) -> StoreError {
        StoreError::from(DieselError::DatabaseError(kind, Box::new(Info(message))))
    }

    #[test]
    fn database_failures_are_classified_by_kind() {
        use DatabaseErrorKind as Kind;
        assert!(matches!(classify(Kind::UniqueViolation, "duplicate key"), StoreError::UniqueViolation { .. }));
        assert!(matches!(classify(Kind::ForeignKeyViolation, "fk"), StoreError::LostRace(_)));
        assert!(matches!(classify(Kind::SerializationFailure, "could not serialize"), StoreError::LostRace(_)));
        assert!(matches!(classify(Kind::Unknown, "deadlock detected"), StoreError::LostRace(_)));
        assert!(matches!(classify(Kind::Unknown, "database is locked"), StoreError::Busy(_)));
        assert!(matches!(
            classify(Kind::Unknown, "invalid byte sequence for encoding \"UTF8\": 0x00"),
            StoreError::InvalidText
        ));
        assert!(matches!(classify(Kind::Unknown, "syntax error"), StoreError::Query(_)));
        for lost in [
            "terminating connection due to administrator command",
            "server closed the connection unexpectedly\n\tThis probably means the server terminated abnormally",
            "FATAL:  the database system is shutting down",
            "SSL SYSCALL error: EOF detected",
            "could not send data to server: Broken pipe",
        ] {
            assert!(matches!(classify(Kind::Unknown, lost), StoreError::ConnectionLost(_)), "{lost}");
        }
        assert!(matches!(classify(Kind::ClosedConnection, "closed"), StoreError::ConnectionLost(_)));
        assert!(matches!(StoreError::from(DieselError::BrokenTransactionManager), StoreError::ConnectionLost(_)));
        for full in ["database or disk is full", "could not extend file \"base/1/2\": No space left on device"] {
            assert!(matches!(classify(Kind::Unknown, full), StoreError::StorageFull(_)), "{full}");
        }
        assert!(classify(Kind::Unknown, "terminating connection due to administrator command").is_busy());
        assert!(!classify(Kind::Unknown, "database or disk is full").is_busy());
        assert!(matches!(StoreError::from(DieselError::NotFound), StoreError::Query(_)));
    }

    #[test]
    fn races_and_saturation_are_told_apart() {
        assert!(StoreError::LostRace("x".into()).is_lost_race());
        assert!(StoreError::UniqueViolation { constraint: "x".into() }.is_lost_race());
        assert!(StoreError::Busy("x".into()).is_busy());
        assert!(!StoreError::Corrupt("x".into()).is_busy());
        assert!(!StoreError::Corrupt("x".into()).is_lost_race());
    }
}
