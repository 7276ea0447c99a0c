//! Storage errors. A unique-constraint violation is its own variant because callers turn it into
//! a conflict the person can fix; everything else is an internal failure.

use diesel::result::{DatabaseErrorKind, Error as DieselError};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("a row with the same unique value already exists ({constraint})")]
    UniqueViolation { constraint: String },
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
    #[error("unsupported database URL `{0}`: expected sqlite://PATH or postgres://...")]
    UnsupportedUrl(String),
}

impl From<DieselError> for StoreError {
    fn from(error: DieselError) -> Self {
        match error {
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => StoreError::UniqueViolation {
                constraint: info.constraint_name().map_or_else(|| info.message().to_owned(), str::to_owned),
            },
            other => StoreError::Query(other),
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;
