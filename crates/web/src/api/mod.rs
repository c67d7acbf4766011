//! The JSON API under `/api/v1`. It calls the same use cases as the pages. Clients sign in with
//! `POST /api/v1/sessions` and send the token as `Authorization: Bearer`; creates honour
//! `Idempotency-Key`; errors are problem details (RFC 9457).

mod json;
pub mod openapi;
pub mod problem;
mod proposals;
mod two_factor;
mod views;

use crate::routes::Routes;
use crate::session::{ApiUser, ClientAddress};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use calloff_app::call_offs::{self, CallOffAction, PlaceCallOff};
use calloff_app::quotes::LineInput;
use calloff_app::registration::{self, Registration, VerificationDecision};
use calloff_app::variations::VariationOutcome;
use calloff_app::{approvals, auth, catalogue, change_requests, frameworks, quotes, AppError};
use calloff_domain::approval::{ApprovalRules, Decision, Threshold};
use calloff_domain::change_control::ChangeInput;
use calloff_domain::ids::{CallOffId, FrameworkId, ItemId};
use calloff_domain::money::Money;
use calloff_domain::role::Role;
use json::{ApiJson, ApiQuery, JsonBody};
use serde::Deserialize;
use serde_json::json;

pub fn routes() -> Routes {
    Routes::new()
        .post("/sessions", sign_in)
        .delete("/sessions/current", sign_out)
        .get("/account/two-factor", two_factor::status)
        .post("/account/two-factor", two_factor::start)
        .post("/account/two-factor/confirm", two_factor::confirm)
        .post("/account/two-factor/recovery-codes", two_factor::recovery_codes)
        .post("/account/two-factor/turn-off", two_factor::turn_off)
        .get("/frameworks", list_frameworks)
        .get("/frameworks/{id}", framework)
        .get("/frameworks/{id}/items", items)
        .get("/items/{id}", item)
        .post("/quotes", quote)
        .get("/call-offs", list_call_offs)
        .post("/call-offs", place_call_off)
        .get("/call-offs/{id}", call_off)
        .create("/call-offs/{id}/milestones", record_milestone)
        .create("/call-offs/{id}/variations", vary)
        .post("/call-offs/{id}/{action}", act)
        .get("/frameworks/{id}/change-requests", list_change_requests)
        .create("/frameworks/{id}/change-requests", propose_changes)
        .create("/frameworks/{id}/indexation", propose_indexation)
        .get("/change-requests/{id}", change_request)
        .post("/change-requests/{id}/{decision}", decide_change_request)
        .get("/items/{id}/versions", item_versions)
        .post("/items/{id}/demand-bands", set_demand_bands)
        .get("/frameworks/{id}/catalogue/as-of", catalogue_as_of)
        .get("/frameworks/{id}/catalogue-settings", catalogue_settings)
        .post("/frameworks/{id}/catalogue-settings", set_catalogue_settings)
        .get("/approvals", awaiting_approval)
        .post("/approvals/{id}/decision", decide_approval)
        .get("/organisation/approval-rules", approval_rules)
        .post("/organisation/approval-rules", set_approval_rules)
        .create("/organisations", register_organisation)
        .get("/organisations/pending", pending_organisations)
        .post("/organisations/{id}/{decision}", decide_organisation)
        .get("/frameworks/{id}/eligibility", eligibility)
        .get("/organisation/people", list_people)
        .create("/organisation/invitations", invite)
        .post("/organisation/people/{id}/{change}", change_person)
        .create("/invitations/{token}", accept_invitation)
        .get("/frameworks/{id}/proposals", proposals::list)
        .post("/frameworks/{id}/proposals", proposals::raise)
        .get("/proposals/{id}", proposals::show)
        .post("/proposals/{id}/votes", proposals::support)
        .post("/proposals/{id}/comments", proposals::comment)
        .post("/proposals/{id}/response", proposals::respond)
        .post("/proposals/{id}/decision", proposals::decide)
        .post("/proposals/{id}/follow", proposals::follow)
        .delete("/proposals/{id}/follow", proposals::unfollow)
        .get("/notifications", list_notifications)
        .post("/notifications/read", mark_notifications_read)
}

