//! Identifiers are UUIDv7 strings: sortable by creation time and portable as `TEXT`.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($($name:ident),* $(,)?) => {$(
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn generate() -> Self {
                Self(uuid::Uuid::now_v7().to_string())
            }
            /// Wraps an id read from the database or a URL; unknown ids simply match nothing.
            pub fn from_stored(value: impl Into<String>) -> Self {
                Self(value.into())
            }
            /// An id as a client sent it, if it is shaped like one (a hyphenated UUID).
            pub fn parse(value: &str) -> Option<Self> {
                is_id(value).then(|| Self(value.to_string()))
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    )*};
}

/// Whether `value` is shaped like an id: a hyphenated UUID, as [`uuid::Uuid`] writes one.
pub fn is_id(value: &str) -> bool {
    value.len() == 36 && uuid::Uuid::try_parse(value).is_ok()
}

id_type!(
    FrameworkId,
    LotId,
    OrganisationId,
    ItemId,
    CallOffId,
    UserId,
    ProposalId,
    InvoiceId,
    ReturnId,
    SavedQuoteId
);
