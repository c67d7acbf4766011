//! Call-off pages for buyers and suppliers: lists, the call-off page, and decisions.

use super::{error_page, render};
use crate::html::{
    csrf_field, date_input, layout, percent, short_date, state_tag, success_banner, summary_list, textarea, timestamp,
    Chrome, Section, TypedDate,
};
use crate::pages::quote::quote_table;
use crate::session::{PageUser, SignedInForm};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use calloff_app::approvals;
use calloff_app::call_offs::{self, CallOffAction, CallOffView};
use calloff_app::quotes::Quote;
use calloff_domain::approval::{ApprovalKind, ApprovalStatus, Decision};
use calloff_domain::call_off::CallOffState;
use calloff_domain::ids::CallOffId;
use calloff_domain::role::Role;
use calloff_domain::FieldError;
use maud::{html, Markup};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct ListQuery {
    before: Option<String>,
    placed: Option<String>,
    varied: Option<String>,
    approval: Option<String>,
    /// The action just taken, for its success banner.
    done: Option<String>,
}

impl ListQuery {
    /// A cursor that does not parse starts from the newest, rather than failing the page.
    fn before(&self) -> Option<i64> {
        self.before.as_deref().and_then(|b| b.parse().ok())
    }

    fn just_placed(&self) -> bool {
        self.placed.as_deref() == Some("1")
    }
}

/// What the success banner says after an action on the call-off.
fn done_banner(done: &str) -> Option<&'static str> {
    Some(match done {
        "accept" => "Call-off accepted. The buyer has been told.",
        "reject" => "Call-off rejected. The buyer has been told, and its value is released.",
        "cancel" => "Call-off cancelled, and its value released.",
        "go_live" => "Call-off marked as live.",
        "end" => "Call-off ended.",
        "terminate" => "Call-off terminated early. Its value is recomputed to the end date and the rest released.",
        "milestone" => "Milestone recorded.",
        _ => return None,
    })
}

pub(crate) fn list_table(views: &[CallOffView], show_buyer: bool) -> Markup {
    html! {
        table class="govuk-table" {
            caption class="govuk-table__caption govuk-table__caption--s govuk-visually-hidden" { "Call-offs" }
            thead class="govuk-table__head" {
                tr class="govuk-table__row" {
                    th scope="col" class="govuk-table__header" { "Reference" }
                    th scope="col" class="govuk-table__header" { @if show_buyer { "Buyer" } @else { "Supplier" } }
                    th scope="col" class="govuk-table__header" { "Placed" }
                    th scope="col" class="govuk-table__header" { "Status" }
                    th scope="col" class="govuk-table__header govuk-table__header--numeric" { "Contract value (ex VAT)" }
                }
            }
            tbody class="govuk-table__body" {
                @for v in views {
                    tr class="govuk-table__row" {
                        td class="govuk-table__cell" { a class="govuk-link" href={ "/call-offs/" (v.call_off.id) } { (v.call_off.reference) } }
                        td class="govuk-table__cell" { @if show_buyer { (v.buyer.name) } @else { (v.supplier.name) } }
                        td class="govuk-table__cell" { (short_date(&v.call_off.placed_at)) }
                        td class="govuk-table__cell" { (state_tag(v.call_off.state)) }
                        td class="govuk-table__cell govuk-table__cell--numeric calloff-numeric" { (v.call_off.totals.contract_value) }
                    }
                }
            }
        }
    }
}

