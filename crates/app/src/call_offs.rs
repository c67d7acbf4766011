//! Placing a direct-award call-off, moving it through its states, and reading call-offs.

use crate::quotes::{self, LineInput, Prices};
use crate::{headroom, Actor, App, AppError, AppResult};
use calloff_domain::approval::{ApprovalKind, ApprovalStatus, CostCentre};
use calloff_domain::call_off::{CallOff, CallOffState, Totals};
use calloff_domain::ids::{CallOffId, FrameworkId};
use calloff_domain::money::Money;
use calloff_domain::order::{OrderDetails, OrderInput, Person};
use calloff_domain::role::Role;
use calloff_domain::standing::Standing;
use calloff_domain::termination::EarlyEnd;
use calloff_domain::FieldError;
use calloff_store::audit::ChainHead;
pub use calloff_store::call_offs::ListFilter;
use calloff_store::{call_offs, frameworks, lifecycle, organisations, with_retries, Attempts, Conn};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Longest idempotency key accepted (a UUID is 36 characters).
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 100;
/// Longest reason a supplier or buyer may give.
pub const MAX_REASON_LEN: usize = calloff_domain::text::MAX_REASON_LEN;
/// Call-offs per page of a list.
pub const PAGE_SIZE: i64 = 50;

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PlaceCallOff {
    pub framework_id: FrameworkId,
    pub lines: Vec<LineInput>,
    /// What the buyer charges it to; required.
    #[serde(default)]
    #[schema(required = true, max_length = 40)]
    pub cost_centre: String,
    /// What the order is, where and when it is delivered, and whom to contact; required (only
    /// `purchase_order` may be left empty). Errors name each field under `order`.
    #[serde(default)]
    #[schema(required = true)]
    pub order: OrderInput,
}

/// The order's details, or every bad one named under `order` (`order.contact.email`).
pub fn parse_order(input: &OrderInput, today: chrono::NaiveDate) -> Result<OrderDetails, Vec<FieldError>> {
    input.parse(today).map_err(|errors| {
        errors
            .into_iter()
            .map(|e| {
                let field = format!("order.{}", e.field);
                e.at(field)
            })
            .collect()
    })
}

#[derive(Debug, Clone)]
pub struct Placed {
    pub call_off: CallOff,
    /// True when this was a retry that returned the call-off created the first time.
    pub replayed: bool,
}

/// Places a direct-award call-off at today's prices. One guarded update in the database checks
/// that the framework is live and in term, that the buyer's organisation is verified and eligible,
/// and that the value fits the headroom; only when it refuses do we read why. A retry with the
/// same idempotency key returns the first call-off.
pub async fn place(
    app: &App,
    actor: &Actor,
    command: &PlaceCallOff,
    idempotency_key: Option<&str>,
) -> AppResult<Placed> {
    actor.require(Role::Buyer, "place a call-off")?;
    check_idempotency_key(idempotency_key)?;
    let (cost_centre, order) = match (
        CostCentre::parse(&command.cost_centre),
        parse_order(&command.order, app.today()),
    ) {
        (Ok(cost_centre), Ok(order)) => (cost_centre, order),
        (cost_centre, order) => {
            // Every bad field at once: the lines' too, if pricing finds any.
            let mut errors: Vec<FieldError> = cost_centre.err().into_iter().collect();
            errors.extend(order.err().unwrap_or_default());
            if let Err(e) = quotes::price(app, actor, &command.framework_id, &command.lines).await {
                errors.extend(e.field_errors());
            }
            return Err(AppError::fields(errors));
        }
    };
    let request_hash = hex::encode(Sha256::digest(serde_json::to_vec(command).unwrap_or_default()));
    match (
        price_and_commit(
            app,
            actor,
            command,
            (&cost_centre, &order),
            idempotency_key,
            &request_hash,
        )
        .await,
        idempotency_key,
    ) {
        (Ok(call_off), _) => Ok(Placed {
            call_off,
            replayed: false,
        }),
        // A retry of a request already placed (or racing with it) gets the first call-off back,
        // whatever has changed since; the unique key stopped a second one from being written.
        (Err(e), Some(key)) => replay(app, actor, key, &request_hash).await?.ok_or(e),
        (Err(e), None) => Err(e),
    }
}

