//! The API's input contract, in one place. Bodies are strict JSON: `Content-Type:
//! application/json` (else 415), no more than the body limit (else 413), one JSON value and
//! nothing after it, no string longer than [`MAX_ANY_TEXT_LEN`]. Query strings are checked the
//! same way, each parameter given once. Every error is a problem document naming the field as
//! the client sent it (`lines[0].quantity`, or the query parameter), and every bad field is
//! reported at once.

use super::problem::problem;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use calloff_domain::text::MAX_ANY_TEXT_LEN;
use calloff_domain::FieldError;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Most field errors reported for one body: enough to fix a form, few enough to stay readable.
const MAX_REPORTED: usize = 20;

/// A JSON body, parsed.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let body = JsonBody::from_request(req, state).await?;
        body.parse().map(ApiJson)
    }
}

/// A JSON body read but not yet parsed, so that a handler can check who is asking before what
/// they sent. A body that may be left out is parsed with [`JsonBody::parse_or_default`].
pub struct JsonBody {
    read: Result<Bytes, Response>,
    is_json: bool,
}

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = is_json(req.headers());
        let read = Bytes::from_request(req, state).await.map_err(|e| {
            let status = e.status();
            if status == StatusCode::PAYLOAD_TOO_LARGE {
                problem(
                    status,
                    "body-too-large",
                    "The body is too large",
                    &e.body_text(),
                    &[FieldError::new("body", "is larger than this endpoint accepts")],
                )
            } else {
                problem(
                    StatusCode::BAD_REQUEST,
                    "malformed-body",
                    "The body could not be read",
                    &e.body_text(),
                    &[FieldError::new("body", e.body_text())],
                )
            }
        });
        Ok(JsonBody { read, is_json })
    }
}

impl JsonBody {
    pub fn parse<T: DeserializeOwned>(self) -> Result<T, Response> {
        let bytes = self.read?;
        if !self.is_json {
            return Err(unsupported_media_type());
        }
        parse_body(&bytes)
    }

    /// The body's value, or `T::default()` when it is empty (then no Content-Type is needed).
    pub fn parse_or_default<T: DeserializeOwned + Default>(self) -> Result<T, Response> {
        match &self.read {
            Ok(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => Ok(T::default()),
            _ => self.parse(),
        }
    }
}

/// `application/json`, optionally with parameters (`; charset=utf-8`). Not `application/jsonp`,
/// not `text/json`, not a missing header.
pub fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
}

fn unsupported_media_type() -> Response {
    problem(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported-media-type",
        "Send JSON",
        "Set Content-Type: application/json",
        &[FieldError::new("Content-Type", "must be application/json")],
    )
}

/// Parses a JSON body strictly, naming every field at fault.
pub fn parse_body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Response> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| {
        let message = format!("is not valid JSON: {e}");
        malformed(&[FieldError::new("body", message)])
    })?;
    let mut errors = Vec::new();
    too_long_strings(&value, &mut String::new(), &mut errors);
    if !errors.is_empty() {
        return Err(malformed(&errors));
    }
    deserialize_reporting_all(value).map_err(|errors| malformed(&errors))
}

fn malformed(errors: &[FieldError]) -> Response {
    let detail = errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
    problem(
        StatusCode::BAD_REQUEST,
        "malformed-json",
        "The JSON body is malformed",
        &detail,
        errors,
    )
}

/// Every string longer than the safety-net limit, by path.
fn too_long_strings(value: &Value, path: &mut String, errors: &mut Vec<FieldError>) {
    match value {
        Value::String(s) if s.chars().count() > MAX_ANY_TEXT_LEN => errors.push(FieldError::new(
            if path.is_empty() { "body" } else { path.as_str() },
            format!("must be {MAX_ANY_TEXT_LEN} characters or fewer"),
        )),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                too_long_strings(item, path, errors);
                path.truncate(len);
            }
        }
        Value::Object(fields) => {
            for (key, item) in fields {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
                too_long_strings(item, path, errors);
                path.truncate(len);
            }
        }
        _ => {}
    }
}

/// Where a deserialization error is: the path of segments, and a missing field's name.
struct Fault {
    segments: Vec<Step>,
    missing: Option<String>,
    error: FieldError,
}

#[derive(Clone)]
enum Step {
    Key(String),
    Index(usize),
}