/// Parses `bytes` as each of the API's JSON bodies (and as a query string for each query), as
/// the handlers do. For fuzzing the input contract: whatever the bytes, this must not panic.
/// Returns how many parsed.
#[doc(hidden)]
pub fn parse_as_every_body(bytes: &[u8]) -> usize {
    fn ok<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> usize {
        usize::from(json::parse_body::<T>(bytes).is_ok())
    }
    let query = String::from_utf8_lossy(bytes);
    let queries = usize::from(json::parse_query::<ListQuery>(&query).is_ok())
        + usize::from(json::parse_query::<AfterQuery>(&query).is_ok())
        + usize::from(json::parse_query::<AsOfQuery>(&query).is_ok())
        + usize::from(json::parse_query::<catalogue::SearchParams>(&query).is_ok());
    queries
        + ok::<SignIn>(bytes)
        + ok::<two_factor::CodeBody>(bytes)
        + ok::<QuoteRequest>(bytes)
        + ok::<PlaceCallOff>(bytes)
        + ok::<ActionBody>(bytes)
        + ok::<Registration>(bytes)
        + ok::<InviteBody>(bytes)
        + ok::<ChangeBody>(bytes)
        + ok::<AcceptBody>(bytes)
        + ok::<MilestoneBody>(bytes)
        + ok::<VaryBody>(bytes)
        + ok::<RulesBody>(bytes)
        + ok::<DecisionBody>(bytes)
        + ok::<ProposeBody>(bytes)
        + ok::<IndexationBody>(bytes)
        + ok::<DemandBandsBody>(bytes)
        + ok::<frameworks::CatalogueSettings>(bytes)
        + ok::<calloff_domain::governance::ProposalInput>(bytes)
        + ok::<calloff_domain::governance::DecisionInput>(bytes)
}

/// Unknown paths under `/api/v1` get a problem document, not an HTML page.
pub async fn not_found() -> Response {
    problem::problem(
        StatusCode::NOT_FOUND,
        "not-found",
        "Not found",
        "No such API endpoint",
        &[],
    )
}

type ApiResult = Result<Response, Response>;

/// The use case's error with its fields named as this endpoint's body names them (a use case
/// shared with a page names the form's field).
fn renamed(e: AppError, rename: impl Fn(&str) -> Option<String>) -> AppError {
    let fix = |mut f: calloff_domain::FieldError| {
        if let Some(name) = rename(&f.field) {
            f.field = name;
        }
        f
    };
    match e {
        AppError::Invalid(f) => AppError::Invalid(fix(f)),
        AppError::InvalidFields(fs) => AppError::InvalidFields(fs.into_iter().map(fix).collect()),
        other => other,
    }
}

fn fail(e: AppError) -> Response {
    problem::ApiError(e).into_response()
}

#[derive(Deserialize)]
struct SignIn {
    email: String,
    password: String,
    /// The second factor, for people who sign in with one.
    code: Option<String>,
}

async fn sign_in(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    ApiJson(body): ApiJson<SignIn>,
) -> ApiResult {
    let credentials = auth::Credentials {
        email: &body.email,
        password: &body.password,
        code: body.code.as_deref(),
    };
    let session = auth::sign_in_from(&state.app, credentials, address.as_deref())
        .await
        .map_err(fail)?;
    if session.stage == auth::SessionStage::SecondFactor {
        // An API client sends the code with the password; the held sign-in is not kept.
        auth::sign_out(&state.app, &session.token).await.map_err(fail)?;
        return Err(fail(AppError::invalid(
            calloff_app::two_factor::CODE_FIELD,
            "Enter the 6-digit code from your authenticator app, or one of your recovery codes",
        )));
    }
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "token": session.token,
            "token_type": "Bearer",
            "expires_in_seconds": auth::SESSION_HOURS * 3600,
            "user": views::actor(&session.actor),
            // Until it is set up, the token reaches only /account/two-factor and signing out.
            "two_factor_set_up_required": session.stage == auth::SessionStage::Enrol,
        })),
    )
        .into_response())
}

