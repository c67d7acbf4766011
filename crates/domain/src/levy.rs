//! The management charge (the levy): what a framework's supplier pays its managing authority, a
//! share of what it invoiced under the framework.
//!
//! # The rule
//! Each framework has **dated rules**. A rule takes effect on the first day of a month
//! ([`LevyRule::new`] refuses any other day) and applies to every month from then until the next
//! rule's; a month's return is charged by the rule in force on the month's first day
//! ([`in_force`]). A rule sets its rates in **basis points** (1 bp = 0.01%, so 100 bp = 1%) in
//! one of three ways:
//! - **flat**: one rate for every line;
//! - **per lot**: a rate for each lot, by lot number (a line of a lot the rule does not name has
//!   no rate, and the return cannot be charged until the rule is fixed);
//! - **per customer sector**: one rate for central government, one for the wider public sector
//!   ([`Sector::of`] says which kind of body is which).
//!
//! # The arithmetic
//! The charge is computed **per line of the return** and rounded **once per line**, half-up to
//! the penny: `charge = round(value × bp / 10,000)` ([`line_charge`]). Credit-note lines have
//! negative values; they round **symmetrically** (half away from zero), so crediting a line
//! takes back exactly the charge its invoice raised: `line_charge(-v) = -line_charge(v)`. A
//! return's charge is the plain sum of its lines' charges ([`return_charge`]), with no further
//! rounding. Each line's charge is within half a penny of the exact share, so a return's charge
//! is within half a penny per line of `Σ value × bp / 10,000`. The arithmetic is in `i128`, so
//! no value a line can hold overflows. The property tests below check all of this.

use crate::organisation::OrganisationKind;
use crate::FieldError;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::money::Money;

/// Basis points in the whole: 10,000 bp = 100%.
pub const BASIS_POINTS_PER_WHOLE: i64 = 10_000;

/// A rate in basis points, from 0 to 10,000 (100%).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BasisPoints(i64);

impl BasisPoints {
    pub fn new(field: &str, bp: i64) -> Result<Self, FieldError> {
        if (0..=BASIS_POINTS_PER_WHOLE).contains(&bp) {
            Ok(BasisPoints(bp))
        } else {
            Err(FieldError::new(
                field,
                format!(
                    "{} must be a whole number of basis points from 0 to {BASIS_POINTS_PER_WHOLE} (100%)",
                    crate::text::label(field)
                ),
            ))
        }
    }

    pub const fn get(self) -> i64 {
        self.0
    }

    /// As a percentage, like `1.25%`.
    pub fn percent(self) -> String {
        let text = format!("{}.{:02}", self.0 / 100, self.0 % 100);
        let trimmed = text.trim_end_matches('0').trim_end_matches('.');
        format!("{trimmed}%")
    }
}

/// The customer sectors a per-sector rule tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sector {
    CentralGovernment,
    WiderPublicSector,
}

impl Sector {
    /// The sector of a kind of body, following the ONS public sector classification (the one
    /// HM Treasury and the Crown Commercial Service use):
    /// - **central government** (ONS S.1311): NHS trusts and integrated care boards (the NHS is
    ///   classified as central government), and academy trusts (classified as central
    ///   government since 2010);
    /// - **wider public sector**: everyone else who buys here: local and regional authorities,
    ///   maintained schools, police forces and transport and waste bodies (local government,
    ///   S.1313), and housing associations (private non-profit bodies that buy as wider public
    ///   sector). A supplier is no customer; it is put here only so that the mapping is total.
    pub fn of(kind: OrganisationKind) -> Sector {
        match kind {
            OrganisationKind::NhsTrust | OrganisationKind::NhsIcb | OrganisationKind::AcademyTrust => {
                Sector::CentralGovernment
            }
            OrganisationKind::LocalAuthority
            | OrganisationKind::RegionalAuthority
            | OrganisationKind::School
            | OrganisationKind::PoliceForce
            | OrganisationKind::TransportBody
            | OrganisationKind::HousingAssociation
            | OrganisationKind::WasteAuthority
            | OrganisationKind::Supplier => Sector::WiderPublicSector,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Sector::CentralGovernment => "central_government",
            Sector::WiderPublicSector => "wider_public_sector",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Sector::CentralGovernment => "Central government",
            Sector::WiderPublicSector => "Wider public sector",
        }
    }
}

