//! Registering an organisation, the framework managers' verification queue, and a framework's
//! eligibility register.

use super::{error_page, render, Fields};
use crate::html::{
    csrf_field, error_for, input, layout, paragraphs, success_banner, summary_list, textarea, timestamp, Chrome, Input,
    Section,
};
use crate::session::{PageUser, SignedInForm};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use calloff_app::frameworks;
use calloff_app::registration::{self, PendingOrganisation, Registration, VerificationDecision};
use calloff_domain::ids::{FrameworkId, OrganisationId};
use calloff_domain::organisation::{OrgIdentifier, OrganisationKind, KNOWN_SCHEMES};
use calloff_domain::FieldError;
use maud::{html, Markup};

/// Minutes a registration form stays valid.
const REGISTER_FORM_MINUTES: i64 = 30;

fn register_page(token: &str, r: &Registration, errors: &[FieldError]) -> Markup {
    let chrome = Chrome {
        title: "Register your organisation",
        actor: None,
        csrf_token: None,
        section: Section::None,
        errors,
    };
    let error = |field: &str| error_for(errors, field);
    let kind_error = error("kind");
    let scheme_error = error("identifier_scheme");
    layout(
        chrome,
        html! {
            div class="govuk-grid-row" { div class="govuk-grid-column-two-thirds" {
                h1 class="govuk-heading-l" { "Register your organisation" }
                p class="govuk-body" {
                    "Public bodies register here to buy through calloff. A framework manager checks your organisation's "
                    "identifier; until then you can sign in and browse the catalogue, but not place call-offs."
                }
                form method="post" action="/register" novalidate {
                    (csrf_field(token))
                    @let chosen = r.known_body.as_deref().unwrap_or("");
                    @let known_error = error("known_body");
                    div class={ "govuk-form-group" @if known_error.is_some() { " govuk-form-group--error" } } {
                        label class="govuk-label govuk-label--s" for="known_body" { "Your organisation" }
                        div id="known_body-hint" class="govuk-hint" {
                            "London's public bodies are listed by name. Choosing yours takes its kind and identifier from the register of known bodies."
                        }
                        @if let Some(e) = known_error { p id="known_body-error" class="govuk-error-message" { span class="govuk-visually-hidden" { "Error:" } " " (e) } }
                        select class={ "govuk-select" @if known_error.is_some() { " govuk-select--error" } } id="known_body" name="known_body"
                            data-calloff-autocomplete
                            aria-describedby={ "known_body-hint" @if known_error.is_some() { " known_body-error" } } {
                            option value="" { "Choose your organisation" }
                            @for body in registration::known_bodies() {
                                @let key = body.key();
                                option value=(key) selected[chosen == key] { (body.name) }
                            }
                            option value=(registration::NOT_LISTED) selected[chosen == registration::NOT_LISTED] { "My organisation is not listed" }
                        }
                    }
                    fieldset class="govuk-fieldset" aria-describedby="not-listed-hint" {
                        legend class="govuk-fieldset__legend govuk-fieldset__legend--s" { "If your organisation is not listed" }
                        div id="not-listed-hint" class="govuk-hint" { "Choose \u{201c}My organisation is not listed\u{201d} above, then tell us its name, kind and identifier. Leave these empty if you chose your organisation from the list." }
                    (input(Input { error: error("organisation_name"), autocomplete: Some("organization"), ..Input::text("organisation_name", "Organisation name", &r.organisation_name) }))
                    div class={ "govuk-form-group" @if kind_error.is_some() { " govuk-form-group--error" } } {
                        label class="govuk-label" for="kind" { "Kind of organisation" }
                        @if let Some(e) = kind_error { p id="kind-error" class="govuk-error-message" { span class="govuk-visually-hidden" { "Error:" } " " (e) } }
                        select class={ "govuk-select" @if kind_error.is_some() { " govuk-select--error" } } id="kind" name="kind" aria-describedby=[kind_error.map(|_| "kind-error")] {
                            option value="" { "Choose a kind" }
                            @for kind in OrganisationKind::ALL.into_iter().filter(|k| *k != OrganisationKind::Supplier) {
                                option value=(kind.as_str()) selected[r.kind == kind.as_str()] { (kind.label()) }
                            }
                        }
                    }
                    div class={ "govuk-form-group" @if scheme_error.is_some() { " govuk-form-group--error" } } {
                        label class="govuk-label" for="identifier_scheme" { "Identifier scheme" }
                        div id="identifier_scheme-hint" class="govuk-hint" {
                            "GB-LAE for local authorities, GB-NHS for NHS bodies (ODS code), GB-EDU for schools (URN), "
                            "GB-SHPE for housing associations, GB-COH for companies, GB-PPON for your PPON"
                        }
                        @if let Some(e) = scheme_error { p id="identifier_scheme-error" class="govuk-error-message" { span class="govuk-visually-hidden" { "Error:" } " " (e) } }
                        select class={ "govuk-select" @if scheme_error.is_some() { " govuk-select--error" } } id="identifier_scheme" name="identifier_scheme"
                            aria-describedby={ "identifier_scheme-hint" @if scheme_error.is_some() { " identifier_scheme-error" } } {
                            @for scheme in KNOWN_SCHEMES {
                                option value=(scheme) selected[r.identifier_scheme == scheme] { (scheme) }
                            }
                        }
                    }
                    (input(Input { error: error("identifier"), width_class: Some("govuk-input--width-20"), spellcheck: Some(false), ..Input::text("identifier", "Identifier", &r.identifier) }))
                    }
                    (textarea("evidence", "How can a framework manager check that you work there? (optional)", &r.evidence,
                        Some("For example, a link to your organisation's staff page, your job title, or a colleague who can confirm it"), error("evidence")))
                    (input(Input { error: error("your_name"), autocomplete: Some("name"), ..Input::text("your_name", "Your name", &r.your_name) }))
                    (input(Input { error: error("email"), kind: "email", autocomplete: Some("email"), spellcheck: Some(false), ..Input::text("email", "Your work email address", &r.email) }))
                    (input(Input { error: error("password"), kind: "password", autocomplete: Some("new-password"), hint: Some("At least 10 characters"), ..Input::text("password", "Choose a password", "") }))
                    button type="submit" class="govuk-button" data-module="govuk-button" { "Register" }
                }
            } }
            // Where JavaScript runs, the list of bodies becomes a type-ahead.
            script src="/assets/accessible-autocomplete.min.js" {}
            script src="/assets/autocomplete.js" {}
        },
    )
}

