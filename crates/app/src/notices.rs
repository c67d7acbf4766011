//! The Procurement Act notices each call-off needs (`domain::notices`), judged by the dated
//! thresholds kept in `data/procurement_thresholds.csv`.

use crate::call_offs::CallOffView;
use crate::{Actor, App, AppError, AppResult};
use calloff_domain::calendar::uk_date_of;
use calloff_domain::ids::CallOffId;
use calloff_domain::money::Money;
use calloff_domain::notices::{notices_due, NoticeDue, NoticeFacts, NoticeKind, Threshold, Thresholds};
use calloff_domain::role::Role;
use calloff_domain::FieldError;
use calloff_interop::ocds::UkNotice;
use calloff_store::audit::ChainHead;
pub use calloff_store::notices::Publication;
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
    /// The notices recorded as published.
    pub published: Vec<Publication>,
}

impl CallOffNotices {
    /// The record of this notice's publication, if there is one.
    pub fn publication(&self, due: &NoticeDue) -> Option<&Publication> {
        published_as(&self.published, due)
    }

    /// The notice with `code` (and, for a UK10, `variation`) if the call-off needs it, else a
    /// fault on `notice` naming the ones it needs.
    pub fn find(&self, code: &str, variation: Option<u32>) -> Result<&NoticeDue, FieldError> {
        self.due
            .iter()
            .find(|d| d.kind.code() == code.trim() && d.variation == variation)
            .ok_or_else(|| {
                let variations: Vec<String> = self
                    .due
                    .iter()
                    .filter(|d| d.kind.code() == code.trim())
                    .filter_map(|d| d.variation.map(|n| n.to_string()))
                    .collect();
                if !variations.is_empty() {
                    return FieldError::new(
                        "variation",
                        format!("Choose a variation with a change notice: {}", variations.join(", ")),
                    );
                }
                let needed: Vec<String> = self
                    .due
                    .iter()
                    .map(|d| match d.variation {
                        Some(n) => format!("{} (variation {n})", d.kind.code()),
                        None => d.kind.code().to_string(),
                    })
                    .collect();
                FieldError::new(
                    "notice",
                    if needed.is_empty() {
                        "This call-off needs no notice yet".to_string()
                    } else {
                        format!("Choose a notice this call-off needs: {}", needed.join(", "))
                    },
                )
            })
    }

    /// Whether `value_inc_vat` reaches the threshold the call-off is judged by, if there is one.
    fn above_threshold(&self, value_inc_vat: Money) -> Option<bool> {
        self.threshold.as_ref().map(|t| value_inc_vat >= t.value)
    }
}

/// A notice the call-off needs, as the UK profile's OCDS release ready to submit to Find a
/// Tender: for anyone who may see the call-off. A notice it does not need is a fault on `notice`.
pub async fn notice_data(
    app: &App,
    view: &CallOffView,
    notice: &str,
    variation: Option<u32>,
) -> AppResult<serde_json::Value> {
    let notices = for_call_off(app, view).await?;
    let due = notices
        .find(notice, variation)
        .map_err(|e| AppError::InvalidFields(vec![e]))?;
    let with_vat = |ex_vat: Money| {
        ex_vat
            .vat_at(calloff_domain::money::STANDARD_VAT_PERCENT)
            .and_then(|vat| ex_vat.checked_add(vat))
            .unwrap_or(ex_vat)
    };
    let judged_at = match (due.kind, due.variation) {
        (NoticeKind::ContractChange, Some(n)) => view
            .variations
            .iter()
            .find(|v| u32::try_from(v.number).ok() == Some(n))
            .map_or(notices.value_inc_vat, |v| with_vat(v.new_value)),
        _ => notices.value_inc_vat,
    };
    let uk = UkNotice {
        kind: due.kind,
        variation: due.variation,
        above_threshold: notices.above_threshold(judged_at),
        published: notices
            .publication(due)
            .map(|p| (p.reference.clone(), p.published_on.clone())),
    };
    crate::ocds::uk_notice(app, &view.call_off.id, &uk)
        .await?
        .ok_or_else(|| AppError::NotFound("notice".into()))
}

fn published_as<'a>(published: &'a [Publication], due: &NoticeDue) -> Option<&'a Publication> {
    let variation = i64::from(due.variation.unwrap_or(0));
    published
        .iter()
        .find(|p| p.notice == due.kind.code() && p.variation == variation)
}

/// A call-off's value as awarded, including VAT: before its first variation, if it has one
/// (`original`, ex VAT), else its value now.
fn value_as_awarded(original: Option<Money>, now_inc_vat: Money) -> Money {
    match original {
        Some(original) => {
            let vat = original
                .vat_at(calloff_domain::money::STANDARD_VAT_PERCENT)
                .unwrap_or(Money::ZERO);
            original.checked_add(vat).unwrap_or(original)
        }
        None => now_inc_vat,
    }
}

/// The notices of a call-off the actor may see (they read its view first).
pub async fn for_call_off(app: &App, view: &CallOffView) -> AppResult<CallOffNotices> {
    let call_off = &view.call_off;
    let value_inc_vat = value_as_awarded(
        view.variations.first().map(|v| v.original_value),
        call_off.totals.total_inc_vat,
    );
    let awarded_on = call_off
        .sent_to_supplier
        .then(|| uk_date_of(&call_off.placed_at))
        .flatten();
    let Some(awarded_on) = awarded_on else {
        return Ok(CallOffNotices {
            due: Vec::new(),
            threshold: None,
            value_inc_vat,
            awarded_on: None,
            published: Vec::new(),
        });
    };
    let mut conn = app.db.pool().acquire().await?;
    let published = calloff_store::notices::published(&mut conn, &call_off.id).await?;
    let history = calloff_store::audit::entries_for_subject(&mut conn, call_off.id.as_str()).await?;
    let entered_on = history
        .iter()
        .find(|e| e.entry.action == "call_off.accepted")
        .and_then(|e| uk_date_of(&e.entry.at));
    let facts = NoticeFacts {
        buyer_kind: view.buyer.kind,
        awarded_on,
        entered_on,
        value_inc_vat,
        variations: view
            .variations
            .iter()
            .filter_map(|v| Some((u32::try_from(v.number).ok()?, uk_date_of(&v.varied_at)?)))
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
        published,
    })
}

