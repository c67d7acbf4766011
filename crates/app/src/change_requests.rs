//! Catalogue change control. A supplier proposes changes to its items in a change request; the
//! framework manager sees each change beside the version in force and approves or rejects the
//! request with a reason. Approved changes are applied on their effective date, each making a new
//! version of its item; placed call-offs keep the version they were placed with.

use crate::frameworks::{record as framework, standing_in};
use crate::{Actor, App, AppError, AppResult};
use calloff_domain::catalogue::CatalogueItem;
use calloff_domain::change_control::{
    uplifted, ChangeInput, ChangeKind, ItemDetails, ProposedChange, RequestStatus, MAX_CHANGES, MAX_TITLE_LEN,
};
use calloff_domain::ids::{FrameworkId, ItemId, ProposalId};
use calloff_domain::pricing::PriceBreaks;
use calloff_domain::role::Role;
use calloff_domain::standing::FrameworkStanding;
use calloff_domain::FieldError;
use calloff_store::audit::ChainHead;
pub use calloff_store::catalogue::ItemVersion;
pub use calloff_store::change_requests::ChangeRequest as RequestSummary;
use calloff_store::change_requests::{self, ChangeRequest, StoredChange};
use calloff_store::frameworks::FrameworkRecord;
use calloff_store::{catalogue, frameworks, notifications, with_retries, Conn};
use std::collections::{HashMap, HashSet};

/// Changes shown per page of a request.
pub const CHANGES_PAGE: i64 = 100;
/// Changes applied per transaction.
const APPLY_BATCH: i64 = 500;
/// Requests listed at once.
const LIST_LIMIT: i64 = 200;
/// Longest reason for a rejection.
pub const MAX_REASON_LEN: usize = calloff_domain::text::MAX_REASON_LEN;

/// Checks proposed changes against the catalogue as it stands: lots exist, new SKUs are new (and
/// not already proposed elsewhere), other changes are to the supplier's own items, one change per
/// SKU. Errors name `changes[i].field`, `i` being each change's place in what was sent.
async fn check_against_catalogue(
    conn: &mut Conn,
    record: &FrameworkRecord,
    actor: &Actor,
    changes: &[(usize, ProposedChange)],
) -> AppResult<Vec<FieldError>> {
    let lots: HashSet<u32> = record.framework.lots.iter().map(|l| l.number).collect();
    let skus: HashMap<String, (calloff_domain::ids::OrganisationId, bool)> =
        catalogue::skus(conn, &record.framework.id)
            .await?
            .into_iter()
            .map(|(sku, supplier, withdrawn)| (sku, (supplier, withdrawn)))
            .collect();
    let pending: HashSet<String> = change_requests::pending_adds(conn, &record.framework.id, "")
        .await?
        .into_iter()
        .collect();
    let mut seen = HashSet::new();
    let mut errors = Vec::new();
    for (i, change) in changes {
        let at = |field: &str, message: String| FieldError::new(format!("changes[{i}].{field}"), message);
        let sku = change.sku.as_str();
        if !seen.insert(sku.to_string()) {
            errors.push(at("sku", format!("{sku} appears more than once in this request")));
            continue;
        }
        if let Some(d) = &change.details {
            if !lots.contains(&d.lot_number) {
                errors.push(at("lot", format!("The framework has no lot {}", d.lot_number)));
            }
        }
        match (change.kind, skus.get(sku)) {
            (ChangeKind::Add, Some(_)) => errors.push(at("sku", format!("{sku} is already in the catalogue"))),
            (ChangeKind::Add, None) if pending.contains(sku) => {
                errors.push(at("sku", format!("{sku} is already proposed as a new item")))
            }
            (ChangeKind::Add, None) => {}
            (_, None) => errors.push(at("sku", format!("{sku} is not in the catalogue"))),
            (_, Some((supplier, _))) if *supplier != actor.organisation_id => {
                errors.push(at("sku", format!("{sku} is another supplier's item")))
            }
            (_, Some((_, true))) => errors.push(at("sku", format!("{sku} has been withdrawn"))),
            _ => {}
        }
    }
    Ok(errors)
}

