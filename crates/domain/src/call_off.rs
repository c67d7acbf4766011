//! Call-offs: lines, contract value, and the state machine.

use crate::approval::CostCentre;
use crate::catalogue::{CatalogueItem, Charging, CpvCode, Sku, Unit};
use crate::ids::{CallOffId, FrameworkId, ItemId, OrganisationId, UserId};
use crate::money::{Money, UnitPrice, STANDARD_VAT_PERCENT};
use crate::pricing::{unit_price_for, NextBand, PriceBasis};
use crate::FieldError;
use serde::{Deserialize, Serialize};

/// More than this many units on one line is almost certainly a typing mistake.
pub const MAX_QUANTITY: i64 = 100_000;
/// Ten years: longer call-off terms are not credible for ICT services.
pub const MAX_TERM_MONTHS: i64 = 120;
/// A billion minutes or GB a month is beyond any London body's use.
pub const MAX_MONTHLY_USAGE: i64 = 1_000_000_000;
/// Lines per call-off; a basket is a handful of services, not a price list.
pub const MAX_LINES: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(transparent)]
pub struct Quantity(u32);

impl Quantity {
    pub fn parse(value: i64) -> Result<Self, FieldError> {
        if !(1..=MAX_QUANTITY).contains(&value) {
            return Err(FieldError::new(
                "quantity",
                format!("Quantity must be a whole number from 1 to {MAX_QUANTITY}"),
            ));
        }
        u32::try_from(value).map(Quantity).map_err(|_| {
            FieldError::new(
                "quantity",
                format!("Quantity must be a whole number from 1 to {MAX_QUANTITY}"),
            )
        })
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(transparent)]
pub struct TermMonths(u32);

impl TermMonths {
    pub fn parse(value: i64) -> Result<Self, FieldError> {
        if !(1..=MAX_TERM_MONTHS).contains(&value) {
            return Err(FieldError::new(
                "term_months",
                format!("Term must be a whole number of months from 1 to {MAX_TERM_MONTHS}"),
            ));
        }
        u32::try_from(value).map(TermMonths).map_err(|_| {
            FieldError::new(
                "term_months",
                format!("Term must be a whole number of months from 1 to {MAX_TERM_MONTHS}"),
            )
        })
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(transparent)]
pub struct MonthlyUsage(u64);

impl MonthlyUsage {
    pub fn parse(value: i64) -> Result<Self, FieldError> {
        if !(1..=MAX_MONTHLY_USAGE).contains(&value) {
            return Err(FieldError::new(
                "monthly_usage",
                format!("Monthly usage must be a whole number from 1 to {MAX_MONTHLY_USAGE}"),
            ));
        }
        u64::try_from(value).map(MonthlyUsage).map_err(|_| {
            FieldError::new(
                "monthly_usage",
                format!("Monthly usage must be a whole number from 1 to {MAX_MONTHLY_USAGE}"),
            )
        })
    }

    pub fn get(self) -> u64 {
        self.0
    }
}

/// One line of a quote or call-off, with the item's details frozen as they were when priced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricedLine {
    pub item_id: ItemId,
    pub lot_number: u32,
    pub sku: Sku,
    pub name: String,
    pub description: String,
    pub unit: Unit,
    pub unit_price: UnitPrice,
    pub cpv: CpvCode,
    pub quantity: Quantity,
    pub term_months: TermMonths,
    pub monthly_usage: Option<MonthlyUsage>,
    /// What this line adds to the contract value, rounded once to the penny.
    pub value: Money,
    /// The item's list (off-framework) price, when it has one, and what the line would cost at it.
    #[serde(default)]
    pub list_price: Option<UnitPrice>,
    #[serde(default)]
    pub list_value: Option<Money>,
    /// Why the line pays `unit_price`: the catalogue price, a quantity tier or a demand band.
    #[serde(default)]
    pub price_basis: PriceBasis,
    /// Below a tier or band: the catalogue price it replaced, and the line at that price.
    #[serde(default)]
    pub catalogue_price: Option<UnitPrice>,
    #[serde(default)]
    pub catalogue_value: Option<Money>,
    /// On a quote: the next demand band across the framework, if one would lower the price.
    #[serde(default)]
    pub next_band: Option<NextBand>,
    /// The version of the catalogue item the line was priced from (none on old lines).
    #[serde(default)]
    pub item_version: Option<i64>,
}

impl PricedLine {
    /// What buying through the framework saves against the list price, if known.
    pub fn saving(&self) -> Option<Money> {
        self.list_value.and_then(|list| list.checked_sub(self.value))
    }

