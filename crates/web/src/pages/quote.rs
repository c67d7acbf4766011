//! The quote builder and placing a call-off. The basket is kept with the session.

use super::{error_page, new_idempotency_key, render, Fields};
use crate::html::{csrf_field, error_for, field_id, input, layout, percent, summary_list, Chrome, Input, Section};
use crate::session::{PageUser, SignedInForm};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use calloff_app::call_offs::{self, PlaceCallOff};
use calloff_app::quotes::{self, Basket, LineInput, Quote};
use calloff_app::{approvals, auth, catalogue, AppError};
use calloff_domain::call_off::{savings, volume_savings, MAX_LINES};
use calloff_domain::catalogue::{CatalogueItem, Charging};
use calloff_domain::ids::ItemId;
use calloff_domain::route_to_market::{Advice, Route};
use calloff_domain::FieldError;
use maud::{html, Markup};

/// A basket line as shown in the form: what was typed, and the item if it is known.
struct FormLine {
    sku: String,
    item: Option<CatalogueItem>,
    quantity: String,
    term_months: String,
    monthly_usage: String,
}

fn require_buyer(user: &PageUser) -> Result<(), Response> {
    calloff_app::quotes::may_quote(&user.session.actor).map_err(|e| error_page(Some(&user.session.actor), &e))
}

async fn form_lines(state: &AppState, user: &PageUser, basket: &Basket, raw: Option<Vec<TypedLine>>) -> Vec<FormLine> {
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

fn quote_page(user: &PageUser, lines: &[FormLine], priced: Option<&Quote>, errors: &[FieldError]) -> Markup {
    quote_page_with_advice(user, lines, priced, None, errors)
}

fn quote_page_with_advice(
    user: &PageUser,
    lines: &[FormLine],
    priced: Option<&Quote>,
    advice: Option<&Advice>,
    errors: &[FieldError],
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
            h1 class="govuk-heading-l" { "Your quote" }
            @if lines.is_empty() {
                p class="govuk-body" { "Your quote is empty. Find services in a framework's catalogue and add them here." }
                p class="govuk-body" { a class="govuk-link" href="/frameworks" { "Browse frameworks" } }
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
                @if let Some(quote) = priced { (quote_table(quote)) }
                @if let Some(advice) = advice { (advice_panel(advice)) }
            }
        },
    )
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

pub async fn show(State(state): State<AppState>, user: PageUser) -> Response {
    if let Err(r) = require_buyer(&user) {
        return r;
    }
    let basket = user.session.basket.clone();
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
                quote_page_with_advice(&user, &lines, priced.as_ref(), advice.as_ref(), &errors),
            )
        }
    }
}

/// Prices the basket; form errors are returned for display, other errors as such.
async fn price(
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

pub async fn add_line(State(state): State<AppState>, SignedInForm { user, fields }: SignedInForm) -> Response {
    if let Err(r) = require_buyer(&user) {
        return r;
    }
    let actor = &user.session.actor;
    let item = match catalogue::item(&state.app, actor, &ItemId::from_stored(fields.text("item_id"))).await {
        Ok(item) => item,
        Err(e) => return error_page(Some(actor), &e),
    };
    let mut basket = user.session.basket.clone();
    if basket.framework_id.as_ref() != Some(&item.framework_id) {
        // A quote is for one framework; adding from another starts a new one.
        basket = Basket {
            framework_id: Some(item.framework_id.clone()),
            lines: vec![],
        };
    }
    basket.lines.push(LineInput {
        sku: item.sku.to_string(),
        quantity: 1,
        term_months: i64::from(item.minimum_term_months.max(DEFAULT_TERM_MONTHS)),
        monthly_usage: None,
    });
    match auth::save_basket(&state.app, &user.token, &basket).await {
        Ok(()) => Redirect::to("/quote").into_response(),
        Err(e) => error_page(Some(actor), &e),
    }
}

/// The term a new line starts with, unless the item's minimum is longer.
const DEFAULT_TERM_MONTHS: u32 = 12;

/// Reads the posted lines, keeping what was typed for redisplay and naming each bad field.
/// A line as typed: SKU, quantity, term and usage.
type TypedLine = [String; 4];

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

/// Names the exact basket a review page showed, so that placing refuses a basket changed since.
fn fingerprint(basket: &Basket) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(serde_json::to_vec(basket).unwrap_or_default()))
}

/// What the review page carries into the placing form.
struct Review<'a> {
    /// The basket's fingerprint, so placing refuses a basket changed since.
    fingerprint: &'a str,
    idempotency_key: &'a str,
    cost_centre: &'a str,
    /// Approvers the organisation's rules ask for at this value, when known.
    approvers: Option<u32>,
}

/// Approvers the buyer's rules ask for at the quote's value (for the review page only: placing
/// applies the rules in force as it commits).
async fn approvers_for(state: &AppState, user: &PageUser, quote: &Quote) -> Option<u32> {
    approvals::rules(&state.app, &user.session.actor)
        .await
        .ok()
        .map(|rules| rules.approvers_for(quote.totals.contract_value))
}

