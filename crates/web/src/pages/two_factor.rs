//! Two-factor sign-in for the signed-in person: set it up (a key for an authenticator app,
//! then a code from it), see and replace recovery codes, and turn it off where it is optional.
//! A framework manager or organisation admin without it is sent here after signing in, and
//! can reach nothing else until it is set up.

use super::{error_page, render};
use crate::html::{csrf_field, input, layout, success_banner, summary_list, Chrome, Input, Section};
use crate::session::{PageUser, SignedInForm, TWO_FACTOR_PAGE};
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use calloff_app::two_factor::{self, Enrolment, TwoFactorStatus, CODE_FIELD};
use calloff_domain::FieldError;
use maud::{html, Markup};

#[derive(serde::Deserialize)]
pub struct Done {
    done: Option<String>,
}

/// What the page shows besides the person's status.
enum Showing<'a> {
    Nothing,
    /// Recovery codes just issued: shown once.
    RecoveryCodes(&'a [String]),
}

pub async fn show(State(state): State<AppState>, user: PageUser, Query(done): Query<Done>) -> Response {
    let notice = match done.done.as_deref() {
        Some("off") => Some("Two-factor sign-in is turned off"),
        _ => None,
    };
    page(&state, &user, notice, Showing::Nothing, &[]).await
}

async fn page(
    state: &AppState,
    user: &PageUser,
    notice: Option<&str>,
    showing: Showing<'_>,
    errors: &[FieldError],
) -> Response {
    let actor = &user.session.actor;
    let status = match two_factor::status(&state.app, actor).await {
        Ok(status) => status,
        Err(e) => return error_page(Some(actor), &e),
    };
    let in_progress = match two_factor::enrolment_in_progress(&state.app, actor).await {
        Ok(enrolment) => enrolment,
        Err(e) => return error_page(Some(actor), &e),
    };
    let chrome = Chrome {
        title: "Two-factor sign-in",
        actor: Some(actor),
        csrf_token: Some(&user.session.csrf_token),
        section: Section::None,
        errors,
    };
    let csrf = user.session.csrf_token.as_str();
    let code_error = crate::html::error_for(errors, CODE_FIELD);
    let body = html! {
        div class="govuk-grid-row" {
            div class="govuk-grid-column-two-thirds" {
                @if !user.session.enrolling {
                    a href="/frameworks" class="govuk-back-link" { "Back to frameworks" }
                }
                @if let Some(notice) = notice { (success_banner(notice)) }
                h1 class="govuk-heading-l" { "Two-factor sign-in" }
                @match showing {
                    Showing::RecoveryCodes(codes) => { (recovery_codes(codes)) }
                    Showing::Nothing => {}
                }
                @if status.enabled {
                    (enabled(&status, csrf, code_error))
                } @else {
                    @if user.session.enrolling {
                        div class="govuk-warning-text" {
                            span class="govuk-warning-text__icon" aria-hidden="true" { "!" }
                            strong class="govuk-warning-text__text" {
                                span class="govuk-visually-hidden" { "Warning" }
                                "Framework managers and organisation admins must sign in with a code as well as a password. Set it up now to continue."
                            }
                        }
                    }
                    @match &in_progress {
                        Some(enrolment) => { (confirm_form(enrolment, csrf, code_error)) }
                        None => { (start_form(&status, csrf)) }
                    }
                }
            }
        }
    };
    let code = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render(code, layout(chrome, body))
}

const FROM_YOUR_APP: &str = "Enter the code from your authenticator app";

/// The field a code is typed in: digits, filled in by the browser from an SMS or app if it can.
pub(super) fn code_input(id: Option<&str>, hint: &str, error: Option<&str>) -> Markup {
    input(Input {
        id,
        error,
        autocomplete: Some("one-time-code"),
        numeric: true,
        spellcheck: Some(false),
        width_class: Some("govuk-input--width-10"),
        hint: Some(hint),
        ..Input::text(CODE_FIELD, "Code", "")
    })
}

fn start_form(status: &TwoFactorStatus, csrf: &str) -> Markup {
    html! {
        p class="govuk-body" {
            "With two-factor sign-in, you enter a 6-digit code from an authenticator app on your phone each time you sign in, as well as your password. "
            "Someone who learns your password still cannot sign in as you."
        }
        @if !status.required {
            p class="govuk-body" { "It is optional for your role, and recommended." }
        }
        p class="govuk-body" { "You need an authenticator app, such as Google Authenticator, Microsoft Authenticator or FreeOTP." }
        form method="post" action="/account/two-factor/set-up" novalidate {
            (csrf_field(csrf))
            button type="submit" class="govuk-button" data-module="govuk-button" { "Set up two-factor sign-in" }
        }
    }
}