    /// This line (priced from `kept`'s frozen prices) as `kept` was priced: on the same basis,
    /// against the same catalogue price and item version; or at the catalogue price, if it was
    /// priced back at it (a quantity varied below its tier).
    pub fn priced_as(mut self, kept: &PricedLine) -> PricedLine {
        self.item_version = kept.item_version;
        if kept.catalogue_price == Some(self.unit_price) {
            return self;
        }
        let count = units_charged(self.unit, self.quantity, self.term_months, self.monthly_usage);
        self.price_basis = kept.price_basis;
        self.catalogue_price = kept.catalogue_price;
        self.catalogue_value = kept.catalogue_price.zip(count).and_then(|(p, n)| p.total_for(n));
        self
    }

    /// What a quantity tier or demand band saves against the catalogue price.
    pub fn volume_saving(&self) -> Option<Money> {
        self.catalogue_value.and_then(|full| full.checked_sub(self.value))
    }
}

/// What quantity tiers and demand bands save over the lines, if any line has one.
pub fn volume_savings(lines: &[PricedLine]) -> Option<Money> {
    let mut total: Option<Money> = None;
    for saving in lines.iter().filter_map(PricedLine::volume_saving) {
        total = Some(total.unwrap_or_default().checked_add(saving)?);
    }
    total
}

/// The saving against list prices over the lines that have one, and their list value.
pub fn savings(lines: &[PricedLine]) -> Option<(Money, Money)> {
    lines
        .iter()
        .filter_map(|l| Some((l.saving()?, l.list_value?)))
        .reduce(|(s, l), (s2, l2)| {
            (
                Money::from_pence(s.pence() + s2.pence()),
                Money::from_pence(l.pence() + l2.pence()),
            )
        })
}

/// Prices one line. `field` names the line in errors (e.g. `lines[0]`).
/// How many units of price a line is charged: quantity × months, quantity, or quantity × usage
/// × months. `None` when a usage-priced line has no usage.
pub fn units_charged(
    unit: Unit,
    quantity: Quantity,
    term_months: TermMonths,
    monthly_usage: Option<MonthlyUsage>,
) -> Option<u128> {
    let quantity = quantity.get() as u128;
    let months = term_months.get() as u128;
    Some(match unit.charging() {
        Charging::Recurring => quantity * months,
        Charging::OneOff => quantity,
        Charging::Usage => quantity * monthly_usage?.get() as u128 * months,
    })
}

pub fn price_line(
    item: &CatalogueItem,
    quantity: Quantity,
    term_months: TermMonths,
    monthly_usage: Option<MonthlyUsage>,
    demand: u64,
    field: &str,
) -> Result<PricedLine, FieldError> {
    if term_months.get() < item.minimum_term_months {
        return Err(FieldError::new(
            format!("{field}.term_months"),
            format!(
                "Term must be at least {} months for {} (the item's minimum term)",
                item.minimum_term_months, item.sku
            ),
        ));
    }
    let count = units_charged(item.unit, quantity, term_months, monthly_usage).ok_or_else(|| {
        FieldError::new(
            format!("{field}.monthly_usage"),
            format!(
                "enter the estimated {} per month for {}",
                item.unit.usage_noun().unwrap_or("usage"),
                item.sku
            ),
        )
    })?;
    let too_large = || FieldError::new(format!("{field}.quantity"), "makes the line value too large");
    let (unit_price, price_basis, next_band) = unit_price_for(
        item.unit_price,
        &item.quantity_tiers,
        &item.demand_bands,
        u64::from(quantity.get()),
        demand,
    );
    let value = unit_price.total_for(count).ok_or_else(too_large)?;
    let (catalogue_price, catalogue_value) = match price_basis {
        PriceBasis::Catalogue => (None, None),
        _ => (
            Some(item.unit_price),
            Some(item.unit_price.total_for(count).ok_or_else(too_large)?),
        ),
    };
    let list_value = item.list_price.and_then(|p| p.total_for(count));
    let list_price = item.list_price;
    Ok(PricedLine {
        item_id: item.id.clone(),
        lot_number: item.lot_number,
        sku: item.sku.clone(),
        name: item.name.clone(),
        description: item.description.clone(),
        unit: item.unit,
        unit_price,
        cpv: item.cpv.clone(),
        quantity,
        term_months,
        monthly_usage: match item.unit.charging() {
            Charging::Usage => monthly_usage,
            _ => None,
        },
        value,
        list_price,
        list_value,
        price_basis,
        catalogue_price,
        catalogue_value,
        next_band,
        item_version: None,
    })
}

/// Totals of a set of priced lines: the contract value ex VAT, the VAT and the total inc VAT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub contract_value: Money,
    pub vat: Money,
    pub total_inc_vat: Money,
}

