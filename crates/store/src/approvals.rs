//! Approval rules, requests for approval and approvers' decisions.

use crate::{Conn, StoreError, StoreResult};
use calloff_domain::approval::{ApprovalKind, ApprovalRules, ApprovalStatus, Decision, Threshold};
use calloff_domain::ids::{CallOffId, OrganisationId, UserId};
use calloff_domain::money::Money;
use sqlx::Row;

crate::statements! {
    THRESHOLDS = "SELECT from_value, approvers FROM approval_thresholds WHERE organisation_id = $1 ORDER BY from_value";
    EXPIRY_DAYS = "SELECT approval_expiry_days FROM organisations WHERE id = $1";
    DELETE_THRESHOLDS = "DELETE FROM approval_thresholds WHERE organisation_id = $1";
    INSERT_THRESHOLD = "INSERT INTO approval_thresholds (organisation_id, from_value, approvers) VALUES ($1, $2, $3)";
    SET_EXPIRY_DAYS = "UPDATE organisations SET approval_expiry_days = $1 WHERE id = $2";
    INSERT_REQUEST = "INSERT INTO approval_requests (id, call_off_id, kind, value, approvers_required, status, \
                      reserved_value, reserved_lots, lines, reason, requested_by, requested_at, expires_at) \
                      VALUES ($1, $2, $3, $4, $5, 'awaiting', $6, $7, $8, $9, $10, $11, $12)";
    REQUEST = "SELECT r.id, r.call_off_id, r.kind, r.value, r.approvers_required, r.status, r.reserved_value, \
               r.reserved_lots, r.lines, r.reason, r.requested_by, r.requested_at, r.expires_at, r.closed_at, c.buyer_id \
               FROM approval_requests r JOIN call_offs c ON c.id = r.call_off_id WHERE r.id = $1";
    FOR_CALL_OFF = "SELECT r.id, r.call_off_id, r.kind, r.value, r.approvers_required, r.status, r.reserved_value, \
                    r.reserved_lots, r.lines, r.reason, r.requested_by, r.requested_at, r.expires_at, r.closed_at, c.buyer_id \
                    FROM approval_requests r JOIN call_offs c ON c.id = r.call_off_id \
                    WHERE r.call_off_id = $1 ORDER BY r.requested_at, r.id";
    AWAITING_FOR_BUYER = "SELECT r.id, r.call_off_id, r.kind, r.value, r.approvers_required, r.status, r.reserved_value, \
                          r.reserved_lots, r.lines, r.reason, r.requested_by, r.requested_at, r.expires_at, r.closed_at, c.buyer_id \
                          FROM approval_requests r JOIN call_offs c ON c.id = r.call_off_id \
                          WHERE c.buyer_id = $1 AND r.status = 'awaiting' ORDER BY r.requested_at, r.id LIMIT $2";
    AWAITING_FOR_CALL_OFF = "SELECT r.id, r.call_off_id, r.kind, r.value, r.approvers_required, r.status, r.reserved_value, \
                             r.reserved_lots, r.lines, r.reason, r.requested_by, r.requested_at, r.expires_at, r.closed_at, c.buyer_id \
                             FROM approval_requests r JOIN call_offs c ON c.id = r.call_off_id \
                             WHERE r.call_off_id = $1 AND r.status = 'awaiting'";
    // Active approvers of the organisation who could decide on a request made by $2.
    APPROVERS_OTHER_THAN = "SELECT COUNT(*) AS n FROM users u JOIN user_roles r ON r.user_id = u.id \
                            WHERE u.organisation_id = $1 AND u.active = 1 AND r.role = 'approver' AND u.id <> $2";
    DUE_TO_EXPIRE = "SELECT id FROM approval_requests WHERE status = 'awaiting' AND expires_at <= $1 \
                     ORDER BY expires_at LIMIT $2";
    DECISIONS = "SELECT d.approver_id, u.name AS approver_name, d.decision, d.comment, d.decided_at \
                 FROM approval_decisions d JOIN users u ON u.id = d.approver_id \
                 WHERE d.request_id = $1 ORDER BY d.decided_at, d.approver_id";
    INSERT_DECISION = "INSERT INTO approval_decisions (request_id, approver_id, decision, comment, decided_at) \
                       VALUES ($1, $2, $3, $4, $5)";
    APPROVALS_GIVEN = "SELECT COUNT(*) AS n FROM approval_decisions WHERE request_id = $1 AND decision = 'approve'";
    // Closes a request only while it awaits decisions, so two closings cannot both release.
    CLOSE = "UPDATE approval_requests SET status = $1, closed_at = $2 WHERE id = $3 AND status = 'awaiting'";
    AWAITING_TOTAL = "SELECT CAST(COALESCE(SUM(r.reserved_value), 0) AS BIGINT) AS total FROM approval_requests r \
                      JOIN call_offs c ON c.id = r.call_off_id WHERE c.framework_id = $1 AND r.status = 'awaiting'";
}

