//! The one headroom step. Placing, submitting again, varying, ending early and closing a request
//! for approval take or release headroom on a framework and its lots here, in the caller's
//! transaction, through the store's guarded updates. Each move is noted on the claimed chain
//! head, so the audit chain records it and `audit verify` can sum it.
//!
//! A refusal is read in the refusing transaction: every writer claims the chain's head first,
//! so nothing has moved since the guard read the framework and its lots.

use crate::error::HeadroomScope;
use crate::{AppError, AppResult};
use calloff_domain::call_off::{PricedLine, Totals};
use calloff_domain::framework::FrameworkStatus;
use calloff_domain::ids::{FrameworkId, OrganisationId};
use calloff_domain::money::Money;
use calloff_domain::organisation::Verification;
use calloff_store::audit::ChainHead;
use calloff_store::frameworks::{self, FrameworkRecord, Reserved};
use calloff_store::{approvals, organisations, variations, Conn};
use chrono::NaiveDate;

/// A whole call-off asking for headroom: placed, or a draft submitted again.
pub(crate) struct Ask<'a> {
    pub framework: &'a FrameworkId,
    pub buyer: &'a OrganisationId,
    pub lines: &'a [PricedLine],
    pub value: Money,
    pub today: NaiveDate,
    /// False when a draft is submitted again (it keeps its reference).
    pub new_call_off: bool,
}

/// Headroom taken on the framework and on each lot, and the approvers that value needs under
/// the buyer's rules (0: none), which decide whether it is held for approval.
pub(crate) struct Taken {
    pub value: Money,
    pub lots: Vec<(u32, Money)>,
    pub approvers_required: u32,
    pub approval_expiry_days: u32,
}

/// Takes a whole call-off's value on its framework (live, in term, the buyer verified and
/// eligible, within the ceiling) and on each lot (within its ceiling, and a direct award the lot
/// allows). Returns what the framework's guard read for the call-off's reference too.
pub(crate) async fn take(tx: &mut Conn, head: &mut ChainHead, ask: Ask<'_>) -> AppResult<(Taken, Reserved)> {
    let today = ask.today.to_string();
    let guard = frameworks::Reservation {
        framework: ask.framework,
        buyer: ask.buyer,
        value: ask.value,
        today: &today,
        new_call_off: ask.new_call_off,
    };
    let Some(reserved) = frameworks::reserve(tx, head, guard).await? else {
        return Err(why_framework_refused(tx, &ask).await?);
    };
    let lots = Totals::per_lot(ask.lines);
    for &(lot, value) in &lots {
        if !frameworks::reserve_lot(tx, head, ask.framework, lot, value).await? {
            let record = read(tx, ask.framework).await?;
            return Err(over_lot_ceiling(&record, lot, value).unwrap_or_else(|| {
                let advice = crate::quotes::advice_for(&record, ask.lines);
                AppError::invalid(
                    "lines",
                    format!(
                        "This needs a further competition, not a direct award. {}",
                        advice.reasons.join(" ")
                    ),
                )
            }));
        }
    }
    let taken = Taken {
        value: ask.value,
        lots,
        approvers_required: reserved.approvers_required,
        approval_expiry_days: reserved.approval_expiry_days,
    };
    Ok((taken, reserved))
}

/// A call-off's change of value, from what it holds now to what it will hold: on the framework
/// and on each lot, in pence, up or down.
pub(crate) struct Change {
    framework: i64,
    /// Each lot's change, with the lot's value afterwards.
    lots: Vec<(u32, i64, Money)>,
}

impl Change {
    /// From `lines` worth `value` to `new_lines` worth `new_value`.
    pub fn new(value: Money, lines: &[PricedLine], new_value: Money, new_lines: &[PricedLine]) -> Change {
        let (lots, new_lots) = (Totals::per_lot(lines), Totals::per_lot(new_lines));
        let value_in =
            |lots: &[(u32, Money)], lot: u32| lots.iter().find(|(n, _)| *n == lot).map_or(Money::ZERO, |(_, v)| *v);
        let mut numbers: Vec<u32> = lots.iter().chain(&new_lots).map(|(n, _)| *n).collect();
        numbers.sort_unstable();
        numbers.dedup();
        let lots = numbers.into_iter().map(|lot| {
            let after = value_in(&new_lots, lot);
            (lot, after.pence() - value_in(&lots, lot).pence(), after)
        });
        Change {
            framework: new_value.pence() - value.pence(),
            lots: lots.collect(),
        }
    }
}

