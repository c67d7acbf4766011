//! Prices that fall with volume. An item may have **quantity tiers** (a lower unit price from a
//! quantity on a single line up) and **demand bands** (a lower unit price for everyone once the
//! quantity committed across all buyers on the framework reaches a band). Both are lists of price
//! breaks; a line pays the lowest of its catalogue price, its tier and the band reached.

use crate::money::UnitPrice;
use crate::FieldError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Most breaks an item may have, of each kind.
pub const MAX_BREAKS: usize = 10;

/// From `from` units on, the unit price is `unit_price`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceBreak {
    pub from: u64,
    pub unit_price: UnitPrice,
}

/// Price breaks in ascending order of quantity, each cheaper than the one before.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PriceBreaks(Vec<PriceBreak>);

impl PriceBreaks {
    /// Parses breaks as typed: `100 = 3.50; 1000 = £3.00` (semicolons or new lines between
    /// them). Empty text means no breaks. Errors are named `field`.
    pub fn parse(text: &str, field: &str) -> Result<Self, FieldError> {
        let bad = |message: String| FieldError::new(field, message);
        let mut breaks = Vec::new();
        for (index, entry) in text
            .split([';', '\n'])
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .enumerate()
        {
            let position = index + 1;
            let (from, price) = entry.split_once('=').ok_or_else(|| {
                bad(format!(
                    "Break {position} (\"{entry}\") must be a quantity, \"=\" and a price, like 100 = 3.50"
                ))
            })?;
            let from: u64 = from
                .trim()
                .replace(',', "")
                .parse()
                .map_err(|_| bad(format!("Break {position} must start with a whole number of units")))?;
            let unit_price = UnitPrice::parse_pounds(price.trim())
                .map_err(|e| bad(format!("Break {position} price {}", e.message)))?;
            breaks.push(PriceBreak { from, unit_price });
        }
        Self::new(breaks).map_err(bad)
    }

    /// Checks breaks: at most [`MAX_BREAKS`], each from 2 units up, quantities rising and prices
    /// falling.
    pub fn new(breaks: Vec<PriceBreak>) -> Result<Self, String> {
        if breaks.len() > MAX_BREAKS {
            return Err(format!("Give at most {MAX_BREAKS} price breaks"));
        }
        for (index, pair) in breaks.windows(2).enumerate() {
            let (first, second) = (index + 1, index + 2);
            if pair[1].from <= pair[0].from {
                return Err(format!("Break {second} must start at more units than break {first}"));
            }
            if pair[1].unit_price >= pair[0].unit_price {
                return Err(format!("Break {second} must be cheaper than break {first}"));
            }
        }
        if breaks.first().is_some_and(|b| b.from < 2) {
            return Err("The first break must start at 2 units or more".into());
        }
        Ok(PriceBreaks(breaks))
    }

    /// Checks that breaks lower `price` (the first is cheaper) and start at most at `max_from`
    /// units, so that each can apply. Errors are named `field`.
    pub fn check_against(&self, price: UnitPrice, max_from: u64, field: &str) -> Result<(), FieldError> {
        if let Some(first) = self.0.first().filter(|b| b.unit_price >= price) {
            return Err(FieldError::new(
                field,
                format!("Break 1 ({}) must be cheaper than the price, {price}", first.unit_price),
            ));
        }
        if let Some(last) = self.0.last().filter(|b| b.from > max_from) {
            return Err(FieldError::new(
                field,
                format!("A break cannot start above {max_from} units ({} given)", last.from),
            ));
        }
        Ok(())
    }

    /// Reads breaks as stored: `100:3500000;1000:3000000` (unit prices in millionths of a pound).
    pub fn from_stored(text: &str) -> Result<Self, String> {
        let mut breaks = Vec::new();
        for entry in text.split(';').filter(|e| !e.is_empty()) {
            let (from, micros) = entry
                .split_once(':')
                .ok_or_else(|| format!("bad price break \"{entry}\""))?;
            let from = from.parse().map_err(|_| format!("bad quantity in \"{entry}\""))?;
            let micros = micros.parse().map_err(|_| format!("bad price in \"{entry}\""))?;
            let unit_price = UnitPrice::from_micros(micros).map_err(|e| e.message)?;
            breaks.push(PriceBreak { from, unit_price });
        }
        Self::new(breaks)
    }