/// Refuses an idempotency key that is empty or too long (any create that takes one).
pub(crate) fn check_idempotency_key(key: Option<&str>) -> AppResult<()> {
    match key {
        Some(key) if key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY_LEN => Err(AppError::invalid(
            "Idempotency-Key",
            format!("Idempotency key must be 1 to {MAX_IDEMPOTENCY_KEY_LEN} characters"),
        )),
        _ => Ok(()),
    }
}

/// Prices the basket and runs the placing transaction on one connection, retrying the
/// transaction on busy or serialization errors, and pricing again from the database if a cached
/// item turns out to have changed.
async fn price_and_commit(
    app: &App,
    actor: &Actor,
    command: &PlaceCallOff,
    (cost_centre, order): (&CostCentre, &OrderDetails),
    idempotency_key: Option<&str>,
    request_hash: &str,
) -> AppResult<CallOff> {
    let mut conn = app.db.pool().acquire().await?;
    let mut prices = Prices::Cached;
    loop {
        let quote = quotes::price_on(app, &mut conn, actor, &command.framework_id, &command.lines, prices).await?;
        let mut attempts = Attempts::default();
        let placement = loop {
            match insert_placed(
                app,
                &mut conn,
                actor,
                &quote,
                (cost_centre, order),
                idempotency_key,
                request_hash,
            )
            .await
            {
                Err(e) if attempts.retry(&e).await => continue,
                result => break result,
            }
        }?;
        let sku = match placement {
            Placement::Placed(call_off) => return Ok(*call_off),
            Placement::ItemChanged { line } => quote.lines[line].sku.clone(),
        };
        if prices == Prices::Fresh {
            return Err(AppError::Conflict(FieldError::new(
                "lines",
                format!("{sku} changed in the catalogue while this call-off was being placed; try again"),
            )));
        }
        // A copy read before another process changed the item: price again from the database.
        app.prices.forget(&command.framework_id, &sku);
        prices = Prices::Fresh;
    }
}

async fn replay(app: &App, actor: &Actor, key: &str, request_hash: &str) -> AppResult<Option<Placed>> {
    let mut conn = app.db.pool().acquire().await?;
    match call_offs::find_by_idempotency_key(&mut conn, &actor.user_id, key).await? {
        Some(record) if record.request_hash.as_deref() == Some(request_hash) => Ok(Some(Placed {
            call_off: record.call_off,
            replayed: true,
        })),
        Some(_) => Err(AppError::Conflict(FieldError::new(
            "Idempotency-Key",
            "was already used for a different call-off request",
        ))),
        None => Ok(None),
    }
}

/// How one attempt at the placing transaction ended, short of an error.
enum Placement {
    Placed(Box<CallOff>),
    /// The catalogue row behind this line is no longer what was priced; nothing was written.
    ItemChanged {
        line: usize,
    },
}

