//! Sign-in with Argon2id password hashes, and sessions stored in the database so that several
//! server processes share them.

use crate::quotes::Basket;
use crate::{Actor, App, AppError, AppResult};
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use calloff_domain::call_off::MAX_LINES;
use calloff_domain::ids::{OrganisationId, UserId};
use calloff_domain::role::Role;
use calloff_store::{organisations, users};
use chrono::{Duration, SecondsFormat};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A session lasts a working day; after that the user signs in again.
pub const SESSION_HOURS: i64 = 12;
/// Argon2 hashes running at once: each takes about 19 MiB and most of a core.
const CONCURRENT_HASHES: usize = 4;
static HASHING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(CONCURRENT_HASHES);

/// Shortest password accepted when creating users (NCSC guidance favours length).
pub const MIN_PASSWORD_LEN: usize = 10;

/// What the browser or API client keeps: the session token (secret) and the CSRF token.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub csrf_token: String,
    pub actor: Actor,
    pub stage: SessionStage,
}

pub fn hash_password(password: &str) -> AppResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::invalid("password", format!("cannot be hashed: {e}")))
}

/// Hashes a password on a blocking thread, a few at a time.
pub(crate) async fn hash_password_bounded(password: &str) -> AppResult<String> {
    calloff_domain::text::at_most("password", password, calloff_domain::text::MAX_PASSWORD_LEN)?;
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(AppError::invalid(
            "password",
            format!("Password must be at least {MIN_PASSWORD_LEN} characters"),
        ));
    }
    let _permit = HASHING.acquire().await.map_err(|_| AppError::Unauthenticated)?;
    let password = password.to_string();
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| AppError::invalid("password", e.to_string()))?
}

fn password_matches(password: &str, stored_hash: &str) -> bool {
    PasswordHash::new(stored_hash)
        .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
        .unwrap_or(false)
}

pub(crate) fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Compares secrets in time that does not depend on where they first differ.
pub fn secrets_match(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub(crate) fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The Argon2 hash of a password no one has, so that an unknown email costs as much as a wrong
/// password and timing does not reveal which emails exist.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password("no-such-user-password").unwrap_or_default())
}

const BAD_CREDENTIALS: &str = "Enter a correct email address and password";

/// Failed sign-ins allowed for one account (by the email as typed) before backing off.
pub const FREE_FAILURES_PER_ACCOUNT: i64 = 5;
/// Failed sign-ins allowed from one address: higher, as a council's staff share addresses.
pub const FREE_FAILURES_PER_ADDRESS: i64 = 50;
/// Failures older than this are forgotten.
const FAILURE_WINDOW_MINUTES: i64 = 15;
/// The first wait past the free failures, doubling with each further failure up to the longest.
const FIRST_WAIT_SECONDS: i64 = 30;
const LONGEST_WAIT_SECONDS: i64 = 15 * 60;

/// Seconds to wait after `failures` failed sign-ins, the last at `last`, if any.
fn wait_after(failures: i64, free: i64, last: &str, now: chrono::DateTime<chrono::Utc>) -> Option<i64> {
    if failures < free {
        return None;
    }
    let doublings = u32::try_from(failures - free).unwrap_or(u32::MAX).min(10);
    let wait = FIRST_WAIT_SECONDS
        .saturating_mul(1 << doublings)
        .min(LONGEST_WAIT_SECONDS);
    let last: chrono::DateTime<chrono::Utc> = last.parse().ok()?;
    let left = wait - (now - last).num_seconds();
    (left > 0).then_some(left)
}

/// How far a session has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionStage {
    /// Signed in.
    Full,
    /// The password was right; the second factor is still owed (see [`complete_second_factor`]).
    SecondFactor,
    /// Signed in, but the person's roles require two-factor sign-in and they have not set it
    /// up: until they do, the session reaches only the set-up.
    Enrol,
}

impl SessionStage {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionStage::Full => "full",
            SessionStage::SecondFactor => "second_factor",
            SessionStage::Enrol => "enrol",
        }
    }
}

