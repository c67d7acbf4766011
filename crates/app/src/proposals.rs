//! Customer governance of a framework's catalogue (ADR 0005). A customer (a buyer, approver or
//! organisation admin of a verified body eligible on the framework) raises a proposal; the
//! raising organisation's support counts as its vote. Other customer organisations support it,
//! once each, and customers, the supplier and the manager comment. The supplier responds; the
//! framework manager accepts it (as a change request or a roadmap item), declines or defers it,
//! with a reason. Followers hear of responses and decisions. Auditors read everything and change
//! nothing. Every change of state is audited in the transaction that makes it.

use crate::frameworks::record as framework;
use crate::{Actor, App, AppError, AppResult};
use calloff_domain::framework::Framework;
use calloff_domain::governance::{
    text, DecisionInput, ItemRef, Outcome, ProposalInput, ProposalKind, ProposalStatus, Quarter, MAX_COMMENT_LEN,
    MAX_RESPONSE_LEN,
};
use calloff_domain::ids::{FrameworkId, ProposalId};
use calloff_domain::role::Role;
pub use calloff_domain::standing::{FrameworkStanding, ProposalActions};
use calloff_domain::FieldError;
use calloff_store::audit::ChainHead;
use calloff_store::change_requests::ChangeRequest;
use calloff_store::frameworks::FrameworkRecord;
use calloff_store::proposals::{self, Decided, NewComment, NewProposal, VoteRefused};
pub use calloff_store::proposals::{Comment, Proposal, Vote};
use calloff_store::{catalogue, change_requests, notifications, with_retries, Conn};
use sha2::{Digest, Sha256};

/// Proposals a roadmap lists at once.
const LIST_LIMIT: i64 = 500;
/// Comments shown with a proposal.
const COMMENTS_LIMIT: i64 = 1_000;
/// Roadmap targets the manager may choose from: this quarter and the next seven.
const TARGET_QUARTERS: usize = 8;
/// The actor's standing towards a framework: the one policy in `domain::standing`.
async fn standing(conn: &mut Conn, actor: &Actor, record: &FrameworkRecord) -> AppResult<FrameworkStanding> {
    crate::frameworks::standing_in(conn, actor, record).await
}

/// Refuses, saying why, someone who is not a customer of the framework.
fn refuse_non_customer(actor: &Actor, record: &FrameworkRecord, standing: &FrameworkStanding) -> AppResult<()> {
    match standing.why_not_customer() {
        Some(why) => Err(AppError::Forbidden(
            why.explain(&actor.organisation_name, &record.framework.reference),
        )),
        None => Ok(()),
    }
}

fn invalid(mut errors: Vec<FieldError>) -> AppError {
    if errors.len() == 1 {
        AppError::Invalid(errors.remove(0))
    } else {
        AppError::InvalidFields(errors)
    }
}

fn closed(field: &str, status: ProposalStatus, what: &str) -> AppError {
    AppError::Conflict(FieldError::new(
        field,
        format!(
            "This proposal has been {}, so it is closed to {what}",
            status.label().to_lowercase()
        ),
    ))
}

fn hash(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update(b"\n");
    }
    hex::encode(hasher.finalize())
}

/// A framework's proposals, with what the actor may do there.
#[derive(Debug, Clone)]
pub struct Roadmap {
    pub framework: Framework,
    pub standing: FrameworkStanding,
    /// Most supported first.
    pub proposals: Vec<Proposal>,
}

/// The roadmap: every proposal on the framework (or those of one status), for its customers, its
/// supplier, its manager and auditors.
pub async fn roadmap(
    app: &App,
    actor: &Actor,
    framework_id: &FrameworkId,
    status: Option<ProposalStatus>,
) -> AppResult<Roadmap> {
    let mut conn = app.db.pool().acquire().await?;
    let record = framework(&mut conn, framework_id).await?;
    let standing = standing(&mut conn, actor, &record).await?;
    if !standing.sees_proposals() {
        return Err(AppError::Forbidden(
            "only the framework's customers, its supplier, its manager and auditors see its proposals".into(),
        ));
    }
    let proposals = proposals::for_framework(&mut conn, framework_id, status, LIST_LIMIT).await?;
    Ok(Roadmap {
        framework: record.framework,
        standing,
        proposals,
    })
}

