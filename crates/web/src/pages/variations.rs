//! The buyer's page for varying a call-off.

use super::{error_page, render};
use crate::html::{csrf_field, error_for, field_id, input, layout, Chrome, Input, Section};
use crate::session::{PageUser, SignedInForm};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use calloff_app::call_offs::CallOffView;
use calloff_app::quotes::LineInput;
use calloff_app::variations;
use calloff_domain::ids::CallOffId;
use calloff_domain::FieldError;
use maud::{html, Markup};

/// A line as typed: SKU, quantity, term.
type TypedLine = [String; 3];

fn page(user: &PageUser, view: &CallOffView, typed: &[TypedLine], errors: &[FieldError]) -> Markup {
    let title = format!("Vary call-off {}", view.call_off.reference);
    let chrome = Chrome {
        title: &title,
        actor: Some(&user.session.actor),
        csrf_token: Some(&user.session.csrf_token),
        section: Section::CallOffs,
        errors,
    };
    layout(
        chrome,
        html! {
            (crate::html::back_link(&format!("/call-offs/{}", view.call_off.id), "Back to the call-off"))
            span class="govuk-caption-l" { (view.call_off.reference) }
            h1 class="govuk-heading-l" { "Vary this call-off" }
            p class="govuk-body" {
                "Change quantities, extend terms, remove a line (quantity 0 is not allowed: leave it out by clearing its SKU), or add an item. "
                "Kept lines keep the prices they were placed at; added items are at today's prices. The new value is checked against the framework's headroom."
            }
            form method="post" action={ "/call-offs/" (view.call_off.id) "/vary" } novalidate {
                (csrf_field(&user.session.csrf_token))
                @for (i, [sku, quantity, term]) in typed.iter().enumerate() {
                    @let legend = if sku.is_empty() { "Add an item".to_string() } else { sku.clone() };
                    fieldset class="govuk-fieldset govuk-!-margin-bottom-6" {
                        legend class="govuk-fieldset__legend govuk-fieldset__legend--s" { (legend) }
                        @let sku_name = format!("lines[{i}].sku");
                        @let quantity_name = format!("lines[{i}].quantity");
                        @let term_name = format!("lines[{i}].term_months");
                        (input(Input { error: error_for(errors, &sku_name), width_class: Some("govuk-input--width-20"), spellcheck: Some(false), hint: Some("Clear it to remove the line"), ..Input::text(&sku_name, "SKU", sku) }))
                        (input(Input { error: error_for(errors, &quantity_name), numeric: true, width_class: Some("govuk-input--width-5"), ..Input::text(&quantity_name, "Quantity", quantity) }))
                        (input(Input { error: error_for(errors, &term_name), numeric: true, width_class: Some("govuk-input--width-3"), hint: Some("In months"), ..Input::text(&term_name, "Term", term) }))
                    }
                }
                div id=(field_id("lines")) {}
                button type="submit" class="govuk-button" data-module="govuk-button" { "Vary call-off" }
            }
        },
    )
}

fn current_lines(view: &CallOffView) -> Vec<TypedLine> {
    let mut lines: Vec<TypedLine> = view
        .call_off
        .lines
        .iter()
        .map(|l| {
            [
                l.sku.to_string(),
                l.quantity.get().to_string(),
                l.term_months.get().to_string(),
            ]
        })
        .collect();
    lines.push([String::new(), String::new(), String::new()]);
    lines
}

pub async fn form(State(state): State<AppState>, user: PageUser, Path(id): Path<String>) -> Response {
    let actor = &user.session.actor;
    match variations::may_vary(&state.app, actor, &CallOffId::from_stored(id)).await {
        Ok(view) => render(StatusCode::OK, page(&user, &view, &current_lines(&view), &[])),
        Err(e) => error_page(Some(actor), &e),
    }
}

pub async fn submit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SignedInForm { user, fields }: SignedInForm,
) -> Response {
    let actor = &user.session.actor;
    let id = CallOffId::from_stored(id);
    let mut typed = Vec::new();
    let mut lines = Vec::new();
    let mut errors = Vec::new();
    for i in 0..calloff_domain::call_off::MAX_LINES {
        let Some(sku) = fields.get(&format!("lines[{i}].sku")) else {
            break;
        };
        let (sku, quantity, term) = (
            sku.trim().to_string(),
            fields.text(&format!("lines[{i}].quantity")),
            fields.text(&format!("lines[{i}].term_months")),
        );
        typed.push([sku.clone(), quantity.clone(), term.clone()]);
        if sku.is_empty() {
            continue;
        }
        let number = |text: &str, name: &str, errors: &mut Vec<FieldError>| {
            text.parse::<i64>()
                .map_err(|_| errors.push(FieldError::new(format!("lines[{i}].{name}"), "Enter a whole number")))
                .ok()
        };
        if let (Some(quantity), Some(term_months)) = (
            number(&quantity, "quantity", &mut errors),
            number(&term, "term_months", &mut errors),
        ) {
            lines.push((
                i,
                LineInput {
                    sku,
                    quantity,
                    term_months,
                    monthly_usage: None,
                },
            ));
        }
    }
    let view = match variations::may_vary(&state.app, actor, &id).await {
        Ok(view) => view,
        Err(e) => return error_page(Some(actor), &e),
    };
    if errors.is_empty() {
        let inputs: Vec<LineInput> = lines.iter().map(|(_, l)| l.clone()).collect();
        match variations::vary(&state.app, actor, &id, &inputs).await {
            Ok(outcome) => {
                let notice = match outcome {
                    variations::VariationOutcome::Applied(varied) if varied.variation.over_limit => "over-limit",
                    variations::VariationOutcome::Applied(_) => "1",
                    variations::VariationOutcome::AwaitingApproval(_) => "awaiting-approval",
                };
                return Redirect::to(&format!("/call-offs/{id}?varied={notice}")).into_response();
            }
            Err(e) if e.is_form_error() => {
                // Name the field by the row it was typed in, not its place among kept rows.
                for fe in e.field_errors() {
                    let renamed = lines.iter().enumerate().find_map(|(k, (row, _))| {
                        fe.field
                            .strip_prefix(&format!("lines[{k}]"))
                            .map(|rest| format!("lines[{row}]{rest}"))
                    });
                    errors.push(FieldError::new(renamed.unwrap_or(fe.field.clone()), fe.message));
                }
            }
            Err(e) => return error_page(Some(actor), &e),
        }
    }
    render(StatusCode::UNPROCESSABLE_ENTITY, page(&user, &view, &typed, &errors))
}
