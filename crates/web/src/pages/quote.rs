//! The quote builder and placing a call-off. The basket is kept with the session.

use super::{error_page, render, Fields};
use crate::html::{csrf_field, error_for, field_id, input, layout, percent, summary_list, Chrome, Input, Section};
use crate::session::{PageUser, SignedInForm};
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use calloff_app::quotes::{self, Basket, LineInput, Quote};
use calloff_app::{auth, catalogue, AppError};
use calloff_domain::call_off::{savings, volume_savings, MAX_LINES};
use calloff_domain::catalogue::{CatalogueItem, Charging};
use calloff_domain::ids::{FrameworkId, ItemId};
use calloff_domain::route_to_market::{Advice, Route};
use calloff_domain::FieldError;
use maud::{html, Markup};

/// A basket line as shown in the form: what was typed, and the item if it is known.
pub(super) struct FormLine {
    sku: String,
    item: Option<CatalogueItem>,
    quantity: String,
    term_months: String,
    monthly_usage: String,
}

pub(super) fn require_buyer(user: &PageUser) -> Result<(), Response> {
    calloff_app::quotes::may_quote(&user.session.actor).map_err(|e| error_page(Some(&user.session.actor), &e))
}

pub(super) async fn form_lines(
    state: &AppState,
    user: &PageUser,
    basket: &Basket,
    raw: Option<Vec<TypedLine>>,
) -> Vec<FormLine> {
    let raw = raw.unwrap_or_else(|| {
        basket
            .lines
            .iter()
            .map(|l| {
                [
                    l.sku.clone(),
                    l.quantity.to_string(),
                    l.term_months.to_string(),
                    l.monthly_usage.map(|u| u.to_string()).unwrap_or_default(),
                ]
            })
            .collect()
    });
    let mut lines = Vec::with_capacity(raw.len());
    for [sku, quantity, term_months, monthly_usage] in raw {
        let item = match &basket.framework_id {
            Some(f) => catalogue::item_by_sku(&state.app, &user.session.actor, f, &sku)
                .await
                .ok()
                .flatten(),
            None => None,
        };
        lines.push(FormLine {
            sku,
            item,
            quantity,
            term_months,
            monthly_usage,
        });
    }
    lines
}

/// The adviser's answer, as an inset (direct award) or a warning (further competition).
pub fn advice_panel(advice: &Advice) -> Markup {
    html! {
        @match advice.route {
            Route::DirectAward => div class="govuk-inset-text" id="route-to-market" {
                h2 class="govuk-heading-s govuk-!-margin-bottom-1" { "Route to market: direct award" }
                ul class="govuk-list govuk-list--bullet govuk-!-margin-bottom-0" { @for r in &advice.reasons { li { (r) } } }
            },
            Route::FurtherCompetition => div class="govuk-warning-text" id="route-to-market" {
                span class="govuk-warning-text__icon" aria-hidden="true" { "!" }
                div class="govuk-warning-text__text" {
                    span class="govuk-visually-hidden" { "Warning" }
                    "This needs a further competition: it cannot be placed as a direct award."
                    ul class="govuk-list govuk-list--bullet govuk-!-margin-bottom-0" { @for r in &advice.reasons { li { (r) } } }
                }
            },
        }
    }
}

pub(super) fn quote_page(user: &PageUser, lines: &[FormLine], priced: Option<&Quote>, errors: &[FieldError]) -> Markup {
    quote_page_with_advice(user, lines, priced, None, errors, &Extras::default())
}

/// What the quote page shows besides the lines: the confirmation of an item just added, and
/// the save form as typed.
#[derive(Default)]
pub(super) struct Extras {
    /// "Added 20 × 5GB SIM for 24 months to your quote", and where "Add another item" goes.
    pub added: Option<(String, String)>,
    /// The name typed in the save form, when it is shown again with an error.
    pub name: Option<String>,
}

/// The catalogue search a buyer came from (its query string, as the item page carried it), or
/// the framework's catalogue. Built here, so that only a page of this site can be linked.
pub(super) fn search_link(framework_id: &FrameworkId, back: &str) -> String {
    let query: String = back
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "=&+%-_.~".contains(*c))
        .collect();
    if query.is_empty() {
        format!("/frameworks/{framework_id}/catalogue")
    } else {
        format!("/frameworks/{framework_id}/catalogue?{query}")
    }
}