/// Minutes to enter the second factor after the password.
pub const SECOND_FACTOR_MINUTES: i64 = 10;

/// What a person signs in with.
#[derive(Debug, Clone, Copy)]
pub struct Credentials<'a> {
    pub email: &'a str,
    pub password: &'a str,
    /// The second factor, where it is sent with the password (the API). Without it, a person
    /// with two-factor sign-in gets a session at [`SessionStage::SecondFactor`].
    pub code: Option<&'a str>,
}

/// Sign-in as [`sign_in_from`] with no code and no client address (the command line, tests).
pub async fn sign_in(app: &App, email: &str, password: &str) -> AppResult<NewSession> {
    let credentials = Credentials {
        email,
        password,
        code: None,
    };
    sign_in_from(app, credentials, None).await
}

/// Signs in, backing off by account and by client address once too many attempts have failed.
/// The account is the email as typed, whether or not it exists, and the refusal is the same
/// either way, so neither messages nor timings say which accounts exist.
pub async fn sign_in_from(app: &App, credentials: Credentials<'_>, address: Option<&str>) -> AppResult<NewSession> {
    let email = credentials.email.trim().to_lowercase();
    backing_off(
        app,
        &email,
        address,
        check_and_start(app, &email, credentials.password, credentials.code),
    )
    .await
}

/// Completes a sign-in held at [`SessionStage::SecondFactor`] with a code: the pending session
/// ends and a full one starts. Wrong codes count as failed sign-ins.
pub async fn complete_second_factor(
    app: &App,
    pending_token: &str,
    code: &str,
    address: Option<&str>,
) -> AppResult<NewSession> {
    let pending = {
        let mut conn = app.db.pool().acquire().await?;
        users::find_session_with_user(&mut conn, &token_hash(pending_token)).await?
    };
    let Some((session, user, _)) = pending.filter(|(session, user, _)| {
        session.stage == SessionStage::SecondFactor.as_str() && session.expires_at > app.now_text() && user.active
    }) else {
        return Err(AppError::Unauthenticated);
    };
    let attempt = async {
        let mut conn = app.db.pool().acquire().await?;
        crate::two_factor::check_code(&mut conn, &session.user_id, code, app.now()).await?;
        users::delete_session(&mut conn, &token_hash(pending_token)).await?;
        start_session(&mut conn, app, &user.id, SessionStage::Full).await
    };
    backing_off(app, &user.email, address, attempt).await
}

/// Runs a sign-in attempt unless the account or address must wait, and counts it if it fails
/// on what was entered.
async fn backing_off(
    app: &App,
    email: &str,
    address: Option<&str>,
    attempt: impl std::future::Future<Output = AppResult<NewSession>>,
) -> AppResult<NewSession> {
    let subjects: Vec<(&str, &str, i64)> = std::iter::once(("account", email, FREE_FAILURES_PER_ACCOUNT))
        .chain(address.map(|a| ("address", a, FREE_FAILURES_PER_ADDRESS)))
        .collect();
    {
        let mut conn = app.db.pool().acquire().await?;
        for (kind, subject, free) in &subjects {
            if let Some((failures, last)) = calloff_store::sign_in_limits::failures(&mut conn, kind, subject).await? {
                if let Some(retry_after_seconds) = wait_after(failures, *free, &last, app.now()) {
                    return Err(AppError::RateLimited { retry_after_seconds });
                }
            }
        }
    }
    let result = attempt.await;
    let mut conn = app.db.pool().acquire().await?;
    match &result {
        Err(AppError::Invalid(_)) => {
            let window_start =
                (app.now() - Duration::minutes(FAILURE_WINDOW_MINUTES)).to_rfc3339_opts(SecondsFormat::Millis, true);
            for (kind, subject, _) in &subjects {
                calloff_store::sign_in_limits::record_failure(&mut conn, kind, subject, &app.now_text(), &window_start)
                    .await?;
            }
        }
        Ok(session) if session.stage == SessionStage::Full => {
            calloff_store::sign_in_limits::clear_failures(&mut conn, "account", email).await?
        }
        Ok(_) | Err(_) => {}
    }
    result
}

