//! The Local Government Transparency Code 2015 registers of a buying organisation, by quarter
//! (ADR 0018): the contracts register (every call-off over £5,000 running in the quarter) and
//! the spending over £500 (every approved invoice and credit note issued in it), as tables for
//! the page and as CSV with the Code's column names.

use crate::spend::RENEWAL_NOTICE_DAYS;
use crate::{Actor, App, AppError, AppResult};
use calloff_domain::calendar::parse_date;
use calloff_domain::money::Money;
use calloff_domain::role::Role;
use calloff_domain::transparency::{Quarter, CONTRACT_COLUMNS, CONTRACT_THRESHOLD, SPEND_COLUMNS, SPEND_THRESHOLD};
use calloff_interop::export::{csv, Cell};
use calloff_store::transparency::{self, ContractRow, ContractsQuery, SpendQuery, SpendRow};
use chrono::{Duration, SecondsFormat};

/// Most rows a register holds. A London borough places a few hundred call-offs a year.
pub const MAX_ROWS: i64 = 50_000;

/// The quarter asked for; absent or empty means the current one.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QuarterParams {
    /// A calendar quarter as `YYYY-QN` (Q1 is January to March), e.g. `2026-Q3`; the current
    /// quarter when absent.
    #[serde(default)]
    #[param(value_type = Option<String>, example = "2026-Q3")]
    pub quarter: String,
}

/// One contract as the Code lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractEntry {
    pub row: ContractRow,
    /// The contract's title: the order's title, or its first line's name on older call-offs.
    pub title: String,
    pub description: String,
    /// When the buyer is reminded to decide on renewal: the review date the Code asks for.
    pub review_on: Option<String>,
    pub start_on: Option<String>,
    pub procurement_route: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registers {
    pub organisation_name: String,
    pub quarter: Quarter,
    pub contracts: Vec<ContractEntry>,
    pub spend: Vec<SpendRow>,
}

fn may_read(actor: &Actor) -> AppResult<()> {
    if [Role::Buyer, Role::Approver, Role::OrganisationAdmin]
        .iter()
        .any(|r| actor.has(*r))
    {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "only a buying organisation's buyers, approvers and admins read its transparency registers".into(),
        ))
    }
}

/// The quarter asked for, judged only after the actor may read the registers.
pub fn quarter_of(app: &App, params: &QuarterParams) -> AppResult<Quarter> {
    if params.quarter.trim().is_empty() {
        return Ok(Quarter::containing(app.today()));
    }
    Quarter::parse(&params.quarter).map_err(|message| AppError::invalid("quarter", message))
}

/// Both registers of the actor's organisation for the quarter.
pub async fn registers(app: &App, actor: &Actor, params: &QuarterParams) -> AppResult<Registers> {
    may_read(actor)?;
    let quarter = quarter_of(app, params)?;
    let mut conn = app.db.pool().acquire().await?;
    let (_, next_starts) = quarter.uk_bounds();
    let placed_before = next_starts.to_rfc3339_opts(SecondsFormat::Millis, true);
    let running_on = quarter.first_day().to_string();
    let contracts = transparency::contracts(
        &mut conn,
        ContractsQuery {
            buyer: actor.organisation_id.as_str(),
            over: CONTRACT_THRESHOLD,
            placed_before: &placed_before,
            running_on: &running_on,
            limit: MAX_ROWS,
        },
    )
    .await?
    .into_iter()
    .map(contract_entry)
    .collect();
    let spend = transparency::spend(
        &mut conn,
        SpendQuery {
            buyer: actor.organisation_id.as_str(),
            over: SPEND_THRESHOLD,
            from: &quarter.first_day().to_string(),
            to: &quarter.last_day().to_string(),
            limit: MAX_ROWS,
        },
    )
    .await?;
    Ok(Registers {
        organisation_name: actor.organisation_name.clone(),
        quarter,
        contracts,
        spend,
    })
}

