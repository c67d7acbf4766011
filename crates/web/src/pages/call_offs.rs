//! Call-off pages for buyers and suppliers: lists, the call-off page, and decisions.

use super::{error_page, render};
use crate::html::{
    csrf_field, date_input, input, layout, percent, select, short_date, state_tag, success_banner, summary_list,
    textarea, timestamp, Chrome, Input, Section, Select, TypedDate,
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
pub struct ShowQuery {
    placed: Option<String>,
    varied: Option<String>,
    approval: Option<String>,
    /// The action just taken, for its success banner.
    done: Option<String>,
}

impl ShowQuery {
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
        "terminate" => "Call-off ended early. Its value is recomputed to its last day and the rest released.",
        "milestone" => "Milestone recorded.",
        "notice" => "Notice recorded as published.",
        _ => return None,
    })
}

/// Most call-offs a CSV download holds: a year of a large borough's orders.
const MAX_EXPORT_ROWS: usize = 5_000;

/// The list's query: the filters, the cursor and the format.
#[derive(Deserialize, Default, Clone)]
pub struct ListPageQuery {
    before: Option<String>,
    #[serde(default)]
    state: String,
    #[serde(default)]
    lot: String,
    #[serde(default)]
    placed_from: String,
    #[serde(default)]
    placed_to: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    format: String,
}

impl ListPageQuery {
    fn filters(&self) -> call_offs::ListQuery {
        let given = |v: &str| Some(v.trim().to_string()).filter(|v| !v.is_empty());
        call_offs::ListQuery {
            state: given(&self.state),
            lot: given(&self.lot),
            placed_from: given(&self.placed_from),
            placed_to: given(&self.placed_to),
            q: given(&self.q),
        }
    }

    /// The filters as a query string, for links that keep them.
    fn filter_query(&self) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (name, value) in [
            ("q", &self.q),
            ("state", &self.state),
            ("lot", &self.lot),
            ("placed_from", &self.placed_from),
            ("placed_to", &self.placed_to),
        ] {
            if !value.trim().is_empty() {
                query.append_pair(name, value.trim());
            }
        }
        query.finish()
    }

    fn link(&self, path: &str, extra: &str) -> String {
        let query = self.filter_query();
        match (query.is_empty(), extra.is_empty()) {
            (true, true) => path.to_string(),
            (true, false) => format!("{path}?{extra}"),
            (false, true) => format!("{path}?{query}"),
            (false, false) => format!("{path}?{query}&{extra}"),
        }
    }
}

fn filter_form(path: &str, q: &ListPageQuery, lots: &[(String, String)], errors: &[FieldError]) -> Markup {
    let error = |field: &str| crate::html::error_for(errors, field);
    let states: Vec<(String, String)> = std::iter::once((String::new(), "Any status".to_string()))
        .chain(
            CallOffState::ALL
                .into_iter()
                .map(|s| (s.as_str().to_string(), s.label().to_string())),
        )
        .collect();
    let lots: Vec<(String, String)> = std::iter::once((String::new(), "Any lot".to_string()))
        .chain(lots.iter().cloned())
        .collect();
    html! {
        form method="get" action=(path) novalidate class="calloff-no-print" {
            h2 class="govuk-heading-m" { "Find call-offs" }
            (input(Input {
                hint: Some("Words in the reference or title, for example CO-000012 or SIMs"),
                error: error("q"),
                spellcheck: Some(false),
                ..Input::text("q", "Reference or title", &q.q)
            }))
            div class="govuk-grid-row" {
                div class="govuk-grid-column-one-half" {
                    (select(Select { name: "state", label: "Status", hint: None, error: error("state"), options: &states, selected: q.state.trim() }))
                    (select(Select { name: "lot", label: "Lot", hint: None, error: error("lot"), options: &lots, selected: q.lot.trim() }))
                }
                div class="govuk-grid-column-one-half" {
                    (input(Input { hint: Some("For example, 2026-04-01"), error: error("placed_from"), width_class: Some("govuk-input--width-10"), spellcheck: Some(false), ..Input::text("placed_from", "Placed on or after", &q.placed_from) }))
                    (input(Input { hint: Some("For example, 2027-03-31"), error: error("placed_to"), width_class: Some("govuk-input--width-10"), spellcheck: Some(false), ..Input::text("placed_to", "Placed on or before", &q.placed_to) }))
                }
            }
            div class="govuk-button-group" {
                button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button" { "Apply filters" }
                a class="govuk-link" href=(path) { "Clear filters" }
            }
        }
    }
}