pub async fn register_form() -> Response {
    let (token, cookie) = crate::session::new_public_form(REGISTER_FORM_MINUTES);
    let page = register_page(
        &token,
        &Registration {
            identifier_scheme: "GB-LAE".into(),
            known_body: Some(String::new()),
            ..Default::default()
        },
        &[],
    );
    ([(header::SET_COOKIE, cookie)], render(StatusCode::OK, page)).into_response()
}

pub async fn register(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(fields);
    let expected = match crate::session::public_form_token(&headers, &fields) {
        Ok(token) => token,
        Err(forged) => return forged,
    };
    let r = Registration {
        known_body: Some(fields.text("known_body")),
        evidence: fields.text("evidence"),
        organisation_name: fields.text("organisation_name"),
        kind: fields.text("kind"),
        identifier_scheme: fields.text("identifier_scheme"),
        identifier: fields.text("identifier"),
        your_name: fields.text("your_name"),
        email: fields.text("email"),
        password: fields.get("password").unwrap_or_default().to_string(),
    };
    match registration::register(&state.app, &r).await {
        Ok(_) => {
            let name = r
                .known_body
                .as_deref()
                .and_then(registration::known_body)
                .map_or(r.organisation_name.as_str(), |b| b.name.as_str());
            let chrome = Chrome {
                title: "Registration received",
                actor: None,
                csrf_token: None,
                section: Section::None,
                errors: &[],
            };
            render(
                StatusCode::OK,
                layout(
                    chrome,
                    html! {
                        div class="govuk-panel govuk-panel--confirmation" {
                            h1 class="govuk-panel__title" { "Registration received" }
                            div class="govuk-panel__body" { (name) " is waiting to be verified" }
                        }
                        p class="govuk-body" { "A framework manager will check your identifier. We will email you when they decide." }
                        p class="govuk-body" { "You can " a class="govuk-link" href="/sign-in" { "sign in" } " now to browse the catalogue." }
                    },
                ),
            )
        }
        Err(e) if !e.field_errors().is_empty() => render(
            StatusCode::UNPROCESSABLE_ENTITY,
            register_page(&expected, &r, &e.field_errors()),
        ),
        Err(e) => error_page(None, &e),
    }
}

