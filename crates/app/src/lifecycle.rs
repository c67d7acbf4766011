//! After acceptance: provisioning milestones, going live, the end of term, reminders before it,
//! and ending call-offs whose term is over.

use crate::call_offs::{self, CallOffAction};
use crate::{Actor, App, AppError, AppResult};
use calloff_domain::call_off::{CallOffState, PricedLine};
use calloff_domain::catalogue::Charging;
use calloff_domain::ids::{CallOffId, OrganisationId, UserId};
use calloff_domain::FieldError;
use calloff_store::audit::ChainHead;
use calloff_store::lifecycle::{self, Milestone};
use calloff_store::{notifications, with_retries};
use chrono::{Months, NaiveDate};

/// Days before the end of term at which the buyer is reminded, longest first.
pub const REMINDER_DAYS: [i64; 2] = [90, 30];
/// Longest milestone name.
pub const MAX_MILESTONE_NAME: usize = 200;
/// Call-offs handled per sweep round.
const SWEEP_BATCH: i64 = 200;

/// A call-off's term ends when its longest recurring line does; one-off items end it at once.
pub fn end_of_term(live_on: NaiveDate, lines: &[PricedLine]) -> NaiveDate {
    let months = lines
        .iter()
        .filter(|l| l.unit.charging() != Charging::OneOff)
        .map(|l| l.term_months.get())
        .max()
        .unwrap_or(0);
    live_on.checked_add_months(Months::new(months)).unwrap_or(live_on)
}

