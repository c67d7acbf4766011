use super::{render, Fields};
use crate::html::{csrf_field, input, layout, Chrome, Input, Section};
use crate::session::{
    clear_cookie, cookie, new_public_form, public_form_token, set_cookie, SignedInForm, SECOND_FACTOR_COOKIE,
    SESSION_COOKIE, SIGN_IN_COOKIE, TWO_FACTOR_PAGE,
};
use crate::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use calloff_app::auth::{self, SessionStage, SESSION_HOURS};
use calloff_domain::FieldError;
use maud::html;

/// Minutes a sign-in form stays valid.
const SIGN_IN_FORM_MINUTES: i64 = 30;

fn page(form_token: &str, email: &str, errors: &[FieldError]) -> maud::Markup {
    page_with_notice(form_token, email, errors, None)
}

fn page_with_notice(form_token: &str, email: &str, errors: &[FieldError], notice: Option<&str>) -> maud::Markup {
    let chrome = Chrome {
        title: "Sign in",
        actor: None,
        csrf_token: None,
        section: Section::None,
        errors,
    };
    let error = |field: &str| crate::html::error_for(errors, field);
    layout(
        chrome,
        html! {
            div class="govuk-grid-row" {
                div class="govuk-grid-column-two-thirds" {
                    @if let Some(notice) = notice { (crate::html::success_banner(notice)) }
                    h1 class="govuk-heading-l" { "Sign in to calloff" }
                    p class="govuk-body" { "Buy ICT services through London's framework agreements." }
                    form method="post" action="/sign-in" novalidate {
                        (csrf_field(form_token))
                        (input(Input { error: error("email"), autocomplete: Some("email"), kind: "email", ..Input::text("email", "Email address", email) }))
                        (input(Input { error: error("password"), autocomplete: Some("current-password"), kind: "password", ..Input::text("password", "Password", "") }))
                        button type="submit" class="govuk-button" data-module="govuk-button" { "Sign in" }
                    }
                    p class="govuk-body" { "New to calloff? " a class="govuk-link" href="/register" { "Register your organisation" } }
                }
            }
        },
    )
}

#[derive(serde::Deserialize)]
pub struct Joined {
    joined: Option<String>,
}

pub async fn form(axum::extract::Query(q): axum::extract::Query<Joined>) -> Response {
    let (token, cookie) = new_public_form(SIGN_IN_FORM_MINUTES);
    let notice = q
        .joined
        .is_some()
        .then_some("You have joined. Sign in with your email address and new password.");
    (
        [(header::SET_COOKIE, cookie)],
        render(StatusCode::OK, page_with_notice(&token, "", &[], notice)),
    )
        .into_response()
}

pub async fn submit(
    State(state): State<AppState>,
    crate::session::ClientAddress(address): crate::session::ClientAddress,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(fields);
    let expected = match public_form_token(&headers, &fields) {
        Ok(token) => token,
        Err(forged) => return forged,
    };
    let email = fields.text("email");
    // Signing in again ends the session this browser had.
    if let Some(previous) = cookie(&headers, SESSION_COOKIE) {
        if let Err(e) = auth::sign_out(&state.app, &previous).await {
            return super::error_page(None, &e);
        }
    }
    let credentials = auth::Credentials {
        email: &email,
        password: fields.get("password").unwrap_or_default(),
        code: None,
    };
    match auth::sign_in_from(&state.app, credentials, address.as_deref()).await {
        Ok(session) if session.stage == SessionStage::SecondFactor => {
            let pending = set_cookie(SECOND_FACTOR_COOKIE, &session.token, auth::SECOND_FACTOR_MINUTES * 60);
            let mut response = Redirect::to("/sign-in/code").into_response();
            response
                .headers_mut()
                .append(header::SET_COOKIE, pending.parse().expect("cookie header"));
            response
        }
        Ok(session) => signed_in(&session),
        Err(e) => {
            let errors = e.field_errors();
            if errors.is_empty() {
                return super::error_page(None, &e);
            }
            render(StatusCode::UNPROCESSABLE_ENTITY, page(&expected, &email, &errors))
        }
    }
}

