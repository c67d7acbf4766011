//! MI returns, their rows and versions, and the management charge they raise.

use super::{MoneyView, OrganisationRef, UnitPriceView};
use calloff_app::returns::VersionRecord;
use calloff_app::returns::{LevyMonth, ReturnSummary, ReturnView};
use calloff_domain::ids::{FrameworkId, ReturnId, UserId};
use calloff_domain::levy::LevyRule;
use calloff_domain::mi_return::{ReturnRow, ReturnStanding, ReturnTotals, VersionKind};
use serde::Serialize;
use utoipa::ToSchema;

/// A return's rows summed.
#[derive(Serialize, ToSchema)]
pub struct ReturnTotalsView {
    pub rows: i64,
    /// Net of credit notes.
    pub value: MoneyView,
    pub vat: MoneyView,
    /// The management charge: the sum of each row's charge, each rounded once.
    pub charge: MoneyView,
}

impl From<ReturnTotals> for ReturnTotalsView {
    fn from(t: ReturnTotals) -> Self {
        Self {
            rows: t.rows,
            value: t.value.into(),
            vat: t.vat.into(),
            charge: t.charge.into(),
        }
    }
}

/// A return in a list.
#[derive(Serialize, ToSchema)]
pub struct ReturnSummaryView {
    pub id: ReturnId,
    /// Like `LON-ICT-2025-MI-2026-11-ZZ000001`; the buyer reference of its charge documents.
    pub reference: String,
    pub framework_id: FrameworkId,
    pub supplier: OrganisationRef,
    /// `YYYY-MM`.
    #[schema(example = "2026-11")]
    pub month: String,
    /// The 5th working day after the month ends (England and Wales bank holidays skipped).
    #[schema(format = Date)]
    pub due_on: String,
    pub status: ReturnStanding,
    /// First submitted (or declared) after its due date.
    pub submitted_late: bool,
    /// The current version; 0 while open.
    pub version: i64,
    /// The current version's totals, once submitted.
    pub totals: Option<ReturnTotalsView>,
}

impl From<&ReturnSummary> for ReturnSummaryView {
    fn from(s: &ReturnSummary) -> Self {
        Self {
            id: s.record.id.clone(),
            reference: s.record.reference.clone(),
            framework_id: s.record.framework_id.clone(),
            supplier: OrganisationRef {
                id: s.record.supplier_id.clone(),
                name: s.supplier_name.clone(),
            },
            month: s.record.month.to_string(),
            due_on: s.record.due_on.to_string(),
            status: s.standing,
            submitted_late: s.submitted_late,
            version: s.record.version,
            totals: s.totals.map(Into::into),
        }
    }
}

/// A framework's MI returns, late ones first.
#[derive(Serialize, ToSchema)]
pub struct ReturnList {
    pub framework_id: FrameworkId,
    pub returns: Vec<ReturnSummaryView>,
}

/// The customer on a row.
#[derive(Serialize, ToSchema)]
pub struct ReturnCustomerView {
    pub name: String,
    /// Org-id, like `GB-LAE-CMD`.
    pub org_id: String,
    /// Kind of body, like `local_authority`.
    pub kind: String,
    /// `central_government` or `wider_public_sector`.
    pub sector: String,
}

/// One row: one invoice or credit-note line. Credit-note rows are negative.
#[derive(Serialize, ToSchema)]
pub struct ReturnRowView {
    /// From 1; pass the last one shown as `after` for the next page.
    pub row_number: i64,
    pub invoice_id: String,
    pub invoice_number: String,
    /// `invoice` or `credit_note`.
    pub invoice_kind: String,
    pub call_off_reference: String,
    pub customer: ReturnCustomerView,
    pub lot_number: u32,
    pub sku: String,
    pub cpv: String,
    pub quantity: i64,
    pub unit_price: UnitPriceView,
    pub value: MoneyView,
    /// The line's share of its invoice's VAT.
    pub vat: MoneyView,
    pub charge: MoneyView,
    pub rate_basis_points: i64,
}

