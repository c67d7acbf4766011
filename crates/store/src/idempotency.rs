//! Claimed idempotency keys and the responses they replay.

use crate::{Conn, StoreResult};
use sqlx::Row;

crate::statements! {
    CLAIM = "INSERT INTO idempotent_requests (scope, idempotency_key, request_hash, created_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (scope, idempotency_key) DO NOTHING";
    CLAIMED = "SELECT request_hash, status, response_body, location FROM idempotent_requests \
               WHERE scope = $1 AND idempotency_key = $2";
    COMPLETE = "UPDATE idempotent_requests SET status = $1, response_body = $2, location = $3 \
                WHERE scope = $4 AND idempotency_key = $5 AND status IS NULL";
    RELEASE = "DELETE FROM idempotent_requests WHERE scope = $1 AND idempotency_key = $2 AND status IS NULL";
    FORGET_BEFORE = "DELETE FROM idempotent_requests WHERE created_at < $1";
}

/// What a claim of a key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key is new and now this request's.
    Claimed,
    /// The key's request succeeded: replay its response.
    Done {
        status: i64,
        body: String,
        location: Option<String>,
    },
    /// The key is another request's (its method, path or body differ).
    OtherRequest,
    /// The key's request has not finished (or never will).
    InProgress,
}

pub async fn claim(conn: &mut Conn, scope: &str, key: &str, request_hash: &str, at: &str) -> StoreResult<Claim> {
    let inserted = sqlx::query(CLAIM)
        .bind(scope)
        .bind(key)
        .bind(request_hash)
        .bind(at)
        .execute(&mut *conn)
        .await?
        .rows_affected()
        == 1;
    if inserted {
        return Ok(Claim::Claimed);
    }
    let row = sqlx::query(CLAIMED).bind(scope).bind(key).fetch_one(&mut *conn).await?;
    let hash: String = row.try_get("request_hash")?;
    if hash != request_hash {
        return Ok(Claim::OtherRequest);
    }
    Ok(match row.try_get::<Option<i64>, _>("status")? {
        Some(status) => Claim::Done {
            status,
            body: row.try_get::<Option<String>, _>("response_body")?.unwrap_or_default(),
            location: row.try_get("location")?,
        },
        None => Claim::InProgress,
    })
}

pub async fn complete(
    conn: &mut Conn,
    scope: &str,
    key: &str,
    status: i64,
    body: &str,
    location: Option<&str>,
) -> StoreResult<()> {
    sqlx::query(COMPLETE)
        .bind(status)
        .bind(body)
        .bind(location)
        .bind(scope)
        .bind(key)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Forgets keys claimed before `cutoff`; returns how many.
pub async fn forget_before(conn: &mut Conn, cutoff: &str) -> StoreResult<u64> {
    Ok(sqlx::query(FORGET_BEFORE)
        .bind(cutoff)
        .execute(&mut *conn)
        .await?
        .rows_affected())
}

/// Frees a key whose request failed, so that a corrected retry may use it.
pub async fn release(conn: &mut Conn, scope: &str, key: &str) -> StoreResult<()> {
    sqlx::query(RELEASE).bind(scope).bind(key).execute(&mut *conn).await?;
    Ok(())
}
