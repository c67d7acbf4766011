use super::{error_page, render};
use crate::html::{
    basis_points, checkboxes, csrf_field, error_for, input, layout, percent, success_banner, summary_list, Chrome,
    Input, Section,
};
use crate::session::{PageUser, SignedInForm};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use calloff_app::frameworks::{self, CatalogueSettings};
use calloff_domain::ids::FrameworkId;
use calloff_domain::money::Money;
use calloff_domain::FieldError;
use maud::html;

/// The frameworks page sends anyone not signed in on to the sign-in page.
pub async fn list(State(state): State<AppState>, user: PageUser) -> Response {
    let actor = &user.session.actor;
    let all = match frameworks::list(&state.app, actor).await {
        Ok(all) => all,
        Err(e) => return error_page(Some(actor), &e),
    };
    let standing = calloff_app::registration::standing(&state.app, actor)
        .await
        .ok()
        .flatten();
    let chrome = Chrome {
        title: "Frameworks",
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
                @if let Some(why) = &standing { (crate::html::important_banner(why)) }
                h1 class="govuk-heading-l" { "Frameworks" }
                table class="govuk-table" {
                    caption class="govuk-table__caption govuk-table__caption--m" { "Framework agreements you can buy through" }
                    thead class="govuk-table__head" {
                        tr class="govuk-table__row" {
                            th scope="col" class="govuk-table__header" { "Framework" }
                            th scope="col" class="govuk-table__header" { "Reference" }
                            th scope="col" class="govuk-table__header" { "Status" }
                            th scope="col" class="govuk-table__header govuk-table__header--numeric" { "Maximum value" }
                        }
                    }
                    tbody class="govuk-table__body" {
                        @for f in &all {
                            tr class="govuk-table__row" {
                                td class="govuk-table__cell" { a class="govuk-link" href={ "/frameworks/" (f.id) } { (f.title) } }
                                td class="govuk-table__cell" { (f.reference) }
                                td class="govuk-table__cell" { (f.status.as_str()) }
                                td class="govuk-table__cell govuk-table__cell--numeric calloff-numeric" { (f.maximum_value) }
                            }
                        }
                    }
                }
            },
        ),
    )
}

