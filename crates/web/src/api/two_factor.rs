//! Two-factor sign-in over the API: its status, setting it up (a new key, then a code from it,
//! which returns the recovery codes once), new recovery codes, and turning it off.

use super::json::{ApiJson, JsonBody};
use super::{fail, ApiResult};
use crate::session::ApiUser;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use calloff_app::two_factor;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
pub struct CodeBody {
    /// The 6-digit code from the authenticator app (or, where accepted, a recovery code).
    #[schema(max_length = 64)]
    code: String,
}

#[derive(Serialize, ToSchema)]
pub struct TwoFactorStatusView {
    enabled: bool,
    /// Framework managers and organisation admins must use it.
    required: bool,
    set_up_in_progress: bool,
    recovery_codes_left: i64,
}

#[derive(Serialize, ToSchema)]
pub struct TwoFactorKeyView {
    /// Base32 key for an authenticator app (TOTP: SHA-1, 6 digits, 30 seconds).
    secret: String,
    /// The `otpauth://` address a QR code carries.
    otpauth_uri: String,
}

#[derive(Serialize, ToSchema)]
pub struct RecoveryCodesView {
    enabled: bool,
    /// Each works once in place of a code; shown only now.
    recovery_codes: Vec<String>,
}

#[utoipa::path(get, path = "/account/two-factor", operation_id = "getTwoFactor",
    summary = "Whether two-factor sign-in is on, required, or being set up",
    responses((status = 200, description = "Status", body = TwoFactorStatusView)))]
pub async fn status(State(state): State<AppState>, user: ApiUser) -> ApiResult {
    let status = two_factor::status(&state.app, &user.session.actor)
        .await
        .map_err(fail)?;
    let in_progress = two_factor::enrolment_in_progress(&state.app, &user.session.actor)
        .await
        .map_err(fail)?;
    Ok(Json(TwoFactorStatusView {
        enabled: status.enabled,
        required: status.required,
        set_up_in_progress: in_progress.is_some(),
        recovery_codes_left: status.recovery_codes_left,
    })
    .into_response())
}

#[utoipa::path(post, path = "/account/two-factor", operation_id = "startTwoFactor",
    summary = "Start setting up two-factor sign-in: a new key for an authenticator app, replacing any set-up in progress. Refused (409 naming `two_factor`) while it is on.",
    responses(
        (status = 201, description = "A new key, to confirm with a code from it", body = TwoFactorKeyView),
        (status = 409, description = "Two-factor sign-in is already on", body = super::problem::Problem, content_type = "application/problem+json"),
    ))]
pub async fn start(State(state): State<AppState>, user: ApiUser) -> ApiResult {
    let enrolment = two_factor::start_enrolment(&state.app, &user.session.actor)
        .await
        .map_err(fail)?;
    Ok((
        StatusCode::CREATED,
        Json(TwoFactorKeyView {
            secret: enrolment.secret,
            otpauth_uri: enrolment.otpauth_uri,
        }),
    )
        .into_response())
}

#[utoipa::path(post, path = "/account/two-factor/confirm", operation_id = "confirmTwoFactor",
    summary = "Turn two-factor sign-in on with a code from the new key; returns the recovery codes once. A token held back for set-up becomes a full one.",
    request_body = CodeBody,
    responses(
        (status = 200, description = "On", body = RecoveryCodesView),
        (status = 409, description = "No set-up in progress", body = super::problem::Problem, content_type = "application/problem+json"),
    ))]
pub async fn confirm(State(state): State<AppState>, user: ApiUser, ApiJson(body): ApiJson<CodeBody>) -> ApiResult {
    let recovery_codes = two_factor::confirm_enrolment(&state.app, &user.session.actor, &user.token, &body.code)
        .await
        .map_err(fail)?;
    Ok(Json(RecoveryCodesView {
        enabled: true,
        recovery_codes,
    })
    .into_response())
}

#[utoipa::path(post, path = "/account/two-factor/recovery-codes", operation_id = "replaceRecoveryCodes",
    summary = "Replace the recovery codes, with a current code (or an unused recovery code)",
    request_body = CodeBody,
    responses((status = 200, description = "New recovery codes", body = RecoveryCodesView)))]
pub async fn recovery_codes(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<CodeBody>,
) -> ApiResult {
    let recovery_codes = two_factor::replace_recovery_codes(&state.app, &user.session.actor, &body.code)
        .await
        .map_err(fail)?;
    Ok(Json(RecoveryCodesView {
        enabled: true,
        recovery_codes,
    })
    .into_response())
}

#[utoipa::path(post, path = "/account/two-factor/turn-off", operation_id = "turnOffTwoFactor",
    summary = "Turn two-factor sign-in off, with a current code; refused (403) for framework managers and organisation admins, whatever the body",
    request_body = CodeBody,
    responses((status = 200, description = "Off: no recovery codes are left", body = RecoveryCodesView)))]
pub async fn turn_off(State(state): State<AppState>, user: ApiUser, body: JsonBody) -> ApiResult {
    // Refused for those who must keep it, whatever the body.
    two_factor::may_turn_off(&user.session.actor).map_err(fail)?;
    let body: CodeBody = body.parse()?;
    two_factor::turn_off(&state.app, &user.session.actor, &body.code)
        .await
        .map_err(fail)?;
    Ok(Json(RecoveryCodesView {
        enabled: false,
        recovery_codes: Vec::new(),
    })
    .into_response())
}
