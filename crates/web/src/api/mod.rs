//! The JSON API under `/api/v1`. It calls the same use cases as the pages. Clients sign in with
//! `POST /api/v1/sessions` and send the token as `Authorization: Bearer`; creates honour
//! `Idempotency-Key`; errors are problem details (RFC 9457).

mod feed;
pub(crate) mod invoices;
pub(crate) mod json;
pub(crate) mod ocds;
pub mod openapi;
pub mod problem;
mod proposals;
mod public;
pub(crate) mod register;
pub(crate) mod returns;
mod saved_quotes;
pub(crate) mod transparency;
mod two_factor;
mod views;

use crate::routes::Routes;
use crate::session::{ApiUser, ClientAddress};
use crate::AppState;
use axum::extract::{Path, RawQuery, State};
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
use utoipa::{IntoParams, ToSchema};
use views::*;

pub(crate) use invoices::xml_download;

pub fn routes() -> Routes {
    let mut routes = Routes::new()
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
        .get("/saved-quotes", saved_quotes::list)
        .create("/saved-quotes", saved_quotes::save)
        .get("/saved-quotes/{id}", saved_quotes::show)
        .post("/saved-quotes/{id}", saved_quotes::replace)
        .delete("/saved-quotes/{id}", saved_quotes::delete)
        .post("/saved-quotes/{id}/shares", saved_quotes::share)
        .get("/saved-quotes/{id}/csv", saved_quotes::csv)
        .get("/call-offs", list_call_offs)
        .post("/call-offs", place_call_off)
        .get("/call-offs/{id}", call_off)
        .get("/call-offs/{id}/notices", call_off_notices)
        .post("/call-offs/{id}/notices", record_notice)
        .get("/call-offs/{id}/notices/{notice}/ocds", notice_data)
        .create("/call-offs/{id}/milestones", record_milestone)
        .create("/call-offs/{id}/variations", vary)
        .post("/call-offs/{id}/variations/preview", preview_variation)
        .create("/call-offs/{id}/invoices", invoices::submit)
        .get("/call-offs/{id}/invoices", invoices::list)
        .get("/invoices/{id}", invoices::show)
        .get("/invoices/{id}/ubl", invoices::ubl)
        .post(
            "/invoices",
            axum::handler::Handler::layer(
                invoices::upload,
                axum::extract::DefaultBodyLimit::max(calloff_interop::ubl::MAX_BYTES),
            ),
        )
        .post("/invoices/{id}/decision", invoices::decide)
        .get("/frameworks/{id}/spend", invoices::framework_spend)
        .get("/organisation/spend", invoices::organisation_spend)
        .get("/organisation/transparency/contracts", transparency::contracts)
        .get("/organisation/transparency/spend", transparency::spend)
        .get("/frameworks/{id}/returns", returns::list)
        .get("/frameworks/{id}/levy", returns::levy_by_month)
        .create("/frameworks/{id}/levy-rules", returns::add_levy_rule)
        .post(
            "/frameworks/{id}/returns/import",
            axum::handler::Handler::layer(
                returns::import,
                axum::extract::DefaultBodyLimit::max(returns::MAX_IMPORT_BYTES),
            ),
        )
        .get("/returns/{id}", returns::show)
        .post("/returns/{id}/submit", returns::submit)
        .post("/returns/{id}/no-business", returns::no_business)
        .post("/returns/{id}/correction", returns::correct)
        .get("/returns/{id}/levy-invoice", returns::levy_invoice)
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
        .get("/frameworks/{id}/ocds/confidentiality", ocds::confidentiality)
        .post("/frameworks/{id}/ocds/confidentiality", ocds::set_confidentiality)
        .get("/ocds/releases", ocds::releases)
        .get("/ocds/records/{ocid}", ocds::record)
        .get("/frameworks/{id}/public", public::framework)
        .get("/approvals", awaiting_approval)
        .post("/approvals/{id}/decision", decide_approval)
        .get("/organisation/supplier-status", supplier_status)
        .post("/organisation/supplier-status", declare_supplier_status)
        .get("/organisation/approval-rules", approval_rules)
        .post("/organisation/approval-rules", set_approval_rules)
        .create("/organisations", register_organisation)
        .get("/organisations/pending", pending_organisations)
        .post("/organisations/{id}/{decision}", decide_organisation)
        .get("/frameworks/{id}/eligibility", eligibility)
        .get("/frameworks/{id}/call-offs", register::list)
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
        .get("/feed", feed::read)
        .get("/notifications", list_notifications)
        .post("/notifications/read", mark_notifications_read);
    routes.router = routes
        .router
        .layer(axum::middleware::from_fn(problem::point_into_bodies));
    routes
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
        + usize::from(json::parse_query::<feed::FeedQuery>(&query).is_ok())
        + usize::from(json::parse_query::<calloff_app::transparency::QuarterParams>(&query).is_ok())
        + usize::from(json::parse_query::<returns::ReturnQuery>(&query).is_ok())
        + usize::from(json::parse_query::<returns::VersionQuery>(&query).is_ok())
        + usize::from(json::parse_query::<returns::ImportQuery>(&query).is_ok())
        + usize::from(
            json::parse_query_with_lists::<catalogue::SearchParams>(&query, catalogue::SearchParams::LISTS).is_ok(),
        )
        + usize::from(json::parse_query::<calloff_app::register::RegisterParams>(&query).is_ok())
        + usize::from(json::parse_query::<ocds::ReleasesQuery>(&query).is_ok());
    queries
        + ok::<SignIn>(bytes)
        + ok::<two_factor::CodeBody>(bytes)
        + ok::<QuoteRequest>(bytes)
        + ok::<PlaceCallOff>(bytes)
        + ok::<NoticeBody>(bytes)
        + ok::<ActionBody>(bytes)
        + ok::<Registration>(bytes)
        + ok::<InviteBody>(bytes)
        + ok::<ChangeBody>(bytes)
        + ok::<AcceptBody>(bytes)
        + ok::<MilestoneBody>(bytes)
        + ok::<VaryBody>(bytes)
        + ok::<SupplierStatusBody>(bytes)
        + ok::<RulesBody>(bytes)
        + ok::<DecisionBody>(bytes)
        + ok::<ProposeBody>(bytes)
        + ok::<IndexationBody>(bytes)
        + ok::<DemandBandsBody>(bytes)
        + ok::<calloff_app::saved_quotes::SaveQuote>(bytes)
        + ok::<saved_quotes::ShareBody>(bytes)
        + ok::<frameworks::CatalogueSettings>(bytes)
        + ok::<calloff_domain::governance::ProposalInput>(bytes)
        + ok::<calloff_domain::governance::DecisionInput>(bytes)
        + ok::<calloff_app::invoices::InvoiceInput>(bytes)
        + ok::<invoices::DecisionBody>(bytes)
        + ok::<NewLevyRuleBody>(bytes)
        + ok::<calloff_app::ocds::Confidentiality>(bytes)
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
    e.renamed(rename)
}

