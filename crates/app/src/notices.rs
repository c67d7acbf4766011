//! The Procurement Act notices each call-off needs (`domain::notices`), judged by the dated
//! thresholds kept in `data/procurement_thresholds.csv`.

use crate::call_offs::CallOffView;
use crate::{App, AppResult};
use calloff_domain::calendar::uk_date;
use calloff_domain::money::Money;
use calloff_domain::notices::{notices_due, NoticeDue, NoticeFacts, Threshold, Thresholds};
use chrono::NaiveDate;
use std::sync::OnceLock;

const THRESHOLDS_CSV: &str = include_str!("../data/procurement_thresholds.csv");

/// The thresholds file, read once. It is checked by the tests, so it always reads.
pub fn thresholds() -> &'static Thresholds {
    static THRESHOLDS: OnceLock<Thresholds> = OnceLock::new();
    THRESHOLDS.get_or_init(|| {
        Thresholds::parse(THRESHOLDS_CSV).unwrap_or_else(|errors| {
            tracing::error!(?errors, "the procurement thresholds file does not read");
            Thresholds::default()
        })
    })
}

/// The file's faults, if any (for the tests).
pub fn check_thresholds_file() -> Result<(), Vec<String>> {
    Thresholds::parse(THRESHOLDS_CSV).map(|_| ())
}

/// The notices a call-off needs and when each is due, with the threshold it was judged by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallOffNotices {
    /// Empty until the call-off is placed with its supplier.
    pub due: Vec<NoticeDue>,
    /// The rule in force for the buyer's kind of body on the day it was awarded.
    pub threshold: Option<Threshold>,
    /// Its value as awarded, including VAT: what the threshold is compared with.
    pub value_inc_vat: Money,
    pub awarded_on: Option<NaiveDate>,
}

/// The UK day of a stored timestamp.
fn uk_day(stored: &str) -> Option<NaiveDate> {
    chrono::DateTime::parse_from_rfc3339(stored)
        .ok()
        .map(|t| uk_date(t.with_timezone(&chrono::Utc)))
}

/// The notices of a call-off the actor may see (they read its view first).
pub async fn for_call_off(app: &App, view: &CallOffView) -> AppResult<CallOffNotices> {
    let call_off = &view.call_off;
    // Its value as awarded: before the first variation, if any.
    let value_inc_vat = match view.variations.first() {
        Some(first) => {
            let vat = first
                .original_value
                .vat_at(calloff_domain::money::STANDARD_VAT_PERCENT)
                .unwrap_or(Money::ZERO);
            first.original_value.checked_add(vat).unwrap_or(first.original_value)
        }
        None => call_off.totals.total_inc_vat,
    };
    let awarded_on = call_off.sent_to_supplier.then(|| uk_day(&call_off.placed_at)).flatten();
    let Some(awarded_on) = awarded_on else {
        return Ok(CallOffNotices {
            due: Vec::new(),
            threshold: None,
            value_inc_vat,
            awarded_on: None,
        });
    };
    let mut conn = app.db.pool().acquire().await?;
    let history = calloff_store::audit::entries_for_subject(&mut conn, call_off.id.as_str()).await?;
    let entered_on = history
        .iter()
        .find(|e| e.entry.action == "call_off.accepted")
        .and_then(|e| uk_day(&e.entry.at));
    let facts = NoticeFacts {
        buyer_kind: view.buyer.kind,
        awarded_on,
        entered_on,
        value_inc_vat,
        variations: view
            .variations
            .iter()
            .filter_map(|v| Some((u32::try_from(v.number).ok()?, uk_day(&v.varied_at)?)))
            .collect(),
        terminated_on: view
            .early_end
            .as_ref()
            .and_then(|e| calloff_domain::calendar::parse_date(&e.ends_on).ok()),
    };
    let (due, threshold) = notices_due(&facts, thresholds());
    Ok(CallOffNotices {
        due,
        threshold,
        value_inc_vat,
        awarded_on: Some(awarded_on),
    })
}
