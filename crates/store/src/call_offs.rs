use crate::{Conn, StoreError, StoreResult};
use calloff_domain::approval::CostCentre;
use calloff_domain::call_off::{
    units_charged, CallOff, CallOffState, MonthlyUsage, PricedLine, Quantity, TermMonths, Totals,
};
use calloff_domain::catalogue::{CpvCode, Sku, Unit};
use calloff_domain::ids::{CallOffId, FrameworkId, ItemId, OrganisationId, UserId};
use calloff_domain::money::{Money, UnitPrice};
use calloff_domain::order::{Contact, OrderDetails, Person};
use calloff_domain::pricing::PriceBasis;
use sqlx::Row;

crate::statements! {
    BY_REFERENCE = "SELECT id FROM call_offs WHERE reference = $1";
    INSERT = "INSERT INTO call_offs (id, reference, framework_id, buyer_id, supplier_id, placed_by, state, \
              contract_value, vat, idempotency_key, request_hash, placed_at, updated_at, change_seq, cost_centre, sent_to_supplier, \
              title, delivery_address, starts_on, purchase_order, contact_name, contact_email, contact_phone) \
              VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)";
    // The line is copied from the catalogue row only if that row is still the version that was
    // priced (every change of an item's details or prices is a new version), so a call-off can
    // never freeze a price or description that was not in force as it was placed.
    INSERT_LINE = "INSERT INTO call_off_lines (call_off_id, line_number, item_id, lot_number, sku, name, description, \
                   unit, unit_price_micros, cpv, quantity, term_months, monthly_usage, line_value, item_version, \
                   list_price_micros, catalogue_price_micros, price_basis, price_basis_from) \
                   SELECT $1, $2, id, lot_number, sku, name, description, unit, $8, cpv, $3, $4, $5, $6, version, \
                   list_price_micros, $9, $10, $11 FROM catalogue_items \
                   WHERE id = $7 AND version = $12 AND unit_price_micros = $13 AND minimum_term_months <= $4 \
                   AND withdrawn = 0";
    BY_ID = "SELECT id, reference, framework_id, buyer_id, supplier_id, placed_by, state, contract_value, vat, \
             rejection_reason, placed_at, updated_at, change_seq, request_hash, cost_centre, sent_to_supplier, \
             title, delivery_address, starts_on, purchase_order, contact_name, contact_email, contact_phone, \
             supplier_contact_name, supplier_contact_email FROM call_offs WHERE id = $1";
    BY_IDEMPOTENCY_KEY = "SELECT id, reference, framework_id, buyer_id, supplier_id, placed_by, state, contract_value, vat, \
                          rejection_reason, placed_at, updated_at, change_seq, request_hash, cost_centre, sent_to_supplier, \
             title, delivery_address, starts_on, purchase_order, contact_name, contact_email, contact_phone, \
             supplier_contact_name, supplier_contact_email FROM call_offs \
                          WHERE placed_by = $1 AND idempotency_key = $2";
    // A list's filters are all in one statement: an empty filter ('' or 0) lets every row through.
    FOR_BUYER = "SELECT id, reference, framework_id, buyer_id, supplier_id, placed_by, state, contract_value, vat, \
                 rejection_reason, placed_at, updated_at, change_seq, request_hash, cost_centre, sent_to_supplier, \
             title, delivery_address, starts_on, purchase_order, contact_name, contact_email, contact_phone, \
             supplier_contact_name, supplier_contact_email FROM call_offs \
                 WHERE buyer_id = $1 AND change_seq < $2 AND ($3 = '' OR state = $3) \
                 AND ($4 = 0 OR EXISTS (SELECT 1 FROM call_off_lines l WHERE l.call_off_id = call_offs.id AND l.lot_number = $4)) \
                 AND ($5 = '' OR placed_at >= $5) AND ($6 = '' OR placed_at < $6) \
                 AND ($7 = '' OR lower(reference) LIKE $7 ESCAPE '!' OR lower(COALESCE(title, '')) LIKE $7 ESCAPE '!') \
                 ORDER BY change_seq DESC LIMIT $8";
    FOR_SUPPLIER = "SELECT id, reference, framework_id, buyer_id, supplier_id, placed_by, state, contract_value, vat, \
                    rejection_reason, placed_at, updated_at, change_seq, request_hash, cost_centre, sent_to_supplier, \
             title, delivery_address, starts_on, purchase_order, contact_name, contact_email, contact_phone, \
             supplier_contact_name, supplier_contact_email FROM call_offs \
                    WHERE supplier_id = $1 AND sent_to_supplier = 1 AND change_seq < $2 AND ($3 = '' OR state = $3) \
                 AND ($4 = 0 OR EXISTS (SELECT 1 FROM call_off_lines l WHERE l.call_off_id = call_offs.id AND l.lot_number = $4)) \
                 AND ($5 = '' OR placed_at >= $5) AND ($6 = '' OR placed_at < $6) \
                 AND ($7 = '' OR lower(reference) LIKE $7 ESCAPE '!' OR lower(COALESCE(title, '')) LIKE $7 ESCAPE '!') \
                 ORDER BY change_seq DESC LIMIT $8";
    LINES = "SELECT item_id, lot_number, sku, name, description, unit, unit_price_micros, cpv, quantity, term_months, \
             monthly_usage, line_value, list_price_micros, item_version, catalogue_price_micros, price_basis, price_basis_from \
             FROM call_off_lines WHERE call_off_id = $1 ORDER BY line_number";
    // Moves a call-off on only from the state the caller saw, so two racing decisions cannot both win.
    SET_STATE = "UPDATE call_offs SET state = $1, rejection_reason = $2, updated_at = $3, change_seq = $4 \
                 WHERE id = $5 AND state = $6";
    // The supplier user who accepts a call-off is its contact there.
    SET_SUPPLIER_CONTACT = "UPDATE call_offs SET supplier_contact_name = $1, supplier_contact_email = $2 WHERE id = $3";
    // Drafts await approval: the supplier hears of them once they are placed.
    TO_NOTIFY = "SELECT id FROM call_offs WHERE supplier_notified_at IS NULL AND sent_to_supplier = 1 \
                 ORDER BY change_seq LIMIT $1";
    SET_DRAFT_COST_CENTRE = "UPDATE call_offs SET cost_centre = $1 WHERE id = $2 AND state = 'draft'";
    // An approved draft is placed now.
    PLACE_DRAFT = "UPDATE call_offs SET state = 'placed', sent_to_supplier = 1, placed_at = $1, updated_at = $1, change_seq = $2 \
                   WHERE id = $3 AND state = 'draft'";
    // Only one dispatcher gets to tell the supplier.
    MARK_SUPPLIER_NOTIFIED = "UPDATE call_offs SET supplier_notified_at = $1 WHERE id = $2 AND supplier_notified_at IS NULL";
    // Lines with a list price, or below their catalogue price, on the framework's call-offs that
    // went ahead, for savings.
    SAVING_LINES = "SELECT c.buyer_id, l.unit, l.quantity, l.term_months, l.monthly_usage, l.line_value, \
                    l.list_price_micros, l.catalogue_price_micros FROM call_off_lines l \
                    JOIN call_offs c ON c.id = l.call_off_id \
                    WHERE c.framework_id = $1 AND c.state IN ('placed', 'accepted', 'live', 'ended') \
                    AND (l.list_price_micros IS NOT NULL OR l.catalogue_price_micros IS NOT NULL)";
    // Unit prices paid for an item on call-offs that went ahead, with the buyer of each.
    PAID_FOR_ITEM = "SELECT c.buyer_id, o.name AS buyer_name, l.unit_price_micros FROM call_off_lines l \
                     JOIN call_offs c ON c.id = l.call_off_id JOIN organisations o ON o.id = c.buyer_id \
                     WHERE l.item_id = $1 AND c.state IN ('placed', 'accepted', 'live', 'ended')";
    // Units of an item bought across the framework, for demand bands: on call-offs that went
    // live (or have ended). A placed or accepted call-off can still be cancelled, so it counts
    // only once live; demand then no longer falls when an order is cancelled.
    COMMITTED_QUANTITY = "SELECT CAST(COALESCE(SUM(l.quantity), 0) AS BIGINT) AS n FROM call_off_lines l \
                          JOIN call_offs c ON c.id = l.call_off_id \
                          WHERE l.item_id = $1 AND c.state IN ('live', 'ended')";
    // Every call-off's value, in id order, for checking against the audit chain.
    VALUES_AFTER = "SELECT id, reference, contract_value FROM call_offs WHERE id > $1 ORDER BY id LIMIT $2";
    COMMITTED_SUM = "SELECT CAST(COALESCE(SUM(contract_value), 0) AS BIGINT) AS total, COUNT(*) AS n FROM call_offs \
                     WHERE framework_id = $1 AND state IN ('placed', 'accepted', 'live', 'ended')";
}