/// The key in groups of four, as authenticator apps print it.
fn grouped(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

fn confirm_form(enrolment: &Enrolment, csrf: &str, code_error: Option<&str>) -> Markup {
    html! {
        h2 class="govuk-heading-m" { "1. Add calloff to your authenticator app" }
        p class="govuk-body" { "In your app, choose to add an account by entering a key, then enter this key. It is time-based." }
        (summary_list(&[
            ("Account", html! { "calloff" }),
            ("Key", html! { code class="calloff-key" { (grouped(&enrolment.secret)) } }),
        ]))
        p class="govuk-body" {
            "On a phone with the app, you can instead "
            a class="govuk-link" href=(enrolment.otpauth_uri) { "open the key in your authenticator app" } "."
        }
        h2 class="govuk-heading-m" { "2. Enter the code your app shows" }
        form method="post" action="/account/two-factor/confirm" novalidate {
            (csrf_field(csrf))
            (code_input(None, "The 6-digit code changes every 30 seconds", code_error))
            button type="submit" class="govuk-button" data-module="govuk-button" { "Turn on two-factor sign-in" }
        }
        form method="post" action="/account/two-factor/set-up" novalidate {
            (csrf_field(csrf))
            button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button" { "Start again with a new key" }
        }
    }
}

fn recovery_codes(codes: &[String]) -> Markup {
    html! {
        (success_banner("Two-factor sign-in is on: keep your recovery codes"))
        h2 class="govuk-heading-m" { "Your recovery codes" }
        p class="govuk-body" {
            "If you lose your phone, sign in with one of these codes instead of a code from your app. "
            "Each works once. Keep them somewhere safe: they are shown only now."
        }
        ul class="govuk-list govuk-list--number" {
            @for code in codes { li { code { (code) } } }
        }
        p class="govuk-body" { a class="govuk-link" href="/frameworks" { "Continue to frameworks" } }
    }
}

fn enabled(status: &TwoFactorStatus, csrf: &str, code_error: Option<&str>) -> Markup {
    let left = match status.recovery_codes_left {
        1 => "1 recovery code is left".to_string(),
        n => format!("{n} recovery codes are left"),
    };
    html! {
        p class="govuk-body" { "Two-factor sign-in is on. You enter a code from your authenticator app each time you sign in." }
        p class="govuk-body" { (left) "." }
        h2 class="govuk-heading-m" { "Get new recovery codes" }
        p class="govuk-body" { "Your unused recovery codes stop working, and you get 10 new ones." }
        form method="post" action="/account/two-factor/recovery-codes" novalidate {
            (csrf_field(csrf))
            (code_input(None, FROM_YOUR_APP, code_error))
            button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button" { "Get new recovery codes" }
        }
        @if !status.required {
            h2 class="govuk-heading-m" { "Turn off two-factor sign-in" }
            form method="post" action="/account/two-factor/turn-off" novalidate {
                (csrf_field(csrf))
                (code_input(Some("turn-off-code"), FROM_YOUR_APP, None))
                button type="submit" class="govuk-button govuk-button--warning" data-module="govuk-button" { "Turn off two-factor sign-in" }
            }
        }
    }
}

pub async fn start(State(state): State<AppState>, SignedInForm { user, fields: _ }: SignedInForm) -> Response {
    match two_factor::start_enrolment(&state.app, &user.session.actor).await {
        Ok(_) => Redirect::to(TWO_FACTOR_PAGE).into_response(),
        Err(e) => error_page(Some(&user.session.actor), &e),
    }
}

pub async fn confirm(State(state): State<AppState>, SignedInForm { user, fields }: SignedInForm) -> Response {
    let code = fields.text(CODE_FIELD);
    match two_factor::confirm_enrolment(&state.app, &user.session.actor, &user.token, &code).await {
        Ok(codes) => {
            // The session is now a full one: read it again so the page shows it so.
            let user = match calloff_app::auth::session(&state.app, &user.token).await {
                Ok(session) => PageUser {
                    token: user.token,
                    session,
                },
                Err(e) => return error_page(None, &e),
            };
            page(&state, &user, None, Showing::RecoveryCodes(&codes), &[]).await
        }
        Err(e) if e.is_form_error() => page(&state, &user, None, Showing::Nothing, &e.field_errors()).await,
        Err(e) => error_page(Some(&user.session.actor), &e),
    }
}

pub async fn new_recovery_codes(
    State(state): State<AppState>,
    SignedInForm { user, fields }: SignedInForm,
) -> Response {
    let code = fields.text(CODE_FIELD);
    match two_factor::replace_recovery_codes(&state.app, &user.session.actor, &code).await {
        Ok(codes) => page(&state, &user, None, Showing::RecoveryCodes(&codes), &[]).await,
        Err(e) if e.is_form_error() => page(&state, &user, None, Showing::Nothing, &e.field_errors()).await,
        Err(e) => error_page(Some(&user.session.actor), &e),
    }
}

pub async fn turn_off(State(state): State<AppState>, SignedInForm { user, fields }: SignedInForm) -> Response {
    let code = fields.text(CODE_FIELD);
    match two_factor::turn_off(&state.app, &user.session.actor, &code).await {
        Ok(()) => Redirect::to(&format!("{TWO_FACTOR_PAGE}?done=off")).into_response(),
        Err(e) if e.is_form_error() => page(&state, &user, None, Showing::Nothing, &e.field_errors()).await,
        Err(e) => error_page(Some(&user.session.actor), &e),
    }
}
