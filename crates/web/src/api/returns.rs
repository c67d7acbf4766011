//! MI returns over the API: a framework's returns (the manager's and auditors' all of them, a
//! supplier's its own), one return with its rows paged, submitting it, declaring no business,
//! correcting it, the management charge documents it raised, the levy by month and its rules,
//! and a month's return uploaded as a CSV or XLSX file.

use super::json::ApiQuery;
use super::views::{
    LevyByMonth, LevyRuleView, MiImportView, NewLevyRuleBody, ReturnDetail, ReturnList, ReturnSummaryView,
    ReturnVersionView,
};
use super::{fail, ApiResult};
use crate::session::ApiUser;
use crate::AppState;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use axum::Json;
use calloff_app::returns::{self, levy, MiImportError, MiImportOptions};
use calloff_domain::ids::{FrameworkId, ReturnId};
use calloff_domain::levy::{BasisPoints, LevyRates, LevyRule};
use calloff_domain::mi_return::Month;
use calloff_domain::FieldError;
use calloff_interop::price_list::Format;
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

#[utoipa::path(post, path = "/frameworks/{id}/levy-rules", operation_id = "addLevyRule",
    summary = "The framework's manager adds a dated management charge rule, from the first day of this month or a later one within the term: flat, per lot (a rate for every lot) or per customer sector, in basis points. Each month is charged by the rule in force on its first day. A second rule from the same month is refused (409).",
    params(("id" = String, Path, description = "Framework id")),
    request_body = NewLevyRuleBody,
    responses(
        (status = 201, description = "The rule, as it will be applied", body = LevyRuleView),
        (status = 409, description = "A rule already takes effect that month", body = super::problem::Problem, content_type = "application/problem+json"),
    ))]
pub async fn add_levy_rule(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: super::json::JsonBody,
) -> ApiResult {
    let actor = &user.session.actor;
    let id = FrameworkId::from_stored(id);
    levy::may_set_rules(&state.app, actor, &id).await.map_err(fail)?;
    let body: NewLevyRuleBody = body.parse()?;
    let rule = levy_rule(&body).map_err(|errors| fail(calloff_app::AppError::fields(errors)))?;
    levy::add_rule(&state.app, actor, &id, &rule)
        .await
        .map_err(|e| fail(e.renamed(|f| (f == "rates").then(|| "lot_rates_bp".to_string()))))?;
    Ok(super::created(
        LevyRuleView::from(&rule),
        &format!("/api/v1/frameworks/{id}/levy"),
        false,
    ))
}

/// The rule a body asks for, naming every field at fault.
fn levy_rule(body: &NewLevyRuleBody) -> Result<LevyRule, Vec<FieldError>> {
    fn rate(errors: &mut Vec<FieldError>, basis: &str, field: &str, bp: Option<i64>) -> Option<BasisPoints> {
        let Some(bp) = bp else {
            errors.push(FieldError::new(field, format!("is required for a {basis} rule")));
            return None;
        };
        BasisPoints::new(field, bp).map_err(|e| errors.push(e)).ok()
    }
    let mut errors = Vec::new();
    let basis = body.basis.as_str();
    let rates = match basis {
        "flat" => rate(&mut errors, basis, "rate_bp", body.rate_bp).map(|rate| LevyRates::Flat { rate }),
        "per_sector" => {
            let central = rate(&mut errors, basis, "central_government_bp", body.central_government_bp);
            let wider = rate(
                &mut errors,
                basis,
                "wider_public_sector_bp",
                body.wider_public_sector_bp,
            );
            central
                .zip(wider)
                .map(|(central_government, wider_public_sector)| LevyRates::PerSector {
                    central_government,
                    wider_public_sector,
                })
        }
        "per_lot" => {
            let mut rates = std::collections::BTreeMap::new();
            for (lot, bp) in body.lot_rates_bp.iter().flatten() {
                let field = format!("lot_rates_bp.{lot}");
                match lot.parse::<u32>() {
                    Ok(number) => {
                        if let Some(bp) = rate(&mut errors, basis, &field, Some(*bp)) {
                            rates.insert(number, bp);
                        }
                    }
                    Err(_) => errors.push(FieldError::new(field, "must be a lot number, like \"1\"")),
                }
            }
            if body.lot_rates_bp.as_ref().is_none_or(|r| r.is_empty()) {
                errors.push(FieldError::new(
                    "lot_rates_bp",
                    "is required for a per_lot rule: a rate for every lot",
                ));
            }
            Some(LevyRates::PerLot { rates })
        }
        other => {
            errors.push(FieldError::new(
                "basis",
                format!("must be flat, per_lot or per_sector, not {other:?}"),
            ));
            None
        }
    };
    let effective_from = match calloff_domain::calendar::parse_date(&body.effective_from) {
        Ok(date) => LevyRule::check_start(date)
            .map(|()| date)
            .map_err(|e| errors.push(e))
            .ok(),
        Err(message) => {
            errors.push(FieldError::new("effective_from", message));
            None
        }
    };
    match (effective_from, rates) {
        (Some(from), Some(rates)) if errors.is_empty() => LevyRule::new(from, rates).map_err(|e| vec![e]),
        _ => Err(errors),
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// The month of the return, like `2026-11`: one of the framework's term that has ended.
    period: String,
}

/// The largest MI file the API accepts; bigger returns go through `calloff import mi`.
pub const MAX_IMPORT_BYTES: usize = 100 * 1024 * 1024;

#[utoipa::path(post, path = "/frameworks/{id}/returns/import", operation_id = "importReturn",
    summary = "A supplier that invoices outside calloff uploads a month's MI return as a file: CSV (Content-Type: text/csv) or XLSX (application/vnd.openxmlformats-officedocument.spreadsheetml.sheet), at most 100 MB, with a header row naming order_reference, customer_org_id, lot, sku, quantity, unit_price_gbp, value_gbp, invoice_number and invoice_date (cpv and vat_gbp optional). Every row is checked and reconciled with the supplier's call-offs; errors are listed by row and column (the first 100, and how many in all) and nothing is kept unless the whole file is valid. A valid file becomes the month's submitted return, or a correction of it. The same file sent again makes nothing new (200, already_imported).",
    params(("id" = String, Path, description = "Framework id"), ImportQuery),
    request_body(content = String, content_type = "text/csv"),
    responses(
        (status = 201, description = "Imported: the return's new version", body = MiImportView),
        (status = 200, description = "This file was imported before: what it made", body = MiImportView),
        (status = 413, description = "Larger than 100 MB", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 415, description = "Neither CSV nor XLSX", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The file's errors, each with its row and column, or a bad period", body = super::problem::Problem, content_type = "application/problem+json"),
    ))]
