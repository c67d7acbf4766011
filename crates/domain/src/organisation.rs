//! Public bodies and suppliers, and their org-id identifiers.

use crate::ids::OrganisationId;
use crate::FieldError;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrganisationKind {
    LocalAuthority,
    RegionalAuthority,
    NhsTrust,
    NhsIcb,
    School,
    AcademyTrust,
    PoliceForce,
    TransportBody,
    HousingAssociation,
    WasteAuthority,
    Supplier,
}

impl OrganisationKind {
    pub const ALL: [OrganisationKind; 11] = [
        Self::LocalAuthority,
        Self::RegionalAuthority,
        Self::NhsTrust,
        Self::NhsIcb,
        Self::School,
        Self::AcademyTrust,
        Self::PoliceForce,
        Self::TransportBody,
        Self::HousingAssociation,
        Self::WasteAuthority,
        Self::Supplier,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::LocalAuthority => "local_authority",
            Self::RegionalAuthority => "regional_authority",
            Self::NhsTrust => "nhs_trust",
            Self::NhsIcb => "nhs_icb",
            Self::School => "school",
            Self::AcademyTrust => "academy_trust",
            Self::PoliceForce => "police_force",
            Self::TransportBody => "transport_body",
            Self::HousingAssociation => "housing_association",
            Self::WasteAuthority => "waste_authority",
            Self::Supplier => "supplier",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::LocalAuthority => "Local authority",
            Self::RegionalAuthority => "Regional authority",
            Self::NhsTrust => "NHS trust",
            Self::NhsIcb => "NHS integrated care board",
            Self::School => "School",
            Self::AcademyTrust => "Academy trust",
            Self::PoliceForce => "Police force",
            Self::TransportBody => "Transport body",
            Self::HousingAssociation => "Housing association",
            Self::WasteAuthority => "Waste authority",
            Self::Supplier => "Supplier",
        }
    }

    pub fn parse(value: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == value)
            .ok_or_else(|| FieldError::new("kind", format!("unknown kind of organisation \"{value}\"")))
    }
}

/// An identifier in an org-id.guide scheme, such as `GB-LAE` + `HAV`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OrgIdentifier {
    scheme: String,
    value: String,
}

/// Schemes calloff accepts. Format checks per scheme are basic here and tightened by the
/// eligibility register.
pub const KNOWN_SCHEMES: [&str; 8] = [
    "GB-LAE", "GB-NHS", "GB-EDU", "GB-SHPE", "GB-COH", "GB-PPON", "ONS-GSS", "ONS-PFA",
];

impl OrgIdentifier {
    pub fn parse(scheme: &str, value: &str) -> Result<Self, FieldError> {
        let scheme = scheme.trim().to_ascii_uppercase();
        let value = value.trim().to_ascii_uppercase();
        if !KNOWN_SCHEMES.contains(&scheme.as_str()) {
            return Err(FieldError::new(
                "identifier_scheme",
                format!(
                    "\"{scheme}\" is not a scheme calloff knows ({})",
                    KNOWN_SCHEMES.join(", ")
                ),
            ));
        }
        let well_formed = !value.is_empty() && value.len() <= 20 && value.chars().all(|c| c.is_ascii_alphanumeric());
        if !well_formed {
            return Err(FieldError::new("identifier", "must be 1 to 20 letters and digits"));
        }
        let exact_format = match scheme.as_str() {
            "GB-LAE" => value.len() == 3 && value.chars().all(|c| c.is_ascii_uppercase()),
            "GB-EDU" => value.len() == 6 && value.chars().all(|c| c.is_ascii_digit()),
            "GB-COH" => value.len() == 8,
            _ => true,
        };
        if !exact_format {
            let expected = match scheme.as_str() {
                "GB-LAE" => "a 3-letter register code, like HAV",
                "GB-EDU" => "a 6-digit URN",
                _ => "an 8-character company number",
            };
            return Err(FieldError::new(
                "identifier",
                format!("must be {expected} for {scheme}"),
            ));
        }
        Ok(OrgIdentifier { scheme, value })
    }

    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    pub fn value(&self) -> &str {
        &self.value
    }
}

impl fmt::Display for OrgIdentifier {
    /// The org-id string, e.g. `GB-LAE-HAV`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.scheme, self.value)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verification {
    Pending,
    Verified,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organisation {
    pub id: OrganisationId,
    pub name: String,
    pub kind: OrganisationKind,
    pub identifiers: Vec<OrgIdentifier>,
    pub verification: Verification,
}

impl Organisation {
    /// The main org-id string, if the organisation has an identifier.
    pub fn org_id(&self) -> Option<String> {
        self.identifiers.first().map(ToString::to_string)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_as_an_org_id() {
        let id = OrgIdentifier::parse("GB-LAE", "hav").unwrap();
        assert_eq!(id.to_string(), "GB-LAE-HAV");
        assert_eq!(OrgIdentifier::parse("GB-NHS", "RRV").unwrap().to_string(), "GB-NHS-RRV");
    }

    #[test]
    fn refuses_unknown_schemes_and_malformed_values() {
        assert_eq!(
            OrgIdentifier::parse("XX-ABC", "1").unwrap_err().field,
            "identifier_scheme"
        );
        assert_eq!(OrgIdentifier::parse("GB-LAE", "HAVE").unwrap_err().field, "identifier");
        assert_eq!(OrgIdentifier::parse("GB-EDU", "12345").unwrap_err().field, "identifier");
        assert_eq!(OrgIdentifier::parse("GB-NHS", "R-1").unwrap_err().field, "identifier");
    }

    proptest::proptest! {
        #[test]
        fn parsing_any_identifier_never_panics(scheme in "\\PC{0,12}", value in "\\PC{0,30}") {
            if let Ok(id) = OrgIdentifier::parse(&scheme, &value) {
                proptest::prop_assert!(KNOWN_SCHEMES.contains(&id.scheme()));
                proptest::prop_assert!(id.to_string().starts_with(id.scheme()));
            }
        }
    }

    #[test]
    fn kinds_round_trip() {
        for kind in OrganisationKind::ALL {
            assert_eq!(OrganisationKind::parse(kind.as_str()), Ok(kind));
        }
    }
}
