//! Counts of what waits on someone, for the home page: each one indexed count.

use crate::{Conn, StoreResult};
use calloff_domain::ids::{OrganisationId, UserId};

crate::statements! {
    // A buying organisation: invoices waiting for its approval (matched) or decision (held).
    INVOICES_TO_DECIDE = "SELECT COUNT(*) FROM invoices WHERE buyer_id = $1 AND status IN ('matched', 'held')";
    // A supplier: call-offs placed with it to accept, and accepted ones to mark as live.
    CALL_OFFS_IN_STATE = "SELECT COUNT(*) FROM call_offs WHERE supplier_id = $1 AND state = $2";
    // A supplier's MI returns not yet submitted; the second count those past their due date.
    RETURNS_OPEN = "SELECT COUNT(*) FROM mi_returns WHERE supplier_id = $1 AND status = 'open'";
    RETURNS_OPEN_LATE = "SELECT COUNT(*) FROM mi_returns WHERE supplier_id = $1 AND status = 'open' AND due_on < $2";
    // A supplier: open proposals on its frameworks that it has not answered.
    PROPOSALS_TO_ANSWER = "SELECT COUNT(*) FROM proposals p \
                           JOIN framework_suppliers s ON s.framework_id = p.framework_id \
                           WHERE s.supplier_id = $1 AND p.status = 'open' AND p.supplier_response IS NULL";
    // A managing authority: what waits on its frameworks.
    CHANGE_REQUESTS_TO_DECIDE = "SELECT COUNT(*) FROM change_requests c JOIN frameworks f ON f.id = c.framework_id \
                                 WHERE f.authority_id = $1 AND c.status = 'submitted'";
    PROPOSALS_TO_DECIDE = "SELECT COUNT(*) FROM proposals p JOIN frameworks f ON f.id = p.framework_id \
                           WHERE f.authority_id = $1 AND p.status = 'open'";
    RETURNS_LATE_ON_FRAMEWORKS = "SELECT COUNT(*) FROM mi_returns r JOIN frameworks f ON f.id = r.framework_id \
                                  WHERE f.authority_id = $1 AND r.status = 'open' AND r.due_on < $2";
    ORGANISATIONS_TO_VERIFY = "SELECT COUNT(*) FROM organisations WHERE verification = 'pending'";
    UNREAD_NOTIFICATIONS = "SELECT COUNT(*) FROM notifications WHERE recipient_id = $1 AND read_at IS NULL";
}

async fn count(conn: &mut Conn, sql: &'static str, binds: &[&str]) -> StoreResult<i64> {
    let mut query = sqlx::query_scalar::<_, i64>(sql);
    for bind in binds {
        query = query.bind(*bind);
    }
    Ok(query.fetch_one(&mut *conn).await?)
}

pub async fn invoices_to_decide(conn: &mut Conn, buyer: &OrganisationId) -> StoreResult<i64> {
    count(conn, INVOICES_TO_DECIDE, &[buyer.as_str()]).await
}

/// Call-offs addressed to the supplier in `state` (`placed`, `accepted`).
pub async fn supplier_call_offs_in(conn: &mut Conn, supplier: &OrganisationId, state: &str) -> StoreResult<i64> {
    count(conn, CALL_OFFS_IN_STATE, &[supplier.as_str(), state]).await
}

/// The supplier's open returns, and how many of them are late on `today` (`YYYY-MM-DD`).
pub async fn returns_open(conn: &mut Conn, supplier: &OrganisationId, today: &str) -> StoreResult<(i64, i64)> {
    Ok((
        count(conn, RETURNS_OPEN, &[supplier.as_str()]).await?,
        count(conn, RETURNS_OPEN_LATE, &[supplier.as_str(), today]).await?,
    ))
}

pub async fn proposals_to_answer(conn: &mut Conn, supplier: &OrganisationId) -> StoreResult<i64> {
    count(conn, PROPOSALS_TO_ANSWER, &[supplier.as_str()]).await
}

pub async fn change_requests_to_decide(conn: &mut Conn, authority: &OrganisationId) -> StoreResult<i64> {
    count(conn, CHANGE_REQUESTS_TO_DECIDE, &[authority.as_str()]).await
}

pub async fn proposals_to_decide(conn: &mut Conn, authority: &OrganisationId) -> StoreResult<i64> {
    count(conn, PROPOSALS_TO_DECIDE, &[authority.as_str()]).await
}

pub async fn returns_late_on_frameworks(conn: &mut Conn, authority: &OrganisationId, today: &str) -> StoreResult<i64> {
    count(conn, RETURNS_LATE_ON_FRAMEWORKS, &[authority.as_str(), today]).await
}

pub async fn organisations_to_verify(conn: &mut Conn) -> StoreResult<i64> {
    count(conn, ORGANISATIONS_TO_VERIFY, &[]).await
}

pub async fn unread_notifications(conn: &mut Conn, user: &UserId) -> StoreResult<i64> {
    count(conn, UNREAD_NOTIFICATIONS, &[user.as_str()]).await
}
