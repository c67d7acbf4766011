//! Invoices and credit notes, and spend against call-offs and frameworks.

use super::{MoneyView, OrganisationRef, UnitPriceView};
use calloff_app::invoices::{CallOffSpend, FrameworkSpend, InvoiceView};
use calloff_domain::ids::{CallOffId, FrameworkId, InvoiceId, UserId};
use calloff_domain::invoice::{Invoice, InvoiceKind, InvoiceLine, InvoiceSource, InvoiceStatus, Mismatch};
use serde::Serialize;
use utoipa::ToSchema;

/// What a call-off is worth, what was invoiced against it and where it is heading.
#[derive(Serialize, ToSchema)]
pub struct CallOffSpendView {
    pub contract_value: MoneyView,
    /// Net of credit notes, without disputed invoices.
    pub invoiced: MoneyView,
    pub remaining: MoneyView,
    /// Once live: what will have been invoiced by the end of the term at the run rate so far.
    pub forecast: Option<MoneyView>,
}

impl From<&CallOffSpend> for CallOffSpendView {
    fn from(s: &CallOffSpend) -> Self {
        Self {
            contract_value: s.contract_value.into(),
            invoiced: s.invoiced.into(),
            remaining: s.remaining.into(),
            forecast: s.forecast.map(Into::into),
        }
    }
}

/// A framework's ceiling, what its call-offs commit, what was invoiced and what is left.
#[derive(Serialize, ToSchema)]
pub struct FrameworkSpendView {
    pub framework_id: FrameworkId,
    pub maximum_value: MoneyView,
    pub committed: MoneyView,
    /// Net of credit notes, without disputed invoices.
    pub invoiced: MoneyView,
    pub headroom: MoneyView,
    /// For the framework's manager and auditors only: spend by month, lot, kind of body and
    /// customer, and the headroom forecast.
    pub breakdown: Option<SpendBreakdownView>,
}

/// An amount under a key: a month (`YYYY-MM`), a lot, a kind of body, a customer or a cost centre.
#[derive(Serialize, ToSchema)]
pub struct KeyedAmount {
    pub key: String,
    pub label: String,
    pub net: MoneyView,
}

