//! The order register: a framework's call-offs across all its customers, filtered, newest
//! placed first, a page at a time; and pages of the audit log.

use crate::{Conn, StoreError, StoreResult};
use calloff_domain::audit::{AuditEntry, SealedEntry};
use calloff_domain::call_off::CallOffState;
use calloff_domain::ids::{CallOffId, FrameworkId, OrganisationId};
use calloff_domain::money::Money;
use calloff_domain::organisation::OrganisationKind;
use sqlx::Row;

/// The conditions every register query shares. A filter left out is bound as NULL and so
/// matches everything: one statement, prepared on both databases, whatever is filtered. The
/// casts give PostgreSQL each parameter's type where it is only tested for NULL.
/// Only call-offs sent to the supplier are on the register: a draft awaiting the buyer's own
/// approvals is not yet placed under the framework.
macro_rules! register_where {
    () => {
        "FROM call_offs c JOIN organisations o ON o.id = c.buyer_id \
         WHERE c.framework_id = $1 AND c.sent_to_supplier = 1 \
         AND (CAST($2 AS TEXT) IS NULL OR c.buyer_id = $2) \
         AND (CAST($3 AS TEXT) IS NULL OR o.kind = $3) \
         AND (CAST($4 AS BIGINT) IS NULL OR EXISTS (SELECT 1 FROM call_off_lines fl WHERE fl.call_off_id = c.id AND fl.lot_number = $4)) \
         AND (CAST($5 AS TEXT) IS NULL OR c.state = $5) \
         AND (CAST($6 AS TEXT) IS NULL OR c.placed_at >= $6) \
         AND (CAST($7 AS TEXT) IS NULL OR c.placed_at < $7) \
         AND (CAST($8 AS BIGINT) IS NULL OR c.contract_value >= $8) \
         AND (CAST($9 AS BIGINT) IS NULL OR c.contract_value <= $9) \
         AND (CAST($10 AS TEXT) IS NULL OR lower(c.reference) LIKE $10 ESCAPE '!') "
    };
}

crate::statements! {
    PAGE = concat!(
        "SELECT c.id, c.reference, c.buyer_id, o.name AS buyer_name, o.kind AS buyer_kind, \
         (SELECT i.scheme || '-' || i.value FROM organisation_identifiers i WHERE i.organisation_id = c.buyer_id \
          ORDER BY i.position LIMIT 1) AS buyer_org_id, \
         c.state, c.placed_at, c.live_on, c.ends_on, c.contract_value ",
        register_where!(),
        "AND (CAST($11 AS TEXT) IS NULL OR c.placed_at < $11 OR (c.placed_at = $11 AND c.id < $12)) \
         ORDER BY c.placed_at DESC, c.id DESC LIMIT $13"
    );
    TOTALS = concat!(
        "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(c.contract_value), 0) AS BIGINT) AS total ",
        register_where!()
    );
    // The lots of the framework's call-offs placed within a page's span of time: one query per
    // page rather than one per call-off.
    LOTS = "SELECT DISTINCT l.call_off_id, l.lot_number FROM call_off_lines l JOIN call_offs c ON c.id = l.call_off_id \
            WHERE c.framework_id = $1 AND c.placed_at >= $2 AND c.placed_at <= $3 ORDER BY l.lot_number";
    // The organisations that have call-offs on the register, for the customer filter.
    CUSTOMERS = "SELECT DISTINCT o.id, o.name FROM call_offs c JOIN organisations o ON o.id = c.buyer_id \
                 WHERE c.framework_id = $1 AND c.sent_to_supplier = 1 ORDER BY o.name";
    AUDIT_PAGE = "SELECT e.seq, e.at, e.actor, e.action, e.subject, e.detail, e.previous_hash, e.hash, \
                  u.name AS actor_name, u.email AS actor_email \
                  FROM audit_entries e LEFT JOIN users u ON u.id = e.actor \
                  WHERE e.seq < $1 AND (CAST($2 AS TEXT) IS NULL OR e.action LIKE $2 ESCAPE '!') AND (CAST($3 AS TEXT) IS NULL OR e.subject = $3) \
                  ORDER BY e.seq DESC LIMIT $4";
}

/// What the register is filtered by; `None` matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegisterFilter {
    pub customer: Option<OrganisationId>,
    pub kind: Option<OrganisationKind>,
    pub lot: Option<u32>,
    pub state: Option<CallOffState>,
    /// Placed at or after this instant (RFC 3339 UTC, as stored).
    pub placed_from: Option<String>,
    /// Placed before this instant.
    pub placed_before: Option<String>,
    pub min_value: Option<Money>,
    pub max_value: Option<Money>,
    /// Part of the reference, any case.
    pub reference: Option<String>,
}

/// Where a page of the register starts: after the call-off placed at `placed_at` with `id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterCursor {
    pub placed_at: String,
    pub id: CallOffId,
}

/// One call-off as the register lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterRow {
    pub id: CallOffId,
    pub reference: String,
    pub customer_id: OrganisationId,
    pub customer: String,
    pub customer_kind: OrganisationKind,
    /// The customer's first identifier as an org-id, e.g. `GB-LAE-CMD`.
    pub customer_org_id: Option<String>,
    /// The lots its lines are in, in order.
    pub lots: Vec<u32>,
    pub state: CallOffState,
    pub placed_at: String,
    /// When it went live and when its term ends (`YYYY-MM-DD`), once live.
    pub live_on: Option<String>,
    pub ends_on: Option<String>,
    pub contract_value: Money,
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::corrupt(e.to_string())
}