fn fail(e: AppError) -> Response {
    problem::ApiError(e).into_response()
}

#[derive(Deserialize, ToSchema)]
struct SignIn {
    email: String,
    password: String,
    /// Required for people with two-factor sign-in: the 6-digit code from their authenticator
    /// app, or a recovery code (422 naming `code` when missing or wrong).
    #[schema(max_length = 64)]
    code: Option<String>,
}

#[utoipa::path(post, path = "/sessions", operation_id = "signIn", summary = "Sign in and get a bearer token",
    security(()), request_body = SignIn,
    responses((status = 201, description = "Signed in", body = SessionView)))]
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
        Json(SessionView {
            token: session.token,
            token_type: "Bearer".to_string(),
            expires_in_seconds: auth::SESSION_HOURS * 3600,
            user: (&session.actor).into(),
            two_factor_set_up_required: session.stage == auth::SessionStage::Enrol,
        }),
    )
        .into_response())
}

#[utoipa::path(delete, path = "/sessions/current", operation_id = "signOut", summary = "Sign out (revoke this token)",
    responses((status = 204, description = "Signed out")))]
async fn sign_out(State(state): State<AppState>, user: ApiUser) -> ApiResult {
    auth::sign_out(&state.app, &user.token).await.map_err(fail)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(get, path = "/frameworks", operation_id = "listFrameworks", summary = "Frameworks",
    responses((status = 200, description = "Frameworks", body = FrameworkList)))]
async fn list_frameworks(State(state): State<AppState>, user: ApiUser) -> ApiResult {
    let all = frameworks::list(&state.app, &user.session.actor).await.map_err(fail)?;
    Ok(Json(FrameworkList {
        frameworks: all.iter().map(Into::into).collect(),
    })
    .into_response())
}

#[utoipa::path(get, path = "/frameworks/{id}", operation_id = "getFramework",
    summary = "A framework with its ceiling, committed value and headroom, overall and per lot",
    params(("id" = String, Path, description = "Framework id")),
    responses((status = 200, description = "The framework", body = FrameworkOverviewView)))]
async fn framework(State(state): State<AppState>, user: ApiUser, Path(id): Path<String>) -> ApiResult {
    let overview = frameworks::overview(&state.app, &user.session.actor, &FrameworkId::from_stored(id))
        .await
        .map_err(fail)?;
    Ok(Json(FrameworkOverviewView::from(&overview)).into_response())
}

#[utoipa::path(get, path = "/frameworks/{id}/items", operation_id = "searchItems", summary = "Search a framework's catalogue",
    params(("id" = String, Path, description = "Framework id"), catalogue::SearchParams),
    responses(
        (status = 200, description = "A page of matching items, the facets of all of them, and suggestions when none match", body = SearchResultsView),
        (status = 422, description = "A filter or page that is not valid; each is named in `errors`", body = problem::Problem, content_type = "application/problem+json"),
    ))]
async fn items(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let params: catalogue::SearchParams =
        json::parse_query_with_lists(query.as_deref().unwrap_or_default(), catalogue::SearchParams::LISTS)?;
    let request = params.parse().map_err(|e| fail(AppError::InvalidFields(e)))?;
    let found = catalogue::search(&state.app, &user.session.actor, &FrameworkId::from_stored(id), &request)
        .await
        .map_err(fail)?;
    Ok(Json(SearchResultsView::new(&found, &request)).into_response())
}

#[utoipa::path(get, path = "/items/{id}", operation_id = "getItem", summary = "A catalogue item, with the prices other bodies paid for it",
    params(("id" = String, Path, description = "Item id")),
    responses((status = 200, description = "The item", body = ItemWithPricesPaid)))]
async fn item(State(state): State<AppState>, user: ApiUser, Path(id): Path<String>) -> ApiResult {
    let item = catalogue::item(&state.app, &user.session.actor, &ItemId::from_stored(id))
        .await
        .map_err(fail)?;
    let paid = catalogue::prices_paid(&state.app, &user.session.actor, &item.id)
        .await
        .map_err(fail)?;
    Ok(Json(ItemWithPricesPaid {
        item: (&item).into(),
        prices_paid: (&paid).into(),
    })
    .into_response())
}

#[derive(Deserialize, ToSchema)]
struct QuoteRequest {
    framework_id: FrameworkId,
    lines: Vec<LineInput>,
}

#[utoipa::path(post, path = "/quotes", operation_id = "priceQuote", summary = "Price a basket at today's catalogue prices (writes nothing)",
    request_body = QuoteRequest,
    responses((status = 200, description = "The priced quote", body = QuoteView)))]
async fn quote(State(state): State<AppState>, user: ApiUser, ApiJson(body): ApiJson<QuoteRequest>) -> ApiResult {
    let quote = quotes::price(&state.app, &user.session.actor, &body.framework_id, &body.lines)
        .await
        .map_err(fail)?;
    let advice = quotes::route_to_market(&state.app, &user.session.actor, &quote)
        .await
        .map_err(fail)?;
    Ok(Json(QuoteView::new(&quote, &advice)).into_response())
}

