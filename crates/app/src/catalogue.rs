//! Browsing the catalogue: full-text search with facets, and one item's page.

pub use crate::search_index::SearchIndex;
use crate::search_query::{SearchQuery, Vocabulary};
use crate::{Actor, App, AppError, AppResult};
use calloff_domain::catalogue::{CatalogueItem, Unit};
use calloff_domain::change_control::ChangeKind;
use calloff_domain::ids::{FrameworkId, ItemId, OrganisationId};
use calloff_domain::money::UnitPrice;
use calloff_domain::pricing::{BreaksInput, PriceBreaks};
use calloff_domain::role::Role;
use calloff_domain::FieldError;
use calloff_store::audit::ChainHead;
pub use calloff_store::search::Sort;
use calloff_store::search::{self, Filters};
use calloff_store::{catalogue, change_requests, notifications, organisations, with_retries};
use chrono::NaiveDate;
use std::collections::HashMap;
use std::sync::Arc;

/// Longest search text accepted; longer is a mistake or an attack.
pub const MAX_QUERY_LEN: usize = 200;
/// Items per page of results.
pub const PAGE_SIZE: i64 = 20;

/// Price bands (label, from, to in micros): the facet and filter by unit price.
pub const PRICE_BANDS: [(&str, i64, i64); 4] = [
    ("Under £10", 0, 10_000_000),
    ("£10 to £100", 10_000_000, 100_000_000),
    ("£100 to £1,000", 100_000_000, 1_000_000_000),
    ("£1,000 or more", 1_000_000_000, i64::MAX),
];
/// Minimum-term bands (label, from, to in months, inclusive).
pub const TERM_BANDS: [(&str, i64, i64); 5] = [
    ("No minimum term", 0, 0),
    ("Up to 12 months", 1, 12),
    ("13 to 24 months", 13, 24),
    ("25 to 36 months", 25, 36),
    ("Over 36 months", 37, i64::MAX),
];

/// A search as typed: text, filters by facet, sort and page. Every field is optional. A filter
/// may be given more than once (`lot=1&lot=3`, or `lot=1,3`): values of one filter are
/// alternatives, and an item must pass every filter given.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Words of the name, description, SKU or CPV code. Each word matches its word forms
    /// ("phones", "phone") as a prefix, its synonyms and, from five letters, a misspelling of
    /// a catalogue word. Items that match every word are shown; when there are none, those that
    /// match most of them (`match` is then `partial`).
    #[serde(default)]
    #[param(max_length = 200)]
    pub q: String,
    /// Only these lots.
    #[serde(default)]
    #[param(value_type = Option<Vec<u32>>, style = Form, explode)]
    pub lot: String,
    /// Only these units.
    #[serde(default)]
    #[param(value_type = Option<Vec<Unit>>, style = Form, explode)]
    pub unit: String,
    /// Unit price ex VAT: 0 under £10, 1 £10 to £100, 2 £100 to £1,000, 3 £1,000 or more.
    #[serde(default)]
    #[param(value_type = Option<Vec<u32>>, style = Form, explode)]
    pub price_band: String,
    /// Minimum term: 0 none, 1 up to 12 months, 2 13 to 24, 3 25 to 36, 4 over 36.
    #[serde(default)]
    #[param(value_type = Option<Vec<u32>>, style = Form, explode)]
    pub term_band: String,
    /// Supplier organisation ids.
    #[serde(default)]
    #[param(value_type = Option<Vec<String>>, style = Form, explode)]
    pub supplier: String,
    /// Relevance: an exact SKU first, then items whose name has every word.
    #[serde(default)]
    #[param(value_type = Option<SortName>, inline)]
    pub sort: String,
    /// 20 items a page.
    #[serde(default)]
    #[param(value_type = Option<u32>, minimum = 1)]
    pub page: String,
}

/// The values of [`SearchParams::sort`] (for the API document).
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum SortName {
    Relevance,
    PriceLow,
    PriceHigh,
    Name,
}

/// Most values one filter takes.
pub const MAX_FILTER_VALUES: usize = 100;

/// A checked search. Each filter is a sorted list of alternatives; empty means any.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct SearchRequest {
    pub text: String,
    pub lots: Vec<u32>,
    pub units: Vec<Unit>,
    pub price_bands: Vec<usize>,
    pub term_bands: Vec<usize>,
    pub suppliers: Vec<OrganisationId>,
    pub sort: Sort,
    /// 1-based.
    pub page: u32,
}

