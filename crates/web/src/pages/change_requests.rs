//! Catalogue change control: a framework's change requests, proposing changes and an annual
//! indexation (suppliers), and the review page with the manager's decision.

use super::{error_page, price_breaks, render, Fields};
use crate::html::{
    basis_points, csrf_field, date_input, error_for, input, layout, select, short_date, success_banner, textarea,
    timestamp, Chrome, Input, Section, Select, TypedDate,
};
use crate::session::{PageUser, SignedInForm, SignedInUpload};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use calloff_app::change_requests::{self, Decision, RequestView};
use calloff_app::AppError;
use calloff_domain::catalogue::Unit;
use calloff_domain::change_control::{ChangeInput, ChangeKind, RequestStatus};
use calloff_domain::ids::{FrameworkId, ProposalId};
use calloff_domain::pricing::BreaksInput;
use calloff_domain::FieldError;
use maud::{html, Markup};
use serde::Deserialize;

/// Rows of changes the form offers; blank rows are ignored. Bigger changes come as a file.
const FORM_ROWS: usize = 3;

#[derive(Deserialize)]
pub struct Notice {
    submitted: Option<String>,
    decided: Option<String>,
    after: Option<i64>,
}

impl Notice {
    fn banner(&self) -> Option<&'static str> {
        if self.submitted.is_some() {
            return Some("Change request submitted to the framework manager");
        }
        match self.decided.as_deref() {
            Some("approve") => Some("Change request approved. The catalogue changes take effect on their date."),
            Some("reject") => Some("Change request rejected. The supplier has been told why."),
            _ => None,
        }
    }
}

fn status_tag(status: RequestStatus) -> Markup {
    let colour = match status {
        RequestStatus::Submitted => "govuk-tag--blue",
        RequestStatus::Approved => "govuk-tag--green",
        RequestStatus::Rejected => "govuk-tag--red",
    };
    html! { strong class={ "govuk-tag " (colour) } { (status.label()) } }
}

pub async fn list(State(state): State<AppState>, user: PageUser, Path(id): Path<String>) -> Response {
    let actor = &user.session.actor;
    let framework_id = FrameworkId::from_stored(id);
    let requests = match change_requests::list(&state.app, actor, &framework_id).await {
        Ok(r) => r,
        Err(e) => return error_page(Some(actor), &e),
    };
    let supplier = match calloff_app::frameworks::standing(&state.app, actor, &framework_id).await {
        Ok(standing) => standing.may_propose_catalogue_changes(),
        Err(e) => return error_page(Some(actor), &e),
    };
    let cap = if supplier {
        change_requests::indexation_cap_bp(&state.app, &framework_id)
            .await
            .unwrap_or(0)
    } else {
        0
    };
    let chrome = Chrome {
        title: "Catalogue change requests",
        actor: Some(actor),
        csrf_token: Some(&user.session.csrf_token),
        section: Section::Frameworks,
        errors: &[],
    };
    render(
        StatusCode::OK,
        layout(
            chrome,
            html! {
                (crate::html::back_link(&format!("/frameworks/{framework_id}"), "Back to the framework"))
                h1 class="govuk-heading-l" { "Catalogue change requests" }
                @if supplier {
                    div class="govuk-button-group" {
                        a class="govuk-button" href={ "/frameworks/" (framework_id) "/change-requests/new" } { "Propose changes" }
                        a class="govuk-button govuk-button--secondary" href={ "/frameworks/" (framework_id) "/change-requests/import" } { "Upload a price list" }
                    }
                }
                @if requests.is_empty() {
                    p class="govuk-body" { "There are no change requests yet." }
                } @else {
                    table class="govuk-table" {
                        caption class="govuk-table__caption govuk-table__caption--s govuk-visually-hidden" { "Change requests" }
                        thead class="govuk-table__head" { tr class="govuk-table__row" {
                            th scope="col" class="govuk-table__header" { "Request" }
                            th scope="col" class="govuk-table__header" { "Submitted" }
                            th scope="col" class="govuk-table__header govuk-table__header--numeric" { "Changes" }
                            th scope="col" class="govuk-table__header" { "Status" }
                        } }
                        tbody class="govuk-table__body" {
                            @for r in &requests {
                                tr class="govuk-table__row" {
                                    td class="govuk-table__cell" { a class="govuk-link" href={ "/change-requests/" (r.id) } { (r.title) } }
                                    td class="govuk-table__cell" { (short_date(&r.submitted_at)) }
                                    td class="govuk-table__cell govuk-table__cell--numeric" { (r.change_count) }
                                    td class="govuk-table__cell" { (status_tag(r.status)) }
                                }
                            }
                        }
                    }
                }
                @if supplier && cap > 0 {
                    (indexation_form(&user, &framework_id, cap, &[], "", &TypedDate::default()))
                }
            },
        ),
    )
}

