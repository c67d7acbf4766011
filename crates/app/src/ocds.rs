//! Open data (ADR 0017): every framework and placed call-off as OCDS 1.1.5 releases, read by
//! anyone; and the fields a framework's manager withholds as commercially confidential. The
//! releases are shaped by `calloff_interop::ocds`; this module reads the facts in pages.

use crate::{Actor, App, AppError, AppResult};
use calloff_domain::catalogue::Unit;
use calloff_domain::ids::{CallOffId, FrameworkId, OrganisationId};
use calloff_domain::FieldError;
use calloff_interop::ocds::{
    self as shape, CallOffFacts, EarlyEndFacts, FrameworkFacts, InvoiceFacts, LineFacts, LotFacts, PackageHead,
    PackageWriter, PartyFacts, UkNotice, VariationFacts, Withheld, WithheldField,
};
use calloff_store::audit::ChainHead;
use calloff_store::ocds::{self as store, PlacingCursor, PublishedCallOff};
use calloff_store::{frameworks, organisations, with_retries, Conn};
use serde_json::Value;
use std::collections::HashMap;
use std::io::Write;

/// Most call-offs per page of the releases endpoint, and the default: each brings a few releases
/// (dozens with a year of invoices).
pub const PAGE_CALL_OFFS: i64 = 100;

/// Call-offs read at once while exporting: enough to amortise each batch's queries, few enough
/// that memory stays flat however many call-offs there are.
pub const EXPORT_BATCH: i64 = 2_000;

/// Longest reason a manager may give for withholding a field.
pub const MAX_REASON_LEN: usize = 500;

/// Who the packages name as publisher.
pub const PUBLISHER: &str = "calloff";

/// What the releases need besides the call-offs, read once and kept while a package is built:
/// frameworks, organisations as parties, and what each framework withholds.
#[derive(Default)]
struct Facts {
    frameworks: HashMap<String, FrameworkFacts>,
    parties: HashMap<String, PartyFacts>,
    withheld: HashMap<String, Withheld>,
}

impl Facts {
    async fn party(&mut self, conn: &mut Conn, id: &str) -> AppResult<PartyFacts> {
        if let Some(p) = self.parties.get(id) {
            return Ok(p.clone());
        }
        let org = organisations::get(conn, &OrganisationId::from_stored(id.to_string()))
            .await?
            .ok_or_else(|| AppError::NotFound("organisation".into()))?;
        let party = PartyFacts {
            id: org.id.as_str().to_string(),
            name: org.name.clone(),
            identifiers: org
                .identifiers
                .iter()
                .map(|i| (i.scheme().to_string(), i.value().to_string()))
                .collect(),
        };
        self.parties.insert(id.to_string(), party.clone());
        Ok(party)
    }

    async fn framework(&mut self, conn: &mut Conn, id: &FrameworkId) -> AppResult<FrameworkFacts> {
        if let Some(f) = self.frameworks.get(id.as_str()) {
            return Ok(f.clone());
        }
        let record = crate::frameworks::record(conn, id).await?;
        let f = &record.framework;
        let authority = self.party(conn, f.authority.as_str()).await?;
        let mut suppliers = Vec::new();
        for s in &f.suppliers {
            suppliers.push(self.party(conn, s.as_str()).await?);
        }
        let register = frameworks::register(conn, id).await?;
        let mut kinds: Vec<&str> = register.kinds.iter().map(|k| k.label()).collect();
        kinds.dedup();
        let buyer_categories = if kinds.is_empty() {
            "The public bodies named on the framework's eligibility register".to_string()
        } else {
            format!(
                "Eligible kinds of body: {}; and the bodies named on the framework's eligibility register",
                kinds.join(", ")
            )
        };
        let facts = FrameworkFacts {
            id: f.id.as_str().to_string(),
            reference: f.reference.clone(),
            title: f.title.clone(),
            authority,
            suppliers,
            lots: f
                .lots
                .iter()
                .map(|l| LotFacts {
                    number: l.number,
                    title: l.title.clone(),
                    ceiling: l.ceiling,
                })
                .collect(),
            ceiling: f.maximum_value,
            start_date: f.term.start.to_string(),
            end_date: f.term.end.to_string(),
            buyer_categories,
            created_at: store::framework_created_at(conn, id).await?,
        };
        self.frameworks.insert(id.as_str().to_string(), facts.clone());
        Ok(facts)
    }

    async fn withheld(&mut self, conn: &mut Conn, id: &FrameworkId) -> AppResult<Withheld> {
        if let Some(w) = self.withheld.get(id.as_str()) {
            return Ok(w.clone());
        }
        let w = read_withheld(conn, id).await?;
        self.withheld.insert(id.as_str().to_string(), w.clone());
        Ok(w)
    }