/// One attempt at the placing transaction.
async fn insert_placed(
    app: &App,
    conn: &mut Conn,
    actor: &Actor,
    quote: &quotes::Quote,
    (cost_centre, order): (&CostCentre, &OrderDetails),
    idempotency_key: Option<&str>,
    request_hash: &str,
) -> AppResult<Placement> {
    let at = app.now_text();
    let value = quote.totals.contract_value;
    let mut tx = app.db.begin_write_on(conn).await?;
    let mut head = ChainHead::claim(&mut tx).await?;
    let ask = headroom::Ask {
        framework: &quote.framework_id,
        buyer: &actor.organisation_id,
        lines: &quote.lines,
        value,
        today: app.today(),
        new_call_off: true,
    };
    let (taken, reserved) = headroom::take(&mut tx, &mut head, ask).await?;
    // Under the buyer's approval rules it is either placed now, or a draft holding its headroom
    // until approvers decide.
    let needs_approval = taken.approvers_required > 0;
    let call_off = CallOff {
        id: CallOffId::generate(),
        reference: format!("{}-CO-{:06}", reserved.framework_reference, reserved.call_off_count),
        framework_id: quote.framework_id.clone(),
        buyer_id: actor.organisation_id.clone(),
        supplier_id: quote.supplier_id.clone(),
        placed_by: actor.user_id.clone(),
        state: if needs_approval {
            CallOffState::Draft
        } else {
            CallOffState::Placed
        },
        lines: quote.lines.clone(),
        totals: quote.totals,
        cost_centre: Some(cost_centre.clone()),
        rejection_reason: None,
        placed_at: at.clone(),
        updated_at: at.clone(),
        change_seq: head.next_seq(),
        sent_to_supplier: !needs_approval,
        order: Some(order.clone()),
        supplier_contact: None,
    };
    let inserted = call_offs::insert(
        &mut tx,
        call_offs::NewCallOff {
            call_off: &call_off,
            idempotency_key,
            request_hash: Some(request_hash),
        },
    )
    .await;
    match inserted {
        Ok(call_offs::Inserted::Yes) => {}
        Ok(call_offs::Inserted::ItemChanged { line }) => return Ok(Placement::ItemChanged { line }),
        Err(e) if e.is_unique_violation() && idempotency_key.is_some() => {
            return Err(AppError::Conflict(FieldError::new(
                "Idempotency-Key",
                "was used by a request that is still running",
            )));
        }
        Err(e) => return Err(e.into()),
    }
    if needs_approval {
        crate::approvals::open(
            &mut tx,
            app,
            actor,
            crate::approvals::NewRequest {
                call_off: &call_off,
                kind: ApprovalKind::Submission,
                value,
                approvers_required: taken.approvers_required,
                expiry_days: taken.approval_expiry_days,
                reserved_lots: taken.lots,
                lines: None,
                reason: None,
            },
        )
        .await?;
    }
    let skus: Vec<&str> = call_off.lines.iter().map(|l| l.sku.as_str()).collect();
    head.append(
        &mut tx,
        &at,
        actor.user_id.as_str(),
        if needs_approval {
            "call_off.submitted"
        } else {
            "call_off.placed"
        },
        call_off.id.as_str(),
        serde_json::json!({
            "reference": call_off.reference,
            "framework_id": call_off.framework_id.as_str(),
            "buyer_id": call_off.buyer_id.as_str(),
            "supplier_id": call_off.supplier_id.as_str(),
            "contract_value_pence": value.pence(),
            "cost_centre": cost_centre.as_str(),
            // The contact's name, email and phone stay out of the public chain.
            "title": order.title,
            "starts_on": order.starts_on.to_string(),
            "purchase_order": order.purchase_order,
            "approvers_required": taken.approvers_required,
            "skus": skus,
        }),
    )
    .await?;
    head.seal(&mut tx).await?;
    tx.commit().await?;
    Ok(Placement::Placed(Box::new(call_off)))
}

/// What a user can do to a placed call-off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum CallOffAction {
    /// Supplier: take on the order.
    Accept,
    /// Supplier: decline the order, with a reason; releases the headroom.
    Reject { reason: String },
    /// Supplier: service delivered and running.
    GoLive,
    /// Supplier or buyer: the term is over (only on or after its end date).
    End,
    /// Supplier or buyer: end a live call-off before its term is over, with a reason, on a day
    /// from today to its planned end (`YYYY-MM-DD`; today if not given). Its value becomes what
    /// is due to that day, and the rest is released.
    Terminate {
        reason: String,
        #[serde(default)]
        ends_on: Option<String>,
    },
    /// Buyer: withdraw before the service goes live; releases the headroom.
    Cancel { reason: String },
}

impl CallOffAction {
    fn target(&self) -> CallOffState {
        match self {
            Self::Accept => CallOffState::Accepted,
            Self::Reject { .. } => CallOffState::Rejected,
            Self::GoLive => CallOffState::Live,
            Self::End | Self::Terminate { .. } => CallOffState::Ended,
            Self::Cancel { .. } => CallOffState::Cancelled,
        }
    }

    fn reason(&self) -> Option<&str> {
        match self {
            Self::Reject { reason } | Self::Cancel { reason } | Self::Terminate { reason, .. } => Some(reason.as_str()),
            _ => None,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Self::Accept => "accept",
            Self::Reject { .. } => "reject",
            Self::GoLive => "go_live",
            Self::End => "end",
            Self::Terminate { .. } => "terminate",
            Self::Cancel { .. } => "cancel",
        }
    }
}

