//! PEPPOL BIS Billing 3.0 invoices and credit notes (UBL 2.1 XML), written and read.
//!
//! [`write`] refuses a [`Document`] that would break a fatal BIS 3.0.19 rule we can check without
//! the schematron, and names each element at fault; [`parse`] reads either root back into the same
//! `Document` and refuses what this platform cannot take (another currency, allowances, totals
//! that do not add up). What is written reads back equal; the tests check every written document
//! with the official XSD and both schematrons (`../shared/tools/validate-ubl`).
//!
//! Identifier schemes (from the code lists in `standards/peppol-bis-billing-3.0.19`):
//! - An endpoint (BT-34, BT-49) needs an EAS scheme (PEPPOL-EN16931-CL008). A UK supplier or body
//!   is addressed by its VAT number, [`EAS_UK_VAT`] (`9932`); `0088` is a GS1 GLN (13 digits with a
//!   check digit), never a Companies House number.
//! - A Companies House number (BT-30, `PartyLegalEntity/CompanyID`) and an org-id such as
//!   `GB-LAC-E09000001` (BT-29/BT-46, `PartyIdentification/ID`) have no ISO 6523 ICD in the
//!   list, so they are written without a `schemeID` (it is optional there); a scheme, when given,
//!   must be an ICD (BR-CL-10, BR-CL-11).

mod amounts;
mod codes;
mod parse;
mod write;

pub use amounts::{line_value, unit_code, vat_breakdown, Totals, VatSubtotal};
pub use parse::parse;
pub use write::write;

use calloff_domain::money::{Money, UnitPrice};
use chrono::NaiveDate;
use std::fmt;

/// The only document currency (BT-5): the platform's money is pence.
pub const CURRENCY: &str = "GBP";
/// BT-24, the specification identifier (PEPPOL-EN16931-R004).
pub const CUSTOMIZATION_ID: &str = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0";
/// BT-23, the business process: billing (PEPPOL-EN16931-R007).
pub const PROFILE_ID: &str = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0";
/// EAS scheme for a United Kingdom VAT number as an electronic address.
pub const EAS_UK_VAT: &str = "9932";
/// EAS (and ICD) scheme for a GS1 Global Location Number.
pub const EAS_GLN: &str = "0088";
/// UNTDID 7143 list for CPV codes in `CommodityClassification` (BT-158).
pub const CPV_LIST_ID: &str = "STI";
/// Largest document read: an invoice of 10,000 lines is well under this.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;
/// Most lines in one document, read or written: far above any call-off's invoice.
pub const MAX_LINES: usize = 10_000;
/// Most units one line may charge, either sign (a trillion minutes is beyond any body's month).
pub const MAX_QUANTITY: i64 = 1_000_000_000_000;
/// Largest line amount, in pence (£100bn): sums of `MAX_LINES` such lines, and their VAT, stay
/// well inside `i64`.
pub const MAX_LINE_PENCE: i64 = 10_000_000_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocumentKind {
    /// Root `Invoice`, type code 380.
    Invoice,
    /// Root `CreditNote`, type code 381.
    CreditNote,
}

impl DocumentKind {
    /// The root element's name, which starts every error path.
    pub fn root(self) -> &'static str {
        match self {
            Self::Invoice => "Invoice",
            Self::CreditNote => "CreditNote",
        }
    }

    fn namespace(self) -> &'static str {
        match self {
            Self::Invoice => "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
            Self::CreditNote => "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
        }
    }

    fn type_code_element(self) -> &'static str {
        match self {
            Self::Invoice => "InvoiceTypeCode",
            Self::CreditNote => "CreditNoteTypeCode",
        }
    }

    fn type_code(self) -> &'static str {
        match self {
            Self::Invoice => "380",
            Self::CreditNote => "381",
        }
    }

    fn line_element(self) -> &'static str {
        match self {
            Self::Invoice => "InvoiceLine",
            Self::CreditNote => "CreditNoteLine",
        }
    }

    fn quantity_element(self) -> &'static str {
        match self {
            Self::Invoice => "InvoicedQuantity",
            Self::CreditNote => "CreditedQuantity",
        }
    }
}

