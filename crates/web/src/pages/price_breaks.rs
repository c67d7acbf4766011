//! Price breaks (demand bands, quantity tiers) entered as rows of "From quantity" and "Unit
//! price (£)", with empty rows to fill and, without JavaScript, an "Add another row" button
//! that shows the form again with one more.

use super::Fields;
use crate::html::{error_for, field_id};
use calloff_domain::pricing::{BreakRow, MAX_BREAKS};
use calloff_domain::FieldError;
use maud::{html, Markup};

/// Empty rows offered below the rows already filled in.
pub const SPARE_ROWS: usize = 2;
/// Fewest rows a form shows.
pub const MIN_ROWS: usize = 3;

/// Rows as posted under `{field}[i].from` and `{field}[i].{price_name}`, up to `{field}_rows`
/// rows (the form says how many it showed), plus one if `add_row` was pressed.
pub fn posted(fields: &Fields, field: &str, price_name: &str, add_row: bool) -> Vec<BreakRow> {
    let shown = fields
        .text(&format!("{field}_rows"))
        .parse::<usize>()
        .unwrap_or(MIN_ROWS)
        .clamp(1, MAX_BREAKS + SPARE_ROWS);
    let mut rows: Vec<BreakRow> = (0..shown)
        .map(|i| BreakRow {
            from: fields.text(&format!("{field}[{i}].from")),
            unit_price: fields.text(&format!("{field}[{i}].{price_name}")),
        })
        .collect();
    if add_row && rows.len() < MAX_BREAKS + SPARE_ROWS {
        rows.push(BreakRow::default());
    }
    rows
}

/// Filled rows followed by spare empty ones, at least [`MIN_ROWS`] in all.
pub fn with_spare_rows(mut rows: Vec<BreakRow>) -> Vec<BreakRow> {
    let wanted = (rows.len() + SPARE_ROWS).max(MIN_ROWS);
    rows.resize(wanted, BreakRow::default());
    rows
}

/// Where the rows are named and what they are called.
pub struct RowsForm<'a> {
    /// The rows' field name: `bands`, `changes[0].quantity_tiers`.
    pub field: &'a str,
    /// The price input's name within a row: `price`.
    pub price_name: &'a str,
    /// Each row's legend: "Band", "Tier".
    pub noun: &'a str,
    /// The value of the "Add another row" button (`action`), so the handler knows which.
    pub add_row_value: &'a str,
}

/// The rows, each a small group of two inputs, and the "Add another row" button.
pub fn rows_fieldset(form: &RowsForm<'_>, rows: &[BreakRow], errors: &[FieldError]) -> Markup {
    html! {
        input type="hidden" name={ (form.field) "_rows" } value=(rows.len());
        @for (i, row) in rows.iter().enumerate() {
            @let from_name = format!("{}[{i}].from", form.field);
            @let price_name = format!("{}[{i}].{}", form.field, form.price_name);
            @let from_error = error_for(errors, &from_name);
            @let price_error = error_for(errors, &price_name);
            @let failed = from_error.is_some() || price_error.is_some();
            @let group_id = field_id(&format!("{}[{i}]", form.field));
            div class={ "govuk-form-group" @if failed { " govuk-form-group--error" } } {
                fieldset class="govuk-fieldset" role="group" aria-describedby=[failed.then(|| format!("{group_id}-error"))] {
                    legend class="govuk-fieldset__legend govuk-fieldset__legend--s" { (form.noun) " " (i + 1) }
                    @if failed {
                        p class="govuk-error-message" id={ (group_id) "-error" } {
                            @for message in [from_error, price_error].into_iter().flatten() {
                                span class="govuk-visually-hidden" { "Error:" } " " (message) br;
                            }
                        }
                    }
                    div class="govuk-date-input" {
                        div class="govuk-date-input__item" {
                            div class="govuk-form-group" {
                                label class="govuk-label govuk-date-input__label" for=(field_id(&from_name)) { "From quantity" }
                                input class={ "govuk-input govuk-date-input__input govuk-input--width-5" @if from_error.is_some() { " govuk-input--error" } }
                                    id=(field_id(&from_name)) name=(from_name) value=[(!row.from.is_empty()).then_some(row.from.as_str())]
                                    type="text" inputmode="numeric" spellcheck="false";
                            }
                        }
                        div class="govuk-date-input__item" {
                            div class="govuk-form-group" {
                                label class="govuk-label govuk-date-input__label" for=(field_id(&price_name)) { "Unit price (£)" }
                                input class={ "govuk-input govuk-date-input__input govuk-input--width-5" @if price_error.is_some() { " govuk-input--error" } }
                                    id=(field_id(&price_name)) name=(price_name) value=[(!row.unit_price.is_empty()).then_some(row.unit_price.as_str())]
                                    type="text" inputmode="decimal" spellcheck="false";
                            }
                        }
                    }
                }
            }
        }
        @if rows.len() < MAX_BREAKS + SPARE_ROWS {
            button type="submit" name="action" value=(form.add_row_value) class="govuk-button govuk-button--secondary" data-module="govuk-button" {
                "Add another row" span class="govuk-visually-hidden" { " of " (form.noun.to_lowercase()) "s" }
            }
        }
    }
}