    pub fn to_stored(&self) -> String {
        let entries: Vec<String> = self
            .0
            .iter()
            .map(|b| format!("{}:{}", b.from, b.unit_price.micros()))
            .collect();
        entries.join(";")
    }

    /// As shown beside other values: the breaks, or "None".
    pub fn or_none(&self) -> String {
        if self.is_empty() {
            "None".into()
        } else {
            self.to_string()
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &PriceBreak> {
        self.0.iter()
    }

    /// The break that applies at `quantity`, if any.
    pub fn at(&self, quantity: u64) -> Option<PriceBreak> {
        self.0.iter().rev().find(|b| b.from <= quantity).copied()
    }

    /// The first break beyond `quantity`, if any.
    pub fn next_after(&self, quantity: u64) -> Option<PriceBreak> {
        self.0.iter().find(|b| b.from > quantity).copied()
    }
}

/// One price break as a client sends it in JSON: the quantity it starts from and the unit price
/// in pounds excluding VAT.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceBreakInput {
    #[schema(minimum = 2, example = 500)]
    pub from: i64,
    /// Pounds excluding VAT, up to six decimal places.
    #[schema(example = "4.50")]
    pub unit_price: String,
}

/// Price breaks as a change sends them: rows (JSON objects), or the older text form
/// `100 = 3.50; 1000 = 3.00` (deprecated, still read). Rows typed in a form come as
/// [`BreaksInput::Typed`], which is never read from or written to JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum BreaksInput {
    Rows(Vec<PriceBreakInput>),
    Text(String),
    #[serde(skip)]
    Typed(Vec<BreakRow>),
}

/// Price breaks: rows of quantity and unit price, or (deprecated) the same breaks as text.
#[derive(Serialize, utoipa::ToSchema)]
#[allow(dead_code)]
#[schema(as = PriceBreaksInput)]
#[serde(untagged)]
pub enum BreaksInputSchema {
    /// Rows of quantity and unit price, in any order.
    Rows(Vec<PriceBreakInput>),
    /// Deprecated: the same breaks as text, like "100 = 3.50; 1000 = 3.00".
    Text(String),
}

impl From<&str> for BreaksInput {
    fn from(text: &str) -> Self {
        BreaksInput::Text(text.to_string())
    }
}

impl From<String> for BreaksInput {
    fn from(text: String) -> Self {
        BreaksInput::Text(text)
    }
}

impl BreaksInput {
    /// Reads the breaks, naming errors under `field` (rows as `{field}[i].from` and
    /// `{field}[i].unit_price`; text as `field`), each to cost less than `price` and start at
    /// most at `max_from` units.
    pub fn read(
        &self,
        field: &str,
        noun: &str,
        price: Option<UnitPrice>,
        max_from: u64,
    ) -> Result<PriceBreaks, Vec<FieldError>> {
        let names = RowNames {
            field,
            from_name: "from",
            price_name: "unit_price",
            noun,
        };
        match self {
            BreaksInput::Rows(rows) => {
                let rows: Vec<BreakRow> = rows.iter().map(BreakRow::from).collect();
                PriceBreaks::from_rows(&rows, names, price, max_from)
            }
            BreaksInput::Typed(rows) => PriceBreaks::from_rows(rows, names, price, max_from),
            BreaksInput::Text(text) => {
                let breaks = PriceBreaks::parse(text, field).map_err(|e| vec![e])?;
                if let Some(price) = price {
                    breaks.check_against(price, max_from, field).map_err(|e| vec![e])?;
                }
                Ok(breaks)
            }
        }
    }
}

/// One row of a price-break form as typed: "From quantity" and "Unit price (£)". A row with
/// both empty is left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BreakRow {
    pub from: String,
    pub unit_price: String,
}

