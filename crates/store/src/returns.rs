//! MI returns, their versions and rows, the levy rules that charge them, and the bank holidays
//! that date them.

use crate::{narrow, Conn, StoreError, StoreResult};
use calloff_domain::ids::{FrameworkId, OrganisationId, ReturnId, UserId};
use calloff_domain::levy::{LevyRates, LevyRule};
use calloff_domain::mi_return::{Month, ReturnRow, ReturnStatus, ReturnTotals, VersionKind};
use calloff_domain::money::{Money, UnitPrice};
use chrono::NaiveDate;
use sqlx::any::AnyRow;
use sqlx::Row;

crate::statements! {
    ONBOARDED = "SELECT created_at FROM frameworks WHERE id = $1";
    SET_ONBOARDED = "UPDATE frameworks SET created_at = $1 WHERE id = $2";
    BANK_HOLIDAYS = "SELECT day FROM bank_holidays WHERE day >= $1 AND day <= $2 ORDER BY day";
    LEVY_RULES = "SELECT effective_from, basis FROM levy_rules WHERE framework_id = $1 ORDER BY effective_from";
    LEVY_RATES = "SELECT effective_from, applies_to, basis_points FROM levy_rates WHERE framework_id = $1";
    INSERT_LEVY_RULE = "INSERT INTO levy_rules (framework_id, effective_from, basis, created_by, created_at) \
                        VALUES ($1, $2, $3, $4, $5)";
    INSERT_LEVY_RATE = "INSERT INTO levy_rates (framework_id, effective_from, applies_to, basis_points) VALUES ($1, $2, $3, $4)";
    // A return is made once per framework, supplier and month, however many processes try.
    ENSURE = "INSERT INTO mi_returns (id, reference, framework_id, supplier_id, month, due_on, status, version, created_at, change_seq) \
              VALUES ($1, $2, $3, $4, $5, $6, 'open', 0, $7, $8) \
              ON CONFLICT (framework_id, supplier_id, month) DO NOTHING";
    COLUMNS = "SELECT id, reference, framework_id, supplier_id, month, due_on, status, version, first_submitted_at \
               FROM mi_returns WHERE id = $1";
    FOR_FRAMEWORK = "SELECT id, reference, framework_id, supplier_id, month, due_on, status, version, first_submitted_at \
                     FROM mi_returns WHERE framework_id = $1 AND (CAST($2 AS TEXT) IS NULL OR supplier_id = $2) \
                     ORDER BY month DESC, reference";
    // The month's invoice and credit-note lines, leaving out disputed invoices.
    SOURCE_LINES = "SELECT i.id, i.number, i.kind, c.reference AS call_off_reference, i.buyer_id, i.vat AS invoice_vat, \
                    l.lot_number, l.sku, l.cpv, l.quantity, l.unit_price_micros, l.line_value \
                    FROM invoices i JOIN invoice_lines l ON l.invoice_id = i.id JOIN call_offs c ON c.id = i.call_off_id \
                    WHERE i.framework_id = $1 AND i.supplier_id = $2 AND i.month = $3 AND i.status <> 'disputed' \
                    ORDER BY i.issue_date, i.change_seq, i.id, l.line_number";
    // Moves the return on from the version it was seen at; 0 rows means someone else moved it.
    ADVANCE = "UPDATE mi_returns SET status = $1, version = $2, first_submitted_at = COALESCE(first_submitted_at, $3), \
               change_seq = $4 WHERE id = $5 AND version = $6";
    INSERT_VERSION = "INSERT INTO mi_return_versions (return_id, version, kind, submitted_by, submitted_at, row_count, \
                      total_value, total_vat, charge, charge_difference, levy_rule_from, levy_document_kind, levy_document_number) \
                      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";
    INSERT_ROW = "INSERT INTO mi_return_rows (return_id, version, row_number, invoice_id, invoice_number, invoice_kind, \
                  call_off_reference, customer_name, customer_org_id, customer_kind, sector, lot_number, sku, cpv, quantity, \
                  unit_price_micros, line_value, vat, charge, rate_bp) \
                  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)";
    VERSIONS = "SELECT version, kind, submitted_by, submitted_at, row_count, total_value, total_vat, charge, charge_difference, \
                levy_rule_from, levy_document_kind, levy_document_number FROM mi_return_versions WHERE return_id = $1 ORDER BY version";
    ROWS = "SELECT row_number, invoice_id, invoice_number, invoice_kind, call_off_reference, customer_name, customer_org_id, \
            customer_kind, sector, lot_number, sku, cpv, quantity, unit_price_micros, line_value, vat, charge, rate_bp \
            FROM mi_return_rows WHERE return_id = $1 AND version = $2 AND row_number > $3 ORDER BY row_number LIMIT $4";
    TO_REMIND_BEFORE = "SELECT id FROM mi_returns WHERE status = 'open' AND due_on <= $1 AND due_on >= $2 \
                        AND reminded_before_at IS NULL ORDER BY due_on, id LIMIT $3";
    TO_REMIND_OVERDUE = "SELECT id FROM mi_returns WHERE status = 'open' AND due_on < $1 \
                         AND reminded_overdue_at IS NULL ORDER BY due_on, id LIMIT $2";
    MARK_REMINDED_BEFORE = "UPDATE mi_returns SET reminded_before_at = $1 WHERE id = $2 AND reminded_before_at IS NULL AND status = 'open'";
    MARK_REMINDED_OVERDUE = "UPDATE mi_returns SET reminded_overdue_at = $1 WHERE id = $2 AND reminded_overdue_at IS NULL AND status = 'open'";
    // The charge raised per month: each version raises its difference, so the sum is the
    // charge of the current versions.
    LEVY_BY_MONTH = "SELECT r.month, CAST(SUM(v.charge_difference) AS BIGINT) AS charged, COUNT(DISTINCT r.id) AS returns \
                     FROM mi_return_versions v JOIN mi_returns r ON r.id = v.return_id \
                     WHERE r.framework_id = $1 GROUP BY r.month ORDER BY r.month DESC";
}

