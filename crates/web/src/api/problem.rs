//! RFC 9457 problem details: every API error names its type, a title, and the fields at fault.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use calloff_app::{AppError, HeadroomScope};
use calloff_domain::FieldError;
use serde::Serialize;
use utoipa::ToSchema;

pub const CONTENT_TYPE: &str = "application/problem+json";

pub fn problem(status: StatusCode, kind: &str, title: &str, detail: &str, errors: &[FieldError]) -> Response {
    respond(status, &document(status, kind, title, detail, errors))
}

/// An RFC 9457 problem document.
#[derive(Serialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    #[schema(example = "/api/problems/invalid")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Every field at fault, named as the client sent it (`lines[0].quantity`, a query
    /// parameter, or a header such as `Idempotency-Key`).
    pub errors: Vec<ProblemField>,
    /// Headroom exceeded only: which ceiling refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refused_by: Option<RefusedBy>,
    /// Headroom exceeded by a lot: its number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lot: Option<u32>,
    /// Headroom exceeded only: the value that did not fit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_pence: Option<i64>,
    /// Headroom exceeded only: the headroom left under that ceiling.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub headroom_left_pence: Option<i64>,
}

/// A field at fault and what is wrong with it.
#[derive(Serialize, ToSchema)]
pub struct ProblemField {
    pub field: String,
    pub message: String,
    /// Where in the body, as an RFC 6901 JSON pointer (`/lines/0/quantity`), when the field
    /// is in the body of a POST; `""` for the body as a whole.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    /// For an uploaded file: the row at fault (the header is row 1); `field` is then its column
    /// as the header names it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<usize>,
}

/// The ceiling that refused a value.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RefusedBy {
    Framework,
    Lot,
}

fn document(status: StatusCode, kind: &str, title: &str, detail: &str, errors: &[FieldError]) -> Problem {
    Problem {
        kind: format!("/api/problems/{kind}"),
        title: title.to_string(),
        status: status.as_u16(),
        detail: detail.to_string(),
        errors: errors
            .iter()
            .map(|e| ProblemField {
                field: e.field.clone(),
                message: e.message.clone(),
                pointer: None,
                row: None,
            })
            .collect(),
        refused_by: None,
        lot: None,
        value_pence: None,
        headroom_left_pence: None,
    }
}

fn respond(status: StatusCode, body: &Problem) -> Response {
    let body = serde_json::to_string(body).unwrap_or_default();
    (status, [(header::CONTENT_TYPE, CONTENT_TYPE)], body).into_response()
}

/// An uploaded file's errors, each by row and column (at most the first few), and how many there
/// were in all. Nothing was kept.
pub fn cells(errors: &[calloff_interop::csv_rows::CellError], total: usize) -> Response {
    let shown = if errors.len() < total {
        format!("; the first {} are listed", errors.len())
    } else {
        String::new()
    };
    let detail = if total == 1 {
        "The file has 1 error; nothing was kept. Correct it and send the file again".to_string()
    } else {
        format!("The file has {total} errors{shown}; nothing was kept. Correct them and send the file again")
    };
    let mut body = document(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid-file",
        "The file has errors",
        &detail,
        &[],
    );
    body.errors = errors
        .iter()
        .map(|e| ProblemField {
            field: e.column.clone(),
            message: e.message.clone(),
            pointer: None,
            row: Some(e.row),
        })
        .collect();
    respond(StatusCode::UNPROCESSABLE_ENTITY, &body)
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
        body.refused_by = Some(match scope {
            HeadroomScope::Framework => RefusedBy::Framework,
            HeadroomScope::Lot(_) => RefusedBy::Lot,
        });
        if let HeadroomScope::Lot(n) = scope {
            body.lot = Some(*n);
        }
        body.value_pence = Some(value.pence());
        body.headroom_left_pence = Some(left.pence());
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

/// Where a field named as the client sent it sits in a JSON body, as an RFC 6901 pointer:
/// `lines[0].quantity` is `/lines/0/quantity`. None for what is not in the body (a header).
pub fn body_pointer(field: &str) -> Option<String> {
    if field.is_empty() || HEADER_FIELDS.iter().any(|h| h.eq_ignore_ascii_case(field)) {
        return None;
    }
    if field == WHOLE_BODY {
        return Some(String::new());
    }
    let mut pointer = String::new();
    for part in field.split('.') {
        let (name, indexes) = part.split_once('[').map_or((part, ""), |(name, rest)| (name, rest));
        pointer.push('/');
        pointer.push_str(&name.replace('~', "~0").replace('/', "~1"));
        for index in indexes.split('[') {
            let index = index.trim_end_matches(']');
            if !index.is_empty() {
                pointer.push('/');
                pointer.push_str(index);
            }
        }
    }
    Some(pointer)
}

/// Fields that name a header, not a place in the body.
const HEADER_FIELDS: [&str; 2] = ["Idempotency-Key", "Content-Type"];
/// The field naming the body as a whole (malformed or too large).
const WHOLE_BODY: &str = "body";

/// Adds to each error of a problem answering a request with a JSON body (a POST sent as
/// `application/json`) the JSON pointer of its field. Query strings (GET), headers and other
/// bodies (UBL, CSV) have no pointer.
pub async fn point_into_bodies(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let has_body = request.method() == axum::http::Method::POST && super::json::is_json(request.headers());
    let response = next.run(request).await;
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == CONTENT_TYPE.as_bytes());
    if !has_body || !is_problem {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // Problem documents are small; one that is not is passed on as it is.
    const MAX_PROBLEM_BYTES: usize = 1 << 20;
    let Ok(bytes) = axum::body::to_bytes(body, MAX_PROBLEM_BYTES).await else {
        return Response::from_parts(parts, axum::body::Body::empty());
    };
    let Ok(mut document) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return Response::from_parts(parts, axum::body::Body::from(bytes));
    };
    for error in document["errors"].as_array_mut().into_iter().flatten() {
        if let Some(pointer) = error["field"].as_str().and_then(body_pointer) {
            error["pointer"] = serde_json::Value::String(pointer);
        }
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(document.to_string()))
}

/// A use case's failure as an API response.
pub struct ApiError(pub AppError);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        from_app_error(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::body_pointer;

    #[test]
    fn fields_become_json_pointers() {
        for (field, pointer) in [
            ("quantity", Some("/quantity")),
            ("lines[0].quantity", Some("/lines/0/quantity")),
            (
                "changes[12].quantity_tiers[3].price",
                Some("/changes/12/quantity_tiers/3/price"),
            ),
            ("thresholds[1].from_value_pence", Some("/thresholds/1/from_value_pence")),
            ("a/b~c", Some("/a~1b~0c")),
            ("body", Some("")),
            ("Idempotency-Key", None),
            ("idempotency-key", None),
        ] {
            assert_eq!(body_pointer(field).as_deref(), pointer, "{field}");
        }
    }
}
