//! Catalogue items, search, prices paid, item versions and catalogue change requests.

use super::UnitPriceView;
use calloff_app::catalogue::{CatalogueAsOf, Match, PricesPaid, SearchRequest, SearchResults, PRICE_BANDS, TERM_BANDS};
use calloff_app::change_requests::{ItemVersion, RequestSummary};
use calloff_domain::catalogue::{CatalogueItem, CpvCode, Sku, Unit};
use calloff_domain::change_control::{ChangeKind, ItemDetails, RequestStatus};
use calloff_domain::ids::{FrameworkId, ItemId, OrganisationId, ProposalId, UserId};
use calloff_domain::pricing::PriceBreaks;
use serde::Serialize;
use utoipa::ToSchema;

/// From how many units a unit price applies.
#[derive(Serialize, ToSchema)]
pub struct PriceBreakView {
    pub from: u64,
    pub unit_price_micros: i64,
    pub unit_price_display: String,
}

pub fn price_breaks(breaks: &PriceBreaks) -> Vec<PriceBreakView> {
    breaks
        .iter()
        .map(|b| PriceBreakView {
            from: b.from,
            unit_price_micros: b.unit_price.micros(),
            unit_price_display: b.unit_price.to_string(),
        })
        .collect()
}

#[derive(Serialize, ToSchema)]
pub struct ItemView {
    pub id: ItemId,
    pub framework_id: FrameworkId,
    pub lot: u32,
    pub sku: Sku,
    pub name: String,
    pub description: String,
    pub unit: Unit,
    pub unit_label: String,
    /// Millionths of a pound, excluding VAT.
    pub unit_price_micros: i64,
    pub unit_price_display: String,
    pub minimum_term_months: u32,
    pub cpv: CpvCode,
    /// The off-framework price, if known.
    pub list_price_micros: Option<i64>,
    pub quantity_tiers: Vec<PriceBreakView>,
    pub demand_bands: Vec<PriceBreakView>,
}

impl From<&CatalogueItem> for ItemView {
    fn from(i: &CatalogueItem) -> Self {
        Self {
            id: i.id.clone(),
            framework_id: i.framework_id.clone(),
            lot: i.lot_number,
            sku: i.sku.clone(),
            name: i.name.clone(),
            description: i.description.clone(),
            unit: i.unit,
            unit_label: i.unit.label().to_string(),
            unit_price_micros: i.unit_price.micros(),
            unit_price_display: i.unit_price.to_string(),
            minimum_term_months: i.minimum_term_months,
            cpv: i.cpv.clone(),
            list_price_micros: i.list_price.map(|p| p.micros()),
            quantity_tiers: price_breaks(&i.quantity_tiers),
            demand_bands: price_breaks(&i.demand_bands),
        }
    }
}

/// How many bodies bought an item, on how many call-off lines, and the median, lowest and
/// highest unit prices paid; buyers are named only if the framework allows it.
#[derive(Serialize, ToSchema)]
pub struct PricesPaidView {
    pub bodies: usize,
    pub lines: usize,
    pub median: Option<UnitPriceView>,
    pub lowest: Option<UnitPriceView>,
    pub highest: Option<UnitPriceView>,
    pub buyers: Option<Vec<String>>,
}

impl From<&PricesPaid> for PricesPaidView {
    fn from(p: &PricesPaid) -> Self {
        Self {
            bodies: p.bodies,
            lines: p.lines,
            median: p.median.map(Into::into),
            lowest: p.lowest.map(Into::into),
            highest: p.highest.map(Into::into),
            buyers: p.buyers.clone(),
        }
    }
}

/// An item with the prices other bodies paid for it.
#[derive(Serialize, ToSchema)]
pub struct ItemWithPricesPaid {
    #[serde(flatten)]
    pub item: ItemView,
    pub prices_paid: PricesPaidView,
}

#[derive(Serialize, ToSchema)]
pub struct LotFacet {
    pub value: u32,
    pub count: i64,
    /// Whether the search filters by this value.
    pub selected: bool,
}

#[derive(Serialize, ToSchema)]
pub struct UnitFacet {
    pub value: Unit,
    pub label: String,
    pub count: i64,
    /// Whether the search filters by this value.
    pub selected: bool,
}

#[derive(Serialize, ToSchema)]
pub struct BandFacet {
    pub value: usize,
    pub label: String,
    pub count: i64,
    /// Whether the search filters by this value.
    pub selected: bool,
}

#[derive(Serialize, ToSchema)]
pub struct SupplierFacet {
    pub value: OrganisationId,
    pub label: String,
    pub count: i64,
    /// Whether the search filters by this value.
    pub selected: bool,
}

