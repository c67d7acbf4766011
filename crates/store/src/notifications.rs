//! The notification outbox.

use crate::{Conn, StoreResult};
use calloff_domain::ids::{OrganisationId, ProposalId, UserId};
use calloff_domain::role::Role;
use sqlx::Row;

crate::statements! {
    INSERT = "INSERT INTO notifications (id, recipient_id, recipient_email, event, subject, body, link, created_at, \
              send_after, attempts) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, 0)";
    // One statement for all the active users with a role (in one organisation, or in any); ids are the given
    // prefix and the user's id, so they are unique per event and recipient.
    INSERT_FOR_ROLE = "INSERT INTO notifications (id, recipient_id, recipient_email, event, subject, body, link, created_at, \
                       send_after, attempts) \
                       SELECT $1 || '-' || u.id, u.id, u.email, $2, $3, $4, $5, $6, $6, 0 \
                       FROM users u JOIN user_roles r ON r.user_id = u.id \
                       WHERE (CAST($7 AS TEXT) IS NULL OR u.organisation_id = $7) AND r.role = $8 AND u.active = 1 AND u.id <> $9";
    INSERT_FOR_USER = "INSERT INTO notifications (id, recipient_id, recipient_email, event, subject, body, link, created_at, \
                       send_after, attempts) \
                       SELECT $1 || '-' || u.id, u.id, u.email, $2, $3, $4, $5, $6, $6, 0 \
                       FROM users u WHERE u.id = $7 AND u.active = 1 AND u.id <> $8";
    INSERT_FOR_FOLLOWERS = "INSERT INTO notifications (id, recipient_id, recipient_email, event, subject, body, link, \
                            created_at, send_after, attempts) \
                            SELECT $1 || '-' || u.id, u.id, u.email, $2, $3, $4, $5, $6, $6, 0 \
                            FROM proposal_followers f JOIN users u ON u.id = f.user_id \
                            WHERE f.proposal_id = $7 AND u.active = 1 AND u.id <> $8";
    FOR_RECIPIENT = "SELECT id, recipient_id, recipient_email, event, subject, body, link, created_at, attempts, \
                     sent_at, last_error, read_at FROM notifications WHERE recipient_id = $1 \
                     ORDER BY created_at DESC, id DESC LIMIT $2";
    DUE = "SELECT id, recipient_id, recipient_email, event, subject, body, link, created_at, attempts, \
           sent_at, last_error, read_at FROM notifications \
           WHERE sent_at IS NULL AND attempts < $1 AND send_after <= $2 \
           AND (claimed_until IS NULL OR claimed_until < $2) ORDER BY created_at, id LIMIT $3";
    // A worker takes a notification for a while; another worker skips it until then.
    CLAIM = "UPDATE notifications SET claimed_until = $1 WHERE id = $2 AND sent_at IS NULL \
             AND (claimed_until IS NULL OR claimed_until < $3)";
    MARK_SENT = "UPDATE notifications SET sent_at = $1, claimed_until = NULL WHERE id = $2";
    MARK_FAILED = "UPDATE notifications SET attempts = attempts + 1, send_after = $1, last_error = $2, \
                   claimed_until = NULL WHERE id = $3";
    MARK_READ = "UPDATE notifications SET read_at = $1 WHERE recipient_id = $2 AND read_at IS NULL";
    USER_EMAIL = "SELECT id, email FROM users WHERE id = $1 AND active = 1";
}

/// Someone to tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub user_id: UserId,
    pub email: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub id: String,
    pub recipient: Recipient,
    pub event: String,
    pub subject: String,
    pub body: String,
    /// Path of the page it is about, e.g. `/call-offs/…`.
    pub link: String,
    pub created_at: String,
    pub attempts: i64,
    pub sent_at: Option<String>,
    pub last_error: Option<String>,
    pub read_at: Option<String>,
}