/// Checks that the actor may take `action` on the call-off (who may see it, then who may act),
/// before looking at anything they sent. Returns the call-off with its parties.
pub async fn may_take(app: &App, actor: &Actor, id: &CallOffId, action: &CallOffAction) -> AppResult<CallOffView> {
    let view = view(app, actor, id).await?;
    if !view.standing.may_move_to(&actor.roles, action.target()) {
        return Err(AppError::Forbidden(format!(
            "you cannot {} this call-off",
            action.name().replace('_', " ")
        )));
    }
    Ok(view)
}

pub async fn act(app: &App, actor: &Actor, id: &CallOffId, action: &CallOffAction) -> AppResult<CallOff> {
    let call_off = may_take(app, actor, id, action).await?.call_off;
    let mut errors = Vec::new();
    if let Some(reason) = action.reason() {
        if reason.trim().is_empty() {
            errors.push(FieldError::new("reason", "Enter a reason"));
        } else if reason.chars().count() > MAX_REASON_LEN {
            let message = format!("Reason must be {MAX_REASON_LEN} characters or fewer");
            errors.push(FieldError::new("reason", message));
        }
    }
    let early_end = match action {
        CallOffAction::Terminate { ends_on, .. } => early_end(app, &call_off, ends_on.as_deref())
            .await?
            .map_err(|e| errors.push(e))
            .ok(),
        _ => None,
    };
    if !errors.is_empty() {
        return Err(AppError::fields(errors));
    }
    if *action == CallOffAction::End {
        let mut conn = app.db.pool().acquire().await?;
        if let (_, Some(ends_on)) = lifecycle::term(&mut conn, &call_off.id).await? {
            if app.today().to_string() < ends_on {
                return Err(AppError::Conflict(FieldError::new(
                    "state",
                    format!("The term runs to {ends_on}. To end it sooner, terminate it with a reason."),
                )));
            }
        }
    }
    with_retries(|| apply(app, actor, &call_off, action, early_end.as_ref())).await
}

/// What ending a live call-off on `ends_on` (today if not given) leaves due and releases, or
/// what is wrong with the date. Refuses a call-off that is not live.
async fn early_end(app: &App, call_off: &CallOff, ends_on: Option<&str>) -> AppResult<Result<EarlyEnd, FieldError>> {
    call_off
        .state
        .transition(CallOffState::Ended)
        .map_err(AppError::Conflict)?;
    let mut conn = app.db.pool().acquire().await?;
    let stored = |date: Option<String>| {
        date.and_then(|d| d.parse::<chrono::NaiveDate>().ok())
            .ok_or_else(|| calloff_store::StoreError::corrupt(format!("call-off {} has no term", call_off.id)))
    };
    let (live_on, planned_end) = lifecycle::term(&mut conn, &call_off.id).await?;
    let (live_on, planned_end) = (stored(live_on)?, stored(planned_end)?);
    let today = app.today();
    let ends_on = match ends_on.map(calloff_domain::calendar::parse_date) {
        None => today,
        Some(Ok(date)) => date,
        Some(Err(message)) => return Ok(Err(FieldError::new("ends_on", message))),
    };
    Ok(EarlyEnd::on(&call_off.lines, live_on, planned_end, today, ends_on))
}