async fn check_and_start(app: &App, email: &str, password: &str, code: Option<&str>) -> AppResult<NewSession> {
    let email = email.to_string();
    if email.is_empty() {
        return Err(AppError::invalid("email", "Enter your email address"));
    }
    if password.is_empty() {
        return Err(AppError::invalid("password", "Enter your password"));
    }
    // Refused before any lookup or hashing, so it says nothing about the account.
    calloff_domain::text::at_most("password", password, calloff_domain::text::MAX_PASSWORD_LEN)?;
    let user = {
        let mut conn = app.db.pool().acquire().await?;
        users::find_by_email(&mut conn, &email).await?
    };
    let stored_hash = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| dummy_hash().to_string());
    let password = password.to_string();
    // No connection is held while hashing, and only a few hashes run at once.
    let matches = {
        let _permit = HASHING.acquire().await.map_err(|_| AppError::Unauthenticated)?;
        tokio::task::spawn_blocking(move || password_matches(&password, &stored_hash))
            .await
            .unwrap_or(false)
    };
    let user = match user {
        Some(user) if matches && user.active => user,
        _ => return Err(AppError::invalid("email", BAD_CREDENTIALS)),
    };
    let mut conn = app.db.pool().acquire().await?;
    let two_factor = calloff_store::two_factor::get(&mut conn, &user.id)
        .await?
        .is_some_and(|r| r.confirmed_at.is_some());
    let stage = match (two_factor, code) {
        (true, Some(code)) => {
            crate::two_factor::check_code(&mut conn, &user.id, code, app.now()).await?;
            SessionStage::Full
        }
        (true, None) => SessionStage::SecondFactor,
        (false, _) if crate::two_factor::required_for(&user.roles) => SessionStage::Enrol,
        (false, _) => SessionStage::Full,
    };
    // Sessions expire; clear out old ones as new ones start, so the table stays small.
    users::delete_expired_sessions(&mut conn, &app.now_text()).await?;
    start_session(&mut conn, app, &user.id, stage).await
}

async fn start_session(
    conn: &mut calloff_store::Conn,
    app: &App,
    user: &UserId,
    stage: SessionStage,
) -> AppResult<NewSession> {
    let token = random_token();
    let csrf_token = random_token();
    let now = app.now();
    let lasts = match stage {
        SessionStage::SecondFactor => Duration::minutes(SECOND_FACTOR_MINUTES),
        SessionStage::Full | SessionStage::Enrol => Duration::hours(SESSION_HOURS),
    };
    let expires = (now + lasts).to_rfc3339_opts(SecondsFormat::Millis, true);
    users::insert_session(
        conn,
        &token_hash(&token),
        user,
        &csrf_token,
        &app.now_text(),
        &expires,
        stage.as_str(),
    )
    .await?;
    let actor = actor_for(conn, user).await?.ok_or(AppError::Unauthenticated)?;
    Ok(NewSession {
        token,
        csrf_token,
        actor,
        stage,
    })
}

/// A current session: who, their CSRF token, and the quote they are building.
#[derive(Debug, Clone)]
pub struct Session {
    pub actor: Actor,
    pub csrf_token: String,
    pub basket: Basket,
    /// Held back until two-factor sign-in is set up ([`SessionStage::Enrol`]): the web layer
    /// lets such a session reach only the set-up and signing out.
    pub enrolling: bool,
}

