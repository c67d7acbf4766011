//! Ending a live call-off before its term is over: what is due up to the day it ends, and what
//! goes back to the framework's and the lots' headroom.

use crate::call_off::{PricedLine, Totals};
use crate::catalogue::Charging;
use crate::money::Money;
use crate::FieldError;
use chrono::{Datelike, Months, NaiveDate};

/// Months of service from `start`, the day it went live, to `end`, its last day, both days
/// included, a started month counting whole: the fewest whole months after `start` that pass
/// `end`. Like the planned end of term (`start` plus the term, the last day the call-off is
/// live), a day into a month counts that month.
pub fn months_served(start: NaiveDate, end: NaiveDate) -> u32 {
    if end < start {
        return 0;
    }
    let apart = (end.year() - start.year()) * 12 + i32::try_from(end.month()).unwrap_or(0)
        - i32::try_from(start.month()).unwrap_or(0);
    let months = u32::try_from(apart).unwrap_or(0);
    match start.checked_add_months(Months::new(months)) {
        Some(passed) if passed > end => months,
        _ => months + 1,
    }
}

/// What a line is due after `served` months: one-off charges in full, usage as already valued,
/// and a recurring line for the months served (at most its term) at its unit price, rounded
/// half-up once, as the line itself was. Never more than the line's value.
pub fn line_due(line: &PricedLine, served: u32) -> Money {
    match line.unit.charging() {
        Charging::Recurring if served < line.term_months.get() => {
            let units = u128::from(line.quantity.get()) * u128::from(served);
            line.unit_price.total_for(units).unwrap_or(line.value).min(line.value)
        }
        Charging::Recurring | Charging::OneOff | Charging::Usage => line.value,
    }
}

/// A live call-off ended early: the new contract value and what it releases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EarlyEnd {
    pub ends_on: NaiveDate,
    pub months_served: u32,
    pub previous_value: Money,
    /// What is due to the day it ends: its contract value from now on.
    pub totals: Totals,
    /// What each lot gives back, by lot number (lots that give back nothing are left out).
    pub released_per_lot: Vec<(u32, Money)>,
    /// `previous_value - totals.contract_value`, given back to the ceilings.
    pub released: Money,
}