#[utoipa::path(post, path = "/call-offs", operation_id = "placeCallOff", summary = "Place a direct-award call-off",
    params(("Idempotency-Key" = String, Header, description = "A new unique key (a UUID) with each call-off. A retry with the same key and body returns the first call-off (Idempotent-Replayed: true); with another body it is refused (409).")),
    request_body = PlaceCallOff,
    responses(
        (status = 201, description = "Placed; or, when the buyer's approval rules cover its value, a `draft` awaiting approval that holds its headroom (see `approvals`). A retried Idempotency-Key returns the call-off created the first time, with Idempotent-Replayed: true.",
            body = CallOffView, headers(("Location" = String), ("Idempotent-Replayed" = String))),
        (status = 409, description = "Conflicts with the current state, or not enough headroom (see Calloff-Headroom-Left-Pence and the problem's `refused_by`, `value_pence` and `headroom_left_pence`)", body = problem::Problem, content_type = "application/problem+json"),
    ))]
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
        CallOffView::from(&view),
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
fn created(body: impl serde::Serialize, location: &str, replayed: bool) -> Response {
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

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// `next_cursor` from the previous page (with the same filters).
    cursor: Option<String>,
    /// Only call-offs in this state.
    state: Option<String>,
    /// Only call-offs with a line in this lot (its number).
    lot: Option<String>,
    /// Only call-offs placed on or after this day (`YYYY-MM-DD`).
    #[param(format = Date)]
    placed_from: Option<String>,
    /// Only call-offs placed on or before this day (`YYYY-MM-DD`).
    #[param(format = Date)]
    placed_to: Option<String>,
    /// Words in the reference or the title, ignoring case.
    q: Option<String>,
}

#[utoipa::path(get, path = "/call-offs", operation_id = "listCallOffs",
    summary = "Call-offs of the user's organisation (buyers) or addressed to the user's supplier (supplier users), most recently changed first, optionally filtered by state, lot, the day placed and words in the reference or title",
    params(ListQuery),
    responses(
        (status = 200, description = "A page of call-offs", body = CallOffPage),
        (status = 422, description = "A cursor that is not from a previous page, or a filter that does not parse; each bad parameter is named", body = problem::Problem, content_type = "application/problem+json"),
    ))]
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
    let filter = call_offs::ListQuery {
        state: query.state,
        lot: query.lot,
        placed_from: query.placed_from,
        placed_to: query.placed_to,
        q: query.q,
    }
    .parse()
    .map_err(fail)?;
    let (page, next) = call_offs::list_views(&state.app, &user.session.actor, before, &filter)
        .await
        .map_err(fail)?;
    Ok(Json(CallOffPage {
        call_offs: page.iter().map(Into::into).collect(),
        next_cursor: next.map(|n| n.to_string()),
    })
    .into_response())
}

#[utoipa::path(get, path = "/call-offs/{id}/notices", operation_id = "getCallOffNotices",
    summary = "The Procurement Act notices a call-off needs and when each is due: a contract award notice (UK6) when its value as awarded, including VAT, reaches the threshold in force for its buyer's kind of body on the day it was awarded; a contract details notice (UK7) within 30 days of the supplier accepting; a contract change notice (UK10) for each variation; a contract termination notice (UK11) within 30 days of an early end",
    params(("id" = String, Path, description = "Call-off id")),
    responses((status = 200, description = "The notices, in the order they fall due", body = NoticesView)))]
async fn call_off_notices(State(state): State<AppState>, user: ApiUser, Path(id): Path<String>) -> ApiResult {
    let view = call_offs::view(&state.app, &user.session.actor, &CallOffId::from_stored(id))
        .await
        .map_err(fail)?;
    let notices = calloff_app::notices::for_call_off(&state.app, &view)
        .await
        .map_err(fail)?;
    Ok(Json(NoticesView::new(&notices, state.app.today())).into_response())
}

/// A notice published on Find a Tender.
#[derive(Deserialize, ToSchema)]
#[schema(as = NoticePublished)]
struct NoticeBody {
    /// UK6, UK7, UK10 or UK11: one the call-off needs.
    notice: String,
    /// For a contract change notice (UK10), the variation's number.
    variation: Option<u32>,
    /// The notice's reference on Find a Tender.
    #[schema(max_length = 100)]
    reference: String,
    /// The day it was published (YYYY-MM-DD); today when left out.
    #[schema(format = Date)]
    published_on: Option<String>,
}

#[utoipa::path(post, path = "/call-offs/{id}/notices", operation_id = "recordNoticePublished",
    summary = "Record that a notice the call-off needs was published on Find a Tender (its buyers). Every bad field is named at once; a notice is recorded once (409 the second time).",
    params(("id" = String, Path, description = "Call-off id")),
    request_body = NoticeBody,
    responses(
        (status = 200, description = "The call-off's notices, this one recorded", body = NoticesView),
        (status = 409, description = "The notice is already recorded as published", body = problem::Problem, content_type = "application/problem+json"),
    ))]
async fn record_notice(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: JsonBody,
) -> ApiResult {
    let actor = &user.session.actor;
    let view = call_offs::view(&state.app, actor, &CallOffId::from_stored(id))
        .await
        .map_err(fail)?;
    // Whose call-off it is is checked before what was sent.
    if !view.standing.acts_as_buyer(&actor.roles) {
        return Err(fail(AppError::Forbidden(
            "only the call-off's buyers record its notices".into(),
        )));
    }
    let body: NoticeBody = body.parse()?;
    calloff_app::notices::record_published(
        &state.app,
        actor,
        &view,
        &body.notice,
        body.variation,
        &body.reference,
        body.published_on.as_deref().unwrap_or_default(),
    )
    .await
    .map_err(fail)?;
    let notices = calloff_app::notices::for_call_off(&state.app, &view)
        .await
        .map_err(fail)?;
    Ok(Json(NoticesView::new(&notices, state.app.today())).into_response())
}

/// Which variation a contract change notice (UK10) is for.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NoticeQuery {
    /// For a contract change notice (UK10): the variation's number.
    #[serde(default)]
    #[param(minimum = 1)]
    pub variation: Option<u32>,
}

