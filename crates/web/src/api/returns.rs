//! MI returns over the API: a framework's returns (the manager's and auditors' all of them, a
//! supplier's its own), one return with its rows paged, submitting it, declaring no business,
//! correcting it, the management charge documents it raised, and the levy by month.

use super::json::ApiQuery;
use super::views::{LevyByMonth, ReturnDetail, ReturnList, ReturnSummaryView, ReturnVersionView};
use super::{fail, ApiResult};
use crate::session::ApiUser;
use crate::AppState;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use axum::Json;
use calloff_app::returns::{self, levy};
use calloff_domain::ids::{FrameworkId, ReturnId};
use serde::Deserialize;
use utoipa::IntoParams;

#[utoipa::path(get, path = "/frameworks/{id}/returns", operation_id = "listReturns",
    summary = "A framework's MI returns, one per supplier and month from the month it came onto calloff, with their due dates (the 5th working day after month end) and status; late ones first, then newest month first. The framework's manager and auditors see all of them, a supplier its own; buyers are refused.",
    params(("id" = String, Path, description = "Framework id")),
    responses((status = 200, description = "The returns", body = ReturnList)))]
pub async fn list(State(state): State<AppState>, user: ApiUser, Path(id): Path<String>) -> ApiResult {
    let id = FrameworkId::from_stored(id);
    let list = returns::for_framework(&state.app, &user.session.actor, &id)
        .await
        .map_err(fail)?;
    Ok(Json(ReturnList {
        framework_id: id,
        returns: list.iter().map(ReturnSummaryView::from).collect(),
    })
    .into_response())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReturnQuery {
    /// The version to show (1 for the first submission); the current one if left out, and the
    /// rows as they stand now for an open return.
    version: Option<i64>,
    /// `next_after` from the previous page.
    after: Option<i64>,
    /// Rows per page, 1 to 1,000 (100 if left out).
    limit: Option<i64>,
}

#[utoipa::path(get, path = "/returns/{id}", operation_id = "getReturn",
    summary = "An MI return with a page of its rows (one per invoice or credit-note line: customer org-id and kind of body, lot, item, CPV, quantity, unit price, value, VAT share and management charge; credit notes negative), its totals, the levy rule in force on its month, its versions, and for a submitted return whose invoices have changed, the correction that would replace it",
    params(("id" = String, Path, description = "Return id"), ReturnQuery),
    responses((status = 200, description = "The return", body = ReturnDetail)))]
pub async fn show(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<ReturnQuery>,
) -> ApiResult {
    let view = returns::view(
        &state.app,
        &user.session.actor,
        &ReturnId::from_stored(id),
        query.version,
        query.after.unwrap_or(0),
        query.limit.unwrap_or(returns::PAGE_ROWS),
    )
    .await
    .map_err(fail)?;
    Ok(Json(ReturnDetail::from(&view)).into_response())
}

#[utoipa::path(post, path = "/returns/{id}/submit", operation_id = "submitReturn",
    summary = "The supplier submits an open return as it stands (version 1). The charge is raised as a UBL invoice from the managing authority. A return already submitted is refused (409): correct it instead.",
    params(("id" = String, Path, description = "Return id")),
    responses(
        (status = 200, description = "The version submitted", body = ReturnVersionView),
        (status = 409, description = "Already submitted, or submitted by someone else meanwhile", body = super::problem::Problem, content_type = "application/problem+json"),
    ))]
pub async fn submit(State(state): State<AppState>, user: ApiUser, Path(id): Path<String>) -> ApiResult {
    let id = ReturnId::from_stored(id);
    let version = returns::submit(&state.app, &user.session.actor, &id)
        .await
        .map_err(fail)?;
    Ok(Json(ReturnVersionView::of(&id, &version)).into_response())
}

#[utoipa::path(post, path = "/returns/{id}/no-business", operation_id = "declareNoBusiness",
    summary = "The supplier declares it did no business under the framework in the month. Refused (409, naming `rows`) when the month has invoices or credit notes.",
    params(("id" = String, Path, description = "Return id")),
    responses(
        (status = 200, description = "The declaration", body = ReturnVersionView),
        (status = 409, description = "The month has rows, or the return was already submitted", body = super::problem::Problem, content_type = "application/problem+json"),
    ))]