/// How many matching items fall in each value of each facet. A value's count is of the items
/// that pass every other facet's filter, so it says what choosing the value as well would find
/// (values of one facet are alternatives).
#[derive(Serialize, ToSchema)]
pub struct Facets {
    pub lot: Vec<LotFacet>,
    pub unit: Vec<UnitFacet>,
    pub price_band: Vec<BandFacet>,
    pub term_band: Vec<BandFacet>,
    pub supplier: Vec<SupplierFacet>,
}

/// A loosened search that would find something.
#[derive(Serialize, ToSchema)]
pub struct SuggestionView {
    pub label: String,
    pub count: i64,
    /// Query parameters of the loosened search.
    pub query: String,
}

/// Whether the items match every word searched for, or (when no item does) only some, ranked by
/// how many.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MatchView {
    All,
    Partial,
}

/// A page of matching items, the facets of all of them, and suggestions when none match.
#[derive(Serialize, ToSchema)]
pub struct SearchResultsView {
    /// `all` when every item matches every word; `partial` when no item did, and these are the
    /// items that match most of the words.
    #[serde(rename = "match")]
    pub matched: MatchView,
    pub items: Vec<ItemView>,
    pub total: i64,
    pub page: u32,
    pub pages: i64,
    pub facets: Facets,
    pub suggestions: Vec<SuggestionView>,
}

impl SearchResultsView {
    pub fn new(r: &SearchResults, request: &SearchRequest) -> Self {
        let band = |bands: &[(&str, i64, i64)], chosen: &[usize], (b, c): &(usize, i64)| BandFacet {
            value: *b,
            label: bands[*b].0.to_string(),
            count: *c,
            selected: chosen.contains(b),
        };
        Self {
            matched: match r.matched {
                Match::All => MatchView::All,
                Match::Partial => MatchView::Partial,
            },
            items: r.items.iter().map(Into::into).collect(),
            total: r.total,
            page: request.page,
            pages: r.pages,
            facets: Facets {
                lot: r
                    .lots
                    .iter()
                    .map(|(n, c)| LotFacet {
                        value: *n,
                        count: *c,
                        selected: request.lots.contains(n),
                    })
                    .collect(),
                unit: r
                    .units
                    .iter()
                    .map(|(u, c)| UnitFacet {
                        value: *u,
                        label: u.label().to_string(),
                        count: *c,
                        selected: request.units.contains(u),
                    })
                    .collect(),
                price_band: r
                    .price_bands
                    .iter()
                    .map(|b| band(&PRICE_BANDS, &request.price_bands, b))
                    .collect(),
                term_band: r
                    .term_bands
                    .iter()
                    .map(|b| band(&TERM_BANDS, &request.term_bands, b))
                    .collect(),
                supplier: r
                    .suppliers
                    .iter()
                    .map(|(id, name, c)| SupplierFacet {
                        value: id.clone(),
                        label: name.clone(),
                        count: *c,
                        selected: request.suppliers.contains(id),
                    })
                    .collect(),
            },
            suggestions: r
                .suggestions
                .iter()
                .map(|s| SuggestionView {
                    label: s.label.clone(),
                    count: s.count,
                    query: s.request.to_query(),
                })
                .collect(),
        }
    }
}

/// Every detail of an item as a change proposes it, or as a version of the item has it.
#[derive(Serialize, ToSchema)]
pub struct ItemDetailsView {
    pub lot: u32,
    pub name: String,
    pub description: String,
    pub unit: Unit,
    pub unit_price_micros: i64,
    pub unit_price_display: String,
    pub minimum_term_months: u32,
    pub cpv: CpvCode,
    pub list_price_micros: Option<i64>,
    pub quantity_tiers: Vec<PriceBreakView>,
}

