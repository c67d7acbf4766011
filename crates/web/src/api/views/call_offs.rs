//! Priced lines, quotes, call-offs, their approvals and variations.

use super::{MoneyView, OrganisationView, PersonRef};
use calloff_app::approvals::{Awaiting, Decided, RequestView};
use calloff_app::quotes::Quote;
use calloff_app::variations::VariationOutcome;
use calloff_domain::approval::{ApprovalKind, ApprovalRules, ApprovalStatus, CostCentre, Decision};
use calloff_domain::call_off::{CallOffState, MonthlyUsage, PricedLine, Quantity, TermMonths, Totals};
use calloff_domain::catalogue::{CpvCode, Sku, Unit};
use calloff_domain::ids::{CallOffId, FrameworkId, ItemId, OrganisationId, UserId};
use calloff_domain::order::{Contact, OrderDetails, Person};
use calloff_domain::pricing::PriceBasis;
use calloff_domain::route_to_market::{Advice, Route};
use serde::Serialize;
use utoipa::ToSchema;

/// The next demand band across the framework, how many more units must be bought to reach it,
/// and its price.
#[derive(Serialize, ToSchema)]
pub struct NextBandView {
    pub from: u64,
    pub more_needed: u64,
    pub unit_price_micros: i64,
    pub unit_price_display: String,
}

#[derive(Serialize, ToSchema)]
pub struct LineView {
    pub item_id: ItemId,
    pub lot: u32,
    pub sku: Sku,
    pub name: String,
    pub description: String,
    pub unit: Unit,
    pub unit_price_micros: i64,
    pub unit_price_display: String,
    pub cpv: CpvCode,
    pub quantity: Quantity,
    pub term_months: TermMonths,
    pub monthly_usage: Option<MonthlyUsage>,
    pub value: MoneyView,
    pub list_price_micros: Option<i64>,
    /// The line at the list price.
    pub list_value: Option<MoneyView>,
    /// Saved against the list price.
    pub saving: Option<MoneyView>,
    /// Why the line pays its unit price.
    pub price_basis: PriceBasis,
    /// The catalogue price a tier or band replaced.
    pub catalogue_price_micros: Option<i64>,
    /// The line at the catalogue price.
    pub catalogue_value: Option<MoneyView>,
    pub volume_saving: Option<MoneyView>,
    /// On quotes: the next demand band.
    pub next_band: Option<NextBandView>,
    /// The version of the catalogue item the line was priced from (none on old lines).
    pub item_version: Option<i64>,
}