/// Where a person can check an identifier in its official register, and what that register is.
fn official_register(id: &OrgIdentifier) -> Option<(String, &'static str)> {
    let value = id.value();
    match id.scheme() {
        "GB-LAE" => Some((
            "https://org-id.guide/list/GB-LAE".to_string(),
            "the register of local authorities in England (org-id.guide)",
        )),
        "GB-NHS" => Some((
            format!("https://directory.spineservices.nhs.uk/ORD/2-0-0/organisations/{value}"),
            "the NHS Organisation Data Service",
        )),
        "GB-EDU" => Some((
            format!("https://get-information-schools.service.gov.uk/Establishments/Establishment/Details/{value}"),
            "Get Information about Schools",
        )),
        "GB-COH" => Some((
            format!("https://find-and-update.company-information.service.gov.uk/company/{value}"),
            "Companies House",
        )),
        "GB-SHPE" => Some((
            "https://www.gov.uk/government/publications/current-registered-providers-of-social-housing".to_string(),
            "the Regulator of Social Housing's list of registered providers",
        )),
        _ => None,
    }
}

fn identifier_with_register(id: &OrgIdentifier) -> Markup {
    html! {
        (id)
        @if let Some((url, register)) = official_register(id) {
            br;
            a class="govuk-link" href=(url) rel="noreferrer noopener" target="_blank" {
                "Check " span class="govuk-visually-hidden" { (id) " " } "on " (register) " (opens in new tab)"
            }
        }
    }
}

fn pending_page(
    user: &PageUser,
    pending: &[PendingOrganisation],
    banner: Option<&str>,
    errors: &[FieldError],
) -> Markup {
    let chrome = Chrome {
        title: "Organisations waiting for verification",
        actor: Some(&user.session.actor),
        csrf_token: Some(&user.session.csrf_token),
        section: Section::Verification,
        errors,
    };
    layout(
        chrome,
        html! {
            @if let Some(banner) = banner { (success_banner(banner)) }
            h1 class="govuk-heading-l" { "Organisations waiting for verification" }
            @if pending.is_empty() {
                p class="govuk-body" { "No organisations are waiting." }
            } @else {
                p class="govuk-body" {
                    "Check each organisation's identifier in its official register, and that the applicant works there, before you verify it. "
                    "A verified organisation can place call-offs on every framework it is eligible for."
                }
            }
            @for p in pending {
                @let org = &p.organisation;
                h2 class="govuk-heading-m" { (org.name) }
                (summary_list(&[
                    ("Kind", html! { (org.kind.label()) }),
                    ("Applicant", html! {
                        @match &p.application {
                            Some(a) => { (a.contact_name) br; a class="govuk-link" href={ "mailto:" (a.contact_email) } { (a.contact_email) } },
                            None => "Not registered through calloff",
                        }
                    }),
                    ("Registered", html! { @match &p.application { Some(a) => { (timestamp(&a.applied_at)) }, None => "Not known" } }),
                    (if org.identifiers.len() == 1 { "Identifier" } else { "Identifiers" }, html! {
                        @for (i, id) in org.identifiers.iter().enumerate() {
                            @if i > 0 { br; }
                            (identifier_with_register(id))
                        }
                        @if org.identifiers.is_empty() { "None given" }
                    }),
                    ("Register of known bodies", html! {
                        @if p.application.as_ref().is_some_and(|a| a.known_body) {
                            strong class="govuk-tag govuk-tag--green" { "Matched" }
                            " The identifier is in the register of known London public bodies."
                        } @else {
                            strong class="govuk-tag govuk-tag--yellow" { "Not matched" }
                            " The identifier is not in the register of known London public bodies: check it in the official register."
                        }
                    }),
                    ("Evidence given", html! {
                        @match p.application.as_ref().map(|a| a.evidence.as_str()).filter(|e| !e.is_empty()) {
                            Some(evidence) => (paragraphs(evidence)),
                            None => "None given",
                        }
                    }),
                ]))
                div class="govuk-button-group" {
                    form method="post" action={ "/organisations/" (org.id) "/verify" } {
                        (csrf_field(&user.session.csrf_token))
                        button type="submit" class="govuk-button" data-module="govuk-button" { "Verify " span class="govuk-visually-hidden" { (org.name) } }
                    }
                }
                form method="post" action={ "/organisations/" (org.id) "/reject" } novalidate {
                    (csrf_field(&user.session.csrf_token))
                    @let field = format!("reason-{}", org.id);
                    (textarea(&field, &format!("Reason for not verifying {}", org.name), "", Some("The organisation's admins are emailed this reason"), error_for(errors, &field)))
                    button type="submit" class="govuk-button govuk-button--warning" data-module="govuk-button" { "Reject " span class="govuk-visually-hidden" { (org.name) } }
                }
            }
        },
    )
}

#[derive(serde::Deserialize)]
pub struct Decided {
    decided: Option<String>,
}

