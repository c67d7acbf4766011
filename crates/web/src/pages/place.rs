//! Checking a quote and placing it as a call-off, with what the order needs: a title, delivery,
//! start date, purchase order, contact and cost centre. The review page is built in one place
//! ([`show_review`]), so that shown again with errors it keeps its approval notice and button.

use super::quote::{advice_panel, form_lines, price, quote_page, quote_table, require_buyer};
use super::{error_page, new_idempotency_key, render, Fields};
use crate::html::{csrf_field, date_input, error_for, input, layout, textarea, Chrome, Input, Section, TypedDate};
use crate::session::{PageUser, SignedInForm};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use calloff_app::call_offs::{self, PlaceCallOff};
use calloff_app::quotes::{self, Basket, Quote};
use calloff_app::{approvals, auth};
use calloff_domain::order::{ContactInput, OrderInput};
use calloff_domain::FieldError;
use maud::{html, Markup};

/// Names the exact basket a review page showed, so that placing refuses a basket changed since.
fn fingerprint(basket: &Basket) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(serde_json::to_vec(basket).unwrap_or_default()))
}

/// What the buyer typed into the placing form (or, at first, what it starts with).
#[derive(Default)]
pub(super) struct OrderForm {
    order: OrderInput,
    starts_on: TypedDate,
    cost_centre: String,
}

impl OrderForm {
    /// A new form: the contact is the buyer until they say otherwise.
    fn for_buyer(user: &PageUser) -> Self {
        let actor = &user.session.actor;
        OrderForm {
            order: OrderInput {
                contact: ContactInput {
                    name: actor.name.clone(),
                    email: actor.email.clone(),
                    phone: String::new(),
                },
                ..OrderInput::default()
            },
            ..OrderForm::default()
        }
    }

    fn from_fields(fields: &Fields) -> Self {
        let starts_on = TypedDate::from_fields(fields, "order.starts_on");
        let typed_nothing = starts_on == TypedDate::default();
        OrderForm {
            order: OrderInput {
                title: fields.text("order.title"),
                delivery_address: fields.text("order.delivery_address"),
                // Boxes that make no date send one that does not parse, for the use case to name.
                starts_on: match starts_on.date() {
                    Some(date) => date.to_string(),
                    None if typed_nothing => String::new(),
                    None => "not a date".into(),
                },
                purchase_order: fields.text("order.purchase_order"),
                contact: ContactInput {
                    name: fields.text("order.contact.name"),
                    email: fields.text("order.contact.email"),
                    phone: fields.text("order.contact.phone"),
                },
            },
            starts_on,
            cost_centre: fields.text("cost_centre"),
        }
    }
}

/// What the review page carries into the placing form.
struct Review<'a> {
    /// The basket's fingerprint, so placing refuses a basket changed since.
    fingerprint: &'a str,
    idempotency_key: &'a str,
    form: &'a OrderForm,
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

fn order_fields(form: &OrderForm, errors: &[FieldError]) -> Markup {
    let order = &form.order;
    html! {
        h2 class="govuk-heading-m" { "Order details" }
        (input(Input {
            hint: Some("What you are buying, in a few words. The supplier and your colleagues see this in their lists."),
            error: error_for(errors, "order.title"),
            ..Input::text("order.title", "Title", &order.title)
        }))
        (textarea(
            "order.delivery_address",
            "Delivery address or sites",
            &order.delivery_address,
            Some("Where to deliver or install, with postcodes. For several sites, put each on its own line."),
            error_for(errors, "order.delivery_address"),
        ))
        (date_input(
            "order.starts_on",
            "Start date",
            "When the service should start, from today to a year ahead. For example, 4 1 2027.",
            &form.starts_on,
            error_for(errors, "order.starts_on"),
        ))
        (input(Input {
            hint: Some("Optional. If your finance system raises one, the supplier quotes it on invoices."),
            error: error_for(errors, "order.purchase_order"),
            width_class: Some("govuk-input--width-20"),
            spellcheck: Some(false),
            ..Input::text("order.purchase_order", "Purchase order number (optional)", &order.purchase_order)
        }))
        fieldset class="govuk-fieldset" {
            legend class="govuk-fieldset__legend govuk-fieldset__legend--s" { "Contact for this order" }
            div class="govuk-hint" { "The person the supplier should contact about delivery." }
            (input(Input {
                error: error_for(errors, "order.contact.name"),
                autocomplete: Some("name"),
                spellcheck: Some(false),
                ..Input::text("order.contact.name", "Full name", &order.contact.name)
            }))
            (input(Input {
                error: error_for(errors, "order.contact.email"),
                kind: "email",
                autocomplete: Some("email"),
                spellcheck: Some(false),
                ..Input::text("order.contact.email", "Email address", &order.contact.email)
            }))
            (input(Input {
                hint: Some("For international numbers include the country code"),
                error: error_for(errors, "order.contact.phone"),
                kind: "tel",
                autocomplete: Some("tel"),
                width_class: Some("govuk-input--width-20"),
                ..Input::text("order.contact.phone", "Telephone number", &order.contact.phone)
            }))
        }
        (input(Input {
            hint: Some("The budget code your finance team charges this to, for example IT-4021"),
            error: error_for(errors, "cost_centre"),
            width_class: Some("govuk-input--width-10"),
            spellcheck: Some(false),
            ..Input::text("cost_centre", "Cost centre", &form.cost_centre)
        }))
    }
}

