//! A router that records every route it serves, so that tests (the authorisation matrix, the
//! OpenAPI check) can cover each one and a new route cannot be missed.

use crate::AppState;
use axum::handler::Handler;
use axum::routing::{delete, get, post};
use axum::Router;

pub struct Routes {
    pub router: Router<AppState>,
    /// (method, path) of each route, in the order added.
    pub table: Vec<(&'static str, String)>,
    /// Paths of the POST routes that create a record and so take an `Idempotency-Key`
    /// (see [`idempotent_creates`]).
    pub creates: Vec<String>,
}

impl Routes {
    pub fn new() -> Self {
        Routes {
            router: Router::new(),
            table: Vec::new(),
            creates: Vec::new(),
        }
    }

    pub fn get<H: Handler<T, AppState>, T: 'static>(mut self, path: &str, handler: H) -> Self {
        self.router = self.router.route(path, get(handler));
        self.table.push(("GET", path.to_string()));
        self
    }

    pub fn post<H: Handler<T, AppState>, T: 'static>(mut self, path: &str, handler: H) -> Self {
        self.router = self.router.route(path, post(handler));
        self.table.push(("POST", path.to_string()));
        self
    }

    /// A POST that creates a record: it needs an `Idempotency-Key`, and a retry with the same
    /// key replays the first response (see [`idempotent_creates`]).
    pub fn create<H: Handler<T, AppState>, T: 'static>(mut self, path: &str, handler: H) -> Self {
        self.creates.push(path.to_string());
        self.post(path, handler)
    }

    pub fn delete<H: Handler<T, AppState>, T: 'static>(mut self, path: &str, handler: H) -> Self {
        self.router = self.router.route(path, delete(handler));
        self.table.push(("DELETE", path.to_string()));
        self
    }

    /// Serves `inner` under `prefix`.
    pub fn nest(mut self, prefix: &str, inner: Routes) -> Self {
        self.router = self.router.nest(prefix, inner.router);
        self.table.extend(
            inner
                .table
                .into_iter()
                .map(|(method, path)| (method, format!("{prefix}{path}"))),
        );
        self.creates
            .extend(inner.creates.into_iter().map(|path| format!("{prefix}{path}")));
        self
    }
}

impl Default for Routes {
    fn default() -> Self {
        Routes::new()
    }
}

/// Path parameters that are not ids (an invitation's token is a secret, not a UUID; an ocid is
/// a prefix and an id, and a notice a form's code like UK7, each checked by its use case).
const NOT_IDS: [&str; 6] = ["token", "action", "decision", "change", "ocid", "notice"];

/// A path whose id is not shaped like one names nothing: 404 (a problem document under
/// `/api/`, a page elsewhere) before any handler runs, never a 200 with empty results.
pub async fn ids_must_be_ids(
    params: axum::extract::RawPathParams,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let malformed = params
        .iter()
        .any(|(name, value)| !NOT_IDS.contains(&name) && !calloff_domain::ids::is_id(value));
    if !malformed {
        return next.run(request).await;
    }
    if request.uri().path().starts_with("/api/") {
        crate::api::problem::problem(
            axum::http::StatusCode::NOT_FOUND,
            "not-found",
            "Not found",
            "No resource has this id",
            &[],
        )
    } else {
        crate::pages::not_found().await
    }
}

/// Largest body a create may send, as for every JSON body (axum's default limit).
const MAX_CREATE_BODY: usize = 2 * 1024 * 1024;

