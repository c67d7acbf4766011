//! Milestones, live and end dates, and end-of-term reminders.

use crate::{Conn, StoreResult};
use calloff_domain::ids::{CallOffId, UserId};
use calloff_domain::money::Money;
use sqlx::Row;

crate::statements! {
    MILESTONES = "SELECT position, name, done_on FROM call_off_milestones WHERE call_off_id = $1 ORDER BY position";
    INSERT_MILESTONE = "INSERT INTO call_off_milestones (call_off_id, position, name, done_on, recorded_by, recorded_at) \
                        VALUES ($1, $2, $3, $4, $5, $6)";
    SET_TERM = "UPDATE call_offs SET live_on = $1, ends_on = $2 WHERE id = $3";
    TERM = "SELECT live_on, ends_on FROM call_offs WHERE id = $1";
    // Live call-offs ending on or before $1 that have not yet had the reminder for $2 days.
    TO_REMIND = "SELECT id FROM call_offs WHERE state = 'live' AND ends_on <= $1 \
                 AND (reminded_days IS NULL OR reminded_days > $2) ORDER BY ends_on LIMIT $3";
    MARK_REMINDED = "UPDATE call_offs SET reminded_days = $1 WHERE id = $2 AND (reminded_days IS NULL OR reminded_days > $1)";
    INSERT_EARLY_END = "INSERT INTO call_off_early_ends (call_off_id, ends_on, previous_value, value, released, ended_at) \
                        VALUES ($1, $2, $3, $4, $5, $6)";
    // Only a call-off just ended (in this transaction) takes its new value and end date.
    SET_ENDED_VALUE = "UPDATE call_offs SET contract_value = $1, vat = $2, ends_on = $3 WHERE id = $4 AND state = 'ended'";
    EARLY_END = "SELECT ends_on, previous_value, value, released FROM call_off_early_ends WHERE call_off_id = $1";
    PAST_END = "SELECT id FROM call_offs WHERE state = 'live' AND ends_on < $1 ORDER BY ends_on LIMIT $2";
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Milestone {
    pub position: i64,
    pub name: String,
    /// `YYYY-MM-DD`.
    pub done_on: String,
}

pub async fn milestones(conn: &mut Conn, call_off: &CallOffId) -> StoreResult<Vec<Milestone>> {
    let rows = sqlx::query(MILESTONES)
        .bind(call_off.as_str())
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Milestone {
                position: r.try_get("position")?,
                name: r.try_get("name")?,
                done_on: r.try_get("done_on")?,
            })
        })
        .collect()
}

pub async fn add_milestone(
    conn: &mut Conn,
    call_off: &CallOffId,
    m: &Milestone,
    by: &UserId,
    at: &str,
) -> StoreResult<()> {
    sqlx::query(INSERT_MILESTONE)
        .bind(call_off.as_str())
        .bind(m.position)
        .bind(&m.name)
        .bind(&m.done_on)
        .bind(by.as_str())
        .bind(at)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn set_term(conn: &mut Conn, call_off: &CallOffId, live_on: &str, ends_on: &str) -> StoreResult<()> {
    sqlx::query(SET_TERM)
        .bind(live_on)
        .bind(ends_on)
        .bind(call_off.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The live date and the end of term, once live.
pub async fn term(conn: &mut Conn, call_off: &CallOffId) -> StoreResult<(Option<String>, Option<String>)> {
    let row = sqlx::query(TERM).bind(call_off.as_str()).fetch_one(&mut *conn).await?;
    Ok((row.try_get("live_on")?, row.try_get("ends_on")?))
}

pub async fn to_remind(conn: &mut Conn, ending_by: &str, days: i64, limit: i64) -> StoreResult<Vec<CallOffId>> {
    let rows = sqlx::query(TO_REMIND)
        .bind(ending_by)
        .bind(days)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| Ok(CallOffId::from_stored(r.try_get::<String, _>("id")?)))
        .collect()
}

/// Takes the reminder for `days`; false if it (or a later one) was already sent.
pub async fn mark_reminded(conn: &mut Conn, call_off: &CallOffId, days: i64) -> StoreResult<bool> {
    Ok(sqlx::query(MARK_REMINDED)
        .bind(days)
        .bind(call_off.as_str())
        .execute(&mut *conn)
        .await?
        .rows_affected()
        == 1)
}

pub async fn past_end(conn: &mut Conn, today: &str, limit: i64) -> StoreResult<Vec<CallOffId>> {
    let rows = sqlx::query(PAST_END)
        .bind(today)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| Ok(CallOffId::from_stored(r.try_get::<String, _>("id")?)))
        .collect()
}

/// A call-off ended before its term, and what that released.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EarlyEnd {
    /// `YYYY-MM-DD`.
    pub ends_on: String,
    pub previous_value: Money,
    /// What is due to the day it ends: its contract value now.
    pub value: Money,
    pub released: Money,
}

/// Records an early end of a call-off just ended in this transaction: its new value, VAT and end
/// date. A second early end of the same call-off is a unique violation.
pub async fn end_early(
    conn: &mut Conn,
    call_off: &CallOffId,
    end: &EarlyEnd,
    vat: Money,
    at: &str,
) -> StoreResult<bool> {
    sqlx::query(INSERT_EARLY_END)
        .bind(call_off.as_str())
        .bind(&end.ends_on)
        .bind(end.previous_value.pence())
        .bind(end.value.pence())
        .bind(end.released.pence())
        .bind(at)
        .execute(&mut *conn)
        .await?;
    let result = sqlx::query(SET_ENDED_VALUE)
        .bind(end.value.pence())
        .bind(vat.pence())
        .bind(&end.ends_on)
        .bind(call_off.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(result.rows_affected() == 1)
}

/// How a call-off ended early, if it did.
pub async fn early_end(conn: &mut Conn, call_off: &CallOffId) -> StoreResult<Option<EarlyEnd>> {
    let row = sqlx::query(EARLY_END)
        .bind(call_off.as_str())
        .fetch_optional(&mut *conn)
        .await?;
    row.map(|r| {
        Ok(EarlyEnd {
            ends_on: r.try_get("ends_on")?,
            previous_value: Money::from_pence(r.try_get("previous_value")?),
            value: Money::from_pence(r.try_get("value")?),
            released: Money::from_pence(r.try_get("released")?),
        })
    })
    .transpose()
}
