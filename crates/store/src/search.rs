//! Catalogue search: full-text matching on SQLite's FTS5 or PostgreSQL's `tsvector`, behind one
//! function (ADR 0004). Both index the same words (`index_words`), match the same groups of
//! alternatives (ADR 0014), filter and sort the same way, and so return the same items in the
//! same order.

use crate::catalogue::{from_row, ItemRecord};
use crate::{Conn, Dialect, StoreResult};
use calloff_domain::catalogue::{Term, Unit, WordGroup};
use calloff_domain::ids::{FrameworkId, OrganisationId};
use sqlx::Row;

/// An item's unit as a bit position, in the order of `Unit::ALL` (a test holds them together).
macro_rules! unit_bit {
    () => {
        "(CASE i.unit WHEN 'per_month' THEN 1 WHEN 'per_user_per_month' THEN 2 WHEN 'one_off' THEN 4 \
         WHEN 'per_minute' THEN 8 WHEN 'per_gb' THEN 16 ELSE 0 END)"
    };
}

/// An item's price band: under £10, to £100, to £1,000, more (as `catalogue::PRICE_BANDS`).
macro_rules! price_band {
    () => {
        "(CASE WHEN i.unit_price_micros < 10000000 THEN 0 WHEN i.unit_price_micros < 100000000 THEN 1 \
          WHEN i.unit_price_micros < 1000000000 THEN 2 ELSE 3 END)"
    };
}

/// An item's minimum-term band: none, up to 12 months, to 24, to 36, more (as `TERM_BANDS`).
macro_rules! term_band {
    () => {
        "(CASE WHEN i.minimum_term_months = 0 THEN 0 WHEN i.minimum_term_months <= 12 THEN 1 \
          WHEN i.minimum_term_months <= 24 THEN 2 WHEN i.minimum_term_months <= 36 THEN 3 ELSE 4 END)"
    };
}

/// The filters every search statement shares: $1 framework; $2 lots as `,1,3,` ('': any); $3
/// units, $4 price bands and $5 term bands as bit masks (0: any); $6 suppliers as `,id,id,`
/// ('': any). Values of one filter are alternatives; every filter must pass.
macro_rules! filters {
    () => {
        concat!(
            " i.framework_id = $1 AND i.withdrawn = 0 \
             AND ($2 = '' OR $2 LIKE ('%,' || CAST(i.lot_number AS TEXT) || ',%')) \
             AND ($3 = 0 OR ($3 & ",
            unit_bit!(),
            ") <> 0) AND ($4 = 0 OR ($4 & (1 << ",
            price_band!(),
            ")) <> 0) AND ($5 = 0 OR ($5 & (1 << ",
            term_band!(),
            ")) <> 0) AND ($6 = '' OR $6 LIKE ('%,' || i.supplier_id || ',%'))"
        )
    };
}

/// Columns of an item.
macro_rules! item_columns {
    () => {
        "SELECT i.id, i.framework_id, i.lot_number, i.supplier_id, i.sku, i.name, i.description, i.unit, \
         i.unit_price_micros, i.minimum_term_months, i.cpv, i.version, i.withdrawn, i.list_price_micros, i.quantity_tiers, i.demand_bands FROM catalogue_items i WHERE"
    };
}

/// Facet columns: lot, unit, price band, minimum-term band, supplier, and a count.
macro_rules! facet_columns {
    () => {
        concat!(
            "SELECT i.lot_number, i.unit, ",
            price_band!(),
            " AS price_band, ",
            term_band!(),
            " AS term_band, i.supplier_id, COUNT(*) AS n FROM catalogue_items i WHERE"
        )
    };
}

/// The sort: $7 is relevance, price_low, price_high or name; relevance ranks an exact SKU first,
/// then items whose name has every word, then the rest.
macro_rules! order {
    ($relevance:expr) => {
        concat!(
            " ORDER BY CASE WHEN $7 = 'relevance' THEN ",
            $relevance,
            " ELSE 0 END, \
             CASE WHEN $7 = 'price_low' THEN i.unit_price_micros ELSE 0 END ASC, \
             CASE WHEN $7 = 'price_high' THEN i.unit_price_micros ELSE 0 END DESC, i.name, i.sku LIMIT $8 OFFSET $9"
        )
    };
}

