//! Catalogue change control: a supplier proposes changes to its catalogue (new items, edits,
//! price changes and withdrawals), each with the date it takes effect, grouped in a change
//! request that the framework manager approves or rejects. Nothing changes unapproved.

use crate::catalogue::{CatalogueItem, CpvCode, Sku, Unit};
use crate::ids::{FrameworkId, ItemId};
use crate::money::UnitPrice;
use crate::pricing::PriceBreaks;
use crate::FieldError;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Changes one request may carry (a whole price list can be one request).
pub const MAX_CHANGES: usize = 200_000;
pub const MAX_TITLE_LEN: usize = 200;
pub const MAX_NAME_LEN: usize = 200;
pub const MAX_DESCRIPTION_LEN: usize = 2_000;
/// Longest minimum term an item may ask for, in months.
pub const MAX_MINIMUM_TERM: u32 = 120;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// A new item.
    Add,
    /// New details (and perhaps price) for an item.
    Edit,
    /// A new price only.
    Price,
    /// The item is no longer sold.
    Withdraw,
}

impl ChangeKind {
    pub const ALL: [ChangeKind; 4] = [Self::Add, Self::Edit, Self::Price, Self::Withdraw];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Add => "add",
            Self::Edit => "edit",
            Self::Price => "price",
            Self::Withdraw => "withdraw",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Add => "New item",
            Self::Edit => "Edit",
            Self::Price => "Price change",
            Self::Withdraw => "Withdrawal",
        }
    }

    pub fn parse(value: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == value.trim())
            .ok_or_else(|| FieldError::new("kind", "Choose add, edit, price or withdraw"))
    }
}

/// An item's details as a change sets them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemDetails {
    pub lot_number: u32,
    pub name: String,
    pub description: String,
    pub unit: Unit,
    pub unit_price: UnitPrice,
    pub minimum_term_months: u32,
    pub cpv: CpvCode,
    /// What a buyer would pay off the framework, if given.
    #[serde(default)]
    pub list_price: Option<UnitPrice>,
    #[serde(default)]
    pub quantity_tiers: PriceBreaks,
}

impl ItemDetails {
    pub fn of(item: &CatalogueItem) -> Self {
        ItemDetails {
            lot_number: item.lot_number,
            name: item.name.clone(),
            description: item.description.clone(),
            unit: item.unit,
            unit_price: item.unit_price,
            minimum_term_months: item.minimum_term_months,
            cpv: item.cpv.clone(),
            list_price: item.list_price,
            quantity_tiers: item.quantity_tiers.clone(),
        }
    }

    /// The item these details describe.
    pub fn into_item(
        self,
        id: ItemId,
        framework_id: FrameworkId,
        sku: Sku,
        demand_bands: PriceBreaks,
    ) -> CatalogueItem {
        CatalogueItem {
            id,
            framework_id,
            lot_number: self.lot_number,
            sku,
            name: self.name,
            description: self.description,
            unit: self.unit,
            unit_price: self.unit_price,
            minimum_term_months: self.minimum_term_months,
            cpv: self.cpv,
            list_price: self.list_price,
            quantity_tiers: self.quantity_tiers,
            demand_bands,
        }
    }

    /// Field-by-field differences from `before`: (field, before, after).
    pub fn diff(&self, before: &ItemDetails) -> Vec<(&'static str, String, String)> {
        let mut out = Vec::new();
        let mut field = |name: &'static str, old: String, new: String| {
            if old != new {
                out.push((name, old, new));
            }
        };
        field("lot", before.lot_number.to_string(), self.lot_number.to_string());
        field("name", before.name.clone(), self.name.clone());
        field("description", before.description.clone(), self.description.clone());
        field("unit", before.unit.label().to_string(), self.unit.label().to_string());
        field("unit price", before.unit_price.to_string(), self.unit_price.to_string());
        field(
            "minimum term",
            format!("{} months", before.minimum_term_months),
            format!("{} months", self.minimum_term_months),
        );
        field(
            "CPV code",
            before.cpv.as_str().to_string(),
            self.cpv.as_str().to_string(),
        );
        let list = |p: Option<UnitPrice>| p.map_or("None".to_string(), |p| p.to_string());
        field("list price", list(before.list_price), list(self.list_price));
        field(
            "quantity tiers",
            before.quantity_tiers.or_none(),
            self.quantity_tiers.or_none(),
        );
        out
    }
}

/// One proposed change to one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposedChange {
    pub kind: ChangeKind,
    pub sku: Sku,
    pub effective_from: NaiveDate,
    /// For additions and edits: every detail. For a price change: only the price.
    pub details: Option<ItemDetails>,
    pub new_price: Option<UnitPrice>,
}

