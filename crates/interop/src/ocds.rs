//! OCDS 1.1.5 releases built from calloff's records (ADR 0017): the framework as one contracting
//! process (tender with the techniques extension's framework agreement, its lots, the award), and
//! each call-off as its own process linked to it by `relatedProcesses`, with a release at each
//! event (award, contract signed, each amendment, each invoice or credit note, termination).
//! Pure: the app reads the facts, this module shapes them. Release ids are built from record
//! ids and event numbers only, so the same records always give the same ids.

use calloff_domain::money::Money;
use calloff_domain::notices::NoticeKind;
use calloff_domain::FieldError;
use serde_json::{json, Map, Value};
use std::io::{self, Write};

/// The ocid prefix used when none is configured: fine for tests and demos, never for publishing
/// (a publisher registers its own `ocds-xxxxxx` prefix with the Open Contracting Partnership).
pub const TEST_OCID_PREFIX: &str = "ocds-calloff-test";

/// The extensions every package declares: the releases use `tender.lots`, `relatedLot(s)`,
/// `tender.techniques` and `tender.competitive`. A field used without its extension declared is
/// what `validate-ocds` reports as "not in OCDS 1.1.5 or applied extensions".
pub const EXTENSIONS: [&str; 2] = [
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/v1.1.5/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_techniques_extension/master/extension.json",
];

/// Longest ocid prefix accepted: an ocid is a prefix, a hyphen and a UUID, and stays readable.
const MAX_PREFIX_LEN: usize = 60;

/// A publisher's ocid prefix, `ocds-` and then lower-case letters, digits and single hyphens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OcidPrefix(String);