    async fn call_off_releases(&mut self, app: &App, conn: &mut Conn, c: PublishedCallOff) -> AppResult<Vec<Value>> {
        let (framework, facts, withheld) = self.call_off(conn, c).await?;
        Ok(shape::call_off_releases(
            app.ocid_prefix(),
            &framework,
            &facts,
            &withheld,
        ))
    }

    /// A placed call-off's facts, with its framework's and what the framework withholds.
    async fn call_off(
        &mut self,
        conn: &mut Conn,
        c: PublishedCallOff,
    ) -> AppResult<(FrameworkFacts, CallOffFacts, Withheld)> {
        let framework = self.framework(conn, &c.framework_id).await?;
        let withheld = self.withheld(conn, &c.framework_id).await?;
        let facts = CallOffFacts {
            id: c.id.as_str().to_string(),
            reference: c.reference,
            title: c.title,
            buyer: self.party(conn, &c.buyer_id).await?,
            supplier: self.party(conn, &c.supplier_id).await?,
            closed_at: matches!(c.state.as_str(), "rejected" | "cancelled" | "ended").then_some(c.updated_at),
            state: c.state,
            placed_at: c.placed_at,
            accepted_at: c.accepted_at,
            reason: c.reason,
            starts_on: c.starts_on,
            live_on: c.live_on,
            ends_on: c.ends_on,
            contract_value: c.contract_value,
            lines: c
                .lines
                .into_iter()
                .map(|l| {
                    Ok(LineFacts {
                        number: narrow(l.number, "line_number")?,
                        lot: narrow(l.lot, "lot_number")?,
                        sku: l.sku,
                        name: l.name,
                        unit: Unit::parse(&l.unit).map(|u| u.label().to_string()).unwrap_or(l.unit),
                        unit_price_micros: l.unit_price_micros,
                        cpv: l.cpv,
                        quantity: narrow(l.quantity, "quantity")?,
                        term_months: narrow(l.term_months, "term_months")?,
                    })
                })
                .collect::<AppResult<_>>()?,
            variations: c
                .variations
                .into_iter()
                .map(|v| {
                    Ok(VariationFacts {
                        number: narrow(v.number, "variation number")?,
                        previous_value: v.previous_value,
                        new_value: v.new_value,
                        original_value: v.original_value,
                        over_limit: v.over_limit,
                        varied_at: v.varied_at,
                        reason: v.reason,
                        lines: line_facts(&v.lines_json)?,
                        previous_lines: v.previous_lines_json.as_deref().map(line_facts).transpose()?,
                    })
                })
                .collect::<AppResult<_>>()?,
            invoices: c
                .invoices
                .into_iter()
                .map(|i| InvoiceFacts {
                    id: i.id,
                    number: i.number,
                    credit_note: i.credit_note,
                    issue_date: i.issue_date,
                    net_value: i.net_value,
                    received_at: i.received_at,
                })
                .collect(),
            early_end: c.early_end.map(|e| EarlyEndFacts {
                ends_on: e.ends_on,
                previous_value: e.previous_value,
                value: e.value,
                ended_at: e.ended_at,
            }),
        };
        Ok((framework, facts, withheld))
    }

    /// The release of every framework that is not a draft.
    async fn framework_releases(&mut self, app: &App, conn: &mut Conn) -> AppResult<Vec<Value>> {
        let mut out = Vec::new();
        for record in frameworks::all(conn).await? {
            if record.framework.status.as_str() == "draft" {
                continue;
            }
            let f = self.framework(conn, &record.framework.id).await?;
            out.push(shape::framework_release(app.ocid_prefix(), &f));
        }
        Ok(out)
    }
}

/// A variation's stored lines (priced lines as JSON) as the releases list them.
fn line_facts(json: &str) -> AppResult<Vec<LineFacts>> {
    let lines: Vec<calloff_domain::call_off::PricedLine> = serde_json::from_str(json)
        .map_err(|e| calloff_store::StoreError::corrupt(format!("a variation's stored lines: {e}")))?;
    Ok(lines
        .into_iter()
        .enumerate()
        .map(|(i, l)| LineFacts {
            number: u32::try_from(i + 1).unwrap_or(u32::MAX),
            lot: l.lot_number,
            sku: l.sku.to_string(),
            name: l.name,
            unit: l.unit.label().to_string(),
            unit_price_micros: l.unit_price.micros(),
            cpv: l.cpv.as_str().to_string(),
            quantity: u64::from(l.quantity.get()),
            term_months: l.term_months.get(),
        })
        .collect())
}

fn narrow<T: TryFrom<i64>>(value: i64, what: &str) -> AppResult<T> {
    T::try_from(value).map_err(|_| {
        AppError::from(calloff_store::StoreError::corrupt(format!(
            "{what} holds {value}, out of range"
        )))
    })
}

