//! Saved quotes over the API: list, save, read at today's prices, replace, share with a
//! colleague and download as CSV. The same use cases as the pages.

use super::json::JsonBody;
use super::views::QuoteView;
use super::{created, fail, ApiResult};
use crate::session::ApiUser;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use calloff_app::quotes::{self, LineInput};
use calloff_app::saved_quotes::{self, SaveQuote, SavedQuote};
use calloff_domain::ids::{FrameworkId, SavedQuoteId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A saved quote: what was chosen, not prices (see `SavedQuoteDetail` for today's prices).
#[derive(Serialize, ToSchema)]
pub struct SavedQuoteView {
    pub id: SavedQuoteId,
    pub name: String,
    pub framework_id: FrameworkId,
    pub framework_reference: String,
    /// The person who saved it.
    pub owner_name: String,
    /// True for the reader's own quotes; false for a quote a colleague shared with them, which
    /// they may read, download or copy, but not change or share.
    pub owned: bool,
    pub lines: Vec<LineInput>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&SavedQuote> for SavedQuoteView {
    fn from(q: &SavedQuote) -> Self {
        let r = &q.record;
        SavedQuoteView {
            id: r.id.clone(),
            name: r.name.clone(),
            framework_id: r.framework_id.clone(),
            framework_reference: r.framework_reference.clone(),
            owner_name: r.owner_name.clone(),
            owned: q.owned,
            lines: q.lines.clone(),
            created_at: r.created_at.clone(),
            updated_at: r.updated_at.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SavedQuoteList {
    pub saved_quotes: Vec<SavedQuoteView>,
}

/// A colleague a quote is shared with.
#[derive(Serialize, ToSchema)]
pub struct SharedWithView {
    pub name: String,
    pub email: String,
}

/// A problem that stops a saved quote being priced today (an item withdrawn since, say).
#[derive(Serialize, ToSchema)]
pub struct PricingProblem {
    pub field: String,
    pub message: String,
}

/// A saved quote priced at today's catalogue prices, worked out again on every read.
#[derive(Serialize, ToSchema)]
pub struct SavedQuoteDetail {
    #[serde(flatten)]
    pub saved: SavedQuoteView,
    /// Today's prices; absent when the quote cannot be priced today (see `pricing_problems`).
    pub quote: Option<QuoteView>,
    pub pricing_problems: Vec<PricingProblem>,
    /// For the owner: the colleagues it is shared with. Empty for others.
    pub shared_with: Vec<SharedWithView>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShareBody {
    /// The colleague's email address: someone in the same organisation who can build quotes.
    email: String,
}

async fn detail(
    state: &AppState,
    user: &ApiUser,
    id: &SavedQuoteId,
) -> Result<SavedQuoteDetail, axum::response::Response> {
    let actor = &user.session.actor;
    let opened = saved_quotes::open(&state.app, actor, id).await.map_err(fail)?;
    let (quote, pricing_problems) = match &opened.priced {
        Ok(q) => {
            let advice = quotes::route_to_market(&state.app, actor, q).await.map_err(fail)?;
            (Some(QuoteView::new(q, &advice)), Vec::new())
        }
        Err(problems) => (
            None,
            problems
                .iter()
                .map(|p| PricingProblem {
                    field: p.field.clone(),
                    message: p.message.clone(),
                })
                .collect(),
        ),
    };
    Ok(SavedQuoteDetail {
        saved: SavedQuoteView::from(&opened.saved),
        quote,
        pricing_problems,
        shared_with: opened
            .shared_with
            .iter()
            .map(|(_, name, email)| SharedWithView {
                name: name.clone(),
                email: email.clone(),
            })
            .collect(),
    })
}

#[utoipa::path(get, path = "/saved-quotes", operation_id = "listSavedQuotes",
    summary = "The buyer's saved quotes and those colleagues in the same organisation shared with them, most recently saved first (at most 200)",
    responses((status = 200, description = "Saved quotes", body = SavedQuoteList)))]
pub async fn list(State(state): State<AppState>, user: ApiUser) -> ApiResult {
    let all = saved_quotes::list(&state.app, &user.session.actor)
        .await
        .map_err(fail)?;
    Ok(Json(SavedQuoteList {
        saved_quotes: all.iter().map(Into::into).collect(),
    })
    .into_response())
}

#[utoipa::path(post, path = "/saved-quotes", operation_id = "saveQuote",
    summary = "Save a quote with a name (buyers). Its lines must price at today's prices; every bad field is named at once. Prices are not kept: reading it prices it again.",
    request_body = SaveQuote,
    responses((status = 201, description = "Saved", body = SavedQuoteDetail, headers(("Location" = String), ("Idempotent-Replayed" = String)))))]
pub async fn save(State(state): State<AppState>, user: ApiUser, body: JsonBody) -> ApiResult {
    let command: SaveQuote = body.parse()?;
    let saved = saved_quotes::save(&state.app, &user.session.actor, None, &command)
        .await
        .map_err(fail)?;
    let id = saved.record.id.clone();
    Ok(created(
        detail(&state, &user, &id).await?,
        &format!("/api/v1/saved-quotes/{id}"),
        false,
    ))
}

#[utoipa::path(get, path = "/saved-quotes/{id}", operation_id = "getSavedQuote",
    summary = "A saved quote (its owner's, or shared with the reader) priced at today's catalogue prices; another organisation's, or one not shared with the reader, is not found",
    params(("id" = String, Path, description = "Saved quote id")),
    responses((status = 200, description = "The saved quote at today's prices", body = SavedQuoteDetail)))]
pub async fn show(State(state): State<AppState>, user: ApiUser, Path(id): Path<String>) -> ApiResult {
    Ok(Json(detail(&state, &user, &SavedQuoteId::from_stored(id)).await?).into_response())
}

#[utoipa::path(post, path = "/saved-quotes/{id}", operation_id = "replaceSavedQuote",
    summary = "Replace a saved quote's name and lines (its owner only)",
    params(("id" = String, Path, description = "Saved quote id")),
    request_body = SaveQuote,
    responses((status = 200, description = "Saved", body = SavedQuoteDetail)))]
