//! What the Transparency Code registers read: a buying organisation's call-offs over a value
//! running in a quarter, and its approved invoices and credit notes over a value issued in it.

use crate::{Conn, StoreResult};
use calloff_domain::ids::CallOffId;
use calloff_domain::money::Money;
use sqlx::Row;

crate::statements! {
    // Placed (sent to the supplier) before the quarter ends, and not cancelled or rejected, nor
    // ended before it began: running at some point in the quarter. `$3` is the instant the next
    // quarter starts in London; `$4` the quarter's first UK date.
    CONTRACTS = "SELECT c.id, c.reference, c.title, c.cost_centre, c.contract_value, c.starts_on, c.live_on, \
                 c.ends_on, c.placed_at, f.reference AS framework_reference, s.name AS supplier, \
                 (SELECT oi.value FROM organisation_identifiers oi WHERE oi.organisation_id = s.id \
                  AND oi.scheme = 'GB-COH' ORDER BY oi.position LIMIT 1) AS companies_house, \
                 st.sme, st.vcse \
                 FROM call_offs c JOIN organisations s ON s.id = c.supplier_id \
                 LEFT JOIN supplier_statuses st ON st.organisation_id = s.id \
                 JOIN frameworks f ON f.id = c.framework_id \
                 WHERE c.buyer_id = $1 AND c.sent_to_supplier = 1 \
                 AND c.state IN ('placed', 'accepted', 'live', 'ended') AND c.contract_value > $2 \
                 AND c.placed_at < $3 AND (c.ends_on IS NULL OR c.ends_on >= $4) \
                 ORDER BY c.placed_at, c.reference LIMIT $5";
    LINE_NAMES = "SELECT name FROM call_off_lines WHERE call_off_id = $1 ORDER BY line_number";
    // Approved (or accepted after a mismatch) invoices and credit notes issued in the quarter
    // (`$3` to `$4`, UK dates, inclusive) whose net value exceeds `$2`.
    SPEND = "SELECT i.id, i.kind, i.number, i.issue_date, i.net_value, c.reference, c.title, c.cost_centre, \
             s.name AS supplier, \
             (SELECT l.title FROM call_off_lines cl JOIN lots l ON l.framework_id = c.framework_id \
              AND l.number = cl.lot_number WHERE cl.call_off_id = c.id ORDER BY cl.line_number LIMIT 1) AS lot_title, \
             (SELECT cl.cpv FROM call_off_lines cl WHERE cl.call_off_id = c.id ORDER BY cl.line_number LIMIT 1) AS cpv \
             FROM invoices i JOIN call_offs c ON c.id = i.call_off_id JOIN organisations s ON s.id = i.supplier_id \
             WHERE i.buyer_id = $1 AND i.status IN ('approved', 'accepted') AND i.net_value > $2 \
             AND i.issue_date >= $3 AND i.issue_date <= $4 \
             ORDER BY i.issue_date, i.number LIMIT $5";
}

/// A call-off as the contracts register needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractRow {
    pub id: CallOffId,
    pub reference: String,
    pub title: Option<String>,
    pub cost_centre: Option<String>,
    pub value: Money,
    pub starts_on: Option<String>,
    pub live_on: Option<String>,
    pub ends_on: Option<String>,
    pub placed_at: String,
    pub framework_reference: String,
    pub supplier: String,
    pub companies_house: Option<String>,
    /// The supplier's declared status, if it has declared: a small or medium-sized enterprise,
    /// and a voluntary, community or social enterprise.
    pub sme: Option<bool>,
    pub vcse: Option<bool>,
    /// The names of its lines, in order.
    pub lines: Vec<String>,
}

/// An invoice or credit note as the spending register needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpendRow {
    pub id: String,
    pub credit_note: bool,
    pub number: String,
    pub issue_date: String,
    /// Net of VAT; a credit note's is positive here, and negative in the register.
    pub net: Money,
    pub call_off_reference: String,
    pub call_off_title: Option<String>,
    pub cost_centre: Option<String>,
    pub supplier: String,
    pub lot_title: Option<String>,
    pub cpv: Option<String>,
}

pub struct ContractsQuery<'a> {
    pub buyer: &'a str,
    pub over: Money,
    pub placed_before: &'a str,
    pub running_on: &'a str,
    pub limit: i64,
}

pub async fn contracts(conn: &mut Conn, q: ContractsQuery<'_>) -> StoreResult<Vec<ContractRow>> {
    let rows = sqlx::query(CONTRACTS)
        .bind(q.buyer)
        .bind(q.over.pence())
        .bind(q.placed_before)
        .bind(q.running_on)
        .bind(q.limit)
        .fetch_all(&mut *conn)
        .await?;
    let mut contracts = Vec::with_capacity(rows.len());
    for r in &rows {
        let id: String = r.try_get("id")?;
        let lines = sqlx::query(LINE_NAMES)
            .bind(&id)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|l| l.try_get("name"))
            .collect::<Result<Vec<String>, _>>()?;
        contracts.push(ContractRow {
            id: CallOffId::from_stored(id),
            reference: r.try_get("reference")?,
            title: r.try_get("title")?,
            cost_centre: r.try_get("cost_centre")?,
            value: Money::from_pence(r.try_get("contract_value")?),
            starts_on: r.try_get("starts_on")?,
            live_on: r.try_get("live_on")?,
            ends_on: r.try_get("ends_on")?,
            placed_at: r.try_get("placed_at")?,
            framework_reference: r.try_get("framework_reference")?,
            supplier: r.try_get("supplier")?,
            companies_house: r.try_get("companies_house")?,
            sme: r.try_get::<Option<i64>, _>("sme")?.map(|v| v == 1),
            vcse: r.try_get::<Option<i64>, _>("vcse")?.map(|v| v == 1),
            lines,
        });
    }
    Ok(contracts)
}

pub struct SpendQuery<'a> {
    pub buyer: &'a str,
    pub over: Money,
    pub from: &'a str,
    pub to: &'a str,
    pub limit: i64,
}

pub async fn spend(conn: &mut Conn, q: SpendQuery<'_>) -> StoreResult<Vec<SpendRow>> {
    let rows = sqlx::query(SPEND)
        .bind(q.buyer)
        .bind(q.over.pence())
        .bind(q.from)
        .bind(q.to)
        .bind(q.limit)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(SpendRow {
                id: r.try_get("id")?,
                credit_note: r.try_get::<String, _>("kind")? == "credit_note",
                number: r.try_get("number")?,
                issue_date: r.try_get("issue_date")?,
                net: Money::from_pence(r.try_get("net_value")?),
                call_off_reference: r.try_get("reference")?,
                call_off_title: r.try_get("title")?,
                cost_centre: r.try_get("cost_centre")?,
                supplier: r.try_get("supplier")?,
                lot_title: r.try_get("lot_title")?,
                cpv: r.try_get("cpv")?,
            })
        })
        .collect()
}
