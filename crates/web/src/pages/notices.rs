//! The Procurement Act notices a buyer has to publish: the list across its call-offs, and
//! recording one as published on Find a Tender.

use super::{error_page, render};
use crate::html::{csrf_field, date_input, error_for, input, layout, Chrome, Input, Section, TypedDate};
use crate::session::{PageUser, SignedInForm};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use calloff_app::call_offs::{self, CallOffView};
use calloff_app::notices;
use calloff_domain::ids::CallOffId;
use calloff_domain::FieldError;
use maud::{html, Markup};
use serde::Deserialize;

/// Every notice the buyer's organisation has still to publish, soonest due first.
pub async fn list(State(state): State<AppState>, user: PageUser) -> Response {
    let actor = &user.session.actor;
    let outstanding = match notices::outstanding(&state.app, actor).await {
        Ok(list) => list,
        Err(e) => return error_page(Some(actor), &e),
    };
    let today = state.app.today();
    let title = "Notices to publish";
    let chrome = Chrome {
        title,
        actor: Some(actor),
        csrf_token: Some(&user.session.csrf_token),
        section: Section::CallOffs,
        errors: &[],
    };
    render(
        StatusCode::OK,
        layout(
            chrome,
            html! {
                (crate::html::back_link("/", "Back to your tasks"))
                h1 class="govuk-heading-l" { (title) }
                p class="govuk-body" {
                    "The Procurement Act 2023 notices your call-offs need on Find a Tender, soonest due first. "
                    "Once you have published one, record its reference from the call-off's page."
                }
                @if outstanding.is_empty() {
                    p class="govuk-body" id="none-outstanding" { "Every notice your call-offs need so far is recorded as published." }
                } @else {
                    table class="govuk-table" id="notices-outstanding" {
                        caption class="govuk-table__caption govuk-table__caption--m" { (calloff_domain::text::count(outstanding.len(), "notice", "notices")) " to publish" }
                        thead class="govuk-table__head" { tr class="govuk-table__row" {
                            th scope="col" class="govuk-table__header" { "Call-off" }
                            th scope="col" class="govuk-table__header" { "Notice" }
                            th scope="col" class="govuk-table__header" { "Due by" }
                        } }
                        tbody class="govuk-table__body" {
                            @for o in &outstanding {
                                tr class="govuk-table__row" {
                                    td class="govuk-table__cell" {
                                        a class="govuk-link" href={ "/call-offs/" (o.call_off) "#notices-heading" } { (o.reference) }
                                        @if let Some(title) = &o.title { br; span class="govuk-body-s" { (title) } }
                                    }
                                    td class="govuk-table__cell" {
                                        (o.due.kind.label()) " (" (o.due.kind.code()) ")"
                                        @if let Some(n) = o.due.variation { ", variation " (n) }
                                        br;
                                        a class="govuk-link govuk-body-s" href=(data_link(&o.call_off, &o.due)) download {
                                            "Notice data (OCDS JSON)" span class="govuk-visually-hidden" { " for " (o.reference) }
                                        }
                                    }
                                    td class="govuk-table__cell" {
                                        (crate::dates::date(o.due.due_on))
                                        @if o.due.due_on < today { " " strong class="govuk-tag govuk-tag--red" { "Overdue" } }
                                    }
                                }
                            }
                        }
                    }
                }
            },
        ),
    )
}

/// Which notice a form records.
#[derive(Deserialize, Default)]
pub struct Which {
    #[serde(default)]
    notice: String,
    #[serde(default)]
    variation: Option<String>,
}

fn variation_of(text: Option<&str>) -> Option<u32> {
    text.and_then(|v| v.trim().parse().ok())
}

fn record_page(
    user: &PageUser,
    view: &CallOffView,
    which: (&str, Option<u32>),
    typed: (&str, &TypedDate),
    errors: &[FieldError],
) -> Markup {
    let (notice, variation) = which;
    let (reference, published_on) = typed;
    let title = format!("Record the {notice} notice as published");
    let chrome = Chrome {
        title: &title,
        actor: Some(&user.session.actor),
        csrf_token: Some(&user.session.csrf_token),
        section: Section::CallOffs,
        errors,
    };
    let call_off = format!("/call-offs/{}", view.call_off.id);
    layout(
        chrome,
        html! {
            (crate::html::back_link(&format!("{call_off}#notices-heading"), "Back to the call-off"))
            span class="govuk-caption-l" { "Call-off " (view.call_off.reference) }
            h1 class="govuk-heading-l" { (title) }
            @if let Some(e) = error_for(errors, "notice") { p class="govuk-error-message" id="notice" { span class="govuk-visually-hidden" { "Error: " } (e) } }
            form method="post" action={ (call_off) "/notices" } novalidate {
                (csrf_field(&user.session.csrf_token))
                input type="hidden" name="notice" value=(notice);
                @if let Some(n) = variation { input type="hidden" name="variation" value=(n); }
                (input(Input {
                    hint: Some("As Find a Tender shows it, for example 012345-2026"),
                    error: error_for(errors, "reference"),
                    spellcheck: Some(false),
                    ..Input::text("reference", "Notice reference", reference)
                }))
                (date_input("published_on", "Day it was published", "For example, 4 12 2026. Leave it empty for today.", published_on, error_for(errors, "published_on")))
                button type="submit" class="govuk-button" data-module="govuk-button" { "Record as published" }
            }
        },
    )
}

