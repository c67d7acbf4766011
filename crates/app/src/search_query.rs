//! What a search query means (ADR 0014). Each word typed (or each phrase the synonym dictionary
//! knows, like "wi fi") becomes a group of alternatives, any of which matches it: its stem as a
//! word prefix, its synonyms from the reviewed dictionary, and, when the word is not in the
//! catalogue at all, the catalogue's words within a small edit distance. The database and the
//! in-memory index both match these groups, over the same vocabulary, so they agree.

use calloff_domain::catalogue::query_terms;
pub use calloff_domain::catalogue::{Term, WordGroup as Group};
use calloff_domain::text::{edit_distance_within, stem};
use std::collections::HashMap;
use std::sync::OnceLock;

/// The reviewed dictionary of synonyms and abbreviations.
const SYNONYMS: &str = include_str!("../data/search_synonyms.csv");
/// Longest phrase on the left of the dictionary ("unified communications", "voice over ip").
const MAX_PHRASE_WORDS: usize = 3;
/// Words shorter than this are never corrected: "sim" is one letter from "sip", "lan" from "wan".
pub const MIN_CORRECTED_LEN: usize = 5;
/// From this length a word may be two edits from what was meant.
pub const TWO_EDITS_FROM_LEN: usize = 8;

/// A query: every group must match, or, when no item matches them all, as many as possible.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct SearchQuery {
    pub groups: Vec<Group>,
}

/// The distinct words of a framework's catalogue on sale, as stored (stemmed).
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    /// Sorted, distinct.
    words: Vec<String>,
    /// Positions in `words` of the words of letters only (codes are never corrected to), by
    /// length.
    letters_by_len: Vec<Vec<u32>>,
}

impl Vocabulary {
    /// From the stored words of every item (`search_text`), in any order, repeats allowed.
    pub fn new<'a>(words: impl IntoIterator<Item = &'a str>) -> Vocabulary {
        let mut words: Vec<String> = words
            .into_iter()
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect();
        words.sort_unstable();
        words.dedup();
        let mut letters_by_len: Vec<Vec<u32>> = Vec::new();
        for (i, word) in words.iter().enumerate() {
            let Ok(i) = u32::try_from(i) else { break };
            if word.bytes().all(|b| b.is_ascii_lowercase()) {
                if letters_by_len.len() <= word.len() {
                    letters_by_len.resize(word.len() + 1, Vec::new());
                }
                letters_by_len[word.len()].push(i);
            }
        }
        Vocabulary { words, letters_by_len }
    }

    fn has_prefix(&self, prefix: &str) -> bool {
        let at = self.words.partition_point(|w| w.as_str() < prefix);
        self.words.get(at).is_some_and(|w| w.starts_with(prefix))
    }

    /// Words of letters only within `limit` edits of `word`, in order.
    fn near(&self, word: &str, limit: usize) -> Vec<String> {
        let lengths = word.len().saturating_sub(limit)..=word.len() + limit;
        let mut near: Vec<String> = lengths
            .filter_map(|len| self.letters_by_len.get(len))
            .flatten()
            .map(|&i| &self.words[i as usize])
            .filter(|w| edit_distance_within(word, w, limit).is_some())
            .cloned()
            .collect();
        near.sort_unstable();
        near
    }
}

/// The dictionary, as stems: each phrase on the left (its words' stems joined by spaces) with
/// what it also matches, each a list of stems that must all be present.
fn synonyms() -> &'static HashMap<String, Vec<Vec<String>>> {
    static SYNONYMS_BY_TERM: OnceLock<HashMap<String, Vec<Vec<String>>>> = OnceLock::new();
    SYNONYMS_BY_TERM.get_or_init(|| parse_synonyms(SYNONYMS).unwrap_or_default())
}

fn stems(text: &str) -> Vec<String> {
    query_terms(text).iter().map(|w| stem(w)).collect()
}

/// Reads the dictionary: comment lines start with `#`, then a header `term,also_matches`, then a
/// row per term. An error names the line.
pub fn parse_synonyms(text: &str) -> Result<HashMap<String, Vec<Vec<String>>>, String> {
    let mut rows = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
    match rows.next() {
        Some((_, header)) if header.trim() == "term,also_matches" => {}
        _ => return Err("the first row must be the header term,also_matches".into()),
    }
    let mut out: HashMap<String, Vec<Vec<String>>> = HashMap::new();
    for (n, row) in rows {
        let line = n + 1;
        let Some((term, also)) = row.split_once(',') else {
            return Err(format!("line {line}: expected term,also_matches"));
        };
        let term = stems(term);
        if term.is_empty() || term.len() > MAX_PHRASE_WORDS || also.contains(',') {
            return Err(format!(
                "line {line}: a term is one to {MAX_PHRASE_WORDS} words, and the row has two columns"
            ));
        }
        let also: Vec<Vec<String>> = also.split(';').map(stems).filter(|s| !s.is_empty()).collect();
        if also.is_empty() {
            return Err(format!("line {line}: say what the term also matches"));
        }
        out.entry(term.join(" ")).or_default().extend(also);
    }
    Ok(out)
}