async fn sign_out(State(state): State<AppState>, headers: HeaderMap, _user: ApiUser) -> ApiResult {
    let token = crate::session::bearer_token(&headers).unwrap_or_default();
    auth::sign_out(&state.app, token).await.map_err(fail)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn list_frameworks(State(state): State<AppState>, user: ApiUser) -> ApiResult {
    let all = frameworks::list(&state.app, &user.session.actor).await.map_err(fail)?;
    Ok(Json(json!({ "frameworks": all.iter().map(views::framework_summary).collect::<Vec<_>>() })).into_response())
}

async fn framework(State(state): State<AppState>, user: ApiUser, Path(id): Path<String>) -> ApiResult {
    let overview = frameworks::overview(&state.app, &user.session.actor, &FrameworkId::from_stored(id))
        .await
        .map_err(fail)?;
    Ok(Json(views::framework_overview(&overview)).into_response())
}

async fn items(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiQuery(params): ApiQuery<catalogue::SearchParams>,
) -> ApiResult {
    let request = params.parse().map_err(|e| fail(AppError::InvalidFields(e)))?;
    let found = catalogue::search(&state.app, &user.session.actor, &FrameworkId::from_stored(id), &request)
        .await
        .map_err(fail)?;
    Ok(Json(views::search_results(&found, &request)).into_response())
}

async fn item(State(state): State<AppState>, user: ApiUser, Path(id): Path<String>) -> ApiResult {
    let item = catalogue::item(&state.app, &user.session.actor, &ItemId::from_stored(id))
        .await
        .map_err(fail)?;
    let paid = catalogue::prices_paid(&state.app, &user.session.actor, &item.id)
        .await
        .map_err(fail)?;
    let mut body = views::item(&item);
    body["prices_paid"] = views::prices_paid(&paid);
    Ok(Json(body).into_response())
}

#[derive(Deserialize)]
struct QuoteRequest {
    framework_id: FrameworkId,
    lines: Vec<LineInput>,
}

async fn quote(State(state): State<AppState>, user: ApiUser, ApiJson(body): ApiJson<QuoteRequest>) -> ApiResult {
    let quote = quotes::price(&state.app, &user.session.actor, &body.framework_id, &body.lines)
        .await
        .map_err(fail)?;
    let advice = quotes::route_to_market(&state.app, &user.session.actor, &quote)
        .await
        .map_err(fail)?;
    Ok(Json(views::quote(&quote, &advice)).into_response())
}

async fn place_call_off(
    State(state): State<AppState>,
    user: ApiUser,
    headers: HeaderMap,
    ApiJson(body): ApiJson<PlaceCallOff>,
) -> ApiResult {
    let key = idempotency_key(&headers, "call-off")?;
    let placed = call_offs::place(&state.app, &user.session.actor, &body, Some(&key))
        .await
        .map_err(fail)?;
    let view = call_offs::view(&state.app, &user.session.actor, &placed.call_off.id)
        .await
        .map_err(fail)?;
    Ok(created(
        views::call_off(&view),
        &format!("/api/v1/call-offs/{}", placed.call_off.id),
        placed.replayed,
    ))
}

/// The `Idempotency-Key` every create needs: a new unique key with each `what`, and the same key
/// when retrying it.
fn idempotency_key(headers: &HeaderMap, what: &str) -> Result<String, Response> {
    Ok(headers
        .get("idempotency-key")
        .ok_or_else(|| {
            fail(AppError::invalid(
                "Idempotency-Key",
                format!("is required: send a new unique key (a UUID, say) with each {what}, and the same key when retrying it"),
            ))
        })?
        .to_str()
        .map_err(|_| fail(AppError::invalid("Idempotency-Key", "must be printable ASCII")))?
        .to_string())
}

/// A 201 response at `location`, marked when it replays an earlier create.
fn created(body: serde_json::Value, location: &str, replayed: bool) -> Response {
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    let h = response.headers_mut();
    if let Ok(location) = location.parse() {
        h.insert(header::LOCATION, location);
    }
    if replayed {
        h.insert("Idempotent-Replayed", header::HeaderValue::from_static("true"));
    }
    response
}

#[derive(Deserialize)]
struct ListQuery {
    cursor: Option<String>,
}

async fn list_call_offs(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult {
    let before = match query.cursor.as_deref() {
        None | Some("") => None,
        Some(c) => Some(
            c.parse::<i64>()
                .map_err(|_| fail(AppError::invalid("cursor", "is not a cursor from a previous page")))?,
        ),
    };
    let (page, next) = call_offs::list_views(&state.app, &user.session.actor, before)
        .await
        .map_err(fail)?;
    Ok(Json(json!({
        "call_offs": page.iter().map(views::call_off).collect::<Vec<_>>(),
        "next_cursor": next.map(|n| n.to_string()),
    }))
    .into_response())
}

async fn call_off(State(state): State<AppState>, user: ApiUser, Path(id): Path<String>) -> ApiResult {
    let view = call_offs::view(&state.app, &user.session.actor, &CallOffId::from_stored(id))
        .await
        .map_err(fail)?;
    Ok(Json(views::call_off(&view)).into_response())
}

#[derive(Deserialize, Default)]
struct ActionBody {
    #[serde(default)]
    reason: String,
    /// Resubmitting: a corrected cost centre.
    #[serde(default)]
    cost_centre: Option<String>,
}

/// The body is optional: only rejecting and cancelling need one, with a reason.
async fn act(
    State(state): State<AppState>,
    user: ApiUser,
    Path((id, action)): Path<(String, String)>,
    body: JsonBody,
) -> ApiResult {
    let body = body.parse_or_default::<ActionBody>()?;
    let reason = body.reason.clone();
    let id = CallOffId::from_stored(id);
    let actor = &user.session.actor;
    // Withdrawing a request for approval, or submitting a returned draft again.
    let approval_step = match action.as_str() {
        "withdraw" => Some(approvals::withdraw(&state.app, actor, &id).await.map(|_| ())),
        "resubmit" => Some(
            approvals::resubmit(&state.app, actor, &id, body.cost_centre.as_deref())
                .await
                .map(|_| ()),
        ),
        _ => None,
    };
    if let Some(done) = approval_step {
        done.map_err(fail)?;
        let view = call_offs::view(&state.app, actor, &id).await.map_err(fail)?;
        return Ok(Json(views::call_off(&view)).into_response());
    }
    let action = match action.as_str() {
        "accept" => CallOffAction::Accept,
        "reject" => CallOffAction::Reject { reason },
        "cancel" => CallOffAction::Cancel { reason },
        "go-live" => CallOffAction::GoLive,
        "end" => CallOffAction::End,
        "terminate" => CallOffAction::Terminate { reason },
        _ => return Err(fail(AppError::NotFound(format!("action \"{action}\"")))),
    };
    call_offs::act(&state.app, &user.session.actor, &id, &action)
        .await
        .map_err(fail)?;
    let view = call_offs::view(&state.app, &user.session.actor, &id)
        .await
        .map_err(fail)?;
    Ok(Json(views::call_off(&view)).into_response())
}

async fn list_notifications(State(state): State<AppState>, user: ApiUser) -> ApiResult {
    let items = calloff_app::notifications::list(&state.app, &user.session.actor)
        .await
        .map_err(fail)?;
    Ok(Json(json!({ "notifications": items.iter().map(views::notification).collect::<Vec<_>>() })).into_response())
}

async fn mark_notifications_read(State(state): State<AppState>, user: ApiUser) -> ApiResult {
    let marked = calloff_app::notifications::mark_all_read(&state.app, &user.session.actor)
        .await
        .map_err(fail)?;
    Ok(Json(json!({ "marked_read": marked })).into_response())
}

async fn register_organisation(State(state): State<AppState>, ApiJson(body): ApiJson<Registration>) -> ApiResult {
    let id = registration::register(&state.app, &body).await.map_err(fail)?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": id, "verification": "pending" })),
    )
        .into_response())
}