/// The session behind a token, if it is current and past the password (and any second factor).
pub async fn session(app: &App, token: &str) -> AppResult<Session> {
    let mut conn = app.db.pool().acquire().await?;
    let (session, user, organisation_name) = users::find_session_with_user(&mut conn, &token_hash(token))
        .await?
        .ok_or(AppError::Unauthenticated)?;
    if session.expires_at <= app.now_text() {
        users::delete_session(&mut conn, &token_hash(token)).await?;
        return Err(AppError::Unauthenticated);
    }
    let enrolling = session.stage == SessionStage::Enrol.as_str();
    if !enrolling && session.stage != SessionStage::Full.as_str() {
        return Err(AppError::Unauthenticated);
    }
    // A deactivated person's sessions end at once, in every process.
    if !user.active {
        return Err(AppError::Unauthenticated);
    }
    let actor = Actor {
        user_id: user.id,
        organisation_id: user.organisation_id,
        organisation_name,
        name: user.name,
        email: user.email,
        roles: user.roles,
    };
    // A basket that no longer parses (after an upgrade, say) is simply started afresh.
    let basket = serde_json::from_str(&session.basket).unwrap_or_default();
    Ok(Session {
        actor,
        csrf_token: session.csrf_token,
        basket,
        enrolling,
    })
}

/// Keeps the quote being built with the session, so any server process can carry on with it.
pub async fn save_basket(app: &App, token: &str, basket: &Basket) -> AppResult<()> {
    if basket.lines.len() > MAX_LINES {
        return Err(AppError::invalid(
            "lines",
            format!("A quote can have at most {MAX_LINES} lines"),
        ));
    }
    let json = serde_json::to_string(basket).unwrap_or_else(|_| "{}".into());
    let mut conn = app.db.pool().acquire().await?;
    users::set_basket(&mut conn, &token_hash(token), &json).await?;
    Ok(())
}

pub async fn sign_out(app: &App, token: &str) -> AppResult<()> {
    let mut conn = app.db.pool().acquire().await?;
    users::delete_session(&mut conn, &token_hash(token)).await?;
    Ok(())
}

/// The active user with this email, as an actor, for the command line (which has the database's
/// own authority and so no password to check).
pub async fn actor_by_email(app: &App, email: &str) -> AppResult<Actor> {
    let mut conn = app.db.pool().acquire().await?;
    let not_found = || AppError::NotFound(format!("active user {email}"));
    let user = users::find_by_email(&mut conn, email).await?.ok_or_else(not_found)?;
    actor_for(&mut conn, &user.id).await?.ok_or_else(not_found)
}

async fn actor_for(conn: &mut calloff_store::Conn, user_id: &UserId) -> AppResult<Option<Actor>> {
    let Some(user) = users::get(conn, user_id).await? else {
        return Ok(None);
    };
    if !user.active {
        return Ok(None);
    }
    let org_name = organisations::get(conn, &user.organisation_id)
        .await?
        .map(|o| o.name)
        .unwrap_or_default();
    Ok(Some(Actor {
        user_id: user.id,
        organisation_id: user.organisation_id,
        organisation_name: org_name,
        name: user.name,
        email: user.email,
        roles: user.roles,
    }))
}

/// Creates a user (used by the demo and by tests). Audited.
pub async fn create_user(
    app: &App,
    organisation_id: &OrganisationId,
    email: &str,
    name: &str,
    password: &str,
    roles: &[Role],
) -> AppResult<UserId> {
    let email = email.trim().to_lowercase();
    if !email.contains('@') || email.len() > 254 {
        return Err(AppError::invalid(
            "email",
            "Enter an email address like name@example.gov.uk",
        ));
    }
    let hash = hash_password_bounded(password).await?;
    let id = UserId::generate();
    let at = app.now_text();
    let mut tx = app.db.begin_write().await?;
    let mut head = calloff_store::audit::ChainHead::claim(&mut tx).await?;
    users::insert(
        &mut tx,
        users::NewUser {
            active: true,
            id: &id,
            organisation_id,
            email: &email,
            name,
            password_hash: &hash,
            roles,
        },
        &at,
    )
    .await
    .map_err(|e| {
        if e.is_unique_violation() {
            AppError::invalid("email", "A user with this email address already exists")
        } else {
            e.into()
        }
    })?;
    let roles: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    head.append(
        &mut tx,
        &at,
        "system",
        "user.created",
        id.as_str(),
        serde_json::json!({ "organisation_id": organisation_id.as_str(), "roles": roles }),
    )
    .await?;
    head.seal(&mut tx).await?;
    tx.commit().await?;
    Ok(id)
}