#[utoipa::path(get, path = "/call-offs/{id}/notices/{notice}/ocds", operation_id = "getNoticeData",
    summary = "A notice the call-off needs (UK6, UK7, UK10 with its variation, or UK11) as an OCDS release in the UK profile's shape, ready to submit to Find a Tender: the call-off's releases up to the event compiled, the notice's document with `noticeType`, values with `amountGross` (VAT at the standard rate) and `aboveThreshold`. Declares the Cabinet Office's UK extension. What the framework withholds stays withheld.",
    params(("id" = String, Path, description = "Call-off id"), ("notice" = String, Path, description = "UK6, UK7, UK10 or UK11"), NoticeQuery),
    responses(
        (status = 200, description = "A release package of the one notice", body = ocds::OcdsPackage),
        (status = 422, description = "Not a notice the call-off needs (`notice`, or `variation` for a UK10)", body = problem::Problem, content_type = "application/problem+json"),
    ))]
async fn notice_data(
    State(state): State<AppState>,
    user: ApiUser,
    headers: axum::http::HeaderMap,
    Path((id, notice)): Path<(String, String)>,
    ApiQuery(query): ApiQuery<NoticeQuery>,
) -> ApiResult {
    let view = call_offs::view(&state.app, &user.session.actor, &CallOffId::from_stored(id))
        .await
        .map_err(fail)?;
    let release = calloff_app::notices::notice_data(&state.app, &view, &notice, query.variation)
        .await
        .map_err(fail)?;
    let path = format!("/call-offs/{}/notices/{}/ocds", view.call_off.id, notice.trim());
    let path = match query.variation {
        Some(n) => format!("{path}?variation={n}"),
        None => path,
    };
    let head = calloff_app::ocds::package_head(&state.app, ocds::url_of(&state.app, &headers, &path));
    Ok(Json(calloff_interop::ocds::notice_package(&head, release)).into_response())
}

#[utoipa::path(get, path = "/call-offs/{id}", operation_id = "getCallOff", summary = "A call-off",
    params(("id" = String, Path, description = "Call-off id")),
    responses((status = 200, description = "The call-off", body = CallOffView)))]
async fn call_off(State(state): State<AppState>, user: ApiUser, Path(id): Path<String>) -> ApiResult {
    let view = call_offs::view(&state.app, &user.session.actor, &CallOffId::from_stored(id))
        .await
        .map_err(fail)?;
    Ok(Json(CallOffView::from(&view)).into_response())
}

/// A reason, where one is needed: to reject or cancel, say.
#[derive(Deserialize, Default, ToSchema)]
#[schema(as = Reason)]
struct ActionBody {
    #[serde(default)]
    #[schema(max_length = 2000)]
    reason: String,
    /// Resubmitting only: a corrected cost centre.
    #[serde(default)]
    #[schema(max_length = 40)]
    cost_centre: Option<String>,
    /// Terminating only: the day it ends (`YYYY-MM-DD`), from today to its planned end; today
    /// if not given. Its value becomes what is due to that day and the rest is released.
    #[serde(default)]
    #[schema(format = Date)]
    ends_on: Option<String>,
}

/// The body is optional: only rejecting and cancelling need one, with a reason.
#[utoipa::path(post, path = "/call-offs/{id}/{action}", operation_id = "actOnCallOff",
    summary = "Move a call-off on: accept, reject (supplier, with reason), go-live (supplier), end (on or after its end date), terminate (early, with reason and optionally the day it ends; releases the value not yet due), cancel (buyer, with reason), withdraw (buyer: the request awaiting approval, releasing its headroom), resubmit (buyer: a returned, withdrawn or expired draft)",
    params(("id" = String, Path, description = "Call-off id"), ("action" = inline(openapi::CallOffActionName), Path)),
    request_body(content = Option<ActionBody>),
    responses((status = 200, description = "The call-off after the change", body = CallOffView), (status = 409, description = "Not allowed in the current state", body = problem::Problem, content_type = "application/problem+json")))]
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
        return Ok(Json(CallOffView::from(&view)).into_response());
    }
    let action = match action.as_str() {
        "accept" => CallOffAction::Accept,
        "reject" => CallOffAction::Reject { reason },
        "cancel" => CallOffAction::Cancel { reason },
        "go-live" => CallOffAction::GoLive,
        "end" => CallOffAction::End,
        "terminate" => CallOffAction::Terminate {
            reason,
            ends_on: body.ends_on.clone(),
        },
        _ => return Err(fail(AppError::NotFound(format!("action \"{action}\"")))),
    };
    call_offs::act(&state.app, &user.session.actor, &id, &action)
        .await
        .map_err(fail)?;
    let view = call_offs::view(&state.app, &user.session.actor, &id)
        .await
        .map_err(fail)?;
    Ok(Json(CallOffView::from(&view)).into_response())
}

#[utoipa::path(get, path = "/notifications", operation_id = "listNotifications",
    summary = "The signed-in user's notifications, newest first, with their email delivery state",
    responses((status = 200, description = "Notifications", body = NotificationList)))]
async fn list_notifications(State(state): State<AppState>, user: ApiUser) -> ApiResult {
    let items = calloff_app::notifications::list(&state.app, &user.session.actor)
        .await
        .map_err(fail)?;
    Ok(Json(NotificationList {
        notifications: items.iter().map(Into::into).collect(),
    })
    .into_response())
}

#[utoipa::path(post, path = "/notifications/read", operation_id = "markNotificationsRead",
    summary = "Mark all the signed-in user's notifications as read",
    responses((status = 200, description = "How many were marked", body = MarkedRead)))]
async fn mark_notifications_read(State(state): State<AppState>, user: ApiUser) -> ApiResult {
    let marked = calloff_app::notifications::mark_all_read(&state.app, &user.session.actor)
        .await
        .map_err(fail)?;
    Ok(Json(MarkedRead { marked_read: marked }).into_response())
}

#[utoipa::path(post, path = "/organisations", operation_id = "registerOrganisation",
    summary = "Register an organisation (pending verification) and its first user, who becomes its admin and a buyer",
    security(()), request_body = Registration,
    responses((status = 201, description = "Registered, pending verification", body = Registered)))]