async fn pending_organisations(State(state): State<AppState>, user: ApiUser) -> ApiResult {
    let pending = registration::pending(&state.app, &user.session.actor)
        .await
        .map_err(fail)?;
    Ok(Json(json!({ "organisations": pending.iter().map(views::organisation).collect::<Vec<_>>() })).into_response())
}

async fn decide_organisation(
    State(state): State<AppState>,
    user: ApiUser,
    Path((id, decision)): Path<(String, String)>,
    body: JsonBody,
) -> ApiResult {
    let body = body.parse_or_default::<ActionBody>()?;
    let reason = body.reason.clone();
    let decision = match decision.as_str() {
        "verify" => VerificationDecision::Verify,
        "reject" => VerificationDecision::Reject { reason },
        _ => return Err(fail(AppError::NotFound(format!("decision \"{decision}\"")))),
    };
    let id = calloff_domain::ids::OrganisationId::from_stored(id);
    registration::decide(&state.app, &user.session.actor, &id, &decision)
        .await
        .map_err(fail)?;
    Ok(Json(
        json!({ "id": id, "decision": if decision == VerificationDecision::Verify { "verified" } else { "rejected" } }),
    )
    .into_response())
}

async fn eligibility(State(state): State<AppState>, user: ApiUser, Path(id): Path<String>) -> ApiResult {
    let register = frameworks::eligibility(&state.app, &user.session.actor, &FrameworkId::from_stored(id))
        .await
        .map_err(fail)?;
    Ok(Json(json!({
        "framework_id": register.framework.id,
        "kinds": register.kinds,
        "named": register.named.iter().map(views::organisation).collect::<Vec<_>>(),
    }))
    .into_response())
}