/// The notification banner confirming an item added to the quote, offering another.
fn added_banner(message: &str, another: &str) -> Markup {
    html! {
        div class="govuk-notification-banner govuk-notification-banner--success" role="alert"
            aria-labelledby="added-title" data-module="govuk-notification-banner" id="added" {
            div class="govuk-notification-banner__header" {
                h2 class="govuk-notification-banner__title" id="added-title" { "Success" }
            }
            div class="govuk-notification-banner__content" {
                p class="govuk-notification-banner__heading" { (message) }
                p class="govuk-body" {
                    a class="govuk-notification-banner__link" href=(another) { "Add another item" }
                }
            }
        }
    }
}

fn quote_page_with_advice(
    user: &PageUser,
    lines: &[FormLine],
    priced: Option<&Quote>,
    advice: Option<&Advice>,
    errors: &[FieldError],
    extras: &Extras,
) -> Markup {
    let actor = &user.session.actor;
    let chrome = Chrome {
        title: "Your quote",
        actor: Some(actor),
        csrf_token: Some(&user.session.csrf_token),
        section: Section::Quote,
        errors,
    };
    let error = |field: String| crate::html::error_for(errors, &field).map(str::to_string);
    layout(
        chrome,
        html! {
            @if let Some((message, another)) = &extras.added { (added_banner(message, another)) }
            h1 class="govuk-heading-l" { "Your quote" }
            @if let Some(name) = &user.session.basket.name { p class="govuk-body-l" id="quote-name" { (name) } }
            @if lines.is_empty() {
                p class="govuk-body" { "Your quote is empty. Find services in a framework's catalogue and add them here." }
                p class="govuk-body" { a class="govuk-link" href="/frameworks" { "Browse frameworks" } }
                p class="govuk-body" { a class="govuk-link" href="/quotes" { "Your saved quotes" } }
            } @else {
                form method="post" action="/quote" novalidate {
                    (csrf_field(&user.session.csrf_token))
                    div id="lines" {
                        @for (i, line) in lines.iter().enumerate() {
                            @let name = line.item.as_ref().map(|it| it.name.clone()).unwrap_or_else(|| line.sku.clone());
                            @let usage_noun = line.item.as_ref().and_then(|it| it.unit.usage_noun());
                            fieldset class="govuk-fieldset govuk-!-margin-bottom-6" {
                                legend class="govuk-fieldset__legend govuk-fieldset__legend--m" {
                                    h2 class="govuk-fieldset__heading" { (name) }
                                }
                                @if let Some(sku_error) = error(format!("lines[{i}].sku")) {
                                    p id=(field_id(&format!("lines[{i}].sku"))) class="govuk-error-message" {
                                        span class="govuk-visually-hidden" { "Error:" } " " (sku_error)
                                    }
                                }
                                @if let Some(item) = &line.item {
                                    p class="govuk-body-s" { (item.sku) " · " (item.unit_price) " " (item.unit.label()) " ex VAT · minimum term " (super::catalogue::months(item.minimum_term_months)) }
                                }
                                input type="hidden" name={ "lines[" (i) "].sku" } value=(line.sku);
                                @let quantity_name = format!("lines[{i}].quantity");
                                @let term_name = format!("lines[{i}].term_months");
                                @let usage_name = format!("lines[{i}].monthly_usage");
                                (input(Input { error: error(quantity_name.clone()).as_deref(), numeric: true, width_class: Some("govuk-input--width-5"), ..Input::text(&quantity_name, "Quantity", &line.quantity) }))
                                (input(Input { error: error(term_name.clone()).as_deref(), numeric: true, width_class: Some("govuk-input--width-3"), hint: Some("In months"), ..Input::text(&term_name, "Term", &line.term_months) }))
                                @if let Some(noun) = usage_noun {
                                    @let label = format!("Estimated {noun} per month, for each unit");
                                    (input(Input { error: error(usage_name.clone()).as_deref(), numeric: true, width_class: Some("govuk-input--width-10"), ..Input::text(&usage_name, &label, &line.monthly_usage) }))
                                }
                                button type="submit" name="action" value={ "remove-" (i) } class="govuk-button govuk-button--warning govuk-!-margin-bottom-0" data-module="govuk-button" {
                                    "Remove" span class="govuk-visually-hidden" { " " (name) }
                                }
                            }
                        }
                    }
                    div class="govuk-button-group" {
                        button type="submit" name="action" value="update" class="govuk-button govuk-button--secondary" data-module="govuk-button" { "Update quote" }
                        button type="submit" name="action" value="review" class="govuk-button" data-module="govuk-button" { "Continue to place call-off" }
                    }
                }
                @if let Some(framework_id) = &user.session.basket.framework_id {
                    p class="govuk-body" { a class="govuk-link" href=(search_link(framework_id, "")) { "Add another item" } }
                }
                @if let Some(quote) = priced { (quote_table(quote)) }
                @if let Some(advice) = advice { (advice_panel(advice)) }
                (save_form(user, errors, extras))
            }
        },
    )
}