pub(crate) async fn read_withheld(conn: &mut Conn, id: &FrameworkId) -> AppResult<Withheld> {
    let mut fields = Vec::new();
    for (field, reason) in store::withheld(conn, id).await? {
        let field = WithheldField::parse(&field).map_err(|e| calloff_store::StoreError::corrupt(e.message))?;
        fields.push((field, reason));
    }
    Ok(Withheld(fields))
}

/// A page of releases: the releases and the cursor of the next page, if there may be more.
#[derive(Debug, Clone)]
pub struct ReleasePage {
    pub releases: Vec<Value>,
    pub next_cursor: Option<String>,
}

/// The cursor after `c`: opaque to clients (hex of the placing time and id).
fn cursor_after(c: &PublishedCallOff) -> String {
    hex::encode(format!("{}|{}", c.placed_at, c.id.as_str()))
}

fn read_cursor(cursor: &str) -> AppResult<PlacingCursor> {
    let bad = || {
        AppError::invalid(
            "cursor",
            "The cursor is not one this service gave; start again without it",
        )
    };
    let bytes = hex::decode(cursor.trim()).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let (placed_at, id) = text.split_once('|').ok_or_else(bad)?;
    if !calloff_domain::ids::is_id(id) {
        return Err(bad());
    }
    Ok(PlacingCursor {
        placed_at: placed_at.to_string(),
        id: id.to_string(),
    })
}

/// A page of the release package: without a cursor, the frameworks' releases first and then the
/// first call-offs'; each page the releases of up to `limit` call-offs (at most [`PAGE_CALL_OFFS`]), in the order
/// they were placed (newest last), each call-off's releases in the order of its events.
pub async fn releases(app: &App, cursor: Option<&str>, limit: Option<i64>) -> AppResult<ReleasePage> {
    let after = cursor.map(read_cursor).transpose()?;
    let limit = limit.unwrap_or(PAGE_CALL_OFFS);
    if !(1..=PAGE_CALL_OFFS).contains(&limit) {
        return Err(AppError::invalid(
            "limit",
            format!("Ask for 1 to {PAGE_CALL_OFFS} call-offs a page"),
        ));
    }
    let mut conn = app.db.pool().acquire().await?;
    let mut facts = Facts::default();
    let mut releases = if after.is_none() {
        facts.framework_releases(app, &mut conn).await?
    } else {
        Vec::new()
    };
    let call_offs = store::page(&mut conn, after.as_ref(), limit).await?;
    let full = i64::try_from(call_offs.len()).unwrap_or(i64::MAX) == limit;
    let next_cursor = if full { call_offs.last().map(cursor_after) } else { None };
    for c in call_offs {
        releases.extend(facts.call_off_releases(app, &mut conn, c).await?);
    }
    Ok(ReleasePage { releases, next_cursor })
}

/// The releases of the contracting process with `ocid` (a framework or a placed call-off).
pub async fn record(app: &App, ocid: &str) -> AppResult<Vec<Value>> {
    let not_found = || AppError::NotFound("contracting process".into());
    let prefix = format!("{}-", app.ocid_prefix().as_str());
    let id = ocid.strip_prefix(&prefix).ok_or_else(not_found)?;
    if !calloff_domain::ids::is_id(id) {
        return Err(not_found());
    }
    let mut conn = app.db.pool().acquire().await?;
    let mut facts = Facts::default();
    let framework_id = FrameworkId::from_stored(id.to_string());
    if let Some(record) = frameworks::get(&mut conn, &framework_id).await? {
        if record.framework.status.as_str() == "draft" {
            return Err(not_found());
        }
        let f = facts.framework(&mut conn, &framework_id).await?;
        return Ok(vec![shape::framework_release(app.ocid_prefix(), &f)]);
    }
    let call_off = store::one(&mut conn, id).await?.ok_or_else(not_found)?;
    facts.call_off_releases(app, &mut conn, call_off).await
}

/// One notice of a placed call-off as the UK profile's release; `None` when the call-off has
/// not reached the notice's event.
pub async fn uk_notice(app: &App, call_off: &CallOffId, notice: &UkNotice) -> AppResult<Option<Value>> {
    let mut conn = app.db.pool().acquire().await?;
    let Some(c) = store::one(&mut conn, call_off.as_str()).await? else {
        return Ok(None);
    };
    let (framework, facts, withheld) = Facts::default().call_off(&mut conn, c).await?;
    Ok(shape::uk_notice_release(
        app.ocid_prefix(),
        &framework,
        &facts,
        &withheld,
        notice,
    ))
}

/// The head of a package published now at `uri`.
pub fn package_head(app: &App, uri: String) -> PackageHead {
    PackageHead {
        uri,
        published_date: app.now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        publisher: PUBLISHER.to_string(),
    }
}

