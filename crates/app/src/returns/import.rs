//! A supplier that invoices outside calloff uploads the month's MI return as a CSV or XLSX file
//! (columns in [`calloff_interop::mi_file`]). The file is streamed: a reader thread passes rows
//! in chunks through a small channel, each row is checked and reconciled with the supplier's
//! call-offs, and valid rows are staged in batches. Every error is reported by row and column
//! (the first [`MAX_REPORTED_ERRORS`], and how many in all); nothing is kept unless the whole
//! file is valid. Once it is, one transaction makes the staged rows the return's next version
//! (a submission, or a correction that keeps the earlier), so the levy, charge and lateness
//! logic applies unchanged.
//!
//! Reconciliation, all errors (a return the authority cannot trace to an order is not a
//! return it can charge on): an unknown order reference (another supplier's is reported the
//! same way, so as not to reveal it), a customer org-id that is not one of the call-off's
//! buyer's, an item (SKU) not on the call-off, a lot or CPV code not the line's, a unit price
//! not the one in force on the line, a value that is not quantity × unit price, an invoice date
//! outside the month, and a value that takes what was invoiced on the call-off line (what
//! calloff already knows plus the rows before it in the file) beyond the line's value.
//!
//! Resuming: the import's id is derived from the file's SHA-256, the framework, the supplier and
//! the month. Staged batches are committed in file order and inserted idempotently, so a run
//! killed half way is continued by the next run with the same file from the first row not yet
//! staged, and never stages a row twice. Rows before that are still read and checked (the
//! running totals need them), which is cheap next to writing them.

use super::{reference_for, tell_manager, ReturnRecord, VersionRecord};
use crate::{Actor, App, AppError, AppResult};
use calloff_domain::calendar::parse_date;
use calloff_domain::catalogue::CpvCode;
use calloff_domain::ids::{FrameworkId, ReturnId};
use calloff_domain::levy::{in_force, line_charge, LevyRule, Sector};
use calloff_domain::mi_return::{Month, ReturnStatus, VersionKind};
use calloff_domain::money::{Money, UnitPrice};
use calloff_domain::FieldError;
use calloff_interop::csv_rows::CellError;
use calloff_interop::mi_file::{self, MiRow};
use calloff_interop::price_list::{Format, Progress};
use calloff_store::audit::ChainHead;
use calloff_store::mi_imports::{self, ImportState, NewImport, StagedRow};
use calloff_store::returns::{self, NewVersion};
use calloff_store::{call_offs, invoices, organisations, with_retries, Conn};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};

/// Errors reported at most; the count of the rest is given.
pub const MAX_REPORTED_ERRORS: usize = 100;
/// Rows staged per statement: 17 parameters a row stays well under SQLite's 32,766.
pub const STAGE_BATCH: usize = 1_000;
/// Rows the reader thread passes on at once, and chunks it may run ahead by.
const CHUNK_ROWS: usize = 1_000;
const CHUNKS_AHEAD: usize = 4;
/// The largest quantity a row may carry.
pub const MAX_QUANTITY: i64 = 1_000_000_000;
/// The longest invoice number accepted.
const MAX_INVOICE_NUMBER: usize = 100;
/// Call-offs read per page when loading the supplier's.
const CALL_OFF_PAGE: i64 = 500;

/// Why an import did not happen.
#[derive(Debug)]
pub enum MiImportError {
    /// The file has errors, by row and column (at most [`MAX_REPORTED_ERRORS`]), and how many
    /// there were in all. Nothing was kept.
    Cells {
        errors: Vec<CellError>,
        total: usize,
    },
    /// Stopped on request after staging this many rows (to show resuming); run again to go on.
    Stopped {
        staged: i64,
    },
    App(AppError),
}

impl From<AppError> for MiImportError {
    fn from(e: AppError) -> Self {
        MiImportError::App(e)
    }
}

