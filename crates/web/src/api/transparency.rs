//! The Transparency Code registers over the API, as CSV (ADR 0018).

use super::json::ApiQuery;
use super::{fail, ApiResult};
use crate::session::ApiUser;
use crate::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use calloff_app::transparency::{self, QuarterParams, Registers};

/// A register as a CSV attachment.
pub fn csv_download(registers: &Registers, register: &str) -> Response {
    let bytes = match register {
        "contracts" => transparency::contracts_csv(registers),
        _ => transparency::spend_csv(registers),
    };
    let disposition = format!(
        "attachment; filename=\"{}\"",
        transparency::file_name(register, registers.quarter)
    );
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response()
}

#[utoipa::path(get, path = "/organisation/transparency/contracts", operation_id = "getTransparencyContracts",
    summary = "Your organisation's contracts register under the Local Government Transparency Code 2015, for a quarter, as CSV with the Code's column names: every call-off over £5,000 (ex VAT, over its life) placed before the quarter ended and not ended before it began (its buyers, approvers and admins)",
    params(QuarterParams),
    responses(
        (status = 200, description = "The register", body = String, content_type = "text/csv"),
        (status = 403, description = "Not a buyer, approver or admin of a buying organisation", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`quarter` is not a quarter like 2026-Q3", body = super::problem::Problem, content_type = "application/problem+json"),
    ))]
pub async fn contracts(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(params): ApiQuery<QuarterParams>,
) -> ApiResult {
    let registers = transparency::registers(&state.app, &user.session.actor, &params)
        .await
        .map_err(fail)?;
    Ok(csv_download(&registers, "contracts"))
}

#[utoipa::path(get, path = "/organisation/transparency/spend", operation_id = "getTransparencySpend",
    summary = "Your organisation's spending over £500 under the Local Government Transparency Code 2015, for a quarter, as CSV with the Code's column names: every approved invoice and credit note issued in the quarter whose net amount exceeds £500, credit notes negative (its buyers, approvers and admins)",
    params(QuarterParams),
    responses(
        (status = 200, description = "The register", body = String, content_type = "text/csv"),
        (status = 403, description = "Not a buyer, approver or admin of a buying organisation", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`quarter` is not a quarter like 2026-Q3", body = super::problem::Problem, content_type = "application/problem+json"),
    ))]
pub async fn spend(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(params): ApiQuery<QuarterParams>,
) -> ApiResult {
    let registers = transparency::registers(&state.app, &user.session.actor, &params)
        .await
        .map_err(fail)?;
    Ok(csv_download(&registers, "spend"))
}
