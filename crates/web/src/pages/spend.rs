//! Spend pages: the framework manager's (by month, lot, kind of body and customer, and the
//! headroom burn-up with its forecast) and a buyer organisation's (by cost centre, lot and
//! month, and its contract register with renewal alerts). Charts are SVG with tables beside.

use super::{error_page, render};
use crate::charts::{bars, burn_up, table, with_table};
use crate::html::{layout, summary_list, Chrome, Section};
use crate::session::PageUser;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use calloff_app::spend;
use calloff_domain::ids::FrameworkId;
use calloff_domain::money::Money;
use maud::{html, Markup};

/// `2026-11` as "November 2026"; anything else as it is.
pub fn month_label(month: &str) -> String {
    chrono::NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
        .map(crate::dates::month)
        .unwrap_or_else(|_| month.to_string())
}

fn months(rows: &[(String, Money)]) -> Vec<(String, Money)> {
    rows.iter().map(|(m, v)| (month_label(m), *v)).collect()
}

fn chart_section(id: &str, heading: &str, key: &str, rows: &[(String, Money)]) -> Markup {
    html! {
        h2 class="govuk-heading-m" id=(id) { (heading) }
        @if rows.is_empty() {
            p class="govuk-body" { "Nothing has been invoiced yet." }
        } @else {
            (with_table(bars(&format!("{id}-chart"), heading, rows), table(heading, key, rows)))
        }
    }
}

pub async fn framework(State(state): State<AppState>, user: PageUser, Path(id): Path<String>) -> Response {
    let actor = &user.session.actor;
    let report = match spend::framework_report(&state.app, actor, &FrameworkId::from_stored(id)).await {
        Ok(r) => r,
        Err(e) => return error_page(Some(actor), &e),
    };
    let f = &report.framework;
    let title = format!("Spend under {}", f.title);
    let chrome = Chrome {
        title: &title,
        actor: Some(actor),
        csrf_token: Some(&user.session.csrf_token),
        section: Section::Frameworks,
        errors: &[],
    };
    let t = &report.totals;
    let b = &report.burn_down;
    let lots: Vec<(String, Money)> = report
        .by_lot
        .iter()
        .map(|(n, title, v)| (format!("Lot {n}: {title}"), *v))
        .collect();
    let kinds: Vec<(String, Money)> = report
        .by_kind
        .iter()
        .map(|(k, v)| (k.label().to_string(), *v))
        .collect();
    let customers: Vec<(String, Money)> = report.top_customers.iter().map(|c| (c.name.clone(), c.net)).collect();
    let committed = months(&b.committed);
    render(
        StatusCode::OK,
        layout(
            chrome,
            html! {
                a href={ "/frameworks/" (f.id) } class="govuk-back-link" { "Back to " (f.title) }
                span class="govuk-caption-l" { (f.reference) }
                h1 class="govuk-heading-l" { "Spend and headroom" }
                (summary_list(&[
                    ("Ceiling", html! { (t.maximum) }),
                    ("Committed by call-offs", html! { (t.committed) }),
                    ("Invoiced to date", html! { (t.invoiced) " net of credit notes, from " (report.customers) " customers" }),
                    ("Headroom", html! { (t.headroom) }),
                    ("Ceiling reached", html! {
                        @match (b.ceiling_reached, b.monthly_rate) {
                            (Some(date), Some(rate)) => { "By " (crate::dates::month(date)) ", at the " (rate) " a month committed on average lately" },
                            _ => "No forecast: nothing has been committed yet",
                        }
                    }),
                ]))
                h2 class="govuk-heading-m" id="burn-up" { "Commitment against the ceiling" }
                @if let Some((_, placed)) = b.committed.last().filter(|(_, placed)| *placed < t.committed) {
                    p class="govuk-body" {
                        "The line counts call-offs sent to the supplier. Drafts awaiting approval hold a further "
                        (Money::from_pence(t.committed.pence() - placed.pence())) " of headroom."
                    }
                }
                @if committed.is_empty() {
                    p class="govuk-body" { "No call-offs have been placed yet." }
                } @else {
                    (with_table(
                        burn_up("burn-up-chart", "Committed value by month against the ceiling", &committed, b.ceiling),
                        table("Committed by the end of each month", "Month", &committed),
                    ))
                }
                (chart_section("by-month", "Invoiced by month", "Month", &months(&report.by_month)))
                (chart_section("by-lot", "Invoiced by lot", "Lot", &lots))
                (chart_section("by-kind", "Invoiced by kind of body", "Kind of body", &kinds))
                (chart_section("top-customers", "Largest customers", "Customer", &customers))
                h2 class="govuk-heading-m" id="returns" { "MI returns" }
                (summary_list(&[
                    ("Submitted", html! { (report.returns.submitted) @if report.returns.submitted_late > 0 { " (" (report.returns.submitted_late) " after their due date)" } }),
                    ("No business declared", html! { (report.returns.no_business) }),
                    ("Late: past due, not submitted", html! { strong { (report.returns.late) } }),
                    ("Due, not yet late", html! { (report.returns.due) }),
                ]))
                p class="govuk-body" { a class="govuk-link" href={ "/frameworks/" (f.id) "/returns" } { "All returns, late ones first" } }
                @if report.levy_by_month.is_empty() {
                    h2 class="govuk-heading-m" id="levy" { "Management charge by month" }
                    p class="govuk-body" { "No returns have been submitted yet, so no charge has been raised." }
                } @else {
                    (chart_section("levy", "Management charge by month", "Month", &months(&report.levy_by_month)))
                }
            },
        ),
    )
}

