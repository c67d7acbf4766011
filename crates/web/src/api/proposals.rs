//! Customer governance over the API: a framework's proposals, raising one, and supporting,
//! commenting on, responding to, deciding and following a proposal.

use super::json::{ApiQuery, JsonBody};
use super::{created, fail, idempotency_key, views, ApiResult};
use crate::session::ApiUser;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use axum::Json;
use calloff_app::proposals;
use calloff_domain::governance::{DecisionInput, ProposalInput, ProposalStatus};
use calloff_domain::ids::{FrameworkId, ProposalId};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
pub struct StatusQuery {
    status: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<StatusQuery>,
) -> ApiResult {
    let status = match query.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(ProposalStatus::parse(s).map_err(|e| fail(e.into()))?),
    };
    let roadmap = proposals::roadmap(&state.app, &user.session.actor, &FrameworkId::from_stored(id), status)
        .await
        .map_err(fail)?;
    Ok(Json(json!({
        "framework_id": roadmap.framework.id,
        "you_may_raise": roadmap.standing.customer,
        "proposals": roadmap.proposals.iter().map(views::proposal).collect::<Vec<_>>(),
    }))
    .into_response())
}

async fn view_of(
    state: &AppState,
    user: &ApiUser,
    id: &ProposalId,
) -> Result<serde_json::Value, axum::response::Response> {
    let view = proposals::view(&state.app, &user.session.actor, id)
        .await
        .map_err(fail)?;
    Ok(views::proposal_view(&view))
}

pub async fn raise(
    State(state): State<AppState>,
    user: ApiUser,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: JsonBody,
) -> ApiResult {
    let actor = &user.session.actor;
    let framework_id = FrameworkId::from_stored(id);
    // Who may raise is checked before what they sent.
    proposals::may_raise(&state.app, actor, &framework_id)
        .await
        .map_err(fail)?;
    let key = idempotency_key(&headers, "proposal")?;
    let input: ProposalInput = body.parse()?;
    let raised = proposals::raise(&state.app, actor, &framework_id, &input, Some(&key))
        .await
        .map_err(fail)?;
    let id = raised.proposal.id;
    Ok(created(
        view_of(&state, &user, &id).await?,
        &format!("/api/v1/proposals/{id}"),
        raised.replayed,
    ))
}

pub async fn show(State(state): State<AppState>, user: ApiUser, Path(id): Path<String>) -> ApiResult {
    Ok(Json(view_of(&state, &user, &ProposalId::from_stored(id)).await?).into_response())
}

/// One vote per organisation: the organisation's support is its own idempotency key, so a second
/// vote (or a retry) is refused with 409 naming `vote`.
pub async fn support(State(state): State<AppState>, user: ApiUser, Path(id): Path<String>) -> ApiResult {
    let id = ProposalId::from_stored(id);
    proposals::support(&state.app, &user.session.actor, &id)
        .await
        .map_err(fail)?;
    Ok(created(
        view_of(&state, &user, &id).await?,
        &format!("/api/v1/proposals/{id}"),
        false,
    ))
}

#[derive(Deserialize, Default)]
struct CommentBody {
    #[serde(default)]
    comment: String,
}

pub async fn comment(
    State(state): State<AppState>,
    user: ApiUser,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: JsonBody,
) -> ApiResult {
    let actor = &user.session.actor;
    let id = ProposalId::from_stored(id);
    proposals::may_comment(&state.app, actor, &id).await.map_err(fail)?;
    let key = idempotency_key(&headers, "comment")?;
    let body: CommentBody = body.parse_or_default()?;
    let commented = proposals::comment(&state.app, actor, &id, &body.comment, Some(&key))
        .await
        .map_err(fail)?;
    Ok(created(
        views::proposal_comment(&commented.comment),
        &format!("/api/v1/proposals/{id}"),
        commented.replayed,
    ))
}

#[derive(Deserialize, Default)]
struct ResponseBody {
    #[serde(default)]
    response: String,
}

pub async fn respond(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: JsonBody,
) -> ApiResult {
    let id = ProposalId::from_stored(id);
    let body: ResponseBody = body.parse_or_default()?;
    proposals::respond(&state.app, &user.session.actor, &id, &body.response)
        .await
        .map_err(fail)?;
    Ok(Json(view_of(&state, &user, &id).await?).into_response())
}

pub async fn decide(State(state): State<AppState>, user: ApiUser, Path(id): Path<String>, body: JsonBody) -> ApiResult {
    let id = ProposalId::from_stored(id);
    let input: DecisionInput = body.parse_or_default()?;
    proposals::decide(&state.app, &user.session.actor, &id, &input)
        .await
        .map_err(fail)?;
    Ok(Json(view_of(&state, &user, &id).await?).into_response())
}

async fn set_following(state: AppState, user: ApiUser, id: String, on: bool) -> ApiResult {
    let id = ProposalId::from_stored(id);
    let following = proposals::follow(&state.app, &user.session.actor, &id, on)
        .await
        .map_err(fail)?;
    Ok(Json(json!({ "proposal_id": id, "you_follow": following })).into_response())
}

pub async fn follow(State(state): State<AppState>, user: ApiUser, Path(id): Path<String>) -> ApiResult {
    set_following(state, user, id, true).await
}

pub async fn unfollow(State(state): State<AppState>, user: ApiUser, Path(id): Path<String>) -> ApiResult {
    set_following(state, user, id, false).await
}
