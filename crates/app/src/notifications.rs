//! Notifications: queued in the same transaction as the event (an outbox), listed in the app,
//! and sent by email by a background worker that retries with backoff and never drops one.

use crate::{Actor, App, AppResult};
use calloff_domain::call_off::CallOff;
use calloff_domain::ids::CallOffId;
use calloff_domain::role::Role;
pub use calloff_store::notifications::Notification;
use calloff_store::Conn;
use calloff_store::{call_offs, notifications, organisations, with_retries};
use chrono::{Duration, SecondsFormat};
use lettre::message::{header::ContentType, Mailbox};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::future::Future;

/// Sends after which a notification is left unsent (and visible as failed) rather than retried.
pub const MAX_SEND_ATTEMPTS: i64 = 12;
/// Notifications one delivery round takes.
const DELIVERY_BATCH: i64 = 100;
/// How long a worker holds a notification it is sending before another may take it.
const CLAIM_SECONDS: i64 = 120;
/// First retry after a minute, doubling, at most six hours apart.
const FIRST_RETRY_SECONDS: i64 = 60;
const LONGEST_RETRY_SECONDS: i64 = 6 * 3600;
/// Notifications shown in the app.
pub const LIST_LIMIT: i64 = 50;

fn text(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The wait before retry `attempt` (1-based).
pub fn retry_delay(attempt: i64) -> Duration {
    let seconds = FIRST_RETRY_SECONDS.saturating_mul(1 << (attempt - 1).clamp(0, 20));
    Duration::seconds(seconds.min(LONGEST_RETRY_SECONDS))
}

/// Call-offs dispatched per round.
const DISPATCH_BATCH: i64 = 100;

/// Tells suppliers of call-offs placed with them. Placing leaves the to-do on the call-off row in
/// its own transaction (so the placing transaction stays short); this turns each into
/// notifications exactly once, however many processes dispatch at the same time.
pub async fn dispatch_placed(app: &App) -> AppResult<usize> {
    let mut conn = app.db.pool().acquire().await?;
    let to_notify = call_offs::supplier_not_yet_notified(&mut conn, DISPATCH_BATCH).await?;
    drop(conn);
    let mut dispatched = 0;
    for id in to_notify {
        if with_retries(|| notify_placed(app, &id)).await? {
            dispatched += 1;
        }
    }
    Ok(dispatched)
}

async fn notify_placed(app: &App, id: &CallOffId) -> AppResult<bool> {
    let mut tx = app.db.begin_write().await?;
    if !call_offs::mark_supplier_notified(&mut tx, id, &app.now_text()).await? {
        return Ok(false);
    }
    let Some(call_off) = call_offs::get(&mut tx, id).await? else {
        return Ok(false);
    };
    let buyer = organisations::get(&mut tx, &call_off.buyer_id)
        .await?
        .map(|o| o.name)
        .unwrap_or_default();
    let subject = format!("New call-off {} from {buyer}", call_off.reference);
    let body = format!(
        "{buyer} placed call-off {} with you, worth {} excluding VAT ({} lines). Accept it, or reject it with a reason.",
        call_off.reference,
        call_off.totals.contract_value,
        call_off.lines.len()
    );
    let message = notifications::Message {
        id_prefix: &uuid::Uuid::now_v7().to_string(),
        event: "call_off.placed",
        subject: &subject,
        body: &body,
        link: &format!("/call-offs/{}", call_off.id),
        created_at: &call_off.placed_at,
    };
    notifications::queue_for_role(
        &mut tx,
        &message,
        Some(&call_off.supplier_id),
        Role::SupplierUser,
        &call_off.placed_by,
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Tells whoever needs to know that a call-off changed state. Call inside the same transaction.
pub(crate) async fn call_off_changed(conn: &mut Conn, at: &str, actor: &Actor, call_off: &CallOff) -> AppResult<()> {
    use calloff_domain::call_off::CallOffState::*;
    let state = call_off.state.label().to_lowercase();
    let subject = format!("Call-off {}: {state}", call_off.reference);
    let mut body = format!(
        "{} ({}) marked call-off {} as {state}.",
        actor.name, actor.organisation_name, call_off.reference
    );
    if let Some(reason) = &call_off.rejection_reason {
        body.push_str(&format!(" Reason given: {reason}"));
    }
    let event = format!("call_off.{}", call_off.state.as_str());
    let message = notifications::Message {
        id_prefix: &uuid::Uuid::now_v7().to_string(),
        event: &event,
        subject: &subject,
        body: &body,
        link: &format!("/call-offs/{}", call_off.id),
        created_at: at,
    };
    match call_off.state {
        // The buyer hears what the supplier did.
        Accepted | Rejected | Live | Ended => {
            notifications::queue_for_user(conn, &message, &call_off.placed_by, &actor.user_id).await?;
        }
        // The supplier hears that the buyer withdrew.
        Cancelled => {
            notifications::queue_for_role(
                conn,
                &message,
                Some(&call_off.supplier_id),
                Role::SupplierUser,
                &actor.user_id,
            )
            .await?;
        }
        Draft | Placed => {}
    }
    Ok(())
}

/// The signed-in user's notifications, newest first (after dispatching any still to do).
pub async fn list(app: &App, actor: &Actor) -> AppResult<Vec<Notification>> {
    dispatch_placed(app).await?;
    let mut conn = app.db.pool().acquire().await?;
    Ok(notifications::for_recipient(&mut conn, &actor.user_id, LIST_LIMIT).await?)
}

pub async fn mark_all_read(app: &App, actor: &Actor) -> AppResult<u64> {
    let mut conn = app.db.pool().acquire().await?;
    Ok(notifications::mark_all_read(&mut conn, &actor.user_id, &app.now_text()).await?)
}

/// Something that can deliver an email.
pub trait Mailer: Send + Sync {
    fn send(&self, to: &str, subject: &str, body: &str) -> impl Future<Output = Result<(), String>> + Send;
}

/// Email over SMTP, to a relay given as `smtp://host:port` (plain SMTP, for a local relay).
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpMailer {
    pub fn new(smtp_url: &str, from: &str) -> Result<SmtpMailer, String> {
        let rest = smtp_url
            .strip_prefix("smtp://")
            .ok_or_else(|| format!("SMTP URL must look like smtp://host:port (got \"{smtp_url}\")"))?;
        let (host, port) = match rest.trim_end_matches('/').rsplit_once(':') {
            Some((host, port)) => (
                host,
                port.parse::<u16>()
                    .map_err(|_| format!("bad SMTP port in \"{smtp_url}\""))?,
            ),
            None => (rest.trim_end_matches('/'), 25),
        };
        let from = from
            .parse::<Mailbox>()
            .map_err(|e| format!("bad sender address \"{from}\": {e}"))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(port)
            .build();
        Ok(SmtpMailer { transport, from })
    }
}

impl Mailer for SmtpMailer {
    async fn send(&self, to: &str, subject: &str, body: &str) -> Result<(), String> {
        let to = to
            .parse::<Mailbox>()
            .map_err(|e| format!("bad recipient address: {e}"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_string())
            .map_err(|e| e.to_string())?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    pub sent: usize,
    pub failed: usize,
}

/// Sends the notifications that are due. Each is claimed first, so two workers (in two server
/// processes, say) do not both send it; a failed send is kept and retried later.
pub async fn deliver_due(app: &App, mailer: &impl Mailer, public_url: &str) -> AppResult<DeliveryReport> {
    dispatch_placed(app).await?;
    let now = app.now();
    let mut conn = app.db.pool().acquire().await?;
    let due = notifications::due(&mut conn, MAX_SEND_ATTEMPTS, &text(now), DELIVERY_BATCH).await?;
    let mut report = DeliveryReport::default();
    for n in due {
        let until = text(now + Duration::seconds(CLAIM_SECONDS));
        if !notifications::claim(&mut conn, &n.id, &until, &text(now)).await? {
            continue;
        }
        let body = format!(
            "{}\n\n{}{}\n\n-- \ncalloff",
            n.body,
            public_url.trim_end_matches('/'),
            n.link
        );
        match mailer.send(&n.recipient.email, &n.subject, &body).await {
            Ok(()) => {
                notifications::mark_sent(&mut conn, &n.id, &app.now_text()).await?;
                report.sent += 1;
            }
            Err(error) => {
                let retry_at = text(now + retry_delay(n.attempts + 1));
                notifications::mark_failed(&mut conn, &n.id, &retry_at, &error).await?;
                tracing::warn!(notification = %n.id, attempts = n.attempts + 1, %error, "sending failed; will retry");
                report.failed += 1;
            }
        }
    }
    Ok(report)
}

/// Runs delivery rounds every `every` until the process ends.
pub async fn run_worker(app: App, mailer: impl Mailer, public_url: String, every: std::time::Duration) {
    loop {
        match deliver_due(&app, &mailer, &public_url).await {
            Ok(report) if report.sent + report.failed > 0 => {
                tracing::info!(sent = report.sent, failed = report.failed, "notifications delivered")
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "notification worker"),
        }
        tokio::time::sleep(every).await;
    }
}
