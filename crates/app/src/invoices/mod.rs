//! Invoicing a call-off: the supplier records an invoice or credit note (entered, or uploaded as
//! UBL), each line is matched with the call-off, and the buyer approves a matched invoice for
//! payment or accepts or disputes a held one. Spend is kept in rollups in the same transaction.

pub mod ubl;

use crate::{Actor, App, AppError, AppResult};
use calloff_domain::calendar::parse_date;
use calloff_domain::call_off::{CallOff, CallOffState};
use calloff_domain::catalogue::Charging;
use calloff_domain::ids::{CallOffId, InvoiceId, OrganisationId};
use calloff_domain::invoice::{
    self, Invoice, InvoiceDecision, InvoiceKind, InvoiceLine, InvoiceNumber, InvoiceSource, InvoiceStatus,
    InvoiceTotals, LineStanding, Mismatch, Period,
};
use calloff_domain::money::Money;
use calloff_domain::role::Role;
use calloff_domain::standing::Standing;
use calloff_domain::FieldError;
use calloff_store::audit::ChainHead;
use calloff_store::{call_offs, invoices, lifecycle, notifications, Conn};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Most of one unit a line may invoice (a billion minutes is beyond any body's month).
pub const MAX_LINE_QUANTITY: i64 = 1_000_000_000;

/// An invoice or credit note as the supplier enters it on the page or sends it to the API.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct InvoiceInput {
    /// `invoice` (the default) or `credit_note`.
    #[serde(default)]
    #[schema(value_type = Option<InvoiceKind>)]
    pub kind: Option<String>,
    /// The supplier's own invoice number, unique to the supplier.
    #[serde(default)]
    #[schema(required = true, max_length = 40)]
    pub number: String,
    /// `YYYY-MM-DD`; today if left out. Not in the future.
    #[serde(default)]
    pub issue_date: Option<String>,
    /// For a credit note: the number of the invoice it credits.
    #[serde(default)]
    pub credits: Option<String>,
    #[serde(default)]
    #[schema(required = true)]
    pub lines: Vec<InvoiceLineInput>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct InvoiceLineInput {
    /// The call-off line charged, from 1.
    pub call_off_line: i64,
    /// How many of the line's units: users, circuits or items; for a per-minute or per-GB line,
    /// the minutes or GB used in the period.
    pub quantity: i64,
    /// First day the line covers (`YYYY-MM-DD`); needed for monthly and metered lines.
    #[serde(default)]
    pub period_start: Option<String>,
    /// Last day the line covers (`YYYY-MM-DD`).
    #[serde(default)]
    pub period_end: Option<String>,
}

/// An invoice checked for shape and priced, before it is matched and recorded.
#[derive(Debug, Clone)]
pub struct Draft {
    pub kind: InvoiceKind,
    pub number: InvoiceNumber,
    pub issue_date: NaiveDate,
    pub credits: Option<String>,
    pub lines: Vec<InvoiceLine>,
    pub source: InvoiceSource,
}

/// An invoice with what the viewer may do with it.
#[derive(Debug, Clone)]
pub struct InvoiceView {
    pub invoice: Invoice,
    pub supplier_name: String,
    pub buyer_name: String,
    /// The viewer may approve, accept or dispute it now.
    pub you_may_decide: bool,
}

/// What a call-off is worth, what was invoiced against it, and where it is heading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallOffSpend {
    pub contract_value: Money,
    /// Net of credits, without disputed invoices.
    pub invoiced: Money,
    pub remaining: Money,
    /// At the run rate so far, what will have been invoiced by the end of the term.
    pub forecast: Option<Money>,
}

/// Checks the supplier may invoice the call-off, before anything they sent is read.
pub async fn may_invoice(app: &App, actor: &Actor, call_off: &CallOffId) -> AppResult<CallOff> {
    let (call_off, standing) = crate::call_offs::get_with_standing(app, actor, call_off).await?;
    if !standing.acts_as_supplier(&actor.roles) {
        return Err(AppError::Forbidden(
            "only the supplier's users can invoice this call-off".into(),
        ));
    }
    Ok(call_off)
}

/// Records an invoice or credit note entered by the supplier against `call_off`.
pub async fn submit(app: &App, actor: &Actor, call_off: &CallOffId, input: &InvoiceInput) -> AppResult<Invoice> {
    let call_off = may_invoice(app, actor, call_off).await?;
    let draft = draft_from(app, &call_off, input)?;
    record(app, actor, &call_off.id, draft).await
}