impl From<calloff_store::StoreError> for MiImportError {
    fn from(e: calloff_store::StoreError) -> Self {
        MiImportError::App(e.into())
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct MiImportOptions {
    /// Stop (as if killed) once this many rows are staged in this run.
    pub stop_after_rows: Option<i64>,
    /// Rows staged per statement; 0 for [`STAGE_BATCH`].
    pub batch_rows: usize,
}

/// What an import made.
#[derive(Debug, Clone)]
pub struct MiImported {
    pub return_record: ReturnRecord,
    pub version: VersionRecord,
    pub rows: i64,
    /// Rows a previous, interrupted run had already staged.
    pub resumed_after: i64,
    /// The same file had already been imported: nothing new was made.
    pub already_imported: bool,
}

/// A call-off line as the reconciliation needs it.
struct OrderLine {
    sku: String,
    lot: u32,
    cpv: String,
    unit_price: UnitPrice,
    value: Money,
    /// Invoiced so far: by calloff's invoices, then by the rows of the file read so far.
    invoiced: Money,
}

struct Order {
    reference: String,
    customer_name: String,
    customer_kind: String,
    sector: Sector,
    /// The buyer's org-ids, upper case.
    org_ids: Vec<String>,
    lines: Vec<OrderLine>,
}

/// Checks the actor may upload a return on the framework (a user of one of its suppliers),
/// before anything they sent is read.
pub async fn may_import(
    app: &App,
    actor: &Actor,
    framework_id: &FrameworkId,
) -> AppResult<calloff_store::frameworks::FrameworkRecord> {
    let mut conn = app.db.pool().acquire().await?;
    let framework = crate::frameworks::record(&mut conn, framework_id).await?;
    let standing = crate::frameworks::standing_in(&mut conn, actor, &framework).await?;
    if !standing.is_supplier() || !framework.framework.suppliers.contains(&actor.organisation_id) {
        return Err(AppError::Forbidden(
            "only the framework's suppliers upload their MI returns".into(),
        ));
    }
    Ok(framework)
}

/// Imports the file as the actor's supplier's return for the framework and month.
pub async fn import_file<R: Read + Seek + Send + 'static>(
    app: &App,
    actor: &Actor,
    framework_id: &FrameworkId,
    month: Month,
    (format, input, size): (Format, R, u64),
    options: MiImportOptions,
    mut progress: impl FnMut(Progress),
) -> Result<MiImported, MiImportError> {
    let framework = may_import(app, actor, framework_id).await?;
    let mut conn = app.db.pool().acquire().await.map_err(AppError::from)?;
    let term = &framework.framework.term;
    if month > Month::of(app.today()) || month < Month::of(term.start) || month > Month::of(term.end) {
        return Err(AppError::invalid(
            "period",
            format!(
                "Enter a month of the framework's term ({} to {}) that has started",
                Month::of(term.start),
                Month::of(term.end)
            ),
        )
        .into());
    }
    let orders = load_orders(&mut conn, framework_id, actor).await?;
    let rules = returns::levy_rules(&mut conn, framework_id).await?;
    let rule = in_force(&rules, month.first_day()).cloned();
    drop(conn);

    // The reader thread: hash the file, then read it again row by row.
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Chunk>(CHUNKS_AHEAD);
    let reader = tokio::task::spawn_blocking(move || read_file(format, input, size, &sender));

    let Some(Chunk::Hash(sha256)) = receiver.recv().await else {
        let found = reader.await.map_err(|e| AppError::invalid("file", e.to_string()))?;
        return Err(MiImportError::App(AppError::invalid(
            "file",
            found.err().unwrap_or_else(|| "could not be read".into()),
        )));
    };
    let import_id = import_id(&sha256, framework_id, actor, month);
    let mut conn = app.db.pool().acquire().await.map_err(AppError::from)?;
    let state = mi_imports::begin(
        &mut conn,
        &NewImport {
            id: &import_id,
            framework_id,
            supplier_id: &actor.organisation_id,
            month,
            file_sha256: &sha256,
            by: &actor.user_id,
            at: &app.now_text(),
        },
    )
    .await?;
    if let ImportState::Applied { return_id, version } = state {
        drop(receiver);
        let _ = reader.await;
        return already_imported(&mut conn, &return_id, version).await;
    }
    let resumed_after = mi_imports::staged_upto(&mut conn, &import_id).await?;

    let mut check = Reconciler {
        orders,
        rule,
        month,
        errors: Vec::new(),
        error_count: 0,
    };
    let batch_rows = if options.batch_rows == 0 {
        STAGE_BATCH
    } else {
        options.batch_rows.min(STAGE_BATCH)
    };
    let mut batch: Vec<StagedRow> = Vec::with_capacity(batch_rows);
    let (mut rows, mut staged_now) = (0i64, 0i64);
    let mut file_errors = Vec::new();
    while let Some(chunk) = receiver.recv().await {
        match chunk {
            Chunk::Hash(_) => {}
            Chunk::Rows(chunk) => {
                for (row, at) in chunk {
                    rows += 1;
                    if rows % 1_000 == 0 {
                        progress(at);
                    }
                    let Some(staged) = check.row(rows, &row) else { continue };
                    // Once any row is wrong nothing will be kept, so staging stops; checking goes on.
                    if check.error_count == 0 && staged.row_number > resumed_after {
                        batch.push(staged);
                        if batch.len() == batch_rows {
                            stage(app, &mut conn, &import_id, &batch).await?;
                            staged_now += calloff_domain::count(batch.len());
                            batch.clear();
                            if options.stop_after_rows.is_some_and(|n| staged_now >= n) {
                                drop(receiver);
                                let _ = reader.await;
                                return Err(MiImportError::Stopped {
                                    staged: resumed_after + staged_now,
                                });
                            }
                        }
                    }
                }
            }
            Chunk::FileErrors(found) => file_errors = found,
        }
    }
    let _ = reader.await;
    if !file_errors.is_empty() || check.error_count > 0 {
        let total = file_errors.len() + check.error_count;
        let mut errors = file_errors;
        errors.extend(check.errors);
        errors.sort_by_key(|e| e.row);
        errors.truncate(MAX_REPORTED_ERRORS);
        with_retries(|| async {
            let mut tx = app.db.begin_write().await?;
            mi_imports::discard(&mut tx, &import_id).await?;
            tx.commit().await?;
            Ok::<(), AppError>(())
        })
        .await?;
        return Err(MiImportError::Cells { errors, total });
    }
    if rows == 0 {
        mi_imports::discard(&mut conn, &import_id).await?;
        return Err(AppError::invalid(
            "file",
            "The file has no rows: declare no business for the month instead",
        )
        .into());
    }
    stage(app, &mut conn, &import_id, &batch).await?;
    drop(conn);
    let (record, version) = with_retries(|| apply(app, actor, framework_id, month, &import_id)).await?;
    Ok(MiImported {
        return_record: record,
        version,
        rows,
        resumed_after,
        already_imported: false,
    })
}

/// Stages a batch in its own committed transaction, retried if the database is busy.
async fn stage(app: &App, conn: &mut Conn, import_id: &str, batch: &[StagedRow]) -> AppResult<()> {
    if batch.is_empty() {
        return Ok(());
    }
    let mut attempts = 0;
    loop {
        let mut tx = app.db.begin_write_on(conn).await?;
        let staged = mi_imports::stage(&mut tx, import_id, batch).await;
        match staged {
            Ok(()) => {
                tx.commit().await?;
                return Ok(());
            }
            Err(e) if e.is_retryable() && attempts < STAGE_ATTEMPTS => {
                attempts += 1;
                drop(tx);
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// Tries per batch when the database is busy or a transaction must be retried.
const STAGE_ATTEMPTS: u32 = 5;

enum Chunk {
    Hash(String),
    Rows(Vec<(MiRow, Progress)>),
    FileErrors(Vec<CellError>),
}

/// Runs on a blocking thread: the file's SHA-256, then its rows in chunks. Stops early when the
/// receiver is gone.
fn read_file<R: Read + Seek>(
    format: Format,
    mut input: R,
    size: u64,
    sender: &tokio::sync::mpsc::Sender<Chunk>,
) -> Result<(), String> {
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let n = input.read(&mut buffer).map_err(|e| e.to_string())?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    input.seek(SeekFrom::Start(0)).map_err(|e| e.to_string())?;
    if sender
        .blocking_send(Chunk::Hash(hex::encode(hasher.finalize())))
        .is_err()
    {
        return Ok(());
    }
    let mut chunk = Vec::with_capacity(CHUNK_ROWS);
    let mut gone = false;
    let read = mi_file::read(format, std::io::BufReader::new(input), size, |row, at| {
        if gone {
            return;
        }
        chunk.push((row, at));
        if chunk.len() == CHUNK_ROWS {
            gone = sender
                .blocking_send(Chunk::Rows(std::mem::replace(
                    &mut chunk,
                    Vec::with_capacity(CHUNK_ROWS),
                )))
                .is_err();
        }
    });
    if !gone && !chunk.is_empty() {
        let _ = sender.blocking_send(Chunk::Rows(chunk));
    }
    if let Err(found) = read {
        let _ = sender.blocking_send(Chunk::FileErrors(found));
    }
    Ok(())
}

/// The same file for the same framework, supplier and month is the same import.
fn import_id(sha256: &str, framework_id: &FrameworkId, actor: &Actor, month: Month) -> String {
    let mut hasher = Sha256::new();
    for part in [
        sha256,
        framework_id.as_str(),
        actor.organisation_id.as_str(),
        &month.to_string(),
    ] {
        hasher.update(part.as_bytes());
        hasher.update([0u8]);
    }
    hex::encode(&hasher.finalize()[..16])
}

/// The supplier's call-offs under the framework, by upper-case reference, with what each line
/// has been invoiced in calloff.
async fn load_orders(conn: &mut Conn, framework_id: &FrameworkId, actor: &Actor) -> AppResult<HashMap<String, Order>> {
    let mut orders = HashMap::new();
    let mut buyers = HashMap::new();
    let mut before = i64::MAX;
    loop {
        let page =
            call_offs::for_supplier(conn, &actor.organisation_id, before, &Default::default(), CALL_OFF_PAGE).await?;
        let Some(last) = page.last() else { break };
        before = last.change_seq;
        for call_off in page {
            if &call_off.framework_id != framework_id {
                continue;
            }
            if !buyers.contains_key(&call_off.buyer_id) {
                let org = organisations::get(conn, &call_off.buyer_id)
                    .await?
                    .ok_or_else(|| AppError::NotFound("organisation".into()))?;
                buyers.insert(call_off.buyer_id.clone(), org);
            }
            let buyer = &buyers[&call_off.buyer_id];
            let invoiced = invoices::invoiced_per_line(conn, &call_off.id).await?;
            let lines = call_off
                .lines
                .iter()
                .enumerate()
                .map(|(i, line)| {
                    let number = u32::try_from(i + 1).unwrap_or(u32::MAX);
                    OrderLine {
                        sku: line.sku.as_str().to_ascii_uppercase(),
                        lot: line.lot_number,
                        cpv: line.cpv.as_str().to_string(),
                        unit_price: line.unit_price,
                        value: line.value,
                        invoiced: invoiced
                            .iter()
                            .find(|(n, _)| *n == number)
                            .map_or(Money::ZERO, |(_, v)| *v),
                    }
                })
                .collect();
            orders.insert(
                call_off.reference.to_ascii_uppercase(),
                Order {
                    reference: call_off.reference.clone(),
                    customer_name: buyer.name.clone(),
                    customer_kind: buyer.kind.as_str().to_string(),
                    sector: Sector::of(buyer.kind),
                    org_ids: buyer
                        .identifiers
                        .iter()
                        .map(|i| i.to_string().to_ascii_uppercase())
                        .collect(),
                    lines,
                },
            );
        }
    }
    Ok(orders)
}

/// Checks rows one by one, keeping the first errors and counting the rest.
struct Reconciler {
    orders: HashMap<String, Order>,
    rule: Option<LevyRule>,
    month: Month,
    errors: Vec<CellError>,
    error_count: usize,
}

impl Reconciler {
    fn error(&mut self, row: usize, column: &str, message: String) {
        self.error_count += 1;
        if self.errors.len() < MAX_REPORTED_ERRORS {
            self.errors.push(CellError {
                row,
                column: column.to_string(),
                message,
            });
        }
    }

    /// The row, checked and reconciled, ready to stage; None (with its errors noted) if wrong.
    fn row(&mut self, number: i64, raw: &MiRow) -> Option<StagedRow> {
        let before = self.error_count;
        let r = raw.row;
        let text = |s: &str| s.trim().to_string();
        let invoice_number = text(&raw.invoice_number);
        if invoice_number.is_empty() || invoice_number.len() > MAX_INVOICE_NUMBER {
            self.error(
                r,
                "invoice_number",
                format!("Enter the invoice number, at most {MAX_INVOICE_NUMBER} characters"),
            );
        }
        match parse_date(raw.invoice_date.trim()) {
            Ok(day) if Month::of(day) != self.month => self.error(
                r,
                "invoice_date",
                format!("{day} is not in {}, the month of this return", self.month.label()),
            ),
            Ok(_) => {}
            Err(message) => self.error(r, "invoice_date", message),
        }
        let quantity = match raw.quantity.trim().parse::<i64>() {
            Ok(q) if (1..=MAX_QUANTITY).contains(&q) => Some(q),
            _ => {
                self.error(
                    r,
                    "quantity",
                    format!(
                        "\"{}\" is not a whole number from 1 to {MAX_QUANTITY}",
                        raw.quantity.trim()
                    ),
                );
                None
            }
        };
        let unit_price = UnitPrice::parse_pounds(&raw.unit_price)
            .map_err(|e| self.error(r, "unit_price_gbp", e.message))
            .ok();
        let value = Money::parse_pounds(&raw.value)
            .map_err(|e| self.error(r, "value_gbp", e))
            .ok();
        let vat = if raw.vat.trim().is_empty() {
            Some(Money::ZERO)
        } else {
            Money::parse_pounds(&raw.vat)
                .map_err(|e| self.error(r, "vat_gbp", e))
                .ok()
        };
        let lot = match raw.lot.trim().parse::<u32>() {
            Ok(lot) => Some(lot),
            Err(_) => {
                self.error(r, "lot", format!("\"{}\" is not a lot number", raw.lot.trim()));
                None
            }
        };
        let cpv = match raw.cpv.trim() {
            "" => None,
            given => match CpvCode::parse(given) {
                Ok(code) => Some(code.as_str().to_string()),
                Err(e) => {
                    self.error(r, "cpv", e.message);
                    None
                }
            },
        };
        let (Some(quantity), Some(unit_price), Some(value)) = (quantity, unit_price, value) else {
            return None;
        };
        if unit_price.total_for(u128::try_from(quantity).unwrap_or(0)) != Some(value) {
            self.error(
                r,
                "value_gbp",
                format!("{value} is not the quantity {quantity} × the unit price {unit_price}"),
            );
        }

        // Reconciliation with the call-off.
        let reference = raw.order_reference.trim();
        let Some(order) = self.orders.get(&reference.to_ascii_uppercase()) else {
            self.error(
                r,
                "order_reference",
                format!("\"{reference}\" is not the reference of a call-off placed with you under this framework"),
            );
            return None;
        };
        let org_id = raw.customer_org_id.trim().to_ascii_uppercase();
        let wrong_customer = !order.org_ids.contains(&org_id);
        let sku = raw.sku.trim().to_ascii_uppercase();
        let line_index = order.lines.iter().position(|l| l.sku == sku);
        let mut found = Vec::new();
        if wrong_customer {
            found.push((
                "customer_org_id",
                format!(
                    "\"{}\" is not the customer of call-off {} ({})",
                    raw.customer_org_id.trim(),
                    order.reference,
                    order.customer_name
                ),
            ));
        }
        let Some(index) = line_index else {
            found.push((
                "sku",
                format!("\"{}\" is not an item on call-off {}", raw.sku.trim(), order.reference),
            ));
            for (column, message) in found {
                self.error(r, column, message);
            }
            return None;
        };
        let line = &order.lines[index];
        if lot.is_some_and(|lot| lot != line.lot) {
            found.push((
                "lot",
                format!("{sku} is in lot {} on call-off {}", line.lot, order.reference),
            ));
        }
        if cpv.as_ref().is_some_and(|c| *c != line.cpv) {
            found.push((
                "cpv",
                format!("{sku} has CPV code {} on call-off {}", line.cpv, order.reference),
            ));
        }
        if unit_price != line.unit_price {
            found.push((
                "unit_price_gbp",
                format!(
                    "{unit_price} is not the price in force on call-off {}, which is {}",
                    order.reference, line.unit_price
                ),
            ));
        }
        let after = Money::from_pence(line.invoiced.pence().saturating_add(value.pence()));
        if after.pence() > line.value.pence() {
            found.push((
                "value_gbp",
                format!(
                    "takes what was invoiced for {sku} on call-off {} to {after}, beyond the line's value of {}",
                    order.reference, line.value
                ),
            ));
        }
        let rate = match &self.rule {
            None => None,
            Some(rule) => match rule.rate_for(line.lot, order.sector) {
                Some(rate) => Some(rate),
                None => {
                    found.push((
                        "lot",
                        format!(
                            "the levy rule from {} has no rate for lot {}: the framework manager must add one",
                            rule.effective_from, line.lot
                        ),
                    ));
                    None
                }
            },
        };
        let staged = StagedRow {
            row_number: number,
            invoice_number,
            call_off_reference: order.reference.clone(),
            customer_name: order.customer_name.clone(),
            customer_org_id: raw.customer_org_id.trim().to_string(),
            customer_kind: order.customer_kind.clone(),
            sector: order.sector.as_str().to_string(),
            lot_number: line.lot,
            sku: sku.clone(),
            cpv: line.cpv.clone(),
            quantity,
            unit_price_micros: unit_price.micros(),
            value,
            vat: vat.unwrap_or(Money::ZERO),
            charge: rate.map_or(Money::ZERO, |r| line_charge(value, r)),
            rate_bp: rate.map_or(0, |r| r.get()),
        };
        // Later rows count this one even when it is wrong in some other way.
        if let Some(order) = self.orders.get_mut(&reference.to_ascii_uppercase()) {
            order.lines[index].invoiced = after;
        }
        for (column, message) in found {
            self.error(r, column, message);
        }
        (self.error_count == before).then_some(staged)
    }
}

/// The version an earlier run with the same file made.
async fn already_imported(conn: &mut Conn, return_id: &ReturnId, version: i64) -> Result<MiImported, MiImportError> {
    let record = returns::get(conn, return_id)
        .await?
        .ok_or_else(|| AppError::NotFound("return".into()))?;
    let version = returns::versions(conn, return_id)
        .await?
        .into_iter()
        .find(|v| v.version == version)
        .ok_or_else(|| AppError::NotFound("return version".into()))?;
    Ok(MiImported {
        rows: version.totals.rows,
        return_record: record,
        version,
        resumed_after: 0,
        already_imported: true,
    })
}

/// One transaction: the month's return (made if need be) gets the staged rows as its next
/// version, with the charge (or the difference, for a correction) raised as for a generated
/// return.
async fn apply(
    app: &App,
    actor: &Actor,
    framework_id: &FrameworkId,
    month: Month,
    import_id: &str,
) -> AppResult<(ReturnRecord, VersionRecord)> {
    let at = app.now_text();
    let mut tx = app.db.begin_write().await?;
    let mut head = ChainHead::claim(&mut tx).await?;
    let framework = crate::frameworks::record(&mut tx, framework_id).await?.framework;
    let existing = returns::for_framework(&mut tx, framework_id, Some(&actor.organisation_id))
        .await?
        .into_iter()
        .find(|r| r.month == month);
    let record = match existing {
        Some(record) => record,
        None => {
            let supplier = organisations::get(&mut tx, &actor.organisation_id)
                .await?
                .ok_or_else(|| AppError::NotFound("organisation".into()))?;
            let holidays = returns::bank_holidays(&mut tx, month.first_day(), month.next().last_day()).await?;
            let record = ReturnRecord {
                id: ReturnId::generate(),
                reference: reference_for(&framework.reference, month, &supplier),
                framework_id: framework_id.clone(),
                supplier_id: actor.organisation_id.clone(),
                month,
                due_on: month.return_due_on(&holidays),
                status: ReturnStatus::Open,
                version: 0,
                first_submitted_at: None,
            };
            returns::ensure(&mut tx, &record, &at, head.next_seq()).await?;
            record
        }
    };
    let kind = if record.status == ReturnStatus::Open {
        VersionKind::Submission
    } else {
        VersionKind::Correction
    };
    let totals = mi_imports::totals(&mut tx, import_id).await?;
    let previous = returns::versions(&mut tx, &record.id).await?.pop();
    let before = previous.map_or(Money::ZERO, |p| p.totals.charge);
    let difference = Money::from_pence(totals.charge.pence() - before.pence());
    let version = record.version + 1;
    let document = super::levy::document_for(&record.reference, version, difference);
    let rules = returns::levy_rules(&mut tx, framework_id).await?;
    let moved_on = || {
        AppError::Conflict(FieldError::new(
            "status",
            "someone else submitted this return meanwhile; upload the file again",
        ))
    };
    let moved = returns::add_version(
        &mut tx,
        &NewVersion {
            return_id: &record.id,
            seen_version: record.version,
            status: ReturnStatus::Submitted,
            kind,
            by: &actor.user_id,
            at: &at,
            rows: &[],
            totals,
            charge_difference: difference,
            levy_rule_from: in_force(&rules, month.first_day()).map(|r| r.effective_from),
            levy_document: document.clone(),
            change_seq: head.next_seq(),
        },
    )
    .await?;
    if !moved || !mi_imports::apply(&mut tx, import_id, &record.id, version, &at).await? {
        return Err(moved_on());
    }
    head.append(
        &mut tx,
        &at,
        actor.user_id.as_str(),
        &format!("mi_return.{}", kind.as_str()),
        record.id.as_str(),
        serde_json::json!({
            "reference": record.reference,
            "version": version,
            "source": "file",
            "import": import_id,
            "rows": totals.rows,
            "value_pence": totals.value.pence(),
            "charge_pence": totals.charge.pence(),
            "charge_difference_pence": difference.pence(),
            "levy_document": document.as_ref().map(|(_, n)| n.clone()),
        }),
    )
    .await?;
    head.seal(&mut tx).await?;
    tell_manager(&mut tx, actor, &record, kind, (version, totals, difference), &at).await?;
    let stored = returns::versions(&mut tx, &record.id)
        .await?
        .pop()
        .ok_or_else(|| AppError::NotFound("return".into()))?;
    let record = returns::get(&mut tx, &record.id)
        .await?
        .ok_or_else(|| AppError::NotFound("return".into()))?;
    tx.commit().await?;
    Ok((record, stored))
}