/// Moves the call-off on, in one transaction; `early_end` (terminating only) sets its new value
/// and releases the rest.
pub(crate) async fn apply(
    app: &App,
    actor: &Actor,
    seen: &CallOff,
    action: &CallOffAction,
    early_end: Option<&EarlyEnd>,
) -> AppResult<CallOff> {
    let next = seen.state.transition(action.target()).map_err(AppError::Conflict)?;
    let at = app.now_text();
    let mut tx = app.db.begin_write().await?;
    let mut head = ChainHead::claim(&mut tx).await?;
    let reason = action.reason().map(str::trim);
    if !call_offs::set_state(&mut tx, &seen.id, seen.state, next, reason, &at, head.next_seq()).await? {
        return Err(AppError::Conflict(FieldError::new(
            "state",
            "This call-off was changed by someone else; reload it and try again",
        )));
    }
    if next == CallOffState::Accepted {
        let contact = Person {
            name: actor.name.clone(),
            email: actor.email.clone(),
        };
        call_offs::set_supplier_contact(&mut tx, &seen.id, &contact).await?;
    }
    if next == CallOffState::Live {
        let live_on = app.today();
        let ends_on = crate::lifecycle::end_of_term(live_on, &seen.lines);
        lifecycle::set_term(&mut tx, &seen.id, &live_on.to_string(), &ends_on.to_string()).await?;
    }
    // A request awaiting approval (the draft's own, or a variation's) goes with the call-off.
    if !next.counts_against_ceiling() || next == CallOffState::Ended {
        crate::approvals::close_awaiting(&mut tx, &mut head, seen, ApprovalStatus::Withdrawn, &at).await?;
    }
    if seen.state == CallOffState::Draft {
        // The supplier never saw it, so there is nothing to tell them.
        call_offs::mark_supplier_notified(&mut tx, &seen.id, &at).await?;
    }
    if seen.state.counts_against_ceiling() && !next.counts_against_ceiling() {
        let lots = Totals::per_lot(&seen.lines);
        headroom::release(
            &mut tx,
            &mut head,
            &seen.framework_id,
            seen.totals.contract_value,
            &lots,
        )
        .await?;
    }
    let mut detail = serde_json::json!({ "from": seen.state.as_str(), "to": next.as_str(), "reason": reason });
    if let Some(end) = early_end {
        end_early(&mut tx, &mut head, seen, end, &at).await?;
        // The new value, for `audit verify` to hold the call-off to.
        detail["ends_on"] = end.ends_on.to_string().into();
        detail["previous_value_pence"] = end.previous_value.pence().into();
        detail["new_value_pence"] = end.totals.contract_value.pence().into();
        detail["released_pence"] = end.released.pence().into();
    }
    head.append(
        &mut tx,
        &at,
        actor.user_id.as_str(),
        &format!("call_off.{}", next.as_str()),
        seen.id.as_str(),
        detail,
    )
    .await?;
    head.seal(&mut tx).await?;
    let updated = call_offs::get(&mut tx, &seen.id)
        .await?
        .ok_or_else(|| AppError::NotFound("call-off".into()))?;
    if seen.state != CallOffState::Draft {
        crate::notifications::call_off_changed(&mut tx, &at, actor, &updated).await?;
    }
    tx.commit().await?;
    Ok(updated)
}

/// Records a just-ended call-off's early end, with its new value, and releases the rest from the
/// framework and its lots.
async fn end_early(tx: &mut Conn, head: &mut ChainHead, seen: &CallOff, end: &EarlyEnd, at: &str) -> AppResult<()> {
    let record = lifecycle::EarlyEnd {
        ends_on: end.ends_on.to_string(),
        previous_value: end.previous_value,
        value: end.totals.contract_value,
        released: end.released,
    };
    match lifecycle::end_early(tx, &seen.id, &record, end.totals.vat, at).await {
        Ok(true) => {}
        Err(e) if e.is_unique_violation() => {
            return Err(AppError::Conflict(FieldError::new(
                "state",
                "This call-off has already been ended early",
            )))
        }
        Err(e) => return Err(e.into()),
        Ok(false) => {
            return Err(AppError::Conflict(FieldError::new(
                "state",
                "This call-off was changed by someone else; reload it and try again",
            )))
        }
    }
    if end.released > Money::ZERO {
        headroom::release(tx, head, &seen.framework_id, end.released, &end.released_per_lot).await?;
    }
    Ok(())
}

/// The actor's standing towards this call-off (see [`Standing`]), if it is their business.
async fn standing(app: &App, actor: &Actor, call_off: &CallOff) -> AppResult<Option<Standing>> {
    let mut conn = app.db.pool().acquire().await?;
    let authority = frameworks::get(&mut conn, &call_off.framework_id)
        .await?
        .map(|f| f.framework.authority)
        .ok_or_else(|| AppError::NotFound("framework".into()))?;
    Ok(Standing::of(&actor.organisation_id, &actor.roles, call_off, &authority))
}

/// One call-off, if it is the actor's business. Others get "not found", so ids reveal nothing.
pub async fn get(app: &App, actor: &Actor, id: &CallOffId) -> AppResult<CallOff> {
    Ok(get_with_standing(app, actor, id).await?.0)
}

