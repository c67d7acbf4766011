//! Customers' proposals about a framework's catalogue, their votes, comments and followers.

use crate::{Conn, StoreError, StoreResult};
use calloff_domain::governance::{Outcome, ProposalKind, ProposalStatus, Quarter};
use calloff_domain::ids::{FrameworkId, ItemId, OrganisationId, ProposalId, UserId};
use sqlx::Row;

/// A proposal's columns, with the names of who raised, answered and decided it and of its item.
macro_rules! proposal_select {
    ($where:literal) => {
        concat!(
            "SELECT p.id, p.framework_id, p.organisation_id, o.name AS organisation_name, p.raised_by, \
             u.name AS raised_by_name, p.kind, p.item_id, i.sku AS item_sku, i.name AS item_name, p.lot_number, \
             p.title, p.rationale, p.status, p.outcome, p.target_quarter, p.decision_reason, p.decided_by, \
             d.name AS decided_by_name, p.decided_at, p.supplier_response, p.responded_by, \
             r.name AS responded_by_name, p.responded_at, p.support_count, p.comment_count, p.request_hash, \
             p.created_at, p.updated_at \
             FROM proposals p JOIN organisations o ON o.id = p.organisation_id JOIN users u ON u.id = p.raised_by \
             LEFT JOIN catalogue_items i ON i.id = p.item_id LEFT JOIN users d ON d.id = p.decided_by \
             LEFT JOIN users r ON r.id = p.responded_by ",
            $where
        )
    };
}

crate::statements! {
    INSERT = "INSERT INTO proposals (id, framework_id, organisation_id, raised_by, kind, item_id, lot_number, title, \
              rationale, status, support_count, comment_count, idempotency_key, request_hash, created_at, updated_at) \
              VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'open', 0, 0, $10, $11, $12, $12)";
    BY_ID = proposal_select!("WHERE p.id = $1");
    BY_IDEMPOTENCY_KEY = proposal_select!("WHERE p.raised_by = $1 AND p.idempotency_key = $2");
    // Most supported first; the roadmap groups them by status.
    FOR_FRAMEWORK = proposal_select!(
        "WHERE p.framework_id = $1 AND (CAST($2 AS TEXT) IS NULL OR p.status = $2) \
         ORDER BY p.support_count DESC, p.created_at, p.id LIMIT $3"
    );
    // The guards below change a proposal only while it is undecided (open or deferred).
    ADD_SUPPORT = "UPDATE proposals SET support_count = support_count + 1, updated_at = $2 \
                   WHERE id = $1 AND status IN ('open', 'deferred')";
    INSERT_VOTE = "INSERT INTO proposal_votes (proposal_id, organisation_id, voted_by, voted_at) VALUES ($1, $2, $3, $4)";
    VOTES = "SELECT v.organisation_id, o.name AS organisation_name, v.voted_by, v.voted_at FROM proposal_votes v \
             JOIN organisations o ON o.id = v.organisation_id WHERE v.proposal_id = $1 ORDER BY v.voted_at, o.name";
    ADD_COMMENT = "UPDATE proposals SET comment_count = comment_count + 1, updated_at = $2 \
                   WHERE id = $1 AND status IN ('open', 'deferred')";
    INSERT_COMMENT = "INSERT INTO proposal_comments (id, proposal_id, author_id, organisation_id, body, idempotency_key, \
                      request_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    COMMENTS = "SELECT c.id, c.proposal_id, c.author_id, u.name AS author_name, c.organisation_id, \
                o.name AS organisation_name, c.body, c.request_hash, c.created_at FROM proposal_comments c \
                JOIN users u ON u.id = c.author_id JOIN organisations o ON o.id = c.organisation_id \
                WHERE c.proposal_id = $1 ORDER BY c.created_at, c.id LIMIT $2";
    COMMENT_BY_IDEMPOTENCY_KEY = "SELECT c.id, c.proposal_id, c.author_id, u.name AS author_name, c.organisation_id, \
                                  o.name AS organisation_name, c.body, c.request_hash, c.created_at \
                                  FROM proposal_comments c JOIN users u ON u.id = c.author_id \
                                  JOIN organisations o ON o.id = c.organisation_id \
                                  WHERE c.author_id = $1 AND c.idempotency_key = $2";
    RESPOND = "UPDATE proposals SET supplier_response = $1, responded_by = $2, responded_at = $3, updated_at = $3 \
               WHERE id = $4 AND status IN ('open', 'deferred')";
    DECIDE = "UPDATE proposals SET status = $1, outcome = $2, target_quarter = $3, decision_reason = $4, \
              decided_by = $5, decided_at = $6, updated_at = $6 WHERE id = $7 AND status IN ('open', 'deferred')";
    FOLLOW = "INSERT INTO proposal_followers (proposal_id, user_id, since) VALUES ($1, $2, $3) \
              ON CONFLICT (proposal_id, user_id) DO NOTHING";
    UNFOLLOW = "DELETE FROM proposal_followers WHERE proposal_id = $1 AND user_id = $2";
    IS_FOLLOWING = "SELECT 1 AS following FROM proposal_followers WHERE proposal_id = $1 AND user_id = $2";
    FOLLOWER_COUNT = "SELECT COUNT(*) AS n FROM proposal_followers WHERE proposal_id = $1";
}

