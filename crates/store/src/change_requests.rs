//! Suppliers' change requests and the catalogue changes they carry.

use crate::{Conn, StoreError, StoreResult};
use calloff_domain::catalogue::{CpvCode, Sku, Unit};
use calloff_domain::change_control::{ChangeKind, ItemDetails, ProposedChange, RequestStatus};
use calloff_domain::ids::{FrameworkId, OrganisationId, ProposalId, UserId};
use calloff_domain::money::UnitPrice;
use calloff_domain::pricing::PriceBreaks;
use chrono::NaiveDate;
use sqlx::Row;

crate::statements! {
    INSERT_REQUEST = "INSERT INTO change_requests (id, framework_id, supplier_id, title, status, indexation_bp, change_count, \
                      submitted_by, submitted_at, proposal_id) VALUES ($1, $2, $3, $4, 'submitted', $5, $6, $7, $8, $9)";
    INSERT_CHANGE = "INSERT INTO catalogue_changes (change_request_id, position, kind, sku, effective_from, status, \
                     lot_number, name, description, unit, unit_price_micros, minimum_term_months, cpv, list_price_micros, \
                     quantity_tiers) VALUES ($1, $2, $3, $4, $5, 'proposed', $6, $7, $8, $9, $10, $11, $12, $13, $14)";
    REQUEST = "SELECT id, framework_id, supplier_id, title, status, indexation_bp, change_count, submitted_by, submitted_at, \
               decided_by, decided_at, decision_reason, proposal_id FROM change_requests WHERE id = $1";
    FOR_FRAMEWORK = "SELECT id, framework_id, supplier_id, title, status, indexation_bp, change_count, submitted_by, \
                     submitted_at, decided_by, decided_at, decision_reason, proposal_id FROM change_requests \
                     WHERE framework_id = $1 ORDER BY submitted_at DESC, id LIMIT $2";
    // The requests that answer a customer's proposal, oldest first.
    CITING = "SELECT id, framework_id, supplier_id, title, status, indexation_bp, change_count, submitted_by, \
              submitted_at, decided_by, decided_at, decision_reason, proposal_id FROM change_requests \
              WHERE proposal_id = $1 ORDER BY submitted_at, id";
    CHANGES = "SELECT position, kind, sku, effective_from, status, lot_number, name, description, unit, unit_price_micros, \
               minimum_term_months, cpv, applied_at, list_price_micros, quantity_tiers FROM catalogue_changes WHERE change_request_id = $1 \
               AND position > $2 ORDER BY position LIMIT $3";
    // Decides a request only while it is submitted, so two decisions cannot both win.
    DECIDE = "UPDATE change_requests SET status = $1, decided_by = $2, decided_at = $3, decision_reason = $4 \
              WHERE id = $5 AND status = 'submitted'";
    SET_CHANGES_STATUS = "UPDATE catalogue_changes SET status = $1 WHERE change_request_id = $2 AND status = 'proposed'";
    // Approved changes whose date has come, oldest date first, then in the order proposed.
    DUE = "SELECT c.change_request_id, c.position, c.kind, c.sku, c.effective_from, c.status, c.lot_number, c.name, \
           c.description, c.unit, c.unit_price_micros, c.minimum_term_months, c.cpv, c.applied_at, c.list_price_micros, c.quantity_tiers, r.framework_id, r.supplier_id \
           FROM catalogue_changes c JOIN change_requests r ON r.id = c.change_request_id \
           WHERE c.status = 'scheduled' AND c.effective_from <= $1 \
           ORDER BY c.effective_from, r.decided_at, c.change_request_id, c.position LIMIT $2";
    // A framework's approved changes still to apply, due by a date, in the order they will apply.
    SCHEDULED = "SELECT c.change_request_id, c.position, c.kind, c.sku, c.effective_from, c.status, c.lot_number, \
                 c.name, c.description, c.unit, c.unit_price_micros, c.minimum_term_months, c.cpv, c.applied_at, \
                 c.list_price_micros, c.quantity_tiers, r.framework_id, r.supplier_id \
                 FROM catalogue_changes c JOIN change_requests r ON r.id = c.change_request_id \
                 WHERE c.status = 'scheduled' AND c.effective_from <= $1 AND r.framework_id = $2 \
                 ORDER BY c.effective_from, r.decided_at, c.change_request_id, c.position LIMIT $3";
    MARK_APPLIED = "UPDATE catalogue_changes SET status = 'applied', applied_at = $1 \
                    WHERE change_request_id = $2 AND position = $3 AND status = 'scheduled'";
    // SKUs that other submitted or scheduled requests would add, so two cannot add the same one.
    PENDING_ADDS = "SELECT c.sku FROM catalogue_changes c JOIN change_requests r ON r.id = c.change_request_id \
                    WHERE r.framework_id = $1 AND c.kind = 'add' AND c.status IN ('proposed', 'scheduled') \
                    AND c.change_request_id <> $2";
    LAST_INDEXATION = "SELECT MAX(c.effective_from) AS last FROM change_requests r \
                       JOIN catalogue_changes c ON c.change_request_id = r.id AND c.position = 1 \
                       WHERE r.framework_id = $1 AND r.supplier_id = $2 AND r.indexation_bp IS NOT NULL \
                       AND r.status IN ('submitted', 'approved')";
}

