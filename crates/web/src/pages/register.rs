//! The order register page: a framework's call-offs across all its customers, filtered by a
//! GET form (no JavaScript), paged, with CSV and XLSX downloads; for its manager and auditors.

use super::{error_page, render};
use crate::html::{input, layout, select, short_date, state_tag, Chrome, Input, Section, Select};
use crate::session::PageUser;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use calloff_app::register::{self, RegisterPage, RegisterParams, MAX_EXPORT_ROWS};
use calloff_domain::call_off::CallOffState;
use calloff_domain::ids::FrameworkId;
use calloff_domain::organisation::OrganisationKind;
use calloff_domain::FieldError;
use maud::{html, Markup};

/// The filters as a query string, without the cursor or format: for links that keep them.
fn filter_query(p: &RegisterParams) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (name, value) in [
        ("q", &p.q),
        ("customer", &p.customer),
        ("kind", &p.kind),
        ("lot", &p.lot),
        ("state", &p.state),
        ("placed_from", &p.placed_from),
        ("placed_to", &p.placed_to),
        ("min_value", &p.min_value),
        ("max_value", &p.max_value),
    ] {
        if !value.trim().is_empty() {
            query.append_pair(name, value.trim());
        }
    }
    query.finish()
}

fn with(base: &str, query: &str, extra: &str) -> String {
    match (query.is_empty(), extra.is_empty()) {
        (true, true) => base.to_string(),
        (true, false) => format!("{base}?{extra}"),
        (false, true) => format!("{base}?{query}"),
        (false, false) => format!("{base}?{query}&{extra}"),
    }
}

fn options(any: &str, items: impl IntoIterator<Item = (String, String)>) -> Vec<(String, String)> {
    std::iter::once((String::new(), any.to_string())).chain(items).collect()
}

fn filter_form(base: &str, p: &RegisterParams, page: Option<&RegisterPage>, errors: &[FieldError]) -> Markup {
    let error = |field: &str| crate::html::error_for(errors, field);
    let customers = options(
        "Any customer",
        page.into_iter()
            .flat_map(|page| page.customers.iter())
            .map(|(id, name)| (id.to_string(), name.clone())),
    );
    let kinds = options(
        "Any kind of body",
        OrganisationKind::ALL
            .into_iter()
            .filter(|k| *k != OrganisationKind::Supplier)
            .map(|k| (k.as_str().to_string(), k.label().to_string())),
    );
    let lots = options(
        "Any lot",
        page.into_iter()
            .flat_map(|page| page.framework.lots.iter())
            .map(|l| (l.number.to_string(), format!("Lot {}: {}", l.number, l.title))),
    );
    let states = options(
        "Any status",
        CallOffState::ALL
            .into_iter()
            .filter(|s| *s != CallOffState::Draft)
            .map(|s| (s.as_str().to_string(), s.label().to_string())),
    );
    html! {
        form method="get" action=(base) novalidate {
            h2 class="govuk-heading-m" { "Filter call-offs" }
            (input(Input {
                hint: Some("All or part of it, for example CO-000012"),
                error: error("q"),
                spellcheck: Some(false),
                ..Input::text("q", "Reference", &p.q)
            }))
            div class="govuk-grid-row" {
                div class="govuk-grid-column-one-half" {
                    (select(Select { name: "customer", label: "Customer", hint: None, error: error("customer"), options: &customers, selected: p.customer.trim() }))
                    (select(Select { name: "kind", label: "Kind of body", hint: None, error: error("kind"), options: &kinds, selected: p.kind.trim() }))
                }
                div class="govuk-grid-column-one-half" {
                    (select(Select { name: "lot", label: "Lot", hint: None, error: error("lot"), options: &lots, selected: p.lot.trim() }))
                    (select(Select { name: "state", label: "Status", hint: None, error: error("state"), options: &states, selected: p.state.trim() }))
                }
            }
            div class="govuk-grid-row" {
                div class="govuk-grid-column-one-half" {
                    (input(Input { hint: Some("For example, 2026-04-01"), error: error("placed_from"), width_class: Some("govuk-input--width-10"), spellcheck: Some(false), ..Input::text("placed_from", "Placed on or after", &p.placed_from) }))
                    (input(Input { hint: Some("For example, 2027-03-31"), error: error("placed_to"), width_class: Some("govuk-input--width-10"), spellcheck: Some(false), ..Input::text("placed_to", "Placed on or before", &p.placed_to) }))
                }
                div class="govuk-grid-column-one-half" {
                    (input(Input { hint: Some("In pounds, excluding VAT, for example 10000"), error: error("min_value"), width_class: Some("govuk-input--width-10"), spellcheck: Some(false), ..Input::text("min_value", "Contract value at least", &p.min_value) }))
                    (input(Input { hint: Some("In pounds, excluding VAT, for example 250000"), error: error("max_value"), width_class: Some("govuk-input--width-10"), spellcheck: Some(false), ..Input::text("max_value", "Contract value at most", &p.max_value) }))
                }
            }
            div class="govuk-button-group" {
                button type="submit" class="govuk-button" data-module="govuk-button" { "Apply filters" }
                a class="govuk-link" href=(base) { "Clear filters" }
            }
        }
    }
}