async fn list_people(State(state): State<AppState>, user: ApiUser) -> ApiResult {
    let people = calloff_app::people::list(&state.app, &user.session.actor)
        .await
        .map_err(fail)?;
    let people: Vec<_> = people
        .iter()
        .map(|p| json!({ "id": p.id, "name": p.name, "email": p.email, "roles": p.roles, "status": p.status.to_lowercase() }))
        .collect();
    Ok(Json(json!({ "people": people })).into_response())
}

#[derive(Deserialize)]
struct InviteBody {
    email: String,
    roles: Vec<String>,
}

fn parse_roles(names: &[String]) -> Result<Vec<calloff_domain::role::Role>, Response> {
    calloff_domain::role::Role::parse_list("roles", names).map_err(|e| fail(AppError::InvalidFields(e)))
}

async fn invite(State(state): State<AppState>, user: ApiUser, ApiJson(body): ApiJson<InviteBody>) -> ApiResult {
    let roles = parse_roles(&body.roles)?;
    // The link goes to the invitee by email only; it is not returned here.
    calloff_app::people::invite(&state.app, &user.session.actor, &body.email, &roles)
        .await
        .map_err(fail)?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "invited": body.email.trim().to_lowercase(), "expires_in_days": calloff_app::people::INVITATION_DAYS })),
    )
        .into_response())
}

#[derive(Deserialize, Default)]
struct ChangeBody {
    #[serde(default)]
    roles: Vec<String>,
}

async fn change_person(
    State(state): State<AppState>,
    user: ApiUser,
    Path((id, change)): Path<(String, String)>,
    body: JsonBody,
) -> ApiResult {
    let body: ChangeBody = body.parse_or_default()?;
    let target = calloff_domain::ids::UserId::from_stored(id);
    let actor = &user.session.actor;
    match change.as_str() {
        "roles" => calloff_app::people::set_roles(&state.app, actor, &target, &parse_roles(&body.roles)?).await,
        "deactivate" => calloff_app::people::deactivate(&state.app, actor, &target).await,
        _ => Err(AppError::NotFound(format!("change \"{change}\""))),
    }
    .map_err(fail)?;
    Ok(Json(json!({ "id": target, "changed": change })).into_response())
}