/// A return as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnRecord {
    pub id: ReturnId,
    /// Like `LON-ICT-2025-MI-2026-11-ZZ000001`: the buyer reference on its charge documents.
    pub reference: String,
    pub framework_id: FrameworkId,
    pub supplier_id: OrganisationId,
    pub month: Month,
    pub due_on: NaiveDate,
    pub status: ReturnStatus,
    /// The current version; 0 while open.
    pub version: i64,
    pub first_submitted_at: Option<String>,
}

/// One submitted version of a return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionRecord {
    pub version: i64,
    pub kind: VersionKind,
    pub submitted_by: UserId,
    pub submitted_at: String,
    pub totals: ReturnTotals,
    /// What this version raised: its charge less the version before's.
    pub charge_difference: Money,
    pub levy_rule_from: Option<NaiveDate>,
    /// The charge document it raised: `invoice` or `credit_note`, and its number.
    pub levy_document: Option<(String, String)>,
}

/// One invoice or credit-note line as the month's return starts from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceLine {
    pub invoice_id: String,
    pub invoice_number: String,
    pub invoice_kind: String,
    pub call_off_reference: String,
    pub buyer_id: OrganisationId,
    pub invoice_vat: Money,
    pub lot_number: u32,
    pub sku: String,
    pub cpv: String,
    pub quantity: i64,
    pub unit_price: UnitPrice,
    pub value: Money,
}

fn date(text: &str, column: &str) -> StoreResult<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|e| StoreError::corrupt(format!("{column}: {e}")))
}

fn corrupt(e: calloff_domain::FieldError) -> StoreError {
    StoreError::corrupt(e.to_string())
}

/// When the framework was put on calloff (an RFC 3339 instant).
pub async fn onboarded_at(conn: &mut Conn, framework: &FrameworkId) -> StoreResult<Option<String>> {
    Ok(sqlx::query(ONBOARDED)
        .bind(framework.as_str())
        .fetch_optional(&mut *conn)
        .await?
        .map(|r| r.try_get::<String, _>("created_at"))
        .transpose()?)
}