impl SearchQuery {
    /// Whether reading this query needs the catalogue's vocabulary (a word that could be a typo).
    pub fn needs_vocabulary(text: &str) -> bool {
        stems(text).iter().any(|s| correctable(s))
    }

    /// The query for `text`, with typos corrected against `vocabulary` (which only needs to be
    /// given when [`SearchQuery::needs_vocabulary`] says so).
    pub fn parse(text: &str, vocabulary: &Vocabulary) -> SearchQuery {
        let typed = query_terms(text);
        let stemmed: Vec<String> = typed.iter().map(|w| stem(w)).collect();
        let dictionary = synonyms();
        let mut groups = Vec::new();
        let mut at = 0;
        while at < stemmed.len() {
            // The longest phrase the dictionary knows, else the one word.
            let phrase_len = (1..=MAX_PHRASE_WORDS.min(stemmed.len() - at))
                .rev()
                .find(|n| dictionary.contains_key(&stemmed[at..at + n].join(" ")))
                .unwrap_or(1);
            let words = &stemmed[at..at + phrase_len];
            let prefixes = |words: &[String]| -> Vec<Term> {
                words
                    .iter()
                    .map(|w| Term {
                        word: w.clone(),
                        prefix: true,
                    })
                    .collect()
            };
            let mut alternatives = vec![prefixes(words)];
            if let Some(also) = dictionary.get(&words.join(" ")) {
                alternatives.extend(also.iter().map(|a| prefixes(a)));
            }
            if phrase_len == 1 && correctable(&words[0]) && !vocabulary.has_prefix(&words[0]) {
                let limit = if words[0].len() >= TWO_EDITS_FROM_LEN { 2 } else { 1 };
                alternatives.extend(
                    vocabulary
                        .near(&words[0], limit)
                        .into_iter()
                        .map(|word| vec![Term { word, prefix: false }]),
                );
            }
            alternatives.dedup();
            groups.push(Group {
                typed: typed[at..at + phrase_len].join(" "),
                alternatives,
            });
            at += phrase_len;
        }
        SearchQuery { groups }
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }
}

/// Words of five letters or more may be typos; shorter words and codes (anything with a digit)
/// never are.
fn correctable(stem: &str) -> bool {
    stem.len() >= MIN_CORRECTED_LEN && stem.bytes().all(|b| b.is_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alternatives(q: &SearchQuery) -> Vec<Vec<String>> {
        q.groups
            .iter()
            .map(|g| {
                g.alternatives
                    .iter()
                    .map(|a| {
                        a.iter()
                            .map(|t| format!("{}{}", t.word, if t.prefix { "*" } else { "" }))
                            .collect::<Vec<_>>()
                            .join("+")
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn the_dictionary_parses() {
        let dictionary = parse_synonyms(SYNONYMS).unwrap();
        assert!(dictionary.contains_key("mobil"), "{:?}", dictionary.keys());
        assert!(dictionary.contains_key("wi fi"));
        assert!(parse_synonyms("term,also_matches\nmobile")
            .unwrap_err()
            .contains("line 2"));
        assert!(parse_synonyms("mobile,sim").is_err());
    }

    #[test]
    fn words_expand_to_their_synonyms_and_phrases_are_one_group() {
        let none = Vocabulary::default();
        let q = SearchQuery::parse("Mobile phones", &none);
        assert_eq!(
            alternatives(&q),
            [vec!["mobil*", "sim*", "handset*", "smartphon*"], vec!["phon*"]]
        );
        let q = SearchQuery::parse("wi-fi survey", &none);
        assert_eq!(alternatives(&q)[0], ["wi*+fi*", "wifi*", "wireless*"]);
        assert_eq!(q.groups[0].typed, "wi fi");
        let q = SearchQuery::parse("UC", &none);
        assert_eq!(alternatives(&q)[0], ["uc*", "unifi*+communication*", "ucaa*"]);
    }

    #[test]
    fn typos_are_corrected_only_in_long_unknown_words() {
        let vocabulary = Vocabulary::new([
            "router", "rout", "switch", "ethernet", "sim", "sip", "l4", "5gb", "route1",
        ]);
        let q = SearchQuery::parse("routr swich etherent", &vocabulary);
        assert_eq!(
            alternatives(&q),
            [
                vec!["routr*", "rout", "router"],
                vec!["swich*", "switch"],
                vec!["etherent*", "ethernet"]
            ]
        );
        // Short words, codes and known words are left as typed.
        let q = SearchQuery::parse("sjp 4gb route", &vocabulary);
        assert!(
            q.groups.iter().all(|g| g.alternatives.len() == 1),
            "{:?}",
            alternatives(&q)
        );
        // Two edits only from eight letters.
        assert_eq!(alternatives(&SearchQuery::parse("rtuer", &vocabulary))[0], ["rtuer*"]);
        assert_eq!(
            alternatives(&SearchQuery::parse("ehtrenet", &vocabulary))[0],
            ["ehtrenet*", "ethernet"]
        );
        assert!(SearchQuery::needs_vocabulary("routr"));
        assert!(!SearchQuery::needs_vocabulary("sim 5gb route1"));
    }
}