/// Everything needed to insert a call-off.
pub struct NewCallOff<'a> {
    pub call_off: &'a CallOff,
    pub idempotency_key: Option<&'a str>,
    pub request_hash: Option<&'a str>,
}

/// Whether a call-off went in, or which line's catalogue item changed since it was priced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inserted {
    Yes,
    ItemChanged { line: usize },
}

/// Inserts a call-off and its lines. If an item changed since pricing, nothing sensible remains
/// to commit: the caller must roll back.
pub async fn insert(conn: &mut Conn, new: NewCallOff<'_>) -> StoreResult<Inserted> {
    let c = new.call_off;
    sqlx::query(INSERT)
        .bind(c.id.as_str())
        .bind(&c.reference)
        .bind(c.framework_id.as_str())
        .bind(c.buyer_id.as_str())
        .bind(c.supplier_id.as_str())
        .bind(c.placed_by.as_str())
        .bind(c.state.as_str())
        .bind(c.totals.contract_value.pence())
        .bind(c.totals.vat.pence())
        .bind(new.idempotency_key)
        .bind(new.request_hash)
        .bind(&c.placed_at)
        .bind(&c.updated_at)
        .bind(c.change_seq)
        .bind(c.cost_centre.as_ref().map(CostCentre::as_str))
        .bind(i64::from(c.sent_to_supplier))
        .bind(c.order.as_ref().map(|o| o.title.as_str()))
        .bind(c.order.as_ref().map(|o| o.delivery_address.as_str()))
        .bind(c.order.as_ref().map(|o| o.starts_on.to_string()))
        .bind(c.order.as_ref().and_then(|o| o.purchase_order.as_deref()))
        .bind(c.order.as_ref().map(|o| o.contact.name.as_str()))
        .bind(c.order.as_ref().map(|o| o.contact.email.as_str()))
        .bind(c.order.as_ref().map(|o| o.contact.phone.as_str()))
        .execute(&mut *conn)
        .await?;
    for (number, line) in c.lines.iter().enumerate() {
        let copied = sqlx::query(INSERT_LINE)
            .bind(c.id.as_str())
            .bind(crate::wide(number + 1))
            .bind(i64::from(line.quantity.get()))
            .bind(i64::from(line.term_months.get()))
            .bind(line.monthly_usage.map(|u| crate::wide(u.get())))
            .bind(line.value.pence())
            .bind(line.item_id.as_str())
            .bind(line.unit_price.micros())
            .bind(line.catalogue_price.map(UnitPrice::micros))
            .bind(stored_basis(line.price_basis))
            .bind(line.price_basis.from_quantity().map(crate::wide))
            .bind(line.item_version)
            .bind(line.catalogue_price.unwrap_or(line.unit_price).micros())
            .execute(&mut *conn)
            .await?;
        if copied.rows_affected() != 1 {
            return Ok(Inserted::ItemChanged { line: number });
        }
    }
    Ok(Inserted::Yes)
}