pub async fn insert(conn: &mut Conn, n: &Notification) -> StoreResult<()> {
    sqlx::query(INSERT)
        .bind(&n.id)
        .bind(n.recipient.user_id.as_str())
        .bind(&n.recipient.email)
        .bind(&n.event)
        .bind(&n.subject)
        .bind(&n.body)
        .bind(&n.link)
        .bind(&n.created_at)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

fn from_row(row: &sqlx::any::AnyRow) -> StoreResult<Notification> {
    Ok(Notification {
        id: row.try_get("id")?,
        recipient: Recipient {
            user_id: UserId::from_stored(row.try_get::<String, _>("recipient_id")?),
            email: row.try_get("recipient_email")?,
        },
        event: row.try_get("event")?,
        subject: row.try_get("subject")?,
        body: row.try_get("body")?,
        link: row.try_get("link")?,
        created_at: row.try_get("created_at")?,
        attempts: row.try_get("attempts")?,
        sent_at: row.try_get("sent_at")?,
        last_error: row.try_get("last_error")?,
        read_at: row.try_get("read_at")?,
    })
}

pub async fn for_recipient(conn: &mut Conn, user: &UserId, limit: i64) -> StoreResult<Vec<Notification>> {
    let rows = sqlx::query(FOR_RECIPIENT)
        .bind(user.as_str())
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(from_row).collect()
}

/// Unsent notifications whose time has come and that no worker holds.
pub async fn due(conn: &mut Conn, max_attempts: i64, now: &str, limit: i64) -> StoreResult<Vec<Notification>> {
    let rows = sqlx::query(DUE)
        .bind(max_attempts)
        .bind(now)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(from_row).collect()
}

/// Takes a notification until `until`; false if another worker has it or it was sent.
pub async fn claim(conn: &mut Conn, id: &str, until: &str, now: &str) -> StoreResult<bool> {
    let result = sqlx::query(CLAIM)
        .bind(until)
        .bind(id)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn mark_sent(conn: &mut Conn, id: &str, now: &str) -> StoreResult<()> {
    sqlx::query(MARK_SENT).bind(now).bind(id).execute(&mut *conn).await?;
    Ok(())
}

pub async fn mark_failed(conn: &mut Conn, id: &str, retry_at: &str, error: &str) -> StoreResult<()> {
    sqlx::query(MARK_FAILED)
        .bind(retry_at)
        .bind(error)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn mark_all_read(conn: &mut Conn, user: &UserId, now: &str) -> StoreResult<u64> {
    Ok(sqlx::query(MARK_READ)
        .bind(now)
        .bind(user.as_str())
        .execute(&mut *conn)
        .await?
        .rows_affected())
}

/// One active user, as a recipient.
pub async fn user(conn: &mut Conn, user: &UserId) -> StoreResult<Option<Recipient>> {
    let row = sqlx::query(USER_EMAIL)
        .bind(user.as_str())
        .fetch_optional(&mut *conn)
        .await?;
    row.map(|r| {
        Ok(Recipient {
            user_id: UserId::from_stored(r.try_get::<String, _>("id")?),
            email: r.try_get("email")?,
        })
    })
    .transpose()
}

/// What a notification says, before it has recipients.
pub struct Message<'a> {
    /// Unique per event; each recipient's notification id is this and their user id.
    pub id_prefix: &'a str,
    pub event: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub link: &'a str,
    pub created_at: &'a str,
}

/// Queues `message` for every active user with `role` (of `organisation`, or of any when it is
/// `None`), except `not_to`.
pub async fn queue_for_role(
    conn: &mut Conn,
    m: &Message<'_>,
    organisation: Option<&OrganisationId>,
    role: Role,
    not_to: &UserId,
) -> StoreResult<u64> {
    let result = sqlx::query(INSERT_FOR_ROLE)
        .bind(m.id_prefix)
        .bind(m.event)
        .bind(m.subject)
        .bind(m.body)
        .bind(m.link)
        .bind(m.created_at)
        .bind(organisation.map(OrganisationId::as_str))
        .bind(role.as_str())
        .bind(not_to.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(result.rows_affected())
}

/// Queues `message` for one user if they are active and not `not_to`.
pub async fn queue_for_user(conn: &mut Conn, m: &Message<'_>, user: &UserId, not_to: &UserId) -> StoreResult<u64> {
    let result = sqlx::query(INSERT_FOR_USER)
        .bind(m.id_prefix)
        .bind(m.event)
        .bind(m.subject)
        .bind(m.body)
        .bind(m.link)
        .bind(m.created_at)
        .bind(user.as_str())
        .bind(not_to.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(result.rows_affected())
}

/// Queues `message` for every active follower of a proposal, except `not_to`.
pub async fn queue_for_followers(
    conn: &mut Conn,
    m: &Message<'_>,
    proposal: &ProposalId,
    not_to: &UserId,
) -> StoreResult<u64> {
    let result = sqlx::query(INSERT_FOR_FOLLOWERS)
        .bind(m.id_prefix)
        .bind(m.event)
        .bind(m.subject)
        .bind(m.body)
        .bind(m.link)
        .bind(m.created_at)
        .bind(proposal.as_str())
        .bind(not_to.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(result.rows_affected())
}
