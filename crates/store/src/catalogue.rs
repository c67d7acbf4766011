use crate::{Conn, StoreError, StoreResult};
use calloff_domain::catalogue::{index_words, CatalogueItem, CpvCode, Sku, Unit};
use calloff_domain::change_control::ItemDetails;
use calloff_domain::ids::{FrameworkId, ItemId, OrganisationId};
use calloff_domain::money::UnitPrice;
use calloff_domain::pricing::PriceBreaks;
use sqlx::Row;

crate::statements! {
    INSERT = "INSERT INTO catalogue_items (id, framework_id, lot_number, supplier_id, sku, name, description, unit, \
              unit_price_micros, minimum_term_months, cpv, search_text, name_text, list_price_micros, quantity_tiers, \
              demand_bands) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)";
    UNINDEXED = "SELECT id, sku, name, description, cpv FROM catalogue_items WHERE name_text = '' LIMIT $1";
    SET_SEARCH_TEXT = "UPDATE catalogue_items SET search_text = $1, name_text = $2 WHERE id = $3";
    // Records version 1 of a new item.
    INSERT_FIRST_VERSION = "INSERT INTO catalogue_item_versions (item_id, version, effective_from, lot_number, name, \
                            description, unit, unit_price_micros, minimum_term_months, cpv, withdrawn, change_request_id, \
                            list_price_micros, quantity_tiers, demand_bands) \
                            VALUES ($1, 1, $2, $3, $4, $5, $6, $7, $8, $9, 0, $10, $11, $12, $13)";
    // Records the version in force of the item with this SKU, as it now stands.
    RECORD_VERSION = "INSERT INTO catalogue_item_versions (item_id, version, effective_from, lot_number, name, description, \
                      unit, unit_price_micros, minimum_term_months, cpv, withdrawn, change_request_id, list_price_micros, \
                      quantity_tiers, demand_bands) SELECT id, version, $3, lot_number, name, description, unit, \
                      unit_price_micros, minimum_term_months, cpv, withdrawn, $4, list_price_micros, quantity_tiers, \
                      demand_bands FROM catalogue_items \
                      WHERE framework_id = $1 AND sku = $2";
    UPDATE_DETAILS = "UPDATE catalogue_items SET lot_number = $3, name = $4, description = $5, unit = $6, \
                      unit_price_micros = $7, minimum_term_months = $8, cpv = $9, search_text = $10, name_text = $11, \
                      list_price_micros = $12, quantity_tiers = $13, version = version + 1 \
                      WHERE framework_id = $1 AND sku = $2";
    UPDATE_PRICE = "UPDATE catalogue_items SET unit_price_micros = $3, version = version + 1 \
                    WHERE framework_id = $1 AND sku = $2";
    WITHDRAW = "UPDATE catalogue_items SET withdrawn = 1, version = version + 1 WHERE framework_id = $1 AND sku = $2";
    VERSIONS = "SELECT version, effective_from, lot_number, name, description, unit, unit_price_micros, \
                minimum_term_months, cpv, withdrawn, change_request_id, list_price_micros, quantity_tiers, \
                demand_bands FROM catalogue_item_versions WHERE item_id = $1 ORDER BY version";
    // Each item of a framework as the version in force at the end of a date ($2, `YYYY-MM-DD`)
    // had it, by the lot and SKU it had then.
    AS_OF = "SELECT i.id, i.sku, v.version, v.effective_from, v.lot_number, v.name, v.description, v.unit, \
             v.unit_price_micros, v.minimum_term_months, v.cpv, v.withdrawn, v.change_request_id, v.list_price_micros, \
             v.quantity_tiers, v.demand_bands FROM catalogue_items i JOIN catalogue_item_versions v ON v.item_id = i.id \
             WHERE i.framework_id = $1 AND v.version = (SELECT MAX(w.version) FROM catalogue_item_versions w \
             WHERE w.item_id = i.id AND substr(w.effective_from, 1, 10) <= $2) ORDER BY v.lot_number, i.sku LIMIT $3";
    // The framework manager's demand bands for an item, over the version read: a new version.
    SET_DEMAND_BANDS = "UPDATE catalogue_items SET demand_bands = $3, version = version + 1 \
                        WHERE framework_id = $1 AND sku = $2 AND version = $4 AND withdrawn = 0";
    SKUS = "SELECT sku, supplier_id, withdrawn FROM catalogue_items WHERE framework_id = $1";
    SUPPLIER_ITEMS = "SELECT id, framework_id, lot_number, supplier_id, sku, name, description, unit, \
                      unit_price_micros, minimum_term_months, cpv, version, withdrawn, list_price_micros, quantity_tiers, demand_bands FROM catalogue_items \
                      WHERE framework_id = $1 AND supplier_id = $2 AND withdrawn = 0 ORDER BY sku";
    BY_ID = "SELECT id, framework_id, lot_number, supplier_id, sku, name, description, unit, \
             unit_price_micros, minimum_term_months, cpv, version, withdrawn, list_price_micros, quantity_tiers, demand_bands FROM catalogue_items WHERE id = $1";
    // Served by the (framework_id, sku) unique index.
    BY_FRAMEWORK_AND_SKU = "SELECT id, framework_id, lot_number, supplier_id, sku, name, description, unit, \
                            unit_price_micros, minimum_term_months, cpv, version, withdrawn, list_price_micros, quantity_tiers, demand_bands FROM catalogue_items \
                            WHERE framework_id = $1 AND sku = $2";
    BY_SKU = "SELECT id, framework_id, lot_number, supplier_id, sku, name, description, unit, \
              unit_price_micros, minimum_term_months, cpv, version, withdrawn, list_price_micros, quantity_tiers, demand_bands FROM catalogue_items WHERE sku = $1 ORDER BY framework_id";
    COUNT_BY_LOT = "SELECT lot_number, COUNT(*) AS n FROM catalogue_items WHERE framework_id = $1 AND withdrawn = 0 \
                    GROUP BY lot_number ORDER BY lot_number";
}