async fn register_organisation(State(state): State<AppState>, ApiJson(body): ApiJson<Registration>) -> ApiResult {
    let id = registration::register(&state.app, &body).await.map_err(fail)?;
    Ok((
        StatusCode::CREATED,
        Json(Registered {
            id,
            verification: calloff_domain::organisation::Verification::Pending,
        }),
    )
        .into_response())
}

#[utoipa::path(get, path = "/organisations/pending", operation_id = "listPendingOrganisations",
    summary = "Organisations waiting for verification (framework managers)",
    responses((status = 200, description = "Organisations", body = OrganisationList)))]
async fn pending_organisations(State(state): State<AppState>, user: ApiUser) -> ApiResult {
    let pending = registration::pending(&state.app, &user.session.actor)
        .await
        .map_err(fail)?;
    Ok(Json(OrganisationList {
        organisations: pending.iter().map(Into::into).collect(),
    })
    .into_response())
}

#[utoipa::path(post, path = "/organisations/{id}/{decision}", operation_id = "decideOrganisation",
    summary = "Verify an organisation, or reject it with a reason (framework managers)",
    params(("id" = String, Path, description = "Organisation id"), ("decision" = inline(openapi::OrganisationDecisionName), Path)),
    request_body(content = Option<ActionBody>),
    responses((status = 200, description = "The decision", body = OrganisationDecided), (status = 409, description = "Not allowed in the current state", body = problem::Problem, content_type = "application/problem+json")))]
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
    let decision = if decision == VerificationDecision::Verify {
        "verified"
    } else {
        "rejected"
    };
    Ok(Json(OrganisationDecided {
        id,
        decision: decision.to_string(),
    })
    .into_response())
}

#[utoipa::path(get, path = "/frameworks/{id}/eligibility", operation_id = "getEligibility",
    summary = "The framework's eligibility register: kinds of body admitted and bodies named",
    params(("id" = String, Path, description = "Framework id")),
    responses((status = 200, description = "The register", body = EligibilityRegisterView)))]
async fn eligibility(State(state): State<AppState>, user: ApiUser, Path(id): Path<String>) -> ApiResult {
    let register = frameworks::eligibility(&state.app, &user.session.actor, &FrameworkId::from_stored(id))
        .await
        .map_err(fail)?;
    Ok(Json(EligibilityRegisterView {
        framework_id: register.framework.id,
        kinds: register.kinds,
        named: register.named.iter().map(Into::into).collect(),
    })
    .into_response())
}

#[utoipa::path(get, path = "/organisation/people", operation_id = "listPeople",
    summary = "The users of the signed-in admin's organisation",
    responses((status = 200, description = "People", body = People)))]
async fn list_people(State(state): State<AppState>, user: ApiUser) -> ApiResult {
    let people = calloff_app::people::list(&state.app, &user.session.actor)
        .await
        .map_err(fail)?;
    Ok(Json(People {
        people: people.iter().map(Into::into).collect(),
    })
    .into_response())
}

#[derive(Deserialize, ToSchema)]
struct InviteBody {
    email: String,
    roles: Vec<String>,
}

fn parse_roles(names: &[String]) -> Result<Vec<calloff_domain::role::Role>, Response> {
    calloff_domain::role::Role::parse_list("roles", names).map_err(|e| fail(AppError::InvalidFields(e)))
}

#[utoipa::path(post, path = "/organisation/invitations", operation_id = "invitePerson",
    summary = "Invite someone by email, with roles; the single-use link expires after 7 days and is sent only by email",
    request_body = InviteBody,
    responses((status = 201, description = "Invited", body = Invited)))]
async fn invite(State(state): State<AppState>, user: ApiUser, ApiJson(body): ApiJson<InviteBody>) -> ApiResult {
    let roles = parse_roles(&body.roles)?;
    // The link goes to the invitee by email only; it is not returned here.
    calloff_app::people::invite(&state.app, &user.session.actor, &body.email, &roles)
        .await
        .map_err(fail)?;
    Ok((
        StatusCode::CREATED,
        Json(Invited {
            invited: body.email.trim().to_lowercase(),
            expires_in_days: calloff_app::people::INVITATION_DAYS,
        }),
    )
        .into_response())
}

/// The roles to set (setting roles only).
#[derive(Deserialize, Default, ToSchema)]
#[schema(as = Roles)]
struct ChangeBody {
    #[serde(default)]
    #[schema(value_type = Vec<Role>)]
    roles: Vec<String>,
}

#[utoipa::path(post, path = "/organisation/people/{id}/{change}", operation_id = "changePerson",
    summary = "Set a user's roles (body: roles), or deactivate them",
    params(("id" = String, Path, description = "User id"), ("change" = inline(openapi::PersonChangeName), Path)),
    request_body(content = Option<ChangeBody>),
    responses((status = 200, description = "Changed", body = PersonChanged)))]
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
    Ok(Json(PersonChanged {
        id: target,
        changed: change,
    })
    .into_response())
}

#[derive(Deserialize, ToSchema)]
struct AcceptBody {
    name: String,
    password: String,
}

#[utoipa::path(post, path = "/invitations/{token}", operation_id = "acceptInvitation",
    summary = "Accept an invitation: choose a name and password. Works once, before it expires.",
    security(()),
    params(("token" = String, Path, description = "The token from the invitation email")),
    request_body = AcceptBody,
    responses(
        (status = 201, description = "Joined", body = Joined),
        (status = 404, description = "No such invitation, or it has expired", body = problem::Problem, content_type = "application/problem+json"),
    ))]
async fn accept_invitation(
    State(state): State<AppState>,
    Path(token): Path<String>,
    ApiJson(body): ApiJson<AcceptBody>,
) -> ApiResult {
    let user = calloff_app::people::accept(&state.app, &token, &body.name, &body.password)
        .await
        .map_err(fail)?;
    Ok((StatusCode::CREATED, Json(Joined { user_id: user })).into_response())
}

