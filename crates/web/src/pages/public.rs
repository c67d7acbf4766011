//! The public pages of open data, with no sign-in (issue 12): the list of frameworks, and each
//! framework's page. They show nothing its manager withholds from the open data (ADR 0017).

use super::{error_page, render};
use crate::html::{layout, percent, summary_list, Chrome, Section};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use calloff_app::public_frameworks::{self, PublicFramework};
use calloff_domain::ids::FrameworkId;
use calloff_domain::money::Money;
use calloff_interop::ocds::WithheldField;
use maud::{html, Markup};

/// Where the open data is, for every framework.
fn open_data_links(ocid: Option<&str>) -> Markup {
    html! {
        ul class="govuk-list govuk-list--bullet" {
            li {
                a class="govuk-link" href="/api/v1/ocds/releases" { "Every framework and call-off as OCDS 1.1.5 releases (JSON)" }
                ", a page at a time: follow " code { "links.next" }
            }
            @if let Some(ocid) = ocid {
                li {
                    a class="govuk-link" href={ "/api/v1/ocds/records/" (ocid) } { "This framework's OCDS record (JSON)" }
                    ", ocid " code { (ocid) }
                }
            }
            li { a class="govuk-link" href="/api/openapi.json" { "The API's description (OpenAPI)" } }
        }
        p class="govuk-body" {
            "Whoever runs calloff can also write every release to one file with the command "
            code { "calloff export ocds --out releases.json" } "."
        }
    }
}

/// Every framework that is not a draft, with a link to its public page.
pub async fn index(State(state): State<AppState>) -> Response {
    let all = match public_frameworks::list(&state.app).await {
        Ok(all) => all,
        Err(e) => return error_page(None, &e),
    };
    let chrome = Chrome {
        title: "Open data",
        actor: None,
        csrf_token: None,
        section: Section::None,
        errors: &[],
    };
    render(
        StatusCode::OK,
        layout(
            chrome,
            html! {
                h1 class="govuk-heading-l" { "Open data" }
                p class="govuk-body" {
                    "Each framework agreement on calloff, what it is, who may buy through it, how much of its ceiling is committed and where the spend goes. "
                    "You do not need to sign in."
                }
                h2 class="govuk-heading-m" { "Frameworks" }
                ul class="govuk-list" {
                    @for f in &all {
                        li {
                            a class="govuk-link" href={ "/frameworks/" (f.id) "/public" } { (f.title) }
                            " (" (f.reference) ")"
                        }
                    }
                }
                h2 class="govuk-heading-m" { "Open Contracting Data Standard" }
                (open_data_links(None))
            },
        ),
    )
}

fn money_or_withheld(value: Option<Money>) -> Markup {
    html! {
        @match value {
            Some(m) => (m),
            None => "Withheld",
        }
    }
}

pub async fn framework(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let p = match public_frameworks::framework(&state.app, &FrameworkId::from_stored(id)).await {
        Ok(p) => p,
        Err(e) => return error_page(None, &e),
    };
    let f = &p.framework;
    let chrome = Chrome {
        title: &f.title,
        actor: None,
        csrf_token: None,
        section: Section::None,
        errors: &[],
    };
    render(
        StatusCode::OK,
        layout(
            chrome,
            html! {
                (crate::html::back_link("/open-data", "Back to open data"))
                span class="govuk-caption-l" { (f.reference) }
                h1 class="govuk-heading-l" { (f.title) }
                p class="govuk-body-l" {
                    "A framework agreement through which eligible public bodies buy by call-off. This page is public: you do not need to sign in."
                }
                (withholding(&p))
                (summary_list(&[
                    ("Reference", html! { (f.reference) }),
                    ("Managing authority", html! { (p.authority) }),
                    (if p.suppliers.len() == 1 { "Supplier" } else { "Suppliers" }, html! { (p.suppliers.join(", ")) }),
                    ("Term", html! { (crate::dates::date(f.term.start)) " to " (crate::dates::date(f.term.end)) }),
                    ("Status", html! { (f.status.as_str()) }),
                    ("Maximum value (ceiling)", html! { span class="calloff-numeric" { (f.maximum_value) } }),
                    ("Call-offs placed", html! { (p.call_offs) }),
                ]))
                (lots(&p))
                h2 class="govuk-heading-m" { "Who may use it" }
                @if p.eligible_kinds.is_empty() {
                    p class="govuk-body" { "Only the bodies named on its eligibility register." }
                } @else {
                    p class="govuk-body" { "Any verified body of these kinds:" }
                    ul class="govuk-list govuk-list--bullet" {
                        @for kind in &p.eligible_kinds { li { (kind.label()) } }
                    }
                }
                p class="govuk-body" {
                    @if p.named_bodies == 0 {
                        "No other body is named on its eligibility register."
                    } @else {
                        (calloff_domain::text::count(p.named_bodies, "other body is", "other bodies are"))
                        " named on its eligibility register."
                    }
                    " Signed-in users can read the register in full."
                }
                (headroom(&p))
                (spend(&p))
                h2 class="govuk-heading-m" { "Open data" }
                p class="govuk-body" {
                    "The framework and every call-off placed under it are published in the Open Contracting Data Standard (OCDS 1.1.5), with no sign-in."
                }
                (open_data_links(Some(&p.ocid)))
            },
        ),
    )
}

