//! Invoices and credit notes, their lines, and the spend rollups kept with them.

use crate::{Conn, StoreError, StoreResult};
use calloff_domain::ids::{CallOffId, FrameworkId, InvoiceId, OrganisationId, UserId};
use calloff_domain::invoice::{
    Invoice, InvoiceKind, InvoiceLine, InvoiceNumber, InvoiceSource, InvoiceStatus, InvoiceTotals, Mismatch, Period,
};
use calloff_domain::money::{Money, UnitPrice};
use chrono::NaiveDate;
use sqlx::Row;

crate::statements! {
    INSERT = "INSERT INTO invoices (id, kind, number, call_off_id, framework_id, buyer_id, supplier_id, issue_date, month, \
              credits, net_value, vat, status, mismatches, source, received_by, received_at, change_seq) \
              VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)";
    INSERT_LINE = "INSERT INTO invoice_lines (invoice_id, line_number, call_off_line, sku, name, lot_number, cpv, quantity, \
                   unit_price_micros, line_value, period_start, period_end) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";
    // What each call-off line has been invoiced, net of credits, leaving out disputed invoices.
    INVOICED_PER_LINE = "SELECT l.call_off_line, \
                         CAST(SUM(CASE WHEN i.kind = 'credit_note' THEN -l.line_value ELSE l.line_value END) AS BIGINT) AS invoiced \
                         FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id \
                         WHERE i.call_off_id = $1 AND i.status <> 'disputed' GROUP BY l.call_off_line";
    COLUMNS = "SELECT i.id, i.kind, i.number, i.call_off_id, c.reference AS call_off_reference, i.framework_id, i.buyer_id, \
               i.supplier_id, i.issue_date, i.credits, i.net_value, i.vat, i.status, i.mismatches, i.source, i.received_by, \
               i.received_at, i.decided_by, i.decided_at, i.dispute_reason \
               FROM invoices i JOIN call_offs c ON c.id = i.call_off_id WHERE i.id = $1";
    FOR_CALL_OFF = "SELECT i.id FROM invoices i WHERE i.call_off_id = $1 ORDER BY i.change_seq DESC";
    // A buying organisation's invoices waiting for its approval (matched) or decision (held).
    TO_DECIDE = "SELECT id FROM invoices WHERE buyer_id = $1 AND status IN ('matched', 'held') \
                 ORDER BY received_at, id LIMIT $2";
    BY_NUMBER = "SELECT id FROM invoices WHERE supplier_id = $1 AND number = $2";
    LINES = "SELECT call_off_line, sku, name, lot_number, cpv, quantity, unit_price_micros, line_value, period_start, period_end \
             FROM invoice_lines WHERE invoice_id = $1 ORDER BY line_number";
    DECIDE = "UPDATE invoices SET status = $1, decided_by = $2, decided_at = $3, dispute_reason = $4, change_seq = $5 \
              WHERE id = $6 AND status = $7";
    ADD_SPEND = "INSERT INTO spend_rollups (framework_id, supplier_id, month, lot_number, buyer_id, net_value, vat, line_count) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT (framework_id, supplier_id, month, lot_number, buyer_id) DO UPDATE SET \
                 net_value = spend_rollups.net_value + excluded.net_value, vat = spend_rollups.vat + excluded.vat, \
                 line_count = spend_rollups.line_count + excluded.line_count";
    INVOICED_FOR_FRAMEWORK = "SELECT CAST(COALESCE(SUM(net_value), 0) AS BIGINT) AS invoiced FROM spend_rollups WHERE framework_id = $1";
}

