//! Variations of placed call-offs.

use crate::audit::ChainHead;
use crate::{Conn, StoreResult};
use calloff_domain::call_off::PricedLine;
use calloff_domain::ids::{CallOffId, FrameworkId, UserId};
use calloff_domain::money::{Money, UnitPrice};
use sqlx::Row;

crate::statements! {
    VARIATIONS = "SELECT number, previous_value, new_value, original_value, over_limit, varied_at, reason FROM call_off_variations \
                  WHERE call_off_id = $1 ORDER BY number";
    INSERT_VARIATION = "INSERT INTO call_off_variations (call_off_id, number, previous_value, new_value, original_value, \
                        over_limit, lines, varied_by, varied_at, reason, previous_lines) \
                        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
    DELETE_LINES = "DELETE FROM call_off_lines WHERE call_off_id = $1";
    // A line kept from before keeps the price and description it was placed with.
    INSERT_KEPT_LINE = "INSERT INTO call_off_lines (call_off_id, line_number, item_id, lot_number, sku, name, description, \
                        unit, unit_price_micros, cpv, quantity, term_months, monthly_usage, line_value, list_price_micros, \
                        item_version, catalogue_price_micros, price_basis, price_basis_from) \
                        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)";
    SET_VALUE = "UPDATE call_offs SET contract_value = $1, vat = $2, updated_at = $3, change_seq = $4 \
                 WHERE id = $5 AND state IN ('accepted', 'live')";
    MODIFICATION_LIMIT = "SELECT modification_limit_bp FROM frameworks WHERE id = $1";
    // The ceiling guard for a variation's increase (the buyer was checked when it was placed).
    RESERVE_MORE = "UPDATE frameworks SET committed_value = committed_value + $1 \
                    WHERE id = $2 AND status = 'live' AND committed_value + $1 <= maximum_value";
    // The lot guard for an increase: within the ceiling, and the lot's new value ($4) within its
    // direct-award limit.
    RESERVE_LOT_MORE = "UPDATE lots SET committed_value = committed_value + $1 \
                        WHERE framework_id = $2 AND number = $3 AND (ceiling IS NULL OR committed_value + $1 <= ceiling) \
                        AND (direct_award_limit IS NULL OR $4 <= direct_award_limit)";
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variation {
    pub number: i64,
    pub previous_value: Money,
    pub new_value: Money,
    pub original_value: Money,
    pub over_limit: bool,
    pub varied_at: String,
    /// Why the buyer varied it, if they said.
    pub reason: Option<String>,
}

pub async fn list(conn: &mut Conn, call_off: &CallOffId) -> StoreResult<Vec<Variation>> {
    let rows = sqlx::query(VARIATIONS)
        .bind(call_off.as_str())
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Variation {
                number: r.try_get("number")?,
                previous_value: Money::from_pence(r.try_get("previous_value")?),
                new_value: Money::from_pence(r.try_get("new_value")?),
                original_value: Money::from_pence(r.try_get("original_value")?),
                over_limit: r.try_get::<i64, _>("over_limit")? == 1,
                varied_at: r.try_get("varied_at")?,
                reason: r.try_get("reason")?,
            })
        })
        .collect()
}

/// Keeps a variation with the lines it set and the lines it replaced, both priced lines as JSON.
pub async fn insert(
    conn: &mut Conn,
    call_off: &CallOffId,
    v: &Variation,
    (lines_json, previous_lines_json): (&str, &str),
    by: &UserId,
) -> StoreResult<()> {
    sqlx::query(INSERT_VARIATION)
        .bind(call_off.as_str())
        .bind(v.number)
        .bind(v.previous_value.pence())
        .bind(v.new_value.pence())
        .bind(v.original_value.pence())
        .bind(i64::from(v.over_limit))
        .bind(lines_json)
        .bind(by.as_str())
        .bind(&v.varied_at)
        .bind(v.reason.as_deref())
        .bind(previous_lines_json)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Replaces a call-off's lines, keeping each line's frozen price and description.
pub async fn replace_lines(conn: &mut Conn, call_off: &CallOffId, lines: &[PricedLine]) -> StoreResult<()> {
    sqlx::query(DELETE_LINES)
        .bind(call_off.as_str())
        .execute(&mut *conn)
        .await?;
    for (number, line) in lines.iter().enumerate() {
        sqlx::query(INSERT_KEPT_LINE)
            .bind(call_off.as_str())
            .bind(crate::wide(number + 1))
            .bind(line.item_id.as_str())
            .bind(i64::from(line.lot_number))
            .bind(line.sku.as_str())
            .bind(&line.name)
            .bind(&line.description)
            .bind(line.unit.as_str())
            .bind(line.unit_price.micros())
            .bind(line.cpv.as_str())
            .bind(i64::from(line.quantity.get()))
            .bind(i64::from(line.term_months.get()))
            .bind(line.monthly_usage.map(|u| crate::wide(u.get())))
            .bind(line.value.pence())
            .bind(line.list_price.map(UnitPrice::micros))
            .bind(line.item_version)
            .bind(line.catalogue_price.map(UnitPrice::micros))
            .bind(crate::call_offs::stored_basis(line.price_basis))
            .bind(line.price_basis.from_quantity().map(crate::wide))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Sets the new value of an accepted or live call-off; false if it is no longer either.
pub async fn set_value(
    conn: &mut Conn,
    call_off: &CallOffId,
    value: Money,
    vat: Money,
    at: &str,
    change_seq: i64,
) -> StoreResult<bool> {
    let result = sqlx::query(SET_VALUE)
        .bind(value.pence())
        .bind(vat.pence())
        .bind(at)
        .bind(change_seq)
        .bind(call_off.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn modification_limit_bp(conn: &mut Conn, framework: &FrameworkId) -> StoreResult<i64> {
    Ok(sqlx::query(MODIFICATION_LIMIT)
        .bind(framework.as_str())
        .fetch_one(&mut *conn)
        .await?
        .try_get("modification_limit_bp")?)
}

pub async fn reserve_more(
    conn: &mut Conn,
    head: &mut ChainHead,
    framework: &FrameworkId,
    delta: Money,
) -> StoreResult<bool> {
    let result = sqlx::query(RESERVE_MORE)
        .bind(delta.pence())
        .bind(framework.as_str())
        .execute(&mut *conn)
        .await?;
    let reserved = result.rows_affected() == 1;
    if reserved {
        head.headroom_moved(framework.as_str(), None, delta.pence());
    }
    Ok(reserved)
}

/// Adds a variation's increase to a lot if it stays within the ceiling and the lot's value for
/// this call-off (`new_lot_value`) within the direct-award limit.
pub async fn reserve_lot_more(
    conn: &mut Conn,
    head: &mut ChainHead,
    framework: &FrameworkId,
    lot: u32,
    delta: Money,
    new_lot_value: Money,
) -> StoreResult<bool> {
    let result = sqlx::query(RESERVE_LOT_MORE)
        .bind(delta.pence())
        .bind(framework.as_str())
        .bind(lot as i64)
        .bind(new_lot_value.pence())
        .execute(&mut *conn)
        .await?;
    let reserved = result.rows_affected() == 1;
    if reserved {
        head.headroom_moved(framework.as_str(), Some(lot), delta.pence());
    }
    Ok(reserved)
}