/// An item with the supplier that sells it, its version in force and whether it is withdrawn.
#[derive(Debug, Clone)]
pub struct ItemRecord {
    pub item: CatalogueItem,
    pub supplier_id: OrganisationId,
    pub version: i64,
    pub withdrawn: bool,
}

/// What search matches an item on: the words of its SKU, name, description and CPV code.
fn search_text(sku: &Sku, name: &str, description: &str, cpv: &CpvCode) -> String {
    index_words(&format!("{sku} {name} {description} {}", cpv.as_str()))
}

/// Gives items stored before search had its own words (`name_text` empty) their search words.
pub async fn index_unindexed(conn: &mut Conn) -> StoreResult<u64> {
    let mut indexed = 0;
    loop {
        let rows = sqlx::query(UNINDEXED).bind(500_i64).fetch_all(&mut *conn).await?;
        if rows.is_empty() {
            return Ok(indexed);
        }
        for row in &rows {
            let sku: String = row.try_get("sku")?;
            let name: String = row.try_get("name")?;
            let description: String = row.try_get("description")?;
            let cpv: String = row.try_get("cpv")?;
            let words = index_words(&format!("{sku} {name} {description} {cpv}"));
            // An item whose name has no words at all still needs a marker that it was indexed.
            let name_words = Some(index_words(&name))
                .filter(|w| !w.is_empty())
                .unwrap_or_else(|| " ".into());
            sqlx::query(SET_SEARCH_TEXT)
                .bind(words)
                .bind(name_words)
                .bind(row.try_get::<String, _>("id")?)
                .execute(&mut *conn)
                .await?;
            indexed += 1;
        }
    }
}

/// Inserts an item at version 1, in force from `effective_from`.
pub async fn insert(
    conn: &mut Conn,
    item: &CatalogueItem,
    supplier: &OrganisationId,
    effective_from: &str,
    change_request: Option<&str>,
) -> StoreResult<()> {
    let search_text = search_text(&item.sku, &item.name, &item.description, &item.cpv);
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
        .bind(index_words(&item.name))
        .bind(item.list_price.map(UnitPrice::micros))
        .bind(item.quantity_tiers.to_stored())
        .bind(item.demand_bands.to_stored())
        .execute(&mut *conn)
        .await?;
    sqlx::query(INSERT_FIRST_VERSION)
        .bind(item.id.as_str())
        .bind(effective_from)
        .bind(item.lot_number as i64)
        .bind(&item.name)
        .bind(&item.description)
        .bind(item.unit.as_str())
        .bind(item.unit_price.micros())
        .bind(item.minimum_term_months as i64)
        .bind(item.cpv.as_str())
        .bind(change_request)
        .bind(item.list_price.map(UnitPrice::micros))
        .bind(item.quantity_tiers.to_stored())
        .bind(item.demand_bands.to_stored())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Runs an update of the item with this SKU and, if it changed the item, records the version it
/// made.
async fn new_version<'q>(
    conn: &mut Conn,
    update: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    framework: &FrameworkId,
    sku: &Sku,
    effective_from: &str,
    change_request: Option<&str>,
) -> StoreResult<bool> {
    if update.execute(&mut *conn).await?.rows_affected() != 1 {
        return Ok(false);
    }
    sqlx::query(RECORD_VERSION)
        .bind(framework.as_str())
        .bind(sku.as_str())
        .bind(effective_from)
        .bind(change_request)
        .execute(&mut *conn)
        .await?;
    Ok(true)
}

