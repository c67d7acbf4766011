//! Reading and verifying the audit chain.

use crate::{Actor, App, AppResult};
use calloff_domain::audit::{BrokenLink, ChainVerifier, SealedEntry};
use calloff_domain::ids::CallOffId;
use calloff_store::audit;

/// Entries read per query while verifying, so memory stays flat however long the chain.
const VERIFY_BATCH: i64 = 5_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainReport {
    Intact {
        entries: u64,
    },
    Broken(BrokenLink),
    /// The chain is intact, but a business row no longer says what the chain recorded: it was
    /// edited behind the application's back.
    RowDisagrees {
        row: String,
        reason: String,
    },
}

/// The contract value an audit entry records for its call-off, if it records one: on placing,
/// submitting and resubmitting, after each variation, and on ending early.
fn recorded_value(action: &str, detail: &serde_json::Value) -> Option<i64> {
    match action {
        "call_off.placed" | "call_off.submitted" => detail["contract_value_pence"].as_i64(),
        // An early end records the value due to the day it ends; a plain end records none.
        "call_off.varied" | "call_off.ended" => detail["new_value_pence"].as_i64(),
        _ => None,
    }
}

/// Recomputes every hash from the first entry and names the first entry that does not match.
pub async fn verify(app: &App) -> AppResult<ChainReport> {
    let mut conn = app.db.pool().acquire().await?;
    // The head first: entries appended while we verify are beyond it and left for next time.
    let (head_seq, head_hash) = audit::head(&mut conn).await?;
    let mut verifier = ChainVerifier::default();
    // What the chain last recorded of each call-off's value, and what it says moved each
    // framework's and lot's committed value.
    let mut values: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
    let mut committed = CommittedByChain::default();
    let mut after = 0;
    while after < head_seq {
        let batch = audit::entries_after(&mut conn, after, VERIFY_BATCH.min(head_seq - after)).await?;
        let Some(last) = batch.last() else { break };
        after = last.entry.seq;
        for sealed in &batch {
            if let Err(broken) = verifier.check(sealed) {
                return Ok(ChainReport::Broken(broken));
            }
            if let Some(value) = recorded_value(&sealed.entry.action, &sealed.entry.detail) {
                values.insert(sealed.entry.subject.clone(), value);
            }
            for moved in sealed.entry.detail[audit::HEADROOM_MOVED_MEMBER]
                .as_array()
                .into_iter()
                .flatten()
            {
                committed.add(moved);
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
    if let Some(disagreement) = rows_disagreeing(&mut conn, &values).await? {
        return Ok(disagreement);
    }
    if let Some(disagreement) = committed.first_disagreement(&mut conn).await? {
        return Ok(disagreement);
    }
    Ok(ChainReport::Intact { entries: count })
}

/// Framework and lot committed values as the chain sums them: every framework and lot starts at
/// nothing, and each transaction that moved headroom recorded by how much, in the
/// `headroom_moved` member of its entries.
#[derive(Default)]
struct CommittedByChain {
    frameworks: std::collections::HashMap<String, i64>,
    lots: std::collections::HashMap<(String, u32), i64>,
}

impl CommittedByChain {
    fn add(&mut self, moved: &serde_json::Value) {
        let framework = moved["framework_id"].as_str().unwrap_or_default();
        let pence = moved["committed_change_pence"].as_i64().unwrap_or_default();
        *self.frameworks.entry(framework.to_string()).or_default() += pence;
        for lot in moved["lots"].as_array().into_iter().flatten() {
            let (Some(number), Some(pence)) = (
                lot["lot"].as_u64().and_then(|n| u32::try_from(n).ok()),
                lot["committed_change_pence"].as_i64(),
            ) else {
                continue;
            };
            *self.lots.entry((framework.to_string(), number)).or_default() += pence;
        }
    }

    /// The first framework, then the first lot, whose committed value is not what the chain
    /// sums to.
    async fn first_disagreement(&self, conn: &mut calloff_store::Conn) -> AppResult<Option<ChainReport>> {
        let rows = calloff_store::frameworks::committed_values(conn).await?;
        for (id, reference, pence) in &rows.frameworks {
            let expected = self.frameworks.get(id).copied().unwrap_or_default();
            if expected != *pence {
                return Ok(Some(ChainReport::RowDisagrees {
                    row: format!("frameworks {reference} ({id})"),
                    reason: format!(
                        "committed_value is {pence} pence, but the audit chain's headroom changes sum to {expected}"
                    ),
                }));
            }
        }
        for (framework, lot, pence) in &rows.lots {
            let expected = self.lots.get(&(framework.clone(), *lot)).copied().unwrap_or_default();
            if expected != *pence {
                return Ok(Some(ChainReport::RowDisagrees {
                    row: format!("lots {lot} of framework {framework}"),
                    reason: format!(
                        "committed_value is {pence} pence, but the audit chain's headroom changes sum to {expected}"
                    ),
                }));
            }
        }
        Ok(None)
    }
}

/// The first call-off (by id) whose value is not what the chain last recorded for it.
async fn rows_disagreeing(
    conn: &mut calloff_store::Conn,
    recorded: &std::collections::HashMap<String, i64>,
) -> AppResult<Option<ChainReport>> {
    let mut after = String::new();
    loop {
        let batch = calloff_store::call_offs::values_after(conn, &after, VERIFY_BATCH).await?;
        let Some((last, ..)) = batch.last() else {
            return Ok(None);
        };
        after = last.clone();
        for (id, reference, value) in &batch {
            let row = format!("call_offs {reference} ({id})");
            match recorded.get(id) {
                None => {
                    return Ok(Some(ChainReport::RowDisagrees {
                        row,
                        reason: "the audit chain has no record of this call-off".into(),
                    }))
                }
                Some(expected) if expected != value => {
                    return Ok(Some(ChainReport::RowDisagrees {
                        row,
                        reason: format!(
                            "contract_value is {value} pence, but the audit chain last recorded {expected}"
                        ),
                    }))
                }
                Some(_) => {}
            }
        }
    }
}

/// The audit history of one call-off, oldest first, for those who may see the call-off.
pub async fn call_off_history(app: &App, actor: &Actor, id: &CallOffId) -> AppResult<Vec<SealedEntry>> {
    crate::call_offs::get(app, actor, id).await?;
    let mut conn = app.db.pool().acquire().await?;
    Ok(audit::entries_for_subject(&mut conn, id.as_str()).await?)
}