async fn list_page(state: &AppState, user: &PageUser, before: Option<i64>, supplier: bool) -> Response {
    let actor = &user.session.actor;
    let (views, next) = match call_offs::list_views(&state.app, actor, before).await {
        Ok(page) => page,
        Err(e) => return error_page(Some(actor), &e),
    };
    // The framework manager's and auditors' way to every customer's call-offs.
    let registers = match calloff_app::register::readable_frameworks(&state.app, actor).await {
        Ok(frameworks) => frameworks,
        Err(e) => return error_page(Some(actor), &e),
    };
    let (title, section) = if supplier {
        ("Supplier inbox", Section::Inbox)
    } else {
        ("Your organisation's call-offs", Section::CallOffs)
    };
    let path = if supplier { "/supplier/inbox" } else { "/call-offs" };
    let chrome = Chrome {
        title,
        actor: Some(actor),
        csrf_token: Some(&user.session.csrf_token),
        section,
        errors: &[],
    };
    render(
        StatusCode::OK,
        layout(
            chrome,
            html! {
                h1 class="govuk-heading-l" { (title) }
                @if supplier {
                    p class="govuk-body" { "Call-offs addressed to " (actor.organisation_name) ". Accept or reject each placed call-off." }
                    p class="govuk-body" { a class="govuk-link" href="/invoices/upload" { "Send a UBL invoice or credit note" } }
                }
                @if !registers.is_empty() {
                    h2 class="govuk-heading-m" { "Call-offs under each framework" }
                    ul class="govuk-list" {
                        @for f in &registers {
                            li { a class="govuk-link" href={ "/frameworks/" (f.id) "/call-offs" } { "Every call-off under " (f.reference) ": " (f.title) } }
                        }
                    }
                    h2 class="govuk-heading-m" { "Placed by " (actor.organisation_name) }
                }
                @if views.is_empty() {
                    p class="govuk-body" { "There are no call-offs yet." }
                } @else {
                    (list_table(&views, supplier))
                }
                @if let Some(next) = next {
                    nav class="govuk-pagination" aria-label="Pagination" {
                        div class="govuk-pagination__next" {
                            a class="govuk-link govuk-pagination__link" href={ (path) "?before=" (next) } rel="next" {
                                span class="govuk-pagination__link-title" { "Older call-offs" }
                            }
                        }
                    }
                }
            },
        ),
    )
}

pub async fn list(State(state): State<AppState>, user: PageUser, Query(query): Query<ListQuery>) -> Response {
    if user.session.actor.has(Role::SupplierUser) {
        return Redirect::to("/supplier/inbox").into_response();
    }
    list_page(&state, &user, query.before(), false).await
}

pub async fn inbox(State(state): State<AppState>, user: PageUser, Query(query): Query<ListQuery>) -> Response {
    if !user.session.actor.has(Role::SupplierUser) {
        return error_page(
            Some(&user.session.actor),
            &calloff_app::AppError::Forbidden("only a supplier user has an inbox".into()),
        );
    }
    list_page(&state, &user, query.before(), true).await
}

fn as_quote(view: &CallOffView) -> Quote {
    Quote {
        framework_id: view.call_off.framework_id.clone(),
        supplier_id: view.call_off.supplier_id.clone(),
        lines: view.call_off.lines.clone(),
        totals: view.call_off.totals,
    }
}

fn party(org: &calloff_domain::organisation::Organisation) -> Markup {
    html! {
        (org.name)
        @for id in &org.identifiers { br; span class="govuk-body-s" { (id) } }
    }
}

pub(super) fn details(view: &CallOffView) -> Markup {
    let c = &view.call_off;
    html! {
        (summary_list(&[
            ("Status", state_tag(c.state)),
            ("Framework", html! { (view.framework_title) " (" (view.framework_reference) ")" }),
            ("Buyer", party(&view.buyer)),
            ("Supplier", party(&view.supplier)),
            ("Cost centre", html! { (c.cost_centre.as_ref().map_or("Not recorded", |cc| cc.as_str())) }),
            (if c.state == CallOffState::Draft { "Submitted" } else { "Placed" }, html! { (timestamp(&c.placed_at)) }),
            ("Last changed", html! { (timestamp(&c.updated_at)) }),
            ("Live since", html! { (view.live_on.as_deref().unwrap_or("Not yet live")) }),
            ("Term ends", html! { (view.ends_on.as_deref().unwrap_or("When it goes live, after its longest term")) }),
        ]))
        @if let Some(end) = &view.early_end {
            div class="govuk-inset-text" {
                "Terminated early: its last day is " (crate::dates::date_of(&end.ends_on)) ". Its contract value is now " (end.value)
                ", what was due to that day (it was " (end.previous_value) "), and " (end.released)
                " was released back to the framework's headroom."
            }
        }
        @if !view.milestones.is_empty() {
            table class="govuk-table" {
                caption class="govuk-table__caption govuk-table__caption--m" { "Provisioning milestones" }
                thead class="govuk-table__head" { tr class="govuk-table__row" {
                    th scope="col" class="govuk-table__header" { "Milestone" }
                    th scope="col" class="govuk-table__header" { "Done on" }
                } }
                tbody class="govuk-table__body" {
                    @for m in &view.milestones {
                        tr class="govuk-table__row" { td class="govuk-table__cell" { (m.name) } td class="govuk-table__cell" { (crate::dates::date_of(&m.done_on)) } }
                    }
                }
            }
        }
        @if let Some(reason) = &c.rejection_reason {
            div class="govuk-inset-text" { strong { "Reason given: " } (reason) }
        }
        (quote_table(&as_quote(view)))
        @if !view.approvals.is_empty() { (approvals_table(view)) }
        @if !view.variations.is_empty() { (variations_table(view)) }
    }
}