/// Sets new details of an item and records the new version.
pub async fn update_details(
    conn: &mut Conn,
    framework: &FrameworkId,
    sku: &Sku,
    d: &ItemDetails,
    effective_from: &str,
    change_request: Option<&str>,
) -> StoreResult<bool> {
    let update = sqlx::query(UPDATE_DETAILS)
        .bind(framework.as_str())
        .bind(sku.as_str())
        .bind(d.lot_number as i64)
        .bind(&d.name)
        .bind(&d.description)
        .bind(d.unit.as_str())
        .bind(d.unit_price.micros())
        .bind(d.minimum_term_months as i64)
        .bind(d.cpv.as_str())
        .bind(search_text(sku, &d.name, &d.description, &d.cpv))
        .bind(index_words(&d.name))
        .bind(d.list_price.map(UnitPrice::micros))
        .bind(d.quantity_tiers.to_stored());
    new_version(conn, update, framework, sku, effective_from, change_request).await
}

/// Sets a new price of an item and records the new version.
pub async fn update_price(
    conn: &mut Conn,
    framework: &FrameworkId,
    sku: &Sku,
    price: UnitPrice,
    effective_from: &str,
    change_request: Option<&str>,
) -> StoreResult<bool> {
    let update = sqlx::query(UPDATE_PRICE)
        .bind(framework.as_str())
        .bind(sku.as_str())
        .bind(price.micros());
    new_version(conn, update, framework, sku, effective_from, change_request).await
}

/// Withdraws an item (it stays, for the call-offs that hold it) and records the new version.
pub async fn withdraw(
    conn: &mut Conn,
    framework: &FrameworkId,
    sku: &Sku,
    effective_from: &str,
    change_request: Option<&str>,
) -> StoreResult<bool> {
    let update = sqlx::query(WITHDRAW).bind(framework.as_str()).bind(sku.as_str());
    new_version(conn, update, framework, sku, effective_from, change_request).await
}

/// One version of an item: what it was from its effective date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemVersion {
    pub version: i64,
    pub effective_from: String,
    pub details: ItemDetails,
    /// The framework manager's demand bands then.
    pub demand_bands: PriceBreaks,
    pub withdrawn: bool,
    pub change_request_id: Option<String>,
}

pub async fn versions(conn: &mut Conn, item: &ItemId) -> StoreResult<Vec<ItemVersion>> {
    sqlx::query(VERSIONS)
        .bind(item.as_str())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(version_from_row)
        .collect()
}

fn version_from_row(row: &sqlx::any::AnyRow) -> StoreResult<ItemVersion> {
    Ok(ItemVersion {
        version: row.try_get("version")?,
        effective_from: row.try_get("effective_from")?,
        details: details_from_row(row)?,
        demand_bands: PriceBreaks::from_stored(&row.try_get::<String, _>("demand_bands")?)
            .map_err(StoreError::corrupt)?,
        withdrawn: row.try_get::<i64, _>("withdrawn")? == 1,
        change_request_id: row.try_get("change_request_id")?,
    })
}

/// An item as it stood (or will stand) on a date: the version then in force.
#[derive(Debug, Clone)]
pub struct ItemAsOf {
    /// None for an item an approved change will add.
    pub id: Option<ItemId>,
    pub sku: Sku,
    pub version: ItemVersion,
}

/// The framework's catalogue as it stood on `date` (`YYYY-MM-DD`): at most `limit` items, by lot
/// and SKU. Items added later are not in it.
pub async fn as_of(conn: &mut Conn, framework: &FrameworkId, date: &str, limit: i64) -> StoreResult<Vec<ItemAsOf>> {
    sqlx::query(AS_OF)
        .bind(framework.as_str())
        .bind(date)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|row| {
            let sku: String = row.try_get("sku")?;
            Ok(ItemAsOf {
                id: Some(ItemId::from_stored(row.try_get::<String, _>("id")?)),
                sku: Sku::parse(&sku).map_err(|e| StoreError::corrupt(e.to_string()))?,
                version: version_from_row(row)?,
            })
        })
        .collect()
}

