//! Customer governance of a framework's catalogue. A customer organisation proposes a new
//! product, a change to an item, or retiring one, with a rationale; other customer organisations
//! support it (one vote each) and comment; the supplier responds; the framework manager decides,
//! with a reason. Accepted and declined are final; a deferred proposal may be decided again.

use crate::catalogue::Sku;
use crate::ids::ItemId;
use crate::FieldError;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Longest title: short enough to read in a list.
pub const MAX_TITLE_LEN: usize = 120;
/// Longest rationale: about a page of text.
pub const MAX_RATIONALE_LEN: usize = 5_000;
pub const MAX_COMMENT_LEN: usize = 2_000;
/// Longest supplier response: as long as a rationale, since it answers one.
pub const MAX_RESPONSE_LEN: usize = 5_000;
pub const MAX_REASON_LEN: usize = 2_000;
/// How far ahead of the current quarter a roadmap target may be, in years.
pub const MAX_TARGET_YEARS: i32 = 5;

/// Text someone wrote, trimmed: refused when empty (`enter` says what to enter) or longer than
/// `max` characters (`name` says what is too long).
pub fn text(field: &str, value: &str, max: usize, enter: &str, name: &str) -> Result<String, FieldError> {
    let value = value.trim();
    if value.is_empty() {
        Err(FieldError::new(field, enter))
    } else if value.chars().count() > max {
        Err(FieldError::new(
            field,
            format!("{name} must be {max} characters or fewer"),
        ))
    } else {
        Ok(value.to_string())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProposalKind {
    /// Something the catalogue does not sell yet.
    NewProduct,
    /// A change to an item: its specification, terms or price.
    Change,
    /// Taking an item out of the catalogue.
    Retire,
}

impl ProposalKind {
    pub const ALL: [ProposalKind; 3] = [Self::NewProduct, Self::Change, Self::Retire];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::NewProduct => "new_product",
            Self::Change => "change",
            Self::Retire => "retire",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::NewProduct => "New product",
            Self::Change => "Change to an item",
            Self::Retire => "Retire an item",
        }
    }

    /// Changes and retirements are about an item already in the catalogue.
    pub fn needs_item(self) -> bool {
        self != Self::NewProduct
    }

    pub fn parse(value: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == value.trim())
            .ok_or_else(|| FieldError::new("kind", "Choose a new product, a change to an item or retiring an item"))
    }
}

/// Where a proposal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProposalStatus {
    Open,
    Accepted,
    Declined,
    Deferred,
}

impl ProposalStatus {
    /// In the order the roadmap shows them.
    pub const ALL: [ProposalStatus; 4] = [Self::Open, Self::Accepted, Self::Deferred, Self::Declined];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Accepted => "accepted",
            Self::Declined => "declined",
            Self::Deferred => "deferred",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Open => "Open",
            Self::Accepted => "Accepted",
            Self::Declined => "Declined",
            Self::Deferred => "Deferred",
        }
    }

    /// Accepted and declined proposals are decided for good; open and deferred ones may still be
    /// supported, discussed, answered and decided.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Accepted | Self::Declined)
    }

    pub fn parse(value: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == value.trim())
            .ok_or_else(|| FieldError::new("status", "Choose open, accepted, deferred or declined"))
    }
}

/// What an accepted proposal becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The supplier proposes it as a catalogue change request, citing the proposal.
    ChangeRequest,
    /// It goes on the framework's roadmap, perhaps with a target quarter.
    Roadmap,
}

impl Outcome {
    pub const ALL: [Outcome; 2] = [Self::ChangeRequest, Self::Roadmap];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ChangeRequest => "change_request",
            Self::Roadmap => "roadmap",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::ChangeRequest => "To be made through a catalogue change request",
            Self::Roadmap => "On the roadmap",
        }
    }

    pub fn parse(value: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|o| o.as_str() == value.trim())
            .ok_or_else(|| FieldError::new("outcome", "Choose change_request or roadmap"))
    }
}

/// A calendar quarter (Q1 is January to March), the roadmap's unit of planning. Written
/// `2027-Q2`; shown as "April to June 2027" so that nobody reads it as a financial quarter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quarter {
    year: i32,
    quarter: u32,
}

impl Quarter {
    pub fn containing(date: NaiveDate) -> Quarter {
        Quarter {
            year: date.year(),
            quarter: (date.month() - 1) / 3 + 1,
        }
    }

