//! Frameworks, lots, suppliers, eligibility, and the guarded ceiling updates.

use crate::audit::ChainHead;
use crate::{Conn, StoreError, StoreResult};
use calloff_domain::framework::{Framework, FrameworkStatus, Headroom, Lot, Term};
use calloff_domain::ids::{FrameworkId, LotId, OrganisationId};
use calloff_domain::money::Money;
use calloff_domain::organisation::OrganisationKind;
use chrono::NaiveDate;
use sqlx::Row;

crate::statements! {
    INSERT = "INSERT INTO frameworks (id, reference, title, authority_id, maximum_value, committed_value, \
              call_off_count, start_date, end_date, status, created_at) VALUES ($1, $2, $3, $4, $5, 0, 0, $6, $7, $8, $9)";
    INSERT_LOT = "INSERT INTO lots (framework_id, number, id, title, ceiling, committed_value, direct_award_route, \
                  direct_award_limit) VALUES ($1, $2, $3, $4, $5, 0, $6, $7)";
    INSERT_SUPPLIER = "INSERT INTO framework_suppliers (framework_id, supplier_id) VALUES ($1, $2)";
    INSERT_ELIGIBLE = "INSERT INTO framework_eligibility (framework_id, organisation_id) VALUES ($1, $2)";
    BY_ID = "SELECT id, reference, title, authority_id, maximum_value, committed_value, start_date, end_date, status \
             FROM frameworks WHERE id = $1";
    BY_REFERENCE = "SELECT id, reference, title, authority_id, maximum_value, committed_value, start_date, end_date, status \
                    FROM frameworks WHERE reference = $1";
    ALL_FRAMEWORKS = "SELECT id, reference, title, authority_id, maximum_value, committed_value, start_date, end_date, status \
                      FROM frameworks ORDER BY reference";
    LOTS = "SELECT id, number, title, ceiling, committed_value, direct_award_route, direct_award_limit FROM lots \
            WHERE framework_id = $1 ORDER BY number";
    SET_DIRECT_AWARD = "UPDATE lots SET direct_award_route = $1, direct_award_limit = $2 WHERE framework_id = $3 AND number = $4";
    SUPPLIERS = "SELECT supplier_id FROM framework_suppliers WHERE framework_id = $1 ORDER BY supplier_id";
    INSERT_ELIGIBLE_KIND = "INSERT INTO framework_eligible_kinds (framework_id, kind) VALUES ($1, $2)";
    ELIGIBLE_KINDS = "SELECT kind FROM framework_eligible_kinds WHERE framework_id = $1 ORDER BY kind";
    NAMED_ELIGIBLE = "SELECT organisation_id FROM framework_eligibility WHERE framework_id = $1";
    // Eligible: named on the register, or of a kind the register admits.
    IS_ELIGIBLE = "SELECT 1 AS eligible FROM organisations o WHERE o.id = $2 \
                   AND (EXISTS (SELECT 1 FROM framework_eligibility e WHERE e.framework_id = $1 AND e.organisation_id = o.id) \
                        OR EXISTS (SELECT 1 FROM framework_eligible_kinds k WHERE k.framework_id = $1 AND k.kind = o.kind))";
    ELIGIBLE_COUNT = "SELECT COUNT(*) AS n FROM organisations o \
                      WHERE EXISTS (SELECT 1 FROM framework_eligibility e WHERE e.framework_id = $1 AND e.organisation_id = o.id) \
                      OR EXISTS (SELECT 1 FROM framework_eligible_kinds k WHERE k.framework_id = $1 AND k.kind = o.kind)";
    SET_STATUS = "UPDATE frameworks SET status = $1 WHERE id = $2";
    // The guard: the database adds the value only if the framework is live and in term, the buyer
    // verified and eligible, and the result stays within the maximum. It returns how many
    // approvers the buyer's rules ask for at this value, so deciding costs no extra statement.
    RESERVE = "UPDATE frameworks SET committed_value = committed_value + $1, call_off_count = call_off_count + $5 \
               WHERE id = $2 AND status = 'live' AND start_date <= $3 AND end_date >= $3 \
               AND committed_value + $1 <= maximum_value \
               AND EXISTS (SELECT 1 FROM organisations o WHERE o.id = $4 AND o.verification = 'verified' \
                   AND (EXISTS (SELECT 1 FROM framework_eligibility e WHERE e.framework_id = frameworks.id AND e.organisation_id = o.id) \
                        OR EXISTS (SELECT 1 FROM framework_eligible_kinds k WHERE k.framework_id = frameworks.id AND k.kind = o.kind))) \
               RETURNING call_off_count, reference, \
               COALESCE((SELECT t.approvers FROM approval_thresholds t WHERE t.organisation_id = $4 \
                   AND t.from_value <= $1 ORDER BY t.from_value DESC LIMIT 1), 0) AS approvers_required, \
               (SELECT o.approval_expiry_days FROM organisations o WHERE o.id = $4) AS approval_expiry_days";
    // The lot guard: within the lot's ceiling, and a direct award the lot allows (a direct-award
    // route or a single supplier on the framework, and within the direct-award limit).
    RESERVE_LOT = "UPDATE lots SET committed_value = committed_value + $1 \
                   WHERE framework_id = $2 AND number = $3 AND (ceiling IS NULL OR committed_value + $1 <= ceiling) \
                   AND (direct_award_limit IS NULL OR $1 <= direct_award_limit) \
                   AND (direct_award_route = 1 \
                        OR (SELECT COUNT(*) FROM framework_suppliers s WHERE s.framework_id = $2) = 1)";
    INDEXATION_CAP = "SELECT indexation_cap_bp FROM frameworks WHERE id = $1";
    NAMES_BUYERS = "SELECT names_buyers_of_items FROM frameworks WHERE id = $1";
    SET_NAMES_BUYERS = "UPDATE frameworks SET names_buyers_of_items = $1 WHERE id = $2";
    SET_INDEXATION_CAP = "UPDATE frameworks SET indexation_cap_bp = $1 WHERE id = $2";
    RELEASE = "UPDATE frameworks SET committed_value = committed_value - $1 WHERE id = $2";
    RELEASE_LOT = "UPDATE lots SET committed_value = committed_value - $1 WHERE framework_id = $2 AND number = $3";
    COMMITTED_VALUES = "SELECT id, reference, committed_value FROM frameworks ORDER BY id";
    LOT_COMMITTED_VALUES = "SELECT framework_id, number, committed_value FROM lots ORDER BY framework_id, number";
}

