//! Invoices over the API: a supplier invoices a call-off (as JSON, or as a PEPPOL BIS Billing 3.0
//! UBL document), the buyer decides, and both read invoices and spend.

use super::json::JsonBody;
use super::views::{FrameworkSpendView, InvoiceDetail, InvoiceList};
use super::{created, fail, ApiResult};
use crate::session::ApiUser;
use crate::AppState;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use axum::Json;
use calloff_app::invoices::{self, InvoiceInput};
use calloff_domain::ids::{CallOffId, FrameworkId, InvoiceId};
use calloff_domain::invoice::InvoiceDecision;
use serde::Deserialize;
use utoipa::ToSchema;

#[utoipa::path(post, path = "/call-offs/{id}/invoices", operation_id = "invoiceCallOff",
    summary = "Invoice a call-off, or credit it (its supplier). Lines are priced at the call-off's prices and matched with it line by line: a matched invoice waits for the buyer's approval, a mismatch is held with its reasons. An invoice number the supplier used before is refused (409), never counted twice.",
    params(("id" = String, Path, description = "Call-off id")),
    request_body = InvoiceInput,
    responses(
        (status = 201, description = "Recorded and matched", body = InvoiceDetail),
        (status = 409, description = "A duplicate invoice number, or a call-off that cannot be invoiced", body = super::problem::Problem, content_type = "application/problem+json"),
    ))]
pub async fn submit(State(state): State<AppState>, user: ApiUser, Path(id): Path<String>, body: JsonBody) -> ApiResult {
    let actor = &user.session.actor;
    let call_off = CallOffId::from_stored(id);
    invoices::may_invoice(&state.app, actor, &call_off)
        .await
        .map_err(fail)?;
    let input: InvoiceInput = body.parse()?;
    let invoice = invoices::submit(&state.app, actor, &call_off, &input)
        .await
        .map_err(fail)?;
    let view = invoices::view(&state.app, actor, &invoice.id).await.map_err(fail)?;
    Ok(created(
        InvoiceDetail::from(&view),
        &format!("/api/v1/invoices/{}", invoice.id),
        false,
    ))
}

#[utoipa::path(get, path = "/call-offs/{id}/invoices", operation_id = "listCallOffInvoices",
    summary = "A call-off's invoices and credit notes, newest first, with contract value, invoiced to date, remaining and forecast (for its buyer, its supplier, the framework's manager and auditors)",
    params(("id" = String, Path, description = "Call-off id")),
    responses((status = 200, description = "Invoices and spend", body = InvoiceList)))]
pub async fn list(State(state): State<AppState>, user: ApiUser, Path(id): Path<String>) -> ApiResult {
    let id = CallOffId::from_stored(id);
    let (list, spend) = invoices::for_call_off(&state.app, &user.session.actor, &id)
        .await
        .map_err(fail)?;
    Ok(Json(InvoiceList {
        call_off_id: id,
        spend: (&spend).into(),
        invoices: list.iter().map(InvoiceDetail::of).collect(),
    })
    .into_response())
}

#[utoipa::path(get, path = "/invoices/{id}", operation_id = "getInvoice",
    summary = "An invoice or credit note, with how it matched its call-off",
    params(("id" = String, Path, description = "Invoice id")),
    responses((status = 200, description = "The invoice", body = InvoiceDetail)))]
pub async fn show(State(state): State<AppState>, user: ApiUser, Path(id): Path<String>) -> ApiResult {
    let view = invoices::view(&state.app, &user.session.actor, &InvoiceId::from_stored(id))
        .await
        .map_err(fail)?;
    Ok(Json(InvoiceDetail::from(&view)).into_response())
}

/// The buyer's decision on an invoice.
#[derive(Deserialize, ToSchema)]
#[schema(as = InvoiceDecisionBody)]
pub struct DecisionBody {
    /// `approve` a matched invoice for payment; `accept` or `dispute` a held one.
    #[schema(value_type = InvoiceDecision)]
    decision: String,
    /// Why it is disputed (required to dispute).
    #[serde(default)]
    #[schema(max_length = 2000)]
    reason: Option<String>,
}

#[utoipa::path(post, path = "/invoices/{id}/decision", operation_id = "decideInvoice",
    summary = "The customer's buyer approves a matched invoice for payment, or accepts or disputes (with a reason) a held one. A disputed invoice no longer counts as invoiced.",
    params(("id" = String, Path, description = "Invoice id")),
    request_body = DecisionBody,
    responses(
        (status = 200, description = "The invoice after the decision", body = InvoiceDetail),
        (status = 409, description = "Not a decision the invoice's status allows", body = super::problem::Problem, content_type = "application/problem+json"),
    ))]
pub async fn decide(State(state): State<AppState>, user: ApiUser, Path(id): Path<String>, body: JsonBody) -> ApiResult {
    let actor = &user.session.actor;
    let id = InvoiceId::from_stored(id);
    invoices::may_decide(&state.app, actor, &id).await.map_err(fail)?;
    let body: DecisionBody = body.parse()?;
    let decision = InvoiceDecision::parse(body.decision.trim()).map_err(|e| fail(e.into()))?;
    invoices::decide(&state.app, actor, &id, decision, body.reason.as_deref())
        .await
        .map_err(fail)?;
    let view = invoices::view(&state.app, actor, &id).await.map_err(fail)?;
    Ok(Json(InvoiceDetail::from(&view)).into_response())
}

