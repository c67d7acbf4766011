//! Saved quotes: the list, one quote priced at today's prices, saving, opening one to change or
//! place, sharing with a colleague and the CSV download.

use super::quote::quote_table;
use super::{error_page, render};
use crate::html::{csrf_field, error_for, layout, select, timestamp, Chrome, Section, Select};
use crate::session::{PageUser, SignedInForm};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use calloff_app::auth;
use calloff_app::quotes::{self, Basket};
use calloff_app::saved_quotes::{self, OpenedQuote, SaveQuote};
use calloff_domain::ids::SavedQuoteId;
use calloff_domain::FieldError;
use maud::{html, Markup};
use serde::Deserialize;

fn chrome<'a>(user: &'a PageUser, title: &'a str, errors: &'a [FieldError]) -> Chrome<'a> {
    Chrome {
        title,
        actor: Some(&user.session.actor),
        csrf_token: Some(&user.session.csrf_token),
        section: Section::Quote,
        errors,
    }
}

#[derive(Deserialize)]
pub struct ListNotice {
    deleted: Option<String>,
}

pub async fn list(State(state): State<AppState>, user: PageUser, Query(notice): Query<ListNotice>) -> Response {
    let actor = &user.session.actor;
    let quotes = match saved_quotes::list(&state.app, actor).await {
        Ok(q) => q,
        Err(e) => return error_page(Some(actor), &e),
    };
    render(
        StatusCode::OK,
        layout(
            chrome(&user, "Saved quotes", &[]),
            html! {
                a href="/quote" class="govuk-back-link" { "Back to your quote" }
                @if notice.deleted.is_some() { (crate::html::success_banner("Quote deleted")) }
                h1 class="govuk-heading-l" { "Saved quotes" }
                p class="govuk-body" { "Your saved quotes, and quotes colleagues have shared with you. Prices are worked out again at today's catalogue prices each time you open one." }
                @if quotes.is_empty() {
                    p class="govuk-body" { "You have no saved quotes. Build a quote from a framework's catalogue, then save it with a name." }
                } @else {
                    div class="calloff-table-scroll" {
                        table class="govuk-table" id="saved-quotes" {
                            caption class="govuk-table__caption govuk-table__caption--s govuk-visually-hidden" { "Saved quotes" }
                            thead class="govuk-table__head" { tr class="govuk-table__row" {
                                th scope="col" class="govuk-table__header" { "Name" }
                                th scope="col" class="govuk-table__header" { "Saved by" }
                                th scope="col" class="govuk-table__header govuk-table__header--numeric" { "Items" }
                                th scope="col" class="govuk-table__header" { "Last saved" }
                            } }
                            tbody class="govuk-table__body" {
                                @for q in &quotes {
                                    tr class="govuk-table__row" {
                                        td class="govuk-table__cell" {
                                            a class="govuk-link" href={ "/quotes/" (q.record.id) } { (q.record.name) }
                                            br; span class="govuk-body-s" { (q.record.framework_reference) }
                                        }
                                        td class="govuk-table__cell" {
                                            @if q.owned { "You" } @else { (q.record.owner_name) br; strong class="govuk-tag govuk-tag--grey" { "Shared with you" } }
                                        }
                                        td class="govuk-table__cell govuk-table__cell--numeric" { (q.record.line_count) }
                                        td class="govuk-table__cell" { (timestamp(&q.record.updated_at)) }
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

#[derive(Deserialize)]
pub struct Notice {
    saved: Option<String>,
    shared: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Query(notice): Query<Notice>,
) -> Response {
    let id = SavedQuoteId::from_stored(id);
    let banner = if notice.saved.is_some() {
        Some("Quote saved")
    } else if notice.shared.is_some() {
        Some("Quote shared")
    } else {
        None
    };
    quote_page(&state, &user, &id, &[], "", banner, StatusCode::OK).await
}

async fn quote_page(
    state: &AppState,
    user: &PageUser,
    id: &SavedQuoteId,
    errors: &[FieldError],
    email: &str,
    banner: Option<&str>,
    status: StatusCode,
) -> Response {
    let actor = &user.session.actor;
    let opened = match saved_quotes::open(&state.app, actor, id).await {
        Ok(o) => o,
        Err(e) => return error_page(Some(actor), &e),
    };
    let colleagues = if opened.saved.owned {
        saved_quotes::colleagues(&state.app, actor).await.unwrap_or_default()
    } else {
        Vec::new()
    };
    render(
        status,
        saved_quote_page(user, &opened, &colleagues, errors, email, banner),
    )
}

fn saved_quote_page(
    user: &PageUser,
    opened: &OpenedQuote,
    colleagues: &[(calloff_domain::ids::UserId, String, String)],
    errors: &[FieldError],
    email: &str,
    banner: Option<&str>,
) -> Markup {
    let record = &opened.saved.record;
    let options: Vec<(String, String)> = std::iter::once((String::new(), "Choose a colleague".to_string()))
        .chain(
            colleagues
                .iter()
                .filter(|(id, _, _)| !opened.shared_with.iter().any(|(s, _, _)| s == id))
                .map(|(_, name, email)| (email.clone(), format!("{name} ({email})"))),
        )
        .collect();
    layout(
        chrome(user, &record.name, errors),
        html! {
            a href="/quotes" class="govuk-back-link" { "Back to saved quotes" }
            @if let Some(banner) = banner { (crate::html::success_banner(banner)) }
            span class="govuk-caption-l" { "Saved quote · " (record.framework_reference) }
            h1 class="govuk-heading-l" { (record.name) }
            p class="govuk-body" {
                @if opened.saved.owned { "Saved by you" } @else { "Saved by " (record.owner_name) ", shared with you to read" }
                ", last on " (timestamp(&record.updated_at)) "."
            }
            div class="govuk-inset-text" { "Prices are today's catalogue prices, worked out again each time the quote is opened, so they may differ from when it was saved." }
            @match &opened.priced {
                Ok(quote) => { (quote_table(quote)) }
                Err(problems) => {
                    div class="govuk-warning-text" id="cannot-price" {
                        span class="govuk-warning-text__icon" aria-hidden="true" { "!" }
                        div class="govuk-warning-text__text" {
                            span class="govuk-visually-hidden" { "Warning" }
                            "This quote cannot be priced today. Open it to change it."
                            ul class="govuk-list govuk-list--bullet govuk-!-margin-bottom-0" { @for p in problems { li { (p.message) } } }
                        }
                    }
                }
            }
            div class="govuk-button-group" {
                form method="post" action={ "/quotes/" (record.id) "/open" } {
                    (csrf_field(&user.session.csrf_token))
                    button type="submit" class="govuk-button" data-module="govuk-button" {
                        @if opened.saved.owned { "Open to change or place" } @else { "Open a copy as your quote" }
                    }
                }
                a class="govuk-link" href={ "/quotes/" (record.id) "/csv" } download { "Download as CSV" }
            }
            p class="govuk-body" { "Opening the quote replaces the quote you are building now." }
            @if opened.saved.owned {
                h2 class="govuk-heading-m" { "Share with a colleague" }
                p class="govuk-body" { "A colleague you share it with sees it in their saved quotes. They can read and download it, or open a copy as their own quote, but cannot change yours." }
                @if !opened.shared_with.is_empty() {
                    p class="govuk-body" id="shared-with" {
                        "Shared with "
                        @for (i, (_, name, _)) in opened.shared_with.iter().enumerate() {
                            @if i > 0 { ", " } (name)
                        }
                        "."
                    }
                }
                @if options.len() > 1 {
                    form method="post" action={ "/quotes/" (record.id) "/shares" } novalidate {
                        (csrf_field(&user.session.csrf_token))
                        (select(Select {
                            name: "email",
                            label: "Colleague",
                            hint: Some("People in your organisation who can build quotes"),
                            error: error_for(errors, "email"),
                            options: &options,
                            selected: email,
                        }))
                        button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button" { "Share quote" }
                    }
                } @else {
                    p class="govuk-body" { "There is nobody else in your organisation to share it with." }
                }
                h2 class="govuk-heading-m" { "Delete this quote" }
                p class="govuk-body" { "Delete it when you no longer need it. Colleagues you shared it with will no longer see it." }
                a class="govuk-button govuk-button--warning" data-module="govuk-button" href={ "/quotes/" (record.id) "/delete" } { "Delete quote" }
            }
        },
    )
}

/// Asks the owner to confirm deleting the quote.
pub async fn confirm_delete(State(state): State<AppState>, user: PageUser, Path(id): Path<String>) -> Response {
    let actor = &user.session.actor;
    let saved = match saved_quotes::get(&state.app, actor, &SavedQuoteId::from_stored(id)).await {
        Ok(saved) if saved.owned => saved,
        Ok(_) => {
            return error_page(
                Some(actor),
                &calloff_app::AppError::Forbidden("only the person who saved a quote can delete it".into()),
            )
        }
        Err(e) => return error_page(Some(actor), &e),
    };
    let record = &saved.record;
    let title = format!("Delete {}", record.name);
    render(
        StatusCode::OK,
        layout(
            chrome(&user, &title, &[]),
            html! {
                a href={ "/quotes/" (record.id) } class="govuk-back-link" { "Back to the quote" }
                h1 class="govuk-heading-l" { "Are you sure you want to delete \u{201c}" (record.name) "\u{201d}?" }
                div class="govuk-warning-text" {
                    span class="govuk-warning-text__icon" aria-hidden="true" { "!" }
                    strong class="govuk-warning-text__text" {
                        span class="govuk-visually-hidden" { "Warning" }
                        "The quote and its " (calloff_domain::text::count(saved.lines.len(), "item", "items"))
                        " will be deleted, and colleagues you shared it with will no longer see it. You cannot undo this."
                    }
                }
                form method="post" action={ "/quotes/" (record.id) "/delete" } {
                    (csrf_field(&user.session.csrf_token))
                    div class="govuk-button-group" {
                        button type="submit" class="govuk-button govuk-button--warning" data-module="govuk-button" { "Yes, delete this quote" }
                        a class="govuk-link" href={ "/quotes/" (record.id) } { "Cancel" }
                    }
                }
            },
        ),
    )
}

/// Deletes the quote; the quote being built, if it was this one, is kept but saves as a new one.
pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SignedInForm { user, .. }: SignedInForm,
) -> Response {
    let actor = &user.session.actor;
    let id = SavedQuoteId::from_stored(id);
    if let Err(e) = saved_quotes::delete(&state.app, actor, &id).await {
        return error_page(Some(actor), &e);
    }
    let basket = &user.session.basket;
    if basket.saved_quote_id.as_ref() == Some(&id) {
        let kept = Basket {
            saved_quote_id: None,
            ..basket.clone()
        };
        if let Err(e) = auth::save_basket(&state.app, &user.token, &kept).await {
            return error_page(Some(actor), &e);
        }
    }
    Redirect::to("/quotes?deleted=1").into_response()
}

/// Saves the quote being built with the name typed on the quote page.
pub async fn save(State(state): State<AppState>, SignedInForm { user, fields }: SignedInForm) -> Response {
    let actor = &user.session.actor;
    if let Err(e) = quotes::may_quote(actor) {
        return error_page(Some(actor), &e);
    }
    let basket = user.session.basket.clone();
    let Some(framework_id) = basket.framework_id.clone() else {
        return Redirect::to("/quote").into_response();
    };
    let name = fields.text("name");
    let command = SaveQuote {
        name: name.clone(),
        framework_id,
        lines: basket.lines.clone(),
    };
    match saved_quotes::save(&state.app, actor, basket.saved_quote_id.as_ref(), &command).await {
        Ok(saved) => {
            let kept = Basket {
                saved_quote_id: Some(saved.record.id.clone()),
                name: Some(saved.record.name.clone()),
                ..basket
            };
            if let Err(e) = auth::save_basket(&state.app, &user.token, &kept).await {
                return error_page(Some(actor), &e);
            }
            Redirect::to(&format!("/quotes/{}?saved=1", saved.record.id)).into_response()
        }
        Err(e) if !e.field_errors().is_empty() => {
            super::quote::show_with_errors(&state, &user, &e.field_errors(), &name).await
        }
        Err(e) => error_page(Some(actor), &e),
    }
}

/// Opens a saved quote as the quote being built: its owner's saving then updates it; a
/// colleague's copy is saved as a new quote of their own.
pub async fn open(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SignedInForm { user, .. }: SignedInForm,
) -> Response {
    let actor = &user.session.actor;
    let saved = match saved_quotes::get(&state.app, actor, &SavedQuoteId::from_stored(id)).await {
        Ok(s) => s,
        Err(e) => return error_page(Some(actor), &e),
    };
    let basket = Basket {
        framework_id: Some(saved.record.framework_id.clone()),
        lines: saved.lines.clone(),
        saved_quote_id: saved.owned.then(|| saved.record.id.clone()),
        name: Some(if saved.owned {
            saved.record.name.clone()
        } else {
            format!("Copy of {}", saved.record.name)
        }),
    };
    match auth::save_basket(&state.app, &user.token, &basket).await {
        Ok(()) => Redirect::to("/quote").into_response(),
        Err(e) => error_page(Some(actor), &e),
    }
}

pub async fn share(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SignedInForm { user, fields }: SignedInForm,
) -> Response {
    let actor = &user.session.actor;
    let id = SavedQuoteId::from_stored(id);
    let email = fields.text("email");
    match saved_quotes::share(&state.app, actor, &id, &email).await {
        Ok(_) => Redirect::to(&format!("/quotes/{id}?shared=1")).into_response(),
        Err(e) if !e.field_errors().is_empty() => {
            quote_page(
                &state,
                &user,
                &id,
                &e.field_errors(),
                &email,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => error_page(Some(actor), &e),
    }
}

pub async fn csv(State(state): State<AppState>, user: PageUser, Path(id): Path<String>) -> Response {
    let actor = &user.session.actor;
    match saved_quotes::csv(&state.app, actor, &SavedQuoteId::from_stored(id)).await {
        Ok((file_name, bytes)) => csv_download(&file_name, bytes),
        Err(e) => error_page(Some(actor), &e),
    }
}

/// A CSV file to save, named `file_name` (made of letters, digits and hyphens by the use case).
pub fn csv_download(file_name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}