/// Every API create (a route added with [`Routes::create`]) is idempotent, here in one place:
/// the `Idempotency-Key` header is required; the key is claimed for the person (or, without a
/// session, for anonymous clients) before the create runs; a retry of the same request replays
/// the first success with `Idempotent-Replayed: true`; the same key on another request is
/// refused, as is a retry while the first is still running. Pages send their own key per form.
pub async fn idempotent_creates(
    axum::extract::State(state): axum::extract::State<AppState>,
    matched: axum::extract::MatchedPath,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use crate::api::problem::{problem, ApiError};
    use axum::http::{header, StatusCode};
    use axum::response::IntoResponse;
    use calloff_app::idempotency::{self, Claim};
    use calloff_domain::FieldError;
    use sha2::{Digest, Sha256};

    if request.method() != axum::http::Method::POST || !crate::create_paths().contains(matched.as_str()) {
        return next.run(request).await;
    }
    let Some(key) = request
        .headers()
        .get("idempotency-key")
        .map(|v| v.to_str().map(str::to_string))
    else {
        return ApiError(calloff_app::AppError::invalid(
            "Idempotency-Key",
            "is required: send a new unique key (a UUID, say) with each create, and the same key when retrying it",
        ))
        .into_response();
    };
    let Ok(key) = key else {
        return ApiError(calloff_app::AppError::invalid(
            "Idempotency-Key",
            "must be printable ASCII",
        ))
        .into_response();
    };
    let token = crate::session::bearer_token(request.headers()).map(str::to_string);
    let session = match token {
        Some(token) => match calloff_app::auth::session(&state.app, &token).await {
            Ok(session) => Some(session),
            // The handler answers 401 itself.
            Err(_) => return next.run(request).await,
        },
        None if crate::anonymous_creates().contains(&matched.as_str()) => None,
        None => return next.run(request).await,
    };
    let scope = session
        .as_ref()
        .map_or_else(|| idempotency::ANONYMOUS.to_string(), |s| s.actor.user_id.to_string());
    let (mut parts, body) = request.into_parts();
    // The handler's `ApiUser` takes this session rather than reading it again.
    if let Some(session) = session {
        parts.extensions.insert(session);
    }
    let bytes = match axum::body::to_bytes(body, MAX_CREATE_BODY).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return problem(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body-too-large",
                "The body is too large",
                "The body is larger than this endpoint accepts",
                &[FieldError::new("body", "is larger than this endpoint accepts")],
            )
        }
    };
    let mut hasher = Sha256::new();
    hasher.update(parts.method.as_str());
    hasher.update([0]);
    hasher.update(parts.uri.path());
    hasher.update([0]);
    hasher.update(&bytes);
    let request_hash = hex::encode(hasher.finalize());
    match idempotency::claim(&state.app, &scope, &key, &request_hash).await {
        Err(e) => ApiError(e).into_response(),
        Ok(Claim::OtherRequest) => ApiError(calloff_app::AppError::Conflict(FieldError::new(
            "Idempotency-Key",
            "was already used for a different request: send a new key with each create",
        )))
        .into_response(),
        Ok(Claim::InProgress) => ApiError(calloff_app::AppError::Conflict(FieldError::new(
            "Idempotency-Key",
            "belongs to a request that has not finished: wait, then look for what it created before retrying with a new key",
        )))
        .into_response(),
        Ok(Claim::Done { status, body, location }) => {
            let status = u16::try_from(status)
                .ok()
                .and_then(|s| StatusCode::from_u16(s).ok())
                .unwrap_or(StatusCode::OK);
            let mut response = (status, [(header::CONTENT_TYPE, "application/json")], body).into_response();
            let headers = response.headers_mut();
            headers.insert("Idempotent-Replayed", header::HeaderValue::from_static("true"));
            if let Some(location) = location.and_then(|l| l.parse().ok()) {
                headers.insert(header::LOCATION, location);
            }
            response
        }
        Ok(Claim::Claimed) => {
            let request = axum::extract::Request::from_parts(parts, axum::body::Body::from(bytes));
            let response = next.run(request).await;
            if !response.status().is_success() {
                if let Err(e) = idempotency::release(&state.app, &scope, &key).await {
                    tracing::error!(error = %e, "could not release an idempotency key");
                }
                return response;
            }
            let (parts, body) = response.into_parts();
            let Ok(body) = axum::body::to_bytes(body, usize::MAX).await else {
                return StatusCode::INTERNAL_SERVER_ERROR.into_response();
            };
            let location = parts.headers.get(header::LOCATION).and_then(|v| v.to_str().ok());
            let text = String::from_utf8_lossy(&body);
            if let Err(e) = idempotency::complete(&state.app, &scope, &key, parts.status.as_u16(), &text, location).await {
                tracing::error!(error = %e, "could not keep an idempotent response");
            }
            axum::response::Response::from_parts(parts, axum::body::Body::from(body))
        }
    }
}
