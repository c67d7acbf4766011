//! A supplier declares its size and VCSE status, which the buyers' Transparency Code registers
//! publish.

use super::{error_page, render, Fields};
use crate::html::{csrf_field, error_for, layout, radios, success_banner, Chrome, Radio, Radios, Section};
use crate::session::{PageUser, SignedInForm};
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use calloff_app::supplier_status::{self, SupplierStatus};
use calloff_domain::FieldError;
use maud::{html, Markup};
use serde::Deserialize;

const PATH: &str = "/organisation/supplier-status";

#[derive(Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    done: Option<String>,
}

fn yes_no(value: bool) -> &'static str {
    if value {
        "yes"
    } else {
        "no"
    }
}

fn page(
    user: &PageUser,
    declared: Option<&SupplierStatus>,
    fields: &Fields,
    errors: &[FieldError],
    saved: bool,
) -> Markup {
    let title = "Your size and VCSE status";
    let chrome = Chrome {
        title,
        actor: Some(&user.session.actor),
        csrf_token: Some(&user.session.csrf_token),
        section: Section::Home,
        errors,
    };
    let answer = |name: &str, declared: Option<bool>| {
        let typed = fields.text(name);
        if typed.is_empty() {
            declared.map(yes_no).unwrap_or_default().to_string()
        } else {
            typed
        }
    };
    let sme = answer("sme", declared.map(|d| d.sme));
    let vcse = answer("vcse", declared.map(|d| d.vcse));
    let yes_no_items = [
        Radio {
            value: "yes",
            label: "Yes",
            hint: None,
        },
        Radio {
            value: "no",
            label: "No",
            hint: None,
        },
    ];
    layout(
        chrome,
        html! {
            @if saved { (success_banner("Your status is declared")) }
            (crate::html::back_link("/", "Back to your tasks"))
            h1 class="govuk-heading-l" { (title) }
            p class="govuk-body" {
                "Councils publish every contract over £5,000 under the Local Government Transparency Code, saying whether the supplier is a small or medium-sized enterprise and whether it is a voluntary, community or social enterprise. "
                "What you declare here is what their registers say of you."
            }
            @match declared {
                Some(d) => p class="govuk-body" id="declared" { "Last declared on " (crate::dates::date_of(&d.declared_at)) "." },
                None => p class="govuk-body" id="declared" { "You have not declared it yet, so the registers leave it empty." },
            }
            form method="post" action=(PATH) novalidate {
                (csrf_field(&user.session.csrf_token))
                (radios(Radios {
                    name: "sme",
                    legend: "Is your organisation a small or medium-sized enterprise?",
                    legend_class: Some("govuk-fieldset__legend--s"),
                    hint: Some("Fewer than 250 staff, and a turnover or balance sheet within the limits the Procurement Act 2023 sets"),
                    error: error_for(errors, "sme"),
                    items: &yes_no_items,
                    checked: &sme,
                }))
                (radios(Radios {
                    name: "vcse",
                    legend: "Is it a voluntary, community or social enterprise?",
                    legend_class: Some("govuk-fieldset__legend--s"),
                    hint: Some("A non-governmental organisation driven by its values, which reinvests its surpluses in social, environmental or cultural aims"),
                    error: error_for(errors, "vcse"),
                    items: &yes_no_items,
                    checked: &vcse,
                }))
                button type="submit" class="govuk-button" data-module="govuk-button" data-prevent-double-click="true" { "Declare" }
            }
        },
    )
}

pub async fn show(State(state): State<AppState>, user: PageUser, Query(done): Query<Done>) -> Response {
    let actor = &user.session.actor;
    match supplier_status::current(&state.app, actor).await {
        Ok(declared) => render(
            StatusCode::OK,
            page(
                &user,
                declared.as_ref(),
                &Fields(Vec::new()),
                &[],
                done.done.as_deref() == Some("declared"),
            ),
        ),
        Err(e) => error_page(Some(actor), &e),
    }
}

pub async fn declare(State(state): State<AppState>, SignedInForm { user, fields }: SignedInForm) -> Response {
    let actor = &user.session.actor;
    let declared = match supplier_status::current(&state.app, actor).await {
        Ok(d) => d,
        Err(e) => return error_page(Some(actor), &e),
    };
    match supplier_status::declare(&state.app, actor, &fields.text("sme"), &fields.text("vcse")).await {
        Ok(_) => Redirect::to(&format!("{PATH}?done=declared")).into_response(),
        Err(e) if e.is_form_error() => render(
            StatusCode::UNPROCESSABLE_ENTITY,
            page(&user, declared.as_ref(), &fields, &e.field_errors(), false),
        ),
        Err(e) => error_page(Some(actor), &e),
    }
}