/// Keeps the new session and goes on: to the person's tasks, or first to setting up two-factor
/// sign-in where the person's roles require it.
fn signed_in(session: &auth::NewSession) -> Response {
    let session_cookie = set_cookie(SESSION_COOKIE, &session.token, SESSION_HOURS * 3600);
    let next = match session.stage {
        SessionStage::Enrol => TWO_FACTOR_PAGE,
        SessionStage::Full | SessionStage::SecondFactor => "/",
    };
    let mut response = Redirect::to(next).into_response();
    let headers = response.headers_mut();
    headers.append(header::SET_COOKIE, session_cookie.parse().expect("cookie header"));
    for done in [SIGN_IN_COOKIE, SECOND_FACTOR_COOKIE] {
        headers.append(header::SET_COOKIE, clear_cookie(done).parse().expect("cookie header"));
    }
    response
}

fn code_page(form_token: &str, errors: &[FieldError]) -> maud::Markup {
    let chrome = Chrome {
        title: "Enter your code",
        actor: None,
        csrf_token: None,
        section: Section::None,
        errors,
    };
    let error = crate::html::error_for(errors, calloff_app::two_factor::CODE_FIELD);
    layout(
        chrome,
        html! {
            div class="govuk-grid-row" {
                div class="govuk-grid-column-two-thirds" {
                    h1 class="govuk-heading-l" { "Enter your code" }
                    p class="govuk-body" { "Open your authenticator app and enter the 6-digit code it shows for calloff." }
                    form method="post" action="/sign-in/code" novalidate {
                        (csrf_field(form_token))
                        (super::two_factor::code_input(None, "If you cannot use your app, enter one of your recovery codes, like ABCDE-FGHIJ", error))
                        button type="submit" class="govuk-button" data-module="govuk-button" { "Continue" }
                    }
                    p class="govuk-body" { a class="govuk-link" href="/sign-in" { "Sign in again" } }
                }
            }
        },
    )
}

pub async fn code_form(headers: HeaderMap) -> Response {
    if cookie(&headers, SECOND_FACTOR_COOKIE).is_none() {
        return Redirect::to("/sign-in").into_response();
    }
    let (token, cookie) = new_public_form(auth::SECOND_FACTOR_MINUTES);
    (
        [(header::SET_COOKIE, cookie)],
        render(StatusCode::OK, code_page(&token, &[])),
    )
        .into_response()
}

pub async fn submit_code(
    State(state): State<AppState>,
    crate::session::ClientAddress(address): crate::session::ClientAddress,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(fields);
    let expected = match public_form_token(&headers, &fields) {
        Ok(token) => token,
        Err(forged) => return forged,
    };
    let Some(pending) = cookie(&headers, SECOND_FACTOR_COOKIE) else {
        return Redirect::to("/sign-in").into_response();
    };
    let code = fields.get(calloff_app::two_factor::CODE_FIELD).unwrap_or_default();
    match auth::complete_second_factor(&state.app, &pending, code, address.as_deref()).await {
        Ok(session) => signed_in(&session),
        // The held sign-in expired or was used: start again.
        Err(calloff_app::AppError::Unauthenticated) => Redirect::to("/sign-in").into_response(),
        Err(e) if e.is_form_error() => {
            // Backing off names the sign-in's email; this page's only field is the code.
            let errors: Vec<FieldError> = e
                .field_errors()
                .into_iter()
                .map(|error| FieldError::new(calloff_app::two_factor::CODE_FIELD, error.message))
                .collect();
            render(StatusCode::UNPROCESSABLE_ENTITY, code_page(&expected, &errors))
        }
        Err(e) => super::error_page(None, &e),
    }
}

pub async fn sign_out(State(state): State<AppState>, SignedInForm { user, fields: _ }: SignedInForm) -> Response {
    if let Err(e) = auth::sign_out(&state.app, &user.token).await {
        return super::error_page(Some(&user.session.actor), &e);
    }
    (
        [(header::SET_COOKIE, clear_cookie(SESSION_COOKIE))],
        Redirect::to("/sign-in"),
    )
        .into_response()
}