impl OcidPrefix {
    pub fn parse(text: &str) -> Result<OcidPrefix, FieldError> {
        let text = text.trim();
        let bad = |message: &str| Err(FieldError::new("ocid_prefix", message));
        let Some(rest) = text.strip_prefix("ocds-") else {
            return bad("The ocid prefix must start with ocds-, like ocds-a1b2c3");
        };
        if text.len() > MAX_PREFIX_LEN {
            return bad(&format!("The ocid prefix must be {MAX_PREFIX_LEN} characters or fewer"));
        }
        let well_formed = !rest.is_empty()
            && rest
                .split('-')
                .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
        if !well_formed {
            return bad("The ocid prefix may hold only lower-case letters, digits and single hyphens after ocds-, like ocds-a1b2c3");
        }
        Ok(OcidPrefix(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The ocid of the record with `id`: the prefix, a hyphen and the id.
    pub fn ocid(&self, id: &str) -> String {
        format!("{}-{id}", self.0)
    }
}

impl Default for OcidPrefix {
    fn default() -> Self {
        OcidPrefix(TEST_OCID_PREFIX.to_string())
    }
}

/// An organisation as a party: its own id and its org-id identifiers, first the main one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartyFacts {
    pub id: String,
    pub name: String,
    /// (scheme, value), e.g. ("GB-LAE", "CMD").
    pub identifiers: Vec<(String, String)>,
}

impl PartyFacts {
    /// Its identifiers, the main one first: a VAT number (kept as `GB-VAT` for invoices) is not
    /// an org-id register, so it comes last.
    fn ordered(&self) -> Vec<&(String, String)> {
        let mut ids: Vec<&(String, String)> = self.identifiers.iter().collect();
        ids.sort_by_key(|(scheme, _)| scheme == calloff_domain::organisation::VAT_SCHEME);
        ids
    }

    /// The party's id in releases: its main org-id (`GB-LAE-CMD`), else our own id.
    fn party_id(&self) -> String {
        self.ordered()
            .first()
            .map(|(scheme, value)| format!("{scheme}-{value}"))
            .unwrap_or_else(|| self.id.clone())
    }

    fn reference(&self) -> Value {
        json!({ "id": self.party_id(), "name": self.name })
    }

    fn party(&self, roles: &[&str]) -> Value {
        let identifier =
            |(scheme, value): &(String, String)| json!({ "scheme": scheme, "id": value, "legalName": self.name });
        let mut party = json!({ "id": self.party_id(), "name": self.name, "roles": roles });
        let ordered = self.ordered();
        if let Some(first) = ordered.first() {
            party["identifier"] = identifier(first);
        }
        if ordered.len() > 1 {
            party["additionalIdentifiers"] = ordered[1..].iter().map(|i| identifier(i)).collect();
        }
        party
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LotFacts {
    pub number: u32,
    pub title: String,
    pub ceiling: Option<Money>,
}

fn lot_id(number: u32) -> String {
    format!("lot-{number}")
}

/// A framework agreement as published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameworkFacts {
    pub id: String,
    pub reference: String,
    pub title: String,
    pub authority: PartyFacts,
    pub suppliers: Vec<PartyFacts>,
    pub lots: Vec<LotFacts>,
    pub ceiling: Money,
    /// `YYYY-MM-DD`.
    pub start_date: String,
    pub end_date: String,
    /// Who may buy, in words (the kinds of body on its eligibility register).
    pub buyer_categories: String,
    /// When it was created (RFC 3339): the date of its release.
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineFacts {
    pub number: u32,
    pub lot: u32,
    pub sku: String,
    pub name: String,
    pub unit: String,
    pub unit_price_micros: i64,
    pub cpv: String,
    pub quantity: u64,
    pub term_months: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariationFacts {
    pub number: u32,
    pub previous_value: Money,
    pub new_value: Money,
    pub original_value: Money,
    pub over_limit: bool,
    pub varied_at: String,
    /// The buyer's reason, if they gave one.
    pub reason: Option<String>,
    /// The lines it set, and the lines it replaced (not known for variations made before
    /// calloff kept them).
    pub lines: Vec<LineFacts>,
    pub previous_lines: Option<Vec<LineFacts>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceFacts {
    pub id: String,
    pub number: String,
    pub credit_note: bool,
    /// `YYYY-MM-DD`.
    pub issue_date: String,
    pub net_value: Money,
    pub received_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EarlyEndFacts {
    /// `YYYY-MM-DD`.
    pub ends_on: String,
    pub previous_value: Money,
    pub value: Money,
    pub ended_at: String,
}

/// A call-off as published: only call-offs sent to the supplier (placed) are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallOffFacts {
    pub id: String,
    pub reference: String,
    pub title: Option<String>,
    pub buyer: PartyFacts,
    pub supplier: PartyFacts,
    /// The call-off state's stored name (`placed`, `accepted`, `live`, `ended`, …).
    pub state: String,
    pub placed_at: String,
    /// When the supplier accepted it: the contract's signature.
    pub accepted_at: Option<String>,
    /// When it was rejected, cancelled or ended (its last change), with the reason given.
    pub closed_at: Option<String>,
    pub reason: Option<String>,
    pub starts_on: Option<String>,
    pub live_on: Option<String>,
    pub ends_on: Option<String>,
    pub contract_value: Money,
    pub lines: Vec<LineFacts>,
    pub variations: Vec<VariationFacts>,
    pub invoices: Vec<InvoiceFacts>,
    pub early_end: Option<EarlyEndFacts>,
}

impl CallOffFacts {
    /// Its value when placed, before any variation or early end.
    pub fn original_value(&self) -> Money {
        self.variations
            .first()
            .map(|v| v.original_value)
            .or_else(|| self.early_end.as_ref().map(|e| e.previous_value))
            .unwrap_or(self.contract_value)
    }

    /// Its lines as placed: before its first variation, when that is known; else as they are.
    pub fn lines_as_placed(&self) -> &[LineFacts] {
        match self.variations.first() {
            Some(v) => v.previous_lines.as_deref().unwrap_or(&self.lines),
            None => &self.lines,
        }
    }

    fn lots(&self) -> Vec<u32> {
        let mut lots: Vec<u32> = self.lines.iter().map(|l| l.lot).collect();
        lots.sort_unstable();
        lots.dedup();
        lots
    }
}

/// The fields a framework's manager may withhold as commercially confidential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WithheldField {
    /// Call-off lines' unit prices.
    UnitPrices,
    /// Call-offs' values: award and contract values, amendments' values, invoiced amounts.
    CallOffValues,
}

impl WithheldField {
    pub const ALL: [WithheldField; 2] = [WithheldField::UnitPrices, WithheldField::CallOffValues];

    pub fn as_str(self) -> &'static str {
        match self {
            WithheldField::UnitPrices => "unit_prices",
            WithheldField::CallOffValues => "call_off_values",
        }
    }

    pub fn parse(text: &str) -> Result<WithheldField, FieldError> {
        WithheldField::ALL
            .into_iter()
            .find(|f| f.as_str() == text.trim())
            .ok_or_else(|| FieldError::new("field", "Choose unit_prices or call_off_values"))
    }

    /// What is withheld, in words, for the statement in the release.
    pub fn label(self) -> &'static str {
        match self {
            WithheldField::UnitPrices => "the unit prices of its items",
            WithheldField::CallOffValues => "its value, the values of its amendments and the amounts invoiced",
        }
    }
}

/// What a framework withholds, with the manager's reason for each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Withheld(pub Vec<(WithheldField, String)>);

impl Withheld {
    fn has(&self, field: WithheldField) -> bool {
        self.0.iter().any(|(f, _)| *f == field)
    }

    /// The sentence stating what is withheld and why, if anything is.
    pub fn statement(&self) -> Option<String> {
        (!self.0.is_empty()).then(|| {
            let parts: Vec<String> = self
                .0
                .iter()
                .map(|(f, reason)| format!("{} (reason: {reason})", f.label()))
                .collect();
            format!(
                "Withheld as commercially confidential by the framework's manager: {}.",
                parts.join("; ")
            )
        })
    }
}

/// OCDS Value of an exact amount in pence. The amount is pence / 100 as a JSON number: serde
/// writes the shortest text that reads back as the same double, which for an exact count of
/// pence is its two-decimal form (a test checks this against `Money`'s own text).
pub fn value(money: Money) -> Value {
    json!({ "amount": pence_amount(money.pence()), "currency": "GBP" })
}

#[allow(clippy::cast_precision_loss)]
fn pence_amount(pence: i64) -> f64 {
    pence as f64 / 100.0
}

#[allow(clippy::cast_precision_loss)]
fn micros_amount(micros: i64) -> f64 {
    micros as f64 / 1_000_000.0
}

/// A date as an OCDS date-time at the start of that day, UTC.
fn day_start(date: &str) -> String {
    format!("{date}T00:00:00Z")
}

/// A date as an OCDS date-time at the end of that day, UTC.
fn day_end(date: &str) -> String {
    format!("{date}T23:59:59Z")
}

fn release(ocid: &str, id: String, date: &str, tag: &str) -> Map<String, Value> {
    let mut r = Map::new();
    r.insert("ocid".into(), ocid.into());
    r.insert("id".into(), id.into());
    r.insert("date".into(), date.into());
    r.insert("tag".into(), json!([tag]));
    r.insert("initiationType".into(), "tender".into());
    r.insert("language".into(), "en".into());
    r
}

/// The framework's one release: the tender with its framework agreement and lots, and the award
/// to its suppliers.
pub fn framework_release(prefix: &OcidPrefix, f: &FrameworkFacts) -> Value {
    let ocid = prefix.ocid(&f.id);
    let mut r = release(&ocid, format!("{ocid}-framework"), &f.created_at, "tender");
    r.insert("tag".into(), json!(["tender", "award"]));
    let mut parties = vec![f.authority.party(&["buyer", "procuringEntity"])];
    parties.extend(f.suppliers.iter().map(|s| s.party(&["supplier"])));
    r.insert("parties".into(), parties.into());
    r.insert("buyer".into(), f.authority.reference());
    let period = json!({ "startDate": day_start(&f.start_date), "endDate": day_end(&f.end_date) });
    let lots: Vec<Value> = f
        .lots
        .iter()
        .map(|l| {
            let mut lot = json!({ "id": lot_id(l.number), "title": l.title });
            if let Some(ceiling) = l.ceiling {
                lot["value"] = value(ceiling);
            }
            lot
        })
        .collect();
    r.insert(
        "tender".into(),
        json!({
            "id": f.reference,
            "title": f.title,
            "status": "complete",
            "procuringEntity": f.authority.reference(),
            "mainProcurementCategory": "services",
            "value": value(f.ceiling),
            "contractPeriod": period,
            "techniques": {
                "hasFrameworkAgreement": true,
                "frameworkAgreement": {
                    // Call-offs are placed at catalogue prices, never by reopening competition.
                    "method": "withoutReopeningCompetition",
                    "value": value(f.ceiling),
                    "period": period,
                    "buyerCategories": f.buyer_categories,
                },
            },
            "lots": lots,
        }),
    );
    r.insert(
        "awards".into(),
        json!([{
            "id": format!("{}-award", f.reference),
            "title": f.title,
            "status": "active",
            "date": day_start(&f.start_date),
            "value": value(f.ceiling),
            "suppliers": f.suppliers.iter().map(PartyFacts::reference).collect::<Vec<_>>(),
            "relatedLots": f.lots.iter().map(|l| lot_id(l.number)).collect::<Vec<_>>(),
            "contractPeriod": period,
        }]),
    );
    Value::Object(r)
}

/// The parts every release of a call-off repeats: parties, buyer and the link to the framework.
fn call_off_release(
    ocid: &str,
    id: String,
    date: &str,
    tag: &str,
    framework: &FrameworkFacts,
    framework_ocid: &str,
    c: &CallOffFacts,
) -> Map<String, Value> {
    let mut r = release(ocid, id, date, tag);
    r.insert(
        "parties".into(),
        json!([
            c.buyer.party(&["buyer", "procuringEntity", "payer"]),
            c.supplier.party(&["supplier", "payee"])
        ]),
    );
    r.insert("buyer".into(), c.buyer.reference());
    let related: Vec<Value> = c
        .lots()
        .into_iter()
        .map(|number| {
            let lot_title = framework
                .lots
                .iter()
                .find(|l| l.number == number)
                .map(|l| l.title.as_str())
                .unwrap_or("");
            json!({
                "id": format!("framework-{}", lot_id(number)),
                "relationship": ["framework"],
                "title": format!("{} ({}), lot {number}: {lot_title}", framework.title, framework.reference),
                "scheme": "ocid",
                "identifier": framework_ocid,
            })
        })
        .collect();
    r.insert("relatedProcesses".into(), related.into());
    r
}

fn items(lines: &[LineFacts], withheld: &Withheld) -> Vec<Value> {
    lines
        .iter()
        .map(|l| {
            let mut unit = json!({ "name": l.unit });
            if !withheld.has(WithheldField::UnitPrices) {
                unit["value"] = json!({ "amount": micros_amount(l.unit_price_micros), "currency": "GBP" });
            }
            json!({
                "id": l.number.to_string(),
                "description": format!("{} ({}), {} months", l.name, l.sku, l.term_months),
                "classification": { "scheme": "CPV", "id": l.cpv },
                "quantity": l.quantity,
                "unit": unit,
                "relatedLot": lot_id(l.lot),
            })
        })
        .collect()
}

fn with_statement(text: String, withheld: &Withheld) -> String {
    match withheld.statement() {
        Some(statement) => format!("{text} {statement}"),
        None => text,
    }
}

fn award_id(c: &CallOffFacts) -> String {
    format!("{}-award", c.reference)
}

fn contract_id(c: &CallOffFacts) -> String {
    format!("{}-contract", c.reference)
}

/// A contract object with its ids and, unless withheld, `value`.
fn contract(c: &CallOffFacts, amount: Option<Money>, withheld: &Withheld) -> Map<String, Value> {
    let mut contract = Map::new();
    contract.insert("id".into(), contract_id(c).into());
    contract.insert("awardID".into(), award_id(c).into());
    if let (Some(amount), false) = (amount, withheld.has(WithheldField::CallOffValues)) {
        contract.insert("value".into(), value(amount));
    }
    if let Some(statement) = withheld.statement() {
        contract.insert("description".into(), statement.into());
    }
    contract
}

/// Every release of one call-off, in the order of its events. The framework's facts give the
/// link back to it and the lots' titles.
pub fn call_off_releases(
    prefix: &OcidPrefix,
    framework: &FrameworkFacts,
    c: &CallOffFacts,
    withheld: &Withheld,
) -> Vec<Value> {
    let ocid = prefix.ocid(&c.id);
    let framework_ocid = prefix.ocid(&framework.id);
    let base =
        |id: String, date: &str, tag: &str| call_off_release(&ocid, id, date, tag, framework, &framework_ocid, c);
    let withholds_values = withheld.has(WithheldField::CallOffValues);
    let title = c.title.clone().unwrap_or_else(|| format!("Call-off {}", c.reference));
    let lots: Vec<Value> = c
        .lots()
        .into_iter()
        .map(|n| {
            let title = framework.lots.iter().find(|l| l.number == n).map(|l| l.title.clone());
            json!({ "id": lot_id(n), "title": title.unwrap_or_else(|| format!("Lot {n}")) })
        })
        .collect();
    let mut out = Vec::new();

    // Placed: a direct award at catalogue prices from the framework's supplier.
    let award_release_id = format!("{ocid}-award");
    let mut award = base(award_release_id.clone(), &c.placed_at, "award");
    award.insert(
        "tender".into(),
        json!({
            "id": c.reference,
            "title": title,
            "status": "complete",
            "procurementMethod": "direct",
            "procurementMethodDetails": "Direct award under a framework agreement, at the framework's catalogue prices",
            "competitive": false,
            "procuringEntity": c.buyer.reference(),
            "lots": lots,
        }),
    );
    let mut award_object = json!({
        "id": award_id(c),
        "title": title,
        "description": with_statement(format!("Call-off {} placed under {}", c.reference, framework.reference), withheld),
        "status": "active",
        "date": c.placed_at,
        "suppliers": [c.supplier.reference()],
        "items": items(c.lines_as_placed(), withheld),
        "relatedLots": c.lots().into_iter().map(lot_id).collect::<Vec<_>>(),
    });
    if !withholds_values {
        award_object["value"] = value(c.original_value());
    }
    award.insert("awards".into(), json!([award_object]));
    out.push(Value::Object(award));

    // Rejected by the supplier or cancelled: the award is cancelled.
    if matches!(c.state.as_str(), "rejected" | "cancelled") {
        let at = c.closed_at.as_deref().unwrap_or(&c.placed_at);
        let mut cancelled = base(format!("{ocid}-award-cancelled"), at, "awardCancellation");
        let why = match c.state.as_str() {
            "rejected" => "Rejected by the supplier",
            _ => "Cancelled by the buyer",
        };
        let description = match c.reason.as_deref() {
            Some(reason) => format!("{why}: {reason}"),
            None => why.to_string(),
        };
        cancelled.insert(
            "awards".into(),
            json!([{ "id": award_id(c), "status": "cancelled", "description": description }]),
        );
        out.push(Value::Object(cancelled));
        return out;
    }

    // Accepted by the supplier: the contract is signed.
    let mut last_contract_release = award_release_id;
    if let Some(accepted_at) = &c.accepted_at {
        let id = format!("{ocid}-contract");
        let mut signed = base(id.clone(), accepted_at, "contract");
        let mut contract = contract(c, Some(c.original_value()), withheld);
        contract.insert("title".into(), title.clone().into());
        contract.insert("status".into(), "active".into());
        contract.insert("dateSigned".into(), accepted_at.clone().into());
        contract.insert("items".into(), items(c.lines_as_placed(), withheld).into());
        if let Some(start) = c.live_on.as_ref().or(c.starts_on.as_ref()) {
            let mut period = json!({ "startDate": day_start(start) });
            if let (Some(end), None) = (&c.ends_on, &c.early_end) {
                period["endDate"] = day_end(end).into();
            }
            contract.insert("period".into(), period);
        }
        signed.insert("contracts".into(), json!([contract]));
        out.push(Value::Object(signed));
        last_contract_release = id;
    }

    // Each variation: an amendment with the value before and after.
    for v in &c.variations {
        let id = format!("{ocid}-amendment-{}", v.number);
        let mut amended = base(id.clone(), &v.varied_at, "contractAmendment");
        let change = if withholds_values {
            "Its contract value changed; the values are withheld".to_string()
        } else {
            format!(
                "Contract value changed from {} to {} ({} against the original value of {})",
                v.previous_value,
                v.new_value,
                signed_percent(v.new_value.pence() - v.original_value.pence(), v.original_value.pence()),
                v.original_value
            )
        };
        let limit = if v.over_limit {
            " The cumulative change passes the framework's modification limit."
        } else {
            " The cumulative change is within the framework's modification limit."
        };
        let mut contract = contract(c, Some(v.new_value), withheld);
        contract.insert("items".into(), items(&v.lines, withheld).into());
        contract.insert(
            "amendments".into(),
            json!([{
                "id": v.number.to_string(),
                "date": v.varied_at,
                "rationale": match &v.reason {
                    Some(reason) => format!("Variation {} of call-off {}: {reason}", v.number, c.reference),
                    None => format!("Variation {} of call-off {}: lines, quantities or terms changed by the buyer", v.number, c.reference),
                },
                "description": format!("{change}.{limit}"),
                "amendsReleaseID": last_contract_release,
                "releaseID": id,
            }]),
        );
        amended.insert("contracts".into(), json!([contract]));
        out.push(Value::Object(amended));
        last_contract_release = id;
    }

    // Each invoice or credit note: a transaction; a credit note's amount is negative.
    for invoice in &c.invoices {
        let (kind, sign) = if invoice.credit_note {
            ("credit-note", -1)
        } else {
            ("invoice", 1)
        };
        let mut paid = base(
            format!("{ocid}-{kind}-{}", invoice.id),
            &invoice.received_at,
            "implementation",
        );
        let mut transaction = json!({
            "id": format!("{kind}-{}", invoice.number),
            "date": day_start(&invoice.issue_date),
            "payer": c.buyer.reference(),
            "payee": c.supplier.reference(),
        });
        if !withholds_values {
            transaction["value"] = value(Money::from_pence(sign * invoice.net_value.pence()));
        }
        let mut contract = contract(c, None, withheld);
        contract.insert("implementation".into(), json!({ "transactions": [transaction] }));
        paid.insert("contracts".into(), json!([contract]));
        out.push(Value::Object(paid));
    }

    // Ended: at the end of its term, or terminated early.
    if c.state == "ended" {
        let at = c
            .early_end
            .as_ref()
            .map(|e| e.ended_at.as_str())
            .or(c.closed_at.as_deref())
            .unwrap_or(&c.placed_at);
        let mut ended = base(format!("{ocid}-termination"), at, "contractTermination");
        let end = c.early_end.as_ref().map(|e| e.ends_on.clone()).or(c.ends_on.clone());
        let mut contract = contract(c, c.early_end.as_ref().map(|e| e.value), withheld);
        contract.insert("status".into(), "terminated".into());
        if let Some(end) = end {
            contract.insert("period".into(), json!({ "endDate": day_end(&end) }));
        }
        let description = match (&c.early_end, c.reason.as_deref()) {
            (Some(e), reason) => {
                let values = if withholds_values {
                    String::new()
                } else {
                    format!("; its value fell from {} to {}", e.previous_value, e.value)
                };
                format!(
                    "Terminated early on {}{}{values}.",
                    e.ends_on,
                    reason.map(|r| format!(": {r}")).unwrap_or_default()
                )
            }
            (None, _) => "Ended at the end of its term.".to_string(),
        };
        contract.insert("description".into(), with_statement(description, withheld).into());
        ended.insert("contracts".into(), json!([contract]));
        out.push(Value::Object(ended));
    }
    out
}

/// `change` as a signed percentage of `base` with two decimals, e.g. `+12.50%`, computed in
/// integers.
fn signed_percent(change: i64, base: i64) -> String {
    if base == 0 {
        return "n/a".into();
    }
    let basis_points = (i128::from(change) * 10_000) / i128::from(base);
    let sign = if basis_points < 0 { "-" } else { "+" };
    let bp = basis_points.abs();
    format!("{sign}{}.{:02}%", bp / 100, bp % 100)
}

/// The metadata of a package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageHead {
    /// Where this package is (the request's URL, or the file's).
    pub uri: String,
    pub published_date: String,
    pub publisher: String,
}

fn package_metadata(head: &PackageHead) -> Map<String, Value> {
    let mut p = Map::new();
    p.insert("uri".into(), head.uri.clone().into());
    p.insert("version".into(), "1.1".into());
    p.insert("extensions".into(), json!(EXTENSIONS));
    p.insert("publisher".into(), json!({ "name": head.publisher }));
    p.insert("publishedDate".into(), head.published_date.clone().into());
    p
}

/// A release package of `releases`, with `links.next` when there are more.
pub fn release_package(head: &PackageHead, releases: Vec<Value>, next: Option<String>) -> Value {
    let mut p = package_metadata(head);
    if let Some(next) = next {
        p.insert("links".into(), json!({ "next": next }));
    }
    p.insert("releases".into(), releases.into());
    Value::Object(p)
}

/// A record package of one contracting process: its releases embedded, and the compiled release.
pub fn record_package(head: &PackageHead, ocid: &str, releases: Vec<Value>) -> Value {
    let compiled = compile(ocid, &releases);
    let mut p = package_metadata(head);
    p.insert(
        "records".into(),
        json!([{ "ocid": ocid, "releases": releases, "compiledRelease": compiled }]),
    );
    Value::Object(p)
}

/// The compiled release: the releases merged in date order by OCDS's merge rules (objects
/// merged field by field, arrays of objects with ids merged by id, other values replaced).
pub fn compile(ocid: &str, releases: &[Value]) -> Value {
    let mut ordered: Vec<&Value> = releases.iter().collect();
    ordered.sort_by(|a, b| a["date"].as_str().cmp(&b["date"].as_str()));
    let mut compiled = Value::Object(Map::new());
    for r in ordered {
        merge(&mut compiled, r);
    }
    if let Value::Object(map) = &mut compiled {
        map.insert("id".into(), format!("{ocid}-compiled").into());
        map.insert("tag".into(), json!(["compiled"]));
    }
    compiled
}

fn merge(into: &mut Value, from: &Value) {
    match (into, from) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                match a.get_mut(k) {
                    Some(existing) => merge(existing, v),
                    None => {
                        a.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if b.iter().all(|v| v.get("id").is_some()) && !b.is_empty() => {
            for item in b {
                match a.iter_mut().find(|x| x.get("id") == item.get("id")) {
                    Some(existing) => merge(existing, item),
                    None => a.push(item.clone()),
                }
            }
        }
        (slot, v) => *slot = v.clone(),
    }
}

/// Writes one release package to `out` a release at a time, so that no more than one call-off's
/// releases are ever held: the head first, each release as it comes, the closing brackets last.
pub struct PackageWriter<W: Write> {
    out: W,
    written: u64,
}

impl<W: Write> PackageWriter<W> {
    pub fn start(mut out: W, head: &PackageHead) -> io::Result<Self> {
        let metadata = serde_json::to_string(&Value::Object(package_metadata(head)))?;
        // The metadata object without its closing brace, then the releases array opens.
        out.write_all(&metadata.as_bytes()[..metadata.len() - 1])?;
        out.write_all(b",\"releases\":[")?;
        Ok(PackageWriter { out, written: 0 })
    }

    pub fn release(&mut self, release: &Value) -> io::Result<()> {
        if self.written > 0 {
            self.out.write_all(b",\n")?;
        } else {
            self.out.write_all(b"\n")?;
        }
        serde_json::to_writer(&mut self.out, release)?;
        self.written += 1;
        Ok(())
    }

    /// Closes the package; returns the writer and how many releases it holds.
    pub fn finish(mut self) -> io::Result<(W, u64)> {
        self.out.write_all(b"\n]}\n")?;
        self.out.flush()?;
        Ok((self.out, self.written))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_checked_and_named() {
        assert!(OcidPrefix::parse("ocds-a1b2c3").is_ok());
        assert_eq!(OcidPrefix::default().ocid("x"), "ocds-calloff-test-x");
        for bad in ["", "a1b2c3", "ocds-", "ocds-A1", "ocds--x", "ocds-x-", "ocds-x y"] {
            let e = OcidPrefix::parse(bad).unwrap_err();
            assert_eq!(e.field, "ocid_prefix", "{bad}");
        }
    }

    #[test]
    fn amounts_print_as_their_pence() {
        // The text, read as a decimal in integers, is exactly the pence: at most two decimals.
        for pence in [0, 1, 5, 10, 99, 105, 123_456, 20_000_000_000, 1_234_567_891, -250, -1] {
            let text = value(Money::from_pence(pence))["amount"].to_string();
            let (negative, digits) = match text.strip_prefix('-') {
                Some(rest) => (true, rest),
                None => (false, text.as_str()),
            };
            let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
            assert!(fraction.len() <= 2, "{text}");
            let fraction = format!("{fraction:0<2}");
            let read = whole.parse::<i64>().unwrap() * 100 + fraction.parse::<i64>().unwrap();
            assert_eq!(if negative { -read } else { read }, pence, "{text}");
        }
    }

    #[test]
    fn a_vat_number_is_never_the_main_identifier() {
        let party = PartyFacts {
            id: "x".into(),
            name: "Supplier Ltd".into(),
            identifiers: vec![
                ("GB-VAT".into(), "GB123456789".into()),
                ("GB-COH".into(), "01234567".into()),
            ],
        };
        let json = party.party(&["supplier"]);
        assert_eq!(json["id"], "GB-COH-01234567");
        assert_eq!(json["identifier"]["scheme"], "GB-COH");
        assert_eq!(json["additionalIdentifiers"][0]["scheme"], "GB-VAT");
    }

    #[test]
    fn percent_is_integer_arithmetic() {
        assert_eq!(signed_percent(125, 1000), "+12.50%");
        assert_eq!(signed_percent(-50, 1000), "-5.00%");
    }

    #[test]
    fn compiled_release_merges_arrays_by_id() {
        let a = json!({ "ocid": "o", "id": "1", "date": "2026-01-01T00:00:00Z", "contracts": [{ "id": "c", "value": { "amount": 1 } }] });
        let b = json!({ "ocid": "o", "id": "2", "date": "2026-01-02T00:00:00Z", "contracts": [{ "id": "c", "status": "active" }] });
        let compiled = compile("o", &[b, a]);
        assert_eq!(compiled["contracts"][0]["status"], "active");
        assert_eq!(compiled["contracts"][0]["value"]["amount"], 1);
        assert_eq!(compiled["tag"], json!(["compiled"]));
    }

    #[test]
    fn the_writer_writes_one_valid_package() {
        let head = PackageHead {
            uri: "https://example.org/p.json".into(),
            published_date: "2026-01-01T00:00:00Z".into(),
            publisher: "calloff".into(),
        };
        let mut writer = PackageWriter::start(Vec::new(), &head).unwrap();
        writer.release(&json!({ "id": "1" })).unwrap();
        writer.release(&json!({ "id": "2" })).unwrap();
        let (bytes, n) = writer.finish().unwrap();
        let package: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(n, 2);
        assert_eq!(package["releases"].as_array().unwrap().len(), 2);
        assert_eq!(package["extensions"].as_array().unwrap().len(), 2);
    }
}

/// The Cabinet Office's UK extension, which the UK profile's notices use: `noticeType` on a
/// document, `amountGross` on a value, `aboveThreshold` on an award, a contract or an amendment,
/// and `value` on an amendment.
pub const UK_EXTENSION: &str = "https://raw.githubusercontent.com/cabinetoffice/ocds_uk_extension/main/extension.json";

/// Where Find a Tender shows a published notice, by its reference (`012345-2026`).
const FIND_A_TENDER_NOTICE: &str = "https://www.find-tender.service.gov.uk/Notice/";

/// A Procurement Act notice of a call-off, to be shaped as the UK profile's release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UkNotice {
    pub kind: NoticeKind,
    /// For a contract change notice (UK10), the variation's number.
    pub variation: Option<u32>,
    /// Whether the value the notice gives reaches the threshold; unknown without a rule.
    pub above_threshold: Option<bool>,
    /// The Find a Tender reference and day (`YYYY-MM-DD`) once it is recorded as published.
    pub published: Option<(String, String)>,
}

impl UkNotice {
    /// Its id within the call-off: the form's code, and for a UK10 the variation's number.
    pub fn id(&self) -> String {
        match self.variation {
            Some(n) => format!("{}-{n}", self.kind.code()),
            None => self.kind.code().to_string(),
        }
    }
}

/// A value with the UK extension's `amountGross`: the amount with VAT at the standard rate.
fn gross_value(money: Money) -> Value {
    let mut v = value(money);
    let vat = money.vat_at(calloff_domain::money::STANDARD_VAT_PERCENT);
    if let Some(gross) = vat.and_then(|vat| money.checked_add(vat)) {
        v["amountGross"] = pence_amount(gross.pence()).into();
    }
    v
}

/// A Find a Tender notice reference: six digits, a hyphen and the year.
fn is_find_a_tender_reference(reference: &str) -> bool {
    let (number, year) = reference.split_once('-').unwrap_or_default();
    number.len() == 6 && year.len() == 4 && (number.chars().chain(year.chars())).all(|c| c.is_ascii_digit())
}

/// One notice of a call-off as the UK profile's release: the call-off's releases up to the
/// event the notice reports, compiled, then tagged as that event, with the notice's document
/// (`noticeType`) on the award (UK6) or the contract (UK7, UK10, UK11), the values with VAT
/// (`amountGross`) and whether they reach the threshold. What the framework withholds stays
/// withheld. `None` when the call-off has not reached the notice's event.
pub fn uk_notice_release(
    prefix: &OcidPrefix,
    framework: &FrameworkFacts,
    c: &CallOffFacts,
    withheld: &Withheld,
    notice: &UkNotice,
) -> Option<Value> {
    let ocid = prefix.ocid(&c.id);
    let (event, tag, document_type, on) = match notice.kind {
        NoticeKind::ContractAward => (format!("{ocid}-award"), "award", "awardNotice", "awards"),
        NoticeKind::ContractDetails => (format!("{ocid}-contract"), "contract", "contractNotice", "contracts"),
        NoticeKind::ContractChange => (
            format!("{ocid}-amendment-{}", notice.variation?),
            "contractAmendment",
            "contractAmendmentNotice",
            "contracts",
        ),
        NoticeKind::ContractTermination => (
            format!("{ocid}-termination"),
            "contractTermination",
            "contractTerminationNotice",
            "contracts",
        ),
    };
    // An early end is noticed once it is decided, before the day it takes effect.
    let ending;
    let c = if notice.kind == NoticeKind::ContractTermination && c.early_end.is_some() && c.state != "ended" {
        ending = CallOffFacts {
            state: "ended".into(),
            ..c.clone()
        };
        &ending
    } else {
        c
    };
    let releases: Vec<Value> = call_off_releases(prefix, framework, c, withheld)
        .into_iter()
        .filter(|r| r["tag"] != json!(["implementation"]))
        .collect();
    let upto = releases.iter().position(|r| r["id"] == event.as_str())?;
    let date = releases[upto]["date"].clone();
    let mut compiled = compile(&ocid, &releases[..=upto]);
    let r = compiled.as_object_mut()?;
    r.insert("id".into(), format!("{ocid}-notice-{}", notice.id()).into());
    r.insert("date".into(), date);
    r.insert("tag".into(), json!([tag]));

    let shows_values = !withheld.has(WithheldField::CallOffValues);
    let original = c.original_value();
    if let (true, Some(award)) = (shows_values, r.get_mut("awards").and_then(|a| a.get_mut(0))) {
        award["value"] = gross_value(original);
    }
    if notice.kind == NoticeKind::ContractAward {
        // Noticed before the contract is entered into: the award is not yet in force.
        if let Some(award) = r.get_mut("awards").and_then(|a| a.get_mut(0)) {
            award["status"] = "pending".into();
        }
    }
    let now_worth = match notice.kind {
        NoticeKind::ContractAward | NoticeKind::ContractDetails => original,
        NoticeKind::ContractChange => c
            .variations
            .iter()
            .find(|v| Some(v.number) == notice.variation)
            .map_or(c.contract_value, |v| v.new_value),
        NoticeKind::ContractTermination => c.early_end.as_ref().map_or(c.contract_value, |e| e.value),
    };
    if let (true, Some(contract)) = (shows_values, r.get_mut("contracts").and_then(|a| a.get_mut(0))) {
        contract["value"] = gross_value(now_worth);
    }
    if let (NoticeKind::ContractChange, Some(amendments)) = (
        notice.kind,
        r.get_mut("contracts")
            .and_then(|a| a.get_mut(0))
            .and_then(|c| c.get_mut("amendments"))
            .and_then(Value::as_array_mut),
    ) {
        let number = notice.variation?.to_string();
        let amendment = amendments.iter_mut().find(|a| a["id"] == number.as_str())?;
        if shows_values {
            amendment["value"] = gross_value(now_worth);
        }
        if let Some(above) = notice.above_threshold {
            amendment["aboveThreshold"] = above.into();
        }
    }

    let subject = r
        .get_mut(on)
        .and_then(|a| a.get_mut(0))
        .and_then(Value::as_object_mut)?;
    if let Some(above) = notice.above_threshold {
        subject.insert("aboveThreshold".into(), above.into());
    }
    let mut document = json!({
        "id": notice.id(),
        "documentType": document_type,
        "noticeType": notice.kind.code(),
        "title": match notice.variation {
            Some(n) => format!("{} for variation {n} of call-off {}", notice.kind.label(), c.reference),
            None => format!("{} for call-off {}", notice.kind.label(), c.reference),
        },
        "language": "en",
    });
    if let Some((reference, published_on)) = &notice.published {
        document["datePublished"] = day_start(published_on).into();
        if is_find_a_tender_reference(reference) {
            document["url"] = format!("{FIND_A_TENDER_NOTICE}{reference}").into();
        }
    }
    subject.insert("documents".into(), json!([document]));
    Some(compiled)
}

/// A release package of one notice, declaring the UK extension besides ours.
pub fn notice_package(head: &PackageHead, release: Value) -> Value {
    let mut p = package_metadata(head);
    let mut extensions = EXTENSIONS.to_vec();
    extensions.push(UK_EXTENSION);
    p.insert("extensions".into(), json!(extensions));
    p.insert("releases".into(), json!([release]));
    Value::Object(p)
}