fn indexation_form(
    user: &PageUser,
    framework_id: &FrameworkId,
    cap: i64,
    errors: &[FieldError],
    uplift: &str,
    date: &TypedDate,
) -> Markup {
    html! {
        h2 class="govuk-heading-m" { "Annual price indexation" }
        p class="govuk-body" {
            "Raise every price by up to " (cap / 100) "." (format!("{:02}", cap % 100)) "%, once a year. The framework manager approves it like any change request."
        }
        form method="post" action={ "/frameworks/" (framework_id) "/indexation" } novalidate {
            (csrf_field(&user.session.csrf_token))
            (input(Input {
                error: error_for(errors, "uplift"),
                width_class: Some("govuk-input--width-5"),
                hint: Some("A percentage, for example 3.5"),
                ..Input::text("uplift", "Uplift (%)", uplift)
            }))
            (date_input("effective_from", "Effective from", "For example, 1 4 2027", date, error_for(errors, "effective_from")))
            button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button" { "Propose indexation" }
        }
    }
}

pub async fn indexation(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SignedInForm { user, fields }: SignedInForm,
) -> Response {
    let actor = &user.session.actor;
    let framework_id = FrameworkId::from_stored(id);
    if let Err(e) = change_requests::may_propose(&state.app, actor, &framework_id).await {
        return error_page(Some(actor), &e);
    }
    let uplift = fields.text("uplift");
    let date = TypedDate::from_fields(&fields, "effective_from");
    let effective = date.date().map(|d| d.to_string()).unwrap_or_default();
    // An unreadable uplift is checked as 0 (which the use case refuses), so that the date's
    // errors are reported with it, then worded for the form.
    let typed = basis_points(&uplift);
    let result = change_requests::propose_indexation(&state.app, actor, &framework_id, typed.unwrap_or(0), &effective)
        .await
        .map_err(|e| match (typed, e) {
            (None, AppError::Invalid(f)) if f.field == "uplift" => AppError::invalid("uplift", UPLIFT_HINT),
            (None, AppError::InvalidFields(fs)) => AppError::InvalidFields(
                fs.into_iter()
                    .map(|f| {
                        if f.field == "uplift" {
                            FieldError::new("uplift", UPLIFT_HINT)
                        } else {
                            f
                        }
                    })
                    .collect(),
            ),
            (_, e) => e,
        });
    match result {
        Ok(request) => Redirect::to(&format!("/change-requests/{}?submitted=1", request.id)).into_response(),
        Err(e) if !e.field_errors().is_empty() => {
            let cap = change_requests::indexation_cap_bp(&state.app, &framework_id)
                .await
                .unwrap_or(0);
            let errors = e.field_errors();
            let chrome = Chrome {
                title: "Annual price indexation",
                actor: Some(actor),
                csrf_token: Some(&user.session.csrf_token),
                section: Section::Frameworks,
                errors: &errors,
            };
            render(
                StatusCode::UNPROCESSABLE_ENTITY,
                layout(
                    chrome,
                    html! {
                        (crate::html::back_link(&format!("/frameworks/{framework_id}/change-requests"), "Back to change requests"))
                        (indexation_form(&user, &framework_id, cap, &errors, &uplift, &date))
                    },
                ),
            )
        }
        Err(e) => error_page(Some(actor), &e),
    }
}