#[derive(Deserialize)]
struct AcceptBody {
    name: String,
    password: String,
}

async fn accept_invitation(
    State(state): State<AppState>,
    Path(token): Path<String>,
    ApiJson(body): ApiJson<AcceptBody>,
) -> ApiResult {
    let user = calloff_app::people::accept(&state.app, &token, &body.name, &body.password)
        .await
        .map_err(fail)?;
    Ok((StatusCode::CREATED, Json(json!({ "user_id": user }))).into_response())
}

#[derive(Deserialize)]
struct MilestoneBody {
    #[serde(default)]
    name: String,
    #[serde(default)]
    done_on: String,
}

async fn record_milestone(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<MilestoneBody>,
) -> ApiResult {
    let id = CallOffId::from_stored(id);
    calloff_app::lifecycle::record_milestone(&state.app, &user.session.actor, &id, &body.name, &body.done_on)
        .await
        .map_err(fail)?;
    let view = call_offs::view(&state.app, &user.session.actor, &id)
        .await
        .map_err(fail)?;
    Ok((StatusCode::CREATED, Json(views::call_off(&view))).into_response())
}

#[derive(Deserialize)]
struct VaryBody {
    lines: Vec<LineInput>,
}

async fn vary(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<VaryBody>,
) -> ApiResult {
    let id = CallOffId::from_stored(id);
    let outcome = calloff_app::variations::vary(&state.app, &user.session.actor, &id, &body.lines)
        .await
        .map_err(fail)?;
    let view = call_offs::view(&state.app, &user.session.actor, &id)
        .await
        .map_err(fail)?;
    let mut body = views::call_off(&view);
    match outcome {
        VariationOutcome::Applied(varied) => {
            body["variation"] = json!({
                "status": "applied",
                "number": varied.variation.number,
                "previous_value": { "pence": varied.variation.previous_value.pence(), "display": varied.variation.previous_value.to_string() },
                "original_value": { "pence": varied.variation.original_value.pence(), "display": varied.variation.original_value.to_string() },
                "cumulative_change_basis_points": varied.cumulative_change_bp,
                "over_modification_limit": varied.variation.over_limit,
                "warning": varied.warning(),
            });
            Ok((StatusCode::CREATED, Json(body)).into_response())
        }
        VariationOutcome::AwaitingApproval(request) => {
            body["variation"] = json!({
                "status": "awaiting_approval",
                "approval_request_id": request.id,
                "increase": { "pence": request.value.pence(), "display": request.value.to_string() },
                "approvers_required": request.approvers_required,
                "expires_at": request.expires_at,
            });
            Ok((StatusCode::ACCEPTED, Json(body)).into_response())
        }
    }
}

async fn approval_rules(State(state): State<AppState>, user: ApiUser) -> ApiResult {
    let rules = approvals::rules(&state.app, &user.session.actor).await.map_err(fail)?;
    Ok(Json(views::approval_rules(&rules)).into_response())
}

#[derive(Deserialize)]
struct ThresholdBody {
    from_value_pence: i64,
    approvers: u32,
}

#[derive(Deserialize)]
struct RulesBody {
    thresholds: Vec<ThresholdBody>,
    #[serde(default = "default_expiry_days")]
    expiry_days: u32,
}

fn default_expiry_days() -> u32 {
    calloff_domain::approval::DEFAULT_EXPIRY_DAYS
}

