//! MI returns: for every framework, supplier and month, a return generated from the month's
//! invoices and credit notes (disputed ones left out), which the supplier submits or declares
//! "no business" for, by the 5th working day after month end. A submitted return can be
//! corrected: the correction is a new version, the earlier ones are kept, and the charge
//! difference is raised (see [`levy`]). Reminders go through the outbox; the manager sees late
//! returns first.

mod import;
pub mod levy;

pub use import::{import_file, may_import, MiImportError, MiImportOptions, MiImported, MAX_REPORTED_ERRORS};

use crate::{Actor, App, AppError, AppResult};
use calloff_domain::ids::{FrameworkId, OrganisationId, ReturnId, UserId};
use calloff_domain::levy::{in_force, line_charge, LevyRule, Sector};
use calloff_domain::mi_return::{
    vat_shares, Month, ReturnRow, ReturnStanding, ReturnStatus, ReturnTotals, VersionKind,
};
use calloff_domain::money::Money;
use calloff_domain::organisation::Organisation;
use calloff_domain::role::Role;
use calloff_domain::FieldError;
use calloff_store::audit::ChainHead;
use calloff_store::returns::{self, NewVersion};
pub use calloff_store::returns::{ReturnRecord, VersionRecord};
use calloff_store::{notifications, organisations, with_retries, Conn};
use chrono::NaiveDate;
use std::collections::HashMap;

/// Days before the due date on which the supplier is reminded of an open return.
pub const REMIND_DAYS_BEFORE: i64 = 3;
/// Rows of a return shown or sent per page.
pub const PAGE_ROWS: i64 = 100;
/// The most rows a client may ask for in one page.
pub const MAX_PAGE_ROWS: i64 = 1_000;
/// Returns reminded per sweep round.
const SWEEP_BATCH: i64 = 200;

/// What someone is to a return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReturnAccess {
    /// A user of the supplier whose return it is: reads and acts.
    Supplier,
    /// The framework's manager, or an auditor: reads.
    Reader,
}

/// A return in a list.
#[derive(Debug, Clone)]
pub struct ReturnSummary {
    pub record: ReturnRecord,
    pub supplier_name: String,
    pub standing: ReturnStanding,
    /// Submitted (or declared) after its due date.
    pub submitted_late: bool,
    /// The current version's totals, once submitted.
    pub totals: Option<ReturnTotals>,
}

/// One return: a page of its rows, its totals and charge, its versions, and what the viewer may
/// do.
#[derive(Debug, Clone)]
pub struct ReturnView {
    pub record: ReturnRecord,
    pub supplier_name: String,
    pub framework_reference: String,
    pub standing: ReturnStanding,
    pub submitted_late: bool,
    /// The version shown: 0 for the rows as they stand now (an open return).
    pub version: i64,
    pub rows: Vec<ReturnRow>,
    /// Where the next page starts (the last row number shown), if there are more rows.
    pub next_after: Option<i64>,
    /// Row number of the first row shown, from 1.
    pub first_row: i64,
    pub totals: ReturnTotals,
    /// The levy rule in force on the month.
    pub rule: Option<LevyRule>,
    pub versions: Vec<VersionRecord>,
    /// For a submitted return: what a correction submitted now would contain, and the charge
    /// difference it would raise. None if nothing has changed.
    pub correction: Option<CorrectionPreview>,
    pub access: ReturnAccess,
    pub you_may_submit: bool,
    pub you_may_declare_no_business: bool,
    pub you_may_correct: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CorrectionPreview {
    pub totals: ReturnTotals,
    pub charge_difference: Money,
}

/// The charge raised per month across a framework's returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LevyMonth {
    pub month: Month,
    pub charged: Money,
    pub returns: i64,
}