pub async fn organisation(State(state): State<AppState>, user: PageUser) -> Response {
    let actor = &user.session.actor;
    let report = match spend::organisation_report(&state.app, actor).await {
        Ok(r) => r,
        Err(e) => return error_page(Some(actor), &e),
    };
    let title = format!("Spend by {}", report.organisation_name);
    let chrome = Chrome {
        title: &title,
        actor: Some(actor),
        csrf_token: Some(&user.session.csrf_token),
        section: Section::CallOffs,
        errors: &[],
    };
    let lots: Vec<(String, Money)> = report.by_lot.iter().map(|(n, v)| (format!("Lot {n}"), *v)).collect();
    let centres: Vec<(String, Money)> = report
        .by_cost_centre
        .iter()
        .map(|(c, v)| {
            (
                if c.is_empty() {
                    "None recorded".to_string()
                } else {
                    c.clone()
                },
                *v,
            )
        })
        .collect();
    let due: Vec<_> = report.contracts.iter().filter(|c| c.renewal_due).collect();
    render(
        StatusCode::OK,
        layout(
            chrome,
            html! {
                a href="/call-offs" class="govuk-back-link" { "Back to your call-offs" }
                span class="govuk-caption-l" { (report.organisation_name) }
                h1 class="govuk-heading-l" { "Spend and contracts" }
                p class="govuk-body" { "Invoiced to date, net of credit notes: " strong class="calloff-numeric" { (report.invoiced) } }
                @if !due.is_empty() {
                    div class="govuk-warning-text" {
                        span class="govuk-warning-text__icon" aria-hidden="true" { "!" }
                        strong class="govuk-warning-text__text" {
                            span class="govuk-visually-hidden" { "Warning" }
                            @if due.len() == 1 { "1 contract ends" } @else { (due.len()) " contracts end" }
                            " within " (spend::RENEWAL_NOTICE_DAYS) " days: decide whether to renew, re-procure or let it end."
                        }
                    }
                }
                (chart_section("by-cost-centre", "Invoiced by cost centre", "Cost centre", &centres))
                (chart_section("by-lot", "Invoiced by lot", "Lot", &lots))
                (chart_section("by-month", "Invoiced by month", "Month", &months(&report.by_month)))
                h2 class="govuk-heading-m" id="contracts" { "Contract register" }
                p class="govuk-body" {
                    "The contracts over £5,000 and spending over £500 that the Transparency Code asks councils to publish, by quarter: "
                    a class="govuk-link" href="/organisation/transparency" { "Transparency Code registers" }
                }
                @if report.contracts.is_empty() {
                    p class="govuk-body" { "No contracts are running." }
                } @else {
                    div class="calloff-table-scroll" {
                        table class="govuk-table" {
                            caption class="govuk-table__caption govuk-table__caption--s" { "Running contracts, ending soonest first" }
                            thead class="govuk-table__head" { tr class="govuk-table__row" {
                                th scope="col" class="govuk-table__header" { "Call-off" }
                                th scope="col" class="govuk-table__header" { "Supplier" }
                                th scope="col" class="govuk-table__header" { "Ends" }
                                th scope="col" class="govuk-table__header govuk-table__header--numeric" { "Value" }
                            } }
                            tbody class="govuk-table__body" {
                                @for entry in &report.contracts {
                                    @let c = &entry.contract;
                                    tr class="govuk-table__row" {
                                        td class="govuk-table__cell" { a class="govuk-link" href={ "/call-offs/" (c.id) } { (c.reference) } }
                                        td class="govuk-table__cell" { (c.supplier) }
                                        td class="govuk-table__cell" {
                                            @match c.ends_on.as_deref().and_then(|e| calloff_domain::calendar::parse_date(e).ok()) {
                                                Some(end) => { (crate::dates::date(end)) },
                                                None => "When it goes live",
                                            }
                                            @if entry.renewal_due { " " strong class="govuk-tag govuk-tag--orange" { "Renewal due" } }
                                        }
                                        td class="govuk-table__cell govuk-table__cell--numeric calloff-numeric" { (c.value) }
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