async fn set_approval_rules(State(state): State<AppState>, user: ApiUser, body: JsonBody) -> ApiResult {
    let actor = &user.session.actor;
    // Who may set them is checked before what they sent.
    actor
        .require(Role::OrganisationAdmin, "set approval rules")
        .map_err(fail)?;
    let body: RulesBody = body.parse()?;
    let thresholds = body
        .thresholds
        .iter()
        .map(|t| Threshold {
            from_value: Money::from_pence(t.from_value_pence),
            approvers: t.approvers,
        })
        .collect();
    let rules = ApprovalRules::new(thresholds, body.expiry_days).map_err(|e| {
        fail(renamed(AppError::InvalidFields(e), |f| {
            f.strip_suffix(".from_value").map(|t| format!("{t}.from_value_pence"))
        }))
    })?;
    approvals::set_rules(&state.app, actor, &rules).await.map_err(fail)?;
    Ok(Json(views::approval_rules(&rules)).into_response())
}

async fn awaiting_approval(State(state): State<AppState>, user: ApiUser) -> ApiResult {
    let awaiting = approvals::awaiting(&state.app, &user.session.actor)
        .await
        .map_err(fail)?;
    let items: Vec<_> = awaiting
        .iter()
        .map(|a| {
            let mut item = views::approval_request(&a.view);
            item["call_off"] = json!({
                "id": a.call_off.id, "reference": a.call_off.reference,
                "contract_value": { "pence": a.call_off.totals.contract_value.pence(), "display": a.call_off.totals.contract_value.to_string() },
                "cost_centre": a.call_off.cost_centre,
            });
            item["you_may_decide"] = json!(a.blocked.is_none());
            item["why_not"] = json!(a.blocked);
            item
        })
        .collect();
    Ok(Json(json!({ "approvals": items })).into_response())
}

#[derive(Deserialize)]
struct DecisionBody {
    decision: String,
    #[serde(default)]
    comment: String,
}

async fn decide_approval(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: JsonBody,
) -> ApiResult {
    let actor = &user.session.actor;
    actor.require(Role::Approver, "decide on approvals").map_err(fail)?;
    let body: DecisionBody = body.parse()?;
    let decision = Decision::parse(&body.decision).map_err(|e| fail(e.into()))?;
    let decided = approvals::decide(&state.app, actor, &id, decision, &body.comment)
        .await
        .map_err(fail)?;
    let outcome = match decided {
        approvals::Decided::Recorded {
            approvals_given,
            approvers_required,
        } => {
            json!({ "outcome": "recorded", "approvals_given": approvals_given, "approvers_required": approvers_required })
        }
        approvals::Decided::Approved => json!({ "outcome": "approved" }),
        approvals::Decided::Returned => json!({ "outcome": "returned" }),
    };
    Ok(Json(outcome).into_response())
}

async fn list_change_requests(State(state): State<AppState>, user: ApiUser, Path(id): Path<String>) -> ApiResult {
    let requests = change_requests::list(&state.app, &user.session.actor, &FrameworkId::from_stored(id))
        .await
        .map_err(fail)?;
    Ok(
        Json(json!({ "change_requests": requests.iter().map(views::change_request).collect::<Vec<_>>() }))
            .into_response(),
    )
}

#[derive(Deserialize)]
struct ProposeBody {
    #[serde(default)]
    title: String,
    changes: Vec<ChangeInput>,
    /// An accepted proposal the request answers.
    #[serde(default)]
    proposal_id: Option<calloff_domain::ids::ProposalId>,
}

async fn propose_changes(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: JsonBody,
) -> ApiResult {
    let actor = &user.session.actor;
    let framework_id = FrameworkId::from_stored(id);
    // Who may propose is checked before what they sent.
    change_requests::may_propose(&state.app, actor, &framework_id)
        .await
        .map_err(fail)?;
    let body: ProposeBody = body.parse()?;
    let request = change_requests::propose_answering(
        &state.app,
        actor,
        &framework_id,
        &body.title,
        &body.changes,
        body.proposal_id.as_ref(),
    )
    .await
    .map_err(fail)?;
    let view = change_requests::view(&state.app, actor, &request.id, None)
        .await
        .map_err(fail)?;
    Ok((StatusCode::CREATED, Json(views::change_request_view(&view))).into_response())
}

#[derive(Deserialize)]
struct IndexationBody {
    uplift_basis_points: i64,
    effective_from: String,
}

