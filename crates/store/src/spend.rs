//! Spend read for the manager's and the buyer's spend pages: from the rollups kept with each
//! invoice (so a framework's pages read a few thousand rows however many invoice lines there
//! are), and from call-offs for commitments and the contract register.

use crate::{Conn, StoreResult};
use calloff_domain::ids::{CallOffId, FrameworkId, OrganisationId};
use calloff_domain::money::Money;
use calloff_domain::organisation::OrganisationKind;
use sqlx::Row;

crate::statements! {
    FRAMEWORK_BY_MONTH = "SELECT month, CAST(SUM(net_value) AS BIGINT) AS net FROM spend_rollups \
                          WHERE framework_id = $1 GROUP BY month ORDER BY month";
    FRAMEWORK_BY_LOT = "SELECT lot_number, CAST(SUM(net_value) AS BIGINT) AS net FROM spend_rollups \
                        WHERE framework_id = $1 GROUP BY lot_number ORDER BY lot_number";
    // Summed first, then named: joined row by row, SQLite would scan the rollups per customer.
    FRAMEWORK_BY_BUYER = "SELECT r.buyer_id, o.name, o.kind, r.net FROM \
                          (SELECT buyer_id, CAST(SUM(net_value) AS BIGINT) AS net FROM spend_rollups \
                           WHERE framework_id = $1 GROUP BY buyer_id) r \
                          JOIN organisations o ON o.id = r.buyer_id";
    // What call-offs placed in each month commit now (ended early ones at their reduced value).
    COMMITTED_BY_MONTH = "SELECT substr(placed_at, 1, 7) AS month, CAST(SUM(contract_value) AS BIGINT) AS net \
                          FROM call_offs WHERE framework_id = $1 AND state IN ('placed', 'accepted', 'live', 'ended') \
                          GROUP BY substr(placed_at, 1, 7) ORDER BY month";
    // Call-offs that commit value (as COMMITTED_BY_MONTH counts them), by their buyer's kind of
    // body and by each lot their lines are in: the counts the open data also gives.
    CALL_OFFS_BY_KIND = "SELECT o.kind, CAST(COUNT(*) AS BIGINT) AS n FROM call_offs c \
                         JOIN organisations o ON o.id = c.buyer_id \
                         WHERE c.framework_id = $1 AND c.state IN ('placed', 'accepted', 'live', 'ended') \
                         GROUP BY o.kind ORDER BY o.kind";
    CALL_OFFS_BY_LOT = "SELECT l.lot_number, CAST(COUNT(DISTINCT c.id) AS BIGINT) AS n FROM call_offs c \
                        JOIN call_off_lines l ON l.call_off_id = c.id \
                        WHERE c.framework_id = $1 AND c.state IN ('placed', 'accepted', 'live', 'ended') \
                        GROUP BY l.lot_number ORDER BY l.lot_number";
    BUYER_BY_MONTH = "SELECT month, CAST(SUM(net_value) AS BIGINT) AS net FROM spend_rollups \
                      WHERE buyer_id = $1 GROUP BY month ORDER BY month";
    BUYER_BY_LOT = "SELECT lot_number, CAST(SUM(net_value) AS BIGINT) AS net FROM spend_rollups \
                    WHERE buyer_id = $1 GROUP BY lot_number ORDER BY lot_number";
    BUYER_BY_COST_CENTRE = "SELECT COALESCE(c.cost_centre, '') AS cost_centre, \
                            CAST(SUM(CASE WHEN i.kind = 'credit_note' THEN -i.net_value ELSE i.net_value END) AS BIGINT) AS net \
                            FROM invoices i JOIN call_offs c ON c.id = i.call_off_id \
                            WHERE i.buyer_id = $1 AND i.status <> 'disputed' \
                            GROUP BY COALESCE(c.cost_centre, '') ORDER BY net DESC";
    // The buyer's contracts still running or to start, ending soonest first.
    CONTRACTS = "SELECT c.id, c.reference, c.state, c.contract_value, c.live_on, c.ends_on, o.name AS supplier \
                 FROM call_offs c JOIN organisations o ON o.id = c.supplier_id \
                 WHERE c.buyer_id = $1 AND c.state IN ('placed', 'accepted', 'live') \
                 ORDER BY c.ends_on IS NULL, c.ends_on, c.reference LIMIT $2";
}

/// Net spend of one customer under a framework.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerSpend {
    pub id: OrganisationId,
    pub name: String,
    pub kind: OrganisationKind,
    pub net: Money,
}

/// A running contract, for the buyer's contract register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contract {
    pub id: CallOffId,
    pub reference: String,
    pub state: String,
    pub value: Money,
    pub live_on: Option<String>,
    pub ends_on: Option<String>,
    pub supplier: String,
}

