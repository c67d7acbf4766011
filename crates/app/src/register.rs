//! The order register: every call-off placed under a framework, across all its customers,
//! filtered and paged newest first, for its manager and auditors; downloaded as CSV or XLSX.
//! And the audit log, page by page, for auditors.

use crate::frameworks::{record, standing_in};
use crate::{Actor, App, AppError, AppResult};
use calloff_domain::calendar::{parse_date, uk_date_of, uk_day_start};
use calloff_domain::call_off::CallOffState;
use calloff_domain::framework::Framework;
use calloff_domain::ids::{is_id, CallOffId, FrameworkId, OrganisationId};
use calloff_domain::money::Money;
use calloff_domain::organisation::OrganisationKind;
use calloff_domain::standing::may_read_audit_log;
use calloff_domain::FieldError;
use calloff_interop::export::Cell;
use calloff_store::register::{self, LoggedEntry, RegisterCursor, RegisterFilter, RegisterRow};
use chrono::SecondsFormat;

/// Call-offs per page of the register.
pub const PAGE_SIZE: i64 = 50;
/// Most rows in one download: a spreadsheet of every order a large framework has taken stays
/// well under Excel's million rows and a few megabytes; past it, filter the register.
pub const MAX_EXPORT_ROWS: usize = 50_000;
/// Rows read per query while exporting, so that memory stays flat per query.
const EXPORT_BATCH: i64 = 1_000;
/// Longest reference search: references are about 25 characters.
pub const MAX_REFERENCE_SEARCH_LEN: usize = 100;

/// The register's filters as a client sent them (query parameters, or the page's form).
/// Every one is optional; each bad one is named in the refusal, all at once.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegisterParams {
    /// Part of the call-off's reference, in any case.
    #[serde(default)]
    #[param(max_length = 100)]
    pub q: String,
    /// The customer's organisation id.
    #[serde(default)]
    pub customer: String,
    /// The customer's kind of body.
    #[serde(default)]
    #[param(value_type = Option<String>, example = "local_authority")]
    pub kind: String,
    /// Call-offs with a line in this lot.
    #[serde(default)]
    #[param(value_type = Option<u32>, minimum = 1)]
    pub lot: String,
    /// One of placed, accepted, rejected, live, ended, cancelled.
    #[serde(default)]
    #[param(value_type = Option<String>, example = "live")]
    pub state: String,
    /// Placed on or after this UK date (YYYY-MM-DD).
    #[serde(default)]
    #[param(value_type = Option<String>, format = Date)]
    pub placed_from: String,
    /// Placed on or before this UK date (YYYY-MM-DD).
    #[serde(default)]
    #[param(value_type = Option<String>, format = Date)]
    pub placed_to: String,
    /// Contract value (ex VAT) of at least this many pounds, e.g. 1000 or 1,250.50.
    #[serde(default)]
    #[param(value_type = Option<String>, example = "1000")]
    pub min_value: String,
    /// Contract value (ex VAT) of at most this many pounds.
    #[serde(default)]
    #[param(value_type = Option<String>, example = "250000")]
    pub max_value: String,
    /// `next_cursor` from the previous page (JSON only; downloads start from the newest).
    #[serde(default)]
    pub cursor: String,
    /// `json` (the default), `csv` or `xlsx`.
    #[serde(default)]
    #[param(value_type = Option<RegisterFormat>, inline)]
    pub format: String,
}

/// What the register is answered as.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum RegisterFormat {
    #[default]
    Json,
    Csv,
    Xlsx,
}

/// A checked request for the register.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegisterRequest {
    pub filter: RegisterFilter,
    pub after: Option<RegisterCursor>,
    pub format: RegisterFormat,
}

/// A cursor as `next_cursor` gives it: the last call-off's placed time and id.
fn cursor_text(row: &RegisterRow) -> String {
    format!("{}~{}", row.placed_at, row.id)
}

fn parse_cursor(text: &str) -> Option<RegisterCursor> {
    let (placed_at, id) = text.split_once('~')?;
    chrono::DateTime::parse_from_rfc3339(placed_at).ok()?;
    is_id(id).then(|| RegisterCursor {
        placed_at: placed_at.to_string(),
        id: CallOffId::from_stored(id.to_string()),
    })
}