/// Months whose returns should exist today: from the month the term started or the framework
/// came onto calloff, whichever is later (earlier months' MI was filed outside calloff), to last
/// month (or the term's last month, if it has ended).
fn months_due(framework: &calloff_domain::framework::Framework, onboarded: NaiveDate, today: NaiveDate) -> Vec<Month> {
    let last = Month::of(today).previous().min(Month::of(framework.term.end));
    let mut months = Vec::new();
    let mut month = Month::of(framework.term.start).max(Month::of(onboarded));
    while month <= last {
        months.push(month);
        month = month.next();
    }
    months
}

/// The return's reference: the framework's, the month, and the supplier's company number (or
/// the start of its id).
pub(crate) fn reference_for(framework_reference: &str, month: Month, supplier: &Organisation) -> String {
    let who = supplier
        .identifier("GB-COH")
        .map(|i| i.value().to_string())
        .unwrap_or_else(|| supplier.id.as_str().chars().take(8).collect());
    format!("{framework_reference}-MI-{month}-{who}")
}

/// Makes the returns that should exist by today for every supplier of the framework and every
/// month from the start of its term; each once, however many processes try. Returns how many
/// were made.
pub async fn open_due_returns(app: &App, framework_id: &FrameworkId) -> AppResult<usize> {
    let mut conn = app.db.pool().acquire().await?;
    let record = crate::frameworks::record(&mut conn, framework_id).await?;
    let framework = record.framework;
    let onboarded = returns::onboarded_at(&mut conn, framework_id)
        .await?
        .and_then(|at| at.parse::<chrono::DateTime<chrono::Utc>>().ok())
        .map_or(framework.term.start, calloff_domain::calendar::uk_date);
    let months = months_due(&framework, onboarded, app.today());
    let existing = returns::for_framework(&mut conn, framework_id, None).await?;
    let mut missing = Vec::new();
    for supplier_id in &framework.suppliers {
        for month in &months {
            if !existing
                .iter()
                .any(|r| r.supplier_id == *supplier_id && r.month == *month)
            {
                missing.push((supplier_id.clone(), *month));
            }
        }
    }
    if missing.is_empty() {
        return Ok(0);
    }
    let (Some(first), Some(last)) = (months.first(), months.last()) else {
        return Ok(0);
    };
    let holidays = returns::bank_holidays(&mut conn, first.first_day(), last.next().last_day()).await?;
    let mut suppliers = HashMap::new();
    for (supplier_id, _) in &missing {
        if !suppliers.contains_key(supplier_id) {
            let org = organisations::get(&mut conn, supplier_id)
                .await?
                .ok_or_else(|| AppError::NotFound("organisation".into()))?;
            suppliers.insert(supplier_id.clone(), org);
        }
    }
    drop(conn);
    with_retries(|| async {
        let at = app.now_text();
        let mut tx = app.db.begin_write().await?;
        let mut head = ChainHead::claim(&mut tx).await?;
        let mut made = Vec::new();
        for (supplier_id, month) in &missing {
            let supplier = &suppliers[supplier_id];
            let record = ReturnRecord {
                id: ReturnId::generate(),
                reference: reference_for(&framework.reference, *month, supplier),
                framework_id: framework.id.clone(),
                supplier_id: supplier_id.clone(),
                month: *month,
                due_on: month.return_due_on(&holidays),
                status: ReturnStatus::Open,
                version: 0,
                first_submitted_at: None,
            };
            if returns::ensure(&mut tx, &record, &at, head.next_seq()).await? {
                made.push(record.reference);
            }
        }
        if !made.is_empty() {
            head.append(
                &mut tx,
                &at,
                "system",
                "mi_return.opened",
                framework.id.as_str(),
                serde_json::json!({ "returns": made }),
            )
            .await?;
        }
        head.seal(&mut tx).await?;
        tx.commit().await?;
        Ok::<usize, AppError>(made.len())
    })
    .await
}

