//! Recently read catalogue items, so pricing a basket need not ask the database each time.
//!
//! A cached item can be stale (another process may have changed the catalogue), but it can never
//! be frozen into a call-off: placing copies each line from the catalogue row only if that row is
//! still the version that was priced, and prices again from the database if not. Staleness on
//! quote pages is bounded by [`MAX_AGE`].

use crate::recent::Recent;
use calloff_domain::catalogue::Sku;
use calloff_domain::ids::FrameworkId;
use calloff_store::catalogue::ItemRecord;
use std::time::Duration;

/// How long a cached item is trusted for display.
pub const MAX_AGE: Duration = Duration::from_secs(30);
/// Items kept at most; past this the cache starts again (a framework has hundreds of items).
pub const MAX_ITEMS: usize = 100_000;

#[derive(Debug)]
pub struct PriceCache(Recent<(FrameworkId, Sku), ItemRecord>);

impl Default for PriceCache {
    fn default() -> Self {
        PriceCache(Recent::new(MAX_AGE, MAX_ITEMS))
    }
}

impl PriceCache {
    pub fn get(&self, framework: &FrameworkId, sku: &Sku) -> Option<ItemRecord> {
        self.0.get(&(framework.clone(), sku.clone()))
    }

    pub fn put(&self, record: &ItemRecord) {
        let key = (record.item.framework_id.clone(), record.item.sku.clone());
        self.0.put(key, record.clone());
    }

    pub fn forget(&self, framework: &FrameworkId, sku: &Sku) {
        self.0.forget(&(framework.clone(), sku.clone()));
    }
}
