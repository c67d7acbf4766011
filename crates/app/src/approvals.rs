//! Approvals. Each organisation sets how many distinct approvers a call-off needs by value. A
//! call-off that needs approval is submitted as a draft that holds its headroom, so once approved
//! it is placed and can never then fail for lack of headroom. A variation's increase is approved
//! the same way. A request is returned (by an approver, with a comment), withdrawn (by a buyer)
//! or expires (after the organisation's expiry days); each releases the headroom it held.

use crate::{Actor, App, AppError, AppResult};
use calloff_domain::approval::{ApprovalKind, ApprovalRules, ApprovalStatus, CostCentre, Decision, MAX_COMMENT_LEN};
use calloff_domain::call_off::{CallOff, CallOffState, PricedLine};
use calloff_domain::ids::{CallOffId, UserId};
use calloff_domain::money::Money;
use calloff_domain::role::Role;
use calloff_domain::FieldError;
use calloff_store::approvals::{self, DecisionRecord, Request};
use calloff_store::audit::ChainHead;
use calloff_store::{call_offs, notifications, with_retries, Conn};
use chrono::SecondsFormat;

/// Requests shown to an approver at once.
pub const AWAITING_LIMIT: i64 = 100;
/// Requests one sweep expires.
const EXPIRY_BATCH: i64 = 100;

/// The actor's organisation's approval rules. Everyone in the organisation may read them.
pub async fn rules(app: &App, actor: &Actor) -> AppResult<ApprovalRules> {
    let mut conn = app.db.pool().acquire().await?;
    Ok(approvals::rules(&mut conn, &actor.organisation_id).await?)
}

/// Replaces the organisation's approval rules (organisation admins only). Requests already
/// submitted keep the number of approvers they were submitted with.
/// Refuses, before anything they sent is read, someone who may not set their organisation's
/// approval rules (only its admins may).
pub fn may_set_rules(actor: &Actor) -> AppResult<()> {
    actor.require(Role::OrganisationAdmin, "set approval rules")
}

/// Refuses, before anything they sent is read, someone who is not an approver.
pub fn may_decide(actor: &Actor) -> AppResult<()> {
    actor.require(Role::Approver, "decide on approvals")
}