/// Saving the quote with a name, on the server, to come back to or share.
fn save_form(user: &PageUser, errors: &[FieldError], extras: &Extras) -> Markup {
    let basket = &user.session.basket;
    let name = extras.name.clone().or_else(|| basket.name.clone()).unwrap_or_default();
    html! {
        h2 class="govuk-heading-m" id="save" { "Save this quote" }
        p class="govuk-body" {
            "Saved quotes are kept after you sign out. You can open them again, share them with a colleague and download them. "
            @if basket.saved_quote_id.is_some() { "Saving again updates the saved quote you opened." }
        }
        form method="post" action="/quotes" novalidate {
            (csrf_field(&user.session.csrf_token))
            (input(Input {
                error: error_for(errors, "name"),
                hint: Some("For example, Library Wi-Fi refresh"),
                ..Input::text("name", "Name of the quote", &name)
            }))
            div class="govuk-button-group" {
                button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button" { "Save quote" }
                a class="govuk-link" href="/quotes" { "Your saved quotes" }
            }
        }
    }
}

pub fn quote_table(quote: &Quote) -> Markup {
    html! {
        table class="govuk-table" id="quote-lines" {
            caption class="govuk-table__caption govuk-table__caption--m" { "Contract value" }
            thead class="govuk-table__head" {
                tr class="govuk-table__row" {
                    th scope="col" class="govuk-table__header" { "Item" }
                    th scope="col" class="govuk-table__header govuk-table__header--numeric" { "Unit price" }
                    th scope="col" class="govuk-table__header govuk-table__header--numeric" { "Quantity" }
                    th scope="col" class="govuk-table__header govuk-table__header--numeric" { "Term" }
                    th scope="col" class="govuk-table__header govuk-table__header--numeric" { "Value (ex VAT)" }
                }
            }
            tbody class="govuk-table__body" {
                @for (i, line) in quote.lines.iter().enumerate() {
                    tr class="govuk-table__row" {
                        td class="govuk-table__cell" id={ "lines-" (i) "-sku" } {
                            (line.name) br; span class="govuk-body-s" { (line.sku) ", lot " (line.lot_number) }
                            @if let (Some(usage), Some(noun)) = (line.monthly_usage, line.unit.usage_noun()) {
                                br; span class="govuk-body-s" { (usage.get()) " " (noun) " a month each" }
                            }
                            @if let Some(next) = line.next_band {
                                br; span class="govuk-body-s calloff-next-band" {
                                    "Next demand band: once " (next.from) " are bought across the framework ("
                                    (next.more_needed) " more), the price falls to " (next.unit_price) " for everyone"
                                }
                            }
                        }
                        td class="govuk-table__cell govuk-table__cell--numeric calloff-numeric" {
                            (line.unit_price) " " (line.unit.label())
                            @if let Some(catalogue) = line.catalogue_price {
                                br; span class="govuk-body-s" { "Catalogue " (catalogue) "; " (line.price_basis.describe()) }
                            }
                        }
                        td class="govuk-table__cell govuk-table__cell--numeric" { (line.quantity.get()) }
                        td class="govuk-table__cell govuk-table__cell--numeric" {
                            @if line.unit.charging() == Charging::OneOff { "One-off" } @else { (line.term_months.get()) " months" }
                        }
                        td class="govuk-table__cell govuk-table__cell--numeric calloff-numeric" {
                            (line.value)
                            @if let (Some(saving), Some(list)) = (line.saving(), line.list_price) {
                                br; span class="govuk-body-s" { "List price " (list) "; you save " (saving) }
                            }
                            @if let Some(saving) = line.volume_saving() {
                                br; span class="govuk-body-s" { "Volume pricing saves " (saving) }
                            }
                        }
                    }
                }
            }
        }
        (summary_list(&[
            ("Contract value (ex VAT)", html! { strong { (quote.totals.contract_value) } }),
            ("VAT at 20%", html! { (quote.totals.vat) }),
            ("Total (inc VAT)", html! { (quote.totals.total_inc_vat) }),
        ]))
        @if let Some((saving, list)) = savings(&quote.lines) {
            p class="govuk-body" id="saving" {
                "Saving against list prices: " strong { (saving) } " (" (percent(saving.basis_points_of(list))) " of " (list) ")"
                @if quote.lines.iter().any(|l| l.list_price.is_none()) { ", on the lines whose items have a list price" }
                "."
            }
        }
        @if let Some(saving) = volume_savings(&quote.lines) {
            p class="govuk-body" id="volume-saving" {
                "Saving from quantity tiers and demand bands, against catalogue prices: " strong { (saving) } "."
            }
        }
    }
}