pub async fn pending(State(state): State<AppState>, user: PageUser, Query(q): Query<Decided>) -> Response {
    let actor = &user.session.actor;
    let banner = match q.decided {
        Some(id) => match registration::decided(&state.app, actor, &OrganisationId::from_stored(id)).await {
            Ok(Some((name, decision))) if decision == "verified" => Some(format!(
                "{name} is verified: it can now place call-offs on the frameworks it is eligible for"
            )),
            Ok(Some((name, _))) => Some(format!("{name} was not verified: its admins have been told why")),
            Ok(None) => None,
            Err(e) => return error_page(Some(actor), &e),
        },
        None => None,
    };
    match registration::pending_applications(&state.app, actor).await {
        Ok(pending) => render(StatusCode::OK, pending_page(&user, &pending, banner.as_deref(), &[])),
        Err(e) => error_page(Some(actor), &e),
    }
}

pub async fn decide(
    State(state): State<AppState>,
    Path((id, decision)): Path<(String, String)>,
    SignedInForm { user, fields }: SignedInForm,
) -> Response {
    let actor = &user.session.actor;
    let reason_field = format!("reason-{id}");
    let decision = match decision.as_str() {
        "verify" => VerificationDecision::Verify,
        "reject" => VerificationDecision::Reject {
            reason: fields.text(&reason_field),
        },
        _ => return super::not_found().await,
    };
    let org_id = OrganisationId::from_stored(id);
    match registration::decide(&state.app, actor, &org_id, &decision).await {
        Ok(()) => Redirect::to(&format!("/organisations/pending?decided={org_id}")).into_response(),
        Err(e) if e.is_form_error() => {
            let errors: Vec<FieldError> = e
                .field_errors()
                .into_iter()
                .map(|fe| fe.at(reason_field.clone()))
                .collect();
            match registration::pending_applications(&state.app, actor).await {
                Ok(pending) => render(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    pending_page(&user, &pending, None, &errors),
                ),
                Err(e) => error_page(Some(actor), &e),
            }
        }
        Err(e) => error_page(Some(actor), &e),
    }
}

pub async fn eligibility(State(state): State<AppState>, user: PageUser, Path(id): Path<String>) -> Response {
    let actor = &user.session.actor;
    let register = match frameworks::eligibility(&state.app, actor, &FrameworkId::from_stored(id)).await {
        Ok(r) => r,
        Err(e) => return error_page(Some(actor), &e),
    };
    let chrome = Chrome {
        title: "Who may buy",
        actor: Some(actor),
        csrf_token: Some(&user.session.csrf_token),
        section: Section::Frameworks,
        errors: &[],
    };
    render(
        StatusCode::OK,
        layout(
            chrome,
            html! {
                (crate::html::back_link(&format!("/frameworks/{}", register.framework.id), "Back to the framework"))
                span class="govuk-caption-l" { (register.framework.reference) }
                h1 class="govuk-heading-l" { "Who may buy through this framework" }
                p class="govuk-body" { "A verified organisation may place call-offs if it is of a kind listed here, or named here." }
                h2 class="govuk-heading-m" { "Kinds of body" }
                @if register.kinds.is_empty() { p class="govuk-body" { "None: only the bodies named below." } }
                ul class="govuk-list govuk-list--bullet" { @for kind in &register.kinds { li { (kind.label()) } } }
                h2 class="govuk-heading-m" { "Named bodies" }
                @if register.named.is_empty() { p class="govuk-body" { "None." } }
                ul class="govuk-list govuk-list--bullet" {
                    @for org in &register.named {
                        li { (org.name) @if let Some(id) = org.org_id() { " (" (id) ")" } }
                    }
                }
            },
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_link_to_their_official_registers() {
        let url = |scheme: &str, value: &str| {
            official_register(&OrgIdentifier::parse(scheme, value).unwrap()).map(|(u, _)| u)
        };
        assert_eq!(
            url("GB-COH", "01234567").as_deref(),
            Some("https://find-and-update.company-information.service.gov.uk/company/01234567")
        );
        assert_eq!(
            url("GB-EDU", "100271").as_deref(),
            Some("https://get-information-schools.service.gov.uk/Establishments/Establishment/Details/100271")
        );
        assert!(url("GB-NHS", "RAL").unwrap().ends_with("/organisations/RAL"));
        assert!(url("GB-LAE", "HAV").unwrap().contains("GB-LAE"));
        assert!(url("GB-SHPE", "L0001")
            .unwrap()
            .contains("registered-providers-of-social-housing"));
    }
}
