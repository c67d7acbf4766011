//! Recently read catalogue items, so pricing a basket need not ask the database each time.
//!
//! A cached item can be stale (another process may have changed the catalogue), but it can never
//! be frozen into a call-off: placing copies each line from the catalogue row only if that row is
//! still what was priced, and prices again from the database if not. Staleness on quote pages is
//! bounded by [`MAX_AGE`].

use calloff_domain::catalogue::Sku;
use calloff_domain::ids::FrameworkId;
use calloff_store::catalogue::ItemRecord;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a cached item is trusted for display.
pub const MAX_AGE: Duration = Duration::from_secs(30);
/// Items kept at most; past this the cache starts again (a framework has hundreds of items).
pub const MAX_ITEMS: usize = 100_000;

type Key = (FrameworkId, Sku);

#[derive(Debug, Default)]
pub struct PriceCache {
    items: Mutex<HashMap<Key, (Instant, ItemRecord)>>,
}

impl PriceCache {
    pub fn get(&self, framework: &FrameworkId, sku: &Sku) -> Option<ItemRecord> {
        let items = self.items.lock().unwrap_or_else(|e| e.into_inner());
        items
            .get(&(framework.clone(), sku.clone()))
            .filter(|(read_at, _)| read_at.elapsed() < MAX_AGE)
            .map(|(_, record)| record.clone())
    }

    pub fn put(&self, record: &ItemRecord) {
        let mut items = self.items.lock().unwrap_or_else(|e| e.into_inner());
        if items.len() >= MAX_ITEMS {
            items.clear();
        }
        let key = (record.item.framework_id.clone(), record.item.sku.clone());
        items.insert(key, (Instant::now(), record.clone()));
    }

    pub fn forget(&self, framework: &FrameworkId, sku: &Sku) {
        let mut items = self.items.lock().unwrap_or_else(|e| e.into_inner());
        items.remove(&(framework.clone(), sku.clone()));
    }
}