/// A withheld field as this page speaks of it: of the framework's call-offs.
fn in_words(field: WithheldField) -> &'static str {
    match field {
        WithheldField::UnitPrices => "the unit prices of what its call-offs buy",
        WithheldField::CallOffValues => "the values of its call-offs and their amendments, and the amounts invoiced",
    }
}

/// What the framework withholds from its open data, why, and what this page leaves out for it.
fn withholding(p: &PublicFramework) -> Markup {
    html! {
        @if !p.withheld.is_empty() {
            div class="govuk-inset-text" {
                h2 class="govuk-heading-s" { "Withheld as commercially confidential" }
                ul class="govuk-list govuk-list--bullet" {
                    @for (field, reason) in &p.withheld {
                        li { "The framework's manager withholds " (in_words(*field)) ". The reason given: " (reason) }
                    }
                }
                @if p.values_withheld() {
                    p class="govuk-body" {
                        "So this page does not show what is committed, the headroom or what was invoiced either: each is a sum of call-offs' values, and comparing it before and after a call-off is published would give that call-off's value. "
                        "It shows the ceilings and how many call-offs there are, as the open data does."
                    }
                }
            }
        }
    }
}

fn lots(p: &PublicFramework) -> Markup {
    html! {
        h2 class="govuk-heading-m" { "Lots" }
        table class="govuk-table" {
            caption class="govuk-table__caption govuk-table__caption--s" { "Lots and their ceilings" }
            thead class="govuk-table__head" {
                tr class="govuk-table__row" {
                    th scope="col" class="govuk-table__header" { "Lot" }
                    th scope="col" class="govuk-table__header govuk-table__header--numeric" { "Ceiling" }
                }
            }
            tbody class="govuk-table__body" {
                @for lot in &p.lots {
                    tr class="govuk-table__row" {
                        th scope="row" class="govuk-table__header" { "Lot " (lot.number) ": " (lot.title) }
                        td class="govuk-table__cell govuk-table__cell--numeric calloff-numeric" {
                            @match lot.ceiling { Some(c) => (c), None => "None of its own" }
                        }
                    }
                }
            }
        }
    }
}

fn headroom(p: &PublicFramework) -> Markup {
    html! {
        h2 class="govuk-heading-m" { "Ceiling, committed and headroom" }
        @if let Some(h) = p.headroom {
            p class="govuk-body" {
                "Committed is the value of every call-off placed and not cancelled, over its whole term (ended call-offs at their final value). Headroom is the ceiling less what is committed."
            }
            table class="govuk-table" {
                caption class="govuk-table__caption govuk-table__caption--s" { "Ceiling, committed value and headroom, overall and by lot" }
                thead class="govuk-table__head" {
                    tr class="govuk-table__row" {
                        th scope="col" class="govuk-table__header" { "Scope" }
                        th scope="col" class="govuk-table__header govuk-table__header--numeric" { "Ceiling" }
                        th scope="col" class="govuk-table__header govuk-table__header--numeric" { "Committed" }
                        th scope="col" class="govuk-table__header govuk-table__header--numeric" { "Headroom" }
                        th scope="col" class="govuk-table__header govuk-table__header--numeric" { "Used" }
                    }
                }
                tbody class="govuk-table__body" {
                    tr class="govuk-table__row" {
                        th scope="row" class="govuk-table__header" { "Whole framework" }
                        td class="govuk-table__cell govuk-table__cell--numeric calloff-numeric" { (h.ceiling) }
                        td class="govuk-table__cell govuk-table__cell--numeric calloff-numeric" { (h.committed) }
                        td class="govuk-table__cell govuk-table__cell--numeric calloff-numeric" { (h.left()) }
                        td class="govuk-table__cell govuk-table__cell--numeric calloff-numeric" { (percent(h.basis_points_used())) }
                    }
                    @for lot in &p.lots {
                        tr class="govuk-table__row" {
                            th scope="row" class="govuk-table__header" { "Lot " (lot.number) ": " (lot.title) }
                            @if let Some(h) = lot.headroom {
                                td class="govuk-table__cell govuk-table__cell--numeric calloff-numeric" { (h.ceiling) }
                                td class="govuk-table__cell govuk-table__cell--numeric calloff-numeric" { (h.committed) }
                                td class="govuk-table__cell govuk-table__cell--numeric calloff-numeric" { (h.left()) }
                                td class="govuk-table__cell govuk-table__cell--numeric calloff-numeric" { (percent(h.basis_points_used())) }
                            } @else {
                                td class="govuk-table__cell" colspan="4" { "No lot ceiling: counts against the framework's" }
                            }
                        }
                    }
                }
            }
        } @else {
            p class="govuk-body" {
                "The ceiling is " span class="calloff-numeric" { (p.framework.maximum_value) } ". What is committed against it, and so the headroom, is withheld while call-off values are."
            }
        }
    }
}

