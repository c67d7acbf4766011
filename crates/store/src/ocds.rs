//! What open data (OCDS) reads: placed call-offs in placing order, a page at a time, with their
//! lines, variations, invoices, early end and acceptance; and the fields a framework withholds.
//! Each page costs a fixed number of queries (its children are read by the page's span of
//! placing times, as the register reads lots), so exporting every call-off reads in batches.

use crate::{Conn, StoreError, StoreResult};
use calloff_domain::ids::{CallOffId, FrameworkId, UserId};
use calloff_domain::money::Money;
use sqlx::Row;
use std::collections::HashMap;

/// Only call-offs sent to the supplier are published: a draft awaiting its buyer's approvals is
/// not yet placed under the framework.
macro_rules! call_off_columns {
    () => {
        "SELECT c.id, c.reference, c.title, c.framework_id, c.buyer_id, c.supplier_id, c.state, c.contract_value, \
         c.placed_at, c.updated_at, c.live_on, c.ends_on, c.starts_on, c.rejection_reason FROM call_offs c \
         WHERE c.sent_to_supplier = 1 "
    };
}

/// The children of the call-offs placed within a span of time.
macro_rules! in_span {
    () => {
        "JOIN call_offs c ON c.id = x.call_off_id WHERE c.sent_to_supplier = 1 AND c.placed_at >= $1 AND c.placed_at <= $2"
    };
}

