//! MI return pages: a framework's returns (the supplier's own, or all of them with the levy by
//! month for the manager and auditors), and one return with its rows, totals and charge, where
//! the supplier submits it, declares no business, or submits a correction.

use super::{error_page, render};
use crate::html::{csrf_field, error_for, layout, success_banner, summary_list, timestamp, Chrome, Section};
use crate::session::{PageUser, SignedInForm};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use calloff_app::returns::{self, levy, LevyMonth, ReturnAccess, ReturnSummary, ReturnView};
use calloff_app::AppError;
use calloff_domain::ids::{FrameworkId, ReturnId};
use calloff_domain::levy::LevyRule;
use calloff_domain::mi_return::{ReturnStanding, VersionKind};
use calloff_domain::FieldError;
use maud::{html, Markup};
use serde::Deserialize;

fn standing_tag(standing: ReturnStanding, late: bool) -> Markup {
    let colour = match standing {
        ReturnStanding::Late => "govuk-tag--red",
        ReturnStanding::Due => "govuk-tag--blue",
        ReturnStanding::Submitted | ReturnStanding::NoBusiness => "govuk-tag--green",
    };
    html! {
        strong class={ "govuk-tag " (colour) } { (standing.label()) }
        @if late && standing != ReturnStanding::Late { " " strong class="govuk-tag govuk-tag--orange" { "Submitted late" } }
    }
}

use crate::dates::date as long_date;

/// A framework's returns: the supplier's own, or all of them (late first) and the levy by
/// month for the manager and auditors.
#[derive(Deserialize, Default)]
pub struct ListQuery {
    added: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Query(query): Query<ListQuery>,
) -> Response {
    let actor = &user.session.actor;
    let id = FrameworkId::from_stored(id);
    let list = match returns::for_framework(&state.app, actor, &id).await {
        Ok(list) => list,
        Err(e) => return error_page(Some(actor), &e),
    };
    let levy = match returns::levy_by_month(&state.app, actor, &id).await {
        Ok(months) => Some(months),
        Err(AppError::Forbidden(_)) => None,
        Err(e) => return error_page(Some(actor), &e),
    };
    let rules = match levy::rules(&state.app, actor, &id).await {
        Ok(rules) => rules,
        Err(e) => return error_page(Some(actor), &e),
    };
    let banner = (query.added.as_deref() == Some("rule")).then_some("Management charge rule added");
    render(
        StatusCode::OK,
        list_page(&user, &id, &list, levy.as_deref(), &rules, banner),
    )
}

