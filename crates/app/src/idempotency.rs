//! Idempotency keys for the API's creates: a retried create (same key from the same person, same
//! request) gets the first response again, and never makes a second record. The web layer
//! claims the key before the create runs and keeps the response once it succeeds.

use crate::{App, AppError, AppResult};
use calloff_store::idempotency;
pub use calloff_store::idempotency::Claim;

/// Longest key accepted, for every create (a UUID is 36 characters).
pub const MAX_KEY_LEN: usize = crate::call_offs::MAX_IDEMPOTENCY_KEY_LEN;

/// Hours a key is kept: a retry within a day replays the first response; after that the key
/// is forgotten and may name a new request (call-offs, proposals and comments keep their key
/// in their own row, for good). Keeps the table from growing without bound.
pub const KEEP_HOURS: i64 = 24;

/// The scope of keys sent without a session (registering, accepting an invitation).
pub const ANONYMOUS: &str = "anonymous";

fn check(key: &str) -> AppResult<()> {
    if key.is_empty() || key.len() > MAX_KEY_LEN || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(AppError::invalid(
            "Idempotency-Key",
            format!("Idempotency-Key must be 1 to {MAX_KEY_LEN} printable characters, such as a UUID"),
        ));
    }
    Ok(())
}

/// Claims `key` for a request (`request_hash` of its method, path and body) by the person
/// `scope` (a user id, or [`ANONYMOUS`]).
pub async fn claim(app: &App, scope: &str, key: &str, request_hash: &str) -> AppResult<Claim> {
    check(key)?;
    let mut conn = app.db.pool().acquire().await?;
    let cutoff = (app.now() - chrono::Duration::hours(KEEP_HOURS)).to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    idempotency::forget_before(&mut conn, &cutoff).await?;
    Ok(idempotency::claim(&mut conn, scope, key, request_hash, &app.now_text()).await?)
}

/// Keeps the response of a request that succeeded, for replays.
pub async fn complete(
    app: &App,
    scope: &str,
    key: &str,
    status: u16,
    body: &str,
    location: Option<&str>,
) -> AppResult<()> {
    let mut conn = app.db.pool().acquire().await?;
    Ok(idempotency::complete(&mut conn, scope, key, i64::from(status), body, location).await?)
}

/// Frees the key of a request that failed.
pub async fn release(app: &App, scope: &str, key: &str) -> AppResult<()> {
    let mut conn = app.db.pool().acquire().await?;
    Ok(idempotency::release(&mut conn, scope, key).await?)
}