/// Records when the framework came onto calloff (the demo's came a year before it is seeded,
/// so that its history has returns).
pub async fn set_onboarded_at(conn: &mut Conn, framework: &FrameworkId, at: &str) -> StoreResult<()> {
    sqlx::query(SET_ONBOARDED)
        .bind(at)
        .bind(framework.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Bank holidays from `from` to `to`, in order.
pub async fn bank_holidays(conn: &mut Conn, from: NaiveDate, to: NaiveDate) -> StoreResult<Vec<NaiveDate>> {
    sqlx::query(BANK_HOLIDAYS)
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| date(&r.try_get::<String, _>("day")?, "day"))
        .collect()
}

/// A framework's levy rules, earliest first.
pub async fn levy_rules(conn: &mut Conn, framework: &FrameworkId) -> StoreResult<Vec<LevyRule>> {
    let rules = sqlx::query(LEVY_RULES)
        .bind(framework.as_str())
        .fetch_all(&mut *conn)
        .await?;
    let rates = sqlx::query(LEVY_RATES)
        .bind(framework.as_str())
        .fetch_all(&mut *conn)
        .await?;
    let mut out = Vec::with_capacity(rules.len());
    for rule in rules {
        let from: String = rule.try_get("effective_from")?;
        let mut entries = Vec::new();
        for rate in &rates {
            if rate.try_get::<String, _>("effective_from")? == from {
                entries.push((
                    rate.try_get::<String, _>("applies_to")?,
                    rate.try_get::<i64, _>("basis_points")?,
                ));
            }
        }
        let rates = LevyRates::from_entries(&rule.try_get::<String, _>("basis")?, &entries).map_err(corrupt)?;
        out.push(LevyRule::new(date(&from, "effective_from")?, rates).map_err(corrupt)?);
    }
    Ok(out)
}

/// Adds a rule; a second rule from the same day is a unique violation.
pub async fn insert_levy_rule(
    conn: &mut Conn,
    framework: &FrameworkId,
    rule: &LevyRule,
    by: &str,
    at: &str,
) -> StoreResult<()> {
    let from = rule.effective_from.to_string();
    sqlx::query(INSERT_LEVY_RULE)
        .bind(framework.as_str())
        .bind(&from)
        .bind(rule.rates.basis())
        .bind(by)
        .bind(at)
        .execute(&mut *conn)
        .await?;
    for (applies_to, bp) in rule.rates.entries() {
        sqlx::query(INSERT_LEVY_RATE)
            .bind(framework.as_str())
            .bind(&from)
            .bind(applies_to)
            .bind(bp.get())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Makes the return if there is none for its framework, supplier and month; true if made.
pub async fn ensure(conn: &mut Conn, record: &ReturnRecord, created_at: &str, change_seq: i64) -> StoreResult<bool> {
    let done = sqlx::query(ENSURE)
        .bind(record.id.as_str())
        .bind(&record.reference)
        .bind(record.framework_id.as_str())
        .bind(record.supplier_id.as_str())
        .bind(record.month.to_string())
        .bind(record.due_on.to_string())
        .bind(created_at)
        .bind(change_seq)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

fn record_of(r: &AnyRow) -> StoreResult<ReturnRecord> {
    Ok(ReturnRecord {
        id: ReturnId::from_stored(r.try_get::<String, _>("id")?),
        reference: r.try_get("reference")?,
        framework_id: FrameworkId::from_stored(r.try_get::<String, _>("framework_id")?),
        supplier_id: OrganisationId::from_stored(r.try_get::<String, _>("supplier_id")?),
        month: Month::parse("month", &r.try_get::<String, _>("month")?).map_err(corrupt)?,
        due_on: date(&r.try_get::<String, _>("due_on")?, "due_on")?,
        status: ReturnStatus::parse(&r.try_get::<String, _>("status")?).map_err(corrupt)?,
        version: r.try_get("version")?,
        first_submitted_at: r.try_get("first_submitted_at")?,
    })
}

pub async fn get(conn: &mut Conn, id: &ReturnId) -> StoreResult<Option<ReturnRecord>> {
    sqlx::query(COLUMNS)
        .bind(id.as_str())
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(record_of)
        .transpose()
}

/// A framework's returns (of one supplier, if given), newest month first.
pub async fn for_framework(
    conn: &mut Conn,
    framework: &FrameworkId,
    supplier: Option<&OrganisationId>,
) -> StoreResult<Vec<ReturnRecord>> {
    sqlx::query(FOR_FRAMEWORK)
        .bind(framework.as_str())
        .bind(supplier.map(OrganisationId::as_str))
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(record_of)
        .collect()
}

/// The invoice and credit-note lines a return is made from, in the order they were issued.
pub async fn source_lines(
    conn: &mut Conn,
    framework: &FrameworkId,
    supplier: &OrganisationId,
    month: Month,
) -> StoreResult<Vec<SourceLine>> {
    sqlx::query(SOURCE_LINES)
        .bind(framework.as_str())
        .bind(supplier.as_str())
        .bind(month.to_string())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            Ok(SourceLine {
                invoice_id: r.try_get("id")?,
                invoice_number: r.try_get("number")?,
                invoice_kind: r.try_get("kind")?,
                call_off_reference: r.try_get("call_off_reference")?,
                buyer_id: OrganisationId::from_stored(r.try_get::<String, _>("buyer_id")?),
                invoice_vat: Money::from_pence(r.try_get("invoice_vat")?),
                lot_number: narrow(r.try_get("lot_number")?, "lot_number")?,
                sku: r.try_get("sku")?,
                cpv: r.try_get("cpv")?,
                quantity: r.try_get("quantity")?,
                unit_price: UnitPrice::from_micros(r.try_get("unit_price_micros")?).map_err(corrupt)?,
                value: Money::from_pence(r.try_get("line_value")?),
            })
        })
        .collect()
}

/// A new version to record, with its rows.
pub struct NewVersion<'a> {
    pub return_id: &'a ReturnId,
    /// The version the return was seen at; the new one is the next.
    pub seen_version: i64,
    pub status: ReturnStatus,
    pub kind: VersionKind,
    pub by: &'a UserId,
    pub at: &'a str,
    pub rows: &'a [ReturnRow],
    pub totals: ReturnTotals,
    pub charge_difference: Money,
    pub levy_rule_from: Option<NaiveDate>,
    pub levy_document: Option<(&'a str, String)>,
    pub change_seq: i64,
}

/// Records the next version and its rows if the return is still at the version seen; false if
/// someone else moved it on first.
pub async fn add_version(conn: &mut Conn, v: &NewVersion<'_>) -> StoreResult<bool> {
    let version = v.seen_version + 1;
    let moved = sqlx::query(ADVANCE)
        .bind(v.status.as_str())
        .bind(version)
        .bind(v.at)
        .bind(v.change_seq)
        .bind(v.return_id.as_str())
        .bind(v.seen_version)
        .execute(&mut *conn)
        .await?;
    if moved.rows_affected() != 1 {
        return Ok(false);
    }
    sqlx::query(INSERT_VERSION)
        .bind(v.return_id.as_str())
        .bind(version)
        .bind(v.kind.as_str())
        .bind(v.by.as_str())
        .bind(v.at)
        .bind(v.totals.rows)
        .bind(v.totals.value.pence())
        .bind(v.totals.vat.pence())
        .bind(v.totals.charge.pence())
        .bind(v.charge_difference.pence())
        .bind(v.levy_rule_from.map(|d| d.to_string()))
        .bind(v.levy_document.as_ref().map(|(kind, _)| *kind))
        .bind(v.levy_document.as_ref().map(|(_, number)| number.as_str()))
        .execute(&mut *conn)
        .await?;
    for (n, row) in v.rows.iter().enumerate() {
        sqlx::query(INSERT_ROW)
            .bind(v.return_id.as_str())
            .bind(version)
            .bind(calloff_domain::count(n + 1))
            .bind(&row.invoice_id)
            .bind(&row.invoice_number)
            .bind(&row.invoice_kind)
            .bind(&row.call_off_reference)
            .bind(&row.customer_name)
            .bind(&row.customer_org_id)
            .bind(&row.customer_kind)
            .bind(&row.sector)
            .bind(i64::from(row.lot_number))
            .bind(&row.sku)
            .bind(&row.cpv)
            .bind(row.quantity)
            .bind(row.unit_price.micros())
            .bind(row.value.pence())
            .bind(row.vat.pence())
            .bind(row.charge.pence())
            .bind(row.rate_bp)
            .execute(&mut *conn)
            .await?;
    }
    Ok(true)
}

/// A return's versions, first to last.
pub async fn versions(conn: &mut Conn, id: &ReturnId) -> StoreResult<Vec<VersionRecord>> {
    sqlx::query(VERSIONS)
        .bind(id.as_str())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            let kind: Option<String> = r.try_get("levy_document_kind")?;
            let number: Option<String> = r.try_get("levy_document_number")?;
            Ok(VersionRecord {
                version: r.try_get("version")?,
                kind: VersionKind::parse(&r.try_get::<String, _>("kind")?).map_err(corrupt)?,
                submitted_by: UserId::from_stored(r.try_get::<String, _>("submitted_by")?),
                submitted_at: r.try_get("submitted_at")?,
                totals: ReturnTotals {
                    rows: r.try_get("row_count")?,
                    value: Money::from_pence(r.try_get("total_value")?),
                    vat: Money::from_pence(r.try_get("total_vat")?),
                    charge: Money::from_pence(r.try_get("charge")?),
                },
                charge_difference: Money::from_pence(r.try_get("charge_difference")?),
                levy_rule_from: r
                    .try_get::<Option<String>, _>("levy_rule_from")?
                    .map(|d| date(&d, "levy_rule_from"))
                    .transpose()?,
                levy_document: kind.zip(number),
            })
        })
        .collect()
}

