//! An in-memory copy of a framework's catalogue for fast search: an inverted index from each
//! search word to the items that have it. It is rebuilt from the database whenever the
//! framework's catalogue generation moves on, and gives exactly what the database search gives
//! (ADR 0004): the same matching (every word a prefix), filters, ranking and sorts.

use crate::catalogue::{SearchRequest, SearchResults, Sort, PAGE_SIZE, PRICE_BANDS, TERM_BANDS};
use calloff_domain::catalogue::{query_terms, CatalogueItem, Unit};
use calloff_domain::ids::{FrameworkId, OrganisationId};
use calloff_store::catalogue::ItemRecord;
use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

struct Entry {
    item: CatalogueItem,
    supplier: OrganisationId,
    /// The words of the name, for ranking.
    name_words: Vec<String>,
}

/// One framework's items and their words, as of one catalogue generation.
pub struct SearchIndex {
    pub generation: i64,
    entries: Vec<Entry>,
    words: BTreeMap<String, Vec<u32>>,
    supplier_names: HashMap<OrganisationId, String>,
}

/// Which items a search matches, one bit each.
struct Bits(Vec<u64>);

impl Bits {
    fn new(len: usize, all: bool) -> Bits {
        let mut bits = Bits(vec![if all { u64::MAX } else { 0 }; len.div_ceil(64)]);
        if all && !len.is_multiple_of(64) {
            if let Some(last) = bits.0.last_mut() {
                *last = (1u64 << (len % 64)) - 1;
            }
        }
        bits
    }

    fn set(&mut self, i: u32) {
        self.0[i as usize / 64] |= 1 << (i % 64);
    }

    fn and(&mut self, other: &Bits) {
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a &= b;
        }
    }

    fn ones(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.iter().enumerate().flat_map(|(w, &word)| {
            let mut rest = word;
            std::iter::from_fn(move || {
                (rest != 0).then(|| {
                    let b = rest.trailing_zeros() as usize;
                    rest &= rest - 1;
                    w * 64 + b
                })
            })
        })
    }
}

fn band_of(value: i64, bands: &[(&str, i64, i64)], inclusive_end: bool) -> usize {
    bands
        .iter()
        .position(|(_, from, to)| value >= *from && if inclusive_end { value <= *to } else { value < *to })
        .unwrap_or(0)
}

impl SearchIndex {
    pub fn build(
        generation: i64,
        rows: Vec<(ItemRecord, String, String)>,
        supplier_names: HashMap<OrganisationId, String>,
    ) -> SearchIndex {
        let mut words: BTreeMap<String, Vec<u32>> = BTreeMap::new();
        let mut entries = Vec::with_capacity(rows.len());
        // Kept in name and SKU order, so that an item's place is the final tie-break of every sort.
        let mut rows = rows;
        rows.sort_by(|(a, _, _), (b, _, _)| a.item.name.cmp(&b.item.name).then_with(|| a.item.sku.cmp(&b.item.sku)));
        for (i, (record, search_text, name_text)) in rows.into_iter().enumerate() {
            let mut seen: Vec<&str> = search_text.split(' ').filter(|w| !w.is_empty()).collect();
            seen.sort_unstable();
            seen.dedup();
            for word in seen {
                words.entry(word.to_string()).or_default().push(i as u32);
            }
            entries.push(Entry {
                item: record.item,
                supplier: record.supplier_id,
                name_words: name_text
                    .split(' ')
                    .filter(|w| !w.is_empty())
                    .map(str::to_string)
                    .collect(),
            });
        }
        SearchIndex {
            generation,
            entries,
            words,
            supplier_names,
        }
    }

    /// Items with a word starting with each term.
    fn matching(&self, terms: &[String]) -> Bits {
        let mut all = Bits::new(self.entries.len(), true);
        for term in terms {
            let mut any = Bits::new(self.entries.len(), false);
            for (_, items) in self
                .words
                .range(term.clone()..)
                .take_while(|(w, _)| w.starts_with(term.as_str()))
            {
                for &i in items {
                    any.set(i);
                }
            }
            all.and(&any);
        }
        all
    }

    fn passes(&self, e: &Entry, r: &SearchRequest) -> bool {
        let price = e.item.unit_price.micros();
        let term = i64::from(e.item.minimum_term_months);
        r.lot.is_none_or(|l| e.item.lot_number == l)
            && r.unit.is_none_or(|u| e.item.unit == u)
            && r.price_band
                .is_none_or(|b| price >= PRICE_BANDS[b].1 && price < PRICE_BANDS[b].2)
            && r.term_band
                .is_none_or(|b| term >= TERM_BANDS[b].1 && term <= TERM_BANDS[b].2)
            && r.supplier.as_ref().is_none_or(|s| e.supplier == *s)
    }

    /// How many items a search finds (for suggestions).
    pub fn count(&self, request: &SearchRequest) -> i64 {
        let terms = query_terms(&request.text);
        self.matching(&terms)
            .ones()
            .filter(|&i| self.passes(&self.entries[i], request))
            .count() as i64
    }