/// The supplier records a provisioning milestone of an accepted call-off. Dates run in order,
/// from the day it was placed to today.
pub async fn record_milestone(app: &App, actor: &Actor, id: &CallOffId, name: &str, done_on: &str) -> AppResult<()> {
    let probe = CallOffAction::GoLive; // the same people record milestones as take it live
    let view = call_offs::may_take(app, actor, id, &probe).await?;
    let name = name.trim();
    let mut errors = Vec::new();
    if name.is_empty() || name.chars().count() > MAX_MILESTONE_NAME {
        errors.push(FieldError::new(
            "name",
            format!("Enter the milestone, in {MAX_MILESTONE_NAME} characters or fewer"),
        ));
    }
    let date = match calloff_domain::calendar::parse_date(done_on) {
        Ok(date) => Some(date),
        Err(message) => {
            errors.push(FieldError::new("done_on", message));
            None
        }
    };
    if let Some(date) = date {
        let placed_on = view.call_off.placed_at.get(..10).unwrap_or_default().to_string();
        let last = view.milestones.last().map(|m| m.done_on.clone());
        if date > app.today() {
            errors.push(FieldError::new("done_on", "The date cannot be in the future"));
        } else if date.to_string() < placed_on {
            errors.push(FieldError::new(
                "done_on",
                format!("The date cannot be before the call-off was placed ({placed_on})"),
            ));
        } else if let Some(last) = last.filter(|last| date.to_string() < *last) {
            errors.push(FieldError::new(
                "done_on",
                format!("Milestones run in order: the last one was on {last}"),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(if errors.len() == 1 {
            AppError::Invalid(errors.remove(0))
        } else {
            AppError::InvalidFields(errors)
        });
    }
    if view.call_off.state != CallOffState::Accepted {
        return Err(AppError::Conflict(FieldError::new(
            "state",
            "Milestones are recorded while a call-off is being provisioned",
        )));
    }
    let milestone = Milestone {
        position: calloff_domain::count(view.milestones.len()) + 1,
        name: name.to_string(),
        done_on: date.map(|d| d.to_string()).unwrap_or_default(),
    };
    let at = app.now_text();
    let mut tx = app.db.begin_write().await?;
    let mut head = ChainHead::claim(&mut tx).await?;
    if let Err(e) = lifecycle::add_milestone(&mut tx, id, &milestone, &actor.user_id, &at).await {
        return Err(if e.is_unique_violation() {
            AppError::Conflict(FieldError::new(
                "name",
                "Someone recorded a milestone at the same time; reload and try again",
            ))
        } else {
            e.into()
        });
    }
    head.append(
        &mut tx,
        &at,
        actor.user_id.as_str(),
        "call_off.milestone",
        id.as_str(),
        serde_json::json!({ "name": milestone.name, "done_on": milestone.done_on }),
    )
    .await?;
    head.seal(&mut tx).await?;
    tx.commit().await?;
    Ok(())
}

/// What one sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepReport {
    pub reminded: usize,
    pub ended: usize,
    /// Requests for approval that waited too long and were expired.
    pub expired: usize,
    /// MI return reminders sent (before the due date, and when overdue).
    pub return_reminders: usize,
}

/// Reminds buyers 90 and 30 days before a call-off's term ends, ends call-offs whose term is
/// over, expires requests for approval that waited too long, and opens MI returns and reminds
/// suppliers of them. Each reminder is sent once, however many processes sweep.
pub async fn sweep(app: &App) -> AppResult<SweepReport> {
    let today = app.today();
    let mut report = SweepReport {
        expired: crate::approvals::expire_due(app).await?,
        ..SweepReport::default()
    };
    for days in REMINDER_DAYS {
        let ending_by = (today + chrono::Duration::days(days)).to_string();
        let mut conn = app.db.pool().acquire().await?;
        let due = lifecycle::to_remind(&mut conn, &ending_by, days, SWEEP_BATCH).await?;
        drop(conn);
        for id in due {
            if with_retries(|| remind(app, &id, days)).await? {
                report.reminded += 1;
            }
        }
    }
    let returns = crate::returns::remind(app).await?;
    report.return_reminders = returns.before_due + returns.overdue;
    let mut conn = app.db.pool().acquire().await?;
    let over = lifecycle::past_end(&mut conn, &today.to_string(), SWEEP_BATCH).await?;
    drop(conn);
    let system = system_actor();
    for id in over {
        let mut conn = app.db.pool().acquire().await?;
        let Some(call_off) = calloff_store::call_offs::get(&mut conn, &id).await? else {
            continue;
        };
        drop(conn);
        match with_retries(|| call_offs::apply(app, &system, &call_off, &CallOffAction::End, None)).await {
            Ok(_) => report.ended += 1,
            // Someone ended or terminated it meanwhile.
            Err(AppError::Conflict(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(report)
}

fn system_actor() -> Actor {
    Actor {
        user_id: UserId::from_stored("system"),
        organisation_id: OrganisationId::from_stored("system"),
        organisation_name: "calloff".into(),
        name: "calloff".into(),
        email: String::new(),
        roles: vec![],
    }
}

async fn remind(app: &App, id: &CallOffId, days: i64) -> AppResult<bool> {
    let at = app.now_text();
    let mut tx = app.db.begin_write().await?;
    if !lifecycle::mark_reminded(&mut tx, id, days).await? {
        return Ok(false);
    }
    let Some(call_off) = calloff_store::call_offs::get(&mut tx, id).await? else {
        return Ok(false);
    };
    let (_, ends_on) = lifecycle::term(&mut tx, id).await?;
    let ends_on = ends_on.unwrap_or_default();
    let subject = format!("Call-off {} ends on {ends_on}", call_off.reference);
    let body = format!(
        "Call-off {} ends on {ends_on}, in about {days} days. Decide now whether to re-procure, vary or let it end.",
        call_off.reference
    );
    let message = notifications::Message {
        id_prefix: &format!("reminder-{days}-{}", uuid::Uuid::now_v7()),
        event: "call_off.ending",
        subject: &subject,
        body: &body,
        link: &format!("/call-offs/{}", call_off.id),
        created_at: &at,
    };
    notifications::queue_for_user(&mut tx, &message, &call_off.placed_by, &UserId::from_stored("system")).await?;
    tx.commit().await?;
    Ok(true)
}

/// Sweeps now and then until the process ends.
pub async fn run_sweeper(app: App, every: std::time::Duration) {
    loop {
        match sweep(&app).await {
            Ok(r) if r.reminded + r.ended + r.expired + r.return_reminders > 0 => {
                tracing::info!(
                    reminded = r.reminded,
                    ended = r.ended,
                    expired = r.expired,
                    return_reminders = r.return_reminders,
                    "call-offs swept"
                )
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "call-off sweep"),
        }
        tokio::time::sleep(every).await;
    }
}
