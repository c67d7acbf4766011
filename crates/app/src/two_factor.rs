//! Two-factor sign-in: time-based one-time codes (TOTP, RFC 6238: HMAC-SHA1, 6 digits, 30-second
//! steps, one step of clock drift either way) and single-use recovery codes. Required for
//! framework managers and organisation admins ([`Role::requires_two_factor`]), optional for
//! everyone else. A code is accepted once: each acceptance takes its time step in a guarded
//! update, so a replayed or raced code is refused.

use crate::auth::{token_hash, SessionStage};
use crate::{Actor, App, AppError, AppResult};
use calloff_domain::ids::UserId;
use calloff_domain::role::Role;
use calloff_store::audit::ChainHead;
use calloff_store::{two_factor, users, Conn};
use chrono::{DateTime, Utc};
use rand::RngCore;
use totp_rs::{Algorithm, Secret, TOTP};

/// Seconds in one time step (RFC 6238's default, what authenticator apps use).
const STEP_SECONDS: i64 = 30;
const DIGITS: usize = 6;
/// Steps of clock drift accepted either side of now.
const DRIFT_STEPS: i64 = 1;
/// 160 bits, as RFC 4226 recommends.
const SECRET_BYTES: usize = 20;
/// Recovery codes issued at once; each works once.
pub const RECOVERY_CODES: usize = 10;
/// Characters of a recovery code (base32, shown as two groups of five).
const RECOVERY_CODE_LEN: usize = 10;
/// The issuer authenticator apps show beside the account.
const ISSUER: &str = "calloff";

/// The field a code is entered in, on the pages and in the API.
pub const CODE_FIELD: &str = "code";

const ENTER_CODE: &str = "Enter the 6-digit code from your authenticator app, or one of your recovery codes";
const WRONG_CODE: &str = "The code is not right, or has been used already. Enter the newest 6-digit code from your authenticator app, or an unused recovery code";

fn totp(secret_base32: &str) -> AppResult<TOTP> {
    let bytes = Secret::Encoded(secret_base32.to_string())
        .to_bytes()
        .map_err(|e| AppError::Unexpected(calloff_store::StoreError::corrupt(format!("two-factor secret: {e:?}"))))?;
    TOTP::new(Algorithm::SHA1, DIGITS, 0, STEP_SECONDS.unsigned_abs(), bytes)
        .map_err(|e| AppError::Unexpected(calloff_store::StoreError::corrupt(format!("two-factor secret: {e:?}"))))
}

fn step_of(at: DateTime<Utc>) -> i64 {
    at.timestamp().div_euclid(STEP_SECONDS)
}

/// The code an authenticator app shows at `at` for this secret (for the demo and tests).
pub fn code_at(secret_base32: &str, at: DateTime<Utc>) -> AppResult<String> {
    let step = u64::try_from(step_of(at)).unwrap_or_default();
    Ok(totp(secret_base32)?.generate(step * STEP_SECONDS.unsigned_abs()))
}

/// The time step, within the drift allowed around `now`, whose code is `code`.
fn matching_step(secret_base32: &str, code: &str, now: DateTime<Utc>) -> AppResult<Option<i64>> {
    let totp = totp(secret_base32)?;
    let now_step = step_of(now);
    for step in (now_step - DRIFT_STEPS)..=(now_step + DRIFT_STEPS) {
        let Ok(seconds) = u64::try_from(step * STEP_SECONDS) else {
            continue;
        };
        if crate::auth::secrets_match(&totp.generate(seconds), code) {
            return Ok(Some(step));
        }
    }
    Ok(None)
}