/// The title a list shows, or the note for call-offs placed before titles were asked for.
fn title_of(v: &CallOffView) -> &str {
    v.call_off
        .order
        .as_ref()
        .map_or("No title recorded", |o| o.title.as_str())
}

/// The party the reader deals with: the supplier for a buyer, the customer for a supplier.
fn counterparty(v: &CallOffView, supplier: bool) -> &str {
    if supplier {
        &v.buyer.name
    } else {
        &v.supplier.name
    }
}

pub(crate) fn list_table(views: &[CallOffView], supplier: bool) -> Markup {
    html! {
        div class="calloff-table-scroll" {
            table class="govuk-table" id="call-off-list" {
                caption class="govuk-table__caption govuk-table__caption--s govuk-visually-hidden" { "Call-offs" }
                thead class="govuk-table__head" {
                    tr class="govuk-table__row" {
                        th scope="col" class="govuk-table__header" { "Call-off" }
                        th scope="col" class="govuk-table__header" { @if supplier { "Customer" } @else { "Supplier" } }
                        th scope="col" class="govuk-table__header" { "Placed" }
                        th scope="col" class="govuk-table__header" { "Status" }
                        th scope="col" class="govuk-table__header govuk-table__header--numeric" { "Contract value (ex VAT)" }
                    }
                }
                tbody class="govuk-table__body" {
                    @for v in views {
                        tr class="govuk-table__row" {
                            td class="govuk-table__cell" {
                                a class="govuk-link" href={ "/call-offs/" (v.call_off.id) } { (title_of(v)) }
                                br; span class="govuk-body-s" { (v.call_off.reference) }
                            }
                            td class="govuk-table__cell" { (counterparty(v, supplier)) }
                            td class="govuk-table__cell" { (short_date(&v.call_off.placed_at)) }
                            td class="govuk-table__cell" { (state_tag(v.call_off.state)) }
                            td class="govuk-table__cell govuk-table__cell--numeric calloff-numeric" { (v.call_off.totals.contract_value) }
                        }
                    }
                }
            }
        }
    }
}

/// The filtered call-offs as CSV, newest change first, at most [`MAX_EXPORT_ROWS`].
async fn export(
    state: &AppState,
    actor: &calloff_app::Actor,
    filter: &calloff_app::call_offs::ListFilter,
    supplier: bool,
) -> Result<Response, calloff_app::AppError> {
    use calloff_interop::export::{csv, Cell};
    let mut rows = vec![[
        "reference",
        "title",
        if supplier { "customer" } else { "supplier" },
        "status",
        "placed_at",
        "starts_on",
        "purchase_order",
        "cost_centre",
        "contract_value_gbp",
    ]
    .into_iter()
    .map(Cell::text)
    .collect::<Vec<_>>()];
    let mut before = None;
    loop {
        let (views, next) = call_offs::list_views(&state.app, actor, before, filter).await?;
        for v in &views {
            let c = &v.call_off;
            let order = c.order.as_ref();
            rows.push(vec![
                Cell::text(&c.reference),
                order.map_or(Cell::Empty, |o| Cell::text(&o.title)),
                Cell::text(counterparty(v, supplier)),
                Cell::text(c.state.as_str()),
                Cell::text(&c.placed_at),
                order.map_or(Cell::Empty, |o| Cell::text(o.starts_on.to_string())),
                order
                    .and_then(|o| o.purchase_order.as_deref())
                    .map_or(Cell::Empty, Cell::text),
                c.cost_centre.as_ref().map_or(Cell::Empty, |cc| Cell::text(cc.as_str())),
                Cell::Pounds(c.totals.contract_value),
            ]);
        }
        match next {
            Some(n) if rows.len() <= MAX_EXPORT_ROWS => before = Some(n),
            _ => break,
        }
    }
    rows.truncate(MAX_EXPORT_ROWS + 1);
    let disposition = "attachment; filename=\"call-offs.csv\"";
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (axum::http::header::CONTENT_DISPOSITION, disposition),
        ],
        csv(&rows),
    )
        .into_response())
}