/// Values bound for each change inserted (see [`bind_change`]).
const VALUES_PER_CHANGE: usize = 14;

/// Changes inserted per statement. Larger batches save PostgreSQL round trips but cost SQLite
/// (through sqlx) time that grows with the square of the parameters per statement.
pub const CHANGE_BATCH: usize = 25;

/// One statement inserting [`CHANGE_BATCH`] changes: a big price list is a few hundred round
/// trips, not one per row.
pub static INSERT_CHANGE_BATCH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let rows: Vec<String> = (0..CHANGE_BATCH)
        .map(|r| {
            let p: Vec<String> = (1..=VALUES_PER_CHANGE)
                .map(|i| format!("${}", r * VALUES_PER_CHANGE + i))
                .collect();
            format!(
                "({}, {}, {}, {}, {}, 'proposed', {})",
                p[0],
                p[1],
                p[2],
                p[3],
                p[4],
                p[5..].join(", ")
            )
        })
        .collect();
    format!(
        "INSERT INTO catalogue_changes (change_request_id, position, kind, sku, effective_from, status, \
         lot_number, name, description, unit, unit_price_micros, minimum_term_months, cpv, list_price_micros, \
         quantity_tiers) VALUES {}",
        rows.join(", ")
    )
});

/// A change request as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeRequest {
    pub id: String,
    pub framework_id: FrameworkId,
    pub supplier_id: OrganisationId,
    pub title: String,
    pub status: RequestStatus,
    /// Set when the request is an annual price indexation, in basis points.
    pub indexation_bp: Option<i64>,
    pub change_count: i64,
    pub submitted_by: UserId,
    pub submitted_at: String,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<String>,
    pub decision_reason: Option<String>,
    /// The accepted proposal this request answers, if any.
    pub proposal_id: Option<ProposalId>,
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::corrupt(e.to_string())
}

fn request_from_row(r: &sqlx::any::AnyRow) -> StoreResult<ChangeRequest> {
    let status: String = r.try_get("status")?;
    Ok(ChangeRequest {
        id: r.try_get("id")?,
        framework_id: FrameworkId::from_stored(r.try_get::<String, _>("framework_id")?),
        supplier_id: OrganisationId::from_stored(r.try_get::<String, _>("supplier_id")?),
        title: r.try_get("title")?,
        status: RequestStatus::parse(&status).map_err(corrupt)?,
        indexation_bp: r.try_get("indexation_bp")?,
        change_count: r.try_get("change_count")?,
        submitted_by: UserId::from_stored(r.try_get::<String, _>("submitted_by")?),
        submitted_at: r.try_get("submitted_at")?,
        decided_by: r.try_get::<Option<String>, _>("decided_by")?.map(UserId::from_stored),
        decided_at: r.try_get("decided_at")?,
        decision_reason: r.try_get("decision_reason")?,
        proposal_id: r
            .try_get::<Option<String>, _>("proposal_id")?
            .map(ProposalId::from_stored),
    })
}