pub async fn set_rules(app: &App, actor: &Actor, rules: &ApprovalRules) -> AppResult<()> {
    may_set_rules(actor)?;
    with_retries(|| async {
        let at = app.now_text();
        let mut tx = app.db.begin_write().await?;
        let mut head = ChainHead::claim(&mut tx).await?;
        approvals::set_rules(&mut tx, &actor.organisation_id, rules).await?;
        head.append(
            &mut tx,
            &at,
            actor.user_id.as_str(),
            "organisation.approval_rules_set",
            actor.organisation_id.as_str(),
            serde_json::to_value(rules).unwrap_or_default(),
        )
        .await?;
        head.seal(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    })
    .await
}

/// A request with the decisions made on it so far.
#[derive(Debug, Clone)]
pub struct RequestView {
    pub request: Request,
    pub decisions: Vec<DecisionRecord>,
}

impl RequestView {
    /// A variation's proposed lines and their totals (a submission proposes the call-off itself).
    pub fn proposed(&self) -> Option<(Vec<PricedLine>, calloff_domain::call_off::Totals)> {
        let lines: Vec<PricedLine> = serde_json::from_str(self.request.lines.as_deref()?).ok()?;
        let totals = calloff_domain::call_off::Totals::of(&lines).ok()?;
        Some((lines, totals))
    }

    pub fn approvals_given(&self) -> u32 {
        self.decisions
            .iter()
            .filter(|d| d.decision == Decision::Approve)
            .count()
            .try_into()
            .unwrap_or(u32::MAX)
    }

    /// Why `actor` cannot decide on this request, if they cannot.
    pub fn why_not_decide(&self, actor: &Actor, call_off: &CallOff) -> Option<String> {
        if !actor.has(Role::Approver) || actor.organisation_id != self.request.buyer_id {
            return Some("Only an approver of the buying organisation can decide".into());
        }
        if self.request.status != ApprovalStatus::Awaiting {
            return Some(format!(
                "This request is {}",
                self.request.status.label().to_lowercase()
            ));
        }
        if actor.user_id == self.request.requested_by || actor.user_id == call_off.placed_by {
            return Some("You cannot approve your own call-off; another approver must decide".into());
        }
        if self.decisions.iter().any(|d| d.approver_id == actor.user_id) {
            return Some("You have already decided on this request".into());
        }
        None
    }
}

/// Every request made for a call-off, oldest first, with its decisions.
pub async fn history(conn: &mut Conn, call_off: &CallOffId) -> AppResult<Vec<RequestView>> {
    let mut out = Vec::new();
    for request in approvals::for_call_off(conn, call_off).await? {
        let decisions = approvals::decisions(conn, &request.id).await?;
        out.push(RequestView { request, decisions });
    }
    Ok(out)
}

/// A request awaiting decisions, as an approver's list shows it.
#[derive(Debug, Clone)]
pub struct Awaiting {
    pub view: RequestView,
    pub call_off: CallOff,
    /// Why this approver cannot decide, if they cannot (their own, or already decided).
    pub blocked: Option<String>,
}

/// Requests of the approver's organisation that await decisions, oldest first.
pub async fn awaiting(app: &App, actor: &Actor) -> AppResult<Vec<Awaiting>> {
    actor.require(Role::Approver, "see what awaits approval")?;
    let mut conn = app.db.pool().acquire().await?;
    let mut out = Vec::new();
    for request in approvals::awaiting_for_buyer(&mut conn, &actor.organisation_id, AWAITING_LIMIT).await? {
        let decisions = approvals::decisions(&mut conn, &request.id).await?;
        let Some(call_off) = call_offs::get(&mut conn, &request.call_off_id).await? else {
            continue;
        };
        let view = RequestView { request, decisions };
        let blocked = view.why_not_decide(actor, &call_off);
        out.push(Awaiting {
            view,
            call_off,
            blocked,
        });
    }
    Ok(out)
}

/// What to open a request for, inside the caller's transaction.
pub(crate) struct NewRequest<'a> {
    pub call_off: &'a CallOff,
    pub kind: ApprovalKind,
    pub value: Money,
    pub approvers_required: u32,
    pub expiry_days: u32,
    pub reserved_lots: Vec<(u32, Money)>,
    /// A variation's proposed lines.
    pub lines: Option<&'a [PricedLine]>,
    /// Why the buyer asks for the variation, if they said.
    pub reason: Option<&'a str>,
}

/// Opens a request and tells the organisation's approvers, in the caller's transaction. Refuses
/// when the organisation has too few approvers besides the requester for it ever to be approved.
pub(crate) async fn open(tx: &mut Conn, app: &App, actor: &Actor, new: NewRequest<'_>) -> AppResult<Request> {
    let available = approvals::approvers_other_than(tx, &actor.organisation_id, &actor.user_id).await?;
    if available < new.approvers_required {
        return Err(AppError::Conflict(FieldError::new(
            "approvers",
            format!(
                "Your organisation's rules need {} for {}, but only {} can decide. Ask your organisation admin to give someone the approver role.",
                calloff_domain::text::count(new.approvers_required, "approver", "approvers"),
                new.value,
                calloff_domain::text::count(available, "other active approver", "other active approvers")
            ),
        )));
    }
    let at = app.now();
    let request = Request {
        id: uuid::Uuid::now_v7().to_string(),
        call_off_id: new.call_off.id.clone(),
        buyer_id: new.call_off.buyer_id.clone(),
        kind: new.kind,
        value: new.value,
        approvers_required: new.approvers_required,
        status: ApprovalStatus::Awaiting,
        reserved_value: new.value,
        reserved_lots: new.reserved_lots,
        lines: new.lines.map(|l| serde_json::to_string(l).unwrap_or_default()),
        reason: new.reason.map(str::to_string),
        requested_by: actor.user_id.clone(),
        requested_at: app.now_text(),
        expires_at: (at + chrono::Duration::days(i64::from(new.expiry_days)))
            .to_rfc3339_opts(SecondsFormat::Millis, true),
        closed_at: None,
    };
    approvals::insert(tx, &request).await?;
    let what = match new.kind {
        ApprovalKind::Submission => "call-off",
        ApprovalKind::Variation => "variation of call-off",
    };
    let subject = format!("Approval needed: {what} {}", new.call_off.reference);
    let body = format!(
        "{} asks for approval of {what} {} ({} excluding VAT, cost centre {}). {} must approve it by {}.",
        actor.name,
        new.call_off.reference,
        new.value,
        new.call_off.cost_centre.as_ref().map_or("not given", |c| c.as_str()),
        calloff_domain::text::count(new.approvers_required, "approver", "approvers"),
        &request.expires_at[..10],
    );
    let message = notifications::Message {
        id_prefix: &uuid::Uuid::now_v7().to_string(),
        event: "approval.requested",
        subject: &subject,
        body: &body,
        link: &format!("/call-offs/{}", new.call_off.id),
        created_at: &request.requested_at,
    };
    notifications::queue_for_role(
        tx,
        &message,
        Some(&actor.organisation_id),
        Role::Approver,
        &actor.user_id,
    )
    .await?;
    Ok(request)
}

