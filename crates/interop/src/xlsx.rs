//! A minimal XLSX writer: one sheet of text and number cells, as Office Open XML
//! (ECMA-376) in a zip. Written here, on the `zip` crate calamine already brings, rather than
//! taking a spreadsheet-writing crate with its own zip and XML dependencies for one sheet.
//! Text goes in as inline strings, which a spreadsheet never evaluates as formulas.

use crate::export::{pounds, Cell};
use std::io::Write;

/// Excel's limit on a sheet name's length.
const MAX_SHEET_NAME: usize = 31;

/// The workbook, with one sheet named `sheet_name` holding `rows` (the first is the header).
pub fn write(sheet_name: &str, rows: &[Vec<Cell>]) -> std::io::Result<Vec<u8>> {
    let files = [
        ("[Content_Types].xml", CONTENT_TYPES.to_string()),
        ("_rels/.rels", ROOT_RELS.to_string()),
        ("xl/workbook.xml", workbook(sheet_name)),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.to_string()),
        ("xl/worksheets/sheet1.xml", sheet(rows)),
    ];
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, content) in files {
        zip.start_file(name, options).map_err(std::io::Error::other)?;
        zip.write_all(content.as_bytes())?;
    }
    Ok(zip.finish().map_err(std::io::Error::other)?.into_inner())
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#;
const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;

/// A sheet name Excel accepts: none of `[]:*?/\`, at most 31 characters, not empty.
fn sheet_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { ' ' } else { c })
        .take(MAX_SHEET_NAME)
        .collect();
    let cleaned = cleaned.trim().trim_matches('\'').to_string();
    if cleaned.is_empty() {
        "Sheet1".to_string()
    } else {
        cleaned
    }
}

fn workbook(name: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="{}" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        escape(&sheet_name(name))
    )
}

/// Text as XML character data: the markup characters escaped, and characters XML 1.0 cannot
/// carry (control characters other than tab, line feed and carriage return) left out.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' | '\r' => out.push(ch),
            c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// A column's letters: 0 → A, 25 → Z, 26 → AA.
fn column(mut index: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(char::from(b'A' + u8::try_from(index % 26).unwrap_or(0)));
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    letters.iter().rev().collect()
}

fn sheet(rows: &[Vec<Cell>]) -> String {
    let mut xml = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
    );
    for (r, row) in rows.iter().enumerate() {
        let number = r + 1;
        xml.push_str(&format!(r#"<row r="{number}">"#));
        for (c, cell) in row.iter().enumerate() {
            let reference = format!("{}{number}", column(c));
            match cell {
                Cell::Text(text) => xml.push_str(&format!(
                    r#"<c r="{reference}" t="inlineStr"><is><t xml:space="preserve">{}</t></is></c>"#,
                    escape(text)
                )),
                Cell::Pounds(money) => xml.push_str(&format!(r#"<c r="{reference}"><v>{}</v></c>"#, pounds(*money))),
                Cell::Empty => {}
            }
        }
        xml.push_str("</row>");
    }
    xml.push_str("</sheetData></worksheet>");
    xml
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Data, Reader, Xlsx};
    use calloff_domain::money::Money;

    #[test]
    fn columns_are_lettered_as_spreadsheets_do() {
        assert_eq!(column(0), "A");
        assert_eq!(column(25), "Z");
        assert_eq!(column(26), "AA");
        assert_eq!(column(27), "AB");
        assert_eq!(column(701), "ZZ");
        assert_eq!(column(702), "AAA");
    }

    #[test]
    fn sheet_names_are_ones_excel_accepts() {
        assert_eq!(sheet_name("Call-offs: LON/ICT"), "Call-offs  LON ICT");
        assert_eq!(sheet_name(""), "Sheet1");
        assert_eq!(sheet_name(&"x".repeat(40)).len(), MAX_SHEET_NAME);
    }

    #[test]
    fn calamine_reads_back_what_was_written() {
        let rows = vec![
            vec![Cell::text("reference"), Cell::text("note"), Cell::text("value")],
            vec![
                Cell::text("LON-1"),
                Cell::text("=SUM(A1) & <b> \"quoted\" \u{1}"),
                Cell::Pounds(Money::from_pence(123_405)),
            ],
            vec![Cell::text("LON-2"), Cell::Empty, Cell::Pounds(Money::from_pence(-5))],
        ];
        let bytes = write("Register [test]", &rows).unwrap();
        let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(book.sheet_names(), vec!["Register  test".to_string()]);
        let range = book.worksheet_range("Register  test").unwrap();
        let read: Vec<Vec<Data>> = range.rows().map(<[Data]>::to_vec).collect();
        assert_eq!(read[0][2], Data::String("value".into()));
        // Text stays text: a formula is never stored as one.
        assert_eq!(read[1][1], Data::String("=SUM(A1) & <b> \"quoted\" ".into()));
        assert_eq!(read[1][2], Data::Float(1234.05));
        assert_eq!(read[2][1], Data::Empty);
        assert_eq!(read[2][2], Data::Float(-0.05));
    }
}
