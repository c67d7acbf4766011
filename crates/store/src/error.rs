//! Store errors. Database errors are matched by kind, never by constraint name, because SQLite
//! reports none.

use sqlx::error::ErrorKind;

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    /// The database is missing, empty or behind this build's migrations.
    #[error("{0}")]
    NotReady(String),
}

impl StoreError {
    fn database_kind(&self) -> Option<(ErrorKind, Option<String>)> {
        match self {
            StoreError::Database(sqlx::Error::Database(e)) => Some((e.kind(), e.code().map(|c| c.into_owned()))),
            _ => None,
        }
    }

    pub fn is_unique_violation(&self) -> bool {
        matches!(self.database_kind(), Some((ErrorKind::UniqueViolation, _)))
    }

    pub fn is_check_violation(&self) -> bool {
        matches!(self.database_kind(), Some((ErrorKind::CheckViolation, _)))
    }

    /// Serialization failures and deadlocks (PostgreSQL), busy and locked (SQLite): safe to retry
    /// the whole transaction.
    pub fn is_retryable(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::Database(e)) => {
                if let Some(pg) = e.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
                    matches!(pg.code(), "40001" | "40P01")
                } else if e.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                    // SQLITE_BUSY and SQLITE_LOCKED, with any extended code.
                    e.code()
                        .and_then(|c| c.parse::<i32>().ok())
                        .is_some_and(|c| matches!(c & 0xff, 5 | 6))
                } else {
                    false
                }
            }
            StoreError::Database(sqlx::Error::PoolTimedOut) => true,
            _ => false,
        }
    }

    pub fn corrupt(what: impl Into<String>) -> Self {
        StoreError::Corrupt(what.into())
    }
}
