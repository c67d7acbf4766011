//! Approvals: an approver's list of what awaits them, the decision page, and the organisation's
//! approval rules.

use super::{error_page, render, Fields};
use crate::html::{
    csrf_field, error_for, input, layout, short_date, success_banner, textarea, timestamp, Chrome, Input, Section,
};
use crate::pages::call_offs::details;
use crate::pages::quote::quote_table;
use crate::session::{PageUser, SignedInForm};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use calloff_app::approvals::{self, Decided, RequestView};
use calloff_app::call_offs::CallOffView;
use calloff_app::quotes::Quote;
use calloff_app::AppError;
use calloff_domain::approval::{ApprovalKind, ApprovalRules, Decision, Threshold, MAX_THRESHOLDS};
use calloff_domain::money::Money;
use calloff_domain::FieldError;
use maud::{html, Markup};
use serde::Deserialize;

/// Rows of thresholds the rules form offers (blank rows are ignored).
const FORM_ROWS: usize = 5;

#[derive(Deserialize)]
pub struct Notice {
    decided: Option<String>,
    saved: Option<String>,
}

fn kind_label(kind: ApprovalKind) -> &'static str {
    match kind {
        ApprovalKind::Submission => "New call-off",
        ApprovalKind::Variation => "Variation increase",
    }
}