const UPLIFT_HINT: &str = "Enter the uplift as a percentage, for example 3.5";

/// The "Add another row" button of change `i`'s quantity tiers.
fn add_tier_row(i: usize) -> String {
    format!("add-tier-row-{i}")
}

/// The form's rows as typed (with one more tier row under the change whose "Add another row"
/// was pressed).
fn typed_rows(fields: &Fields) -> Vec<ChangeInput> {
    let action = fields.text("action");
    (0..FORM_ROWS)
        .map(|i| {
            let text = |name: &str| fields.text(&format!("changes[{i}].{name}"));
            let optional = |name: &str| Some(text(name)).filter(|t| !t.is_empty());
            ChangeInput {
                kind: text("kind"),
                sku: text("sku"),
                effective_from: String::new(),
                lot: text("lot").parse().ok(),
                name: optional("name"),
                description: optional("description"),
                unit: optional("unit"),
                price: optional("price"),
                minimum_term_months: text("minimum_term_months").parse().ok(),
                cpv: optional("cpv"),
                list_price: optional("list_price"),
                quantity_tiers: Some(BreaksInput::Typed(price_breaks::posted(
                    fields,
                    &format!("changes[{i}].quantity_tiers"),
                    "unit_price",
                    action == add_tier_row(i),
                ))),
            }
        })
        .collect()
}

/// The accepted proposals a change request may answer, as (id, label) options after "None".
async fn answerable(state: &AppState, framework_id: &FrameworkId) -> Vec<(String, String)> {
    let accepted = calloff_app::proposals::awaiting_change_requests(&state.app, framework_id)
        .await
        .unwrap_or_default();
    if accepted.is_empty() {
        return Vec::new();
    }
    let mut options = vec![(String::new(), "None".to_string())];
    options.extend(
        accepted
            .into_iter()
            .map(|p| (p.id.to_string(), format!("{} ({})", p.title, p.organisation_name))),
    );
    options
}