/// A framework's returns: all of them for its manager and auditors, their own for a supplier;
/// late ones first, then newest month first. Buyers are refused.
pub async fn for_framework(app: &App, actor: &Actor, framework_id: &FrameworkId) -> AppResult<Vec<ReturnSummary>> {
    let mut conn = app.db.pool().acquire().await?;
    let record = crate::frameworks::record(&mut conn, framework_id).await?;
    let standing = crate::frameworks::standing_in(&mut conn, actor, &record).await?;
    let only = if standing.is_manager() || standing.is_auditor() {
        None
    } else if standing.is_supplier() {
        Some(actor.organisation_id.clone())
    } else {
        return Err(AppError::Forbidden(
            "only the framework's manager, its suppliers and auditors see its MI returns".into(),
        ));
    };
    drop(conn);
    open_due_returns(app, framework_id).await?;
    let mut conn = app.db.pool().acquire().await?;
    let list = returns::for_framework(&mut conn, framework_id, only.as_ref()).await?;
    let today = app.today();
    let mut names: HashMap<OrganisationId, String> = HashMap::new();
    let mut out = Vec::with_capacity(list.len());
    for record in list {
        if !names.contains_key(&record.supplier_id) {
            let name = organisations::get(&mut conn, &record.supplier_id)
                .await?
                .map(|o| o.name)
                .unwrap_or_default();
            names.insert(record.supplier_id.clone(), name);
        }
        let totals = if record.version > 0 {
            returns::versions(&mut conn, &record.id).await?.last().map(|v| v.totals)
        } else {
            None
        };
        out.push(ReturnSummary {
            supplier_name: names[&record.supplier_id].clone(),
            standing: ReturnStanding::of(record.status, record.due_on, today),
            submitted_late: submitted_late(&record),
            totals,
            record,
        });
    }
    // Late first, then newest month first.
    out.sort_by(|a, b| {
        (a.standing != ReturnStanding::Late)
            .cmp(&(b.standing != ReturnStanding::Late))
            .then(b.record.month.cmp(&a.record.month))
            .then(a.record.reference.cmp(&b.record.reference))
    });
    Ok(out)
}

/// Whether the return was first submitted (or declared) after its due date, in UK time.
fn submitted_late(record: &ReturnRecord) -> bool {
    record
        .first_submitted_at
        .as_deref()
        .and_then(|at| at.parse::<chrono::DateTime<chrono::Utc>>().ok())
        .is_some_and(|at| calloff_domain::calendar::uk_date(at) > record.due_on)
}

/// The return and the viewer's access to it; anyone else is told it does not exist.
pub async fn with_access(app: &App, actor: &Actor, id: &ReturnId) -> AppResult<(ReturnRecord, ReturnAccess)> {
    let mut conn = app.db.pool().acquire().await?;
    let not_found = || AppError::NotFound("return".into());
    let record = returns::get(&mut conn, id).await?.ok_or_else(not_found)?;
    let framework = crate::frameworks::record(&mut conn, &record.framework_id).await?;
    let standing = crate::frameworks::standing_in(&mut conn, actor, &framework).await?;
    let access = if standing.is_supplier() && actor.organisation_id == record.supplier_id {
        ReturnAccess::Supplier
    } else if standing.is_manager() || standing.is_auditor() {
        ReturnAccess::Reader
    } else {
        return Err(not_found());
    };
    Ok((record, access))
}

