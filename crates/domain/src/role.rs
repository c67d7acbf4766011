use crate::FieldError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Buyer,
    Approver,
    OrganisationAdmin,
    FrameworkManager,
    SupplierUser,
    Auditor,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Self::Buyer,
        Self::Approver,
        Self::OrganisationAdmin,
        Self::FrameworkManager,
        Self::SupplierUser,
        Self::Auditor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Buyer => "buyer",
            Self::Approver => "approver",
            Self::OrganisationAdmin => "organisation_admin",
            Self::FrameworkManager => "framework_manager",
            Self::SupplierUser => "supplier_user",
            Self::Auditor => "auditor",
        }
    }

    /// Whoever runs a framework or an organisation's people signs in with a second factor.
    pub fn requires_two_factor(self) -> bool {
        matches!(self, Self::FrameworkManager | Self::OrganisationAdmin)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Buyer => "Buyer",
            Self::Approver => "Approver",
            Self::OrganisationAdmin => "Organisation admin",
            Self::FrameworkManager => "Framework manager",
            Self::SupplierUser => "Supplier user",
            Self::Auditor => "Auditor",
        }
    }

    /// A list of roles as a client sent it under `field`: every unknown or repeated role is
    /// reported, as `{field}[i]`.
    pub fn parse_list(field: &str, values: &[String]) -> Result<Vec<Self>, Vec<FieldError>> {
        let mut roles = Vec::new();
        let mut errors = Vec::new();
        for (i, value) in values.iter().enumerate() {
            match Self::parse(value) {
                Ok(role) if roles.contains(&role) => errors.push(FieldError::new(
                    format!("{field}[{i}]"),
                    format!("\"{value}\" is listed twice"),
                )),
                Ok(role) => roles.push(role),
                Err(e) => errors.push(e.at(format!("{field}[{i}]"))),
            }
        }
        if errors.is_empty() {
            Ok(roles)
        } else {
            Err(errors)
        }
    }

    pub fn parse(value: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == value)
            .ok_or_else(|| FieldError::new("role", format!("unknown role \"{value}\"")))
    }
}
