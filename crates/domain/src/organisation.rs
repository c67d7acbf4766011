//! Public bodies and suppliers, and their org-id identifiers.

use crate::ids::OrganisationId;
use crate::FieldError;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
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

/// Codes of the local-authority-eng register for the bodies a pan-London framework serves: the 32
/// boroughs, the City of London and the GLA. (The national register has about 350.)
pub const KNOWN_LAE_CODES: [&str; 34] = [
    "LND", "BDG", "BNE", "BEX", "BEN", "BRY", "CMD", "CRY", "EAL", "ENF", "GRE", "HCK", "HMF", "HRY", "HRW", "HAV",
    "HIL", "HNS", "ISL", "KEC", "KTT", "LBH", "LEW", "MRT", "NWM", "RDB", "RIC", "SWK", "STN", "TWH", "WFT", "WND",
    "WSM", "GLA",
];

/// What a value of `scheme` must look like, if `value` does not.
fn format_problem(scheme: &str, value: &str) -> Option<&'static str> {
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    let upper = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_uppercase());
    let ok = match scheme {
        "GB-LAE" => KNOWN_LAE_CODES.contains(&value),
        // ODS codes: a letter then 2 to 5 letters or digits (trusts RQM, ICBs QWE, sites R1H01).
        "GB-NHS" => value.len() >= 3 && value.len() <= 6 && value.starts_with(|c: char| c.is_ascii_uppercase()),
        "GB-EDU" => value.len() == 6 && digits(value),
        // Registered providers: 4 digits, or L or LH and 4 digits.
        "GB-SHPE" => {
            let rest = value
                .strip_prefix("LH")
                .or_else(|| value.strip_prefix('L'))
                .unwrap_or(value);
            rest.len() == 4 && digits(rest)
        }
        // Companies House: 8 digits, or a 2-letter prefix (SC, NI, OC…) and 6 digits.
        "GB-COH" => value.len() == 8 && (digits(value) || (upper(&value[..2]) && digits(&value[2..]))),
        // PPON: P, three letters, four digits, four letters, e.g. PABC-1234-DEFG.
        "GB-PPON" => {
            let parts: Vec<&str> = value.split('-').collect();
            parts.len() == 3
                && parts[0].len() == 4
                && parts[0].starts_with('P')
                && upper(parts[0])
                && parts[1].len() == 4
                && digits(parts[1])
                && parts[2].len() == 4
                && upper(parts[2])
        }
        // GB and 9 digits, or 12 for a branch or group member.
        "GB-VAT" => value
            .strip_prefix("GB")
            .is_some_and(|rest| (rest.len() == 9 || rest.len() == 12) && digits(rest)),
        // ONS GSS codes: a country letter and 8 digits.
        "ONS-GSS" | "ONS-PFA" => value.len() == 9 && value.starts_with(['E', 'W', 'S', 'N']) && digits(&value[1..]),
        _ => true,
    };
    if ok {
        return None;
    }
    Some(match scheme {
        "GB-LAE" => "a local-authority-eng register code of a London body, like HAV",
        "GB-NHS" => "an ODS code, like RQM",
        "GB-EDU" => "a 6-digit URN",
        "GB-SHPE" => "a registered provider code, like 4865 or L4517",
        "GB-COH" => "a company number: 8 digits, or 2 letters and 6 digits",
        "GB-PPON" => "a PPON, like PABC-1234-DEFG",
        "GB-VAT" => "a VAT registration number: GB and 9 digits, like GB123456789",
        _ => "a GSS code, like E09000001",
    })
}

/// An identifier in an org-id.guide scheme, such as `GB-LAE` + `HAV`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OrgIdentifier {
    scheme: String,
    value: String,
}

/// Schemes calloff accepts. Format checks per scheme are basic here and tightened by the
/// eligibility register.
pub const KNOWN_SCHEMES: [&str; 9] = [
    "GB-LAE", "GB-NHS", "GB-EDU", "GB-SHPE", "GB-COH", "GB-PPON", "ONS-GSS", "ONS-PFA", VAT_SCHEME,
];

/// A UK VAT registration number: not an org-id.guide scheme, but what addresses a body's
/// e-invoices in PEPPOL (endpoint scheme 9932).
pub const VAT_SCHEME: &str = "GB-VAT";

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
        // PPONs carry hyphens; every other scheme is letters and digits.
        let well_formed = !value.is_empty()
            && value.len() <= 20
            && value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || (scheme == "GB-PPON" && c == '-'));
        if !well_formed {
            return Err(FieldError::new(
                "identifier",
                "Enter the identifier: 1 to 20 letters and digits",
            ));
        }
        if let Some(expected) = format_problem(&scheme, &value) {
            return Err(FieldError::new(
                "identifier",
                format!("Enter the identifier as {expected} for {scheme}"),
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
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
    /// Its VAT registration number (`GB` and digits), if recorded.
    pub fn vat_number(&self) -> Option<&str> {
        self.identifiers
            .iter()
            .find(|i| i.scheme() == VAT_SCHEME)
            .map(OrgIdentifier::value)
    }

    /// An identifier in `scheme`, if recorded.
    pub fn identifier(&self, scheme: &str) -> Option<&OrgIdentifier> {
        self.identifiers.iter().find(|i| i.scheme() == scheme)
    }

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
        assert!(OrgIdentifier::parse("GB-LAE", "XYZ")
            .unwrap_err()
            .message
            .contains("register code"));
        for (scheme, good, bad) in [
            ("GB-NHS", "RQM", "1QM"),
            ("GB-EDU", "100000", "10000A"),
            ("GB-SHPE", "L4517", "X4517"),
            ("GB-SHPE", "LH0032", "LH003"),
            ("GB-COH", "SC123456", "S1234567"),
            ("GB-COH", "01234567", "0123456"),
            ("GB-PPON", "PABC-1234-DEFG", "PABC-12X4-DEFG"),
            ("ONS-GSS", "E09000001", "X09000001"),
        ] {
            assert!(OrgIdentifier::parse(scheme, good).is_ok(), "{scheme} {good}");
            assert_eq!(
                OrgIdentifier::parse(scheme, bad).unwrap_err().field,
                "identifier",
                "{scheme} {bad}"
            );
        }
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