crate::statements! {
    GENERATION = "SELECT catalogue_generation FROM frameworks WHERE id = $1";
    // Called in the same transaction as any change to the framework's catalogue.
    BUMP_GENERATION = "UPDATE frameworks SET catalogue_generation = catalogue_generation + 1 WHERE id = $1";
    INDEX_ITEMS = "SELECT id, framework_id, lot_number, supplier_id, sku, name, description, unit, unit_price_micros, \
                   minimum_term_months, cpv, version, withdrawn, search_text, name_text, list_price_micros, quantity_tiers, demand_bands FROM catalogue_items \
                   WHERE framework_id = $1 AND withdrawn = 0";
    // Without words: every item that passes the filters.
    BROWSE = concat!(item_columns!(), filters!(), order!("0"));
    BROWSE_FACETS = concat!(facet_columns!(), filters!(), " GROUP BY 1, 2, 3, 4, 5");
    // The words of every item on sale: the vocabulary typos are corrected against.
    SEARCH_TEXTS = "SELECT search_text FROM catalogue_items WHERE framework_id = $1 AND withdrawn = 0";
}

/// With words, on SQLite: $10 the FTS5 query, $11 the SKU as typed, $12 the query on names only.
pub const SQLITE_SEARCH: &str = concat!(
    item_columns!(),
    " i.rowid IN (SELECT rowid FROM catalogue_items_search WHERE catalogue_items_search MATCH $10) AND",
    filters!(),
    order!(
        "CASE WHEN i.sku = $11 THEN 0 WHEN i.rowid IN (SELECT rowid FROM catalogue_items_search \
         WHERE catalogue_items_search MATCH $12) THEN 1 ELSE 2 END"
    )
);
/// Facets with words: $7 the FTS5 query.
pub const SQLITE_FACETS: &str = concat!(
    facet_columns!(),
    " i.rowid IN (SELECT rowid FROM catalogue_items_search WHERE catalogue_items_search MATCH $7) AND",
    filters!(),
    " GROUP BY 1, 2, 3, 4, 5"
);
/// With words, on PostgreSQL: $10 the tsquery (also matched against names), $11 the SKU as typed.
pub const POSTGRES_SEARCH: &str = concat!(
    item_columns!(),
    " to_tsvector('simple', i.search_text) @@ to_tsquery('simple', $10) AND",
    filters!(),
    order!(
        "CASE WHEN i.sku = $11 THEN 0 WHEN to_tsvector('simple', i.name_text) @@ to_tsquery('simple', $10) \
         THEN 1 ELSE 2 END"
    )
);
/// Facets with words: $7 the tsquery.
pub const POSTGRES_FACETS: &str = concat!(
    facet_columns!(),
    " to_tsvector('simple', i.search_text) @@ to_tsquery('simple', $7) AND",
    filters!(),
    " GROUP BY 1, 2, 3, 4, 5"
);

/// What ranks an item among partial matches, on SQLite: $7 the FTS5 query of one group.
pub const SQLITE_MATCHING: &str = concat!(
    "SELECT i.id, i.name, i.sku, i.unit_price_micros FROM catalogue_items i WHERE",
    " i.rowid IN (SELECT rowid FROM catalogue_items_search WHERE catalogue_items_search MATCH $7) AND",
    filters!()
);
/// The same on PostgreSQL: $7 the tsquery of one group.
pub const POSTGRES_MATCHING: &str = concat!(
    "SELECT i.id, i.name, i.sku, i.unit_price_micros FROM catalogue_items i WHERE",
    " to_tsvector('simple', i.search_text) @@ to_tsquery('simple', $7) AND",
    filters!()
);

/// The statements only one dialect can prepare.
pub fn dialect_statements(dialect: Dialect) -> Vec<&'static str> {
    match dialect {
        Dialect::Sqlite => vec![SQLITE_SEARCH, SQLITE_FACETS, SQLITE_MATCHING],
        Dialect::Postgres => vec![POSTGRES_SEARCH, POSTGRES_FACETS, POSTGRES_MATCHING],
    }
}

/// What to narrow the catalogue to: in each list, the values allowed (empty: any).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    pub lots: Vec<u32>,
    pub units: Vec<Unit>,
    /// Positions in `catalogue::PRICE_BANDS`.
    pub price_bands: Vec<usize>,
    /// Positions in `catalogue::TERM_BANDS`.
    pub term_bands: Vec<usize>,
    pub suppliers: Vec<OrganisationId>,
}