/// `text` as a LIKE pattern matching it anywhere, with `!` escaping LIKE's wildcards.
fn contains_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for ch in text.to_lowercase().chars() {
        if matches!(ch, '%' | '_' | '!') {
            pattern.push('!');
        }
        pattern.push(ch);
    }
    pattern.push('%');
    pattern
}

fn bind_filter<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    framework: &FrameworkId,
    f: &RegisterFilter,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    query
        .bind(framework.as_str().to_string())
        .bind(f.customer.as_ref().map(|c| c.as_str().to_string()))
        .bind(f.kind.map(|k| k.as_str()))
        .bind(f.lot.map(i64::from))
        .bind(f.state.map(|s| s.as_str()))
        .bind(f.placed_from.clone())
        .bind(f.placed_before.clone())
        .bind(f.min_value.map(Money::pence))
        .bind(f.max_value.map(Money::pence))
        .bind(f.reference.as_deref().map(contains_pattern))
}

/// Up to `limit` call-offs matching `filter`, newest placed first, after `after`.
pub async fn page(
    conn: &mut Conn,
    framework: &FrameworkId,
    filter: &RegisterFilter,
    after: Option<&RegisterCursor>,
    limit: i64,
) -> StoreResult<Vec<RegisterRow>> {
    let rows = bind_filter(sqlx::query(PAGE), framework, filter)
        .bind(after.map(|a| a.placed_at.clone()))
        .bind(after.map(|a| a.id.as_str().to_string()))
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    let mut out = rows
        .iter()
        .map(|row| {
            Ok(RegisterRow {
                id: CallOffId::from_stored(row.try_get::<String, _>("id")?),
                reference: row.try_get("reference")?,
                customer_id: OrganisationId::from_stored(row.try_get::<String, _>("buyer_id")?),
                customer: row.try_get("buyer_name")?,
                customer_kind: OrganisationKind::parse(&row.try_get::<String, _>("buyer_kind")?).map_err(corrupt)?,
                customer_org_id: row.try_get("buyer_org_id")?,
                lots: Vec::new(),
                state: CallOffState::parse(&row.try_get::<String, _>("state")?).map_err(corrupt)?,
                placed_at: row.try_get("placed_at")?,
                live_on: row.try_get("live_on")?,
                ends_on: row.try_get("ends_on")?,
                contract_value: Money::from_pence(row.try_get("contract_value")?),
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    if let (Some(newest), Some(oldest)) = (out.first(), out.last()) {
        let lots = sqlx::query(LOTS)
            .bind(framework.as_str())
            .bind(oldest.placed_at.clone())
            .bind(newest.placed_at.clone())
            .fetch_all(&mut *conn)
            .await?;
        let mut by_call_off: std::collections::HashMap<String, Vec<u32>> = std::collections::HashMap::new();
        for row in &lots {
            by_call_off
                .entry(row.try_get("call_off_id")?)
                .or_default()
                .push(crate::narrow(row.try_get::<i64, _>("lot_number")?, "lot_number")?);
        }
        for row in &mut out {
            row.lots = by_call_off.remove(row.id.as_str()).unwrap_or_default();
        }
    }
    Ok(out)
}

/// How many call-offs match `filter`, and their total contract value.
pub async fn totals(conn: &mut Conn, framework: &FrameworkId, filter: &RegisterFilter) -> StoreResult<(i64, Money)> {
    let row = bind_filter(sqlx::query(TOTALS), framework, filter)
        .fetch_one(&mut *conn)
        .await?;
    Ok((row.try_get("n")?, Money::from_pence(row.try_get("total")?)))
}

/// The organisations with call-offs on the framework's register, by name.
pub async fn customers(conn: &mut Conn, framework: &FrameworkId) -> StoreResult<Vec<(OrganisationId, String)>> {
    sqlx::query(CUSTOMERS)
        .bind(framework.as_str())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            Ok((
                OrganisationId::from_stored(r.try_get::<String, _>("id")?),
                r.try_get("name")?,
            ))
        })
        .collect()
}

/// An audit entry with the name and email of the person who acted, when a person did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedEntry {
    pub sealed: SealedEntry,
    pub actor_name: Option<String>,
    pub actor_email: Option<String>,
}

/// Up to `limit` audit entries before `before_seq`, newest first, about `entity` (the part of
/// the action before the dot) and `subject` when given.
pub async fn audit_page(
    conn: &mut Conn,
    before_seq: i64,
    entity: Option<&str>,
    subject: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<LoggedEntry>> {
    let action_pattern = entity.map(|e| format!("{}.%", e.replace('!', "!!").replace('_', "!_").replace('%', "!%")));
    sqlx::query(AUDIT_PAGE)
        .bind(before_seq)
        .bind(action_pattern)
        .bind(subject.map(str::to_string))
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|row| {
            let detail: String = row.try_get("detail")?;
            Ok(LoggedEntry {
                sealed: SealedEntry {
                    entry: AuditEntry {
                        seq: row.try_get("seq")?,
                        at: row.try_get("at")?,
                        actor: row.try_get("actor")?,
                        action: row.try_get("action")?,
                        subject: row.try_get("subject")?,
                        detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::String(detail)),
                    },
                    previous_hash: row.try_get("previous_hash")?,
                    hash: row.try_get("hash")?,
                },
                actor_name: row.try_get("actor_name")?,
                actor_email: row.try_get("actor_email")?,
            })
        })
        .collect()
}
