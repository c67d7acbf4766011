//! An in-memory copy of a framework's catalogue for fast search: an inverted index from each
//! search word to the items that have it. It is rebuilt from the database whenever the
//! framework's catalogue generation moves on, and gives exactly what the database search gives
//! (ADR 0004): the same matching (every group of words, or as many as possible, ADR 0014),
//! filters, ranking and sorts.

use crate::catalogue::{
    Fit, Match, SearchRequest, SearchResults, Sort, FILTER_GROUPS, PAGE_SIZE, PRICE_BANDS, TERM_BANDS,
};
use crate::search_query::{Group, SearchQuery, Term, Vocabulary};
use calloff_domain::catalogue::{CatalogueItem, Unit};
use calloff_domain::ids::{FrameworkId, OrganisationId};
use calloff_store::catalogue::ItemRecord;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

/// What filters, facets and sorting read of an item, packed together so that scanning tens of
/// thousands of matches stays in the processor's cache. Lots, units and suppliers are positions in
/// the index's own lists.
#[derive(Debug, Clone, Copy)]
struct Keys {
    price: i64,
    lot: u16,
    unit: u8,
    price_band: u8,
    term_band: u8,
    supplier: u16,
}

/// One framework's items and their words, as of one catalogue generation.
pub struct SearchIndex {
    pub generation: i64,
    /// In name and SKU order, so that an item's place is the final tie-break of every sort.
    items: Vec<CatalogueItem>,
    keys: Vec<Keys>,
    /// Each word of the search text, and of the name alone, with the items that have it.
    words: BTreeMap<String, Vec<u32>>,
    name_words: BTreeMap<String, Vec<u32>>,
    skus: HashMap<String, u32>,
    lots: Vec<u32>,
    suppliers: Vec<(OrganisationId, String)>,
    vocabulary: Arc<Vocabulary>,
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

    fn get(&self, i: usize) -> bool {
        self.0[i / 64] & (1 << (i % 64)) != 0
    }

