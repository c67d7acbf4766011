//! The database: one SQL dialect that runs on SQLite and PostgreSQL through sqlx's Any driver.
//!
//! Functions here take a connection (or a transaction, which derefs to one) and run prepared
//! statements; the use cases in `calloff-app` decide what to run inside one transaction. Every
//! statement is declared with [`statements!`] so that a test can prepare each one on both
//! databases.

mod db;
mod error;

pub mod approvals;
pub mod audit;
pub mod call_offs;
pub mod catalogue;
pub mod change_requests;
pub mod feed;
pub mod frameworks;
pub mod idempotency;
pub mod invoices;
pub mod lifecycle;
pub mod mi_imports;
pub mod notices;
pub mod notifications;
pub mod ocds;
pub mod organisations;
pub mod proposals;
pub mod register;
pub mod returns;
pub mod saved_quotes;
pub mod search;
pub mod sign_in_limits;
pub mod spend;
pub mod supplier_status;
pub mod tasks;
pub mod transparency;
pub mod two_factor;
pub mod users;
pub mod variations;

pub use db::{
    create_postgres_database, drop_postgres_database, with_database_name, with_retries, Attempts, Db, Dialect,
    Retryable, WriteTx,
};
pub use error::{StoreError, StoreResult};
pub use sqlx::AnyConnection as Conn;
pub use sqlx::Error as SqlxError;

/// A number read from the database as the type the domain holds it in. A value out of range is
/// reported as corrupt data, never wrapped or truncated.
pub(crate) fn narrow<T: TryFrom<i64>>(value: i64, column: &str) -> StoreResult<T> {
    T::try_from(value).map_err(|_| StoreError::corrupt(format!("{column} holds {value}, which is out of range")))
}

/// A count or position to store. Counts in memory never reach 2^63, so this saturates rather
/// than wraps.
pub(crate) fn wide(value: impl TryInto<i64>) -> i64 {
    value.try_into().unwrap_or(i64::MAX)
}

/// Declares SQL statements as constants and lists them in `ALL` for the prepare-everything test.
macro_rules! statements {
    ($($name:ident = $sql:expr;)*) => {
        $(pub(crate) const $name: &str = $sql;)*
        /// Every statement of this module, for the test that prepares them on both databases.
        pub const ALL: &[&str] = &[$($name),*];
    };
}
pub(crate) use statements;

/// Every statement the store runs, module by module.
pub fn all_statements() -> Vec<&'static str> {
    [
        approvals::ALL,
        audit::ALL,
        call_offs::ALL,
        catalogue::ALL,
        change_requests::ALL,
        feed::ALL,
        frameworks::ALL,
        idempotency::ALL,
        invoices::ALL,
        spend::ALL,
        lifecycle::ALL,
        mi_imports::ALL,
        notices::ALL,
        notifications::ALL,
        ocds::ALL,
        organisations::ALL,
        proposals::ALL,
        register::ALL,
        returns::ALL,
        saved_quotes::ALL,
        search::ALL,
        sign_in_limits::ALL,
        supplier_status::ALL,
        tasks::ALL,
        transparency::ALL,
        two_factor::ALL,
        users::ALL,
        variations::ALL,
    ]
    .concat()
    .into_iter()
    .chain([change_requests::INSERT_CHANGE_BATCH.as_str()])
    .collect()
}