impl ReturnRowView {
    fn of(row_number: i64, r: &ReturnRow) -> Self {
        Self {
            row_number,
            invoice_id: r.invoice_id.clone(),
            invoice_number: r.invoice_number.clone(),
            invoice_kind: r.invoice_kind.clone(),
            call_off_reference: r.call_off_reference.clone(),
            customer: ReturnCustomerView {
                name: r.customer_name.clone(),
                org_id: r.customer_org_id.clone(),
                kind: r.customer_kind.clone(),
                sector: r.sector.clone(),
            },
            lot_number: r.lot_number,
            sku: r.sku.clone(),
            cpv: r.cpv.clone(),
            quantity: r.quantity,
            unit_price: r.unit_price.into(),
            value: r.value.into(),
            vat: r.vat.into(),
            charge: r.charge.into(),
            rate_basis_points: r.rate_bp,
        }
    }
}

/// The charge document a version raised.
#[derive(Serialize, ToSchema)]
pub struct LevyDocumentView {
    /// `invoice` (a charge or an increase) or `credit_note` (a decrease).
    pub kind: String,
    pub number: String,
    /// Where to fetch it as PEPPOL BIS Billing 3.0 UBL.
    pub ubl_url: String,
}

/// One submitted version of a return.
#[derive(Serialize, ToSchema)]
pub struct ReturnVersionView {
    pub version: i64,
    pub kind: VersionKind,
    pub submitted_by: UserId,
    #[schema(format = DateTime)]
    pub submitted_at: String,
    pub totals: ReturnTotalsView,
    /// Its charge less the version before's: what it raised.
    pub charge_difference: MoneyView,
    /// The levy rule it was charged by (its first day).
    #[schema(format = Date)]
    pub levy_rule_from: Option<String>,
    pub levy_document: Option<LevyDocumentView>,
}

impl ReturnVersionView {
    pub fn of(id: &ReturnId, v: &VersionRecord) -> Self {
        Self {
            version: v.version,
            kind: v.kind,
            submitted_by: v.submitted_by.clone(),
            submitted_at: v.submitted_at.clone(),
            totals: v.totals.into(),
            charge_difference: v.charge_difference.into(),
            levy_rule_from: v.levy_rule_from.map(|d| d.to_string()),
            levy_document: v.levy_document.as_ref().map(|(kind, number)| LevyDocumentView {
                kind: kind.clone(),
                number: number.clone(),
                ubl_url: format!("/api/v1/returns/{id}/levy-invoice?version={}", v.version),
            }),
        }
    }
}

/// What a correction submitted now would hold.
#[derive(Serialize, ToSchema)]
pub struct CorrectionView {
    pub totals: ReturnTotalsView,
    /// The charge it would raise (an increase) or credit (a decrease).
    pub charge_difference: MoneyView,
}

/// The levy rule in force on the return's month.
#[derive(Serialize, ToSchema)]
pub struct LevyRuleView {
    #[schema(format = Date)]
    pub effective_from: String,
    /// `flat`, `per_lot` or `per_sector`.
    pub basis: String,
    /// In words, like "by lot: lot 1 1%, lot 2 1.5%".
    pub description: String,
}

impl From<&LevyRule> for LevyRuleView {
    fn from(r: &LevyRule) -> Self {
        Self {
            effective_from: r.effective_from.to_string(),
            basis: r.rates.basis().to_string(),
            description: r.describe(),
        }
    }
}

/// One return with a page of its rows.
#[derive(Serialize, ToSchema)]
pub struct ReturnDetail {
    #[serde(flatten)]
    pub summary: ReturnSummaryView,
    pub framework_reference: String,
    /// The version whose rows are shown; 0 for the rows as they stand (an open return).
    pub shown_version: i64,
    pub rows: Vec<ReturnRowView>,
    /// Pass as `after` for the next page; absent on the last.
    pub next_after: Option<i64>,
    /// Totals of the version shown (every row, not only this page).
    pub shown_totals: ReturnTotalsView,
    pub levy_rule: Option<LevyRuleView>,
    pub versions: Vec<ReturnVersionView>,
    /// For a submitted return whose invoices changed since: what a correction would hold.
    pub correction: Option<CorrectionView>,
    pub you_may_submit: bool,
    pub you_may_declare_no_business: bool,
    pub you_may_correct: bool,
}