impl Totals {
    /// All catalogue items are standard-rated, so VAT is one category on the sum of the lines.
    pub fn of(lines: &[PricedLine]) -> Result<Totals, FieldError> {
        let too_large = || FieldError::new("lines", "the contract value is too large");
        let contract_value = lines
            .iter()
            .try_fold(Money::ZERO, |sum, line| sum.checked_add(line.value))
            .ok_or_else(too_large)?;
        let vat = contract_value.vat_at(STANDARD_VAT_PERCENT).ok_or_else(too_large)?;
        let total_inc_vat = contract_value.checked_add(vat).ok_or_else(too_large)?;
        Ok(Totals {
            contract_value,
            vat,
            total_inc_vat,
        })
    }

    /// Contract value per lot, for lot ceilings.
    pub fn per_lot(lines: &[PricedLine]) -> Vec<(u32, Money)> {
        let mut per_lot: Vec<(u32, Money)> = Vec::new();
        for line in lines {
            match per_lot.iter_mut().find(|(lot, _)| *lot == line.lot_number) {
                Some((_, sum)) => *sum = sum.checked_add(line.value).unwrap_or(*sum),
                None => per_lot.push((line.lot_number, line.value)),
            }
        }
        per_lot.sort_by_key(|(lot, _)| *lot);
        per_lot
    }
}

/// A call-off as placed, with its lines frozen at the prices in force then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallOff {
    pub id: CallOffId,
    pub reference: String,
    pub framework_id: FrameworkId,
    pub buyer_id: OrganisationId,
    pub supplier_id: OrganisationId,
    pub placed_by: UserId,
    pub state: CallOffState,
    pub lines: Vec<PricedLine>,
    pub totals: Totals,
    /// What the buyer charges it to (call-offs placed before cost centres have none).
    pub cost_centre: Option<CostCentre>,
    pub rejection_reason: Option<String>,
    pub placed_at: String,
    pub updated_at: String,
    /// Position in the commit order of changes, for stable cursor pagination.
    pub change_seq: i64,
    /// Whether it was ever placed, and so sent to the supplier. A draft cancelled before
    /// placing never was, and stays the buyer's business alone.
    pub sent_to_supplier: bool,
    /// Title, delivery, start, purchase order and the buyer's contact (none on call-offs placed
    /// before they were asked for).
    pub order: Option<crate::order::OrderDetails>,
    /// The supplier's contact: the supplier user who accepted it, once accepted.
    pub supplier_contact: Option<crate::order::Person>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CallOffState {
    Draft,
    Placed,
    Accepted,
    Rejected,
    Live,
    Ended,
    Cancelled,
}

