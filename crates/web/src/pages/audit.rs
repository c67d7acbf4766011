//! The audit log in the browser, for auditors: the chain's entries newest first, filtered by
//! what they are about and by a reference, a page at a time.

use super::{error_page, render};
use crate::html::{input, layout, select, timestamp, Chrome, Input, Section, Select};
use crate::session::PageUser;
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use calloff_app::register::{self, AuditPage, AuditParams};
use maud::{html, Markup};

/// How much of a hash the table shows: enough to compare by eye with `calloff audit verify`.
const HASH_SHOWN: usize = 12;

fn entries_table(page: &AuditPage) -> Markup {
    html! {
        table class="govuk-table" {
            caption class="govuk-table__caption govuk-table__caption--m" { "Entries, newest first" }
            thead class="govuk-table__head" {
                tr class="govuk-table__row" {
                    th scope="col" class="govuk-table__header govuk-table__header--numeric" { "Entry" }
                    th scope="col" class="govuk-table__header" { "When" }
                    th scope="col" class="govuk-table__header" { "Who" }
                    th scope="col" class="govuk-table__header" { "What" }
                    th scope="col" class="govuk-table__header" { "About" }
                    th scope="col" class="govuk-table__header" { "Hash" }
                }
            }
            tbody class="govuk-table__body" {
                @for logged in &page.entries {
                    @let e = &logged.sealed.entry;
                    tr class="govuk-table__row" {
                        td class="govuk-table__cell govuk-table__cell--numeric" { (e.seq) }
                        td class="govuk-table__cell" { (timestamp(&e.at)) }
                        td class="govuk-table__cell" {
                            @match (&logged.actor_name, &logged.actor_email) {
                                (Some(name), Some(email)) => { (name) br; span class="govuk-body-s" { (email) } }
                                _ => { (e.actor) }
                            }
                        }
                        td class="govuk-table__cell" {
                            code { (e.action) }
                            details class="govuk-details govuk-!-margin-bottom-0" {
                                summary class="govuk-details__summary" {
                                    span class="govuk-details__summary-text" { "Detail of entry " (e.seq) }
                                }
                                div class="govuk-details__text" {
                                    pre class="calloff-prose" { code { (serde_json::to_string_pretty(&e.detail).unwrap_or_default()) } }
                                }
                            }
                        }
                        td class="govuk-table__cell" { code { (e.subject) } }
                        td class="govuk-table__cell" {
                            code title=(logged.sealed.hash) { (logged.sealed.hash.chars().take(HASH_SHOWN).collect::<String>()) "…" }
                        }
                    }
                }
            }
        }
    }
}

pub async fn show(State(state): State<AppState>, user: PageUser, Query(params): Query<AuditParams>) -> Response {
    let actor = &user.session.actor;
    let (page, errors) = match register::audit_log(&state.app, actor, &params).await {
        Ok(page) => (Some(page), Vec::new()),
        Err(e) if e.is_form_error() => (None, e.field_errors()),
        Err(e) => return error_page(Some(actor), &e),
    };
    let entities: Vec<(String, String)> = std::iter::once((String::new(), "Anything".to_string()))
        .chain(
            calloff_domain::audit::ENTITIES
                .iter()
                .map(|(name, label)| (name.to_string(), label.to_string())),
        )
        .collect();
    let chrome = Chrome {
        title: "Audit log",
        actor: Some(actor),
        csrf_token: Some(&user.session.csrf_token),
        section: Section::AuditLog,
        errors: &errors,
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let error = |field: &str| crate::html::error_for(&errors, field);
    render(
        status,
        layout(
            chrome,
            html! {
                h1 class="govuk-heading-l" { "Audit log" }
                p class="govuk-body" {
                    "Every change calloff has recorded, newest first. Each entry's hash covers the one before it, "
                    "so an entry changed or removed breaks the chain: " code { "calloff audit verify" } " checks it whole."
                }
                form method="get" action="/audit" novalidate {
                    div class="govuk-grid-row" {
                        div class="govuk-grid-column-one-half" {
                            (select(Select { name: "entity", label: "About", hint: None, error: error("entity"), options: &entities, selected: params.entity.trim() }))
                        }
                        div class="govuk-grid-column-one-half" {
                            (input(Input {
                                hint: Some("A call-off's or framework's reference, or an id"),
                                error: error("reference"),
                                spellcheck: Some(false),
                                ..Input::text("reference", "Reference", &params.reference)
                            }))
                        }
                    }
                    div class="govuk-button-group" {
                        button type="submit" class="govuk-button" data-module="govuk-button" { "Show entries" }
                        a class="govuk-link" href="/audit" { "Clear filters" }
                    }
                }
                @if let Some(page) = &page {
                    @if page.entries.is_empty() {
                        p class="govuk-body" { "No entries match." }
                    } @else {
                        (entries_table(page))
                    }
                    @if let Some(before) = page.next_before {
                        @let mut query = form_urlencoded::Serializer::new(String::new());
                        @let _ = query.append_pair("entity", params.entity.trim()).append_pair("reference", params.reference.trim()).append_pair("before", &before.to_string());
                        nav class="govuk-pagination" aria-label="Pagination" {
                            div class="govuk-pagination__next" {
                                a class="govuk-link govuk-pagination__link" href={ "/audit?" (query.finish()) } rel="next" {
                                    span class="govuk-pagination__link-title" { "Older entries" }
                                }
                            }
                        }
                    }
                }
            },
        ),
    )
}