async fn keyed(conn: &mut Conn, sql: &'static str, id: &str, key: &str) -> StoreResult<Vec<(String, Money)>> {
    let rows = sqlx::query(sql).bind(id).fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| Ok((r.try_get::<String, _>(key)?, Money::from_pence(r.try_get("net")?))))
        .collect()
}

async fn by_lot(conn: &mut Conn, sql: &'static str, id: &str) -> StoreResult<Vec<(u32, Money)>> {
    let rows = sqlx::query(sql).bind(id).fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| {
            let lot = u32::try_from(r.try_get::<i64, _>("lot_number")?)
                .map_err(|e| crate::StoreError::corrupt(e.to_string()))?;
            Ok((lot, Money::from_pence(r.try_get("net")?)))
        })
        .collect()
}

/// Invoiced net per month (`YYYY-MM`) under the framework.
pub async fn framework_by_month(conn: &mut Conn, framework: &FrameworkId) -> StoreResult<Vec<(String, Money)>> {
    keyed(conn, FRAMEWORK_BY_MONTH, framework.as_str(), "month").await
}

pub async fn framework_by_lot(conn: &mut Conn, framework: &FrameworkId) -> StoreResult<Vec<(u32, Money)>> {
    by_lot(conn, FRAMEWORK_BY_LOT, framework.as_str()).await
}

/// Invoiced net per customer, with its name and kind of body.
pub async fn framework_by_customer(conn: &mut Conn, framework: &FrameworkId) -> StoreResult<Vec<CustomerSpend>> {
    let rows = sqlx::query(FRAMEWORK_BY_BUYER)
        .bind(framework.as_str())
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(CustomerSpend {
                id: OrganisationId::from_stored(r.try_get::<String, _>("buyer_id")?),
                name: r.try_get("name")?,
                kind: OrganisationKind::parse(&r.try_get::<String, _>("kind")?)
                    .map_err(|e| crate::StoreError::corrupt(e.to_string()))?,
                net: Money::from_pence(r.try_get("net")?),
            })
        })
        .collect()
}

/// What the call-offs placed in each month (`YYYY-MM`) commit now.
pub async fn committed_by_month(conn: &mut Conn, framework: &FrameworkId) -> StoreResult<Vec<(String, Money)>> {
    keyed(conn, COMMITTED_BY_MONTH, framework.as_str(), "month").await
}

/// How many call-offs under the framework commit value, by their buyer's kind of body.
pub async fn call_offs_by_kind(conn: &mut Conn, framework: &FrameworkId) -> StoreResult<Vec<(OrganisationKind, i64)>> {
    let rows = sqlx::query(CALL_OFFS_BY_KIND)
        .bind(framework.as_str())
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            let kind = OrganisationKind::parse(&r.try_get::<String, _>("kind")?)
                .map_err(|e| crate::StoreError::corrupt(e.to_string()))?;
            Ok((kind, r.try_get("n")?))
        })
        .collect()
}

/// How many call-offs under the framework commit value in each lot (one with lines in two lots
/// counts in both).
pub async fn call_offs_by_lot(conn: &mut Conn, framework: &FrameworkId) -> StoreResult<Vec<(u32, i64)>> {
    let rows = sqlx::query(CALL_OFFS_BY_LOT)
        .bind(framework.as_str())
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            let lot = u32::try_from(r.try_get::<i64, _>("lot_number")?)
                .map_err(|e| crate::StoreError::corrupt(e.to_string()))?;
            Ok((lot, r.try_get("n")?))
        })
        .collect()
}

pub async fn buyer_by_month(conn: &mut Conn, buyer: &OrganisationId) -> StoreResult<Vec<(String, Money)>> {
    keyed(conn, BUYER_BY_MONTH, buyer.as_str(), "month").await
}

pub async fn buyer_by_lot(conn: &mut Conn, buyer: &OrganisationId) -> StoreResult<Vec<(u32, Money)>> {
    by_lot(conn, BUYER_BY_LOT, buyer.as_str()).await
}

/// Invoiced net per cost centre (empty when none was recorded), largest first.
pub async fn buyer_by_cost_centre(conn: &mut Conn, buyer: &OrganisationId) -> StoreResult<Vec<(String, Money)>> {
    keyed(conn, BUYER_BY_COST_CENTRE, buyer.as_str(), "cost_centre").await
}

/// Up to `limit` of the buyer's running contracts, ending soonest first.
pub async fn contracts(conn: &mut Conn, buyer: &OrganisationId, limit: i64) -> StoreResult<Vec<Contract>> {
    let rows = sqlx::query(CONTRACTS)
        .bind(buyer.as_str())
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Contract {
                id: CallOffId::from_stored(r.try_get::<String, _>("id")?),
                reference: r.try_get("reference")?,
                state: r.try_get("state")?,
                value: Money::from_pence(r.try_get("contract_value")?),
                live_on: r.try_get("live_on")?,
                ends_on: r.try_get("ends_on")?,
                supplier: r.try_get("supplier")?,
            })
        })
        .collect()
}