crate::statements! {
    // A row-value comparison, which both databases answer from the (placed_at, id) index, so
    // each page starts where the last ended rather than scanning from the first call-off.
    PAGE = concat!(call_off_columns!(),
        "AND (c.placed_at, c.id) > ($1, $2) ORDER BY c.placed_at, c.id LIMIT $3");
    ONE = concat!(call_off_columns!(), "AND c.id = $1");
    LINES = concat!("SELECT x.call_off_id, x.line_number, x.lot_number, x.sku, x.name, x.unit, x.unit_price_micros, x.cpv, \
                     x.quantity, x.term_months FROM call_off_lines x ", in_span!(), " ORDER BY x.line_number");
    VARIATIONS = concat!("SELECT x.call_off_id, x.number, x.previous_value, x.new_value, x.original_value, x.over_limit, \
                          x.varied_at, x.reason, x.lines, x.previous_lines FROM call_off_variations x ", in_span!(),
                          " ORDER BY x.number");
    // Disputed invoices do not count, as in spend.
    INVOICES = concat!("SELECT x.call_off_id, x.id, x.kind, x.number, x.issue_date, x.net_value, x.received_at FROM invoices x ",
                       in_span!(), " AND x.status <> 'disputed' ORDER BY x.received_at, x.id");
    EARLY_ENDS = concat!("SELECT x.call_off_id, x.ends_on, x.previous_value, x.value, x.ended_at FROM call_off_early_ends x ",
                         in_span!());
    ACCEPTED = "SELECT c.id AS call_off_id, a.at FROM call_offs c \
                JOIN audit_entries a ON a.subject = c.id AND a.action = 'call_off.accepted' \
                WHERE c.sent_to_supplier = 1 AND c.placed_at >= $1 AND c.placed_at <= $2";
    FRAMEWORK_CREATED = "SELECT created_at FROM frameworks WHERE id = $1";
    WITHHELD = "SELECT field, reason FROM ocds_withheld_fields WHERE framework_id = $1 ORDER BY field";
    UNWITHHOLD = "DELETE FROM ocds_withheld_fields WHERE framework_id = $1 AND field = $2";
    WITHHOLD = "INSERT INTO ocds_withheld_fields (framework_id, field, reason, withheld_by, withheld_at) \
                VALUES ($1, $2, $3, $4, $5)";
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedLine {
    pub number: i64,
    pub lot: i64,
    pub sku: String,
    pub name: String,
    pub unit: String,
    pub unit_price_micros: i64,
    pub cpv: String,
    pub quantity: i64,
    pub term_months: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedVariation {
    pub number: i64,
    pub previous_value: Money,
    pub new_value: Money,
    pub original_value: Money,
    pub over_limit: bool,
    pub varied_at: String,
    pub reason: Option<String>,
    /// The priced lines it set, and those it replaced (unknown for variations made before
    /// migration 0036), as JSON.
    pub lines_json: String,
    pub previous_lines_json: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedInvoice {
    pub id: String,
    pub credit_note: bool,
    pub number: String,
    pub issue_date: String,
    pub net_value: Money,
    pub received_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedEarlyEnd {
    pub ends_on: String,
    pub previous_value: Money,
    pub value: Money,
    pub ended_at: String,
}

/// A placed call-off with what its releases need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedCallOff {
    pub id: CallOffId,
    pub reference: String,
    pub title: Option<String>,
    pub framework_id: FrameworkId,
    pub buyer_id: String,
    pub supplier_id: String,
    pub state: String,
    pub contract_value: Money,
    pub placed_at: String,
    pub updated_at: String,
    pub live_on: Option<String>,
    pub ends_on: Option<String>,
    pub starts_on: Option<String>,
    pub reason: Option<String>,
    pub accepted_at: Option<String>,
    pub lines: Vec<PublishedLine>,
    pub variations: Vec<PublishedVariation>,
    pub invoices: Vec<PublishedInvoice>,
    pub early_end: Option<PublishedEarlyEnd>,
}

/// Where the next page starts: after the call-off placed at `placed_at` with `id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacingCursor {
    pub placed_at: String,
    pub id: String,
}

fn call_off(row: &sqlx::any::AnyRow) -> StoreResult<PublishedCallOff> {
    Ok(PublishedCallOff {
        id: CallOffId::from_stored(row.try_get::<String, _>("id")?),
        reference: row.try_get("reference")?,
        title: row.try_get("title")?,
        framework_id: FrameworkId::from_stored(row.try_get::<String, _>("framework_id")?),
        buyer_id: row.try_get("buyer_id")?,
        supplier_id: row.try_get("supplier_id")?,
        state: row.try_get("state")?,
        contract_value: Money::from_pence(row.try_get("contract_value")?),
        placed_at: row.try_get("placed_at")?,
        updated_at: row.try_get("updated_at")?,
        live_on: row.try_get("live_on")?,
        ends_on: row.try_get("ends_on")?,
        starts_on: row.try_get("starts_on")?,
        reason: row.try_get("rejection_reason")?,
        accepted_at: None,
        lines: Vec::new(),
        variations: Vec::new(),
        invoices: Vec::new(),
        early_end: None,
    })
}

/// Up to `limit` placed call-offs after `after`, oldest placed first, each with its children.
pub async fn page(conn: &mut Conn, after: Option<&PlacingCursor>, limit: i64) -> StoreResult<Vec<PublishedCallOff>> {
    // Every stored time and id sorts after the empty string, so no cursor starts at the first.
    let rows = sqlx::query(PAGE)
        .bind(after.map(|a| a.placed_at.clone()).unwrap_or_default())
        .bind(after.map(|a| a.id.clone()).unwrap_or_default())
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    let mut call_offs = rows.iter().map(call_off).collect::<StoreResult<Vec<_>>>()?;
    with_children(conn, &mut call_offs).await?;
    Ok(call_offs)
}

/// One placed call-off with its children, or `None` if there is none (or it is not placed).
pub async fn one(conn: &mut Conn, id: &str) -> StoreResult<Option<PublishedCallOff>> {
    let Some(row) = sqlx::query(ONE).bind(id).fetch_optional(&mut *conn).await? else {
        return Ok(None);
    };
    let mut call_offs = vec![call_off(&row)?];
    with_children(conn, &mut call_offs).await?;
    Ok(call_offs.pop())
}

async fn with_children(conn: &mut Conn, call_offs: &mut [PublishedCallOff]) -> StoreResult<()> {
    let (Some(first), Some(last)) = (call_offs.first(), call_offs.last()) else {
        return Ok(());
    };
    let span = (first.placed_at.clone(), last.placed_at.clone());
    let mut at: HashMap<String, usize> = HashMap::with_capacity(call_offs.len());
    for (i, c) in call_offs.iter().enumerate() {
        at.insert(c.id.as_str().to_string(), i);
    }
    let children = |statement: &'static str| sqlx::query(statement).bind(span.0.clone()).bind(span.1.clone());
    for row in children(LINES).fetch_all(&mut *conn).await? {
        if let Some(&i) = at.get(&row.try_get::<String, _>("call_off_id")?) {
            call_offs[i].lines.push(PublishedLine {
                number: row.try_get("line_number")?,
                lot: row.try_get("lot_number")?,
                sku: row.try_get("sku")?,
                name: row.try_get("name")?,
                unit: row.try_get("unit")?,
                unit_price_micros: row.try_get("unit_price_micros")?,
                cpv: row.try_get("cpv")?,
                quantity: row.try_get("quantity")?,
                term_months: row.try_get("term_months")?,
            });
        }
    }
    for row in children(VARIATIONS).fetch_all(&mut *conn).await? {
        if let Some(&i) = at.get(&row.try_get::<String, _>("call_off_id")?) {
            call_offs[i].variations.push(PublishedVariation {
                number: row.try_get("number")?,
                previous_value: Money::from_pence(row.try_get("previous_value")?),
                new_value: Money::from_pence(row.try_get("new_value")?),
                original_value: Money::from_pence(row.try_get("original_value")?),
                over_limit: row.try_get::<i64, _>("over_limit")? == 1,
                varied_at: row.try_get("varied_at")?,
                reason: row.try_get("reason")?,
                lines_json: row.try_get("lines")?,
                previous_lines_json: row.try_get("previous_lines")?,
            });
        }
    }
    for row in children(INVOICES).fetch_all(&mut *conn).await? {
        if let Some(&i) = at.get(&row.try_get::<String, _>("call_off_id")?) {
            call_offs[i].invoices.push(PublishedInvoice {
                id: row.try_get("id")?,
                credit_note: row.try_get::<String, _>("kind")? == "credit_note",
                number: row.try_get("number")?,
                issue_date: row.try_get("issue_date")?,
                net_value: Money::from_pence(row.try_get("net_value")?),
                received_at: row.try_get("received_at")?,
            });
        }
    }
    for row in children(EARLY_ENDS).fetch_all(&mut *conn).await? {
        if let Some(&i) = at.get(&row.try_get::<String, _>("call_off_id")?) {
            call_offs[i].early_end = Some(PublishedEarlyEnd {
                ends_on: row.try_get("ends_on")?,
                previous_value: Money::from_pence(row.try_get("previous_value")?),
                value: Money::from_pence(row.try_get("value")?),
                ended_at: row.try_get("ended_at")?,
            });
        }
    }
    for row in children(ACCEPTED).fetch_all(&mut *conn).await? {
        if let Some(&i) = at.get(&row.try_get::<String, _>("call_off_id")?) {
            call_offs[i].accepted_at = Some(row.try_get("at")?);
        }
    }
    Ok(())
}

/// When the framework was created.
pub async fn framework_created_at(conn: &mut Conn, framework: &FrameworkId) -> StoreResult<String> {
    sqlx::query(FRAMEWORK_CREATED)
        .bind(framework.as_str())
        .fetch_optional(&mut *conn)
        .await?
        .map(|row| row.try_get("created_at"))
        .transpose()?
        .ok_or_else(|| StoreError::corrupt(format!("framework {framework} has no row")))
}

/// The fields the framework withholds, with their reasons, by field name.
pub async fn withheld(conn: &mut Conn, framework: &FrameworkId) -> StoreResult<Vec<(String, String)>> {
    sqlx::query(WITHHELD)
        .bind(framework.as_str())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|row| Ok((row.try_get("field")?, row.try_get("reason")?)))
        .collect()
}

/// Withholds `field` with `reason`, replacing any earlier reason.
pub async fn withhold(
    conn: &mut Conn,
    framework: &FrameworkId,
    field: &str,
    reason: &str,
    by: &UserId,
    at: &str,
) -> StoreResult<()> {
    unwithhold(conn, framework, field).await?;
    sqlx::query(WITHHOLD)
        .bind(framework.as_str())
        .bind(field)
        .bind(reason)
        .bind(by.as_str())
        .bind(at)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Publishes `field` again; whether it was withheld.
pub async fn unwithhold(conn: &mut Conn, framework: &FrameworkId, field: &str) -> StoreResult<bool> {
    let done = sqlx::query(UNWITHHOLD)
        .bind(framework.as_str())
        .bind(field)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() > 0)
}