fn contract_entry(row: ContractRow) -> ContractEntry {
    let title = row
        .title
        .clone()
        .or_else(|| row.lines.first().cloned())
        .unwrap_or_else(|| row.reference.clone());
    let review_on = row
        .ends_on
        .as_deref()
        .and_then(|end| parse_date(end).ok())
        .map(|end| (end - Duration::days(RENEWAL_NOTICE_DAYS)).to_string());
    ContractEntry {
        title,
        description: row.lines.join("; "),
        review_on,
        start_on: row.starts_on.clone().or_else(|| row.live_on.clone()),
        // Every call-off today buys at catalogue prices from the framework's supplier.
        procurement_route: format!(
            "No: a direct award (call-off) under framework agreement {}",
            row.framework_reference
        ),
        row,
    }
}

/// A spending row's amount as the register shows it: credit notes negative.
pub fn signed_net(row: &SpendRow) -> Money {
    if row.credit_note {
        Money::from_pence(-row.net.pence())
    } else {
        row.net
    }
}

/// What a spending row paid for, in words.
pub fn purpose(row: &SpendRow) -> String {
    let what = if row.credit_note { "Credit note" } else { "Invoice" };
    match &row.call_off_title {
        Some(title) => format!("{what} for call-off {}: {title}", row.call_off_reference),
        None => format!("{what} for call-off {}", row.call_off_reference),
    }
}

fn text_or_empty(value: Option<&str>) -> Cell {
    value.map_or(Cell::Empty, Cell::text)
}

/// The contracts register as CSV: the Code's columns, one row per contract. SME and VCSE as the
/// supplier declared them (empty until it does); irrecoverable VAT is kept, empty: calloff does
/// not hold a council's VAT position (ADR 0018).
pub fn contracts_csv(registers: &Registers) -> Vec<u8> {
    let mut rows = vec![CONTRACT_COLUMNS.iter().map(|c| Cell::text(*c)).collect::<Vec<_>>()];
    for c in &registers.contracts {
        rows.push(vec![
            Cell::text(&c.row.reference),
            Cell::text(&c.title),
            text_or_empty(c.row.cost_centre.as_deref()),
            Cell::text(&c.description),
            Cell::text(&c.row.supplier),
            Cell::Pounds(c.row.value),
            Cell::Empty,
            text_or_empty(c.start_on.as_deref()),
            text_or_empty(c.row.ends_on.as_deref()),
            text_or_empty(c.review_on.as_deref()),
            Cell::text(&c.procurement_route),
            yes_no(c.row.sme),
            yes_no(c.row.vcse),
            text_or_empty(c.row.companies_house.as_deref()),
        ]);
    }
    csv(&rows)
}

/// A supplier's declared status as the register writes it: empty until it declares.
fn yes_no(declared: Option<bool>) -> Cell {
    match declared {
        Some(true) => Cell::text("Yes"),
        Some(false) => Cell::text("No"),
        None => Cell::Empty,
    }
}

/// The spending over £500 as CSV: the Code's columns, one row per invoice or credit note.
pub fn spend_csv(registers: &Registers) -> Vec<u8> {
    let mut rows = vec![SPEND_COLUMNS.iter().map(|c| Cell::text(*c)).collect::<Vec<_>>()];
    for s in &registers.spend {
        rows.push(vec![
            Cell::text(&registers.organisation_name),
            Cell::text(&s.issue_date),
            Cell::text(&s.number),
            text_or_empty(s.cost_centre.as_deref()),
            Cell::text(&s.supplier),
            Cell::text(purpose(s)),
            Cell::Pounds(signed_net(s)),
            Cell::Empty,
            text_or_empty(s.lot_title.as_deref()),
            text_or_empty(s.cpv.as_deref().map(|cpv| format!("CPV {cpv}")).as_deref()),
        ]);
    }
    csv(&rows)
}

/// A download's file name: `transparency-contracts-2026-Q3.csv`.
pub fn file_name(register: &str, quarter: Quarter) -> String {
    format!("transparency-{register}-{quarter}.csv")
}