/// The framework, if the actor may raise proposals on it; checked before what they sent is read.
pub async fn may_raise(app: &App, actor: &Actor, framework_id: &FrameworkId) -> AppResult<FrameworkRecord> {
    let mut conn = app.db.pool().acquire().await?;
    let record = framework(&mut conn, framework_id).await?;
    let standing = standing(&mut conn, actor, &record).await?;
    refuse_non_customer(actor, &record, &standing)?;
    Ok(record)
}

/// A proposal raised, or found again by its idempotency key.
#[derive(Debug, Clone)]
pub struct Raised {
    pub proposal: Proposal,
    /// True when this was a retry that returned the proposal raised the first time.
    pub replayed: bool,
}

async fn replay_raise(app: &App, actor: &Actor, key: &str, request_hash: &str) -> AppResult<Option<Raised>> {
    let mut conn = app.db.pool().acquire().await?;
    match proposals::find_by_idempotency_key(&mut conn, &actor.user_id, key).await? {
        Some(p) if p.request_hash.as_deref() == Some(request_hash) => Ok(Some(Raised {
            proposal: p,
            replayed: true,
        })),
        Some(_) => Err(AppError::Conflict(FieldError::new(
            "Idempotency-Key",
            "was already used for a different proposal",
        ))),
        None => Ok(None),
    }
}

/// A customer raises a proposal. Their organisation's support is recorded with it, they follow
/// it, and the framework's manager and supplier are told. A retry with the same idempotency key
/// returns the first proposal.
pub async fn raise(
    app: &App,
    actor: &Actor,
    framework_id: &FrameworkId,
    input: &ProposalInput,
    idempotency_key: Option<&str>,
) -> AppResult<Raised> {
    let record = may_raise(app, actor, framework_id).await?;
    crate::call_offs::check_idempotency_key(idempotency_key)?;
    let request_hash = hash(&[framework_id.as_str(), &serde_json::to_string(input).unwrap_or_default()]);
    if let Some(key) = idempotency_key {
        if let Some(raised) = replay_raise(app, actor, key, &request_hash).await? {
            return Ok(raised);
        }
    }
    let draft = input.parse().map_err(invalid)?;
    let mut conn = app.db.pool().acquire().await?;
    let item = match &draft.item {
        None => None,
        Some(reference) => {
            let (found, field, named) = match reference {
                ItemRef::Id(id) => (catalogue::get(&mut conn, id).await?, "item_id", id.to_string()),
                ItemRef::Sku(sku) => (
                    catalogue::find(&mut conn, framework_id, sku).await?,
                    "sku",
                    sku.to_string(),
                ),
            };
            match found {
                Some(r) if r.item.framework_id == *framework_id && !r.withdrawn => Some(r.item),
                Some(r) if r.item.framework_id == *framework_id => {
                    return Err(AppError::invalid(field, format!("{named} has been withdrawn")))
                }
                _ => {
                    return Err(AppError::invalid(
                        field,
                        format!("{named} is not an item of {}", record.framework.reference),
                    ))
                }
            }
        }
    };
    let lot_number = match (&item, draft.lot) {
        (Some(item), _) => Some(item.lot_number),
        (None, Some(lot)) if record.framework.lots.iter().any(|l| l.number == lot) => Some(lot),
        (None, Some(lot)) => return Err(AppError::invalid("lot", format!("The framework has no lot {lot}"))),
        (None, None) => None,
    };
    drop(conn);
    let id = ProposalId::generate();
    let at = app.now_text();
    let new = NewProposal {
        id: &id,
        framework_id,
        organisation_id: &actor.organisation_id,
        raised_by: &actor.user_id,
        kind: draft.kind,
        item_id: item.as_ref().map(|i| &i.id),
        lot_number,
        title: &draft.title,
        rationale: &draft.rationale,
        idempotency_key,
        request_hash: &request_hash,
        created_at: &at,
    };
    let written = with_retries(|| async {
        let mut tx = app.db.begin_write().await?;
        let mut head = ChainHead::claim(&mut tx).await?;
        proposals::insert(&mut tx, &new).await?;
        match proposals::add_vote(&mut tx, &id, &actor.organisation_id, &actor.user_id, &at).await {
            Ok(()) => {}
            Err(VoteRefused::Store(e)) => return Err(e.into()),
            Err(_) => {
                return Err(AppError::Unexpected(calloff_store::StoreError::corrupt(
                    "a new proposal refused its first vote",
                )))
            }
        }
        proposals::follow(&mut tx, &id, &actor.user_id, &at).await?;
        head.append(
            &mut tx,
            &at,
            actor.user_id.as_str(),
            "proposal.raised",
            id.as_str(),
            serde_json::json!({
                "framework_id": framework_id.as_str(),
                "organisation_id": actor.organisation_id.as_str(),
                "kind": draft.kind.as_str(),
                "item_id": item.as_ref().map(|i| i.id.as_str()),
                "lot": lot_number,
                "title": draft.title,
            }),
        )
        .await?;
        let subject = format!("New proposal: {}", draft.title);
        let body = format!(
            "{} proposes {} on {}: {}",
            actor.organisation_name,
            match draft.kind {
                ProposalKind::NewProduct => "a new product".to_string(),
                ProposalKind::Change => format!("a change to {}", item.as_ref().map_or("", |i| i.sku.as_str())),
                ProposalKind::Retire => format!("retiring {}", item.as_ref().map_or("", |i| i.sku.as_str())),
            },
            record.framework.reference,
            draft.title
        );
        let link = format!("/proposals/{id}");
        let manager_message = notifications::Message {
            id_prefix: &uuid::Uuid::now_v7().to_string(),
            event: "proposal.raised",
            subject: &subject,
            body: &body,
            link: &link,
            created_at: &at,
        };
        notifications::queue_for_role(
            &mut tx,
            &manager_message,
            Some(&record.framework.authority),
            Role::FrameworkManager,
            &actor.user_id,
        )
        .await?;
        for supplier in &record.framework.suppliers {
            let supplier_message = notifications::Message {
                id_prefix: &uuid::Uuid::now_v7().to_string(),
                ..manager_message
            };
            notifications::queue_for_role(
                &mut tx,
                &supplier_message,
                Some(supplier),
                Role::SupplierUser,
                &actor.user_id,
            )
            .await?;
        }
        head.seal(&mut tx).await?;
        tx.commit().await?;
        Ok::<_, AppError>(())
    })
    .await;
    match (written, idempotency_key) {
        (Ok(()), _) => {}
        // A retry racing the first request: the unique key let only one through.
        (Err(e), Some(key)) => return replay_raise(app, actor, key, &request_hash).await?.ok_or(e),
        (Err(e), None) => return Err(e),
    }
    let mut conn = app.db.pool().acquire().await?;
    let proposal = proposals::get(&mut conn, &id)
        .await?
        .ok_or_else(|| AppError::NotFound("proposal".into()))?;
    Ok(Raised {
        proposal,
        replayed: false,
    })
}