impl CallOffState {
    pub const ALL: [CallOffState; 7] = [
        Self::Draft,
        Self::Placed,
        Self::Accepted,
        Self::Rejected,
        Self::Live,
        Self::Ended,
        Self::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Placed => "placed",
            Self::Accepted => "accepted",
            Self::Rejected => "rejected",
            Self::Live => "live",
            Self::Ended => "ended",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Draft => "Draft, needs approval",
            Self::Placed => "Placed",
            Self::Accepted => "Accepted",
            Self::Rejected => "Rejected by supplier",
            Self::Live => "Live",
            Self::Ended => "Ended",
            Self::Cancelled => "Cancelled",
        }
    }

    pub fn parse(value: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == value)
            .ok_or_else(|| FieldError::new("state", format!("unknown call-off state \"{value}\"")))
    }

    /// Whether a call-off in this state holds its value against the ceiling.
    pub fn counts_against_ceiling(self) -> bool {
        matches!(self, Self::Placed | Self::Accepted | Self::Live | Self::Ended)
    }

    pub fn can_become(self, next: CallOffState) -> bool {
        use CallOffState::*;
        matches!(
            (self, next),
            (Draft, Placed)
                | (Draft, Cancelled)
                | (Placed, Accepted)
                | (Placed, Rejected)
                | (Placed, Cancelled)
                | (Accepted, Live)
                | (Accepted, Cancelled)
                | (Live, Ended)
        )
    }

    /// Checks a transition, naming both states when it is not allowed.
    pub fn transition(self, next: CallOffState) -> Result<CallOffState, FieldError> {
        if self.can_become(next) {
            Ok(next)
        } else {
            Err(FieldError::new(
                "state",
                format!("a call-off that is {} cannot become {}", self.as_str(), next.as_str()),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn item(unit: Unit, price: &str, minimum_term_months: u32) -> CatalogueItem {
        CatalogueItem {
            id: ItemId::generate(),
            framework_id: FrameworkId::generate(),
            lot_number: 3,
            sku: Sku::parse("L3-TEST").unwrap(),
            name: "Test".into(),
            description: "Test item".into(),
            unit,
            unit_price: UnitPrice::parse_pounds(price).unwrap(),
            minimum_term_months,
            cpv: CpvCode::parse("64211000-8").unwrap(),
            list_price: None,
            quantity_tiers: Default::default(),
            demand_bands: Default::default(),
        }
    }

    fn line(item: &CatalogueItem, qty: i64, term: i64, usage: Option<i64>) -> Result<PricedLine, FieldError> {
        price_line(
            item,
            Quantity::parse(qty).unwrap(),
            TermMonths::parse(term).unwrap(),
            usage.map(|u| MonthlyUsage::parse(u).unwrap()),
            0,
            "lines[0]",
        )
    }

    #[test]
    fn contract_value_is_one_off_plus_monthly_times_quantity_times_term() {
        let circuit = item(Unit::PerMonth, "450.00", 36);
        let install = item(Unit::OneOff, "950.00", 0);
        let calls = item(Unit::PerMinute, "0.0085", 0);
        let lines = vec![
            line(&circuit, 2, 36, None).unwrap(),       // 450 × 2 × 36 = 32,400
            line(&install, 2, 36, None).unwrap(),       // 950 × 2 = 1,900
            line(&calls, 1, 36, Some(10_001)).unwrap(), // 0.0085 × 10,001 × 36 = 3,060.306 → 3,060.31
        ];
        let totals = Totals::of(&lines).unwrap();
        assert_eq!(totals.contract_value, Money::from_pence(3_240_000 + 190_000 + 306_031));
        assert_eq!(totals.vat, Money::from_pence(747_206)); // 20% of 37,360.31 = 7,472.062
        assert_eq!(totals.total_inc_vat, Money::from_pence(3_736_031 + 747_206));
    }

    #[test]
    fn tiers_and_bands_lower_the_line_and_show_the_saving() {
        use crate::pricing::PriceBreaks;
        let mut sim = item(Unit::PerMonth, "4.00", 0);
        sim.quantity_tiers = PriceBreaks::parse("100 = 3.50", "t").unwrap();
        sim.demand_bands = PriceBreaks::parse("5000 = 3.20", "b").unwrap();
        let small = line(&sim, 10, 12, None).unwrap();
        assert_eq!((small.value, small.volume_saving()), (Money::from_pence(48_000), None));
        assert_eq!(small.next_band.unwrap().more_needed, 5_000);
        let tiered = line(&sim, 100, 12, None).unwrap();
        assert_eq!(tiered.price_basis, PriceBasis::QuantityTier { from: 100 });
        assert_eq!(tiered.value, Money::from_pence(420_000)); // 3.50 × 100 × 12
        assert_eq!(tiered.volume_saving(), Some(Money::from_pence(60_000)));
        let banded = price_line(
            &sim,
            Quantity::parse(10).unwrap(),
            TermMonths::parse(12).unwrap(),
            None,
            5_000,
            "lines[0]",
        )
        .unwrap();
        assert_eq!(banded.price_basis, PriceBasis::DemandBand { from: 5_000 });
        assert_eq!(banded.catalogue_price, Some(sim.unit_price));
        assert_eq!(banded.volume_saving(), Some(Money::from_pence(9_600))); // 0.80 × 120
        assert!(banded.next_band.is_none());
    }

    #[test]
    fn term_below_the_minimum_and_missing_usage_are_refused() {
        let circuit = item(Unit::PerMonth, "450.00", 36);
        let err = line(&circuit, 1, 12, None).unwrap_err();
        assert_eq!(err.field, "lines[0].term_months");
        assert!(err.message.contains("at least 36 months"));
        let calls = item(Unit::PerMinute, "0.0085", 0);
        assert_eq!(line(&calls, 1, 12, None).unwrap_err().field, "lines[0].monthly_usage");
    }

    #[test]
    fn bad_quantities_are_refused() {
        for bad in [0, -1, MAX_QUANTITY + 1, i64::MAX] {
            assert_eq!(Quantity::parse(bad).unwrap_err().field, "quantity");
        }
        assert!(TermMonths::parse(0).is_err());
        assert!(MonthlyUsage::parse(0).is_err());
    }

    #[test]
    fn the_state_machine_allows_only_the_documented_transitions() {
        use CallOffState::*;
        assert!(Placed.can_become(Accepted));
        assert!(Placed.can_become(Rejected));
        assert!(Accepted.can_become(Live));
        assert!(Live.can_become(Ended));
        assert!(!Rejected.can_become(Accepted));
        assert!(!Ended.can_become(Live));
        assert!(!Cancelled.can_become(Placed));
        assert!(Live.transition(Cancelled).is_err());
        assert!(!Rejected.counts_against_ceiling() && !Cancelled.counts_against_ceiling());
    }

    proptest! {
        #[test]
        fn totals_add_up_and_never_overflow_silently(
            qty in 1i64..=MAX_QUANTITY, term in 1i64..=MAX_TERM_MONTHS, micros in 0i64..=UnitPrice::MAX_MICROS,
        ) {
            let mut it = item(Unit::PerUserPerMonth, "1", 0);
            it.unit_price = UnitPrice::from_micros(micros).unwrap();
            let l = line(&it, qty, term, None).unwrap();
            let exact = micros as i128 * qty as i128 * term as i128;
            prop_assert!((l.value.pence() as i128 * 10_000 - exact).abs() <= 5_000);
            let totals = Totals::of(std::slice::from_ref(&l)).unwrap();
            prop_assert_eq!(totals.total_inc_vat.pence(), totals.contract_value.pence() + totals.vat.pence());
        }
    }
}