#[allow(clippy::too_many_arguments)]
fn new_request_page(
    user: &PageUser,
    framework_id: &FrameworkId,
    errors: &[FieldError],
    title: &str,
    date: &TypedDate,
    rows: &[ChangeInput],
    proposals: &[(String, String)],
    proposal: &str,
) -> Markup {
    let chrome = Chrome {
        title: "Propose catalogue changes",
        actor: Some(&user.session.actor),
        csrf_token: Some(&user.session.csrf_token),
        section: Section::Frameworks,
        errors,
    };
    let blank = ChangeInput::default();
    layout(
        chrome,
        html! {
            (crate::html::back_link(&format!("/frameworks/{framework_id}/change-requests"), "Back to change requests"))
            h1 class="govuk-heading-l" { "Propose catalogue changes" }
            p class="govuk-body" {
                "Each change takes effect from the date you give once the framework manager approves the request. "
                "A new item or an edit needs every detail; a price change needs the SKU and price; a withdrawal only the SKU. "
                "For a whole price list, use " code { "calloff import catalogue" } " or the API."
            }
            form method="post" action={ "/frameworks/" (framework_id) "/change-requests" } novalidate {
                (csrf_field(&user.session.csrf_token))
                (input(Input { error: error_for(errors, "title"), ..Input::text("title", "Title", title) }))
                (date_input("effective_from", "Effective from", "For example, 1 1 2027. Today or later.", date, error_for(errors, "effective_from")))
                @if !proposals.is_empty() {
                    (select(Select {
                        name: "proposal_id",
                        label: "Answers a customer proposal (optional)",
                        hint: Some("A proposal the framework manager accepted as a change request; its followers are told"),
                        error: error_for(errors, "proposal_id"),
                        options: proposals,
                        selected: proposal,
                    }))
                }
                @for i in 0..FORM_ROWS {
                    @let row = rows.get(i).unwrap_or(&blank);
                    @let name = |field: &str| format!("changes[{i}].{field}");
                    fieldset class="govuk-fieldset govuk-!-margin-bottom-6" {
                        legend class="govuk-fieldset__legend govuk-fieldset__legend--m" { "Change " (i + 1) }
                        @let kind_error = error_for(errors, &name("kind"));
                        div class={ "govuk-form-group" @if kind_error.is_some() { " govuk-form-group--error" } } {
                            label class="govuk-label" for=(crate::html::field_id(&name("kind"))) { "Kind of change" }
                            @if let Some(e) = kind_error {
                                p class="govuk-error-message" id={ (crate::html::field_id(&name("kind"))) "-error" } { span class="govuk-visually-hidden" { "Error:" } " " (e) }
                            }
                            select class="govuk-select" id=(crate::html::field_id(&name("kind"))) name=(name("kind")) {
                                option value="" { "None" }
                                @for kind in ChangeKind::ALL {
                                    option value=(kind.as_str()) selected[row.kind == kind.as_str()] { (kind.label()) }
                                }
                            }
                        }
                        (input(Input { error: error_for(errors, &name("sku")), width_class: Some("govuk-input--width-20"), spellcheck: Some(false), ..Input::text(&name("sku"), "SKU", &row.sku) }))
                        (input(Input { error: error_for(errors, &name("lot")), width_class: Some("govuk-input--width-2"), numeric: true, ..Input::text(&name("lot"), "Lot", &row.lot.map(|l| l.to_string()).unwrap_or_default()) }))
                        (input(Input { error: error_for(errors, &name("name")), ..Input::text(&name("name"), "Name", row.name.as_deref().unwrap_or_default()) }))
                        (textarea(&name("description"), "Description", row.description.as_deref().unwrap_or_default(), None, error_for(errors, &name("description"))))
                        @let unit_error = error_for(errors, &name("unit"));
                        div class={ "govuk-form-group" @if unit_error.is_some() { " govuk-form-group--error" } } {
                            label class="govuk-label" for=(crate::html::field_id(&name("unit"))) { "Unit" }
                            @if let Some(e) = unit_error {
                                p class="govuk-error-message" id={ (crate::html::field_id(&name("unit"))) "-error" } { span class="govuk-visually-hidden" { "Error:" } " " (e) }
                            }
                            select class="govuk-select" id=(crate::html::field_id(&name("unit"))) name=(name("unit")) {
                                option value="" { "Choose" }
                                @for unit in Unit::ALL {
                                    option value=(unit.as_str()) selected[row.unit.as_deref() == Some(unit.as_str())] { (unit.label()) }
                                }
                            }
                        }
                        (input(Input { error: error_for(errors, &name("price")), width_class: Some("govuk-input--width-10"), hint: Some("Pounds excluding VAT, for example 12.50 or 0.0085"), ..Input::text(&name("price"), "Price", row.price.as_deref().unwrap_or_default()) }))
                        (input(Input { error: error_for(errors, &name("minimum_term_months")), width_class: Some("govuk-input--width-3"), numeric: true, ..Input::text(&name("minimum_term_months"), "Minimum term (months)", &row.minimum_term_months.map(|m| m.to_string()).unwrap_or_default()) }))
                        (input(Input { error: error_for(errors, &name("list_price")), width_class: Some("govuk-input--width-10"), hint: Some("Optional: what a buyer would pay off the framework, so buyers see their saving"), ..Input::text(&name("list_price"), "List price", row.list_price.as_deref().unwrap_or_default()) }))
                        @let tier_rows = match &row.quantity_tiers {
                            Some(BreaksInput::Typed(rows)) => rows.clone(),
                            _ => price_breaks::with_spare_rows(Vec::new()),
                        };
                        div class={ "govuk-form-group" @if error_for(errors, &name("quantity_tiers")).is_some() { " govuk-form-group--error" } } id=(crate::html::field_id(&name("quantity_tiers"))) {
                            h3 class="govuk-heading-s govuk-!-margin-bottom-1" { "Quantity tiers (optional)" }
                            p class="govuk-hint" { "Lower unit prices, excluding VAT, from a quantity on one call-off line up. Each must be lower than the price. Leave the rows empty for none." }
                            @if let Some(e) = error_for(errors, &name("quantity_tiers")) {
                                p class="govuk-error-message" { span class="govuk-visually-hidden" { "Error:" } " " (e) }
                            }
                            (price_breaks::rows_fieldset(&price_breaks::RowsForm {
                                field: &name("quantity_tiers"),
                                price_name: "unit_price",
                                noun: "Tier",
                                add_row_value: &add_tier_row(i),
                            }, &tier_rows, errors))
                        }
                        (input(Input { error: error_for(errors, &name("cpv")), width_class: Some("govuk-input--width-10"), spellcheck: Some(false), hint: Some("For example 64212000-5"), ..Input::text(&name("cpv"), "CPV code", row.cpv.as_deref().unwrap_or_default()) }))
                    }
                }
                button type="submit" name="action" value="submit" class="govuk-button" data-module="govuk-button" data-prevent-double-click="true" { "Submit for approval" }
            }
        },
    )
}