    /// A page of results with the facets of everything that matched. Suggestions are left to
    /// the caller.
    pub fn search(&self, request: &SearchRequest) -> SearchResults {
        let terms = query_terms(&request.text);
        let sku = request.text.trim().to_ascii_uppercase();
        let matched: Vec<usize> = self
            .matching(&terms)
            .ones()
            .filter(|&i| self.passes(&self.entries[i], request))
            .collect();
        let mut lots: BTreeMap<u32, i64> = BTreeMap::new();
        let mut units = [0i64; Unit::ALL.len()];
        let mut prices = [0i64; PRICE_BANDS.len()];
        let mut term_bands = [0i64; TERM_BANDS.len()];
        let mut suppliers: HashMap<&OrganisationId, i64> = HashMap::new();
        for &i in &matched {
            let item = &self.entries[i].item;
            *lots.entry(item.lot_number).or_insert(0) += 1;
            units[Unit::ALL.iter().position(|u| *u == item.unit).unwrap_or(0)] += 1;
            prices[band_of(item.unit_price.micros(), &PRICE_BANDS, false)] += 1;
            term_bands[band_of(i64::from(item.minimum_term_months), &TERM_BANDS, true)] += 1;
            *suppliers.entry(&self.entries[i].supplier).or_insert(0) += 1;
        }
        let relevance = |e: &Entry| -> u8 {
            // Not ranking, or an exact SKU: first.
            if request.sort != Sort::Relevance || terms.is_empty() || e.item.sku.as_str() == sku {
                0
            } else if terms
                .iter()
                .all(|t| e.name_words.iter().any(|w| w.starts_with(t.as_str())))
            {
                1
            } else {
                2
            }
        };
        let key = |i: &usize| {
            let e = &self.entries[*i];
            let price = e.item.unit_price.micros();
            (
                relevance(e),
                if request.sort == Sort::PriceLow { price } else { 0 },
                std::cmp::Reverse(if request.sort == Sort::PriceHigh { price } else { 0 }),
            )
        };
        // Entries are in name and SKU order, so their place breaks ties.
        let order = |a: &usize, b: &usize| -> Ordering { key(a).cmp(&key(b)).then_with(|| a.cmp(b)) };
        let offset = (request.page.saturating_sub(1) as usize) * PAGE_SIZE as usize;
        let end = (offset + PAGE_SIZE as usize).min(matched.len());
        let mut ranked = matched.clone();
        let items = if offset < ranked.len() {
            // Only the first `end` need full order.
            if end < ranked.len() {
                ranked.select_nth_unstable_by(end, order);
                ranked.truncate(end);
            }
            ranked.sort_unstable_by(order);
            ranked[offset..end]
                .iter()
                .map(|&i| self.entries[i].item.clone())
                .collect()
        } else {
            Vec::new()
        };
        let total = matched.len() as i64;
        SearchResults {
            items,
            total,
            pages: (total + PAGE_SIZE - 1) / PAGE_SIZE,
            lots: lots.into_iter().collect(),
            // In the order the database groups them: by the stored code.
            units: {
                let mut units: Vec<(Unit, i64)> = Unit::ALL.into_iter().zip(units).filter(|(_, n)| *n > 0).collect();
                units.sort_by_key(|(u, _)| u.as_str());
                units
            },
            price_bands: prices.into_iter().enumerate().filter(|(_, n)| *n > 0).collect(),
            term_bands: term_bands.into_iter().enumerate().filter(|(_, n)| *n > 0).collect(),
            suppliers: {
                let mut suppliers: Vec<(OrganisationId, String, i64)> = suppliers
                    .into_iter()
                    .map(|(id, n)| (id.clone(), self.supplier_names.get(id).cloned().unwrap_or_default(), n))
                    .collect();
                suppliers.sort();
                suppliers
            },
            suggestions: Vec::new(),
        }
    }
}

/// The current index of each framework this process has searched, and which are being built.
#[derive(Default)]
pub struct SearchIndexes {
    indexes: Mutex<HashMap<FrameworkId, Arc<SearchIndex>>>,
    building: Mutex<std::collections::HashSet<FrameworkId>>,
}

impl std::fmt::Debug for SearchIndexes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SearchIndexes")
    }
}

impl SearchIndexes {
    /// The index of the framework, if it is of this generation.
    pub fn current(&self, framework: &FrameworkId, generation: i64) -> Option<Arc<SearchIndex>> {
        let indexes = self.indexes.lock().unwrap_or_else(|e| e.into_inner());
        indexes.get(framework).filter(|i| i.generation == generation).cloned()
    }

    pub fn put(&self, framework: &FrameworkId, index: Arc<SearchIndex>) {
        let mut indexes = self.indexes.lock().unwrap_or_else(|e| e.into_inner());
        let newer = indexes.get(framework).is_some_and(|i| i.generation > index.generation);
        if !newer {
            indexes.insert(framework.clone(), index);
        }
    }

    /// Claims the building of the framework's index; false if another task is building it.
    pub fn start_building(&self, framework: &FrameworkId) -> bool {
        let mut building = self.building.lock().unwrap_or_else(|e| e.into_inner());
        building.insert(framework.clone())
    }

    pub fn done_building(&self, framework: &FrameworkId) {
        let mut building = self.building.lock().unwrap_or_else(|e| e.into_inner());
        building.remove(framework);
    }
}
