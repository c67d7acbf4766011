//! Varying a call-off: adding or removing lines, changing quantities, extending terms. Each
//! variation recomputes the contract value and re-checks the ceilings atomically, as placing does,
//! and is kept with its change against the original value.

use crate::quotes::LineInput;
use crate::{headroom, Actor, App, AppError, AppResult};
use calloff_domain::approval::ApprovalKind;
use calloff_domain::call_off::{
    price_line, CallOff, CallOffState, MonthlyUsage, PricedLine, Quantity, TermMonths, Totals,
};
use calloff_domain::catalogue::{CatalogueItem, Sku};
use calloff_domain::ids::CallOffId;
use calloff_domain::money::Money;
use calloff_domain::pricing::PriceBasis;
use calloff_domain::role::Role;
use calloff_domain::FieldError;
use calloff_store::audit::ChainHead;
use calloff_store::variations::{self, Variation};
use calloff_store::{approvals, catalogue, notifications, with_retries};

#[derive(Debug, Clone)]
pub struct Varied {
    pub call_off: CallOff,
    pub variation: Variation,
    /// The change against the original value, in basis points (1000 = 10%).
    pub cumulative_change_bp: i64,
    /// The framework's modification limit, in basis points.
    pub limit_bp: i64,
}

impl Varied {
    /// A warning for the buyer when the cumulative change passes the modification limit.
    pub fn warning(&self) -> Option<String> {
        self.variation.over_limit.then(|| {
            format!(
                "The call-off has now changed by {}.{:02}% from its original value of {}, more than the {}.{:02}% modification limit. Check whether a new procurement is needed.",
                self.cumulative_change_bp / 100,
                self.cumulative_change_bp % 100,
                self.variation.original_value,
                self.limit_bp / 100,
                self.limit_bp % 100
            )
        })
    }
}

/// The catalogue item a kept line was placed with: its frozen price and description. A line
/// varied below the quantity tier it was placed at goes back to its frozen catalogue price.
fn frozen_item(line: &PricedLine, call_off: &CallOff, quantity: Quantity) -> CatalogueItem {
    let unit_price = match (line.price_basis, line.catalogue_price) {
        (PriceBasis::QuantityTier { from }, Some(catalogue)) if u64::from(quantity.get()) < from => catalogue,
        _ => line.unit_price,
    };
    CatalogueItem {
        id: line.item_id.clone(),
        framework_id: call_off.framework_id.clone(),
        lot_number: line.lot_number,
        sku: line.sku.clone(),
        name: line.name.clone(),
        description: line.description.clone(),
        unit: line.unit,
        unit_price,
        minimum_term_months: line.term_months.get(),
        cpv: line.cpv.clone(),
        list_price: line.list_price,
        quantity_tiers: Default::default(),
        demand_bands: Default::default(),
    }
}