impl From<&PriceBreakInput> for BreakRow {
    fn from(input: &PriceBreakInput) -> Self {
        BreakRow {
            from: input.from.to_string(),
            unit_price: input.unit_price.clone(),
        }
    }
}

impl From<&PriceBreak> for BreakRow {
    fn from(b: &PriceBreak) -> Self {
        BreakRow {
            from: b.from.to_string(),
            unit_price: b.unit_price.to_string().replace(['£', ','], ""),
        }
    }
}

/// How [`PriceBreaks::from_rows`] names rows and fields: errors are named
/// `{field}[{row}].{from_name}` and `{field}[{row}].{price_name}`, messages speak of `noun`
/// ("band", "tier") numbered from 1.
#[derive(Debug, Clone, Copy)]
pub struct RowNames<'a> {
    pub field: &'a str,
    pub from_name: &'a str,
    pub price_name: &'a str,
    pub noun: &'a str,
}

impl PriceBreaks {
    /// Reads breaks entered as rows, in any order, reporting every bad field at once. Each row
    /// must start from 2 units up to `max_from`, and cost less than `price` (the item's price,
    /// when known) and than every row that starts from fewer units.
    pub fn from_rows(
        rows: &[BreakRow],
        names: RowNames<'_>,
        price: Option<UnitPrice>,
        max_from: u64,
    ) -> Result<Self, Vec<FieldError>> {
        let RowNames {
            field,
            from_name,
            price_name,
            noun,
        } = names;
        let mut errors = Vec::new();
        let mut read = Vec::new();
        for (index, row) in rows.iter().enumerate() {
            let (from_text, price_text) = (row.from.trim(), row.unit_price.trim());
            if from_text.is_empty() && price_text.is_empty() {
                continue;
            }
            let number = index + 1;
            let from_field = format!("{field}[{index}].{from_name}");
            let price_field = format!("{field}[{index}].{price_name}");
            let from = match from_text.replace(',', "").parse::<u64>() {
                _ if from_text.is_empty() => {
                    errors.push(FieldError::new(
                        &from_field,
                        format!("Enter the quantity {noun} {number} starts from, as a whole number, like 500"),
                    ));
                    None
                }
                Ok(from) if from < 2 => {
                    errors.push(FieldError::new(
                        &from_field,
                        format!("Enter a quantity of 2 or more for {noun} {number}: below that every buyer pays the item's price"),
                    ));
                    None
                }
                Ok(from) if from > max_from => {
                    errors.push(FieldError::new(
                        &from_field,
                        format!("Enter a quantity of {max_from} or fewer for {noun} {number}"),
                    ));
                    None
                }
                Ok(from) => Some(from),
                Err(_) => {
                    errors.push(FieldError::new(
                        &from_field,
                        format!("Enter the quantity in {noun} {number} as a whole number, like 500"),
                    ));
                    None
                }
            };
            let unit_price = match UnitPrice::parse_pounds(price_text) {
                Ok(p) if p.micros() == 0 => {
                    errors.push(FieldError::new(
                        &price_field,
                        format!("Enter a unit price above £0 in {noun} {number}, like 4.50"),
                    ));
                    None
                }
                Ok(p) => match price.filter(|item| p >= *item) {
                    Some(item) => {
                        errors.push(FieldError::new(
                            &price_field,
                            format!("Enter a unit price in {noun} {number} lower than the item's price, {item}"),
                        ));
                        None
                    }
                    None => Some(p),
                },
                Err(_) => {
                    errors.push(FieldError::new(
                        &price_field,
                        format!("Enter the unit price in {noun} {number} as pounds and pence, like 4.50"),
                    ));
                    None
                }
            };
            if let (Some(from), Some(unit_price)) = (from, unit_price) {
                read.push((index, PriceBreak { from, unit_price }));
            }
        }
        if read.len() > MAX_BREAKS {
            errors.push(FieldError::new(
                field,
                format!("Enter at most {MAX_BREAKS} rows: leave the others empty"),
            ));
        }
        read.sort_by_key(|(index, b)| (b.from, *index));
        for pair in read.windows(2) {
            let ((first_row, first), (row, this)) = (pair[0], pair[1]);
            let (first_number, number) = (first_row + 1, row + 1);
            if this.from == first.from {
                errors.push(FieldError::new(
                    format!("{field}[{row}].{from_name}"),
                    format!(
                        "Enter a different quantity for {noun} {number}: {noun} {first_number} already starts from {}",
                        first.from
                    ),
                ));
            } else if this.unit_price >= first.unit_price {
                errors.push(FieldError::new(
                    format!("{field}[{row}].{price_name}"),
                    format!(
                        "Enter a unit price in {noun} {number} lower than {} ({noun} {first_number}, which starts from fewer units)",
                        first.unit_price
                    ),
                ));
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Self::new(read.into_iter().map(|(_, b)| b).collect()).map_err(|message| vec![FieldError::new(field, message)])
    }

    /// The breaks as form rows.
    pub fn rows(&self) -> Vec<BreakRow> {
        self.0.iter().map(BreakRow::from).collect()
    }
}

/// As typed and shown: `100 = £3.50; 1,000 = £3.00`.
impl fmt::Display for PriceBreaks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, b) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{} = {}", b.from, b.unit_price)?;
        }
        Ok(())
    }
}