/// Writes every release, frameworks first and then each placed call-off's, as one release
/// package, reading call-offs [`EXPORT_BATCH`] at a time. Returns how many releases and
/// call-offs it wrote.
pub async fn export<W: Write>(app: &App, out: W, uri: String) -> AppResult<(W, u64, u64)> {
    let unexpected =
        |e: std::io::Error| AppError::from(calloff_store::StoreError::Database(calloff_store::SqlxError::Io(e)));
    let mut writer = PackageWriter::start(out, &package_head(app, uri)).map_err(unexpected)?;
    let mut conn = app.db.pool().acquire().await?;
    let mut facts = Facts::default();
    for release in facts.framework_releases(app, &mut conn).await? {
        writer.release(&release).map_err(unexpected)?;
    }
    let mut after: Option<PlacingCursor> = None;
    let mut call_offs = 0u64;
    loop {
        let batch = store::page(&mut conn, after.as_ref(), EXPORT_BATCH).await?;
        let Some(last) = batch.last() else { break };
        after = Some(PlacingCursor {
            placed_at: last.placed_at.clone(),
            id: last.id.as_str().to_string(),
        });
        for c in batch {
            call_offs += 1;
            for release in facts.call_off_releases(app, &mut conn, c).await? {
                writer.release(&release).map_err(unexpected)?;
            }
        }
    }
    let (out, releases) = writer.finish().map_err(unexpected)?;
    Ok((out, releases, call_offs))
}

/// What a framework withholds, for its manager's page and the API.
pub async fn withheld_fields(app: &App, actor: &Actor, framework: &FrameworkId) -> AppResult<Withheld> {
    let mut conn = app.db.pool().acquire().await?;
    require_manager(&mut conn, actor, framework, "see what its open data withholds").await?;
    read_withheld(&mut conn, framework).await
}

async fn require_manager(conn: &mut Conn, actor: &Actor, framework: &FrameworkId, to: &str) -> AppResult<()> {
    let record = crate::frameworks::record(conn, framework).await?;
    let standing = crate::frameworks::standing_in(conn, actor, &record).await?;
    if standing.is_manager() {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!("only the framework's manager can {to}")))
    }
}

/// What a manager asks: withhold `field` for `reason`, or (`withhold` false) publish it again.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
pub struct Confidentiality {
    /// `unit_prices` or `call_off_values`.
    pub field: String,
    /// True to withhold the field, false to publish it again.
    pub withhold: bool,
    /// Why it is commercially confidential (needed to withhold; stated in the releases).
    #[serde(default)]
    pub reason: String,
}

impl Confidentiality {
    /// The field and the trimmed reason, or every fault at once.
    pub fn check(&self) -> Result<(WithheldField, String), Vec<FieldError>> {
        let mut errors = Vec::new();
        let field = WithheldField::parse(&self.field).map_err(|e| errors.push(e)).ok();
        let reason = self.reason.trim();
        if self.withhold && reason.is_empty() {
            errors.push(FieldError::new(
                "reason",
                "Enter why this field is commercially confidential",
            ));
        }
        if reason.chars().count() > MAX_REASON_LEN {
            errors.push(FieldError::new(
                "reason",
                format!("Reason must be {MAX_REASON_LEN} characters or fewer"),
            ));
        }
        match field {
            Some(field) if errors.is_empty() => Ok((field, reason.to_string())),
            _ => Err(errors),
        }
    }
}

/// The framework's manager withholds a field of its call-offs' releases as commercially
/// confidential, with a reason the releases state, or publishes it again. Audited.
pub async fn set_confidentiality(
    app: &App,
    actor: &Actor,
    framework: &FrameworkId,
    request: &Confidentiality,
) -> AppResult<Withheld> {
    {
        let mut conn = app.db.pool().acquire().await?;
        require_manager(&mut conn, actor, framework, "withhold fields of its open data").await?;
    }
    let (field, reason) = request.check().map_err(AppError::InvalidFields)?;
    let reason = reason.as_str();
    with_retries(|| async {
        let at = app.now_text();
        let mut tx = app.db.begin_write().await?;
        let mut head = ChainHead::claim(&mut tx).await?;
        let action = if request.withhold {
            store::withhold(&mut tx, framework, field.as_str(), reason, &actor.user_id, &at).await?;
            "framework.ocds_field_withheld"
        } else {
            store::unwithhold(&mut tx, framework, field.as_str()).await?;
            "framework.ocds_field_published"
        };
        head.append(
            &mut tx,
            &at,
            actor.user_id.as_str(),
            action,
            framework.as_str(),
            serde_json::json!({ "field": field.as_str(), "reason": request.withhold.then_some(reason) }),
        )
        .await?;
        head.seal(&mut tx).await?;
        tx.commit().await?;
        Ok::<(), AppError>(())
    })
    .await?;
    let mut conn = app.db.pool().acquire().await?;
    read_withheld(&mut conn, framework).await
}