/// Lot options for the filter: each lot number of the frameworks, with its title.
async fn lot_options(state: &AppState, actor: &calloff_app::Actor) -> Vec<(String, String)> {
    let frameworks = calloff_app::frameworks::list(&state.app, actor)
        .await
        .unwrap_or_default();
    let mut lots: std::collections::BTreeMap<u32, Vec<String>> = Default::default();
    for lot in frameworks.iter().flat_map(|f| f.lots.iter()) {
        let titles = lots.entry(lot.number).or_default();
        if !titles.contains(&lot.title) {
            titles.push(lot.title.clone());
        }
    }
    lots.into_iter()
        .map(|(n, titles)| (n.to_string(), format!("Lot {n}: {}", titles.join(" / "))))
        .collect()
}

async fn list_page(state: &AppState, user: &PageUser, query: &ListPageQuery, supplier: bool) -> Response {
    let actor = &user.session.actor;
    let path = if supplier { "/supplier/inbox" } else { "/call-offs" };
    let before = query.before.as_deref().and_then(|b| b.parse().ok());
    let (filter, errors) = match query.filters().parse() {
        Ok(filter) => (Some(filter), Vec::new()),
        Err(e) if e.is_form_error() => (None, e.field_errors()),
        Err(e) => return error_page(Some(actor), &e),
    };
    if let (Some(filter), "csv") = (&filter, query.format.as_str()) {
        return match export(state, actor, filter, supplier).await {
            Ok(download) => download,
            Err(e) => error_page(Some(actor), &e),
        };
    }
    let (views, next) = match &filter {
        Some(filter) => match call_offs::list_views(&state.app, actor, before, filter).await {
            Ok(page) => page,
            Err(e) => return error_page(Some(actor), &e),
        },
        None => (Vec::new(), None),
    };
    // The framework manager's and auditors' way to every customer's call-offs.
    let registers = match calloff_app::register::readable_frameworks(&state.app, actor).await {
        Ok(frameworks) => frameworks,
        Err(e) => return error_page(Some(actor), &e),
    };
    let lots = lot_options(state, actor).await;
    let (title, section) = if supplier {
        ("Supplier inbox", Section::Inbox)
    } else {
        ("Your organisation's call-offs", Section::CallOffs)
    };
    let chrome = Chrome {
        title,
        actor: Some(actor),
        csrf_token: Some(&user.session.csrf_token),
        section,
        errors: &errors,
    };
    let filtered = !query.filter_query().is_empty();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render(
        status,
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
                (filter_form(path, query, &lots, &errors))
                @if errors.is_empty() {
                    @if views.is_empty() {
                        p class="govuk-body" id="no-call-offs" {
                            @if filtered { "No call-offs match these filters." } @else { "There are no call-offs yet." }
                        }
                    } @else {
                        p class="govuk-body calloff-no-print" {
                            a class="govuk-link" href=(query.link(path, "format=csv")) { "Download these call-offs as CSV" }
                        }
                        (list_table(&views, supplier))
                    }
                }
                @if let Some(next) = next {
                    nav class="govuk-pagination" aria-label="Pagination" {
                        div class="govuk-pagination__next" {
                            a class="govuk-link govuk-pagination__link" href=(query.link(path, &format!("before={next}"))) rel="next" {
                                span class="govuk-pagination__link-title" { "Older call-offs" }
                            }
                        }
                    }
                }
            },
        ),
    )
}

pub async fn list(State(state): State<AppState>, user: PageUser, Query(query): Query<ListPageQuery>) -> Response {
    if user.session.actor.has(Role::SupplierUser) {
        return Redirect::to("/supplier/inbox").into_response();
    }
    list_page(&state, &user, &query, false).await
}