/// The framework, if the actor may propose changes to its catalogue (a user of one of its
/// suppliers); checked before anything they sent is read.
pub async fn may_propose(app: &App, actor: &Actor, framework_id: &FrameworkId) -> AppResult<FrameworkRecord> {
    let mut conn = app.db.pool().acquire().await?;
    let record = framework(&mut conn, framework_id).await?;
    if !standing_in(&mut conn, actor, &record)
        .await?
        .may_propose_catalogue_changes()
    {
        return Err(AppError::Forbidden(format!(
            "{} is not a supplier on {}",
            actor.organisation_name, record.framework.reference
        )));
    }
    Ok(record)
}

/// The most an annual indexation may raise prices on the framework, in basis points.
pub async fn indexation_cap_bp(app: &App, framework_id: &FrameworkId) -> AppResult<i64> {
    let mut conn = app.db.pool().acquire().await?;
    Ok(frameworks::indexation_cap_bp(&mut conn, framework_id).await?)
}

/// Checks changes against the catalogue as it stands (see `check_against_catalogue`).
pub(crate) async fn check_changes(
    app: &App,
    actor: &Actor,
    framework_id: &FrameworkId,
    changes: &[(usize, ProposedChange)],
) -> AppResult<Vec<FieldError>> {
    let mut conn = app.db.pool().acquire().await?;
    let record = framework(&mut conn, framework_id).await?;
    check_against_catalogue(&mut conn, &record, actor, changes).await
}

/// A supplier proposes changes to its items on a framework, as one change request.
pub async fn propose(
    app: &App,
    actor: &Actor,
    framework_id: &FrameworkId,
    title: &str,
    inputs: &[ChangeInput],
) -> AppResult<ChangeRequest> {
    propose_answering(app, actor, framework_id, title, inputs, None).await
}

/// [`propose`], answering a customer's proposal that the framework manager accepted as a change
/// request (see `proposals`).
pub async fn propose_answering(
    app: &App,
    actor: &Actor,
    framework_id: &FrameworkId,
    title: &str,
    inputs: &[ChangeInput],
    proposal: Option<&ProposalId>,
) -> AppResult<ChangeRequest> {
    let today = app.today();
    let mut errors = Vec::new();
    let mut changes = Vec::with_capacity(inputs.len());
    for (i, input) in inputs.iter().enumerate() {
        match input.parse(&format!("changes[{i}]"), today) {
            Ok(change) => changes.push((i, change)),
            Err(e) => errors.extend(e),
        }
    }
    submit(app, actor, framework_id, title, changes, errors, None, proposal).await
}

