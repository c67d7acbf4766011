//! CSV files whose every error is reported by row and column.

use calloff_domain::catalogue::{CpvCode, Sku, Unit};
use calloff_domain::money::UnitPrice;
use calloff_domain::organisation::{OrgIdentifier, OrganisationKind};
use serde::Deserialize;
use std::fmt;

/// An error at a row (1-based, the header is row 1) and a column of a CSV file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellError {
    pub row: usize,
    pub column: String,
    pub message: String,
}

impl fmt::Display for CellError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "row {}, column {}: {}", self.row, self.column, self.message)
    }
}

/// One price-list row: `lot,sku,name,description,unit,price_gbp_ex_vat,min_term_months,cpv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceListRow {
    pub lot: u32,
    pub sku: Sku,
    pub name: String,
    pub description: String,
    pub unit: Unit,
    pub unit_price: UnitPrice,
    pub minimum_term_months: u32,
    pub cpv: CpvCode,
}

#[derive(Deserialize)]
struct RawPriceListRow {
    lot: String,
    sku: String,
    name: String,
    description: String,
    unit: String,
    price_gbp_ex_vat: String,
    min_term_months: String,
    cpv: String,
}

/// Parses a whole price list, returning every row's errors (not just the first).
pub fn parse_price_list(input: impl std::io::Read) -> Result<Vec<PriceListRow>, Vec<CellError>> {
    let mut reader = csv::Reader::from_reader(input);
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut first_row_of_sku = std::collections::HashMap::new();
    for (index, record) in reader.deserialize::<RawPriceListRow>().enumerate() {
        let row = index + 2;
        let raw = match record {
            Ok(raw) => raw,
            Err(e) => {
                errors.push(CellError {
                    row,
                    column: "(row)".into(),
                    message: e.to_string(),
                });
                continue;
            }
        };
        let mut cell = |column: &str, message: String| {
            errors.push(CellError {
                row,
                column: column.into(),
                message,
            })
        };
        let lot = raw.lot.trim().parse::<u32>().ok().filter(|n| *n > 0);
        if lot.is_none() {
            cell("lot", format!("\"{}\" is not a lot number", raw.lot));
        }
        let sku = Sku::parse(&raw.sku).map_err(|e| cell("sku", e.message)).ok();
        if let Some(sku) = &sku {
            if let Some(first) = first_row_of_sku.insert(sku.clone(), row) {
                cell("sku", format!("duplicates the SKU on row {first}"));
            }
        }
        if raw.name.trim().is_empty() {
            cell("name", "is required".into());
        }
        let unit = Unit::parse(&raw.unit).map_err(|e| cell("unit", e.message)).ok();
        let unit_price = UnitPrice::parse_pounds(&raw.price_gbp_ex_vat)
            .map_err(|e| cell("price_gbp_ex_vat", e.message))
            .ok();
        let minimum_term_months = raw.min_term_months.trim().parse::<u32>().ok();
        if minimum_term_months.is_none() {
            cell(
                "min_term_months",
                format!("\"{}\" is not a whole number of months", raw.min_term_months),
            );
        }
        let cpv = CpvCode::parse(&raw.cpv).map_err(|e| cell("cpv", e.message)).ok();
        if let (Some(lot), Some(sku), Some(unit), Some(unit_price), Some(minimum_term_months), Some(cpv)) =
            (lot, sku, unit, unit_price, minimum_term_months, cpv)
        {
            if !raw.name.trim().is_empty() {
                rows.push(PriceListRow {
                    lot,
                    sku,
                    name: raw.name.trim().to_string(),
                    description: raw.description.trim().to_string(),
                    unit,
                    unit_price,
                    minimum_term_months,
                    cpv,
                });
            }
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

/// One organisation row: `name,kind,scheme,identifier` (scheme and identifier may be blank).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganisationRow {
    pub name: String,
    pub kind: OrganisationKind,
    pub identifier: Option<OrgIdentifier>,
}

#[derive(Deserialize)]
struct RawOrganisationRow {
    name: String,
    kind: String,
    scheme: String,
    identifier: String,
}

pub fn parse_organisations(input: impl std::io::Read) -> Result<Vec<OrganisationRow>, Vec<CellError>> {
    let mut reader = csv::Reader::from_reader(input);
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for (index, record) in reader.deserialize::<RawOrganisationRow>().enumerate() {
        let row = index + 2;
        let raw = match record {
            Ok(raw) => raw,
            Err(e) => {
                errors.push(CellError {
                    row,
                    column: "(row)".into(),
                    message: e.to_string(),
                });
                continue;
            }
        };
        let kind = OrganisationKind::parse(&raw.kind);
        let identifier = if raw.identifier.trim().is_empty() {
            Ok(None)
        } else {
            OrgIdentifier::parse(&raw.scheme, &raw.identifier).map(Some)
        };
        match (kind, identifier) {
            (Ok(kind), Ok(identifier)) if !raw.name.trim().is_empty() => rows.push(OrganisationRow {
                name: raw.name.trim().to_string(),
                kind,
                identifier,
            }),
            (kind, identifier) => {
                if raw.name.trim().is_empty() {
                    errors.push(CellError {
                        row,
                        column: "name".into(),
                        message: "is required".into(),
                    });
                }
                if let Err(e) = kind {
                    errors.push(CellError {
                        row,
                        column: "kind".into(),
                        message: e.message,
                    });
                }
                if let Err(e) = identifier {
                    let column = if e.field == "identifier_scheme" {
                        "scheme"
                    } else {
                        "identifier"
                    };
                    errors.push(CellError {
                        row,
                        column: column.into(),
                        message: e.message,
                    });
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "lot,sku,name,description,unit,price_gbp_ex_vat,min_term_months,cpv\n";

    #[test]
    fn a_valid_price_list_parses() {
        let csv = format!("{HEADER}3,L3-CALL-GEO,Geographic calls,Per minute,per minute,0.0085,0,64211000-8\n");
        let rows = parse_price_list(csv.as_bytes()).unwrap();
        assert_eq!(rows[0].unit_price.micros(), 8_500);
        assert_eq!(rows[0].unit, Unit::PerMinute);
    }

    #[test]
    fn every_bad_cell_is_reported_by_row_and_column() {
        let csv = format!(
            "{HEADER}x,L1-A,Name,Desc,per month,1.00,12,72720000-3\n\
             1,L1-B,Name,Desc,per fortnight,abc,12,7272\n\
             1,L1-A,Name,Desc,per month,1.00,12,72720000-3\n"
        );
        let errors = parse_price_list(csv.as_bytes()).unwrap_err();
        let found: Vec<(usize, &str)> = errors.iter().map(|e| (e.row, e.column.as_str())).collect();
        assert!(found.contains(&(2, "lot")));
        assert!(found.contains(&(3, "unit")));
        assert!(found.contains(&(3, "price_gbp_ex_vat")));
        assert!(found.contains(&(3, "cpv")));
        assert!(errors
            .iter()
            .any(|e| e.row == 4 && e.column == "sku" && e.message.contains("row 2")));
    }

    #[test]
    fn organisations_parse_with_optional_identifiers() {
        let csv = "name,kind,scheme,identifier\nLondon Borough of Havering,local_authority,GB-LAE,HAV\nTransport for London,transport_body,,\n";
        let rows = parse_organisations(csv.as_bytes()).unwrap();
        assert_eq!(rows[0].identifier.as_ref().unwrap().to_string(), "GB-LAE-HAV");
        assert!(rows[1].identifier.is_none());
        let bad = "name,kind,scheme,identifier\nX,castle,GB-LAE,HAVX\n";
        let errors = parse_organisations(bad.as_bytes()).unwrap_err();
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].row, 2);
    }
}
