//! Invoice pages: the supplier invoices (or credits) a call-off, and the buyer approves, accepts
//! or disputes what arrived.

use super::{error_page, render, Fields};
use crate::html::{
    csrf_field, date_input, error_for, field_id, input, layout, radios, success_banner, summary_list, textarea,
    timestamp, Chrome, Input, Radio, Radios, Section, TypedDate,
};
use crate::session::{PageUser, SignedInForm};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use calloff_app::invoices::{self, CallOffSpend, InvoiceInput, InvoiceLineInput, InvoiceView};
use calloff_domain::call_off::CallOff;
use calloff_domain::catalogue::Charging;
use calloff_domain::ids::{CallOffId, InvoiceId};
use calloff_domain::invoice::{Invoice, InvoiceDecision, InvoiceKind, InvoiceStatus};
use calloff_domain::FieldError;
use maud::{html, Markup};
use serde::Deserialize;

/// What the supplier typed for one call-off line.
#[derive(Default, Clone)]
struct TypedLine {
    quantity: String,
    period_start: TypedDate,
    period_end: TypedDate,
}

/// The invoice form as typed.
#[derive(Default)]
struct Typed {
    kind: String,
    number: String,
    issue_date: TypedDate,
    credits: String,
    lines: Vec<TypedLine>,
}

fn status_tag(status: InvoiceStatus) -> Markup {
    let colour = match status {
        InvoiceStatus::Matched => "govuk-tag--blue",
        InvoiceStatus::Held => "govuk-tag--yellow",
        InvoiceStatus::Approved | InvoiceStatus::Accepted => "govuk-tag--green",
        InvoiceStatus::Disputed => "govuk-tag--red",
    };
    html! { strong class={ "govuk-tag " (colour) } { (status.label()) } }
}

/// Contract value, invoiced, remaining and forecast, for the call-off page.
pub(super) fn spend_summary(spend: &CallOffSpend) -> Markup {
    html! {
        h2 class="govuk-heading-m" id="spend" { "Spend" }
        (summary_list(&[
            ("Contract value (ex VAT)", html! { (spend.contract_value) }),
            ("Invoiced to date (ex VAT)", html! { (spend.invoiced) }),
            ("Remaining", html! { (spend.remaining) }),
            ("Forecast by the end of the term", html! {
                @match spend.forecast {
                    Some(f) => { (f) " at the rate invoiced so far" },
                    None => "Once the call-off is live",
                }
            }),
        ]))
    }
}