#[derive(Deserialize)]
pub struct NewQuery {
    /// Arriving from an accepted proposal: the proposal the request answers.
    proposal: Option<String>,
}

pub async fn new_request(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Query(query): Query<NewQuery>,
) -> Response {
    let actor = &user.session.actor;
    let framework_id = FrameworkId::from_stored(id);
    match change_requests::may_propose(&state.app, actor, &framework_id).await {
        Ok(_) => {
            let proposals = answerable(&state, &framework_id).await;
            let proposal = query.proposal.unwrap_or_default();
            render(
                StatusCode::OK,
                new_request_page(
                    &user,
                    &framework_id,
                    &[],
                    "",
                    &TypedDate::default(),
                    &[],
                    &proposals,
                    &proposal,
                ),
            )
        }
        Err(e) => error_page(Some(actor), &e),
    }
}

pub async fn submit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SignedInForm { user, fields }: SignedInForm,
) -> Response {
    let actor = &user.session.actor;
    let framework_id = FrameworkId::from_stored(id);
    if let Err(e) = change_requests::may_propose(&state.app, actor, &framework_id).await {
        return error_page(Some(actor), &e);
    }
    let title = fields.text("title");
    let date = TypedDate::from_fields(&fields, "effective_from");
    let rows = typed_rows(&fields);
    if fields.text("action").starts_with("add-tier-row-") {
        // Without JavaScript: the same form again, with one more tier row, nothing submitted.
        let proposals = answerable(&state, &framework_id).await;
        let proposal = fields.text("proposal_id");
        return render(
            StatusCode::OK,
            new_request_page(&user, &framework_id, &[], &title, &date, &rows, &proposals, &proposal),
        );
    }
    let effective = date.date().map(|d| d.to_string());
    let mut changes: Vec<ChangeInput> = rows
        .iter()
        .filter(|r| !r.kind.is_empty() || !r.sku.is_empty())
        .cloned()
        .collect();
    for c in &mut changes {
        c.effective_from = effective.clone().unwrap_or_default();
    }
    let proposal = fields.text("proposal_id");
    let answering = Some(ProposalId::from_stored(proposal.clone())).filter(|_| !proposal.is_empty());
    let result =
        change_requests::propose_answering(&state.app, actor, &framework_id, &title, &changes, answering.as_ref())
            .await;
    match result {
        Ok(request) => Redirect::to(&format!("/change-requests/{}?submitted=1", request.id)).into_response(),
        Err(e) if !e.field_errors().is_empty() => {
            // Name errors by the row they were typed in, and the date once for the whole form.
            let typed_at: Vec<usize> = rows
                .iter()
                .enumerate()
                .filter(|(_, r)| !r.kind.is_empty() || !r.sku.is_empty())
                .map(|(i, _)| i)
                .collect();
            let mut errors: Vec<FieldError> = Vec::new();
            for fe in e.field_errors() {
                let renamed = typed_at.iter().enumerate().find_map(|(k, row)| {
                    fe.field
                        .strip_prefix(&format!("changes[{k}]"))
                        .map(|rest| format!("changes[{row}]{rest}"))
                });
                let field = match renamed {
                    Some(f) if f.ends_with(".effective_from") => "effective_from".to_string(),
                    Some(f) => f,
                    None => fe.field.clone(),
                };
                if !errors.iter().any(|x| x.field == field) {
                    errors.push(FieldError::new(field, fe.message));
                }
            }
            let proposals = answerable(&state, &framework_id).await;
            render(
                StatusCode::UNPROCESSABLE_ENTITY,
                new_request_page(
                    &user,
                    &framework_id,
                    &errors,
                    &title,
                    &date,
                    &rows,
                    &proposals,
                    &proposal,
                ),
            )
        }
        Err(e) => error_page(Some(actor), &e),
    }
}

