//! calloff's domain: types and rules, with no I/O and no async.
//!
//! Constructors parse and reject bad values ("parse, don't validate"), so a value of one of these
//! types is valid by construction and no later code re-checks it.

pub mod approval;
pub mod audit;
pub mod calendar;
pub mod call_off;
pub mod catalogue;
pub mod change_control;
pub mod error;
pub mod framework;
pub mod governance;
pub mod ids;
pub mod invoice;
pub mod levy;
pub mod mi_return;
pub mod money;
pub mod notices;
pub mod order;
pub mod organisation;
pub mod pricing;
pub mod role;
pub mod route_to_market;
pub mod standing;
pub mod termination;
pub mod text;
pub mod transparency;

/// A count of things in memory as the database stores counts. Nothing here counts to 2^63, so
/// this saturates rather than wraps.
pub fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

pub use error::FieldError;