/// The call-off's invoices, newest first.
pub(super) fn invoice_table(list: &[Invoice]) -> Markup {
    html! {
        @if list.is_empty() {
            p class="govuk-body" { "Nothing has been invoiced yet." }
        } @else {
            div class="calloff-table-scroll" {
                table class="govuk-table" id="invoices" {
                    caption class="govuk-table__caption govuk-table__caption--s" { "Invoices and credit notes" }
                    thead class="govuk-table__head" { tr class="govuk-table__row" {
                        th scope="col" class="govuk-table__header" { "Number" }
                        th scope="col" class="govuk-table__header" { "Issued" }
                        th scope="col" class="govuk-table__header" { "Status" }
                        th scope="col" class="govuk-table__header govuk-table__header--numeric" { "Net" }
                    } }
                    tbody class="govuk-table__body" {
                        @for i in list {
                            tr class="govuk-table__row" {
                                td class="govuk-table__cell" {
                                    a class="govuk-link" href={ "/invoices/" (i.id) } { (i.kind.label()) " " (i.number.as_str()) }
                                }
                                td class="govuk-table__cell" { (long_date(i.issue_date)) }
                                td class="govuk-table__cell" { (status_tag(i.status)) }
                                td class="govuk-table__cell govuk-table__cell--numeric calloff-numeric" {
                                    @if i.kind == InvoiceKind::CreditNote { "−" } (i.totals.net)
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

use crate::dates::date as long_date;

/// The invoices waiting for the buyer's organisation: oldest first, each with its call-off,
/// supplier and amount, linked to the page where it is decided.
pub async fn to_decide(State(state): State<AppState>, user: PageUser) -> Response {
    let actor = &user.session.actor;
    let waiting = match invoices::to_decide(&state.app, actor).await {
        Ok(waiting) => waiting,
        Err(e) => return error_page(Some(actor), &e),
    };
    let title = "Invoices to approve or dispute";
    let chrome = Chrome {
        title,
        actor: Some(actor),
        csrf_token: Some(&user.session.csrf_token),
        section: Section::CallOffs,
        errors: &[],
    };
    render(
        StatusCode::OK,
        layout(
            chrome,
            html! {
                (crate::html::back_link("/", "Back to your tasks"))
                h1 class="govuk-heading-l" { (title) }
                @if waiting.is_empty() {
                    p class="govuk-body" id="none-waiting" { "No invoices are waiting for your organisation's decision." }
                } @else {
                    p class="govuk-body" {
                        "Approve an invoice that matches its call-off. An invoice that does not match is held: accept it or dispute it. Oldest first."
                    }
                    @if i64::try_from(waiting.len()).unwrap_or(i64::MAX) >= invoices::TO_DECIDE_SHOWN {
                        div class="govuk-inset-text" { "Only the oldest " (invoices::TO_DECIDE_SHOWN) " are shown. Decide these to see the rest." }
                    }
                    table class="govuk-table" id="invoices-to-decide" {
                        caption class="govuk-table__caption govuk-table__caption--m" { (calloff_domain::text::count(waiting.len(), "invoice", "invoices")) " waiting" }
                        thead class="govuk-table__head" { tr class="govuk-table__row" {
                            th scope="col" class="govuk-table__header" { "Invoice" }
                            th scope="col" class="govuk-table__header" { "Call-off" }
                            th scope="col" class="govuk-table__header" { "Supplier" }
                            th scope="col" class="govuk-table__header" { "Received" }
                            th scope="col" class="govuk-table__header" { "Status" }
                            th scope="col" class="govuk-table__header govuk-table__header--numeric" { "Net" }
                        } }
                        tbody class="govuk-table__body" {
                            @for w in &waiting {
                                @let i = &w.invoice;
                                tr class="govuk-table__row" {
                                    td class="govuk-table__cell" {
                                        a class="govuk-link" href={ "/invoices/" (i.id) } { (i.kind.label()) " " (i.number.as_str()) }
                                    }
                                    td class="govuk-table__cell" {
                                        a class="govuk-link" href={ "/call-offs/" (i.call_off_id) } { (i.call_off_reference) }
                                    }
                                    td class="govuk-table__cell" { (w.supplier_name) }
                                    td class="govuk-table__cell" { (timestamp(&i.received_at)) }
                                    td class="govuk-table__cell" { (status_tag(i.status)) }
                                    td class="govuk-table__cell govuk-table__cell--numeric calloff-numeric" {
                                        @if i.kind == InvoiceKind::CreditNote { "−" } (i.totals.net)
                                    }
                                }
                            }
                        }
                    }
                }
            },
        ),
    )
}

fn form_page(user: &PageUser, call_off: &CallOff, typed: &Typed, errors: &[FieldError]) -> Markup {
    let title = format!("Invoice call-off {}", call_off.reference);
    let chrome = Chrome {
        title: &title,
        actor: Some(&user.session.actor),
        csrf_token: Some(&user.session.csrf_token),
        section: Section::Inbox,
        errors,
    };
    let kind = if typed.kind.is_empty() {
        "invoice"
    } else {
        typed.kind.as_str()
    };
    layout(
        chrome,
        html! {
            a href={ "/call-offs/" (call_off.id) } class="govuk-back-link" { "Back to call-off " (call_off.reference) }
            span class="govuk-caption-l" { (call_off.reference) }
            h1 class="govuk-heading-l" { "Invoice this call-off" }
            p class="govuk-body" {
                "Give the quantity for each line you are charging, and the period it covers. Lines are priced at the call-off's prices and checked against it: "
                "an invoice that matches goes to the buyer for approval; one that does not is held with the reasons."
            }
            form method="post" action={ "/call-offs/" (call_off.id) "/invoices" } novalidate {
                (csrf_field(&user.session.csrf_token))
                (radios(Radios {
                    name: "kind",
                    legend: "What are you sending?",
                    legend_class: Some("govuk-fieldset__legend--s"),
                    hint: None,
                    error: error_for(errors, "kind"),
                    items: &[
                        Radio { value: "invoice", label: "An invoice", hint: None },
                        Radio { value: "credit_note", label: "A credit note", hint: Some("Reduces what was invoiced on the lines it credits") },
                    ],
                    checked: kind,
                }))
                (input(Input {
                    error: error_for(errors, "number"),
                    width_class: Some("govuk-input--width-20"),
                    spellcheck: Some(false),
                    hint: Some("Your own number for it. Each number can be used once."),
                    ..Input::text("number", "Invoice or credit note number", &typed.number)
                }))
                (date_input("issue_date", "Issue date", "For example, 30 11 2026. Leave it blank for today.", &typed.issue_date, error_for(errors, "issue_date")))
                (input(Input {
                    error: error_for(errors, "credits"),
                    width_class: Some("govuk-input--width-20"),
                    spellcheck: Some(false),
                    hint: Some("For a credit note: the number of the invoice it credits"),
                    ..Input::text("credits", "Invoice credited (optional)", &typed.credits)
                }))
                h2 class="govuk-heading-m" { "Lines" }
                div id=(field_id("lines")) {
                    @if let Some(e) = error_for(errors, "lines") {
                        p class="govuk-error-message" { span class="govuk-visually-hidden" { "Error:" } " " (e) }
                    }
                }
                @for (i, line) in call_off.lines.iter().enumerate() {
                    @let blank = TypedLine::default();
                    @let t = typed.lines.get(i).unwrap_or(&blank);
                    @let quantity_name = format!("lines[{i}].quantity");
                    @let start_name = format!("lines[{i}].period_start");
                    @let end_name = format!("lines[{i}].period_end");
                    @let line_error = error_for(errors, &format!("lines[{i}].call_off_line"));
                    fieldset class="govuk-fieldset govuk-!-margin-bottom-6" {
                        legend class="govuk-fieldset__legend govuk-fieldset__legend--s" {
                            "Line " (i + 1) ": " (line.name) " (" (line.sku) "), " (line.unit_price) " " (line.unit.label())
                        }
                        @if let Some(e) = line_error {
                            p class="govuk-error-message" { span class="govuk-visually-hidden" { "Error:" } " " (e) }
                        }
                        @let hint = match line.unit.charging() {
                            Charging::Recurring => format!("Ordered: {}. Monthly: the units each month, charged for every month the period starts. Leave it blank to leave the line out.", line.quantity.get()),
                            Charging::Usage => "Use in the period: minutes, GB or calls. Leave it blank to leave the line out.".to_string(),
                            Charging::OneOff => format!("Ordered: {}. Leave it blank to leave the line out.", line.quantity.get()),
                        };
                        (input(Input { error: error_for(errors, &quantity_name), numeric: true, width_class: Some("govuk-input--width-5"), hint: Some(&hint), ..Input::text(&quantity_name, "Quantity", &t.quantity) }))
                        @if line.unit.charging() != Charging::OneOff {
                            (date_input(&start_name, "Period from", "For example, 1 11 2026", &t.period_start, error_for(errors, &start_name)))
                            (date_input(&end_name, "Period to", "For example, 30 11 2026", &t.period_end, error_for(errors, &end_name)))
                        }
                    }
                }
                button type="submit" class="govuk-button" data-module="govuk-button" { "Send invoice" }
            }
        },
    )
}

pub async fn new_form(State(state): State<AppState>, user: PageUser, Path(id): Path<String>) -> Response {
    let actor = &user.session.actor;
    match invoices::may_invoice(&state.app, actor, &CallOffId::from_stored(id)).await {
        Ok(call_off) => render(StatusCode::OK, form_page(&user, &call_off, &Typed::default(), &[])),
        Err(e) => error_page(Some(actor), &e),
    }
}

/// A typed date as `YYYY-MM-DD`, blank when nothing was typed, or the error naming `field`.
fn typed_date(typed: &TypedDate, field: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    if typed.day.is_empty() && typed.month.is_empty() && typed.year.is_empty() {
        return None;
    }
    match typed.date() {
        Some(date) => Some(date.to_string()),
        None => {
            errors.push(FieldError::new(field, "Enter a real date, for example 30 11 2026"));
            None
        }
    }
}

fn read_form(fields: &Fields, call_off: &CallOff, errors: &mut Vec<FieldError>) -> (Typed, InvoiceInput, Vec<usize>) {
    let typed = Typed {
        kind: fields.text("kind"),
        number: fields.text("number"),
        issue_date: TypedDate::from_fields(fields, "issue_date"),
        credits: fields.text("credits"),
        lines: (0..call_off.lines.len())
            .map(|i| TypedLine {
                quantity: fields.text(&format!("lines[{i}].quantity")),
                period_start: TypedDate::from_fields(fields, &format!("lines[{i}].period_start")),
                period_end: TypedDate::from_fields(fields, &format!("lines[{i}].period_end")),
            })
            .collect(),
    };
    let mut lines = Vec::new();
    let mut rows = Vec::new();
    for (i, t) in typed.lines.iter().enumerate() {
        if t.quantity.is_empty() {
            continue;
        }
        let quantity = t.quantity.replace(',', "").parse::<i64>().unwrap_or_else(|_| {
            errors.push(FieldError::new(
                format!("lines[{i}].quantity"),
                "Enter the quantity as a whole number, like 12",
            ));
            0
        });
        let period_start = typed_date(&t.period_start, &format!("lines[{i}].period_start"), errors);
        let period_end = typed_date(&t.period_end, &format!("lines[{i}].period_end"), errors);
        rows.push(i);
        lines.push(InvoiceLineInput {
            call_off_line: i64::try_from(i + 1).unwrap_or(i64::MAX),
            quantity,
            period_start,
            period_end,
        });
    }
    let input = InvoiceInput {
        kind: Some(typed.kind.clone()).filter(|k| !k.is_empty()),
        number: typed.number.clone(),
        issue_date: typed_date(&typed.issue_date, "issue_date", errors),
        credits: Some(typed.credits.clone()).filter(|c| !c.is_empty()),
        lines,
    };
    (typed, input, rows)
}

pub async fn submit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SignedInForm { user, fields }: SignedInForm,
) -> Response {
    let actor = &user.session.actor;
    let id = CallOffId::from_stored(id);
    let call_off = match invoices::may_invoice(&state.app, actor, &id).await {
        Ok(c) => c,
        Err(e) => return error_page(Some(actor), &e),
    };
    let mut errors = Vec::new();
    let (typed, input, rows) = read_form(&fields, &call_off, &mut errors);
    let result = match invoices::draft_from(&state.app, &call_off, &input) {
        Ok(draft) if errors.is_empty() => Some(invoices::record(&state.app, actor, &id, draft).await),
        Ok(_) => None,
        Err(e) => Some(Err(e)),
    };
    match result {
        Some(Ok(invoice)) => return Redirect::to(&format!("/invoices/{}?received=1", invoice.id)).into_response(),
        Some(Err(e)) if e.is_form_error() || matches!(e, calloff_app::AppError::Conflict(_)) => {
            // Name each line's field by the form row it was typed in.
            for fe in e.field_errors() {
                let renamed = rows.iter().enumerate().find_map(|(k, row)| {
                    fe.field
                        .strip_prefix(&format!("lines[{k}]"))
                        .map(|rest| format!("lines[{row}]{rest}"))
                });
                let field = renamed.unwrap_or(fe.field.clone());
                if !errors.iter().any(|e: &FieldError| e.field == field) {
                    errors.push(FieldError::new(field, fe.message));
                }
            }
        }
        Some(Err(e)) => return error_page(Some(actor), &e),
        None => {}
    }
    render(
        StatusCode::UNPROCESSABLE_ENTITY,
        form_page(&user, &call_off, &typed, &errors),
    )
}

#[derive(Deserialize)]
pub struct ShowQuery {
    received: Option<String>,
    decided: Option<String>,
}

fn show_page(user: &PageUser, view: &InvoiceView, query: &ShowQuery, reason: &str, errors: &[FieldError]) -> Markup {
    let i = &view.invoice;
    let title = format!("{} {}", i.kind.label(), i.number.as_str());
    let chrome = Chrome {
        title: &title,
        actor: Some(&user.session.actor),
        csrf_token: Some(&user.session.csrf_token),
        section: Section::CallOffs,
        errors,
    };
    let decision_button = |decision: &str, label: &str, class: &str| {
        html! {
            form method="post" action={ "/invoices/" (i.id) "/decision" } class="govuk-!-display-inline-block govuk-!-margin-right-3" {
                (csrf_field(&user.session.csrf_token))
                input type="hidden" name="decision" value=(decision);
                button type="submit" class={ "govuk-button " (class) } data-module="govuk-button" { (label) }
            }
        }
    };
    layout(
        chrome,
        html! {
            a href={ "/call-offs/" (i.call_off_id) } class="govuk-back-link" { "Back to call-off " (i.call_off_reference) }
            @if query.received.is_some() {
                @if i.status == InvoiceStatus::Held {
                    (success_banner("Received. It does not match the call-off, so it is held for the buyer to accept or dispute"))
                } @else {
                    (success_banner("Received and matched with the call-off; sent to the buyer for approval"))
                }
            }
            @if let Some(d) = &query.decided {
                @match d.as_str() {
                    "approved" => (success_banner("Approved for payment")),
                    "accepted" => (success_banner("Accepted despite the differences")),
                    "disputed" => (success_banner("Disputed; the supplier has been told why")),
                    _ => {},
                }
            }
            span class="govuk-caption-l" { "Call-off " (i.call_off_reference) }
            h1 class="govuk-heading-l" { (title) }
            (summary_list(&[
                ("Status", status_tag(i.status)),
                ("Call-off", html! { a class="govuk-link" href={ "/call-offs/" (i.call_off_id) } { (i.call_off_reference) } }),
                ("Supplier", html! { (view.supplier_name) }),
                ("Customer", html! { (view.buyer_name) }),
                ("Issue date", html! { (long_date(i.issue_date)) }),
                ("Credits invoice", html! { (i.credits.as_deref().unwrap_or("Not given")) }),
                ("Received", html! { (timestamp(&i.received_at)) " (" (if i.source == calloff_domain::invoice::InvoiceSource::Ubl { "UBL upload" } else { "entered" }) ")" }),
            ]))
            @if !i.mismatches.is_empty() {
                div class="govuk-warning-text" {
                    span class="govuk-warning-text__icon" aria-hidden="true" { "!" }
                    strong class="govuk-warning-text__text" {
                        span class="govuk-visually-hidden" { "Warning" }
                        "This does not match the call-off:"
                    }
                }
                ul class="govuk-list govuk-list--bullet" id="mismatches" {
                    @for m in &i.mismatches { li { "Line " (m.line) ": " (m.reason) } }
                }
            }
            @if let Some(reason) = &i.dispute_reason {
                div class="govuk-inset-text" { strong { "Disputed: " } (reason) }
            }
            div class="calloff-table-scroll" {
                table class="govuk-table" {
                    caption class="govuk-table__caption govuk-table__caption--m" { "Lines" }
                    thead class="govuk-table__head" { tr class="govuk-table__row" {
                        th scope="col" class="govuk-table__header" { "Item" }
                        th scope="col" class="govuk-table__header" { "Period" }
                        th scope="col" class="govuk-table__header govuk-table__header--numeric" { "Units" }
                        th scope="col" class="govuk-table__header govuk-table__header--numeric" { "Unit price" }
                        th scope="col" class="govuk-table__header govuk-table__header--numeric" { "Net" }
                    } }
                    tbody class="govuk-table__body" {
                        @for l in &i.lines {
                            tr class="govuk-table__row" {
                                td class="govuk-table__cell" { (l.name) br; span class="govuk-body-s" { (l.sku) ", call-off line " (l.call_off_line) } }
                                td class="govuk-table__cell" {
                                    @match l.period { Some(p) => { (long_date(p.start)) " to " (long_date(p.end)) }, None => "One-off" }
                                }
                                td class="govuk-table__cell govuk-table__cell--numeric" { (l.quantity) }
                                td class="govuk-table__cell govuk-table__cell--numeric calloff-numeric" { (l.unit_price) }
                                td class="govuk-table__cell govuk-table__cell--numeric calloff-numeric" { (l.value) }
                            }
                        }
                    }
                }
            }
            (summary_list(&[
                ("Net", html! { (i.totals.net) }),
                ("VAT at 20%", html! { (i.totals.vat) }),
                ("Total", html! { (i.totals.gross) }),
            ]))
            p class="govuk-body" { a class="govuk-link" href={ "/invoices/" (i.id) "/ubl" } download { "Download as PEPPOL UBL (XML)" } }
            @if view.you_may_decide {
                h2 class="govuk-heading-m" { "Your decision" }
                @if i.status == InvoiceStatus::Matched {
                    (decision_button("approve", "Approve for payment", ""))
                } @else {
                    (decision_button("accept", "Accept despite the differences", "govuk-button--secondary"))
                    form method="post" action={ "/invoices/" (i.id) "/decision" } novalidate {
                        (csrf_field(&user.session.csrf_token))
                        input type="hidden" name="decision" value="dispute";
                        (textarea("reason", "Why do you dispute it?", reason, Some("The supplier sees this"), error_for(errors, "reason")))
                        button type="submit" class="govuk-button govuk-button--warning" data-module="govuk-button" { "Dispute invoice" }
                    }
                }
            }
        },
    )
}

pub async fn show(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Query(query): Query<ShowQuery>,
) -> Response {
    let actor = &user.session.actor;
    match invoices::view(&state.app, actor, &InvoiceId::from_stored(id)).await {
        Ok(view) => render(StatusCode::OK, show_page(&user, &view, &query, "", &[])),
        Err(e) => error_page(Some(actor), &e),
    }
}

pub async fn decide(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SignedInForm { user, fields }: SignedInForm,
) -> Response {
    let actor = &user.session.actor;
    let id = InvoiceId::from_stored(id);
    if let Err(e) = invoices::may_decide(&state.app, actor, &id).await {
        return error_page(Some(actor), &e);
    }
    let reason = fields.text("reason");
    let decided = match InvoiceDecision::parse(&fields.text("decision")) {
        Ok(decision) => invoices::decide(&state.app, actor, &id, decision, Some(&reason)).await,
        Err(e) => Err(e.into()),
    };
    match decided {
        Ok(invoice) => Redirect::to(&format!("/invoices/{id}?decided={}", invoice.status.as_str())).into_response(),
        Err(e) if e.is_form_error() => match invoices::view(&state.app, actor, &id).await {
            Ok(view) => {
                let query = ShowQuery {
                    received: None,
                    decided: None,
                };
                render(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    show_page(&user, &view, &query, &reason, &e.field_errors()),
                )
            }
            Err(e) => error_page(Some(actor), &e),
        },
        Err(e) => error_page(Some(actor), &e),
    }
}

/// The invoice as a UBL document, downloaded with the page session.
pub async fn ubl(State(state): State<AppState>, user: PageUser, Path(id): Path<String>) -> Response {
    let actor = &user.session.actor;
    match invoices::ubl::document(&state.app, actor, &InvoiceId::from_stored(id)).await {
        Ok((invoice, xml)) => crate::api::xml_download(&invoice, xml),
        Err(e) => error_page(Some(actor), &e),
    }
}

fn upload_page(user: &PageUser, summary: &[FieldError], problems: &[FieldError]) -> Markup {
    let chrome = Chrome {
        title: "Send a UBL invoice",
        actor: Some(&user.session.actor),
        csrf_token: Some(&user.session.csrf_token),
        section: Section::Inbox,
        errors: summary,
    };
    let file_error = error_for(summary, "file");
    layout(
        chrome,
        html! {
            a href="/supplier/inbox" class="govuk-back-link" { "Back to your inbox" }
            h1 class="govuk-heading-l" { "Send a UBL invoice or credit note" }
            p class="govuk-body" {
                "Upload a PEPPOL BIS Billing 3.0 UBL Invoice or CreditNote, as your finance system exports it. "
                "Put the call-off's reference in the order reference (cac:OrderReference/cbc:ID) and the call-off line each line charges in its order line reference (cac:OrderLineReference/cbc:LineID)."
            }
            p class="govuk-body" { "It is checked whole and matched with the call-off like an invoice entered here; nothing is kept if it is refused." }
            @if !problems.is_empty() {
                div class="calloff-table-scroll" {
                    table class="govuk-table" id="document-errors" {
                        caption class="govuk-table__caption govuk-table__caption--m" {
                            @if problems.len() == 1 { "1 problem in the document" } @else { (problems.len()) " problems in the document" }
                        }
                        thead class="govuk-table__head" { tr class="govuk-table__row" {
                            th scope="col" class="govuk-table__header" { "Element" }
                            th scope="col" class="govuk-table__header" { "Problem" }
                        } }
                        tbody class="govuk-table__body" {
                            @for e in problems {
                                tr class="govuk-table__row" {
                                    td class="govuk-table__cell calloff-prose" { code { (e.field) } }
                                    td class="govuk-table__cell" { (e.message) }
                                }
                            }
                        }
                    }
                }
            }
            form method="post" action="/invoices/upload" enctype="multipart/form-data" novalidate {
                (csrf_field(&user.session.csrf_token))
                (crate::html::file_upload("UBL document (XML)", ".xml,application/xml", file_error))
                button type="submit" class="govuk-button" data-module="govuk-button" data-prevent-double-click="true" { "Check and send" }
            }
        },
    )
}

pub async fn upload_form(user: PageUser) -> Response {
    if !user.session.actor.has(calloff_domain::role::Role::SupplierUser) {
        return error_page(
            Some(&user.session.actor),
            &calloff_app::AppError::Forbidden("only a supplier's users send invoices".into()),
        );
    }
    render(StatusCode::OK, upload_page(&user, &[], &[]))
}

pub async fn upload(
    State(state): State<AppState>,
    crate::session::SignedInUpload { user, file, .. }: crate::session::SignedInUpload,
) -> Response {
    let actor = &user.session.actor;
    if !actor.has(calloff_domain::role::Role::SupplierUser) {
        return error_page(
            Some(actor),
            &calloff_app::AppError::Forbidden("only a supplier's users send invoices".into()),
        );
    }
    let Some(file) = file else {
        let summary = [FieldError::new("file", "Choose a UBL XML file")];
        return render(StatusCode::UNPROCESSABLE_ENTITY, upload_page(&user, &summary, &[]));
    };
    match invoices::ubl::upload(&state.app, actor, &file.bytes).await {
        Ok(invoice) => Redirect::to(&format!("/invoices/{}?received=1", invoice.id)).into_response(),
        Err(e) if e.is_form_error() || matches!(e, calloff_app::AppError::Conflict(_)) => {
            let problems = e.field_errors();
            let summary = [FieldError::new(
                "file",
                if problems.len() == 1 {
                    format!("{}: {}", problems[0].field, problems[0].message)
                } else {
                    format!(
                        "The document has {} problems, listed below; fix them and upload it again",
                        problems.len()
                    )
                },
            )];
            render(
                StatusCode::UNPROCESSABLE_ENTITY,
                upload_page(&user, &summary, &problems),
            )
        }
        Err(e) => error_page(Some(actor), &e),
    }
}
