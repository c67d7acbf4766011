//! Limits on free text. Every string a person sends has a maximum length, so that no field can
//! carry a megabyte into the database, the audit chain or an email. And the word forms search
//! matches on: a light English stemmer and an edit distance (ADR 0014).

use crate::FieldError;

/// Longest reason or comment (a rejection, a cancellation, a return): a few paragraphs.
pub const MAX_REASON_LEN: usize = 2_000;
/// Longest password: NCSC guidance favours long passphrases, but hashing a megabyte is an attack.
pub const MAX_PASSWORD_LEN: usize = 256;
/// Longest value of any one JSON string or form field, whatever it is: the safety net under
/// each field's own limit (the longest of which, an item's description, is well below).
pub const MAX_ANY_TEXT_LEN: usize = 20_000;

/// `value`, trimmed, if it is not empty and at most `max` characters; else an error naming
/// `field` that says what to enter (`what`, like "a reason").
pub fn required<'a>(field: &str, value: &'a str, max: usize, what: &str) -> Result<&'a str, FieldError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(FieldError::new(field, format!("Enter {what}")));
    }
    at_most(field, value, max)
}

/// A field's name as the start of a sentence: `cost_centre` → "Cost centre",
/// `lines[2].description` → "Description".
pub fn label(field: &str) -> String {
    let last = field.rsplit(['.', ']']).next().unwrap_or(field);
    let words = last.replace('_', " ");
    let mut chars = words.trim().chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// `value` if it is at most `max` characters.
pub fn at_most<'a>(field: &str, value: &'a str, max: usize) -> Result<&'a str, FieldError> {
    if value.chars().count() > max {
        Err(FieldError::new(
            field,
            format!("{} must be {max} characters or fewer", label(field)),
        ))
    } else {
        Ok(value)
    }
}

/// Shortest word the stemmer touches: "sms", "gbs" and "bus" stay as they are.
const MIN_STEMMED_LEN: usize = 4;
/// Shortest stem left after "-ing" or "-ed" comes off: "speed" and "string" keep theirs, since a
/// stem of three letters, matched as a prefix, would find "spec…" and "str…".
const MIN_STEM_AFTER_SUFFIX: usize = 4;
/// Shortest word that loses a final "e" ("phone" → "phon", so that "phoned" and "phones" meet it);
/// "line" and "wire" keep theirs for the same reason as above.
const MIN_LEN_FOR_FINAL_E: usize = 5;

/// The stem of one lower-case ASCII word, as search indexes and queries it: plurals, "-ing" and
/// "-ed" come off ("phones", "phoned" → "phon"; "switches" → "switch"; "calling", "calls" →
/// "call"). Words with digits are codes (SKUs, CPV codes, "5gb") and are left alone. Stemming
/// a stem changes nothing, so documents and queries meet whichever form either used.
pub fn stem(word: &str) -> String {
    let mut word = word.to_string();
    if word.len() < MIN_STEMMED_LEN || !word.bytes().all(|b| b.is_ascii_lowercase()) {
        return word;
    }
    // Each step only shortens the word, so this ends; repeating it to a fixed point is what makes
    // the stem of a stem the same stem ("buildings" → "building" → "build").
    while let Some(shorter) = stem_step(&word) {
        word = shorter;
    }
    word
}

fn stem_step(word: &str) -> Option<String> {
    let len = word.len();
    if len < MIN_STEMMED_LEN {
        return None;
    }
    let has_vowel = |s: &str| s.bytes().any(|b| b"aeiouy".contains(&b));
    // Plurals: batteries → battery, switches → switch, addresses → address, phones → phone; but
    // not access, status or analysis.
    if let Some(base) = word.strip_suffix("ies") {
        if base.len() >= 2 && !base.ends_with(['a', 'e']) {
            return Some(format!("{base}y"));
        }
    }
    for ending in ["sses", "ches", "shes", "xes", "zzes"] {
        if word.ends_with(ending) {
            return Some(word[..len - 2].to_string());
        }
    }
    if word.ends_with('s') && !word.ends_with("ss") && !word.ends_with("us") && !word.ends_with("is") {
        return Some(word[..len - 1].to_string());
    }
    // Verb forms: calling → call, hosted → host, running → run, embedded → embed.
    for ending in ["ing", "ed"] {
        if let Some(base) = word.strip_suffix(ending) {
            if base.len() >= MIN_STEM_AFTER_SUFFIX && has_vowel(base) {
                let b = base.as_bytes();
                let doubled = b[b.len() - 1] == b[b.len() - 2] && !b"aeiouylsz".contains(&b[b.len() - 1]);
                return Some(if doubled {
                    base[..base.len() - 1].to_string()
                } else {
                    base.to_string()
                });
            }
        }
    }
    if len >= MIN_LEN_FOR_FINAL_E && word.ends_with('e') && !word.ends_with("ee") {
        return Some(word[..len - 1].to_string());
    }
    None
}