pub async fn rules(conn: &mut Conn, organisation: &OrganisationId) -> StoreResult<ApprovalRules> {
    let thresholds = sqlx::query(THRESHOLDS)
        .bind(organisation.as_str())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            Ok(Threshold {
                from_value: Money::from_pence(r.try_get("from_value")?),
                approvers: u32::try_from(r.try_get::<i64, _>("approvers")?)
                    .map_err(|e| StoreError::corrupt(e.to_string()))?,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    let expiry_days: i64 = sqlx::query(EXPIRY_DAYS)
        .bind(organisation.as_str())
        .fetch_one(&mut *conn)
        .await?
        .try_get("approval_expiry_days")?;
    Ok(ApprovalRules {
        thresholds,
        expiry_days: u32::try_from(expiry_days).map_err(|e| StoreError::corrupt(e.to_string()))?,
    })
}

pub async fn set_rules(conn: &mut Conn, organisation: &OrganisationId, rules: &ApprovalRules) -> StoreResult<()> {
    sqlx::query(DELETE_THRESHOLDS)
        .bind(organisation.as_str())
        .execute(&mut *conn)
        .await?;
    for t in &rules.thresholds {
        sqlx::query(INSERT_THRESHOLD)
            .bind(organisation.as_str())
            .bind(t.from_value.pence())
            .bind(i64::from(t.approvers))
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query(SET_EXPIRY_DAYS)
        .bind(i64::from(rules.expiry_days))
        .bind(organisation.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A request for approval of a call-off or of a variation's increase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub id: String,
    pub call_off_id: CallOffId,
    pub buyer_id: OrganisationId,
    pub kind: ApprovalKind,
    /// The value the rules were applied to: the contract value, or a variation's increase.
    pub value: Money,
    pub approvers_required: u32,
    pub status: ApprovalStatus,
    /// Headroom held while the request awaits decisions: on the framework, and per lot.
    pub reserved_value: Money,
    pub reserved_lots: Vec<(u32, Money)>,
    /// A variation's proposed lines, as JSON.
    pub lines: Option<String>,
    /// Why the buyer asks for the variation, if they said.
    pub reason: Option<String>,
    pub requested_by: UserId,
    pub requested_at: String,
    pub expires_at: String,
    pub closed_at: Option<String>,
}

fn request_from_row(r: &sqlx::any::AnyRow) -> StoreResult<Request> {
    let kind: String = r.try_get("kind")?;
    let status: String = r.try_get("status")?;
    let lots: String = r.try_get("reserved_lots")?;
    Ok(Request {
        id: r.try_get("id")?,
        call_off_id: CallOffId::from_stored(r.try_get::<String, _>("call_off_id")?),
        buyer_id: OrganisationId::from_stored(r.try_get::<String, _>("buyer_id")?),
        kind: ApprovalKind::parse(&kind).map_err(|e| StoreError::corrupt(e.to_string()))?,
        value: Money::from_pence(r.try_get("value")?),
        approvers_required: u32::try_from(r.try_get::<i64, _>("approvers_required")?)
            .map_err(|e| StoreError::corrupt(e.to_string()))?,
        status: ApprovalStatus::parse(&status).map_err(|e| StoreError::corrupt(e.to_string()))?,
        reserved_value: Money::from_pence(r.try_get("reserved_value")?),
        reserved_lots: serde_json::from_str(&lots).map_err(|e| StoreError::corrupt(e.to_string()))?,
        lines: r.try_get("lines")?,
        reason: r.try_get("reason")?,
        requested_by: UserId::from_stored(r.try_get::<String, _>("requested_by")?),
        requested_at: r.try_get("requested_at")?,
        expires_at: r.try_get("expires_at")?,
        closed_at: r.try_get("closed_at")?,
    })
}

pub async fn insert(conn: &mut Conn, r: &Request) -> StoreResult<()> {
    let lots = serde_json::to_string(&r.reserved_lots).map_err(|e| StoreError::corrupt(e.to_string()))?;
    sqlx::query(INSERT_REQUEST)
        .bind(&r.id)
        .bind(r.call_off_id.as_str())
        .bind(r.kind.as_str())
        .bind(r.value.pence())
        .bind(i64::from(r.approvers_required))
        .bind(r.reserved_value.pence())
        .bind(lots)
        .bind(r.lines.as_deref())
        .bind(r.reason.as_deref())
        .bind(r.requested_by.as_str())
        .bind(&r.requested_at)
        .bind(&r.expires_at)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn get(conn: &mut Conn, id: &str) -> StoreResult<Option<Request>> {
    sqlx::query(REQUEST)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(request_from_row)
        .transpose()
}

/// Every request made for a call-off, oldest first.
pub async fn for_call_off(conn: &mut Conn, call_off: &CallOffId) -> StoreResult<Vec<Request>> {
    sqlx::query(FOR_CALL_OFF)
        .bind(call_off.as_str())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(request_from_row)
        .collect()
}

/// Requests of the buyer's organisation that await decisions, oldest first.
pub async fn awaiting_for_buyer(conn: &mut Conn, buyer: &OrganisationId, limit: i64) -> StoreResult<Vec<Request>> {
    sqlx::query(AWAITING_FOR_BUYER)
        .bind(buyer.as_str())
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(request_from_row)
        .collect()
}

/// Ids of requests still awaiting decisions at `now`, past their expiry.
pub async fn due_to_expire(conn: &mut Conn, now: &str, limit: i64) -> StoreResult<Vec<String>> {
    sqlx::query(DUE_TO_EXPIRE)
        .bind(now)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| Ok(r.try_get("id")?))
        .collect()
}

/// One approver's decision on a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionRecord {
    pub approver_id: UserId,
    pub approver_name: String,
    pub decision: Decision,
    pub comment: String,
    pub decided_at: String,
}

pub async fn decisions(conn: &mut Conn, request: &str) -> StoreResult<Vec<DecisionRecord>> {
    sqlx::query(DECISIONS)
        .bind(request)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            let decision: String = r.try_get("decision")?;
            Ok(DecisionRecord {
                approver_id: UserId::from_stored(r.try_get::<String, _>("approver_id")?),
                approver_name: r.try_get("approver_name")?,
                decision: Decision::parse(&decision).map_err(|e| StoreError::corrupt(e.to_string()))?,
                comment: r.try_get("comment")?,
                decided_at: r.try_get("decided_at")?,
            })
        })
        .collect()
}

/// Records a decision; the primary key refuses a second decision by the same approver.
pub async fn insert_decision(
    conn: &mut Conn,
    request: &str,
    approver: &UserId,
    decision: Decision,
    comment: &str,
    at: &str,
) -> StoreResult<()> {
    sqlx::query(INSERT_DECISION)
        .bind(request)
        .bind(approver.as_str())
        .bind(decision.as_str())
        .bind(comment)
        .bind(at)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn approvals_given(conn: &mut Conn, request: &str) -> StoreResult<u32> {
    let n: i64 = sqlx::query(APPROVALS_GIVEN)
        .bind(request)
        .fetch_one(&mut *conn)
        .await?
        .try_get("n")?;
    u32::try_from(n).map_err(|e| StoreError::corrupt(e.to_string()))
}

/// Closes an awaiting request; false if it was no longer awaiting.
pub async fn close(conn: &mut Conn, request: &str, status: ApprovalStatus, at: &str) -> StoreResult<bool> {
    Ok(sqlx::query(CLOSE)
        .bind(status.as_str())
        .bind(at)
        .bind(request)
        .execute(&mut *conn)
        .await?
        .rows_affected()
        == 1)
}

/// Headroom held on the framework by requests awaiting decisions.
pub async fn awaiting_total(conn: &mut Conn, framework: &calloff_domain::ids::FrameworkId) -> StoreResult<Money> {
    Ok(Money::from_pence(
        sqlx::query(AWAITING_TOTAL)
            .bind(framework.as_str())
            .fetch_one(&mut *conn)
            .await?
            .try_get("total")?,
    ))
}

/// The request of a call-off that awaits decisions, if any.
pub async fn awaiting_for_call_off(conn: &mut Conn, call_off: &CallOffId) -> StoreResult<Option<Request>> {
    sqlx::query(AWAITING_FOR_CALL_OFF)
        .bind(call_off.as_str())
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(request_from_row)
        .transpose()
}

/// How many active approvers of `organisation` there are besides `requester`.
pub async fn approvers_other_than(
    conn: &mut Conn,
    organisation: &OrganisationId,
    requester: &UserId,
) -> StoreResult<u32> {
    let n: i64 = sqlx::query(APPROVERS_OTHER_THAN)
        .bind(organisation.as_str())
        .bind(requester.as_str())
        .fetch_one(&mut *conn)
        .await?
        .try_get("n")?;
    u32::try_from(n).map_err(|e| StoreError::corrupt(e.to_string()))
}