/// The filter groups, in the order facets are shown: lot, unit, price band, term band, supplier.
pub const FILTER_GROUPS: usize = 5;

/// How an item (or a facet row) stands against a search's filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fit {
    /// It passes every filter: it is a result, and counts in every facet.
    All,
    /// It fails only this group's filter: it counts in that group's facet (as choosing one more
    /// of that group's values would add it), and nowhere else.
    AllBut(usize),
    /// It fails two filters or more.
    No,
}

impl Fit {
    /// From whether the item passes each group's filter.
    pub(crate) fn of(passes: [bool; FILTER_GROUPS]) -> Fit {
        let mut failed = passes.iter().enumerate().filter(|(_, p)| !**p).map(|(g, _)| g);
        match (failed.next(), failed.next()) {
            (None, _) => Fit::All,
            (Some(g), None) => Fit::AllBut(g),
            _ => Fit::No,
        }
    }

    /// Whether it counts in group `g`'s facet.
    pub(crate) fn counts_in(self, g: usize) -> bool {
        match self {
            Fit::All => true,
            Fit::AllBut(failed) => failed == g,
            Fit::No => false,
        }
    }
}

/// One filter's values from its (comma-separated) parameter: each checked by `value`, duplicates
/// dropped, sorted.
fn list<T: Ord>(raw: &str, field: &str, errors: &mut Vec<FieldError>, value: impl Fn(&str) -> Option<T>) -> Vec<T> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (i, piece) in raw.split(',').enumerate() {
        if i == MAX_FILTER_VALUES {
            errors.push(FieldError::new(
                field,
                format!("Choose {MAX_FILTER_VALUES} values or fewer"),
            ));
            return Vec::new();
        }
        match value(piece.trim()) {
            Some(v) => out.push(v),
            None => {
                errors.push(FieldError::new(field, choose_from_list(field)));
                return Vec::new();
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

fn choose_from_list(field: &str) -> String {
    match field {
        "lot" => "Choose a lot from the list".into(),
        "unit" => {
            let allowed: Vec<_> = Unit::ALL.iter().map(|u| u.as_str()).collect();
            format!("Choose a unit from the list: {}", allowed.join(", "))
        }
        "supplier" => "Choose a supplier from the list".into(),
        _ => "Choose a band from the list".into(),
    }
}

impl SearchParams {
    /// Filters that may be given more than once in a query string.
    pub const LISTS: &'static [&'static str] = &["lot", "unit", "price_band", "term_band", "supplier"];

    /// Checks each parameter, naming every one at fault.
    pub fn parse(&self) -> Result<SearchRequest, Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.q.len() > MAX_QUERY_LEN {
            errors.push(FieldError::new(
                "q",
                format!("Search text must be {MAX_QUERY_LEN} characters or fewer"),
            ));
        }
        let band = |count: usize| move |v: &str| v.parse::<usize>().ok().filter(|i| *i < count);
        let price_bands = list(&self.price_band, "price_band", &mut errors, band(PRICE_BANDS.len()));
        let term_bands = list(&self.term_band, "term_band", &mut errors, band(TERM_BANDS.len()));
        let lots = list(&self.lot, "lot", &mut errors, |v| {
            v.parse::<i64>()
                .ok()
                .and_then(|n| calloff_domain::framework::parse_lot_number(n).ok())
        });
        let units = list(&self.unit, "unit", &mut errors, |v| Unit::parse(v).ok());
        let suppliers = list(&self.supplier, "supplier", &mut errors, |v| {
            calloff_domain::ids::is_id(v).then(|| OrganisationId::from_stored(v.to_string()))
        });
        let sort = match self.sort.trim() {
            "" | "relevance" => Sort::Relevance,
            "price_low" => Sort::PriceLow,
            "price_high" => Sort::PriceHigh,
            "name" => Sort::Name,
            _ => {
                errors.push(FieldError::new(
                    "sort",
                    "Sort by relevance, price_low, price_high or name",
                ));
                Sort::Relevance
            }
        };
        let page = match self.page.trim() {
            "" => 1,
            v => v.parse::<u32>().ok().filter(|p| *p >= 1).unwrap_or_else(|| {
                errors.push(FieldError::new("page", "Pages are numbered from 1"));
                1
            }),
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(SearchRequest {
            text: self.q.trim().to_string(),
            lots,
            units,
            price_bands,
            term_bands,
            suppliers,
            sort,
            page,
        })
    }
}

impl SearchRequest {
    fn filters(&self) -> Filters {
        Filters {
            lots: self.lots.clone(),
            units: self.units.clone(),
            price_bands: self.price_bands.clone(),
            term_bands: self.term_bands.clone(),
            suppliers: self.suppliers.clone(),
        }
    }

    /// Whether any filter is set.
    pub fn is_filtered(&self) -> bool {
        !(self.lots.is_empty()
            && self.units.is_empty()
            && self.price_bands.is_empty()
            && self.term_bands.is_empty()
            && self.suppliers.is_empty())
    }

    /// Each filter's values as query parameters, one pair per value.
    pub fn filter_pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        pairs.extend(self.lots.iter().map(|l| ("lot", l.to_string())));
        pairs.extend(self.units.iter().map(|u| ("unit", u.as_str().to_string())));
        pairs.extend(self.price_bands.iter().map(|b| ("price_band", b.to_string())));
        pairs.extend(self.term_bands.iter().map(|b| ("term_band", b.to_string())));
        pairs.extend(self.suppliers.iter().map(|s| ("supplier", s.to_string())));
        pairs
    }

    /// Query parameters that repeat this search (for links).
    pub fn to_query(&self) -> String {
        let mut pairs = vec![("q", self.text.clone())];
        pairs.extend(self.filter_pairs());
        if self.sort != Sort::Relevance {
            pairs.push(("sort", self.sort.as_str().to_string()));
        }
        if self.page > 1 {
            pairs.push(("page", self.page.to_string()));
        }
        pairs
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", urlencode(&v)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

fn urlencode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            b' ' => "+".to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A way to loosen a search that found nothing, and how many items it would find.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub label: String,
    pub request: SearchRequest,
    pub count: i64,
}

/// Whether the results match every word searched for, or, when no item does, some of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Match {
    #[default]
    All,
    Partial,
}

/// A page of results, with the facets of everything that matched.
#[derive(Debug, Clone, Default)]
pub struct SearchResults {
    /// Whether the items match every word, or only some (ranked by how many).
    pub matched: Match,
    pub items: Vec<CatalogueItem>,
    pub total: i64,
    pub pages: i64,
    pub lots: Vec<(u32, i64)>,
    pub units: Vec<(Unit, i64)>,
    pub price_bands: Vec<(usize, i64)>,
    pub term_bands: Vec<(usize, i64)>,
    /// Supplier id, name and count.
    pub suppliers: Vec<(OrganisationId, String, i64)>,
    /// When nothing matched: what to relax.
    pub suggestions: Vec<Suggestion>,
}

/// How many items have each value of facet group `g`, counting the rows that count in it.
fn tally<K: Ord + Clone>(
    rows: &[(search::FacetRow, Fit)],
    g: usize,
    key: impl Fn(&search::FacetRow) -> K,
) -> Vec<(K, i64)> {
    let mut counts = std::collections::BTreeMap::new();
    for (row, fit) in rows {
        if fit.counts_in(g) {
            *counts.entry(key(row)).or_insert(0) += row.count;
        }
    }
    counts.into_iter().collect()
}

impl SearchRequest {
    /// Whether a facet row passes each group's filter.
    fn passes(&self, row: &search::FacetRow) -> [bool; FILTER_GROUPS] {
        let band = |bands: &[usize], band: u8| bands.is_empty() || bands.contains(&usize::from(band));
        [
            self.lots.is_empty() || self.lots.contains(&row.lot),
            self.units.is_empty() || self.units.iter().any(|u| u.as_str() == row.unit),
            band(&self.price_bands, row.price_band),
            band(&self.term_bands, row.term_band),
            self.suppliers.is_empty() || self.suppliers.contains(&row.supplier),
        ]
    }
}

/// Full-text search over a framework's catalogue (name, description, SKU and CPV code; each word
/// with its word forms, synonyms and corrections, ADR 0014; every word required, or when no item
/// has them all, as many as possible), with facets by lot, unit, price band, minimum term and supplier,
/// sorted by relevance, price or name. Answered from this process's in-memory index when it is
/// of the catalogue's current generation; otherwise from the database while the index is
/// rebuilt in the background. Both give the same results (ADR 0004).
pub async fn search(
    app: &App,
    actor: &Actor,
    framework: &FrameworkId,
    request: &SearchRequest,
) -> AppResult<Arc<SearchResults>> {
    let generation = match app.browsing.generations.get(framework) {
        Some(generation) => generation,
        None => {
            let mut conn = app.db.pool().acquire().await?;
            let generation = search::generation(&mut conn, framework).await?;
            app.browsing.generations.put(framework.clone(), generation);
            generation
        }
    };
    match app.search_indexes.current(framework, generation) {
        Some(index) => {
            // Results of a generation stay right until the catalogue changes.
            let key = (framework.clone(), generation, request.clone());
            if let Some(results) = app.browsing.results.get(&key) {
                return Ok(results);
            }
            let results = Arc::new(search_index(&index, request));
            app.browsing.results.put(key, results.clone());
            Ok(results)
        }
        None => {
            let (app2, framework2) = (app.clone(), framework.clone());
            if app.search_indexes.start_building(framework) {
                tokio::spawn(async move {
                    if let Err(e) = prepare_index(&app2, &framework2).await {
                        tracing::error!(error = %e, "building the search index");
                    }
                    app2.search_indexes.done_building(&framework2);
                });
            }
            search_in_database(app, actor, framework, request).await.map(Arc::new)
        }
    }
}

/// After this process changed a framework's catalogue (and bumped its generation): search it
/// afresh at once rather than within [`crate::recent::BROWSING_MAX_AGE`].
pub(crate) fn changed(app: &App, framework: &FrameworkId) {
    app.browsing.generations.forget(framework);
}

/// Builds (or rebuilds) the framework's in-memory search index from the database, now.
pub async fn prepare_index(app: &App, framework: &FrameworkId) -> AppResult<Arc<SearchIndex>> {
    let mut conn = app.db.pool().acquire().await?;
    let generation = search::generation(&mut conn, framework).await?;
    let rows = search::index_items(&mut conn, framework).await?;
    let mut names = HashMap::new();
    for (record, _, _) in &rows {
        if !names.contains_key(&record.supplier_id) {
            let name = organisations::get(&mut conn, &record.supplier_id)
                .await?
                .map(|o| o.name)
                .unwrap_or_default();
            names.insert(record.supplier_id.clone(), name);
        }
    }
    let index = Arc::new(SearchIndex::build(generation, rows, names));
    app.search_indexes.put(framework, index.clone());
    Ok(index)
}

/// The search answered from an in-memory index.
pub fn search_index(index: &SearchIndex, request: &SearchRequest) -> SearchResults {
    let mut results = index.search(request);
    if results.total == 0 {
        results.suggestions = suggestion_candidates(request)
            .into_iter()
            .filter_map(|(label, candidate)| {
                let count = index.count(&candidate);
                (count > 0).then_some(Suggestion {
                    label,
                    request: candidate,
                    count,
                })
            })
            .collect();
    }
    results
}

/// The search answered by the database's full-text index.
pub async fn search_in_database(
    app: &App,
    _actor: &Actor,
    framework: &FrameworkId,
    request: &SearchRequest,
) -> AppResult<SearchResults> {
    let sku = request.text.trim().to_ascii_uppercase();
    let dialect = app.db.dialect();
    let mut conn = app.db.pool().acquire().await?;
    let groups = query_in_database(app, &mut conn, framework, &request.text)
        .await?
        .groups;
    let filters = request.filters();
    // Facets count every item that passes the other groups' filters, so read them unfiltered.
    let fitted = |rows: Vec<search::FacetRow>| -> Vec<(search::FacetRow, Fit)> {
        rows.into_iter()
            .map(|r| {
                let fit = Fit::of(request.passes(&r));
                (r, fit)
            })
            .collect()
    };
    let results = |rows: &[(search::FacetRow, Fit)]| -> i64 {
        rows.iter().filter(|(_, f)| *f == Fit::All).map(|(r, _)| r.count).sum()
    };
    let unfiltered = Filters::default();
    let mut rows = fitted(search::facets(&mut conn, dialect, framework, &groups, false, &unfiltered).await?);
    let mut matched = Match::All;
    if results(&rows) == 0 && groups.len() > 1 {
        let partial = fitted(search::facets(&mut conn, dialect, framework, &groups, true, &unfiltered).await?);
        if results(&partial) > 0 {
            rows = partial;
            matched = Match::Partial;
        }
    }
    let total = results(&rows);
    let offset = i64::from(request.page.saturating_sub(1)) * PAGE_SIZE;
    let items = if total <= offset {
        Vec::new()
    } else if matched == Match::Partial {
        partial_page(&mut conn, dialect, framework, &groups, request, offset).await?
    } else {
        search::items(
            &mut conn,
            dialect,
            framework,
            &groups,
            &sku,
            &filters,
            request.sort,
            (PAGE_SIZE, offset),
        )
        .await?
        .into_iter()
        .map(|r| r.item)
        .collect()
    };
    let mut suppliers = Vec::new();
    for (id, count) in tally(&rows, 4, |r| r.supplier.clone()) {
        let name = organisations::get(&mut conn, &id)
            .await?
            .map(|o| o.name)
            .unwrap_or_default();
        suppliers.push((id, name, count));
    }
    let suggestions = if total == 0 {
        suggestions(app, &mut conn, dialect, framework, request).await?
    } else {
        Vec::new()
    };
    Ok(SearchResults {
        matched,
        items,
        total,
        pages: (total + PAGE_SIZE - 1) / PAGE_SIZE,
        lots: tally(&rows, 0, |r| r.lot),
        units: tally(&rows, 1, |r| r.unit.clone())
            .into_iter()
            .filter_map(|(u, n)| Some((Unit::parse(&u).ok()?, n)))
            .collect(),
        price_bands: tally(&rows, 2, |r| usize::from(r.price_band)),
        term_bands: tally(&rows, 3, |r| usize::from(r.term_band)),
        suppliers,
        suggestions,
    })
}

/// What the text means over the framework's words as the database holds them (read only when a
/// word could be a typo, and kept for the catalogue's generation).
async fn query_in_database(
    app: &App,
    conn: &mut calloff_store::Conn,
    framework: &FrameworkId,
    text: &str,
) -> AppResult<SearchQuery> {
    if !SearchQuery::needs_vocabulary(text) {
        return Ok(SearchQuery::parse(text, &Vocabulary::default()));
    }
    let generation = search::generation(conn, framework).await?;
    let vocabulary = match app.search_indexes.vocabulary(framework, generation) {
        Some(vocabulary) => vocabulary,
        None => {
            let texts = search::search_texts(conn, framework).await?;
            let vocabulary = Arc::new(Vocabulary::new(texts.iter().flat_map(|t| t.split(' '))));
            // Only if the catalogue did not change while it was read.
            if search::generation(conn, framework).await? == generation {
                app.search_indexes
                    .put_vocabulary(framework, generation, vocabulary.clone());
            }
            vocabulary
        }
    };
    Ok(SearchQuery::parse(text, &vocabulary))
}

/// A page of the items that match some of the groups, those that miss fewest first when sorted
/// by relevance, then by price or name and SKU, as the in-memory index orders them.
async fn partial_page(
    conn: &mut calloff_store::Conn,
    dialect: calloff_store::Dialect,
    framework: &FrameworkId,
    groups: &[crate::search_query::Group],
    request: &SearchRequest,
    offset: i64,
) -> AppResult<Vec<CatalogueItem>> {
    let mut found: HashMap<String, (usize, search::MatchingKeys)> = HashMap::new();
    for group in groups {
        for keys in search::matching(conn, dialect, framework, group, &request.filters()).await? {
            found.entry(keys.id.clone()).or_insert((0, keys)).0 += 1;
        }
    }
    let mut ranked: Vec<(usize, search::MatchingKeys)> = found.into_values().collect();
    let sort = request.sort;
    ranked.sort_by(|(a_found, a), (b_found, b)| {
        let relevance = |n: &usize| if sort == Sort::Relevance { groups.len() - n } else { 0 };
        let price = |k: &search::MatchingKeys, s: Sort| if sort == s { k.unit_price_micros } else { 0 };
        (
            relevance(a_found),
            price(a, Sort::PriceLow),
            std::cmp::Reverse(price(a, Sort::PriceHigh)),
            &a.name,
            &a.sku,
        )
            .cmp(&(
                relevance(b_found),
                price(b, Sort::PriceLow),
                std::cmp::Reverse(price(b, Sort::PriceHigh)),
                &b.name,
                &b.sku,
            ))
    });
    let mut items = Vec::new();
    let skip = usize::try_from(offset).unwrap_or(usize::MAX);
    let take = usize::try_from(PAGE_SIZE).unwrap_or(usize::MAX);
    for (_, keys) in ranked.into_iter().skip(skip).take(take) {
        let id = ItemId::from_stored(keys.id);
        if let Some(record) = catalogue::get(conn, &id).await? {
            items.push(record.item);
        }
    }
    Ok(items)
}

/// Searches that loosen one thing at a time (a filter, or a word), with what each would find.
async fn suggestions(
    app: &App,
    conn: &mut calloff_store::Conn,
    dialect: calloff_store::Dialect,
    framework: &FrameworkId,
    request: &SearchRequest,
) -> AppResult<Vec<Suggestion>> {
    let mut out = Vec::new();
    for (label, candidate) in suggestion_candidates(request) {
        let groups = query_in_database(app, conn, framework, &candidate.text).await?.groups;
        let count: i64 = search::facets(conn, dialect, framework, &groups, false, &candidate.filters())
            .await?
            .iter()
            .map(|r| r.count)
            .sum();
        if count > 0 {
            out.push(Suggestion {
                label,
                request: candidate,
                count,
            });
        }
    }
    Ok(out)
}

/// Searches that loosen one thing: each filter in turn, then each word in turn.
fn suggestion_candidates(request: &SearchRequest) -> Vec<(String, SearchRequest)> {
    let terms = calloff_domain::catalogue::query_terms(&request.text);
    let base = SearchRequest {
        page: 1,
        ..request.clone()
    };
    let mut candidates: Vec<(String, SearchRequest)> = Vec::new();
    let loosened = [
        (
            !request.lots.is_empty(),
            "Search every lot",
            SearchRequest {
                lots: Vec::new(),
                ..base.clone()
            },
        ),
        (
            !request.units.is_empty(),
            "Any unit",
            SearchRequest {
                units: Vec::new(),
                ..base.clone()
            },
        ),
        (
            !request.price_bands.is_empty(),
            "Any price",
            SearchRequest {
                price_bands: Vec::new(),
                ..base.clone()
            },
        ),
        (
            !request.term_bands.is_empty(),
            "Any minimum term",
            SearchRequest {
                term_bands: Vec::new(),
                ..base.clone()
            },
        ),
        (
            !request.suppliers.is_empty(),
            "Every supplier",
            SearchRequest {
                suppliers: Vec::new(),
                ..base.clone()
            },
        ),
    ];
    candidates.extend(
        loosened
            .into_iter()
            .filter(|(set, _, _)| *set)
            .map(|(_, label, r)| (label.to_string(), r)),
    );
    if terms.len() > 1 {
        for (i, dropped) in terms.iter().enumerate() {
            let kept: Vec<&str> = terms
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, t)| t.as_str())
                .collect();
            candidates.push((
                format!("Search for \"{}\" without \"{dropped}\"", kept.join(" ")),
                SearchRequest {
                    text: kept.join(" "),
                    ..base.clone()
                },
            ));
        }
    }
    candidates
}