/// A line's price basis as stored: none for the catalogue price.
pub(crate) fn stored_basis(basis: PriceBasis) -> Option<&'static str> {
    Some(basis.as_str()).filter(|_| basis != PriceBasis::Catalogue)
}

/// How many units of an item are on live or ended call-offs across the framework.
pub async fn committed_quantity(conn: &mut Conn, item: &ItemId) -> StoreResult<u64> {
    let n: i64 = sqlx::query(COMMITTED_QUANTITY)
        .bind(item.as_str())
        .fetch_one(&mut *conn)
        .await?
        .try_get("n")?;
    Ok(u64::try_from(n).unwrap_or(0))
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::corrupt(e.to_string())
}

fn line_from_row(row: &sqlx::any::AnyRow) -> StoreResult<PricedLine> {
    let sku: String = row.try_get("sku")?;
    let unit = Unit::parse(&row.try_get::<String, _>("unit")?).map_err(corrupt)?;
    let cpv: String = row.try_get("cpv")?;
    let usage: Option<i64> = row.try_get("monthly_usage")?;
    let quantity = Quantity::parse(row.try_get("quantity")?).map_err(corrupt)?;
    let term_months = TermMonths::parse(row.try_get("term_months")?).map_err(corrupt)?;
    let monthly_usage = usage.map(MonthlyUsage::parse).transpose().map_err(corrupt)?;
    let list_price = row
        .try_get::<Option<i64>, _>("list_price_micros")?
        .map(UnitPrice::from_micros)
        .transpose()
        .map_err(corrupt)?;
    // What the line would cost at the list price, charged the same way as the line itself.
    let count = units_charged(unit, quantity, term_months, monthly_usage);
    let list_value = list_price.and_then(|p| p.total_for(count?));
    let catalogue_price = row
        .try_get::<Option<i64>, _>("catalogue_price_micros")?
        .map(UnitPrice::from_micros)
        .transpose()
        .map_err(corrupt)?;
    let price_basis = PriceBasis::from_stored(
        row.try_get::<Option<String>, _>("price_basis")?.as_deref(),
        row.try_get("price_basis_from")?,
    );
    Ok(PricedLine {
        item_id: ItemId::from_stored(row.try_get::<String, _>("item_id")?),
        lot_number: crate::narrow(row.try_get::<i64, _>("lot_number")?, "lot_number")?,
        sku: Sku::parse(&sku).map_err(corrupt)?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        unit,
        unit_price: UnitPrice::from_micros(row.try_get("unit_price_micros")?).map_err(corrupt)?,
        cpv: CpvCode::parse(&cpv).map_err(corrupt)?,
        quantity,
        term_months,
        monthly_usage,
        value: Money::from_pence(row.try_get("line_value")?),
        list_price,
        list_value,
        price_basis,
        catalogue_price,
        catalogue_value: catalogue_price.and_then(|p| p.total_for(count?)),
        next_band: None,
        item_version: row.try_get("item_version")?,
    })
}