/// A code as typed: spaces and hyphens are ignored, letters are read in capitals.
fn normalised(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

fn is_totp_code(code: &str) -> bool {
    code.len() == DIGITS && code.bytes().all(|b| b.is_ascii_digit())
}

/// Checks a second factor for a user with a confirmed secret: a current TOTP code not used
/// before, or an unused recovery code, which is used up. Wrong or replayed codes name `code`.
pub(crate) async fn check_code(conn: &mut Conn, user: &UserId, code: &str, now: DateTime<Utc>) -> AppResult<()> {
    let code = normalised(code);
    if code.is_empty() {
        return Err(AppError::invalid(CODE_FIELD, ENTER_CODE));
    }
    // Bounded before anything is computed from it.
    if code.len() > 64 {
        return Err(AppError::invalid(CODE_FIELD, WRONG_CODE));
    }
    let record = two_factor::get(conn, user).await?;
    let Some(record) = record.filter(|r| r.confirmed_at.is_some()) else {
        return Err(AppError::invalid(CODE_FIELD, WRONG_CODE));
    };
    let accepted = if is_totp_code(&code) {
        match matching_step(&record.secret, &code, now)? {
            Some(step) => two_factor::use_step(conn, user, step).await?,
            None => false,
        }
    } else {
        let at = now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        two_factor::use_recovery_code(conn, user, &token_hash(&code), &at).await?
    };
    if accepted {
        Ok(())
    } else {
        Err(AppError::invalid(CODE_FIELD, WRONG_CODE))
    }
}

/// Whether this person must, may or does sign in with a second factor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TwoFactorStatus {
    /// A confirmed secret is in place.
    pub enabled: bool,
    /// Their roles require it (it cannot then be turned off).
    pub required: bool,
    /// Unused recovery codes.
    pub recovery_codes_left: i64,
}

pub fn required_for(roles: &[Role]) -> bool {
    roles.iter().any(|r| r.requires_two_factor())
}

pub async fn status(app: &App, actor: &Actor) -> AppResult<TwoFactorStatus> {
    let mut conn = app.db.pool().acquire().await?;
    let enabled = two_factor::get(&mut conn, &actor.user_id)
        .await?
        .is_some_and(|r| r.confirmed_at.is_some());
    let recovery_codes_left = if enabled {
        two_factor::recovery_codes_left(&mut conn, &actor.user_id).await?
    } else {
        0
    };
    Ok(TwoFactorStatus {
        enabled,
        required: required_for(&actor.roles),
        recovery_codes_left,
    })
}

/// A new secret waiting to be confirmed with a code from it.
#[derive(Debug, Clone)]
pub struct Enrolment {
    /// Base32, for typing into an authenticator app.
    pub secret: String,
    /// The `otpauth://` address a QR code carries.
    pub otpauth_uri: String,
}

fn otpauth_uri(email: &str, secret: &str) -> String {
    let encode = |text: &str| -> String {
        text.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'_' | b'~' | b'-' => char::from(b).to_string(),
                other => format!("%{other:02X}"),
            })
            .collect()
    };
    format!(
        "otpauth://totp/{ISSUER}:{}?secret={secret}&issuer={ISSUER}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        encode(email)
    )
}

/// Starts setting up two-factor sign-in with a new secret, replacing any set-up in progress.
/// Refused while a confirmed secret is in place.
pub async fn start_enrolment(app: &App, actor: &Actor) -> AppResult<Enrolment> {
    let mut bytes = vec![0u8; SECRET_BYTES];
    rand::thread_rng().fill_bytes(&mut bytes);
    let secret = Secret::Raw(bytes).to_encoded().to_string();
    let mut conn = app.db.pool().acquire().await?;
    if !two_factor::start(&mut conn, &actor.user_id, &secret).await? {
        return Err(AppError::Conflict(calloff_domain::FieldError::new(
            "two_factor",
            "Two-factor sign-in is already set up. Turn it off first to set it up again",
        )));
    }
    Ok(Enrolment {
        otpauth_uri: otpauth_uri(&actor.email, &secret),
        secret,
    })
}

/// The set-up in progress, if any (to show its key again).
pub async fn enrolment_in_progress(app: &App, actor: &Actor) -> AppResult<Option<Enrolment>> {
    let mut conn = app.db.pool().acquire().await?;
    Ok(two_factor::get(&mut conn, &actor.user_id)
        .await?
        .filter(|r| r.confirmed_at.is_none())
        .map(|r| Enrolment {
            otpauth_uri: otpauth_uri(&actor.email, &r.secret),
            secret: r.secret,
        }))
}

