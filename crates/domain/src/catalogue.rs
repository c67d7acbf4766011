//! Catalogue items: what a framework's supplier sells, at what price, per which unit.

use crate::ids::{FrameworkId, ItemId};
use crate::money::UnitPrice;
use crate::pricing::PriceBreaks;
use crate::FieldError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// How an item is charged, which decides how it counts towards a call-off's contract value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    PerMonth,
    PerUserPerMonth,
    OneOff,
    PerMinute,
    PerGb,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charging {
    /// Charged every month for each unit: price × quantity × term.
    Recurring,
    /// Charged once for each unit: price × quantity.
    OneOff,
    /// Charged on metered use: price × quantity × estimated monthly usage × term.
    Usage,
}

impl Unit {
    pub const ALL: [Unit; 5] = [
        Self::PerMonth,
        Self::PerUserPerMonth,
        Self::OneOff,
        Self::PerMinute,
        Self::PerGb,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::PerMonth => "per_month",
            Self::PerUserPerMonth => "per_user_per_month",
            Self::OneOff => "one_off",
            Self::PerMinute => "per_minute",
            Self::PerGb => "per_gb",
        }
    }

    /// The wording used in price lists and on pages ("per user per month").
    pub fn label(self) -> &'static str {
        match self {
            Self::PerMonth => "per month",
            Self::PerUserPerMonth => "per user per month",
            Self::OneOff => "one-off",
            Self::PerMinute => "per minute",
            Self::PerGb => "per GB",
        }
    }

    /// What the buyer estimates for a usage-priced item ("minutes", "GB").
    pub fn usage_noun(self) -> Option<&'static str> {
        match self {
            Self::PerMinute => Some("minutes"),
            Self::PerGb => Some("GB"),
            _ => None,
        }
    }

    pub fn charging(self) -> Charging {
        match self {
            Self::PerMonth | Self::PerUserPerMonth => Charging::Recurring,
            Self::OneOff => Charging::OneOff,
            Self::PerMinute | Self::PerGb => Charging::Usage,
        }
    }

    /// Accepts the stored code (`per_gb`) or the price-list wording (`per GB`).
    pub fn parse(value: &str) -> Result<Self, FieldError> {
        let value = value.trim();
        Self::ALL
            .into_iter()
            .find(|u| u.as_str() == value || u.label().eq_ignore_ascii_case(value))
            .ok_or_else(|| {
                let allowed: Vec<_> = Self::ALL.iter().map(|u| u.label()).collect();
                FieldError::new(
                    "unit",
                    format!("\"{value}\" is not a unit; use one of: {}", allowed.join(", ")),
                )
            })
    }
}

/// A stock-keeping unit code, e.g. `L1-ETH-1G`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(transparent)]
pub struct Sku(String);

impl Sku {
    pub const MAX_LEN: usize = 40;

