use crate::{Conn, StoreError, StoreResult};
use calloff_domain::ids::{OrganisationId, UserId};
use calloff_domain::role::Role;
use sqlx::Row;

crate::statements! {
    INSERT = "INSERT INTO users (id, organisation_id, email, name, password_hash, active, created_at) \
              VALUES ($1, $2, $3, $4, $5, $6, $7)";
    IN_ORGANISATION = "SELECT id, organisation_id, email, name, password_hash, active FROM users \
                       WHERE organisation_id = $1 ORDER BY name, email";
    DELETE_ROLES = "DELETE FROM user_roles WHERE user_id = $1";
    SET_ACTIVE = "UPDATE users SET active = $1 WHERE id = $2";
    DELETE_USER_SESSIONS = "DELETE FROM sessions WHERE user_id = $1";
    INSERT_INVITATION = "INSERT INTO invitations (token_hash, user_id, organisation_id, invited_by, created_at, expires_at) \
                         VALUES ($1, $2, $3, $4, $5, $6)";
    // Single use: only an unused, unexpired invitation is taken, and only once.
    USE_INVITATION = "UPDATE invitations SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1";
    INVITATION = "SELECT user_id, organisation_id, expires_at, used_at FROM invitations WHERE token_hash = $1";
    ACTIVATE = "UPDATE users SET name = $1, password_hash = $2, active = 1 WHERE id = $3 AND active = 0";
    INSERT_ROLE = "INSERT INTO user_roles (user_id, role) VALUES ($1, $2)";
    BY_EMAIL = "SELECT id, organisation_id, email, name, password_hash, active FROM users WHERE email = $1";
    BY_ID = "SELECT id, organisation_id, email, name, password_hash, active FROM users WHERE id = $1";
    ROLES = "SELECT role FROM user_roles WHERE user_id = $1 ORDER BY role";
    INSERT_SESSION = "INSERT INTO sessions (token_hash, user_id, csrf_token, basket, created_at, expires_at, stage) \
                      VALUES ($1, $2, $3, '{}', $4, $5, $6)";
    SESSION = "SELECT user_id, csrf_token, basket, expires_at, stage FROM sessions WHERE token_hash = $1";
    // Moves a session on from the stage it was read in, once.
    SET_STAGE = "UPDATE sessions SET stage = $1 WHERE token_hash = $2 AND stage = $3";
    // A session with its user and organisation in one round trip: every request reads it.
    SESSION_WITH_USER = "SELECT s.user_id, s.csrf_token, s.basket, s.expires_at, s.stage, u.organisation_id, u.email, u.name, \
                         u.password_hash, u.active, o.name AS organisation_name FROM sessions s \
                         JOIN users u ON u.id = s.user_id JOIN organisations o ON o.id = u.organisation_id \
                         WHERE s.token_hash = $1";
    SET_BASKET = "UPDATE sessions SET basket = $1 WHERE token_hash = $2";
    DELETE_SESSION = "DELETE FROM sessions WHERE token_hash = $1";
    DELETE_EXPIRED_SESSIONS = "DELETE FROM sessions WHERE expires_at < $1";
}

#[derive(Debug, Clone)]
pub struct UserRecord {
    pub id: UserId,
    pub organisation_id: OrganisationId,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub active: bool,
    pub roles: Vec<Role>,
}

pub struct NewUser<'a> {
    /// Invited users start inactive, without a password, until they accept.
    pub active: bool,
    pub id: &'a UserId,
    pub organisation_id: &'a OrganisationId,
    pub email: &'a str,
    pub name: &'a str,
    pub password_hash: &'a str,
    pub roles: &'a [Role],
}