pub async fn overview(State(state): State<AppState>, user: PageUser, Path(id): Path<String>) -> Response {
    let actor = &user.session.actor;
    let o = match frameworks::overview(&state.app, actor, &FrameworkId::from_stored(id)).await {
        Ok(o) => o,
        Err(e) => return error_page(Some(actor), &e),
    };
    let f = &o.framework;
    let chrome = Chrome {
        title: &f.title,
        actor: Some(actor),
        csrf_token: Some(&user.session.csrf_token),
        section: Section::Frameworks,
        errors: &[],
    };
    let suppliers: Vec<String> = o.suppliers.iter().map(|s| s.name.clone()).collect();
    let invoiced = match calloff_app::invoices::framework_spend(&state.app, actor, &f.id).await {
        Ok(spend) => spend.invoiced,
        Err(e) => return error_page(Some(actor), &e),
    };
    render(
        StatusCode::OK,
        layout(
            chrome,
            html! {
                (crate::html::back_link("/frameworks", "Back to frameworks"))
                span class="govuk-caption-l" { (f.reference) }
                h1 class="govuk-heading-l" { (f.title) }
                (summary_list(&[
                    ("Managing authority", html! { (o.authority.as_ref().map(|a| a.name.as_str()).unwrap_or("Unknown")) }),
                    ("Supplier", html! { (suppliers.join(", ")) }),
                    ("Term", html! { (crate::dates::date(f.term.start)) " to " (crate::dates::date(f.term.end)) }),
                    ("Status", html! { (f.status.as_str()) }),
                    ("Eligible bodies", html! { (o.eligible_bodies) }),
                    ("Saved against list prices", html! {
                        (o.savings.against_list) " in all"
                        @if o.savings_own.against_list > Money::ZERO { "; " (o.savings_own.against_list) " by " (actor.organisation_name) }
                    }),
                    ("Saved through quantity tiers and demand bands", html! {
                        (o.savings.through_volume) " in all"
                        @if o.savings_own.through_volume > Money::ZERO { "; " (o.savings_own.through_volume) " by " (actor.organisation_name) }
                    }),
                ]))
                h2 class="govuk-heading-m" { "Spend against the ceiling" }
                p class="govuk-body" {
                    "Invoiced to date: " strong class="calloff-numeric" { (invoiced) } " (net of credit notes) against "
                    (o.headroom.committed) " committed."
                    @if o.standing.is_manager() || o.standing.is_auditor() {
                        " " a class="govuk-link" href={ "/frameworks/" (f.id) "/spend" } { "Spend by month, lot and customer, and the headroom forecast" }
                    }
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
                            td class="govuk-table__cell govuk-table__cell--numeric calloff-numeric" { (o.headroom.ceiling) }
                            td class="govuk-table__cell govuk-table__cell--numeric calloff-numeric" { (o.headroom.committed) }
                            td class="govuk-table__cell govuk-table__cell--numeric calloff-numeric" { (o.headroom.left()) }
                            td class="govuk-table__cell govuk-table__cell--numeric calloff-numeric" { (percent(o.headroom.basis_points_used())) }
                        }
                        @for lot in &o.lots {
                            tr class="govuk-table__row" {
                                th scope="row" class="govuk-table__header" { "Lot " (lot.lot.number) ": " (lot.lot.title) }
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
                h2 class="govuk-heading-m" { "Catalogue" }
                ul class="govuk-list govuk-list--bullet" {
                    @for lot in &o.lots {
                        li {
                            a class="govuk-link" href={ "/frameworks/" (f.id) "/catalogue?lot=" (lot.lot.number) } {
                                "Lot " (lot.lot.number) ": " (lot.lot.title)
                            }
                            " (" (lot.item_count) " items)"
                        }
                    }
                }
                p class="govuk-body" { a class="govuk-link" href={ "/frameworks/" (f.id) "/catalogue" } { "Search the whole catalogue" } }
                p class="govuk-body" { a class="govuk-link" href={ "/frameworks/" (f.id) "/eligibility" } { "Who may buy through this framework" } }
                p class="govuk-body" { a class="govuk-link" href={ "/frameworks/" (f.id) "/public" } { "This framework's public page and open data (no sign-in)" } }
                p class="govuk-body" { a class="govuk-link" href={ "/frameworks/" (f.id) "/catalogue/as-of" } { "The catalogue as it stood on a past date" } }
                p class="govuk-body" { a class="govuk-link" href={ "/frameworks/" (f.id) "/proposals" } { "Customers' proposals and the roadmap" } }
                @if o.standing.reads_order_register() {
                    p class="govuk-body" { a class="govuk-link" href={ "/frameworks/" (f.id) "/call-offs" } { "Every call-off under this framework (the order register)" } }
                }
                @if o.standing.sees_change_requests() {
                    p class="govuk-body" { a class="govuk-link" href={ "/frameworks/" (f.id) "/change-requests" } { "Catalogue change requests" } }
                }
                @if o.standing.is_manager() || o.standing.is_supplier() || o.standing.is_auditor() {
                    p class="govuk-body" { a class="govuk-link" href={ "/frameworks/" (f.id) "/returns" } { "MI returns and the management charge" } }
                }
                @if o.standing.is_manager() {
                    p class="govuk-body" { a class="govuk-link" href={ "/frameworks/" (f.id) "/confidentiality" } { "What the open data withholds as commercially confidential" } }
                }
                @if o.standing.may_change_catalogue_settings() {
                    p class="govuk-body" { a class="govuk-link" href={ "/frameworks/" (f.id) "/catalogue-settings" } { "Catalogue settings: indexation cap and naming buyers" } }
                }
            },
        ),
    )
}

/// The framework manager's catalogue settings: the indexation cap and whether item pages name
/// the bodies that bought each item.
pub async fn catalogue_settings(State(state): State<AppState>, user: PageUser, Path(id): Path<String>) -> Response {
    let actor = &user.session.actor;
    let id = FrameworkId::from_stored(id);
    let settings = match frameworks::catalogue_settings(&state.app, actor, &id).await {
        Ok(settings) => settings,
        Err(e) => return error_page(Some(actor), &e),
    };
    let editable = match frameworks::standing(&state.app, actor, &id).await {
        Ok(standing) => standing.may_change_catalogue_settings(),
        Err(e) => return error_page(Some(actor), &e),
    };
    let cap = percent_text(settings.indexation_cap_bp);
    let page = SettingsPage {
        status: StatusCode::OK,
        errors: &[],
        cap: &cap,
        names_buyers: settings.names_buyers,
        saved: false,
        editable,
    };
    settings_page(&user, &id, &page)
}

pub async fn save_catalogue_settings(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SignedInForm { user, fields }: SignedInForm,
) -> Response {
    let actor = &user.session.actor;
    let id = FrameworkId::from_stored(id);
    let cap = fields.text("indexation_cap");
    let names_buyers = fields.get("names_buyers") == Some("yes");
    let settings = CatalogueSettings {
        // An unreadable cap is refused by the use case, once it has checked who asks.
        indexation_cap_bp: basis_points(&cap).unwrap_or(-1),
        names_buyers,
    };
    let result = frameworks::set_catalogue_settings(&state.app, actor, &id, settings).await;
    match result {
        // Only the manager gets this far: the use case refuses others first.
        Ok(_) => settings_page(
            &user,
            &id,
            &SettingsPage {
                status: StatusCode::OK,
                errors: &[],
                cap: &cap,
                names_buyers,
                saved: true,
                editable: true,
            },
        ),
        Err(e) if !e.field_errors().is_empty() => {
            // The form takes the cap as a percentage, in its own field.
            let errors: Vec<FieldError> = e
                .field_errors()
                .into_iter()
                .map(|e| match e.field.as_str() {
                    "indexation_cap_bp" => FieldError::new("indexation_cap", e.message),
                    _ => e,
                })
                .collect();
            settings_page(
                &user,
                &id,
                &SettingsPage {
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                    errors: &errors,
                    cap: &cap,
                    names_buyers,
                    saved: false,
                    editable: true,
                },
            )
        }
        Err(e) => error_page(Some(actor), &e),
    }
}

/// Basis points as a percentage for a form: 350 is "3.5".
fn percent_text(basis_points: i64) -> String {
    let text = percent(basis_points);
    let number = text.trim_end_matches('%');
    number.trim_end_matches('0').trim_end_matches('.').to_string()
}

struct SettingsPage<'a> {
    status: StatusCode,
    errors: &'a [FieldError],
    cap: &'a str,
    names_buyers: bool,
    saved: bool,
    /// Only the framework's manager is offered the form; others read the settings.
    editable: bool,
}

fn settings_page(user: &PageUser, id: &FrameworkId, page: &SettingsPage) -> Response {
    let SettingsPage {
        status,
        errors,
        cap,
        names_buyers,
        saved,
        editable,
    } = *page;
    let chrome = Chrome {
        title: "Catalogue settings",
        actor: Some(&user.session.actor),
        csrf_token: Some(&user.session.csrf_token),
        section: Section::Frameworks,
        errors,
    };
    render(
        status,
        layout(
            chrome,
            html! {
                @if saved { (success_banner("The catalogue settings are saved.")) }
                (crate::html::back_link(&format!("/frameworks/{id}"), "Back to the framework"))
                h1 class="govuk-heading-l" { "Catalogue settings" }
                @if !editable {
                    (crate::html::summary_list(&[
                        ("Indexation cap", html! { (cap) "% a year" }),
                        ("Item pages name the bodies that bought each item", html! { @if names_buyers { "Yes" } @else { "No" } }),
                    ]))
                } @else {
                    form method="post" action={ "/frameworks/" (id) "/catalogue-settings" } novalidate {
                        (csrf_field(&user.session.csrf_token))
                        (input(Input {
                            error: error_for(errors, "indexation_cap"),
                            hint: Some("The most a supplier's annual price indexation may raise prices, from 0 to 25. 0 allows none."),
                            width_class: Some("govuk-input--width-4"),
                            spellcheck: Some(false),
                            ..Input::text("indexation_cap", "Indexation cap (% a year)", cap)
                        }))
                        (checkboxes(
                            "names_buyers",
                            "names_buyers",
                            "What others paid",
                            &[("yes", "Item pages may name the bodies that bought each item", names_buyers)],
                            error_for(errors, "names_buyers"),
                        ))
                        button type="submit" class="govuk-button" data-module="govuk-button" { "Save settings" }
                    }
                }
                p class="govuk-body" { a class="govuk-link" href={ "/frameworks/" (id) } { "Back to the framework" } }
            },
        ),
    )
}
