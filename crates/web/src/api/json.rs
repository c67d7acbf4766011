//! A JSON body extractor whose errors are problem details naming the field at fault.

use super::problem::problem;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{header, StatusCode};
use axum::response::Response;
use calloff_domain::FieldError;
use serde::de::DeserializeOwned;

pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        if !is_json {
            return Err(problem(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Send JSON",
                "Set Content-Type: application/json",
                &[FieldError::new("Content-Type", "must be application/json")],
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            problem(
                StatusCode::BAD_REQUEST,
                "malformed-body",
                "The body could not be read",
                &e.body_text(),
                &[],
            )
        })?;
        parse_body(&bytes).map(ApiJson)
    }
}

/// Parses a JSON body, naming the field at fault (e.g. `lines[0].quantity`) when it fails.
pub fn parse_body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Response> {
    {
        let deserializer = &mut serde_json::Deserializer::from_slice(bytes);
        serde_path_to_error::deserialize(deserializer).map_err(|e| {
            let path = e.path().to_string();
            let field = if path == "." { "body".to_string() } else { path };
            let message = e.inner().to_string();
            problem(
                StatusCode::BAD_REQUEST,
                "malformed-json",
                "The JSON body is malformed",
                &format!("{field}: {message}"),
                &[FieldError::new(field.clone(), message)],
            )
        })
    }
}

/// A body that may be left out (or blank): its default then.
pub fn optional_body<T: DeserializeOwned + Default>(bytes: &[u8]) -> Result<T, Response> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        Ok(T::default())
    } else {
        parse_body(bytes)
    }
}