/// A stored call-off, with the hash of the request that created it (for idempotent retries).
#[derive(Debug, Clone)]
pub struct CallOffRecord {
    pub call_off: CallOff,
    pub request_hash: Option<String>,
}

/// An order's details as stored: all of them, or none on a call-off placed before they were
/// asked for.
fn order_from_row(row: &sqlx::any::AnyRow) -> StoreResult<Option<OrderDetails>> {
    let text = |name: &str| row.try_get::<Option<String>, _>(name);
    let (Some(title), Some(delivery_address), Some(starts_on), Some(name), Some(email), Some(phone)) = (
        text("title")?,
        text("delivery_address")?,
        text("starts_on")?,
        text("contact_name")?,
        text("contact_email")?,
        text("contact_phone")?,
    ) else {
        return Ok(None);
    };
    Ok(Some(OrderDetails {
        title,
        delivery_address,
        starts_on: starts_on.parse().map_err(corrupt)?,
        purchase_order: text("purchase_order")?,
        contact: Contact { name, email, phone },
    }))
}

async fn from_row(conn: &mut Conn, row: &sqlx::any::AnyRow) -> StoreResult<CallOffRecord> {
    let id: String = row.try_get("id")?;
    let lines = sqlx::query(LINES)
        .bind(&id)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(line_from_row)
        .collect::<StoreResult<Vec<_>>>()?;
    let state: String = row.try_get("state")?;
    let cost_centre: Option<String> = row.try_get("cost_centre")?;
    let contract_value = Money::from_pence(row.try_get("contract_value")?);
    let vat = Money::from_pence(row.try_get("vat")?);
    Ok(CallOffRecord {
        call_off: CallOff {
            id: CallOffId::from_stored(id),
            reference: row.try_get("reference")?,
            framework_id: FrameworkId::from_stored(row.try_get::<String, _>("framework_id")?),
            buyer_id: OrganisationId::from_stored(row.try_get::<String, _>("buyer_id")?),
            supplier_id: OrganisationId::from_stored(row.try_get::<String, _>("supplier_id")?),
            placed_by: UserId::from_stored(row.try_get::<String, _>("placed_by")?),
            state: CallOffState::parse(&state).map_err(corrupt)?,
            lines,
            totals: Totals {
                contract_value,
                vat,
                total_inc_vat: contract_value
                    .checked_add(vat)
                    .ok_or_else(|| corrupt("total overflows"))?,
            },
            cost_centre: cost_centre
                .as_deref()
                .map(CostCentre::parse)
                .transpose()
                .map_err(corrupt)?,
            rejection_reason: row.try_get("rejection_reason")?,
            placed_at: row.try_get("placed_at")?,
            updated_at: row.try_get("updated_at")?,
            change_seq: row.try_get("change_seq")?,
            sent_to_supplier: row.try_get::<i64, _>("sent_to_supplier")? == 1,
            order: order_from_row(row)?,
            supplier_contact: match (
                row.try_get::<Option<String>, _>("supplier_contact_name")?,
                row.try_get::<Option<String>, _>("supplier_contact_email")?,
            ) {
                (Some(name), Some(email)) => Some(Person { name, email }),
                _ => None,
            },
        },
        request_hash: row.try_get("request_hash")?,
    })
}