pub async fn item(app: &App, _actor: &Actor, id: &ItemId) -> AppResult<CatalogueItem> {
    let mut conn = app.db.pool().acquire().await?;
    catalogue::get(&mut conn, id)
        .await?
        .map(|r| r.item)
        .ok_or_else(|| AppError::NotFound("catalogue item".into()))
}

/// The item with this SKU on this framework, if there is one.
pub async fn item_by_sku(
    app: &App,
    _actor: &Actor,
    framework: &FrameworkId,
    sku: &str,
) -> AppResult<Option<CatalogueItem>> {
    let Ok(sku) = calloff_domain::catalogue::Sku::parse(sku) else {
        return Ok(None);
    };
    let mut conn = app.db.pool().acquire().await?;
    Ok(catalogue::find(&mut conn, framework, &sku).await?.map(|r| r.item))
}

/// What bodies paid for an item on call-offs that went ahead.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PricesPaid {
    /// How many bodies bought it.
    pub bodies: usize,
    /// How many call-off lines.
    pub lines: usize,
    pub median: Option<UnitPrice>,
    pub lowest: Option<UnitPrice>,
    pub highest: Option<UnitPrice>,
    /// The bodies' names, when the framework allows them to be shown.
    pub buyers: Option<Vec<String>>,
}

