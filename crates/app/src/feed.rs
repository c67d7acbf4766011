//! The change feed for integrators (issue 12, ADR 0018): every change to call-offs, invoices
//! and credit notes, catalogue items and frameworks that the reader may see, in commit order,
//! read from the audit chain. An event's position is its audit entry's `seq`, which writers take
//! under the chain's head and hold until they commit, so positions follow commit order and a
//! reader who continues from a cursor never skips a change that committed late.

use crate::{Actor, App, AppError, AppResult};
use calloff_domain::ids::{CallOffId, FrameworkId, OrganisationId};
use calloff_domain::standing::Standing;
use calloff_store::feed::{self, FeedEntry};
use calloff_store::{call_offs, frameworks, Conn};
use std::collections::HashMap;

/// Most events a page holds. An audit entry's events stay on one page, so a page may hold more
/// when one entry changed many catalogue items at once.
pub const PAGE_SIZE: usize = 100;
/// Most audit entries one read examines: a reader who may see few of them still gets an answer
/// (and a cursor past what it may not see) in bounded time.
pub const SCAN_ENTRIES: i64 = 1_000;

/// One change, as the feed publishes it.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedEvent {
    /// Stable across reads: the audit entry's position, and the event's place within it.
    pub id: String,
    /// The cursor that continues after this event.
    pub position: i64,
    /// What happened, as the audit chain names it (`call_off.placed`, `invoice.approved`, …).
    pub kind: String,
    /// `call_off`, `invoice`, `credit_note`, `catalogue_item`, `framework` or `catalogue`.
    pub entity_type: &'static str,
    pub entity_id: String,
    /// When it happened (RFC 3339 UTC).
    pub at: String,
    /// The API address of the resource, where it has one.
    pub link: Option<String>,
    /// A few facts of the change; the resource has the rest.
    pub payload: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FeedPage {
    pub events: Vec<FeedEvent>,
    /// Pass as `after` to continue; the same cursor when nothing new has committed.
    pub next: i64,
    /// Whether more entries wait after `next` (read again at once rather than wait).
    pub more: bool,
}

/// Members of an entry's detail that the feed repeats, per entity. Others (approval requests,
/// dispute reasons, headroom moved) are the business of fewer people, or of the audit log.
const CALL_OFF_FACTS: [&str; 7] = [
    "reference",
    "contract_value_pence",
    "previous_value_pence",
    "new_value_pence",
    "number",
    "name",
    "done_on",
];
const INVOICE_FACTS: [&str; 6] = ["number", "call_off_id", "net_pence", "vat_pence", "status", "to"];
const FRAMEWORK_FACTS: [&str; 2] = ["reference", "maximum_value_pence"];

/// The page of changes after `after` that `actor` may see. `after` is 0, or the `next` of an
/// earlier page.
pub async fn read(app: &App, actor: &Actor, after: i64) -> AppResult<FeedPage> {
    if after < 0 {
        return Err(AppError::invalid(
            "after",
            "must be a cursor this feed gave, or 0 to start",
        ));
    }
    let mut conn = app.db.pool().acquire().await?;
    let entries = feed::entries_after(&mut conn, after, SCAN_ENTRIES).await?;
    let scanned_all = i64::try_from(entries.len()).unwrap_or(i64::MAX) < SCAN_ENTRIES;
    let mut judge = Judge {
        actor,
        call_offs: HashMap::new(),
        invoices: HashMap::new(),
        authorities: HashMap::new(),
    };
    let mut events = Vec::new();
    let mut next = after;
    let mut stopped_early = false;
    for entry in &entries {
        let of_entry = judge.events_of(&mut conn, entry).await?;
        if !events.is_empty() && events.len() + of_entry.len() > PAGE_SIZE {
            stopped_early = true;
            break;
        }
        events.extend(of_entry);
        next = entry.seq;
    }
    Ok(FeedPage {
        events,
        next,
        more: stopped_early || !scanned_all,
    })
}

/// Decides, entry by entry, what the actor sees, remembering the call-offs it has judged.
struct Judge<'a> {
    actor: &'a Actor,
    /// The actor's standing towards each call-off met, and whether it was sent to the supplier.
    call_offs: HashMap<String, Option<(Standing, bool)>>,
    invoices: HashMap<String, Option<String>>,
    /// The organisation managing each framework met.
    authorities: HashMap<FrameworkId, Option<OrganisationId>>,
}