/// Why a line costs what it does per unit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "basis", rename_all = "snake_case")]
pub enum PriceBasis {
    /// The item's catalogue price.
    #[default]
    Catalogue,
    /// The line's quantity reached a quantity tier.
    QuantityTier { from: u64 },
    /// Demand across the framework reached a band.
    DemandBand { from: u64 },
}

impl PriceBasis {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Catalogue => "catalogue",
            Self::QuantityTier { .. } => "quantity_tier",
            Self::DemandBand { .. } => "demand_band",
        }
    }

    /// Stored as its kind and, for breaks, the quantity it starts at.
    pub fn from_stored(kind: Option<&str>, from: Option<i64>) -> Self {
        let from = u64::try_from(from.unwrap_or_default()).unwrap_or(0);
        match kind {
            Some("quantity_tier") => Self::QuantityTier { from },
            Some("demand_band") => Self::DemandBand { from },
            _ => Self::Catalogue,
        }
    }

    pub fn from_quantity(self) -> Option<u64> {
        match self {
            Self::Catalogue => None,
            Self::QuantityTier { from } | Self::DemandBand { from } => Some(from),
        }
    }

    /// Plain English: "quantity tier from 100 units".
    pub fn describe(self) -> String {
        match self {
            Self::Catalogue => "catalogue price".into(),
            Self::QuantityTier { from } => format!("quantity tier from {from} units"),
            Self::DemandBand { from } => {
                format!("demand band: {from} units or more bought across the framework")
            }
        }
    }
}

/// The band a buyer could reach next, once more is committed across the framework.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextBand {
    /// Framework-wide quantity at which the band starts.
    pub from: u64,
    /// How many more units must be committed (by anyone) to reach it.
    pub more_needed: u64,
    pub unit_price: UnitPrice,
}

