//! RFC 9457 problem details: every API error names its type, a title, and the fields at fault.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use calloff_app::{AppError, HeadroomScope};
use calloff_domain::FieldError;
use serde_json::json;

pub const CONTENT_TYPE: &str = "application/problem+json";

pub fn problem(status: StatusCode, kind: &str, title: &str, detail: &str, errors: &[FieldError]) -> Response {
    respond(status, &document(status, kind, title, detail, errors))
}

fn document(status: StatusCode, kind: &str, title: &str, detail: &str, errors: &[FieldError]) -> serde_json::Value {
    json!({
        "type": format!("/api/problems/{kind}"),
        "title": title,
        "status": status.as_u16(),
        "detail": detail,
        "errors": errors.iter().map(|e| json!({ "field": e.field, "message": e.message })).collect::<Vec<_>>(),
    })
}

fn respond(status: StatusCode, body: &serde_json::Value) -> Response {
    (status, [(header::CONTENT_TYPE, CONTENT_TYPE)], body.to_string()).into_response()
}

/// The problem document for a use case's failure: status, type and title from
/// [`crate::errors::classify`], the detail and the fields at fault.
pub fn from_app_error(error: &AppError) -> Response {
    let class = crate::errors::classify(error);
    let errors = error.field_errors();
    let detail = match error {
        AppError::Invalid(_) | AppError::InvalidFields(_) => {
            errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
        }
        AppError::Unauthenticated => "Send Authorization: Bearer <token> from POST /api/v1/sessions".to_string(),
        AppError::NotFound(what) => format!("{what} not found"),
        AppError::Unexpected(_) => "Try again later".to_string(),
        AppError::HeadroomExceeded { .. }
        | AppError::Conflict(_)
        | AppError::Forbidden(_)
        | AppError::RateLimited { .. } => error.to_string(),
    };
    let mut body = document(class.status, class.kind, class.title, &detail, &errors);
    if let AppError::HeadroomExceeded { scope, value, left } = error {
        // Which ceiling refused, and by how much, for clients to act on.
        body["refused_by"] = json!(match scope {
            HeadroomScope::Framework => "framework",
            HeadroomScope::Lot(_) => "lot",
        });
        if let HeadroomScope::Lot(n) = scope {
            body["lot"] = json!(n);
        }
        body["value_pence"] = json!(value.pence());
        body["headroom_left_pence"] = json!(left.pence());
    }
    let mut response = respond(class.status, &body);
    let headers = response.headers_mut();
    match error {
        AppError::HeadroomExceeded { left, .. } => {
            if let Ok(value) = left.pence().to_string().parse() {
                headers.insert("Calloff-Headroom-Left-Pence", value);
            }
        }
        AppError::RateLimited { retry_after_seconds } => {
            if let Ok(value) = retry_after_seconds.to_string().parse() {
                headers.insert(header::RETRY_AFTER, value);
            }
        }
        AppError::Unauthenticated => {
            headers.insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
        }
        _ => {}
    }
    response
}

/// A use case's failure as an API response.
pub struct ApiError(pub AppError);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        from_app_error(&self.0)
    }
}