async fn many(conn: &mut Conn, rows: Vec<sqlx::any::AnyRow>) -> StoreResult<Vec<CallOff>> {
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        out.push(from_row(conn, row).await?.call_off);
    }
    Ok(out)
}

pub async fn get(conn: &mut Conn, id: &CallOffId) -> StoreResult<Option<CallOff>> {
    match sqlx::query(BY_ID).bind(id.as_str()).fetch_optional(&mut *conn).await? {
        Some(row) => Ok(Some(from_row(conn, &row).await?.call_off)),
        None => Ok(None),
    }
}

/// The call-off with this reference (as on order forms and invoices), if any.
pub async fn find_by_reference(conn: &mut Conn, reference: &str) -> StoreResult<Option<CallOffId>> {
    let row = sqlx::query(BY_REFERENCE)
        .bind(reference)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.map(|r| CallOffId::from_stored(sqlx::Row::get::<String, _>(&r, "id"))))
}

pub async fn find_by_idempotency_key(conn: &mut Conn, user: &UserId, key: &str) -> StoreResult<Option<CallOffRecord>> {
    match sqlx::query(BY_IDEMPOTENCY_KEY)
        .bind(user.as_str())
        .bind(key)
        .fetch_optional(&mut *conn)
        .await?
    {
        Some(row) => Ok(Some(from_row(conn, &row).await?)),
        None => Ok(None),
    }
}

/// Which call-offs a list holds: each filter narrows it when given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListFilter {
    pub state: Option<CallOffState>,
    pub lot: Option<u32>,
    /// Placed on or after this day, in UK time.
    pub placed_from: Option<chrono::NaiveDate>,
    /// Placed on or before this day, in UK time.
    pub placed_to: Option<chrono::NaiveDate>,
    /// Words in the reference or title, ignoring case.
    pub search: Option<String>,
}