impl RegisterParams {
    /// Checks every parameter against the framework (its lots), naming each one at fault.
    pub fn parse(&self, framework: &Framework) -> Result<RegisterRequest, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut fail = |field: &str, message: String| errors.push(FieldError::new(field, message));
        let q = self.q.trim();
        let reference = if q.chars().count() > MAX_REFERENCE_SEARCH_LEN {
            fail(
                "q",
                format!("Reference must be {MAX_REFERENCE_SEARCH_LEN} characters or fewer"),
            );
            None
        } else {
            Some(q.to_string()).filter(|q| !q.is_empty())
        };
        let customer = match self.customer.trim() {
            "" => None,
            v if is_id(v) => Some(OrganisationId::from_stored(v.to_string())),
            _ => {
                fail("customer", "Choose a customer from the list".into());
                None
            }
        };
        let kind = match self.kind.trim() {
            "" => None,
            v => match OrganisationKind::parse(v) {
                Ok(k) if k != OrganisationKind::Supplier => Some(k),
                _ => {
                    fail("kind", "Choose a kind of body from the list".into());
                    None
                }
            },
        };
        let lot = match self.lot.trim() {
            "" => None,
            v => match v.parse::<u32>() {
                Ok(n) if framework.lots.iter().any(|l| l.number == n) => Some(n),
                _ => {
                    fail("lot", format!("Choose a lot of {} from the list", framework.reference));
                    None
                }
            },
        };
        let state = match self.state.trim() {
            "" => None,
            v => match CallOffState::parse(v) {
                Ok(s) if s != CallOffState::Draft => Some(s),
                _ => {
                    fail(
                        "state",
                        "Choose a status from the list: placed, accepted, rejected, live, ended or cancelled".into(),
                    );
                    None
                }
            },
        };
        let mut date = |field: &str, text: &str| match text.trim() {
            "" => None,
            v => parse_date(v).map_err(|message| fail(field, message)).ok(),
        };
        let placed_from = date("placed_from", &self.placed_from);
        let placed_to = date("placed_to", &self.placed_to);
        let mut pounds = |field: &str, text: &str| match text.trim() {
            "" => None,
            v => Money::parse_pounds(v)
                .map_err(|message| fail(field, format!("Value {message}")))
                .ok(),
        };
        let min_value = pounds("min_value", &self.min_value);
        let max_value = pounds("max_value", &self.max_value);
        let after = match self.cursor.trim() {
            "" => None,
            v => parse_cursor(v).or_else(|| {
                fail("cursor", "is not a cursor from a previous page".into());
                None
            }),
        };
        let format = match self.format.trim() {
            "" | "json" => RegisterFormat::Json,
            "csv" => RegisterFormat::Csv,
            "xlsx" => RegisterFormat::Xlsx,
            _ => {
                fail("format", "Choose json, csv or xlsx".into());
                RegisterFormat::Json
            }
        };
        if let (Some(from), Some(to)) = (placed_from, placed_to) {
            if to < from {
                fail("placed_to", format!("Placed to must be on or after {from}"));
            }
        }
        if let (Some(min), Some(max)) = (min_value, max_value) {
            if max < min {
                fail("max_value", format!("Maximum value must be at least {min}"));
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let instant = |d: chrono::NaiveDate| uk_day_start(d).to_rfc3339_opts(SecondsFormat::Millis, true);
        Ok(RegisterRequest {
            filter: RegisterFilter {
                customer,
                kind,
                lot,
                state,
                placed_from: placed_from.map(instant),
                placed_before: placed_to.and_then(|d| d.succ_opt()).map(instant),
                min_value,
                max_value,
                reference,
            },
            after,
            format,
        })
    }
}

/// One page of the register.
#[derive(Debug, Clone)]
pub struct RegisterPage {
    pub framework: Framework,
    pub rows: Vec<RegisterRow>,
    pub next_cursor: Option<String>,
    /// How many call-offs match the filters, and their total contract value.
    pub matching: i64,
    pub matching_value: Money,
    /// The customers with call-offs on the register, by name, for the customer filter.
    pub customers: Vec<(OrganisationId, String)>,
    /// Whether the viewer may open each call-off (the manager; auditors read the register only).
    pub opens_call_offs: bool,
}

/// The framework, if the actor may read its register; refused otherwise.
async fn readable(app: &App, actor: &Actor, id: &FrameworkId) -> AppResult<(Framework, bool)> {
    let mut conn = app.db.pool().acquire().await?;
    let record = record(&mut conn, id).await?;
    let standing = standing_in(&mut conn, actor, &record).await?;
    if !standing.reads_order_register() {
        return Err(AppError::Forbidden(
            "only the framework's manager and auditors can read its order register".into(),
        ));
    }
    Ok((record.framework, standing.opens_registered_call_offs()))
}

/// Checks the actor may read the register first, then the filters: whoever may not read it
/// learns nothing from how their filters were judged.
pub async fn check(app: &App, actor: &Actor, id: &FrameworkId, params: &RegisterParams) -> AppResult<RegisterRequest> {
    let (framework, _) = readable(app, actor, id).await?;
    params.parse(&framework).map_err(AppError::fields)
}

/// A page of the framework's call-offs matching the filters, newest placed first.
pub async fn list(app: &App, actor: &Actor, id: &FrameworkId, params: &RegisterParams) -> AppResult<RegisterPage> {
    let (framework, opens_call_offs) = readable(app, actor, id).await?;
    let request = params.parse(&framework).map_err(AppError::fields)?;
    let mut conn = app.db.pool().acquire().await?;
    let mut rows = register::page(&mut conn, id, &request.filter, request.after.as_ref(), PAGE_SIZE + 1).await?;
    let more = calloff_domain::count(rows.len()) > PAGE_SIZE;
    rows.truncate(usize::try_from(PAGE_SIZE).unwrap_or(usize::MAX));
    let next_cursor = more.then(|| rows.last().map(cursor_text)).flatten();
    let (matching, matching_value) = register::totals(&mut conn, id, &request.filter).await?;
    let customers = register::customers(&mut conn, id).await?;
    Ok(RegisterPage {
        framework,
        rows,
        next_cursor,
        matching,
        matching_value,
        customers,
        opens_call_offs,
    })
}

/// A download of the register.
#[derive(Debug, Clone)]
pub struct Download {
    pub file_name: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
    /// More call-offs matched than [`MAX_EXPORT_ROWS`]: the newest were kept.
    pub truncated: bool,
    pub rows: usize,
}

/// The columns of a download, in order.
pub const EXPORT_COLUMNS: [&str; 10] = [
    "reference",
    "customer",
    "customer_org_id",
    "kind_of_body",
    "lots",
    "state",
    "placed_on",
    "start",
    "end",
    "value_gbp_ex_vat",
];

/// Every call-off matching the filters (up to [`MAX_EXPORT_ROWS`], newest first) as CSV or
/// XLSX; the format and filters are as for [`list`], and a cursor is ignored.
pub async fn export(app: &App, actor: &Actor, id: &FrameworkId, params: &RegisterParams) -> AppResult<Download> {
    let (framework, _) = readable(app, actor, id).await?;
    let request = params.parse(&framework).map_err(AppError::fields)?;
    let mut conn = app.db.pool().acquire().await?;
    let mut rows: Vec<RegisterRow> = Vec::new();
    let mut after: Option<RegisterCursor> = None;
    let mut truncated = false;
    loop {
        let batch = register::page(&mut conn, id, &request.filter, after.as_ref(), EXPORT_BATCH).await?;
        let full = calloff_domain::count(batch.len()) == EXPORT_BATCH;
        after = batch.last().map(|r| RegisterCursor {
            placed_at: r.placed_at.clone(),
            id: r.id.clone(),
        });
        rows.extend(batch);
        if rows.len() > MAX_EXPORT_ROWS {
            rows.truncate(MAX_EXPORT_ROWS);
            truncated = true;
            break;
        }
        if !full {
            break;
        }
    }
    if !truncated && rows.len() == MAX_EXPORT_ROWS {
        truncated = !register::page(&mut conn, id, &request.filter, after.as_ref(), 1)
            .await?
            .is_empty();
    }
    let table = table(&rows);
    let stem = format!("{}-call-offs", framework.reference);
    let (bytes, content_type, extension) = match request.format {
        RegisterFormat::Xlsx => (
            calloff_interop::xlsx::write("Call-offs", &table)
                .map_err(|e| AppError::Unexpected(calloff_store::StoreError::corrupt(e.to_string())))?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        RegisterFormat::Csv | RegisterFormat::Json => {
            (calloff_interop::export::csv(&table), "text/csv; charset=utf-8", "csv")
        }
    };
    Ok(Download {
        file_name: format!("{stem}.{extension}"),
        content_type,
        bytes,
        truncated,
        rows: rows.len(),
    })
}

/// The register as a table: a header, then one row per call-off.
fn table(rows: &[RegisterRow]) -> Vec<Vec<Cell>> {
    let mut table = Vec::with_capacity(rows.len() + 1);
    table.push(EXPORT_COLUMNS.iter().map(|c| Cell::text(*c)).collect());
    let optional = |v: &Option<String>| v.as_ref().map_or(Cell::Empty, |v| Cell::text(v.clone()));
    for row in rows {
        table.push(vec![
            Cell::text(row.reference.clone()),
            Cell::text(row.customer.clone()),
            optional(&row.customer_org_id),
            Cell::text(row.customer_kind.label()),
            Cell::text(lots_text(&row.lots)),
            Cell::text(row.state.as_str()),
            placed_on(row).map_or(Cell::Empty, |d| Cell::text(d.to_string())),
            optional(&row.live_on),
            optional(&row.ends_on),
            Cell::Pounds(row.contract_value),
        ]);
    }
    table
}

/// The lots as people list them: "1; 3".
pub fn lots_text(lots: &[u32]) -> String {
    lots.iter().map(u32::to_string).collect::<Vec<_>>().join("; ")
}

/// The UK date a call-off was placed.
pub fn placed_on(row: &RegisterRow) -> Option<chrono::NaiveDate> {
    uk_date_of(&row.placed_at)
}

/// Audit entries per page of the log.
pub const AUDIT_PAGE_SIZE: i64 = 50;
/// Longest reference or id the audit log is searched by.
pub const MAX_AUDIT_REFERENCE_LEN: usize = 100;

/// The audit log's filters as sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct AuditParams {
    /// What the entries are about (see [`calloff_domain::audit::ENTITIES`]).
    #[serde(default)]
    pub entity: String,
    /// A call-off's or framework's reference, or the id of what the entries are about.
    #[serde(default)]
    pub reference: String,
    /// `next_before` from the previous page.
    #[serde(default)]
    pub before: String,
}

/// A page of the audit log, newest first.
#[derive(Debug, Clone)]
pub struct AuditPage {
    pub entries: Vec<LoggedEntry>,
    /// The sequence number to read the next (older) page before.
    pub next_before: Option<i64>,
}

/// Entries of the audit chain, newest first, about an entity or one subject: for auditors.
pub async fn audit_log(app: &App, actor: &Actor, params: &AuditParams) -> AppResult<AuditPage> {
    if !may_read_audit_log(&actor.roles) {
        return Err(AppError::Forbidden("only an auditor can read the audit log".into()));
    }
    let mut errors = Vec::new();
    let entity = match params.entity.trim() {
        "" => None,
        v => match calloff_domain::audit::ENTITIES.iter().find(|(name, _)| *name == v) {
            Some((name, _)) => Some(*name),
            None => {
                errors.push(FieldError::new(
                    "entity",
                    "Choose what the entries are about from the list",
                ));
                None
            }
        },
    };
    let before = match params.before.trim() {
        "" => i64::MAX,
        v => v.parse::<i64>().ok().filter(|n| *n > 0).unwrap_or_else(|| {
            errors.push(FieldError::new("before", "is not a position from a previous page"));
            i64::MAX
        }),
    };
    let reference = params.reference.trim();
    if reference.chars().count() > MAX_AUDIT_REFERENCE_LEN {
        errors.push(FieldError::new(
            "reference",
            format!("Reference must be {MAX_AUDIT_REFERENCE_LEN} characters or fewer"),
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::fields(errors));
    }
    let mut conn = app.db.pool().acquire().await?;
    let subject = match reference {
        "" => None,
        v if is_id(v) => Some(v.to_string()),
        v => {
            let upper = v.to_uppercase();
            let found = match calloff_store::call_offs::find_by_reference(&mut conn, &upper).await? {
                Some(id) => Some(id.to_string()),
                None => calloff_store::frameworks::find_by_reference(&mut conn, &upper)
                    .await?
                    .map(|r| r.framework.id.to_string()),
            };
            Some(found.ok_or_else(|| {
                AppError::invalid("reference", format!("No call-off or framework has the reference {v}"))
            })?)
        }
    };
    let entries = register::audit_page(&mut conn, before, entity, subject.as_deref(), AUDIT_PAGE_SIZE).await?;
    let next_before = (calloff_domain::count(entries.len()) == AUDIT_PAGE_SIZE)
        .then(|| entries.last().map(|e| e.sealed.entry.seq))
        .flatten();
    Ok(AuditPage { entries, next_before })
}

/// The frameworks whose order register the actor may read, for their "Call-offs" page.
pub async fn readable_frameworks(app: &App, actor: &Actor) -> AppResult<Vec<Framework>> {
    let mut conn = app.db.pool().acquire().await?;
    let mut readable = Vec::new();
    for record in calloff_store::frameworks::all(&mut conn).await? {
        if standing_in(&mut conn, actor, &record).await?.reads_order_register() {
            readable.push(record.framework);
        }
    }
    Ok(readable)
}
