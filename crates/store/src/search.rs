//! Catalogue search: full-text matching on SQLite's FTS5 or PostgreSQL's `tsvector`, behind one
//! function (ADR 0004). Both index the same words (`index_words`), match the same groups of
//! alternatives (ADR 0014), filter and sort the same way, and so return the same items in the
//! same order.

use crate::catalogue::{from_row, ItemRecord};
use crate::{Conn, Dialect, StoreResult};
use calloff_domain::catalogue::{Term, Unit, WordGroup};
use calloff_domain::ids::{FrameworkId, OrganisationId};
use sqlx::Row;

/// The filters every search statement shares: $1 framework, $2 lot (0: any), $3 unit ('': any),
/// $4 and $5 unit price range in micros, $6 and $7 minimum-term range in months, $8 supplier
/// ('': any).
macro_rules! filters {
    () => {
        " i.framework_id = $1 AND i.withdrawn = 0 AND ($2 = 0 OR i.lot_number = $2) AND ($3 = '' OR i.unit = $3) \
         AND i.unit_price_micros >= $4 AND i.unit_price_micros < $5 \
         AND i.minimum_term_months >= $6 AND i.minimum_term_months <= $7 AND ($8 = '' OR i.supplier_id = $8)"
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
        "SELECT i.lot_number, i.unit, \
         CASE WHEN i.unit_price_micros < 10000000 THEN 0 WHEN i.unit_price_micros < 100000000 THEN 1 \
              WHEN i.unit_price_micros < 1000000000 THEN 2 ELSE 3 END AS price_band, \
         CASE WHEN i.minimum_term_months = 0 THEN 0 WHEN i.minimum_term_months <= 12 THEN 1 \
              WHEN i.minimum_term_months <= 24 THEN 2 WHEN i.minimum_term_months <= 36 THEN 3 ELSE 4 END AS term_band, \
         i.supplier_id, COUNT(*) AS n FROM catalogue_items i WHERE"
    };
}

/// The sort: $9 is relevance, price_low, price_high or name; relevance ranks an exact SKU first,
/// then items whose name has every word, then the rest.
macro_rules! order {
    ($relevance:expr) => {
        concat!(
            " ORDER BY CASE WHEN $9 = 'relevance' THEN ",
            $relevance,
            " ELSE 0 END, \
             CASE WHEN $9 = 'price_low' THEN i.unit_price_micros ELSE 0 END ASC, \
             CASE WHEN $9 = 'price_high' THEN i.unit_price_micros ELSE 0 END DESC, i.name, i.sku LIMIT $10 OFFSET $11"
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

/// With words, on SQLite: $12 the FTS5 query, $13 the SKU as typed, $14 the query on names only.
pub const SQLITE_SEARCH: &str = concat!(
    item_columns!(),
    " i.rowid IN (SELECT rowid FROM catalogue_items_search WHERE catalogue_items_search MATCH $12) AND",
    filters!(),
    order!(
        "CASE WHEN i.sku = $13 THEN 0 WHEN i.rowid IN (SELECT rowid FROM catalogue_items_search \
         WHERE catalogue_items_search MATCH $14) THEN 1 ELSE 2 END"
    )
);
/// Facets with words: $9 the FTS5 query.
pub const SQLITE_FACETS: &str = concat!(
    facet_columns!(),
    " i.rowid IN (SELECT rowid FROM catalogue_items_search WHERE catalogue_items_search MATCH $9) AND",
    filters!(),
    " GROUP BY 1, 2, 3, 4, 5"
);
/// With words, on PostgreSQL: $12 the tsquery (also matched against names), $13 the SKU as typed.
pub const POSTGRES_SEARCH: &str = concat!(
    item_columns!(),
    " to_tsvector('simple', i.search_text) @@ to_tsquery('simple', $12) AND",
    filters!(),
    order!(
        "CASE WHEN i.sku = $13 THEN 0 WHEN to_tsvector('simple', i.name_text) @@ to_tsquery('simple', $12) \
         THEN 1 ELSE 2 END"
    )
);
/// Facets with words: $9 the tsquery.
pub const POSTGRES_FACETS: &str = concat!(
    facet_columns!(),
    " to_tsvector('simple', i.search_text) @@ to_tsquery('simple', $9) AND",
    filters!(),
    " GROUP BY 1, 2, 3, 4, 5"
);

/// What ranks an item among partial matches, on SQLite: $9 the FTS5 query of one group.
pub const SQLITE_MATCHING: &str = concat!(
    "SELECT i.id, i.name, i.sku, i.unit_price_micros FROM catalogue_items i WHERE",
    " i.rowid IN (SELECT rowid FROM catalogue_items_search WHERE catalogue_items_search MATCH $9) AND",
    filters!()
);
/// The same on PostgreSQL: $9 the tsquery of one group.
pub const POSTGRES_MATCHING: &str = concat!(
    "SELECT i.id, i.name, i.sku, i.unit_price_micros FROM catalogue_items i WHERE",
    " to_tsvector('simple', i.search_text) @@ to_tsquery('simple', $9) AND",
    filters!()
);

/// The statements only one dialect can prepare.
pub fn dialect_statements(dialect: Dialect) -> Vec<&'static str> {
    match dialect {
        Dialect::Sqlite => vec![SQLITE_SEARCH, SQLITE_FACETS, SQLITE_MATCHING],
        Dialect::Postgres => vec![POSTGRES_SEARCH, POSTGRES_FACETS, POSTGRES_MATCHING],
    }
}

/// What to narrow the catalogue to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    pub lot: Option<u32>,
    pub unit: Option<Unit>,
    /// Unit price range in micros, from inclusive to exclusive.
    pub price: Option<(i64, i64)>,
    /// Minimum-term range in months, both inclusive.
    pub term: Option<(i64, i64)>,
    pub supplier: Option<OrganisationId>,
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
    let (price_from, price_to) = f.price.unwrap_or((0, i64::MAX));
    let (term_from, term_to) = f.term.unwrap_or((0, i64::MAX));
    query
        .bind(framework.as_str())
        .bind(f.lot.map_or(0, i64::from))
        .bind(f.unit.map_or("", |u| u.as_str()))
        .bind(price_from)
        .bind(price_to)
        .bind(term_from)
        .bind(term_to)
        .bind(f.supplier.as_ref().map_or("", |s| s.as_str()))
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
