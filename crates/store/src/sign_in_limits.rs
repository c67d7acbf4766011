//! Failed sign-ins by account and by address, shared by every server process.

use crate::{Conn, StoreResult};
use sqlx::Row;

crate::statements! {
    RECORD_FAILURE = "INSERT INTO sign_in_failures (kind, subject, failures, last_failure_at) VALUES ($1, $2, 1, $3) \
                      ON CONFLICT (kind, subject) DO UPDATE SET \
                      failures = CASE WHEN sign_in_failures.last_failure_at < $4 THEN 1 ELSE sign_in_failures.failures + 1 END, \
                      last_failure_at = $3";
    FAILURES = "SELECT failures, last_failure_at FROM sign_in_failures WHERE kind = $1 AND subject = $2";
    CLEAR_FAILURES = "DELETE FROM sign_in_failures WHERE kind = $1 AND subject = $2";
}

/// Counts a failed sign-in against `subject`; failures before `window_start` are forgotten.
pub async fn record_failure(
    conn: &mut Conn,
    kind: &str,
    subject: &str,
    at: &str,
    window_start: &str,
) -> StoreResult<()> {
    sqlx::query(RECORD_FAILURE)
        .bind(kind)
        .bind(subject)
        .bind(at)
        .bind(window_start)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Failed sign-ins counted against `subject`, and when the last was.
pub async fn failures(conn: &mut Conn, kind: &str, subject: &str) -> StoreResult<Option<(i64, String)>> {
    let row = sqlx::query(FAILURES)
        .bind(kind)
        .bind(subject)
        .fetch_optional(&mut *conn)
        .await?;
    row.map(|r| Ok((r.try_get("failures")?, r.try_get("last_failure_at")?)))
        .transpose()
}

pub async fn clear_failures(conn: &mut Conn, kind: &str, subject: &str) -> StoreResult<()> {
    sqlx::query(CLEAR_FAILURES)
        .bind(kind)
        .bind(subject)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