pub async fn inbox(State(state): State<AppState>, user: PageUser, Query(query): Query<ListPageQuery>) -> Response {
    if !user.session.actor.has(Role::SupplierUser) {
        return error_page(
            Some(&user.session.actor),
            &calloff_app::AppError::Forbidden("only a supplier user has an inbox".into()),
        );
    }
    list_page(&state, &user, &query, true).await
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

/// An address as typed, a line each.
fn address(text: &str) -> Markup {
    html! {
        @for (i, line) in text.lines().map(str::trim).filter(|l| !l.is_empty()).enumerate() {
            @if i > 0 { br; }
            (line)
        }
    }
}

/// A person to contact: name, then email (a link) and phone (when known) on their own lines.
fn contact(name: &str, email: &str, phone: Option<&str>) -> Markup {
    html! {
        (name) br;
        a class="govuk-link calloff-break-words" href={ "mailto:" (email) } { (email) }
        @if let Some(phone) = phone { br; (phone) }
    }
}

pub(super) fn details(view: &CallOffView) -> Markup {
    let c = &view.call_off;
    const NOT_ASKED: &str = "Not recorded: placed before orders asked for it";
    let order = c.order.as_ref();
    html! {
        (summary_list(&[
            ("Title", html! { (order.map_or(NOT_ASKED, |o| o.title.as_str())) }),
            ("Status", state_tag(c.state)),
            ("Framework", html! { (view.framework_title) " (" (view.framework_reference) ")" }),
            ("Buyer", party(&view.buyer)),
            ("Supplier", party(&view.supplier)),
            ("Start date", html! { @match order { Some(o) => (o.starts_on.format("%-d %B %Y")), None => (NOT_ASKED) } }),
            ("Delivery address or sites", html! { @match order { Some(o) => (address(&o.delivery_address)), None => (NOT_ASKED) } }),
            ("Purchase order number", html! { (order.map_or(NOT_ASKED, |o| o.purchase_order.as_deref().unwrap_or("None given"))) }),
            ("Buyer's contact", html! { @match order { Some(o) => (contact(&o.contact.name, &o.contact.email, Some(&o.contact.phone))), None => (NOT_ASKED) } }),
            ("Supplier's contact", html! { @match &c.supplier_contact {
                Some(p) => (contact(&p.name, &p.email, None)),
                None => "Named when the supplier accepts the call-off",
            } }),
            ("Cost centre", html! { (c.cost_centre.as_ref().map_or("Not recorded", |cc| cc.as_str())) }),
            (if c.state == CallOffState::Draft { "Submitted" } else { "Placed" }, html! { (timestamp(&c.placed_at)) }),
            ("Last changed", html! { (timestamp(&c.updated_at)) }),
            ("Live since", html! { (view.live_on.as_deref().map_or_else(|| "Not yet live".to_string(), crate::dates::date_of)) }),
            ("Term ends", html! { (view.ends_on.as_deref().map_or_else(|| "When it goes live, after its longest term".to_string(), crate::dates::date_of)) }),
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
                th scope="col" class="govuk-table__header" { "Why" }
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
                        td class="govuk-table__cell" { (v.reason.as_deref().unwrap_or("Not given")) }
                    }
                }
            }
        }
    }
}

/// What the call-off page shows besides the call-off: a notice after an action, and the forms
/// shown again with what was typed and its errors.
#[derive(Default)]
struct PageState<'a> {
    notice: Markup,
    errors: &'a [FieldError],
    milestone_name: &'a str,
    milestone_done_on: TypedDate,
    /// The cost centre typed into "Submit for approval again", if it was sent.
    cost_centre: Option<&'a str>,
    /// The status for the errors, when not 422 (409 for headroom that ran out).
    status: Option<StatusCode>,
}