fn approvals_table(view: &CallOffView) -> Markup {
    html! {
        table class="govuk-table" id="approvals" {
            caption class="govuk-table__caption govuk-table__caption--m" { "Approvals" }
            thead class="govuk-table__head" { tr class="govuk-table__row" {
                th scope="col" class="govuk-table__header" { "Request" }
                th scope="col" class="govuk-table__header" { "Status" }
                th scope="col" class="govuk-table__header" { "Decisions" }
            } }
            tbody class="govuk-table__body" {
                @for a in &view.approvals {
                    @let r = &a.request;
                    tr class="govuk-table__row" {
                        td class="govuk-table__cell" {
                            @match r.kind { ApprovalKind::Submission => "Call-off", ApprovalKind::Variation => "Variation increase" }
                            " of " (r.value) ", submitted " (timestamp(&r.requested_at))
                            br; span class="govuk-body-s" { (calloff_domain::text::count(r.approvers_required, "approver", "approvers")) " needed; expires " (short_date(&r.expires_at)) }
                        }
                        td class="govuk-table__cell" {
                            (r.status.label())
                            @if let Some(closed) = &r.closed_at { br; span class="govuk-body-s" { (timestamp(closed)) } }
                        }
                        td class="govuk-table__cell" {
                            @if a.decisions.is_empty() { "None yet" }
                            @for d in &a.decisions {
                                p class="govuk-body-s govuk-!-margin-bottom-1" {
                                    strong { (d.approver_name) } " "
                                    @match d.decision { Decision::Approve => "approved", Decision::Return => "returned it" }
                                    " on " (timestamp(&d.decided_at))
                                    @if !d.comment.is_empty() { ": " (d.comment) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn variations_table(view: &CallOffView) -> Markup {
    html! {
        table class="govuk-table" id="variations" {
            caption class="govuk-table__caption govuk-table__caption--m" { "Variations" }
            thead class="govuk-table__head" { tr class="govuk-table__row" {
                th scope="col" class="govuk-table__header" { "Number" }
                th scope="col" class="govuk-table__header" { "Varied" }
                th scope="col" class="govuk-table__header govuk-table__header--numeric" { "Value before" }
                th scope="col" class="govuk-table__header govuk-table__header--numeric" { "Value after" }
                th scope="col" class="govuk-table__header govuk-table__header--numeric" { "Change from original" }
            } }
            tbody class="govuk-table__body" {
                @for v in &view.variations {
                    tr class="govuk-table__row" {
                        td class="govuk-table__cell" { (v.number) }
                        td class="govuk-table__cell" { (short_date(&v.varied_at)) }
                        td class="govuk-table__cell govuk-table__cell--numeric calloff-numeric" { (v.previous_value) }
                        td class="govuk-table__cell govuk-table__cell--numeric calloff-numeric" { (v.new_value) }
                        td class="govuk-table__cell govuk-table__cell--numeric calloff-numeric" {
                            (percent((v.new_value.pence() - v.original_value.pence()).abs().saturating_mul(10_000) / v.original_value.pence().max(1)))
                            @if v.over_limit { " (over the modification limit)" }
                        }
                    }
                }
            }
        }
    }
}

/// The buttons this user may press on this call-off, in its current state.
fn actions(user: &PageUser, view: &CallOffView, today: &str) -> Markup {
    let today = today.to_string();
    let actor = &user.session.actor;
    let c = &view.call_off;
    let is_supplier = view.standing.acts_as_supplier(&actor.roles);
    let is_buyer = view.standing.acts_as_buyer(&actor.roles);
    let awaiting = view
        .approvals
        .iter()
        .find(|a| a.request.status == ApprovalStatus::Awaiting);
    let button = |action: &str, label: &str, class: &str| {
        html! {
            form method="post" action={ "/call-offs/" (c.id) "/" (action) } class="govuk-!-display-inline-block govuk-!-margin-right-3" {
                (csrf_field(&user.session.csrf_token))
                button type="submit" class={ "govuk-button " (class) } data-module="govuk-button" { (label) }
            }
        }
    };
    html! {
        div class="govuk-button-group calloff-no-print" {
            @if is_supplier && c.state == CallOffState::Placed {
                (button("accept", "Accept call-off", ""))
                a class="govuk-button govuk-button--warning" href={ "/call-offs/" (c.id) "/reject" } { "Reject call-off" }
            }
            @if is_supplier && c.state == CallOffState::Accepted { (button("go-live", "Mark as live", "")) }
            @if (is_supplier || is_buyer) && c.state == CallOffState::Live {
                @if view.ends_on.as_deref().is_some_and(|end| end <= today.as_str()) {
                    (button("end", "End call-off", "govuk-button--secondary"))
                } @else {
                    a class="govuk-button govuk-button--warning" href={ "/call-offs/" (c.id) "/terminate" } { "Terminate early" }
                }
            }
            @if is_buyer && matches!(c.state, CallOffState::Accepted | CallOffState::Live) {
                a class="govuk-button govuk-button--secondary" href={ "/call-offs/" (c.id) "/vary" } { "Vary call-off" }
            }
            @if is_buyer && awaiting.is_some() {
                (button("withdraw", "Withdraw from approval", "govuk-button--secondary"))
            }
            @if is_buyer && c.state == CallOffState::Draft && awaiting.is_none() {
                form method="post" action={ "/call-offs/" (c.id) "/resubmit" } novalidate {
                    (csrf_field(&user.session.csrf_token))
                    (crate::html::input(crate::html::Input {
                        hint: Some("Correct it if an approver asked you to"),
                        width_class: Some("govuk-input--width-10"),
                        spellcheck: Some(false),
                        ..crate::html::Input::text("cost_centre", "Cost centre", c.cost_centre.as_ref().map_or("", |cc| cc.as_str()))
                    }))
                    button type="submit" class="govuk-button" data-module="govuk-button" { "Submit for approval again" }
                }
            }
            @if is_buyer && matches!(c.state, CallOffState::Draft | CallOffState::Placed | CallOffState::Accepted) {
                a class="govuk-button govuk-button--warning" href={ "/call-offs/" (c.id) "/cancel" } { "Cancel call-off" }
            }
            @if let Some(a) = awaiting.filter(|a| a.why_not_decide(actor, c).is_none()) {
                a class="govuk-button" href={ "/approvals/" (a.request.id) } { "Approve or return" }
            }
            a class="govuk-link" href={ "/call-offs/" (c.id) "/order-form" } { "Printable order form" }
        }
    }
}

pub async fn show(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Query(query): Query<ListQuery>,
) -> Response {
    let actor = &user.session.actor;
    let view = match call_offs::view(&state.app, actor, &CallOffId::from_stored(id)).await {
        Ok(v) => v,
        Err(e) => return error_page(Some(actor), &e),
    };
    let invoices = match calloff_app::invoices::for_call_off(&state.app, actor, &view.call_off.id).await {
        Ok((list, _)) => list,
        Err(e) => return error_page(Some(actor), &e),
    };
    let section = if actor.has(Role::SupplierUser) {
        Section::Inbox
    } else {
        Section::CallOffs
    };
    let title = format!("Call-off {}", view.call_off.reference);
    let chrome = Chrome {
        title: &title,
        actor: Some(actor),
        csrf_token: Some(&user.session.csrf_token),
        section,
        errors: &[],
    };
    render(
        StatusCode::OK,
        layout(
            chrome,
            html! {
                @if query.just_placed() {
                    @if view.call_off.state == CallOffState::Draft {
                        (success_banner("Call-off submitted for approval"))
                    } @else {
                        (success_banner("Call-off placed and sent to the supplier"))
                    }
                }
                @if let Some(done) = query.done.as_deref().and_then(done_banner) { (success_banner(done)) }
                @match query.approval.as_deref() {
                    Some("withdraw") => (success_banner("Withdrawn from approval; its value is released")),
                    Some("resubmit") => (success_banner("Submitted again")),
                    _ => {},
                }
                @match query.varied.as_deref() {
                    Some("over-limit") => div class="govuk-warning-text" {
                        span class="govuk-warning-text__icon" aria-hidden="true" { "!" }
                        strong class="govuk-warning-text__text" {
                            span class="govuk-visually-hidden" { "Warning" }
                            "Varied. The call-off has now changed by more than the framework's modification limit from its original value: check whether a new procurement is needed."
                        }
                    },
                    Some("awaiting-approval") => (success_banner("Variation sent for approval; its increase is held against the ceiling meanwhile")),
                    Some(_) => (success_banner("Call-off varied")),
                    None => {},
                }
                (crate::html::back_link("/call-offs", "Back to call-offs"))
                span class="govuk-caption-l" { "Call-off" }
                h1 class="govuk-heading-l" { (view.call_off.reference) }
                (details(&view))
                @if view.call_off.state == CallOffState::Accepted
                    && view.standing.acts_as_supplier(&user.session.actor.roles) {
                    (milestone_form(&user, &view, &[], "", &TypedDate::default()))
                }
                (actions(&user, &view, &state.app.today().to_string()))
                (super::invoices::spend_summary(&view.spend))
                @if view.standing.acts_as_supplier(&user.session.actor.roles)
                    && matches!(view.call_off.state, CallOffState::Placed | CallOffState::Accepted | CallOffState::Live | CallOffState::Ended) {
                    a class="govuk-button govuk-button--secondary" href={ "/call-offs/" (view.call_off.id) "/invoices/new" } { "Invoice this call-off" }
                }
                (super::invoices::invoice_table(&invoices))
            },
        ),
    )
}

pub async fn order_form(State(state): State<AppState>, user: PageUser, Path(id): Path<String>) -> Response {
    let actor = &user.session.actor;
    let view = match call_offs::view(&state.app, actor, &CallOffId::from_stored(id)).await {
        Ok(v) => v,
        Err(e) => return error_page(Some(actor), &e),
    };
    let title = format!("Order form {}", view.call_off.reference);
    let chrome = Chrome {
        title: &title,
        actor: Some(actor),
        csrf_token: Some(&user.session.csrf_token),
        section: Section::None,
        errors: &[],
    };
    render(
        StatusCode::OK,
        layout(
            chrome,
            html! {
                (crate::html::back_link(&format!("/call-offs/{}", view.call_off.id), "Back to the call-off"))
                span class="govuk-caption-l" { "Call-off order form under " (view.framework_reference) }
                h1 class="govuk-heading-l" { (view.call_off.reference) }
                (details(&view))
                p class="govuk-body calloff-no-print" { "Print this page for a paper copy of the order." }
            },
        ),
    )
}

fn milestone_form(
    user: &PageUser,
    view: &CallOffView,
    errors: &[FieldError],
    name: &str,
    done_on: &TypedDate,
) -> Markup {
    html! {
        h2 class="govuk-heading-m" { "Record a provisioning milestone" }
        form method="post" action={ "/call-offs/" (view.call_off.id) "/milestones" } novalidate class="calloff-no-print" {
            (csrf_field(&user.session.csrf_token))
            (crate::html::input(crate::html::Input { error: crate::html::error_for(errors, "name"), ..crate::html::Input::text("name", "Milestone", name) }))
            (date_input("done_on", "Done on", "For example, 27 11 2026. Milestones run in date order.", done_on, crate::html::error_for(errors, "done_on")))
            button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button" { "Record milestone" }
        }
    }
}

pub async fn record_milestone(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SignedInForm { user, fields }: SignedInForm,
) -> Response {
    let actor = &user.session.actor;
    let id = CallOffId::from_stored(id);
    let (name, typed) = (fields.text("name"), TypedDate::from_fields(&fields, "done_on"));
    let done_on = typed.date().map(|d| d.to_string()).unwrap_or_default();
    match calloff_app::lifecycle::record_milestone(&state.app, actor, &id, &name, &done_on).await {
        Ok(()) => Redirect::to(&format!("/call-offs/{id}?done=milestone")).into_response(),
        Err(e) if e.is_form_error() => {
            match call_offs::view(&state.app, actor, &id).await {
                Ok(view) => {
                    let title = format!("Call-off {}", view.call_off.reference);
                    // The three boxes did not make a date: say so in their terms.
                    let errors: Vec<FieldError> = e
                        .field_errors()
                        .into_iter()
                        .map(|fe| match fe.field.as_str() {
                            "done_on" if typed.date().is_none() => FieldError::new(
                                "done_on",
                                "Enter the date the milestone was done, with a real day, month and year",
                            ),
                            _ => fe,
                        })
                        .collect();
                    let chrome = Chrome {
                        title: &title,
                        actor: Some(actor),
                        csrf_token: Some(&user.session.csrf_token),
                        section: Section::Inbox,
                        errors: &errors,
                    };
                    render(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        layout(
                            chrome,
                            html! {
                                (crate::html::back_link("/call-offs", "Back to call-offs"))
                                span class="govuk-caption-l" { "Call-off" }
                                h1 class="govuk-heading-l" { (view.call_off.reference) }
                                (details(&view))
                                (milestone_form(&user, &view, &errors, &name, &typed))
                            },
                        ),
                    )
                }
                Err(e) => error_page(Some(actor), &e),
            }
        }
        Err(e) => error_page(Some(actor), &e),
    }
}

/// What a reason page shows and was sent: the reason, and when terminating the typed end date
/// and today (`YYYY-MM-DD`, for the hint).
struct Sent<'a> {
    reason: &'a str,
    ends_on: &'a TypedDate,
    today: &'a str,
}

fn reason_page(user: &PageUser, view: &CallOffView, action: &str, errors: &[FieldError], sent: &Sent<'_>) -> Markup {
    let title = match action {
        "reject" => "Reject call-off",
        "terminate" => "Terminate call-off early",
        _ => "Cancel call-off",
    };
    let chrome = Chrome {
        title,
        actor: Some(&user.session.actor),
        csrf_token: Some(&user.session.csrf_token),
        section: Section::None,
        errors,
    };
    layout(
        chrome,
        html! {
            (crate::html::back_link(&format!("/call-offs/{}", view.call_off.id), "Back to the call-off"))
            span class="govuk-caption-l" { (view.call_off.reference) }
            h1 class="govuk-heading-l" { (title) }
            p class="govuk-body" {
                "Contract value " (view.call_off.totals.contract_value) " ex VAT, for " (view.buyer.name) ". "
                @if action == "terminate" {
                    "It stays committed for what is due to its last day: one-off charges and usage in full, and each monthly charge for the months served, a started month counting whole. The rest is released back to the framework's headroom."
                }
                @else { "Its value will be released back to the framework's headroom." }
            }
            form method="post" action={ "/call-offs/" (view.call_off.id) "/" (action) } novalidate {
                (csrf_field(&user.session.csrf_token))
                @if action == "terminate" {
                    (date_input(
                        "ends_on",
                        "Last day of service",
                        &format!(
                            "From today ({}) to the end of its term ({}). For example, 31 3 2027.",
                            crate::dates::date_of(sent.today),
                            view.ends_on.as_deref().map_or_else(|| "not set".to_string(), crate::dates::date_of)
                        ),
                        sent.ends_on,
                        crate::html::error_for(errors, "ends_on"),
                    ))
                }
                (textarea("reason", "Reason", sent.reason, Some("The buyer and the audit record will see this"), crate::html::error_for(errors, "reason")))
                button type="submit" class="govuk-button govuk-button--warning" data-module="govuk-button" { (title) }
            }
        },
    )
}

/// The form asking for a reason before rejecting or cancelling, for those who may do so.
pub async fn reason_form(
    State(state): State<AppState>,
    user: PageUser,
    Path((id, action)): Path<(String, String)>,
) -> Response {
    let action = match action.as_str() {
        "reject" => CallOffAction::Reject { reason: String::new() },
        "cancel" => CallOffAction::Cancel { reason: String::new() },
        "terminate" => CallOffAction::Terminate {
            reason: String::new(),
            ends_on: None,
        },
        _ => return super::not_found().await,
    };
    let actor = &user.session.actor;
    let today = state.app.today().to_string();
    let sent = Sent {
        reason: "",
        ends_on: &TypedDate::default(),
        today: &today,
    };
    match call_offs::may_take(&state.app, actor, &CallOffId::from_stored(id), &action).await {
        Ok(view) => render(StatusCode::OK, reason_page(&user, &view, action.name(), &[], &sent)),
        Err(e) => error_page(Some(actor), &e),
    }
}

pub async fn act(
    State(state): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    SignedInForm { user, fields }: SignedInForm,
) -> Response {
    let actor = &user.session.actor;
    let reason = fields.text("reason");
    let typed = TypedDate::from_fields(&fields, "ends_on");
    let id = CallOffId::from_stored(id);
    let approval_step = match action.as_str() {
        "withdraw" => Some(approvals::withdraw(&state.app, actor, &id).await.map(|_| ())),
        "resubmit" => Some(
            approvals::resubmit(&state.app, actor, &id, Some(&fields.text("cost_centre")))
                .await
                .map(|_| ()),
        ),
        _ => None,
    };
    if let Some(done) = approval_step {
        return match done {
            Ok(()) => Redirect::to(&format!("/call-offs/{id}?approval={action}")).into_response(),
            Err(e) => error_page(Some(actor), &e),
        };
    }
    let action = match action.as_str() {
        "accept" => CallOffAction::Accept,
        "reject" => CallOffAction::Reject { reason: reason.clone() },
        "cancel" => CallOffAction::Cancel { reason: reason.clone() },
        "go-live" => CallOffAction::GoLive,
        "end" => CallOffAction::End,
        // Boxes that make no date send none that parses, for the use case to refuse.
        "terminate" => CallOffAction::Terminate {
            reason: reason.clone(),
            ends_on: Some(typed.date().map(|d| d.to_string()).unwrap_or_default()),
        },
        _ => return super::not_found().await,
    };
    match call_offs::act(&state.app, actor, &id, &action).await {
        Ok(_) => Redirect::to(&format!("/call-offs/{id}?done={}", action.name())).into_response(),
        Err(e) if e.is_form_error() => match call_offs::view(&state.app, actor, &id).await {
            Ok(view) => {
                // The three boxes did not make a date: say so in their terms.
                let errors: Vec<FieldError> = e
                    .field_errors()
                    .into_iter()
                    .map(|fe| match fe.field.as_str() {
                        "ends_on" if typed.date().is_none() => FieldError::new(
                            "ends_on",
                            "Enter the last day of service, with a real day, month and year",
                        ),
                        _ => fe,
                    })
                    .collect();
                let today = state.app.today().to_string();
                let sent = Sent {
                    reason: &reason,
                    ends_on: &typed,
                    today: &today,
                };
                render(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    reason_page(&user, &view, action.name(), &errors, &sent),
                )
            }
            Err(e) => error_page(Some(actor), &e),
        },
        Err(e) => error_page(Some(actor), &e),
    }
}