/// Prices the varied lines: kept lines at their frozen prices (terms may only be extended), new
/// lines at today's catalogue prices.
async fn price_varied(app: &App, call_off: &CallOff, lines: &[LineInput]) -> AppResult<Vec<PricedLine>> {
    if lines.is_empty() {
        return Err(AppError::invalid(
            "lines",
            "A call-off needs at least one line; to stop it, terminate it",
        ));
    }
    let mut conn = app.db.pool().acquire().await?;
    let mut priced = Vec::with_capacity(lines.len());
    let mut errors = Vec::new();
    for (i, input) in lines.iter().enumerate() {
        let field = format!("lines[{i}]");
        let at = |e: FieldError| {
            let name = e.field.clone();
            e.at(format!("{field}.{name}"))
        };
        let parsed = (
            Sku::parse(&input.sku).map_err(at),
            Quantity::parse(input.quantity).map_err(at),
            TermMonths::parse(input.term_months).map_err(at),
            input.monthly_usage.map(MonthlyUsage::parse).transpose().map_err(at),
        );
        let (sku, quantity, term, usage) = match parsed {
            (Ok(s), Ok(q), Ok(t), Ok(u)) => (s, q, t, u),
            (s, q, t, u) => {
                errors.extend([s.err(), q.err(), t.err(), u.err()].into_iter().flatten());
                continue;
            }
        };
        let kept = call_off.lines.iter().find(|l| l.sku == sku);
        let (item, version) = match kept {
            Some(kept) => (frozen_item(kept, call_off, quantity), kept.item_version),
            None => match catalogue::find(&mut conn, &call_off.framework_id, &sku).await? {
                Some(record) if record.withdrawn => {
                    errors.push(FieldError::new(
                        format!("{field}.sku"),
                        format!("{sku} has been withdrawn from the catalogue"),
                    ));
                    continue;
                }
                Some(record) => (record.item, Some(record.version)),
                None => {
                    errors.push(FieldError::new(
                        format!("{field}.sku"),
                        format!("{sku} is not on this framework's catalogue"),
                    ));
                    continue;
                }
            },
        };
        let demand = match kept {
            Some(_) => 0,
            None => crate::quotes::committed_demand(&mut conn, &item).await?,
        };
        match price_line(&item, quantity, term, usage, demand, &field) {
            Ok(line) => priced.push(match kept {
                Some(kept) => line.priced_as(kept),
                None => PricedLine {
                    item_version: version,
                    ..line
                },
            }),
            // For a kept line the "minimum term" is its current term: terms only get longer.
            Err(e) if kept.is_some() && e.field.ends_with("term_months") => errors.push(FieldError::new(
                e.field,
                format!(
                    "A term can only be extended (it is {} months); to end early, terminate",
                    item.minimum_term_months
                ),
            )),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(if errors.len() == 1 {
            AppError::Invalid(errors.remove(0))
        } else {
            AppError::InvalidFields(errors)
        });
    }
    Ok(priced)
}

/// The call-off, if the actor may vary it now: a buyer of its organisation, while it is
/// accepted or live.
pub async fn may_vary(app: &App, actor: &Actor, id: &CallOffId) -> AppResult<crate::call_offs::CallOffView> {
    let view = crate::call_offs::view(app, actor, id).await?;
    if !view.standing.acts_as_buyer(&actor.roles) {
        return Err(AppError::Forbidden(
            "only a buyer of the ordering organisation can vary a call-off".into(),
        ));
    }
    if !matches!(view.call_off.state, CallOffState::Accepted | CallOffState::Live) {
        return Err(AppError::Conflict(FieldError::new(
            "state",
            format!(
                "A call-off that is {} cannot be varied",
                view.call_off.state.label().to_lowercase()
            ),
        )));
    }
    Ok(view)
}

/// What a variation led to.
#[derive(Debug, Clone)]
pub enum VariationOutcome {
    Applied(Box<Varied>),
    /// The increase needs approval under the buyer's rules; its headroom is held meanwhile.
    AwaitingApproval(Box<calloff_store::approvals::Request>),
}

impl VariationOutcome {
    /// The variation, if it applied straight away.
    pub fn applied(self) -> Option<Varied> {
        match self {
            Self::Applied(varied) => Some(*varied),
            Self::AwaitingApproval(_) => None,
        }
    }
}

/// What a variation would do, worked out before it is submitted: the new lines and value, the
/// change, the change against the original value beside the framework's modification limit,
/// and how many approvers the buyer's rules would ask for. Nothing is written.
#[derive(Debug, Clone)]
pub struct VariationPreview {
    pub lines: Vec<PricedLine>,
    pub totals: Totals,
    pub previous_value: Money,
    /// The value it was placed at, before any variation.
    pub original_value: Money,
    /// The change against the current value, in basis points, signed (1000 = 10%).
    pub change_bp: i64,
    /// The change against the original value, in basis points, unsigned.
    pub cumulative_change_bp: i64,
    pub limit_bp: i64,
    pub over_limit: bool,
    /// Approvers the buyer's rules ask for an increase of this size (0 for none, or a fall).
    pub approvers_required: u32,
}

/// `to` against `from`, in basis points of `from`, signed.
fn change_in_bp(from: Money, to: Money) -> i64 {
    (to.pence() - from.pence()).saturating_mul(10_000) / from.pence().max(1)
}

/// Checks and prices a variation without making it, for the buyer to see before submitting.
pub async fn preview(app: &App, actor: &Actor, id: &CallOffId, lines: &[LineInput]) -> AppResult<VariationPreview> {
    let call_off = may_vary(app, actor, id).await?.call_off;
    let priced = price_varied(app, &call_off, lines).await?;
    if same_lines(&call_off.lines, &priced) {
        return Err(AppError::invalid(
            "lines",
            "These are the call-off's lines as they stand: change an item, a quantity, a term or a usage to vary it",
        ));
    }
    let totals = Totals::of(&priced)?;
    let mut conn = app.db.pool().acquire().await?;
    let earlier = variations::list(&mut conn, &call_off.id).await?;
    let previous_value = call_off.totals.contract_value;
    let original_value = earlier.first().map_or(previous_value, |v| v.original_value);
    let limit_bp = variations::modification_limit_bp(&mut conn, &call_off.framework_id).await?;
    let cumulative_change_bp = change_in_bp(original_value, totals.contract_value).abs();
    let increase = totals.contract_value.checked_sub(previous_value).unwrap_or(Money::ZERO);
    let approvers_required = if increase > Money::ZERO {
        approvals::rules(&mut conn, &call_off.buyer_id)
            .await?
            .approvers_for(increase)
    } else {
        0
    };
    Ok(VariationPreview {
        change_bp: change_in_bp(previous_value, totals.contract_value),
        over_limit: cumulative_change_bp > limit_bp,
        lines: priced,
        totals,
        previous_value,
        original_value,
        cumulative_change_bp,
        limit_bp,
        approvers_required,
    })
}

/// Longest reason a buyer may give for a variation.
pub const MAX_REASON_LEN: usize = 1_000;

/// Varies an accepted or live call-off of the buyer's organisation to the given lines. An
/// increase that the buyer's approval rules cover waits for approval instead.
pub async fn vary(app: &App, actor: &Actor, id: &CallOffId, lines: &[LineInput]) -> AppResult<VariationOutcome> {
    vary_because(app, actor, id, lines, "").await
}

/// As [`vary`], with the buyer's reason for the change (empty if they gave none): the
/// amendment's rationale in the open data and the contract change notice.
pub async fn vary_because(
    app: &App,
    actor: &Actor,
    id: &CallOffId,
    lines: &[LineInput],
    reason: &str,
) -> AppResult<VariationOutcome> {
    let call_off = may_vary(app, actor, id).await?.call_off;
    let reason = reason.trim();
    let too_long = (reason.chars().count() > MAX_REASON_LEN).then(|| {
        FieldError::new(
            "reason",
            format!("The reason must be {MAX_REASON_LEN} characters or fewer"),
        )
    });
    let priced = match (price_varied(app, &call_off, lines).await, too_long) {
        (Ok(priced), None) => priced,
        (Ok(_), Some(e)) => return Err(AppError::Invalid(e)),
        (Err(e), None) => return Err(e),
        (Err(e), Some(too_long)) => {
            let mut errors = e.field_errors();
            if errors.is_empty() {
                return Err(e);
            }
            errors.push(too_long);
            return Err(AppError::InvalidFields(errors));
        }
    };
    let reason = (!reason.is_empty()).then_some(reason);
    if same_lines(&call_off.lines, &priced) {
        return Err(AppError::invalid(
            "lines",
            "These are the call-off's lines as they stand: change an item, a quantity, a term or a usage to vary it",
        ));
    }
    with_retries(|| apply(app, actor, &call_off, &priced, reason)).await
}

/// Whether a variation would leave the call-off as it is (the same items, quantities, terms and
/// usage, in any order). Such a variation changes nothing and is not recorded.
fn same_lines(current: &[PricedLine], varied: &[PricedLine]) -> bool {
    let key = |l: &PricedLine| {
        (
            l.item_id.clone(),
            l.quantity.get(),
            l.term_months.get(),
            l.monthly_usage.map(|u| u.get()),
        )
    };
    let mut a: Vec<_> = current.iter().map(key).collect();
    let mut b: Vec<_> = varied.iter().map(key).collect();
    a.sort_unstable();
    b.sort_unstable();
    a == b
}

async fn apply(
    app: &App,
    actor: &Actor,
    seen: &CallOff,
    lines: &[PricedLine],
    reason: Option<&str>,
) -> AppResult<VariationOutcome> {
    let totals = Totals::of(lines)?;
    let mut tx = app.db.begin_write().await?;
    let mut head = ChainHead::claim(&mut tx).await?;
    if approvals::awaiting_for_call_off(&mut tx, &seen.id).await?.is_some() {
        return Err(AppError::Conflict(FieldError::new(
            "lines",
            "A variation of this call-off is awaiting approval; wait for the decision or withdraw it first",
        )));
    }
    // Increases are reserved now, on the framework and each lot (with its direct-award limit).
    let change = headroom::Change::new(seen.totals.contract_value, &seen.lines, totals.contract_value, lines);
    let taken = headroom::take_increases(&mut tx, &mut head, &seen.framework_id, &seen.buyer_id, &change).await?;
    let at = app.now_text();
    let outcome = if taken.approvers_required > 0 {
        let request = crate::approvals::open(
            &mut tx,
            app,
            actor,
            crate::approvals::NewRequest {
                call_off: seen,
                kind: ApprovalKind::Variation,
                value: taken.value,
                approvers_required: taken.approvers_required,
                expiry_days: taken.approval_expiry_days,
                reserved_lots: taken.lots,
                lines: Some(lines),
                reason,
            },
        )
        .await?;
        head.append(
            &mut tx,
            &at,
            actor.user_id.as_str(),
            "call_off.variation_submitted",
            seen.id.as_str(),
            serde_json::json!({
                "request": request.id,
                "previous_value_pence": seen.totals.contract_value.pence(),
                "new_value_pence": totals.contract_value.pence(),
                "approvers_required": taken.approvers_required,
            }),
        )
        .await?;
        VariationOutcome::AwaitingApproval(Box::new(request))
    } else {
        let varied = record(&mut tx, &mut head, app, actor, &actor.user_id, seen, lines, reason).await?;
        VariationOutcome::Applied(Box::new(varied))
    };
    head.seal(&mut tx).await?;
    tx.commit().await?;
    Ok(outcome)
}

/// Applies varied lines whose increases are already reserved: releases decreases, replaces the
/// lines, sets the new value, keeps the variation and tells the supplier. In the caller's
/// transaction (placing a variation directly, or on its last approval).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn record(
    tx: &mut calloff_store::Conn,
    head: &mut ChainHead,
    app: &App,
    actor: &Actor,
    varied_by: &calloff_domain::ids::UserId,
    seen: &CallOff,
    lines: &[PricedLine],
    reason: Option<&str>,
) -> AppResult<Varied> {
    let totals = Totals::of(lines)?;
    let previous = seen.totals.contract_value;
    let at = app.now_text();
    let change = headroom::Change::new(previous, &seen.lines, totals.contract_value, lines);
    headroom::release_falls(tx, head, &seen.framework_id, &change).await?;
    variations::replace_lines(tx, &seen.id, lines).await?;
    if !variations::set_value(tx, &seen.id, totals.contract_value, totals.vat, &at, head.next_seq()).await? {
        return Err(AppError::Conflict(FieldError::new(
            "state",
            "This call-off changed meanwhile; reload it and try again",
        )));
    }
    let earlier = variations::list(tx, &seen.id).await?;
    let original = earlier.first().map(|v| v.original_value).unwrap_or(previous);
    let limit_bp = variations::modification_limit_bp(tx, &seen.framework_id).await?;
    let change_bp = change_in_bp(original, totals.contract_value).abs();
    let variation = Variation {
        number: calloff_domain::count(earlier.len()) + 1,
        previous_value: previous,
        new_value: totals.contract_value,
        original_value: original,
        over_limit: change_bp > limit_bp,
        varied_at: at.clone(),
        reason: reason.map(str::to_string),
    };
    let lines_json = serde_json::to_string(lines).unwrap_or_default();
    let previous_json = serde_json::to_string(&seen.lines).unwrap_or_default();
    variations::insert(tx, &seen.id, &variation, (&lines_json, &previous_json), varied_by).await?;
    head.append(
        tx,
        &at,
        actor.user_id.as_str(),
        "call_off.varied",
        seen.id.as_str(),
        serde_json::json!({
            "number": variation.number,
            "previous_value_pence": previous.pence(),
            "new_value_pence": totals.contract_value.pence(),
            "original_value_pence": original.pence(),
            "over_modification_limit": variation.over_limit,
            "reason": variation.reason,
        }),
    )
    .await?;
    let subject = format!("Call-off {} varied", seen.reference);
    let body = format!(
        "{} varied call-off {}: its value is now {} (was {}).",
        actor.organisation_name, seen.reference, totals.contract_value, previous
    );
    let message = notifications::Message {
        id_prefix: &uuid::Uuid::now_v7().to_string(),
        event: "call_off.varied",
        subject: &subject,
        body: &body,
        link: &format!("/call-offs/{}", seen.id),
        created_at: &at,
    };
    notifications::queue_for_role(
        tx,
        &message,
        Some(&seen.supplier_id),
        Role::SupplierUser,
        &actor.user_id,
    )
    .await?;
    let call_off = calloff_store::call_offs::get(tx, &seen.id)
        .await?
        .ok_or_else(|| AppError::NotFound("call-off".into()))?;
    Ok(Varied {
        call_off,
        variation,
        cumulative_change_bp: change_bp,
        limit_bp,
    })
}