/// A change as typed or sent, before it is checked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ChangeInput {
    #[schema(value_type = ChangeKind)]
    pub kind: String,
    #[schema(max_length = 40)]
    pub sku: String,
    /// `YYYY-MM-DD`.
    #[schema(format = Date)]
    pub effective_from: String,
    /// Add and edit: the item's lot.
    #[serde(default)]
    pub lot: Option<i64>,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub name: Option<String>,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<crate::catalogue::Unit>)]
    pub unit: Option<String>,
    /// In pounds ex VAT, up to six decimal places: "260.00", "0.0085". Add, edit and price.
    #[serde(default)]
    pub price: Option<String>,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 120)]
    pub minimum_term_months: Option<i64>,
    #[serde(default)]
    pub cpv: Option<String>,
    /// The list (off-framework) price in pounds, optional: add and edit.
    #[serde(default)]
    pub list_price: Option<String>,
    /// Quantity tiers, optional: add and edit. Lower prices from a quantity on one line up, each
    /// below the price, as rows of `from` (a quantity) and `unit_price` (pounds); errors name
    /// `changes[i].quantity_tiers[j].from` or `.unit_price`. The older text form, like
    /// "100 = 3.50; 1000 = 3.00", is deprecated but still read. An edit sets every detail, so an
    /// edit without it removes the item's tiers (as without `list_price`, its list price).
    #[serde(default)]
    #[schema(value_type = Option<crate::pricing::BreaksInputSchema>)]
    pub quantity_tiers: Option<crate::pricing::BreaksInput>,
}

impl ChangeInput {
    /// Checks every field, naming each error `{at}.{field}`. The effective date may not be
    /// before `today`.
    pub fn parse(&self, at: &str, today: NaiveDate) -> Result<ProposedChange, Vec<FieldError>> {
        let mut errors = Vec::new();
        let named = |field: &str, message: String| FieldError::new(format!("{at}.{field}"), message);
        let kind = ChangeKind::parse(&self.kind).map_err(|e| errors.push(named("kind", e.message)));
        let sku = Sku::parse(&self.sku).map_err(|e| errors.push(named("sku", e.message)));
        let effective_from = match crate::calendar::parse_date(&self.effective_from) {
            Ok(date) if date < today => {
                errors.push(named(
                    "effective_from",
                    format!(
                        "The effective date must be today or later (today is {})",
                        crate::calendar::long_date(today)
                    ),
                ));
                None
            }
            Ok(date) => Some(date),
            Err(message) => {
                errors.push(named("effective_from", message));
                None
            }
        };
        let price = |errors: &mut Vec<FieldError>| match self.price.as_deref().map(str::trim) {
            None | Some("") => {
                errors.push(named("price", "Enter the price in pounds excluding VAT".into()));
                None
            }
            Some(p) => UnitPrice::parse_pounds(p)
                .map_err(|e| errors.push(named("price", format!("Price {}", e.message))))
                .ok(),
        };
        let (details, new_price) = match kind {
            Ok(ChangeKind::Add | ChangeKind::Edit) => (self.details(at, &mut errors, price), None),
            Ok(ChangeKind::Price) => (None, price(&mut errors)),
            _ => (None, None),
        };
        match (kind, sku, effective_from) {
            (Ok(kind), Ok(sku), Some(effective_from)) if errors.is_empty() => Ok(ProposedChange {
                kind,
                sku,
                effective_from,
                details,
                new_price,
            }),
            _ => Err(errors),
        }
    }

    fn details(
        &self,
        at: &str,
        errors: &mut Vec<FieldError>,
        price: impl Fn(&mut Vec<FieldError>) -> Option<UnitPrice>,
    ) -> Option<ItemDetails> {
        let named = |field: &str, message: String| FieldError::new(format!("{at}.{field}"), message);
        let before = errors.len();
        let lot = match self.lot.map(crate::framework::parse_lot_number) {
            Some(Ok(lot)) => Some(lot),
            Some(Err(message)) => {
                errors.push(named("lot", message));
                None
            }
            None => {
                errors.push(named("lot", "Enter the lot number".into()));
                None
            }
        };
        let text = |errors: &mut Vec<FieldError>, field: &str, value: &Option<String>, max: usize| {
            let value = value.as_deref().unwrap_or_default().trim().to_string();
            if value.is_empty() || value.chars().count() > max {
                errors.push(named(field, format!("Enter the {field}, in {max} characters or fewer")));
                None
            } else {
                Some(value)
            }
        };
        let name = text(errors, "name", &self.name, MAX_NAME_LEN);
        let description = text(errors, "description", &self.description, MAX_DESCRIPTION_LEN);
        let unit = Unit::parse(self.unit.as_deref().unwrap_or_default())
            .map_err(|e| errors.push(named("unit", e.message)))
            .ok();
        let unit_price = price(errors);
        let minimum_term_months = match self.minimum_term_months {
            Some(m) if (0..=i64::from(MAX_MINIMUM_TERM)).contains(&m) => u32::try_from(m).ok(),
            _ => {
                errors.push(named(
                    "minimum_term_months",
                    format!("Enter the minimum term in months, 0 to {MAX_MINIMUM_TERM}"),
                ));
                None
            }
        };
        let cpv = CpvCode::parse(self.cpv.as_deref().unwrap_or_default())
            .map_err(|e| errors.push(named("cpv", e.message)))
            .ok();
        let list_price = match self.list_price.as_deref().map(str::trim) {
            None | Some("") => Some(None),
            Some(p) => UnitPrice::parse_pounds(p)
                .map(Some)
                .map_err(|e| errors.push(named("list_price", format!("List price {}", e.message))))
                .ok(),
        };
        let quantity_tiers = match &self.quantity_tiers {
            None => Some(PriceBreaks::default()),
            Some(input) => input
                .read(
                    &format!("{at}.quantity_tiers"),
                    "tier",
                    unit_price,
                    crate::call_off::MAX_QUANTITY as u64,
                )
                .map_err(|e| errors.extend(e))
                .ok(),
        };
        if errors.len() > before {
            return None;
        }
        Some(ItemDetails {
            lot_number: lot?,
            name: name?,
            description: description?,
            unit: unit?,
            unit_price: unit_price?,
            minimum_term_months: minimum_term_months?,
            cpv: cpv?,
            list_price: list_price?,
            quantity_tiers: quantity_tiers?,
        })
    }
}