/// A framework's committed value and ceiling, with its lots'.
#[derive(Debug, Clone)]
pub struct FrameworkRecord {
    pub framework: Framework,
    pub headroom: Headroom,
    pub lot_headroom: Vec<(u32, Option<Headroom>)>,
}

pub async fn insert(conn: &mut Conn, f: &Framework, at: &str) -> StoreResult<()> {
    sqlx::query(INSERT)
        .bind(f.id.as_str())
        .bind(&f.reference)
        .bind(&f.title)
        .bind(f.authority.as_str())
        .bind(f.maximum_value.pence())
        .bind(f.term.start.to_string())
        .bind(f.term.end.to_string())
        .bind(f.status.as_str())
        .bind(at)
        .execute(&mut *conn)
        .await?;
    for lot in &f.lots {
        sqlx::query(INSERT_LOT)
            .bind(f.id.as_str())
            .bind(lot.number as i64)
            .bind(lot.id.as_str())
            .bind(&lot.title)
            .bind(lot.ceiling.map(Money::pence))
            .bind(i64::from(lot.direct_award_route))
            .bind(lot.direct_award_limit.map(Money::pence))
            .execute(&mut *conn)
            .await?;
    }
    for supplier in &f.suppliers {
        sqlx::query(INSERT_SUPPLIER)
            .bind(f.id.as_str())
            .bind(supplier.as_str())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

pub async fn add_eligible(conn: &mut Conn, framework: &FrameworkId, org: &OrganisationId) -> StoreResult<()> {
    sqlx::query(INSERT_ELIGIBLE)
        .bind(framework.as_str())
        .bind(org.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn is_eligible(conn: &mut Conn, framework: &FrameworkId, org: &OrganisationId) -> StoreResult<bool> {
    Ok(sqlx::query(IS_ELIGIBLE)
        .bind(framework.as_str())
        .bind(org.as_str())
        .fetch_optional(&mut *conn)
        .await?
        .is_some())
}

pub async fn eligible_count(conn: &mut Conn, framework: &FrameworkId) -> StoreResult<i64> {
    Ok(sqlx::query(ELIGIBLE_COUNT)
        .bind(framework.as_str())
        .fetch_one(&mut *conn)
        .await?
        .try_get("n")?)
}

pub async fn set_status(conn: &mut Conn, framework: &FrameworkId, status: FrameworkStatus) -> StoreResult<()> {
    sqlx::query(SET_STATUS)
        .bind(status.as_str())
        .bind(framework.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::corrupt(e.to_string())
}

async fn from_row(conn: &mut Conn, row: &sqlx::any::AnyRow) -> StoreResult<FrameworkRecord> {
    let id: String = row.try_get("id")?;
    let date = |name: &str| -> StoreResult<NaiveDate> {
        let text: String = row.try_get(name)?;
        text.parse().map_err(corrupt)
    };
    let term = Term::parse(date("start_date")?, date("end_date")?).map_err(corrupt)?;
    let status: String = row.try_get("status")?;
    let mut lots = Vec::new();
    let mut lot_headroom = Vec::new();
    for lot_row in sqlx::query(LOTS).bind(&id).fetch_all(&mut *conn).await? {
        let number: u32 = crate::narrow(lot_row.try_get("number")?, "number")?;
        let ceiling: Option<i64> = lot_row.try_get("ceiling")?;
        let committed: i64 = lot_row.try_get("committed_value")?;
        lots.push(Lot {
            id: LotId::from_stored(lot_row.try_get::<String, _>("id")?),
            number,
            title: lot_row.try_get("title")?,
            ceiling: ceiling.map(Money::from_pence),
            direct_award_route: lot_row.try_get::<i64, _>("direct_award_route")? == 1,
            direct_award_limit: lot_row
                .try_get::<Option<i64>, _>("direct_award_limit")?
                .map(Money::from_pence),
        });
        lot_headroom.push((
            number,
            ceiling.map(|c| Headroom {
                ceiling: Money::from_pence(c),
                committed: Money::from_pence(committed),
            }),
        ));
    }
    let mut suppliers = Vec::new();
    for s in sqlx::query(SUPPLIERS).bind(&id).fetch_all(&mut *conn).await? {
        suppliers.push(OrganisationId::from_stored(s.try_get::<String, _>("supplier_id")?));
    }
    let maximum_value = Money::from_pence(row.try_get("maximum_value")?);
    Ok(FrameworkRecord {
        framework: Framework {
            id: FrameworkId::from_stored(id),
            reference: row.try_get("reference")?,
            title: row.try_get("title")?,
            authority: OrganisationId::from_stored(row.try_get::<String, _>("authority_id")?),
            suppliers,
            lots,
            maximum_value,
            term,
            status: FrameworkStatus::parse(&status).map_err(corrupt)?,
        },
        headroom: Headroom {
            ceiling: maximum_value,
            committed: Money::from_pence(row.try_get("committed_value")?),
        },
        lot_headroom,
    })
}

pub async fn get(conn: &mut Conn, id: &FrameworkId) -> StoreResult<Option<FrameworkRecord>> {
    match sqlx::query(BY_ID).bind(id.as_str()).fetch_optional(&mut *conn).await? {
        Some(row) => Ok(Some(from_row(conn, &row).await?)),
        None => Ok(None),
    }
}

pub async fn find_by_reference(conn: &mut Conn, reference: &str) -> StoreResult<Option<FrameworkRecord>> {
    match sqlx::query(BY_REFERENCE)
        .bind(reference)
        .fetch_optional(&mut *conn)
        .await?
    {
        Some(row) => Ok(Some(from_row(conn, &row).await?)),
        None => Ok(None),
    }
}

pub async fn all(conn: &mut Conn) -> StoreResult<Vec<FrameworkRecord>> {
    let rows = sqlx::query(ALL_FRAMEWORKS).fetch_all(&mut *conn).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        out.push(from_row(conn, row).await?);
    }
    Ok(out)
}

/// What a call-off asks of its framework.
pub struct Reservation<'a> {
    pub framework: &'a FrameworkId,
    pub buyer: &'a OrganisationId,
    pub value: Money,
    /// Today as `YYYY-MM-DD`, compared with the framework's term.
    pub today: &'a str,
    /// False when a returned call-off is submitted again (it keeps its reference).
    pub new_call_off: bool,
}

/// What a successful reservation returns, for the call-off's reference.
pub struct Reserved {
    pub call_off_count: i64,
    pub framework_reference: String,
    /// Distinct approvers the buyer's rules ask for at this value (0: none).
    pub approvers_required: u32,
    pub approval_expiry_days: u32,
}

/// Adds the value to the framework's committed value if the framework is live and in term, the
/// buyer verified and eligible, and the result within the maximum. `None` if refused.
pub async fn reserve(conn: &mut Conn, head: &mut ChainHead, r: Reservation<'_>) -> StoreResult<Option<Reserved>> {
    let row = sqlx::query(RESERVE)
        .bind(r.value.pence())
        .bind(r.framework.as_str())
        .bind(r.today)
        .bind(r.buyer.as_str())
        .bind(i64::from(r.new_call_off))
        .fetch_optional(&mut *conn)
        .await?;
    let count = |n: i64| u32::try_from(n).map_err(|e| StoreError::corrupt(e.to_string()));
    if row.is_some() {
        head.headroom_moved(r.framework.as_str(), None, r.value.pence());
    }
    row.map(|row| {
        Ok(Reserved {
            call_off_count: row.try_get("call_off_count")?,
            framework_reference: row.try_get("reference")?,
            approvers_required: count(row.try_get("approvers_required")?)?,
            approval_expiry_days: count(row.try_get("approval_expiry_days")?)?,
        })
    })
    .transpose()
}

/// Adds `value` to a lot's committed value if it stays within the lot's ceiling (if any).
pub async fn reserve_lot(
    conn: &mut Conn,
    head: &mut ChainHead,
    framework: &FrameworkId,
    lot: u32,
    value: Money,
) -> StoreResult<bool> {
    let result = sqlx::query(RESERVE_LOT)
        .bind(value.pence())
        .bind(framework.as_str())
        .bind(lot as i64)
        .execute(&mut *conn)
        .await?;
    let reserved = result.rows_affected() == 1;
    if reserved {
        head.headroom_moved(framework.as_str(), Some(lot), value.pence());
    }
    Ok(reserved)
}

pub async fn release(conn: &mut Conn, head: &mut ChainHead, framework: &FrameworkId, value: Money) -> StoreResult<()> {
    let result = sqlx::query(RELEASE)
        .bind(value.pence())
        .bind(framework.as_str())
        .execute(&mut *conn)
        .await?;
    if result.rows_affected() == 1 {
        head.headroom_moved(framework.as_str(), None, -value.pence());
    }
    Ok(())
}

pub async fn release_lot(
    conn: &mut Conn,
    head: &mut ChainHead,
    framework: &FrameworkId,
    lot: u32,
    value: Money,
) -> StoreResult<()> {
    let result = sqlx::query(RELEASE_LOT)
        .bind(value.pence())
        .bind(framework.as_str())
        .bind(lot as i64)
        .execute(&mut *conn)
        .await?;
    if result.rows_affected() == 1 {
        head.headroom_moved(framework.as_str(), Some(lot), -value.pence());
    }
    Ok(())
}

/// Every framework's committed value, and every lot's, by id, for checking against the chain.
pub async fn committed_values(conn: &mut Conn) -> StoreResult<CommittedValues> {
    let mut values = CommittedValues::default();
    for row in sqlx::query(COMMITTED_VALUES).fetch_all(&mut *conn).await? {
        values.frameworks.push((
            row.try_get("id")?,
            row.try_get("reference")?,
            row.try_get("committed_value")?,
        ));
    }
    for row in sqlx::query(LOT_COMMITTED_VALUES).fetch_all(&mut *conn).await? {
        values.lots.push((
            row.try_get("framework_id")?,
            crate::narrow(row.try_get::<i64, _>("number")?, "lots.number")?,
            row.try_get("committed_value")?,
        ));
    }
    Ok(values)
}

/// Committed values as the tables hold them: (id, reference, pence) per framework and
/// (framework id, lot number, pence) per lot.
#[derive(Debug, Default)]
pub struct CommittedValues {
    pub frameworks: Vec<(String, String, i64)>,
    pub lots: Vec<(String, u32, i64)>,
}

/// Sets a lot's direct-award route and limit.
pub async fn set_direct_award(
    conn: &mut Conn,
    framework: &FrameworkId,
    lot: u32,
    route: bool,
    limit: Option<Money>,
) -> StoreResult<()> {
    sqlx::query(SET_DIRECT_AWARD)
        .bind(i64::from(route))
        .bind(limit.map(Money::pence))
        .bind(framework.as_str())
        .bind(lot as i64)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Admits every body of `kind` to the framework's register.
pub async fn add_eligible_kind(conn: &mut Conn, framework: &FrameworkId, kind: OrganisationKind) -> StoreResult<()> {
    sqlx::query(INSERT_ELIGIBLE_KIND)
        .bind(framework.as_str())
        .bind(kind.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The register: kinds admitted, and bodies named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Register {
    pub kinds: Vec<OrganisationKind>,
    pub named: Vec<OrganisationId>,
}

pub async fn register(conn: &mut Conn, framework: &FrameworkId) -> StoreResult<Register> {
    let mut kinds = Vec::new();
    for row in sqlx::query(ELIGIBLE_KINDS)
        .bind(framework.as_str())
        .fetch_all(&mut *conn)
        .await?
    {
        let kind: String = row.try_get("kind")?;
        kinds.push(OrganisationKind::parse(&kind).map_err(corrupt)?);
    }
    let named = sqlx::query(NAMED_ELIGIBLE)
        .bind(framework.as_str())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| Ok(OrganisationId::from_stored(r.try_get::<String, _>("organisation_id")?)))
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(Register { kinds, named })
}

/// The most an annual indexation may raise the framework's prices, in basis points.
pub async fn indexation_cap_bp(conn: &mut Conn, framework: &FrameworkId) -> StoreResult<i64> {
    Ok(sqlx::query(INDEXATION_CAP)
        .bind(framework.as_str())
        .fetch_one(&mut *conn)
        .await?
        .try_get("indexation_cap_bp")?)
}

pub async fn set_indexation_cap_bp(conn: &mut Conn, framework: &FrameworkId, cap_bp: i64) -> StoreResult<()> {
    sqlx::query(SET_INDEXATION_CAP)
        .bind(cap_bp)
        .bind(framework.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Whether item pages may name the bodies that bought each item.
pub async fn names_buyers(conn: &mut Conn, framework: &FrameworkId) -> StoreResult<bool> {
    Ok(sqlx::query(NAMES_BUYERS)
        .bind(framework.as_str())
        .fetch_optional(&mut *conn)
        .await?
        .map(|r| r.try_get::<i64, _>("names_buyers_of_items"))
        .transpose()?
        == Some(1))
}

pub async fn set_names_buyers(conn: &mut Conn, framework: &FrameworkId, allowed: bool) -> StoreResult<()> {
    sqlx::query(SET_NAMES_BUYERS)
        .bind(i64::from(allowed))
        .bind(framework.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(())
}