/// Submits checked changes (from a form, the API, a file import or an indexation), perhaps
/// answering a customer's accepted proposal.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn submit(
    app: &App,
    actor: &Actor,
    framework_id: &FrameworkId,
    title: &str,
    changes: Vec<(usize, ProposedChange)>,
    mut errors: Vec<FieldError>,
    indexation_bp: Option<i64>,
    proposal: Option<&ProposalId>,
) -> AppResult<ChangeRequest> {
    let record = may_propose(app, actor, framework_id).await?;
    let mut conn = app.db.pool().acquire().await?;
    let title = title.trim();
    if title.is_empty() || title.chars().count() > MAX_TITLE_LEN {
        errors.insert(
            0,
            FieldError::new(
                "title",
                format!("Enter a title, in {MAX_TITLE_LEN} characters or fewer"),
            ),
        );
    }
    if changes.is_empty() && errors.is_empty() {
        errors.push(FieldError::new("changes", "Propose at least one change"));
    }
    if changes.len() > MAX_CHANGES {
        errors.push(FieldError::new(
            "changes",
            format!("A request may carry at most {MAX_CHANGES} changes"),
        ));
    }
    errors.extend(check_against_catalogue(&mut conn, &record, actor, &changes).await?);
    let answers = match proposal {
        Some(id) => match crate::proposals::cited(&mut conn, framework_id, id).await {
            Ok(p) => Some(p),
            Err(e) => {
                errors.extend(e.field_errors());
                None
            }
        },
        None => None,
    };
    drop(conn);
    if !errors.is_empty() {
        return Err(if errors.len() == 1 {
            AppError::Invalid(errors.remove(0))
        } else {
            AppError::InvalidFields(errors)
        });
    }
    let changes: Vec<&ProposedChange> = changes.iter().map(|(_, c)| c).collect();
    let request = ChangeRequest {
        id: uuid::Uuid::now_v7().to_string(),
        framework_id: framework_id.clone(),
        supplier_id: actor.organisation_id.clone(),
        title: title.to_string(),
        status: RequestStatus::Submitted,
        indexation_bp,
        change_count: calloff_domain::count(changes.len()),
        submitted_by: actor.user_id.clone(),
        submitted_at: app.now_text(),
        decided_by: None,
        decided_at: None,
        decision_reason: None,
        proposal_id: answers.as_ref().map(|p| p.id.clone()),
    };
    with_retries(|| async {
        let mut tx = app.db.begin_write().await?;
        let mut head = ChainHead::claim(&mut tx).await?;
        change_requests::insert(&mut tx, &request, &changes).await?;
        head.append(
            &mut tx,
            &request.submitted_at,
            actor.user_id.as_str(),
            "catalogue.change_requested",
            &request.id,
            serde_json::json!({
                "framework_id": framework_id.as_str(),
                "title": request.title,
                "changes": changes.len(),
                "indexation_bp": indexation_bp,
                "proposal_id": request.proposal_id.as_ref().map(ProposalId::as_str),
            }),
        )
        .await?;
        let subject = format!("Catalogue changes to review: {}", request.title);
        let body = format!(
            "{} proposes {} to its catalogue on {}. Review them and approve or reject the request.",
            actor.organisation_name,
            calloff_domain::text::count(changes.len(), "change", "changes"),
            record.framework.reference
        );
        let message = notifications::Message {
            id_prefix: &uuid::Uuid::now_v7().to_string(),
            event: "catalogue.change_requested",
            subject: &subject,
            body: &body,
            link: &format!("/change-requests/{}", request.id),
            created_at: &request.submitted_at,
        };
        notifications::queue_for_role(
            &mut tx,
            &message,
            Some(&record.framework.authority),
            Role::FrameworkManager,
            &actor.user_id,
        )
        .await?;
        if let Some(answered) = &answers {
            // The proposal's followers hear that the change they asked for is proposed.
            let subject = format!("Change request proposed: {}", answered.title);
            let body = format!(
                "{} proposed the catalogue change request \"{}\" to make the accepted proposal \"{}\".",
                actor.organisation_name, request.title, answered.title
            );
            let message = notifications::Message {
                id_prefix: &uuid::Uuid::now_v7().to_string(),
                event: "proposal.change_requested",
                subject: &subject,
                body: &body,
                link: &format!("/proposals/{}", answered.id),
                created_at: &request.submitted_at,
            };
            notifications::queue_for_followers(&mut tx, &message, &answered.id, &actor.user_id).await?;
        }
        head.seal(&mut tx).await?;
        tx.commit().await?;
        Ok::<_, AppError>(())
    })
    .await?;
    Ok(request)
}