/// Closes the call-off's awaiting request, if any, and releases its headroom (when the call-off
/// is cancelled or ends, say). Call inside the caller's transaction.
pub(crate) async fn close_awaiting(
    tx: &mut Conn,
    head: &mut ChainHead,
    call_off: &CallOff,
    status: ApprovalStatus,
    at: &str,
) -> AppResult<Option<Request>> {
    let Some(request) = approvals::awaiting_for_call_off(tx, &call_off.id).await? else {
        return Ok(None);
    };
    if !approvals::close(tx, &request.id, status, at).await? {
        return Ok(None);
    }
    crate::headroom::release(
        tx,
        head,
        &call_off.framework_id,
        request.reserved_value,
        &request.reserved_lots,
    )
    .await?;
    Ok(Some(request))
}

/// A request and its call-off, for people of the buying organisation; "not found" for others.
pub async fn get(app: &App, actor: &Actor, id: &str) -> AppResult<(RequestView, crate::call_offs::CallOffView)> {
    let (view, call_off) = request_and_call_off(app, actor, id).await?;
    Ok((view, crate::call_offs::view(app, actor, &call_off.id).await?))
}

/// The request and its call-off, if the actor's organisation bought it; "not found" otherwise.
async fn request_and_call_off(app: &App, actor: &Actor, id: &str) -> AppResult<(RequestView, CallOff)> {
    let mut conn = app.db.pool().acquire().await?;
    let not_found = || AppError::NotFound("approval request".into());
    let request = approvals::get(&mut conn, id).await?.ok_or_else(not_found)?;
    if request.buyer_id != actor.organisation_id {
        return Err(not_found());
    }
    let call_off = call_offs::get(&mut conn, &request.call_off_id)
        .await?
        .ok_or_else(not_found)?;
    let decisions = approvals::decisions(&mut conn, &request.id).await?;
    Ok((RequestView { request, decisions }, call_off))
}

/// The outcome of a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decided {
    /// Recorded; more approvals are needed.
    Recorded {
        approvals_given: u32,
        approvers_required: u32,
    },
    /// The last approval: the call-off is placed (a submission), or the variation applied.
    Approved(ApprovalKind),
    /// Returned to the buyer; the headroom is released.
    Returned,
}

/// An approver approves, or returns with a comment, a request of their organisation. Nobody
/// decides on their own call-off, and each approver decides once.
pub async fn decide(app: &App, actor: &Actor, id: &str, decision: Decision, comment: &str) -> AppResult<Decided> {
    may_decide(actor)?;
    let (view, call_off) = request_and_call_off(app, actor, id).await?;
    if let Some(why) = view.why_not_decide(actor, &call_off) {
        return Err(AppError::Conflict(FieldError::new("decision", why)));
    }
    let comment = comment.trim();
    if decision == Decision::Return && comment.is_empty() {
        return Err(AppError::invalid("comment", "Say why you are returning it"));
    }
    if comment.chars().count() > MAX_COMMENT_LEN {
        return Err(AppError::invalid(
            "comment",
            format!("Comment must be {MAX_COMMENT_LEN} characters or fewer"),
        ));
    }
    with_retries(|| record_decision(app, actor, &view.request, decision, comment)).await
}