impl Judge<'_> {
    async fn authority(&mut self, conn: &mut Conn, framework: &FrameworkId) -> AppResult<Option<OrganisationId>> {
        if let Some(known) = self.authorities.get(framework) {
            return Ok(known.clone());
        }
        let authority = frameworks::get(conn, framework).await?.map(|r| r.framework.authority);
        self.authorities.insert(framework.clone(), authority.clone());
        Ok(authority)
    }

    async fn standing(&mut self, conn: &mut Conn, id: &str) -> AppResult<Option<(Standing, bool)>> {
        if let Some(known) = self.call_offs.get(id) {
            return Ok(*known);
        }
        let standing = match call_offs::get(conn, &CallOffId::from_stored(id)).await? {
            Some(call_off) => match self.authority(conn, &call_off.framework_id).await? {
                Some(authority) => Standing::of(&self.actor.organisation_id, &self.actor.roles, &call_off, &authority)
                    .map(|s| (s, call_off.sent_to_supplier)),
                None => None,
            },
            None => None,
        };
        self.call_offs.insert(id.to_string(), standing);
        Ok(standing)
    }

    async fn events_of(&mut self, conn: &mut Conn, entry: &FeedEntry) -> AppResult<Vec<FeedEvent>> {
        let action = entry.action.as_str();
        let event = |n: usize, entity_type: &'static str, entity_id: &str, link: Option<String>, payload| FeedEvent {
            id: format!("{}-{n}", entry.seq),
            position: entry.seq,
            kind: entry.action.clone(),
            entity_type,
            entity_id: entity_id.to_string(),
            at: entry.at.clone(),
            link,
            payload,
        };
        if action.starts_with("call_off.") {
            let seen = self
                .standing(conn, &entry.subject)
                .await?
                .is_some_and(|(standing, sent)| standing.sees_change(action, sent));
            return Ok(seen
                .then(|| {
                    let link = format!("/api/v1/call-offs/{}", entry.subject);
                    event(
                        0,
                        "call_off",
                        &entry.subject,
                        Some(link),
                        facts(&entry.detail, &CALL_OFF_FACTS),
                    )
                })
                .into_iter()
                .collect());
        }
        if let Some(entity_type) = [("invoice.", "invoice"), ("credit_note.", "credit_note")]
            .iter()
            .find(|(prefix, _)| action.starts_with(prefix))
            .map(|(_, t)| *t)
        {
            let call_off = match self.invoices.get(&entry.subject) {
                Some(known) => known.clone(),
                None => {
                    let found = feed::invoice_call_off(conn, &entry.subject).await?;
                    self.invoices.insert(entry.subject.clone(), found.clone());
                    found
                }
            };
            let seen = match call_off {
                // Invoices exist only for placed call-offs: whoever stands towards it sees them.
                Some(call_off) => self.standing(conn, &call_off).await?.is_some(),
                None => false,
            };
            return Ok(seen
                .then(|| {
                    let link = format!("/api/v1/invoices/{}", entry.subject);
                    event(
                        0,
                        entity_type,
                        &entry.subject,
                        Some(link),
                        facts(&entry.detail, &INVOICE_FACTS),
                    )
                })
                .into_iter()
                .collect());
        }
        // The catalogue and frameworks are open to every signed-in reader
        // (`FrameworkStanding::reads_framework`).
        if action.starts_with("framework.") {
            let link = format!("/api/v1/frameworks/{}", entry.subject);
            return Ok(vec![event(
                0,
                "framework",
                &entry.subject,
                Some(link),
                facts(&entry.detail, &FRAMEWORK_FACTS),
            )]);
        }
        if action == "catalogue.demand_bands_set" {
            let link = format!("/api/v1/items/{}", entry.subject);
            return Ok(vec![event(
                0,
                "catalogue_item",
                &entry.subject,
                Some(link),
                facts(&entry.detail, &["sku"]),
            )]);
        }
        // `catalogue.changes_applied`: one event per item changed. Entries written before they
        // named their items give one event for the catalogue as a whole.
        let Some(items) = entry.detail.get("items").and_then(|i| i.as_array()) else {
            return Ok(vec![event(
                0,
                "catalogue",
                &entry.subject,
                None,
                facts(&entry.detail, &["changes"]),
            )]);
        };
        let mut events = Vec::with_capacity(items.len());
        for (n, item) in items.iter().enumerate() {
            let text = |key: &str| item.get(key).and_then(|v| v.as_str()).unwrap_or_default().to_string();
            let (framework, sku) = (text("framework_id"), text("sku"));
            let id = feed::item_id(conn, &framework, &sku).await?;
            let link = id.as_ref().map(|id| format!("/api/v1/items/{id}"));
            events.push(event(
                n,
                "catalogue_item",
                id.as_deref().unwrap_or(&sku),
                link,
                serde_json::json!({ "framework_id": framework, "sku": sku, "change": text("change") }),
            ));
        }
        Ok(events)
    }
}

/// The named members of an entry's detail.
fn facts(detail: &serde_json::Value, keys: &[&str]) -> serde_json::Value {
    let mut facts = serde_json::Map::new();
    for key in keys {
        if let Some(value) = detail.get(*key) {
            facts.insert((*key).to_string(), value.clone());
        }
    }
    serde_json::Value::Object(facts)
}