/// A supplier proposes its annual price indexation: every item it sells on the framework, up by
/// `uplift_bp` basis points from `effective_from`. The uplift may not pass the framework's cap,
/// and one indexation a year is allowed.
pub async fn propose_indexation(
    app: &App,
    actor: &Actor,
    framework_id: &FrameworkId,
    uplift_bp: i64,
    effective_from: &str,
) -> AppResult<ChangeRequest> {
    may_propose(app, actor, framework_id).await?;
    let today = app.today();
    // Every bad field is reported at once.
    let mut errors = Vec::new();
    let date = match calloff_domain::calendar::parse_date(effective_from) {
        Ok(date) if date < today => {
            errors.push(FieldError::new(
                "effective_from",
                format!(
                    "The effective date must be today or later (today is {})",
                    calloff_domain::calendar::long_date(today)
                ),
            ));
            None
        }
        Ok(date) => Some(date),
        Err(message) => {
            errors.push(FieldError::new("effective_from", message));
            None
        }
    };
    let mut conn = app.db.pool().acquire().await?;
    let cap = frameworks::indexation_cap_bp(&mut conn, framework_id).await?;
    if uplift_bp <= 0 || uplift_bp > cap {
        errors.push(FieldError::new(
            "uplift",
            if cap == 0 {
                "This framework does not allow price indexation".to_string()
            } else {
                format!(
                    "The uplift must be more than 0% and at most the framework's cap of {}.{:02}%",
                    cap / 100,
                    cap % 100
                )
            },
        ));
    }
    let Some(date) = date.filter(|_| errors.is_empty()) else {
        return Err(AppError::fields(errors));
    };
    if let Some(last) = change_requests::last_indexation(&mut conn, framework_id, &actor.organisation_id).await? {
        let last = chrono::NaiveDate::parse_from_str(&last, "%Y-%m-%d").unwrap_or(date);
        // Stored dates are in range, so a year later is too; a checked add keeps it so.
        if last
            .checked_add_months(chrono::Months::new(12))
            .is_none_or(|next| date < next)
        {
            return Err(AppError::invalid(
                "effective_from",
                format!("Prices were last indexed from {last}; the next indexation can take effect a year later"),
            ));
        }
    }
    let items = catalogue::supplier_items(&mut conn, framework_id, &actor.organisation_id).await?;
    drop(conn);
    let changes: Vec<(usize, ProposedChange)> = items
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            Some((
                i,
                ProposedChange {
                    kind: ChangeKind::Price,
                    sku: r.item.sku.clone(),
                    effective_from: date,
                    details: None,
                    new_price: Some(uplifted(r.item.unit_price, uplift_bp)?),
                },
            ))
        })
        .collect();
    let title = format!(
        "Annual indexation: prices up {}.{:02}% from {date}",
        uplift_bp / 100,
        uplift_bp % 100
    );
    submit(
        app,
        actor,
        framework_id,
        &title,
        changes,
        Vec::new(),
        Some(uplift_bp),
        None,
    )
    .await
}

/// The framework's change requests: all of them for its manager, a supplier's own for them.
pub async fn list(app: &App, actor: &Actor, framework_id: &FrameworkId) -> AppResult<Vec<ChangeRequest>> {
    let mut conn = app.db.pool().acquire().await?;
    let record = framework(&mut conn, framework_id).await?;
    let standing = standing_in(&mut conn, actor, &record).await?;
    if !standing.sees_change_requests() {
        return Err(AppError::Forbidden(
            "only the framework's manager and suppliers see its change requests".into(),
        ));
    }
    let all = change_requests::for_framework(&mut conn, framework_id, LIST_LIMIT).await?;
    Ok(all
        .into_iter()
        .filter(|r| standing.sees_change_request(&r.supplier_id))
        .collect())
}