impl From<&PricedLine> for LineView {
    fn from(l: &PricedLine) -> Self {
        Self {
            item_id: l.item_id.clone(),
            lot: l.lot_number,
            sku: l.sku.clone(),
            name: l.name.clone(),
            description: l.description.clone(),
            unit: l.unit,
            unit_price_micros: l.unit_price.micros(),
            unit_price_display: l.unit_price.to_string(),
            cpv: l.cpv.clone(),
            quantity: l.quantity,
            term_months: l.term_months,
            monthly_usage: l.monthly_usage,
            value: l.value.into(),
            list_price_micros: l.list_price.map(|p| p.micros()),
            list_value: l.list_value.map(Into::into),
            saving: l.saving().map(Into::into),
            price_basis: l.price_basis,
            catalogue_price_micros: l.catalogue_price.map(|p| p.micros()),
            catalogue_value: l.catalogue_value.map(Into::into),
            volume_saving: l.volume_saving().map(Into::into),
            next_band: l.next_band.map(|n| NextBandView {
                from: n.from,
                more_needed: n.more_needed,
                unit_price_micros: n.unit_price.micros(),
                unit_price_display: n.unit_price.to_string(),
            }),
            item_version: l.item_version,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TotalsView {
    pub contract_value: MoneyView,
    pub vat: MoneyView,
    pub total_inc_vat: MoneyView,
}

impl From<&Totals> for TotalsView {
    fn from(t: &Totals) -> Self {
        Self {
            contract_value: t.contract_value.into(),
            vat: t.vat.into(),
            total_inc_vat: t.total_inc_vat.into(),
        }
    }
}

/// Whether a direct award applies, and why.
#[derive(Serialize, ToSchema)]
pub struct RouteToMarketView {
    pub route: Route,
    pub reasons: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct QuoteView {
    pub framework_id: FrameworkId,
    pub supplier_id: OrganisationId,
    pub route_to_market: RouteToMarketView,
    pub lines: Vec<LineView>,
    pub totals: TotalsView,
}

impl QuoteView {
    pub fn new(q: &Quote, advice: &Advice) -> Self {
        Self {
            framework_id: q.framework_id.clone(),
            supplier_id: q.supplier_id.clone(),
            route_to_market: RouteToMarketView {
                route: advice.route,
                reasons: advice.reasons.clone(),
            },
            lines: q.lines.iter().map(Into::into).collect(),
            totals: (&q.totals).into(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct FrameworkRef {
    pub id: FrameworkId,
    pub reference: String,
    pub title: String,
}

/// A provisioning milestone.
#[derive(Serialize, ToSchema)]
pub struct MilestoneView {
    pub name: String,
    #[schema(format = Date)]
    pub done_on: String,
}

/// A variation applied to a call-off.
#[derive(Serialize, ToSchema)]
pub struct VariationRecord {
    pub number: i64,
    pub previous_value: MoneyView,
    pub new_value: MoneyView,
    pub original_value: MoneyView,
    /// Past the framework's modification limit.
    pub over_modification_limit: bool,
    #[schema(format = DateTime)]
    pub varied_at: String,
    /// Why the buyer varied it, if they said.
    pub reason: Option<String>,
}

/// A variation checked and priced but not made: what it would do.
#[derive(Serialize, ToSchema)]
pub struct VariationPreviewView {
    pub lines: Vec<LineView>,
    pub totals: TotalsView,
    /// The contract value now.
    pub previous_value: MoneyView,
    /// The value it was placed at, before any variation.
    pub original_value: MoneyView,
    /// The change against the current value, in basis points, signed (1000 = 10%).
    pub change_bp: i64,
    /// The change against the original value, in basis points, unsigned.
    pub cumulative_change_bp: i64,
    /// The framework's modification limit, in basis points of the original value.
    pub modification_limit_bp: i64,
    /// Past the modification limit: the variation may still be made, with a warning.
    pub over_modification_limit: bool,
    /// Approvers the buyer's rules ask for this increase (0: none, or the value falls).
    pub approvers_required: u32,
}

impl From<&calloff_app::variations::VariationPreview> for VariationPreviewView {
    fn from(p: &calloff_app::variations::VariationPreview) -> Self {
        Self {
            lines: p.lines.iter().map(Into::into).collect(),
            totals: (&p.totals).into(),
            previous_value: p.previous_value.into(),
            original_value: p.original_value.into(),
            change_bp: p.change_bp,
            cumulative_change_bp: p.cumulative_change_bp,
            modification_limit_bp: p.limit_bp,
            over_modification_limit: p.over_limit,
            approvers_required: p.approvers_required,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CallOffView {
    pub id: CallOffId,
    pub reference: String,
    pub state: CallOffState,
    pub framework: FrameworkRef,
    pub buyer: OrganisationView,
    pub supplier: OrganisationView,
    pub placed_by: UserId,
    pub lines: Vec<LineView>,
    pub totals: TotalsView,
    pub rejection_reason: Option<String>,
    #[schema(format = DateTime)]
    pub placed_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
    #[schema(format = Date)]
    pub live_on: Option<String>,
    #[schema(format = Date)]
    pub ends_on: Option<String>,
    pub milestones: Vec<MilestoneView>,
    pub cost_centre: Option<CostCentre>,
    /// Title, delivery, start date, purchase order and the buyer's contact; `null` on call-offs
    /// placed before these were asked for.
    pub order: Option<OrderView>,
    /// The supplier's contact: the supplier user who accepted it, once accepted.
    pub supplier_contact: Option<Person>,
    pub approvals: Vec<ApprovalRequestView>,
    pub variations: Vec<VariationRecord>,
    /// Contract value, invoiced to date, remaining and the forecast outturn.
    pub spend: super::CallOffSpendView,
    /// Set when it was terminated before its term was over.
    pub early_end: Option<EarlyEndView>,
    pub change_seq: i64,
}

/// What the order is, where and when it is delivered, and whom to contact.
#[derive(Serialize, ToSchema)]
pub struct OrderView {
    pub title: String,
    pub delivery_address: String,
    #[schema(format = Date)]
    pub starts_on: String,
    pub purchase_order: Option<String>,
    pub contact: Contact,
}

impl From<&OrderDetails> for OrderView {
    fn from(o: &OrderDetails) -> Self {
        OrderView {
            title: o.title.clone(),
            delivery_address: o.delivery_address.clone(),
            starts_on: o.starts_on.to_string(),
            purchase_order: o.purchase_order.clone(),
            contact: o.contact.clone(),
        }
    }
}

/// A call-off ended early: its value became what was due to the day it ended, and the rest
/// was released from the framework's and the lots' headroom.
#[derive(Serialize, ToSchema)]
pub struct EarlyEndView {
    #[schema(format = Date)]
    pub ends_on: String,
    pub previous_value: MoneyView,
    pub value: MoneyView,
    pub released: MoneyView,
}

impl From<&calloff_app::call_offs::CallOffView> for CallOffView {
    fn from(v: &calloff_app::call_offs::CallOffView) -> Self {
        let c = &v.call_off;
        Self {
            id: c.id.clone(),
            reference: c.reference.clone(),
            state: c.state,
            framework: FrameworkRef {
                id: c.framework_id.clone(),
                reference: v.framework_reference.clone(),
                title: v.framework_title.clone(),
            },
            buyer: (&v.buyer).into(),
            supplier: (&v.supplier).into(),
            placed_by: c.placed_by.clone(),
            lines: c.lines.iter().map(Into::into).collect(),
            totals: (&c.totals).into(),
            rejection_reason: c.rejection_reason.clone(),
            placed_at: c.placed_at.clone(),
            updated_at: c.updated_at.clone(),
            live_on: v.live_on.clone(),
            ends_on: v.ends_on.clone(),
            milestones: v
                .milestones
                .iter()
                .map(|m| MilestoneView {
                    name: m.name.clone(),
                    done_on: m.done_on.clone(),
                })
                .collect(),
            cost_centre: c.cost_centre.clone(),
            order: c.order.as_ref().map(Into::into),
            supplier_contact: c.supplier_contact.clone(),
            approvals: v.approvals.iter().map(Into::into).collect(),
            variations: v
                .variations
                .iter()
                .map(|x| VariationRecord {
                    number: x.number,
                    previous_value: x.previous_value.into(),
                    new_value: x.new_value.into(),
                    original_value: x.original_value.into(),
                    over_modification_limit: x.over_limit,
                    varied_at: x.varied_at.clone(),
                    reason: x.reason.clone(),
                })
                .collect(),
            spend: (&v.spend).into(),
            early_end: v.early_end.as_ref().map(|e| EarlyEndView {
                ends_on: e.ends_on.clone(),
                previous_value: e.previous_value.into(),
                value: e.value.into(),
                released: e.released.into(),
            }),
            change_seq: c.change_seq,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CallOffPage {
    pub call_offs: Vec<CallOffView>,
    /// `cursor` for the next page, if there is one.
    pub next_cursor: Option<String>,
}

/// What became of a variation.
#[derive(Serialize, ToSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum VariationOutcomeView {
    /// Applied now.
    Applied {
        number: i64,
        previous_value: MoneyView,
        original_value: MoneyView,
        cumulative_change_basis_points: i64,
        over_modification_limit: bool,
        /// Given past the framework's modification limit.
        warning: Option<String>,
    },
    /// The increase needs approval under the buyer's rules; its headroom is held meanwhile.
    AwaitingApproval {
        approval_request_id: String,
        increase: MoneyView,
        approvers_required: u32,
        #[schema(format = DateTime)]
        expires_at: String,
    },
}

impl From<&VariationOutcome> for VariationOutcomeView {
    fn from(outcome: &VariationOutcome) -> Self {
        match outcome {
            VariationOutcome::Applied(varied) => Self::Applied {
                number: varied.variation.number,
                previous_value: varied.variation.previous_value.into(),
                original_value: varied.variation.original_value.into(),
                cumulative_change_basis_points: varied.cumulative_change_bp,
                over_modification_limit: varied.variation.over_limit,
                warning: varied.warning(),
            },
            VariationOutcome::AwaitingApproval(request) => Self::AwaitingApproval {
                approval_request_id: request.id.clone(),
                increase: request.value.into(),
                approvers_required: request.approvers_required,
                expires_at: request.expires_at.clone(),
            },
        }
    }
}

/// A call-off just varied, with what became of the variation.
#[derive(Serialize, ToSchema)]
pub struct VariedCallOff {
    #[serde(flatten)]
    pub call_off: CallOffView,
    pub variation: VariationOutcomeView,
}

#[derive(Serialize, ToSchema)]
pub struct ApprovalDecisionView {
    pub approver: PersonRef,
    pub decision: Decision,
    pub comment: String,
    #[schema(format = DateTime)]
    pub decided_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct ApprovalRequestView {
    pub id: String,
    pub call_off_id: CallOffId,
    pub kind: ApprovalKind,
    pub value: MoneyView,
    pub approvers_required: u32,
    pub approvals_given: u32,
    pub status: ApprovalStatus,
    pub requested_by: UserId,
    #[schema(format = DateTime)]
    pub requested_at: String,
    #[schema(format = DateTime)]
    pub expires_at: String,
    #[schema(format = DateTime)]
    pub closed_at: Option<String>,
    pub decisions: Vec<ApprovalDecisionView>,
}

impl From<&RequestView> for ApprovalRequestView {
    fn from(v: &RequestView) -> Self {
        let r = &v.request;
        Self {
            id: r.id.clone(),
            call_off_id: r.call_off_id.clone(),
            kind: r.kind,
            value: r.value.into(),
            approvers_required: r.approvers_required,
            approvals_given: v.approvals_given(),
            status: r.status,
            requested_by: r.requested_by.clone(),
            requested_at: r.requested_at.clone(),
            expires_at: r.expires_at.clone(),
            closed_at: r.closed_at.clone(),
            decisions: v
                .decisions
                .iter()
                .map(|d| ApprovalDecisionView {
                    approver: PersonRef {
                        id: d.approver_id.clone(),
                        name: d.approver_name.clone(),
                    },
                    decision: d.decision,
                    comment: d.comment.clone(),
                    decided_at: d.decided_at.clone(),
                })
                .collect(),
        }
    }
}

/// The call-off a request is for.
#[derive(Serialize, ToSchema)]
pub struct CallOffToApprove {
    pub id: CallOffId,
    pub reference: String,
    pub contract_value: MoneyView,
    pub cost_centre: Option<CostCentre>,
}

/// A request awaiting approval, and whether the signed-in approver may decide it.
#[derive(Serialize, ToSchema)]
pub struct AwaitingApprovalView {
    #[serde(flatten)]
    pub request: ApprovalRequestView,
    pub call_off: CallOffToApprove,
    pub you_may_decide: bool,
    /// Why not, if not.
    pub why_not: Option<String>,
}

impl From<&Awaiting> for AwaitingApprovalView {
    fn from(a: &Awaiting) -> Self {
        Self {
            request: (&a.view).into(),
            call_off: CallOffToApprove {
                id: a.call_off.id.clone(),
                reference: a.call_off.reference.clone(),
                contract_value: a.call_off.totals.contract_value.into(),
                cost_centre: a.call_off.cost_centre.clone(),
            },
            you_may_decide: a.blocked.is_none(),
            why_not: a.blocked.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AwaitingApprovalList {
    pub approvals: Vec<AwaitingApprovalView>,
}

/// What an approver's decision did.
#[derive(Serialize, ToSchema)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ApprovalOutcome {
    /// Recorded; more approvals are needed.
    Recorded {
        approvals_given: u32,
        approvers_required: u32,
    },
    /// The last approval: the call-off is placed, or the variation applied.
    Approved,
    /// Returned to the buyer; the headroom is released.
    Returned,
}

impl From<Decided> for ApprovalOutcome {
    fn from(decided: Decided) -> Self {
        match decided {
            Decided::Recorded {
                approvals_given,
                approvers_required,
            } => Self::Recorded {
                approvals_given,
                approvers_required,
            },
            Decided::Approved(_) => Self::Approved,
            Decided::Returned => Self::Returned,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ThresholdView {
    pub from_value: MoneyView,
    pub approvers: u32,
}

#[derive(Serialize, ToSchema)]
pub struct ApprovalRulesView {
    pub thresholds: Vec<ThresholdView>,
    pub expiry_days: u32,
}

impl From<&ApprovalRules> for ApprovalRulesView {
    fn from(r: &ApprovalRules) -> Self {
        Self {
            thresholds: r
                .thresholds
                .iter()
                .map(|t| ThresholdView {
                    from_value: t.from_value.into(),
                    approvers: t.approvers,
                })
                .collect(),
            expiry_days: r.expiry_days,
        }
    }
}

/// A notice a call-off needs.
#[derive(Serialize, ToSchema)]
pub struct NoticeView {
    /// The notice's form: UK6, UK7, UK10 or UK11.
    pub code: String,
    pub label: String,
    /// For a contract change notice, the variation's number.
    pub variation: Option<u32>,
    #[schema(format = Date)]
    pub due_on: String,
    /// When it is due, in words.
    pub when: String,
    /// Its last day has passed and it is not recorded as published.
    pub overdue: bool,
    /// Its Find a Tender reference and the day it was published, once recorded.
    pub published: Option<NoticePublicationView>,
}

#[derive(Serialize, ToSchema)]
pub struct NoticePublicationView {
    pub reference: String,
    #[schema(format = Date)]
    pub published_on: String,
}

/// The dated threshold a call-off was judged by.
#[derive(Serialize, ToSchema)]
pub struct NoticeThresholdView {
    #[schema(format = Date)]
    pub from: String,
    pub kind_of_body: String,
    pub value_inc_vat: MoneyView,
    /// The law the threshold comes from.
    pub source: String,
}

#[derive(Serialize, ToSchema)]
pub struct NoticesView {
    /// The UK day it was awarded (placed with the supplier); null until then.
    #[schema(format = Date)]
    pub awarded_on: Option<String>,
    /// Its value as awarded, including VAT.
    pub value_inc_vat: MoneyView,
    /// The threshold in force for its buyer's kind of body on the day it was awarded.
    pub threshold: Option<NoticeThresholdView>,
    pub notices: Vec<NoticeView>,
}

impl NoticesView {
    pub fn new(n: &calloff_app::notices::CallOffNotices, today: chrono::NaiveDate) -> Self {
        Self {
            awarded_on: n.awarded_on.map(|d| d.to_string()),
            value_inc_vat: n.value_inc_vat.into(),
            threshold: n.threshold.as_ref().map(|t| NoticeThresholdView {
                from: t.from.to_string(),
                kind_of_body: t.kind.as_str().to_string(),
                value_inc_vat: t.value.into(),
                source: t.source.clone(),
            }),
            notices: n
                .due
                .iter()
                .map(|d| {
                    let published = n.publication(d);
                    NoticeView {
                        code: d.kind.code().to_string(),
                        label: d.kind.label().to_string(),
                        variation: d.variation,
                        due_on: d.due_on.to_string(),
                        when: d.when.to_string(),
                        overdue: d.due_on < today && published.is_none(),
                        published: published.map(|p| NoticePublicationView {
                            reference: p.reference.clone(),
                            published_on: p.published_on.clone(),
                        }),
                    }
                })
                .collect(),
        }
    }
}