/// A proposal with its support, discussion and followers.
#[derive(Debug, Clone)]
pub struct ProposalView {
    pub proposal: Proposal,
    pub framework: Framework,
    pub standing: FrameworkStanding,
    pub allowed: ProposalActions,
    pub votes: Vec<Vote>,
    pub comments: Vec<Comment>,
    pub following: bool,
    pub followers: i64,
    /// The supplier's change requests that answer it.
    pub change_requests: Vec<ChangeRequest>,
    /// The quarters a roadmap item may target, from today's.
    pub target_quarters: Vec<Quarter>,
}

/// The proposal and the actor's standing on its framework; "not found" for those who may not
/// read it.
async fn readable(
    conn: &mut Conn,
    actor: &Actor,
    id: &ProposalId,
) -> AppResult<(Proposal, FrameworkRecord, FrameworkStanding)> {
    let not_found = || AppError::NotFound("proposal".into());
    let proposal = proposals::get(conn, id).await?.ok_or_else(not_found)?;
    let record = framework(conn, &proposal.framework_id).await?;
    let standing = standing(conn, actor, &record).await?;
    if !standing.sees_proposals() {
        return Err(not_found());
    }
    Ok((proposal, record, standing))
}

pub async fn view(app: &App, actor: &Actor, id: &ProposalId) -> AppResult<ProposalView> {
    let mut conn = app.db.pool().acquire().await?;
    let (proposal, record, standing) = readable(&mut conn, actor, id).await?;
    let votes = proposals::votes(&mut conn, id).await?;
    let comments = proposals::comments(&mut conn, id, COMMENTS_LIMIT).await?;
    let following = proposals::is_following(&mut conn, id, &actor.user_id).await?;
    let followers = proposals::follower_count(&mut conn, id).await?;
    let change_requests = change_requests::citing(&mut conn, id).await?;
    let supported = votes.iter().any(|v| v.organisation_id == actor.organisation_id);
    let allowed = standing.on_proposal(proposal.status, proposal.outcome, supported);
    Ok(ProposalView {
        proposal,
        framework: record.framework,
        standing,
        allowed,
        votes,
        comments,
        following,
        followers,
        change_requests,
        target_quarters: Quarter::choices(app.today(), TARGET_QUARTERS),
    })
}