/// The quote page's query: the line just added, and the search it was added from.
#[derive(serde::Deserialize)]
pub struct Shown {
    added: Option<usize>,
    back: Option<String>,
}

pub async fn show(State(state): State<AppState>, user: PageUser, Query(shown): Query<Shown>) -> Response {
    if let Err(r) = require_buyer(&user) {
        return r;
    }
    let basket = user.session.basket.clone();
    let mut extras = Extras::default();
    if let (Some(index), Some(framework_id)) = (shown.added, &basket.framework_id) {
        if let Some(line) = basket.lines.get(index) {
            let item = catalogue::item_by_sku(&state.app, &user.session.actor, framework_id, &line.sku)
                .await
                .ok()
                .flatten();
            let name = item.as_ref().map_or(line.sku.clone(), |i| i.name.clone());
            let one_off = item.is_some_and(|i| i.unit.charging() == Charging::OneOff);
            let message = if one_off {
                format!("Added {} × {name} to your quote", line.quantity)
            } else {
                format!(
                    "Added {} × {name} for {} to your quote",
                    line.quantity,
                    super::catalogue::months(u32::try_from(line.term_months).unwrap_or(0))
                )
            };
            extras.added = Some((
                message,
                search_link(framework_id, shown.back.as_deref().unwrap_or_default()),
            ));
        }
    }
    let lines = form_lines(&state, &user, &basket, None).await;
    let (priced, errors) = price(&state, &user, &basket).await;
    match errors {
        Err(e) => error_page(Some(&user.session.actor), &e),
        Ok(errors) => {
            let advice = match &priced {
                Some(q) => quotes::route_to_market(&state.app, &user.session.actor, q).await.ok(),
                None => None,
            };
            render(
                StatusCode::OK,
                quote_page_with_advice(&user, &lines, priced.as_ref(), advice.as_ref(), &errors, &extras),
            )
        }
    }
}

/// The quote page again, with errors from saving it (and the name as typed).
pub(super) async fn show_with_errors(state: &AppState, user: &PageUser, errors: &[FieldError], name: &str) -> Response {
    let basket = user.session.basket.clone();
    let lines = form_lines(state, user, &basket, None).await;
    let (priced, _) = price(state, user, &basket).await;
    let extras = Extras {
        added: None,
        name: Some(name.to_string()),
    };
    render(
        StatusCode::UNPROCESSABLE_ENTITY,
        quote_page_with_advice(user, &lines, priced.as_ref(), None, errors, &extras),
    )
}