fn results(base: &str, p: &RegisterParams, page: &RegisterPage) -> Markup {
    let query = filter_query(p);
    html! {
        p class="govuk-body" {
            @if page.matching == 1 { "1 call-off matches" } @else { (page.matching) " call-offs match" }
            ", worth " (page.matching_value) " excluding VAT."
        }
        h2 class="govuk-heading-s" { "Download" }
        ul class="govuk-list" {
            li { a class="govuk-link" href=(with(base, &query, "format=csv")) { "Download these call-offs as CSV" } }
            li { a class="govuk-link" href=(with(base, &query, "format=xlsx")) { "Download these call-offs as a spreadsheet (XLSX)" } }
        }
        @if usize::try_from(page.matching).unwrap_or(usize::MAX) > MAX_EXPORT_ROWS {
            div class="govuk-warning-text" {
                span class="govuk-warning-text__icon" aria-hidden="true" { "!" }
                strong class="govuk-warning-text__text" {
                    span class="govuk-visually-hidden" { "Warning" }
                    "A download holds the newest " (MAX_EXPORT_ROWS) " call-offs only. Narrow the filters to download the rest."
                }
            }
        }
        @if page.rows.is_empty() {
            p class="govuk-body" { "No call-offs match these filters." }
        } @else {
            table class="govuk-table" {
                caption class="govuk-table__caption govuk-table__caption--m" { "Call-offs, newest placed first" }
                thead class="govuk-table__head" {
                    tr class="govuk-table__row" {
                        th scope="col" class="govuk-table__header" { "Reference" }
                        th scope="col" class="govuk-table__header" { "Customer" }
                        th scope="col" class="govuk-table__header" { "Kind of body" }
                        th scope="col" class="govuk-table__header" { "Lots" }
                        th scope="col" class="govuk-table__header" { "Status" }
                        th scope="col" class="govuk-table__header" { "Placed" }
                        th scope="col" class="govuk-table__header govuk-table__header--numeric" { "Contract value (ex VAT)" }
                    }
                }
                tbody class="govuk-table__body" {
                    @for row in &page.rows {
                        tr class="govuk-table__row" {
                            td class="govuk-table__cell" {
                                @if page.opens_call_offs {
                                    a class="govuk-link" href={ "/call-offs/" (row.id) } { (row.reference) }
                                } @else {
                                    (row.reference)
                                }
                            }
                            td class="govuk-table__cell" {
                                (row.customer)
                                @if let Some(org_id) = &row.customer_org_id { br; span class="govuk-body-s" { (org_id) } }
                            }
                            td class="govuk-table__cell" { (row.customer_kind.label()) }
                            td class="govuk-table__cell" { (register::lots_text(&row.lots)) }
                            td class="govuk-table__cell" { (state_tag(row.state)) }
                            td class="govuk-table__cell" { (short_date(&row.placed_at)) }
                            td class="govuk-table__cell govuk-table__cell--numeric calloff-numeric" { (row.contract_value) }
                        }
                    }
                }
            }
        }
        @if let Some(cursor) = &page.next_cursor {
            @let next = form_urlencoded::Serializer::new(String::new()).append_pair("cursor", cursor).finish();
            nav class="govuk-pagination" aria-label="Pagination" {
                div class="govuk-pagination__next" {
                    a class="govuk-link govuk-pagination__link" href=(with(base, &query, &next)) rel="next" {
                        span class="govuk-pagination__link-title" { "Older call-offs" }
                    }
                }
            }
        }
    }
}

pub async fn show(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Query(params): Query<RegisterParams>,
) -> Response {
    let actor = &user.session.actor;
    let id = FrameworkId::from_stored(id);
    let base = format!("/frameworks/{id}/call-offs");
    if crate::api::register::wants_download(&params) {
        match register::export(&state.app, actor, &id, &params).await {
            Ok(download) => return crate::api::register::attachment(download),
            Err(e) if !e.is_form_error() => return error_page(Some(actor), &e),
            Err(_) => {}
        }
    }
    let listed = register::list(
        &state.app,
        actor,
        &id,
        &RegisterParams {
            format: String::new(),
            ..params.clone()
        },
    )
    .await;
    let (page, errors) = match listed {
        Ok(page) => (Some(page), Vec::new()),
        Err(e) if e.is_form_error() => {
            // Filters that are not valid: the form again, with the options it needs.
            let options = register::list(&state.app, actor, &id, &RegisterParams::default()).await;
            match options {
                Ok(page) => (Some(page), e.field_errors()),
                Err(e) => return error_page(Some(actor), &e),
            }
        }
        Err(e) => return error_page(Some(actor), &e),
    };
    let Some(page) = page else {
        return error_page(Some(actor), &calloff_app::AppError::NotFound("framework".into()));
    };
    let title = format!("Call-offs under {}", page.framework.reference);
    let chrome = Chrome {
        title: &title,
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
    render(
        status,
        layout(
            chrome,
            html! {
                (crate::html::back_link(&format!("/frameworks/{}", page.framework.id), "Back to the framework"))
                span class="govuk-caption-l" { (page.framework.title) }
                h1 class="govuk-heading-l" { (title) }
                p class="govuk-body" {
                    "Every call-off placed under " (page.framework.reference) ", across all customers. "
                    "Drafts still awaiting a buyer's own approvals are not listed."
                }
                (filter_form(&base, &params, Some(&page), &errors))
                @if errors.is_empty() {
                    (results(&base, &params, &page))
                }
                p class="govuk-body" { a class="govuk-link" href={ "/frameworks/" (id) } { "Back to the framework" } }
            },
        ),
    )
}