    pub fn parse(value: &str) -> Result<Self, FieldError> {
        let value = value.trim().to_ascii_uppercase();
        let ok = !value.is_empty()
            && value.len() <= Self::MAX_LEN
            && value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.');
        if !ok {
            return Err(FieldError::new(
                "sku",
                "SKU must be 1 to 40 letters, digits, hyphens, underscores or dots",
            ));
        }
        Ok(Sku(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Sku {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A Common Procurement Vocabulary code with its check digit, e.g. `72720000-3`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(transparent)]
pub struct CpvCode(String);

impl CpvCode {
    pub fn parse(value: &str) -> Result<Self, FieldError> {
        let value = value.trim();
        let bytes = value.as_bytes();
        let ok = bytes.len() == 10
            && bytes[..8].iter().all(u8::is_ascii_digit)
            && bytes[8] == b'-'
            && bytes[9].is_ascii_digit();
        if !ok {
            return Err(FieldError::new(
                "cpv",
                format!("\"{value}\" is not a CPV code like 72720000-3"),
            ));
        }
        Ok(CpvCode(value.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Most words a search query keeps.
pub const MAX_QUERY_TERMS: usize = 8;

/// Text as the search index holds it: lower-case ASCII letters and digits, everything else a
/// space. SQLite's FTS5 and PostgreSQL's `simple` configuration then see the same words, so a
/// search finds the same items on both.
pub fn search_words(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut gap = true;
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
            gap = false;
        } else if !gap {
            out.push(' ');
            gap = true;
        }
    }
    out.truncate(out.trim_end().len());
    out
}

/// Text as the search index stores it: [`search_words`], each word stemmed
/// ([`crate::text::stem`]), so that "phones" in a description is found by "phone" and the
/// reverse.
pub fn index_words(text: &str) -> String {
    search_words(text)
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(crate::text::stem)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The words of a search query (at most [`MAX_QUERY_TERMS`]), each matched as a word prefix.
pub fn query_terms(text: &str) -> Vec<String> {
    search_words(text)
        .split(' ')
        .filter(|w| !w.is_empty())
        .take(MAX_QUERY_TERMS)
        .map(str::to_string)
        .collect()
}

/// One word to find in an item's words.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Term {
    /// A stem ([`crate::text::stem`]), lower-case letters and digits.
    pub word: String,
    /// Whether longer words starting with it match too (as typed and as in the dictionary), or
    /// only the word itself (a correction of a typo).
    pub prefix: bool,
}

/// One typed word or phrase: it matches an item that has every term of any one alternative.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WordGroup {
    /// As typed (after lower-casing), for messages.
    pub typed: String,
    pub alternatives: Vec<Vec<Term>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogueItem {
    pub id: ItemId,
    pub framework_id: FrameworkId,
    pub lot_number: u32,
    pub sku: Sku,
    pub name: String,
    pub description: String,
    pub unit: Unit,
    pub unit_price: UnitPrice,
    pub minimum_term_months: u32,
    pub cpv: CpvCode,
    /// What a buyer would pay off the framework, when the supplier gives it.
    #[serde(default)]
    pub list_price: Option<UnitPrice>,
    /// Lower unit prices for larger quantities on one line (part of the item's version).
    #[serde(default)]
    pub quantity_tiers: PriceBreaks,
    /// Lower unit prices once enough is committed across the framework (set by the manager).
    #[serde(default)]
    pub demand_bands: PriceBreaks,
}

#[cfg(test)]
mod search_tests {
    use super::*;

    #[test]
    fn search_words_are_lower_case_ascii_words() {
        assert_eq!(
            search_words("L4-SIM-5GB  5G SIM, £4–£8 (72720000-3)"),
            "l4 sim 5gb 5g sim 4 8 72720000 3"
        );
        assert_eq!(query_terms(" Ethernet 1-Gbit "), ["ethernet", "1", "gbit"]);
        assert_eq!(query_terms("a b c d e f g h i j").len(), MAX_QUERY_TERMS);
        assert!(query_terms("£–").is_empty());
        assert_eq!(
            index_words("Switches, routers & SIMs (L4-SIM-5GB)"),
            "switch router sim l4 sim 5gb"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_parse_from_codes_and_price_list_wording() {
        assert_eq!(Unit::parse("per GB"), Ok(Unit::PerGb));
        assert_eq!(Unit::parse("per_user_per_month"), Ok(Unit::PerUserPerMonth));
        assert_eq!(Unit::parse("one-off"), Ok(Unit::OneOff));
        assert_eq!(Unit::parse("per fortnight").unwrap_err().field, "unit");
    }

    #[test]
    fn skus_and_cpv_codes_are_checked() {
        assert_eq!(Sku::parse(" l1-eth-1g ").unwrap().as_str(), "L1-ETH-1G");
        assert!(Sku::parse("has space").is_err());
        assert!(Sku::parse("").is_err());
        assert!(CpvCode::parse("72720000-3").is_ok());
        assert!(CpvCode::parse("72720000").is_err());
        assert!(CpvCode::parse("7272000A-3").is_err());
    }
}
