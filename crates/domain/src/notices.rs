//! The Procurement Act 2023 notices a call-off needs, and when: a contract award notice (UK6)
//! before the contract when its value including VAT reaches the threshold for the buyer's kind of
//! body, a contract details notice (UK7) within 30 days of the contract, a contract change notice
//! (UK10) before each modification, and a contract termination notice (UK11) within 30 days of
//! the end. Thresholds are dated rules kept as data: a revision is a new row, and a call-off is
//! judged by the rule in force on the day it was awarded.

use crate::money::Money;
use crate::organisation::OrganisationKind;
use chrono::{Days, NaiveDate};

/// The notices of the UK profile that a call-off can need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NoticeKind {
    ContractAward,
    ContractDetails,
    ContractChange,
    ContractTermination,
}

impl NoticeKind {
    /// The notice's form on Find a Tender.
    pub fn code(self) -> &'static str {
        match self {
            Self::ContractAward => "UK6",
            Self::ContractDetails => "UK7",
            Self::ContractChange => "UK10",
            Self::ContractTermination => "UK11",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::ContractAward => "Contract award notice",
            Self::ContractDetails => "Contract details notice",
            Self::ContractChange => "Contract change notice",
            Self::ContractTermination => "Contract termination notice",
        }
    }
}

/// One dated threshold: from `from`, contracts for goods and services awarded by `kind` of body
/// at or above `value` including VAT are above the threshold. `source` names the law.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Threshold {
    pub from: NaiveDate,
    pub kind: OrganisationKind,
    pub value: Money,
    pub source: String,
}

/// Every dated threshold, each kind of body's rows in date order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Thresholds(Vec<Threshold>);

/// The columns of the thresholds file.
pub const THRESHOLD_COLUMNS: [&str; 4] = ["from", "kind_of_body", "value_inc_vat", "source"];

impl Thresholds {
    /// Reads the thresholds file: a header of [`THRESHOLD_COLUMNS`], then one row per rule, in
    /// pounds. Lines starting with `#` are comments. Every fault is named by line and column.
    pub fn parse(text: &str) -> Result<Thresholds, Vec<String>> {
        let mut errors = Vec::new();
        let mut rows = Vec::new();
        let mut lines = text
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l.trim()))
            .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'));
        match lines.next() {
            Some((_, header)) if header.split(',').map(str::trim).eq(THRESHOLD_COLUMNS) => {}
            Some((n, _)) => errors.push(format!("line {n}: the header must be {}", THRESHOLD_COLUMNS.join(","))),
            None => errors.push("the file has no header".to_string()),
        }
        for (n, line) in lines {
            // The source is the last column and may hold commas.
            let cells: Vec<&str> = line.splitn(4, ',').map(str::trim).collect();
            let [from, kind, value, source] = cells[..] else {
                errors.push(format!("line {n}: expected {} columns", THRESHOLD_COLUMNS.len()));
                continue;
            };
            let from = crate::calendar::parse_date(from).map_err(|e| format!("line {n}, from: {e}"));
            let kind = OrganisationKind::parse(kind)
                .map_err(|e| format!("line {n}, kind_of_body: {}", e.message))
                .and_then(|k| match k {
                    OrganisationKind::Supplier => Err(format!("line {n}, kind_of_body: a supplier does not buy")),
                    k => Ok(k),
                });
            let value = Money::parse_pounds(value).map_err(|e| format!("line {n}, value_inc_vat: {e}"));
            let source = source.trim_matches('"');
            let source = if source.is_empty() {
                Err(format!("line {n}, source: name the law the threshold comes from"))
            } else {
                Ok(source.to_string())
            };
            match (from, kind, value, source) {
                (Ok(from), Ok(kind), Ok(value), Ok(source)) => {
                    if rows.iter().any(|r: &Threshold| r.from == from && r.kind == kind) {
                        errors.push(format!("line {n}: a second rule for {} from {from}", kind.as_str()));
                    }
                    rows.push(Threshold {
                        from,
                        kind,
                        value,
                        source,
                    });
                }
                (from, kind, value, source) => {
                    errors.extend(
                        [from.err(), kind.err(), value.err(), source.err()]
                            .into_iter()
                            .flatten(),
                    );
                }
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        rows.sort_by_key(|r| (r.kind.as_str(), r.from));
        Ok(Thresholds(rows))
    }

    /// The rule in force for `kind` on `day`: the latest that started on or before it.
    pub fn in_force(&self, kind: OrganisationKind, day: NaiveDate) -> Option<&Threshold> {
        self.0
            .iter()
            .filter(|r| r.kind == kind && r.from <= day)
            .max_by_key(|r| r.from)
    }

    pub fn rules(&self) -> &[Threshold] {
        &self.0
    }
}

