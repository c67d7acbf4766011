//! The signed-in user's notifications.

use super::{error_page, render};
use crate::html::{csrf_field, layout, success_banner, timestamp, Chrome, Section};
use crate::session::{PageUser, SignedInForm};
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use calloff_app::notifications;
use maud::html;

#[derive(serde::Deserialize)]
pub struct Notice {
    read: Option<String>,
}

pub async fn list(State(state): State<AppState>, user: PageUser, Query(notice): Query<Notice>) -> Response {
    let actor = &user.session.actor;
    let items = match notifications::list(&state.app, actor).await {
        Ok(items) => items,
        Err(e) => return error_page(Some(actor), &e),
    };
    let unread = items.iter().filter(|n| n.read_at.is_none()).count();
    let chrome = Chrome {
        title: "Notifications",
        actor: Some(actor),
        csrf_token: Some(&user.session.csrf_token),
        section: Section::Notifications,
        errors: &[],
    };
    render(
        StatusCode::OK,
        layout(
            chrome,
            html! {
                @if notice.read.is_some() { (success_banner("All notifications marked as read")) }
                h1 class="govuk-heading-l" { "Notifications" }
                @if items.is_empty() {
                    p class="govuk-body" { "You have no notifications." }
                } @else {
                    p class="govuk-body" { (unread) " unread. We also send each one by email." }
                    ul class="govuk-list" {
                        @for n in &items {
                            li class="govuk-!-margin-bottom-4" {
                                h2 class="govuk-heading-s govuk-!-margin-bottom-1" {
                                    @if n.read_at.is_none() { strong class="govuk-tag govuk-tag--blue govuk-!-margin-right-2" { "New" } }
                                    a class="govuk-link" href=(n.link) { (n.subject) }
                                }
                                p class="govuk-body govuk-!-margin-bottom-1" { (n.body) }
                                p class="govuk-body-s govuk-!-margin-bottom-0" {
                                    (timestamp(&n.created_at)) " · "
                                    @if n.sent_at.is_some() { "emailed" }
                                    @else if n.attempts > 0 { "email not yet delivered, retrying" }
                                    @else { "email queued" }
                                }
                            }
                        }
                    }
                    @if unread > 0 {
                        form method="post" action="/notifications/read" {
                            (csrf_field(&user.session.csrf_token))
                            button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button" { "Mark all as read" }
                        }
                    }
                }
            },
        ),
    )
}

pub async fn mark_read(State(state): State<AppState>, SignedInForm { user, fields: _ }: SignedInForm) -> Response {
    match notifications::mark_all_read(&state.app, &user.session.actor).await {
        Ok(_) => Redirect::to("/notifications?read=1").into_response(),
        Err(e) => error_page(Some(&user.session.actor), &e),
    }
}
