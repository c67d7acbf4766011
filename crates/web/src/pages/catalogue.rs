use super::{error_page, render};
use crate::html::{csrf_field, error_summary, input, layout, summary_list, Chrome, Input, Section};
use crate::session::PageUser;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use calloff_app::{catalogue, frameworks};
use calloff_domain::catalogue::CatalogueItem;
use calloff_domain::ids::{FrameworkId, ItemId};
use calloff_domain::role::Role;
use calloff_domain::FieldError;
use maud::html;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    lot: String,
}

pub async fn search(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Query(query): Query<SearchQuery>,
) -> Response {
    let actor = &user.session.actor;
    let framework_id = FrameworkId::from_stored(id);
    let overview = match frameworks::overview(&state.app, actor, &framework_id).await {
        Ok(o) => o,
        Err(e) => return error_page(Some(actor), &e),
    };
    let mut errors = Vec::new();
    let lot = match query.lot.trim() {
        "" => None,
        text => match text.parse::<u32>() {
            Ok(n) if overview.lots.iter().any(|l| l.lot.number == n) => Some(n),
            _ => {
                errors.push(FieldError::new("lot", "Choose a lot from the list"));
                None
            }
        },
    };
    let items = if errors.is_empty() {
        match catalogue::search(&state.app, actor, &framework_id, lot, &query.q).await {
            Ok(items) => items,
            Err(e) => {
                errors.extend(e.field_errors());
                if errors.is_empty() {
                    return error_page(Some(actor), &e);
                }
                Vec::new()
            }
        }
    } else {
        Vec::new()
    };
    let lot_title = lot
        .and_then(|n| overview.lots.iter().find(|l| l.lot.number == n))
        .map(|l| format!("Lot {}: {}", l.lot.number, l.lot.title));
    let title = lot_title.clone().unwrap_or_else(|| "Catalogue".to_string());
    let chrome = Chrome {
        title: &title,
        actor: Some(actor),
        csrf_token: Some(&user.session.csrf_token),
        section: Section::Frameworks,
        errors: &[],
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let lot_error = crate::html::error_for(&errors, "lot");
    render(
        status,
        layout(
            chrome,
            html! {
                (error_summary(&errors))
                span class="govuk-caption-l" { (overview.framework.reference) " catalogue" }
                h1 class="govuk-heading-l" { (title) }
                form method="get" action={ "/frameworks/" (framework_id) "/catalogue" } novalidate {
                    div class={ "govuk-form-group" @if lot_error.is_some() { " govuk-form-group--error" } } {
                        label class="govuk-label" for="lot" { "Lot" }
                        @if let Some(error) = lot_error {
                            p id="lot-error" class="govuk-error-message" { span class="govuk-visually-hidden" { "Error:" } " " (error) }
                        }
                        select class={ "govuk-select" @if lot_error.is_some() { " govuk-select--error" } } id="lot" name="lot"
                            aria-describedby=[lot_error.map(|_| "lot-error")] {
                            option value="" selected[lot.is_none()] { "All lots" }
                            @for l in &overview.lots {
                                option value=(l.lot.number) selected[lot == Some(l.lot.number)] { "Lot " (l.lot.number) ": " (l.lot.title) }
                            }
                        }
                    }
                    (input(Input {
                        hint: Some("Words from the name or description, a SKU or a CPV code"),
                        error: crate::html::error_for(&errors, "q"),
                        ..Input::text("q", "Search the catalogue", &query.q)
                    }))
                    button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button" { "Search" }
                }
                @if errors.is_empty() {
                    p class="govuk-body" { (items.len()) " " (if items.len() == 1 { "item" } else { "items" }) }
                    @if !items.is_empty() { (items_table(&items)) }
                }
            },
        ),
    )
}

fn items_table(items: &[CatalogueItem]) -> maud::Markup {
    html! {
        table class="govuk-table" {
            caption class="govuk-table__caption govuk-table__caption--s govuk-visually-hidden" { "Catalogue items" }
            thead class="govuk-table__head" {
                tr class="govuk-table__row" {
                    th scope="col" class="govuk-table__header" { "Item" }
                    th scope="col" class="govuk-table__header" { "SKU" }
                    th scope="col" class="govuk-table__header" { "Lot" }
                    th scope="col" class="govuk-table__header govuk-table__header--numeric" { "Price (ex VAT)" }
                    th scope="col" class="govuk-table__header govuk-table__header--numeric" { "Minimum term" }
                }
            }
            tbody class="govuk-table__body" {
                @for item in items {
                    tr class="govuk-table__row" {
                        td class="govuk-table__cell" { a class="govuk-link" href={ "/items/" (item.id) } { (item.name) } }
                        td class="govuk-table__cell" { (item.sku) }
                        td class="govuk-table__cell" { (item.lot_number) }
                        td class="govuk-table__cell govuk-table__cell--numeric calloff-numeric" { (item.unit_price) " " (item.unit.label()) }
                        td class="govuk-table__cell govuk-table__cell--numeric" { (months(item.minimum_term_months)) }
                    }
                }
            }
        }
    }
}

pub fn months(n: u32) -> String {
    match n {
        0 => "None".into(),
        1 => "1 month".into(),
        n => format!("{n} months"),
    }
}

pub async fn item(State(state): State<AppState>, user: PageUser, Path(id): Path<String>) -> Response {
    let actor = &user.session.actor;
    let item = match catalogue::item(&state.app, actor, &ItemId::from_stored(id)).await {
        Ok(item) => item,
        Err(e) => return error_page(Some(actor), &e),
    };
    let versions = match calloff_app::change_requests::versions(&state.app, &item.id).await {
        Ok(v) => v,
        Err(e) => return error_page(Some(actor), &e),
    };
    let chrome = Chrome {
        title: &item.name,
        actor: Some(actor),
        csrf_token: Some(&user.session.csrf_token),
        section: Section::Frameworks,
        errors: &[],
    };
    render(
        StatusCode::OK,
        layout(
            chrome,
            html! {
                span class="govuk-caption-l" { (item.sku) }
                h1 class="govuk-heading-l" { (item.name) }
                p class="govuk-body" { (item.description) }
                (summary_list(&[
                    ("Price (ex VAT)", html! { (item.unit_price) " " (item.unit.label()) }),
                    ("Lot", html! { (item.lot_number) }),
                    ("Minimum term", html! { (months(item.minimum_term_months)) }),
                    ("CPV code", html! { (item.cpv.as_str()) }),
                ]))
                @if actor.has(Role::Buyer) {
                    form method="post" action="/quote/lines" {
                        (csrf_field(&user.session.csrf_token))
                        input type="hidden" name="item_id" value=(item.id);
                        button type="submit" class="govuk-button" data-module="govuk-button" { "Add to quote" }
                    }
                }
                @if versions.len() > 1 {
                    table class="govuk-table" id="versions" {
                        caption class="govuk-table__caption govuk-table__caption--m" { "Versions" }
                        thead class="govuk-table__head" { tr class="govuk-table__row" {
                            th scope="col" class="govuk-table__header" { "Version" }
                            th scope="col" class="govuk-table__header" { "In force from" }
                            th scope="col" class="govuk-table__header govuk-table__header--numeric" { "Price (ex VAT)" }
                            th scope="col" class="govuk-table__header" { "Note" }
                        } }
                        tbody class="govuk-table__body" {
                            @for v in &versions {
                                tr class="govuk-table__row" {
                                    td class="govuk-table__cell" { (v.version) }
                                    td class="govuk-table__cell" { (v.effective_from) }
                                    td class="govuk-table__cell govuk-table__cell--numeric calloff-numeric" { (v.details.unit_price) }
                                    td class="govuk-table__cell" { @if v.withdrawn { "Withdrawn" } }
                                }
                            }
                        }
                    }
                }
                p class="govuk-body" {
                    a class="govuk-link" href={ "/frameworks/" (item.framework_id) "/catalogue?lot=" (item.lot_number) } { "Back to lot " (item.lot_number) }
                }
            },
        ),
    )
}