/// A change beside the version in force.
#[derive(Debug, Clone)]
pub struct ChangeView {
    pub stored: StoredChange,
    /// The item as it stands now (none for a new item).
    pub current: Option<CatalogueItem>,
    /// What the change would set: (field, now, proposed).
    pub diff: Vec<(&'static str, String, String)>,
}

/// A request with a page of its changes.
#[derive(Debug, Clone)]
pub struct RequestView {
    pub request: ChangeRequest,
    /// The customer's proposal it answers, if any.
    pub proposal: Option<calloff_store::proposals::Proposal>,
    pub changes: Vec<ChangeView>,
    /// Pass as `after` for the next page of changes.
    pub next_after: Option<i64>,
    /// What the actor may do with it.
    pub standing: FrameworkStanding,
}

/// A request, for its framework's manager and its own supplier; "not found" for others.
pub async fn view(app: &App, actor: &Actor, id: &str, after: Option<i64>) -> AppResult<RequestView> {
    let mut conn = app.db.pool().acquire().await?;
    let not_found = || AppError::NotFound("change request".into());
    let request = change_requests::get(&mut conn, id).await?.ok_or_else(not_found)?;
    let record = framework(&mut conn, &request.framework_id).await?;
    let standing = standing_in(&mut conn, actor, &record).await?;
    if !standing.sees_change_request(&request.supplier_id) {
        return Err(not_found());
    }
    let stored = change_requests::changes(&mut conn, id, after.unwrap_or(0), CHANGES_PAGE).await?;
    let next_after = (calloff_domain::count(stored.len()) == CHANGES_PAGE)
        .then(|| stored.last().map(|c| c.position))
        .flatten();
    let mut changes = Vec::with_capacity(stored.len());
    for stored in stored {
        let current = catalogue::find(&mut conn, &request.framework_id, &stored.change.sku)
            .await?
            .map(|r| r.item);
        let diff = match (&current, &stored.change) {
            (Some(item), c) if c.kind == ChangeKind::Edit => c
                .details
                .as_ref()
                .map(|d| d.diff(&ItemDetails::of(item)))
                .unwrap_or_default(),
            (Some(item), c) if c.kind == ChangeKind::Price => c
                .new_price
                .map(|p| vec![("unit price", item.unit_price.to_string(), p.to_string())])
                .unwrap_or_default(),
            (Some(_), c) if c.kind == ChangeKind::Withdraw => {
                vec![("on sale", "Yes".to_string(), "No, withdrawn".to_string())]
            }
            _ => Vec::new(),
        };
        changes.push(ChangeView { stored, current, diff });
    }
    let proposal = match &request.proposal_id {
        Some(id) => calloff_store::proposals::get(&mut conn, id).await?,
        None => None,
    };
    Ok(RequestView {
        request,
        proposal,
        changes,
        next_after,
        standing,
    })
}

/// The framework manager's decision on a change request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Reject { reason: String },
}

