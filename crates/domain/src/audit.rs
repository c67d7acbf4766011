//! The tamper-evident audit chain: each entry's hash covers the previous hash and the entry.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The "previous hash" of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub detail: serde_json::Value,
}

impl AuditEntry {
    /// The canonical text that is hashed: JSON with keys sorted (serde_json's map is ordered).
    pub fn canonical(&self) -> String {
        serde_json::json!({
            "seq": self.seq,
            "at": self.at,
            "actor": self.actor,
            "action": self.action,
            "subject": self.subject,
            "detail": self.detail,
        })
        .to_string()
    }

    pub fn chain_hash(&self, previous_hash: &str) -> String {
        let mut hasher = Sha256::new();
        hasher.update(previous_hash.as_bytes());
        hasher.update(b"\n");
        hasher.update(self.canonical().as_bytes());
        hex::encode(hasher.finalize())
    }
}

/// What the audit log can be filtered by: the kind of thing an entry's action is about, the part
/// of the action before the dot (`call_off.placed` is about a call-off).
pub const ENTITIES: [(&str, &str); 8] = [
    ("approval", "Approvals"),
    ("call_off", "Call-offs"),
    ("catalogue", "Catalogue changes"),
    ("framework", "Frameworks"),
    ("headroom", "Headroom"),
    ("organisation", "Organisations"),
    ("proposal", "Proposals"),
    ("user", "People"),
];

/// A stored entry with the hash recorded when it was appended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedEntry {
    pub entry: AuditEntry,
    pub previous_hash: String,
    pub hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLink {
    pub seq: i64,
    pub reason: String,
}

/// Checks a chain one entry at a time, in order, so that any length fits in memory.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    expected_previous: String,
    expected_seq: i64,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        ChainVerifier {
            expected_previous: GENESIS_HASH.to_string(),
            expected_seq: 1,
        }
    }
}

impl ChainVerifier {
    pub fn check(&mut self, sealed: &SealedEntry) -> Result<(), BrokenLink> {
        let seq = sealed.entry.seq;
        if seq != self.expected_seq {
            return Err(BrokenLink {
                seq,
                reason: format!("expected entry {}, found {seq}", self.expected_seq),
            });
        }
        if sealed.previous_hash != self.expected_previous {
            return Err(BrokenLink {
                seq,
                reason: "its previous hash does not match the entry before it".into(),
            });
        }
        if sealed.entry.chain_hash(&sealed.previous_hash) != sealed.hash {
            return Err(BrokenLink {
                seq,
                reason: "its content does not match its hash".into(),
            });
        }
        self.expected_previous = sealed.hash.clone();
        self.expected_seq += 1;
        Ok(())
    }

    /// The hash of the last entry verified (the genesis hash before any).
    pub fn last_hash(&self) -> &str {
        &self.expected_previous
    }

    /// Entries verified so far.
    pub fn count(&self) -> u64 {
        u64::try_from(self.expected_seq - 1).unwrap_or(0)
    }
}

/// Recomputes the chain in order and names the first entry that does not match.
pub fn verify_chain(entries: impl IntoIterator<Item = SealedEntry>) -> Result<u64, BrokenLink> {
    let mut verifier = ChainVerifier::default();
    for sealed in entries {
        verifier.check(&sealed)?;
    }
    Ok(verifier.count())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<SealedEntry> {
        let mut previous = GENESIS_HASH.to_string();
        (1..=n)
            .map(|seq| {
                let entry = AuditEntry {
                    seq,
                    at: "2026-11-26T10:00:00Z".into(),
                    actor: "user-1".into(),
                    action: "call_off.placed".into(),
                    subject: format!("call-off-{seq}"),
                    detail: serde_json::json!({"value_pence": seq * 100}),
                };
                let hash = entry.chain_hash(&previous);
                let sealed = SealedEntry {
                    entry,
                    previous_hash: previous.clone(),
                    hash: hash.clone(),
                };
                previous = hash;
                sealed
            })
            .collect()
    }

    #[test]
    fn an_intact_chain_verifies() {
        assert_eq!(verify_chain(chain(5)), Ok(5));
    }

    #[test]
    fn tampering_names_the_entry() {
        let mut entries = chain(5);
        entries[2].entry.detail = serde_json::json!({"value_pence": 1});
        assert_eq!(verify_chain(entries).unwrap_err().seq, 3);

        let mut entries = chain(5);
        entries.remove(3);
        assert_eq!(verify_chain(entries).unwrap_err().seq, 5);
    }
}
