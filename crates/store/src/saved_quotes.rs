//! Saved quotes and who they are shared with. Reads take the reader's user and organisation, so
//! that another organisation's quote, or one not shared with the reader, is simply not found.

use crate::{wide, Conn, StoreResult};
use calloff_domain::ids::{FrameworkId, OrganisationId, SavedQuoteId, UserId};
use sqlx::any::AnyRow;
use sqlx::Row;

crate::statements! {
    INSERT = "INSERT INTO saved_quotes (id, organisation_id, owner_id, framework_id, name, lines, line_count, \
              created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)";
    // Only the owner changes a saved quote.
    UPDATE = "UPDATE saved_quotes SET name = $1, framework_id = $2, lines = $3, line_count = $4, updated_at = $5 \
              WHERE id = $6 AND owner_id = $7";
    VISIBLE = "SELECT q.id, q.organisation_id, q.owner_id, u.name AS owner_name, q.framework_id, \
         f.reference AS framework_reference, q.name, q.lines, q.line_count, q.created_at, q.updated_at \
         FROM saved_quotes q JOIN users u ON u.id = q.owner_id JOIN frameworks f ON f.id = q.framework_id \
         WHERE q.id = $1 AND q.organisation_id = $2 AND (q.owner_id = $3 OR EXISTS \
         (SELECT 1 FROM saved_quote_shares s WHERE s.quote_id = q.id AND s.user_id = $3))";
    LIST = "SELECT q.id, q.organisation_id, q.owner_id, u.name AS owner_name, q.framework_id, \
         f.reference AS framework_reference, q.name, q.lines, q.line_count, q.created_at, q.updated_at \
         FROM saved_quotes q JOIN users u ON u.id = q.owner_id JOIN frameworks f ON f.id = q.framework_id \
         WHERE q.organisation_id = $1 AND (q.owner_id = $2 OR EXISTS \
         (SELECT 1 FROM saved_quote_shares s WHERE s.quote_id = q.id AND s.user_id = $2)) \
         ORDER BY q.updated_at DESC, q.id DESC LIMIT $3";
    SHARE = "INSERT INTO saved_quote_shares (quote_id, user_id, shared_by, shared_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (quote_id, user_id) DO NOTHING";
    // Only the owner deletes a saved quote; its shares go with it.
    DELETE_SHARES = "DELETE FROM saved_quote_shares WHERE quote_id IN \
                     (SELECT id FROM saved_quotes WHERE id = $1 AND owner_id = $2)";
    DELETE = "DELETE FROM saved_quotes WHERE id = $1 AND owner_id = $2";
    SHARED_WITH = "SELECT u.id, u.name, u.email FROM saved_quote_shares s JOIN users u ON u.id = s.user_id \
                   WHERE s.quote_id = $1 ORDER BY u.name, u.id";
}

/// A saved quote as stored: the lines are the buyer's choices as JSON.
#[derive(Debug, Clone)]
pub struct SavedQuoteRecord {
    pub id: SavedQuoteId,
    pub organisation_id: OrganisationId,
    pub owner_id: UserId,
    pub owner_name: String,
    pub framework_id: FrameworkId,
    pub framework_reference: String,
    pub name: String,
    pub lines: String,
    pub line_count: i64,
    pub created_at: String,
    pub updated_at: String,
}

pub struct NewSavedQuote<'a> {
    pub id: &'a SavedQuoteId,
    pub organisation_id: &'a OrganisationId,
    pub owner_id: &'a UserId,
    pub framework_id: &'a FrameworkId,
    pub name: &'a str,
    pub lines: &'a str,
    pub line_count: usize,
    pub at: &'a str,
}

fn record(row: &AnyRow) -> StoreResult<SavedQuoteRecord> {
    Ok(SavedQuoteRecord {
        id: SavedQuoteId::from_stored(row.try_get::<String, _>("id")?),
        organisation_id: OrganisationId::from_stored(row.try_get::<String, _>("organisation_id")?),
        owner_id: UserId::from_stored(row.try_get::<String, _>("owner_id")?),
        owner_name: row.try_get("owner_name")?,
        framework_id: FrameworkId::from_stored(row.try_get::<String, _>("framework_id")?),
        framework_reference: row.try_get("framework_reference")?,
        name: row.try_get("name")?,
        lines: row.try_get("lines")?,
        line_count: row.try_get("line_count")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

pub async fn insert(conn: &mut Conn, q: NewSavedQuote<'_>) -> StoreResult<()> {
    sqlx::query(INSERT)
        .bind(q.id.as_str())
        .bind(q.organisation_id.as_str())
        .bind(q.owner_id.as_str())
        .bind(q.framework_id.as_str())
        .bind(q.name)
        .bind(q.lines)
        .bind(wide(q.line_count))
        .bind(q.at)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Replaces the name and lines; false unless `owner` owns the quote.
pub async fn update(conn: &mut Conn, q: NewSavedQuote<'_>) -> StoreResult<bool> {
    let done = sqlx::query(UPDATE)
        .bind(q.name)
        .bind(q.framework_id.as_str())
        .bind(q.lines)
        .bind(wide(q.line_count))
        .bind(q.at)
        .bind(q.id.as_str())
        .bind(q.owner_id.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The quote, if `reader` (of `organisation`) owns it or it was shared with them.
pub async fn visible(
    conn: &mut Conn,
    id: &SavedQuoteId,
    organisation: &OrganisationId,
    reader: &UserId,
) -> StoreResult<Option<SavedQuoteRecord>> {
    let row = sqlx::query(VISIBLE)
        .bind(id.as_str())
        .bind(organisation.as_str())
        .bind(reader.as_str())
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(record).transpose()
}

/// The reader's own quotes and those shared with them, most recently saved first.
pub async fn list(
    conn: &mut Conn,
    organisation: &OrganisationId,
    reader: &UserId,
    limit: usize,
) -> StoreResult<Vec<SavedQuoteRecord>> {
    let rows = sqlx::query(LIST)
        .bind(organisation.as_str())
        .bind(reader.as_str())
        .bind(wide(limit))
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(record).collect()
}

/// Shares the quote with `user`; false if it already was.
pub async fn share(
    conn: &mut Conn,
    id: &SavedQuoteId,
    user: &UserId,
    shared_by: &UserId,
    at: &str,
) -> StoreResult<bool> {
    let done = sqlx::query(SHARE)
        .bind(id.as_str())
        .bind(user.as_str())
        .bind(shared_by.as_str())
        .bind(at)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The people a quote is shared with: (id, name, email).
pub async fn shared_with(conn: &mut Conn, id: &SavedQuoteId) -> StoreResult<Vec<(UserId, String, String)>> {
    let rows = sqlx::query(SHARED_WITH).bind(id.as_str()).fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| {
            Ok((
                UserId::from_stored(r.try_get::<String, _>("id")?),
                r.try_get("name")?,
                r.try_get("email")?,
            ))
        })
        .collect()
}

/// Deletes the owner's saved quote and its shares; false if they own no such quote.
pub async fn delete(conn: &mut Conn, id: &SavedQuoteId, owner: &UserId) -> StoreResult<bool> {
    sqlx::query(DELETE_SHARES)
        .bind(id.as_str())
        .bind(owner.as_str())
        .execute(&mut *conn)
        .await?;
    let deleted = sqlx::query(DELETE)
        .bind(id.as_str())
        .bind(owner.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(deleted.rows_affected() == 1)
}
