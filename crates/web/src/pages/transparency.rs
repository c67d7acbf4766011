//! The Transparency Code registers page: a buying organisation's contracts over £5,000 and
//! spending over £500 for a quarter, picked by a GET form, with CSV downloads (ADR 0018).

use super::{error_page, render};
use crate::dates;
use crate::html::{input, layout, Chrome, Input, Section};
use crate::session::PageUser;
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use calloff_app::transparency::{self, purpose, signed_net, QuarterParams, Registers};
use calloff_domain::calendar::parse_date;
use calloff_domain::transparency::{Quarter, CONTRACT_THRESHOLD, SPEND_THRESHOLD};
use calloff_domain::FieldError;
use maud::{html, Markup};

const BASE: &str = "/organisation/transparency";

/// A stored `YYYY-MM-DD` as a page writes dates; an empty cell when there is none.
fn day(stored: Option<&str>) -> String {
    stored
        .and_then(|d| parse_date(d).ok())
        .map(dates::date)
        .unwrap_or_default()
}

fn quarter_form(value: &str, errors: &[FieldError]) -> Markup {
    html! {
        form method="get" action=(BASE) novalidate {
            (input(Input {
                hint: Some("A calendar quarter: year, then Q1 (January to March) to Q4, for example 2026-Q3"),
                error: crate::html::error_for(errors, "quarter"),
                width_class: Some("govuk-input--width-10"),
                spellcheck: Some(false),
                ..Input::text("quarter", "Quarter", value)
            }))
            button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button" { "Show quarter" }
        }
    }
}

fn quarter_link(q: Quarter) -> String {
    format!("{BASE}?quarter={q}")
}

/// A register's CSV, downloaded with the page's session (the API's needs a token).
fn download_link(register: &str, q: Quarter) -> String {
    format!("{BASE}/{register}.csv?quarter={q}")
}

async fn download(state: &AppState, user: &PageUser, params: &QuarterParams, register: &str) -> Response {
    let actor = &user.session.actor;
    match transparency::registers(&state.app, actor, params).await {
        Ok(registers) => crate::api::transparency::csv_download(&registers, register),
        Err(e) => error_page(Some(actor), &e),
    }
}

pub async fn contracts_csv(
    State(state): State<AppState>,
    user: PageUser,
    Query(params): Query<QuarterParams>,
) -> Response {
    download(&state, &user, &params, "contracts").await
}

pub async fn spend_csv(State(state): State<AppState>, user: PageUser, Query(params): Query<QuarterParams>) -> Response {
    download(&state, &user, &params, "spend").await
}

