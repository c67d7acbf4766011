//! Reading and verifying the audit chain.

use crate::{Actor, App, AppResult};
use calloff_domain::audit::{BrokenLink, ChainVerifier, SealedEntry};
use calloff_domain::ids::CallOffId;
use calloff_store::audit;

/// Entries read per query while verifying, so memory stays flat however long the chain.
const VERIFY_BATCH: i64 = 5_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainReport {
    Intact { entries: u64 },
    Broken(BrokenLink),
}

/// Recomputes every hash from the first entry and names the first entry that does not match.
pub async fn verify(app: &App) -> AppResult<ChainReport> {
    let mut conn = app.db.pool().acquire().await?;
    // The head first: entries appended while we verify are beyond it and left for next time.
    let (head_seq, head_hash) = audit::head(&mut conn).await?;
    let mut verifier = ChainVerifier::default();
    let mut after = 0;
    while after < head_seq {
        let batch = audit::entries_after(&mut conn, after, VERIFY_BATCH.min(head_seq - after)).await?;
        let Some(last) = batch.last() else { break };
        after = last.entry.seq;
        for sealed in &batch {
            if let Err(broken) = verifier.check(sealed) {
                return Ok(ChainReport::Broken(broken));
            }
        }
    }
    // Entries removed from the end leave a valid but shorter chain: the head still remembers.
    let count = verifier.count();
    if u64::try_from(head_seq).ok() != Some(count) || head_hash != verifier.last_hash() {
        return Ok(ChainReport::Broken(BrokenLink {
            seq: i64::try_from(count).unwrap_or(i64::MAX).saturating_add(1),
            reason: format!("the chain's head records {head_seq} entries but {count} verify"),
        }));
    }
    Ok(ChainReport::Intact { entries: count })
}

/// The audit history of one call-off, oldest first, for those who may see the call-off.
pub async fn call_off_history(app: &App, actor: &Actor, id: &CallOffId) -> AppResult<Vec<SealedEntry>> {
    crate::call_offs::get(app, actor, id).await?;
    let mut conn = app.db.pool().acquire().await?;
    Ok(audit::entries_for_subject(&mut conn, id.as_str()).await?)
}
