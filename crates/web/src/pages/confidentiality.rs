//! The framework's manager decides what its open data withholds as commercially confidential:
//! a field of every call-off's releases, with a reason the releases state (ADR 0017).

use super::{error_page, render, Fields};
use crate::html::{csrf_field, error_for, layout, radios, success_banner, textarea, Chrome, Radio, Radios, Section};
use crate::session::{PageUser, SignedInForm};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use calloff_app::ocds::{self, Confidentiality};
use calloff_domain::ids::FrameworkId;
use calloff_domain::FieldError;
use calloff_interop::ocds::{Withheld, WithheldField};
use maud::{html, Markup};
use serde::Deserialize;

const WITHHOLD: &str = "withhold";
const PUBLISH: &str = "publish";

#[derive(Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    done: Option<String>,
}

fn path(framework: &FrameworkId) -> String {
    format!("/frameworks/{framework}/confidentiality")
}

fn page(
    user: &PageUser,
    framework: &FrameworkId,
    withheld: &Withheld,
    fields: &Fields,
    errors: &[FieldError],
    saved: bool,
) -> Markup {
    let title = "What the open data withholds";
    let chrome = Chrome {
        title,
        actor: Some(&user.session.actor),
        csrf_token: Some(&user.session.csrf_token),
        section: Section::Frameworks,
        errors,
    };
    let labels: Vec<(WithheldField, String)> = WithheldField::ALL
        .into_iter()
        .map(|f| {
            let mut label = f.label().to_string();
            if let Some(first) = label.get_mut(0..1) {
                first.make_ascii_uppercase();
            }
            (f, label)
        })
        .collect();
    let field_items: Vec<Radio> = labels
        .iter()
        .map(|(f, label)| Radio {
            value: f.as_str(),
            label,
            hint: None,
        })
        .collect();
    let reason_of = |f: WithheldField| withheld.0.iter().find(|(w, _)| *w == f).map(|(_, r)| r.as_str());
    layout(
        chrome,
        html! {
            @if saved { (success_banner("The open data is updated")) }
            (crate::html::back_link(&format!("/frameworks/{framework}"), "Back to the framework"))
            h1 class="govuk-heading-l" { (title) }
            p class="govuk-body" {
                "Every placed call-off under this framework is published as open data (OCDS), with no sign-in. "
                "You may withhold a field as commercially confidential, with a reason: the releases then leave it out and say what is withheld and why."
            }
            table class="govuk-table" id="withheld" {
                caption class="govuk-table__caption govuk-table__caption--m" { "Fields that may be withheld" }
                thead class="govuk-table__head" { tr class="govuk-table__row" {
                    th scope="col" class="govuk-table__header" { "Field" }
                    th scope="col" class="govuk-table__header" { "Open data" }
                    th scope="col" class="govuk-table__header" { "Reason" }
                } }
                tbody class="govuk-table__body" {
                    @for (f, label) in &labels {
                        tr class="govuk-table__row" {
                            td class="govuk-table__cell" { (label) }
                            @match reason_of(*f) {
                                Some(reason) => {
                                    td class="govuk-table__cell" { strong class="govuk-tag govuk-tag--yellow" { "Withheld" } }
                                    td class="govuk-table__cell" { (reason) }
                                }
                                None => {
                                    td class="govuk-table__cell" { strong class="govuk-tag govuk-tag--green" { "Published" } }
                                    td class="govuk-table__cell" { "" }
                                }
                            }
                        }
                    }
                }
            }
            h2 class="govuk-heading-m" { "Change what is withheld" }
            form method="post" action=(path(framework)) novalidate {
                (csrf_field(&user.session.csrf_token))
                (radios(Radios {
                    name: "field",
                    legend: "Which field?",
                    legend_class: Some("govuk-fieldset__legend--s"),
                    hint: None,
                    error: error_for(errors, "field"),
                    items: &field_items,
                    checked: &fields.text("field"),
                }))
                (radios(Radios {
                    name: "withhold",
                    legend: "Withhold it or publish it?",
                    legend_class: Some("govuk-fieldset__legend--s"),
                    hint: None,
                    error: error_for(errors, "withhold"),
                    items: &[
                        Radio { value: WITHHOLD, label: "Withhold it as commercially confidential", hint: None },
                        Radio { value: PUBLISH, label: "Publish it again", hint: None },
                    ],
                    checked: &fields.text("withhold"),
                }))
                (textarea(
                    "reason",
                    "Why it is commercially confidential",
                    &fields.text("reason"),
                    Some("Needed to withhold a field; every release states it. At most 500 characters."),
                    error_for(errors, "reason"),
                ))
                button type="submit" class="govuk-button" data-module="govuk-button" data-prevent-double-click="true" { "Save" }
            }
        },
    )
}

pub async fn show(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> Response {
    let actor = &user.session.actor;
    let framework = FrameworkId::from_stored(id);
    match ocds::withheld_fields(&state.app, actor, &framework).await {
        Ok(withheld) => render(
            StatusCode::OK,
            page(
                &user,
                &framework,
                &withheld,
                &Fields(Vec::new()),
                &[],
                done.done.as_deref() == Some("saved"),
            ),
        ),
        Err(e) => error_page(Some(actor), &e),
    }
}

pub async fn save(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SignedInForm { user, fields }: SignedInForm,
) -> Response {
    let actor = &user.session.actor;
    let framework = FrameworkId::from_stored(id);
    // Whose framework it is is checked before what was sent.
    let withheld = match ocds::withheld_fields(&state.app, actor, &framework).await {
        Ok(w) => w,
        Err(e) => return error_page(Some(actor), &e),
    };
    let choice = fields.text("withhold");
    let request = Confidentiality {
        field: fields.text("field"),
        withhold: choice == WITHHOLD,
        reason: fields.text("reason"),
    };
    let mut errors = request.check().err().unwrap_or_default();
    if choice != WITHHOLD && choice != PUBLISH {
        errors.push(FieldError::new(
            "withhold",
            "Choose whether to withhold the field or publish it again",
        ));
    }
    let outcome = if errors.is_empty() {
        ocds::set_confidentiality(&state.app, actor, &framework, &request)
            .await
            .map(|_| ())
    } else {
        Err(calloff_app::AppError::fields(errors))
    };
    match outcome {
        Ok(()) => Redirect::to(&format!("{}?done=saved", path(&framework))).into_response(),
        Err(e) if !e.field_errors().is_empty() => render(
            StatusCode::UNPROCESSABLE_ENTITY,
            page(&user, &framework, &withheld, &fields, &e.field_errors(), false),
        ),
        Err(e) => error_page(Some(actor), &e),
    }
}
