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