/// A notice one of the buyer's call-offs needs that is not yet recorded as published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outstanding {
    pub call_off: CallOffId,
    pub reference: String,
    pub title: Option<String>,
    pub due: NoticeDue,
}

/// Every notice the actor's organisation has still to publish, soonest due first; for its buyers.
pub async fn outstanding(app: &App, actor: &Actor) -> AppResult<Vec<Outstanding>> {
    if !actor.has(Role::Buyer) {
        return Err(AppError::Forbidden(
            "only buyers publish their organisation's notices".into(),
        ));
    }
    let mut conn = app.db.pool().acquire().await?;
    let kind = calloff_store::organisations::get(&mut conn, &actor.organisation_id)
        .await?
        .map(|o| o.kind)
        .ok_or_else(|| AppError::NotFound("organisation".into()))?;
    let records = calloff_store::notices::for_buyer(&mut conn, &actor.organisation_id).await?;
    let mut out = Vec::new();
    for r in records {
        let Some(awarded_on) = uk_date_of(&r.placed_at) else {
            continue;
        };
        let value_inc_vat = value_as_awarded(r.variations.first().map(|(_, original, _)| *original), r.value_inc_vat);
        let facts = NoticeFacts {
            buyer_kind: kind,
            awarded_on,
            entered_on: r.accepted_at.as_deref().and_then(uk_date_of),
            value_inc_vat,
            variations: r
                .variations
                .iter()
                .filter_map(|(n, _, at)| Some((u32::try_from(*n).ok()?, uk_date_of(at)?)))
                .collect(),
            terminated_on: r
                .early_end_on
                .as_deref()
                .and_then(|d| calloff_domain::calendar::parse_date(d).ok()),
        };
        for due in notices_due(&facts, thresholds()).0 {
            if published_as(&r.published, &due).is_none() {
                out.push(Outstanding {
                    call_off: r.id.clone(),
                    reference: r.reference.clone(),
                    title: r.title.clone(),
                    due,
                });
            }
        }
    }
    out.sort_by(|a, b| (a.due.due_on, &a.reference).cmp(&(b.due.due_on, &b.reference)));
    Ok(out)
}

/// Longest Find a Tender reference kept.
pub const MAX_REFERENCE_LEN: usize = 100;

/// The call-off's buyer records that a notice it needs was published on Find a Tender, with the
/// notice's reference and the day (today when not given). Every bad field is named at once; a
/// notice is recorded once.
pub async fn record_published(
    app: &App,
    actor: &Actor,
    view: &CallOffView,
    notice: &str,
    variation: Option<u32>,
    reference: &str,
    published_on: &str,
) -> AppResult<()> {
    if !view.standing.acts_as_buyer(&actor.roles) {
        return Err(AppError::Forbidden(
            "only the call-off's buyers record its notices".into(),
        ));
    }
    let notices = for_call_off(app, view).await?;
    let mut errors = Vec::new();
    let due = notices.find(notice, variation).map_err(|e| errors.push(e)).ok();
    let reference = reference.trim();
    if reference.is_empty() {
        errors.push(FieldError::new(
            "reference",
            "Enter the notice's reference on Find a Tender",
        ));
    } else if reference.chars().count() > MAX_REFERENCE_LEN {
        errors.push(FieldError::new(
            "reference",
            format!("The reference must be {MAX_REFERENCE_LEN} characters or fewer"),
        ));
    }
    let today = app.today();
    let published_on = match published_on.trim() {
        "" => Some(today),
        text => match calloff_domain::calendar::parse_date(text) {
            Ok(day) if day > today => {
                errors.push(FieldError::new(
                    "published_on",
                    "The day it was published cannot be in the future",
                ));
                None
            }
            Ok(day) => Some(day),
            Err(e) => {
                errors.push(FieldError::new("published_on", e));
                None
            }
        },
    };
    let (Some(due), Some(published_on), true) = (due, published_on, errors.is_empty()) else {
        return Err(AppError::InvalidFields(errors));
    };
    if notices.publication(due).is_some() {
        return Err(AppError::Conflict(FieldError::new(
            "notice",
            format!(
                "The {} is already recorded as published",
                due.kind.label().to_lowercase()
            ),
        )));
    }
    let publication = Publication {
        notice: due.kind.code().to_string(),
        variation: i64::from(due.variation.unwrap_or(0)),
        reference: reference.to_string(),
        published_on: published_on.to_string(),
    };
    let id = &view.call_off.id;
    calloff_store::with_retries(|| async {
        let at = app.now_text();
        let mut tx = app.db.begin_write().await?;
        let mut head = ChainHead::claim(&mut tx).await?;
        if let Err(e) = calloff_store::notices::record(&mut tx, id, &publication, &actor.user_id, &at).await {
            return Err(if e.is_unique_violation() {
                AppError::Conflict(FieldError::new("notice", "This notice is already recorded as published"))
            } else {
                e.into()
            });
        }
        head.append(
            &mut tx,
            &at,
            actor.user_id.as_str(),
            "notice.published",
            id.as_str(),
            serde_json::json!({ "notice": publication.notice, "variation": publication.variation, "reference": publication.reference }),
        )
        .await?;
        head.seal(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    })
    .await
}
