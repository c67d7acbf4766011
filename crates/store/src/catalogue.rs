use crate::{Conn, StoreError, StoreResult};
use calloff_domain::catalogue::{CatalogueItem, CpvCode, Sku, Unit};
use calloff_domain::ids::{FrameworkId, ItemId, OrganisationId};
use calloff_domain::money::UnitPrice;
use sqlx::Row;

crate::statements! {
    INSERT = "INSERT INTO catalogue_items (id, framework_id, lot_number, supplier_id, sku, name, description, unit, \
              unit_price_micros, minimum_term_months, cpv, search_text) \
              VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";
    BY_ID = "SELECT id, framework_id, lot_number, supplier_id, sku, name, description, unit, \
             unit_price_micros, minimum_term_months, cpv FROM catalogue_items WHERE id = $1";
    // Served by the (framework_id, sku) unique index.
    BY_FRAMEWORK_AND_SKU = "SELECT id, framework_id, lot_number, supplier_id, sku, name, description, unit, \
                            unit_price_micros, minimum_term_months, cpv FROM catalogue_items \
                            WHERE framework_id = $1 AND sku = $2";
    BY_SKU = "SELECT id, framework_id, lot_number, supplier_id, sku, name, description, unit, \
              unit_price_micros, minimum_term_months, cpv FROM catalogue_items WHERE sku = $1 ORDER BY framework_id";
    // $2 = 0 means every lot. The pattern is matched against lower-cased text on both databases.
    SEARCH = "SELECT id, framework_id, lot_number, supplier_id, sku, name, description, unit, \
              unit_price_micros, minimum_term_months, cpv FROM catalogue_items \
              WHERE framework_id = $1 AND ($2 = 0 OR lot_number = $2) AND search_text LIKE $3 ESCAPE '\\' \
              ORDER BY lot_number, sku LIMIT $4";
    COUNT_BY_LOT = "SELECT lot_number, COUNT(*) AS n FROM catalogue_items WHERE framework_id = $1 \
                    GROUP BY lot_number ORDER BY lot_number";
}

/// An item with the supplier that sells it.
#[derive(Debug, Clone)]
pub struct ItemRecord {
    pub item: CatalogueItem,
    pub supplier_id: OrganisationId,
}

pub async fn insert(conn: &mut Conn, item: &CatalogueItem, supplier: &OrganisationId) -> StoreResult<()> {
    let search_text = format!("{} {} {} {}", item.sku, item.name, item.description, item.cpv.as_str()).to_lowercase();
    sqlx::query(INSERT)
        .bind(item.id.as_str())
        .bind(item.framework_id.as_str())
        .bind(item.lot_number as i64)
        .bind(supplier.as_str())
        .bind(item.sku.as_str())
        .bind(&item.name)
        .bind(&item.description)
        .bind(item.unit.as_str())
        .bind(item.unit_price.micros())
        .bind(item.minimum_term_months as i64)
        .bind(item.cpv.as_str())
        .bind(search_text)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

fn from_row(row: &sqlx::any::AnyRow) -> StoreResult<ItemRecord> {
    let corrupt = |e: calloff_domain::FieldError| StoreError::corrupt(e.to_string());
    let lot: i64 = row.try_get("lot_number")?;
    let min_term: i64 = row.try_get("minimum_term_months")?;
    let sku: String = row.try_get("sku")?;
    let unit: String = row.try_get("unit")?;
    let cpv: String = row.try_get("cpv")?;
    Ok(ItemRecord {
        item: CatalogueItem {
            id: ItemId::from_stored(row.try_get::<String, _>("id")?),
            framework_id: FrameworkId::from_stored(row.try_get::<String, _>("framework_id")?),
            lot_number: lot as u32,
            sku: Sku::parse(&sku).map_err(corrupt)?,
            name: row.try_get("name")?,
            description: row.try_get("description")?,
            unit: Unit::parse(&unit).map_err(corrupt)?,
            unit_price: UnitPrice::from_micros(row.try_get("unit_price_micros")?).map_err(corrupt)?,
            minimum_term_months: min_term as u32,
            cpv: CpvCode::parse(&cpv).map_err(corrupt)?,
        },
        supplier_id: OrganisationId::from_stored(row.try_get::<String, _>("supplier_id")?),
    })
}

pub async fn get(conn: &mut Conn, id: &ItemId) -> StoreResult<Option<ItemRecord>> {
    sqlx::query(BY_ID)
        .bind(id.as_str())
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// The item with this SKU on this framework.
pub async fn find(conn: &mut Conn, framework: &FrameworkId, sku: &Sku) -> StoreResult<Option<ItemRecord>> {
    sqlx::query(BY_FRAMEWORK_AND_SKU)
        .bind(framework.as_str())
        .bind(sku.as_str())
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Items with this SKU on any framework (so callers can tell "unknown" from "other framework").
pub async fn find_by_sku(conn: &mut Conn, sku: &Sku) -> StoreResult<Vec<ItemRecord>> {
    sqlx::query(BY_SKU)
        .bind(sku.as_str())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// Items of a framework whose SKU, name, description or CPV code contains `text` (any case),
/// optionally in one lot.
pub async fn search(
    conn: &mut Conn,
    framework: &FrameworkId,
    lot: Option<u32>,
    text: &str,
    limit: i64,
) -> StoreResult<Vec<ItemRecord>> {
    let pattern = format!("%{}%", escape_like(&text.trim().to_lowercase()));
    sqlx::query(SEARCH)
        .bind(framework.as_str())
        .bind(lot.map(i64::from).unwrap_or(0))
        .bind(pattern)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

pub async fn count_by_lot(conn: &mut Conn, framework: &FrameworkId) -> StoreResult<Vec<(u32, i64)>> {
    let rows = sqlx::query(COUNT_BY_LOT)
        .bind(framework.as_str())
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get::<i64, _>("lot_number")? as u32, r.try_get::<i64, _>("n")?)))
        .collect()
}

fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}
