//! Customer governance over the API: a framework's proposals, raising one, and supporting,
//! commenting on, responding to, deciding and following a proposal.

use super::json::{ApiQuery, JsonBody};
use super::views::{Following, ProposalCommentView, ProposalDetail, ProposalList};
use super::{created, fail, idempotency_key, ApiResult};
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
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatusQuery {
    /// Only proposals with this status.
    #[param(value_type = Option<ProposalStatus>, inline)]
    status: Option<String>,
}

#[utoipa::path(get, path = "/frameworks/{id}/proposals", operation_id = "listProposals",
    summary = "The roadmap: the framework's proposals, most supported first (for its customers, its supplier, its manager and auditors)",
    params(("id" = String, Path, description = "Framework id"), StatusQuery),
    responses(
        (status = 200, description = "Proposals", body = ProposalList),
        (status = 422, description = "An unknown status", body = super::problem::Problem, content_type = "application/problem+json"),
    ))]
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
    Ok(Json(ProposalList {
        framework_id: roadmap.framework.id,
        you_may_raise: roadmap.standing.may_raise_proposals(),
        proposals: roadmap.proposals.iter().map(Into::into).collect(),
    })
    .into_response())
}

async fn view_of(
    state: &AppState,
    user: &ApiUser,
    id: &ProposalId,
) -> Result<ProposalDetail, axum::response::Response> {
    let view = proposals::view(&state.app, &user.session.actor, id)
        .await
        .map_err(fail)?;
    Ok(ProposalDetail::from(&view))
}

#[utoipa::path(post, path = "/frameworks/{id}/proposals", operation_id = "raiseProposal",
    summary = "Raise a proposal (buyers, approvers and organisation admins of verified customer organisations eligible on the framework). The organisation's support is recorded with it and the raiser follows it; the manager and the supplier are told.",
    params(("id" = String, Path, description = "Framework id"), ("Idempotency-Key" = String, Header, description = "A new unique key (a UUID) with each proposal. A retry with the same key and body returns the proposal raised the first time (Idempotent-Replayed: true); with another body it is refused (409).")),
    request_body = ProposalInput,
    responses((status = 201, description = "Raised", body = ProposalDetail, headers(("Location" = String), ("Idempotent-Replayed" = String)))))]
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

#[utoipa::path(get, path = "/proposals/{id}", operation_id = "getProposal",
    summary = "A proposal with its supporters, comments, the supplier's response, the decision, the change requests answering it, and what the signed-in user may do",
    params(("id" = String, Path, description = "Proposal id")),
    responses((status = 200, description = "The proposal", body = ProposalDetail)))]
pub async fn show(State(state): State<AppState>, user: ApiUser, Path(id): Path<String>) -> ApiResult {
    Ok(Json(view_of(&state, &user, &ProposalId::from_stored(id)).await?).into_response())
}

/// One vote per organisation: the organisation's support is its own idempotency key, so a second
/// vote (or a retry) is refused with 409 naming `vote`.
#[utoipa::path(post, path = "/proposals/{id}/votes", operation_id = "supportProposal",
    summary = "Support the proposal for the signed-in user's organisation (customers only). One vote per organisation: a second is refused with 409 naming `vote`, as is support for a decided proposal. The organisation is its own idempotency key.",
    params(("id" = String, Path, description = "Proposal id")),
    responses(
        (status = 201, description = "Supported", body = ProposalDetail, headers(("Location" = String))),
        (status = 409, description = "A second vote from the organisation, or a decided proposal", body = super::problem::Problem, content_type = "application/problem+json"),
    ))]
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

#[derive(Deserialize, Default, ToSchema)]
#[schema(as = CommentInput)]
struct CommentBody {
    #[serde(default)]
    #[schema(required = true, min_length = 1, max_length = 2000)]
    comment: String,
}

#[utoipa::path(post, path = "/proposals/{id}/comments", operation_id = "commentOnProposal",
    summary = "Comment on an open or deferred proposal (customers, the supplier, the manager); the author then follows it",
    params(("id" = String, Path, description = "Proposal id"), ("Idempotency-Key" = String, Header, description = "A new unique key (a UUID) with each comment. A retry with the same key and body returns the comment added the first time (Idempotent-Replayed: true); with another body it is refused (409).")),
    request_body = CommentBody,
    responses((status = 201, description = "Added", body = ProposalCommentView, headers(("Location" = String), ("Idempotent-Replayed" = String)))))]
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
        ProposalCommentView::from(&commented.comment),
        &format!("/api/v1/proposals/{id}"),
        commented.replayed,
    ))
}

#[derive(Deserialize, Default, ToSchema)]
#[schema(as = SupplierResponseInput)]
struct ResponseBody {
    #[serde(default)]
    #[schema(required = true, min_length = 1, max_length = 5000)]
    response: String,
}

#[utoipa::path(post, path = "/proposals/{id}/response", operation_id = "respondToProposal",
    summary = "The supplier's response to an open or deferred proposal; sending another replaces it. Followers are told.",
    params(("id" = String, Path, description = "Proposal id")),
    request_body = ResponseBody,
    responses((status = 200, description = "The proposal", body = ProposalDetail), (status = 409, description = "The proposal is decided", body = super::problem::Problem, content_type = "application/problem+json")))]
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

#[utoipa::path(post, path = "/proposals/{id}/decision", operation_id = "decideProposal",
    summary = "The framework manager's decision, with a reason: accept (as a change request or onto the roadmap, with an optional target quarter), decline or defer. Accepted and declined are final (409 naming `decision`); a deferred proposal may be decided again. Followers are told.",
    params(("id" = String, Path, description = "Proposal id")),
    request_body = DecisionInput,
    responses((status = 200, description = "The proposal", body = ProposalDetail), (status = 409, description = "The proposal is already accepted or declined", body = super::problem::Problem, content_type = "application/problem+json")))]
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
    Ok(Json(Following {
        proposal_id: id,
        you_follow: following,
    })
    .into_response())
}

#[utoipa::path(post, path = "/proposals/{id}/follow", operation_id = "followProposal",
    summary = "Follow the proposal: be told when the supplier responds and when the manager decides (customers, the supplier, the manager)",
    params(("id" = String, Path, description = "Proposal id")),
    responses((status = 200, description = "Following", body = Following)))]
pub async fn follow(State(state): State<AppState>, user: ApiUser, Path(id): Path<String>) -> ApiResult {
    set_following(state, user, id, true).await
}

#[utoipa::path(delete, path = "/proposals/{id}/follow", operation_id = "unfollowProposal",
    summary = "Stop following the proposal",
    params(("id" = String, Path, description = "Proposal id")),
    responses((status = 200, description = "Not following", body = Following)))]
pub async fn unfollow(State(state): State<AppState>, user: ApiUser, Path(id): Path<String>) -> ApiResult {
    set_following(state, user, id, false).await
}