fn list_page(
    user: &PageUser,
    framework: &FrameworkId,
    list: &[ReturnSummary],
    levy: Option<&[LevyMonth]>,
    rules: &[LevyRule],
    banner: Option<&str>,
) -> Markup {
    let chrome = Chrome {
        title: "MI returns",
        actor: Some(&user.session.actor),
        csrf_token: Some(&user.session.csrf_token),
        section: Section::Frameworks,
        errors: &[],
    };
    let late = list.iter().filter(|r| r.standing == ReturnStanding::Late).count();
    layout(
        chrome,
        html! {
            a href={ "/frameworks/" (framework) } class="govuk-back-link" { "Back to the framework" }
            @if let Some(b) = banner { (success_banner(b)) }
            h1 class="govuk-heading-l" { "MI returns" }
            p class="govuk-body" {
                "Each month's return is made from the invoices and credit notes issued in the month (disputed invoices are left out). "
                "It is due on the 5th working day after the month ends; weekends and England and Wales bank holidays do not count."
            }
            @if late > 0 {
                div class="govuk-warning-text" {
                    span class="govuk-warning-text__icon" aria-hidden="true" { "!" }
                    strong class="govuk-warning-text__text" {
                        span class="govuk-visually-hidden" { "Warning" }
                        @if late == 1 { "1 return is late." } @else { (late) " returns are late." }
                    }
                }
            }
            @if levy.is_none() {
                p class="govuk-body" {
                    a class="govuk-link" href={ "/frameworks/" (framework) "/returns/import" } { "Upload a month's return from a CSV or XLSX file" }
                    " if you invoice outside calloff."
                }
            }
            @if list.is_empty() {
                p class="govuk-body" { "No returns are due yet: the first is for the month the framework came onto calloff, once that month ends." }
            } @else {
                div class="calloff-table-scroll" {
                    table class="govuk-table" id="returns" {
                        caption class="govuk-table__caption govuk-table__caption--m" { "Returns, late ones first" }
                        thead class="govuk-table__head" { tr class="govuk-table__row" {
                            th scope="col" class="govuk-table__header" { "Month" }
                            th scope="col" class="govuk-table__header" { "Supplier" }
                            th scope="col" class="govuk-table__header" { "Due" }
                            th scope="col" class="govuk-table__header" { "Status" }
                            th scope="col" class="govuk-table__header govuk-table__header--numeric" { "Invoiced" }
                            th scope="col" class="govuk-table__header govuk-table__header--numeric" { "Charge" }
                        } }
                        tbody class="govuk-table__body" {
                            @for r in list {
                                tr class="govuk-table__row" {
                                    td class="govuk-table__cell" {
                                        a class="govuk-link" href={ "/returns/" (r.record.id) } { (r.record.month.label()) }
                                    }
                                    td class="govuk-table__cell" { (r.supplier_name) }
                                    td class="govuk-table__cell" { (long_date(r.record.due_on)) }
                                    td class="govuk-table__cell" { (standing_tag(r.standing, r.submitted_late)) }
                                    td class="govuk-table__cell govuk-table__cell--numeric calloff-numeric" {
                                        @match r.totals { Some(t) => (t.value), None => "" }
                                    }
                                    td class="govuk-table__cell govuk-table__cell--numeric calloff-numeric" {
                                        @match r.totals { Some(t) => (t.charge), None => "" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            h2 class="govuk-heading-m" id="rules" { "Management charge rules" }
            @if rules.is_empty() {
                p class="govuk-body" { "No management charge is set for this framework." }
            } @else {
                p class="govuk-body" { "Each month is charged by the rule in force on its first day, line by line, each line rounded to the penny." }
                ul class="govuk-list govuk-list--bullet" {
                    @for rule in rules {
                        li { "From " (long_date(rule.effective_from)) ": " (rule.describe()) }
                    }
                }
            }
            @if levy.is_some() && user.session.actor.has(calloff_domain::role::Role::FrameworkManager) {
                p class="govuk-body" {
                    a class="govuk-link" href={ "/frameworks/" (framework) "/levy-rules/new" } { "Set a new management charge rule" }
                }
            }
            @if let Some(levy) = levy {
                h2 class="govuk-heading-m" id="levy" { "Management charge by month" }
                @if levy.is_empty() {
                    p class="govuk-body" { "No return has been submitted yet." }
                } @else {
                    table class="govuk-table" id="levy-by-month" {
                        caption class="govuk-visually-hidden" { "Management charge raised by month" }
                        thead class="govuk-table__head" { tr class="govuk-table__row" {
                            th scope="col" class="govuk-table__header" { "Month" }
                            th scope="col" class="govuk-table__header govuk-table__header--numeric" { "Returns" }
                            th scope="col" class="govuk-table__header govuk-table__header--numeric" { "Charge raised" }
                        } }
                        tbody class="govuk-table__body" {
                            @for m in levy {
                                tr class="govuk-table__row" {
                                    td class="govuk-table__cell" { (m.month.label()) }
                                    td class="govuk-table__cell govuk-table__cell--numeric" { (m.returns) }
                                    td class="govuk-table__cell govuk-table__cell--numeric calloff-numeric" { (m.charged) }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

#[derive(Deserialize, Default)]
pub struct ShowQuery {
    version: Option<i64>,
    after: Option<i64>,
    done: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Query(query): Query<ShowQuery>,
) -> Response {
    let actor = &user.session.actor;
    let id = ReturnId::from_stored(id);
    match returns::view(
        &state.app,
        actor,
        &id,
        query.version,
        query.after.unwrap_or(0),
        returns::PAGE_ROWS,
    )
    .await
    {
        Ok(view) => render(StatusCode::OK, show_page(&user, &view, query.done.as_deref(), &[])),
        Err(e) => error_page(Some(actor), &e),
    }
}

/// The confirmation every submission asks for.
const CONFIRM: &str = "confirm";

/// What a posted form does.
#[derive(Clone, Copy)]
enum Act {
    Submit,
    NoBusiness,
    Correct,
}

impl Act {
    /// The last segment of the form's action, which also names its confirmation checkbox.
    fn action(self) -> &'static str {
        match self {
            Act::Submit => "submit",
            Act::NoBusiness => "no-business",
            Act::Correct => "correction",
        }
    }
}

async fn act(state: AppState, id: String, form: SignedInForm, what: Act) -> Response {
    let SignedInForm { user, fields } = form;
    let actor = &user.session.actor;
    let id = ReturnId::from_stored(id);
    if let Err(e) = returns::may_act(&state.app, actor, &id).await {
        return error_page(Some(actor), &e);
    }
    let done = if fields.text(CONFIRM) != "yes" {
        // Named after the form's own checkbox, as the page has one per form.
        Err(AppError::invalid(
            format!("{CONFIRM}-{}", what.action()),
            match what {
                Act::NoBusiness => "Confirm that you invoiced nothing under the framework in the month",
                Act::Submit | Act::Correct => "Confirm that the return is complete and correct",
            },
        ))
    } else {
        match what {
            Act::Submit => returns::submit(&state.app, actor, &id).await,
            Act::NoBusiness => returns::declare_no_business(&state.app, actor, &id).await,
            Act::Correct => returns::correct(&state.app, actor, &id).await,
        }
    };
    match done {
        Ok(version) => Redirect::to(&format!("/returns/{id}?done={}", version.kind.as_str())).into_response(),
        // Bad input, and refusals that name what is wrong with the return (its rows, its
        // status), are shown on the return page itself.
        Err(e) if e.is_form_error() || matches!(e, AppError::Conflict(_)) => {
            let status = if e.is_form_error() {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::CONFLICT
            };
            match returns::view(&state.app, actor, &id, None, 0, returns::PAGE_ROWS).await {
                Ok(view) => render(status, show_page(&user, &view, None, &e.field_errors())),
                Err(e) => error_page(Some(actor), &e),
            }
        }
        Err(e) => error_page(Some(actor), &e),
    }
}

pub async fn submit(State(state): State<AppState>, Path(id): Path<String>, form: SignedInForm) -> Response {
    act(state, id, form, Act::Submit).await
}

pub async fn no_business(State(state): State<AppState>, Path(id): Path<String>, form: SignedInForm) -> Response {
    act(state, id, form, Act::NoBusiness).await
}

pub async fn correct(State(state): State<AppState>, Path(id): Path<String>, form: SignedInForm) -> Response {
    act(state, id, form, Act::Correct).await
}

#[derive(Deserialize, Default)]
pub struct VersionQuery {
    version: Option<i64>,
}

/// A version's management charge document as UBL, downloaded with the page session.
pub async fn levy_invoice(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Query(query): Query<VersionQuery>,
) -> Response {
    let actor = &user.session.actor;
    match levy::document(&state.app, actor, &ReturnId::from_stored(id), query.version).await {
        Ok((number, xml)) => crate::api::returns::xml_named(&number, xml),
        Err(e) => error_page(Some(actor), &e),
    }
}

/// A form with the confirmation checkbox and one button.
fn confirm_form(
    user: &PageUser,
    id: &ReturnId,
    action: &str,
    label: &str,
    button: &str,
    errors: &[FieldError],
    warning: bool,
) -> Markup {
    let input_id = format!("{CONFIRM}-{action}");
    let error = error_for(errors, &input_id);
    html! {
        form method="post" action={ "/returns/" (id) "/" (action) } novalidate {
            (csrf_field(&user.session.csrf_token))
            div class={ "govuk-form-group" @if error.is_some() { " govuk-form-group--error" } } {
                @if let Some(e) = error {
                    p class="govuk-error-message" id={ (input_id) "-error" } { span class="govuk-visually-hidden" { "Error:" } " " (e) }
                }
                div class="govuk-checkboxes govuk-checkboxes--small" data-module="govuk-checkboxes" {
                    div class="govuk-checkboxes__item" {
                        input class="govuk-checkboxes__input" id=(input_id) name=(CONFIRM) type="checkbox" value="yes"
                            aria-describedby=[error.map(|_| format!("{input_id}-error"))];
                        label class="govuk-label govuk-checkboxes__label" for=(input_id) { (label) }
                    }
                }
            }
            button type="submit" class={ "govuk-button" @if warning { " govuk-button--secondary" } } data-module="govuk-button" data-prevent-double-click="true" { (button) }
        }
    }
}

fn show_page(user: &PageUser, v: &ReturnView, done: Option<&str>, errors: &[FieldError]) -> Markup {
    let r = &v.record;
    let title = format!("MI return for {}", r.month.label());
    let chrome = Chrome {
        title: &title,
        actor: Some(&user.session.actor),
        csrf_token: Some(&user.session.csrf_token),
        section: Section::Frameworks,
        errors,
    };
    let banner = match done {
        Some("submission") => Some("Return submitted; the management charge has been raised"),
        Some("correction") => Some("Correction submitted; the charge difference has been raised"),
        Some("no_business") => Some("No business declared for the month"),
        Some("imported") => Some("File imported as the month's return; the management charge has been raised"),
        _ => None,
    };
    let shown_label = if v.version == 0 {
        "As the invoices stand now (not yet submitted)".to_string()
    } else if v.version == r.version {
        format!("Version {} (current)", v.version)
    } else {
        format!("Version {} (replaced)", v.version)
    };
    let version_param = if v.version == 0 {
        String::new()
    } else {
        format!("version={}&", v.version)
    };
    layout(
        chrome,
        html! {
            a href={ "/frameworks/" (r.framework_id) "/returns" } class="govuk-back-link" { "Back to MI returns" }
            @if let Some(b) = banner { (success_banner(b)) }
            span class="govuk-caption-l" { (v.supplier_name) ", " (v.framework_reference) }
            h1 class="govuk-heading-l" { (title) }
            (summary_list(&[
                ("Reference", html! { (r.reference) }),
                ("Status", standing_tag(v.standing, v.submitted_late)),
                ("Due", html! { (long_date(r.due_on)) }),
                ("Management charge rule", html! {
                    @match &v.rule {
                        Some(rule) => { (rule.describe()) ", from " (long_date(rule.effective_from)) },
                        None => "No rule is in force for this month, so nothing is charged",
                    }
                }),
                ("Showing", html! { (shown_label) }),
            ]))
            h2 class="govuk-heading-m" id="totals" { "Totals" }
            (summary_list(&[
                ("Lines", html! { (v.totals.rows) }),
                ("Invoiced, net of credit notes (ex VAT)", html! { (v.totals.value) }),
                ("VAT", html! { (v.totals.vat) }),
                ("Management charge", html! { (v.totals.charge) }),
            ]))
            @if let Some(c) = v.correction {
                div class="govuk-inset-text" id="correction" {
                    p class="govuk-body" {
                        "The month's invoices have changed since this return was submitted. A correction would hold "
                        (c.totals.rows) " lines worth " (c.totals.value) " with a charge of " (c.totals.charge) ": "
                        @if c.charge_difference.pence() >= 0 {
                            "a difference of " (c.charge_difference) ", invoiced to you."
                        } @else {
                            "a difference of " (c.charge_difference) ", credited to you."
                        }
                    }
                }
            }
            h2 class="govuk-heading-m" id="rows" { "Lines" }
            @if v.rows.is_empty() {
                p class="govuk-body" { "No invoices or credit notes were issued under the framework in " (r.month.label()) "." }
            } @else {
                div class="calloff-table-scroll" {
                    table class="govuk-table" id="return-rows" {
                        caption class="govuk-table__caption govuk-table__caption--s" {
                            "Lines " (v.first_row) " to " (v.first_row + i64::try_from(v.rows.len()).unwrap_or(0) - 1) " of " (v.totals.rows)
                        }
                        thead class="govuk-table__head" { tr class="govuk-table__row" {
                            th scope="col" class="govuk-table__header" { "Invoice" }
                            th scope="col" class="govuk-table__header" { "Call-off" }
                            th scope="col" class="govuk-table__header" { "Customer" }
                            th scope="col" class="govuk-table__header" { "Lot" }
                            th scope="col" class="govuk-table__header" { "Item and CPV" }
                            th scope="col" class="govuk-table__header govuk-table__header--numeric" { "Quantity" }
                            th scope="col" class="govuk-table__header govuk-table__header--numeric" { "Unit price" }
                            th scope="col" class="govuk-table__header govuk-table__header--numeric" { "Value" }
                            th scope="col" class="govuk-table__header govuk-table__header--numeric" { "VAT" }
                            th scope="col" class="govuk-table__header govuk-table__header--numeric" { "Charge" }
                        } }
                        tbody class="govuk-table__body" {
                            @for row in &v.rows {
                                tr class="govuk-table__row" {
                                    td class="govuk-table__cell" {
                                        a class="govuk-link" href={ "/invoices/" (row.invoice_id) } {
                                            @if row.invoice_kind == "credit_note" { "Credit note " } @else { "Invoice " }
                                            (row.invoice_number)
                                        }
                                    }
                                    td class="govuk-table__cell" { (row.call_off_reference) }
                                    td class="govuk-table__cell" {
                                        (row.customer_name) br; span class="govuk-hint" { (row.customer_org_id) ", " (row.customer_kind.replace('_', " ")) }
                                    }
                                    td class="govuk-table__cell" { (row.lot_number) }
                                    td class="govuk-table__cell" { (row.sku) br; span class="govuk-hint" { (row.cpv) } }
                                    td class="govuk-table__cell govuk-table__cell--numeric" { (row.quantity) }
                                    td class="govuk-table__cell govuk-table__cell--numeric calloff-numeric" { (row.unit_price) }
                                    td class="govuk-table__cell govuk-table__cell--numeric calloff-numeric" { (row.value) }
                                    td class="govuk-table__cell govuk-table__cell--numeric calloff-numeric" { (row.vat) }
                                    td class="govuk-table__cell govuk-table__cell--numeric calloff-numeric" {
                                        (row.charge) br; span class="govuk-hint" { (crate::html::percent(row.rate_bp)) }
                                    }
                                }
                            }
                        }
                    }
                }
                nav class="govuk-pagination" aria-label="Lines" {
                    @if v.first_row > 1 {
                        div class="govuk-pagination__prev" {
                            a class="govuk-link govuk-pagination__link" href={ "/returns/" (r.id) "?" (version_param) "after=" ((v.first_row - 1 - returns::PAGE_ROWS).max(0)) } rel="prev" {
                                span class="govuk-pagination__link-title" { "Previous lines" }
                            }
                        }
                    }
                    @if let Some(after) = v.next_after {
                        div class="govuk-pagination__next" {
                            a class="govuk-link govuk-pagination__link" href={ "/returns/" (r.id) "?" (version_param) "after=" (after) } rel="next" {
                                span class="govuk-pagination__link-title" { "Next lines" }
                            }
                        }
                    }
                }
            }
            @if v.you_may_submit {
                h2 class="govuk-heading-m" { "Submit the return" }
                p class="govuk-body" { "Submitting raises the management charge of " (v.totals.charge) " as an invoice from the managing authority." }
                (confirm_form(user, &r.id, "submit", "I confirm the return is complete and correct", "Submit return", errors, false))
            }
            @if v.you_may_declare_no_business {
                h2 class="govuk-heading-m" { "No business this month" }
                (confirm_form(user, &r.id, "no-business", "I confirm we invoiced nothing under the framework this month", "Declare no business", errors, true))
            } @else if v.you_may_submit && error_for(errors, "rows").is_some() {
                p class="govuk-body" { "You cannot declare no business: the month has invoices." }
            }
            @if v.you_may_correct {
                h2 class="govuk-heading-m" { "Submit a correction" }
                p class="govuk-body" { "The correction replaces the current version, which is kept. The charge difference is invoiced or credited." }
                (confirm_form(user, &r.id, "correction", "I confirm the corrected return is complete and correct", "Submit a correction", errors, false))
            }
            @if !v.versions.is_empty() {
                h2 class="govuk-heading-m" id="versions" { "Versions" }
                div class="calloff-table-scroll" {
                    table class="govuk-table" {
                        caption class="govuk-visually-hidden" { "Versions of this return" }
                        thead class="govuk-table__head" { tr class="govuk-table__row" {
                            th scope="col" class="govuk-table__header" { "Version" }
                            th scope="col" class="govuk-table__header" { "Submitted" }
                            th scope="col" class="govuk-table__header govuk-table__header--numeric" { "Charge" }
                            th scope="col" class="govuk-table__header govuk-table__header--numeric" { "Difference" }
                            th scope="col" class="govuk-table__header" { "Charge document" }
                        } }
                        tbody class="govuk-table__body" {
                            @for x in &v.versions {
                                tr class="govuk-table__row" {
                                    td class="govuk-table__cell" {
                                        a class="govuk-link" href={ "/returns/" (r.id) "?version=" (x.version) } {
                                            (x.version) ": " (match x.kind {
                                                VersionKind::Submission => "submission",
                                                VersionKind::Correction => "correction",
                                                VersionKind::NoBusiness => "no business",
                                            })
                                        }
                                    }
                                    td class="govuk-table__cell" { (timestamp(&x.submitted_at)) }
                                    td class="govuk-table__cell govuk-table__cell--numeric calloff-numeric" { (x.totals.charge) }
                                    td class="govuk-table__cell govuk-table__cell--numeric calloff-numeric" { (x.charge_difference) }
                                    td class="govuk-table__cell" {
                                        @match &x.levy_document {
                                            Some((kind, number)) => {
                                                a class="govuk-link" href={ "/returns/" (r.id) "/levy-invoice?version=" (x.version) } {
                                                    @if kind == "invoice" { "Invoice " } @else { "Credit note " } (number) " (UBL)"
                                                }
                                            },
                                            None => "None: the charge did not change",
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if v.access == ReturnAccess::Reader {
                p class="govuk-body" { "You can read this return; only the supplier's users submit it." }
            }
        },
    )
}