impl ListFilter {
    fn bind<'q>(
        &'q self,
        query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
        let pattern = self.search.as_deref().map_or(String::new(), |s| {
            // `!` escapes LIKE's wildcards, so a search for "50%" means it.
            let escaped = s
                .to_lowercase()
                .replace('!', "!!")
                .replace('%', "!%")
                .replace('_', "!_");
            format!("%{escaped}%")
        });
        // A UK day's first instant, as timestamps are stored (they sort as text).
        let day_start = |d: chrono::NaiveDate| {
            calloff_domain::calendar::uk_day_start(d).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        };
        query
            .bind(self.state.map_or("", CallOffState::as_str))
            .bind(self.lot.map_or(0, i64::from))
            .bind(self.placed_from.map_or(String::new(), day_start))
            // Before the next day's first instant.
            .bind(
                self.placed_to
                    .and_then(|d| d.succ_opt())
                    .map_or(String::new(), day_start),
            )
            .bind(pattern)
    }
}

/// Newest first: the buyer's call-offs whose last change came before `before_seq`, filtered.
pub async fn for_buyer(
    conn: &mut Conn,
    buyer: &OrganisationId,
    before_seq: i64,
    filter: &ListFilter,
    limit: i64,
) -> StoreResult<Vec<CallOff>> {
    let query = sqlx::query(FOR_BUYER).bind(buyer.as_str()).bind(before_seq);
    let rows = filter.bind(query).bind(limit).fetch_all(&mut *conn).await?;
    many(conn, rows).await
}

/// Newest first: call-offs sent to the supplier whose last change came before `before_seq`,
/// filtered.
pub async fn for_supplier(
    conn: &mut Conn,
    supplier: &OrganisationId,
    before_seq: i64,
    filter: &ListFilter,
    limit: i64,
) -> StoreResult<Vec<CallOff>> {
    let query = sqlx::query(FOR_SUPPLIER).bind(supplier.as_str()).bind(before_seq);
    let rows = filter.bind(query).bind(limit).fetch_all(&mut *conn).await?;
    many(conn, rows).await
}