fn spend(p: &PublicFramework) -> Markup {
    let shown = !p.values_withheld();
    html! {
        h2 class="govuk-heading-m" { "Spend by kind of body and by lot" }
        @if shown {
            p class="govuk-body" {
                "Invoiced is net of credit notes, leaving out disputed invoices: "
                strong class="calloff-numeric" { (money_or_withheld(p.invoiced)) } " in all. "
                "A call-off with lines in two lots counts in each."
            }
        } @else {
            p class="govuk-body" { "How many call-offs; the amounts are withheld. A call-off with lines in two lots counts in each." }
        }
        (breakdown(
            ("public-by-kind", "By kind of body", "Kind of body", "Invoiced by kind of body"),
            p.by_kind.iter().map(|k| (k.kind.label().to_string(), k.call_offs, k.invoiced)).collect(),
            shown,
        ))
        (breakdown(
            ("public-by-lot", "By lot", "Lot", "Invoiced by lot"),
            p.lots.iter().map(|l| (format!("Lot {}: {}", l.number, l.title), l.call_offs, l.invoiced)).collect(),
            shown,
        ))
    }
}

/// One breakdown of the framework's call-offs: a row per kind of body or lot with its count of
/// call-offs and, unless values are withheld, what was invoiced, charted beside the table.
/// `names` are the chart's id, the table's caption, its first column and the chart's title.
fn breakdown(names: (&str, &str, &str, &str), rows: Vec<(String, i64, Option<Money>)>, shown: bool) -> Markup {
    let (chart_id, caption, heading, chart_title) = names;
    let table = html! {
        table class="govuk-table" {
            caption class="govuk-table__caption govuk-table__caption--s" { (caption) }
            thead class="govuk-table__head" {
                tr class="govuk-table__row" {
                    th scope="col" class="govuk-table__header" { (heading) }
                    th scope="col" class="govuk-table__header govuk-table__header--numeric" { "Call-offs" }
                    @if shown { th scope="col" class="govuk-table__header govuk-table__header--numeric" { "Invoiced" } }
                }
            }
            tbody class="govuk-table__body" {
                @for (label, call_offs, invoiced) in &rows {
                    tr class="govuk-table__row" {
                        th scope="row" class="govuk-table__header" { (label) }
                        td class="govuk-table__cell govuk-table__cell--numeric calloff-numeric" { (call_offs) }
                        @if shown { td class="govuk-table__cell govuk-table__cell--numeric calloff-numeric" { (money_or_withheld(*invoiced)) } }
                    }
                }
                @if rows.is_empty() {
                    tr class="govuk-table__row" { td class="govuk-table__cell" colspan="3" { "No call-offs yet" } }
                }
            }
        }
    };
    if shown && !rows.is_empty() {
        let bars: Vec<(String, Money)> = rows
            .iter()
            .map(|(label, _, invoiced)| (label.clone(), invoiced.unwrap_or(Money::ZERO)))
            .collect();
        crate::charts::with_table(crate::charts::bars(chart_id, chart_title, &bars), table)
    } else {
        table
    }
}
