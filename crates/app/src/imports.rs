//! Importing a supplier's price list (CSV or XLSX) as one change request. The whole file is
//! checked first and every error reported by row and column; nothing is imported unless the
//! whole file is valid.

use crate::change_requests::{self, RequestSummary as ChangeRequest};
use crate::{Actor, App, AppError};
use calloff_domain::catalogue::CatalogueItem;
use calloff_domain::change_control::{ChangeInput, ChangeKind, ItemDetails, ProposedChange};
use calloff_domain::ids::FrameworkId;
use calloff_interop::csv_rows::CellError;
use calloff_interop::price_list::{self, Format, Progress, RawRow};
use calloff_store::catalogue;
use std::collections::HashMap;
use std::io::{Read, Seek};

/// Errors reported at most; past this the file is clearly not what was meant.
pub const MAX_REPORTED_ERRORS: usize = 1_000;

/// Why an import did not happen.
#[derive(Debug)]
pub enum ImportError {
    /// The file has errors, by row and column (at most [`MAX_REPORTED_ERRORS`]), and how many
    /// there were in all.
    Cells { errors: Vec<CellError>, total: usize },
    /// Not allowed, or something else went wrong.
    App(AppError),
}

impl From<AppError> for ImportError {
    fn from(e: AppError) -> Self {
        ImportError::App(e)
    }
}

/// What an import made.
#[derive(Debug, Clone)]
pub struct Imported {
    pub request: ChangeRequest,
    pub rows: usize,
    /// Rows identical to the item in force, which need no change.
    pub unchanged: usize,
}

/// The file's column for a field of a change.
fn column(field: &str) -> &'static str {
    match field {
        "lot" => "lot",
        "sku" => "sku",
        "name" => "name",
        "description" => "description",
        "unit" => "unit",
        "price" => "price_gbp_ex_vat",
        "minimum_term_months" => "min_term_months",
        "cpv" => "cpv",
        "effective_from" => "effective_from",
        "list_price" => "list_price_gbp",
        "quantity_tiers" => "quantity_tiers",
        _ => "action",
    }
}

/// What a row asks for, given the supplier's item with that SKU (if any).
fn input_for(row: &RawRow, existing: Option<&CatalogueItem>, default_date: &str) -> ChangeInput {
    let action = row.action.trim().to_lowercase();
    let kind = match (action.as_str(), existing) {
        ("withdraw", _) => "withdraw",
        ("" | "add" | "update", None) => "add",
        ("" | "update", Some(_)) => "edit",
        (other, _) => other,
    };
    ChangeInput {
        kind: kind.to_string(),
        sku: row.sku.clone(),
        effective_from: if row.effective_from.trim().is_empty() {
            default_date.to_string()
        } else {
            row.effective_from.clone()
        },
        // An unreadable lot becomes 0, which the check refuses by name.
        lot: match row.lot.trim() {
            "" => None,
            lot => Some(lot.parse().unwrap_or(0)),
        },
        name: Some(row.name.clone()),
        description: Some(row.description.clone()),
        unit: Some(row.unit.clone()),
        price: Some(row.price.clone()),
        minimum_term_months: row.min_term_months.trim().parse().ok(),
        cpv: Some(row.cpv.clone()),
        list_price: Some(row.list_price.clone()),
        // A file without the column leaves an item's tiers as they are.
        quantity_tiers: row
            .quantity_tiers
            .clone()
            .or_else(|| existing.map(|item| item.quantity_tiers.to_string()))
            .map(Into::into),
    }
}

/// Reads and checks every row of a price list as [`price_list`] does, but without a database
/// (every SKU taken as new): for fuzzing the importer. Returns the rows that make valid changes
/// and the errors found, which must never be a panic whatever the bytes.
pub fn check_offline(format: Format, bytes: &[u8], today: chrono::NaiveDate) -> (usize, usize) {
    let (mut valid, mut errors) = (0, 0);
    let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    let read = price_list::read(format, std::io::Cursor::new(bytes), size, |row, _| {
        match input_for(&row, None, &today.to_string()).parse(&format!("row {}", row.row), today) {
            Ok(_) => valid += 1,
            Err(found) => errors += found.len(),
        }
    });
    if let Err(found) = read {
        errors += found.len();
    }
    (valid, errors)
}

