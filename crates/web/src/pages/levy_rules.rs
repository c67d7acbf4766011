//! The framework's manager sets its management charge: a dated rule, flat, per lot or per
//! customer sector, entered as percentages.

use super::{error_page, render, Fields};
use crate::html::{basis_points, csrf_field, error_for, input, layout, Chrome, Input, Section};
use crate::session::{PageUser, SignedInForm};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use calloff_app::returns::levy;
use calloff_domain::framework::Lot;
use calloff_domain::ids::FrameworkId;
use calloff_domain::levy::{BasisPoints, LevyRates, LevyRule};
use calloff_domain::mi_return::Month;
use calloff_domain::FieldError;
use maud::{html, Markup};
use std::collections::BTreeMap;

const BASES: [(&str, &str, &str); 3] = [
    (
        "flat",
        "One rate for every line",
        "The same percentage of every invoice line",
    ),
    (
        "per_lot",
        "A rate for each lot",
        "Each lot's lines charged at its own rate",
    ),
    (
        "per_sector",
        "A rate for each customer sector",
        "Central government (NHS bodies and academy trusts) and the wider public sector",
    ),
];

fn lot_field(lot: u32) -> String {
    format!("lot_{lot}")
}

fn form(user: &PageUser, framework: &FrameworkId, lots: &[Lot], fields: &Fields, errors: &[FieldError]) -> Markup {
    let chrome = Chrome {
        title: "Set the management charge",
        actor: Some(&user.session.actor),
        csrf_token: Some(&user.session.csrf_token),
        section: Section::Frameworks,
        errors,
    };
    let basis = fields.text("basis");
    let rate = |name: &str, label: &str| {
        let value = fields.text(name);
        html! {
            (input(Input {
                error: error_for(errors, name),
                hint: None,
                width_class: Some("govuk-input--width-5"),
                numeric: true,
                spellcheck: Some(false),
                ..Input::text(name, label, &value)
            }))
        }
    };
    let basis_error = error_for(errors, "basis");
    layout(
        chrome,
        html! {
            a href={ "/frameworks/" (framework) "/returns#rules" } class="govuk-back-link" { "Back to MI returns" }
            h1 class="govuk-heading-l" { "Set the management charge" }
            p class="govuk-body" {
                "The supplier pays the management charge on what it invoices under the framework. "
                "Each month's return is charged by the rule in force on the month's first day, line by line, each line rounded to the penny."
            }
            p class="govuk-body" { "A new rule can start this month or later, so months already charged keep their rule." }
            form method="post" action={ "/frameworks/" (framework) "/levy-rules" } novalidate {
                (csrf_field(&user.session.csrf_token))
                (input(Input {
                    error: error_for(errors, "effective_from"),
                    hint: Some("Year and month, like 2027-01"),
                    width_class: Some("govuk-input--width-10"),
                    spellcheck: Some(false),
                    ..Input::text("effective_from", "First month the rule applies to", &fields.text("effective_from"))
                }))
                div class={ "govuk-form-group" @if basis_error.is_some() { " govuk-form-group--error" } } {
                    fieldset class="govuk-fieldset" aria-describedby=[basis_error.map(|_| "basis-error")] {
                        legend class="govuk-fieldset__legend govuk-fieldset__legend--s" { "How is the charge set?" }
                        @if let Some(error) = basis_error {
                            p id="basis-error" class="govuk-error-message" { span class="govuk-visually-hidden" { "Error:" } " " (error) }
                        }
                        div class="govuk-radios" data-module="govuk-radios" {
                            @for (i, (value, label, hint)) in BASES.iter().enumerate() {
                                @let id = if i == 0 { "basis".to_string() } else { format!("basis-{}", i + 1) };
                                @let conditional = format!("conditional-{id}");
                                div class="govuk-radios__item" {
                                    input class="govuk-radios__input" id=(id) name="basis" type="radio" value=(value)
                                        checked[basis == *value] data-aria-controls=(conditional) aria-describedby={ (id) "-item-hint" };
                                    label class="govuk-label govuk-radios__label" for=(id) { (label) }
                                    div id={ (id) "-item-hint" } class="govuk-hint govuk-radios__hint" { (hint) }
                                }
                                div class="govuk-radios__conditional govuk-radios__conditional--hidden" id=(conditional) {
                                    @match *value {
                                        "flat" => { (rate("rate", "Rate (%)")) }
                                        "per_lot" => {
                                            @for lot in lots {
                                                (rate(&lot_field(lot.number), &format!("Lot {}: {} (%)", lot.number, lot.title)))
                                            }
                                        }
                                        _ => {
                                            (rate("central_government", "Central government (%)"))
                                            (rate("wider_public_sector", "Wider public sector (%)"))
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                button type="submit" class="govuk-button" data-module="govuk-button" data-prevent-double-click="true" { "Add the rule" }
            }
        },
    )
}

pub async fn new_form(State(state): State<AppState>, user: PageUser, Path(id): Path<String>) -> Response {
    let actor = &user.session.actor;
    let framework_id = FrameworkId::from_stored(id);
    match levy::may_set_rules(&state.app, actor, &framework_id).await {
        Ok(record) => {
            let next_month = Month::of(state.app.today()).next().to_string();
            let fields = Fields(vec![("effective_from".into(), next_month)]);
            render(
                StatusCode::OK,
                form(&user, &framework_id, &record.framework.lots, &fields, &[]),
            )
        }
        Err(e) => error_page(Some(actor), &e),
    }
}

pub async fn add(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SignedInForm { user, fields }: SignedInForm,
) -> Response {
    let actor = &user.session.actor;
    let framework_id = FrameworkId::from_stored(id);
    let record = match levy::may_set_rules(&state.app, actor, &framework_id).await {
        Ok(record) => record,
        Err(e) => return error_page(Some(actor), &e),
    };
    let lots = &record.framework.lots;
    let outcome = match typed_rule(&fields, lots) {
        Ok(rule) => levy::add_rule(&state.app, actor, &framework_id, &rule).await,
        Err(errors) => Err(calloff_app::AppError::fields(errors)),
    };
    match outcome {
        Ok(()) => Redirect::to(&format!("/frameworks/{framework_id}/returns?added=rule#rules")).into_response(),
        Err(e) if !e.field_errors().is_empty() => render(
            StatusCode::UNPROCESSABLE_ENTITY,
            form(&user, &framework_id, lots, &fields, &e.field_errors()),
        ),
        Err(e) => error_page(Some(actor), &e),
    }
}

/// The rule the form asks for, naming every field at fault.
fn typed_rule(fields: &Fields, lots: &[Lot]) -> Result<LevyRule, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut rate = |name: &str, label: &str| -> Option<BasisPoints> {
        let typed = fields.text(name);
        let bp = if typed.is_empty() {
            errors.push(FieldError::new(name, format!("Enter the rate for {label}, like 1.5")));
            return None;
        } else {
            basis_points(typed.trim_end_matches('%').trim())
        };
        match bp.map(|bp| BasisPoints::new(name, bp)) {
            Some(Ok(bp)) => Some(bp),
            _ => {
                errors.push(FieldError::new(
                    name,
                    format!("Enter the rate for {label} as a percentage from 0 to 100 with at most two decimal places, like 1.5"),
                ));
                None
            }
        }
    };
    let rates = match fields.text("basis").as_str() {
        "flat" => rate("rate", "every line").map(|rate| LevyRates::Flat { rate }),
        "per_lot" => {
            let rates: BTreeMap<u32, BasisPoints> = lots
                .iter()
                .filter_map(|lot| {
                    Some((
                        lot.number,
                        rate(&lot_field(lot.number), &format!("lot {}", lot.number))?,
                    ))
                })
                .collect();
            (rates.len() == lots.len()).then_some(LevyRates::PerLot { rates })
        }
        "per_sector" => {
            let central = rate("central_government", "central government");
            let wider = rate("wider_public_sector", "the wider public sector");
            central
                .zip(wider)
                .map(|(central_government, wider_public_sector)| LevyRates::PerSector {
                    central_government,
                    wider_public_sector,
                })
        }
        _ => {
            errors.push(FieldError::new("basis", "Choose how the charge is set"));
            None
        }
    };
    let effective_from = match Month::parse("effective_from", &fields.text("effective_from")) {
        Ok(month) => Some(month.first_day()),
        Err(_) => {
            errors.push(FieldError::new(
                "effective_from",
                "Enter the first month as year and month, like 2027-01",
            ));
            None
        }
    };
    match (effective_from, rates) {
        (Some(from), Some(rates)) if errors.is_empty() => LevyRule::new(from, rates).map_err(|e| vec![e]),
        _ => Err(errors),
    }
}