pub async fn no_business(State(state): State<AppState>, user: ApiUser, Path(id): Path<String>) -> ApiResult {
    let id = ReturnId::from_stored(id);
    let version = returns::declare_no_business(&state.app, &user.session.actor, &id)
        .await
        .map_err(fail)?;
    Ok(Json(ReturnVersionView::of(&id, &version)).into_response())
}

#[utoipa::path(post, path = "/returns/{id}/correction", operation_id = "correctReturn",
    summary = "The supplier replaces a submitted return with its rows as they stand now: a new version, the earlier ones kept. The charge difference is raised: a UBL invoice for an increase, a credit note for a decrease. Refused (409) when nothing has changed.",
    params(("id" = String, Path, description = "Return id")),
    responses(
        (status = 200, description = "The correction", body = ReturnVersionView),
        (status = 409, description = "Not yet submitted, or nothing to correct", body = super::problem::Problem, content_type = "application/problem+json"),
    ))]
pub async fn correct(State(state): State<AppState>, user: ApiUser, Path(id): Path<String>) -> ApiResult {
    let id = ReturnId::from_stored(id);
    let version = returns::correct(&state.app, &user.session.actor, &id)
        .await
        .map_err(fail)?;
    Ok(Json(ReturnVersionView::of(&id, &version)).into_response())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VersionQuery {
    /// The version whose charge document to fetch; the current one if left out.
    version: Option<i64>,
}

#[utoipa::path(get, path = "/returns/{id}/levy-invoice", operation_id = "getReturnLevyInvoice",
    summary = "The management charge a version of the return raised, as a PEPPOL BIS Billing 3.0 UBL document from the framework's managing authority (seller) to the supplier (buyer), the buyer reference being the return's reference: an Invoice for a charge or an increase, a CreditNote for a decrease. 404 when the version raised nothing.",
    params(("id" = String, Path, description = "Return id"), VersionQuery),
    responses(
        (status = 200, description = "The UBL Invoice or CreditNote", body = String, content_type = "application/xml"),
        (status = 409, description = "A party has no VAT number recorded", body = super::problem::Problem, content_type = "application/problem+json"),
    ))]
pub async fn levy_invoice(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<VersionQuery>,
) -> ApiResult {
    let (number, xml) = levy::document(
        &state.app,
        &user.session.actor,
        &ReturnId::from_stored(id),
        query.version,
    )
    .await
    .map_err(fail)?;
    Ok(xml_named(&number, xml))
}

/// A UBL document as a download named after its number.
pub fn xml_named(number: &str, xml: String) -> axum::response::Response {
    use axum::http::header;
    let safe: String = number
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' })
        .collect();
    (
        [
            (header::CONTENT_TYPE, "application/xml; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{safe}.xml\""),
            ),
        ],
        xml,
    )
        .into_response()
}

#[utoipa::path(get, path = "/frameworks/{id}/levy", operation_id = "getFrameworkLevy",
    summary = "The framework's dated management charge rules, and the charge raised by month across the framework's returns (each version raises its difference, so a month's sum is the charge of its current returns), newest first: for the framework's manager and auditors",
    params(("id" = String, Path, description = "Framework id")),
    responses((status = 200, description = "The levy by month", body = LevyByMonth)))]
pub async fn levy_by_month(State(state): State<AppState>, user: ApiUser, Path(id): Path<String>) -> ApiResult {
    let id = FrameworkId::from_stored(id);
    let months = returns::levy_by_month(&state.app, &user.session.actor, &id)
        .await
        .map_err(fail)?;
    let rules = levy::rules(&state.app, &user.session.actor, &id).await.map_err(fail)?;
    Ok(Json(LevyByMonth {
        framework_id: id,
        rules: rules.iter().map(Into::into).collect(),
        months: months.iter().map(Into::into).collect(),
    })
    .into_response())
}