/// New recovery codes, as shown once, and their hashes, as stored.
fn new_recovery_codes() -> (Vec<String>, Vec<String>) {
    let codes: Vec<String> = (0..RECOVERY_CODES)
        .map(|_| {
            let mut bytes = [0u8; 8];
            rand::thread_rng().fill_bytes(&mut bytes);
            let encoded = Secret::Raw(bytes.to_vec()).to_encoded().to_string();
            let code: String = encoded.chars().take(RECOVERY_CODE_LEN).collect();
            format!("{}-{}", &code[..5], &code[5..])
        })
        .collect();
    let hashes = codes.iter().map(|c| token_hash(&normalised(c))).collect();
    (codes, hashes)
}

/// Confirms the set-up with a code from the new secret. Returns the recovery codes, shown once.
/// The session it was done in (`session_token`) becomes a full session if it was held back
/// for enrolment. Audited.
pub async fn confirm_enrolment(app: &App, actor: &Actor, session_token: &str, code: &str) -> AppResult<Vec<String>> {
    let code = normalised(code);
    if code.is_empty() {
        return Err(AppError::invalid(
            CODE_FIELD,
            "Enter the 6-digit code from your authenticator app",
        ));
    }
    let now = app.now();
    let at = app.now_text();
    let (recovery_codes, hashes) = new_recovery_codes();
    let mut tx = app.db.begin_write().await?;
    let head = ChainHead::claim(&mut tx).await?;
    let Some(record) = two_factor::get(&mut tx, &actor.user_id)
        .await?
        .filter(|r| r.confirmed_at.is_none())
    else {
        return Err(AppError::Conflict(calloff_domain::FieldError::new(
            CODE_FIELD,
            "There is no set-up in progress. Start setting up two-factor sign-in again",
        )));
    };
    let step = if is_totp_code(&code) {
        matching_step(&record.secret, &code, now)?
    } else {
        None
    };
    let Some(step) = step else {
        return Err(AppError::invalid(
            CODE_FIELD,
            "The code is not right. Enter the 6-digit code your authenticator app shows now",
        ));
    };
    if !two_factor::confirm(&mut tx, &actor.user_id, &record.secret, step, &at).await? {
        return Err(AppError::Conflict(calloff_domain::FieldError::new(
            CODE_FIELD,
            "The set-up changed meanwhile. Start setting up two-factor sign-in again",
        )));
    }
    two_factor::replace_recovery_codes(&mut tx, &actor.user_id, &hashes).await?;
    users::set_session_stage(
        &mut tx,
        &token_hash(session_token),
        SessionStage::Enrol.as_str(),
        SessionStage::Full.as_str(),
    )
    .await?;
    let detail = serde_json::json!({ "recovery_codes": RECOVERY_CODES });
    audit_and_commit(
        tx,
        head,
        &at,
        actor.user_id.as_str(),
        "user.two_factor_enabled",
        &actor.user_id,
        detail,
    )
    .await?;
    Ok(recovery_codes)
}

/// Appends the audit entry of a change to a person's two-factor sign-in and commits.
async fn audit_and_commit(
    mut tx: calloff_store::WriteTx,
    mut head: ChainHead,
    at: &str,
    by: &str,
    action: &str,
    user: &UserId,
    detail: serde_json::Value,
) -> AppResult<()> {
    head.append(&mut tx, at, by, action, user.as_str(), detail).await?;
    head.seal(&mut tx).await?;
    tx.commit().await?;
    Ok(())
}