/// The buttons this user may press on this call-off, in its current state. Ending or cancelling
/// it sits apart, in [`stop_section`].
fn actions(user: &PageUser, view: &CallOffView, today: &str, page: &PageState<'_>) -> Markup {
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
    let cost_centre = page
        .cost_centre
        .unwrap_or_else(|| c.cost_centre.as_ref().map_or("", |cc| cc.as_str()));
    html! {
        div class="govuk-button-group calloff-no-print" id="actions" {
            @if is_supplier && c.state == CallOffState::Placed {
                (button("accept", "Accept call-off", ""))
                a class="govuk-button govuk-button--warning" href={ "/call-offs/" (c.id) "/reject" } { "Reject call-off" }
            }
            @if is_supplier && c.state == CallOffState::Accepted { (button("go-live", "Mark as live", "")) }
            @if (is_supplier || is_buyer) && c.state == CallOffState::Live
                && view.ends_on.as_deref().is_some_and(|end| end <= today) {
                (button("end", "End call-off", "govuk-button--secondary"))
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
                        error: crate::html::error_for(page.errors, "cost_centre"),
                        ..crate::html::Input::text("cost_centre", "Cost centre", cost_centre)
                    }))
                    button type="submit" class="govuk-button" data-module="govuk-button" { "Submit for approval again" }
                }
            }
            @if let Some(a) = awaiting.filter(|a| a.why_not_decide(actor, c).is_none()) {
                a class="govuk-button" href={ "/approvals/" (a.request.id) } { "Approve or return" }
            }
            a class="govuk-link" href={ "/call-offs/" (c.id) "/order-form" } { "Printable order form" }
        }
    }
}

/// Ending a live call-off before its term, or cancelling one not yet live: apart from the
/// routine actions, under its own heading, with a warning button.
fn stop_section(user: &PageUser, view: &CallOffView, today: &str) -> Markup {
    let actor = &user.session.actor;
    let c = &view.call_off;
    let is_supplier = view.standing.acts_as_supplier(&actor.roles);
    let is_buyer = view.standing.acts_as_buyer(&actor.roles);
    let may_terminate = (is_supplier || is_buyer)
        && c.state == CallOffState::Live
        && view.ends_on.as_deref().is_none_or(|end| end > today);
    let may_cancel = is_buyer
        && matches!(
            c.state,
            CallOffState::Draft | CallOffState::Placed | CallOffState::Accepted
        );
    html! {
        @if may_terminate {
            section class="calloff-stop-section calloff-no-print" id="end-early" aria-labelledby="end-early-heading" {
                h2 class="govuk-heading-m" id="end-early-heading" { "End this call-off early" }
                p class="govuk-body" {
                    "Ending early stops the service on a day you choose, before its term ends"
                    @if let Some(end) = &view.ends_on { " (" (crate::dates::date_of(end)) ")" }
                    ". Its contract value is recomputed to what is due to that day, the rest is released to the framework's headroom, and the supplier is told. It cannot be undone."
                }
                a class="govuk-button govuk-button--warning" href={ "/call-offs/" (c.id) "/terminate" } { "End this call-off early" }
            }
        }
        @if may_cancel {
            section class="calloff-stop-section calloff-no-print" id="cancel" aria-labelledby="cancel-heading" {
                h2 class="govuk-heading-m" id="cancel-heading" { "Cancel this call-off" }
                p class="govuk-body" { "Cancelling withdraws the order before the service goes live and releases its value to the framework's headroom. It cannot be undone." }
                a class="govuk-button govuk-button--warning" href={ "/call-offs/" (c.id) "/cancel" } { "Cancel call-off" }
            }
        }
    }
}