/// Checks every field of an entered invoice at once and prices its lines at the call-off's
/// prices.
pub fn draft_from(app: &App, call_off: &CallOff, input: &InvoiceInput) -> AppResult<Draft> {
    let mut errors = Vec::new();
    let kind = match input.kind.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
        None => InvoiceKind::Invoice,
        Some(k) => InvoiceKind::parse(k).unwrap_or_else(|e| {
            errors.push(e);
            InvoiceKind::Invoice
        }),
    };
    let number = InvoiceNumber::parse("number", &input.number)
        .map_err(|e| errors.push(e))
        .ok();
    let issue_date = match input.issue_date.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        None => Some(app.today()),
        Some(d) => match parse_date(d) {
            Ok(date) if date > app.today() => {
                errors.push(FieldError::new("issue_date", "Issue date must be today or in the past"));
                None
            }
            Ok(date) => Some(date),
            Err(message) => {
                errors.push(FieldError::new("issue_date", message));
                None
            }
        },
    };
    let credits = input.credits.as_deref().map(str::trim).filter(|c| !c.is_empty());
    if let Some(c) = credits {
        if kind == InvoiceKind::Invoice {
            errors.push(FieldError::new("credits", "only a credit note credits an invoice"));
        } else if let Err(e) = InvoiceNumber::parse("credits", c) {
            errors.push(e);
        }
    }
    if input.lines.is_empty() {
        errors.push(FieldError::new("lines", "Add at least one line"));
    }
    if input.lines.len() > invoice::MAX_LINES {
        errors.push(FieldError::new(
            "lines",
            format!("An invoice must have {} lines or fewer", invoice::MAX_LINES),
        ));
    }
    let mut lines = Vec::new();
    for (i, line) in input.lines.iter().take(invoice::MAX_LINES).enumerate() {
        match priced_line(call_off, line, &format!("lines[{i}]")) {
            Ok(line) => lines.push(line),
            Err(mut es) => errors.append(&mut es),
        }
    }
    if !errors.is_empty() {
        return Err(AppError::fields(errors));
    }
    let (Some(number), Some(issue_date)) = (number, issue_date) else {
        return Err(AppError::fields(errors));
    };
    Ok(Draft {
        kind,
        number,
        issue_date,
        credits: credits.map(str::to_string),
        lines,
        source: InvoiceSource::Entered,
    })
}