/// Generates a return's rows from its month's invoices and credit notes as they stand, charged
/// by the rule in force on the month, and that rule.
async fn generate(conn: &mut Conn, record: &ReturnRecord) -> AppResult<(Vec<ReturnRow>, Option<LevyRule>)> {
    let rules = returns::levy_rules(conn, &record.framework_id).await?;
    let rule = in_force(&rules, record.month.first_day()).cloned();
    let lines = returns::source_lines(conn, &record.framework_id, &record.supplier_id, record.month).await?;
    let mut customers: HashMap<OrganisationId, Organisation> = HashMap::new();
    let mut rows = Vec::with_capacity(lines.len());
    let mut start = 0;
    while start < lines.len() {
        let invoice = &lines[start].invoice_id;
        let end = start + lines[start..].iter().take_while(|l| &l.invoice_id == invoice).count();
        let group = &lines[start..end];
        let values: Vec<Money> = group.iter().map(|l| l.value).collect();
        let shares = vat_shares(group[0].invoice_vat, &values);
        for (line, vat) in group.iter().zip(shares) {
            if !customers.contains_key(&line.buyer_id) {
                let org = organisations::get(conn, &line.buyer_id)
                    .await?
                    .ok_or_else(|| AppError::NotFound("organisation".into()))?;
                customers.insert(line.buyer_id.clone(), org);
            }
            let customer = &customers[&line.buyer_id];
            let sector = Sector::of(customer.kind);
            let rate = match &rule {
                None => None,
                Some(rule) => Some(rule.rate_for(line.lot_number, sector).ok_or_else(|| {
                    AppError::Conflict(FieldError::new(
                        "levy",
                        format!(
                            "the levy rule from {} has no rate for lot {}, so the return cannot be charged: the framework manager must add one",
                            rule.effective_from, line.lot_number
                        ),
                    ))
                })?),
            };
            let sign = if line.invoice_kind == "credit_note" { -1 } else { 1 };
            let value = Money::from_pence(sign * line.value.pence());
            rows.push(ReturnRow {
                invoice_id: line.invoice_id.clone(),
                invoice_number: line.invoice_number.clone(),
                invoice_kind: line.invoice_kind.clone(),
                call_off_reference: line.call_off_reference.clone(),
                customer_name: customer.name.clone(),
                customer_org_id: customer.org_id().unwrap_or_default(),
                customer_kind: customer.kind.as_str().to_string(),
                sector: sector.as_str().to_string(),
                lot_number: line.lot_number,
                sku: line.sku.clone(),
                cpv: line.cpv.clone(),
                quantity: sign * line.quantity,
                unit_price: line.unit_price,
                value,
                vat: Money::from_pence(sign * vat.pence()),
                charge: rate.map_or(Money::ZERO, |r| line_charge(value, r)),
                rate_bp: rate.map_or(0, |r| r.get()),
            });
        }
        start = end;
    }
    Ok((rows, rule))
}

/// One page of the rows after row `after` (of `version`, or as they stand now if 0).
pub async fn view(
    app: &App,
    actor: &Actor,
    id: &ReturnId,
    version: Option<i64>,
    after: i64,
    limit: i64,
) -> AppResult<ReturnView> {
    let (record, access) = with_access(app, actor, id).await?;
    let limit = limit.clamp(1, MAX_PAGE_ROWS);
    let after = after.max(0);
    let mut conn = app.db.pool().acquire().await?;
    let supplier_name = organisations::get(&mut conn, &record.supplier_id)
        .await?
        .map(|o| o.name)
        .unwrap_or_default();
    let framework = crate::frameworks::record(&mut conn, &record.framework_id)
        .await?
        .framework;
    let versions = returns::versions(&mut conn, &record.id).await?;
    let version = version.unwrap_or(record.version);
    if !(0..=record.version).contains(&version) {
        return Err(AppError::invalid(
            "version",
            format!("this return has versions 1 to {}", record.version),
        ));
    }
    let (now_rows, rule) = generate(&mut conn, &record).await?;
    let (rows, totals, more) = if version == 0 {
        let totals = ReturnTotals::of(&now_rows);
        let start = usize::try_from(after).unwrap_or(usize::MAX).min(now_rows.len());
        let end = start
            .saturating_add(usize::try_from(limit).unwrap_or(0))
            .min(now_rows.len());
        (now_rows[start..end].to_vec(), totals, end < now_rows.len())
    } else {
        let shown = &versions[usize::try_from(version - 1).unwrap_or(0)];
        let page = returns::rows(&mut conn, &record.id, version, after, limit + 1).await?;
        let more = page.len() > usize::try_from(limit).unwrap_or(0);
        (
            page.into_iter().take(usize::try_from(limit).unwrap_or(0)).collect(),
            shown.totals,
            more,
        )
    };
    let current = versions.last();
    // A version uploaded from a file is corrected by uploading another, not from the invoices
    // (and may have a million rows, not to be read for every page).
    let from_file = match current {
        Some(current) => calloff_store::mi_imports::version_from_file(&mut conn, &record.id, current.version).await?,
        None => false,
    };
    let correction = match current {
        Some(current) if record.status != ReturnStatus::Open && !from_file => {
            let stored = returns::rows(&mut conn, &record.id, current.version, 0, i64::MAX).await?;
            (stored != now_rows).then(|| {
                let now = ReturnTotals::of(&now_rows);
                CorrectionPreview {
                    totals: now,
                    charge_difference: Money::from_pence(now.charge.pence() - current.totals.charge.pence()),
                }
            })
        }
        _ => None,
    };
    let supplier = access == ReturnAccess::Supplier;
    let open = record.status == ReturnStatus::Open;
    let shown = i64::try_from(rows.len()).unwrap_or(0);
    Ok(ReturnView {
        standing: ReturnStanding::of(record.status, record.due_on, app.today()),
        submitted_late: submitted_late(&record),
        supplier_name,
        framework_reference: framework.reference,
        version,
        first_row: after + 1,
        next_after: more.then_some(after + shown),
        rows,
        totals,
        rule,
        you_may_submit: supplier && open,
        you_may_declare_no_business: supplier && open && now_rows.is_empty(),
        you_may_correct: supplier && correction.is_some(),
        correction,
        versions,
        access,
        record,
    })
}

