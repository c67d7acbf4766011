//! Values read recently, trusted for a short while so that hot pages need not ask the database
//! each time. Each use says how stale its values may be, and forgets what its own process
//! changes; other processes' changes show once an entry is older than its maximum age.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct Recent<K, V> {
    entries: Mutex<HashMap<K, (Instant, V)>>,
    max_age: Duration,
    max_entries: usize,
}

impl<K, V> std::fmt::Debug for Recent<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Recent(max_age: {:?})", self.max_age)
    }
}

impl<K: Eq + Hash, V: Clone> Recent<K, V> {
    /// Past `max_entries` the cache starts again, which bounds its memory.
    pub fn new(max_age: Duration, max_entries: usize) -> Self {
        Recent {
            entries: Mutex::default(),
            max_age,
            max_entries,
        }
    }

    /// The value, if it was read less than the maximum age ago.
    pub fn get(&self, key: &K) -> Option<V> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(key)
            .filter(|(read_at, _)| read_at.elapsed() < self.max_age)
            .map(|(_, value)| value.clone())
    }

    pub fn put(&self, key: K, value: V) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= self.max_entries {
            entries.clear();
        }
        entries.insert(key, (Instant::now(), value));
    }

    pub fn forget(&self, key: &K) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_kept_bounded_in_number_and_forgotten_on_request() {
        let recent = Recent::new(Duration::from_secs(3600), 2);
        recent.put("a", 1);
        recent.put("b", 2);
        assert_eq!((recent.get(&"a"), recent.get(&"b")), (Some(1), Some(2)));
        recent.forget(&"a");
        assert_eq!(recent.get(&"a"), None);
        recent.put("a", 1);
        recent.put("c", 3); // the third entry starts the cache again
        assert_eq!((recent.get(&"a"), recent.get(&"c")), (None, Some(3)));
    }

    #[test]
    fn values_older_than_the_maximum_age_are_not_given() {
        let recent = Recent::new(Duration::ZERO, 10);
        recent.put("a", 1);
        assert_eq!(recent.get(&"a"), None);
    }
}

/// How stale what browsing pages read may be: a catalogue change in another process shows on them
/// within this time (in this process, at once). Sessions are never cached: a sign-out, a
/// deactivation or a role removed takes effect at once in every process.
pub const BROWSING_MAX_AGE: Duration = Duration::from_secs(1);

/// What the catalogue pages read through [`Recent`] caches: frameworks, catalogue
/// generations and search results (of a generation, so never of a changed catalogue).
#[derive(Debug)]
pub(crate) struct BrowsingReads {
    pub frameworks: Recent<calloff_domain::ids::FrameworkId, calloff_domain::framework::Framework>,
    pub generations: Recent<calloff_domain::ids::FrameworkId, i64>,
    pub results: Recent<SearchKey, std::sync::Arc<crate::catalogue::SearchResults>>,
}

pub(crate) type SearchKey = (calloff_domain::ids::FrameworkId, i64, crate::catalogue::SearchRequest);

/// Frameworks (and their generations) kept at most: more than one authority runs.
const MAX_FRAMEWORKS: usize = 1_000;
/// Searches kept at most, and for how long: results are of a generation, so they cannot be
/// stale; the limit only bounds memory (a page of results is a few KB).
const MAX_SEARCHES: usize = 1_000;
const SEARCH_MAX_AGE: Duration = Duration::from_secs(60);

impl Default for BrowsingReads {
    fn default() -> Self {
        BrowsingReads {
            frameworks: Recent::new(BROWSING_MAX_AGE, MAX_FRAMEWORKS),
            generations: Recent::new(BROWSING_MAX_AGE, MAX_FRAMEWORKS),
            results: Recent::new(SEARCH_MAX_AGE, MAX_SEARCHES),
        }
    }
}
