//! Error policy. Domain constructors return `FieldError`; the store returns `StoreError`; use
//! cases return `AppError`, whose variants say what went wrong in the user's terms. The web layer
//! maps each variant to one HTTP status and renders it as a form error (pages) or a problem
//! details document (API). Only `Unexpected` is logged; its text is never shown to users.

use calloff_domain::money::Money;
use calloff_domain::FieldError;
use calloff_store::{Retryable, StoreError};

pub type AppResult<T> = Result<T, AppError>;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Bad input, naming the field.
    #[error("{0}")]
    Invalid(FieldError),
    /// Several fields at once (e.g. every bad line of a basket).
    #[error("{} problems with the input", .0.len())]
    InvalidFields(Vec<FieldError>),
    /// The call-off would take the framework or a lot past its ceiling.
    #[error("this call-off would exceed the {scope} ceiling: it is worth {value} but only {left} of headroom is left")]
    HeadroomExceeded {
        scope: HeadroomScope,
        value: Money,
        left: Money,
    },
    #[error("sign in to continue")]
    Unauthenticated,
    /// Too many failed sign-ins for this account or address: wait, then try again.
    #[error("Too many failed sign-ins: wait {retry_after_seconds} seconds, then try again")]
    RateLimited { retry_after_seconds: i64 },
    #[error("{0}")]
    Forbidden(String),
    /// Missing, or not visible to this actor (the two are not told apart).
    #[error("{0} not found")]
    NotFound(String),
    /// The request conflicts with the current state (e.g. the call-off was already decided).
    #[error("{0}")]
    Conflict(FieldError),
    #[error("unexpected error: {0}")]
    Unexpected(#[from] StoreError),
}

/// Which ceiling refused: the framework's, or one lot's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeadroomScope {
    Framework,
    Lot(u32),
}

impl std::fmt::Display for HeadroomScope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HeadroomScope::Framework => f.write_str("framework"),
            HeadroomScope::Lot(n) => write!(f, "lot {n}"),
        }
    }
}

impl AppError {
    /// The error with its fields renamed where `rename` says (a use case shared by a page, the
    /// API and an upload names the field as each of them does).
    pub fn renamed(self, rename: impl Fn(&str) -> Option<String>) -> Self {
        let fix = |mut f: FieldError| {
            if let Some(name) = rename(&f.field) {
                f.field = name;
            }
            f
        };
        match self {
            AppError::Invalid(f) => AppError::Invalid(fix(f)),
            AppError::Conflict(f) => AppError::Conflict(fix(f)),
            AppError::InvalidFields(fs) => AppError::InvalidFields(fs.into_iter().map(fix).collect()),
            other => other,
        }
    }

    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::Invalid(FieldError::new(field, message))
    }

    /// Every bad field at once (one is reported as [`AppError::Invalid`]).
    pub fn fields(mut errors: Vec<FieldError>) -> Self {
        if errors.len() == 1 {
            AppError::Invalid(errors.remove(0))
        } else {
            AppError::InvalidFields(errors)
        }
    }

    /// Each field error of the failure, for error summaries.
    /// Whether a page shows the form again with these errors (bad input, or not enough
    /// headroom for what was entered), rather than an error page. Decided here, once.
    pub fn is_form_error(&self) -> bool {
        match self {
            AppError::Invalid(_)
            | AppError::InvalidFields(_)
            | AppError::HeadroomExceeded { .. }
            | AppError::RateLimited { .. } => true,
            AppError::Unauthenticated
            | AppError::Forbidden(_)
            | AppError::NotFound(_)
            | AppError::Conflict(_)
            | AppError::Unexpected(_) => false,
        }
    }

    pub fn field_errors(&self) -> Vec<FieldError> {
        match self {
            AppError::Invalid(e) | AppError::Conflict(e) => vec![e.clone()],
            AppError::InvalidFields(errors) => errors.clone(),
            AppError::HeadroomExceeded { .. } => vec![FieldError::new("lines", self.to_string())],
            AppError::RateLimited { .. } => vec![FieldError::new("email", self.to_string())],
            AppError::Unauthenticated | AppError::Forbidden(_) | AppError::NotFound(_) | AppError::Unexpected(_) => {
                vec![]
            }
        }
    }
}

impl From<FieldError> for AppError {
    fn from(e: FieldError) -> Self {
        AppError::Invalid(e)
    }
}

impl From<calloff_store::SqlxError> for AppError {
    fn from(e: calloff_store::SqlxError) -> Self {
        AppError::Unexpected(StoreError::Database(e))
    }
}

impl Retryable for AppError {
    fn is_retryable(&self) -> bool {
        matches!(self, AppError::Unexpected(e) if e.is_retryable())
    }
}