/// The Damerau-Levenshtein distance between two words (insertions, deletions, substitutions and
/// swaps of neighbouring letters, each counting one; the optimal-string-alignment form), if it is
/// at most `limit`; `None` when it is more. Cheap for the short words search compares.
pub fn edit_distance_within(a: &str, b: &str, limit: usize) -> Option<usize> {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len().abs_diff(b.len()) > limit {
        return None;
    }
    let width = b.len() + 1;
    // Three rows: two back (for swaps), one back, and this one.
    let mut rows = vec![0usize; 3 * width];
    for (j, cell) in rows[..width].iter_mut().enumerate() {
        *cell = j;
    }
    // `rows` holds row i-2, i-1 and i at offsets rotating through 0, width and 2 * width.
    let mut prev2 = 2 * width;
    let mut prev = 0;
    let mut current = width;
    for i in 1..=a.len() {
        rows[current] = i;
        let mut best = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (rows[prev + j] + 1)
                .min(rows[current + j - 1] + 1)
                .min(rows[prev + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(rows[prev2 + j - 2] + 1);
            }
            rows[current + j] = d;
            best = best.min(d);
        }
        if best > limit {
            return None;
        }
        (prev2, prev, current) = (prev, current, prev2);
    }
    Some(rows[prev + b.len()]).filter(|d| *d <= limit)
}

/// A count with its noun in the right number, for plain English without "(s)": "1 approver",
/// "3 approvers", "0 approvers".
pub fn count<T: PartialEq + From<u8> + std::fmt::Display>(n: T, singular: &str, plural: &str) -> String {
    if n == T::from(1) {
        format!("{n} {singular}")
    } else {
        format!("{n} {plural}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_say_one_or_many() {
        assert_eq!(count(1u32, "approver", "approvers"), "1 approver");
        assert_eq!(count(0usize, "approver", "approvers"), "0 approvers");
        assert_eq!(count(2i64, "change", "changes"), "2 changes");
    }

    #[test]
    fn text_is_required_and_bounded() {
        assert_eq!(required("reason", "  late  ", 10, "a reason").unwrap(), "late");
        assert_eq!(
            required("reason", " ", 10, "a reason").unwrap_err().message,
            "Enter a reason"
        );
        let long = "x".repeat(11);
        assert_eq!(required("reason", &long, 10, "a reason").unwrap_err().field, "reason");
        assert!(at_most("reason", &"é".repeat(10), 10).is_ok());
        assert_eq!(
            at_most("cost_centre", &long, 10).unwrap_err().message,
            "Cost centre must be 10 characters or fewer"
        );
        assert_eq!(label("lines[2].unit_price"), "Unit price");
    }

    #[test]
    fn stems_meet_across_word_forms() {
        let same = |words: &[&str]| {
            let stems: Vec<String> = words.iter().map(|w| stem(w)).collect();
            assert!(stems.windows(2).all(|w| w[0] == w[1]), "{words:?} → {stems:?}");
        };
        same(&["phone", "phones", "phoned"]);
        same(&["switch", "switches"]);
        same(&["router", "routers"]);
        same(&["call", "calls", "calling", "called"]);
        same(&["licence", "licences"]);
        same(&["license", "licenses", "licensed"]);
        same(&["battery", "batteries"]);
        same(&["address", "addresses"]);
        same(&["host", "hosted", "hosting"]);
        same(&["manage", "managed", "managing"]);
        same(&["build", "building", "buildings"]);
        for kept in [
            "access", "status", "analysis", "sms", "gbs", "5gbs", "l4", "speed", "string", "line",
        ] {
            assert_eq!(stem(kept), kept);
        }
        assert_ne!(stem("router"), stem("route"));
    }

    #[test]
    fn edit_distance_counts_swaps_as_one() {
        assert_eq!(edit_distance_within("router", "routr", 1), Some(1));
        assert_eq!(edit_distance_within("ethernet", "etherent", 2), Some(1));
        assert_eq!(edit_distance_within("fibre", "fiber", 1), Some(1));
        assert_eq!(edit_distance_within("switch", "swich", 1), Some(1));
        assert_eq!(edit_distance_within("firewall", "firewal", 0), None);
        assert_eq!(edit_distance_within("broadband", "braodbnd", 2), Some(2));
        assert_eq!(edit_distance_within("broadband", "brodbnd", 1), None);
        assert_eq!(edit_distance_within("same", "same", 0), Some(0));
        assert_eq!(edit_distance_within("", "ab", 2), Some(2));
    }

    proptest::proptest! {
        #[test]
        fn stemming_a_stem_changes_nothing(word in "[a-z]{0,14}") {
            let once = stem(&word);
            proptest::prop_assert_eq!(stem(&once), once.clone());
            proptest::prop_assert!(word.starts_with(&once[..once.len().saturating_sub(1)]) || once.ends_with('y'));
        }

        #[test]
        fn plurals_stem_like_their_singular(word in "[a-z]{4,12}") {
            // A regular plural of a word that is not itself a plural form.
            proptest::prop_assume!(!word.ends_with(['s', 'x', 'z', 'y', 'e', 'u', 'i']) && !word.ends_with("ch") && !word.ends_with("sh"));
            proptest::prop_assume!(!word.ends_with("ing") && !word.ends_with("ed"));
            proptest::prop_assert_eq!(stem(&format!("{word}s")), stem(&word));
        }

        #[test]
        fn edit_distance_is_symmetric_and_bounded(a in "[a-z]{0,9}", b in "[a-z]{0,9}") {
            let d = edit_distance_within(&a, &b, 20);
            proptest::prop_assert_eq!(d, edit_distance_within(&b, &a, 20));
            let d = d.unwrap();
            proptest::prop_assert!(d <= a.len().max(b.len()));
            proptest::prop_assert_eq!(d == 0, a == b);
            proptest::prop_assert_eq!(edit_distance_within(&a, &b, 1).is_some(), d <= 1);
        }
    }
}
