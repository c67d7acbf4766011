//! The web front-ends: server-rendered pages in the GOV.UK Design System style, and the JSON API
//! under `/api/v1`. Handlers turn a request into a command, call one use case, and render the
//! result; no business rule lives here.

// The OpenAPI document is one large `json!` literal.
#![recursion_limit = "256"]
// Handlers and extractors fail with axum's `Response`, as axum intends.
#![allow(clippy::result_large_err)]

pub mod api;
mod charts;
mod dates;
mod errors;
mod html;
mod pages;
pub mod routes;
mod session;

use axum::http::{header, HeaderValue};
use axum::Router;
use calloff_app::App;
use std::path::PathBuf;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// Where the compiled stylesheet is, unless configured: written by `npm ci` (see package.json).
pub const DEFAULT_ASSETS_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/static/build");

#[derive(Clone, Debug)]
pub struct AppState {
    pub app: App,
}

/// The whole site: pages, API and static assets.
pub fn router(app: App, assets_dir: PathBuf) -> Router {
    if !assets_dir.join("calloff.css").exists() {
        tracing::warn!(
            "{} has no calloff.css: run `npm ci` in the repository to build the stylesheet",
            assets_dir.display()
        );
    }
    let state = AppState { app };
    let creates = axum::middleware::from_fn_with_state(state.clone(), routes::idempotent_creates);
    // Pages and API answers carry personal and contract data and CSRF tokens: never cached, no
    // scripts, no framing, forms only to this site.
    let dynamic = all_routes()
        .router
        .route_layer(creates)
        .route_layer(axum::middleware::from_fn(routes::ids_must_be_ids))
        .route("/api/v1/{*rest}", axum::routing::any(api::not_found))
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn(session::page_context))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ));
    Router::new()
        .merge(dynamic)
        .nest_service("/assets", ServeDir::new(assets_dir))
        .with_state(state)
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
}

const CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

fn all_routes() -> routes::Routes {
    pages::routes()
        .nest("/api/v1", api::routes())
        .get("/api/openapi.json", api::openapi::document)
}

/// The paths of the API's creates (see `routes::idempotent_creates`).
pub fn create_paths() -> &'static std::collections::HashSet<String> {
    static CREATES: std::sync::OnceLock<std::collections::HashSet<String>> = std::sync::OnceLock::new();
    CREATES.get_or_init(|| all_routes().creates.into_iter().collect())
}

/// Creates that need no session (registering an organisation, accepting an invitation): their
/// keys are scoped to anonymous clients.
fn anonymous_creates() -> &'static [&'static str] {
    &["/api/v1/organisations", "/api/v1/invitations/{token}"]
}

/// Every (method, path) the site serves, apart from static assets.
pub fn route_table() -> Vec<(&'static str, String)> {
    all_routes().table
}

/// Serves until Ctrl-C or SIGTERM, then finishes the requests in flight.
pub async fn serve(listener: tokio::net::TcpListener, router: Router) -> std::io::Result<()> {
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