/// Binds one change's [`VALUES_PER_CHANGE`] values.
fn bind_change<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    request: &'q str,
    position: usize,
    change: &'q ProposedChange,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    let d = change.details.as_ref();
    let price = d.map(|d| d.unit_price).or(change.new_price);
    query
        .bind(request)
        .bind(crate::wide(position))
        .bind(change.kind.as_str())
        .bind(change.sku.as_str())
        .bind(change.effective_from.to_string())
        .bind(d.map(|d| d.lot_number as i64))
        .bind(d.map(|d| d.name.as_str()))
        .bind(d.map(|d| d.description.as_str()))
        .bind(d.map(|d| d.unit.as_str()))
        .bind(price.map(UnitPrice::micros))
        .bind(d.map(|d| d.minimum_term_months as i64))
        .bind(d.map(|d| d.cpv.as_str()))
        .bind(d.and_then(|d| d.list_price).map(UnitPrice::micros))
        .bind(d.map(|d| d.quantity_tiers.to_stored()))
}

/// Inserts a submitted request and its changes, numbered from 1 in the order given.
pub async fn insert(conn: &mut Conn, request: &ChangeRequest, changes: &[&ProposedChange]) -> StoreResult<()> {
    sqlx::query(INSERT_REQUEST)
        .bind(&request.id)
        .bind(request.framework_id.as_str())
        .bind(request.supplier_id.as_str())
        .bind(&request.title)
        .bind(request.indexation_bp)
        .bind(request.change_count)
        .bind(request.submitted_by.as_str())
        .bind(&request.submitted_at)
        .bind(request.proposal_id.as_ref().map(ProposalId::as_str))
        .execute(&mut *conn)
        .await?;
    let mut batches = changes.chunks_exact(CHANGE_BATCH);
    let mut position = 0;
    for batch in batches.by_ref() {
        let mut query = sqlx::query(INSERT_CHANGE_BATCH.as_str());
        for change in batch {
            position += 1;
            query = bind_change(query, &request.id, position, change);
        }
        query.execute(&mut *conn).await?;
    }
    for change in batches.remainder() {
        position += 1;
        bind_change(sqlx::query(INSERT_CHANGE), &request.id, position, change)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

pub async fn get(conn: &mut Conn, id: &str) -> StoreResult<Option<ChangeRequest>> {
    sqlx::query(REQUEST)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(request_from_row)
        .transpose()
}

/// A framework's requests, newest first.
pub async fn for_framework(conn: &mut Conn, framework: &FrameworkId, limit: i64) -> StoreResult<Vec<ChangeRequest>> {
    sqlx::query(FOR_FRAMEWORK)
        .bind(framework.as_str())
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(request_from_row)
        .collect()
}

/// The requests that cite a proposal.
pub async fn citing(conn: &mut Conn, proposal: &ProposalId) -> StoreResult<Vec<ChangeRequest>> {
    sqlx::query(CITING)
        .bind(proposal.as_str())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(request_from_row)
        .collect()
}

/// A change as stored, with where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredChange {
    pub position: i64,
    pub change: ProposedChange,
    pub status: String,
    pub applied_at: Option<String>,
}

fn change_from_row(r: &sqlx::any::AnyRow) -> StoreResult<StoredChange> {
    let kind: String = r.try_get("kind")?;
    let kind = ChangeKind::parse(&kind).map_err(corrupt)?;
    let sku: String = r.try_get("sku")?;
    let effective_from: String = r.try_get("effective_from")?;
    let price: Option<i64> = r.try_get("unit_price_micros")?;
    let price = price.map(UnitPrice::from_micros).transpose().map_err(corrupt)?;
    let details = match kind {
        ChangeKind::Add | ChangeKind::Edit => {
            let unit: String = r.try_get::<Option<String>, _>("unit")?.unwrap_or_default();
            let cpv: String = r.try_get::<Option<String>, _>("cpv")?.unwrap_or_default();
            Some(ItemDetails {
                lot_number: crate::narrow(
                    r.try_get::<Option<i64>, _>("lot_number")?.unwrap_or_default(),
                    "lot_number",
                )?,
                name: r.try_get::<Option<String>, _>("name")?.unwrap_or_default(),
                description: r.try_get::<Option<String>, _>("description")?.unwrap_or_default(),
                unit: Unit::parse(&unit).map_err(corrupt)?,
                unit_price: price.ok_or_else(|| corrupt("a change's details have no price"))?,
                minimum_term_months: crate::narrow(
                    r.try_get::<Option<i64>, _>("minimum_term_months")?.unwrap_or_default(),
                    "minimum_term_months",
                )?,
                cpv: CpvCode::parse(&cpv).map_err(corrupt)?,
                list_price: r
                    .try_get::<Option<i64>, _>("list_price_micros")?
                    .map(UnitPrice::from_micros)
                    .transpose()
                    .map_err(corrupt)?,
                quantity_tiers: PriceBreaks::from_stored(
                    &r.try_get::<Option<String>, _>("quantity_tiers")?.unwrap_or_default(),
                )
                .map_err(corrupt)?,
            })
        }
        _ => None,
    };
    Ok(StoredChange {
        position: r.try_get("position")?,
        change: ProposedChange {
            kind,
            sku: Sku::parse(&sku).map_err(corrupt)?,
            effective_from: NaiveDate::parse_from_str(&effective_from, "%Y-%m-%d").map_err(corrupt)?,
            new_price: if kind == ChangeKind::Price { price } else { None },
            details,
        },
        status: r.try_get("status")?,
        applied_at: r.try_get("applied_at")?,
    })
}

/// A page of a request's changes: those after `after_position`, in order.
pub async fn changes(
    conn: &mut Conn,
    request: &str,
    after_position: i64,
    limit: i64,
) -> StoreResult<Vec<StoredChange>> {
    sqlx::query(CHANGES)
        .bind(request)
        .bind(after_position)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(change_from_row)
        .collect()
}

/// Decides a submitted request and its changes; false if it was already decided.
pub async fn decide(
    conn: &mut Conn,
    id: &str,
    status: RequestStatus,
    by: &UserId,
    at: &str,
    reason: Option<&str>,
) -> StoreResult<bool> {
    let decided = sqlx::query(DECIDE)
        .bind(status.as_str())
        .bind(by.as_str())
        .bind(at)
        .bind(reason)
        .bind(id)
        .execute(&mut *conn)
        .await?
        .rows_affected()
        == 1;
    if decided {
        let changes = if status == RequestStatus::Approved {
            "scheduled"
        } else {
            "rejected"
        };
        sqlx::query(SET_CHANGES_STATUS)
            .bind(changes)
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(decided)
}

/// An approved change whose date has come, with its framework and supplier.
#[derive(Debug, Clone)]
pub struct DueChange {
    pub request_id: String,
    pub framework_id: FrameworkId,
    pub supplier_id: OrganisationId,
    pub stored: StoredChange,
}

pub async fn due(conn: &mut Conn, today: &str, limit: i64) -> StoreResult<Vec<DueChange>> {
    sqlx::query(DUE)
        .bind(today)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(due_from_row)
        .collect()
}

/// A framework's approved changes that will have applied by the end of `date`, in order.
pub async fn scheduled(
    conn: &mut Conn,
    framework: &FrameworkId,
    date: &str,
    limit: i64,
) -> StoreResult<Vec<DueChange>> {
    sqlx::query(SCHEDULED)
        .bind(date)
        .bind(framework.as_str())
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(due_from_row)
        .collect()
}

fn due_from_row(r: &sqlx::any::AnyRow) -> StoreResult<DueChange> {
    Ok(DueChange {
        request_id: r.try_get("change_request_id")?,
        framework_id: FrameworkId::from_stored(r.try_get::<String, _>("framework_id")?),
        supplier_id: OrganisationId::from_stored(r.try_get::<String, _>("supplier_id")?),
        stored: change_from_row(r)?,
    })
}

/// Marks a scheduled change applied; false if another process applied it first.
pub async fn mark_applied(conn: &mut Conn, request: &str, position: i64, at: &str) -> StoreResult<bool> {
    Ok(sqlx::query(MARK_APPLIED)
        .bind(at)
        .bind(request)
        .bind(position)
        .execute(&mut *conn)
        .await?
        .rows_affected()
        == 1)
}

/// SKUs that other open requests on the framework would add.
pub async fn pending_adds(conn: &mut Conn, framework: &FrameworkId, except_request: &str) -> StoreResult<Vec<String>> {
    sqlx::query(PENDING_ADDS)
        .bind(framework.as_str())
        .bind(except_request)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| Ok(r.try_get("sku")?))
        .collect()
}

/// The effective date of the supplier's latest indexation that is submitted or approved.
pub async fn last_indexation(
    conn: &mut Conn,
    framework: &FrameworkId,
    supplier: &OrganisationId,
) -> StoreResult<Option<String>> {
    Ok(sqlx::query(LAST_INDEXATION)
        .bind(framework.as_str())
        .bind(supplier.as_str())
        .fetch_one(&mut *conn)
        .await?
        .try_get("last")?)
}