fn request_page(user: &PageUser, view: &RequestView, errors: &[FieldError], banner: Option<&str>) -> Markup {
    let actor = &user.session.actor;
    let r = &view.request;
    let chrome = Chrome {
        title: &r.title,
        actor: Some(actor),
        csrf_token: Some(&user.session.csrf_token),
        section: Section::Frameworks,
        errors,
    };
    let manager = view.standing.may_decide_change_requests();
    layout(
        chrome,
        html! {
            (crate::html::back_link(&format!("/frameworks/{}/change-requests", r.framework_id), "Back to change requests"))
            @if let Some(banner) = banner { (success_banner(banner)) }
            span class="govuk-caption-l" { "Change request" }
            h1 class="govuk-heading-l" { (r.title) }
            (crate::html::summary_list(&[
                ("Status", status_tag(r.status)),
                ("Submitted", html! { (timestamp(&r.submitted_at)) }),
                ("Changes", html! { (r.change_count) }),
                ("Decided", html! { @if let Some(at) = &r.decided_at { (timestamp(at)) } @else { "Not yet" } }),
                ("Reason given", html! { (r.decision_reason.as_deref().unwrap_or("None")) }),
                ("Answers proposal", html! {
                    @if let Some(p) = &view.proposal {
                        a class="govuk-link" href={ "/proposals/" (p.id) } { (p.title) } " (" (p.organisation_name) ")"
                    } @else { "None" }
                }),
            ]))
            table class="govuk-table" id="changes" {
                caption class="govuk-table__caption govuk-table__caption--m" { "Each change beside the version in force" }
                thead class="govuk-table__head" { tr class="govuk-table__row" {
                    th scope="col" class="govuk-table__header" { "Change" }
                    th scope="col" class="govuk-table__header" { "From" }
                    th scope="col" class="govuk-table__header" { "Now" }
                    th scope="col" class="govuk-table__header" { "Proposed" }
                } }
                tbody class="govuk-table__body" {
                    @for c in &view.changes {
                        @let change = &c.stored.change;
                        tr class="govuk-table__row" {
                            td class="govuk-table__cell" { (change.kind.label()) br; span class="govuk-body-s" { (change.sku) } }
                            td class="govuk-table__cell" { (crate::dates::date(change.effective_from)) }
                            @if change.kind == ChangeKind::Add {
                                td class="govuk-table__cell" { "Not in the catalogue" }
                                td class="govuk-table__cell" {
                                    @if let Some(d) = &change.details {
                                        (d.name) br; span class="govuk-body-s" { (d.unit_price) " " (d.unit.label()) ", lot " (d.lot_number) ", " (d.cpv.as_str()) }
                                    }
                                }
                            } @else if c.diff.is_empty() {
                                td class="govuk-table__cell" colspan="2" { "No difference from the version in force" }
                            } @else {
                                td class="govuk-table__cell" {
                                    @for (field, now, _) in &c.diff { p class="govuk-body-s govuk-!-margin-bottom-1" { strong { (field) ": " } (now) } }
                                }
                                td class="govuk-table__cell" {
                                    @for (field, _, proposed) in &c.diff { p class="govuk-body-s govuk-!-margin-bottom-1" { strong { (field) ": " } (proposed) } }
                                }
                            }
                        }
                    }
                }
            }
            @if let Some(next) = view.next_after {
                nav class="govuk-pagination" aria-label="Pagination" {
                    div class="govuk-pagination__next" {
                        a class="govuk-link govuk-pagination__link" href={ "/change-requests/" (r.id) "?after=" (next) } rel="next" {
                            span class="govuk-pagination__link-title" { "More changes" }
                        }
                    }
                }
            }
            @if manager && r.status == RequestStatus::Submitted {
                h2 class="govuk-heading-m" { "Decide" }
                form method="post" action={ "/change-requests/" (r.id) "/approve" } {
                    (csrf_field(&user.session.csrf_token))
                    button type="submit" class="govuk-button" data-module="govuk-button" { "Approve all changes" }
                }
                form method="post" action={ "/change-requests/" (r.id) "/reject" } novalidate {
                    (csrf_field(&user.session.csrf_token))
                    (textarea("reason", "Reason for rejecting", "", Some("The supplier and the audit record will see this"), error_for(errors, "reason")))
                    button type="submit" class="govuk-button govuk-button--warning" data-module="govuk-button" { "Reject request" }
                }
            }
        },
    )
}