/// The call-off page, first shown or shown again with a form's errors: the same notices,
/// details, buttons and sections either way.
/// The Procurement Act notices the call-off needs, with their due dates and the threshold it was
/// judged by.
fn notices_section(
    call_off: &CallOffView,
    notices: &calloff_app::notices::CallOffNotices,
    today: chrono::NaiveDate,
    records: bool,
) -> Markup {
    html! {
        @if let Some(awarded_on) = notices.awarded_on {
            h2 class="govuk-heading-m" id="notices-heading" { "Notices to publish" }
            p class="govuk-body" {
                "Worth " (notices.value_inc_vat) " including VAT as awarded on " (crate::dates::date(awarded_on)) ". "
                @match &notices.threshold {
                    Some(t) if notices.value_inc_vat >= t.value => {
                        "That is at or above the threshold for its kind of body (" (t.kind.label()) "): " (t.value)
                        " from " (crate::dates::date(t.from)) ", under " (t.source) ". So a contract award notice is needed."
                    }
                    Some(t) => {
                        "That is below the threshold for its kind of body (" (t.kind.label()) "): " (t.value)
                        " from " (crate::dates::date(t.from)) ", under " (t.source) "."
                    }
                    None => { "No threshold is recorded for this kind of body on that day, so check whether a contract award notice is needed." }
                }
            }
            @if notices.due.is_empty() {
                p class="govuk-body" id="no-notices" { "No notice is due yet. A contract details notice falls due once the supplier accepts." }
            } @else {
                table class="govuk-table" id="notices" {
                    caption class="govuk-table__caption govuk-visually-hidden" { "Notices to publish on Find a Tender" }
                    thead class="govuk-table__head" { tr class="govuk-table__row" {
                        th scope="col" class="govuk-table__header" { "Notice" }
                        th scope="col" class="govuk-table__header" { "When" }
                        th scope="col" class="govuk-table__header" { "Due by" }
                        th scope="col" class="govuk-table__header" { "Published" }
                    } }
                    tbody class="govuk-table__body" {
                        @for d in &notices.due {
                            tr class="govuk-table__row" {
                                td class="govuk-table__cell" {
                                    (d.kind.label()) " (" (d.kind.code()) ")"
                                    @if let Some(n) = d.variation { ", variation " (n) }
                                    br;
                                    a class="govuk-link govuk-body-s" href=(super::notices::data_link(&call_off.call_off.id, d)) download {
                                        "Notice data (OCDS JSON)" span class="govuk-visually-hidden" { ": " (d.kind.label()) @if let Some(n) = d.variation { ", variation " (n) } }
                                    }
                                }
                                td class="govuk-table__cell" { (d.when) }
                                td class="govuk-table__cell" {
                                    (crate::dates::date(d.due_on))
                                    @if d.due_on < today && notices.publication(d).is_none() { " " strong class="govuk-tag govuk-tag--red" { "Overdue" } }
                                }
                                td class="govuk-table__cell" {
                                    @match notices.publication(d) {
                                        Some(p) => { (p.reference) br; span class="govuk-body-s" { "on " (crate::dates::date_of(&p.published_on)) } }
                                        None if records => {
                                            a class="govuk-link" href={ "/call-offs/" (call_off.call_off.id) "/notices/record?notice=" (d.kind.code()) @if let Some(n) = d.variation { "&variation=" (n) } } {
                                                "Record as published" span class="govuk-visually-hidden" { ": " (d.kind.label()) }
                                            }
                                        }
                                        None => { "Not yet" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

async fn call_off_page(state: &AppState, user: &PageUser, view: &CallOffView, page: PageState<'_>) -> Response {
    let actor = &user.session.actor;
    let invoices = match calloff_app::invoices::for_call_off(&state.app, actor, &view.call_off.id).await {
        Ok((list, _)) => list,
        Err(e) => return error_page(Some(actor), &e),
    };
    let section = if actor.has(Role::SupplierUser) {
        Section::Inbox
    } else {
        Section::CallOffs
    };
    let today = state.app.today().to_string();
    let title = format!("Call-off {}", view.call_off.reference);
    let chrome = Chrome {
        title: &title,
        actor: Some(actor),
        csrf_token: Some(&user.session.csrf_token),
        section,
        errors: page.errors,
    };
    let status = match (page.errors.is_empty(), page.status) {
        (true, _) => StatusCode::OK,
        (false, Some(status)) => status,
        (false, None) => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let is_supplier = view.standing.acts_as_supplier(&actor.roles);
    // The buyer publishes the notices; the supplier and the manager may read them too.
    let notices = match calloff_app::notices::for_call_off(&state.app, view).await {
        Ok(notices) => notices,
        Err(e) => return error_page(Some(actor), &e),
    };
    render(
        status,
        layout(
            chrome,
            html! {
                (page.notice)
                (crate::html::back_link("/call-offs", "Back to call-offs"))
                span class="govuk-caption-l" { "Call-off" }
                h1 class="govuk-heading-l" { (view.call_off.reference) }
                (details(view))
                @if view.call_off.state == CallOffState::Accepted && is_supplier {
                    (milestone_form(user, view, page.errors, page.milestone_name, &page.milestone_done_on))
                }
                (actions(user, view, &today, &page))
                (super::invoices::spend_summary(&view.spend))
                @if is_supplier
                    && matches!(view.call_off.state, CallOffState::Placed | CallOffState::Accepted | CallOffState::Live | CallOffState::Ended) {
                    a class="govuk-button govuk-button--secondary" href={ "/call-offs/" (view.call_off.id) "/invoices/new" } { "Invoice this call-off" }
                }
                (super::invoices::invoice_table(&invoices))
                (notices_section(view, &notices, state.app.today(), view.standing.acts_as_buyer(&actor.roles)))
                (stop_section(user, view, &today))
            },
        ),
    )
}

pub async fn show(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Query(query): Query<ShowQuery>,
) -> Response {
    let actor = &user.session.actor;
    let view = match call_offs::view(&state.app, actor, &CallOffId::from_stored(id)).await {
        Ok(v) => v,
        Err(e) => return error_page(Some(actor), &e),
    };
    let notice = html! {
        @if query.just_placed() {
            @if view.call_off.state == CallOffState::Draft {
                (success_banner("Call-off submitted for approval"))
            } @else {
                (success_banner("Call-off placed and sent to the supplier"))
            }
        }
        @match query.approval.as_deref() {
            Some("withdraw") => (success_banner("Withdrawn from approval; its value is released")),
            Some("resubmit") => (success_banner("Submitted again")),
            _ => {},
        }
        @if let Some(done) = query.done.as_deref().and_then(done_banner) { (success_banner(done)) }
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
    };
    let page = PageState {
        notice,
        ..PageState::default()
    };
    call_off_page(&state, &user, &view, page).await
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
    let c = &view.call_off;
    let placed_on = short_date(&c.placed_at);
    render(
        StatusCode::OK,
        layout(
            chrome,
            html! {
                a class="govuk-back-link" href={ "/call-offs/" (c.id) } { "Back to the call-off" }
                span class="govuk-caption-l" { "Call-off order form under " (view.framework_reference) }
                h1 class="govuk-heading-l" { (c.reference) @if let Some(o) = &c.order { ": " (o.title) } }
                p class="govuk-body calloff-no-print" { "Print this page for a paper copy of the order to sign. Printing leaves out the navigation and buttons." }
                (details(&view))
                h2 class="govuk-heading-m" { "Parties and contacts" }
                div class="calloff-signatures" {
                    div class="calloff-order-party" id="buyer-party" {
                        h3 class="govuk-heading-s" { "Customer" }
                        p class="govuk-body" { (party(&view.buyer)) }
                        p class="govuk-body" {
                            @match &c.order {
                                Some(o) => { "Contact: " (contact(&o.contact.name, &o.contact.email, Some(&o.contact.phone))) },
                                None => "Contact: not recorded",
                            }
                        }
                    }
                    div class="calloff-order-party" id="supplier-party" {
                        h3 class="govuk-heading-s" { "Supplier" }
                        p class="govuk-body" { (party(&view.supplier)) }
                        p class="govuk-body" {
                            @match &c.supplier_contact {
                                Some(p) => { "Contact: " (contact(&p.name, &p.email, None)) },
                                None => "Contact: named when the supplier accepts the call-off",
                            }
                        }
                    }
                }
                section class="calloff-order-terms" id="terms" aria-labelledby="terms-heading" {
                    h2 class="govuk-heading-m" id="terms-heading" { "Terms that apply" }
                    p class="govuk-body" {
                        "This call-off is placed under framework agreement " strong { (view.framework_reference) } ", "
                        (view.framework_title) ", and is governed by that agreement's call-off terms and conditions, "
                        "as in force on " (placed_on) ", when it was placed."
                    }
                    ul class="govuk-list govuk-list--bullet" {
                        li { "The prices and item descriptions are those in force when it was placed, as listed above; they do not change for its term." }
                        li { "Its contract value counts against the framework's maximum value. Any variation is recorded against its original value and the framework's modification limit." }
                        li { "Nothing on this form varies the framework's call-off terms. Where they conflict, the call-off terms prevail." }
                    }
                    h2 class="govuk-heading-m" { "Signatures" }
                    p class="govuk-body" { "Signed for and on behalf of each party." }
                    div class="calloff-signatures" id="signatures" {
                        @for (side, org) in [("Customer", &view.buyer), ("Supplier", &view.supplier)] {
                            div {
                                h3 class="govuk-heading-s" { "For the " (side.to_lowercase()) ": " (org.name) }
                                @for label in ["Signature", "Name", "Position", "Date"] {
                                    p class="govuk-body-s govuk-!-margin-bottom-1" { (label) }
                                    div class="calloff-signature-line" {}
                                }
                            }
                        }
                    }
                }
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
        Err(e) if e.is_form_error() => match call_offs::view(&state.app, actor, &id).await {
            Ok(view) => {
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
                let page = PageState {
                    errors: &errors,
                    milestone_name: &name,
                    milestone_done_on: typed,
                    ..PageState::default()
                };
                call_off_page(&state, &user, &view, page).await
            }
            Err(e) => error_page(Some(actor), &e),
        },
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
    let (title, button, reason_label) = match action {
        "reject" => ("Reject call-off", "Reject call-off", "Reason"),
        "terminate" => (
            "End this call-off early",
            "End call-off early",
            "Why are you ending it early?",
        ),
        _ => ("Cancel call-off", "Cancel call-off", "Reason"),
    };
    let chrome = Chrome {
        title,
        actor: Some(&user.session.actor),
        csrf_token: Some(&user.session.csrf_token),
        section: Section::None,
        errors,
    };
    let c = &view.call_off;
    layout(
        chrome,
        html! {
            (crate::html::back_link(&format!("/call-offs/{}", c.id), "Back to the call-off"))
            span class="govuk-caption-l" { (c.reference) @if let Some(o) = &c.order { ": " (o.title) } }
            h1 class="govuk-heading-l" { (title) }
            @if action == "terminate" {
                p class="govuk-body" {
                    "This call-off with " (view.supplier.name) " for " (view.buyer.name) " is live, with a contract value of "
                    (c.totals.contract_value) " excluding VAT, and its term runs to " (view.ends_on.as_deref().map_or_else(|| "its end".to_string(), crate::dates::date_of)) "."
                }
                p class="govuk-body" { "If you end it early:" }
                ul class="govuk-list govuk-list--bullet" {
                    li { "the service stops after the last day you give" }
                    li { "its contract value is recomputed to what is due to that day: one-off charges and usage in full, and each monthly charge for the months served, a started month counting whole" }
                    li { "the rest of its value is released to the framework's headroom" }
                    li { "the supplier is told, and the reason is kept in the audit record" }
                }
                div class="govuk-warning-text" {
                    span class="govuk-warning-text__icon" aria-hidden="true" { "!" }
                    strong class="govuk-warning-text__text" {
                        span class="govuk-visually-hidden" { "Warning" }
                        "Ending a call-off early cannot be undone. To change what it buys instead, vary it."
                    }
                }
            } @else {
                p class="govuk-body" {
                    "Contract value " (c.totals.contract_value) " ex VAT, for " (view.buyer.name) ". "
                    "Its value will be released back to the framework's headroom."
                }
            }
            form method="post" action={ "/call-offs/" (c.id) "/" (action) } novalidate {
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
                (textarea("reason", reason_label, sent.reason, Some("The other party and the audit record will see this"), crate::html::error_for(errors, "reason")))
                div class="govuk-button-group" {
                    button type="submit" class="govuk-button govuk-button--warning" data-module="govuk-button" data-prevent-double-click="true" { (button) }
                    a class="govuk-link" href={ "/call-offs/" (c.id) } { "Go back to the call-off" }
                }
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
            // A bad cost centre: the call-off page again, with the form and its error.
            Err(e) if e.is_form_error() => match call_offs::view(&state.app, actor, &id).await {
                Ok(view) => {
                    let errors = e.field_errors();
                    let cost_centre = fields.text("cost_centre");
                    let page = PageState {
                        errors: &errors,
                        cost_centre: Some(&cost_centre),
                        status: Some(crate::errors::classify(&e).status),
                        ..PageState::default()
                    };
                    call_off_page(&state, &user, &view, page).await
                }
                Err(e) => error_page(Some(actor), &e),
            },
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
