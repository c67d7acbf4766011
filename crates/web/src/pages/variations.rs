//! The buyer's page for varying a call-off: change quantities and terms, remove lines, add items
//! found by searching the catalogue, then check the new value, the change and the modification
//! limit before submitting. One form, posted back for each step, so no JavaScript is needed.

use super::{error_page, render, Fields};
use crate::html::{
    csrf_field, error_for, field_id, input, layout, percent, summary_list, textarea, Chrome, Input, Section,
};
use crate::pages::quote::quote_table;
use crate::session::{PageUser, SignedInForm};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use calloff_app::call_offs::CallOffView;
use calloff_app::catalogue::{self, SearchRequest};
use calloff_app::quotes::{LineInput, Quote};
use calloff_app::variations::{self, VariationPreview};
use calloff_domain::call_off::MAX_LINES;
use calloff_domain::catalogue::CatalogueItem;
use calloff_domain::ids::CallOffId;
use calloff_domain::FieldError;
use maud::{html, Markup};

/// Search results offered to add, at most: the first page of the catalogue's own search.
const MAX_RESULTS: usize = 10;
/// The term an added item starts with, unless its minimum is longer.
const DEFAULT_TERM_MONTHS: u32 = 12;

/// A line as typed, with the item when known.
#[derive(Clone, Default)]
struct TypedLine {
    sku: String,
    quantity: String,
    term: String,
    usage: String,
    remove: bool,
    /// Name, price and unit, for the legend and whether it asks for usage.
    item: Option<(String, String, Option<&'static str>)>,
}

/// What the form shows besides the lines: the search and its results, the preview.
#[derive(Default)]
struct Extras {
    search: String,
    /// Why the buyer varies it, as typed.
    reason: String,
    results: Vec<CatalogueItem>,
    searched: bool,
    preview: Option<VariationPreview>,
}

fn describe(item: &CatalogueItem) -> (String, String, Option<&'static str>) {
    (
        item.name.clone(),
        format!("{} {} ex VAT", item.unit_price, item.unit.label()),
        item.unit.usage_noun(),
    )
}

fn signed_percent(bp: i64) -> String {
    if bp > 0 {
        format!("+{}", percent(bp))
    } else if bp < 0 {
        format!("-{}", percent(-bp))
    } else {
        percent(0)
    }
}

fn preview_section(view: &CallOffView, p: &VariationPreview) -> Markup {
    let quote = Quote {
        framework_id: view.call_off.framework_id.clone(),
        supplier_id: view.call_off.supplier_id.clone(),
        lines: p.lines.clone(),
        totals: p.totals,
    };
    html! {
        section id="preview" aria-labelledby="preview-heading" {
            h2 class="govuk-heading-l" id="preview-heading" { "Check the variation" }
            (summary_list(&[
                ("Contract value now", html! { (p.previous_value) }),
                ("Contract value after", html! { strong { (p.totals.contract_value) } }),
                ("Change", html! { (signed_percent(p.change_bp)) }),
                ("Change from the original value", html! {
                    (percent(p.cumulative_change_bp)) " of " (p.original_value)
                    ", against the framework's modification limit of " (percent(p.limit_bp))
                }),
            ]))
            @if p.over_limit {
                div class="govuk-warning-text" id="over-limit" {
                    span class="govuk-warning-text__icon" aria-hidden="true" { "!" }
                    strong class="govuk-warning-text__text" {
                        span class="govuk-visually-hidden" { "Warning" }
                        "This variation takes the call-off " (percent(p.cumulative_change_bp)) " away from its original value of "
                        (p.original_value) ", more than the framework's modification limit of " (percent(p.limit_bp))
                        ". A change this large may need a new procurement: check with your procurement team before you submit it."
                    }
                }
            }
            @if p.approvers_required > 0 {
                div class="govuk-inset-text" id="approval" {
                    "Under your organisation's approval rules, an increase of this size needs "
                    (p.approvers_required) @if p.approvers_required == 1 { " approver" } @else { " distinct approvers" }
                    ". Submitting holds the increase against the framework's ceiling until they decide."
                }
            } @else {
                p class="govuk-body" id="approval" { "Submitting varies the call-off now and tells the supplier." }
            }
            (quote_table(&quote))
        }
    }
}

fn page(user: &PageUser, view: &CallOffView, typed: &[TypedLine], extras: &Extras, errors: &[FieldError]) -> Markup {
    let title = format!("Vary call-off {}", view.call_off.reference);
    let chrome = Chrome {
        title: &title,
        actor: Some(&user.session.actor),
        csrf_token: Some(&user.session.csrf_token),
        section: Section::CallOffs,
        errors,
    };
    let c = &view.call_off;
    let submit_label = match &extras.preview {
        Some(p) if p.approvers_required > 0 => "Submit variation for approval",
        _ => "Vary call-off",
    };
    layout(
        chrome,
        html! {
            a class="govuk-back-link" href={ "/call-offs/" (c.id) } { "Back to the call-off" }
            span class="govuk-caption-l" { (c.reference) @if let Some(o) = &c.order { ": " (o.title) } }
            h1 class="govuk-heading-l" { "Vary this call-off" }
            p class="govuk-body" {
                "Change quantities, extend terms, remove lines, or add items from the catalogue. Kept lines keep the prices they were placed at; added items are at today's prices. "
                "Check the variation to see its new value and its change against the framework's modification limit before you submit it."
            }
            form method="post" action={ "/call-offs/" (c.id) "/vary" } novalidate {
                (csrf_field(&user.session.csrf_token))
                h2 class="govuk-heading-m" { "Lines" }
                div id=(field_id("lines")) {
                    @for (i, line) in typed.iter().enumerate() {
                        @let name = line.item.as_ref().map_or(line.sku.clone(), |(n, _, _)| n.clone());
                        fieldset class="govuk-fieldset govuk-!-margin-bottom-6" {
                            legend class="govuk-fieldset__legend govuk-fieldset__legend--s" { (name) }
                            @let sku_name = format!("lines[{i}].sku");
                            @if let Some(e) = error_for(errors, &sku_name) {
                                p id=(field_id(&sku_name)) class="govuk-error-message" { span class="govuk-visually-hidden" { "Error:" } " " (e) }
                            }
                            p class="govuk-body-s" {
                                (line.sku)
                                @if let Some((_, price, _)) = &line.item { " · " (price) }
                            }
                            input type="hidden" name=(sku_name) value=(line.sku);
                            @let quantity_name = format!("lines[{i}].quantity");
                            @let term_name = format!("lines[{i}].term_months");
                            @let usage_name = format!("lines[{i}].monthly_usage");
                            @let remove_name = format!("lines[{i}].remove");
                            (input(Input { error: error_for(errors, &quantity_name), numeric: true, width_class: Some("govuk-input--width-5"), ..Input::text(&quantity_name, "Quantity", &line.quantity) }))
                            (input(Input { error: error_for(errors, &term_name), numeric: true, width_class: Some("govuk-input--width-3"), hint: Some("In months. A kept line's term can only be extended."), ..Input::text(&term_name, "Term", &line.term) }))
                            @if let Some((_, _, Some(noun))) = &line.item {
                                @let label = format!("Estimated {noun} per month, for each unit");
                                (input(Input { error: error_for(errors, &usage_name), numeric: true, width_class: Some("govuk-input--width-10"), ..Input::text(&usage_name, &label, &line.usage) }))
                            }
                            div class="govuk-checkboxes govuk-checkboxes--small" data-module="govuk-checkboxes" {
                                div class="govuk-checkboxes__item" {
                                    input class="govuk-checkboxes__input" id=(field_id(&remove_name)) name=(remove_name) type="checkbox" value="yes" checked[line.remove];
                                    label class="govuk-label govuk-checkboxes__label" for=(field_id(&remove_name)) {
                                        "Remove this line" span class="govuk-visually-hidden" { ": " (name) }
                                    }
                                }
                            }
                        }
                    }
                }
                h2 class="govuk-heading-m" { "Add an item" }
                (input(Input {
                    hint: Some("Words of its name or description, or its SKU, for example SIM or L4-SIM-5GB"),
                    error: error_for(errors, "q"),
                    spellcheck: Some(false),
                    ..Input::text("q", "Search the catalogue", &extras.search)
                }))
                button type="submit" name="action" value="search" class="govuk-button govuk-button--secondary" data-module="govuk-button" { "Search" }
                @if extras.searched {
                    @if extras.results.is_empty() {
                        p class="govuk-body" id="search-results" { "No items match. Try fewer or different words." }
                    } @else {
                        div class="calloff-table-scroll" {
                            table class="govuk-table" id="search-results" {
                                caption class="govuk-table__caption govuk-table__caption--s" { "Items matching \u{201c}" (extras.search) "\u{201d}" }
                                thead class="govuk-table__head" { tr class="govuk-table__row" {
                                    th scope="col" class="govuk-table__header" { "Item" }
                                    th scope="col" class="govuk-table__header govuk-table__header--numeric" { "Price (ex VAT)" }
                                    th scope="col" class="govuk-table__header" { span class="govuk-visually-hidden" { "Action" } }
                                } }
                                tbody class="govuk-table__body" {
                                    @for item in &extras.results {
                                        tr class="govuk-table__row" {
                                            td class="govuk-table__cell" {
                                                (item.name) br; span class="govuk-body-s" { (item.sku) ", lot " (item.lot_number) ", minimum term " (super::catalogue::months(item.minimum_term_months)) }
                                            }
                                            td class="govuk-table__cell govuk-table__cell--numeric calloff-numeric" { (item.unit_price) " " (item.unit.label()) }
                                            td class="govuk-table__cell" {
                                                button type="submit" name="action" value={ "add:" (item.sku) } class="govuk-button govuk-button--secondary govuk-!-margin-bottom-0" data-module="govuk-button" {
                                                    "Add" span class="govuk-visually-hidden" { " " (item.name) }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                @if let Some(p) = &extras.preview {
                    (preview_section(view, p))
                }
                (textarea(
                    "reason",
                    "Why is the call-off changing? (optional)",
                    &extras.reason,
                    Some("Published as the reason for the change in the open data and in the contract change notice (UK10)"),
                    error_for(errors, "reason"),
                ))
                div class="govuk-button-group" {
                    @if extras.preview.is_some() {
                        button type="submit" name="action" value="submit" class="govuk-button" data-module="govuk-button" data-prevent-double-click="true" { (submit_label) }
                        button type="submit" name="action" value="check" class="govuk-button govuk-button--secondary" data-module="govuk-button" { "Check again" }
                    } @else {
                        button type="submit" name="action" value="check" class="govuk-button" data-module="govuk-button" { "Check the variation" }
                    }
                    a class="govuk-link" href={ "/call-offs/" (c.id) } { "Cancel and go back" }
                }
            }
        },
    )
}

fn current_lines(view: &CallOffView) -> Vec<TypedLine> {
    view.call_off
        .lines
        .iter()
        .map(|l| TypedLine {
            sku: l.sku.to_string(),
            quantity: l.quantity.get().to_string(),
            term: l.term_months.get().to_string(),
            usage: l.monthly_usage.map(|u| u.get().to_string()).unwrap_or_default(),
            remove: false,
            item: Some((
                l.name.clone(),
                format!("{} {} ex VAT", l.unit_price, l.unit.label()),
                l.unit.usage_noun(),
            )),
        })
        .collect()
}

pub async fn form(State(state): State<AppState>, user: PageUser, Path(id): Path<String>) -> Response {
    let actor = &user.session.actor;
    match variations::may_vary(&state.app, actor, &CallOffId::from_stored(id)).await {
        Ok(view) => render(
            StatusCode::OK,
            page(&user, &view, &current_lines(&view), &Extras::default(), &[]),
        ),
        Err(e) => error_page(Some(actor), &e),
    }
}

/// The lines as posted, each with its item's description (a kept line's frozen one, else the
/// catalogue's).
async fn posted_lines(state: &AppState, user: &PageUser, view: &CallOffView, fields: &Fields) -> Vec<TypedLine> {
    let mut typed = Vec::new();
    for i in 0..MAX_LINES {
        let Some(sku) = fields.get(&format!("lines[{i}].sku")) else {
            break;
        };
        let value = |name: &str| fields.text(&format!("lines[{i}].{name}"));
        let sku = sku.trim().to_string();
        let item = match view.call_off.lines.iter().find(|l| l.sku.as_str() == sku) {
            Some(l) => Some((
                l.name.clone(),
                format!("{} {} ex VAT", l.unit_price, l.unit.label()),
                l.unit.usage_noun(),
            )),
            None => catalogue::item_by_sku(&state.app, &user.session.actor, &view.call_off.framework_id, &sku)
                .await
                .ok()
                .flatten()
                .map(|item| describe(&item)),
        };
        typed.push(TypedLine {
            quantity: value("quantity"),
            term: value("term_months"),
            usage: value("monthly_usage"),
            remove: value("remove") == "yes",
            sku,
            item,
        });
    }
    typed
}

/// The kept lines as the use case takes them, with each one's row; every number that does not
/// parse is named.
fn line_inputs(typed: &[TypedLine], errors: &mut Vec<FieldError>) -> Vec<(usize, LineInput)> {
    let mut lines = Vec::new();
    for (i, line) in typed.iter().enumerate() {
        if line.remove || line.sku.is_empty() {
            continue;
        }
        let mut number = |text: &str, name: &str, what: &str| {
            text.parse::<i64>()
                .map_err(|_| {
                    errors.push(FieldError::new(
                        format!("lines[{i}].{name}"),
                        format!("Enter the {what} as a whole number, like 12"),
                    ))
                })
                .ok()
        };
        let quantity = number(&line.quantity, "quantity", "quantity");
        let term = number(&line.term, "term_months", "term in months");
        let usage = if line.usage.is_empty() {
            Some(None)
        } else {
            number(&line.usage, "monthly_usage", "estimated monthly usage").map(Some)
        };
        if let (Some(quantity), Some(term_months), Some(monthly_usage)) = (quantity, term, usage) {
            lines.push((
                i,
                LineInput {
                    sku: line.sku.clone(),
                    quantity,
                    term_months,
                    monthly_usage,
                },
            ));
        }
    }
    lines
}

/// The use case's errors named by the row each was typed in, not its place among kept rows.
fn by_row(e: &calloff_app::AppError, lines: &[(usize, LineInput)]) -> Vec<FieldError> {
    e.field_errors()
        .into_iter()
        .map(|fe| {
            let renamed = lines.iter().enumerate().find_map(|(k, (row, _))| {
                fe.field
                    .strip_prefix(&format!("lines[{k}]"))
                    .map(|rest| format!("lines[{row}]{rest}"))
            });
            FieldError::new(renamed.unwrap_or(fe.field.clone()), fe.message)
        })
        .collect()
}

pub async fn submit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SignedInForm { user, fields }: SignedInForm,
) -> Response {
    let actor = &user.session.actor;
    let id = CallOffId::from_stored(id);
    let view = match variations::may_vary(&state.app, actor, &id).await {
        Ok(view) => view,
        Err(e) => return error_page(Some(actor), &e),
    };
    let mut typed = posted_lines(&state, &user, &view, &fields).await;
    // A form sent without naming a step varies the call-off, as this form always did.
    let action = Some(fields.text("action"))
        .filter(|a| !a.is_empty())
        .unwrap_or_else(|| "submit".into());
    let mut extras = Extras {
        search: fields.text("q"),
        reason: fields.text("reason"),
        ..Extras::default()
    };
    let mut errors = Vec::new();
    // Searching and adding keep what was typed and show the form again.
    if let Some(sku) = action.strip_prefix("add:") {
        match catalogue::item_by_sku(&state.app, actor, &view.call_off.framework_id, sku).await {
            Ok(Some(item)) if typed.len() < MAX_LINES => typed.push(TypedLine {
                sku: item.sku.to_string(),
                quantity: "1".into(),
                term: item.minimum_term_months.max(DEFAULT_TERM_MONTHS).to_string(),
                usage: String::new(),
                remove: false,
                item: Some(describe(&item)),
            }),
            Ok(Some(_)) => errors.push(FieldError::new(
                "lines",
                format!("A call-off can have at most {MAX_LINES} lines"),
            )),
            Ok(None) => errors.push(FieldError::new(
                "q",
                format!("{sku} is not on this framework's catalogue. Search again and choose an item from the list."),
            )),
            Err(e) => return error_page(Some(actor), &e),
        }
    }
    if action == "search" {
        extras.searched = true;
        if extras.search.is_empty() {
            errors.push(FieldError::new(
                "q",
                "Enter words to search the catalogue for, like SIM",
            ));
        } else {
            let request = SearchRequest {
                text: extras.search.clone(),
                page: 1,
                ..SearchRequest::default()
            };
            match catalogue::search(&state.app, actor, &view.call_off.framework_id, &request).await {
                Ok(results) => extras.results = results.items.iter().take(MAX_RESULTS).cloned().collect(),
                Err(e) if e.is_form_error() => errors.extend(e.field_errors()),
                Err(e) => return error_page(Some(actor), &e),
            }
        }
    }
    if action == "check" || action == "submit" {
        let lines = line_inputs(&typed, &mut errors);
        if errors.is_empty() {
            let inputs: Vec<LineInput> = lines.iter().map(|(_, l)| l.clone()).collect();
            if action == "submit" {
                match variations::vary_because(&state.app, actor, &id, &inputs, &extras.reason).await {
                    Ok(outcome) => {
                        let notice = match outcome {
                            variations::VariationOutcome::Applied(varied) if varied.variation.over_limit => {
                                "over-limit"
                            }
                            variations::VariationOutcome::Applied(_) => "1",
                            variations::VariationOutcome::AwaitingApproval(_) => "awaiting-approval",
                        };
                        return Redirect::to(&format!("/call-offs/{id}?varied={notice}")).into_response();
                    }
                    Err(e) if e.is_form_error() => errors.extend(by_row(&e, &lines)),
                    Err(e) => return error_page(Some(actor), &e),
                }
            }
            // Checking, or a submission refused: show what it would do, with its warning, so
            // the page shown again keeps its notice and its button.
            match variations::preview(&state.app, actor, &id, &inputs).await {
                Ok(preview) => extras.preview = Some(preview),
                Err(e) if e.is_form_error() => {
                    if errors.is_empty() {
                        errors.extend(by_row(&e, &lines));
                    }
                }
                Err(e) => return error_page(Some(actor), &e),
            }
        }
    }
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render(status, page(&user, &view, &typed, &extras, &errors))
}

#[cfg(test)]
mod tests {
    use super::signed_percent;

    #[test]
    fn changes_carry_their_sign() {
        assert_eq!(signed_percent(1250), "+12.50%");
        assert_eq!(signed_percent(-50), "-0.50%");
        assert_eq!(signed_percent(0), "0.00%");
    }
}