/// Takes a variation's increases: on the framework (live, within the ceiling) and on each lot
/// that grows (within its ceiling, and the lot's value on the call-off within its direct-award
/// limit). Decreases are left for [`release_falls`], once the variation applies.
pub(crate) async fn take_increases(
    tx: &mut Conn,
    head: &mut ChainHead,
    framework: &FrameworkId,
    buyer: &OrganisationId,
    change: &Change,
) -> AppResult<Taken> {
    let increase = Money::from_pence(change.framework.max(0));
    if change.framework > 0 && !variations::reserve_more(tx, head, framework, increase).await? {
        let left = read(tx, framework).await?.headroom.left();
        return Err(AppError::HeadroomExceeded {
            scope: HeadroomScope::Framework,
            value: increase,
            left,
        });
    }
    let mut lots = Vec::new();
    for &(lot, delta, lot_value) in change.lots.iter().filter(|(_, delta, _)| *delta > 0) {
        let lot_increase = Money::from_pence(delta);
        if !variations::reserve_lot_more(tx, head, framework, lot, lot_increase, lot_value).await? {
            let record = read(tx, framework).await?;
            return Err(over_lot_ceiling(&record, lot, lot_increase).unwrap_or_else(|| {
                let limit = record
                    .framework
                    .lots
                    .iter()
                    .find(|l| l.number == lot)
                    .and_then(|l| l.direct_award_limit)
                    .unwrap_or_default();
                AppError::invalid(
                    "lines",
                    format!(
                        "Lot {lot} would be worth {lot_value} on this call-off, over its direct-award limit of {limit}; this needs a further competition, not a variation"
                    ),
                )
            }));
        }
        lots.push((lot, lot_increase));
    }
    let rules = approvals::rules(tx, buyer).await?;
    Ok(Taken {
        value: increase,
        lots,
        approvers_required: if change.framework > 0 {
            rules.approvers_for(increase)
        } else {
            0
        },
        approval_expiry_days: rules.expiry_days,
    })
}

/// Gives back `value` on the framework and each lot's amount in `lots`.
pub(crate) async fn release(
    tx: &mut Conn,
    head: &mut ChainHead,
    framework: &FrameworkId,
    value: Money,
    lots: &[(u32, Money)],
) -> AppResult<()> {
    frameworks::release(tx, head, framework, value).await?;
    for &(lot, lot_value) in lots {
        frameworks::release_lot(tx, head, framework, lot, lot_value).await?;
    }
    Ok(())
}

/// Gives back what a change takes off: the framework's fall, and each falling lot's.
pub(crate) async fn release_falls(
    tx: &mut Conn,
    head: &mut ChainHead,
    framework: &FrameworkId,
    change: &Change,
) -> AppResult<()> {
    if change.framework < 0 {
        frameworks::release(tx, head, framework, Money::from_pence(-change.framework)).await?;
    }
    for &(lot, delta, _) in change.lots.iter().filter(|(_, delta, _)| *delta < 0) {
        frameworks::release_lot(tx, head, framework, lot, Money::from_pence(-delta)).await?;
    }
    Ok(())
}

async fn read(tx: &mut Conn, framework: &FrameworkId) -> AppResult<FrameworkRecord> {
    frameworks::get(tx, framework)
        .await?
        .ok_or_else(|| AppError::invalid("framework_id", "No such framework"))
}

/// The refusal when `value` is more than a lot's ceiling leaves; `None` if it fits (so the lot
/// refused for its direct-award rules).
fn over_lot_ceiling(record: &FrameworkRecord, lot: u32, value: Money) -> Option<AppError> {
    let left = record
        .lot_headroom
        .iter()
        .find(|(n, _)| *n == lot)
        .and_then(|(_, h)| *h)?
        .left();
    (value > left).then_some(AppError::HeadroomExceeded {
        scope: HeadroomScope::Lot(lot),
        value,
        left,
    })
}

/// Why the framework's guard refused a whole call-off: the framework, the buyer, or else the
/// ceiling.
async fn why_framework_refused(tx: &mut Conn, ask: &Ask<'_>) -> AppResult<AppError> {
    let Some(record) = frameworks::get(tx, ask.framework).await? else {
        return Ok(AppError::invalid("framework_id", "No such framework"));
    };
    let (f, today) = (&record.framework, ask.today);
    let framework_refused = if f.status != FrameworkStatus::Live {
        Some(format!(
            "{} is {}, not live, so no call-offs can be placed",
            f.reference,
            f.status.as_str()
        ))
    } else if today < f.term.start || today > f.term.end {
        Some(format!(
            "{} runs from {} to {}, so no call-offs can be placed today",
            f.reference, f.term.start, f.term.end
        ))
    } else {
        None
    };
    if let Some(why) = framework_refused {
        return Ok(AppError::invalid("framework_id", why));
    }
    let Some(org) = organisations::get(tx, ask.buyer).await? else {
        return Ok(AppError::Forbidden("your organisation is not registered".into()));
    };
    if org.verification != Verification::Verified {
        let why = format!(
            "{} is not yet verified, so it can browse but cannot place call-offs",
            org.name
        );
        return Ok(AppError::invalid("organisation", why));
    }
    if !frameworks::is_eligible(tx, ask.framework, ask.buyer).await? {
        let why = format!("{} is not eligible to buy through {}", org.name, f.reference);
        return Ok(AppError::invalid("organisation", why));
    }
    Ok(AppError::HeadroomExceeded {
        scope: HeadroomScope::Framework,
        value: ask.value,
        left: record.headroom.left(),
    })
}