/// How a rule sets its rates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "basis")]
pub enum LevyRates {
    Flat {
        rate: BasisPoints,
    },
    PerLot {
        /// Rate by lot number.
        rates: BTreeMap<u32, BasisPoints>,
    },
    PerSector {
        central_government: BasisPoints,
        wider_public_sector: BasisPoints,
    },
}

/// What a stored rate applies to: every line, one lot, or one sector.
pub const APPLIES_TO_ALL: &str = "all";

impl LevyRates {
    pub fn basis(&self) -> &'static str {
        match self {
            LevyRates::Flat { .. } => "flat",
            LevyRates::PerLot { .. } => "per_lot",
            LevyRates::PerSector { .. } => "per_sector",
        }
    }

    /// The rates as stored: what each applies to (`all`, `lot:N`, or a sector) and the rate.
    pub fn entries(&self) -> Vec<(String, BasisPoints)> {
        match self {
            LevyRates::Flat { rate } => vec![(APPLIES_TO_ALL.to_string(), *rate)],
            LevyRates::PerLot { rates } => rates.iter().map(|(lot, bp)| (format!("lot:{lot}"), *bp)).collect(),
            LevyRates::PerSector {
                central_government,
                wider_public_sector,
            } => vec![
                (Sector::CentralGovernment.as_str().to_string(), *central_government),
                (Sector::WiderPublicSector.as_str().to_string(), *wider_public_sector),
            ],
        }
    }

    /// Rates read back from [`LevyRates::entries`].
    pub fn from_entries(basis: &str, entries: &[(String, i64)]) -> Result<LevyRates, FieldError> {
        let rate = |applies_to: &str| -> Result<BasisPoints, FieldError> {
            let bp = entries
                .iter()
                .find(|(a, _)| a == applies_to)
                .map(|(_, bp)| *bp)
                .ok_or_else(|| FieldError::new("rates", format!("a {basis} rule needs a rate for {applies_to}")))?;
            BasisPoints::new(&format!("rates.{applies_to}"), bp)
        };
        match basis {
            "flat" => Ok(LevyRates::Flat {
                rate: rate(APPLIES_TO_ALL)?,
            }),
            "per_sector" => Ok(LevyRates::PerSector {
                central_government: rate(Sector::CentralGovernment.as_str())?,
                wider_public_sector: rate(Sector::WiderPublicSector.as_str())?,
            }),
            "per_lot" => {
                let mut rates = BTreeMap::new();
                for (applies_to, bp) in entries {
                    let lot = applies_to
                        .strip_prefix("lot:")
                        .and_then(|n| n.parse::<u32>().ok())
                        .ok_or_else(|| FieldError::new("rates", format!("{applies_to} is not a lot")))?;
                    rates.insert(lot, BasisPoints::new(&format!("rates.{applies_to}"), *bp)?);
                }
                if rates.is_empty() {
                    return Err(FieldError::new("rates", "a per-lot rule needs a rate for each lot"));
                }
                Ok(LevyRates::PerLot { rates })
            }
            other => Err(FieldError::new(
                "basis",
                format!("Choose flat, per_lot or per_sector, not {other}"),
            )),
        }
    }
}

/// A framework's levy rule from a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevyRule {
    pub effective_from: NaiveDate,
    pub rates: LevyRates,
}

impl LevyRule {
    /// A rule from the first day of a month (returns are monthly, so a rule never splits one).
    pub fn new(effective_from: NaiveDate, rates: LevyRates) -> Result<LevyRule, FieldError> {
        LevyRule::check_start(effective_from)?;
        Ok(LevyRule { effective_from, rates })
    }

    /// A rule starts on the first day of a month.
    pub fn check_start(effective_from: NaiveDate) -> Result<(), FieldError> {
        if effective_from.day() == 1 {
            Ok(())
        } else {
            Err(FieldError::new(
                "effective_from",
                "Enter the first day of a month: a month's return is charged by one rule",
            ))
        }
    }

    /// The rate for a line of `lot` bought by a body in `sector`; none for a lot a per-lot rule
    /// does not name.
    pub fn rate_for(&self, lot: u32, sector: Sector) -> Option<BasisPoints> {
        match &self.rates {
            LevyRates::Flat { rate } => Some(*rate),
            LevyRates::PerLot { rates } => rates.get(&lot).copied(),
            LevyRates::PerSector {
                central_government,
                wider_public_sector,
            } => Some(match sector {
                Sector::CentralGovernment => *central_government,
                Sector::WiderPublicSector => *wider_public_sector,
            }),
        }
    }