pub async fn replace(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: JsonBody,
) -> ApiResult {
    let id = SavedQuoteId::from_stored(id);
    // Whose quote it is is checked before what was sent.
    saved_quotes::get(&state.app, &user.session.actor, &id)
        .await
        .map_err(fail)?;
    let command: SaveQuote = body.parse()?;
    saved_quotes::save(&state.app, &user.session.actor, Some(&id), &command)
        .await
        .map_err(fail)?;
    Ok(Json(detail(&state, &user, &id).await?).into_response())
}

#[utoipa::path(delete, path = "/saved-quotes/{id}", operation_id = "deleteSavedQuote",
    summary = "Delete a saved quote (its owner only); colleagues it was shared with no longer see it",
    params(("id" = String, Path, description = "Saved quote id")),
    responses((status = 204, description = "Deleted")))]
pub async fn delete(State(state): State<AppState>, user: ApiUser, Path(id): Path<String>) -> ApiResult {
    saved_quotes::delete(&state.app, &user.session.actor, &SavedQuoteId::from_stored(id))
        .await
        .map_err(fail)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(post, path = "/saved-quotes/{id}/shares", operation_id = "shareSavedQuote",
    summary = "Share a saved quote, read-only, with a colleague in the same organisation who can build quotes (its owner only). Sharing again with the same person changes nothing.",
    params(("id" = String, Path, description = "Saved quote id")),
    request_body = ShareBody,
    responses((status = 200, description = "Shared", body = SavedQuoteDetail)))]
pub async fn share(State(state): State<AppState>, user: ApiUser, Path(id): Path<String>, body: JsonBody) -> ApiResult {
    let id = SavedQuoteId::from_stored(id);
    // Whose quote it is is checked before what was sent.
    saved_quotes::get(&state.app, &user.session.actor, &id)
        .await
        .map_err(fail)?;
    let body: ShareBody = body.parse()?;
    saved_quotes::share(&state.app, &user.session.actor, &id, &body.email)
        .await
        .map_err(fail)?;
    Ok(Json(detail(&state, &user, &id).await?).into_response())
}

#[utoipa::path(get, path = "/saved-quotes/{id}/csv", operation_id = "downloadSavedQuote",
    summary = "A saved quote at today's prices as CSV (cells that a spreadsheet would read as a formula start with an apostrophe)",
    params(("id" = String, Path, description = "Saved quote id")),
    responses((status = 200, description = "The CSV file", content_type = "text/csv", body = String)))]
pub async fn csv(State(state): State<AppState>, user: ApiUser, Path(id): Path<String>) -> ApiResult {
    let (file_name, bytes) = saved_quotes::csv(&state.app, &user.session.actor, &SavedQuoteId::from_stored(id))
        .await
        .map_err(fail)?;
    Ok(crate::pages::csv_download(&file_name, bytes))
}