/// One entered line, priced at the call-off line's unit price for the units it charges.
fn priced_line(call_off: &CallOff, input: &InvoiceLineInput, field: &str) -> Result<InvoiceLine, Vec<FieldError>> {
    let mut errors = Vec::new();
    let count = call_off.lines.len();
    let ordered = usize::try_from(input.call_off_line)
        .ok()
        .and_then(|n| n.checked_sub(1))
        .and_then(|i| call_off.lines.get(i));
    if ordered.is_none() {
        errors.push(FieldError::new(
            format!("{field}.call_off_line"),
            format!("Line must be a line of the call-off, 1 to {count}"),
        ));
    }
    if !(1..=MAX_LINE_QUANTITY).contains(&input.quantity) {
        errors.push(FieldError::new(
            format!("{field}.quantity"),
            format!("Quantity must be a whole number from 1 to {MAX_LINE_QUANTITY}"),
        ));
    }
    let date = |name: &str, value: &Option<String>, errors: &mut Vec<FieldError>| match value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        None => None,
        Some(v) => parse_date(v)
            .map_err(|m| errors.push(FieldError::new(format!("{field}.{name}"), m)))
            .ok(),
    };
    let given = |value: &Option<String>| value.as_deref().is_some_and(|v| !v.trim().is_empty());
    let (start_given, end_given) = (given(&input.period_start), given(&input.period_end));
    let start = date("period_start", &input.period_start, &mut errors);
    let end = date("period_end", &input.period_end, &mut errors);
    let period = match (start, end) {
        (Some(start), Some(end)) => Period::new(start, end, &format!("{field}.period_end"))
            .map_err(|e| errors.push(e))
            .ok(),
        // A date given but not understood was named above.
        (None, _) if start_given => None,
        (_, None) if end_given => None,
        (None, None) => None,
        (None, Some(_)) => {
            errors.push(FieldError::new(
                format!("{field}.period_start"),
                "Enter the first day the line covers",
            ));
            None
        }
        (Some(_), None) => {
            errors.push(FieldError::new(
                format!("{field}.period_end"),
                "Enter the last day the line covers",
            ));
            None
        }
    };
    let Some(ordered) = ordered else {
        return Err(errors);
    };
    let needs_period = ordered.unit.charging() != Charging::OneOff;
    if needs_period && !start_given && !end_given {
        errors.push(FieldError::new(
            format!("{field}.period_start"),
            format!("Enter the period this {} line covers", ordered.sku),
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let months = period.map_or(1, Period::months);
    let units = match ordered.unit.charging() {
        Charging::Recurring => input.quantity.checked_mul(months),
        Charging::OneOff | Charging::Usage => Some(input.quantity),
    };
    let value = units
        .and_then(|u| u128::try_from(u).ok())
        .and_then(|u| ordered.unit_price.total_for(u));
    let (Some(units), Some(value)) = (units, value) else {
        return Err(vec![FieldError::new(
            format!("{field}.quantity"),
            "makes the line value too large",
        )]);
    };
    Ok(InvoiceLine {
        call_off_line: u32::try_from(input.call_off_line).unwrap_or(u32::MAX),
        sku: ordered.sku.to_string(),
        name: ordered.name.clone(),
        lot_number: ordered.lot_number,
        cpv: ordered.cpv.as_str().to_string(),
        quantity: units,
        unit_price: ordered.unit_price,
        value,
        period,
    })
}

/// States in which a call-off can be invoiced: sent to the supplier and not withdrawn.
fn invoiceable(state: CallOffState) -> bool {
    matches!(
        state,
        CallOffState::Placed | CallOffState::Accepted | CallOffState::Live | CallOffState::Ended
    )
}

/// Matches the draft against the call-off as it stands and records it, in one transaction.
pub async fn record(app: &App, actor: &Actor, call_off: &CallOffId, draft: Draft) -> AppResult<Invoice> {
    calloff_store::with_retries(|| record_once(app, actor, call_off, &draft)).await
}

async fn record_once(app: &App, actor: &Actor, call_off: &CallOffId, draft: &Draft) -> AppResult<Invoice> {
    let at = app.now_text();
    let mut tx = app.db.begin_write().await?;
    // Claiming the chain head orders this against every other write, so the running totals
    // read below cannot change before the commit.
    let mut head = ChainHead::claim(&mut tx).await?;
    let call_off = call_offs::get(&mut tx, call_off)
        .await?
        .ok_or_else(|| AppError::NotFound("call-off".into()))?;
    if !invoiceable(call_off.state) {
        return Err(AppError::Conflict(FieldError::new(
            "state",
            format!(
                "call-off {} is {}, so it cannot be invoiced",
                call_off.reference,
                call_off.state.label().to_lowercase()
            ),
        )));
    }
    if let Some(credited) = &draft.credits {
        let found = invoices::find_by_number(&mut tx, &call_off.supplier_id, credited).await?;
        let on_this = match &found {
            Some(id) => invoices::get(&mut tx, id)
                .await?
                .is_some_and(|i| i.call_off_id == call_off.id && i.kind == InvoiceKind::Invoice),
            None => false,
        };
        if !on_this {
            return Err(AppError::invalid(
                "credits",
                format!("no invoice {credited} was received for call-off {}", call_off.reference),
            ));
        }
    }
    let mismatches = match_all(&mut tx, &call_off, draft).await?;
    let totals = InvoiceTotals::of(&draft.lines)?;
    let invoice = Invoice {
        id: InvoiceId::generate(),
        kind: draft.kind,
        number: draft.number.clone(),
        call_off_id: call_off.id.clone(),
        call_off_reference: call_off.reference.clone(),
        framework_id: call_off.framework_id.clone(),
        buyer_id: call_off.buyer_id.clone(),
        supplier_id: call_off.supplier_id.clone(),
        issue_date: draft.issue_date,
        credits: draft.credits.clone(),
        lines: draft.lines.clone(),
        totals,
        status: if mismatches.is_empty() {
            InvoiceStatus::Matched
        } else {
            InvoiceStatus::Held
        },
        mismatches,
        source: draft.source,
        received_by: actor.user_id.clone(),
        received_at: at.clone(),
        decided_by: None,
        decided_at: None,
        dispute_reason: None,
    };
    match invoices::insert(&mut tx, &invoice, head.next_seq()).await {
        Err(e) if e.is_unique_violation() => {
            return Err(AppError::Conflict(FieldError::new(
                "number",
                format!(
                    "{} {} was already received from this supplier; it is not counted twice",
                    invoice.kind.label(),
                    invoice.number.as_str()
                ),
            )))
        }
        result => result?,
    }
    invoices::add_spend(&mut tx, &invoice, 1).await?;
    head.append(
        &mut tx,
        &at,
        actor.user_id.as_str(),
        &format!("{}.received", invoice.kind.as_str()),
        invoice.id.as_str(),
        serde_json::json!({
            "number": invoice.number.as_str(),
            "call_off_id": call_off.id.as_str(),
            "net_pence": invoice.totals.net.pence(),
            "vat_pence": invoice.totals.vat.pence(),
            "status": invoice.status.as_str(),
            "mismatches": invoice.mismatches.len(),
            "source": invoice.source.as_str(),
        }),
    )
    .await?;
    head.seal(&mut tx).await?;
    tell(
        &mut tx,
        &at,
        actor,
        &invoice,
        Role::Buyer,
        &format!(
            "{} {} for call-off {}: {}",
            invoice.kind.label(),
            invoice.number.as_str(),
            call_off.reference,
            invoice.status.label().to_lowercase()
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(invoice)
}

/// Every line's mismatches, each line seeing what the lines before it on this invoice added.
async fn match_all(conn: &mut Conn, call_off: &CallOff, draft: &Draft) -> AppResult<Vec<Mismatch>> {
    let (live_on, ends_on) = lifecycle::term(conn, &call_off.id).await?;
    let term = match (live_on, ends_on) {
        (Some(start), Some(end)) => parse_date(&start)
            .ok()
            .zip(parse_date(&end).ok())
            .map(|(start, end)| Period { start, end }),
        _ => None,
    };
    let mut invoiced = invoices::invoiced_per_line(conn, &call_off.id).await?;
    let mut mismatches = Vec::new();
    for (i, line) in draft.lines.iter().enumerate() {
        let line_no = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let Some(ordered) = usize::try_from(line.call_off_line)
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|n| call_off.lines.get(n))
        else {
            mismatches.push(Mismatch {
                line: line_no,
                field: "call_off_line".into(),
                reason: format!("call-off {} has no line {}", call_off.reference, line.call_off_line),
            });
            continue;
        };
        let so_far = invoiced
            .iter()
            .find(|(n, _)| *n == line.call_off_line)
            .map_or(Money::ZERO, |(_, v)| *v);
        mismatches.extend(invoice::match_line(
            draft.kind,
            line_no,
            ordered,
            LineStanding { term, invoiced: so_far },
            line,
        ));
        let after = Money::from_pence(so_far.pence().saturating_add(draft.kind.sign() * line.value.pence()));
        match invoiced.iter_mut().find(|(n, _)| *n == line.call_off_line) {
            Some((_, v)) => *v = after,
            None => invoiced.push((line.call_off_line, after)),
        }
    }
    Ok(mismatches)
}

/// Queues a message about the invoice for `role` at the other party.
async fn tell(conn: &mut Conn, at: &str, actor: &Actor, invoice: &Invoice, role: Role, subject: &str) -> AppResult<()> {
    let organisation = if role == Role::SupplierUser {
        &invoice.supplier_id
    } else {
        &invoice.buyer_id
    };
    let body = format!("{subject}. Sent by {} ({}).", actor.name, actor.organisation_name);
    let message = notifications::Message {
        id_prefix: &uuid::Uuid::now_v7().to_string(),
        event: "invoice.changed",
        subject,
        body: &body,
        link: &format!("/invoices/{}", invoice.id),
        created_at: at,
    };
    notifications::queue_for_role(conn, &message, Some(organisation), role, &actor.user_id).await?;
    Ok(())
}

/// The invoice and the viewer's standing towards its call-off, if it is their business.
async fn with_standing(app: &App, actor: &Actor, id: &InvoiceId) -> AppResult<(Invoice, Standing)> {
    let mut conn = app.db.pool().acquire().await?;
    let invoice = invoices::get(&mut conn, id)
        .await?
        .ok_or_else(|| AppError::NotFound("invoice".into()))?;
    drop(conn);
    let (_, standing) = crate::call_offs::get_with_standing(app, actor, &invoice.call_off_id)
        .await
        .map_err(|_| AppError::NotFound("invoice".into()))?;
    Ok((invoice, standing))
}

/// One invoice, for its buyer, its supplier and the framework's manager; others are told it
/// does not exist.
pub async fn view(app: &App, actor: &Actor, id: &InvoiceId) -> AppResult<InvoiceView> {
    let (invoice, standing) = with_standing(app, actor, id).await?;
    let mut conn = app.db.pool().acquire().await?;
    let name = |o: Option<calloff_domain::organisation::Organisation>| o.map(|o| o.name).unwrap_or_default();
    let supplier_name = name(calloff_store::organisations::get(&mut conn, &invoice.supplier_id).await?);
    let buyer_name = name(calloff_store::organisations::get(&mut conn, &invoice.buyer_id).await?);
    let you_may_decide =
        standing.acts_as_buyer(&actor.roles) && matches!(invoice.status, InvoiceStatus::Matched | InvoiceStatus::Held);
    Ok(InvoiceView {
        invoice,
        supplier_name,
        buyer_name,
        you_may_decide,
    })
}

/// Most invoices the list of those waiting for a decision shows.
pub const TO_DECIDE_SHOWN: i64 = 200;

/// An invoice waiting for the buyer, with its supplier's name.
#[derive(Debug, Clone)]
pub struct Waiting {
    pub invoice: Invoice,
    pub supplier_name: String,
}

/// The invoices and credit notes waiting for the buyer's organisation to approve, accept or
/// dispute, oldest first (at most [`TO_DECIDE_SHOWN`]); for its buyers, who decide them.
pub async fn to_decide(app: &App, actor: &Actor) -> AppResult<Vec<Waiting>> {
    if !actor.has(Role::Buyer) {
        return Err(AppError::Forbidden(
            "only buyers decide on their organisation's invoices".into(),
        ));
    }
    let mut conn = app.db.pool().acquire().await?;
    let list = invoices::to_decide(&mut conn, &actor.organisation_id, TO_DECIDE_SHOWN).await?;
    let mut names: std::collections::HashMap<OrganisationId, String> = std::collections::HashMap::new();
    let mut out = Vec::with_capacity(list.len());
    for invoice in list {
        if !names.contains_key(&invoice.supplier_id) {
            let name = calloff_store::organisations::get(&mut conn, &invoice.supplier_id)
                .await?
                .map(|o| o.name)
                .unwrap_or_default();
            names.insert(invoice.supplier_id.clone(), name);
        }
        let supplier_name = names.get(&invoice.supplier_id).cloned().unwrap_or_default();
        out.push(Waiting { invoice, supplier_name });
    }
    Ok(out)
}

/// A call-off's invoices, newest first, and its spend, for those who may see the call-off.
pub async fn for_call_off(app: &App, actor: &Actor, id: &CallOffId) -> AppResult<(Vec<Invoice>, CallOffSpend)> {
    let (call_off, _) = crate::call_offs::get_with_standing(app, actor, id).await?;
    let mut conn = app.db.pool().acquire().await?;
    let list = invoices::for_call_off(&mut conn, id).await?;
    let invoiced = invoiced_on(&mut conn, id).await?;
    let (live_on, ends_on) = lifecycle::term(&mut conn, id).await?;
    let spend = CallOffSpend::of(&call_off, invoiced, live_on.as_deref(), ends_on.as_deref(), app.today());
    Ok((list, spend))
}

/// What a call-off has been invoiced, net of credits, without disputed invoices.
pub async fn invoiced_on(conn: &mut Conn, call_off: &CallOffId) -> AppResult<Money> {
    Ok(invoices::invoiced_per_line(conn, call_off)
        .await?
        .iter()
        .fold(Money::ZERO, |sum, (_, v)| {
            Money::from_pence(sum.pence().saturating_add(v.pence()))
        }))
}

impl CallOffSpend {
    /// Contract value, invoiced to date, remaining, and the outturn at the run rate so far
    /// (once live: invoiced per month served, carried over the term).
    pub fn of(
        call_off: &CallOff,
        invoiced: Money,
        live_on: Option<&str>,
        ends_on: Option<&str>,
        today: NaiveDate,
    ) -> Self {
        let contract_value = call_off.totals.contract_value;
        let forecast = match (live_on.map(parse_date), ends_on.map(parse_date)) {
            (Some(Ok(start)), Some(Ok(end))) if start <= end => {
                let served = invoice::months_started(start, today.clamp(start, end));
                let term = invoice::months_started(start, end);
                let outturn = i128::from(invoiced.pence()) * i128::from(term) / i128::from(served.max(1));
                i64::try_from(outturn).ok().map(Money::from_pence)
            }
            _ => None,
        };
        CallOffSpend {
            contract_value,
            invoiced,
            remaining: Money::from_pence(contract_value.pence().saturating_sub(invoiced.pence())),
            forecast,
        }
    }
}

/// What a framework has committed, invoiced and has left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameworkSpend {
    pub maximum: Money,
    pub committed: Money,
    pub invoiced: Money,
    pub headroom: Money,
}

/// For whoever may read the framework: its totals, like its headroom, are public to its users.
pub async fn framework_spend(
    app: &App,
    actor: &Actor,
    framework: &calloff_domain::ids::FrameworkId,
) -> AppResult<FrameworkSpend> {
    let mut conn = app.db.pool().acquire().await?;
    let record = crate::frameworks::record(&mut conn, framework).await?;
    if !crate::frameworks::standing_in(&mut conn, actor, &record)
        .await?
        .reads_framework()
    {
        return Err(AppError::NotFound("framework".into()));
    }
    let invoiced = invoices::invoiced_for_framework(&mut conn, framework).await?;
    Ok(FrameworkSpend {
        maximum: record.headroom.ceiling,
        committed: record.headroom.committed,
        invoiced,
        headroom: record.headroom.left(),
    })
}

/// Checks the actor is a buyer of the invoice's customer, before anything they sent is read.
pub async fn may_decide(app: &App, actor: &Actor, id: &InvoiceId) -> AppResult<Invoice> {
    let (invoice, standing) = with_standing(app, actor, id).await?;
    if !standing.acts_as_buyer(&actor.roles) {
        return Err(AppError::Forbidden(
            "only buyers of the customer can decide on its invoices".into(),
        ));
    }
    Ok(invoice)
}

/// The buyer approves a matched invoice for payment, or accepts or disputes a held one.
pub async fn decide(
    app: &App,
    actor: &Actor,
    id: &InvoiceId,
    decision: InvoiceDecision,
    reason: Option<&str>,
) -> AppResult<Invoice> {
    let seen = may_decide(app, actor, id).await?;
    let to = seen.status.decide(decision).map_err(AppError::Conflict)?;
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    if decision == InvoiceDecision::Dispute {
        let Some(reason) = reason else {
            return Err(AppError::invalid("reason", "Enter why you dispute this invoice"));
        };
        calloff_domain::text::at_most("reason", reason, calloff_domain::text::MAX_REASON_LEN)?;
    }
    calloff_store::with_retries(|| decide_once(app, actor, &seen, to, reason)).await
}

async fn decide_once(
    app: &App,
    actor: &Actor,
    seen: &Invoice,
    to: InvoiceStatus,
    reason: Option<&str>,
) -> AppResult<Invoice> {
    let at = app.now_text();
    let mut tx = app.db.begin_write().await?;
    let mut head = ChainHead::claim(&mut tx).await?;
    let decided = invoices::decide(
        &mut tx,
        invoices::Decision {
            id: &seen.id,
            from: seen.status,
            to,
            by: &actor.user_id,
            at: &at,
            reason: reason.filter(|_| to == InvoiceStatus::Disputed),
            change_seq: head.next_seq(),
        },
    )
    .await?;
    if !decided {
        return Err(AppError::Conflict(FieldError::new(
            "decision",
            "This invoice was decided by someone else; reload it",
        )));
    }
    if !to.counts() {
        invoices::add_spend(&mut tx, seen, -1).await?;
    }
    head.append(
        &mut tx,
        &at,
        actor.user_id.as_str(),
        &format!("invoice.{}", to.as_str()),
        seen.id.as_str(),
        serde_json::json!({ "from": seen.status.as_str(), "to": to.as_str(), "reason": reason }),
    )
    .await?;
    head.seal(&mut tx).await?;
    let updated = invoices::get(&mut tx, &seen.id)
        .await?
        .ok_or_else(|| AppError::NotFound("invoice".into()))?;
    tell(
        &mut tx,
        &at,
        actor,
        &updated,
        Role::SupplierUser,
        &format!(
            "{} {}: {}",
            updated.kind.label(),
            updated.number.as_str(),
            to.label().to_lowercase()
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(updated)
}
