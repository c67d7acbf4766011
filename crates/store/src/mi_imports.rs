//! MI returns uploaded as files: the import, its rows staged in batches (idempotently, keyed by
//! import and row number, so a killed run resumes without duplicating a row), and the one
//! transaction that turns them into a return version.

use crate::{Conn, StoreResult};
use calloff_domain::ids::{FrameworkId, OrganisationId, ReturnId, UserId};
use calloff_domain::mi_return::{Month, ReturnTotals};
use calloff_domain::money::Money;
use sqlx::Row;

/// Columns of a staged row, in the order [`StagedRow`] binds them.
const ROW_COLUMNS: &str = "import_id, row_number, invoice_number, call_off_reference, customer_name, customer_org_id, \
                           customer_kind, sector, lot_number, sku, cpv, quantity, unit_price_micros, line_value, vat, charge, rate_bp";
/// Parameters per staged row.
const PARAMS_PER_ROW: usize = 17;

crate::statements! {
    // Made once, however many runs start with the same file.
    BEGIN = "INSERT INTO mi_imports (id, framework_id, supplier_id, month, file_sha256, status, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, 'staging', $6, $7) ON CONFLICT (id) DO NOTHING";
    STATE = "SELECT status, return_id, version FROM mi_imports WHERE id = $1";
    // Batches are committed in file order, so the rows staged are a prefix of the file.
    STAGED_UPTO = "SELECT CAST(COALESCE(MAX(row_number), 0) AS BIGINT) AS upto FROM mi_import_rows WHERE import_id = $1";
    STAGE_ONE = "INSERT INTO mi_import_rows (import_id, row_number, invoice_number, call_off_reference, customer_name, \
                 customer_org_id, customer_kind, sector, lot_number, sku, cpv, quantity, unit_price_micros, line_value, vat, charge, rate_bp) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) \
                 ON CONFLICT (import_id, row_number) DO NOTHING";
    DISCARD_ROWS = "DELETE FROM mi_import_rows WHERE import_id = $1";
    DISCARD = "DELETE FROM mi_imports WHERE id = $1 AND status = 'staging'";
    TOTALS = "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(line_value), 0) AS BIGINT) AS value, \
              CAST(COALESCE(SUM(vat), 0) AS BIGINT) AS vat, CAST(COALESCE(SUM(charge), 0) AS BIGINT) AS charge \
              FROM mi_import_rows WHERE import_id = $1";
    // The staged rows become the version's rows in one statement, without passing through Rust.
    COPY_ROWS = "INSERT INTO mi_return_rows (return_id, version, row_number, invoice_id, invoice_number, invoice_kind, \
                 call_off_reference, customer_name, customer_org_id, customer_kind, sector, lot_number, sku, cpv, quantity, \
                 unit_price_micros, line_value, vat, charge, rate_bp) \
                 SELECT $1, $2, row_number, NULL, invoice_number, 'invoice', call_off_reference, customer_name, customer_org_id, \
                 customer_kind, sector, lot_number, sku, cpv, quantity, unit_price_micros, line_value, vat, charge, rate_bp \
                 FROM mi_import_rows WHERE import_id = $3";
    // Applied once: 0 rows means another run applied it first.
    FROM_FILE = "SELECT COUNT(*) AS n FROM mi_imports WHERE return_id = $1 AND version = $2 AND status = 'applied'";
    MARK_APPLIED = "UPDATE mi_imports SET status = 'applied', return_id = $1, version = $2, applied_at = $3 \
                    WHERE id = $4 AND status = 'staging'";
}

/// An import as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportState {
    /// Rows are being staged.
    Staging,
    /// It became this version of this return.
    Applied { return_id: ReturnId, version: i64 },
}

pub struct NewImport<'a> {
    pub id: &'a str,
    pub framework_id: &'a FrameworkId,
    pub supplier_id: &'a OrganisationId,
    pub month: Month,
    pub file_sha256: &'a str,
    pub by: &'a UserId,
    pub at: &'a str,
}

/// Starts the import, or finds the one a previous run started.
pub async fn begin(conn: &mut Conn, new: &NewImport<'_>) -> StoreResult<ImportState> {
    sqlx::query(BEGIN)
        .bind(new.id)
        .bind(new.framework_id.as_str())
        .bind(new.supplier_id.as_str())
        .bind(new.month.to_string())
        .bind(new.file_sha256)
        .bind(new.by.as_str())
        .bind(new.at)
        .execute(&mut *conn)
        .await?;
    Ok(state(conn, new.id).await?.unwrap_or(ImportState::Staging))
}

pub async fn state(conn: &mut Conn, id: &str) -> StoreResult<Option<ImportState>> {
    let Some(row) = sqlx::query(STATE).bind(id).fetch_optional(&mut *conn).await? else {
        return Ok(None);
    };
    let status: String = row.try_get("status")?;
    Ok(Some(
        match (status.as_str(), row.try_get::<Option<String>, _>("return_id")?) {
            ("applied", Some(return_id)) => ImportState::Applied {
                return_id: ReturnId::from_stored(&return_id),
                version: row.try_get::<Option<i64>, _>("version")?.unwrap_or(0),
            },
            _ => ImportState::Staging,
        },
    ))
}