/// Where a change request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    Submitted,
    Approved,
    Rejected,
}

impl RequestStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Submitted => "Waiting for the framework manager",
            Self::Approved => "Approved",
            Self::Rejected => "Rejected",
        }
    }

    pub fn parse(value: &str) -> Result<Self, FieldError> {
        match value {
            "submitted" => Ok(Self::Submitted),
            "approved" => Ok(Self::Approved),
            "rejected" => Ok(Self::Rejected),
            other => Err(FieldError::new("status", format!("unknown status \"{other}\""))),
        }
    }
}

/// The unit price after an uplift of `basis_points` (100 = 1%), rounded half-up to the
/// millionth of a pound.
pub fn uplifted(price: UnitPrice, basis_points: i64) -> Option<UnitPrice> {
    let scaled = i128::from(price.micros()) * i128::from(10_000 + basis_points);
    let rounded = (scaled + 5_000) / 10_000;
    UnitPrice::from_micros(i64::try_from(rounded).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
    }

    fn add() -> ChangeInput {
        ChangeInput {
            kind: "add".into(),
            sku: "l4-sim-50gb".into(),
            effective_from: "2027-01-01".into(),
            lot: Some(4),
            name: Some("SIM 50 GB".into()),
            description: Some("A SIM with 50 GB a month".into()),
            unit: Some("per month".into()),
            price: Some("12.50".into()),
            minimum_term_months: Some(24),
            cpv: Some("64212000-5".into()),
            list_price: None,
            quantity_tiers: Some("100 = 11.00; 1000 = 10.00".into()),
        }
    }

    #[test]
    fn a_full_addition_parses() {
        let change = add().parse("changes[0]", today()).unwrap();
        assert_eq!(change.sku.as_str(), "L4-SIM-50GB");
        let details = change.details.unwrap();
        assert_eq!(details.unit_price.micros(), 12_500_000);
        assert_eq!(details.unit, Unit::PerMonth);
        assert_eq!(details.quantity_tiers.at(500).unwrap().unit_price.micros(), 11_000_000);
    }

    #[test]
    fn every_bad_field_is_named() {
        let bad = ChangeInput {
            effective_from: "2026-11-25".into(),
            lot: None,
            price: Some("twelve".into()),
            cpv: Some("123".into()),
            quantity_tiers: Some("10 = 5; 5 = 4".into()),
            ..add()
        };
        let errors = bad.parse("changes[3]", today()).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "changes[3].effective_from",
                "changes[3].lot",
                "changes[3].price",
                "changes[3].cpv",
                "changes[3].quantity_tiers"
            ]
        );
    }

    #[test]
    fn a_withdrawal_needs_only_the_sku_and_date() {
        let withdraw = ChangeInput {
            kind: "withdraw".into(),
            sku: "L4-SIM-5GB".into(),
            effective_from: "2026-11-26".into(),
            ..ChangeInput::default()
        };
        let change = withdraw.parse("changes[0]", today()).unwrap();
        assert_eq!(change.kind, ChangeKind::Withdraw);
        assert!(change.details.is_none() && change.new_price.is_none());
    }

    #[test]
    fn uplifts_round_half_up() {
        let price = UnitPrice::from_micros(5_500_000).unwrap();
        assert_eq!(uplifted(price, 350).unwrap().micros(), 5_692_500);
        let tiny = UnitPrice::from_micros(8_500).unwrap();
        assert_eq!(uplifted(tiny, 333).unwrap().micros(), 8_783);
    }
}