pub async fn import(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
    body: axum::body::Body,
) -> ApiResult {
    use axum::http::{header, StatusCode};
    let actor = &user.session.actor;
    let framework_id = FrameworkId::from_stored(id);
    // Who asks is checked before anything they sent is read.
    returns::may_import(&state.app, actor, &framework_id)
        .await
        .map_err(fail)?;
    let query: ImportQuery = super::json::parse_query(query.as_deref().unwrap_or(""))?;
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase());
    let format = match media.as_deref() {
        Some("text/csv" | "application/csv") => Format::Csv,
        Some(XLSX_MEDIA_TYPE) => Format::Xlsx,
        _ => {
            return Err(super::problem::problem(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Send a CSV or XLSX file",
                "Set Content-Type: text/csv or application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                &[FieldError::new(
                    "Content-Type",
                    format!("must be text/csv or {XLSX_MEDIA_TYPE}"),
                )],
            ))
        }
    };
    let month = Month::parse("period", &query.period).map_err(|e| fail(calloff_app::AppError::Invalid(e)))?;
    let bytes = axum::body::to_bytes(body, MAX_IMPORT_BYTES).await.map_err(|_| {
        super::problem::problem(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body-too-large",
            "The file is too large",
            "Send at most 100 MB here, or use `calloff import mi` for a larger return",
            &[FieldError::new("body", "is larger than 100 MB")],
        )
    })?;
    if bytes.is_empty() {
        return Err(fail(calloff_app::AppError::invalid("body", "is empty: send the file")));
    }
    let size = bytes.len() as u64;
    let outcome = returns::import_file(
        &state.app,
        actor,
        &framework_id,
        month,
        (format, std::io::Cursor::new(bytes), size),
        MiImportOptions::default(),
        |_| {},
    )
    .await;
    match outcome {
        Ok(imported) => {
            let id = &imported.return_record.id;
            let view = MiImportView {
                return_id: id.clone(),
                reference: imported.return_record.reference.clone(),
                rows: imported.rows,
                already_imported: imported.already_imported,
                resumed_after: imported.resumed_after,
                version: ReturnVersionView::of(id, &imported.version),
            };
            if imported.already_imported {
                Ok(Json(view).into_response())
            } else {
                Ok(super::created(view, &format!("/api/v1/returns/{id}"), false))
            }
        }
        Err(MiImportError::Cells { errors, total }) => Err(super::problem::cells(&errors, total)),
        Err(MiImportError::Stopped { .. }) => Err(fail(calloff_app::AppError::invalid(
            "body",
            "The upload stopped before the end: send the file again to go on",
        ))),
        Err(MiImportError::App(e)) => Err(fail(e)),
    }
}

/// XLSX's media type.
const XLSX_MEDIA_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