fn registers_tables(r: &Registers) -> Markup {
    let q = r.quarter;
    html! {
        nav class="govuk-pagination govuk-pagination--block" aria-label="Other quarters" {
            div class="govuk-pagination__prev" {
                a class="govuk-link govuk-pagination__link" href=(quarter_link(q.previous())) rel="prev" {
                    span class="govuk-pagination__link-title" { "Previous quarter" }
                    span class="govuk-pagination__link-label" { (q.previous().label()) }
                }
            }
            div class="govuk-pagination__next" {
                a class="govuk-link govuk-pagination__link" href=(quarter_link(q.next())) rel="next" {
                    span class="govuk-pagination__link-title" { "Next quarter" }
                    span class="govuk-pagination__link-label" { (q.next().label()) }
                }
            }
        }
        h2 class="govuk-heading-m" id="contracts" { "Contracts over " (CONTRACT_THRESHOLD) }
        p class="govuk-body" {
            "Every call-off worth more than " (CONTRACT_THRESHOLD) " over its life (excluding VAT) that was placed before the quarter ended and had not ended before it began. "
            "SME and VCSE status are as each supplier declared them, empty until it does. Irrecoverable VAT depends on your VAT position, which calloff does not hold: the download keeps its column empty for you to complete."
        }
        p class="govuk-body" {
            a class="govuk-link" href=(download_link("contracts", q)) download { "Download the contracts register for " (q.label()) " (CSV)" }
        }
        @if r.contracts.is_empty() {
            p class="govuk-body" { "No contracts over " (CONTRACT_THRESHOLD) " ran in this quarter." }
        } @else {
            div class="calloff-table-scroll" {
                table class="govuk-table" {
                    caption class="govuk-table__caption govuk-table__caption--s" { "Contracts over " (CONTRACT_THRESHOLD) ", " (q.label()) }
                    thead class="govuk-table__head" { tr class="govuk-table__row" {
                        th scope="col" class="govuk-table__header" { "Reference" }
                        th scope="col" class="govuk-table__header" { "Title" }
                        th scope="col" class="govuk-table__header" { "Department" }
                        th scope="col" class="govuk-table__header" { "Supplier" }
                        th scope="col" class="govuk-table__header" { "Starts" }
                        th scope="col" class="govuk-table__header" { "Ends" }
                        th scope="col" class="govuk-table__header" { "Review" }
                        th scope="col" class="govuk-table__header govuk-table__header--numeric" { "Value over its life" }
                    } }
                    tbody class="govuk-table__body" {
                        @for c in &r.contracts {
                            tr class="govuk-table__row" {
                                td class="govuk-table__cell" { a class="govuk-link" href={ "/call-offs/" (c.row.id) } { (c.row.reference) } }
                                td class="govuk-table__cell" { (c.title) }
                                td class="govuk-table__cell" { (c.row.cost_centre.as_deref().unwrap_or("")) }
                                td class="govuk-table__cell" {
                                    (c.row.supplier)
                                    @if let Some(coh) = &c.row.companies_house { br; span class="govuk-hint govuk-!-margin-bottom-0" { "Company " (coh) } }
                                }
                                td class="govuk-table__cell" { (day(c.start_on.as_deref())) }
                                td class="govuk-table__cell" { (day(c.row.ends_on.as_deref())) }
                                td class="govuk-table__cell" { (day(c.review_on.as_deref())) }
                                td class="govuk-table__cell govuk-table__cell--numeric calloff-numeric" { (c.row.value) }
                            }
                        }
                    }
                }
            }
        }
        h2 class="govuk-heading-m" id="spend" { "Spending over " (SPEND_THRESHOLD) }
        p class="govuk-body" {
            "Every invoice and credit note you approved that was issued in the quarter and whose amount excluding VAT is more than " (SPEND_THRESHOLD) ". Credit notes are shown as negative amounts."
        }
        p class="govuk-body" {
            a class="govuk-link" href=(download_link("spend", q)) download { "Download the spending over " (SPEND_THRESHOLD) " for " (q.label()) " (CSV)" }
        }
        @if r.spend.is_empty() {
            p class="govuk-body" { "No invoices or credit notes over " (SPEND_THRESHOLD) " were issued in this quarter." }
        } @else {
            div class="calloff-table-scroll" {
                table class="govuk-table" {
                    caption class="govuk-table__caption govuk-table__caption--s" { "Spending over " (SPEND_THRESHOLD) ", " (q.label()) }
                    thead class="govuk-table__head" { tr class="govuk-table__row" {
                        th scope="col" class="govuk-table__header" { "Date" }
                        th scope="col" class="govuk-table__header" { "Transaction" }
                        th scope="col" class="govuk-table__header" { "Supplier" }
                        th scope="col" class="govuk-table__header" { "Purpose" }
                        th scope="col" class="govuk-table__header govuk-table__header--numeric" { "Net amount" }
                    } }
                    tbody class="govuk-table__body" {
                        @for s in &r.spend {
                            tr class="govuk-table__row" {
                                td class="govuk-table__cell" { (day(Some(&s.issue_date))) }
                                td class="govuk-table__cell" { a class="govuk-link" href={ "/invoices/" (s.id) } { (s.number) } }
                                td class="govuk-table__cell" { (s.supplier) }
                                td class="govuk-table__cell" { (purpose(s)) }
                                td class="govuk-table__cell govuk-table__cell--numeric calloff-numeric" { (signed_net(s)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

pub async fn show(State(state): State<AppState>, user: PageUser, Query(params): Query<QuarterParams>) -> Response {
    let actor = &user.session.actor;
    let (registers, errors) = match transparency::registers(&state.app, actor, &params).await {
        Ok(r) => (Some(r), Vec::new()),
        Err(e) if e.is_form_error() => (None, e.field_errors()),
        Err(e) => return error_page(Some(actor), &e),
    };
    let title = "Transparency Code registers";
    let chrome = Chrome {
        title,
        actor: Some(actor),
        csrf_token: Some(&user.session.csrf_token),
        section: Section::CallOffs,
        errors: &errors,
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let value = registers
        .as_ref()
        .map_or_else(|| params.quarter.clone(), |r| r.quarter.to_string());
    render(
        status,
        layout(
            chrome,
            html! {
                (crate::html::back_link("/organisation/spend", "Back to spend and contracts"))
                span class="govuk-caption-l" { (actor.organisation_name) }
                h1 class="govuk-heading-l" { (title) }
                p class="govuk-body" {
                    "What the Local Government Transparency Code 2015 asks English councils to publish each quarter, from the call-offs and invoices in calloff."
                }
                @if let Some(r) = &registers {
                    h2 class="govuk-heading-m" { (r.quarter.label()) }
                }
                (quarter_form(&value, &errors))
                @if let Some(r) = &registers {
                    (registers_tables(r))
                }
            },
        ),
    )
}
