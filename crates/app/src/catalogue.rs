//! Browsing the catalogue: by lot, with simple text search, and one item's page.

use crate::{Actor, App, AppError, AppResult};
use calloff_domain::catalogue::CatalogueItem;
use calloff_domain::ids::{FrameworkId, ItemId};
use calloff_store::catalogue;

/// Longest search text accepted; longer is a mistake or an attack.
pub const MAX_QUERY_LEN: usize = 200;
/// Results per search; the whole catalogue of one framework is a few hundred items.
pub const MAX_RESULTS: i64 = 500;

pub async fn search(
    app: &App,
    _actor: &Actor,
    framework: &FrameworkId,
    lot: Option<u32>,
    text: &str,
) -> AppResult<Vec<CatalogueItem>> {
    if text.len() > MAX_QUERY_LEN {
        return Err(AppError::invalid(
            "q",
            format!("Search text must be {MAX_QUERY_LEN} characters or fewer"),
        ));
    }
    let mut conn = app.db.pool().acquire().await?;
    Ok(catalogue::search(&mut conn, framework, lot, text, MAX_RESULTS)
        .await?
        .into_iter()
        .map(|r| r.item)
        .collect())
}

pub async fn item(app: &App, _actor: &Actor, id: &ItemId) -> AppResult<CatalogueItem> {
    let mut conn = app.db.pool().acquire().await?;
    catalogue::get(&mut conn, id)
        .await?
        .map(|r| r.item)
        .ok_or_else(|| AppError::NotFound("catalogue item".into()))
}

/// The item with this SKU on this framework, if there is one.
pub async fn item_by_sku(
    app: &App,
    _actor: &Actor,
    framework: &FrameworkId,
    sku: &str,
) -> AppResult<Option<CatalogueItem>> {
    let Ok(sku) = calloff_domain::catalogue::Sku::parse(sku) else {
        return Ok(None);
    };
    let mut conn = app.db.pool().acquire().await?;
    Ok(catalogue::find(&mut conn, framework, &sku).await?.map(|r| r.item))
}
