//! The home page: what waits on the signed-in person, by role, with counts; then the contracts
//! of their organisation that are ending and their recent call-offs.

use super::{error_page, render};
use crate::html::{layout, short_date, Chrome, Section};
use crate::session::PageUser;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use calloff_app::tasks::{self, Home, Task};
use calloff_domain::role::Role;
use maud::{html, Markup};

pub async fn show(State(state): State<AppState>, user: PageUser) -> Response {
    let actor = &user.session.actor;
    let home = match tasks::home(&state.app, actor).await {
        Ok(home) => home,
        Err(e) => return error_page(Some(actor), &e),
    };
    let standing = calloff_app::registration::standing(&state.app, actor)
        .await
        .ok()
        .flatten();
    let chrome = Chrome {
        title: "Your tasks",
        actor: Some(actor),
        csrf_token: Some(&user.session.csrf_token),
        section: Section::Home,
        errors: &[],
    };
    render(StatusCode::OK, layout(chrome, page(&user, &home, standing.as_deref())))
}

fn page(user: &PageUser, home: &Home, standing: Option<&str>) -> Markup {
    let actor = &user.session.actor;
    let waiting = home.waiting();
    html! {
        @if let Some(why) = standing { (crate::html::important_banner(why)) }
        span class="govuk-caption-l" { (actor.organisation_name) }
        h1 class="govuk-heading-l" { "Your tasks" }
        @if home.tasks.is_empty() {
            p class="govuk-body" { "Nothing waits on your roles here. Browse the " a class="govuk-link" href="/frameworks" { "frameworks" } "." }
        } @else {
            p class="govuk-body" id="tasks-summary" {
                @match waiting {
                    0 => "Nothing is waiting for you.",
                    1 => "1 thing is waiting for you.",
                    n => { (n) " things are waiting for you." }
                }
            }
            ul class="govuk-task-list" id="tasks" {
                @for t in &home.tasks { (task_row(t)) }
            }
        }
        (start_links(user))
        @if !home.renewals.is_empty() {
            h2 class="govuk-heading-m" id="renewals" { "Contracts ending soon" }
            div class="calloff-table-scroll" {
                table class="govuk-table" {
                    caption class="govuk-table__caption govuk-visually-hidden" { "Contracts ending within 90 days, soonest first" }
                    thead class="govuk-table__head" { tr class="govuk-table__row" {
                        th scope="col" class="govuk-table__header" { "Call-off" }
                        th scope="col" class="govuk-table__header" { "Supplier" }
                        th scope="col" class="govuk-table__header" { "Ends" }
                    } }
                    tbody class="govuk-table__body" {
                        @for c in &home.renewals {
                            tr class="govuk-table__row" {
                                td class="govuk-table__cell" { a class="govuk-link" href={ "/call-offs/" (c.id) } { (c.reference) } }
                                td class="govuk-table__cell" { (c.supplier) }
                                td class="govuk-table__cell" { (c.ends_on.as_deref().map(short_date).unwrap_or_default()) }
                            }
                        }
                    }
                }
            }
        }
        @if !home.recent.is_empty() {
            h2 class="govuk-heading-m" id="recent" { "Your recent call-offs" }
            div class="calloff-table-scroll" {
                (super::call_offs::list_table(&home.recent, actor.has(Role::SupplierUser)))
            }
            p class="govuk-body" { a class="govuk-link" href=(if actor.has(Role::SupplierUser) { "/supplier/inbox" } else { "/call-offs" }) { "All call-offs" } }
        }
    }
}

fn task_row(t: &Task) -> Markup {
    let id = format!(
        "task-{}",
        t.label
            .to_lowercase()
            .replace(|c: char| !c.is_ascii_alphanumeric(), "-")
    );
    html! {
        li class="govuk-task-list__item govuk-task-list__item--with-link" {
            div class="govuk-task-list__name-and-hint" {
                a class="govuk-link govuk-task-list__link" href=(t.href) aria-describedby={ (id) "-status" } { (t.label) }
                @if let Some(urgent) = &t.urgent {
                    div class="govuk-task-list__hint" { (urgent) }
                }
            }
            div class="govuk-task-list__status" id={ (id) "-status" } {
                @if t.count == 0 {
                    "None"
                } @else {
                    strong class=(if t.urgent.is_some() { "govuk-tag govuk-tag--red" } else { "govuk-tag govuk-tag--blue" }) {
                        (t.count) " waiting"
                    }
                }
            }
        }
    }
}

/// Where each role starts new work.
fn start_links(user: &PageUser) -> Markup {
    let actor = &user.session.actor;
    let mut links: Vec<(&str, &str)> = Vec::new();
    if actor.has(Role::Buyer) {
        links.push(("Find items and build a quote", "/frameworks"));
        links.push(("Your quote", "/quote"));
        links.push(("Your organisation's spend", "/organisation/spend"));
        links.push(("Transparency Code registers", "/organisation/transparency"));
    }
    if actor.has(Role::SupplierUser) {
        links.push(("Send a UBL invoice", "/invoices/upload"));
    }
    if actor.has(Role::FrameworkManager) {
        links.push(("Frameworks you manage", "/frameworks"));
    }
    if actor.has(Role::OrganisationAdmin) {
        links.push(("People in your organisation", "/organisation/people"));
    }
    html! {
        @if !links.is_empty() {
            h2 class="govuk-heading-m" { "Start something" }
            ul class="govuk-list" {
                @for (label, href) in &links {
                    li { a class="govuk-link" href=(href) { (label) } }
                }
            }
        }
    }
}