/// An edit that only changes the price is a price change; one that changes nothing is dropped.
fn simplify(change: ProposedChange, existing: Option<&CatalogueItem>) -> Option<ProposedChange> {
    let (Some(item), ChangeKind::Edit, Some(details)) = (existing, change.kind, &change.details) else {
        return Some(change);
    };
    let now = ItemDetails::of(item);
    if *details == now {
        return None;
    }
    let same_but_price = ItemDetails {
        unit_price: now.unit_price,
        ..details.clone()
    };
    if same_but_price == now {
        return Some(ProposedChange {
            kind: ChangeKind::Price,
            new_price: Some(details.unit_price),
            details: None,
            ..change
        });
    }
    Some(change)
}

/// Imports a price list for the actor's supplier on a framework as one change request, with
/// `effective_from` (`YYYY-MM-DD`, default today) for rows that do not give their own date.
pub async fn price_list<R: Read + Seek>(
    app: &App,
    actor: &Actor,
    framework_id: &FrameworkId,
    title: &str,
    effective_from: Option<&str>,
    (format, input, size): (Format, R, u64),
    mut progress: impl FnMut(Progress),
) -> Result<Imported, ImportError> {
    let record = change_requests::may_propose(app, actor, framework_id).await?;
    let lots: std::collections::HashSet<u32> = record.framework.lots.iter().map(|l| l.number).collect();
    let today = app.today();
    let default_date = effective_from.map_or_else(|| today.to_string(), str::to_string);
    let mut conn = app.db.pool().acquire().await.map_err(AppError::from)?;
    let own: HashMap<String, CatalogueItem> =
        catalogue::supplier_items(&mut conn, framework_id, &actor.organisation_id)
            .await
            .map_err(AppError::from)?
            .into_iter()
            .map(|r| (r.item.sku.as_str().to_string(), r.item))
            .collect();
    drop(conn);

    let mut errors: Vec<CellError> = Vec::new();
    let mut changes: Vec<(usize, ProposedChange)> = Vec::new();
    let mut first_row: HashMap<String, usize> = HashMap::new();
    let (mut rows, mut unchanged) = (0, 0);
    let read = price_list::read(format, input, size, |row, at| {
        rows += 1;
        if rows % 1_000 == 0 {
            progress(at);
        }
        let sku = row.sku.trim().to_ascii_uppercase();
        // A repeated SKU is reported, and its row still checked for its other errors.
        let repeated = first_row.get(&sku).copied();
        match repeated {
            Some(first) => errors.push(CellError {
                row: row.row,
                column: "sku".into(),
                message: format!("{sku} appears again (first on row {first})"),
            }),
            None => {
                first_row.insert(sku.clone(), row.row);
            }
        }
        // Checked here for every row, not only those that parse, so that all errors show at once.
        if let Ok(lot) = row.lot.trim().parse::<u32>() {
            if !lots.contains(&lot) {
                errors.push(CellError {
                    row: row.row,
                    column: "lot".into(),
                    message: format!("The framework has no lot {lot}"),
                });
            }
        }
        let existing = own.get(&sku);
        match input_for(&row, existing, &default_date).parse("row", today) {
            Ok(_) if repeated.is_some() => {}
            Ok(change) => match simplify(change, existing) {
                Some(change) => changes.push((row.row, change)),
                None => unchanged += 1,
            },
            Err(field_errors) => errors.extend(field_errors.into_iter().map(|e| CellError {
                row: row.row,
                column: column(e.field.trim_start_matches("row.")).to_string(),
                message: e.message,
            })),
        }
    });
    if let Err(file_errors) = read {
        errors.splice(0..0, file_errors);
    }
    if errors.is_empty() && changes.is_empty() {
        return Err(ImportError::App(AppError::invalid(
            "file",
            if rows == 0 {
                "The file has no rows".to_string()
            } else {
                format!("All {rows} rows match the catalogue as it stands, so there is nothing to change")
            },
        )));
    }
    // Errors against the catalogue (unknown lot, another supplier's SKU...) name
    // `changes[ROW].field`: report them by row and column with the rest.
    for fe in change_requests::check_changes(app, actor, framework_id, &changes).await? {
        let located = fe.field.strip_prefix("changes[").and_then(|rest| {
            let (row, field) = rest.split_once("].")?;
            Some((row.parse::<usize>().ok()?, column(field)))
        });
        if let Some((row, column)) = located.filter(|(_, column)| *column != "lot") {
            errors.push(CellError {
                row,
                column: column.to_string(),
                message: fe.message,
            });
        }
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.row);
        return Err(cells(errors));
    }
    let request = change_requests::submit(app, actor, framework_id, title, changes, Vec::new(), None, None).await?;
    Ok(Imported {
        request,
        rows,
        unchanged,
    })
}

fn cells(mut errors: Vec<CellError>) -> ImportError {
    let total = errors.len();
    errors.truncate(MAX_REPORTED_ERRORS);
    ImportError::Cells { errors, total }
}
