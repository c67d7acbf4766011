use super::price_breaks;
use super::{error_page, render};
use crate::html::{
    csrf_field, date_input, error_for, error_summary, input, layout, summary_list, Chrome, Input, Section, TypedDate,
};
use crate::session::{PageUser, SignedInForm};
use crate::AppState;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use calloff_app::catalogue::{Match, SearchParams, SearchRequest, SearchResults, Sort, PRICE_BANDS, TERM_BANDS};
use calloff_app::{catalogue, frameworks};
use calloff_domain::catalogue::{CatalogueItem, Unit};
use calloff_domain::ids::{FrameworkId, ItemId};
use calloff_domain::pricing::{BreakRow, BreaksInput};
use calloff_domain::FieldError;
use chrono::Datelike;
use maud::{html, Markup};

pub async fn search(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let actor = &user.session.actor;
    let framework_id = FrameworkId::from_stored(id);
    let framework = match frameworks::get_for_browsing(&state.app, actor, &framework_id).await {
        Ok(f) => f,
        Err(e) => return error_page(Some(actor), &e),
    };
    let request =
        crate::api::json::read_query::<SearchParams>(query.as_deref().unwrap_or_default(), SearchParams::LISTS)
            .and_then(|params| params.parse())
            .and_then(|r| {
                if r.lots.iter().all(|n| framework.lots.iter().any(|l| l.number == *n)) {
                    Ok(r)
                } else {
                    Err(vec![FieldError::new("lot", "Choose a lot from the list")])
                }
            });
    let (request, errors) = match request {
        Ok(r) => (r, Vec::new()),
        Err(errors) => (SearchRequest::default(), errors),
    };
    let results = if errors.is_empty() {
        match catalogue::search(&state.app, actor, &framework_id, &request).await {
            Ok(r) => r,
            Err(e) => return error_page(Some(actor), &e),
        }
    } else {
        std::sync::Arc::new(SearchResults::default())
    };
    let lot_title = match request.lots.as_slice() {
        [n] => framework
            .lots
            .iter()
            .find(|l| l.number == *n)
            .map(|l| format!("Lot {}: {}", l.number, l.title)),
        _ => None,
    };
    let title = lot_title.clone().unwrap_or_else(|| "Catalogue".to_string());
    let chrome = Chrome {
        title: &title,
        actor: Some(actor),
        csrf_token: Some(&user.session.csrf_token),
        section: Section::Frameworks,
        errors: &[],
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let base = format!("/frameworks/{framework_id}/catalogue");
    let link = |r: &SearchRequest| format!("{base}?{}", r.to_query());
    let lot_name = |n: u32| {
        framework
            .lots
            .iter()
            .find(|l| l.number == n)
            .map_or(format!("Lot {n}"), |l| format!("Lot {n}: {}", l.title))
    };
    let shown_with_errors = !errors.is_empty();
    let filter_groups = [
        FilterGroup {
            legend: "Lot",
            name: "lot",
            options: options(
                results.lots.iter().map(|(n, c)| (n.to_string(), lot_name(*n), *c)),
                framework
                    .lots
                    .iter()
                    .map(|l| (l.number.to_string(), lot_name(l.number))),
                request.lots.iter().map(|n| (n.to_string(), lot_name(*n))),
                shown_with_errors,
            ),
        },
        FilterGroup {
            legend: "Unit",
            name: "unit",
            options: options(
                results
                    .units
                    .iter()
                    .map(|(u, c)| (u.as_str().to_string(), u.label().to_string(), *c)),
                Unit::ALL
                    .iter()
                    .map(|u| (u.as_str().to_string(), u.label().to_string())),
                request
                    .units
                    .iter()
                    .map(|u| (u.as_str().to_string(), u.label().to_string())),
                shown_with_errors,
            ),
        },
        FilterGroup {
            legend: "Price (ex VAT)",
            name: "price_band",
            options: options(
                results
                    .price_bands
                    .iter()
                    .map(|(b, c)| (b.to_string(), PRICE_BANDS[*b].0.to_string(), *c)),
                PRICE_BANDS
                    .iter()
                    .enumerate()
                    .map(|(b, band)| (b.to_string(), band.0.to_string())),
                request
                    .price_bands
                    .iter()
                    .map(|b| (b.to_string(), PRICE_BANDS[*b].0.to_string())),
                shown_with_errors,
            ),
        },
        FilterGroup {
            legend: "Minimum term",
            name: "term_band",
            options: options(
                results
                    .term_bands
                    .iter()
                    .map(|(b, c)| (b.to_string(), TERM_BANDS[*b].0.to_string(), *c)),
                TERM_BANDS
                    .iter()
                    .enumerate()
                    .map(|(b, band)| (b.to_string(), band.0.to_string())),
                request
                    .term_bands
                    .iter()
                    .map(|b| (b.to_string(), TERM_BANDS[*b].0.to_string())),
                shown_with_errors,
            ),
        },
        FilterGroup {
            legend: "Supplier",
            name: "supplier",
            options: options(
                results
                    .suppliers
                    .iter()
                    .map(|(id, name, c)| (id.to_string(), name.clone(), *c)),
                std::iter::empty(),
                request.suppliers.iter().map(|id| {
                    let name = results
                        .suppliers
                        .iter()
                        .find(|(s, _, _)| s == id)
                        .map_or("A supplier with nothing on this framework", |(_, n, _)| n);
                    (id.to_string(), name.to_string())
                }),
                shown_with_errors,
            ),
        },
    ];
    let chosen: Vec<(&'static str, String)> = request.filter_pairs();
    let filters = filter_form(&base, &request, &filter_groups, &chosen, &errors);
    render(
        status,
        layout(
            chrome,
            html! {
                (error_summary(&errors))
                (crate::html::back_link(&format!("/frameworks/{}", framework.id), "Back to the framework"))
                span class="govuk-caption-l" { (framework.reference) " catalogue" }
                h1 class="govuk-heading-l" { (title) }
                form method="get" action=(base) novalidate {
                    @for (name, value) in &chosen {
                        input type="hidden" name=(name) value=(value);
                    }
                    (input(Input {
                        hint: Some("Words from the name or description, a SKU or a CPV code"),
                        error: crate::html::error_for(&errors, "q"),
                        ..Input::text("q", "Search the catalogue", &request.text)
                    }))
                    div class="govuk-form-group" {
                        label class="govuk-label" for="sort" { "Sort by" }
                        select class="govuk-select" id="sort" name="sort" {
                            @for (value, label, sort) in [
                                ("relevance", "Relevance", Sort::Relevance),
                                ("price_low", "Price, lowest first", Sort::PriceLow),
                                ("price_high", "Price, highest first", Sort::PriceHigh),
                                ("name", "Name", Sort::Name),
                            ] {
                                option value=(value) selected[request.sort == sort] { (label) }
                            }
                        }
                    }
                    button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button" { "Search" }
                }
                @if !errors.is_empty() {
                    (filters)
                } @else {
                    // The results' heading comes first, and the filters after it fold away on a
                    // narrow screen, so that the results are not pushed down.
                    h2 class="govuk-heading-m" id="result-count" { (results.total) " " (if results.total == 1 { "item" } else { "items" }) }
                    @if results.matched == Match::Partial {
                        div class="govuk-inset-text" id="partial-match" {
                            "No items match all of \u{201c}" (request.text) "\u{201d}. Showing items that match some of your words, those that match most first."
                        }
                    }
                    div class="govuk-grid-row" {
                        div class="govuk-grid-column-one-third" { (filters) }
                        div class="govuk-grid-column-two-thirds" {
                            @if results.total == 0 && !results.suggestions.is_empty() {
                                h2 class="govuk-heading-s" { "Try" }
                                ul class="govuk-list" id="suggestions" {
                                    @for s in &results.suggestions {
                                        li { a class="govuk-link" href=(link(&s.request)) { (s.label) } " (" (s.count) ")" }
                                    }
                                }
                            }
                            @if !results.items.is_empty() { (result_list(&results.items, &request.to_query())) }
                            @if results.pages > 1 {
                                nav class="govuk-pagination" aria-label="Pagination" {
                                    @if request.page > 1 {
                                        div class="govuk-pagination__prev" {
                                            a class="govuk-link govuk-pagination__link" href=(narrowed_page(&request, request.page - 1, &link)) rel="prev" {
                                                span class="govuk-pagination__link-title" { "Previous" }
                                            }
                                        }
                                    }
                                    @if i64::from(request.page) < results.pages {
                                        div class="govuk-pagination__next" {
                                            a class="govuk-link govuk-pagination__link" href=(narrowed_page(&request, request.page + 1, &link)) rel="next" {
                                                span class="govuk-pagination__link-title" { "Next" }
                                            }
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

fn narrowed_page(request: &SearchRequest, page: u32, link: &dyn Fn(&SearchRequest) -> String) -> String {
    link(&SearchRequest {
        page,
        ..request.clone()
    })
}

/// One group of filters: checkboxes whose values are alternatives.
struct FilterGroup {
    legend: &'static str,
    /// The query parameter.
    name: &'static str,
    /// Value, label, and how many items it would find (`None` when not counted).
    options: Vec<(String, String, Option<i64>)>,
}

/// A group's options: the values found, with their counts; any chosen value not found (count 0,
/// so that it can be unticked); and, on a page shown with errors (which counts nothing), every
/// value there is.
fn options(
    found: impl Iterator<Item = (String, String, i64)>,
    every: impl Iterator<Item = (String, String)>,
    chosen: impl Iterator<Item = (String, String)>,
    shown_with_errors: bool,
) -> Vec<(String, String, Option<i64>)> {
    let mut options: Vec<(String, String, Option<i64>)> = found.map(|(v, l, c)| (v, l, Some(c))).collect();
    if shown_with_errors {
        options.extend(every.map(|(v, l)| (v, l, None)));
    }
    for (value, label) in chosen {
        if !options.iter().any(|(v, _, _)| *v == value) {
            options.push((value, label, Some(0)));
        }
    }
    options
}

/// The filters: checkboxes in groups (alternatives within a group, every group applied), in a
/// details element that is open on wider screens and folded away on a phone.
fn filter_form(
    base: &str,
    request: &SearchRequest,
    groups: &[FilterGroup],
    chosen: &[(&'static str, String)],
    errors: &[FieldError],
) -> Markup {
    let clear = format!(
        "{base}?{}",
        SearchRequest {
            text: request.text.clone(),
            sort: request.sort,
            ..SearchRequest::default()
        }
        .to_query()
    );
    html! {
        details class="govuk-details calloff-filters" open[!errors.is_empty()] {
            summary class="govuk-details__summary" {
                span class="govuk-details__summary-text" {
                    "Filter results"
                    @if !chosen.is_empty() { " (" (chosen.len()) " chosen)" }
                }
            }
            div class="govuk-details__text" {
                form method="get" action=(base) novalidate {
                    @if !request.text.is_empty() { input type="hidden" name="q" value=(request.text); }
                    @if request.sort != Sort::Relevance { input type="hidden" name="sort" value=(request.sort.as_str()); }
                    @for group in groups.iter().filter(|g| !g.options.is_empty()) {
                        @let error = error_for(errors, group.name);
                        div class={ "govuk-form-group" @if error.is_some() { " govuk-form-group--error" } } {
                            fieldset class="govuk-fieldset" {
                                legend class="govuk-fieldset__legend govuk-fieldset__legend--s" { (group.legend) }
                                @if let Some(error) = error {
                                    p class="govuk-error-message" id={ (group.name) "-error" } {
                                        span class="govuk-visually-hidden" { "Error: " } (error)
                                    }
                                }
                                div class="govuk-checkboxes govuk-checkboxes--small" data-module="govuk-checkboxes" {
                                    @for (i, (value, label, count)) in group.options.iter().enumerate() {
                                        @let id = if i == 0 { group.name.to_string() } else { format!("{}-{}", group.name, i + 1) };
                                        div class="govuk-checkboxes__item" {
                                            input class="govuk-checkboxes__input" id=(id) name=(group.name) type="checkbox" value=(value)
                                                checked[chosen.iter().any(|(n, v)| *n == group.name && v == value)];
                                            label class="govuk-label govuk-checkboxes__label" for=(id) {
                                                (label)
                                                @if let Some(count) = count { " (" (count) ")" }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    div class="govuk-button-group" {
                        button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button" { "Apply filters" }
                        @if !chosen.is_empty() { a class="govuk-link" href=(clear) { "Clear filters" } }
                    }
                }
            }
        }
    }
}

/// The results as a list that reflows on a narrow screen: each item's name, description, unit
/// price with its unit, minimum term, SKU and lot.
///
/// `search` is the query string of the search shown, carried to each item's page so that
/// "Add another item" can come back to it.
fn result_list(items: &[CatalogueItem], search: &str) -> maud::Markup {
    let back: String = form_urlencoded::byte_serialize(search.as_bytes()).collect();
    html! {
        ul class="govuk-list" id="results" {
            @for item in items {
                li class="govuk-!-margin-bottom-6" {
                    h3 class="govuk-heading-s govuk-!-margin-bottom-1" {
                        a class="govuk-link" href={ "/items/" (item.id) "?back=" (back) } { (item.name) }
                    }
                    p class="govuk-body-s govuk-!-margin-bottom-1" { (item.description) }
                    dl class="govuk-summary-list govuk-summary-list--no-border govuk-!-margin-bottom-0" {
                        div class="govuk-summary-list__row" {
                            dt class="govuk-summary-list__key" { "Unit price (ex VAT)" }
                            dd class="govuk-summary-list__value" { (item.unit_price) " " (item.unit.label()) }
                        }
                        div class="govuk-summary-list__row" {
                            dt class="govuk-summary-list__key" { "Minimum term" }
                            dd class="govuk-summary-list__value" { (months(item.minimum_term_months)) }
                        }
                        div class="govuk-summary-list__row" {
                            dt class="govuk-summary-list__key" { "SKU" }
                            dd class="govuk-summary-list__value" { (item.sku) " (lot " (item.lot_number) ")" }
                        }
                    }
                }
            }
        }
    }
}

pub fn months(n: u32) -> String {
    match n {
        0 => "None".into(),
        1 => "1 month".into(),
        n => format!("{n} months"),
    }
}

/// The item page's query: the catalogue search it was reached from, for "Add another item".
#[derive(serde::Deserialize)]
pub struct ItemQuery {
    back: Option<String>,
}

pub async fn item(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Query(query): Query<ItemQuery>,
) -> Response {
    let add = query.back.map(|back| AddForm {
        back,
        ..AddForm::default()
    });
    item_page(&state, &user, &ItemId::from_stored(id), &[], None, add.as_ref()).await
}

/// "Add to quote" as typed: quantity, term and usage, and the search the buyer came from.
#[derive(Debug, Clone, Default)]
pub struct AddForm {
    pub quantity: String,
    pub term_months: String,
    pub monthly_usage: String,
    pub back: String,
}

/// Which button posted the demand-band form.
const ADD_BAND_ROW: &str = "add-row";

/// The framework manager sets an item's demand bands, entered as rows.
pub async fn set_demand_bands(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SignedInForm { user, fields }: SignedInForm,
) -> Response {
    let actor = &user.session.actor;
    let id = ItemId::from_stored(id);
    let add_row = fields.text("action") == ADD_BAND_ROW;
    let rows = price_breaks::posted(&fields, "demand_bands", "unit_price", add_row);
    if add_row {
        // Without JavaScript: the same form again, with one more row, nothing saved.
        return item_page(&state, &user, &id, &[], Some(&rows), None).await;
    }
    match catalogue::set_demand_bands(&state.app, actor, &id, &BreaksInput::Typed(rows.clone())).await {
        Ok(_) => Redirect::to(&format!("/items/{id}#pricing")).into_response(),
        Err(e) if !e.field_errors().is_empty() => {
            item_page(&state, &user, &id, &e.field_errors(), Some(&rows), None).await
        }
        Err(e) => error_page(Some(actor), &e),
    }
}

pub(super) async fn item_page(
    state: &AppState,
    user: &PageUser,
    id: &ItemId,
    errors: &[FieldError],
    typed_bands: Option<&[BreakRow]>,
    add: Option<&AddForm>,
) -> Response {
    let actor = &user.session.actor;
    let item = match catalogue::item(&state.app, actor, id).await {
        Ok(item) => item,
        Err(e) => return error_page(Some(actor), &e),
    };
    let versions = match calloff_app::change_requests::versions(&state.app, &item.id).await {
        Ok(v) => v,
        Err(e) => return error_page(Some(actor), &e),
    };
    let paid = match catalogue::prices_paid(&state.app, actor, &item.id).await {
        Ok(p) => p,
        Err(e) => return error_page(Some(actor), &e),
    };
    let demand = match catalogue::committed_quantity(&state.app, &item.id).await {
        Ok(d) => d,
        Err(e) => return error_page(Some(actor), &e),
    };
    let standing = match calloff_app::frameworks::standing(&state.app, actor, &item.framework_id).await {
        Ok(s) => s,
        Err(e) => return error_page(Some(actor), &e),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let chrome = Chrome {
        title: &item.name,
        actor: Some(actor),
        csrf_token: Some(&user.session.csrf_token),
        section: Section::Frameworks,
        errors,
    };
    let band_rows = typed_bands.map_or_else(
        || price_breaks::with_spare_rows(item.demand_bands.rows()),
        <[BreakRow]>::to_vec,
    );
    let add = add.cloned().unwrap_or_default();
    let usage_noun = item.unit.usage_noun();
    let one_off = item.unit.charging() == calloff_domain::catalogue::Charging::OneOff;
    let quantity = if add.quantity.is_empty() {
        "1".to_string()
    } else {
        add.quantity.clone()
    };
    let term = if add.term_months.is_empty() {
        super::quote::default_term(&item).to_string()
    } else {
        add.term_months.clone()
    };
    render(
        status,
        layout(
            chrome,
            html! {
                (crate::html::back_link(&format!("/frameworks/{}/catalogue", item.framework_id), "Back to the catalogue"))
                span class="govuk-caption-l" { (item.sku) }
                h1 class="govuk-heading-l" { (item.name) }
                p class="govuk-body" { (item.description) }
                (summary_list(&[
                    ("Price (ex VAT)", html! {
                        (item.unit_price) " " (item.unit.label())
                        @if let Some(list) = item.list_price.filter(|l| *l > item.unit_price) {
                            br; span class="govuk-body-s" { "List price " (list) ": you save " (crate::html::percent(10_000 - item.unit_price.micros() * 10_000 / list.micros().max(1))) }
                        }
                    }),
                    ("Lot", html! { (item.lot_number) }),
                    ("Minimum term", html! { (months(item.minimum_term_months)) }),
                    ("CPV code", html! { (item.cpv.as_str()) }),
                ]))
                @if standing.may_quote() {
                    form method="post" action="/quote/lines" novalidate id="add-to-quote" {
                        (csrf_field(&user.session.csrf_token))
                        input type="hidden" name="item_id" value=(item.id);
                        input type="hidden" name="back" value=(add.back);
                        h2 class="govuk-heading-m" { "Add to your quote" }
                        (input(Input {
                            error: error_for(errors, "quantity"),
                            numeric: true,
                            width_class: Some("govuk-input--width-5"),
                            hint: Some(&format!("How many, {}", item.unit.label())),
                            ..Input::text("quantity", "Quantity", &quantity)
                        }))
                        @if one_off {
                            input type="hidden" name="term_months" value=(term);
                        } @else {
                            (input(Input {
                                error: error_for(errors, "term_months"),
                                numeric: true,
                                width_class: Some("govuk-input--width-3"),
                                hint: Some(&format!("In months. The minimum term is {}.", months(item.minimum_term_months).to_lowercase())),
                                ..Input::text("term_months", "Term", &term)
                            }))
                        }
                        @if let Some(noun) = usage_noun {
                            @let label = format!("Estimated {noun} per month, for each unit");
                            (input(Input {
                                error: error_for(errors, "monthly_usage"),
                                numeric: true,
                                width_class: Some("govuk-input--width-10"),
                                ..Input::text("monthly_usage", &label, &add.monthly_usage)
                            }))
                        }
                        button type="submit" class="govuk-button" data-module="govuk-button" { "Add to quote" }
                    }
                }
                (volume_pricing(&item, demand))
                @if standing.may_set_demand_bands() {
                    form method="post" action={ "/items/" (item.id) "/demand-bands" } novalidate id="demand_bands" {
                        (csrf_field(&user.session.csrf_token))
                        h2 class="govuk-heading-m" { "Set demand bands" }
                        p class="govuk-body" {
                            "For the framework manager. Once this many units are bought across the framework, every buyer pays the band's unit price, excluding VAT. "
                            "Rows can be in any order. Leave a row empty to remove its band."
                        }
                        (price_breaks::rows_fieldset(&price_breaks::RowsForm {
                            field: "demand_bands",
                            price_name: "unit_price",
                            noun: "Band",
                            add_row_value: ADD_BAND_ROW,
                        }, &band_rows, errors))
                        div class="govuk-button-group" {
                            button type="submit" name="action" value="save" class="govuk-button" data-module="govuk-button" { "Save demand bands" }
                        }
                    }
                }
                h2 class="govuk-heading-m" { "What others paid" }
                @match (paid.median, paid.lowest, paid.highest) {
                    (Some(median), Some(low), Some(high)) => {
                        p class="govuk-body" id="prices-paid" {
                            (paid.bodies) @if paid.bodies == 1 { " body has" } @else { " bodies have" }
                            " bought it on " (calloff_domain::text::count(paid.lines, "call-off line", "call-off lines")) ". The median unit price paid is " strong { (median) } "; the range is " (low) " to " (high) "."
                        }
                        @if let Some(buyers) = &paid.buyers {
                            p class="govuk-body" { "Bought by: " (buyers.join(", ")) "." }
                        }
                    }
                    _ => p class="govuk-body" id="prices-paid" { "Nobody has bought this item through the framework yet." },
                }
                @if versions.len() > 1 {
                    table class="govuk-table" id="versions" {
                        caption class="govuk-table__caption govuk-table__caption--m" { "Versions" }
                        thead class="govuk-table__head" { tr class="govuk-table__row" {
                            th scope="col" class="govuk-table__header" { "Version" }
                            th scope="col" class="govuk-table__header" { "In force from" }
                            th scope="col" class="govuk-table__header govuk-table__header--numeric" { "Price (ex VAT)" }
                            th scope="col" class="govuk-table__header" { "Quantity tiers" }
                            th scope="col" class="govuk-table__header" { "Demand bands" }
                            th scope="col" class="govuk-table__header" { "Note" }
                        } }
                        tbody class="govuk-table__body" {
                            @for v in &versions {
                                tr class="govuk-table__row" {
                                    td class="govuk-table__cell" { (v.version) }
                                    td class="govuk-table__cell" { (crate::dates::date_of(&v.effective_from)) }
                                    td class="govuk-table__cell govuk-table__cell--numeric calloff-numeric" { (v.details.unit_price) }
                                    td class="govuk-table__cell" { (v.details.quantity_tiers.or_none()) }
                                    td class="govuk-table__cell" { (v.demand_bands.or_none()) }
                                    td class="govuk-table__cell" { @if v.withdrawn { "Withdrawn" } }
                                }
                            }
                        }
                    }
                }
                @if standing.may_raise_proposals() {
                    p class="govuk-body" {
                        a class="govuk-link" href={ "/frameworks/" (item.framework_id) "/proposals/new?item=" (item.id) } { "Propose a change to this item, or retiring it" }
                    }
                }
                p class="govuk-body" {
                    @if add.back.is_empty() {
                        a class="govuk-link" href={ "/frameworks/" (item.framework_id) "/catalogue?lot=" (item.lot_number) } { "Back to lot " (item.lot_number) }
                    } @else {
                        a class="govuk-link" href=(super::quote::search_link(&item.framework_id, &add.back)) { "Back to your search" }
                    }
                }
            },
        ),
    )
}

/// An item's quantity tiers and demand bands, with how much has been bought across the framework.
fn volume_pricing(item: &CatalogueItem, demand: u64) -> Markup {
    let unit = item.unit.label();
    html! {
        h2 class="govuk-heading-m" id="pricing" { "Volume pricing" }
        @if item.quantity_tiers.is_empty() && item.demand_bands.is_empty() {
            p class="govuk-body" { "This item has no quantity tiers or demand bands: every buyer pays " (item.unit_price) " " (unit) "." }
        }
        @if !item.quantity_tiers.is_empty() {
            table class="govuk-table" id="quantity-tiers" {
                caption class="govuk-table__caption govuk-table__caption--s" { "Quantity tiers: the price for the quantity on one call-off line" }
                thead class="govuk-table__head" { tr class="govuk-table__row" {
                    th scope="col" class="govuk-table__header" { "Quantity on the line" }
                    th scope="col" class="govuk-table__header govuk-table__header--numeric" { "Unit price (ex VAT)" }
                } }
                tbody class="govuk-table__body" {
                    tr class="govuk-table__row" {
                        td class="govuk-table__cell" { "Any" }
                        td class="govuk-table__cell govuk-table__cell--numeric calloff-numeric" { (item.unit_price) " " (unit) }
                    }
                    @for tier in item.quantity_tiers.iter() {
                        tr class="govuk-table__row" {
                            td class="govuk-table__cell" { (tier.from) " or more" }
                            td class="govuk-table__cell govuk-table__cell--numeric calloff-numeric" { (tier.unit_price) " " (unit) }
                        }
                    }
                }
            }
        }
        @if !item.demand_bands.is_empty() {
            table class="govuk-table" id="demand-bands" {
                caption class="govuk-table__caption govuk-table__caption--s" { "Demand bands: the price for everyone once enough is bought across the framework" }
                thead class="govuk-table__head" { tr class="govuk-table__row" {
                    th scope="col" class="govuk-table__header" { "Bought across the framework" }
                    th scope="col" class="govuk-table__header govuk-table__header--numeric" { "Unit price (ex VAT)" }
                    th scope="col" class="govuk-table__header" { "Status" }
                } }
                tbody class="govuk-table__body" {
                    @for band in item.demand_bands.iter() {
                        tr class="govuk-table__row" {
                            td class="govuk-table__cell" { (band.from) " or more" }
                            td class="govuk-table__cell govuk-table__cell--numeric calloff-numeric" { (band.unit_price) " " (unit) }
                            td class="govuk-table__cell" {
                                @if demand >= band.from { strong class="govuk-tag govuk-tag--green" { "Reached" } }
                                @else { (band.from - demand) " more to go" }
                            }
                        }
                    }
                }
            }
            p class="govuk-body" id="demand" { (demand) " bought so far on call-offs that went ahead, by every buyer on the framework." }
        }
    }
}

/// The catalogue as it stood on a date the user chooses (today until they choose).
pub async fn as_of(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    let actor = &user.session.actor;
    let framework_id = FrameworkId::from_stored(id);
    let framework = match frameworks::get(&state.app, actor, &framework_id).await {
        Ok(f) => f,
        Err(e) => return error_page(Some(actor), &e),
    };
    let fields = super::Fields(query);
    let mut typed = TypedDate::from_fields(&fields, "date");
    if typed == TypedDate::default() {
        let today = state.app.today();
        typed = TypedDate {
            day: today.day().to_string(),
            month: today.month().to_string(),
            year: today.year().to_string(),
        };
    }
    let date = typed.date().map(|d| d.to_string()).unwrap_or_default();
    let (view, errors) = match catalogue::as_of(&state.app, actor, &framework_id, &date).await {
        Ok(view) => (Some(view), Vec::new()),
        Err(e) if !e.field_errors().is_empty() => (None, e.field_errors()),
        Err(e) => return error_page(Some(actor), &e),
    };
    let chrome = Chrome {
        title: "The catalogue on a date",
        actor: Some(actor),
        csrf_token: Some(&user.session.csrf_token),
        section: Section::Frameworks,
        errors: &errors,
    };
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
                (crate::html::back_link(&format!("/frameworks/{}/catalogue", framework.id), "Back to the catalogue"))
                span class="govuk-caption-l" { (framework.reference) }
                h1 class="govuk-heading-l" { "The catalogue on a date" }
                p class="govuk-body" { "Each item as the version in force at the end of the day you choose: its price, tiers and bands then, and whether it had been withdrawn. For a future date, changes the framework manager has approved are shown as they will apply." }
                form method="get" action={ "/frameworks/" (framework_id) "/catalogue/as-of" } novalidate {
                    (date_input("date", "Date", "For example, 1 4 2027. A future date shows the approved changes due by then.", &typed, error_for(&errors, "date")))
                    button type="submit" class="govuk-button" data-module="govuk-button" { "Show the catalogue" }
                }
                @if let Some(view) = view {
                    table class="govuk-table" id="as-of" {
                        caption class="govuk-table__caption govuk-table__caption--m" { "On " (crate::dates::date(view.date)) ": " (view.items.len()) " items" }
                        thead class="govuk-table__head" { tr class="govuk-table__row" {
                            th scope="col" class="govuk-table__header" { "Item" }
                            th scope="col" class="govuk-table__header" { "Lot" }
                            th scope="col" class="govuk-table__header govuk-table__header--numeric" { "Price (ex VAT)" }
                            th scope="col" class="govuk-table__header" { "Quantity tiers" }
                            th scope="col" class="govuk-table__header" { "Demand bands" }
                            th scope="col" class="govuk-table__header" { "Version" }
                        } }
                        tbody class="govuk-table__body" {
                            @for item in &view.items {
                                @let v = &item.version;
                                tr class="govuk-table__row" {
                                    td class="govuk-table__cell" {
                                        @match &item.id {
                                            Some(id) => a class="govuk-link" href={ "/items/" (id) } { (v.details.name) },
                                            None => (v.details.name),
                                        }
                                        br; span class="govuk-body-s" { (item.sku) }
                                        @if v.effective_from.as_str() > view.today.to_string().as_str() {
                                            " " strong class="govuk-tag govuk-tag--blue" { "Approved, from " (crate::dates::date_of(&v.effective_from)) }
                                        }
                                        @if v.withdrawn { " " strong class="govuk-tag govuk-tag--grey" { "Withdrawn" } }
                                    }
                                    td class="govuk-table__cell" { (v.details.lot_number) }
                                    td class="govuk-table__cell govuk-table__cell--numeric calloff-numeric" { (v.details.unit_price) " " (v.details.unit.label()) }
                                    td class="govuk-table__cell" { (v.details.quantity_tiers.or_none()) }
                                    td class="govuk-table__cell" { (v.demand_bands.or_none()) }
                                    td class="govuk-table__cell" { (v.version) ", from " (crate::dates::date_of(&v.effective_from)) }
                                }
                            }
                        }
                    }
                    @if view.truncated {
                        p class="govuk-body" { "Only the first " (catalogue::AS_OF_LIMIT) " items are shown." }
                    }
                }
            },
        ),
    )
}
