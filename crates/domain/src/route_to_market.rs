//! The route-to-market adviser: may this basket be bought by direct award, or does it need a
//! further competition among the lot's suppliers, and why.

use crate::money::Money;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Route {
    DirectAward,
    FurtherCompetition,
}

/// What the adviser needs to know about one lot the basket draws on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LotFacts {
    pub number: u32,
    pub title: String,
    /// Suppliers selling in the lot.
    pub suppliers: usize,
    /// Whether the framework allows direct award in this lot whatever the number of suppliers.
    pub direct_award_route: bool,
    /// Highest contract value that may be direct-awarded in this lot, if limited.
    pub direct_award_limit: Option<Money>,
    /// The basket's value in this lot.
    pub value: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Advice {
    pub route: Route,
    /// Plain-English reasons, each a sentence.
    pub reasons: Vec<String>,
}

/// Direct award applies when every item is in the catalogue, each lot has a single supplier or a
/// direct-award route, and each lot's value is within its direct-award limit.
pub fn advise(items_not_in_catalogue: &[String], lots: &[LotFacts]) -> Advice {
    let mut blockers = Vec::new();
    for sku in items_not_in_catalogue {
        blockers.push(format!("{sku} is not in the catalogue, so its price must be competed."));
    }
    for lot in lots {
        if lot.suppliers != 1 && !lot.direct_award_route {
            blockers.push(format!(
                "Lot {} ({}) has {} suppliers and no direct-award route.",
                lot.number, lot.title, lot.suppliers
            ));
        }
        if let Some(limit) = lot.direct_award_limit {
            if lot.value > limit {
                blockers.push(format!(
                    "Lot {} ({}): {} is over the direct-award limit of {}.",
                    lot.number, lot.title, lot.value, limit
                ));
            }
        }
    }
    if blockers.is_empty() {
        let mut reasons = vec!["Every item is in the catalogue, at catalogue prices.".to_string()];
        for lot in lots {
            let why = if lot.suppliers == 1 {
                "has a single supplier"
            } else {
                "allows direct award"
            };
            let limit = match lot.direct_award_limit {
                Some(limit) => format!(", and {} is within its limit of {}", lot.value, limit),
                None => String::new(),
            };
            reasons.push(format!("Lot {} ({}) {why}{limit}.", lot.number, lot.title));
        }
        Advice {
            route: Route::DirectAward,
            reasons,
        }
    } else {
        Advice {
            route: Route::FurtherCompetition,
            reasons: blockers,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lot(suppliers: usize, direct_award_route: bool, limit: Option<i64>, value: i64) -> LotFacts {
        LotFacts {
            number: 2,
            title: "Cloud services".into(),
            suppliers,
            direct_award_route,
            direct_award_limit: limit.map(Money::from_pounds),
            value: Money::from_pounds(value),
        }
    }

    #[test]
    fn a_single_supplier_lot_within_its_limit_is_a_direct_award() {
        let advice = advise(&[], &[lot(1, false, Some(500_000), 120_000)]);
        assert_eq!(advice.route, Route::DirectAward);
        assert!(advice
            .reasons
            .iter()
            .any(|r| r.contains("single supplier") && r.contains("£500,000.00")));
    }

    #[test]
    fn over_the_limit_or_many_suppliers_without_a_route_needs_competition() {
        let over = advise(&[], &[lot(1, true, Some(100_000), 100_001)]);
        assert_eq!(over.route, Route::FurtherCompetition);
        assert!(over.reasons[0].contains("over the direct-award limit"));
        let many = advise(&[], &[lot(3, false, None, 10)]);
        assert_eq!(many.route, Route::FurtherCompetition);
        assert!(many.reasons[0].contains("3 suppliers"));
        assert_eq!(advise(&[], &[lot(3, true, None, 10)]).route, Route::DirectAward);
    }

    #[test]
    fn items_outside_the_catalogue_need_competition() {
        let advice = advise(&["BESPOKE-1".to_string()], &[lot(1, true, None, 10)]);
        assert_eq!(advice.route, Route::FurtherCompetition);
        assert!(advice.reasons[0].contains("BESPOKE-1"));
    }
}