async fn record_decision(
    app: &App,
    actor: &Actor,
    request: &Request,
    decision: Decision,
    comment: &str,
) -> AppResult<Decided> {
    let at = app.now_text();
    let mut tx = app.db.begin_write().await?;
    let mut head = ChainHead::claim(&mut tx).await?;
    match approvals::insert_decision(&mut tx, &request.id, &actor.user_id, decision, comment, &at).await {
        Err(e) if e.is_unique_violation() => {
            return Err(AppError::Conflict(FieldError::new(
                "decision",
                "You have already decided on this request",
            )))
        }
        result => result?,
    }
    let call_off = call_offs::get(&mut tx, &request.call_off_id)
        .await?
        .ok_or_else(|| AppError::NotFound("call-off".into()))?;
    let given = approvals::approvals_given(&mut tx, &request.id).await?;
    let outcome = match decision {
        Decision::Return => Decided::Returned,
        Decision::Approve if given >= request.approvers_required => Decided::Approved(request.kind),
        Decision::Approve => Decided::Recorded {
            approvals_given: given,
            approvers_required: request.approvers_required,
        },
    };
    let closing = match outcome {
        Decided::Returned => Some(ApprovalStatus::Returned),
        Decided::Approved(_) => Some(ApprovalStatus::Approved),
        Decided::Recorded { .. } => None,
    };
    if let Some(status) = closing {
        if !approvals::close(&mut tx, &request.id, status, &at).await? {
            return Err(AppError::Conflict(FieldError::new(
                "decision",
                "This request was closed meanwhile; reload it",
            )));
        }
    }
    head.append(
        &mut tx,
        &at,
        actor.user_id.as_str(),
        &format!("approval.{}", decision.as_str()),
        call_off.id.as_str(),
        serde_json::json!({
            "request": request.id,
            "kind": request.kind.as_str(),
            "comment": comment,
            "approvals_given": given,
            "approvers_required": request.approvers_required,
        }),
    )
    .await?;
    match (outcome, request.kind) {
        (Decided::Returned, _) => {
            let (value, lots) = (request.reserved_value, &request.reserved_lots);
            crate::headroom::release(&mut tx, &mut head, &call_off.framework_id, value, lots).await?
        }
        (Decided::Approved(_), ApprovalKind::Submission) => {
            if !call_offs::place_draft(&mut tx, &call_off.id, &at, head.next_seq()).await? {
                return Err(AppError::Conflict(FieldError::new(
                    "state",
                    "This call-off is no longer a draft; reload it",
                )));
            }
            head.append(
                &mut tx,
                &at,
                actor.user_id.as_str(),
                "call_off.placed",
                call_off.id.as_str(),
                serde_json::json!({ "reference": call_off.reference, "approved": request.id }),
            )
            .await?;
        }
        (Decided::Approved(_), ApprovalKind::Variation) => {
            let lines: Vec<PricedLine> = serde_json::from_str(request.lines.as_deref().unwrap_or("[]"))
                .map_err(|e| calloff_store::StoreError::corrupt(format!("stored variation lines: {e}")))?;
            let reason = request.reason.as_deref();
            crate::variations::record(
                &mut tx,
                &mut head,
                app,
                actor,
                &request.requested_by,
                &call_off,
                &lines,
                reason,
            )
            .await?;
        }
        (Decided::Recorded { .. }, _) => {}
    }
    if closing.is_some() {
        tell_requester(&mut tx, &at, actor, request, &call_off, decision, comment).await?;
    }
    head.seal(&mut tx).await?;
    tx.commit().await?;
    Ok(outcome)
}