/// An invoice or credit note in GBP ([`CURRENCY`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub kind: DocumentKind,
    /// BT-1.
    pub number: String,
    /// BT-2.
    pub issue_date: NaiveDate,
    /// BT-9: `cbc:DueDate` on an invoice, `cac:PaymentMeans/cbc:PaymentDueDate` on a credit note.
    pub due_date: Option<NaiveDate>,
    /// BT-10; this or `order_reference` is required (PEPPOL-EN16931-R003).
    pub buyer_reference: Option<String>,
    /// BT-13, the purchase order (call-off) reference.
    pub order_reference: Option<String>,
    /// BT-25, the invoice a credit note credits.
    pub credited_invoice: Option<String>,
    /// BT-20.
    pub payment_terms: Option<String>,
    /// BT-22 (at most one, PEPPOL-EN16931-R002).
    pub note: Option<String>,
    pub seller: Party,
    pub buyer: Party,
    pub lines: Vec<Line>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    /// Legal name, `PartyLegalEntity/RegistrationName` (BT-27, BT-44).
    pub name: String,
    /// `PartyName/Name` (BT-28, BT-45).
    pub trading_name: Option<String>,
    /// `EndpointID` (BT-34, BT-49).
    pub endpoint: Endpoint,
    /// `PartyIdentification/ID` (BT-29, BT-46), e.g. an org-id for a public body.
    pub identifier: Option<Identifier>,
    /// `PartyLegalEntity/CompanyID` (BT-30, BT-47), e.g. a Companies House number.
    pub legal_id: Option<Identifier>,
    /// `PartyTaxScheme/CompanyID` with scheme VAT (BT-31, BT-48), prefixed by the country: "GB…".
    pub vat_number: Option<String>,
    pub address: Address,
    /// `Contact/ElectronicMail` (BT-43, BT-58).
    pub contact_email: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// An EAS code, e.g. [`EAS_UK_VAT`].
    pub scheme: String,
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identifier {
    /// An ISO 6523 ICD code, or none when the identifier has no ICD.
    pub scheme: Option<String>,
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub street: Option<String>,
    pub additional_street: Option<String>,
    pub city: Option<String>,
    pub postcode: Option<String>,
    /// ISO 3166-1 alpha-2, e.g. "GB".
    pub country: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// BT-126.
    pub id: String,
    /// `OrderLineReference/LineID` (BT-132).
    pub order_line: Option<String>,
    /// `SellersItemIdentification/ID` (BT-155).
    pub sku: Option<String>,
    /// BT-153.
    pub name: String,
    /// BT-154.
    pub description: Option<String>,
    /// A CPV code, `CommodityClassification/ItemClassificationCode[@listID="STI"]` (BT-158).
    pub cpv: Option<String>,
    /// BT-129. Never negative on an invoice.
    pub quantity: i64,
    /// UN/ECE Recommendation 20 (BT-130), e.g. "C62" (one), "MON" (month), "MIN" (minute).
    pub unit_code: String,
    /// BT-146, excluding VAT.
    pub unit_price: UnitPrice,
    /// BT-131: `quantity × unit_price`, rounded half-up to the penny once.
    pub value: Money,
    /// BG-26.
    pub period: Option<Period>,
    pub vat: VatCategory,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

/// The line's VAT category (BT-151) and rate (BT-152).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum VatCategory {
    /// "S" at a rate above zero (BR-S-05): UK rates are whole percentages.
    Standard { percent: u8 },
    /// "Z", at 0%.
    ZeroRated,
    /// "E", at 0%, with the reason (BT-120). Every exempt line of a document shares one reason,
    /// because the document has one exempt VAT breakdown (BR-E-08).
    Exempt { reason: String },
}

impl VatCategory {
    /// UNCL5305 code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Standard { .. } => "S",
            Self::ZeroRated => "Z",
            Self::Exempt { .. } => "E",
        }
    }

    pub fn percent(&self) -> u8 {
        match self {
            Self::Standard { percent } => *percent,
            Self::ZeroRated | Self::Exempt { .. } => 0,
        }
    }
}

/// What is wrong with a document, and where: an XPath-like path from the root
/// (`Invoice/cac:InvoiceLine[2]/cbc:InvoicedQuantity`) or, for a rule about the whole
/// document, the BIS rule id (`PEPPOL-EN16931-R003`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UblError {
    pub element: String,
    pub message: String,
}

impl UblError {
    pub fn new(element: impl Into<String>, message: impl Into<String>) -> Self {
        UblError {
            element: element.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for UblError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.element, self.message)
    }
}

impl std::error::Error for UblError {}