/// The median of sorted values; between two middle values, their mean rounded half-up.
fn median(sorted: &[i64]) -> Option<i64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2] + 1) / 2),
    }
}

/// How many bodies bought an item, and the median and range of the unit prices they paid.
/// Bodies are named only if the item's framework allows it.
pub async fn prices_paid(app: &App, actor: &Actor, id: &ItemId) -> AppResult<PricesPaid> {
    let item = self::item(app, actor, id).await?;
    let mut conn = app.db.pool().acquire().await?;
    let paid = calloff_store::call_offs::paid_for_item(&mut conn, id).await?;
    let mut prices: Vec<i64> = paid.iter().map(|(_, _, p)| *p).collect();
    prices.sort_unstable();
    let mut names: Vec<String> = paid.iter().map(|(_, name, _)| name.clone()).collect();
    names.sort();
    names.dedup();
    let price = |p: Option<i64>| p.and_then(|p| UnitPrice::from_micros(p).ok());
    let named = calloff_store::frameworks::names_buyers(&mut conn, &item.framework_id).await?;
    Ok(PricesPaid {
        bodies: names.len(),
        lines: prices.len(),
        median: price(median(&prices)),
        lowest: price(prices.first().copied()),
        highest: price(prices.last().copied()),
        buyers: named.then_some(names),
    })
}

