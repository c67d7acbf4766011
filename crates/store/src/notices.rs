//! What a buyer's notices are judged on, for all its call-offs at once (a fixed number of
//! queries), and the notices it has published.

use crate::{Conn, StoreResult};
use calloff_domain::ids::{CallOffId, OrganisationId, UserId};
use calloff_domain::money::Money;
use sqlx::Row;
use std::collections::HashMap;

crate::statements! {
    // A buyer's call-offs placed with their supplier, newest first.
    SENT = "SELECT id, reference, title, placed_at, contract_value, vat FROM call_offs \
            WHERE buyer_id = $1 AND sent_to_supplier = 1 ORDER BY placed_at DESC, id";
    VARIATIONS = "SELECT v.call_off_id, v.number, v.original_value, v.varied_at FROM call_off_variations v \
                  JOIN call_offs c ON c.id = v.call_off_id WHERE c.buyer_id = $1 ORDER BY v.number";
    EARLY_ENDS = "SELECT x.call_off_id, x.ends_on FROM call_off_early_ends x \
                  JOIN call_offs c ON c.id = x.call_off_id WHERE c.buyer_id = $1";
    ACCEPTED = "SELECT c.id AS call_off_id, a.at FROM call_offs c \
                JOIN audit_entries a ON a.subject = c.id AND a.action = 'call_off.accepted' WHERE c.buyer_id = $1";
    PUBLISHED = "SELECT p.call_off_id, p.notice, p.variation, p.reference, p.published_on FROM notice_publications p \
                 JOIN call_offs c ON c.id = p.call_off_id WHERE c.buyer_id = $1";
    PUBLISHED_FOR = "SELECT call_off_id, notice, variation, reference, published_on FROM notice_publications \
                     WHERE call_off_id = $1";
    INSERT = "INSERT INTO notice_publications (call_off_id, notice, variation, reference, published_on, recorded_by, \
              recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7)";
}

/// A notice recorded as published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publication {
    pub notice: String,
    /// The variation's number for a contract change notice; 0 otherwise.
    pub variation: i64,
    pub reference: String,
    pub published_on: String,
}

/// One of a buyer's call-offs, with what its notices are judged on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeRecord {
    pub id: CallOffId,
    pub reference: String,
    pub title: Option<String>,
    pub placed_at: String,
    pub value_inc_vat: Money,
    pub accepted_at: Option<String>,
    /// Number, value before any variation (ex VAT) and time, in order.
    pub variations: Vec<(i64, Money, String)>,
    pub early_end_on: Option<String>,
    pub published: Vec<Publication>,
}

fn publication(row: &sqlx::any::AnyRow) -> StoreResult<Publication> {
    Ok(Publication {
        notice: row.try_get("notice")?,
        variation: row.try_get("variation")?,
        reference: row.try_get("reference")?,
        published_on: row.try_get("published_on")?,
    })
}

/// Every call-off the buyer placed with a supplier, newest first, with its notices' facts.
pub async fn for_buyer(conn: &mut Conn, buyer: &OrganisationId) -> StoreResult<Vec<NoticeRecord>> {
    let mut records = Vec::new();
    for row in sqlx::query(SENT).bind(buyer.as_str()).fetch_all(&mut *conn).await? {
        let value: i64 = row.try_get("contract_value")?;
        let vat: i64 = row.try_get("vat")?;
        records.push(NoticeRecord {
            id: CallOffId::from_stored(row.try_get::<String, _>("id")?),
            reference: row.try_get("reference")?,
            title: row.try_get("title")?,
            placed_at: row.try_get("placed_at")?,
            value_inc_vat: Money::from_pence(value.saturating_add(vat)),
            accepted_at: None,
            variations: Vec::new(),
            early_end_on: None,
            published: Vec::new(),
        });
    }
    let at: HashMap<String, usize> = records
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str().to_string(), i))
        .collect();
    let mut rows_of = async |sql: &'static str| -> StoreResult<Vec<(usize, sqlx::any::AnyRow)>> {
        let rows = sqlx::query(sql).bind(buyer.as_str()).fetch_all(&mut *conn).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            if let Some(&i) = at.get(&row.try_get::<String, _>("call_off_id")?) {
                out.push((i, row));
            }
        }
        Ok(out)
    };
    for (i, row) in rows_of(VARIATIONS).await? {
        let original = Money::from_pence(row.try_get("original_value")?);
        records[i]
            .variations
            .push((row.try_get("number")?, original, row.try_get("varied_at")?));
    }
    for (i, row) in rows_of(EARLY_ENDS).await? {
        records[i].early_end_on = Some(row.try_get("ends_on")?);
    }
    for (i, row) in rows_of(ACCEPTED).await? {
        records[i].accepted_at = Some(row.try_get("at")?);
    }
    for (i, row) in rows_of(PUBLISHED).await? {
        records[i].published.push(publication(&row)?);
    }
    Ok(records)
}

/// The notices recorded as published for a call-off.
pub async fn published(conn: &mut Conn, call_off: &CallOffId) -> StoreResult<Vec<Publication>> {
    sqlx::query(PUBLISHED_FOR)
        .bind(call_off.as_str())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(publication)
        .collect()
}

/// Records a notice as published; a second record of the same notice is a unique violation.
pub async fn record(conn: &mut Conn, call_off: &CallOffId, p: &Publication, by: &UserId, at: &str) -> StoreResult<()> {
    sqlx::query(INSERT)
        .bind(call_off.as_str())
        .bind(&p.notice)
        .bind(p.variation)
        .bind(&p.reference)
        .bind(&p.published_on)
        .bind(by.as_str())
        .bind(at)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