/// The last row number staged (0 for none).
pub async fn staged_upto(conn: &mut Conn, id: &str) -> StoreResult<i64> {
    Ok(sqlx::query(STAGED_UPTO)
        .bind(id)
        .fetch_one(&mut *conn)
        .await?
        .try_get("upto")?)
}

/// A checked row, ready to become a return row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagedRow {
    pub row_number: i64,
    pub invoice_number: String,
    pub call_off_reference: String,
    pub customer_name: String,
    pub customer_org_id: String,
    pub customer_kind: String,
    pub sector: String,
    pub lot_number: u32,
    pub sku: String,
    pub cpv: String,
    pub quantity: i64,
    pub unit_price_micros: i64,
    pub value: Money,
    pub vat: Money,
    pub charge: Money,
    pub rate_bp: i64,
}

/// Rows per statement on SQLite: sqlx looks each SQLite parameter up by name, which costs time
/// in the square of the parameters per statement (see docs/PERFORMANCE.md), so SQLite gets
/// small statements inside one transaction per batch; PostgreSQL takes a batch in one.
const SQLITE_ROWS_PER_STATEMENT: usize = 25;

/// Stages a batch of rows (in the caller's transaction); rows already staged are left as they
/// are.
pub async fn stage(conn: &mut Conn, import_id: &str, rows: &[StagedRow]) -> StoreResult<()> {
    let per_statement = if conn.backend_name() == "SQLite" {
        SQLITE_ROWS_PER_STATEMENT
    } else {
        rows.len().max(1)
    };
    for chunk in rows.chunks(per_statement) {
        stage_chunk(conn, import_id, chunk).await?;
    }
    Ok(())
}

async fn stage_chunk(conn: &mut Conn, import_id: &str, rows: &[StagedRow]) -> StoreResult<()> {
    let sql = stage_statement(rows.len());
    let mut query = sqlx::query(&sql);
    for r in rows {
        query = query
            .bind(import_id)
            .bind(r.row_number)
            .bind(&r.invoice_number)
            .bind(&r.call_off_reference)
            .bind(&r.customer_name)
            .bind(&r.customer_org_id)
            .bind(&r.customer_kind)
            .bind(&r.sector)
            .bind(i64::from(r.lot_number))
            .bind(&r.sku)
            .bind(&r.cpv)
            .bind(r.quantity)
            .bind(r.unit_price_micros)
            .bind(r.value.pence())
            .bind(r.vat.pence())
            .bind(r.charge.pence())
            .bind(r.rate_bp);
    }
    query.execute(&mut *conn).await?;
    Ok(())
}

/// [`STAGE_ONE`] for `rows` rows at once (the same SQL for one row).
fn stage_statement(rows: usize) -> String {
    let values: Vec<String> = (0..rows)
        .map(|r| {
            let params: Vec<String> = (1..=PARAMS_PER_ROW)
                .map(|p| format!("${}", r * PARAMS_PER_ROW + p))
                .collect();
            format!("({})", params.join(", "))
        })
        .collect();
    format!(
        "INSERT INTO mi_import_rows ({ROW_COLUMNS}) VALUES {} ON CONFLICT (import_id, row_number) DO NOTHING",
        values.join(", ")
    )
}

/// Whether the version was uploaded from a file (rather than generated from invoices).
pub async fn version_from_file(conn: &mut Conn, return_id: &ReturnId, version: i64) -> StoreResult<bool> {
    let n: i64 = sqlx::query(FROM_FILE)
        .bind(return_id.as_str())
        .bind(version)
        .fetch_one(&mut *conn)
        .await?
        .try_get("n")?;
    Ok(n > 0)
}

/// Forgets an import that turned out invalid, with its staged rows.
pub async fn discard(conn: &mut Conn, import_id: &str) -> StoreResult<()> {
    sqlx::query(DISCARD_ROWS).bind(import_id).execute(&mut *conn).await?;
    sqlx::query(DISCARD).bind(import_id).execute(&mut *conn).await?;
    Ok(())
}

/// The staged rows summed.
pub async fn totals(conn: &mut Conn, import_id: &str) -> StoreResult<ReturnTotals> {
    let row = sqlx::query(TOTALS).bind(import_id).fetch_one(&mut *conn).await?;
    Ok(ReturnTotals {
        rows: row.try_get("n")?,
        value: Money::from_pence(row.try_get("value")?),
        vat: Money::from_pence(row.try_get("vat")?),
        charge: Money::from_pence(row.try_get("charge")?),
    })
}

/// Within the transaction that added the version: copies the staged rows into it, marks the
/// import applied and removes the staging rows. False if another run applied it first.
pub async fn apply(
    conn: &mut Conn,
    import_id: &str,
    return_id: &ReturnId,
    version: i64,
    at: &str,
) -> StoreResult<bool> {
    let marked = sqlx::query(MARK_APPLIED)
        .bind(return_id.as_str())
        .bind(version)
        .bind(at)
        .bind(import_id)
        .execute(&mut *conn)
        .await?;
    if marked.rows_affected() != 1 {
        return Ok(false);
    }
    sqlx::query(COPY_ROWS)
        .bind(return_id.as_str())
        .bind(version)
        .bind(import_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(DISCARD_ROWS).bind(import_id).execute(&mut *conn).await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_batch_statement_for_one_row_is_the_prepared_one() {
        let one = super::stage_statement(1);
        let squash = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(squash(&one), squash(super::STAGE_ONE));
        assert!(super::stage_statement(2).contains("$34"));
    }
}
