//! What waits on the signed-in person, for their home page: a count and a link per kind of task
//! their roles give them, then their recent work.

use crate::{Actor, App, AppResult};
use calloff_domain::role::Role;
use calloff_store::spend::Contract;
use calloff_store::tasks;

/// Call-offs listed as recent work.
pub const RECENT: usize = 5;

/// One kind of task: how many wait, and where to do them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    /// Like "Approvals waiting for you".
    pub label: &'static str,
    pub count: i64,
    pub href: String,
    /// What makes it pressing, like "2 are late".
    pub urgent: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Home {
    /// The tasks of the person's roles, those with work first.
    pub tasks: Vec<Task>,
    /// Running contracts of the organisation that end within the renewal notice (buyers).
    pub renewals: Vec<Contract>,
    /// The person's most recent call-offs (their organisation's, or addressed to their supplier).
    pub recent: Vec<crate::call_offs::CallOffView>,
}

impl Home {
    /// Tasks waiting, in all.
    pub fn waiting(&self) -> i64 {
        self.tasks.iter().map(|t| t.count).sum()
    }
}

fn task(label: &'static str, count: i64, href: impl Into<String>) -> Task {
    Task {
        label,
        count,
        href: href.into(),
        urgent: None,
    }
}

fn count(items: usize) -> i64 {
    i64::try_from(items).unwrap_or(i64::MAX)
}

fn late(count: i64) -> Option<String> {
    match count {
        0 => None,
        1 => Some("1 is late".into()),
        n => Some(format!("{n} are late")),
    }
}

/// The person's home: their tasks, by role, and their recent work.
pub async fn home(app: &App, actor: &Actor) -> AppResult<Home> {
    let org = &actor.organisation_id;
    let today = app.today();
    let today_text = today.to_string();
    let mut conn = app.db.pool().acquire().await?;
    let mut list = Vec::new();
    if actor.has(Role::Approver) {
        let awaiting = crate::approvals::awaiting(app, actor).await?;
        let yours = awaiting.iter().filter(|a| a.blocked.is_none()).count();
        list.push(task("Approvals waiting for you", count(yours), "/approvals"));
    }
    if actor.has(Role::Buyer) {
        let invoices = tasks::invoices_to_decide(&mut conn, org).await?;
        list.push(task("Invoices to approve or dispute", invoices, "/invoices"));
        let notices = crate::notices::outstanding(app, actor).await?;
        let overdue = notices.iter().filter(|n| n.due.due_on < today).count();
        list.push(Task {
            urgent: late(count(overdue)),
            ..task("Notices to publish", count(notices.len()), "/notices")
        });
    }
    if actor.has(Role::SupplierUser) {
        let to_accept = tasks::supplier_call_offs_in(&mut conn, org, "placed").await?;
        list.push(task("Call-offs to accept or reject", to_accept, "/supplier/inbox"));
        let to_start = tasks::supplier_call_offs_in(&mut conn, org, "accepted").await?;
        list.push(task("Accepted call-offs to mark as live", to_start, "/supplier/inbox"));
        let (open, overdue) = tasks::returns_open(&mut conn, org, &today_text).await?;
        let returns_href = first_framework_page(app, actor, "returns").await?;
        list.push(Task {
            urgent: late(overdue),
            ..task("MI returns to submit", open, returns_href)
        });
        let proposals = tasks::proposals_to_answer(&mut conn, org).await?;
        let proposals_href = first_framework_page(app, actor, "proposals").await?;
        list.push(task("Customers' proposals to respond to", proposals, proposals_href));
        let undeclared = calloff_store::supplier_status::get(&mut conn, org).await?.is_none();
        list.push(task(
            "Your size and VCSE status to declare",
            i64::from(undeclared),
            "/organisation/supplier-status",
        ));
    }
    if actor.has(Role::FrameworkManager) {
        let verify = tasks::organisations_to_verify(&mut conn).await?;
        list.push(task("Registrations to verify", verify, "/organisations/pending"));
        let changes = tasks::change_requests_to_decide(&mut conn, org).await?;
        let changes_href = first_framework_page(app, actor, "change-requests").await?;
        list.push(task("Catalogue change requests to decide", changes, changes_href));
        let proposals = tasks::proposals_to_decide(&mut conn, org).await?;
        let proposals_href = first_framework_page(app, actor, "proposals").await?;
        list.push(task("Customers' proposals to decide", proposals, proposals_href));
        let late_returns = tasks::returns_late_on_frameworks(&mut conn, org, &today_text).await?;
        let returns_href = first_framework_page(app, actor, "returns").await?;
        list.push(task("Late MI returns to chase", late_returns, returns_href));
    }
    let renewals = if actor.has(Role::Buyer) || actor.has(Role::Approver) || actor.has(Role::OrganisationAdmin) {
        crate::spend::renewals_due(&mut conn, org, today).await?
    } else {
        Vec::new()
    };
    if !renewals.is_empty() || actor.has(Role::Buyer) {
        list.push(task(
            "Contracts ending within 90 days",
            count(renewals.len()),
            "/organisation/spend#contracts",
        ));
    }
    drop(conn);
    // Those with work first; otherwise in the order above.
    list.sort_by_key(|t| t.count == 0);
    let recent = if actor.has(Role::Buyer) || actor.has(Role::Approver) || actor.has(Role::SupplierUser) {
        let (views, _) = crate::call_offs::list_views(app, actor, None, &Default::default()).await?;
        views.into_iter().take(RECENT).collect()
    } else {
        Vec::new()
    };
    Ok(Home {
        tasks: list,
        renewals,
        recent,
    })
}

/// The person's unread notifications.
pub async fn unread_notifications(app: &App, actor: &Actor) -> AppResult<i64> {
    let mut conn = app.db.pool().acquire().await?;
    Ok(tasks::unread_notifications(&mut conn, &actor.user_id).await?)
}

/// A page of the framework the person takes part in (as its supplier or its managing
/// authority): `/frameworks/{id}/{page}`, or the frameworks list when they take part in several.
async fn first_framework_page(app: &App, actor: &Actor, page: &str) -> AppResult<String> {
    let org = &actor.organisation_id;
    let frameworks = crate::frameworks::list(app, actor).await?;
    let mine: Vec<_> = frameworks
        .iter()
        .filter(|f| f.authority == *org || f.suppliers.contains(org))
        .collect();
    Ok(match mine.as_slice() {
        [one] => format!("/frameworks/{}/{page}", one.id),
        _ => "/frameworks".to_string(),
    })
}