/// Bit `value` set for each value.
fn mask(values: impl IntoIterator<Item = usize>) -> i64 {
    values.into_iter().filter(|v| *v < 63).fold(0, |m, v| m | 1 << v)
}

/// `,a,b,` for a `LIKE` containment test; '' for none.
fn delimited(values: impl IntoIterator<Item = String>) -> String {
    let joined: Vec<String> = values.into_iter().collect();
    if joined.is_empty() {
        String::new()
    } else {
        format!(",{},", joined.join(","))
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Sort {
    #[default]
    Relevance,
    PriceLow,
    PriceHigh,
    Name,
}

impl Sort {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Relevance => "relevance",
            Self::PriceLow => "price_low",
            Self::PriceHigh => "price_high",
            Self::Name => "name",
        }
    }
}

/// One combination of facet values and how many items have it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacetRow {
    pub lot: u32,
    pub unit: String,
    pub price_band: u8,
    pub term_band: u8,
    pub supplier: OrganisationId,
    pub count: i64,
}

fn bind_filters<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    framework: &'q FrameworkId,
    f: &'q Filters,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    let unit_bit = |u: &Unit| Unit::ALL.iter().position(|a| a == u).unwrap_or(63);
    query
        .bind(framework.as_str())
        .bind(delimited(f.lots.iter().map(u32::to_string)))
        .bind(mask(f.units.iter().map(unit_bit)))
        .bind(mask(f.price_bands.iter().copied()))
        .bind(mask(f.term_bands.iter().copied()))
        .bind(delimited(f.suppliers.iter().map(ToString::to_string)))
}

/// Groups of words in a dialect's query syntax: a term is a word (`"word"` in FTS5, `word` in a
/// tsquery) or a word prefix (`"word"*`, `word:*`); an alternative needs all its terms, a group
/// any of its alternatives, and the query every group (or, with `any`, at least one).
pub fn match_query(dialect: Dialect, groups: &[WordGroup], any: bool) -> String {
    let (and, or) = match dialect {
        Dialect::Sqlite => (" AND ", " OR "),
        Dialect::Postgres => (" & ", " | "),
    };
    let term = |t: &Term| match (dialect, t.prefix) {
        (Dialect::Sqlite, true) => format!("\"{}\"*", t.word),
        (Dialect::Sqlite, false) => format!("\"{}\"", t.word),
        (Dialect::Postgres, true) => format!("{}:*", t.word),
        (Dialect::Postgres, false) => t.word.clone(),
    };
    let group = |g: &WordGroup| {
        let alternatives: Vec<String> = g
            .alternatives
            .iter()
            .map(|a| format!("({})", a.iter().map(term).collect::<Vec<_>>().join(and)))
            .collect();
        format!("({})", alternatives.join(or))
    };
    groups
        .iter()
        .map(group)
        .collect::<Vec<_>>()
        .join(if any { or } else { and })
}

/// The name-only query of SQLite's relevance ranking; PostgreSQL matches its one query against
/// `name_text` instead.
fn name_query(dialect: Dialect, words: &str) -> String {
    match dialect {
        Dialect::Sqlite => format!("name_text : ({words})"),
        Dialect::Postgres => String::new(),
    }
}

/// A page of the framework's items that match every group of words and pass the filters, sorted.
/// Words are stems of lower-case letters and digits (`search_query` makes them).
#[allow(clippy::too_many_arguments)]
pub async fn items(
    conn: &mut Conn,
    dialect: Dialect,
    framework: &FrameworkId,
    groups: &[WordGroup],
    sku: &str,
    filters: &Filters,
    sort: Sort,
    (limit, offset): (i64, i64),
) -> StoreResult<Vec<ItemRecord>> {
    let query = if groups.is_empty() {
        bind_filters(sqlx::query(BROWSE), framework, filters)
            .bind(sort.as_str())
            .bind(limit)
            .bind(offset)
    } else {
        let sql = match dialect {
            Dialect::Sqlite => SQLITE_SEARCH,
            Dialect::Postgres => POSTGRES_SEARCH,
        };
        let words = match_query(dialect, groups, false);
        let names = name_query(dialect, &words);
        let query = bind_filters(sqlx::query(sql), framework, filters)
            .bind(sort.as_str())
            .bind(limit)
            .bind(offset)
            .bind(words)
            .bind(sku);
        match dialect {
            Dialect::Sqlite => query.bind(names),
            Dialect::Postgres => query,
        }
    };
    query.fetch_all(&mut *conn).await?.iter().map(from_row).collect()
}