async fn reload(app: &App, id: &ProposalId) -> AppResult<Proposal> {
    let mut conn = app.db.pool().acquire().await?;
    proposals::get(&mut conn, id)
        .await?
        .ok_or_else(|| AppError::NotFound("proposal".into()))
}

/// A customer organisation supports a proposal: one vote per organisation, refused (naming
/// `vote`, and writing nothing) when the organisation already supports it or it is decided.
pub async fn support(app: &App, actor: &Actor, id: &ProposalId) -> AppResult<Proposal> {
    let mut conn = app.db.pool().acquire().await?;
    let (proposal, record, standing) = readable(&mut conn, actor, id).await?;
    drop(conn);
    refuse_non_customer(actor, &record, &standing)?;
    with_retries(|| async {
        let at = app.now_text();
        let mut tx = app.db.begin_write().await?;
        let mut head = ChainHead::claim(&mut tx).await?;
        match proposals::add_vote(&mut tx, id, &actor.organisation_id, &actor.user_id, &at).await {
            Ok(()) => {}
            Err(VoteRefused::Closed) => return Err(closed("vote", proposal.status, "support")),
            Err(VoteRefused::AlreadySupported) => {
                return Err(AppError::Conflict(FieldError::new(
                    "vote",
                    format!(
                        "{} already supports this proposal: each organisation has one vote",
                        actor.organisation_name
                    ),
                )))
            }
            Err(VoteRefused::Store(e)) => return Err(e.into()),
        }
        proposals::follow(&mut tx, id, &actor.user_id, &at).await?;
        head.append(
            &mut tx,
            &at,
            actor.user_id.as_str(),
            "proposal.supported",
            id.as_str(),
            serde_json::json!({ "organisation_id": actor.organisation_id.as_str(), "title": proposal.title }),
        )
        .await?;
        head.seal(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    })
    .await?;
    reload(app, id).await
}

/// A comment added, or found again by its idempotency key.
#[derive(Debug, Clone)]
pub struct Commented {
    pub comment: Comment,
    pub replayed: bool,
}

async fn replay_comment(app: &App, actor: &Actor, key: &str, request_hash: &str) -> AppResult<Option<Commented>> {
    let mut conn = app.db.pool().acquire().await?;
    match proposals::comment_by_idempotency_key(&mut conn, &actor.user_id, key).await? {
        Some(c) if c.request_hash.as_deref() == Some(request_hash) => Ok(Some(Commented {
            comment: c,
            replayed: true,
        })),
        Some(_) => Err(AppError::Conflict(FieldError::new(
            "Idempotency-Key",
            "was already used for a different comment",
        ))),
        None => Ok(None),
    }
}

/// The proposal, if the actor may comment on it; checked before what they sent is read.
pub async fn may_comment(app: &App, actor: &Actor, id: &ProposalId) -> AppResult<Proposal> {
    let mut conn = app.db.pool().acquire().await?;
    let (proposal, _, standing) = readable(&mut conn, actor, id).await?;
    if !standing.takes_part_in_proposals() {
        return Err(AppError::Forbidden(
            "only the framework's customers, its supplier and its manager comment on proposals".into(),
        ));
    }
    Ok(proposal)
}

/// Customers, the supplier and the manager comment on an undecided proposal; the author then
/// follows it.
pub async fn comment(
    app: &App,
    actor: &Actor,
    id: &ProposalId,
    body: &str,
    idempotency_key: Option<&str>,
) -> AppResult<Commented> {
    let proposal = may_comment(app, actor, id).await?;
    crate::call_offs::check_idempotency_key(idempotency_key)?;
    let request_hash = hash(&[id.as_str(), body.trim()]);
    if let Some(key) = idempotency_key {
        if let Some(done) = replay_comment(app, actor, key, &request_hash).await? {
            return Ok(done);
        }
    }
    let body = text("comment", body, MAX_COMMENT_LEN, "Enter your comment", "Comment")?;
    let comment_id = uuid::Uuid::now_v7().to_string();
    let at = app.now_text();
    let written = with_retries(|| async {
        let mut tx = app.db.begin_write().await?;
        let mut head = ChainHead::claim(&mut tx).await?;
        let new = NewComment {
            id: &comment_id,
            proposal_id: id,
            author_id: &actor.user_id,
            organisation_id: &actor.organisation_id,
            body: &body,
            idempotency_key,
            request_hash: &request_hash,
            created_at: &at,
        };
        if !proposals::add_comment(&mut tx, &new).await? {
            return Err(closed("comment", proposal.status, "comments"));
        }
        proposals::follow(&mut tx, id, &actor.user_id, &at).await?;
        head.append(
            &mut tx,
            &at,
            actor.user_id.as_str(),
            "proposal.commented",
            id.as_str(),
            serde_json::json!({
                "comment_id": comment_id,
                "organisation_id": actor.organisation_id.as_str(),
                "comment": body,
            }),
        )
        .await?;
        head.seal(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    })
    .await;
    match (written, idempotency_key) {
        (Ok(()), _) => {}
        (Err(e), Some(key)) => return replay_comment(app, actor, key, &request_hash).await?.ok_or(e),
        (Err(e), None) => return Err(e),
    }
    let mut conn = app.db.pool().acquire().await?;
    let comment = proposals::comments(&mut conn, id, COMMENTS_LIMIT)
        .await?
        .into_iter()
        .find(|c| c.id == comment_id)
        .ok_or_else(|| AppError::NotFound("comment".into()))?;
    Ok(Commented {
        comment,
        replayed: false,
    })
}

/// The supplier responds to an undecided proposal (once; a second response replaces the first),
/// and its followers are told.
pub async fn respond(app: &App, actor: &Actor, id: &ProposalId, response: &str) -> AppResult<Proposal> {
    let mut conn = app.db.pool().acquire().await?;
    let (proposal, _, standing) = readable(&mut conn, actor, id).await?;
    drop(conn);
    if !standing.may_respond_to_proposals() {
        return Err(AppError::Forbidden(
            "only the framework's supplier responds to proposals".into(),
        ));
    }
    let response = text(
        "response",
        response,
        MAX_RESPONSE_LEN,
        "Enter your response",
        "Response",
    )?;
    let replaces = proposal.supplier_response.is_some();
    with_retries(|| async {
        let at = app.now_text();
        let mut tx = app.db.begin_write().await?;
        let mut head = ChainHead::claim(&mut tx).await?;
        if !proposals::respond(&mut tx, id, &response, &actor.user_id, &at).await? {
            return Err(closed("response", proposal.status, "responses"));
        }
        proposals::follow(&mut tx, id, &actor.user_id, &at).await?;
        head.append(
            &mut tx,
            &at,
            actor.user_id.as_str(),
            "proposal.responded",
            id.as_str(),
            serde_json::json!({ "response": response, "replaces_earlier_response": replaces }),
        )
        .await?;
        let subject = format!("{} responded: {}", actor.organisation_name, proposal.title);
        let body = format!(
            "{} {} the proposal \"{}\": {response}",
            actor.organisation_name,
            if replaces {
                "updated its response to"
            } else {
                "responded to"
            },
            proposal.title
        );
        let message = notifications::Message {
            id_prefix: &uuid::Uuid::now_v7().to_string(),
            event: "proposal.responded",
            subject: &subject,
            body: &body,
            link: &format!("/proposals/{id}"),
            created_at: &at,
        };
        notifications::queue_for_followers(&mut tx, &message, id, &actor.user_id).await?;
        head.seal(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    })
    .await?;
    reload(app, id).await
}

/// The framework manager decides an open or deferred proposal, with a reason: accepted (as a
/// change request or a roadmap item), declined, or deferred. Accepted and declined are final.
/// Followers are told.
pub async fn decide(app: &App, actor: &Actor, id: &ProposalId, input: &DecisionInput) -> AppResult<Proposal> {
    let mut conn = app.db.pool().acquire().await?;
    let (proposal, _, standing) = readable(&mut conn, actor, id).await?;
    drop(conn);
    if !standing.may_decide_proposals() {
        return Err(AppError::Forbidden(
            "only the framework's manager decides on proposals".into(),
        ));
    }
    if proposal.status.is_final() {
        return Err(AppError::Conflict(FieldError::new(
            "decision",
            format!(
                "This proposal has already been {}; that decision is final",
                proposal.status.label().to_lowercase()
            ),
        )));
    }
    let decision = input.parse(app.today()).map_err(invalid)?;
    with_retries(|| async {
        let at = app.now_text();
        let mut tx = app.db.begin_write().await?;
        let mut head = ChainHead::claim(&mut tx).await?;
        let decided = Decided {
            status: decision.status,
            outcome: decision.outcome,
            target_quarter: decision.target,
            reason: &decision.reason,
            by: &actor.user_id,
            at: &at,
        };
        if !proposals::decide(&mut tx, id, &decided).await? {
            return Err(AppError::Conflict(FieldError::new(
                "decision",
                "This proposal has already been decided; that decision is final",
            )));
        }
        let event = format!("proposal.{}", decision.status.as_str());
        head.append(
            &mut tx,
            &at,
            actor.user_id.as_str(),
            &event,
            id.as_str(),
            serde_json::json!({
                "previous_status": proposal.status.as_str(),
                "outcome": decision.outcome.map(Outcome::as_str),
                "target_quarter": decision.target.map(|q| q.to_string()),
                "reason": decision.reason,
            }),
        )
        .await?;
        let status = decision.status.label().to_lowercase();
        let subject = format!("Proposal {status}: {}", proposal.title);
        let outcome = match (decision.outcome, decision.target) {
            (Some(Outcome::Roadmap), Some(q)) => format!(" It is on the roadmap for {}.", q.label()),
            (Some(Outcome::Roadmap), None) => " It is on the roadmap.".to_string(),
            (Some(Outcome::ChangeRequest), _) => " The supplier will propose it as a catalogue change.".to_string(),
            (None, _) => String::new(),
        };
        let body = format!(
            "{} {status} the proposal \"{}\".{outcome} Reason: {}",
            actor.organisation_name, proposal.title, decision.reason
        );
        let message = notifications::Message {
            id_prefix: &uuid::Uuid::now_v7().to_string(),
            event: &event,
            subject: &subject,
            body: &body,
            link: &format!("/proposals/{id}"),
            created_at: &at,
        };
        notifications::queue_for_followers(&mut tx, &message, id, &actor.user_id).await?;
        head.seal(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    })
    .await?;
    reload(app, id).await
}

/// Follows (or stops following) a proposal, to hear of its responses and decisions. Returns
/// whether the actor now follows it.
pub async fn follow(app: &App, actor: &Actor, id: &ProposalId, on: bool) -> AppResult<bool> {
    let mut conn = app.db.pool().acquire().await?;
    let (_, _, standing) = readable(&mut conn, actor, id).await?;
    drop(conn);
    if !standing.takes_part_in_proposals() {
        return Err(AppError::Forbidden(
            "auditors read proposals but do not follow them".into(),
        ));
    }
    with_retries(|| async {
        let at = app.now_text();
        let mut tx = app.db.begin_write().await?;
        let mut head = ChainHead::claim(&mut tx).await?;
        let changed = if on {
            proposals::follow(&mut tx, id, &actor.user_id, &at).await?
        } else {
            proposals::unfollow(&mut tx, id, &actor.user_id).await?
        };
        if changed {
            let action = if on { "proposal.followed" } else { "proposal.unfollowed" };
            head.append(
                &mut tx,
                &at,
                actor.user_id.as_str(),
                action,
                id.as_str(),
                serde_json::json!({}),
            )
            .await?;
        }
        head.seal(&mut tx).await?;
        tx.commit().await?;
        Ok::<_, AppError>(())
    })
    .await?;
    Ok(on)
}

/// Proposals accepted as change requests on the framework: those a supplier's change request may
/// answer.
pub async fn awaiting_change_requests(app: &App, framework_id: &FrameworkId) -> AppResult<Vec<Proposal>> {
    let mut conn = app.db.pool().acquire().await?;
    Ok(
        proposals::for_framework(&mut conn, framework_id, Some(ProposalStatus::Accepted), LIST_LIMIT)
            .await?
            .into_iter()
            .filter(|p| p.outcome == Some(Outcome::ChangeRequest))
            .collect(),
    )
}

/// The proposal a change request cites, if it is one the request may answer: accepted as a change
/// request on the same framework. Errors name `proposal_id`.
pub(crate) async fn cited(conn: &mut Conn, framework_id: &FrameworkId, id: &ProposalId) -> AppResult<Proposal> {
    match proposals::get(conn, id).await? {
        Some(p) if p.framework_id == *framework_id && p.outcome == Some(Outcome::ChangeRequest) => Ok(p),
        _ => Err(AppError::invalid(
            "proposal_id",
            "Choose a proposal on this framework that was accepted as a change request",
        )),
    }
}
