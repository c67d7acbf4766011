//! Approvals: an organisation's rules for how many distinct approvers a call-off (or a
//! variation's increase) needs, by value, and the states of a request for approval.

use crate::money::Money;
use crate::FieldError;
use serde::{Deserialize, Serialize};

/// Most approvers a rule may ask for.
pub const MAX_APPROVERS: u32 = 5;
/// Most thresholds an organisation may set.
pub const MAX_THRESHOLDS: usize = 10;
/// How long a submission waits for decisions unless the organisation says otherwise.
pub const DEFAULT_EXPIRY_DAYS: u32 = 30;
pub const MAX_EXPIRY_DAYS: u32 = 365;
/// Longest cost centre code.
pub const MAX_COST_CENTRE_LEN: usize = 40;
/// Longest approver's comment.
pub const MAX_COMMENT_LEN: usize = 2_000;

/// From this value upwards, this many distinct approvers are needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Threshold {
    pub from_value: Money,
    pub approvers: u32,
}

/// An organisation's approval rules: thresholds in ascending order of value, and the days a
/// submission may wait before it expires and its headroom is released.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalRules {
    pub thresholds: Vec<Threshold>,
    pub expiry_days: u32,
}

impl Default for ApprovalRules {
    fn default() -> Self {
        ApprovalRules {
            thresholds: Vec::new(),
            expiry_days: DEFAULT_EXPIRY_DAYS,
        }
    }
}

impl ApprovalRules {
    /// Checks thresholds as entered; errors name `thresholds[i].from_value` and so on.
    pub fn new(mut thresholds: Vec<Threshold>, expiry_days: u32) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        if !(1..=MAX_EXPIRY_DAYS).contains(&expiry_days) {
            errors.push(FieldError::new(
                "expiry_days",
                format!("Expiry must be between 1 and {MAX_EXPIRY_DAYS} days"),
            ));
        }
        if thresholds.len() > MAX_THRESHOLDS {
            errors.push(FieldError::new(
                "thresholds",
                format!("Set at most {MAX_THRESHOLDS} thresholds"),
            ));
        }
        for (i, t) in thresholds.iter().enumerate() {
            if t.from_value < Money::ZERO {
                errors.push(FieldError::new(
                    format!("thresholds[{i}].from_value"),
                    "Value must be £0 or more",
                ));
            }
            if t.approvers > MAX_APPROVERS {
                errors.push(FieldError::new(
                    format!("thresholds[{i}].approvers"),
                    format!("Approvers must be between 0 and {MAX_APPROVERS}"),
                ));
            }
            if thresholds[..i].iter().any(|earlier| earlier.from_value == t.from_value) {
                errors.push(FieldError::new(
                    format!("thresholds[{i}].from_value"),
                    format!("{} is already a threshold", t.from_value),
                ));
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        thresholds.sort_by_key(|t| t.from_value);
        Ok(ApprovalRules {
            thresholds,
            expiry_days,
        })
    }

    /// Distinct approvers needed for `value`: those of the highest threshold at or below it.
    pub fn approvers_for(&self, value: Money) -> u32 {
        self.thresholds
            .iter()
            .rev()
            .find(|t| t.from_value <= value)
            .map_or(0, |t| t.approvers)
    }
}

/// A cost centre code: what the buyer's finance team charges the call-off to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(transparent)]
pub struct CostCentre(String);

impl CostCentre {
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let code = input.trim();
        if code.is_empty() {
            return Err(FieldError::new("cost_centre", "Enter a cost centre"));
        }
        if code.chars().count() > MAX_COST_CENTRE_LEN {
            return Err(FieldError::new(
                "cost_centre",
                format!("Cost centre must be {MAX_COST_CENTRE_LEN} characters or fewer"),
            ));
        }
        if code.chars().any(char::is_control) {
            return Err(FieldError::new(
                "cost_centre",
                "Cost centre must not contain control characters",
            ));
        }
        Ok(CostCentre(code.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What is being approved: a new call-off, or the increase of a variation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalKind {
    Submission,
    Variation,
}

impl ApprovalKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submission => "submission",
            Self::Variation => "variation",
        }
    }

    pub fn parse(value: &str) -> Result<Self, FieldError> {
        match value {
            "submission" => Ok(Self::Submission),
            "variation" => Ok(Self::Variation),
            other => Err(FieldError::new("kind", format!("unknown approval kind \"{other}\""))),
        }
    }
}

/// Where a request for approval stands. Only `Awaiting` holds headroom.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalStatus {
    Awaiting,
    Approved,
    Returned,
    Withdrawn,
    Expired,
}

impl ApprovalStatus {
    pub const ALL: [ApprovalStatus; 5] = [
        Self::Awaiting,
        Self::Approved,
        Self::Returned,
        Self::Withdrawn,
        Self::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Awaiting => "awaiting",
            Self::Approved => "approved",
            Self::Returned => "returned",
            Self::Withdrawn => "withdrawn",
            Self::Expired => "expired",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Awaiting => "Awaiting approval",
            Self::Approved => "Approved",
            Self::Returned => "Returned to the buyer",
            Self::Withdrawn => "Withdrawn",
            Self::Expired => "Expired",
        }
    }

    pub fn parse(value: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == value)
            .ok_or_else(|| FieldError::new("status", format!("unknown approval status \"{value}\"")))
    }
}

/// An approver's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approve,
    /// Send it back to the buyer; a comment is required.
    Return,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Approve => "approve",
            Self::Return => "return",
        }
    }

    pub fn parse(value: &str) -> Result<Self, FieldError> {
        match value {
            "approve" => Ok(Self::Approve),
            "return" => Ok(Self::Return),
            _ => Err(FieldError::new("decision", "Choose approve or return")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(thresholds: &[(i64, u32)]) -> ApprovalRules {
        ApprovalRules::new(
            thresholds
                .iter()
                .map(|&(pounds, approvers)| Threshold {
                    from_value: Money::from_pounds(pounds),
                    approvers,
                })
                .collect(),
            30,
        )
        .unwrap()
    }

    #[test]
    fn the_highest_threshold_at_or_below_the_value_applies() {
        let r = rules(&[(250_000, 2), (0, 0), (10_000, 1)]);
        assert_eq!(r.approvers_for(Money::from_pence(999_999)), 0);
        assert_eq!(r.approvers_for(Money::from_pounds(10_000)), 1);
        assert_eq!(r.approvers_for(Money::from_pence(24_999_999)), 1);
        assert_eq!(r.approvers_for(Money::from_pounds(250_000)), 2);
        assert_eq!(ApprovalRules::default().approvers_for(Money::from_pounds(1_000_000)), 0);
    }

    #[test]
    fn bad_rules_name_the_field() {
        let errors = ApprovalRules::new(
            vec![
                Threshold {
                    from_value: Money::from_pounds(10),
                    approvers: 1,
                },
                Threshold {
                    from_value: Money::from_pounds(10),
                    approvers: 9,
                },
            ],
            0,
        )
        .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["expiry_days", "thresholds[1].approvers", "thresholds[1].from_value"]
        );
    }

    #[test]
    fn cost_centres_are_trimmed_and_bounded() {
        assert_eq!(CostCentre::parse("  IT-0042 ").unwrap().as_str(), "IT-0042");
        assert_eq!(CostCentre::parse(" ").unwrap_err().field, "cost_centre");
        assert!(CostCentre::parse(&"x".repeat(41)).is_err());
        assert!(CostCentre::parse("a\u{7}b").is_err());
    }
}