/// How the matching items (those matching every group, or with `any` at least one) divide by
/// lot, unit, price band, term band and supplier.
pub async fn facets(
    conn: &mut Conn,
    dialect: Dialect,
    framework: &FrameworkId,
    groups: &[WordGroup],
    any: bool,
    filters: &Filters,
) -> StoreResult<Vec<FacetRow>> {
    let query = if groups.is_empty() {
        bind_filters(sqlx::query(BROWSE_FACETS), framework, filters)
    } else {
        let sql = match dialect {
            Dialect::Sqlite => SQLITE_FACETS,
            Dialect::Postgres => POSTGRES_FACETS,
        };
        bind_filters(sqlx::query(sql), framework, filters).bind(match_query(dialect, groups, any))
    };
    query
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            Ok(FacetRow {
                lot: crate::narrow(r.try_get::<i64, _>("lot_number")?, "lot_number")?,
                unit: r.try_get("unit")?,
                price_band: crate::narrow(r.try_get::<i64, _>("price_band")?, "price_band")?,
                term_band: crate::narrow(r.try_get::<i64, _>("term_band")?, "term_band")?,
                supplier: OrganisationId::from_stored(r.try_get::<String, _>("supplier_id")?),
                count: r.try_get("n")?,
            })
        })
        .collect()
}

/// The framework's catalogue generation; 0 for an unknown framework.
pub async fn generation(conn: &mut Conn, framework: &FrameworkId) -> StoreResult<i64> {
    Ok(sqlx::query(GENERATION)
        .bind(framework.as_str())
        .fetch_optional(&mut *conn)
        .await?
        .map(|r| r.try_get("catalogue_generation"))
        .transpose()?
        .unwrap_or(0))
}

/// Marks the framework's catalogue as changed.
pub async fn bump_generation(conn: &mut Conn, framework: &FrameworkId) -> StoreResult<()> {
    sqlx::query(BUMP_GENERATION)
        .bind(framework.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Every item on sale in the framework, with its search words and name words.
pub async fn index_items(conn: &mut Conn, framework: &FrameworkId) -> StoreResult<Vec<(ItemRecord, String, String)>> {
    sqlx::query(INDEX_ITEMS)
        .bind(framework.as_str())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| Ok((from_row(r)?, r.try_get("search_text")?, r.try_get("name_text")?)))
        .collect()
}

/// What ranks an item that matches some of a query's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchingKeys {
    pub id: String,
    pub name: String,
    pub sku: String,
    pub unit_price_micros: i64,
}

/// The items that match one group of words and pass the filters, unordered.
pub async fn matching(
    conn: &mut Conn,
    dialect: Dialect,
    framework: &FrameworkId,
    group: &WordGroup,
    filters: &Filters,
) -> StoreResult<Vec<MatchingKeys>> {
    let sql = match dialect {
        Dialect::Sqlite => SQLITE_MATCHING,
        Dialect::Postgres => POSTGRES_MATCHING,
    };
    bind_filters(sqlx::query(sql), framework, filters)
        .bind(match_query(dialect, std::slice::from_ref(group), false))
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            Ok(MatchingKeys {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                sku: r.try_get("sku")?,
                unit_price_micros: r.try_get("unit_price_micros")?,
            })
        })
        .collect()
}

/// The stored words of every item on sale in the framework, one text per item.
pub async fn search_texts(conn: &mut Conn, framework: &FrameworkId) -> StoreResult<Vec<String>> {
    sqlx::query(SEARCH_TEXTS)
        .bind(framework.as_str())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| Ok(r.try_get("search_text")?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_unit_has_the_bit_of_its_place_in_unit_all() {
        for (place, unit) in Unit::ALL.iter().enumerate() {
            let case = format!("WHEN '{}' THEN {} ", unit.as_str(), 1 << place);
            assert!(unit_bit!().contains(&case), "{case} in {}", unit_bit!());
            assert_eq!(mask([place]), 1 << place);
        }
        assert_eq!(delimited(["1".to_string(), "4".to_string()]), ",1,4,");
        assert_eq!(delimited(Vec::<String>::new()), "");
    }
}
