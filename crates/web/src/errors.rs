//! Error policy of the web layer. Use cases fail with `AppError`; each kind becomes one HTTP
//! status here, in one exhaustive match with no catch-all arm, for the API (a problem document,
//! see `api::problem`) and for pages (`pages::error_page`, or the form again with its errors
//! when [`AppError::is_form_error`]). `Unexpected` carries its source, which is logged and never
//! shown, so an internal failure can never pose as a field error.

use axum::http::StatusCode;
use calloff_app::AppError;

/// How one kind of failure is answered.
pub struct Class {
    pub status: StatusCode,
    /// The problem type, `/api/problems/{kind}`.
    pub kind: &'static str,
    pub title: &'static str,
}

pub fn classify(error: &AppError) -> Class {
    let class = |status, kind, title| Class { status, kind, title };
    match error {
        AppError::Invalid(_) | AppError::InvalidFields(_) => class(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-input",
            "The request has invalid fields",
        ),
        AppError::HeadroomExceeded { .. } => class(StatusCode::CONFLICT, "headroom-exceeded", "Not enough headroom"),
        AppError::Conflict(_) => class(
            StatusCode::CONFLICT,
            "conflict",
            "The request conflicts with the current state",
        ),
        AppError::Unauthenticated => class(StatusCode::UNAUTHORIZED, "unauthenticated", "Sign in first"),
        AppError::RateLimited { .. } => class(
            StatusCode::TOO_MANY_REQUESTS,
            "rate-limited",
            "Too many failed sign-ins",
        ),
        AppError::Forbidden(_) => class(StatusCode::FORBIDDEN, "forbidden", "Not allowed"),
        AppError::NotFound(_) => class(StatusCode::NOT_FOUND, "not-found", "Not found"),
        AppError::Unexpected(source) => {
            tracing::error!(error = %source, "unexpected error");
            class(StatusCode::INTERNAL_SERVER_ERROR, "unexpected", "Something went wrong")
        }
    }
}