/// The page to check a call-off before placing it. `advice` is shown when known.
fn review_page(
    user: &PageUser,
    quote: &Quote,
    advice: Option<&Advice>,
    review: &Review<'_>,
    errors: &[FieldError],
) -> Markup {
    let actor = &user.session.actor;
    let chrome = Chrome {
        title: "Check your call-off before placing it",
        actor: Some(actor),
        csrf_token: Some(&user.session.csrf_token),
        section: Section::Quote,
        errors,
    };
    html! {
        (layout(chrome, html! {
            (crate::html::back_link("/quote", "Back to your quote"))
            h1 class="govuk-heading-l" { "Check your call-off before placing it" }
            dl class="govuk-summary-list" {
                div class="govuk-summary-list__row" {
                    dt class="govuk-summary-list__key" { "Buyer" }
                    dd class="govuk-summary-list__value" id="organisation" { (actor.organisation_name) }
                }
                div class="govuk-summary-list__row" {
                    dt class="govuk-summary-list__key" { "Route to market" }
                    dd class="govuk-summary-list__value" id="framework_id" { "Direct award at catalogue prices" }
                }
            }
            div id="lines" { (quote_table(quote)) }
            @if let Some(advice) = advice { (advice_panel(advice)) }
            @match review.approvers {
                Some(n) if n > 0 => {
                    div class="govuk-inset-text" id="approval" {
                        "Under your organisation's approval rules, " (quote.totals.contract_value) " needs "
                        (n) @if n == 1 { " approver" } @else { " distinct approvers" }
                        ". Submitting holds its value against the framework's ceiling; it goes to the supplier once approved."
                    }
                }
                _ => {
                    p class="govuk-body" { "Placing the call-off commits its contract value against the framework's ceiling and sends it to the supplier to accept." }
                }
            }
            form method="post" action="/call-offs" novalidate {
                (csrf_field(&user.session.csrf_token))
                input type="hidden" name="idempotency_key" value=(review.idempotency_key);
                input type="hidden" name="reviewed" value=(review.fingerprint);
                (input(Input {
                    hint: Some("The budget code your finance team charges this to, for example IT-4021"),
                    error: error_for(errors, "cost_centre"),
                    width_class: Some("govuk-input--width-10"),
                    spellcheck: Some(false),
                    ..Input::text("cost_centre", "Cost centre", review.cost_centre)
                }))
                div class="govuk-button-group" {
                    button type="submit" class="govuk-button" data-module="govuk-button" data-prevent-double-click="true" {
                        @if review.approvers.is_some_and(|n| n > 0) { "Submit for approval" } @else { "Place call-off" }
                    }
                    a class="govuk-link" href="/quote" { "Change the quote" }
                }
            }
        }))
    }
}

pub async fn review(State(state): State<AppState>, user: PageUser) -> Response {
    if let Err(r) = require_buyer(&user) {
        return r;
    }
    match price(&state, &user, &user.session.basket).await {
        (Some(quote), Ok(_)) => {
            let advice = quotes::route_to_market(&state.app, &user.session.actor, &quote)
                .await
                .ok();
            let review = Review {
                fingerprint: &fingerprint(&user.session.basket),
                idempotency_key: &new_idempotency_key(),
                cost_centre: "",
                approvers: approvers_for(&state, &user, &quote).await,
            };
            render(
                StatusCode::OK,
                review_page(&user, &quote, advice.as_ref(), &review, &[]),
            )
        }
        (_, Err(e)) => error_page(Some(&user.session.actor), &e),
        _ => Redirect::to("/quote").into_response(),
    }
}

pub async fn place(State(state): State<AppState>, SignedInForm { user, fields }: SignedInForm) -> Response {
    if let Err(r) = require_buyer(&user) {
        return r;
    }
    let actor = &user.session.actor;
    let basket = user.session.basket.clone();
    let Some(framework_id) = basket.framework_id.clone() else {
        return Redirect::to("/quote").into_response();
    };
    let current = fingerprint(&basket);
    let cost_centre = fields.text("cost_centre");
    let review_again = |quote: &Quote, key: &str, errors: &[FieldError], status: StatusCode| {
        let review = Review {
            fingerprint: &current,
            idempotency_key: key,
            cost_centre: &cost_centre,
            approvers: None,
        };
        render(status, review_page(&user, quote, None, &review, errors))
    };
    if fields.text("reviewed") != current {
        // Changed in another tab since this page was shown: show what would be placed now.
        let changed = [FieldError::new(
            "lines",
            "Your quote changed after you checked it. Check it again, then place it.",
        )];
        return match price(&state, &user, &basket).await {
            (Some(quote), _) => review_again(&quote, &new_idempotency_key(), &changed, StatusCode::CONFLICT),
            _ => Redirect::to("/quote").into_response(),
        };
    }
    let key = fields.text("idempotency_key");
    let command = PlaceCallOff {
        framework_id,
        lines: basket.lines.clone(),
        cost_centre: cost_centre.clone(),
    };
    match call_offs::place(&state.app, actor, &command, (!key.is_empty()).then_some(key.as_str())).await {
        Ok(placed) => {
            if let Err(e) = auth::save_basket(&state.app, &user.token, &Basket::default()).await {
                // The call-off is placed; an uncleared basket must not hide that.
                tracing::error!(error = %e, "could not clear the basket after placing");
            }
            Redirect::to(&format!("/call-offs/{}?placed=1", placed.call_off.id)).into_response()
        }
        Err(e) if !e.field_errors().is_empty() => match price(&state, &user, &basket).await {
            (Some(quote), _) => review_again(&quote, &key, &e.field_errors(), StatusCode::UNPROCESSABLE_ENTITY),
            _ => {
                let lines = form_lines(&state, &user, &basket, None).await;
                render(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    quote_page(&user, &lines, None, &e.field_errors()),
                )
            }
        },
        Err(e) => error_page(Some(actor), &e),
    }
}