/// Rows of a version after row `after`, at most `limit`.
pub async fn rows(conn: &mut Conn, id: &ReturnId, version: i64, after: i64, limit: i64) -> StoreResult<Vec<ReturnRow>> {
    sqlx::query(ROWS)
        .bind(id.as_str())
        .bind(version)
        .bind(after)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            Ok(ReturnRow {
                // Rows uploaded from a file have no calloff invoice.
                invoice_id: r.try_get::<Option<String>, _>("invoice_id")?.unwrap_or_default(),
                invoice_number: r.try_get("invoice_number")?,
                invoice_kind: r.try_get("invoice_kind")?,
                call_off_reference: r.try_get("call_off_reference")?,
                customer_name: r.try_get("customer_name")?,
                customer_org_id: r.try_get("customer_org_id")?,
                customer_kind: r.try_get("customer_kind")?,
                sector: r.try_get("sector")?,
                lot_number: narrow(r.try_get("lot_number")?, "lot_number")?,
                sku: r.try_get("sku")?,
                cpv: r.try_get("cpv")?,
                quantity: r.try_get("quantity")?,
                unit_price: UnitPrice::from_micros(r.try_get("unit_price_micros")?).map_err(corrupt)?,
                value: Money::from_pence(r.try_get("line_value")?),
                vat: Money::from_pence(r.try_get("vat")?),
                charge: Money::from_pence(r.try_get("charge")?),
                rate_bp: r.try_get("rate_bp")?,
            })
        })
        .collect()
}