pub async fn show(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Query(notice): Query<Notice>,
) -> Response {
    let actor = &user.session.actor;
    match change_requests::view(&state.app, actor, &id, notice.after).await {
        Ok(view) => render(StatusCode::OK, request_page(&user, &view, &[], notice.banner())),
        Err(e) => error_page(Some(actor), &e),
    }
}

pub async fn decide(
    State(state): State<AppState>,
    Path((id, decision)): Path<(String, String)>,
    SignedInForm { user, fields }: SignedInForm,
) -> Response {
    let actor = &user.session.actor;
    let decided = decision.clone();
    let decision = match decision.as_str() {
        "approve" => Decision::Approve,
        "reject" => Decision::Reject {
            reason: fields.text("reason"),
        },
        _ => return super::not_found().await,
    };
    match change_requests::decide(&state.app, actor, &id, &decision).await {
        Ok(_) => Redirect::to(&format!("/change-requests/{id}?decided={decided}")).into_response(),
        Err(e) if e.is_form_error() => match change_requests::view(&state.app, actor, &id, None).await {
            Ok(view) => render(
                StatusCode::UNPROCESSABLE_ENTITY,
                request_page(&user, &view, &e.field_errors(), None),
            ),
            Err(e) => error_page(Some(actor), &e),
        },
        Err(e) => error_page(Some(actor), &e),
    }
}

/// Largest price list the upload page takes.
pub const MAX_UPLOAD_BYTES: usize = 50 * 1024 * 1024;