/// Checks the actor may act on the return (a user of its supplier), before anything they sent
/// is read.
pub async fn may_act(app: &App, actor: &Actor, id: &ReturnId) -> AppResult<ReturnRecord> {
    let (record, access) = with_access(app, actor, id).await?;
    if access != ReturnAccess::Supplier {
        return Err(AppError::Forbidden(
            "only the supplier's users submit its MI returns".into(),
        ));
    }
    Ok(record)
}

/// The supplier submits an open return as it stands (version 1), raising the charge.
pub async fn submit(app: &App, actor: &Actor, id: &ReturnId) -> AppResult<VersionRecord> {
    let seen = may_act(app, actor, id).await?;
    if seen.status != ReturnStatus::Open {
        return Err(AppError::Conflict(FieldError::new(
            "status",
            format!(
                "the return for {} was already submitted; submit a correction to replace it",
                seen.month.label()
            ),
        )));
    }
    with_retries(|| add_version(app, actor, &seen, VersionKind::Submission)).await
}

/// The supplier declares it did no business under the framework in the month: only when the
/// month has no invoices or credit notes.
pub async fn declare_no_business(app: &App, actor: &Actor, id: &ReturnId) -> AppResult<VersionRecord> {
    let seen = may_act(app, actor, id).await?;
    if seen.status != ReturnStatus::Open {
        return Err(AppError::Conflict(FieldError::new(
            "status",
            format!("the return for {} was already submitted", seen.month.label()),
        )));
    }
    with_retries(|| add_version(app, actor, &seen, VersionKind::NoBusiness)).await
}

/// The supplier replaces a submitted return with the rows as they stand now (a new version; the
/// earlier kept), raising the charge difference.
pub async fn correct(app: &App, actor: &Actor, id: &ReturnId) -> AppResult<VersionRecord> {
    let seen = may_act(app, actor, id).await?;
    if seen.status == ReturnStatus::Open {
        return Err(AppError::Conflict(FieldError::new(
            "status",
            "this return has not been submitted yet: submit it instead",
        )));
    }
    with_retries(|| add_version(app, actor, &seen, VersionKind::Correction)).await
}