/// A proposal to insert.
#[derive(Debug, Clone)]
pub struct NewProposal<'a> {
    pub id: &'a ProposalId,
    pub framework_id: &'a FrameworkId,
    pub organisation_id: &'a OrganisationId,
    pub raised_by: &'a UserId,
    pub kind: ProposalKind,
    pub item_id: Option<&'a ItemId>,
    pub lot_number: Option<u32>,
    pub title: &'a str,
    pub rationale: &'a str,
    pub idempotency_key: Option<&'a str>,
    pub request_hash: &'a str,
    pub created_at: &'a str,
}

/// A proposal as stored, with the names people read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub id: ProposalId,
    pub framework_id: FrameworkId,
    /// The organisation that raised it.
    pub organisation_id: OrganisationId,
    pub organisation_name: String,
    pub raised_by: UserId,
    pub raised_by_name: String,
    pub kind: ProposalKind,
    pub item_id: Option<ItemId>,
    pub item_sku: Option<String>,
    pub item_name: Option<String>,
    pub lot_number: Option<u32>,
    pub title: String,
    pub rationale: String,
    pub status: ProposalStatus,
    pub outcome: Option<Outcome>,
    pub target_quarter: Option<Quarter>,
    pub decision_reason: Option<String>,
    pub decided_by: Option<UserId>,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<String>,
    pub supplier_response: Option<String>,
    pub responded_by: Option<UserId>,
    pub responded_by_name: Option<String>,
    pub responded_at: Option<String>,
    pub support_count: i64,
    pub comment_count: i64,
    /// What the request that raised it hashed to, for idempotent retries.
    pub request_hash: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::corrupt(e.to_string())
}