    /// The rule in words, like "1% of every line" or "by lot: lot 1 1%, lot 2 1.5%".
    pub fn describe(&self) -> String {
        match &self.rates {
            LevyRates::Flat { rate } => format!("{} of every line", rate.percent()),
            LevyRates::PerLot { rates } => {
                let each: Vec<String> = rates
                    .iter()
                    .map(|(lot, bp)| format!("lot {lot} {}", bp.percent()))
                    .collect();
                format!("by lot: {}", each.join(", "))
            }
            LevyRates::PerSector {
                central_government,
                wider_public_sector,
            } => format!(
                "by sector: central government {}, wider public sector {}",
                central_government.percent(),
                wider_public_sector.percent()
            ),
        }
    }
}

/// The rule in force on `day`: the latest to take effect on or before it.
pub fn in_force(rules: &[LevyRule], day: NaiveDate) -> Option<&LevyRule> {
    rules
        .iter()
        .filter(|r| r.effective_from <= day)
        .max_by_key(|r| r.effective_from)
}

/// One line's charge: `value × rate / 10,000`, rounded half away from zero to the penny, so a
/// credited line's charge is exactly minus its invoiced line's.
pub fn line_charge(value: Money, rate: BasisPoints) -> Money {
    let whole = i128::from(BASIS_POINTS_PER_WHOLE);
    let scaled = i128::from(value.pence()).abs() * i128::from(rate.get());
    let rounded = (scaled + whole / 2) / whole;
    // |value| × rate / 10,000 ≤ |value|, so it fits back in an i64.
    let magnitude = i64::try_from(rounded).unwrap_or(i64::MAX);
    Money::from_pence(if value.pence() < 0 { -magnitude } else { magnitude })
}

