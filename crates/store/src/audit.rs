//! Appending to and reading the audit chain.

use crate::{Conn, StoreResult};
use calloff_domain::audit::{AuditEntry, SealedEntry};
use sqlx::Row;

crate::statements! {
    // A no-op update: it locks the head row (PostgreSQL) or needs the write lock (SQLite).
    CLAIM_HEAD = "UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash";
    SET_HEAD = "UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1";
    INSERT_ENTRY = "INSERT INTO audit_entries (seq, at, actor, action, subject, detail, previous_hash, hash) \
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    ENTRIES_AFTER = "SELECT seq, at, actor, action, subject, detail, previous_hash, hash \
                     FROM audit_entries WHERE seq > $1 ORDER BY seq LIMIT $2";
    HEAD = "SELECT seq, hash FROM audit_head WHERE id = 1";
    ENTRIES_FOR_SUBJECT = "SELECT seq, at, actor, action, subject, detail, previous_hash, hash \
                           FROM audit_entries WHERE subject = $1 ORDER BY seq";
}

/// The chain's head, claimed for the rest of a transaction. Claim it first in every write
/// transaction: that serialises writers in one order on both databases.
#[derive(Debug)]
pub struct ChainHead {
    last_seq: i64,
    last_hash: String,
    appended: bool,
    /// When and by whom the last entry was appended, for the headroom entries sealing adds.
    last_at_and_actor: Option<(String, String)>,
    /// What this transaction added to (or took from) each framework's committed value, and to
    /// each of its lots', recorded in the chain when it is sealed.
    headroom_moved: std::collections::BTreeMap<String, HeadroomMoved>,
}

/// The action of an entry recording headroom moved after a transaction's last other entry.
pub const HEADROOM_MOVED: &str = "headroom.moved";
/// The member of an entry's detail listing the headroom moved in its transaction since the
/// entry before: per framework, the change to its committed value and to each lot's.
pub const HEADROOM_MOVED_MEMBER: &str = "headroom_moved";

#[derive(Debug, Default)]
struct HeadroomMoved {
    framework_pence: i64,
    lots: std::collections::BTreeMap<u32, i64>,
}

impl ChainHead {
    pub async fn claim(conn: &mut Conn) -> StoreResult<ChainHead> {
        let row = sqlx::query(CLAIM_HEAD).fetch_one(&mut *conn).await?;
        Ok(ChainHead {
            last_seq: row.try_get("seq")?,
            last_hash: row.try_get("hash")?,
            appended: false,
            last_at_and_actor: None,
            headroom_moved: std::collections::BTreeMap::new(),
        })
    }

    /// The sequence number the next entry will take: a commit-ordered sequence, since the head
    /// stays claimed until the transaction ends.
    pub fn next_seq(&self) -> i64 {
        self.last_seq + 1
    }

    pub async fn append(
        &mut self,
        conn: &mut Conn,
        at: &str,
        actor: &str,
        action: &str,
        subject: &str,
        mut detail: serde_json::Value,
    ) -> StoreResult<i64> {
        // Headroom moved before this entry is recorded in it, so that placing costs no extra entry.
        if let Some(moved) = self.take_headroom_moved() {
            if !detail.is_object() {
                detail = serde_json::json!({ "detail": detail });
            }
            if let Some(members) = detail.as_object_mut() {
                members.insert(HEADROOM_MOVED_MEMBER.into(), moved);
            }
        }
        let entry = AuditEntry {
            seq: self.next_seq(),
            at: at.to_string(),
            actor: actor.to_string(),
            action: action.to_string(),
            subject: subject.to_string(),
            detail,
        };
        let hash = entry.chain_hash(&self.last_hash);
        sqlx::query(INSERT_ENTRY)
            .bind(entry.seq)
            .bind(&entry.at)
            .bind(&entry.actor)
            .bind(&entry.action)
            .bind(&entry.subject)
            .bind(entry.detail.to_string())
            .bind(&self.last_hash)
            .bind(&hash)
            .execute(&mut *conn)
            .await?;
        self.last_seq = entry.seq;
        self.last_hash = hash;
        self.appended = true;
        self.last_at_and_actor = Some((entry.at, entry.actor));
        Ok(entry.seq)
    }