    pub fn next(self) -> Quarter {
        if self.quarter == 4 {
            Quarter {
                year: self.year + 1,
                quarter: 1,
            }
        } else {
            Quarter {
                quarter: self.quarter + 1,
                ..self
            }
        }
    }

    /// Parses `2027-Q2` (or `2027 Q2`), naming `field` when it fails.
    pub fn parse(value: &str, field: &str) -> Result<Quarter, FieldError> {
        let bad = || FieldError::new(field, "Enter the target quarter like 2027-Q2");
        let value = value.trim().to_ascii_uppercase();
        let (year, quarter) = value.split_once(['-', ' ']).ok_or_else(bad)?;
        let year: i32 = year.parse().map_err(|_| bad())?;
        let quarter: u32 = quarter
            .trim()
            .strip_prefix('Q')
            .ok_or_else(bad)?
            .parse()
            .map_err(|_| bad())?;
        if !(1..=4).contains(&quarter) || !(2000..=9999).contains(&year) {
            return Err(bad());
        }
        Ok(Quarter { year, quarter })
    }

    /// The current quarter and those after it, up to [`MAX_TARGET_YEARS`] ahead.
    pub fn choices(today: NaiveDate, count: usize) -> Vec<Quarter> {
        std::iter::successors(Some(Quarter::containing(today)), |q| Some(q.next()))
            .take(count)
            .collect()
    }

    pub fn label(self) -> String {
        let months = [
            "January to March",
            "April to June",
            "July to September",
            "October to December",
        ];
        format!("{} {}", months[self.quarter as usize - 1], self.year)
    }
}

impl fmt::Display for Quarter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-Q{}", self.year, self.quarter)
    }
}

/// The item a proposal is about, as given: its id (the API) or its SKU (the form).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemRef {
    Id(ItemId),
    Sku(Sku),
}

/// A proposal as typed or sent, before it is checked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProposalInput {
    #[serde(default)]
    #[schema(value_type = ProposalKind, required = true)]
    pub kind: String,
    /// For a change or retirement: the item's id, or else its SKU.
    #[serde(default)]
    pub item_id: Option<String>,
    /// For a change or retirement: the item's SKU, if `item_id` is not given.
    #[serde(default)]
    pub sku: Option<String>,
    /// For a new product, optionally: the lot it belongs in. A change or retirement is in its
    /// item's lot.
    #[serde(default)]
    #[schema(minimum = 1)]
    pub lot: Option<i64>,
    #[serde(default)]
    #[schema(required = true, min_length = 1, max_length = 120)]
    pub title: String,
    #[serde(default)]
    #[schema(required = true, min_length = 1, max_length = 5000)]
    pub rationale: String,
}

/// A proposal whose fields are each valid; whether its item and lot exist on the framework is
/// for the use case to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalDraft {
    pub kind: ProposalKind,
    pub item: Option<ItemRef>,
    pub lot: Option<u32>,
    pub title: String,
    pub rationale: String,
}

impl ProposalInput {
    /// Checks every field, naming each error.
    pub fn parse(&self) -> Result<ProposalDraft, Vec<FieldError>> {
        let mut errors = Vec::new();
        let kind = ProposalKind::parse(&self.kind).map_err(|e| errors.push(e)).ok();
        let given = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let (item_id, sku) = (given(&self.item_id), given(&self.sku));
        let item = match (kind, item_id, sku) {
            (Some(ProposalKind::NewProduct), Some(_), _) => {
                errors.push(FieldError::new(
                    "item_id",
                    "A new product is not in the catalogue yet: leave the item empty",
                ));
                None
            }
            (Some(ProposalKind::NewProduct), None, Some(_)) => {
                errors.push(FieldError::new(
                    "sku",
                    "A new product is not in the catalogue yet: leave the SKU empty",
                ));
                None
            }
            (Some(kind), None, None) if kind.needs_item() => {
                errors.push(FieldError::new(
                    "sku",
                    "Enter the SKU of the item, for example L4-SIM-5GB",
                ));
                None
            }
            (_, Some(id), _) => Some(ItemRef::Id(ItemId::from_stored(id))),
            (_, None, Some(sku)) => Sku::parse(&sku)
                .map(ItemRef::Sku)
                .map_err(|e| errors.push(FieldError::new("sku", format!("SKU {}", e.message))))
                .ok(),
            _ => None,
        };
        let lot = match (kind, self.lot) {
            (Some(ProposalKind::NewProduct), Some(lot)) => match crate::framework::parse_lot_number(lot) {
                Ok(lot) => Some(lot),
                Err(_) => {
                    errors.push(FieldError::new("lot", "Choose a lot from the list"));
                    None
                }
            },
            _ => None,
        };
        let title = text("title", &self.title, MAX_TITLE_LEN, "Enter a title", "Title").map_err(|e| errors.push(e));
        let rationale = text(
            "rationale",
            &self.rationale,
            MAX_RATIONALE_LEN,
            "Enter the rationale: what you need and why",
            "Rationale",
        )
        .map_err(|e| errors.push(e));
        match (kind, title, rationale) {
            (Some(kind), Ok(title), Ok(rationale)) if errors.is_empty() => Ok(ProposalDraft {
                kind,
                item,
                lot,
                title,
                rationale,
            }),
            _ => Err(errors),
        }
    }
}