/// One call-off and the actor's standing towards it, if it is their business.
pub(crate) async fn get_with_standing(app: &App, actor: &Actor, id: &CallOffId) -> AppResult<(CallOff, Standing)> {
    let mut conn = app.db.pool().acquire().await?;
    let call_off = call_offs::get(&mut conn, id)
        .await?
        .ok_or_else(|| AppError::NotFound("call-off".into()))?;
    drop(conn);
    match standing(app, actor, &call_off).await? {
        Some(standing) => Ok((call_off, standing)),
        None => Err(AppError::NotFound("call-off".into())),
    }
}

/// A page of call-offs, newest change first.
#[derive(Debug, Clone)]
pub struct Page {
    pub call_offs: Vec<CallOff>,
    /// Pass as `before` to get the next page.
    pub next_before: Option<i64>,
}

/// What a list of call-offs is narrowed to, as sent (query parameters or a filter form).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only call-offs in this state (`draft`, `placed`, `accepted`, `rejected`, `live`, `ended`,
    /// `cancelled`).
    #[serde(default)]
    pub state: Option<String>,
    /// Only call-offs with a line in this lot (its number).
    #[serde(default)]
    pub lot: Option<String>,
    /// Only call-offs placed on or after this day (`YYYY-MM-DD`).
    #[serde(default)]
    pub placed_from: Option<String>,
    /// Only call-offs placed on or before this day (`YYYY-MM-DD`).
    #[serde(default)]
    pub placed_to: Option<String>,
    /// Words in the reference or the title, ignoring case.
    #[serde(default)]
    pub q: Option<String>,
}

/// Longest search accepted: a reference or a title.
pub const MAX_SEARCH_LEN: usize = calloff_domain::order::MAX_TITLE_LEN;

impl ListQuery {
    /// The filter, or every bad parameter named at once.
    pub fn parse(&self) -> AppResult<call_offs::ListFilter> {
        let given = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let mut errors = Vec::new();
        let state = given(&self.state).and_then(|s| {
            CallOffState::parse(&s)
                .map_err(|_| {
                    errors.push(FieldError::new(
                        "state",
                        "Choose a status from the list: draft, placed, accepted, rejected, live, ended or cancelled",
                    ))
                })
                .ok()
        });
        let lot = given(&self.lot).and_then(|l| {
            l.parse::<u32>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| errors.push(FieldError::new("lot", "Enter the lot as a whole number, like 3")))
                .ok()
        });
        let mut date = |field: &str, v: &Option<String>, what: &str| {
            given(v).and_then(|d| {
                calloff_domain::calendar::parse_date(&d)
                    .map_err(|_| {
                        errors.push(FieldError::new(
                            field,
                            format!("Enter the {what} as a real date, like 2026-11-01"),
                        ))
                    })
                    .ok()
            })
        };
        let placed_from = date("placed_from", &self.placed_from, "first day placed");
        let placed_to = date("placed_to", &self.placed_to, "last day placed");
        if let (Some(from), Some(to)) = (placed_from, placed_to) {
            if to < from {
                errors.push(FieldError::new(
                    "placed_to",
                    "The last day placed must be the same as or after the first day placed",
                ));
            }
        }
        let search = given(&self.q);
        if search.as_ref().is_some_and(|q| q.chars().count() > MAX_SEARCH_LEN) {
            errors.push(FieldError::new(
                "q",
                format!("Search must be {MAX_SEARCH_LEN} characters or fewer"),
            ));
        }
        if !errors.is_empty() {
            return Err(AppError::fields(errors));
        }
        Ok(call_offs::ListFilter {
            state,
            lot,
            placed_from,
            placed_to,
            search,
        })
    }
}

/// The buyer's organisation's call-offs, or for a supplier user the call-offs addressed to
/// their supplier, narrowed by `filter`.
pub async fn list(app: &App, actor: &Actor, before: Option<i64>, filter: &call_offs::ListFilter) -> AppResult<Page> {
    let before = before.unwrap_or(i64::MAX);
    let mut conn = app.db.pool().acquire().await?;
    let call_offs = if actor.has(Role::SupplierUser) {
        call_offs::for_supplier(&mut conn, &actor.organisation_id, before, filter, PAGE_SIZE).await?
    } else {
        call_offs::for_buyer(&mut conn, &actor.organisation_id, before, filter, PAGE_SIZE).await?
    };
    let next_before = if calloff_domain::count(call_offs.len()) == PAGE_SIZE {
        call_offs.last().map(|c| c.change_seq)
    } else {
        None
    };
    Ok(Page { call_offs, next_before })
}