#[utoipa::path(get, path = "/frameworks/{id}/spend", operation_id = "getFrameworkSpend",
    summary = "A framework's ceiling, what its call-offs commit, what was invoiced under it and the headroom left; for its manager and auditors also spend by month, lot, kind of body and customer, and the month the ceiling would be reached",
    params(("id" = String, Path, description = "Framework id")),
    responses((status = 200, description = "Spend against the ceiling", body = FrameworkSpendView)))]
pub async fn framework_spend(State(state): State<AppState>, user: ApiUser, Path(id): Path<String>) -> ApiResult {
    let id = FrameworkId::from_stored(id);
    let actor = &user.session.actor;
    let spend = invoices::framework_spend(&state.app, actor, &id).await.map_err(fail)?;
    let mut view = FrameworkSpendView::new(id.clone(), &spend);
    view.breakdown = match calloff_app::spend::framework_report(&state.app, actor, &id).await {
        Ok(report) => Some((&report).into()),
        Err(calloff_app::AppError::Forbidden(_)) => None,
        Err(e) => return Err(fail(e)),
    };
    Ok(Json(view).into_response())
}

#[utoipa::path(get, path = "/organisation/spend", operation_id = "getOrganisationSpend",
    summary = "The signed-in buyer's organisation's spend (by month, lot and cost centre) and its register of running contracts, ending soonest first, with renewal alerts 90 days ahead",
    responses((status = 200, description = "Spend and contracts", body = super::views::OrganisationSpendView)))]
pub async fn organisation_spend(State(state): State<AppState>, user: ApiUser) -> ApiResult {
    let report = calloff_app::spend::organisation_report(&state.app, &user.session.actor)
        .await
        .map_err(fail)?;
    Ok(Json(super::views::OrganisationSpendView::from(&report)).into_response())
}

#[utoipa::path(get, path = "/invoices/{id}/ubl", operation_id = "getInvoiceUbl",
    summary = "An invoice or credit note as a PEPPOL BIS Billing 3.0 UBL document (the parties addressed by VAT number, the customer by its org-id, the supplier's Companies House number as its legal registration)",
    params(("id" = String, Path, description = "Invoice id")),
    responses(
        (status = 200, description = "The UBL Invoice or CreditNote", body = String, content_type = "application/xml"),
        (status = 409, description = "A party has no VAT number recorded, so the document cannot be addressed", body = super::problem::Problem, content_type = "application/problem+json"),
    ))]
pub async fn ubl(State(state): State<AppState>, user: ApiUser, Path(id): Path<String>) -> ApiResult {
    let (invoice, xml) = invoices::ubl::document(&state.app, &user.session.actor, &InvoiceId::from_stored(id))
        .await
        .map_err(fail)?;
    Ok(xml_download(&invoice, xml))
}

/// A UBL document as a download named after the invoice.
pub fn xml_download(invoice: &calloff_domain::invoice::Invoice, xml: String) -> axum::response::Response {
    use axum::http::header;
    let safe: String = invoice
        .number
        .as_str()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' })
        .collect();
    let disposition = format!("attachment; filename=\"{}-{safe}.xml\"", invoice.kind.as_str());
    (
        [
            (header::CONTENT_TYPE, "application/xml; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        xml,
    )
        .into_response()
}

#[utoipa::path(post, path = "/invoices", operation_id = "uploadInvoiceUbl",
    summary = "A supplier sends a PEPPOL BIS Billing 3.0 UBL Invoice or CreditNote (Content-Type: application/xml, at most 10 MB). It is tied to its call-off by cac:OrderReference/cbc:ID (the call-off's reference) and each line by cac:OrderLineReference/cbc:LineID, then matched as an entered invoice is. A document that is not valid UBL, breaks a BIS 3 rule or does not fit the call-off is refused naming the element; an invoice number used before is refused (409).",
    request_body(content = String, content_type = "application/xml"),
    responses(
        (status = 201, description = "Recorded and matched", body = InvoiceDetail),
        (status = 409, description = "A duplicate invoice number, or a call-off that cannot be invoiced", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not sent as application/xml", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not valid UBL, or not fitting the call-off: each element named", body = super::problem::Problem, content_type = "application/problem+json"),
    ))]
pub async fn upload(
    State(state): State<AppState>,
    user: ApiUser,
    headers: axum::http::HeaderMap,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult {
    use axum::http::{header, StatusCode};
    let actor = &user.session.actor;
    if !actor.has(calloff_domain::role::Role::SupplierUser) {
        return Err(fail(calloff_app::AppError::Forbidden(
            "only a supplier's users send invoices".into(),
        )));
    }
    let is_xml = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| ["application/xml", "text/xml"].contains(&m.trim().to_ascii_lowercase().as_str()));
    if !is_xml {
        return Err(super::problem::problem(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Send UBL XML",
            "Set Content-Type: application/xml",
            &[calloff_domain::FieldError::new(
                "Content-Type",
                "must be application/xml",
            )],
        ));
    }
    let bytes = body.map_err(|e| {
        super::problem::problem(
            e.status(),
            "body-too-large",
            "The body could not be read",
            &e.body_text(),
            &[calloff_domain::FieldError::new("body", e.body_text())],
        )
    })?;
    let invoice = invoices::ubl::upload(&state.app, actor, &bytes).await.map_err(fail)?;
    let view = invoices::view(&state.app, actor, &invoice.id).await.map_err(fail)?;
    Ok(created(
        InvoiceDetail::from(&view),
        &format!("/api/v1/invoices/{}", invoice.id),
        false,
    ))
}