async fn propose_indexation(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: JsonBody,
) -> ApiResult {
    let actor = &user.session.actor;
    let framework_id = FrameworkId::from_stored(id);
    change_requests::may_propose(&state.app, actor, &framework_id)
        .await
        .map_err(fail)?;
    let body: IndexationBody = body.parse()?;
    let request = change_requests::propose_indexation(
        &state.app,
        actor,
        &framework_id,
        body.uplift_basis_points,
        &body.effective_from,
    )
    .await
    .map_err(|e| {
        fail(renamed(e, |f| {
            (f == "uplift").then(|| "uplift_basis_points".to_string())
        }))
    })?;
    Ok((StatusCode::CREATED, Json(views::change_request(&request))).into_response())
}

#[derive(Deserialize)]
struct AfterQuery {
    after: Option<i64>,
}

async fn change_request(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<AfterQuery>,
) -> ApiResult {
    let view = change_requests::view(&state.app, &user.session.actor, &id, query.after)
        .await
        .map_err(fail)?;
    Ok(Json(views::change_request_view(&view)).into_response())
}

async fn decide_change_request(
    State(state): State<AppState>,
    user: ApiUser,
    Path((id, decision)): Path<(String, String)>,
    body: JsonBody,
) -> ApiResult {
    let reason = body.parse_or_default::<ActionBody>()?.reason;
    let decision = match decision.as_str() {
        "approve" => change_requests::Decision::Approve,
        "reject" => change_requests::Decision::Reject { reason },
        _ => return Err(fail(AppError::NotFound(format!("decision \"{decision}\"")))),
    };
    let decided = change_requests::decide(&state.app, &user.session.actor, &id, &decision)
        .await
        .map_err(fail)?;
    Ok(Json(views::change_request(&decided)).into_response())
}

async fn item_versions(State(state): State<AppState>, user: ApiUser, Path(id): Path<String>) -> ApiResult {
    let item = catalogue::item(&state.app, &user.session.actor, &ItemId::from_stored(id))
        .await
        .map_err(fail)?;
    let versions = change_requests::versions(&state.app, &item.id).await.map_err(fail)?;
    Ok(
        Json(json!({ "item_id": item.id, "versions": versions.iter().map(views::item_version).collect::<Vec<_>>() }))
            .into_response(),
    )
}

#[derive(Deserialize)]
struct DemandBandsBody {
    /// `5000 = 3.20; 20000 = 2.90`; empty for none.
    demand_bands: String,
}

async fn set_demand_bands(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: JsonBody,
) -> ApiResult {
    let body: DemandBandsBody = body.parse()?;
    let item = catalogue::set_demand_bands(
        &state.app,
        &user.session.actor,
        &ItemId::from_stored(id),
        &body.demand_bands,
    )
    .await
    .map_err(fail)?;
    Ok(Json(views::item(&item)).into_response())
}

#[derive(Deserialize)]
struct AsOfQuery {
    #[serde(default)]
    date: String,
}

async fn catalogue_as_of(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<AsOfQuery>,
) -> ApiResult {
    let view = catalogue::as_of(
        &state.app,
        &user.session.actor,
        &FrameworkId::from_stored(id),
        &query.date,
    )
    .await
    .map_err(fail)?;
    Ok(Json(views::catalogue_as_of(&view)).into_response())
}

async fn catalogue_settings(State(state): State<AppState>, user: ApiUser, Path(id): Path<String>) -> ApiResult {
    let settings = frameworks::catalogue_settings(&state.app, &user.session.actor, &FrameworkId::from_stored(id))
        .await
        .map_err(fail)?;
    Ok(Json(json!(settings)).into_response())
}

async fn set_catalogue_settings(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: JsonBody,
) -> ApiResult {
    let settings: frameworks::CatalogueSettings = body.parse()?;
    let settings =
        frameworks::set_catalogue_settings(&state.app, &user.session.actor, &FrameworkId::from_stored(id), settings)
            .await
            .map_err(fail)?;
    Ok(Json(json!(settings)).into_response())
}
