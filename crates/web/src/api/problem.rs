//! RFC 9457 problem details: every API error names its type, a title, and the fields at fault.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use calloff_app::AppError;
use calloff_domain::FieldError;
use serde_json::json;

pub const CONTENT_TYPE: &str = "application/problem+json";

pub fn problem(status: StatusCode, kind: &str, title: &str, detail: &str, errors: &[FieldError]) -> Response {
    let body = json!({
        "type": format!("/api/problems/{kind}"),
        "title": title,
        "status": status.as_u16(),
        "detail": detail,
        "errors": errors.iter().map(|e| json!({ "field": e.field, "message": e.message })).collect::<Vec<_>>(),
    });
    (status, [(header::CONTENT_TYPE, CONTENT_TYPE)], body.to_string()).into_response()
}

pub fn from_app_error(error: &AppError) -> Response {
    let errors = error.field_errors();
    match error {
        AppError::Invalid(_) | AppError::InvalidFields(_) => {
            let detail = errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
            problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid-input",
                "The request has invalid fields",
                &detail,
                &errors,
            )
        }
        AppError::HeadroomExceeded { left, .. } => {
            let mut response = problem(
                StatusCode::CONFLICT,
                "headroom-exceeded",
                "Not enough headroom",
                &error.to_string(),
                &errors,
            );
            if let Ok(value) = left.pence().to_string().parse() {
                response.headers_mut().insert("Calloff-Headroom-Left-Pence", value);
            }
            response
        }
        AppError::Conflict(_) => problem(
            StatusCode::CONFLICT,
            "conflict",
            "The request conflicts with the current state",
            &error.to_string(),
            &errors,
        ),
        AppError::Unauthenticated => {
            let mut r = problem(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "Sign in first",
                "Send Authorization: Bearer <token> from POST /api/v1/sessions",
                &[],
            );
            r.headers_mut()
                .insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
            r
        }
        AppError::Forbidden(why) => problem(StatusCode::FORBIDDEN, "forbidden", "Not allowed", why, &[]),
        AppError::NotFound(what) => problem(
            StatusCode::NOT_FOUND,
            "not-found",
            "Not found",
            &format!("{what} not found"),
            &[],
        ),
        AppError::Unexpected(e) => {
            tracing::error!(error = %e, "unexpected error");
            problem(
                StatusCode::INTERNAL_SERVER_ERROR,
                "unexpected",
                "Something went wrong",
                "Try again later",
                &[],
            )
        }
    }
}
