//! Two-factor secrets and recovery codes. Accepting a code is a guarded update, so that the same
//! code (or recovery code) is accepted once however many requests race with it.

use crate::{Conn, StoreResult};
use calloff_domain::ids::UserId;
use sqlx::Row;

crate::statements! {
    GET = "SELECT secret, confirmed_at, last_step FROM two_factor WHERE user_id = $1";
    // A confirmed secret is never replaced by starting again: it must be turned off first.
    START = "INSERT INTO two_factor (user_id, secret, last_step) VALUES ($1, $2, 0) \
             ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, last_step = 0 \
             WHERE two_factor.confirmed_at IS NULL";
    CONFIRM = "UPDATE two_factor SET confirmed_at = $1, last_step = $2 \
               WHERE user_id = $3 AND confirmed_at IS NULL AND secret = $4";
    USE_STEP = "UPDATE two_factor SET last_step = $1 \
                WHERE user_id = $2 AND confirmed_at IS NOT NULL AND last_step < $1";
    REMOVE = "DELETE FROM two_factor WHERE user_id = $1";
    INSERT_RECOVERY_CODE = "INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)";
    DELETE_RECOVERY_CODES = "DELETE FROM recovery_codes WHERE user_id = $1";
    USE_RECOVERY_CODE = "UPDATE recovery_codes SET used_at = $1 \
                         WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL";
    RECOVERY_CODES_LEFT = "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM recovery_codes \
                           WHERE user_id = $1 AND used_at IS NULL";
}

#[derive(Debug, Clone)]
pub struct TwoFactorRecord {
    /// Base32, as an authenticator app takes it.
    pub secret: String,
    /// None while enrolment is in progress.
    pub confirmed_at: Option<String>,
    pub last_step: i64,
}

pub async fn get(conn: &mut Conn, user: &UserId) -> StoreResult<Option<TwoFactorRecord>> {
    let row = sqlx::query(GET).bind(user.as_str()).fetch_optional(&mut *conn).await?;
    row.map(|row| {
        Ok(TwoFactorRecord {
            secret: row.try_get("secret")?,
            confirmed_at: row.try_get("confirmed_at")?,
            last_step: row.try_get("last_step")?,
        })
    })
    .transpose()
}

/// Starts (or restarts) enrolment with a new secret. False if a confirmed secret is in place.
pub async fn start(conn: &mut Conn, user: &UserId, secret: &str) -> StoreResult<bool> {
    let done = sqlx::query(START)
        .bind(user.as_str())
        .bind(secret)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Confirms the enrolment with this secret, recording the step of the code that confirmed it.
pub async fn confirm(conn: &mut Conn, user: &UserId, secret: &str, step: i64, at: &str) -> StoreResult<bool> {
    let done = sqlx::query(CONFIRM)
        .bind(at)
        .bind(step)
        .bind(user.as_str())
        .bind(secret)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Takes a code's time step: true only if no code of this step or a later one was taken.
pub async fn use_step(conn: &mut Conn, user: &UserId, step: i64) -> StoreResult<bool> {
    let done = sqlx::query(USE_STEP)
        .bind(step)
        .bind(user.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Removes the secret and every recovery code.
pub async fn remove(conn: &mut Conn, user: &UserId) -> StoreResult<()> {
    sqlx::query(REMOVE).bind(user.as_str()).execute(&mut *conn).await?;
    sqlx::query(DELETE_RECOVERY_CODES)
        .bind(user.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Replaces the person's recovery codes with these (hashes).
pub async fn replace_recovery_codes(conn: &mut Conn, user: &UserId, code_hashes: &[String]) -> StoreResult<()> {
    sqlx::query(DELETE_RECOVERY_CODES)
        .bind(user.as_str())
        .execute(&mut *conn)
        .await?;
    for hash in code_hashes {
        sqlx::query(INSERT_RECOVERY_CODE)
            .bind(user.as_str())
            .bind(hash)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Uses a recovery code: true only the first time.
pub async fn use_recovery_code(conn: &mut Conn, user: &UserId, code_hash: &str, at: &str) -> StoreResult<bool> {
    let done = sqlx::query(USE_RECOVERY_CODE)
        .bind(at)
        .bind(user.as_str())
        .bind(code_hash)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn recovery_codes_left(conn: &mut Conn, user: &UserId) -> StoreResult<i64> {
    let row = sqlx::query(RECOVERY_CODES_LEFT)
        .bind(user.as_str())
        .fetch_one(&mut *conn)
        .await?;
    Ok(row.try_get("n")?)
}
