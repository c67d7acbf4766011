//! The change feed's reading of the audit chain. Every change of state appends an entry in its
//! own transaction while holding the chain's head ([`crate::audit::ChainHead`]), which it keeps
//! until it commits, so an entry's `seq` is taken in commit order: a reader who has seen entry
//! `n` has seen every committed entry before it, whenever its transaction started (ADR 0018).

use crate::{Conn, StoreResult};
use sqlx::Row;

crate::statements! {
    // The entries that change call-offs, invoices, credit notes, catalogue items and frameworks.
    // `substr` rather than LIKE, whose `_` would match any character.
    FEED_ENTRIES_AFTER = "SELECT seq, at, action, subject, detail FROM audit_entries \
                          WHERE seq > $1 AND (substr(action, 1, 9) = 'call_off.' \
                          OR substr(action, 1, 8) = 'invoice.' OR substr(action, 1, 12) = 'credit_note.' \
                          OR substr(action, 1, 10) = 'framework.' \
                          OR action IN ('catalogue.changes_applied', 'catalogue.demand_bands_set')) \
                          ORDER BY seq LIMIT $2";
    INVOICE_CALL_OFF = "SELECT call_off_id FROM invoices WHERE id = $1";
    ITEM_ID = "SELECT id FROM catalogue_items WHERE framework_id = $1 AND sku = $2";
}

/// An audit entry the feed may publish, before the reader's standing is judged.
#[derive(Debug, Clone)]
pub struct FeedEntry {
    pub seq: i64,
    pub at: String,
    pub action: String,
    pub subject: String,
    pub detail: serde_json::Value,
}

/// Up to `limit` entries after `after_seq` that change what the feed covers, in commit order.
pub async fn entries_after(conn: &mut Conn, after_seq: i64, limit: i64) -> StoreResult<Vec<FeedEntry>> {
    let rows = sqlx::query(FEED_ENTRIES_AFTER)
        .bind(after_seq)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|row| {
            let detail: String = row.try_get("detail")?;
            Ok(FeedEntry {
                seq: row.try_get("seq")?,
                at: row.try_get("at")?,
                action: row.try_get("action")?,
                subject: row.try_get("subject")?,
                detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::String(detail)),
            })
        })
        .collect()
}

/// The call-off an invoice or credit note bills.
pub async fn invoice_call_off(conn: &mut Conn, invoice: &str) -> StoreResult<Option<String>> {
    let row = sqlx::query(INVOICE_CALL_OFF)
        .bind(invoice)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.map(|r| r.try_get("call_off_id")).transpose()?)
}

/// The id of a framework's catalogue item by its SKU.
pub async fn item_id(conn: &mut Conn, framework: &str, sku: &str) -> StoreResult<Option<String>> {
    let row = sqlx::query(ITEM_ID)
        .bind(framework)
        .bind(sku)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.map(|r| r.try_get("id")).transpose()?)
}