/// Open returns due from `from` to `until` that have not had their reminder before the due date.
pub async fn to_remind_before(
    conn: &mut Conn,
    from: NaiveDate,
    until: NaiveDate,
    limit: i64,
) -> StoreResult<Vec<ReturnId>> {
    ids(sqlx::query(TO_REMIND_BEFORE)
        .bind(until.to_string())
        .bind(from.to_string())
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?)
}

/// Open returns due before `today` that have not had their overdue reminder.
pub async fn to_remind_overdue(conn: &mut Conn, today: NaiveDate, limit: i64) -> StoreResult<Vec<ReturnId>> {
    ids(sqlx::query(TO_REMIND_OVERDUE)
        .bind(today.to_string())
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?)
}

fn ids(rows: Vec<AnyRow>) -> StoreResult<Vec<ReturnId>> {
    rows.iter()
        .map(|r| Ok(ReturnId::from_stored(r.try_get::<String, _>("id")?)))
        .collect()
}

/// Which reminder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reminder {
    BeforeDue,
    Overdue,
}

/// Marks the reminder sent; false if it already was (or the return is no longer open).
pub async fn mark_reminded(conn: &mut Conn, id: &ReturnId, which: Reminder, at: &str) -> StoreResult<bool> {
    let sql = match which {
        Reminder::BeforeDue => MARK_REMINDED_BEFORE,
        Reminder::Overdue => MARK_REMINDED_OVERDUE,
    };
    let done = sqlx::query(sql).bind(at).bind(id.as_str()).execute(&mut *conn).await?;
    Ok(done.rows_affected() == 1)
}

/// The charge raised per month across the framework's returns, newest month first, with how
/// many returns were submitted for the month.
pub async fn levy_by_month(conn: &mut Conn, framework: &FrameworkId) -> StoreResult<Vec<(Month, Money, i64)>> {
    sqlx::query(LEVY_BY_MONTH)
        .bind(framework.as_str())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            Ok((
                Month::parse("month", &r.try_get::<String, _>("month")?).map_err(corrupt)?,
                Money::from_pence(r.try_get("charged")?),
                r.try_get("returns")?,
            ))
        })
        .collect()
}