async fn tell_requester(
    tx: &mut Conn,
    at: &str,
    actor: &Actor,
    request: &Request,
    call_off: &CallOff,
    decision: Decision,
    comment: &str,
) -> AppResult<()> {
    let what = match request.kind {
        ApprovalKind::Submission => "Call-off",
        ApprovalKind::Variation => "Variation of call-off",
    };
    let (subject, body) = match decision {
        Decision::Approve => (
            format!("{what} {} approved", call_off.reference),
            match request.kind {
                ApprovalKind::Submission => format!(
                    "Call-off {} is approved and has been placed with the supplier.",
                    call_off.reference
                ),
                ApprovalKind::Variation => format!(
                    "The variation of call-off {} is approved and now applies.",
                    call_off.reference
                ),
            },
        ),
        Decision::Return => (
            format!("{what} {} returned", call_off.reference),
            format!(
                "{} returned it to you: {comment} You can submit it again or cancel it.",
                actor.name
            ),
        ),
    };
    let message = notifications::Message {
        id_prefix: &uuid::Uuid::now_v7().to_string(),
        event: &format!("approval.{}", decision.as_str()),
        subject: &subject,
        body: &body,
        link: &format!("/call-offs/{}", call_off.id),
        created_at: at,
    };
    notifications::queue_for_user(tx, &message, &request.requested_by, &actor.user_id).await?;
    Ok(())
}

/// The call-off, if the actor is a buyer of its organisation.
async fn buyers_call_off(app: &App, actor: &Actor, id: &CallOffId) -> AppResult<CallOff> {
    let (call_off, standing) = crate::call_offs::get_with_standing(app, actor, id).await?;
    if !standing.acts_as_buyer(&actor.roles) {
        return Err(AppError::Forbidden(
            "only a buyer of the ordering organisation can do this".into(),
        ));
    }
    Ok(call_off)
}

/// A buyer withdraws the call-off's request awaiting approval; its headroom is released. A
/// withdrawn submission stays a draft that can be submitted again or cancelled.
pub async fn withdraw(app: &App, actor: &Actor, id: &CallOffId) -> AppResult<Request> {
    let call_off = buyers_call_off(app, actor, id).await?;
    with_retries(|| async {
        let at = app.now_text();
        let mut tx = app.db.begin_write().await?;
        let mut head = ChainHead::claim(&mut tx).await?;
        let Some(request) = close_awaiting(&mut tx, &mut head, &call_off, ApprovalStatus::Withdrawn, &at).await? else {
            return Err(AppError::Conflict(FieldError::new(
                "state",
                "Nothing on this call-off is awaiting approval",
            )));
        };
        head.append(
            &mut tx,
            &at,
            actor.user_id.as_str(),
            "approval.withdrawn",
            call_off.id.as_str(),
            serde_json::json!({ "request": request.id, "kind": request.kind.as_str() }),
        )
        .await?;
        head.seal(&mut tx).await?;
        tx.commit().await?;
        Ok(request)
    })
    .await
}

/// What submitting a draft again led to.
#[derive(Debug, Clone)]
pub enum Resubmitted {
    AwaitingApproval(Box<Request>),
    /// The rules no longer ask for approval at this value, so it was placed.
    Placed,
}

/// A buyer submits a returned, withdrawn or expired draft again, at the prices it was priced
/// at, with a corrected cost centre if one is given. Its headroom is reserved again and the
/// organisation's rules applied afresh.
pub async fn resubmit(app: &App, actor: &Actor, id: &CallOffId, cost_centre: Option<&str>) -> AppResult<Resubmitted> {
    let mut call_off = buyers_call_off(app, actor, id).await?;
    if let Some(code) = cost_centre {
        call_off.cost_centre = Some(CostCentre::parse(code)?);
    }
    if call_off.state != CallOffState::Draft {
        return Err(AppError::Conflict(FieldError::new(
            "state",
            format!(
                "A call-off that is {} cannot be submitted",
                call_off.state.label().to_lowercase()
            ),
        )));
    }
    with_retries(|| submit_again(app, actor, &call_off)).await
}