/// Moves a call-off from `from` to `to`; returns false if it was no longer in `from`.
pub async fn set_state(
    conn: &mut Conn,
    id: &CallOffId,
    from: CallOffState,
    to: CallOffState,
    reason: Option<&str>,
    at: &str,
    change_seq: i64,
) -> StoreResult<bool> {
    let result = sqlx::query(SET_STATE)
        .bind(to.as_str())
        .bind(reason)
        .bind(at)
        .bind(change_seq)
        .bind(id.as_str())
        .bind(from.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(result.rows_affected() == 1)
}

/// Records who at the supplier looks after the call-off.
pub async fn set_supplier_contact(conn: &mut Conn, id: &CallOffId, contact: &Person) -> StoreResult<()> {
    sqlx::query(SET_SUPPLIER_CONTACT)
        .bind(&contact.name)
        .bind(&contact.email)
        .bind(id.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The sum and count of call-offs that hold value against the framework's ceiling.
pub async fn committed_sum(conn: &mut Conn, framework: &FrameworkId) -> StoreResult<(Money, i64)> {
    let row = sqlx::query(COMMITTED_SUM)
        .bind(framework.as_str())
        .fetch_one(&mut *conn)
        .await?;
    Ok((Money::from_pence(row.try_get("total")?), row.try_get("n")?))
}

/// Placed call-offs whose supplier has not yet been told, oldest first.
pub async fn supplier_not_yet_notified(conn: &mut Conn, limit: i64) -> StoreResult<Vec<CallOffId>> {
    let rows = sqlx::query(TO_NOTIFY).bind(limit).fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| Ok(CallOffId::from_stored(r.try_get::<String, _>("id")?)))
        .collect()
}

/// Takes the to-do of telling the supplier; false if another dispatcher took it.
pub async fn mark_supplier_notified(conn: &mut Conn, id: &CallOffId, at: &str) -> StoreResult<bool> {
    Ok(sqlx::query(MARK_SUPPLIER_NOTIFIED)
        .bind(at)
        .bind(id.as_str())
        .execute(&mut *conn)
        .await?
        .rows_affected()
        == 1)
}

/// Places a draft whose approvals are complete; false if it is no longer a draft.
pub async fn place_draft(conn: &mut Conn, id: &CallOffId, at: &str, change_seq: i64) -> StoreResult<bool> {
    Ok(sqlx::query(PLACE_DRAFT)
        .bind(at)
        .bind(change_seq)
        .bind(id.as_str())
        .execute(&mut *conn)
        .await?
        .rows_affected()
        == 1)
}

/// Corrects the cost centre of a draft before it is submitted again.
pub async fn set_draft_cost_centre(conn: &mut Conn, id: &CallOffId, cost_centre: &CostCentre) -> StoreResult<()> {
    sqlx::query(SET_DRAFT_COST_CENTRE)
        .bind(cost_centre.as_str())
        .bind(id.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Each unit price paid for an item on a call-off that went ahead: the buyer's id and name, and
/// the price in micros.
pub async fn paid_for_item(conn: &mut Conn, item: &ItemId) -> StoreResult<Vec<(OrganisationId, String, i64)>> {
    sqlx::query(PAID_FOR_ITEM)
        .bind(item.as_str())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            Ok((
                OrganisationId::from_stored(r.try_get::<String, _>("buyer_id")?),
                r.try_get("buyer_name")?,
                r.try_get("unit_price_micros")?,
            ))
        })
        .collect()
}

/// What buying through the framework saved: against list prices, and through quantity tiers and
/// demand bands (against catalogue prices).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Saved {
    pub against_list: Money,
    pub through_volume: Money,
}

impl Saved {
    fn add(&mut self, other: Saved) {
        self.against_list = Money::from_pence(self.against_list.pence() + other.against_list.pence());
        self.through_volume = Money::from_pence(self.through_volume.pence() + other.through_volume.pence());
    }
}

/// What each buyer saved on the framework's call-offs that went ahead.
pub async fn savings_by_buyer(conn: &mut Conn, framework: &FrameworkId) -> StoreResult<Vec<(OrganisationId, Saved)>> {
    let mut by_buyer: Vec<(OrganisationId, Saved)> = Vec::new();
    for row in sqlx::query(SAVING_LINES)
        .bind(framework.as_str())
        .fetch_all(&mut *conn)
        .await?
    {
        let buyer = OrganisationId::from_stored(row.try_get::<String, _>("buyer_id")?);
        let unit = Unit::parse(&row.try_get::<String, _>("unit")?).map_err(corrupt)?;
        let quantity = Quantity::parse(row.try_get("quantity")?).map_err(corrupt)?;
        let term = TermMonths::parse(row.try_get("term_months")?).map_err(corrupt)?;
        let usage: Option<i64> = row.try_get("monthly_usage")?;
        let usage = usage.map(MonthlyUsage::parse).transpose().map_err(corrupt)?;
        let value = Money::from_pence(row.try_get("line_value")?);
        let count = units_charged(unit, quantity, term, usage);
        // What the line saved against a price it would otherwise have paid.
        let against = |column: &str| -> StoreResult<Money> {
            let Some(micros) = row.try_get::<Option<i64>, _>(column)? else {
                return Ok(Money::ZERO);
            };
            let price = UnitPrice::from_micros(micros).map_err(corrupt)?;
            Ok(count
                .and_then(|count| price.total_for(count))
                .and_then(|full| full.checked_sub(value))
                .unwrap_or_default())
        };
        let saved = Saved {
            against_list: against("list_price_micros")?,
            through_volume: against("catalogue_price_micros")?,
        };
        match by_buyer.iter_mut().find(|(b, _)| *b == buyer) {
            Some((_, total)) => total.add(saved),
            None => by_buyer.push((buyer, saved)),
        }
    }
    Ok(by_buyer)
}

/// A page of (id, reference, contract value) of every call-off after `after` (by id), for
/// checking each row against what the audit chain recorded.
pub async fn values_after(conn: &mut Conn, after: &str, limit: i64) -> StoreResult<Vec<(String, String, i64)>> {
    sqlx::query(VALUES_AFTER)
        .bind(after)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("reference")?, r.try_get("contract_value")?)))
        .collect()
}