/// What a call-off's notices are judged on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeFacts {
    pub buyer_kind: OrganisationKind,
    /// The UK day it was awarded (placed with the supplier).
    pub awarded_on: NaiveDate,
    /// The UK day the supplier accepted it, when it has: the contract is then entered into.
    pub entered_on: Option<NaiveDate>,
    /// Its value over its life, including VAT, as awarded.
    pub value_inc_vat: Money,
    /// Each variation's number and UK day.
    pub variations: Vec<(u32, NaiveDate)>,
    /// The UK day it ended early, if it did.
    pub terminated_on: Option<NaiveDate>,
}

/// One notice a call-off needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeDue {
    pub kind: NoticeKind,
    /// For a contract change notice, the variation's number.
    pub variation: Option<u32>,
    /// The last day to publish it.
    pub due_on: NaiveDate,
    /// When it is due, in words.
    pub when: &'static str,
}

/// Days after the contract, or its end, within which its details or termination are published.
pub const DAYS_TO_PUBLISH: u64 = 30;

/// The notices a call-off needs, in the order they fall due, and the threshold it was judged by
/// (`None` when no rule was in force for its buyer's kind of body on the day it was awarded:
/// then no contract award notice is asked for, and the caller should say why).
pub fn notices_due(facts: &NoticeFacts, thresholds: &Thresholds) -> (Vec<NoticeDue>, Option<Threshold>) {
    let threshold = thresholds.in_force(facts.buyer_kind, facts.awarded_on).cloned();
    let within = |day: NaiveDate| day.checked_add_days(Days::new(DAYS_TO_PUBLISH)).unwrap_or(day);
    let mut due = Vec::new();
    if threshold.as_ref().is_some_and(|t| facts.value_inc_vat >= t.value) {
        due.push(NoticeDue {
            kind: NoticeKind::ContractAward,
            variation: None,
            due_on: facts.entered_on.unwrap_or(facts.awarded_on),
            when: "before the contract is entered into",
        });
    }
    if let Some(entered) = facts.entered_on {
        due.push(NoticeDue {
            kind: NoticeKind::ContractDetails,
            variation: None,
            due_on: within(entered),
            when: "within 30 days of entering into the contract",
        });
    }
    for (number, day) in &facts.variations {
        due.push(NoticeDue {
            kind: NoticeKind::ContractChange,
            variation: Some(*number),
            due_on: *day,
            when: "before the modification is made",
        });
    }
    if let Some(ended) = facts.terminated_on {
        due.push(NoticeDue {
            kind: NoticeKind::ContractTermination,
            variation: None,
            due_on: within(ended),
            when: "within 30 days of the contract ending",
        });
    }
    due.sort_by_key(|d| (d.due_on, d.kind, d.variation));
    (due, threshold)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        crate::calendar::parse_date(s).unwrap()
    }

    const FILE: &str = "# test rules\nfrom,kind_of_body,value_inc_vat,source\n\
        2024-01-01,local_authority,214904,SI 2023/1426\n\
        2026-01-01,local_authority,207720,\"SI 2025/1200, Schedule 1 row 12\"\n\
        2024-01-01,nhs_trust,139688,SI 2023/1426\n";

    #[test]
    fn the_rule_in_force_on_the_award_date_decides() {
        let rules = Thresholds::parse(FILE).unwrap();
        let la = OrganisationKind::LocalAuthority;
        assert_eq!(
            rules.in_force(la, day("2025-12-31")).unwrap().value,
            Money::from_pence(21_490_400)
        );
        assert_eq!(
            rules.in_force(la, day("2026-01-01")).unwrap().value,
            Money::from_pence(20_772_000)
        );
        assert!(rules.in_force(la, day("2023-12-31")).is_none());
        assert!(rules.in_force(OrganisationKind::School, day("2026-06-01")).is_none());
        // £210,000 is above the 2026 threshold but below the 2024 one.
        let facts = |awarded: &str| NoticeFacts {
            buyer_kind: la,
            awarded_on: day(awarded),
            entered_on: Some(day(awarded)),
            value_inc_vat: Money::from_pence(21_000_000),
            variations: vec![],
            terminated_on: None,
        };
        let kinds = |awarded: &str| -> Vec<NoticeKind> {
            notices_due(&facts(awarded), &rules).0.iter().map(|d| d.kind).collect()
        };
        assert_eq!(kinds("2025-12-31"), [NoticeKind::ContractDetails]);
        assert_eq!(
            kinds("2026-01-01"),
            [NoticeKind::ContractAward, NoticeKind::ContractDetails]
        );
        // At the threshold exactly is above it; a penny under is not.
        let at = NoticeFacts {
            value_inc_vat: Money::from_pence(20_772_000),
            ..facts("2026-03-01")
        };
        assert_eq!(notices_due(&at, &rules).0[0].kind, NoticeKind::ContractAward);
        let under = NoticeFacts {
            value_inc_vat: Money::from_pence(20_771_999),
            ..at
        };
        assert_eq!(notices_due(&under, &rules).0[0].kind, NoticeKind::ContractDetails);
    }

    #[test]
    fn each_notice_falls_due_on_its_own_day() {
        let rules = Thresholds::parse(FILE).unwrap();
        let facts = NoticeFacts {
            buyer_kind: OrganisationKind::NhsTrust,
            awarded_on: day("2026-11-26"),
            entered_on: Some(day("2026-11-30")),
            value_inc_vat: Money::from_pence(50_000_000),
            variations: vec![(1, day("2027-02-01"))],
            terminated_on: Some(day("2027-06-30")),
        };
        let (due, threshold) = notices_due(&facts, &rules);
        assert_eq!(threshold.unwrap().source, "SI 2023/1426");
        let la = Thresholds::parse(FILE).unwrap();
        let in_2026 = la
            .in_force(OrganisationKind::LocalAuthority, day("2026-02-01"))
            .unwrap();
        assert_eq!(in_2026.source, "SI 2025/1200, Schedule 1 row 12");
        let got: Vec<(&str, Option<u32>, NaiveDate)> =
            due.iter().map(|d| (d.kind.code(), d.variation, d.due_on)).collect();
        assert_eq!(
            got,
            [
                ("UK6", None, day("2026-11-30")),
                ("UK7", None, day("2026-12-30")),
                ("UK10", Some(1), day("2027-02-01")),
                ("UK11", None, day("2027-07-30")),
            ]
        );
        // Not yet accepted: the award notice is due by the award, and no details notice yet.
        let placed = NoticeFacts {
            entered_on: None,
            variations: vec![],
            terminated_on: None,
            ..facts
        };
        let due = notices_due(&placed, &rules).0;
        assert_eq!(due.len(), 1);
        assert_eq!(
            (due[0].kind, due[0].due_on),
            (NoticeKind::ContractAward, day("2026-11-26"))
        );
    }

    #[test]
    fn a_bad_rules_file_names_every_fault_by_line_and_column() {
        let bad = "from,kind_of_body,value_inc_vat,source\n2026-13-01,borough,lots,\n2026-01-01,supplier,1,x\n\
                   2024-01-01,school,1,x\n2024-01-01,school,2,y\n";
        let errors = Thresholds::parse(bad).unwrap_err();
        assert!(errors[0].starts_with("line 2, from:"), "{errors:?}");
        assert!(errors[1].starts_with("line 2, kind_of_body:"));
        assert!(errors[2].starts_with("line 2, value_inc_vat:"));
        assert!(errors[3].starts_with("line 2, source:"));
        assert!(errors[4].contains("line 3, kind_of_body: a supplier does not buy"));
        assert!(errors[5].contains("line 5: a second rule for school from 2024-01-01"));
        assert!(Thresholds::parse("when,kind\n").is_err());
    }
}
