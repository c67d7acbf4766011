//! An organisation admin's people page, and following an invitation link.

use super::{error_page, render, Fields};
use crate::html::{checkboxes, csrf_field, error_for, input, layout, success_banner, Chrome, Input, Section};
use crate::session::{PageUser, SignedInForm};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use calloff_app::people;
use calloff_domain::ids::UserId;
use calloff_domain::role::Role;
use calloff_domain::FieldError;
use maud::{html, Markup};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct Done {
    invited: Option<String>,
    changed: Option<String>,
}

fn roles_from(fields: &Fields) -> Vec<Role> {
    fields
        .0
        .iter()
        .filter(|(k, _)| k == "roles")
        .filter_map(|(_, v)| Role::parse(v).ok())
        .collect()
}

async fn page(state: &AppState, user: &PageUser, notice: Option<&str>, errors: &[FieldError], email: &str) -> Response {
    let actor = &user.session.actor;
    let (people, grantable) = match (
        people::list(&state.app, actor).await,
        people::grantable(&state.app, actor).await,
    ) {
        (Ok(p), Ok(g)) => (p, g),
        (Err(e), _) | (_, Err(e)) => return error_page(Some(actor), &e),
    };
    let chrome = Chrome {
        title: "People",
        actor: Some(actor),
        csrf_token: Some(&user.session.csrf_token),
        section: Section::People,
        errors,
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render(
        status,
        people_page(user, chrome, notice, &people, grantable, errors, email),
    )
}

fn people_page(
    user: &PageUser,
    chrome: Chrome<'_>,
    notice: Option<&str>,
    people: &[calloff_app::people::Person],
    grantable: &[Role],
    errors: &[FieldError],
    email: &str,
) -> Markup {
    let csrf = &user.session.csrf_token;
    let options = |have: &[Role]| -> Vec<(&'static str, &'static str, bool)> {
        grantable
            .iter()
            .map(|r| (r.as_str(), r.label(), have.contains(r)))
            .collect()
    };
    layout(
        chrome,
        html! {
            @if let Some(notice) = notice { (success_banner(notice)) }
            h1 class="govuk-heading-l" { "People in " (user.session.actor.organisation_name) }
            table class="govuk-table" {
                caption class="govuk-table__caption govuk-table__caption--m" { "Users" }
                thead class="govuk-table__head" { tr class="govuk-table__row" {
                    th scope="col" class="govuk-table__header" { "Name" }
                    th scope="col" class="govuk-table__header" { "Email" }
                    th scope="col" class="govuk-table__header" { "Roles" }
                    th scope="col" class="govuk-table__header" { "Status" }
                } }
                tbody class="govuk-table__body" {
                    @for p in people {
                        tr class="govuk-table__row" {
                            td class="govuk-table__cell" { (p.name) }
                            td class="govuk-table__cell" { (p.email) }
                            td class="govuk-table__cell" { (p.roles.iter().map(|r| r.label()).collect::<Vec<_>>().join(", ")) }
                            td class="govuk-table__cell" { (p.status) }
                        }
                    }
                }
            }
            h2 class="govuk-heading-m" { "Invite someone" }
            form method="post" action="/organisation/invitations" novalidate {
                (csrf_field(csrf))
                (input(Input { error: error_for(errors, "email"), kind: "email", spellcheck: Some(false), hint: Some("We email them a link that works once, for 7 days"), ..Input::text("email", "Email address", email) }))
                (checkboxes("roles", "roles", "Roles", &options(&[Role::Buyer]), error_for(errors, "roles")))
                button type="submit" class="govuk-button" data-module="govuk-button" { "Send invitation" }
            }
            h2 class="govuk-heading-m" { "Change roles or deactivate" }
            @for p in people.iter().filter(|p| p.active && p.id != user.session.actor.user_id) {
                h3 class="govuk-heading-s" { (p.name) }
                form method="post" action={ "/organisation/people/" (p.id) "/roles" } novalidate {
                    (csrf_field(csrf))
                    @let prefix = format!("roles-{}", p.id);
                    (checkboxes("roles", &prefix, &format!("Roles for {}", p.name), &options(&p.roles), error_for(errors, &prefix)))
                    div class="govuk-button-group" {
                        button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button" { "Save roles " span class="govuk-visually-hidden" { "for " (p.name) } }
                    }
                }
                form method="post" action={ "/organisation/people/" (p.id) "/deactivate" } {
                    (csrf_field(csrf))
                    button type="submit" class="govuk-button govuk-button--warning" data-module="govuk-button" { "Deactivate " span class="govuk-visually-hidden" { (p.name) } }
                }
            }
        },
    )
}

pub async fn show(State(state): State<AppState>, user: PageUser, Query(done): Query<Done>) -> Response {
    let notice = match (done.invited, done.changed.as_deref()) {
        (Some(email), _) => Some(format!("Invitation sent to {email}")),
        (None, Some("roles")) => Some("Roles changed".to_string()),
        (None, Some("deactivate")) => Some("Account deactivated. They can no longer sign in.".to_string()),
        _ => None,
    };
    page(&state, &user, notice.as_deref(), &[], "").await
}

pub async fn invite(State(state): State<AppState>, SignedInForm { user, fields }: SignedInForm) -> Response {
    let email = fields.text("email");
    match people::invite(&state.app, &user.session.actor, &email, &roles_from(&fields)).await {
        Ok(_) => Redirect::to(&format!(
            "/organisation/people?invited={}",
            urlencode(&email.to_lowercase())
        ))
        .into_response(),
        Err(e) if !e.field_errors().is_empty() => page(&state, &user, None, &e.field_errors(), &email).await,
        Err(e) => error_page(Some(&user.session.actor), &e),
    }
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~@".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

pub async fn change(
    State(state): State<AppState>,
    Path((id, what)): Path<(String, String)>,
    SignedInForm { user, fields }: SignedInForm,
) -> Response {
    let actor = &user.session.actor;
    let target = UserId::from_stored(id.clone());
    let result = match what.as_str() {
        "roles" => people::set_roles(&state.app, actor, &target, &roles_from(&fields)).await,
        "deactivate" => people::deactivate(&state.app, actor, &target).await,
        _ => return super::not_found().await,
    };
    match result {
        Ok(()) => Redirect::to(&format!("/organisation/people?changed={what}")).into_response(),
        Err(e) if e.is_form_error() => {
            let errors: Vec<FieldError> = e
                .field_errors()
                .into_iter()
                .map(|fe| fe.at(format!("roles-{id}")))
                .collect();
            page(&state, &user, None, &errors, "").await
        }
        Err(e) => error_page(Some(actor), &e),
    }
}

fn accept_page(token: &str, form_token: &str, name: &str, errors: &[FieldError]) -> Markup {
    let chrome = Chrome {
        title: "Join calloff",
        actor: None,
        csrf_token: None,
        section: Section::None,
        errors,
    };
    layout(
        chrome,
        html! {
            div class="govuk-grid-row" { div class="govuk-grid-column-two-thirds" {
                h1 class="govuk-heading-l" { "Join calloff" }
                p class="govuk-body" { "Choose the name others will see and a password. This link works once." }
                form method="post" action={ "/invitations/" (token) } novalidate {
                    (csrf_field(form_token))
                    (input(Input { error: error_for(errors, "name"), autocomplete: Some("name"), ..Input::text("name", "Your name", name) }))
                    (input(Input { error: error_for(errors, "password"), kind: "password", autocomplete: Some("new-password"), hint: Some("At least 10 characters"), ..Input::text("password", "Choose a password", "") }))
                    button type="submit" class="govuk-button" data-module="govuk-button" { "Join" }
                }
            } }
        },
    )
}

pub async fn accept_form(Path(token): Path<String>) -> Response {
    let (form_token, cookie) = crate::session::new_public_form(30);
    (
        [(header::SET_COOKIE, cookie)],
        render(StatusCode::OK, accept_page(&token, &form_token, "", &[])),
    )
        .into_response()
}

pub async fn accept(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(fields);
    let expected = match crate::session::public_form_token(&headers, &fields) {
        Ok(token) => token,
        Err(forged) => return forged,
    };
    let name = fields.text("name");
    match people::accept(&state.app, &token, &name, fields.get("password").unwrap_or_default()).await {
        Ok(_) => Redirect::to("/sign-in?joined=1").into_response(),
        Err(e) if e.is_form_error() => render(
            StatusCode::UNPROCESSABLE_ENTITY,
            accept_page(&token, &expected, &name, &e.field_errors()),
        ),
        Err(e) => error_page(None, &e),
    }
}