impl From<&ReturnView> for ReturnDetail {
    fn from(v: &ReturnView) -> Self {
        let current = v.versions.last().map(|c| c.totals);
        Self {
            summary: ReturnSummaryView {
                id: v.record.id.clone(),
                reference: v.record.reference.clone(),
                framework_id: v.record.framework_id.clone(),
                supplier: OrganisationRef {
                    id: v.record.supplier_id.clone(),
                    name: v.supplier_name.clone(),
                },
                month: v.record.month.to_string(),
                due_on: v.record.due_on.to_string(),
                status: v.standing,
                submitted_late: v.submitted_late,
                version: v.record.version,
                totals: current.map(Into::into),
            },
            framework_reference: v.framework_reference.clone(),
            shown_version: v.version,
            rows: v
                .rows
                .iter()
                .zip(v.first_row..)
                .map(|(r, n)| ReturnRowView::of(n, r))
                .collect(),
            next_after: v.next_after,
            shown_totals: v.totals.into(),
            levy_rule: v.rule.as_ref().map(Into::into),
            versions: v
                .versions
                .iter()
                .map(|x| ReturnVersionView::of(&v.record.id, x))
                .collect(),
            correction: v.correction.map(|c| CorrectionView {
                totals: c.totals.into(),
                charge_difference: c.charge_difference.into(),
            }),
            you_may_submit: v.you_may_submit,
            you_may_declare_no_business: v.you_may_declare_no_business,
            you_may_correct: v.you_may_correct,
        }
    }
}

/// The management charge raised in one month across a framework's returns.
#[derive(Serialize, ToSchema)]
pub struct LevyMonthView {
    #[schema(example = "2026-11")]
    pub month: String,
    pub charged: MoneyView,
    pub returns: i64,
}

impl From<&LevyMonth> for LevyMonthView {
    fn from(m: &LevyMonth) -> Self {
        Self {
            month: m.month.to_string(),
            charged: m.charged.into(),
            returns: m.returns,
        }
    }
}

/// The levy rules, earliest first, and the levy raised by month, newest first.
#[derive(Serialize, ToSchema)]
pub struct LevyByMonth {
    pub framework_id: FrameworkId,
    pub rules: Vec<LevyRuleView>,
    pub months: Vec<LevyMonthView>,
}

/// What an uploaded MI file made: the return's new version.
#[derive(Serialize, ToSchema)]
pub struct MiImportView {
    pub return_id: ReturnId,
    /// Like `LON-ICT-2025-MI-2026-11-ZZ000001`.
    pub reference: String,
    /// The file's rows, all of them valid and reconciled.
    pub rows: i64,
    /// The same file had been imported before: nothing new was made, and this is what it made.
    pub already_imported: bool,
    /// Rows an earlier, interrupted upload of the same file had already staged.
    pub resumed_after: i64,
    pub version: ReturnVersionView,
}

/// A dated management charge rule to add: `basis` says which rates apply.
#[derive(serde::Deserialize, ToSchema)]
#[schema(as = NewLevyRule)]
pub struct NewLevyRuleBody {
    /// The first day of a month not yet ended, like `2027-01-01`.
    #[schema(format = Date)]
    pub effective_from: String,
    /// `flat`, `per_lot` or `per_sector`.
    pub basis: String,
    /// Flat only: the rate in basis points (100 = 1%), 0 to 10,000.
    pub rate_bp: Option<i64>,
    /// Per lot only: the rate in basis points for every lot, by lot number, like `{"1": 100, "2": 150}`.
    pub lot_rates_bp: Option<std::collections::BTreeMap<String, i64>>,
    /// Per sector only: the rate for central government bodies (NHS, academy trusts).
    pub central_government_bp: Option<i64>,
    /// Per sector only: the rate for the wider public sector.
    pub wider_public_sector_bp: Option<i64>,
}
