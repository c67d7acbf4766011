//! Framework agreements and their lots.

use crate::ids::{FrameworkId, LotId, OrganisationId};
use crate::money::Money;
use crate::FieldError;
use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// The Procurement Act 2023 caps a framework's term at four years.
pub const MAX_TERM_MONTHS: u32 = 48;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FrameworkStatus {
    Draft,
    Live,
    Expired,
    Suspended,
}

impl FrameworkStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Live => "live",
            Self::Expired => "expired",
            Self::Suspended => "suspended",
        }
    }

    pub fn parse(value: &str) -> Result<Self, FieldError> {
        match value {
            "draft" => Ok(Self::Draft),
            "live" => Ok(Self::Live),
            "expired" => Ok(Self::Expired),
            "suspended" => Ok(Self::Suspended),
            _ => Err(FieldError::new(
                "status",
                format!("unknown framework status \"{value}\""),
            )),
        }
    }
}

/// The most lots a framework may have; lot numbers run from 1 to this.
pub const MAX_LOT_NUMBER: u32 = 99;

/// A lot number as a client sent it: from 1 to [`MAX_LOT_NUMBER`], never wrapped or truncated.
pub fn parse_lot_number(value: i64) -> Result<u32, String> {
    u32::try_from(value)
        .ok()
        .filter(|n| (1..=MAX_LOT_NUMBER).contains(n))
        .ok_or_else(|| format!("Lot must be a number from 1 to {MAX_LOT_NUMBER}"))
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lot {
    pub id: LotId,
    pub number: u32,
    pub title: String,
    /// A lot may carry its own ceiling within the framework's.
    pub ceiling: Option<Money>,
    /// Whether buyers may direct-award in this lot even if it has several suppliers.
    pub direct_award_route: bool,
    /// The highest contract value a direct award in this lot may have, if limited.
    pub direct_award_limit: Option<Money>,
}

/// A framework's term: start and end dates, at most [`MAX_TERM_MONTHS`] apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Term {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl Term {
    pub fn parse(start: NaiveDate, end: NaiveDate) -> Result<Self, FieldError> {
        if end <= start {
            return Err(FieldError::new("end_date", "End date must be after the start date"));
        }
        let latest = start
            .checked_add_months(Months::new(MAX_TERM_MONTHS))
            .ok_or_else(|| FieldError::new("end_date", "is out of range"))?;
        if end > latest {
            return Err(FieldError::new(
                "end_date",
                format!("must be no more than 4 years after the start date (at most {latest})"),
            ));
        }
        Ok(Term { start, end })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Framework {
    pub id: FrameworkId,
    pub reference: String,
    pub title: String,
    pub authority: OrganisationId,
    pub suppliers: Vec<OrganisationId>,
    pub lots: Vec<Lot>,
    pub maximum_value: Money,
    pub term: Term,
    pub status: FrameworkStatus,
}

/// Ceiling, commitment and headroom of a framework or a lot at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Headroom {
    pub ceiling: Money,
    pub committed: Money,
}

impl Headroom {
    pub fn left(&self) -> Money {
        self.ceiling.checked_sub(self.committed).unwrap_or(Money::ZERO)
    }

    /// How much of the ceiling is committed, in basis points (2500 = 25.00%).
    pub fn basis_points_used(&self) -> i64 {
        self.committed.basis_points_of(self.ceiling)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_term_is_at_most_four_years() {
        assert!(Term::parse(date(2025, 4, 1), date(2029, 4, 1)).is_ok());
        let err = Term::parse(date(2025, 4, 1), date(2029, 4, 2)).unwrap_err();
        assert_eq!(err.field, "end_date");
        assert!(Term::parse(date(2025, 4, 1), date(2025, 4, 1)).is_err());
    }

    #[test]
    fn headroom_is_ceiling_minus_committed() {
        let h = Headroom {
            ceiling: Money::from_pounds(200_000_000),
            committed: Money::from_pounds(50_000_000),
        };
        assert_eq!(h.left(), Money::from_pounds(150_000_000));
        assert_eq!(h.basis_points_used(), 2_500);
    }

    #[test]
    fn statuses_round_trip() {
        for s in [
            FrameworkStatus::Draft,
            FrameworkStatus::Live,
            FrameworkStatus::Expired,
            FrameworkStatus::Suspended,
        ] {
            assert_eq!(FrameworkStatus::parse(s.as_str()), Ok(s));
        }
        assert!(FrameworkStatus::parse("open").is_err());
    }
}