/// The link to a notice's data as the UK profile's OCDS release.
pub fn data_link(call_off: &calloff_domain::ids::CallOffId, due: &calloff_domain::notices::NoticeDue) -> String {
    match due.variation {
        Some(n) => format!("/call-offs/{call_off}/notices/{}/ocds?variation={n}", due.kind.code()),
        None => format!("/call-offs/{call_off}/notices/{}/ocds", due.kind.code()),
    }
}

/// A notice's data, downloaded from a page: the same package as the API gives.
pub async fn data(
    State(state): State<AppState>,
    user: PageUser,
    headers: axum::http::HeaderMap,
    Path((id, notice)): Path<(String, String)>,
    Query(which): Query<Which>,
) -> Response {
    let actor = &user.session.actor;
    let view = match call_offs::view(&state.app, actor, &CallOffId::from_stored(id)).await {
        Ok(v) => v,
        Err(e) => return error_page(Some(actor), &e),
    };
    let variation = variation_of(which.variation.as_deref());
    let release = match notices::notice_data(&state.app, &view, &notice, variation).await {
        Ok(r) => r,
        Err(e) => return error_page(Some(actor), &e),
    };
    let notice = notice.trim();
    let path = match variation {
        Some(n) => format!("/call-offs/{}/notices/{notice}/ocds?variation={n}", view.call_off.id),
        None => format!("/call-offs/{}/notices/{notice}/ocds", view.call_off.id),
    };
    let head = calloff_app::ocds::package_head(&state.app, crate::api::ocds::url_of(&state.app, &headers, &path));
    let package = calloff_interop::ocds::notice_package(&head, release);
    let file = match variation {
        Some(n) => format!("{}-{notice}-{n}.json", view.call_off.reference),
        None => format!("{}-{notice}.json", view.call_off.reference),
    };
    (
        [
            (axum::http::header::CONTENT_TYPE, "application/json".to_string()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"{}\"",
                    file.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-' && c != '.', "-")
                ),
            ),
        ],
        axum::Json(package),
    )
        .into_response()
}

pub async fn record_form(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Query(which): Query<Which>,
) -> Response {
    let actor = &user.session.actor;
    let view = match call_offs::view(&state.app, actor, &CallOffId::from_stored(id)).await {
        Ok(v) if v.standing.acts_as_buyer(&actor.roles) => v,
        Ok(_) => {
            return error_page(
                Some(actor),
                &calloff_app::AppError::Forbidden("only the call-off's buyers record its notices".into()),
            )
        }
        Err(e) => return error_page(Some(actor), &e),
    };
    let which = (which.notice.as_str(), variation_of(which.variation.as_deref()));
    render(
        StatusCode::OK,
        record_page(&user, &view, which, ("", &TypedDate::default()), &[]),
    )
}

pub async fn record(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SignedInForm { user, fields }: SignedInForm,
) -> Response {
    let actor = &user.session.actor;
    let id = CallOffId::from_stored(id);
    let view = match call_offs::view(&state.app, actor, &id).await {
        Ok(v) => v,
        Err(e) => return error_page(Some(actor), &e),
    };
    let notice = fields.text("notice");
    let variation_text = fields.text("variation");
    let variation = variation_of(Some(&variation_text));
    let reference = fields.text("reference");
    let typed = TypedDate::from_fields(&fields, "published_on");
    let published_on = if [&typed.day, &typed.month, &typed.year]
        .iter()
        .all(|p| p.trim().is_empty())
    {
        String::new()
    } else {
        // A date that does not exist is named as such by the use case.
        typed.date().map_or_else(|| "not a date".to_string(), |d| d.to_string())
    };
    match notices::record_published(&state.app, actor, &view, &notice, variation, &reference, &published_on).await {
        Ok(()) => Redirect::to(&format!("/call-offs/{id}?done=notice")).into_response(),
        Err(e) if e.is_form_error() => render(
            StatusCode::UNPROCESSABLE_ENTITY,
            record_page(
                &user,
                &view,
                (&notice, variation),
                (&reference, &typed),
                &e.field_errors(),
            ),
        ),
        Err(e) => error_page(Some(actor), &e),
    }
}
