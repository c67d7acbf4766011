//! Spreadsheets of named columns (CSV or XLSX) read row by row: the header row finds each column
//! by name (any order, any case), a missing required column is named, and every row is passed
//! on with how far reading has got. A CSV is streamed (only the current record is held); an XLSX
//! sheet is read by calamine. Price lists and MI returns are both read this way.

use crate::csv_rows::CellError;
use calamine::{Data, Reader};
use std::io::{Read, Seek};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    /// XLSX files are ZIP archives and start with `PK`; anything else is read as CSV.
    pub fn sniff(first_bytes: &[u8]) -> Format {
        if first_bytes.starts_with(b"PK\x03\x04") {
            Format::Xlsx
        } else {
            Format::Csv
        }
    }
}

/// How far reading has got: bytes for CSV, rows for XLSX.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub done: u64,
    pub total: u64,
}

/// One row of the file: `row` is its row in the file (the header is row 1).
pub struct Row<'a> {
    pub row: usize,
    columns: &'a [Option<usize>],
    cell: &'a dyn Fn(usize) -> String,
}

impl Row<'_> {
    /// The cell of the `i`th column asked for (required ones first, then optional ones), or
    /// `None` when the file has no such column.
    pub fn get(&self, i: usize) -> Option<String> {
        self.columns[i].map(self.cell)
    }

    /// The cell of the `i`th column asked for, empty when the file has no such column.
    pub fn text(&self, i: usize) -> String {
        self.get(i).unwrap_or_default()
    }
}

/// Where each column asked for is, from the header row.
fn find_columns<'a>(
    required: &[&str],
    optional: &[&str],
    names: impl Iterator<Item = &'a str>,
) -> Result<Vec<Option<usize>>, Vec<CellError>> {
    let names: Vec<String> = names
        .map(|n| n.trim().trim_start_matches('\u{feff}').to_lowercase())
        .collect();
    let at: Vec<Option<usize>> = required
        .iter()
        .chain(optional)
        .map(|column| names.iter().position(|n| n == column))
        .collect();
    let missing: Vec<CellError> = required
        .iter()
        .zip(&at)
        .filter(|(_, at)| at.is_none())
        .map(|(column, _)| CellError {
            row: 1,
            column: column.to_string(),
            message: "this column is missing from the header row".into(),
        })
        .collect();
    if missing.is_empty() {
        Ok(at)
    } else {
        Err(missing)
    }
}

/// Reads every row, calling `each` with it and how far reading has got (bytes of a CSV, rows of
/// an XLSX). Problems with the file itself (a missing column, a broken row) are returned by row
/// and column; the rows that can be read are all passed on, so every error shows at once.
pub fn read<R: Read + Seek>(
    format: Format,
    input: R,
    size: u64,
    (required, optional): (&[&str], &[&str]),
    mut each: impl FnMut(Row<'_>, Progress),
) -> Result<(), Vec<CellError>> {
    match format {
        Format::Csv => read_csv(input, size, (required, optional), &mut each),
        Format::Xlsx => read_xlsx(input, (required, optional), &mut each),
    }
}

fn read_csv<R: Read>(
    input: R,
    size: u64,
    (required, optional): (&[&str], &[&str]),
    each: &mut impl FnMut(Row<'_>, Progress),
) -> Result<(), Vec<CellError>> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let header = reader.headers().map_err(|e| {
        vec![CellError {
            row: 1,
            column: "header".into(),
            message: e.to_string(),
        }]
    })?;
    let columns = find_columns(required, optional, header.iter())?;
    let width = header.len();
    let mut errors = Vec::new();
    let mut record = csv::StringRecord::new();
    let mut row = 1;
    loop {
        row += 1;
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) if record.len() != width => errors.push(CellError {
                row,
                column: "row".into(),
                message: format!("has {} fields but the header has {width}", record.len()),
            }),
            Ok(true) => {
                let progress = Progress {
                    done: reader.position().byte(),
                    total: size,
                };
                let cell = |i: usize| record.get(i).unwrap_or_default().to_string();
                each(
                    Row {
                        row,
                        columns: &columns,
                        cell: &cell,
                    },
                    progress,
                );
            }
            Err(e) => errors.push(CellError {
                row,
                column: "row".into(),
                message: e.to_string(),
            }),
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// A spreadsheet cell as the text a CSV would hold.
pub(crate) fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        // Excel counts days from 30 December 1899.
        Data::DateTime(d) => chrono::NaiveDate::from_ymd_opt(1899, 12, 30)
            .and_then(|epoch| epoch.checked_add_signed(chrono::Duration::days(excel_whole_days(d.as_f64())?)))
            .map(|date| date.to_string())
            .unwrap_or_else(|| d.to_string()),
        Data::DateTimeIso(s) => s.get(..10).unwrap_or(s).to_string(),
        Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// The whole days of an Excel date serial, if it is a plausible one (under 100,000 days, before
/// the year 2173).
fn excel_whole_days(serial: f64) -> Option<i64> {
    const MAX_DAYS: f64 = 100_000.0;
    // In range (checked first), so the cast neither truncates past i64 nor loses a sign.
    #[allow(clippy::cast_possible_truncation)]
    (0.0..MAX_DAYS).contains(&serial).then(|| serial.floor() as i64)
}

fn read_xlsx<R: Read + Seek>(
    input: R,
    (required, optional): (&[&str], &[&str]),
    each: &mut impl FnMut(Row<'_>, Progress),
) -> Result<(), Vec<CellError>> {
    let not_a_workbook = |message: String| {
        vec![CellError {
            row: 1,
            column: "file".into(),
            message,
        }]
    };
    let mut workbook: calamine::Xlsx<R> = calamine::open_workbook_from_rs(input)
        .map_err(|e| not_a_workbook(format!("is not a readable XLSX workbook: {e}")))?;
    let range = workbook
        .worksheet_range_at(0)
        .ok_or_else(|| not_a_workbook("has no worksheet".into()))?
        .map_err(|e| not_a_workbook(e.to_string()))?;
    let mut rows = range.rows();
    let header: Vec<String> = rows
        .next()
        .map(|r| r.iter().map(cell_text).collect())
        .unwrap_or_default();
    let columns = find_columns(required, optional, header.iter().map(String::as_str))?;
    let total = u64::try_from(range.height()).unwrap_or(u64::MAX);
    for (i, cells) in rows.enumerate() {
        if cells.iter().all(|c| matches!(c, Data::Empty)) {
            continue;
        }
        let row = i + 2;
        let cell = |c: usize| cells.get(c).map(cell_text).unwrap_or_default();
        each(
            Row {
                row,
                columns: &columns,
                cell: &cell,
            },
            Progress {
                done: u64::try_from(row).unwrap_or(u64::MAX),
                total,
            },
        );
    }
    Ok(())
}