impl KeyedAmount {
    pub fn new(key: impl Into<String>, label: impl Into<String>, net: calloff_domain::money::Money) -> Self {
        Self {
            key: key.into(),
            label: label.into(),
            net: net.into(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SpendBreakdownView {
    pub by_month: Vec<KeyedAmount>,
    pub by_lot: Vec<KeyedAmount>,
    pub by_kind_of_body: Vec<KeyedAmount>,
    /// The largest customers by net invoiced.
    pub top_customers: Vec<KeyedAmount>,
    /// Committed by the end of each month in which call-offs were placed.
    pub committed_by_month: Vec<KeyedAmount>,
    pub monthly_commitment_rate: Option<MoneyView>,
    /// The first day of the month the ceiling would be reached at that rate.
    #[schema(format = Date)]
    pub ceiling_reached_by: Option<String>,
    pub returns_submitted: usize,
    pub returns_submitted_late: usize,
    pub returns_no_business: usize,
    /// Open and past their due date.
    pub returns_late: usize,
    pub returns_due: usize,
    /// The management charge raised by each month's returns.
    pub levy_by_month: Vec<KeyedAmount>,
}

impl From<&calloff_app::spend::FrameworkReport> for SpendBreakdownView {
    fn from(r: &calloff_app::spend::FrameworkReport) -> Self {
        Self {
            by_month: r.by_month.iter().map(|(m, v)| KeyedAmount::new(m, m, *v)).collect(),
            by_lot: r
                .by_lot
                .iter()
                .map(|(n, t, v)| KeyedAmount::new(n.to_string(), t, *v))
                .collect(),
            by_kind_of_body: r
                .by_kind
                .iter()
                .map(|(k, v)| KeyedAmount::new(k.as_str(), k.label(), *v))
                .collect(),
            top_customers: r
                .top_customers
                .iter()
                .map(|c| KeyedAmount::new(c.id.to_string(), &c.name, c.net))
                .collect(),
            committed_by_month: r
                .burn_down
                .committed
                .iter()
                .map(|(m, v)| KeyedAmount::new(m, m, *v))
                .collect(),
            monthly_commitment_rate: r.burn_down.monthly_rate.map(Into::into),
            ceiling_reached_by: r.burn_down.ceiling_reached.map(|d| d.to_string()),
            returns_submitted: r.returns.submitted,
            returns_submitted_late: r.returns.submitted_late,
            returns_no_business: r.returns.no_business,
            returns_late: r.returns.late,
            returns_due: r.returns.due,
            levy_by_month: r
                .levy_by_month
                .iter()
                .map(|(m, v)| KeyedAmount::new(m, m, *v))
                .collect(),
        }
    }
}

/// A buying organisation's own spend and running contracts.
#[derive(Serialize, ToSchema)]
pub struct OrganisationSpendView {
    pub invoiced: MoneyView,
    pub by_month: Vec<KeyedAmount>,
    pub by_lot: Vec<KeyedAmount>,
    pub by_cost_centre: Vec<KeyedAmount>,
    pub contracts: Vec<ContractView>,
}

#[derive(Serialize, ToSchema)]
pub struct ContractView {
    pub call_off_id: CallOffId,
    pub reference: String,
    pub state: String,
    pub supplier: String,
    pub value: MoneyView,
    #[schema(format = Date)]
    pub live_on: Option<String>,
    #[schema(format = Date)]
    pub ends_on: Option<String>,
    /// Ends within 90 days.
    pub renewal_due: bool,
}

impl From<&calloff_app::spend::OrganisationReport> for OrganisationSpendView {
    fn from(r: &calloff_app::spend::OrganisationReport) -> Self {
        Self {
            invoiced: r.invoiced.into(),
            by_month: r.by_month.iter().map(|(m, v)| KeyedAmount::new(m, m, *v)).collect(),
            by_lot: r
                .by_lot
                .iter()
                .map(|(n, v)| KeyedAmount::new(n.to_string(), format!("Lot {n}"), *v))
                .collect(),
            by_cost_centre: r
                .by_cost_centre
                .iter()
                .map(|(c, v)| KeyedAmount::new(c, c, *v))
                .collect(),
            contracts: r
                .contracts
                .iter()
                .map(|e| ContractView {
                    call_off_id: e.contract.id.clone(),
                    reference: e.contract.reference.clone(),
                    state: e.contract.state.clone(),
                    supplier: e.contract.supplier.clone(),
                    value: e.contract.value.into(),
                    live_on: e.contract.live_on.clone(),
                    ends_on: e.contract.ends_on.clone(),
                    renewal_due: e.renewal_due,
                })
                .collect(),
        }
    }
}

impl FrameworkSpendView {
    pub fn new(framework_id: FrameworkId, s: &FrameworkSpend) -> Self {
        Self {
            framework_id,
            maximum_value: s.maximum.into(),
            committed: s.committed.into(),
            invoiced: s.invoiced.into(),
            headroom: s.headroom.into(),
            breakdown: None,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct InvoicePeriodView {
    #[schema(format = Date)]
    pub start: String,
    #[schema(format = Date)]
    pub end: String,
}

#[derive(Serialize, ToSchema)]
pub struct InvoiceLineView {
    /// The call-off line it charges, from 1.
    pub call_off_line: u32,
    pub sku: String,
    pub name: String,
    pub lot: u32,
    pub cpv: String,
    /// Units charged: months × quantity for a monthly line, the quantity for a one-off, use for
    /// a metered line.
    pub quantity: i64,
    pub unit_price: UnitPriceView,
    pub value: MoneyView,
    pub period: Option<InvoicePeriodView>,
}

impl From<&InvoiceLine> for InvoiceLineView {
    fn from(l: &InvoiceLine) -> Self {
        Self {
            call_off_line: l.call_off_line,
            sku: l.sku.clone(),
            name: l.name.clone(),
            lot: l.lot_number,
            cpv: l.cpv.clone(),
            quantity: l.quantity,
            unit_price: l.unit_price.into(),
            value: l.value.into(),
            period: l.period.map(|p| InvoicePeriodView {
                start: p.start.to_string(),
                end: p.end.to_string(),
            }),
        }
    }
}

/// An invoice or credit note, as matched with its call-off.
#[derive(Serialize, ToSchema)]
pub struct InvoiceDetail {
    pub id: InvoiceId,
    pub kind: InvoiceKind,
    pub number: String,
    pub call_off_id: CallOffId,
    pub call_off_reference: String,
    pub framework_id: FrameworkId,
    pub buyer: OrganisationRef,
    pub supplier: OrganisationRef,
    #[schema(format = Date)]
    pub issue_date: String,
    /// For a credit note: the number of the invoice it credits.
    pub credits: Option<String>,
    pub lines: Vec<InvoiceLineView>,
    pub net: MoneyView,
    /// VAT at the standard rate on the sum of the lines.
    pub vat: MoneyView,
    pub gross: MoneyView,
    pub status: InvoiceStatus,
    /// Why it is held: each line that does not match the call-off, and how.
    pub mismatches: Vec<Mismatch>,
    pub source: InvoiceSource,
    pub received_by: UserId,
    #[schema(format = DateTime)]
    pub received_at: String,
    pub decided_by: Option<UserId>,
    #[schema(format = DateTime)]
    pub decided_at: Option<String>,
    pub dispute_reason: Option<String>,
    /// The viewer may approve, accept or dispute it now.
    pub you_may_decide: bool,
    /// Where to fetch it as PEPPOL BIS Billing 3.0 UBL.
    pub ubl_url: String,
}

impl From<&InvoiceView> for InvoiceDetail {
    fn from(v: &InvoiceView) -> Self {
        let mut detail = InvoiceDetail::of(&v.invoice);
        detail.buyer.name.clone_from(&v.buyer_name);
        detail.supplier.name.clone_from(&v.supplier_name);
        detail.you_may_decide = v.you_may_decide;
        detail
    }
}

impl InvoiceDetail {
    /// The invoice without its parties' names or what the viewer may do.
    pub fn of(i: &Invoice) -> Self {
        Self {
            id: i.id.clone(),
            kind: i.kind,
            number: i.number.as_str().to_string(),
            call_off_id: i.call_off_id.clone(),
            call_off_reference: i.call_off_reference.clone(),
            framework_id: i.framework_id.clone(),
            buyer: OrganisationRef {
                id: i.buyer_id.clone(),
                name: String::new(),
            },
            supplier: OrganisationRef {
                id: i.supplier_id.clone(),
                name: String::new(),
            },
            issue_date: i.issue_date.to_string(),
            credits: i.credits.clone(),
            lines: i.lines.iter().map(Into::into).collect(),
            net: i.totals.net.into(),
            vat: i.totals.vat.into(),
            gross: i.totals.gross.into(),
            status: i.status,
            mismatches: i.mismatches.clone(),
            source: i.source,
            received_by: i.received_by.clone(),
            received_at: i.received_at.clone(),
            decided_by: i.decided_by.clone(),
            decided_at: i.decided_at.clone(),
            dispute_reason: i.dispute_reason.clone(),
            you_may_decide: false,
            ubl_url: format!("/api/v1/invoices/{}/ubl", i.id),
        }
    }
}

/// A call-off's invoices and credit notes, newest first, with its spend.
#[derive(Serialize, ToSchema)]
pub struct InvoiceList {
    pub call_off_id: CallOffId,
    pub spend: CallOffSpendView,
    pub invoices: Vec<InvoiceDetail>,
}