async fn submit_again(app: &App, actor: &Actor, call_off: &CallOff) -> AppResult<Resubmitted> {
    let at = app.now_text();
    let value = call_off.totals.contract_value;
    let mut tx = app.db.begin_write().await?;
    let mut head = ChainHead::claim(&mut tx).await?;
    if approvals::awaiting_for_call_off(&mut tx, &call_off.id).await?.is_some() {
        return Err(AppError::Conflict(FieldError::new(
            "state",
            "This call-off is already awaiting approval",
        )));
    }
    if let Some(code) = &call_off.cost_centre {
        call_offs::set_draft_cost_centre(&mut tx, &call_off.id, code).await?;
    }
    let ask = crate::headroom::Ask {
        framework: &call_off.framework_id,
        buyer: &call_off.buyer_id,
        lines: &call_off.lines,
        value,
        today: app.today(),
        new_call_off: false,
    };
    let (taken, _) = crate::headroom::take(&mut tx, &mut head, ask).await?;
    let outcome = if taken.approvers_required == 0 {
        if !call_offs::place_draft(&mut tx, &call_off.id, &at, head.next_seq()).await? {
            return Err(AppError::Conflict(FieldError::new(
                "state",
                "This call-off is no longer a draft",
            )));
        }
        Resubmitted::Placed
    } else {
        let request = open(
            &mut tx,
            app,
            actor,
            NewRequest {
                call_off,
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
        Resubmitted::AwaitingApproval(Box::new(request))
    };
    let action = match outcome {
        Resubmitted::Placed => "call_off.placed",
        Resubmitted::AwaitingApproval(_) => "call_off.submitted",
    };
    head.append(
        &mut tx,
        &at,
        actor.user_id.as_str(),
        action,
        call_off.id.as_str(),
        serde_json::json!({
            "reference": call_off.reference,
            "contract_value_pence": value.pence(),
            "cost_centre": call_off.cost_centre.as_ref().map(CostCentre::as_str),
            "again": true,
        }),
    )
    .await?;
    head.seal(&mut tx).await?;
    tx.commit().await?;
    Ok(outcome)
}

/// Expires requests that have waited past their organisation's expiry, releasing their headroom
/// and telling the requester. Safe to run in several processes at once.
pub async fn expire_due(app: &App) -> AppResult<usize> {
    let mut conn = app.db.pool().acquire().await?;
    let due = approvals::due_to_expire(&mut conn, &app.now_text(), EXPIRY_BATCH).await?;
    drop(conn);
    let mut expired = 0;
    for id in due {
        if with_retries(|| expire(app, &id)).await? {
            expired += 1;
        }
    }
    Ok(expired)
}

async fn expire(app: &App, id: &str) -> AppResult<bool> {
    let at = app.now_text();
    let mut tx = app.db.begin_write().await?;
    let mut head = ChainHead::claim(&mut tx).await?;
    let Some(request) = approvals::get(&mut tx, id).await? else {
        return Ok(false);
    };
    if !approvals::close(&mut tx, id, ApprovalStatus::Expired, &at).await? {
        return Ok(false);
    }
    let call_off = call_offs::get(&mut tx, &request.call_off_id)
        .await?
        .ok_or_else(|| AppError::NotFound("call-off".into()))?;
    crate::headroom::release(
        &mut tx,
        &mut head,
        &call_off.framework_id,
        request.reserved_value,
        &request.reserved_lots,
    )
    .await?;
    let system = UserId::from_stored("system");
    head.append(
        &mut tx,
        &at,
        system.as_str(),
        "approval.expired",
        call_off.id.as_str(),
        serde_json::json!({ "request": request.id, "kind": request.kind.as_str(), "requested_at": request.requested_at }),
    )
    .await?;
    let subject = format!("Approval request for {} expired", call_off.reference);
    let body = format!(
        "The request for approval of {} made on {} was not decided in time, so it has expired and its headroom was released. You can submit it again or cancel it.",
        call_off.reference,
        &request.requested_at[..10]
    );
    let message = notifications::Message {
        id_prefix: &uuid::Uuid::now_v7().to_string(),
        event: "approval.expired",
        subject: &subject,
        body: &body,
        link: &format!("/call-offs/{}", call_off.id),
        created_at: &at,
    };
    notifications::queue_for_user(&mut tx, &message, &request.requested_by, &system).await?;
    head.seal(&mut tx).await?;
    tx.commit().await?;
    Ok(true)
}