#[derive(Deserialize, ToSchema)]
#[schema(as = Milestone)]
struct MilestoneBody {
    #[serde(default)]
    #[schema(required = true, max_length = 200)]
    name: String,
    #[serde(default)]
    #[schema(required = true, format = Date)]
    done_on: String,
}

#[utoipa::path(post, path = "/call-offs/{id}/milestones", operation_id = "recordMilestone",
    summary = "Record a provisioning milestone (the supplier, while the call-off is accepted); dates run in order",
    params(("id" = String, Path, description = "Call-off id")),
    request_body = MilestoneBody,
    responses((status = 201, description = "Recorded", body = CallOffView)))]
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
    Ok((StatusCode::CREATED, Json(CallOffView::from(&view))).into_response())
}

/// The full new set of lines.
#[derive(Deserialize, ToSchema)]
#[schema(as = Variation)]
struct VaryBody {
    lines: Vec<LineInput>,
    /// Why the call-off is changing: the amendment's rationale in the open data and the
    /// contract change notice (UK10).
    #[serde(default)]
    #[schema(max_length = 1000)]
    reason: Option<String>,
}

#[utoipa::path(post, path = "/call-offs/{id}/variations", operation_id = "varyCallOff",
    summary = "Vary an accepted or live call-off (its buyer): the full new set of lines. Kept lines keep their prices and terms may only be extended; the value is re-checked against the ceilings, and a warning is given past the framework's modification limit.",
    params(("id" = String, Path, description = "Call-off id")),
    request_body = VaryBody,
    responses(
        (status = 201, description = "Varied: the call-off, with `variation` (status applied, number, values, cumulative change, warning)", body = VariedCallOff),
        (status = 202, description = "The increase needs approval under the buyer's rules: the call-off as it stands, with `variation` (status awaiting_approval, approval_request_id); the increase's headroom is held meanwhile", body = VariedCallOff),
    ))]
async fn vary(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<VaryBody>,
) -> ApiResult {
    let id = CallOffId::from_stored(id);
    let reason = body.reason.as_deref().unwrap_or_default();
    let outcome = calloff_app::variations::vary_because(&state.app, &user.session.actor, &id, &body.lines, reason)
        .await
        .map_err(fail)?;
    let view = call_offs::view(&state.app, &user.session.actor, &id)
        .await
        .map_err(fail)?;
    let status = match outcome {
        VariationOutcome::Applied(_) => StatusCode::CREATED,
        VariationOutcome::AwaitingApproval(_) => StatusCode::ACCEPTED,
    };
    let body = VariedCallOff {
        call_off: (&view).into(),
        variation: (&outcome).into(),
    };
    Ok((status, Json(body)).into_response())
}

#[utoipa::path(post, path = "/call-offs/{id}/variations/preview", operation_id = "previewVariation",
    summary = "Check and price a variation without making it (its buyer): the new value, the change in percent, the change against the framework's modification limit and the approvers it would need. Writes nothing.",
    params(("id" = String, Path, description = "Call-off id")),
    request_body = VaryBody,
    responses(
        (status = 200, description = "What the variation would do", body = VariationPreviewView),
        (status = 409, description = "The call-off cannot be varied in its current state (only accepted or live call-offs can)", body = problem::Problem, content_type = "application/problem+json"),
    ))]
async fn preview_variation(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<VaryBody>,
) -> ApiResult {
    let id = CallOffId::from_stored(id);
    let preview = calloff_app::variations::preview(&state.app, &user.session.actor, &id, &body.lines)
        .await
        .map_err(fail)?;
    Ok(Json(VariationPreviewView::from(&preview)).into_response())
}

/// A supplier's declared status, as the buyers' Transparency Code registers publish it.
#[derive(serde::Serialize, ToSchema)]
struct SupplierStatusView {
    /// Whether it has declared; until it does, the registers leave both empty.
    declared: bool,
    /// A small or medium-sized enterprise.
    sme: Option<bool>,
    /// A voluntary, community or social enterprise.
    vcse: Option<bool>,
    #[schema(format = DateTime)]
    declared_at: Option<String>,
}

impl From<Option<calloff_app::supplier_status::SupplierStatus>> for SupplierStatusView {
    fn from(s: Option<calloff_app::supplier_status::SupplierStatus>) -> Self {
        SupplierStatusView {
            declared: s.is_some(),
            sme: s.as_ref().map(|s| s.sme),
            vcse: s.as_ref().map(|s| s.vcse),
            declared_at: s.map(|s| s.declared_at),
        }
    }
}

#[utoipa::path(get, path = "/organisation/supplier-status", operation_id = "getSupplierStatus",
    summary = "What your supplier organisation has declared of its size (SME) and VCSE status (its people)",
    responses(
        (status = 200, description = "The declaration", body = SupplierStatusView),
        (status = 403, description = "Not a supplier's person", body = problem::Problem, content_type = "application/problem+json"),
    ))]
async fn supplier_status(State(state): State<AppState>, user: ApiUser) -> ApiResult {
    let declared = calloff_app::supplier_status::current(&state.app, &user.session.actor)
        .await
        .map_err(fail)?;
    Ok(Json(SupplierStatusView::from(declared)).into_response())
}

/// A supplier's declaration: true or false for each.
#[derive(Deserialize, ToSchema)]
#[schema(as = SupplierStatusDeclaration)]
struct SupplierStatusBody {
    /// A small or medium-sized enterprise: fewer than 250 staff, and a turnover or balance sheet
    /// within the Procurement Act 2023's limits.
    sme: bool,
    /// A voluntary, community or social enterprise.
    vcse: bool,
}

#[utoipa::path(post, path = "/organisation/supplier-status", operation_id = "declareSupplierStatus",
    summary = "Declare your supplier organisation's size (SME) and VCSE status, replacing what it declared before (its people; audited): the buyers' Transparency Code registers publish it",
    request_body = SupplierStatusBody,
    responses(
        (status = 200, description = "The declaration", body = SupplierStatusView),
        (status = 403, description = "Not a supplier's person", body = problem::Problem, content_type = "application/problem+json"),
    ))]