/// Prices the basket; form errors are returned for display, other errors as such.
pub(super) async fn price(
    state: &AppState,
    user: &PageUser,
    basket: &Basket,
) -> (Option<Quote>, Result<Vec<FieldError>, AppError>) {
    let Some(framework_id) = &basket.framework_id else {
        return (None, Ok(vec![]));
    };
    if basket.lines.is_empty() {
        return (None, Ok(vec![]));
    }
    match quotes::price(&state.app, &user.session.actor, framework_id, &basket.lines).await {
        Ok(q) => (Some(q), Ok(vec![])),
        Err(e) if !e.field_errors().is_empty() => (None, Ok(e.field_errors())),
        Err(e) => (None, Err(e)),
    }
}

/// "Add to quote" on an item's page: the quantity and term typed there (and the usage, for
/// items charged by use), checked by pricing the line; errors are shown on the item's page.
pub async fn add_line(State(state): State<AppState>, SignedInForm { user, fields }: SignedInForm) -> Response {
    if let Err(r) = require_buyer(&user) {
        return r;
    }
    let actor = &user.session.actor;
    let item_id = ItemId::from_stored(fields.text("item_id"));
    let item = match catalogue::item(&state.app, actor, &item_id).await {
        Ok(item) => item,
        Err(e) => return error_page(Some(actor), &e),
    };
    let typed = super::catalogue::AddForm {
        quantity: fields
            .get("quantity")
            .map_or_else(|| "1".to_string(), |_| fields.text("quantity")),
        term_months: fields
            .get("term_months")
            .map_or_else(|| default_term(&item).to_string(), |_| fields.text("term_months")),
        monthly_usage: fields.text("monthly_usage"),
        back: fields.text("back"),
    };
    let mut errors = Vec::new();
    let mut number = |name: &str, text: &str, what: &str, like: &str| match text.parse::<i64>() {
        Ok(n) => Some(n),
        Err(_) => {
            errors.push(FieldError::new(
                name,
                format!("Enter the {what} as a whole number, like {like}"),
            ));
            None
        }
    };
    let quantity = number("quantity", &typed.quantity, "quantity", "20");
    let term = number("term_months", &typed.term_months, "term in months", "24");
    let usage = if typed.monthly_usage.is_empty() {
        Some(None)
    } else {
        number("monthly_usage", &typed.monthly_usage, "estimated monthly usage", "500").map(Some)
    };
    let line = match (quantity, term, usage) {
        (Some(quantity), Some(term_months), Some(monthly_usage)) => Some(LineInput {
            sku: item.sku.to_string(),
            quantity,
            term_months,
            monthly_usage,
        }),
        _ => None,
    };
    if let Some(line) = &line {
        // Priced alone, so that a short term or a missing usage is said here, beside the item.
        if let Err(e) = quotes::price(&state.app, actor, &item.framework_id, std::slice::from_ref(line)).await {
            if e.field_errors().is_empty() {
                return error_page(Some(actor), &e);
            }
            errors.extend(
                e.field_errors()
                    .into_iter()
                    .map(|f| FieldError::new(f.field.trim_start_matches("lines[0].").to_string(), f.message)),
            );
        }
    }
    let Some(line) = line.filter(|_| errors.is_empty()) else {
        return super::catalogue::item_page(&state, &user, &item_id, &errors, None, Some(&typed)).await;
    };
    let mut basket = user.session.basket.clone();
    if basket.framework_id.as_ref() != Some(&item.framework_id) {
        // A quote is for one framework; adding from another starts a new one.
        basket = Basket {
            framework_id: Some(item.framework_id.clone()),
            ..Basket::default()
        };
    }
    basket.lines.push(line);
    let added = basket.lines.len() - 1;
    let back: String = form_urlencoded::byte_serialize(typed.back.as_bytes()).collect();
    match auth::save_basket(&state.app, &user.token, &basket).await {
        Ok(()) => Redirect::to(&format!("/quote?added={added}&back={back}")).into_response(),
        Err(e) if !e.field_errors().is_empty() => {
            super::catalogue::item_page(&state, &user, &item_id, &e.field_errors(), None, Some(&typed)).await
        }
        Err(e) => error_page(Some(actor), &e),
    }
}