/// Sets an item's demand bands (the framework manager's) and records the new version; false if
/// the item is no longer at `version`, or is withdrawn.
pub async fn set_demand_bands(
    conn: &mut Conn,
    framework: &FrameworkId,
    sku: &Sku,
    version: i64,
    bands: &PriceBreaks,
    effective_from: &str,
) -> StoreResult<bool> {
    let update = sqlx::query(SET_DEMAND_BANDS)
        .bind(framework.as_str())
        .bind(sku.as_str())
        .bind(bands.to_stored())
        .bind(version);
    new_version(conn, update, framework, sku, effective_from, None).await
}

/// An item's details from a row of `catalogue_items` or of its versions.
fn details_from_row(row: &sqlx::any::AnyRow) -> StoreResult<ItemDetails> {
    let corrupt = |e: calloff_domain::FieldError| StoreError::corrupt(e.to_string());
    let unit: String = row.try_get("unit")?;
    let cpv: String = row.try_get("cpv")?;
    Ok(ItemDetails {
        lot_number: crate::narrow(row.try_get::<i64, _>("lot_number")?, "lot_number")?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        unit: Unit::parse(&unit).map_err(corrupt)?,
        unit_price: UnitPrice::from_micros(row.try_get("unit_price_micros")?).map_err(corrupt)?,
        minimum_term_months: crate::narrow(row.try_get::<i64, _>("minimum_term_months")?, "minimum_term_months")?,
        cpv: CpvCode::parse(&cpv).map_err(corrupt)?,
        list_price: row
            .try_get::<Option<i64>, _>("list_price_micros")?
            .map(UnitPrice::from_micros)
            .transpose()
            .map_err(corrupt)?,
        quantity_tiers: PriceBreaks::from_stored(&row.try_get::<String, _>("quantity_tiers")?)
            .map_err(StoreError::corrupt)?,
    })
}

/// A supplier's items on a framework that are not withdrawn, by SKU.
pub async fn supplier_items(
    conn: &mut Conn,
    framework: &FrameworkId,
    supplier: &OrganisationId,
) -> StoreResult<Vec<ItemRecord>> {
    sqlx::query(SUPPLIER_ITEMS)
        .bind(framework.as_str())
        .bind(supplier.as_str())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

pub(crate) fn from_row(row: &sqlx::any::AnyRow) -> StoreResult<ItemRecord> {
    let sku: String = row.try_get("sku")?;
    let sku = Sku::parse(&sku).map_err(|e| StoreError::corrupt(e.to_string()))?;
    let demand_bands =
        PriceBreaks::from_stored(&row.try_get::<String, _>("demand_bands")?).map_err(StoreError::corrupt)?;
    let item = details_from_row(row)?.into_item(
        ItemId::from_stored(row.try_get::<String, _>("id")?),
        FrameworkId::from_stored(row.try_get::<String, _>("framework_id")?),
        sku,
        demand_bands,
    );
    Ok(ItemRecord {
        item,
        supplier_id: OrganisationId::from_stored(row.try_get::<String, _>("supplier_id")?),
        version: row.try_get("version")?,
        withdrawn: row.try_get::<i64, _>("withdrawn")? == 1,
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

pub async fn count_by_lot(conn: &mut Conn, framework: &FrameworkId) -> StoreResult<Vec<(u32, i64)>> {
    let rows = sqlx::query(COUNT_BY_LOT)
        .bind(framework.as_str())
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                crate::narrow(r.try_get::<i64, _>("lot_number")?, "lot_number")?,
                r.try_get::<i64, _>("n")?,
            ))
        })
        .collect()
}

/// Every SKU of a framework with its supplier and whether it is withdrawn, for checking many
/// changes at once.
pub async fn skus(conn: &mut Conn, framework: &FrameworkId) -> StoreResult<Vec<(String, OrganisationId, bool)>> {
    sqlx::query(SKUS)
        .bind(framework.as_str())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            Ok((
                r.try_get("sku")?,
                OrganisationId::from_stored(r.try_get::<String, _>("supplier_id")?),
                r.try_get::<i64, _>("withdrawn")? == 1,
            ))
        })
        .collect()
}