pub async fn insert(conn: &mut Conn, user: NewUser<'_>, at: &str) -> StoreResult<()> {
    sqlx::query(INSERT)
        .bind(user.id.as_str())
        .bind(user.organisation_id.as_str())
        .bind(user.email)
        .bind(user.name)
        .bind(user.password_hash)
        .bind(i64::from(user.active))
        .bind(at)
        .execute(&mut *conn)
        .await?;
    for role in user.roles {
        sqlx::query(INSERT_ROLE)
            .bind(user.id.as_str())
            .bind(role.as_str())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

async fn from_row(conn: &mut Conn, row: &sqlx::any::AnyRow) -> StoreResult<UserRecord> {
    let id: String = row.try_get("id")?;
    let role_rows = sqlx::query(ROLES).bind(&id).fetch_all(&mut *conn).await?;
    let mut roles = Vec::with_capacity(role_rows.len());
    for r in role_rows {
        let role: String = r.try_get("role")?;
        roles.push(Role::parse(&role).map_err(|e| StoreError::corrupt(e.to_string()))?);
    }
    let active: i64 = row.try_get("active")?;
    Ok(UserRecord {
        id: UserId::from_stored(id),
        organisation_id: OrganisationId::from_stored(row.try_get::<String, _>("organisation_id")?),
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        password_hash: row.try_get("password_hash")?,
        active: active == 1,
        roles,
    })
}

/// Emails are stored lower-case; pass the lower-cased address.
pub async fn find_by_email(conn: &mut Conn, email: &str) -> StoreResult<Option<UserRecord>> {
    match sqlx::query(BY_EMAIL).bind(email).fetch_optional(&mut *conn).await? {
        Some(row) => Ok(Some(from_row(conn, &row).await?)),
        None => Ok(None),
    }
}

pub async fn get(conn: &mut Conn, id: &UserId) -> StoreResult<Option<UserRecord>> {
    match sqlx::query(BY_ID).bind(id.as_str()).fetch_optional(&mut *conn).await? {
        Some(row) => Ok(Some(from_row(conn, &row).await?)),
        None => Ok(None),
    }
}

#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub user_id: UserId,
    pub csrf_token: String,
    /// The quote being built, as JSON.
    pub basket: String,
    pub expires_at: String,
    /// `full`, `second_factor` or `enrol` (see migration 0019).
    pub stage: String,
}

pub async fn insert_session(
    conn: &mut Conn,
    token_hash: &str,
    user_id: &UserId,
    csrf_token: &str,
    created_at: &str,
    expires_at: &str,
    stage: &str,
) -> StoreResult<()> {
    sqlx::query(INSERT_SESSION)
        .bind(token_hash)
        .bind(user_id.as_str())
        .bind(csrf_token)
        .bind(created_at)
        .bind(expires_at)
        .bind(stage)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Moves a session from stage `from` to `to`: false if it was not in `from`.
pub async fn set_session_stage(conn: &mut Conn, token_hash: &str, from: &str, to: &str) -> StoreResult<bool> {
    let done = sqlx::query(SET_STAGE)
        .bind(to)
        .bind(token_hash)
        .bind(from)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn find_session(conn: &mut Conn, token_hash: &str) -> StoreResult<Option<SessionRecord>> {
    let row = sqlx::query(SESSION).bind(token_hash).fetch_optional(&mut *conn).await?;
    row.map(|row| {
        Ok(SessionRecord {
            user_id: UserId::from_stored(row.try_get::<String, _>("user_id")?),
            csrf_token: row.try_get("csrf_token")?,
            basket: row.try_get("basket")?,
            expires_at: row.try_get("expires_at")?,
            stage: row.try_get("stage")?,
        })
    })
    .transpose()
}

/// A session, its user (with roles) and the name of the user's organisation: two queries.
pub async fn find_session_with_user(
    conn: &mut Conn,
    token_hash: &str,
) -> StoreResult<Option<(SessionRecord, UserRecord, String)>> {
    let Some(row) = sqlx::query(SESSION_WITH_USER)
        .bind(token_hash)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let user_id: String = row.try_get("user_id")?;
    let session = SessionRecord {
        user_id: UserId::from_stored(user_id.clone()),
        csrf_token: row.try_get("csrf_token")?,
        basket: row.try_get("basket")?,
        expires_at: row.try_get("expires_at")?,
        stage: row.try_get("stage")?,
    };
    let mut roles = Vec::new();
    for r in sqlx::query(ROLES).bind(&user_id).fetch_all(&mut *conn).await? {
        let role: String = r.try_get("role")?;
        roles.push(Role::parse(&role).map_err(|e| StoreError::corrupt(e.to_string()))?);
    }
    let user = UserRecord {
        id: UserId::from_stored(user_id),
        organisation_id: OrganisationId::from_stored(row.try_get::<String, _>("organisation_id")?),
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        password_hash: row.try_get("password_hash")?,
        active: row.try_get::<i64, _>("active")? == 1,
        roles,
    };
    Ok(Some((session, user, row.try_get("organisation_name")?)))
}

pub async fn delete_session(conn: &mut Conn, token_hash: &str) -> StoreResult<()> {
    sqlx::query(DELETE_SESSION).bind(token_hash).execute(&mut *conn).await?;
    Ok(())
}

pub async fn delete_expired_sessions(conn: &mut Conn, now: &str) -> StoreResult<u64> {
    Ok(sqlx::query(DELETE_EXPIRED_SESSIONS)
        .bind(now)
        .execute(&mut *conn)
        .await?
        .rows_affected())
}

pub async fn set_basket(conn: &mut Conn, token_hash: &str, basket: &str) -> StoreResult<()> {
    sqlx::query(SET_BASKET)
        .bind(basket)
        .bind(token_hash)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn in_organisation(conn: &mut Conn, organisation: &OrganisationId) -> StoreResult<Vec<UserRecord>> {
    let rows = sqlx::query(IN_ORGANISATION)
        .bind(organisation.as_str())
        .fetch_all(&mut *conn)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        out.push(from_row(conn, row).await?);
    }
    Ok(out)
}

pub async fn set_roles(conn: &mut Conn, user: &UserId, roles: &[Role]) -> StoreResult<()> {
    sqlx::query(DELETE_ROLES)
        .bind(user.as_str())
        .execute(&mut *conn)
        .await?;
    for role in roles {
        sqlx::query(INSERT_ROLE)
            .bind(user.as_str())
            .bind(role.as_str())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Deactivates a user and ends their sessions.
pub async fn deactivate(conn: &mut Conn, user: &UserId) -> StoreResult<()> {
    sqlx::query(SET_ACTIVE)
        .bind(0_i64)
        .bind(user.as_str())
        .execute(&mut *conn)
        .await?;
    sqlx::query(DELETE_USER_SESSIONS)
        .bind(user.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub struct NewInvitation<'a> {
    pub token_hash: &'a str,
    pub user: &'a UserId,
    pub organisation: &'a OrganisationId,
    pub invited_by: &'a UserId,
    pub created_at: &'a str,
    pub expires_at: &'a str,
}

pub async fn insert_invitation(conn: &mut Conn, i: NewInvitation<'_>) -> StoreResult<()> {
    sqlx::query(INSERT_INVITATION)
        .bind(i.token_hash)
        .bind(i.user.as_str())
        .bind(i.organisation.as_str())
        .bind(i.invited_by.as_str())
        .bind(i.created_at)
        .bind(i.expires_at)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

#[derive(Debug, Clone)]
pub struct InvitationRecord {
    pub user_id: UserId,
    pub organisation_id: OrganisationId,
    pub expires_at: String,
    pub used_at: Option<String>,
}

pub async fn invitation(conn: &mut Conn, token_hash: &str) -> StoreResult<Option<InvitationRecord>> {
    let row = sqlx::query(INVITATION)
        .bind(token_hash)
        .fetch_optional(&mut *conn)
        .await?;
    row.map(|r| {
        Ok(InvitationRecord {
            user_id: UserId::from_stored(r.try_get::<String, _>("user_id")?),
            organisation_id: OrganisationId::from_stored(r.try_get::<String, _>("organisation_id")?),
            expires_at: r.try_get("expires_at")?,
            used_at: r.try_get("used_at")?,
        })
    })
    .transpose()
}

/// Takes an invitation; false if it was used or has expired.
pub async fn use_invitation(conn: &mut Conn, token_hash: &str, now: &str) -> StoreResult<bool> {
    Ok(sqlx::query(USE_INVITATION)
        .bind(now)
        .bind(token_hash)
        .execute(&mut *conn)
        .await?
        .rows_affected()
        == 1)
}

/// Gives an invited user their name and password and lets them sign in.
pub async fn activate(conn: &mut Conn, user: &UserId, name: &str, password_hash: &str) -> StoreResult<bool> {
    let result = sqlx::query(ACTIVATE)
        .bind(name)
        .bind(password_hash)
        .bind(user.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(result.rows_affected() == 1)
}