async fn declare_supplier_status(State(state): State<AppState>, user: ApiUser, body: JsonBody) -> ApiResult {
    let actor = &user.session.actor;
    // Who asks is checked before what was sent.
    calloff_app::supplier_status::current(&state.app, actor)
        .await
        .map_err(fail)?;
    let body: SupplierStatusBody = body.parse()?;
    let answer = |v: bool| if v { "yes" } else { "no" };
    let declared = calloff_app::supplier_status::declare(&state.app, actor, answer(body.sme), answer(body.vcse))
        .await
        .map_err(fail)?;
    Ok(Json(SupplierStatusView::from(Some(declared))).into_response())
}

#[utoipa::path(get, path = "/organisation/approval-rules", operation_id = "getApprovalRules",
    summary = "The signed-in user's organisation's approval rules",
    responses((status = 200, description = "The rules", body = ApprovalRulesView)))]
async fn approval_rules(State(state): State<AppState>, user: ApiUser) -> ApiResult {
    let rules = approvals::rules(&state.app, &user.session.actor).await.map_err(fail)?;
    Ok(Json(ApprovalRulesView::from(&rules)).into_response())
}

/// From what value a call-off needs how many approvers.
#[derive(Deserialize, ToSchema)]
#[schema(as = ThresholdInput)]
struct ThresholdBody {
    #[schema(minimum = 0)]
    from_value_pence: i64,
    #[schema(maximum = 5)]
    approvers: u32,
}

#[derive(Deserialize, ToSchema)]
#[schema(as = ApprovalRulesInput)]
struct RulesBody {
    #[schema(max_items = 10)]
    thresholds: Vec<ThresholdBody>,
    #[serde(default = "default_expiry_days")]
    #[schema(minimum = 1, maximum = 365, default = 30)]
    expiry_days: u32,
}

fn default_expiry_days() -> u32 {
    calloff_domain::approval::DEFAULT_EXPIRY_DAYS
}

#[utoipa::path(post, path = "/organisation/approval-rules", operation_id = "setApprovalRules",
    summary = "Replace the organisation's approval rules (organisation admins)",
    request_body = RulesBody,
    responses((status = 200, description = "The rules now in force", body = ApprovalRulesView)))]
async fn set_approval_rules(State(state): State<AppState>, user: ApiUser, body: JsonBody) -> ApiResult {
    let actor = &user.session.actor;
    // Who may set them is checked before what they sent.
    approvals::may_set_rules(actor).map_err(fail)?;
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
    Ok(Json(ApprovalRulesView::from(&rules)).into_response())
}

#[utoipa::path(get, path = "/approvals", operation_id = "listAwaitingApproval",
    summary = "Requests of the approver's organisation awaiting approval, oldest first, each saying whether this approver may decide",
    responses((status = 200, description = "Requests", body = AwaitingApprovalList)))]
async fn awaiting_approval(State(state): State<AppState>, user: ApiUser) -> ApiResult {
    let awaiting = approvals::awaiting(&state.app, &user.session.actor)
        .await
        .map_err(fail)?;
    Ok(Json(AwaitingApprovalList {
        approvals: awaiting.iter().map(Into::into).collect(),
    })
    .into_response())
}

#[derive(Deserialize, ToSchema)]
#[schema(as = ApprovalDecision)]
struct DecisionBody {
    #[schema(value_type = Decision)]
    decision: String,
    /// Required to return.
    #[serde(default)]
    #[schema(max_length = 2000)]
    comment: String,
}

#[utoipa::path(post, path = "/approvals/{id}/decision", operation_id = "decideApproval",
    summary = "Approve, or return with a comment, a request of the approver's organisation. Nobody decides on their own call-off; each approver decides once. The last approval places the call-off or applies the variation.",
    params(("id" = String, Path, description = "Approval request id")),
    request_body = DecisionBody,
    responses((status = 200, description = "The outcome", body = ApprovalOutcome), (status = 409, description = "Not allowed in the current state", body = problem::Problem, content_type = "application/problem+json")))]
async fn decide_approval(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: JsonBody,
) -> ApiResult {
    let actor = &user.session.actor;
    approvals::may_decide(actor).map_err(fail)?;
    let body: DecisionBody = body.parse()?;
    let decision = Decision::parse(&body.decision).map_err(|e| fail(e.into()))?;
    let decided = approvals::decide(&state.app, actor, &id, decision, &body.comment)
        .await
        .map_err(fail)?;
    Ok(Json(ApprovalOutcome::from(decided)).into_response())
}

#[utoipa::path(get, path = "/frameworks/{id}/change-requests", operation_id = "listChangeRequests",
    summary = "The framework's catalogue change requests, newest first: all of them for its manager, a supplier's own for its users",
    params(("id" = String, Path, description = "Framework id")),
    responses((status = 200, description = "Change requests", body = ChangeRequestList)))]
async fn list_change_requests(State(state): State<AppState>, user: ApiUser, Path(id): Path<String>) -> ApiResult {
    let requests = change_requests::list(&state.app, &user.session.actor, &FrameworkId::from_stored(id))
        .await
        .map_err(fail)?;
    Ok(Json(ChangeRequestList {
        change_requests: requests.iter().map(Into::into).collect(),
    })
    .into_response())
}

#[derive(Deserialize, ToSchema)]
#[schema(as = ProposeChanges)]
struct ProposeBody {
    #[serde(default)]
    #[schema(required = true, max_length = 200)]
    title: String,
    changes: Vec<ChangeInput>,
    /// Optional: a proposal on this framework accepted as a change request.
    #[serde(default)]
    proposal_id: Option<calloff_domain::ids::ProposalId>,
}

#[utoipa::path(post, path = "/frameworks/{id}/change-requests", operation_id = "proposeChanges",
    summary = "Propose changes to the supplier's items (new items, edits, price changes, withdrawals), each from an effective date, as one request for the framework manager to approve. The whole request is checked first; every error names changes[i].field and nothing is written unless all are valid.",
    params(("id" = String, Path, description = "Framework id")),
    request_body = ProposeBody,
    responses((status = 201, description = "Submitted", body = ChangeRequestDetail)))]
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
    Ok((StatusCode::CREATED, Json(ChangeRequestDetail::from(&view))).into_response())
}

