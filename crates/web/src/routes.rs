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
}

impl Routes {
    pub fn new() -> Self {
        Routes {
            router: Router::new(),
            table: Vec::new(),
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
        self
    }
}

impl Default for Routes {
    fn default() -> Self {
        Routes::new()
    }
}

/// Path parameters that are not ids (an invitation's token is a secret, not a UUID).
const NOT_IDS: [&str; 4] = ["token", "action", "decision", "change"];

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