fn from_row(r: &sqlx::any::AnyRow) -> StoreResult<Proposal> {
    let kind: String = r.try_get("kind")?;
    let status: String = r.try_get("status")?;
    let outcome: Option<String> = r.try_get("outcome")?;
    let target: Option<String> = r.try_get("target_quarter")?;
    Ok(Proposal {
        id: ProposalId::from_stored(r.try_get::<String, _>("id")?),
        framework_id: FrameworkId::from_stored(r.try_get::<String, _>("framework_id")?),
        organisation_id: OrganisationId::from_stored(r.try_get::<String, _>("organisation_id")?),
        organisation_name: r.try_get("organisation_name")?,
        raised_by: UserId::from_stored(r.try_get::<String, _>("raised_by")?),
        raised_by_name: r.try_get("raised_by_name")?,
        kind: ProposalKind::parse(&kind).map_err(corrupt)?,
        item_id: r.try_get::<Option<String>, _>("item_id")?.map(ItemId::from_stored),
        item_sku: r.try_get("item_sku")?,
        item_name: r.try_get("item_name")?,
        lot_number: r
            .try_get::<Option<i64>, _>("lot_number")?
            .map(|n| crate::narrow(n, "lot_number"))
            .transpose()?,
        title: r.try_get("title")?,
        rationale: r.try_get("rationale")?,
        status: ProposalStatus::parse(&status).map_err(corrupt)?,
        outcome: outcome.as_deref().map(Outcome::parse).transpose().map_err(corrupt)?,
        target_quarter: target
            .as_deref()
            .map(|q| Quarter::parse(q, "target_quarter"))
            .transpose()
            .map_err(corrupt)?,
        decision_reason: r.try_get("decision_reason")?,
        decided_by: r.try_get::<Option<String>, _>("decided_by")?.map(UserId::from_stored),
        decided_by_name: r.try_get("decided_by_name")?,
        decided_at: r.try_get("decided_at")?,
        supplier_response: r.try_get("supplier_response")?,
        responded_by: r.try_get::<Option<String>, _>("responded_by")?.map(UserId::from_stored),
        responded_by_name: r.try_get("responded_by_name")?,
        responded_at: r.try_get("responded_at")?,
        support_count: r.try_get("support_count")?,
        comment_count: r.try_get("comment_count")?,
        request_hash: r.try_get("request_hash")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// Inserts an open proposal with no support yet (see [`add_vote`]).
pub async fn insert(conn: &mut Conn, p: &NewProposal<'_>) -> StoreResult<()> {
    sqlx::query(INSERT)
        .bind(p.id.as_str())
        .bind(p.framework_id.as_str())
        .bind(p.organisation_id.as_str())
        .bind(p.raised_by.as_str())
        .bind(p.kind.as_str())
        .bind(p.item_id.map(ItemId::as_str))
        .bind(p.lot_number.map(i64::from))
        .bind(p.title)
        .bind(p.rationale)
        .bind(p.idempotency_key)
        .bind(p.request_hash)
        .bind(p.created_at)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn get(conn: &mut Conn, id: &ProposalId) -> StoreResult<Option<Proposal>> {
    sqlx::query(BY_ID)
        .bind(id.as_str())
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// The proposal this user raised with this idempotency key, if any.
pub async fn find_by_idempotency_key(conn: &mut Conn, user: &UserId, key: &str) -> StoreResult<Option<Proposal>> {
    sqlx::query(BY_IDEMPOTENCY_KEY)
        .bind(user.as_str())
        .bind(key)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// A framework's proposals (of one status, or all), most supported first.
pub async fn for_framework(
    conn: &mut Conn,
    framework: &FrameworkId,
    status: Option<ProposalStatus>,
    limit: i64,
) -> StoreResult<Vec<Proposal>> {
    sqlx::query(FOR_FRAMEWORK)
        .bind(framework.as_str())
        .bind(status.map(ProposalStatus::as_str))
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// Why a vote was not recorded.
#[derive(Debug)]
pub enum VoteRefused {
    /// The proposal is decided (or gone).
    Closed,
    /// The organisation already supports it.
    AlreadySupported,
    Store(StoreError),
}

impl From<StoreError> for VoteRefused {
    fn from(e: StoreError) -> Self {
        VoteRefused::Store(e)
    }
}

/// Records an organisation's support and counts it. The primary key refuses a second vote from
/// the same organisation, however the two race; the caller then rolls the transaction back.
pub async fn add_vote(
    conn: &mut Conn,
    proposal: &ProposalId,
    organisation: &OrganisationId,
    by: &UserId,
    at: &str,
) -> Result<(), VoteRefused> {
    let counted = sqlx::query(ADD_SUPPORT)
        .bind(proposal.as_str())
        .bind(at)
        .execute(&mut *conn)
        .await
        .map_err(StoreError::from)?
        .rows_affected();
    if counted != 1 {
        return Err(VoteRefused::Closed);
    }
    sqlx::query(INSERT_VOTE)
        .bind(proposal.as_str())
        .bind(organisation.as_str())
        .bind(by.as_str())
        .bind(at)
        .execute(&mut *conn)
        .await
        .map_err(|e| match StoreError::from(e) {
            e if e.is_unique_violation() => VoteRefused::AlreadySupported,
            e => VoteRefused::Store(e),
        })?;
    Ok(())
}

/// One organisation's support.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vote {
    pub organisation_id: OrganisationId,
    pub organisation_name: String,
    pub voted_by: UserId,
    pub voted_at: String,
}

/// Every organisation supporting a proposal, in the order they gave their support.
pub async fn votes(conn: &mut Conn, proposal: &ProposalId) -> StoreResult<Vec<Vote>> {
    sqlx::query(VOTES)
        .bind(proposal.as_str())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            Ok(Vote {
                organisation_id: OrganisationId::from_stored(r.try_get::<String, _>("organisation_id")?),
                organisation_name: r.try_get("organisation_name")?,
                voted_by: UserId::from_stored(r.try_get::<String, _>("voted_by")?),
                voted_at: r.try_get("voted_at")?,
            })
        })
        .collect()
}

/// A comment to insert.
#[derive(Debug, Clone)]
pub struct NewComment<'a> {
    pub id: &'a str,
    pub proposal_id: &'a ProposalId,
    pub author_id: &'a UserId,
    pub organisation_id: &'a OrganisationId,
    pub body: &'a str,
    pub idempotency_key: Option<&'a str>,
    pub request_hash: &'a str,
    pub created_at: &'a str,
}

/// A comment as stored, with its author's and organisation's names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub id: String,
    pub proposal_id: ProposalId,
    pub author_id: UserId,
    pub author_name: String,
    pub organisation_id: OrganisationId,
    pub organisation_name: String,
    pub body: String,
    pub request_hash: Option<String>,
    pub created_at: String,
}

fn comment_from_row(r: &sqlx::any::AnyRow) -> StoreResult<Comment> {
    Ok(Comment {
        id: r.try_get("id")?,
        proposal_id: ProposalId::from_stored(r.try_get::<String, _>("proposal_id")?),
        author_id: UserId::from_stored(r.try_get::<String, _>("author_id")?),
        author_name: r.try_get("author_name")?,
        organisation_id: OrganisationId::from_stored(r.try_get::<String, _>("organisation_id")?),
        organisation_name: r.try_get("organisation_name")?,
        body: r.try_get("body")?,
        request_hash: r.try_get("request_hash")?,
        created_at: r.try_get("created_at")?,
    })
}

/// Adds a comment to an undecided proposal and counts it; false (and nothing written) if the
/// proposal is decided.
pub async fn add_comment(conn: &mut Conn, c: &NewComment<'_>) -> StoreResult<bool> {
    let counted = sqlx::query(ADD_COMMENT)
        .bind(c.proposal_id.as_str())
        .bind(c.created_at)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if counted != 1 {
        return Ok(false);
    }
    sqlx::query(INSERT_COMMENT)
        .bind(c.id)
        .bind(c.proposal_id.as_str())
        .bind(c.author_id.as_str())
        .bind(c.organisation_id.as_str())
        .bind(c.body)
        .bind(c.idempotency_key)
        .bind(c.request_hash)
        .bind(c.created_at)
        .execute(&mut *conn)
        .await?;
    Ok(true)
}

/// A proposal's comments, oldest first.
pub async fn comments(conn: &mut Conn, proposal: &ProposalId, limit: i64) -> StoreResult<Vec<Comment>> {
    sqlx::query(COMMENTS)
        .bind(proposal.as_str())
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(comment_from_row)
        .collect()
}

pub async fn comment_by_idempotency_key(conn: &mut Conn, user: &UserId, key: &str) -> StoreResult<Option<Comment>> {
    sqlx::query(COMMENT_BY_IDEMPOTENCY_KEY)
        .bind(user.as_str())
        .bind(key)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(comment_from_row)
        .transpose()
}

/// Sets (or replaces) the supplier's response to an undecided proposal; false if decided.
pub async fn respond(conn: &mut Conn, id: &ProposalId, response: &str, by: &UserId, at: &str) -> StoreResult<bool> {
    Ok(sqlx::query(RESPOND)
        .bind(response)
        .bind(by.as_str())
        .bind(at)
        .bind(id.as_str())
        .execute(&mut *conn)
        .await?
        .rows_affected()
        == 1)
}

/// A decision to record.
#[derive(Debug, Clone)]
pub struct Decided<'a> {
    pub status: ProposalStatus,
    pub outcome: Option<Outcome>,
    pub target_quarter: Option<Quarter>,
    pub reason: &'a str,
    pub by: &'a UserId,
    pub at: &'a str,
}

/// Decides an open or deferred proposal; false if it was already accepted or declined, so that
/// two decisions cannot both win.
pub async fn decide(conn: &mut Conn, id: &ProposalId, d: &Decided<'_>) -> StoreResult<bool> {
    Ok(sqlx::query(DECIDE)
        .bind(d.status.as_str())
        .bind(d.outcome.map(Outcome::as_str))
        .bind(d.target_quarter.map(|q| q.to_string()))
        .bind(d.reason)
        .bind(d.by.as_str())
        .bind(d.at)
        .bind(id.as_str())
        .execute(&mut *conn)
        .await?
        .rows_affected()
        == 1)
}

/// Makes the user a follower (doing nothing if they already are); true if they were not.
pub async fn follow(conn: &mut Conn, id: &ProposalId, user: &UserId, at: &str) -> StoreResult<bool> {
    Ok(sqlx::query(FOLLOW)
        .bind(id.as_str())
        .bind(user.as_str())
        .bind(at)
        .execute(&mut *conn)
        .await?
        .rows_affected()
        == 1)
}

/// Stops the user following; true if they were.
pub async fn unfollow(conn: &mut Conn, id: &ProposalId, user: &UserId) -> StoreResult<bool> {
    Ok(sqlx::query(UNFOLLOW)
        .bind(id.as_str())
        .bind(user.as_str())
        .execute(&mut *conn)
        .await?
        .rows_affected()
        == 1)
}

pub async fn is_following(conn: &mut Conn, id: &ProposalId, user: &UserId) -> StoreResult<bool> {
    Ok(sqlx::query(IS_FOLLOWING)
        .bind(id.as_str())
        .bind(user.as_str())
        .fetch_optional(&mut *conn)
        .await?
        .is_some())
}

pub async fn follower_count(conn: &mut Conn, id: &ProposalId) -> StoreResult<i64> {
    Ok(sqlx::query(FOLLOWER_COUNT)
        .bind(id.as_str())
        .fetch_one(&mut *conn)
        .await?
        .try_get("n")?)
}
