//! The change feed over the API: `GET /api/v1/feed?after=CURSOR` (ADR 0018).

use super::json::ApiQuery;
use super::{fail, ApiResult};
use crate::session::ApiUser;
use crate::AppState;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::Json;
use calloff_app::feed::{self, FeedPage};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// `next` from the previous page; absent or 0 to start from the first change.
    #[param(minimum = 0)]
    after: Option<i64>,
}

/// A page of the change feed.
#[derive(Serialize, ToSchema)]
pub struct FeedPageView {
    /// Changes in commit order, oldest first.
    pub events: Vec<FeedEventView>,
    /// Pass as `after` to continue. When nothing new has committed it is the cursor sent, so
    /// a poller can keep asking with it.
    pub next: String,
    /// Whether more changes wait after `next`: ask again at once rather than wait.
    pub more: bool,
}

/// One change. Delivered at least once: a client that reads a page twice (say, after losing
/// its cursor) sees the same ids again, so it can skip what it has applied.
#[derive(Serialize, ToSchema)]
pub struct FeedEventView {
    /// Stable across reads.
    pub id: String,
    /// What happened, e.g. `call_off.placed`, `call_off.accepted`, `invoice.received`,
    /// `invoice.approved`, `credit_note.received`, `catalogue.changes_applied`,
    /// `catalogue.demand_bands_set`, `framework.catalogue_settings_set`.
    pub kind: String,
    /// `call_off`, `invoice`, `credit_note`, `catalogue_item`, `framework`, or `catalogue`.
    pub entity_type: String,
    pub entity_id: String,
    /// When it happened (RFC 3339, UTC).
    pub at: String,
    /// The resource in this API, where it has one.
    pub link: Option<String>,
    /// A few facts of the change (a reference, a value in pence, a new status); the resource
    /// has the rest.
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
}

impl From<FeedPage> for FeedPageView {
    fn from(page: FeedPage) -> Self {
        FeedPageView {
            events: page
                .events
                .into_iter()
                .map(|e| FeedEventView {
                    id: e.id,
                    kind: e.kind,
                    entity_type: e.entity_type.to_string(),
                    entity_id: e.entity_id,
                    at: e.at,
                    link: e.link,
                    payload: e.payload,
                })
                .collect(),
            next: page.next.to_string(),
            more: page.more,
        }
    }
}

#[utoipa::path(get, path = "/feed", operation_id = "readFeed",
    summary = "The change feed: every change to the call-offs, invoices and credit notes, catalogue items and frameworks you may see, in commit order (a change that committed late is never skipped), at least once, each with a stable id. Continue with `after` = `next`.",
    params(FeedQuery),
    responses(
        (status = 200, description = "A page of changes, oldest first", body = FeedPageView),
        (status = 422, description = "`after` is not a cursor this feed gave", body = super::problem::Problem, content_type = "application/problem+json"),
    ))]
pub async fn read(State(state): State<AppState>, user: ApiUser, ApiQuery(query): ApiQuery<FeedQuery>) -> ApiResult {
    let page = feed::read(&state.app, &user.session.actor, query.after.unwrap_or(0))
        .await
        .map_err(fail)?;
    Ok(Json(FeedPageView::from(page)).into_response())
}