/// The framework manager sets an item's demand bands, as rows (errors named
/// `demand_bands[i].from` and `demand_bands[i].unit_price`) or, deprecated, as text like
/// `5000 = 3.20; 20000 = 2.90` (errors named `demand_bands`); no rows removes them. That makes a new
/// version of the item, in force from today; new quotes and call-offs price with it at once.
pub async fn set_demand_bands(app: &App, actor: &Actor, id: &ItemId, bands: &BreaksInput) -> AppResult<CatalogueItem> {
    let mut conn = app.db.pool().acquire().await?;
    let record = catalogue::get(&mut conn, id)
        .await?
        .ok_or_else(|| AppError::NotFound("catalogue item".into()))?;
    let framework = crate::frameworks::record(&mut conn, &record.item.framework_id).await?;
    let standing = crate::frameworks::standing_in(&mut conn, actor, &framework).await?;
    drop(conn);
    if !standing.may_set_demand_bands() {
        return Err(AppError::Forbidden(
            "only the framework's manager can set demand bands".into(),
        ));
    }
    let bands = bands
        .read("demand_bands", "band", Some(record.item.unit_price), MAX_BAND_FROM)
        .map_err(|mut errors| {
            if errors.len() == 1 {
                AppError::Invalid(errors.remove(0))
            } else {
                AppError::InvalidFields(errors)
            }
        })?;
    if record.withdrawn {
        return Err(AppError::Conflict(FieldError::new(
            "demand_bands",
            "This item has been withdrawn from the catalogue",
        )));
    }
    let item = &record.item;
    if bands == item.demand_bands {
        return Ok(item.clone());
    }
    with_retries(|| async {
        let at = app.now_text();
        let mut tx = app.db.begin_write().await?;
        let mut head = ChainHead::claim(&mut tx).await?;
        let today = app.today().to_string();
        // Only over the version read, so the audit's "before" is what the bands replace.
        if !catalogue::set_demand_bands(&mut tx, &item.framework_id, &item.sku, record.version, &bands, &today).await? {
            return Err(AppError::Conflict(FieldError::new(
                "demand_bands",
                "The item changed while the bands were being saved; look again and save them again",
            )));
        }
        search::bump_generation(&mut tx, &item.framework_id).await?;
        let message = notifications::Message {
            id_prefix: &uuid::Uuid::now_v7().to_string(),
            event: "catalogue.demand_bands_set",
            subject: &format!("Demand bands for {}", item.sku),
            body: &format!(
                "{} set the demand bands of {} to: {}",
                actor.organisation_name,
                item.sku,
                if bands.is_empty() {
                    "none".to_string()
                } else {
                    bands.to_string()
                }
            ),
            link: &format!("/items/{}#pricing", item.id),
            created_at: &at,
        };
        notifications::queue_for_role(
            &mut tx,
            &message,
            Some(&record.supplier_id),
            Role::SupplierUser,
            &actor.user_id,
        )
        .await?;
        head.append(
            &mut tx,
            &at,
            actor.user_id.as_str(),
            "catalogue.demand_bands_set",
            item.id.as_str(),
            serde_json::json!({
                "sku": item.sku,
                "before": item.demand_bands.to_string(),
                "after": bands.to_string(),
            }),
        )
        .await?;
        head.seal(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    })
    .await?;
    app.prices.forget(&item.framework_id, &item.sku);
    changed(app, &item.framework_id);
    self::item(app, actor, id).await
}

/// The highest framework-wide quantity a demand band may start at.
pub const MAX_BAND_FROM: u64 = 1_000_000_000;

/// A framework's catalogue as it stood, or will stand, at the end of a day.
#[derive(Debug, Clone)]
pub struct CatalogueAsOf {
    pub date: NaiveDate,
    /// Versions in force from after this day are approved changes still to come.
    pub today: NaiveDate,
    pub items: Vec<catalogue::ItemAsOf>,
    /// More items were in force than are listed.
    pub truncated: bool,
}

/// Most items listed in a catalogue "as of" a date.
pub const AS_OF_LIMIT: i64 = 1_000;

/// The catalogue as it stood, or will stand, at the end of `date` (`YYYY-MM-DD`): each item's
/// version in force then, withdrawn ones included and marked. A future date includes the approved
/// changes due by then.
pub async fn as_of(app: &App, _actor: &Actor, framework: &FrameworkId, date: &str) -> AppResult<CatalogueAsOf> {
    let today = app.today();
    let date = calloff_domain::calendar::parse_date(date).map_err(|message| AppError::invalid("date", message))?;
    let mut conn = app.db.pool().acquire().await?;
    crate::frameworks::record(&mut conn, framework).await?;
    let mut items = catalogue::as_of(&mut conn, framework, &date.min(today).to_string(), AS_OF_LIMIT + 1).await?;
    if date > today {
        // Approved changes not yet in force, laid over today's versions in the order they apply.
        for due in change_requests::scheduled(&mut conn, framework, &date.to_string(), MAX_SCHEDULED).await? {
            lay_over(&mut items, &due);
        }
        items.sort_by(|a, b| (a.version.details.lot_number, &a.sku).cmp(&(b.version.details.lot_number, &b.sku)));
    }
    let truncated = calloff_domain::count(items.len()) > AS_OF_LIMIT;
    items.truncate(usize::try_from(AS_OF_LIMIT).unwrap_or(usize::MAX));
    Ok(CatalogueAsOf {
        date,
        today,
        items,
        truncated,
    })
}

/// Most approved changes laid over today's catalogue for a future date.
const MAX_SCHEDULED: i64 = 200_000;

/// An approved change as it will apply: the item's next version (or, for a new item, its first).
fn lay_over(items: &mut Vec<catalogue::ItemAsOf>, due: &change_requests::DueChange) {
    let c = &due.stored.change;
    let next = |v: &catalogue::ItemVersion| catalogue::ItemVersion {
        version: v.version + 1,
        effective_from: c.effective_from.to_string(),
        change_request_id: Some(due.request_id.clone()),
        ..v.clone()
    };
    match (c.kind, items.iter_mut().find(|i| i.sku == c.sku)) {
        (ChangeKind::Add, None) => {
            if let Some(details) = &c.details {
                items.push(catalogue::ItemAsOf {
                    id: None,
                    sku: c.sku.clone(),
                    version: catalogue::ItemVersion {
                        version: 1,
                        effective_from: c.effective_from.to_string(),
                        details: details.clone(),
                        demand_bands: PriceBreaks::default(),
                        withdrawn: false,
                        change_request_id: Some(due.request_id.clone()),
                    },
                });
            }
        }
        (ChangeKind::Edit, Some(item)) => {
            let mut version = next(&item.version);
            if let Some(details) = &c.details {
                version.details = details.clone();
            }
            item.version = version;
        }
        (ChangeKind::Price, Some(item)) => {
            let mut version = next(&item.version);
            if let Some(price) = c.new_price {
                version.details.unit_price = price;
            }
            item.version = version;
        }
        (ChangeKind::Withdraw, Some(item)) => {
            item.version = catalogue::ItemVersion {
                withdrawn: true,
                ..next(&item.version)
            };
        }
        // An item beyond the listed ones, or a change the checks would have refused.
        _ => {}
    }
}

/// Units of an item bought across its framework on call-offs that went ahead.
pub async fn committed_quantity(app: &App, id: &ItemId) -> AppResult<u64> {
    let mut conn = app.db.pool().acquire().await?;
    Ok(calloff_store::call_offs::committed_quantity(&mut conn, id).await?)
}