/// A call-off with the names and identifiers of its parties, for pages and order forms.
#[derive(Debug, Clone)]
pub struct CallOffView {
    pub call_off: CallOff,
    /// When it went live and when its term ends (`YYYY-MM-DD`), once live.
    pub live_on: Option<String>,
    pub ends_on: Option<String>,
    pub milestones: Vec<lifecycle::Milestone>,
    /// Requests for approval, oldest first, with their decisions.
    pub approvals: Vec<crate::approvals::RequestView>,
    pub variations: Vec<calloff_store::variations::Variation>,
    /// How it was ended early, if it was: the value due to that day and what was released.
    pub early_end: Option<lifecycle::EarlyEnd>,
    pub framework_reference: String,
    pub framework_title: String,
    pub buyer: calloff_domain::organisation::Organisation,
    pub supplier: calloff_domain::organisation::Organisation,
    /// The viewer's standing, which decided what this view holds.
    pub standing: Standing,
    /// Contract value, invoiced to date, remaining and the forecast outturn.
    pub spend: crate::invoices::CallOffSpend,
}

pub async fn view(app: &App, actor: &Actor, id: &CallOffId) -> AppResult<CallOffView> {
    let mut conn = app.db.pool().acquire().await?;
    let call_off = call_offs::get(&mut conn, id)
        .await?
        .ok_or_else(|| AppError::NotFound("call-off".into()))?;
    drop(conn);
    with_parties(app, actor, call_off)
        .await?
        .ok_or_else(|| AppError::NotFound("call-off".into()))
}

/// The view of a call-off as the actor's standing allows (the approval trail only for the
/// customer), or `None` if it is not their business. The framework read for the standing is
/// the one the view shows.
async fn with_parties(app: &App, actor: &Actor, call_off: CallOff) -> AppResult<Option<CallOffView>> {
    let mut conn = app.db.pool().acquire().await?;
    let framework = frameworks::get(&mut conn, &call_off.framework_id)
        .await?
        .ok_or_else(|| AppError::NotFound("framework".into()))?
        .framework;
    let Some(standing) = Standing::of(&actor.organisation_id, &actor.roles, &call_off, &framework.authority) else {
        return Ok(None);
    };
    let missing = || AppError::NotFound("organisation".into());
    let buyer = organisations::get(&mut conn, &call_off.buyer_id)
        .await?
        .ok_or_else(missing)?;
    let supplier = organisations::get(&mut conn, &call_off.supplier_id)
        .await?
        .ok_or_else(missing)?;
    let (live_on, ends_on) = lifecycle::term(&mut conn, &call_off.id).await?;
    let milestones = lifecycle::milestones(&mut conn, &call_off.id).await?;
    let approvals = if standing.sees_approvals() {
        crate::approvals::history(&mut conn, &call_off.id).await?
    } else {
        Vec::new()
    };
    let variations = calloff_store::variations::list(&mut conn, &call_off.id).await?;
    let invoiced = crate::invoices::invoiced_on(&mut conn, &call_off.id).await?;
    let spend =
        crate::invoices::CallOffSpend::of(&call_off, invoiced, live_on.as_deref(), ends_on.as_deref(), app.today());
    let early_end = lifecycle::early_end(&mut conn, &call_off.id).await?;
    Ok(Some(CallOffView {
        spend,
        early_end,
        live_on,
        ends_on,
        milestones,
        approvals,
        variations,
        call_off,
        framework_reference: framework.reference,
        framework_title: framework.title,
        buyer,
        supplier,
        standing,
    }))
}

/// A page of call-offs with their parties, for list pages.
pub async fn list_views(
    app: &App,
    actor: &Actor,
    before: Option<i64>,
    filter: &call_offs::ListFilter,
) -> AppResult<(Vec<CallOffView>, Option<i64>)> {
    let page = list(app, actor, before, filter).await?;
    let mut views = Vec::with_capacity(page.call_offs.len());
    for call_off in page.call_offs {
        // Lists hold only what the policy lets the actor see; anything else is skipped.
        if let Some(view) = with_parties(app, actor, call_off).await? {
            views.push(view);
        }
    }
    Ok((views, page.next_before))
}