async fn add_version(app: &App, actor: &Actor, seen: &ReturnRecord, kind: VersionKind) -> AppResult<VersionRecord> {
    let at = app.now_text();
    let mut tx = app.db.begin_write().await?;
    let mut head = ChainHead::claim(&mut tx).await?;
    let record = returns::get(&mut tx, &seen.id)
        .await?
        .ok_or_else(|| AppError::NotFound("return".into()))?;
    if record.version != seen.version {
        return Err(AppError::Conflict(FieldError::new(
            "status",
            "someone else submitted this return meanwhile; reload it",
        )));
    }
    let (rows, rule) = generate(&mut tx, &record).await?;
    let versions = returns::versions(&mut tx, &record.id).await?;
    let previous = versions.last();
    match kind {
        VersionKind::NoBusiness if !rows.is_empty() => {
            return Err(AppError::Conflict(FieldError::new(
                "rows",
                format!(
                    "you invoiced under the framework in {} ({} lines), so submit the return instead",
                    record.month.label(),
                    rows.len()
                ),
            )));
        }
        VersionKind::Correction => {
            let stored = match previous {
                Some(p) => returns::rows(&mut tx, &record.id, p.version, 0, i64::MAX).await?,
                None => Vec::new(),
            };
            if stored == rows {
                return Err(AppError::Conflict(FieldError::new(
                    "rows",
                    "nothing has changed since the return was submitted, so there is nothing to correct",
                )));
            }
        }
        _ => {}
    }
    let totals = ReturnTotals::of(&rows);
    let before = previous.map_or(Money::ZERO, |p| p.totals.charge);
    let difference = Money::from_pence(totals.charge.pence() - before.pence());
    let version = record.version + 1;
    let document = levy::document_for(&record.reference, version, difference);
    let status = if kind == VersionKind::NoBusiness || (kind == VersionKind::Correction && rows.is_empty()) {
        ReturnStatus::NoBusiness
    } else {
        ReturnStatus::Submitted
    };
    let moved = returns::add_version(
        &mut tx,
        &NewVersion {
            return_id: &record.id,
            seen_version: record.version,
            status,
            kind,
            by: &actor.user_id,
            at: &at,
            rows: &rows,
            totals,
            charge_difference: difference,
            levy_rule_from: rule.as_ref().map(|r| r.effective_from),
            levy_document: document.clone(),
            change_seq: head.next_seq(),
        },
    )
    .await?;
    if !moved {
        return Err(AppError::Conflict(FieldError::new(
            "status",
            "someone else submitted this return meanwhile; reload it",
        )));
    }
    head.append(
        &mut tx,
        &at,
        actor.user_id.as_str(),
        &format!("mi_return.{}", kind.as_str()),
        record.id.as_str(),
        serde_json::json!({
            "reference": record.reference,
            "version": version,
            "rows": totals.rows,
            "value_pence": totals.value.pence(),
            "charge_pence": totals.charge.pence(),
            "charge_difference_pence": difference.pence(),
            "levy_document": document.as_ref().map(|(_, n)| n.clone()),
        }),
    )
    .await?;
    head.seal(&mut tx).await?;
    tell_manager(&mut tx, actor, &record, kind, (version, totals, difference), &at).await?;
    let stored = returns::versions(&mut tx, &record.id)
        .await?
        .pop()
        .ok_or_else(|| AppError::NotFound("return".into()))?;
    tx.commit().await?;
    Ok(stored)
}

/// Tells the framework's managers that a version of a return was submitted.
pub(crate) async fn tell_manager(
    tx: &mut Conn,
    actor: &Actor,
    record: &ReturnRecord,
    kind: VersionKind,
    (version, totals, difference): (i64, ReturnTotals, Money),
    at: &str,
) -> AppResult<()> {
    let framework = crate::frameworks::record(&mut *tx, &record.framework_id)
        .await?
        .framework;
    let subject = match kind {
        VersionKind::Submission => format!(
            "MI return {} submitted: {} invoiced, charge {}",
            record.reference, totals.value, totals.charge
        ),
        VersionKind::Correction => format!(
            "MI return {} corrected (version {version}): charge {}, a difference of {difference}",
            record.reference, totals.charge
        ),
        VersionKind::NoBusiness => format!("MI return {}: no business declared", record.reference),
    };
    let body = format!("{subject}. Sent by {} ({}).", actor.name, actor.organisation_name);
    let message = notifications::Message {
        id_prefix: &format!("mi-return-{}", uuid::Uuid::now_v7()),
        event: "mi_return.submitted",
        subject: &subject,
        body: &body,
        link: &format!("/returns/{}", record.id),
        created_at: at,
    };
    notifications::queue_for_role(
        &mut *tx,
        &message,
        Some(&framework.authority),
        Role::FrameworkManager,
        &actor.user_id,
    )
    .await?;
    Ok(())
}