/// The framework manager approves or rejects a submitted request. Approved changes already due
/// are applied straight away; later ones on their date.
pub async fn decide(app: &App, actor: &Actor, id: &str, decision: &Decision) -> AppResult<ChangeRequest> {
    let view = view(app, actor, id, Some(i64::MAX)).await?;
    if !view.standing.may_decide_change_requests() {
        return Err(AppError::Forbidden(
            "only the framework's manager can decide on change requests".into(),
        ));
    }
    let (status, reason) = match decision {
        Decision::Approve => (RequestStatus::Approved, None),
        Decision::Reject { reason } => {
            let reason = reason.trim();
            if reason.is_empty() || reason.chars().count() > MAX_REASON_LEN {
                return Err(AppError::invalid(
                    "reason",
                    format!("Enter a reason, in {MAX_REASON_LEN} characters or fewer"),
                ));
            }
            (RequestStatus::Rejected, Some(reason.to_string()))
        }
    };
    let request = &view.request;
    with_retries(|| async {
        let at = app.now_text();
        let mut tx = app.db.begin_write().await?;
        let mut head = ChainHead::claim(&mut tx).await?;
        if !change_requests::decide(&mut tx, id, status, &actor.user_id, &at, reason.as_deref()).await? {
            return Err(AppError::Conflict(FieldError::new(
                "decision",
                "This request has already been decided",
            )));
        }
        head.append(
            &mut tx,
            &at,
            actor.user_id.as_str(),
            &format!("catalogue.change_{}", status.as_str()),
            id,
            serde_json::json!({ "title": request.title, "changes": request.change_count, "reason": reason }),
        )
        .await?;
        let subject = format!("Change request {}: {}", status.as_str(), request.title);
        let body = match &reason {
            Some(reason) => format!("{} rejected your change request: {reason}", actor.organisation_name),
            None => format!(
                "{} approved your change request; each change applies from its effective date.",
                actor.organisation_name
            ),
        };
        let message = notifications::Message {
            id_prefix: &uuid::Uuid::now_v7().to_string(),
            event: &format!("catalogue.change_{}", status.as_str()),
            subject: &subject,
            body: &body,
            link: &format!("/change-requests/{id}"),
            created_at: &at,
        };
        notifications::queue_for_role(
            &mut tx,
            &message,
            Some(&request.supplier_id),
            Role::SupplierUser,
            &actor.user_id,
        )
        .await?;
        head.seal(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    })
    .await?;
    if status == RequestStatus::Approved {
        apply_due(app).await?;
    }
    let mut conn = app.db.pool().acquire().await?;
    change_requests::get(&mut conn, id)
        .await?
        .ok_or_else(|| AppError::NotFound("change request".into()))
}

/// Applies approved changes whose effective date has come, in batches, each change once however
/// many processes apply at the same time. Returns how many were applied.
pub async fn apply_due(app: &App) -> AppResult<usize> {
    let mut applied = 0;
    loop {
        let done = with_retries(|| apply_batch(app)).await?;
        applied += done;
        if calloff_domain::count(done) < APPLY_BATCH {
            return Ok(applied);
        }
    }
}

async fn apply_batch(app: &App) -> AppResult<usize> {
    let at = app.now_text();
    let today = app.today().to_string();
    let mut tx = app.db.begin_write().await?;
    let mut head = ChainHead::claim(&mut tx).await?;
    let due = change_requests::due(&mut tx, &today, APPLY_BATCH).await?;
    let mut applied = Vec::with_capacity(due.len());
    for d in &due {
        if !change_requests::mark_applied(&mut tx, &d.request_id, d.stored.position, &at).await? {
            continue;
        }
        let c = &d.stored.change;
        let effective = c.effective_from.to_string();
        let request = Some(d.request_id.as_str());
        match (c.kind, &c.details, c.new_price) {
            (ChangeKind::Add, Some(details), _) => {
                let item = details.clone().into_item(
                    ItemId::generate(),
                    d.framework_id.clone(),
                    c.sku.clone(),
                    PriceBreaks::default(),
                );
                catalogue::insert(&mut tx, &item, &d.supplier_id, &effective, request).await?;
            }
            (ChangeKind::Edit, Some(details), _) => {
                catalogue::update_details(&mut tx, &d.framework_id, &c.sku, details, &effective, request).await?;
            }
            (ChangeKind::Price, _, Some(price)) => {
                catalogue::update_price(&mut tx, &d.framework_id, &c.sku, price, &effective, request).await?;
            }
            (ChangeKind::Withdraw, _, _) => {
                catalogue::withdraw(&mut tx, &d.framework_id, &c.sku, &effective, request).await?;
            }
            _ => {
                return Err(calloff_store::StoreError::corrupt(format!(
                    "change {} of request {} lacks its details",
                    d.stored.position, d.request_id
                ))
                .into())
            }
        }
        applied.push(d);
    }
    if !applied.is_empty() {
        let frameworks: HashSet<&FrameworkId> = applied.iter().map(|d| &d.framework_id).collect();
        for framework in frameworks {
            calloff_store::search::bump_generation(&mut tx, framework).await?;
        }
        let requests: HashSet<&str> = applied.iter().map(|d| d.request_id.as_str()).collect();
        // Each item changed, so that the change feed can name it (ADR 0018).
        let items: Vec<serde_json::Value> = applied
            .iter()
            .map(|d| {
                serde_json::json!({
                    "framework_id": d.framework_id.as_str(),
                    "sku": d.stored.change.sku.as_str(),
                    "change": d.stored.change.kind.as_str(),
                })
            })
            .collect();
        head.append(
            &mut tx,
            &at,
            "system",
            "catalogue.changes_applied",
            &today,
            serde_json::json!({ "changes": applied.len(), "requests": requests, "items": items }),
        )
        .await?;
    }
    head.seal(&mut tx).await?;
    tx.commit().await?;
    for d in &applied {
        app.prices.forget(&d.framework_id, &d.stored.change.sku);
        crate::catalogue::changed(app, &d.framework_id);
    }
    Ok(due.len())
}

/// Every version of an item, oldest first: what it was from each effective date.
pub async fn versions(app: &App, id: &ItemId) -> AppResult<Vec<catalogue::ItemVersion>> {
    let mut conn = app.db.pool().acquire().await?;
    Ok(catalogue::versions(&mut conn, id).await?)
}

/// Applies due changes now and then until the process ends, so that each takes effect within a
/// minute of the start of its effective date.
pub async fn run_applier(app: App, every: std::time::Duration) {
    loop {
        match apply_due(&app).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(applied = n, "catalogue changes applied"),
            Err(e) => tracing::error!(error = %e, "applying catalogue changes"),
        }
        tokio::time::sleep(every).await;
    }
}