/// The unit price a line pays: the lowest of the catalogue price, the tier its quantity reaches
/// and the band that `demand` (units already committed across the framework) reaches.
pub fn unit_price_for(
    catalogue_price: UnitPrice,
    tiers: &PriceBreaks,
    bands: &PriceBreaks,
    quantity: u64,
    demand: u64,
) -> (UnitPrice, PriceBasis, Option<NextBand>) {
    let mut best = (catalogue_price, PriceBasis::Catalogue);
    if let Some(tier) = tiers.at(quantity).filter(|t| t.unit_price < best.0) {
        best = (tier.unit_price, PriceBasis::QuantityTier { from: tier.from });
    }
    if let Some(band) = bands.at(demand).filter(|b| b.unit_price < best.0) {
        best = (band.unit_price, PriceBasis::DemandBand { from: band.from });
    }
    let next = bands
        .next_after(demand)
        .filter(|b| b.unit_price < best.0)
        .map(|b| NextBand {
            from: b.from,
            more_needed: b.from - demand,
            unit_price: b.unit_price,
        });
    (best.0, best.1, next)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn price(pounds: &str) -> UnitPrice {
        UnitPrice::parse_pounds(pounds).unwrap()
    }

    #[test]
    fn breaks_parse_show_and_store() {
        let tiers = PriceBreaks::parse("100 = 3.50;\n 1,000 = £3.00", "quantity_tiers").unwrap();
        assert_eq!(tiers.to_string(), "100 = £3.50; 1000 = £3.00");
        assert_eq!(tiers.to_stored(), "100:3500000;1000:3000000");
        assert_eq!(PriceBreaks::from_stored(&tiers.to_stored()).unwrap(), tiers);
        assert_eq!(
            PriceBreaks::parse(" ", "quantity_tiers").unwrap(),
            PriceBreaks::default()
        );
        assert_eq!(PriceBreaks::from_stored("").unwrap(), PriceBreaks::default());
    }

    #[test]
    fn bad_breaks_are_refused_with_the_field_named() {
        for (text, says) in [
            ("100 3.50", "like 100 = 3.50"),
            ("ten = 3.50", "whole number"),
            ("100 = free", "Break 1 price"),
            ("1000 = 3.00; 100 = 2.00", "more units than break 1"),
            ("100 = 3.00; 1000 = 3.50", "cheaper than break 1"),
            ("1 = 3.00", "2 units or more"),
        ] {
            let error = PriceBreaks::parse(text, "demand_bands").unwrap_err();
            assert_eq!(error.field, "demand_bands");
            assert!(error.message.contains(says), "{text}: {}", error.message);
        }
        let many: Vec<String> = (2..14).map(|q| format!("{q} = {}", 100 - q)).collect();
        assert!(PriceBreaks::parse(&many.join(";"), "t").is_err());
        let tiers = PriceBreaks::parse("100 = 3.50; 1000 = 3.00", "quantity_tiers").unwrap();
        assert!(tiers.check_against(price("4.00"), 1_000, "quantity_tiers").is_ok());
        let dearer = tiers.check_against(price("3.50"), 1_000, "quantity_tiers").unwrap_err();
        assert!(dearer.message.contains("cheaper than the price"), "{}", dearer.message);
        let beyond = tiers.check_against(price("4.00"), 999, "quantity_tiers").unwrap_err();
        assert!(beyond.message.contains("above 999"), "{}", beyond.message);
    }

    proptest::proptest! {
        /// Whatever the breaks, a line never pays more than the catalogue price, and never more
        /// for a larger quantity or a larger demand; stored breaks read back the same.
        #[test]
        fn prices_only_fall_with_volume(
            base in 1i64..10_000_000, cuts in proptest::collection::vec((1u64..500, 1i64..1_000), 0..5),
            quantity in 1u64..5_000, demand in 0u64..5_000, more in 1u64..500,
        ) {
            let mut from = 1;
            let mut micros = base;
            let breaks: Vec<PriceBreak> = cuts
                .iter()
                .map_while(|(step, cut)| {
                    from += step;
                    micros -= cut;
                    (micros >= 0).then(|| PriceBreak { from, unit_price: UnitPrice::from_micros(micros).unwrap() })
                })
                .collect();
            let breaks = PriceBreaks::new(breaks).unwrap();
            proptest::prop_assert_eq!(&PriceBreaks::from_stored(&breaks.to_stored()).unwrap(), &breaks);
            let base = UnitPrice::from_micros(base).unwrap();
            let (price, _, _) = unit_price_for(base, &breaks, &breaks, quantity, demand);
            proptest::prop_assert!(price <= base);
            let (more_quantity, _, _) = unit_price_for(base, &breaks, &breaks, quantity + more, demand);
            let (more_demand, _, next) = unit_price_for(base, &breaks, &breaks, quantity, demand + more);
            proptest::prop_assert!(more_quantity <= price && more_demand <= price);
            if let Some(next) = next {
                proptest::prop_assert!(next.unit_price < more_demand && next.more_needed > 0);
            }
        }
    }

    #[test]
    fn a_line_pays_the_lowest_of_catalogue_tier_and_band() {
        let tiers = PriceBreaks::parse("100 = 3.50; 1000 = 3.00", "t").unwrap();
        let bands = PriceBreaks::parse("5000 = 3.20; 20000 = 2.90", "b").unwrap();
        let base = price("4.00");
        assert_eq!(
            unit_price_for(base, &tiers, &bands, 10, 0),
            (
                base,
                PriceBasis::Catalogue,
                Some(NextBand {
                    from: 5000,
                    more_needed: 5000,
                    unit_price: price("3.20")
                })
            )
        );
        let (p, basis, next) = unit_price_for(base, &tiers, &bands, 150, 4_990);
        assert_eq!((p, basis), (price("3.50"), PriceBasis::QuantityTier { from: 100 }));
        assert_eq!(next.unwrap().more_needed, 10);
        let (p, basis, next) = unit_price_for(base, &tiers, &bands, 150, 5_000);
        assert_eq!((p, basis), (price("3.20"), PriceBasis::DemandBand { from: 5000 }));
        assert_eq!(next.unwrap().from, 20_000);
        // A big order's own tier can beat the band; the next band is shown only if cheaper still.
        let (p, basis, next) = unit_price_for(base, &tiers, &bands, 1000, 5_000);
        assert_eq!((p, basis), (price("3.00"), PriceBasis::QuantityTier { from: 1000 }));
        assert_eq!(next.unwrap().unit_price, price("2.90"));
        let (p, _, next) = unit_price_for(base, &tiers, &bands, 1, 25_000);
        assert_eq!(p, price("2.90"));
        assert!(next.is_none());
    }

    fn row(from: &str, price: &str) -> BreakRow {
        BreakRow {
            from: from.into(),
            unit_price: price.into(),
        }
    }

    const BANDS: RowNames<'static> = RowNames {
        field: "bands",
        from_name: "from",
        price_name: "price",
        noun: "band",
    };

    #[test]
    fn rows_in_any_order_make_breaks_and_empty_rows_are_left_out() {
        let price = UnitPrice::parse_pounds("5.00").ok();
        let rows = [row("500", "4.00"), row("", ""), row("100", "4.50")];
        let breaks = PriceBreaks::from_rows(&rows, BANDS, price, 1_000).unwrap();
        assert_eq!(breaks.to_string(), "100 = £4.50; 500 = £4.00");
        assert_eq!(breaks.rows()[0], row("100", "4.50"));
        assert!(PriceBreaks::from_rows(&[row("", "")], BANDS, price, 1_000)
            .unwrap()
            .is_empty());
    }

    #[test]
    fn every_bad_row_is_named_with_its_field() {
        let price = UnitPrice::parse_pounds("5.00").ok();
        let rows = [
            row("100", "4.50"),
            row("ten", "4.00"),
            row("200", "four"),
            row("1", "3.00"),
            row("300", "6.00"),
            row("400", "4.60"),
        ];
        let errors = PriceBreaks::from_rows(&rows, BANDS, price, 1_000).unwrap_err();
        let named: Vec<(&str, &str)> = errors.iter().map(|e| (e.field.as_str(), e.message.as_str())).collect();
        assert_eq!(
            named,
            [
                (
                    "bands[1].from",
                    "Enter the quantity in band 2 as a whole number, like 500"
                ),
                (
                    "bands[2].price",
                    "Enter the unit price in band 3 as pounds and pence, like 4.50"
                ),
                (
                    "bands[3].from",
                    "Enter a quantity of 2 or more for band 4: below that every buyer pays the item's price"
                ),
                (
                    "bands[4].price",
                    "Enter a unit price in band 5 lower than the item's price, £5.00"
                ),
                (
                    "bands[5].price",
                    "Enter a unit price in band 6 lower than £4.50 (band 1, which starts from fewer units)"
                ),
            ]
        );
    }
}
