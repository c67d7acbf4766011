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
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
pub struct CodeBody {
    code: String,
}

pub async fn status(State(state): State<AppState>, user: ApiUser) -> ApiResult {
    let status = two_factor::status(&state.app, &user.session.actor)
        .await
        .map_err(fail)?;
    let in_progress = two_factor::enrolment_in_progress(&state.app, &user.session.actor)
        .await
        .map_err(fail)?;
    Ok(Json(json!({
        "enabled": status.enabled,
        "required": status.required,
        "set_up_in_progress": in_progress.is_some(),
        "recovery_codes_left": status.recovery_codes_left,
    }))
    .into_response())
}

/// A new key (replacing any set-up in progress), to be confirmed with a code from it.
pub async fn start(State(state): State<AppState>, user: ApiUser) -> ApiResult {
    let enrolment = two_factor::start_enrolment(&state.app, &user.session.actor)
        .await
        .map_err(fail)?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "secret": enrolment.secret, "otpauth_uri": enrolment.otpauth_uri })),
    )
        .into_response())
}

pub async fn confirm(State(state): State<AppState>, user: ApiUser, ApiJson(body): ApiJson<CodeBody>) -> ApiResult {
    let codes = two_factor::confirm_enrolment(&state.app, &user.session.actor, &user.token, &body.code)
        .await
        .map_err(fail)?;
    Ok(Json(json!({ "enabled": true, "recovery_codes": codes })).into_response())
}

pub async fn recovery_codes(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<CodeBody>,
) -> ApiResult {
    let codes = two_factor::replace_recovery_codes(&state.app, &user.session.actor, &body.code)
        .await
        .map_err(fail)?;
    Ok(Json(json!({ "recovery_codes": codes })).into_response())
}

pub async fn turn_off(State(state): State<AppState>, user: ApiUser, body: JsonBody) -> ApiResult {
    // Refused for those who must keep it, whatever the body.
    two_factor::may_turn_off(&user.session.actor).map_err(fail)?;
    let body: CodeBody = body.parse()?;
    two_factor::turn_off(&state.app, &user.session.actor, &body.code)
        .await
        .map_err(fail)?;
    Ok(Json(json!({ "enabled": false })).into_response())
}