fn import_page(
    user: &PageUser,
    framework_id: &FrameworkId,
    errors: &[FieldError],
    cells: &[calloff_interop::csv_rows::CellError],
    total: usize,
    title: &str,
    date: &TypedDate,
) -> Markup {
    let chrome = Chrome {
        title: "Upload a price list",
        actor: Some(&user.session.actor),
        csrf_token: Some(&user.session.csrf_token),
        section: Section::Frameworks,
        errors,
    };
    let file_error = error_for(errors, "file");
    layout(
        chrome,
        html! {
            (crate::html::back_link(&format!("/frameworks/{framework_id}/change-requests"), "Back to change requests"))
            h1 class="govuk-heading-l" { "Upload a price list" }
            p class="govuk-body" { "A CSV or XLSX file with a header row naming these columns, in any order:" }
            ul class="govuk-list govuk-list--bullet" {
                li { code { "lot" } ", " code { "sku" } ", " code { "name" } ", " code { "description" } }
                li { code { "unit" } ": per month, per user per month, one-off, per minute or per GB" }
                li { code { "price_gbp_ex_vat" } ": pounds, up to six decimal places; " code { "min_term_months" } "; " code { "cpv" } ", like 72720000-3" }
                li { "optionally " code { "effective_from" } " (year-month-day) and " code { "action" } " (" code { "withdraw" } ")" }
            }
            p class="govuk-body" {
                "New SKUs become new items, and rows that differ from an item in force become edits or price changes. "
                "The whole file is checked first; nothing is imported unless every row is valid. A valid file becomes one change request for the framework manager."
            }
            (crate::html::file_errors(cells, total))
            form method="post" action={ "/frameworks/" (framework_id) "/change-requests/import" } enctype="multipart/form-data" novalidate {
                (csrf_field(&user.session.csrf_token))
                (input(Input { error: error_for(errors, "title"), ..Input::text("title", "Title", title) }))
                (date_input("effective_from", "Effective from", "For rows without their own date. For example, 1 1 2027.", date, error_for(errors, "effective_from")))
                (crate::html::file_upload("Price list (CSV or XLSX)", ".csv,.xlsx", file_error))
                button type="submit" class="govuk-button" data-module="govuk-button" data-prevent-double-click="true" { "Check and upload" }
            }
        },
    )
}

pub async fn import_form(State(state): State<AppState>, user: PageUser, Path(id): Path<String>) -> Response {
    let actor = &user.session.actor;
    let framework_id = FrameworkId::from_stored(id);
    match change_requests::may_propose(&state.app, actor, &framework_id).await {
        Ok(_) => render(
            StatusCode::OK,
            import_page(&user, &framework_id, &[], &[], 0, "", &TypedDate::default()),
        ),
        Err(e) => error_page(Some(actor), &e),
    }
}

pub async fn import(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SignedInUpload { user, fields, file }: SignedInUpload,
) -> Response {
    use calloff_app::imports::{self, ImportError};
    use calloff_interop::price_list::Format;
    let actor = &user.session.actor;
    let framework_id = FrameworkId::from_stored(id);
    if let Err(e) = change_requests::may_propose(&state.app, actor, &framework_id).await {
        return error_page(Some(actor), &e);
    }
    let title = fields.text("title");
    let date = TypedDate::from_fields(&fields, "effective_from");
    let refuse = |errors: Vec<FieldError>, cells: &[calloff_interop::csv_rows::CellError], total: usize| {
        render(
            StatusCode::UNPROCESSABLE_ENTITY,
            import_page(&user, &framework_id, &errors, cells, total, &title, &date),
        )
    };
    let Some(file) = file else {
        return refuse(vec![FieldError::new("file", "Choose a CSV or XLSX file")], &[], 0);
    };
    let Some(effective) = date.date().filter(|d| *d >= state.app.today()) else {
        return refuse(
            vec![FieldError::new("effective_from", "Enter a real date, today or later")],
            &[],
            0,
        );
    };
    let size = file.bytes.len() as u64;
    let format = Format::sniff(&file.bytes);
    let title = if title.is_empty() {
        format!("Price list {}", file.file_name)
    } else {
        title.clone()
    };
    let outcome = imports::price_list(
        &state.app,
        actor,
        &framework_id,
        &title,
        Some(&effective.to_string()),
        (format, std::io::Cursor::new(file.bytes), size),
        |_| {},
    )
    .await;
    match outcome {
        Ok(imported) => Redirect::to(&format!("/change-requests/{}?submitted=1", imported.request.id)).into_response(),
        Err(ImportError::Cells { errors, total }) => refuse(
            vec![FieldError::new(
                "file",
                format!(
                    "The file has {}, listed by row and column; nothing was imported",
                    calloff_domain::text::count(total, "error", "errors")
                ),
            )],
            &errors,
            total,
        ),
        Err(ImportError::App(e)) if !e.field_errors().is_empty() => refuse(e.field_errors(), &[], 0),
        Err(ImportError::App(e)) => error_page(Some(actor), &e),
    }
}