/// The values [`DecisionInput::decision`] may take (for the API document).
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum DecisionChoice {
    Accept,
    Decline,
    Defer,
}

/// The framework manager's decision as typed or sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DecisionInput {
    /// `accept`, `decline` or `defer`.
    #[serde(default)]
    #[schema(value_type = DecisionChoice, required = true)]
    pub decision: String,
    /// Required to accept: `change_request` or `roadmap`.
    #[serde(default)]
    #[schema(value_type = Option<Outcome>)]
    pub outcome: Option<String>,
    /// Accepting onto the roadmap, optionally: a calendar quarter from this one, e.g. `2027-Q2`.
    #[serde(default)]
    pub target_quarter: Option<String>,
    #[serde(default)]
    #[schema(required = true, min_length = 1, max_length = 2000)]
    pub reason: String,
}

/// A checked decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Accepted, declined or deferred.
    pub status: ProposalStatus,
    pub outcome: Option<Outcome>,
    pub target: Option<Quarter>,
    pub reason: String,
}

impl DecisionInput {
    /// Checks every field, naming each error. A target quarter may not be before `today`'s, nor
    /// more than [`MAX_TARGET_YEARS`] ahead.
    pub fn parse(&self, today: NaiveDate) -> Result<Decision, Vec<FieldError>> {
        let mut errors = Vec::new();
        let status = match self.decision.trim() {
            "accept" => Some(ProposalStatus::Accepted),
            "decline" => Some(ProposalStatus::Declined),
            "defer" => Some(ProposalStatus::Deferred),
            _ => {
                errors.push(FieldError::new("decision", "Choose accept, decline or defer"));
                None
            }
        };
        let given = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let outcome = match (status, given(&self.outcome)) {
            (Some(ProposalStatus::Accepted), Some(o)) => Outcome::parse(&o).map_err(|e| errors.push(e)).ok(),
            (Some(ProposalStatus::Accepted), None) => {
                errors.push(FieldError::new(
                    "outcome",
                    "Say whether it becomes a change request or a roadmap item",
                ));
                None
            }
            (Some(_), Some(_)) => {
                errors.push(FieldError::new("outcome", "Only an accepted proposal has an outcome"));
                None
            }
            _ => None,
        };
        let target = match (outcome, given(&self.target_quarter)) {
            (_, None) => None,
            // Beside an unknown decision, a target is neither right nor wrong.
            (_, Some(_)) if status.is_none() => None,
            (Some(Outcome::Roadmap), Some(q)) => match Quarter::parse(&q, "target_quarter") {
                Ok(q) if q < Quarter::containing(today) => {
                    errors.push(FieldError::new(
                        "target_quarter",
                        "The target quarter cannot be in the past",
                    ));
                    None
                }
                Ok(q) if q.year > today.year() + MAX_TARGET_YEARS => {
                    errors.push(FieldError::new(
                        "target_quarter",
                        format!("Choose a target within {MAX_TARGET_YEARS} years"),
                    ));
                    None
                }
                Ok(q) => Some(q),
                Err(e) => {
                    errors.push(e);
                    None
                }
            },
            (_, Some(_)) => {
                errors.push(FieldError::new(
                    "target_quarter",
                    "Only a proposal accepted onto the roadmap has a target quarter",
                ));
                None
            }
        };
        let reason = text(
            "reason",
            &self.reason,
            MAX_REASON_LEN,
            "Enter the reason for your decision",
            "Reason",
        )
        .map_err(|e| errors.push(e));
        match (status, reason) {
            (Some(status), Ok(reason)) if errors.is_empty() => Ok(Decision {
                status,
                outcome,
                target,
                reason,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
    }

    fn proposal() -> ProposalInput {
        ProposalInput {
            kind: "change".into(),
            sku: Some("l4-sim-5gb".into()),
            title: "EU roaming on the 5 GB SIM".into(),
            rationale: "Our staff travel to Brussels monthly.".into(),
            ..ProposalInput::default()
        }
    }

    #[test]
    fn a_change_names_its_item() {
        let draft = proposal().parse().unwrap();
        assert_eq!(draft.kind, ProposalKind::Change);
        assert!(matches!(draft.item, Some(ItemRef::Sku(ref s)) if s.as_str() == "L4-SIM-5GB"));
        let missing = ProposalInput {
            sku: None,
            ..proposal()
        }
        .parse()
        .unwrap_err();
        assert_eq!(missing[0].field, "sku");
    }

    #[test]
    fn empty_and_oversized_text_is_refused_naming_the_field() {
        let bad = ProposalInput {
            title: "  ".into(),
            rationale: "x".repeat(MAX_RATIONALE_LEN + 1),
            ..proposal()
        };
        let fields: Vec<String> = bad.parse().unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["title", "rationale"]);
        let longest = ProposalInput {
            title: "é".repeat(MAX_TITLE_LEN),
            ..proposal()
        };
        assert!(longest.parse().is_ok(), "the limit counts characters, not bytes");
    }

    #[test]
    fn a_new_product_has_no_item_but_may_name_a_lot() {
        let new = ProposalInput {
            kind: "new_product".into(),
            sku: None,
            lot: Some(5),
            ..proposal()
        };
        assert_eq!(new.parse().unwrap().lot, Some(5));
        let with_item = ProposalInput {
            kind: "new_product".into(),
            ..proposal()
        };
        assert_eq!(with_item.parse().unwrap_err()[0].field, "sku");
        let bad_lot = ProposalInput { lot: Some(0), ..new };
        assert_eq!(bad_lot.parse().unwrap_err()[0].field, "lot");
    }

    #[test]
    fn decisions_need_a_reason_and_accepting_needs_an_outcome() {
        let accept = DecisionInput {
            decision: "accept".into(),
            outcome: Some("roadmap".into()),
            target_quarter: Some("2027 q2".into()),
            reason: "Several boroughs need it".into(),
        };
        let decided = accept.parse(today()).unwrap();
        assert_eq!(decided.status, ProposalStatus::Accepted);
        assert_eq!(decided.target.unwrap().to_string(), "2027-Q2");
        assert_eq!(decided.target.unwrap().label(), "April to June 2027");

        let fields = |input: DecisionInput| -> Vec<String> {
            input.parse(today()).unwrap_err().into_iter().map(|e| e.field).collect()
        };
        assert_eq!(
            fields(DecisionInput {
                outcome: None,
                target_quarter: None,
                reason: String::new(),
                ..accept.clone()
            }),
            ["outcome", "reason"]
        );
        assert_eq!(
            fields(DecisionInput {
                decision: "defer".into(),
                outcome: None,
                ..accept.clone()
            }),
            ["target_quarter"]
        );
        assert_eq!(
            fields(DecisionInput {
                target_quarter: Some("2026-Q3".into()),
                ..accept.clone()
            }),
            ["target_quarter"]
        );
        assert_eq!(
            fields(DecisionInput {
                decision: "maybe".into(),
                ..accept
            }),
            ["decision"]
        );
    }

    #[test]
    fn quarters_follow_the_calendar() {
        let q = Quarter::containing(today());
        assert_eq!(q.to_string(), "2026-Q4");
        assert_eq!(q.next().to_string(), "2027-Q1");
        assert_eq!(Quarter::choices(today(), 3).len(), 3);
        assert!(Quarter::parse("2027-Q5", "target_quarter").is_err());
        assert!(Quarter::parse("next year", "target_quarter").is_err());
    }
}