    /// Notes a change to a framework's committed value (`lot: None`) or a lot's, made in this
    /// transaction. The next entry appended records it (or, if none follows, [`Self::seal`]
    /// appends one), so that `audit verify` can tell the committed values in the tables from
    /// edits made behind the app's back.
    pub(crate) fn headroom_moved(&mut self, framework: &str, lot: Option<u32>, pence: i64) {
        let moved = self.headroom_moved.entry(framework.to_string()).or_default();
        match lot {
            None => moved.framework_pence += pence,
            Some(lot) => *moved.lots.entry(lot).or_default() += pence,
        }
    }

    /// The headroom moves noted and not yet recorded, as an entry's `headroom_moved` member.
    fn take_headroom_moved(&mut self) -> Option<serde_json::Value> {
        if self.headroom_moved.is_empty() {
            return None;
        }
        let moved: Vec<serde_json::Value> = std::mem::take(&mut self.headroom_moved)
            .into_iter()
            .map(|(framework, change)| {
                let lots: Vec<serde_json::Value> = change
                    .lots
                    .iter()
                    .map(|(lot, pence)| serde_json::json!({ "lot": lot, "committed_change_pence": pence }))
                    .collect();
                serde_json::json!({ "framework_id": framework, "committed_change_pence": change.framework_pence, "lots": lots })
            })
            .collect();
        Some(serde_json::Value::Array(moved))
    }

    /// Records the new head, after an entry for headroom moved since the last entry appended.
    /// Call once, after the last append, before committing.
    pub async fn seal(mut self, conn: &mut Conn) -> StoreResult<()> {
        if let Some(framework) = self.headroom_moved.keys().next().cloned() {
            let Some((at, actor)) = self.last_at_and_actor.clone() else {
                return Err(crate::StoreError::corrupt(
                    "headroom moved in a transaction that recorded nothing",
                ));
            };
            self.append(conn, &at, &actor, HEADROOM_MOVED, &framework, serde_json::json!({}))
                .await?;
        }
        if self.appended {
            sqlx::query(SET_HEAD)
                .bind(self.last_seq)
                .bind(&self.last_hash)
                .execute(&mut *conn)
                .await?;
        }
        Ok(())
    }
}

fn sealed_from_row(row: &sqlx::any::AnyRow) -> StoreResult<SealedEntry> {
    let detail: String = row.try_get("detail")?;
    Ok(SealedEntry {
        entry: AuditEntry {
            seq: row.try_get("seq")?,
            at: row.try_get("at")?,
            actor: row.try_get("actor")?,
            action: row.try_get("action")?,
            subject: row.try_get("subject")?,
            // Text that is not JSON (say, after tampering) is kept as a string, so that
            // verification reports the entry's hash mismatch rather than failing to read.
            detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::String(detail)),
        },
        previous_hash: row.try_get("previous_hash")?,
        hash: row.try_get("hash")?,
    })
}

/// A page of entries after `after_seq`, in chain order.
pub async fn entries_after(conn: &mut Conn, after_seq: i64, limit: i64) -> StoreResult<Vec<SealedEntry>> {
    let rows = sqlx::query(ENTRIES_AFTER)
        .bind(after_seq)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(sealed_from_row).collect()
}

pub async fn entries_for_subject(conn: &mut Conn, subject: &str) -> StoreResult<Vec<SealedEntry>> {
    let rows = sqlx::query(ENTRIES_FOR_SUBJECT)
        .bind(subject)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(sealed_from_row).collect()
}

/// The sequence number and hash of the chain's last entry, as the head records them.
pub async fn head(conn: &mut Conn) -> StoreResult<(i64, String)> {
    let row = sqlx::query(HEAD).fetch_one(&mut *conn).await?;
    Ok((row.try_get("seq")?, row.try_get("hash")?))
}