pub async fn awaiting(State(state): State<AppState>, user: PageUser, Query(notice): Query<Notice>) -> Response {
    let actor = &user.session.actor;
    let awaiting = match approvals::awaiting(&state.app, actor).await {
        Ok(a) => a,
        Err(e) => return error_page(Some(actor), &e),
    };
    let chrome = Chrome {
        title: "Awaiting approval",
        actor: Some(actor),
        csrf_token: Some(&user.session.csrf_token),
        section: Section::Approvals,
        errors: &[],
    };
    let banner = match notice.decided.as_deref() {
        Some("placed") => Some("Approved. The call-off is placed and sent to the supplier."),
        Some("variation-applied") => Some("Approved. The variation is applied to the call-off."),
        Some("returned") => Some("Returned to the buyer, and its value released."),
        Some("recorded") => Some("Your approval is recorded. It needs another approver."),
        _ => None,
    };
    render(
        StatusCode::OK,
        layout(
            chrome,
            html! {
                @if let Some(banner) = banner { (success_banner(banner)) }
                h1 class="govuk-heading-l" { "Awaiting approval" }
                @if awaiting.is_empty() {
                    p class="govuk-body" { "Nothing from " (actor.organisation_name) " is waiting for approval." }
                } @else {
                    table class="govuk-table" {
                        caption class="govuk-table__caption govuk-table__caption--s govuk-visually-hidden" { "Requests awaiting approval" }
                        thead class="govuk-table__head" { tr class="govuk-table__row" {
                            th scope="col" class="govuk-table__header" { "Call-off" }
                            th scope="col" class="govuk-table__header" { "What" }
                            th scope="col" class="govuk-table__header govuk-table__header--numeric" { "Value (ex VAT)" }
                            th scope="col" class="govuk-table__header" { "Approvals" }
                            th scope="col" class="govuk-table__header" { "Expires" }
                            th scope="col" class="govuk-table__header" { "Your decision" }
                        } }
                        tbody class="govuk-table__body" {
                            @for a in &awaiting {
                                tr class="govuk-table__row" {
                                    td class="govuk-table__cell" { a class="govuk-link" href={ "/call-offs/" (a.call_off.id) } { (a.call_off.reference) } }
                                    td class="govuk-table__cell" { (kind_label(a.view.request.kind)) }
                                    td class="govuk-table__cell govuk-table__cell--numeric calloff-numeric" { (a.view.request.value) }
                                    td class="govuk-table__cell" { (a.view.approvals_given()) " of " (a.view.request.approvers_required) }
                                    td class="govuk-table__cell" { (short_date(&a.view.request.expires_at)) }
                                    td class="govuk-table__cell" {
                                        @match &a.blocked {
                                            None => a class="govuk-link" href={ "/approvals/" (a.view.request.id) } {
                                                "Decide" span class="govuk-visually-hidden" { " on " (a.call_off.reference) }
                                            },
                                            Some(why) => (why),
                                        }
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

fn decision_page(
    user: &PageUser,
    request: &RequestView,
    view: &CallOffView,
    errors: &[FieldError],
    decision: &str,
    comment: &str,
) -> Markup {
    let actor = &user.session.actor;
    let title = format!("Approval of {}", view.call_off.reference);
    let chrome = Chrome {
        title: &title,
        actor: Some(actor),
        csrf_token: Some(&user.session.csrf_token),
        section: Section::Approvals,
        errors,
    };
    let r = &request.request;
    let blocked = request.why_not_decide(actor, &view.call_off);
    let radio_error = error_for(errors, "decision");
    layout(
        chrome,
        html! {
            (crate::html::back_link("/approvals", "Back to awaiting approval"))
            span class="govuk-caption-l" { (kind_label(r.kind)) " for approval" }
            h1 class="govuk-heading-l" { (view.call_off.reference) }
            p class="govuk-body" {
                (kind_label(r.kind)) " of " strong { (r.value) } " excluding VAT, submitted " (timestamp(&r.requested_at))
                ". It needs " (calloff_domain::text::count(r.approvers_required, "approver", "approvers")) "; " (request.approvals_given()) " so far. It expires on " (short_date(&r.expires_at)) "."
            }
            @if let Some((lines, totals)) = request.proposed() {
                h2 class="govuk-heading-m" { "Proposed lines" }
                p class="govuk-body" { "Approving replaces the call-off's lines with these. The call-off as it stands follows." }
                (quote_table(&Quote {
                    framework_id: view.call_off.framework_id.clone(),
                    supplier_id: view.call_off.supplier_id.clone(),
                    lines,
                    totals,
                }))
                h2 class="govuk-heading-m" { "The call-off now" }
            }
            (details(view))
            @match blocked {
                Some(why) => p class="govuk-body" id="decision" { (why) "." },
                None => {
                    h2 class="govuk-heading-m" { "Your decision" }
                    form method="post" action={ "/approvals/" (r.id) "/decision" } novalidate {
                        (csrf_field(&user.session.csrf_token))
                        div class={ "govuk-form-group" @if radio_error.is_some() { " govuk-form-group--error" } } {
                            fieldset class="govuk-fieldset" aria-describedby=[radio_error.map(|_| "decision-error")] {
                                legend class="govuk-fieldset__legend govuk-fieldset__legend--s" { "Decision" }
                                @if let Some(e) = radio_error {
                                    p id="decision-error" class="govuk-error-message" { span class="govuk-visually-hidden" { "Error:" } " " (e) }
                                }
                                div class="govuk-radios" data-module="govuk-radios" {
                                    div class="govuk-radios__item" {
                                        input class="govuk-radios__input" id="decision" name="decision" type="radio" value="approve" checked[decision == "approve"];
                                        label class="govuk-label govuk-radios__label" for="decision" { "Approve" }
                                    }
                                    div class="govuk-radios__item" {
                                        input class="govuk-radios__input" id="decision-2" name="decision" type="radio" value="return" checked[decision == "return"];
                                        label class="govuk-label govuk-radios__label" for="decision-2" { "Return to the buyer" }
                                    }
                                }
                            }
                        }
                        (textarea("comment", "Comment", comment, Some("Required when you return it. The buyer and the audit record will see this."), error_for(errors, "comment")))
                        button type="submit" class="govuk-button" data-module="govuk-button" data-prevent-double-click="true" { "Record decision" }
                    }
                }
            }
        },
    )
}

pub async fn show(State(state): State<AppState>, user: PageUser, Path(id): Path<String>) -> Response {
    let actor = &user.session.actor;
    match approvals::get(&state.app, actor, &id).await {
        Ok((request, view)) => render(StatusCode::OK, decision_page(&user, &request, &view, &[], "", "")),
        Err(e) => error_page(Some(actor), &e),
    }
}

pub async fn decide(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SignedInForm { user, fields }: SignedInForm,
) -> Response {
    let actor = &user.session.actor;
    if let Err(e) = approvals::may_decide(actor) {
        return error_page(Some(actor), &e);
    }
    let (decision, comment) = (fields.text("decision"), fields.text("comment"));
    let result = match Decision::parse(&decision) {
        Ok(d) => approvals::decide(&state.app, actor, &id, d, &comment).await,
        Err(e) => Err(AppError::Invalid(e)),
    };
    match result {
        Ok(decided) => {
            let notice = match decided {
                Decided::Approved(ApprovalKind::Submission) => "placed",
                Decided::Approved(ApprovalKind::Variation) => "variation-applied",
                Decided::Returned => "returned",
                Decided::Recorded { .. } => "recorded",
            };
            Redirect::to(&format!("/approvals?decided={notice}")).into_response()
        }
        Err(e) if e.is_form_error() => match approvals::get(&state.app, actor, &id).await {
            Ok((request, view)) => render(
                StatusCode::UNPROCESSABLE_ENTITY,
                decision_page(&user, &request, &view, &e.field_errors(), &decision, &comment),
            ),
            Err(e) => error_page(Some(actor), &e),
        },
        Err(e) => error_page(Some(actor), &e),
    }
}

/// The rules form's rows as typed, so that a refused form shows them again.
struct TypedRules {
    rows: Vec<(String, String)>,
    expiry_days: String,
}

impl TypedRules {
    fn from_rules(rules: &ApprovalRules) -> Self {
        let mut rows: Vec<(String, String)> = rules
            .thresholds
            .iter()
            .map(|t| {
                (
                    format!("{}.{:02}", t.from_value.pence() / 100, t.from_value.pence() % 100),
                    t.approvers.to_string(),
                )
            })
            .collect();
        rows.resize(
            FORM_ROWS.max(rows.len() + 1).min(MAX_THRESHOLDS),
            (String::new(), String::new()),
        );
        TypedRules {
            rows,
            expiry_days: rules.expiry_days.to_string(),
        }
    }

    fn from_fields(fields: &Fields) -> Self {
        let mut rows: Vec<(String, String)> = (0..MAX_THRESHOLDS)
            .map(|i| {
                (
                    fields.text(&format!("thresholds[{i}].from_value")),
                    fields.text(&format!("thresholds[{i}].approvers")),
                )
            })
            .collect();
        let filled = rows
            .iter()
            .rposition(|(v, a)| !v.is_empty() || !a.is_empty())
            .map_or(0, |i| i + 1);
        rows.truncate(filled.max(FORM_ROWS));
        TypedRules {
            rows,
            expiry_days: fields.text("expiry_days"),
        }
    }

    /// Parses the rows; blank rows are ignored, and errors name the row's field.
    fn parse(&self) -> Result<ApprovalRules, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut thresholds = Vec::new();
        for (i, (value, approvers)) in self.rows.iter().enumerate() {
            if value.is_empty() && approvers.is_empty() {
                continue;
            }
            let from_value = Money::parse_pounds(value)
                .map_err(|e| FieldError::new(format!("thresholds[{i}].from_value"), format!("Value {e}")));
            let approvers = approvers.parse::<u32>().map_err(|_| {
                FieldError::new(
                    format!("thresholds[{i}].approvers"),
                    "Enter the number of approvers, 0 to 5",
                )
            });
            match (from_value, approvers) {
                (Ok(from_value), Ok(approvers)) => thresholds.push(Threshold { from_value, approvers }),
                (v, a) => errors.extend([v.err(), a.err()].into_iter().flatten()),
            }
        }
        let expiry_days = self.expiry_days.parse::<u32>().unwrap_or(0);
        match ApprovalRules::new(thresholds, expiry_days) {
            Ok(rules) if errors.is_empty() => Ok(rules),
            Ok(_) => Err(errors),
            Err(more) => {
                errors.extend(more);
                Err(errors)
            }
        }
    }
}

fn rules_page(
    user: &PageUser,
    rules: &ApprovalRules,
    typed: &TypedRules,
    errors: &[FieldError],
    saved: bool,
) -> Markup {
    let actor = &user.session.actor;
    let chrome = Chrome {
        title: "Approval rules",
        actor: Some(actor),
        csrf_token: Some(&user.session.csrf_token),
        section: Section::ApprovalRules,
        errors,
    };
    layout(
        chrome,
        html! {
            @if saved { (success_banner("Approval rules saved")) }
            h1 class="govuk-heading-l" { "Approval rules for " (actor.organisation_name) }
            p class="govuk-body" {
                "A call-off, or the increase of a variation, needs the number of distinct approvers set for the highest threshold at or below its value. "
                "Nobody approves their own call-off. Headroom is held from submission until approval, and released if it is returned, withdrawn or expires."
            }
            @if rules.thresholds.is_empty() {
                p class="govuk-body" id="current-rules" { "No approval is needed at any value." }
            } @else {
                table class="govuk-table" id="current-rules" {
                    caption class="govuk-table__caption govuk-table__caption--m" { "Current rules" }
                    thead class="govuk-table__head" { tr class="govuk-table__row" {
                        th scope="col" class="govuk-table__header" { "From (ex VAT)" }
                        th scope="col" class="govuk-table__header" { "Approvers needed" }
                    } }
                    tbody class="govuk-table__body" {
                        @for t in &rules.thresholds {
                            tr class="govuk-table__row" {
                                td class="govuk-table__cell" { (t.from_value) }
                                td class="govuk-table__cell" { @if t.approvers == 0 { "None" } @else { (t.approvers) } }
                            }
                        }
                    }
                }
                p class="govuk-body" { "A submission expires after " (rules.expiry_days) " days without the approvals it needs." }
            }
            @if approvals::may_set_rules(actor).is_ok() {
                h2 class="govuk-heading-m" { "Change the rules" }
                form method="post" action="/organisation/approval-rules" novalidate {
                    (csrf_field(&user.session.csrf_token))
                    @for (i, (value, approvers)) in typed.rows.iter().enumerate() {
                        fieldset class="govuk-fieldset govuk-!-margin-bottom-4" {
                            legend class="govuk-fieldset__legend govuk-fieldset__legend--s" { "Threshold " (i + 1) }
                            @let value_name = format!("thresholds[{i}].from_value");
                            @let approvers_name = format!("thresholds[{i}].approvers");
                            (input(Input {
                                error: error_for(errors, &value_name),
                                width_class: Some("govuk-input--width-10"),
                                hint: (i == 0).then_some("In pounds, for example 10000. Leave a row blank to skip it."),
                                spellcheck: Some(false),
                                ..Input::text(&value_name, "From value (£, ex VAT)", value)
                            }))
                            (input(Input {
                                error: error_for(errors, &approvers_name),
                                width_class: Some("govuk-input--width-2"),
                                numeric: true,
                                ..Input::text(&approvers_name, "Approvers needed", approvers)
                            }))
                        }
                    }
                    (input(Input {
                        error: error_for(errors, "expiry_days"),
                        width_class: Some("govuk-input--width-3"),
                        numeric: true,
                        hint: Some("A submission waiting longer than this expires and its value is released. 1 to 365."),
                        ..Input::text("expiry_days", "Days a submission may wait", &typed.expiry_days)
                    }))
                    button type="submit" class="govuk-button" data-module="govuk-button" { "Save rules" }
                }
            }
        },
    )
}

pub async fn rules(State(state): State<AppState>, user: PageUser, Query(notice): Query<Notice>) -> Response {
    let actor = &user.session.actor;
    match approvals::rules(&state.app, actor).await {
        Ok(rules) => render(
            StatusCode::OK,
            rules_page(
                &user,
                &rules,
                &TypedRules::from_rules(&rules),
                &[],
                notice.saved.is_some(),
            ),
        ),
        Err(e) => error_page(Some(actor), &e),
    }
}

pub async fn save_rules(State(state): State<AppState>, SignedInForm { user, fields }: SignedInForm) -> Response {
    let actor = &user.session.actor;
    if let Err(e) = approvals::may_set_rules(actor) {
        return error_page(Some(actor), &e);
    }
    let typed = TypedRules::from_fields(&fields);
    let result = match typed.parse() {
        Ok(rules) => approvals::set_rules(&state.app, actor, &rules).await,
        Err(errors) => Err(AppError::InvalidFields(errors)),
    };
    match result {
        Ok(()) => Redirect::to("/organisation/approval-rules?saved=1").into_response(),
        Err(e) if !e.field_errors().is_empty() => match approvals::rules(&state.app, actor).await {
            Ok(current) => render(
                StatusCode::UNPROCESSABLE_ENTITY,
                rules_page(&user, &current, &typed, &e.field_errors(), false),
            ),
            Err(e) => error_page(Some(actor), &e),
        },
        Err(e) => error_page(Some(actor), &e),
    }
}