/// The term a new line is offered: the default, unless the item's minimum is longer.
pub(super) fn default_term(item: &CatalogueItem) -> u32 {
    item.minimum_term_months.max(DEFAULT_TERM_MONTHS)
}

/// The term a new line starts with, unless the item's minimum is longer.
const DEFAULT_TERM_MONTHS: u32 = 12;

/// Reads the posted lines, keeping what was typed for redisplay and naming each bad field.
/// A line as typed: SKU, quantity, term and usage.
pub(super) type TypedLine = [String; 4];

struct PostedLines {
    typed: Vec<TypedLine>,
    parsed: Result<Vec<LineInput>, Vec<FieldError>>,
}

fn posted_lines(fields: &Fields) -> PostedLines {
    let mut raw = Vec::new();
    let mut parsed = Vec::new();
    let mut errors = Vec::new();
    if fields.get(&format!("lines[{MAX_LINES}].sku")).is_some() {
        errors.push(FieldError::new(
            "lines",
            format!("A quote can have at most {MAX_LINES} lines"),
        ));
        return PostedLines {
            typed: raw,
            parsed: Err(errors),
        };
    }
    for i in 0..MAX_LINES {
        let Some(sku) = fields.get(&format!("lines[{i}].sku")) else {
            break;
        };
        let value = |name: &str| fields.text(&format!("lines[{i}].{name}"));
        let (quantity, term, usage) = (value("quantity"), value("term_months"), value("monthly_usage"));
        let mut number = |name: &str, text: &str, what: &str| -> Option<i64> {
            match text.parse::<i64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    errors.push(FieldError::new(
                        format!("lines[{i}].{name}"),
                        format!("Enter the {what} as a whole number, like 12"),
                    ));
                    None
                }
            }
        };
        let q = number("quantity", &quantity, "quantity");
        let t = number("term_months", &term, "term in months");
        let u = if usage.is_empty() {
            Some(None)
        } else {
            number("monthly_usage", &usage, "estimated monthly usage").map(Some)
        };
        if let (Some(quantity), Some(term_months), Some(monthly_usage)) = (q, t, u) {
            parsed.push(LineInput {
                sku: sku.to_string(),
                quantity,
                term_months,
                monthly_usage,
            });
        }
        raw.push([sku.to_string(), quantity, term, usage]);
    }
    let parsed = if errors.is_empty() { Ok(parsed) } else { Err(errors) };
    PostedLines { typed: raw, parsed }
}

pub async fn update(State(state): State<AppState>, SignedInForm { user, fields }: SignedInForm) -> Response {
    if let Err(r) = require_buyer(&user) {
        return r;
    }
    let actor = &user.session.actor;
    let action = fields.text("action");
    let PostedLines { typed: raw, parsed } = posted_lines(&fields);
    let mut basket = user.session.basket.clone();
    let lines = match parsed {
        Ok(lines) => lines,
        Err(errors) => {
            let lines = form_lines(&state, &user, &basket, Some(raw)).await;
            return render(
                StatusCode::UNPROCESSABLE_ENTITY,
                quote_page(&user, &lines, None, &errors),
            );
        }
    };
    basket.lines = lines;
    if let Some(index) = action.strip_prefix("remove-").and_then(|i| i.parse::<usize>().ok()) {
        if index < basket.lines.len() {
            basket.lines.remove(index);
        }
    }
    if let Err(e) = auth::save_basket(&state.app, &user.token, &basket).await {
        return error_page(Some(actor), &e);
    }
    if action == "review" {
        let (priced, errors) = price(&state, &user, &basket).await;
        match errors {
            Err(e) => return error_page(Some(actor), &e),
            Ok(errors) if !errors.is_empty() => {
                let lines = form_lines(&state, &user, &basket, None).await;
                return render(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    quote_page(&user, &lines, priced.as_ref(), &errors),
                );
            }
            Ok(_) => return Redirect::to("/quote/place").into_response(),
        }
    }
    Redirect::to("/quote").into_response()
}