/// The page to check a call-off before placing it. `advice` is shown when known.
fn review_page(
    user: &PageUser,
    quote: &Quote,
    advice: Option<&calloff_domain::route_to_market::Advice>,
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
    let needs_approval = review.approvers.is_some_and(|n| n > 0);
    layout(
        chrome,
        html! {
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
                    p class="govuk-body" id="approval" { "Placing the call-off commits its contract value against the framework's ceiling and sends it to the supplier to accept." }
                }
            }
            form method="post" action="/call-offs" novalidate {
                (csrf_field(&user.session.csrf_token))
                input type="hidden" name="idempotency_key" value=(review.idempotency_key);
                input type="hidden" name="reviewed" value=(review.fingerprint);
                (order_fields(review.form, errors))
                div class="govuk-button-group" {
                    button type="submit" class="govuk-button" data-module="govuk-button" data-prevent-double-click="true" {
                        @if needs_approval { "Submit for approval" } @else { "Place call-off" }
                    }
                    a class="govuk-link" href="/quote" { "Change the quote" }
                }
            }
        },
    )
}

/// The review page, first shown or shown again: everything it says is worked out here, from
/// the quote and the organisation's rules, so the notice and button never depend on the path.
async fn show_review(
    state: &AppState,
    user: &PageUser,
    quote: &Quote,
    review: (&str, &str, &OrderForm),
    errors: &[FieldError],
    status: StatusCode,
) -> Response {
    let (fingerprint, idempotency_key, form) = review;
    let advice = quotes::route_to_market(&state.app, &user.session.actor, quote)
        .await
        .ok();
    let review = Review {
        fingerprint,
        idempotency_key,
        form,
        approvers: approvers_for(state, user, quote).await,
    };
    render(status, review_page(user, quote, advice.as_ref(), &review, errors))
}

pub async fn review(State(state): State<AppState>, user: PageUser) -> Response {
    if let Err(r) = require_buyer(&user) {
        return r;
    }
    match price(&state, &user, &user.session.basket).await {
        (Some(quote), Ok(_)) => {
            let fingerprint = fingerprint(&user.session.basket);
            let form = OrderForm::for_buyer(&user);
            let key = new_idempotency_key();
            show_review(&state, &user, &quote, (&fingerprint, &key, &form), &[], StatusCode::OK).await
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
    let form = OrderForm::from_fields(&fields);
    if fields.text("reviewed") != current {
        // Changed in another tab since this page was shown: show what would be placed now.
        let changed = [FieldError::new(
            "lines",
            "Your quote changed after you checked it. Check it again, then place it.",
        )];
        return match price(&state, &user, &basket).await {
            (Some(quote), _) => {
                let key = new_idempotency_key();
                show_review(
                    &state,
                    &user,
                    &quote,
                    (&current, &key, &form),
                    &changed,
                    StatusCode::CONFLICT,
                )
                .await
            }
            _ => Redirect::to("/quote").into_response(),
        };
    }
    let key = fields.text("idempotency_key");
    let command = PlaceCallOff {
        framework_id,
        lines: basket.lines.clone(),
        cost_centre: form.cost_centre.clone(),
        order: form.order.clone(),
    };
    match call_offs::place(&state.app, actor, &command, (!key.is_empty()).then_some(key.as_str())).await {
        Ok(placed) => {
            if let Err(e) = auth::save_basket(&state.app, &user.token, &Basket::default()).await {
                // The call-off is placed; an uncleared basket must not hide that.
                tracing::error!(error = %e, "could not clear the basket after placing");
            }
            Redirect::to(&format!("/call-offs/{}?placed=1", placed.call_off.id)).into_response()
        }
        Err(e) if !e.field_errors().is_empty() => {
            let errors = e.field_errors();
            match price(&state, &user, &basket).await {
                (Some(quote), _) => {
                    let status = StatusCode::UNPROCESSABLE_ENTITY;
                    show_review(&state, &user, &quote, (&current, &key, &form), &errors, status).await
                }
                _ => {
                    let lines = form_lines(&state, &user, &basket, None).await;
                    render(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        quote_page(&user, &lines, None, &errors),
                    )
                }
            }
        }
        Err(e) => error_page(Some(actor), &e),
    }
}