/// The charge raised by month across the framework's returns, for its manager and auditors.
pub async fn levy_by_month(app: &App, actor: &Actor, framework_id: &FrameworkId) -> AppResult<Vec<LevyMonth>> {
    let mut conn = app.db.pool().acquire().await?;
    let record = crate::frameworks::record(&mut conn, framework_id).await?;
    let standing = crate::frameworks::standing_in(&mut conn, actor, &record).await?;
    if !(standing.is_manager() || standing.is_auditor()) {
        return Err(AppError::Forbidden(
            "only the framework's manager and auditors see the levy it raised".into(),
        ));
    }
    Ok(returns::levy_by_month(&mut conn, framework_id)
        .await?
        .into_iter()
        .map(|(month, charged, returns)| LevyMonth {
            month,
            charged,
            returns,
        })
        .collect())
}

/// What one reminder round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReminderReport {
    pub opened: usize,
    pub before_due: usize,
    pub overdue: usize,
}

/// Opens the returns that are due by now on every framework, reminds suppliers of open returns
/// [`REMIND_DAYS_BEFORE`] days before their due date and once more when overdue: each reminder
/// once, however many processes sweep.
pub async fn remind(app: &App) -> AppResult<ReminderReport> {
    let mut report = ReminderReport::default();
    let mut conn = app.db.pool().acquire().await?;
    let frameworks = calloff_store::frameworks::all(&mut conn).await?;
    drop(conn);
    for record in frameworks {
        report.opened += open_due_returns(app, &record.framework.id).await?;
    }
    let today = app.today();
    let mut conn = app.db.pool().acquire().await?;
    let soon = returns::to_remind_before(
        &mut conn,
        today,
        today + chrono::Duration::days(REMIND_DAYS_BEFORE),
        SWEEP_BATCH,
    )
    .await?;
    let overdue = returns::to_remind_overdue(&mut conn, today, SWEEP_BATCH).await?;
    drop(conn);
    for id in soon {
        if with_retries(|| remind_one(app, &id, returns::Reminder::BeforeDue)).await? {
            report.before_due += 1;
        }
    }
    for id in overdue {
        if with_retries(|| remind_one(app, &id, returns::Reminder::Overdue)).await? {
            report.overdue += 1;
        }
    }
    Ok(report)
}

async fn remind_one(app: &App, id: &ReturnId, which: returns::Reminder) -> AppResult<bool> {
    let at = app.now_text();
    let mut tx = app.db.begin_write().await?;
    if !returns::mark_reminded(&mut tx, id, which, &at).await? {
        return Ok(false);
    }
    let Some(record) = returns::get(&mut tx, id).await? else {
        return Ok(false);
    };
    let due = record.due_on.format("%-d %B %Y");
    let (event, subject) = match which {
        returns::Reminder::BeforeDue => (
            "mi_return.due",
            format!("MI return for {} is due on {due}", record.month.label()),
        ),
        returns::Reminder::Overdue => (
            "mi_return.overdue",
            format!("MI return for {} is overdue: it was due on {due}", record.month.label()),
        ),
    };
    let body = format!(
        "{subject}. Review and submit return {}, or declare no business if you invoiced nothing under the framework that month.",
        record.reference
    );
    let message = notifications::Message {
        id_prefix: &format!("{event}-{}", uuid::Uuid::now_v7()),
        event,
        subject: &subject,
        body: &body,
        link: &format!("/returns/{}", record.id),
        created_at: &at,
    };
    notifications::queue_for_role(
        &mut tx,
        &message,
        Some(&record.supplier_id),
        Role::SupplierUser,
        &UserId::from_stored("system"),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}