impl From<&ItemDetails> for ItemDetailsView {
    fn from(d: &ItemDetails) -> Self {
        Self {
            lot: d.lot_number,
            name: d.name.clone(),
            description: d.description.clone(),
            unit: d.unit,
            unit_price_micros: d.unit_price.micros(),
            unit_price_display: d.unit_price.to_string(),
            minimum_term_months: d.minimum_term_months,
            cpv: d.cpv.clone(),
            list_price_micros: d.list_price.map(|p| p.micros()),
            quantity_tiers: price_breaks(&d.quantity_tiers),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ItemVersionView {
    pub version: i64,
    #[schema(format = Date)]
    pub effective_from: String,
    pub withdrawn: bool,
    pub change_request_id: Option<String>,
    pub details: ItemDetailsView,
    pub demand_bands: Vec<PriceBreakView>,
}

impl From<&ItemVersion> for ItemVersionView {
    fn from(v: &ItemVersion) -> Self {
        Self {
            version: v.version,
            effective_from: v.effective_from.clone(),
            withdrawn: v.withdrawn,
            change_request_id: v.change_request_id.clone(),
            details: (&v.details).into(),
            demand_bands: price_breaks(&v.demand_bands),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ItemVersions {
    pub item_id: ItemId,
    pub versions: Vec<ItemVersionView>,
}

/// An item's version in force on a date; an item still to be added has no id yet.
#[derive(Serialize, ToSchema)]
pub struct ItemAsOfView {
    #[serde(flatten)]
    pub version: ItemVersionView,
    pub item_id: Option<ItemId>,
    pub sku: Sku,
}

#[derive(Serialize, ToSchema)]
pub struct CatalogueAsOfView {
    #[schema(format = Date)]
    pub date: String,
    /// Whether there were more items than one answer holds.
    pub truncated: bool,
    pub items: Vec<ItemAsOfView>,
}

impl From<&CatalogueAsOf> for CatalogueAsOfView {
    fn from(v: &CatalogueAsOf) -> Self {
        Self {
            date: v.date.to_string(),
            truncated: v.truncated,
            items: v
                .items
                .iter()
                .map(|i| ItemAsOfView {
                    version: (&i.version).into(),
                    item_id: i.id.clone(),
                    sku: i.sku.clone(),
                })
                .collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ChangeRequestView {
    pub id: String,
    pub framework_id: FrameworkId,
    pub supplier_id: OrganisationId,
    pub title: String,
    pub status: RequestStatus,
    pub indexation_basis_points: Option<i64>,
    pub change_count: i64,
    pub submitted_by: UserId,
    #[schema(format = DateTime)]
    pub submitted_at: String,
    pub decided_by: Option<UserId>,
    #[schema(format = DateTime)]
    pub decided_at: Option<String>,
    pub decision_reason: Option<String>,
    /// The accepted proposal it answers.
    pub proposal_id: Option<ProposalId>,
}

impl From<&RequestSummary> for ChangeRequestView {
    fn from(r: &RequestSummary) -> Self {
        Self {
            id: r.id.clone(),
            framework_id: r.framework_id.clone(),
            supplier_id: r.supplier_id.clone(),
            title: r.title.clone(),
            status: r.status,
            indexation_basis_points: r.indexation_bp,
            change_count: r.change_count,
            submitted_by: r.submitted_by.clone(),
            submitted_at: r.submitted_at.clone(),
            decided_by: r.decided_by.clone(),
            decided_at: r.decided_at.clone(),
            decision_reason: r.decision_reason.clone(),
            proposal_id: r.proposal_id.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ChangeRequestList {
    pub change_requests: Vec<ChangeRequestView>,
}

/// A field a change would alter: its value now and as proposed.
#[derive(Serialize, ToSchema)]
pub struct FieldDiff {
    pub field: String,
    pub now: String,
    pub proposed: String,
}

#[derive(Serialize, ToSchema)]
pub struct ChangeView {
    pub position: i64,
    pub kind: ChangeKind,
    pub sku: Sku,
    #[schema(format = Date)]
    pub effective_from: String,
    /// `proposed`, `scheduled`, `applied` or `rejected`.
    pub status: String,
    #[schema(format = DateTime)]
    pub applied_at: Option<String>,
    pub details: Option<ItemDetailsView>,
    pub new_price_micros: Option<i64>,
    /// The version in force now.
    pub current: Option<ItemView>,
    pub diff: Vec<FieldDiff>,
}

/// A change request with a page of its changes, each beside the version in force.
#[derive(Serialize, ToSchema)]
pub struct ChangeRequestDetail {
    #[serde(flatten)]
    pub request: ChangeRequestView,
    pub changes: Vec<ChangeView>,
    /// `after` for the next page, if there is one.
    pub next_after: Option<i64>,
}

impl From<&calloff_app::change_requests::RequestView> for ChangeRequestDetail {
    fn from(v: &calloff_app::change_requests::RequestView) -> Self {
        Self {
            request: (&v.request).into(),
            changes: v
                .changes
                .iter()
                .map(|c| {
                    let change = &c.stored.change;
                    ChangeView {
                        position: c.stored.position,
                        kind: change.kind,
                        sku: change.sku.clone(),
                        effective_from: change.effective_from.to_string(),
                        status: c.stored.status.clone(),
                        applied_at: c.stored.applied_at.clone(),
                        details: change.details.as_ref().map(Into::into),
                        new_price_micros: change.new_price.map(|p| p.micros()),
                        current: c.current.as_ref().map(Into::into),
                        diff: c
                            .diff
                            .iter()
                            .map(|(field, now, proposed)| FieldDiff {
                                field: (*field).to_string(),
                                now: now.clone(),
                                proposed: proposed.clone(),
                            })
                            .collect(),
                    }
                })
                .collect(),
            next_after: v.next_after,
        }
    }
}