    fn and(&mut self, other: &Bits) {
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a &= b;
        }
    }

    fn or(&mut self, other: &Bits) {
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a |= b;
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

/// A search's filters over the index's lists: for each group (lot, unit, price band, term band,
/// supplier), which positions pass; `None` when the group is not filtered. A value the index
/// does not have lets nothing pass.
struct Filter {
    allowed: [Option<Vec<bool>>; FILTER_GROUPS],
}

impl Keys {
    /// The item's position in each group's list.
    fn positions(&self) -> [usize; FILTER_GROUPS] {
        [
            usize::from(self.lot),
            usize::from(self.unit),
            usize::from(self.price_band),
            usize::from(self.term_band),
            usize::from(self.supplier),
        ]
    }
}

impl Filter {
    fn fit(&self, k: &Keys) -> Fit {
        let positions = k.positions();
        Fit::of(std::array::from_fn(|g| {
            self.allowed[g]
                .as_ref()
                .is_none_or(|allowed| allowed.get(positions[g]).copied().unwrap_or(false))
        }))
    }

    fn passes(&self, k: &Keys) -> bool {
        self.fit(k) == Fit::All
    }
}

/// A position in one of the index's small tables (lots, bands, suppliers), packed into a key.
/// Tables never reach the type's size; were one to, the key would fall back to 0 (no match).
fn small<T: TryFrom<usize> + Default>(position: usize) -> T {
    T::try_from(position).unwrap_or_default()
}

fn unit_position(unit: Unit) -> u8 {
    Unit::ALL
        .iter()
        .position(|u| *u == unit)
        .and_then(|p| u8::try_from(p).ok())
        .unwrap_or(0)
}

impl SearchIndex {
    pub fn build(
        generation: i64,
        rows: Vec<(ItemRecord, String, String)>,
        supplier_names: HashMap<OrganisationId, String>,
    ) -> SearchIndex {
        let mut rows = rows;
        rows.sort_by(|(a, _, _), (b, _, _)| a.item.name.cmp(&b.item.name).then_with(|| a.item.sku.cmp(&b.item.sku)));
        let mut lots: Vec<u32> = rows.iter().map(|(r, _, _)| r.item.lot_number).collect();
        lots.sort_unstable();
        lots.dedup();
        let mut suppliers: Vec<OrganisationId> = rows.iter().map(|(r, _, _)| r.supplier_id.clone()).collect();
        suppliers.sort();
        suppliers.dedup();
        let mut index = SearchIndex {
            generation,
            items: Vec::with_capacity(rows.len()),
            keys: Vec::with_capacity(rows.len()),
            words: BTreeMap::new(),
            name_words: BTreeMap::new(),
            skus: HashMap::with_capacity(rows.len()),
            lots,
            suppliers: suppliers
                .into_iter()
                .map(|id| {
                    let name = supplier_names.get(&id).cloned().unwrap_or_default();
                    (id, name)
                })
                .collect(),
            vocabulary: Arc::default(),
        };
        for (i, (record, search_text, name_text)) in rows.into_iter().enumerate() {
            let Ok(i) = u32::try_from(i) else { break };
            for (text, words) in [(&search_text, &mut index.words), (&name_text, &mut index.name_words)] {
                let mut seen: Vec<&str> = text.split(' ').filter(|w| !w.is_empty()).collect();
                seen.sort_unstable();
                seen.dedup();
                for word in seen {
                    words.entry(word.to_string()).or_default().push(i);
                }
            }
            let item = record.item;
            let price = item.unit_price.micros();
            index.keys.push(Keys {
                price,
                lot: small(index.lots.binary_search(&item.lot_number).unwrap_or(0)),
                unit: unit_position(item.unit),
                price_band: small(band_of(price, &PRICE_BANDS, false)),
                term_band: small(band_of(i64::from(item.minimum_term_months), &TERM_BANDS, true)),
                supplier: index
                    .suppliers
                    .binary_search_by(|(id, _)| id.cmp(&record.supplier_id))
                    .map_or(0, small),
            });
            index.skus.insert(item.sku.as_str().to_string(), i);
            index.items.push(item);
        }
        index.vocabulary = Arc::new(Vocabulary::new(index.words.keys().map(String::as_str)));
        index
    }

    /// What the text means over this catalogue's words.
    pub fn query(&self, text: &str) -> SearchQuery {
        SearchQuery::parse(text, &self.vocabulary)
    }

    /// Items with the word, or (for a prefix) a word starting with it.
    fn term(&self, words: &BTreeMap<String, Vec<u32>>, term: &Term) -> Bits {
        let mut found = Bits::new(self.items.len(), false);
        let mut add = |items: &Vec<u32>| items.iter().for_each(|&i| found.set(i));
        if term.prefix {
            words
                .range(term.word.clone()..)
                .take_while(|(w, _)| w.starts_with(term.word.as_str()))
                .for_each(|(_, items)| add(items));
        } else if let Some(items) = words.get(&term.word) {
            add(items);
        }
        found
    }

    /// Items that have every term of any of the group's alternatives.
    fn group(&self, words: &BTreeMap<String, Vec<u32>>, group: &Group) -> Bits {
        let mut any = Bits::new(self.items.len(), false);
        for alternative in &group.alternatives {
            let mut all = Bits::new(self.items.len(), true);
            for term in alternative {
                all.and(&self.term(words, term));
            }
            any.or(&all);
        }
        any
    }

    /// Items (with words in `words`) that match every group.
    fn matching(&self, words: &BTreeMap<String, Vec<u32>>, groups: &[Group]) -> Bits {
        let mut all = Bits::new(self.items.len(), true);
        for group in groups {
            all.and(&self.group(words, group));
        }
        all
    }

    fn filter(&self, r: &SearchRequest) -> Filter {
        // The positions of a group's chosen values; `None` if none are chosen.
        fn allow(len: usize, chosen: usize, positions: impl Iterator<Item = Option<usize>>) -> Option<Vec<bool>> {
            (chosen > 0).then(|| {
                let mut allowed = vec![false; len];
                positions.flatten().for_each(|p| allowed[p] = true);
                allowed
            })
        }
        Filter {
            allowed: [
                allow(
                    self.lots.len(),
                    r.lots.len(),
                    r.lots.iter().map(|l| self.lots.binary_search(l).ok()),
                ),
                allow(
                    Unit::ALL.len(),
                    r.units.len(),
                    r.units.iter().map(|u| Some(usize::from(unit_position(*u)))),
                ),
                allow(
                    PRICE_BANDS.len(),
                    r.price_bands.len(),
                    r.price_bands.iter().map(|b| Some(*b)),
                ),
                allow(
                    TERM_BANDS.len(),
                    r.term_bands.len(),
                    r.term_bands.iter().map(|b| Some(*b)),
                ),
                allow(
                    self.suppliers.len(),
                    r.suppliers.len(),
                    r.suppliers
                        .iter()
                        .map(|s| self.suppliers.binary_search_by(|(id, _)| id.cmp(s)).ok()),
                ),
            ],
        }
    }

    /// How many items a search finds (for suggestions).
    pub fn count(&self, request: &SearchRequest) -> i64 {
        let filter = self.filter(request);
        let found = self
            .matching(&self.words, &self.query(&request.text).groups)
            .ones()
            .filter(|&i| filter.passes(&self.keys[i]))
            .count();
        calloff_domain::count(found)
    }

    /// A page of results with the facets of everything that matched: the items that match every
    /// group of words, or when there are none, those that match any, ranked by how many.
    /// Suggestions are left to the caller.
    pub fn search(&self, request: &SearchRequest) -> SearchResults {
        let groups = self.query(&request.text).groups;
        let filter = self.filter(request);
        // Items that pass all filters but one still count in that one's facet.
        let fitted = |items: &mut dyn Iterator<Item = usize>| -> Vec<(usize, Fit)> {
            items
                .map(|i| (i, filter.fit(&self.keys[i])))
                .filter(|(_, fit)| *fit != Fit::No)
                .collect()
        };
        let results = |candidates: &[(usize, Fit)]| -> Vec<usize> {
            candidates
                .iter()
                .filter(|(_, f)| *f == Fit::All)
                .map(|(i, _)| *i)
                .collect()
        };
        let mut candidates = fitted(&mut self.matching(&self.words, &groups).ones());
        let mut matched = results(&candidates);
        // How many groups each item misses, when only some can match.
        let mut missed: Option<Vec<u8>> = None;
        if matched.is_empty() && groups.len() > 1 {
            let mut found = vec![0u8; self.items.len()];
            for group in &groups {
                for i in self.group(&self.words, group).ones() {
                    found[i] += 1;
                }
            }
            let partial = fitted(&mut (0..self.items.len()).filter(|&i| found[i] > 0));
            let partial_matched = results(&partial);
            if !partial_matched.is_empty() {
                let all = u8::try_from(groups.len()).unwrap_or(u8::MAX);
                missed = Some(found.into_iter().map(|n| all.saturating_sub(n)).collect());
                candidates = partial;
                matched = partial_matched;
            }
        }
        let mut lots = vec![0i64; self.lots.len()];
        let mut units = vec![0i64; Unit::ALL.len()];
        let mut prices = vec![0i64; PRICE_BANDS.len()];
        let mut term_bands = vec![0i64; TERM_BANDS.len()];
        let mut suppliers = vec![0i64; self.suppliers.len()];
        for (i, fit) in &candidates {
            let positions = self.keys[*i].positions();
            for (g, counts) in [&mut lots, &mut units, &mut prices, &mut term_bands, &mut suppliers]
                .into_iter()
                .enumerate()
            {
                if fit.counts_in(g) {
                    counts[positions[g]] += 1;
                }
            }
        }
        // Ranking: an exact SKU first, then items whose name has every word, then the rest; among
        // partial matches, those that miss fewest words first.
        let ranking = request.sort == Sort::Relevance && !groups.is_empty();
        let exact = self.skus.get(&request.text.trim().to_ascii_uppercase()).copied();
        let in_name = (ranking && missed.is_none()).then(|| self.matching(&self.name_words, &groups));
        let key = |i: usize| {
            let relevance = match (&in_name, &missed) {
                (_, Some(missed)) if ranking => missed[i],
                (Some(in_name), _) if exact.is_none_or(|e| usize::try_from(e).ok() != Some(i)) => {
                    if in_name.get(i) {
                        1u8
                    } else {
                        2
                    }
                }
                _ => 0,
            };
            let price = self.keys[i].price;
            (
                relevance,
                if request.sort == Sort::PriceLow { price } else { 0 },
                std::cmp::Reverse(if request.sort == Sort::PriceHigh { price } else { 0 }),
                // Items are in name and SKU order, so their place breaks ties.
                i,
            )
        };
        let page_size = usize::try_from(PAGE_SIZE).unwrap_or(usize::MAX);
        let offset = usize::try_from(request.page.saturating_sub(1))
            .unwrap_or(usize::MAX)
            .saturating_mul(page_size);
        let end = offset.saturating_add(page_size).min(matched.len());
        let items = if offset < matched.len() {
            let mut ranked: Vec<_> = matched.iter().map(|&i| key(i)).collect();
            // Only the first `end` need full order.
            if end < ranked.len() {
                ranked.select_nth_unstable(end);
                ranked.truncate(end);
            }
            ranked.sort_unstable();
            ranked[offset..end].iter().map(|k| self.items[k.3].clone()).collect()
        } else {
            Vec::new()
        };
        let total = calloff_domain::count(matched.len());
        let counted = |counts: Vec<i64>| counts.into_iter().enumerate().filter(|(_, n)| *n > 0);
        SearchResults {
            items,
            total,
            pages: (total + PAGE_SIZE - 1) / PAGE_SIZE,
            lots: counted(lots).map(|(p, n)| (self.lots[p], n)).collect(),
            // In the order the database groups them: by the stored code.
            units: {
                let mut units: Vec<(Unit, i64)> = Unit::ALL.into_iter().zip(units).filter(|(_, n)| *n > 0).collect();
                units.sort_by_key(|(u, _)| u.as_str());
                units
            },
            price_bands: counted(prices).collect(),
            term_bands: counted(term_bands).collect(),
            suppliers: counted(suppliers)
                .map(|(p, n)| (self.suppliers[p].0.clone(), self.suppliers[p].1.clone(), n))
                .collect(),
            suggestions: Vec::new(),
            matched: if missed.is_some() { Match::Partial } else { Match::All },
        }
    }
}

/// The current index of each framework this process has searched, and which are being built.
#[derive(Default)]
pub struct SearchIndexes {
    indexes: Mutex<HashMap<FrameworkId, Arc<SearchIndex>>>,
    building: Mutex<std::collections::HashSet<FrameworkId>>,
    /// Each framework's words as the database last gave them, with their generation, for the
    /// database search while no index is current (reading them costs a pass over the catalogue).
    vocabularies: Mutex<HashMap<FrameworkId, (i64, Arc<Vocabulary>)>>,
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

    /// The framework's vocabulary at this generation, if this process has it (from an index or
    /// from the database).
    pub fn vocabulary(&self, framework: &FrameworkId, generation: i64) -> Option<Arc<Vocabulary>> {
        if let Some(index) = self.current(framework, generation) {
            return Some(index.vocabulary.clone());
        }
        let vocabularies = self.vocabularies.lock().unwrap_or_else(|e| e.into_inner());
        vocabularies
            .get(framework)
            .filter(|(g, _)| *g == generation)
            .map(|(_, v)| v.clone())
    }

    pub fn put_vocabulary(&self, framework: &FrameworkId, generation: i64, vocabulary: Arc<Vocabulary>) {
        let mut vocabularies = self.vocabularies.lock().unwrap_or_else(|e| e.into_inner());
        vocabularies.insert(framework.clone(), (generation, vocabulary));
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