/// Deserializes `value` as `T`; on failure, reports every field that does not fit, not only the
/// first. After each error the offending value is replaced by (or a missing field given) a
/// placeholder of another JSON type, until `T` fits or no placeholder helps.
fn deserialize_reporting_all<T: DeserializeOwned>(mut value: Value) -> Result<T, Vec<FieldError>> {
    const PLACEHOLDERS: [fn() -> Value; 6] = [
        || Value::from(1),
        || Value::from(""),
        || Value::Bool(false),
        || Value::Array(Vec::new()),
        || Value::Object(serde_json::Map::new()),
        || Value::Null,
    ];
    let mut errors: Vec<FieldError> = Vec::new();
    let mut fault = match attempt::<T>(&value) {
        Ok(found) => return Ok(found),
        Err(fault) => fault,
    };
    loop {
        errors.push(fault.error.clone());
        if errors.len() >= MAX_REPORTED {
            return Err(errors);
        }
        let mut next = None;
        for placeholder in PLACEHOLDERS {
            let mut patched = value.clone();
            if !put(&mut patched, &fault.segments, fault.missing.as_deref(), placeholder()) {
                break;
            }
            match attempt::<T>(&patched) {
                // The placeholder fits; the body was still wrong.
                Ok(_) => return Err(errors),
                Err(other) if errors.iter().all(|e| e.field != other.error.field) => {
                    next = Some((patched, other));
                    break;
                }
                Err(_) => {}
            }
        }
        match next {
            Some((patched, other)) => {
                value = patched;
                fault = other;
            }
            None => return Err(errors),
        }
    }
}

fn attempt<T: DeserializeOwned>(value: &Value) -> Result<T, Fault> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let mut segments = Vec::new();
        for segment in e.path().iter() {
            match segment {
                serde_path_to_error::Segment::Map { key } => segments.push(Step::Key(key.clone())),
                serde_path_to_error::Segment::Seq { index } => segments.push(Step::Index(*index)),
                serde_path_to_error::Segment::Enum { .. } | serde_path_to_error::Segment::Unknown => {}
            }
        }
        let message = e.inner().to_string();
        // serde reports a missing field at its parent: name the field itself.
        let missing = message
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split('`').next())
            .map(str::to_string);
        let mut field = display(&segments);
        if let Some(name) = &missing {
            if !field.is_empty() {
                field.push('.');
            }
            field.push_str(name);
        }
        let message = if missing.is_some() {
            "is required".to_string()
        } else {
            message
        };
        Fault {
            error: FieldError::new(if field.is_empty() { "body".to_string() } else { field }, message),
            segments,
            missing,
        }
    })
}

fn display(segments: &[Step]) -> String {
    let mut out = String::new();
    for step in segments {
        match step {
            Step::Key(key) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Step::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// Puts `placeholder` at the path (as the missing field, if any); false if the path is gone.
fn put(value: &mut Value, segments: &[Step], missing: Option<&str>, placeholder: Value) -> bool {
    let mut at = value;
    for step in segments {
        let next = match step {
            Step::Key(key) => at.get_mut(key.as_str()),
            Step::Index(i) => at.get_mut(*i),
        };
        match next {
            Some(next) => at = next,
            None => return false,
        }
    }
    match missing {
        Some(name) => match at.as_object_mut() {
            Some(fields) => {
                fields.insert(name.to_string(), placeholder);
                true
            }
            None => false,
        },
        None => {
            *at = placeholder;
            true
        }
    }
}

/// A query string, parsed strictly: each parameter at most once, errors naming the parameter,
/// as problem details (never `text/plain`).
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parse_query(parts.uri.query().unwrap_or_default()).map(ApiQuery)
    }
}

pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, Response> {
    parse_query_with_lists(query, &[])
}

/// [`parse_query`], except that the parameters named in `lists` may be given more than once:
/// their values reach `T` joined by commas (`lot=1&lot=3` as `lot=1,3`).
pub fn parse_query_with_lists<T: DeserializeOwned>(query: &str, lists: &[&str]) -> Result<T, Response> {
    read_query(query, lists).map_err(|errors| {
        let detail = errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
        problem(
            StatusCode::BAD_REQUEST,
            "malformed-query",
            "The query string is malformed",
            &detail,
            &errors,
        )
    })
}

/// A query string read strictly into `T`, or what is wrong with it, each parameter named (for
/// pages, which show the errors on the page).
pub fn read_query<T: DeserializeOwned>(query: &str, lists: &[&str]) -> Result<T, Vec<FieldError>> {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    let mut errors = Vec::new();
    let mut joined: Vec<(String, String)> = Vec::new();
    for (i, (name, value)) in pairs.iter().enumerate() {
        let repeated = pairs[..i].iter().any(|(earlier, _)| earlier == name);
        if repeated && !lists.contains(&name.as_str()) && errors.iter().all(|e: &FieldError| e.field != *name) {
            errors.push(FieldError::new(name.clone(), "is given more than once"));
        }
        if value.chars().count() > MAX_ANY_TEXT_LEN {
            errors.push(FieldError::new(
                name.clone(),
                format!("must be {MAX_ANY_TEXT_LEN} characters or fewer"),
            ));
        }
        match joined.iter_mut().find(|(n, _)| n == name) {
            Some((_, values)) => {
                values.push(',');
                values.push_str(value);
            }
            None => joined.push((name.clone(), value.clone())),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(joined)
        .finish();
    let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let path = e.path().to_string();
        let message = e.inner().to_string();
        let field = match message
            .strip_prefix("missing field `")
            .and_then(|r| r.split('`').next())
        {
            Some(name) => name.to_string(),
            None if path == "." || path == "?" => "query".to_string(),
            None => path,
        };
        vec![FieldError::new(field, message)]
    })
}