#[derive(Deserialize, ToSchema)]
#[schema(as = Indexation)]
struct IndexationBody {
    /// 350 = 3.5%; at most the framework's cap.
    #[schema(minimum = 1)]
    uplift_basis_points: i64,
    #[schema(format = Date)]
    effective_from: String,
}

#[utoipa::path(post, path = "/frameworks/{id}/indexation", operation_id = "proposeIndexation",
    summary = "Propose the annual price indexation: every price of the supplier's items up by at most the framework's cap, from an effective date, once a year",
    params(("id" = String, Path, description = "Framework id")),
    request_body = IndexationBody,
    responses((status = 201, description = "Submitted", body = ChangeRequestView)))]
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
    Ok((StatusCode::CREATED, Json(ChangeRequestView::from(&request))).into_response())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct AfterQuery {
    /// `next_after` from the previous page.
    after: Option<i64>,
}

#[utoipa::path(get, path = "/change-requests/{id}", operation_id = "getChangeRequest",
    summary = "A change request with a page of its changes, each beside the version in force",
    params(("id" = String, Path, description = "Change request id"), AfterQuery),
    responses((status = 200, description = "The request", body = ChangeRequestDetail)))]
async fn change_request(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<AfterQuery>,
) -> ApiResult {
    let view = change_requests::view(&state.app, &user.session.actor, &id, query.after)
        .await
        .map_err(fail)?;
    Ok(Json(ChangeRequestDetail::from(&view)).into_response())
}

#[utoipa::path(post, path = "/change-requests/{id}/{decision}", operation_id = "decideChangeRequest",
    summary = "Approve a change request, or reject it with a reason (the framework's manager). Approved changes apply from their effective dates.",
    params(("id" = String, Path, description = "Change request id"), ("decision" = inline(openapi::ChangeRequestDecisionName), Path)),
    request_body(content = Option<ActionBody>),
    responses((status = 200, description = "The request after the decision", body = ChangeRequestView), (status = 409, description = "Not allowed in the current state", body = problem::Problem, content_type = "application/problem+json")))]
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
    Ok(Json(ChangeRequestView::from(&decided)).into_response())
}

#[utoipa::path(get, path = "/items/{id}/versions", operation_id = "getItemVersions",
    summary = "Every version of an item, oldest first, with the date each was in force from",
    params(("id" = String, Path, description = "Item id")),
    responses((status = 200, description = "Versions", body = ItemVersions)))]
async fn item_versions(State(state): State<AppState>, user: ApiUser, Path(id): Path<String>) -> ApiResult {
    let item = catalogue::item(&state.app, &user.session.actor, &ItemId::from_stored(id))
        .await
        .map_err(fail)?;
    let versions = change_requests::versions(&state.app, &item.id).await.map_err(fail)?;
    Ok(Json(ItemVersions {
        item_id: item.id,
        versions: versions.iter().map(Into::into).collect(),
    })
    .into_response())
}

#[derive(Deserialize, ToSchema)]
#[schema(as = DemandBandsInput)]
struct DemandBandsBody {
    /// Rows of `from` (units bought across the framework) and `unit_price` (pounds excluding
    /// VAT), in any order; an empty array removes the bands. Errors name each row's field, like
    /// `demand_bands[2].unit_price`. Deprecated but still read: text like
    /// "5000 = 3.20; 20000 = 2.90" (errors name `demand_bands`).
    #[schema(value_type = calloff_domain::pricing::BreaksInputSchema)]
    demand_bands: calloff_domain::pricing::BreaksInput,
}

#[utoipa::path(post, path = "/items/{id}/demand-bands", operation_id = "setDemandBands",
    summary = "Set an item's demand bands (the framework's manager): once the quantity bought across the framework reaches a band, new call-offs by everyone pay its price. Each change is a new version of the item, in force from today.",
    params(("id" = String, Path, description = "Item id")),
    request_body = DemandBandsBody,
    responses((status = 200, description = "The item with its bands", body = ItemView)))]
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
    Ok(Json(ItemView::from(&item)).into_response())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct AsOfQuery {
    /// A future date includes the approved changes due by then (items to be added have no
    /// item_id yet).
    #[serde(default)]
    #[param(required = true, format = Date)]
    date: String,
}

#[utoipa::path(get, path = "/frameworks/{id}/catalogue/as-of", operation_id = "getCatalogueAsOf",
    summary = "The catalogue as it stood, or will stand, at the end of a day: each item's version then in force (at most 1,000 items; truncated says if there were more)",
    params(("id" = String, Path, description = "Framework id"), AsOfQuery),
    responses(
        (status = 200, description = "The catalogue on that date", body = CatalogueAsOfView),
        (status = 422, description = "A missing or malformed date", body = problem::Problem, content_type = "application/problem+json"),
    ))]
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
    Ok(Json(CatalogueAsOfView::from(&view)).into_response())
}

#[utoipa::path(get, path = "/frameworks/{id}/catalogue-settings", operation_id = "getCatalogueSettings",
    summary = "The framework's indexation cap and whether item pages name the bodies that bought each item",
    params(("id" = String, Path, description = "Framework id")),
    responses((status = 200, description = "The settings", body = frameworks::CatalogueSettings)))]
async fn catalogue_settings(State(state): State<AppState>, user: ApiUser, Path(id): Path<String>) -> ApiResult {
    let settings = frameworks::catalogue_settings(&state.app, &user.session.actor, &FrameworkId::from_stored(id))
        .await
        .map_err(fail)?;
    Ok(Json(settings).into_response())
}

#[utoipa::path(post, path = "/frameworks/{id}/catalogue-settings", operation_id = "setCatalogueSettings",
    summary = "Set the indexation cap (0 to 2,500 basis points) and whether buyers are named (the framework's manager)",
    params(("id" = String, Path, description = "Framework id")),
    request_body = frameworks::CatalogueSettings,
    responses((status = 200, description = "The settings now in force", body = frameworks::CatalogueSettings)))]
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
    Ok(Json(settings).into_response())
}