/// Stores a new invoice and its lines. A second invoice with the same number from the same
/// supplier is a unique violation.
pub async fn insert(conn: &mut Conn, invoice: &Invoice, change_seq: i64) -> StoreResult<()> {
    let mismatches = serde_json::to_string(&invoice.mismatches).map_err(|e| StoreError::corrupt(e.to_string()))?;
    sqlx::query(INSERT)
        .bind(invoice.id.as_str())
        .bind(invoice.kind.as_str())
        .bind(invoice.number.as_str())
        .bind(invoice.call_off_id.as_str())
        .bind(invoice.framework_id.as_str())
        .bind(invoice.buyer_id.as_str())
        .bind(invoice.supplier_id.as_str())
        .bind(invoice.issue_date.to_string())
        .bind(invoice.issue_date.format("%Y-%m").to_string())
        .bind(invoice.credits.as_deref())
        .bind(invoice.totals.net.pence())
        .bind(invoice.totals.vat.pence())
        .bind(invoice.status.as_str())
        .bind(mismatches)
        .bind(invoice.source.as_str())
        .bind(invoice.received_by.as_str())
        .bind(&invoice.received_at)
        .bind(change_seq)
        .execute(&mut *conn)
        .await?;
    for (n, line) in invoice.lines.iter().enumerate() {
        sqlx::query(INSERT_LINE)
            .bind(invoice.id.as_str())
            .bind(calloff_domain::count(n + 1))
            .bind(i64::from(line.call_off_line))
            .bind(&line.sku)
            .bind(&line.name)
            .bind(i64::from(line.lot_number))
            .bind(&line.cpv)
            .bind(line.quantity)
            .bind(line.unit_price.micros())
            .bind(line.value.pence())
            .bind(line.period.map(|p| p.start.to_string()))
            .bind(line.period.map(|p| p.end.to_string()))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Adds an invoice's lines to the spend rollups (`sign` −1 takes them off again).
pub async fn add_spend(conn: &mut Conn, invoice: &Invoice, sign: i64) -> StoreResult<()> {
    let sign = sign * invoice.kind.sign();
    let month = invoice.issue_date.format("%Y-%m").to_string();
    let mut per_lot: Vec<(u32, i64, i64)> = Vec::new();
    for line in &invoice.lines {
        match per_lot.iter_mut().find(|(lot, _, _)| *lot == line.lot_number) {
            Some((_, value, count)) => {
                *value += line.value.pence();
                *count += 1;
            }
            None => per_lot.push((line.lot_number, line.value.pence(), 1)),
        }
    }
    for (lot, value, count) in per_lot {
        // VAT is per invoice; a lot's share is its share of the net, to the penny.
        let vat = share(invoice.totals.vat.pence(), value, invoice.totals.net.pence());
        sqlx::query(ADD_SPEND)
            .bind(invoice.framework_id.as_str())
            .bind(invoice.supplier_id.as_str())
            .bind(&month)
            .bind(i64::from(lot))
            .bind(invoice.buyer_id.as_str())
            .bind(sign * value)
            .bind(sign * vat)
            .bind(sign * count)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// `whole × part / of`, rounded half-up, without overflow.
fn share(whole: i64, part: i64, of: i64) -> i64 {
    if of == 0 {
        return 0;
    }
    let scaled = i128::from(whole) * i128::from(part);
    let rounded = (2 * scaled + i128::from(of)) / (2 * i128::from(of));
    i64::try_from(rounded).unwrap_or(whole)
}

/// What each call-off line (numbered from 1) has been invoiced, net of credits.
pub async fn invoiced_per_line(conn: &mut Conn, call_off: &CallOffId) -> StoreResult<Vec<(u32, Money)>> {
    let rows = sqlx::query(INVOICED_PER_LINE)
        .bind(call_off.as_str())
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            let line =
                u32::try_from(r.try_get::<i64, _>("call_off_line")?).map_err(|e| StoreError::corrupt(e.to_string()))?;
            Ok((line, Money::from_pence(r.try_get("invoiced")?)))
        })
        .collect()
}

/// What the framework's suppliers have invoiced under it, net of credits.
pub async fn invoiced_for_framework(conn: &mut Conn, framework: &FrameworkId) -> StoreResult<Money> {
    let row = sqlx::query(INVOICED_FOR_FRAMEWORK)
        .bind(framework.as_str())
        .fetch_one(&mut *conn)
        .await?;
    Ok(Money::from_pence(row.try_get("invoiced")?))
}

pub async fn find_by_number(
    conn: &mut Conn,
    supplier: &OrganisationId,
    number: &str,
) -> StoreResult<Option<InvoiceId>> {
    let row = sqlx::query(BY_NUMBER)
        .bind(supplier.as_str())
        .bind(number)
        .fetch_optional(&mut *conn)
        .await?;
    row.map(|r| Ok(InvoiceId::from_stored(r.try_get::<String, _>("id")?)))
        .transpose()
}

pub async fn get(conn: &mut Conn, id: &InvoiceId) -> StoreResult<Option<Invoice>> {
    let Some(row) = sqlx::query(COLUMNS)
        .bind(id.as_str())
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let corrupt = |e: calloff_domain::FieldError| StoreError::corrupt(e.to_string());
    let date =
        |text: String| NaiveDate::parse_from_str(&text, "%Y-%m-%d").map_err(|e| StoreError::corrupt(e.to_string()));
    let lines = sqlx::query(LINES)
        .bind(id.as_str())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            let period = match (
                r.try_get::<Option<String>, _>("period_start")?,
                r.try_get::<Option<String>, _>("period_end")?,
            ) {
                (Some(start), Some(end)) => Some(Period {
                    start: date(start)?,
                    end: date(end)?,
                }),
                _ => None,
            };
            let whole = |n: i64| u32::try_from(n).map_err(|e| StoreError::corrupt(e.to_string()));
            Ok(InvoiceLine {
                call_off_line: whole(r.try_get("call_off_line")?)?,
                sku: r.try_get("sku")?,
                name: r.try_get("name")?,
                lot_number: whole(r.try_get("lot_number")?)?,
                cpv: r.try_get("cpv")?,
                quantity: r.try_get("quantity")?,
                unit_price: UnitPrice::from_micros(r.try_get("unit_price_micros")?).map_err(corrupt)?,
                value: Money::from_pence(r.try_get("line_value")?),
                period,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    let net = Money::from_pence(row.try_get("net_value")?);
    let vat = Money::from_pence(row.try_get("vat")?);
    let mismatches: Vec<Mismatch> = serde_json::from_str(&row.try_get::<String, _>("mismatches")?)
        .map_err(|e| StoreError::corrupt(e.to_string()))?;
    Ok(Some(Invoice {
        id: InvoiceId::from_stored(row.try_get::<String, _>("id")?),
        kind: InvoiceKind::parse(&row.try_get::<String, _>("kind")?).map_err(corrupt)?,
        number: InvoiceNumber::parse("number", &row.try_get::<String, _>("number")?).map_err(corrupt)?,
        call_off_id: CallOffId::from_stored(row.try_get::<String, _>("call_off_id")?),
        call_off_reference: row.try_get("call_off_reference")?,
        framework_id: FrameworkId::from_stored(row.try_get::<String, _>("framework_id")?),
        buyer_id: OrganisationId::from_stored(row.try_get::<String, _>("buyer_id")?),
        supplier_id: OrganisationId::from_stored(row.try_get::<String, _>("supplier_id")?),
        issue_date: date(row.try_get("issue_date")?)?,
        credits: row.try_get("credits")?,
        lines,
        totals: InvoiceTotals {
            net,
            vat,
            gross: net
                .checked_add(vat)
                .ok_or_else(|| StoreError::corrupt("total overflows"))?,
        },
        status: InvoiceStatus::parse(&row.try_get::<String, _>("status")?).map_err(corrupt)?,
        mismatches,
        source: InvoiceSource::parse(&row.try_get::<String, _>("source")?).map_err(corrupt)?,
        received_by: UserId::from_stored(row.try_get::<String, _>("received_by")?),
        received_at: row.try_get("received_at")?,
        decided_by: row.try_get::<Option<String>, _>("decided_by")?.map(UserId::from_stored),
        decided_at: row.try_get("decided_at")?,
        dispute_reason: row.try_get("dispute_reason")?,
    }))
}

/// A call-off's invoices and credit notes, newest first.
pub async fn for_call_off(conn: &mut Conn, call_off: &CallOffId) -> StoreResult<Vec<Invoice>> {
    let ids: Vec<String> = sqlx::query(FOR_CALL_OFF)
        .bind(call_off.as_str())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| r.try_get("id"))
        .collect::<Result<_, _>>()?;
    by_ids(conn, ids).await
}

/// The buyer's invoices and credit notes waiting for its decision, oldest first, at most `limit`.
pub async fn to_decide(conn: &mut Conn, buyer: &OrganisationId, limit: i64) -> StoreResult<Vec<Invoice>> {
    let ids: Vec<String> = sqlx::query(TO_DECIDE)
        .bind(buyer.as_str())
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| r.try_get("id"))
        .collect::<Result<_, _>>()?;
    by_ids(conn, ids).await
}

async fn by_ids(conn: &mut Conn, ids: Vec<String>) -> StoreResult<Vec<Invoice>> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(invoice) = get(conn, &InvoiceId::from_stored(id)).await? {
            out.push(invoice);
        }
    }
    Ok(out)
}

/// Records the buyer's decision if the invoice still has the status it was seen with.
pub struct Decision<'a> {
    pub id: &'a InvoiceId,
    pub from: InvoiceStatus,
    pub to: InvoiceStatus,
    pub by: &'a UserId,
    pub at: &'a str,
    pub reason: Option<&'a str>,
    pub change_seq: i64,
}

pub async fn decide(conn: &mut Conn, d: Decision<'_>) -> StoreResult<bool> {
    let result = sqlx::query(DECIDE)
        .bind(d.to.as_str())
        .bind(d.by.as_str())
        .bind(d.at)
        .bind(d.reason)
        .bind(d.change_seq)
        .bind(d.id.as_str())
        .bind(d.from.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(result.rows_affected() == 1)
}

#[cfg(test)]
mod tests {
    #[test]
    fn shares_round_half_up_and_sum_close() {
        assert_eq!(super::share(2000, 5000, 10000), 1000);
        assert_eq!(super::share(1, 1, 2), 1);
        assert_eq!(super::share(0, 1, 2), 0);
        assert_eq!(super::share(100, 1, 0), 0);
    }
}
