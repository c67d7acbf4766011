//! Pricing a basket: the quote builder, and the first half of placing a call-off.

use crate::{Actor, App, AppError, AppResult};
use calloff_domain::call_off::{price_line, MonthlyUsage, PricedLine, Quantity, TermMonths, Totals, MAX_LINES};
use calloff_domain::catalogue::{CatalogueItem, Sku};
use calloff_domain::ids::{FrameworkId, OrganisationId, SavedQuoteId};
use calloff_domain::role::Role;
use calloff_domain::route_to_market::{self, Advice, LotFacts};
use calloff_domain::FieldError;
use calloff_store::{call_offs, catalogue, frameworks, Conn};
use serde::{Deserialize, Serialize};

/// A basket line as the buyer typed it; every field is checked by [`price`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LineInput {
    pub sku: String,
    #[schema(minimum = 1, maximum = 100000)]
    pub quantity: i64,
    #[schema(minimum = 1, maximum = 120)]
    pub term_months: i64,
    /// Estimated minutes or GB per month for each unit; required for per-minute and per-GB items.
    #[serde(default)]
    #[schema(minimum = 1)]
    pub monthly_usage: Option<i64>,
}

/// The quote a user is building, kept with their session until they place it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Basket {
    pub framework_id: Option<FrameworkId>,
    pub lines: Vec<LineInput>,
    /// The saved quote this basket was opened from, when its owner opened it: saving updates it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saved_quote_id: Option<SavedQuoteId>,
    /// The saved quote's name, offered again when saving.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    pub framework_id: FrameworkId,
    pub supplier_id: OrganisationId,
    pub lines: Vec<PricedLine>,
    pub totals: Totals,
}

/// Prices a basket at today's catalogue prices. Reports every bad line, not just the first.
/// Refuses someone who may not build a quote (only buyers may).
pub fn may_quote(actor: &Actor) -> AppResult<()> {
    actor.require(Role::Buyer, "build a quote")
}

pub async fn price(app: &App, actor: &Actor, framework: &FrameworkId, lines: &[LineInput]) -> AppResult<Quote> {
    may_quote(actor)?;
    let mut conn = app.db.pool().acquire().await?;
    price_on(app, &mut conn, actor, framework, lines, Prices::Cached).await
}

/// Where [`price_on`] reads item prices from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Prices {
    /// Recently read items where there are any (see `price_cache`).
    Cached,
    /// The database, refreshing the cache.
    Fresh,
}

/// [`price`] on a connection the caller holds (placing goes on to use it for its transaction).
pub(crate) async fn price_on(
    app: &App,
    conn: &mut Conn,
    _actor: &Actor,
    framework: &FrameworkId,
    lines: &[LineInput],
    prices: Prices,
) -> AppResult<Quote> {
    if lines.is_empty() {
        return Err(AppError::invalid("lines", "Add at least one item to the quote"));
    }
    if lines.len() > MAX_LINES {
        return Err(AppError::invalid(
            "lines",
            format!("A quote can have at most {MAX_LINES} lines"),
        ));
    }
    let mut priced = Vec::with_capacity(lines.len());
    let mut errors = Vec::new();
    let mut supplier: Option<OrganisationId> = None;
    for (index, input) in lines.iter().enumerate() {
        let field = format!("lines[{index}]");
        let at = |e: FieldError| {
            let name = e.field.clone();
            e.at(format!("{field}.{name}"))
        };
        let sku = match Sku::parse(&input.sku) {
            Ok(sku) => sku,
            Err(e) => {
                errors.push(at(e));
                continue;
            }
        };
        let quantity = Quantity::parse(input.quantity).map_err(at);
        let term = TermMonths::parse(input.term_months).map_err(at);
        let usage = input.monthly_usage.map(MonthlyUsage::parse).transpose().map_err(at);
        let cached = match prices {
            Prices::Cached => app.prices.get(framework, &sku),
            Prices::Fresh => None,
        };
        let record = match cached {
            Some(record) => Some(record),
            None => catalogue::find(conn, framework, &sku)
                .await?
                .inspect(|r| app.prices.put(r)),
        };
        let Some(record) = record else {
            // Only on a miss: is the SKU unknown, or on another framework?
            let message = if catalogue::find_by_sku(conn, &sku).await?.is_empty() {
                format!("No item with SKU {sku} is in the catalogue")
            } else {
                format!("{sku} is not on this framework's catalogue")
            };
            errors.push(FieldError::new(format!("{field}.sku"), message));
            continue;
        };
        if record.withdrawn {
            errors.push(FieldError::new(
                format!("{field}.sku"),
                format!("{sku} has been withdrawn from the catalogue"),
            ));
            continue;
        }
        let (quantity, term, usage) = match (quantity, term, usage) {
            (Ok(q), Ok(t), Ok(u)) => (q, t, u),
            (q, t, u) => {
                errors.extend([q.err(), t.err(), u.err()].into_iter().flatten());
                continue;
            }
        };
        let demand = committed_demand(conn, &record.item).await?;
        match price_line(&record.item, quantity, term, usage, demand, &field) {
            Ok(mut line) => {
                line.item_version = Some(record.version);
                match &supplier {
                    Some(s) if *s != record.supplier_id => errors.push(FieldError::new(
                        format!("{field}.sku"),
                        "Items from different suppliers need separate call-offs",
                    )),
                    _ => supplier = Some(record.supplier_id.clone()),
                }
                priced.push(line);
            }
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() && frameworks::get(conn, framework).await?.is_none() {
        // Items "not on this framework" because there is no such framework: say so once.
        return Err(AppError::invalid("framework_id", "No such framework"));
    }
    if !errors.is_empty() {
        return Err(if errors.len() == 1 {
            AppError::Invalid(errors.remove(0))
        } else {
            AppError::InvalidFields(errors)
        });
    }
    let totals = Totals::of(&priced)?;
    Ok(Quote {
        framework_id: framework.clone(),
        supplier_id: supplier.expect("a priced basket has a supplier"),
        lines: priced,
        totals,
    })
}

/// Units of an item committed across the framework, where the item has demand bands to reach
/// (asking the database only then keeps pricing other items one query shorter).
pub(crate) async fn committed_demand(conn: &mut Conn, item: &CatalogueItem) -> AppResult<u64> {
    if item.demand_bands.is_empty() {
        return Ok(0);
    }
    Ok(call_offs::committed_quantity(conn, &item.id).await?)
}

/// Whether this quote may be placed as a direct award, or needs further competition, and why.
pub async fn route_to_market(app: &App, _actor: &Actor, quote: &Quote) -> AppResult<Advice> {
    let mut conn = app.db.pool().acquire().await?;
    let record = frameworks::get(&mut conn, &quote.framework_id)
        .await?
        .ok_or_else(|| AppError::invalid("framework_id", "No such framework"))?;
    Ok(advice_for(&record, &quote.lines))
}

/// The adviser's answer for a priced quote on a framework as stored.
pub(crate) fn advice_for(record: &frameworks::FrameworkRecord, lines: &[PricedLine]) -> Advice {
    let lots: Vec<LotFacts> = Totals::per_lot(lines)
        .into_iter()
        .filter_map(|(number, value)| {
            let lot = record.framework.lots.iter().find(|l| l.number == number)?;
            Some(LotFacts {
                number,
                title: lot.title.clone(),
                suppliers: record.framework.suppliers.len(),
                direct_award_route: lot.direct_award_route,
                direct_award_limit: lot.direct_award_limit,
                value,
            })
        })
        .collect();
    // A priced quote has every item in the catalogue.
    route_to_market::advise(&[], &lots)
}