impl EarlyEnd {
    /// Ends the call-off, live since `live_on` and planned to end on `planned_end`, on
    /// `ends_on`: no earlier than `today`, and no later than `planned_end`. The date is refused
    /// naming the field `ends_on`.
    pub fn on(
        lines: &[PricedLine],
        live_on: NaiveDate,
        planned_end: NaiveDate,
        today: NaiveDate,
        ends_on: NaiveDate,
    ) -> Result<EarlyEnd, FieldError> {
        if ends_on < today {
            return Err(FieldError::new(
                "ends_on",
                format!(
                    "The end date must be today ({}) or later",
                    crate::calendar::long_date(today)
                ),
            ));
        }
        if ends_on > planned_end {
            return Err(FieldError::new(
                "ends_on",
                format!(
                    "The end date must be on or before the end of its term, {}",
                    crate::calendar::long_date(planned_end)
                ),
            ));
        }
        let served = months_served(live_on, ends_on);
        let due: Vec<PricedLine> = lines
            .iter()
            .map(|line| PricedLine {
                value: line_due(line, served),
                ..line.clone()
            })
            .collect();
        let previous_value = Totals::of(lines)?.contract_value;
        let totals = Totals::of(&due)?;
        let released_per_lot = Totals::per_lot(lines)
            .into_iter()
            .zip(Totals::per_lot(&due))
            .filter_map(|((lot, was), (_, due))| Some((lot, was.checked_sub(due)?)))
            .filter(|(_, released)| *released > Money::ZERO)
            .collect();
        Ok(EarlyEnd {
            ends_on,
            months_served: served,
            previous_value,
            released: previous_value.checked_sub(totals.contract_value).unwrap_or(Money::ZERO),
            released_per_lot,
            totals,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::call_off::{price_line, MonthlyUsage, Quantity, TermMonths};
    use crate::catalogue::{CatalogueItem, CpvCode, Sku, Unit};
    use crate::ids::{FrameworkId, ItemId};
    use crate::money::UnitPrice;
    use proptest::prelude::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn line(unit: Unit, micros: i64, lot: u32, qty: i64, term: i64, usage: Option<i64>) -> PricedLine {
        let item = CatalogueItem {
            id: ItemId::generate(),
            framework_id: FrameworkId::generate(),
            lot_number: lot,
            sku: Sku::parse("L3-TEST").unwrap(),
            name: "Test".into(),
            description: "Test item".into(),
            unit,
            unit_price: UnitPrice::from_micros(micros).unwrap(),
            minimum_term_months: 0,
            cpv: CpvCode::parse("64211000-8").unwrap(),
            list_price: None,
            quantity_tiers: Default::default(),
            demand_bands: Default::default(),
        };
        let usage = usage.map(|u| MonthlyUsage::parse(u).unwrap());
        price_line(
            &item,
            Quantity::parse(qty).unwrap(),
            TermMonths::parse(term).unwrap(),
            usage,
            0,
            "lines[0]",
        )
        .unwrap()
    }

    #[test]
    fn a_started_month_counts_whole() {
        let start = date("2026-01-15");
        assert_eq!(months_served(start, start), 1);
        assert_eq!(months_served(start, date("2026-02-14")), 1);
        assert_eq!(months_served(start, date("2026-02-15")), 2);
        assert_eq!(months_served(start, date("2027-01-14")), 12);
        // Month ends clamp as chrono's month arithmetic does.
        assert_eq!(months_served(date("2026-01-31"), date("2026-02-27")), 1);
        assert_eq!(months_served(date("2026-01-31"), date("2026-02-28")), 2);
        assert_eq!(months_served(start, date("2025-12-01")), 0);
    }

    #[test]
    fn one_off_and_usage_lines_are_due_in_full_and_recurring_for_months_served() {
        let lines = vec![
            // £10 a month for 5 users over 24 months: £1,200.
            line(Unit::PerUserPerMonth, 10_000_000, 1, 5, 24, None),
            // £300 once.
            line(Unit::OneOff, 300_000_000, 1, 1, 1, None),
            // 1p a minute, 1,000 minutes a month, 12 months: £120.
            line(Unit::PerMinute, 10_000, 3, 1, 12, Some(1_000)),
        ];
        let end = EarlyEnd::on(
            &lines,
            date("2026-01-15"),
            date("2028-01-15"),
            date("2026-07-01"),
            date("2026-07-14"),
        )
        .unwrap();
        assert_eq!(end.months_served, 6);
        assert_eq!(end.previous_value, Money::from_pounds(1_620));
        assert_eq!(end.totals.contract_value, Money::from_pounds(300 + 300 + 120));
        assert_eq!(end.released, Money::from_pounds(900));
        assert_eq!(end.released_per_lot, vec![(1, Money::from_pounds(900))]);
        assert_eq!(end.totals.vat, Money::from_pounds(144));
    }

    #[test]
    fn the_date_is_refused_before_today_and_after_the_planned_end() {
        let lines = vec![line(Unit::PerMonth, 10_000_000, 1, 1, 12, None)];
        let (live, planned, today) = (date("2026-01-15"), date("2027-01-15"), date("2026-03-01"));
        let early = EarlyEnd::on(&lines, live, planned, today, date("2026-02-28")).unwrap_err();
        assert_eq!(early.field, "ends_on");
        assert!(early.message.contains("today"), "{}", early.message);
        let late = EarlyEnd::on(&lines, live, planned, today, date("2027-01-16")).unwrap_err();
        assert_eq!(late.field, "ends_on");
        assert!(late.message.contains("15 January 2027"), "{}", late.message);
        let on_the_end = EarlyEnd::on(&lines, live, planned, today, planned).unwrap();
        assert_eq!(on_the_end.released, Money::ZERO);
    }

    proptest! {
        #[test]
        fn due_never_exceeds_the_original_and_released_plus_due_is_the_original(
            micros in 0i64..=50_000_000,
            qty in 1i64..=500,
            term in 1i64..=48,
            one_off in 0i64..=1_000_000_000,
            usage in 1i64..=100_000,
            live_offset in 0i64..=3_000,
            served_days in 0i64..=1_500,
        ) {
            let lines = vec![
                line(Unit::PerUserPerMonth, micros, 1, qty, term, None),
                line(Unit::PerMonth, micros / 3, 2, 1, term.min(12), None),
                line(Unit::OneOff, one_off, 2, qty, 1, None),
                line(Unit::PerGb, micros / 7, 3, qty, term, Some(usage)),
            ];
            let live_on = date("2020-01-31") + chrono::Duration::days(live_offset);
            let planned = live_on.checked_add_months(Months::new(u32::try_from(term).unwrap())).unwrap();
            let ends_on = (live_on + chrono::Duration::days(served_days)).min(planned);
            let end = EarlyEnd::on(&lines, live_on, planned, live_on, ends_on).unwrap();
            prop_assert!(end.totals.contract_value <= end.previous_value);
            prop_assert_eq!(end.released.checked_add(end.totals.contract_value), Some(end.previous_value));
            for line in &lines {
                prop_assert!(line_due(line, end.months_served) <= line.value);
            }
            let per_lot: i64 = end.released_per_lot.iter().map(|(_, m)| m.pence()).sum();
            prop_assert_eq!(per_lot, end.released.pence());
            for (lot, released) in &end.released_per_lot {
                let was = Totals::per_lot(&lines).into_iter().find(|(n, _)| n == lot).unwrap().1;
                prop_assert!(*released > Money::ZERO && *released <= was);
            }
            if ends_on == planned {
                prop_assert_eq!(end.released, Money::ZERO);
            }
        }

        #[test]
        fn months_served_is_the_fewest_months_that_reach_the_end(
            start_offset in 0i64..=10_000, days in 0i64..=2_000,
        ) {
            let start = date("2001-01-01") + chrono::Duration::days(start_offset);
            let end = start + chrono::Duration::days(days);
            let m = months_served(start, end);
            prop_assert!(m >= 1);
            prop_assert!(start.checked_add_months(Months::new(m)).unwrap() > end);
            prop_assert!(start.checked_add_months(Months::new(m - 1)).unwrap() <= end);
        }
    }
}