/// A return's charge: the sum of its lines' charges, each rounded once.
pub fn return_charge(lines: impl IntoIterator<Item = (Money, BasisPoints)>) -> Money {
    Money::from_pence(
        lines
            .into_iter()
            .map(|(value, rate)| line_charge(value, rate).pence())
            .fold(0i64, i64::saturating_add),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn bp(n: i64) -> BasisPoints {
        BasisPoints::new("rate", n).unwrap()
    }

    fn day(text: &str) -> NaiveDate {
        crate::calendar::parse_date(text).unwrap()
    }

    #[test]
    fn half_a_penny_rounds_away_from_zero() {
        // £1.50 at 1% is 1.5p: 2p; credited, -2p.
        assert_eq!(line_charge(Money::from_pence(150), bp(100)), Money::from_pence(2));
        assert_eq!(line_charge(Money::from_pence(-150), bp(100)), Money::from_pence(-2));
        // 1.49p rounds down, either sign.
        assert_eq!(line_charge(Money::from_pence(149), bp(100)), Money::from_pence(1));
        assert_eq!(line_charge(Money::from_pence(-149), bp(100)), Money::from_pence(-1));
        assert_eq!(
            line_charge(Money::from_pence(106_000), bp(100)),
            Money::from_pence(1_060)
        );
        assert_eq!(
            line_charge(Money::from_pence(i64::MAX), bp(10_000)),
            Money::from_pence(i64::MAX)
        );
    }

    #[test]
    fn rates_are_basis_points_from_0_to_10000() {
        assert!(BasisPoints::new("rate", -1).is_err());
        assert!(BasisPoints::new("rate", 10_001).is_err());
        assert_eq!(bp(150).percent(), "1.5%");
        assert_eq!(bp(100).percent(), "1%");
        assert_eq!(bp(5).percent(), "0.05%");
    }

    #[test]
    fn the_rule_in_force_is_the_latest_to_have_started() {
        let flat = LevyRule::new(day("2025-04-01"), LevyRates::Flat { rate: bp(100) }).unwrap();
        let per_lot = LevyRule::new(
            day("2026-10-01"),
            LevyRates::PerLot {
                rates: [(1, bp(100)), (2, bp(150))].into_iter().collect(),
            },
        )
        .unwrap();
        let rules = [per_lot.clone(), flat.clone()];
        assert_eq!(in_force(&rules, day("2025-03-01")), None);
        assert_eq!(in_force(&rules, day("2026-09-01")), Some(&flat));
        assert_eq!(in_force(&rules, day("2026-10-01")), Some(&per_lot));
        assert_eq!(per_lot.rate_for(2, Sector::CentralGovernment), Some(bp(150)));
        assert_eq!(per_lot.rate_for(3, Sector::CentralGovernment), None);
        assert!(LevyRule::new(day("2026-10-02"), LevyRates::Flat { rate: bp(1) }).is_err());
    }

    #[test]
    fn sectors_follow_the_ons_classification() {
        assert_eq!(Sector::of(OrganisationKind::NhsTrust), Sector::CentralGovernment);
        assert_eq!(Sector::of(OrganisationKind::AcademyTrust), Sector::CentralGovernment);
        assert_eq!(Sector::of(OrganisationKind::LocalAuthority), Sector::WiderPublicSector);
        assert_eq!(Sector::of(OrganisationKind::PoliceForce), Sector::WiderPublicSector);
        let rule = LevyRule::new(
            day("2027-01-01"),
            LevyRates::PerSector {
                central_government: bp(50),
                wider_public_sector: bp(100),
            },
        )
        .unwrap();
        assert_eq!(rule.rate_for(4, Sector::of(OrganisationKind::NhsIcb)), Some(bp(50)));
    }

    #[test]
    fn stored_entries_read_back_as_the_same_rates() {
        for rates in [
            LevyRates::Flat { rate: bp(100) },
            LevyRates::PerLot {
                rates: [(1, bp(100)), (5, bp(125))].into_iter().collect(),
            },
            LevyRates::PerSector {
                central_government: bp(50),
                wider_public_sector: bp(100),
            },
        ] {
            let entries: Vec<(String, i64)> = rates.entries().into_iter().map(|(a, b)| (a, b.get())).collect();
            assert_eq!(LevyRates::from_entries(rates.basis(), &entries).unwrap(), rates);
        }
        assert_eq!(LevyRates::from_entries("weekly", &[]).unwrap_err().field, "basis");
    }

    fn value() -> impl Strategy<Value = Money> {
        // Up to £100bn either way: beyond any framework's line.
        (-10_000_000_000_000i64..=10_000_000_000_000).prop_map(Money::from_pence)
    }

    fn rate() -> impl Strategy<Value = BasisPoints> {
        (0..=BASIS_POINTS_PER_WHOLE).prop_map(|n| BasisPoints::new("rate", n).unwrap())
    }

    proptest! {
        #[test]
        fn a_credit_takes_back_exactly_what_its_invoice_charged(v in value(), r in rate()) {
            prop_assert_eq!(line_charge(Money::from_pence(-v.pence()), r).pence(), -line_charge(v, r).pence());
        }

        #[test]
        fn each_line_is_within_half_a_penny_of_the_exact_share(v in value(), r in rate()) {
            let exact_times_10000 = i128::from(v.pence()) * i128::from(r.get());
            let charged_times_10000 = i128::from(line_charge(v, r).pence()) * 10_000;
            prop_assert!((charged_times_10000 - exact_times_10000).abs() <= 5_000);
            // Never more than the line, never of the other sign.
            prop_assert!(line_charge(v, r).pence().abs() <= v.pence().abs());
            prop_assert!(line_charge(v, r).pence() * v.pence().signum() >= 0);
        }

        #[test]
        fn a_return_charges_the_sum_of_its_lines(lines in proptest::collection::vec((value(), rate()), 0..50)) {
            let sum: i64 = lines.iter().map(|(v, r)| line_charge(*v, *r).pence()).sum();
            prop_assert_eq!(return_charge(lines.clone()).pence(), sum);
            // Within half a penny per line of the exact charge of the whole.
            let exact: i128 = lines.iter().map(|(v, r)| i128::from(v.pence()) * i128::from(r.get())).sum();
            let slack = 5_000 * i128::try_from(lines.len()).unwrap();
            prop_assert!((i128::from(sum) * 10_000 - exact).abs() <= slack);
        }

        #[test]
        fn a_higher_rate_never_charges_less(v in value(), a in rate(), b in rate()) {
            let (low, high) = if a <= b { (a, b) } else { (b, a) };
            prop_assert!(line_charge(v, low).pence().abs() <= line_charge(v, high).pence().abs());
        }
    }
}