/// Replaces the recovery codes, after a current code. Audited.
pub async fn replace_recovery_codes(app: &App, actor: &Actor, code: &str) -> AppResult<Vec<String>> {
    let (recovery_codes, hashes) = new_recovery_codes();
    let at = app.now_text();
    let mut tx = app.db.begin_write().await?;
    let head = ChainHead::claim(&mut tx).await?;
    check_code(&mut tx, &actor.user_id, code, app.now()).await?;
    two_factor::replace_recovery_codes(&mut tx, &actor.user_id, &hashes).await?;
    let detail = serde_json::json!({ "recovery_codes": RECOVERY_CODES });
    let by = actor.user_id.as_str();
    audit_and_commit(
        tx,
        head,
        &at,
        by,
        "user.recovery_codes_replaced",
        &actor.user_id,
        detail,
    )
    .await?;
    Ok(recovery_codes)
}

/// Refused where the person's roles require two-factor sign-in.
pub fn may_turn_off(actor: &Actor) -> AppResult<()> {
    if required_for(&actor.roles) {
        return Err(AppError::Forbidden(
            "framework managers and organisation admins must sign in with two factors".into(),
        ));
    }
    Ok(())
}

/// Turns two-factor sign-in off, after a current code; refused where the person's roles
/// require it. Audited.
pub async fn turn_off(app: &App, actor: &Actor, code: &str) -> AppResult<()> {
    may_turn_off(actor)?;
    let at = app.now_text();
    let mut tx = app.db.begin_write().await?;
    let head = ChainHead::claim(&mut tx).await?;
    check_code(&mut tx, &actor.user_id, code, app.now()).await?;
    two_factor::remove(&mut tx, &actor.user_id).await?;
    let by = actor.user_id.as_str();
    audit_and_commit(
        tx,
        head,
        &at,
        by,
        "user.two_factor_disabled",
        &actor.user_id,
        serde_json::json!({}),
    )
    .await
}

/// Sets a confirmed secret directly (the demo's users, whose key is published with them).
pub async fn enrol_with_secret(app: &App, user: &UserId, secret_base32: &str) -> AppResult<()> {
    totp(secret_base32)?;
    let at = app.now_text();
    let mut tx = app.db.begin_write().await?;
    let head = ChainHead::claim(&mut tx).await?;
    two_factor::start(&mut tx, user, secret_base32).await?;
    two_factor::confirm(&mut tx, user, secret_base32, 0, &at).await?;
    let detail = serde_json::json!({ "recovery_codes": 0 });
    audit_and_commit(tx, head, &at, "system", "user.two_factor_enabled", user, detail).await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238, appendix B: the SHA-1 key "12345678901234567890" at 59 s gives 94287082
    /// (8 digits); its last 6 digits are the 6-digit code.
    #[test]
    fn codes_follow_rfc_6238() {
        let secret = Secret::Raw(b"12345678901234567890".to_vec()).to_encoded().to_string();
        let at = DateTime::from_timestamp(59, 0).unwrap();
        assert_eq!(code_at(&secret, at).unwrap(), "287082");
        let at = DateTime::from_timestamp(1_111_111_109, 0).unwrap();
        assert_eq!(code_at(&secret, at).unwrap(), "081804");
        // One step either side is accepted; two are not.
        let now = DateTime::from_timestamp(1_111_111_109 + 30, 0).unwrap();
        assert!(matching_step(&secret, "081804", now).unwrap().is_some());
        let later = DateTime::from_timestamp(1_111_111_109 + 61, 0).unwrap();
        assert!(matching_step(&secret, "081804", later).unwrap().is_none());
    }

    #[test]
    fn codes_are_read_as_typed() {
        assert_eq!(normalised(" 123 456 "), "123456");
        assert_eq!(normalised("abcde-fghij"), "ABCDEFGHIJ");
        assert!(is_totp_code("123456"));
        assert!(!is_totp_code("12345a"));
        let (codes, _) = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        assert!(codes
            .iter()
            .all(|c| c.len() == RECOVERY_CODE_LEN + 1 && c.as_bytes()[5] == b'-'));
    }

    #[test]
    fn the_otpauth_address_escapes_the_account() {
        let uri = otpauth_uri("fran+ops@rbkc.example", "ABC");
        assert_eq!(uri, "otpauth://totp/calloff:fran%2Bops%40rbkc.example?secret=ABC&issuer=calloff&algorithm=SHA1&digits=6&period=30");
    }
}
